"""Checked expression tree + deal values in, value out: the reference interpreter.

This is the straightforward, obviously-correct evaluator. ``codegen.py`` turns the same
tree into Python source for speed; the differential tests hold the two to the same
answers. ``explain`` uses this one because it can record every value a rule read.

An absent value is never silently treated as false or zero: reading it raises ``Unknown``,
and the rule that asked decides (its ``on_missing``: skip, warn or block). ``present()``,
``missing()``, ``if_missing()`` and ``== null`` are the ways to ask about absence on purpose.
Conditions are read left to right and stop as soon as the answer is known (``and``, ``or``,
``any``, ``all``), so a value is only "needed" when the reading reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from ..lang import ir
from ..lang.ir import Visitor
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


# -- helpers shared by the interpreter and the generated code ------------------------------


show = fmt_quoted  # how the generated code and the explanation quote a value


def days_between(a: date, b: date) -> int:
    return (b - a).days


def add_days(d: date, n: int) -> date:
    try:
        return d + timedelta(days=n)
    except OverflowError:
        raise Unknown("the date is out of range") from None


def divide(a: Any, b: Any) -> Decimal:
    if not b:
        raise Unknown("division by zero")
    out: Decimal = (a if a.__class__ is Decimal else Decimal(a)) / b
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
                raise Unknown(f"fact {name} is unknown because {value.reason}", value.path)
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
        if node.op == "and":
            return all(self.visit(item) for item in node.items)
        return any(self.visit(item) for item in node.items)

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
        return divide(a, b)

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
        if fn == "min":
            return min(args)
        if fn == "max":
            return max(args)
        raise AssertionError(f"unknown function {fn}")  # pragma: no cover - checked at load

    def _items(self, node: ir.Aggregate) -> list[tuple[Any, str]]:
        source = self.visit(node.source)
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
        saved = self.locals.get(node.var)

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
