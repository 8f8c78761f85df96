"""A checked message and the values of one evaluation in, the text a person reads out.

Most messages are plain: text with values and formatting filters (``{{ facts.discount | pct
}}``). The checker stores their plain form, and they are written here directly, without
jinja2 (which then is not even imported). Anything else - conditions, loops, other filters,
a value that is not plain data - goes to the sandboxed jinja2 template in ``templates.py``,
which also decides every case the plain path is unsure of, so both always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .formats import (
    MAX_OUTPUT,
    PLAIN_FILTERS,
    Plain,
    RenderFailed,
    fmt_date,
    fmt_money,
    fmt_number,
    fmt_percent,
    value_label,
)
from .formats import Unsure as _Unsure

__all__ = [
    "MAX_OUTPUT",
    "PLAIN_FILTERS",
    "Message",
    "Plain",
    "RenderFailed",
    "fmt_date",
    "fmt_money",
    "fmt_number",
    "fmt_percent",
    "write_plain",
]

_ABSENT = object()


@dataclass(frozen=True)
class Message:
    """One message in up to two languages (template text, checked when the playbook loaded).

    ``plain`` holds the plain form of each text that has one. Other templates are compiled
    when first rendered and shared by every playbook with the same text, so loading a
    playbook does not pay for messages no deal ever shows."""

    source: Mapping[str, str]
    plain: Mapping[str, Plain] = field(default_factory=dict)

    def render(self, lang: str, values: Mapping[str, Any], plain: bool = True) -> str:
        """The text in ``lang`` (else English, else the one there is). ``plain=False`` leaves
        every message to jinja2: the tests compare both writers that way."""
        source = self.source
        key = lang if source.get(lang) else "en" if source.get("en") else next(iter(source))
        parts = self.plain.get(key)
        if parts is not None and plain:
            try:
                return write_plain(parts, values)
            except (_Unsure, ArithmeticError, TypeError, ValueError):
                pass  # the template engine decides, and says why when it cannot write it
        from .templates import compiled, render

        return render(compiled(source[key]), values)


def write_plain(parts: Plain, values: Mapping[str, Any]) -> str:
    """Write a plain form exactly as jinja2 would (``str`` of each value, filters applied),
    with whitespace runs folded to one space; raises ``_Unsure`` where jinja2 must decide."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        path, filters = part
        value = values.get(path[0], _ABSENT)
        for name in path[1:]:
            # jinja2 reads a dict's key first; a missing key or any other object is its call
            if type(value) is not dict:
                raise _Unsure
            value = value.get(name, _ABSENT)
        if value is _ABSENT or value is None:
            raise _Unsure  # jinja2 refuses an unknown value (formats.finalize)
        for filter_name, args in filters:
            if filter_name == "label":
                value = value_label(value, str(args[0]) if args else "", values)
                continue
            value = PLAIN_FILTERS[filter_name](value, *args)
        out.append(str(value))
    text = "".join(out)
    if len(text) > MAX_OUTPUT:
        raise _Unsure  # jinja2's path cuts it
    return " ".join(text.split())
