"""(CompiledPlaybook, deal, computed facts) in, the facts whose value rests on evidence the deal
does not record out.

A fact may ask about absence on purpose (``if_missing(deal.visit.budget, 0)``) so that a rule
can decide without the value. The rules keep that value; but shown as a fact it would state as
known what is not ("visit budget: 0.00" for a visit whose budget nobody recorded). So every
fact that reached such a default for a value the deal lacks is worked out once more with
absence left unknown: if it is then unknown, the value rested on the default, and the result
shows the fact as not recorded. A known side still decides (``stage in [...] or ...`` is true
at closing whatever else is missing). Three defaults stand: one for a whole list
(``if_missing(deal.approvals, [])``: none recorded means none), one for a field of an item of a
recorded list (the item is on record), and absence asked in a case's ``when``, which chooses the
formula (a deal without payment terms is billed whole) rather than stands in for a value.

A yes/no fact keeps its defaults: it answers whether something is on record, and
what is not on record was not done (C1: "the customer's credit was never investigated"). It
is shown unknown only when it reads a fact that is.

Only facts that read such a default for an absent value are worked out again, so a deal that
records everything costs a few dictionary look-ups.
"""

from __future__ import annotations

from typing import Any

from ..compile.build import CFact, CompiledPlaybook, guarded
from ..lang import ir
from ..lang.values import MissingFact, Unknown
from .reference import Env, fact_value, interpret

__all__ = ["unrecorded"]


def _absent(deal: dict[str, Any], path: tuple[str, ...]) -> bool:
    value: Any = deal
    for key in path:
        if not isinstance(value, dict):
            return False  # a list on the way: not a path this check follows
        value = value.get(key)
        if value is None:
            return True
    return False


class _Strict(Env):
    """The interpreter with absence left unknown where a default would stand in for a value
    of the deal (see the module's docstring for the defaults that stand)."""

    def visit_Present(self, node: ir.Present) -> bool:
        try:
            self.visit(node.operand)
        except Unknown:
            if guarded(node.operand):
                raise
            return node.negate
        return not node.negate

    def visit_IfMissing(self, node: ir.IfMissing) -> Any:
        try:
            return self.visit(node.operand)
        except Unknown:
            if guarded(node.operand):
                raise
            return self.visit(node.default)


def unrecorded(
    pb: CompiledPlaybook,
    deal: dict[str, Any],
    facts: dict[str, Any],
    derived: dict[str, Any],
    stage: dict[str, Any],
    as_of: Any,
) -> frozenset[str]:
    """The facts known only by a default for a value ``deal`` does not record. ``facts`` are
    the values the rules used; ``derived`` holds the facts the deal gave (they are recorded)."""
    found: set[str] = set()
    strict: dict[str, Any] | None = None
    for cfact, paths, reads in pb.fact_defaults:
        name = cfact.fact.name
        if name in derived or isinstance(facts.get(name), MissingFact):
            continue
        if not (reads & found) and not any(_absent(deal, p) for p in paths):
            continue
        if strict is None:
            strict = dict(facts)
        try:
            _strictly(pb, cfact, deal, strict, stage, as_of)
        except Unknown as exc:
            found.add(name)
            strict[name] = MissingFact(exc.reason, exc.path, exc.paths, exc.zero)
    return frozenset(found)


def _strictly(
    pb: CompiledPlaybook,
    cfact: CFact,
    deal: dict[str, Any],
    facts: dict[str, Any],
    stage: dict[str, Any],
    as_of: Any,
) -> Any:
    """The fact worked out with absence left unknown (raises ``Unknown``). A case's ``when``
    keeps its defaults; so does a yes/no fact, which answers whether something is on record
    (what is not on record was not done: C1 says "the customer's credit was never
    investigated"), and is unknown here only when it reads a fact that is."""
    chooser = Env(deal, facts, stage, as_of, pb.rounding)  # facts come before chains
    yes_no = cfact.fact.type.kind == "bool"
    env = chooser if yes_no else _Strict(deal, facts, stage, as_of, pb.rounding)
    whens = {id(w) for w, _ in cfact.cases}
    return fact_value(cfact, lambda c: interpret(c.expr.node, chooser if id(c) in whens else env))
