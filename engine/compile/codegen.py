"""Checked expression trees in, one compiled Python module of plain functions out.

Only our own allow-listed IR nodes (``lang/ir.py``) are turned into source text. User
values never become code: text literals are written with ``repr`` and every other constant
(Decimal, dates, lists) is passed in by name. The module is compiled once per playbook, in a
namespace that holds our helpers and a handful of builtins - nothing else.

Each expression becomes ``def x<N>(deal, facts, stage, as_of, chains)``; every path read gets
its own small getter that raises ``Unknown`` when the value is absent.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from ..lang import ir
from ..lang.ir import Visitor
from ..run import reference as rt

_SAFE_BUILTINS = {
    "any": any,
    "all": all,
    "sum": sum,
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "enumerate": enumerate,
    "KeyError": KeyError,
    "TypeError": TypeError,
}
_MISSING = object()


def _fact_getter(name: str) -> Any:
    def get(facts: dict[str, Any]) -> Any:
        value = facts[name]
        if value.__class__ is rt.MissingFact:
            raise rt.Unknown(f"fact {name} is unknown because {value.reason}", value.path)
        return value

    return get


def _attempt(thunk: Any) -> Any:
    try:
        return thunk()
    except rt.Unknown:
        return _MISSING


@dataclass
class ModuleBuilder(Visitor[str]):
    """Collects generated functions and constants, then compiles them in one go."""

    rounding: str
    lines: list[str] = field(default_factory=list)
    names: dict[str, Any] = field(default_factory=dict)
    getters: dict[tuple[str, tuple[str, ...], bool], str] = field(default_factory=dict)
    consts: dict[tuple[type, Any], str] = field(default_factory=dict)
    count: int = 0

    def const(self, value: Any) -> str:
        if value is None or isinstance(value, (bool, int, str)):
            return repr(value)
        key = (type(value), value)
        try:
            name = self.consts.get(key)
        except TypeError:  # unhashable
            name = None
        if name is None:
            name = f"k{len(self.names)}"
            self.names[name] = value
            with contextlib.suppress(TypeError):
                self.consts[key] = name
        return name

    def getter(self, root: str, path: tuple[str, ...], optional: bool = False) -> str:
        """A function name that reads ``root.path`` from its argument."""
        key = (root, path, optional)
        if key in self.getters:
            return self.getters[key]
        name = f"{'o' if optional else 'g'}{len(self.getters)}"
        where = ".".join((root, *path))
        access = "v" + "".join(f"[{p!r}]" for p in path)
        miss = (
            "return _MISSING"
            if optional
            else f"raise Unknown({rt.missing_reason(where)!r}, {where!r}) from None"
        )
        self.lines += [
            f"def {name}(v):",
            "    try:",
            f"        v = {access}",
            "    except (KeyError, TypeError):",
            f"        {miss}",
            "    if v is None:",
            f"        {miss.replace(' from None', '')}",
            "    return v",
            "",
        ]
        self.getters[key] = name
        return name

    def function(self, node: ir.Node, local_names: tuple[str, ...] = ()) -> str:
        """Add ``def x<N>(deal, facts, stage, as_of, chains, v_<local>...)``; returns its name."""
        name = f"x{self.count}"
        self.count += 1
        body = self.expr(node)
        params = "".join(f", v_{n}" for n in local_names)
        self.lines += [
            f"def {name}(deal, facts, stage, as_of, chains{params}):",
            f"    return {body}",
            "",
        ]
        return name

    def compile(self, label: str) -> dict[str, Any]:
        namespace: dict[str, Any] = {
            "__builtins__": _SAFE_BUILTINS,
            "Unknown": rt.Unknown,
            "_MISSING": _MISSING,
            "_attempt": _attempt,
            "_divide": rt.divide,
            "_round": rt.round_to,
            "_days_between": rt.days_between,
            "_add_days": rt.add_days,
            "_smallest": rt.smallest,
            "_largest": rt.largest,
            "_rounding": self.rounding,
            "_local": _local,
        }
        namespace.update(self.names)
        source = "\n".join(self.lines)
        code = compile(source, f"<kam playbook {label}>", "exec")
        exec(code, namespace)  # noqa: S102 - source generated from allow-listed IR only
        namespace["__source__"] = source
        return namespace

    # -- expressions ------------------------------------------------------------------
    def expr(self, node: ir.Node) -> str:
        """Python source for ``node``: ``visit_<Node>`` below, one per node kind."""
        return self.visit(node)

    def visit_Const(self, node: ir.Const) -> str:
        return self.const(node.value)

    def visit_AsOf(self, node: ir.AsOf) -> str:
        return "as_of"

    def visit_Get(self, node: ir.Get) -> str:
        if node.local:
            base = f"v_{node.root}"
            if not node.path:
                return f"_local({base}, {node.root!r})"
            return f"{self.getter(node.root, node.path)}({base})"
        if node.root == "facts":
            fname = f"fact_{node.path[0]}"
            if fname not in self.names:
                self.names[fname] = _fact_getter(node.path[0])
            out = f"{fname}(facts)"
            if len(node.path) > 1:
                out = f"{self.getter('facts.' + node.path[0], node.path[1:])}({out})"
            return out
        return f"{self.getter(node.root, node.path)}({node.root})"

    def optional(self, node: ir.Node) -> str:
        """Source that yields the value of ``node`` or ``_MISSING`` (never raises Unknown)."""
        if isinstance(node, ir.Get) and node.root == "deal" and not node.local:
            return f"{self.getter('deal', node.path, optional=True)}(deal)"
        return f"_attempt(lambda: {self.expr(node)})"

    def visit_Compare(self, node: ir.Compare) -> str:
        return f"({self.expr(node.left)} {node.op} {self.expr(node.right)})"

    def visit_BoolOp(self, node: ir.BoolOp) -> str:
        return "(" + f" {node.op} ".join(self.expr(i) for i in node.items) + ")"

    def visit_Not(self, node: ir.Not) -> str:
        return f"(not {self.expr(node.operand)})"

    def visit_Arith(self, node: ir.Arith) -> str:
        a, b = self.expr(node.left), self.expr(node.right)
        if node.op == "/":
            return f"_divide({a}, {b})"
        return f"({a} {node.op} {b})"

    def visit_Neg(self, node: ir.Neg) -> str:
        return f"(-{self.expr(node.operand)})"

    def visit_Call(self, node: ir.Call) -> str:
        args = [self.expr(a) for a in node.args]
        fn = node.fn
        if fn in ("len", "abs", "min", "max"):
            return f"{fn}({', '.join(args)})"
        if fn == "round":
            return f"_round({args[0]}, {args[1]}, _rounding)"
        if fn in ("days_between", "add_days"):
            return f"_{fn}({args[0]}, {args[1]})"
        if fn in ("lower", "upper"):
            return f"{args[0]}.{fn}()"
        if fn == "chain_status":
            return f"chains.get({args[0]}, 'not_required')"
        raise AssertionError(fn)  # pragma: no cover

    def visit_Aggregate(self, node: ir.Aggregate) -> str:
        src = self.expr(node.source)
        fn = node.fn
        if not node.var:
            if fn == "count":
                return f"len({src})"
            return {
                "any": f"any({src})",
                "all": f"all({src})",
                "sum": f"sum({src}, 0)",
                "min": f"_smallest({src})",
                "max": f"_largest({src})",
            }[fn]
        var = f"v_{node.var}"
        cond = f" if {self.expr(node.cond)}" if node.cond is not None else ""
        if fn == "count":
            return f"sum(1 for {var} in {src}{cond})"
        assert node.elt is not None  # a loop always has an element
        gen = f"{self.expr(node.elt)} for {var} in {src}{cond}"
        return {
            "any": f"any({gen})",
            "all": f"all({gen})",
            "sum": f"sum(({gen}), 0)",
            "min": f"_smallest({gen})",
            "max": f"_largest({gen})",
        }[fn]

    def visit_Present(self, node: ir.Present) -> str:
        op = "is" if node.negate else "is not"
        return f"({self.optional(node.operand)} {op} _MISSING)"

    def visit_IfMissing(self, node: ir.IfMissing) -> str:
        value = self.optional(node.operand)
        self.names.setdefault("_or_default", _or_default)
        return f"_or_default({value}, lambda: {self.expr(node.default)})"

    def visit_In(self, node: ir.In) -> str:
        op = "not in" if node.negate else "in"
        return f"({self.expr(node.item)} {op} {self.expr(node.container)})"

    def visit_Cond(self, node: ir.Cond) -> str:
        return (
            f"({self.expr(node.then)} if {self.expr(node.test)} else {self.expr(node.otherwise)})"
        )

    def visit_ListOf(self, node: ir.ListOf) -> str:
        return "(" + "".join(self.expr(i) + ", " for i in node.items) + ")"


def _or_default(value: Any, default: Any) -> Any:
    return default() if value is _MISSING else value


def _local(value: Any, name: str) -> Any:
    if value is None:
        raise rt.Unknown(rt.missing_reason(name), name)
    return value
