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

from ..limits import MAX_OUTPUT
from ..text import fmt_date, fmt_join, fmt_money, fmt_number, fmt_percent

# A plain form: literal text, or (name path, ((filter, args), ...)) for one {{ value }}.
Plain = tuple[str | tuple[tuple[str, ...], tuple[tuple[str, tuple[Any, ...]], ...]], ...]
USE_PLAIN_FORMS = True  # the tests switch it off to compare both paths


def _join(value: Any, separator: str = "") -> str:
    # jinja2's join without autoescape, for the one kind of value the plain path takes
    if value.__class__ is not list:
        raise _Unsure
    return fmt_join(value, separator)


PLAIN_FILTERS = {
    "pct": fmt_percent,
    "money": fmt_money,
    "number": fmt_number,
    "date": fmt_date,
    "join": _join,
}


class RenderFailed(Exception):
    """A message could not be written for this deal (it read a value the deal lacks)."""


class _Unsure(Exception):
    """The plain path leaves this message to jinja2 (a missing value, an object...)."""


_ABSENT = object()


@dataclass(frozen=True)
class Message:
    """One message in up to two languages (template text, checked when the playbook loaded).

    ``plain`` holds the plain form of each text that has one. Other templates are compiled
    when first rendered and shared by every playbook with the same text, so loading a
    playbook does not pay for messages no deal ever shows."""

    source: Mapping[str, str]
    plain: Mapping[str, Plain] = field(default_factory=dict)

    def render(self, lang: str, values: Mapping[str, Any]) -> str:
        source = self.source
        key = lang if source.get(lang) else "en" if source.get("en") else next(iter(source))
        parts = self.plain.get(key)
        if parts is not None and USE_PLAIN_FORMS:
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
            if value.__class__ is not dict:
                raise _Unsure
            value = value.get(name, _ABSENT)
        if value is _ABSENT:
            raise _Unsure
        for filter_name, args in filters:
            value = PLAIN_FILTERS[filter_name](value, *args)
        out.append(value if value.__class__ is str else str(value))
    text = "".join(out)
    if len(text) > MAX_OUTPUT:
        raise _Unsure  # jinja2's path cuts it
    return " ".join(text.split())
