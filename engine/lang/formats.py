"""Values in, text out: the message filters (pct, money, number, date, join), shared by the
plain-message writer (``messages.py``) and the jinja2 templates (``templates.py``), with the
limits and errors both paths keep.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

MAX_OUTPUT = 64 * 1024

# A plain form: literal text, or (name path, ((filter, args), ...)) for one {{ value }}.
Plain = tuple[str | tuple[tuple[str, ...], tuple[tuple[str, tuple[Any, ...]], ...]], ...]


def fmt_number(value: Any, places: int | None = None) -> str:
    """Exact decimal text with thousands separators; trailing zeros trimmed unless places."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,.{places}f}" if places else f"{value:,}"
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif not isinstance(value, Decimal):
        return str(value)
    if places is not None:
        # the format rounds half-even on the exact decimal: no float ever sees the money
        return f"{value:,.{places}f}"
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_percent(value: Any, places: int | None = None) -> str:
    """0.18 -> "18%", 0.1834 -> "18.34%"; ``places`` fixes the decimals ("18.0%")."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        return str(value)
    d = (value if isinstance(value, Decimal) else Decimal(str(value))) * 100
    return fmt_number(d, places) + "%"


def fmt_money(value: Any) -> str:
    return fmt_number(value, 2)


def fmt_date(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _join(value: Any, separator: str = "") -> str:
    # jinja2's join without autoescape, for the one kind of value the plain path takes
    if type(value) is not list:  # a list subclass (or tuple) is jinja2's call
        raise Unsure
    return str(separator).join(map(str, value))


PLAIN_FILTERS = {
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
