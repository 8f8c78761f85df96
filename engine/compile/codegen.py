"""Checked expression trees in, one compiled Python module of plain functions out: all the
Python the engine writes lives here - one function per expression, the playbook's
``facts_of`` and ``hits_of`` (the generated evaluator, ``compile/evaluator.py``) and the result
constructors. (The deal checker is written by ``compile/dealtype.py``.)

Only our own allow-listed IR nodes (``lang/ir.py``) are turned into source text. User
values never become code: text literals are written with ``repr`` and every other constant
(Decimal, dates, lists) is passed in by name. The module is compiled once per playbook, in a
namespace that holds our helpers (``lang/values.py``) and a handful of builtins - nothing else.

Each expression becomes ``def x<N>(deal, facts, stage, as_of, chains)``; every path read gets
its own small getter that raises ``Unknown`` when the value is absent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from functools import partial
from typing import Any, ParamSpec, TypeVar

from ..check.model import PlaybookModel, Row, Rule
from ..lang import ir
from ..lang.ir import Visitor
from ..lang.types import BOOL
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
    name_in,
    round_to,
    same_name,
    same_person,
    signed_off,
    smallest,
)

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
        if value.__class__ is MissingFact:
            raise fact_unknown(name, value)
        return value

    return get


def _attempt(thunk: Any) -> Any:
    try:
        return thunk()
    except Unknown:
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
    # while True, expressions are written in three-valued logic (the slow path: thunks for
    # and/or/any/all); the fast path is plain Python, tried first (see ``fallback``)
    kleene: bool = False

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
            else f"raise Unknown({missing_reason(where)!r}, {where!r}) from None"
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
        body, slow = self.expr(node), self.slow(node)
        params = "".join(f", v_{n}" for n in local_names)
        self.lines.append(f"def {name}(deal, facts, stage, as_of, chains{params}):")
        if slow == body:
            self.lines += [f"    return {body}", ""]
        else:
            self.lines += [
                "    try:",
                f"        return {body}",
                "    except Unknown:",
                f"        return {slow}",
                "",
            ]
        return name

    def slow(self, node: ir.Node) -> str:
        """``node`` in three-valued logic: asked only once plain Python met an Unknown, so
        a deal with nothing unknown never pays for it."""
        saved, self.kleene = self.kleene, True
        try:
            return self.expr(node)
        finally:
            self.kleene = saved

    def fallback(self, pad: str, block: Callable[..., list[str]], handler: list[str]) -> list[str]:
        """Statement lines: ``block`` written with plain Python; when that meets an Unknown,
        again in three-valued logic (only if the two differ); ``handler`` (indented under
        ``except Unknown as exc:``) when even that is unknown."""
        fast, slow = block(expr=self.expr), block(expr=self.slow)
        out = [f"{pad}try:", *(f"{pad}    {line}" for line in fast)]
        if slow != fast:
            out += [f"{pad}except Unknown:", f"{pad}    try:"]
            out += [f"{pad}        {line}" for line in slow]
            out += [f"{pad}    except Unknown as exc:", *(f"{pad}        {h}" for h in handler)]
        else:
            out += [f"{pad}except Unknown as exc:", *(f"{pad}    {h}" for h in handler)]
        return out

    def compile(self, label: str) -> dict[str, Any]:
        namespace: dict[str, Any] = {
            "__builtins__": _SAFE_BUILTINS,
            "Unknown": Unknown,
            "_MISSING": _MISSING,
            "_attempt": _attempt,
            "_divide": divide,
            "_round": round_to,
            "_days_between": days_between,
            "_add_days": add_days,
            "_same_name": same_name,
            "_name_in": name_in,
            "_same_person": same_person,
            "_signed_off": signed_off,
            "_smallest": smallest,
            "_largest": largest,
            "_rounding": self.rounding,
            "_local": _local,
            "_or3": kleene_or,
            "_and3": kleene_and,
            "_item3": kleene_item,
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
        if self.kleene:
            thunks = ", ".join(f"lambda: {self.expr(i)}" for i in node.items)
            return f"_{node.op}3(({thunks},))"
        return "(" + f" {node.op} ".join(self.expr(i) for i in node.items) + ")"

    def visit_Not(self, node: ir.Not) -> str:
        return f"(not {self.expr(node.operand)})"

    def visit_Arith(self, node: ir.Arith) -> str:
        a, b = self.expr(node.left), self.expr(node.right)
        if node.op == "/":
            return f"_divide({a}, {b}, {ir.divisor(node)!r})"
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
        if fn in ("same_name", "same_person", "signed_off"):
            return f"_{fn}({', '.join(args)})"
        if fn == "chain_status":
            return f"chains.get({args[0]}, 'not_required')"
        raise AssertionError(fn)  # pragma: no cover

    def visit_Aggregate(self, node: ir.Aggregate) -> str:
        lookup = self.name_lookup(node)
        if lookup is not None:
            return lookup
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
        if self.kleene and fn in ("any", "all"):
            # one thunk per item, called before the loop moves on (late binding is safe)
            test = "None" if node.cond is None else f"lambda: {self.expr(node.cond)}"
            items = f"_item3({fn!r}, {test}, lambda: {self.expr(node.elt)}) for {var} in {src}"
            return f"_{'or' if fn == 'any' else 'and'}3({items})"
        gen = f"{self.expr(node.elt)} for {var} in {src}{cond}"
        return {
            "any": f"any({gen})",
            "all": f"all({gen})",
            "sum": f"sum(({gen}), 0)",
            "min": f"_smallest({gen})",
            "max": f"_largest({gen})",
        }[fn]

    def name_lookup(self, node: ir.Aggregate) -> str | None:
        """``any(same_name(x, y) for y in list)`` where ``x`` does not read ``y``: one look-up
        in the list's folded names (``values.name_in``), not a comparison per name; the
        same answer, including when ``x`` is unknown (read only if the list has names)."""
        other = ir.name_looked_up(node)
        if other is None:
            return None
        return f"_name_in(lambda: {self.expr(other)}, {self.expr(node.source)})"

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
        raise Unknown(missing_reason(name), name)
    return value


# -- the generated evaluator: every fact, every rule and table of a deal in two functions ------


def evaluator_functions(mb: ModuleBuilder, model: PlaybookModel) -> None:
    """Add the two functions that evaluate a whole deal: ``facts_of`` and ``hits_of``
    (``compile/evaluator.Generated`` calls them).

    ``facts_of`` fills ``facts`` in dependency order; a fact that raises ``Unknown`` becomes
    what ``missing(scope, index, exc)`` says (the precise evaluator words the reason).
    ``hits_of`` checks every rule and decision table in one pass (scope tests inline) and
    returns what fired or could not be decided as ``(check, unknown, item, value)`` tuples;
    ``run/evaluate.py`` turns them into results. No rule tree is walked per deal.
    """
    lines = ["def facts_of(scope, deal, stage, as_of, chains, facts, missing):"]
    for i, f in enumerate(model.facts):
        lines += mb.fallback(
            "    ",
            partial(_fact_block, mb, f),
            [f"facts[{f.name!r}] = missing(scope, {i}, exc)"],
        )
        if f.given is not None:  # the recorded value wins; the derived one is kept to compare
            lines += [
                "    try:",
                f"        given = {mb.expr(f.given.node)}",
                "    except Unknown:",
                "        pass",
                "    else:",
                f"        scope.derived[{f.name!r}] = facts[{f.name!r}]",
                f"        facts[{f.name!r}] = given",
            ]
    lines += [
        "    return None",
        "",
        "def hits_of(deal, facts, stage, as_of, chains, category, stage_id):",
    ]
    lines.append("    hits = []")
    checks: list[Any] = [*model.rules, *model.tables]
    for k, spec in enumerate(checks):
        scope = []
        if spec.categories is not None:
            scope.append(f"category in {mb.const(frozenset(spec.categories))}")
        if spec.stages is not None:
            scope.append(f"stage_id in {mb.const(frozenset(spec.stages))}")
        pad = "    "
        if scope:
            lines.append(f"    if {' and '.join(scope)}:")
            pad = "        "
        if isinstance(spec, Rule) and spec.for_each is not None:
            var = f"v_{spec.item}"
            when = spec.when.node
            lines += mb.fallback(
                pad,
                partial(_lines, "items = {}", spec.for_each.node),
                [f"hits.append(({k}, exc, -1, None))", "items = ()"],
            )
            lines += [f"{pad}for i, {var} in enumerate(items):"]
            lines += mb.fallback(
                pad + "    ",
                partial(_lines, f"if {{}}:\n    hits.append(({k}, None, i, {var}))", when),
                [f"hits.append(({k}, exc, i, {var}))"],
            )
        elif isinstance(spec, Rule):
            lines += mb.fallback(
                pad,
                partial(
                    _lines, f"if {{}}:\n    hits.append(({k}, None, -1, None))", spec.when.node
                ),
                [f"hits.append(({k}, exc, -1, None))"],
            )
        else:
            lines += mb.fallback(
                pad,
                partial(
                    _lines,
                    "go = {}\nx = {} if go else None",
                    spec.when.node if spec.when is not None else ir.Const(BOOL, 0, True),
                    spec.input.node,
                ),
                [f"hits.append(({k}, exc, -1, None))", "go = False"],
            )
            lines += [f"{pad}if go:"]
            word = "if"
            for j, row in enumerate(spec.rows):
                lines.append(f"{pad}    {word} {_holds(mb, row, 'x')}:")
                lines.append(
                    f"{pad}        hits.append(({k}, None, {j}, x))"
                    if row.outcome.kind != "none"
                    else f"{pad}        pass"
                )
                if spec.hit == "first":
                    word = "elif"
    lines += ["    return hits", ""]
    mb.lines += lines


def _lines(template: str, *nodes: ir.Node, expr: Callable[[ir.Node], str]) -> list[str]:
    """``template``'s lines with each ``{}`` filled by the next node's source."""
    return template.format(*(expr(n) for n in nodes)).split("\n")


def _fact_block(mb: ModuleBuilder, f: Any, expr: Callable[[ir.Node], str]) -> list[str]:
    """The lines that compute fact ``f`` (``expr`` writes its expressions)."""
    lines: list[str] = []
    if f.value is not None:
        lines.append(f"facts[{f.name!r}] = {expr(f.value.node)}")
    elif f.cases:
        for j, case in enumerate(f.cases):
            word = "if" if j == 0 else "elif"
            lines += [
                f"{word} {expr(case.when.node)}:",
                f"    facts[{f.name!r}] = {expr(case.value.node)}",
            ]
        lines.append("else:")
        if f.otherwise is not None:
            lines.append(f"    facts[{f.name!r}] = {expr(f.otherwise.node)}")
        else:
            lines.append(f"    raise Unknown({f'no case of fact {f.name} holds'!r})")
    elif f.table_input is not None:
        lines.append(f"x = {expr(f.table_input.node)}")
        for j, row in enumerate(f.rows):
            word = "if" if j == 0 else "elif"
            lines += [
                f"{word} {_holds(mb, row, 'x')}:",
                f"    facts[{f.name!r}] = {mb.const(row.value)}",
            ]
        lines += [
            "else:",
            f"    raise Unknown(_show(x) + {f' matches no row of fact {f.name}'!r})",
        ]
    return lines


def _holds(mb: ModuleBuilder, row: Row, x: str) -> str:
    """``Row.limits`` as source: the same test the interpreter runs with ``Row.holds``."""
    return " and ".join(f"{x} {op} {mb.const(bound)}" for op, bound in row.limits()) or "True"


# -- results: built for every deal ------------------------------------------------------------

P = ParamSpec("P")
T = TypeVar("T")


def constructor(cls: Callable[P, T]) -> Callable[P, T]:
    """A generated function that builds an instance of the frozen slotted dataclass ``cls``
    (same fields, defaults and result) by storing through the slot descriptors.

    The dataclass's own ``__init__`` calls ``object.__setattr__`` by name for every field;
    an evaluation builds a few dozen results, and this halves their cost (about 20% of a
    deal's evaluation on auto-dealer). So ``results.py`` stays plain frozen dataclasses and
    ``run/`` builds its results through these."""
    params, body = [], []
    namespace: dict[str, Any] = {"_cls": cls, "_new": object.__new__, "_absent": _MISSING}
    for i, f in enumerate(fields(cls)):  # type: ignore[arg-type]
        namespace[f"_set{i}"] = cls.__dict__[f.name].__set__
        if f.default is not MISSING:
            namespace[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
        elif f.default_factory is not MISSING:
            namespace[f"_factory{i}"] = f.default_factory
            params.append(f"{f.name}=_absent")
            body.append(f"    if {f.name} is _absent: {f.name} = _factory{i}()")
        else:
            params.append(f.name)
        body.append(f"    _set{i}(self, {f.name})")
    name = f"new_{cls.__name__}"  # type: ignore[attr-defined]
    source = "\n".join(
        [f"def {name}({', '.join(params)}):", "    self = _new(_cls)", *body, "    return self"]
    )
    exec(compile(source, f"<kam {name}>", "exec"), namespace)  # noqa: S102 - our field names
    made: Callable[P, T] = namespace[name]
    return made
