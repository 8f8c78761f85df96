"""Values in, text out: the message filters (pct, money, number, date, join: the formatters of
``text.py``), shared by the plain-message writer (``messages.py``) and the jinja2 templates
(``templates.py``), with the errors both paths raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..limits import MAX_OUTPUT
from ..text import fmt_date, fmt_join, fmt_money, fmt_number, fmt_percent

__all__ = [
    "MAX_OUTPUT",
    "PLAIN_FILTERS",
    "Plain",
    "RenderFailed",
    "Unsure",
    "fmt_date",
    "fmt_money",
    "fmt_number",
    "fmt_percent",
    "value_label",
]

# A plain form: literal text, or (name path, ((filter, args), ...)) for one {{ value }}.
Plain = tuple[str | tuple[tuple[str, ...], tuple[tuple[str, tuple[Any, ...]], ...]], ...]


def _join(value: Any, separator: str = "") -> str:
    # jinja2's join without autoescape, for the one kind of value the plain path takes
    if type(value) is not list:  # a list subclass (or tuple) is jinja2's call
        raise Unsure
    return fmt_join(value, separator)


def value_label(value: Any, name: str = "", values: Any = None) -> Any:
    """``{{ facts.key_account_class | label('key_account_class') }}``: the value's label in
    the message's language (the playbook's ``values:`` labels reach a message as the hidden
    ``_labels`` and ``_lang`` of its values); the value itself when it has none."""
    if values is None or not isinstance(value, str):
        return value
    labels = values.get("_labels") or {}
    lab = labels.get(name, {}).get(value)
    return lab.get(values.get("_lang", "en")) if lab else value


PLAIN_FILTERS: dict[str, Callable[..., Any]] = {
    "label": value_label,  # reads the message's values: write_plain passes them
    "pct": fmt_percent,
    "money": fmt_money,
    "number": fmt_number,
    "date": fmt_date,
    "join": _join,
}


class RenderFailed(Exception):
    """A message could not be written for this deal (it read a value the deal lacks)."""


class Unsure(Exception):
    """The plain writer leaves this message to jinja2 (a missing value, an object...)."""
