"""The expression language's runtime values and helpers, shared by the generated code
(``compile/codegen.py``) and the reference interpreter (``run/reference.py``).

``Unknown`` is how an absent value travels: reading it raises, and the rule that asked
decides (its ``on_missing``). ``MissingFact`` stands in ``facts`` for a fact that could not be
computed. The arithmetic helpers are the language's own meaning of /, round(), min() ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from ..text import fmt_quoted


class Unknown(Exception):
    """A value an expression needs is absent (or cannot be computed, like x / 0)."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


@dataclass(frozen=True, slots=True)
class MissingFact:
    """Stands in ``facts`` for a fact that could not be computed for this deal."""

    reason: str
    path: str


ROUNDING = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}


def missing_reason(path: str) -> str:
    return f"{path} is missing"


def fact_unknown(name: str, fact: MissingFact) -> Unknown:
    """What reading an unknown fact raises (the same words on both evaluators)."""
    return Unknown(f"fact {name} is unknown because {fact.reason}", fact.path)


show = fmt_quoted  # how the generated code and an explanation quote a value (text.py)


def days_between(a: date, b: date) -> int:
    return (b - a).days


def due_date(d: date, n: int) -> date | None:
    """``d`` plus ``n`` days for an action's due date; None (no due date) past the calendar's
    end: --as-of 9999-12-31, or a playbook's large due_in_days, must not stop the run."""
    try:
        return d + timedelta(days=n)
    except OverflowError:
        return None


def add_days(d: date, n: int) -> date:
    try:
        return d + timedelta(days=n)
    except OverflowError:
        raise Unknown("the date is out of range") from None


def divide(a: Any, b: Any) -> Decimal:
    if not b:
        raise Unknown("division by zero")
    out: Decimal = (a if isinstance(a, Decimal) else Decimal(a)) / b
    return out


def round_to(x: Any, places: int, mode: str) -> Decimal:
    return Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=mode)


def smallest(values: Iterable[Any]) -> Any:
    out = min(values, default=_EMPTY)
    if out is _EMPTY:
        raise Unknown("min() of an empty list")
    return out


def largest(values: Iterable[Any]) -> Any:
    out = max(values, default=_EMPTY)
    if out is _EMPTY:
        raise Unknown("max() of an empty list")
    return out


_EMPTY = object()
