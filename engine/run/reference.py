"""Checked expression tree + deal values in, value out: the reference interpreter, and
``Reference``, the evaluator built on it (``compile/evaluator.Evaluator``).

This is the straightforward, obviously-correct evaluator. ``codegen.py`` turns the same
tree into Python source for speed; the differential tests hold the two to the same
answers. ``explain`` uses this one because it can record every value a rule read (``Tracer``),
and the generated evaluator asks it why a value is unknown (it knows list indexes).

An absent value is never silently treated as false or zero: reading it raises ``Unknown``,
and the rule that asked decides (its ``on_missing``: skip, warn or block). ``present()``,
``missing()``, ``if_missing()`` and ``== null`` are the ways to ask about absence on purpose.
Conditions are read left to right and stop as soon as the answer is known (``and``, ``or``,
``any``, ``all``), so a value is only "needed" when the reading reaches it; they are
three-valued: an unknown side is read past, and a known true side still decides ``or``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN
from functools import partial
from typing import Any

from ..check.model import Row
from ..compile.build import CExpr, CFact, CompiledPlaybook, CRule, CTable
from ..compile.evaluator import Hit, LocalValue, Scope
from ..lang import ir
from ..lang.ir import Visitor
from ..lang.values import (
    MissingFact,
    Unknown,
    add_days,
    days_between,
    divide,
    fact_unknown,
    kleene_and,
    kleene_item,
    kleene_or,
    largest,
    missing_reason,
    name_index,
    round_to,
    same_name,
    same_person,
    show,
    signed_off,
    smallest,
)
from ..results import Step
from ..text import fmt_percent, fmt_value, words_of
from .why import why_false

# -- the interpreter -----------------------------------------------------------------------


@dataclass
class Env(Visitor[Any]):
    """What an expression can see while it runs, and the interpreter that runs it there.

    ``visit(node)`` evaluates ``node`` with one ``visit_<Node>`` method per node kind (below).
    The interpreter is the environment itself so that running one expression (``explain``
    runs each one separately) allocates nothing besides the Env.
    """

    deal: dict[str, Any]
    facts: dict[str, Any]
    stage: dict[str, Any]
    as_of: date
    rounding: str = ROUND_HALF_EVEN
    locals: dict[str, tuple[Any, str]] = field(default_factory=dict)
    trace: Callable[[str, Any], None] | None = None
    chains: dict[str, str] = field(default_factory=dict)

    def visit_Const(self, node: ir.Const) -> Any:
        return node.value

    def visit_AsOf(self, node: ir.AsOf) -> Any:
        return self.as_of

    def visit_Get(self, node: ir.Get) -> Any:
        if node.local:
            value, prefix = self.locals[node.root]
            where = prefix
        elif node.root == "deal":
            value, where = self.deal, "deal"
        elif node.root == "facts":
            name = node.path[0]
            value = self.facts.get(name)
            if isinstance(value, MissingFact):
                raise fact_unknown(name, value)
            if self.trace:
                self.trace(f"facts.{name}", value)
            where = f"facts.{name}"
            for key in node.path[1:]:
                value, where = _step(value, key, where)
            return value
        else:
            value, where = self.stage, "stage"
        for key in node.path:
            value, where = _step(value, key, where)
        if value is None:
            raise Unknown(missing_reason(where), where)
        if self.trace and not isinstance(value, (dict, list)):
            self.trace(where, value)
        return value

    def visit_Compare(self, node: ir.Compare) -> bool:
        a = self.visit(node.left)
        b = self.visit(node.right)
        op = node.op
        if op == "==":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)

    def visit_BoolOp(self, node: ir.BoolOp) -> bool:
        thunks = [partial(self.visit, item) for item in node.items]
        return kleene_and(thunks) if node.op == "and" else kleene_or(thunks)

    def visit_Not(self, node: ir.Not) -> bool:
        return not self.visit(node.operand)

    def visit_Arith(self, node: ir.Arith) -> Any:
        a = self.visit(node.left)
        b = self.visit(node.right)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return divide(a, b, ir.divisor(node))

    def visit_Neg(self, node: ir.Neg) -> Any:
        return -self.visit(node.operand)

    def visit_Call(self, node: ir.Call) -> Any:
        args = [self.visit(a) for a in node.args]
        fn = node.fn
        if fn == "chain_status":
            state = self.chains.get(args[0], "not_required")
            if self.trace:
                self.trace(f"chain_status({args[0]})", state)
            return state
        if fn == "len":
            return len(args[0])
        if fn == "abs":
            return abs(args[0])
        if fn == "round":
            return round_to(args[0], args[1], self.rounding)
        if fn == "days_between":
            return days_between(args[0], args[1])
        if fn == "add_days":
            return add_days(args[0], args[1])
        if fn == "lower":
            return args[0].lower()
        if fn == "upper":
            return args[0].upper()
        if fn == "same_name":
            return same_name(args[0], args[1])
        if fn == "same_person":
            return same_person(args[0], args[1])
        if fn == "signed_off":
            return signed_off(args[0], args[1], args[2])
        if fn == "min":
            return min(args)
        if fn == "max":
            return max(args)
        raise AssertionError(f"unknown function {fn}")  # pragma: no cover - checked at load

    def _items(self, node: ir.Aggregate) -> list[tuple[Any, str]]:
        try:
            source = self.visit(node.source)
        except Unknown as exc:
            # what to record: the list, and what the loop would read besides its items
            more = [p for p in self._absent(node.elt, node.cond) if p not in exc.paths]
            raise Unknown(exc.reason, exc.path, (*exc.paths, *more)) from None
        base = _path_of(node.source, self)
        return [(item, f"{base}[{i}]") for i, item in enumerate(source)]

    def visit_Aggregate(self, node: ir.Aggregate) -> Any:
        fn = node.fn
        if not node.var:
            values = self.visit(node.source)
            if fn == "count":
                return len(values)
            if any(v is None for v in values):
                raise Unknown(f"{_path_of(node.source, self)} holds an empty item")
            return _reduce(fn, values)
        looked_up = ir.name_looked_up(node)
        if looked_up is not None:
            try:
                names = self.visit(node.source)
            except Unknown:
                names = None  # the loop below says what to record
            if names is not None:
                found = name_index(lambda: self.visit(looked_up), names)
                if found is not None and self.trace:  # the name it matched, as a loop reads it
                    self.trace(f"{_path_of(node.source, self)}[{found}]", names[found])
                return found is not None
        saved = self.locals.get(node.var)
        if fn in ("any", "all"):
            try:
                return self._any_all(node)
            finally:
                if saved is None:
                    self.locals.pop(node.var, None)
                else:
                    self.locals[node.var] = saved

        def run() -> Any:
            for item, path in self._items(node):
                self.locals[node.var] = (item, path)
                if node.cond is not None and not self.visit(node.cond):
                    continue
                if fn == "count":
                    yield 1
                else:
                    assert node.elt is not None  # a loop always has an element
                    yield self.visit(node.elt)

        try:
            # any/all stop at the first deciding item, left to right, like 'and' / 'or'
            return _reduce(fn, run())
        finally:
            if saved is None:
                self.locals.pop(node.var, None)
            else:
                self.locals[node.var] = saved

    def _absent(self, *nodes: ir.Node | None) -> list[str]:
        """The absent deal and fact values ``nodes`` read outside any loop variable (not
        under present() or if_missing(), which ask about absence on purpose)."""
        out: list[str] = []
        for node in nodes:
            if node is None or isinstance(node, ir.Present | ir.IfMissing):
                continue
            if isinstance(node, ir.Get):
                if not node.local and node.root in ("deal", "facts"):
                    try:
                        Env(self.deal, self.facts, self.stage, self.as_of).visit(node)
                    except Unknown as exc:
                        out += [p for p in exc.paths if p not in out]
                continue
            for name in node.__dataclass_fields__:
                value = getattr(node, name)
                children = value if isinstance(value, tuple) else (value,)
                out += [
                    p
                    for p in self._absent(*(c for c in children if isinstance(c, ir.Node)))
                    if p not in out
                ]
        return out

    def _any_all(self, node: ir.Aggregate) -> bool:
        """any/all over a loop in three-valued logic: each item is a thunk read in turn."""
        assert node.elt is not None  # a loop always has an element
        cond_node, elt_node = node.cond, node.elt

        def thunks() -> Iterable[Callable[[], Any]]:
            for item, path in self._items(node):
                self.locals[node.var] = (item, path)  # read at once: late binding is safe
                cond = None if cond_node is None else partial(self.visit, cond_node)
                yield kleene_item(node.fn, cond, partial(self.visit, elt_node))

        return kleene_or(thunks()) if node.fn == "any" else kleene_and(thunks())

    def visit_Present(self, node: ir.Present) -> bool:
        try:
            self.visit(node.operand)
        except Unknown:
            return node.negate
        return not node.negate

    def visit_IfMissing(self, node: ir.IfMissing) -> Any:
        try:
            return self.visit(node.operand)
        except Unknown:
            return self.visit(node.default)

    def visit_In(self, node: ir.In) -> bool:
        item = self.visit(node.item)
        container = self.visit(node.container)
        found = item in container
        return not found if node.negate else found

    def visit_Cond(self, node: ir.Cond) -> Any:
        if self.visit(node.test):
            return self.visit(node.then)
        return self.visit(node.otherwise)

    def visit_ListOf(self, node: ir.ListOf) -> Any:
        return tuple(self.visit(i) for i in node.items)


def interpret(node: ir.Node, env: Env) -> Any:
    """Evaluate ``node``; raises ``Unknown`` when a needed value is absent."""
    return env.visit(node)


def _step(value: Any, key: str, where: str) -> tuple[Any, str]:
    where = f"{where}.{key}"
    if not isinstance(value, dict) or value.get(key) is None:
        raise Unknown(missing_reason(where), where)
    return value[key], where


def _path_of(node: ir.Node | None, env: Env) -> str:
    if isinstance(node, ir.Get):
        if node.local:
            return ".".join((env.locals[node.root][1], *node.path))
        return ".".join((node.root, *node.path))
    return "list"


def _reduce(fn: str, values: Iterable[Any]) -> Any:
    if fn == "any":
        return any(values)
    if fn == "all":
        return all(values)
    if fn in ("sum", "count"):
        return sum(values, 0)
    if fn == "min":
        return smallest(values)
    return largest(values)


# -- the reference evaluator ---------------------------------------------------------------


@dataclass
class Tracer:
    """Collects explain steps; expressions run through the reference interpreter."""

    steps: list[Step] = field(default_factory=list)
    reads: list[tuple[str, Any]] = field(default_factory=list)
    lang: str = "en"  # the language of the reasons it writes

    def words(self, key: str, **values: Any) -> str:
        return words_of(self.lang, "why")[key].format(**values)

    def read(self, path: str, value: Any) -> None:
        if len(self.reads) < 200:
            self.reads.append((path, value))

    def take(self) -> tuple[tuple[str, Any], ...]:
        out = tuple(dict(self.reads).items())
        self.reads.clear()
        return out

    def step(self, kind: str, id: str, outcome: str, detail: str = "") -> None:
        self.steps.append(Step(kind, id, outcome, self.take(), detail))


class Reference:
    """The evaluator that interprets every expression. With a ``tracer`` it records each
    decision (``explain``, ``kam test --coverage``); without one it is the precise evaluator
    the generated code asks for reasons."""

    __slots__ = ("pb", "tracer")

    def __init__(self, pb: CompiledPlaybook, tracer: Tracer | None = None) -> None:
        self.pb = pb
        self.tracer = tracer

    def env(
        self,
        s: Scope,
        c: CExpr,
        local_values: tuple[LocalValue, ...] = (),
        trace: Callable[[str, Any], None] | None = None,
    ) -> Env:
        local = dict(zip(c.locals, local_values, strict=True))
        return Env(s.deal, s.facts, s.stage, s.as_of, self.pb.rounding, local, trace, s.chains)

    def run(self, s: Scope, c: CExpr, *local_values: LocalValue) -> Any:
        trace = self.tracer.read if self.tracer is not None else None
        return interpret(c.expr.node, self.env(s, c, local_values, trace))

    def reason(
        self, s: Scope, exprs: Sequence[CExpr], exc: Unknown, *local_values: LocalValue
    ) -> str:
        return self.unknown(s, exprs, exc, *local_values).reason

    def unknown(
        self, s: Scope, exprs: Sequence[CExpr], exc: Unknown, *local_values: LocalValue
    ) -> Unknown:
        if self.tracer is not None:
            return exc  # it came from the interpreter: already precise
        for c in exprs:
            try:
                interpret(c.expr.node, self.env(s, c, local_values))
            except Unknown as precise:
                return precise
        return exc  # pragma: no cover - both evaluators must agree

    def missing_fact(self, s: Scope, index: int, exc: Unknown) -> MissingFact:
        env = Env(s.deal, s.facts, s.stage, s.as_of, self.pb.rounding)
        try:
            fact_value(self.pb.facts[index], lambda c: interpret(c.expr.node, env))
        except Unknown as precise:
            return MissingFact(precise.reason, precise.path, precise.paths, precise.zero)
        return MissingFact(exc.reason, exc.path, exc.paths, exc.zero)  # pragma: no cover

    def facts(self, s: Scope) -> None:
        """Every fact through the interpreter, each one traced."""
        tracer = self._tracer()
        for cfact in self.pb.facts:
            fact = cfact.fact
            try:
                value = fact_value(cfact, lambda c: self.run(s, c))
            except Unknown as exc:
                s.facts[fact.name] = MissingFact(exc.reason, exc.path, exc.paths, exc.zero)
                if cfact.given is None or not self._given(s, tracer, cfact):
                    tracer.step("fact", fact.name, "unknown", _reason(tracer, exc))
                continue
            s.facts[fact.name] = value
            if cfact.given is None or not self._given(s, tracer, cfact):
                # exact here (the JSON); the text writes it as the result does
                tracer.step("fact", fact.name, "value", f"= {show(value)}")

    def _given(self, s: Scope, tracer: Tracer, cfact: CFact) -> bool:
        """The deal's recorded value replaces the derived one (kept in ``s.derived``);
        False when the deal does not record it."""
        assert cfact.given is not None
        name = cfact.fact.name
        try:
            given = self.run(s, cfact.given)
        except Unknown:
            return False
        derived = s.derived[name] = s.facts[name]
        s.facts[name] = given
        was = "unknown" if isinstance(derived, MissingFact) else show(derived)
        tracer.step(
            "fact",
            name,
            "value",
            f"= {show(given)} (given by {cfact.given.expr.text}; derived: {was})",
        )
        return True

    def _tracer(self) -> Tracer:
        return self.tracer if self.tracer is not None else Tracer()

    # The same hits as the generated ``hits_of``, tracing every decision.
    def hits(self, s: Scope) -> list[Hit]:
        tracer = self._tracer()
        category, stage = s.deal["category"], s.deal["stage"]
        hits: list[Hit] = []
        for k, check in enumerate(self.pb.checks):
            spec = check.rule if isinstance(check, CRule) else check.table
            kind = "rule" if isinstance(check, CRule) else "table"
            if (spec.categories is not None and category not in spec.categories) or (
                spec.stages is not None and stage not in spec.stages
            ):
                tracer.step(kind, spec.id, "not applicable", out_of_scope(tracer, spec, s.deal))
                continue
            try:
                if isinstance(check, CRule):
                    hits += self._rule_hits(s, tracer, k, check)
                else:
                    hits += self._table_hits(s, tracer, k, check)
            except Unknown as exc:  # the rule (or its list, or the table) cannot be decided
                asks = ""
                if spec.on_missing == "ask" and exc.paths:  # every field the answer waits on
                    asks = "; to record: " + ", ".join(exc.paths)
                tracer.step(
                    kind,
                    spec.id,
                    "unknown",
                    tracer.words("unknown", reason=_reason(tracer, exc), then=spec.on_missing)
                    + asks,
                )
                hits.append((k, exc, -1, None))
        return hits

    def _rule_hits(self, s: Scope, tracer: Tracer, k: int, crule: CRule) -> list[Hit]:
        rule = crule.rule
        if crule.for_each is None:
            fired = self.run(s, crule.when)
            why = "" if fired else self._why(s, crule.when, tracer)
            tracer.step("rule", rule.id, "fired" if fired else "not fired", why)
            return [(k, None, -1, None)] if fired else []
        # a rule checked once per item of a list
        items = self.run(s, crule.for_each)
        out: list[Hit] = []
        for i, item in enumerate(items):
            local = item_value(crule, i, item)
            try:
                fired = self.run(s, crule.when, local)
            except Unknown as exc:
                tracer.step("rule", f"{rule.id}[{i}]", "unknown", _reason(tracer, exc))
                out.append((k, exc, i, item))
                continue
            why = "" if fired else self._why(s, crule.when, tracer, local)
            tracer.step("rule", f"{rule.id}[{i}]", "fired" if fired else "not fired", why)
            if fired:
                out.append((k, None, i, item))
        if not items:
            tracer.step(
                "rule",
                rule.id,
                "not fired",
                tracer.words("empty", list=crule.for_each.expr.text.strip()),
            )
        return out

    def _table_hits(self, s: Scope, tracer: Tracer, k: int, ctable: CTable) -> list[Hit]:
        table = ctable.table
        if ctable.when is not None and not self.run(s, ctable.when):
            tracer.step("table", table.id, "not fired", self._why(s, ctable.when, tracer))
            return []
        x = self.run(s, ctable.input)
        kind = table.input.node.type.kind
        shown = fmt_value(x, kind)
        tracer.step(
            "table", table.id, "value", tracer.words("input", text=table.input.text, value=shown)
        )
        out: list[Hit] = []
        decided = False  # with hit: first, the rows after the hit do not fire
        for j, row in enumerate(table.rows):
            hit = not decided and row.holds(x)
            tracer.steps.append(
                Step(
                    "row", row.id, "fired" if hit else "not fired", (), _row_text(tracer, row, kind)
                )
            )
            if not hit:
                continue
            if row.outcome.kind != "none":
                out.append((k, None, j, x))
            decided = table.hit == "first"
        return out

    def _why(self, s: Scope, c: CExpr, tracer: Tracer, *local_values: LocalValue) -> str:
        """Why a condition that just ran is false (read again, untraced)."""
        return why_false(c.expr.node, self.env(s, c, local_values), tracer.lang)

    def why_not(self, s: Scope, c: CExpr) -> str:
        """Why a move's condition that just ran is false (for explain)."""
        return self._why(s, c, self._tracer())


