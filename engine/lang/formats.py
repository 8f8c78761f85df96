"""Values in, text out: the message filters (pct, money, number, date, join: the formatters of
``text.py``), shared by the plain-message writer (``messages.py``) and the jinja2 templates
(``templates.py``), with the errors both paths raise.
"""

from __future__ import annotations

from typing import Any

from ..limits import MAX_OUTPUT
from ..text import fmt_date, fmt_join, fmt_money, fmt_number, fmt_percent

__all__ = [
    "FILTERS",
    "MAX_OUTPUT",
    "PLAIN_FILTERS",
    "Plain",
    "RenderFailed",
    "Unsure",
    "finalize",
    "fmt_date",
    "fmt_money",
    "fmt_number",
    "fmt_percent",
]

# A plain form: literal text, or (name path, ((filter, args), ...)) for one {{ value }}.
Plain = tuple[str | tuple[tuple[str, ...], tuple[tuple[str, tuple[Any, ...]], ...]], ...]


def _join(value: Any, separator: str = "") -> str:
    # jinja2's join without autoescape, for the one kind of value the plain path takes
    if type(value) is not list:  # a list subclass (or tuple) is jinja2's call
        raise Unsure
    return fmt_join(value, separator)


def known(fmt: Any) -> Any:
    """A filter that refuses an unknown value: a message never states as fact a value that
    is unknown (no "None units"); the message then falls back to the rule's title."""

    def write(value: Any, *args: Any) -> str:
        if value is None:
            raise ValueError("the message reads a value that is unknown")
        out: str = fmt(value, *args)
        return out

    return write


def finalize(value: Any) -> Any:
    """What jinja2 prints for each {{ value }}: an unknown value is refused, as above."""
    if value is None:
        raise ValueError("the message reads a value that is unknown")
    return value


# the formatters as message filters (unknown values refused)
FILTERS = {
    "pct": known(fmt_percent),
    "money": known(fmt_money),
    "number": known(fmt_number),
    "date": known(fmt_date),
}
PLAIN_FILTERS = {**FILTERS, "join": _join}


class RenderFailed(Exception):
    """A message could not be written for this deal (it read a value the deal lacks)."""


class Unsure(Exception):
    """The plain writer leaves this message to jinja2 (a missing value, an object...)."""
