"""The expression language's runtime values and helpers, shared by the generated code
(``compile/codegen.py``) and the reference interpreter (``run/reference.py``).

``Unknown`` is how an absent value travels: reading it raises, and the rule that asked
decides (its ``on_missing``). ``MissingFact`` stands in ``facts`` for a fact that could not be
computed. The arithmetic helpers are the language's own meaning of /, round(), min() ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from ..text import fmt_quoted


class Unknown(Exception):
    """A value an expression needs is absent (or cannot be computed, like x / 0).

    ``path`` is the first absent value; ``paths`` every absent value the answer waited on
    (an ``or`` with two unknown sides waits on both): what to record (missing information)."""

    def __init__(self, reason: str, path: str = "", paths: tuple[str, ...] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.paths = paths if paths is not None else ((path,) if path else ())


@dataclass(frozen=True, slots=True)
class MissingFact:
    """Stands in ``facts`` for a fact that could not be computed for this deal."""

    reason: str
    path: str
    paths: tuple[str, ...] = ()


ROUNDING = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}


def missing_reason(path: str) -> str:
    return f"{path} is missing"


def fact_unknown(name: str, fact: MissingFact) -> Unknown:
    """What reading an unknown fact raises (the same words on both evaluators)."""
    return Unknown(f"fact {name} is unknown because {fact.reason}", fact.path, fact.paths)


# -- three-valued (Kleene) logic -------------------------------------------------------------
# A known true side decides 'or' (a known false side decides 'and') even when another side is
# unknown; otherwise the first Unknown is raised, carrying every absent path seen. Both
# evaluators call these with thunks (one per operand, read left to right); the generated code
# only falls back to them when its plain Python 'and'/'or' met an Unknown.


def kleene_or(thunks: Iterable[Callable[[], Any]]) -> bool:
    return _kleene(thunks, True)


def kleene_and(thunks: Iterable[Callable[[], Any]]) -> bool:
    return _kleene(thunks, False)


def _kleene(thunks: Iterable[Callable[[], Any]], decider: bool) -> bool:
    first: Unknown | None = None
    paths: list[str] = []
    for thunk in thunks:
        try:
            if bool(thunk()) is decider:
                return decider
        except Unknown as exc:
            if first is None:
                first = exc
            paths += [p for p in exc.paths if p not in paths]
    if first is not None:
        raise Unknown(first.reason, first.path, tuple(paths))
    return not decider


def kleene_item(fn: str, cond: Callable[[], Any] | None, elt: Callable[[], Any]) -> Any:
    """One item of ``any``/``all`` over a filtered loop: ``cond and elt`` for any,
    ``not cond or elt`` for all (an item the filter leaves out decides nothing)."""
    if cond is None:
        return elt
    if fn == "any":
        return lambda: kleene_and((cond, elt))
    return lambda: kleene_or((lambda: not cond(), elt))


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
