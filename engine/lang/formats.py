"""Values in, text out: the message filters (pct, money, number, date, join: the formatters of
``text.py``), shared by the plain-message writer (``messages.py``) and the jinja2 templates
(``templates.py``), with the errors both paths raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..limits import MAX_MESSAGE_PLACES, MAX_NAME_DIFF, MAX_OUTPUT
from ..text import fmt_date, fmt_join, fmt_money, fmt_number, fmt_percent
from .values import name_key, name_spans

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
    "name_diff",
    "names_not_in",
    "value_label",
]

# A plain form: literal text, or (name path, ((filter, args), ...)) for one {{ value }}.
Plain = tuple[str | tuple[tuple[str, ...], tuple[tuple[str, tuple[Any, ...]], ...]], ...]


def _join(value: Any, separator: str = "") -> str:
    # jinja2's join without autoescape, for the one kind of value the plain path takes
    if type(value) is not list:  # a list subclass (or tuple) is jinja2's call
        raise Unsure
    if len(str(separator)) * len(value) > MAX_OUTPUT:
        raise Unsure  # jinja2's join counts the size before it builds the text
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


DIFF_OPEN, DIFF_CLOSE = "⟦", "⟧"  # around the part of a name the other name lacks


def name_diff(a: Any, b: Any) -> str:
    """``{{ a | name_diff(b) }}``: both names as written, ``≠`` between them when they
    differ as people compare names (then each differing span is marked ⟦…⟧) and ``=``
    when they do not: 顺达⟦物流⟧有限公司 ≠ ⟦北京⟧顺达⟦供应链管理⟧有限公司."""
    if not isinstance(a, str) or not isinstance(b, str):
        raise RenderFailed("name_diff compares two recorded names")
    if name_key(a) == name_key(b):
        return f"{a} = {b}"
    runs = name_spans(a, b, MAX_NAME_DIFF)
    shown = [
        "".join(f"{DIFF_OPEN}{t}{DIFF_CLOSE}" if differs else t for t, differs in side)
        for side in runs
    ]
    return f"{shown[0]} ≠ {shown[1]}"


def names_not_in(names: Any, others: Any) -> list[str]:
    """``{{ deal.using_units | names_not_in(deal.subordinate_units) }}``: the names of the
    list that are none of the others, compared as same_name() compares them (so a message
    lists exactly the names its rule did not accept); each side is folded once."""
    if not isinstance(names, list) or not isinstance(others, list):
        raise RenderFailed("names_not_in compares two recorded lists of names")
    keys = {name_key(o) for o in others if isinstance(o, str)}
    return [n for n in names if isinstance(n, str) and name_key(n) not in keys]


def known(fmt: Any) -> Any:
    """A filter that refuses an unknown value: a message never states as fact a value that
    is unknown (no "None units"); the message then falls back to the rule's title."""

    def write(value: Any, *args: Any) -> str:
        if value is None:
            raise ValueError("the message reads a value that is unknown")
        out: str = fmt(value, *args)
        return out

    return write


def places(fmt: Any) -> Any:
    """A formatter whose decimal places are bounded: ``number(10**9)`` would write a
    billion zeros (the argument is checked before any digit is written)."""

    def write(value: Any, places: Any = None) -> str:
        if places is not None and (
            places.__class__ is not int or not 0 <= places <= MAX_MESSAGE_PLACES
        ):
            raise ValueError(f"decimal places are a whole number from 0 to {MAX_MESSAGE_PLACES}")
        out: str = fmt(value, places)
        return out

    return write


def finalize(value: Any) -> Any:
    """What jinja2 prints for each {{ value }}: an unknown value is refused, as above."""
    if value is None:
        raise ValueError("the message reads a value that is unknown")
    return value


# the formatters as message filters (unknown values refused)
FILTERS = {
    "pct": known(places(fmt_percent)),
    "money": known(fmt_money),
    "number": known(places(fmt_number)),
    "date": known(fmt_date),
    "name_diff": name_diff,
    "names_not_in": names_not_in,
}
PLAIN_FILTERS: dict[str, Callable[..., Any]] = {
    **FILTERS,
    "label": value_label,  # reads the message's values: write_plain passes them
    "join": _join,
}


class RenderFailed(Exception):
    """A message could not be written for this deal (it read a value the deal lacks)."""


class Unsure(Exception):
    """The plain writer leaves this message to jinja2 (a missing value, an object...)."""
