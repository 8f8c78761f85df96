"""The one boundary between the two evaluators: ``run/evaluate.py`` asks an ``Evaluator`` for
a deal's facts, its rule and table hits, one expression's value and the reason a value is
unknown, and builds the result from the answers.

``Generated`` answers with the functions ``codegen.py`` wrote for the playbook. Generated code
knows a missing path without its list index ("line.list_price is missing"), so for the
*reason* of an unknown value it asks a precise evaluator - the reference interpreter
(``run/reference.Reference``), which also answers everything else when ``explain`` traces.
The differential test holds both to the same results.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from ..lang.values import MissingFact, Unknown
from .build import CExpr, CompiledPlaybook

# (check index, Unknown or None, item or row index (-1: none), item or table input value)
Hit = tuple[int, Unknown | None, int, Any]
# a for_each item and the path a message about it names (deal.visits[2])
LocalValue = tuple[Any, str]


class Scope:
    """What expressions see during one evaluation; ``facts`` and ``chains`` fill as it goes."""

    __slots__ = ("as_of", "chains", "deal", "derived", "facts", "stage")

    def __init__(self, deal: dict[str, Any], stage: dict[str, Any], as_of: date) -> None:
        self.deal = deal
        self.stage = stage  # the stage's id, label, win_probability and terminal flag
        self.as_of = as_of
        self.facts: dict[str, Any] = {}
        self.chains: dict[str, str] = {}  # chain id -> not_required | pending | ...
        # a fact the deal gives (``given:``) -> what the playbook derives (maybe a MissingFact)
        self.derived: dict[str, Any] = {}


class Evaluator(Protocol):
    def facts(self, s: Scope) -> None:
        """Fill ``s.facts`` in dependency order; a fact that cannot be computed is a
        ``MissingFact``."""

    def hits(self, s: Scope) -> list[Hit]:
        """Every rule and decision table in scope: what fired or could not be decided."""

    def run(self, s: Scope, c: CExpr, *local_values: LocalValue) -> Any:
        """One expression's value; raises ``Unknown``."""

    def reason(
        self, s: Scope, exprs: Sequence[CExpr], exc: Unknown, *local_values: LocalValue
    ) -> str:
        """Why the first of ``exprs`` that cannot be decided is unknown (``exc`` was raised)."""

    def unknown(
        self, s: Scope, exprs: Sequence[CExpr], exc: Unknown, *local_values: LocalValue
    ) -> Unknown:
        """The ``Unknown`` the first of ``exprs`` that cannot be decided raises, with list
        indexes in its paths (what to record)."""

    def missing_fact(self, s: Scope, index: int, exc: Unknown) -> MissingFact:
        """What stands in ``facts`` for fact number ``index``, which raised ``exc``."""


class Generated:
    """The fast evaluator: the playbook's generated ``facts_of``, ``hits_of`` and one function
    per expression. Reasons come from ``precise`` (asked only when a value is unknown)."""

    __slots__ = ("pb", "precise")

    def __init__(self, pb: CompiledPlaybook, precise: Evaluator) -> None:
        self.pb = pb
        self.precise = precise

    def facts(self, s: Scope) -> None:
        self.pb.facts_fn(s, s.deal, s.stage, s.as_of, s.chains, s.facts, self.missing_fact)

    def hits(self, s: Scope) -> list[Hit]:
        deal = s.deal
        return self.pb.rules_fn(
            deal, s.facts, s.stage, s.as_of, s.chains, deal["category"], deal["stage"]
        )

    def run(self, s: Scope, c: CExpr, *local_values: LocalValue) -> Any:
        return c.fn(s.deal, s.facts, s.stage, s.as_of, s.chains, *(v for v, _ in local_values))

    def reason(
        self, s: Scope, exprs: Sequence[CExpr], exc: Unknown, *local_values: LocalValue
    ) -> str:
        return self.precise.reason(s, exprs, exc, *local_values)

    def unknown(
        self, s: Scope, exprs: Sequence[CExpr], exc: Unknown, *local_values: LocalValue
    ) -> Unknown:
        return self.precise.unknown(s, exprs, exc, *local_values)

    def missing_fact(self, s: Scope, index: int, exc: Unknown) -> MissingFact:
        return self.precise.missing_fact(s, index, exc)