def out_of_scope(tracer: Tracer, spec: Any, deal: dict[str, Any]) -> str:
    """ "stage design is not one of the rule's stages (interest, brewing)"."""
    if spec.categories is not None and deal["category"] not in spec.categories:
        return tracer.words(
            "category", category=deal["category"], listed=", ".join(sorted(spec.categories))
        )
    return tracer.words("stage", stage=deal["stage"], listed=", ".join(sorted(spec.stages or ())))


def _reason(tracer: Tracer, exc: Unknown) -> str:
    """Why a value is unknown, in the tracer's language (the interpreter writes English)."""
    if exc.path and exc.reason == missing_reason(exc.path):
        return tracer.words("missing", path=exc.path)
    return exc.reason


def fact_value(cfact: CFact, run: Callable[[CExpr], Any]) -> Any:
    """A fact's value, running its expressions with ``run``; raises ``Unknown``."""
    if cfact.value is not None:
        return run(cfact.value)
    if cfact.cases:
        for when, value in cfact.cases:
            if run(when):
                return run(value)
        if cfact.otherwise is not None:
            return run(cfact.otherwise)
        raise Unknown(f"no case of fact {cfact.fact.name} holds")
    assert cfact.table_input is not None
    x = run(cfact.table_input)
    for row in cfact.fact.rows:
        if row.holds(x):
            return row.value
    raise Unknown(f"{show(x)} matches no row of fact {cfact.fact.name}")


def item_value(crule: CRule, i: int, item: Any) -> LocalValue:
    """A for_each item and the path a message about it names (deal.visits[2])."""
    assert crule.for_each is not None
    return item, f"{crule.for_each.expr.text.strip()}[{i}]"


def _bound(value: Any, kind: str) -> str:
    # a tier as the playbook writes it (5%, not the result screen's 5.0%)
    return fmt_percent(value) if kind == "percent" else fmt_value(value, kind)


def _row_text(tracer: Tracer, row: Row, kind: str) -> str:
    """A row's range in words ("above 5% up to 10%"), its bounds written as its input is."""
    parts = []
    if row.low is not None:
        key = "from" if row.low_inclusive else "above"
        parts.append(tracer.words(key, value=_bound(row.low, kind)))
    if row.high is not None:
        key = "up_to" if row.high_inclusive else "below"
        parts.append(tracer.words(key, value=_bound(row.high, kind)))
    return " ".join(parts) or tracer.words("every")
