"""Condition text in, checked and typed expression tree (IR) out.

The text is *parsed* with Python's ``ast`` module (never evaluated) and then rebuilt node by
node from an allow-list: field paths, literals, comparisons, ``and``/``or``/``not``,
arithmetic, ``x if c else y``, ``in``, one-``for`` generator expressions inside aggregate
functions, and the documented functions in ``FUNCTIONS``. Anything else - attributes starting
with ``_``, imports, lambdas, comprehensions, calls of other names, subscripts - is refused
with the column where it stands. Names are resolved against the playbook's declared deal
fields, facts and parameters, and types are checked, so most mistakes are found when the
playbook is loaded, not when a deal meets them.

Parameters are folded into constants here: a rule reading ``params.group_minimum_units``
compiles to the number itself.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import suggest
from .ir import (
    Aggregate,
    Arith,
    AsOf,
    BoolOp,
    Call,
    Compare,
    Cond,
    Const,
    Get,
    IfMissing,
    In,
    ListOf,
    Neg,
    Node,
    Not,
    Present,
)
from .types import (
    ANY,
    BOOL,
    DATE,
    INTEGER,
    NULL,
    NUMBER,
    STRING,
    Type,
    arithmetic,
    comparable,
    joined,
    list_of,
)

# The IR node classes live in ir.py; the checker and the tests also reach them from here.
__all__ = [
    "CHAIN_STATES",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Checked",
    "Const",
    "FunctionSpec",
    "Node",
    "Problem",
    "Scope",
    "check",
    "is_percent",
    "percent_text",
]

MAX_LENGTH = 1000
MAX_DEPTH = 32

# ---------------------------------------------------------------------------------------
# Functions an expression may call. Documented in docs/expressions.md.


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    args: str  # a short signature for messages and docs
    help: str


FUNCTIONS: dict[str, FunctionSpec] = {
    "any": FunctionSpec("any(cond for x in list)", "true when the condition holds for one item"),
    "all": FunctionSpec("all(cond for x in list)", "true when the condition holds for every item"),
    "sum": FunctionSpec("sum(number for x in list)", "the total; 0 for an empty list"),
    "count": FunctionSpec("count(x for x in list if cond)", "how many items (pass the test)"),
    "min": FunctionSpec("min(a, b, ...) or min(n for x in list)", "the smallest value"),
    "max": FunctionSpec("max(a, b, ...) or max(n for x in list)", "the largest value"),
    "len": FunctionSpec("len(list or text)", "the number of items or characters"),
    "abs": FunctionSpec("abs(number)", "the number without its sign"),
    "round": FunctionSpec("round(number, places)", "rounded with the playbook's rounding"),
    "days_between": FunctionSpec(
        "days_between(earlier, later)", "whole days from one date to another"
    ),
    "add_days": FunctionSpec("add_days(date, days)", "the date so many days later"),
    "present": FunctionSpec("present(value)", "true when the deal has the value"),
    "missing": FunctionSpec("missing(value)", "true when the deal lacks the value"),
    "if_missing": FunctionSpec(
        "if_missing(value, default)", "the value, or the default when absent"
    ),
    "lower": FunctionSpec("lower(text)", "text in lower case"),
    "upper": FunctionSpec("upper(text)", "text in upper case"),
    "chain_status": FunctionSpec(
        "chain_status('CHAIN-ID')",
        "an approval chain's state: not_required, pending, complete or rejected",
    ),
}
CHAIN_STATES = ("not_required", "pending", "complete", "rejected")
_AGGREGATES = frozenset({"any", "all", "sum", "count", "min", "max"})
_NAMED_CONSTANTS = {"true": True, "false": False, "True": True, "False": False}
_NULL_NAMES = frozenset({"null", "None"})


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem in one expression: offsets into its text, message and hint."""

    code: str
    message: str
    start: int
    hint: str = ""


@dataclass
class Scope:
    """What names an expression may use, with their types."""

    deal: Type
    facts: Mapping[str, Type]
    params: Mapping[str, tuple[Any, Type]]
    stage: Type
    fact_filter: Callable[[str], str | None] | None = None  # returns an error, or None
    chains: tuple[str, ...] | None = None  # chain ids chain_status() may name; None: not here
    extra: Mapping[str, Type] = field(default_factory=dict)  # template-only locals, e.g. item


@dataclass
class Checked:
    """The result of checking one expression."""

    node: Node | None
    problems: list[Problem]
    facts_used: set[str]
    paths_used: set[str]
    # parameters above 1 (written without %) that are compared with a percentage, with what
    # they are compared with: the checker reports each once, at the parameter
    percent_params: list[tuple[str, str]] = field(default_factory=list)


class _Fail(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)%")


def _rewrite_percent(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``15%`` -> ``0.15`` outside quoted text; returns the new text and offset shifts."""
    out, shifts, i, quote = [], [], 0, ""
    pos = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            i += 1
            continue
        m = (
            _PERCENT.match(text, i)
            if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "._"))
            else None
        )
        if m:
            value = format(Decimal(m.group(1)) / 100, "f")
            out.append(text[pos:i])
            out.append(value)
            shifts.append((i, len(value) - len(m.group())))
            i = m.end()
            pos = i
            continue
        i += 1
    out.append(text[pos:])
    return "".join(out), shifts


def check(text: str, scope: Scope, expect: Type | None = None) -> Checked:
    """Parse and check one expression; ``expect`` is the type it must have (e.g. BOOL)."""
    facts_used: set[str] = set()
    paths_used: set[str] = set()
    if not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_LENGTH:
        return Checked(
            None,
            [
                Problem(
                    "expression-too-long",
                    f"expression is {len(text)} characters; the limit is {MAX_LENGTH}",
                    0,
                    "split it into facts",
                )
            ],
            facts_used,
            paths_used,
        )
    if not text.strip():
        return Checked(
            None,
            [Problem("expression-syntax", "the expression is empty", 0)],
            facts_used,
            paths_used,
        )
    source, shifts = _rewrite_percent(text)

    def back(offset: int) -> int:  # offset in the rewritten text -> offset in the original
        out = offset
        for at, delta in shifts:
            if at < offset - (delta if delta > 0 else 0):
                out -= delta
        return max(0, min(out, len(text)))

    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        return Checked(None, [_syntax_problem(text, source, exc, back)], facts_used, paths_used)
    except (ValueError, RecursionError, MemoryError) as exc:
        return Checked(
            None,
            [Problem("expression-syntax", f"cannot read the expression: {exc}", 0)],
            facts_used,
            paths_used,
        )
    lead = len(source) - len(source.lstrip())
    depth_problem = _depth(tree.body)
    if depth_problem:
        return Checked(
            None,
            [
                Problem(
                    "expression-too-deep",
                    f"expression nests deeper than {MAX_DEPTH} levels",
                    0,
                    "split it into facts",
                )
            ],
            facts_used,
            paths_used,
        )
    checker = _Checker(source, lead, scope, facts_used, paths_used, back)
    checker.percent_literals = {at for at, _ in shifts}
    try:
        node = checker.visit(tree.body)
        if expect is not None and not _fits(node.type, expect):
            raise _Fail(
                Problem(
                    "type",
                    f"this should be {expect.describe()}, but it is {node.type.describe()}",
                    back(lead),
                )
            )
    except _Fail as fail:
        return Checked(None, [fail.problem], facts_used, paths_used)
    return Checked(node, [], facts_used, paths_used, checker.percent_params)


def _fits(actual: Type, expected: Type) -> bool:
    if actual.kind == "any" or expected.kind == "any":
        return True
    if expected.numeric and actual.numeric:
        return not (expected.kind == "integer" and actual.kind != "integer")
    if expected.kind == "list" and actual.kind == "list":
        return expected.item is None or actual.item is None or _fits(actual.item, expected.item)
    return actual.kind == expected.kind


def _depth(node: ast.AST) -> bool:
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        if d > MAX_DEPTH:
            return True
        stack.extend((c, d + 1) for c in ast.iter_child_nodes(n))
    return False


def _syntax_problem(
    text: str, source: str, exc: SyntaxError, back: Callable[[int], int]
) -> Problem:
    stripped = text.rstrip()
    for word in (
        " and",
        " or",
        " not",
        "+",
        "-",
        "*",
        "/",
        "==",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        " in",
    ):
        if stripped.endswith(word):
            return Problem(
                "expression-syntax",
                f"the expression ends after '{word.strip()}'; something must follow it",
                len(stripped) - len(word.strip()),
                "complete or remove the last part",
            )
    msg = exc.msg or "invalid syntax"
    if "never closed" in msg or "unexpected EOF" in msg:
        hint = "check that every '(' and '[' is closed and every quote is closed"
    elif msg.startswith("invalid syntax"):
        msg = "this is not a valid expression"
        hint = "compare with '==', join conditions with 'and' / 'or'; text goes in quotes"
    else:
        hint = ""
    offset = max(0, (exc.offset or 1) - 1)
    if exc.lineno and exc.lineno > 1:
        offset += sum(len(line) + 1 for line in source.strip().split("\n")[: exc.lineno - 1])
    lead = len(source) - len(source.lstrip())
    return Problem(
        "expression-syntax", msg, back(_char_offset(source.strip(), offset) + lead), hint
    )


def _char_offset(text: str, byte_offset: int) -> int:
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class _Checker:
    def __init__(
        self,
        source: str,
        lead: int,
        scope: Scope,
        facts_used: set[str],
        paths_used: set[str],
        back: Callable[[int], int],
    ) -> None:
        self.text = source.strip()
        self.lead = lead
        self.scope = scope
        self.locals: dict[str, Type] = dict(scope.extra)
        self.facts_used = facts_used
        self.paths_used = paths_used
        self.back = back
        self.percent_literals: set[int] = set()  # where "15%" was written (offsets)
        self.percent_params: list[tuple[str, str]] = []

    # -- helpers -------------------------------------------------------------------------
    def at(self, node: ast.AST) -> int:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        offset = sum(len(x.encode()) + 1 for x in self.text.split("\n")[: line - 1]) + col
        return self.back(_char_offset(self.text, offset) + self.lead)

    def fail(self, node: ast.AST, message: str, hint: str = "", code: str = "expression") -> _Fail:
        start = self.at(node)
        if isinstance(node, ast.Attribute) and getattr(node, "end_col_offset", None) is not None:
            # point at the field name itself, not at the start of the whole path
            line_start = self.at(node) - node.col_offset
            start = (
                self.back(line_start + (node.end_col_offset or 0) - len(node.attr))
                if node.end_lineno == node.lineno and node.attr.isascii()
                else start
            )
        return _Fail(Problem(code, message, start, hint))

    def literal_text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ""

    # -- dispatch ------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> Node:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, _refusal(node), _refusal_hint(node), code="not-allowed")
        result: Node = method(node)
        return result

    def visit_Constant(self, node: ast.Constant) -> Node:
        v = node.value
        if isinstance(v, bool):
            return Const(BOOL, self.at(node), v)
        if isinstance(v, int):
            return Const(INTEGER, self.at(node), v)
        if isinstance(v, float):
            text = self.literal_text(node).replace("_", "")
            try:
                return Const(NUMBER, self.at(node), Decimal(text))
            except ArithmeticError as exc:  # pragma: no cover - ast accepted it as a float
                raise self.fail(node, f"bad number {text}") from exc
        if isinstance(v, str):
            return Const(STRING, self.at(node), v)
        if v is None:
            return Const(NULL, self.at(node), None)
        raise self.fail(node, f"{type(v).__name__} literals are not allowed", code="not-allowed")

    def visit_Name(self, node: ast.Name) -> Node:
        name = node.id
        if name in _NAMED_CONSTANTS:
            return Const(BOOL, self.at(node), _NAMED_CONSTANTS[name])
        if name in _NULL_NAMES:
            return Const(NULL, self.at(node), None)
        if name == "as_of":
            return AsOf(DATE, self.at(node))
        if name in self.locals:
            return Get(self.locals[name], self.at(node), name, (), True)
        if name in ("deal", "facts", "params", "stage"):
            raise self.fail(node, f"'{name}' needs a field name after it, like {name}.something")
        roots = ["deal", "facts", "params", "stage", "as_of", *self.locals]
        hint = suggest(name, roots) or f"start a name with one of: {', '.join(roots)}"
        raise self.fail(node, f"unknown name '{name}'", hint, code="unknown-name")

    def visit_Attribute(self, node: ast.Attribute) -> Node:
        chain: list[tuple[str, ast.AST]] = []
        cur: ast.AST = node
        while isinstance(cur, ast.Attribute):
            chain.append((cur.attr, cur))
            cur = cur.value
        chain.reverse()
        for attr, at in chain:
            if attr.startswith("_"):
                raise self.fail(
                    at, f"names starting with '_' are not allowed ('{attr}')", code="not-allowed"
                )
        if not isinstance(cur, ast.Name):
            raise self.fail(
                node,
                "a field path must start with deal, facts, params or stage",
                code="not-allowed",
            )
        root = cur.id
        names = [a for a, _ in chain]
        if root in self.locals:
            t = self.locals[root]
            return Get(self._walk_fields(t, root, chain), self.at(node), root, tuple(names), True)
        if root == "deal":
            t = self._walk_fields(self.scope.deal, "deal", chain)
            self.paths_used.add(".".join(names))
            return Get(t, self.at(node), "deal", tuple(names))
        if root == "facts":
            fact = names[0]
            if fact not in self.scope.facts:
                raise self.fail(
                    chain[0][1],
                    f"unknown fact '{fact}'",
                    suggest(fact, self.scope.facts) or "declare it under facts:",
                    code="unknown-name",
                )
            if self.scope.fact_filter is not None:
                why = self.scope.fact_filter(fact)
                if why:
                    raise self.fail(chain[0][1], why, code="fact-order")
            self.facts_used.add(fact)
            t = self._walk_fields(self.scope.facts[fact], f"facts.{fact}", chain[1:])
            return Get(t, self.at(node), "facts", tuple(names))
        if root == "params":
            param = names[0]
            if param not in self.scope.params:
                raise self.fail(
                    chain[0][1],
                    f"unknown parameter '{param}'",
                    suggest(param, self.scope.params) or "declare it under parameters:",
                    code="unknown-name",
                )
            if len(names) > 1:
                raise self.fail(chain[1][1], f"parameter '{param}' has no fields")
            value, t = self.scope.params[param]
            return Const(t, self.at(node), value, param)
        if root == "stage":
            t = self._walk_fields(self.scope.stage, "stage", chain)
            return Get(t, self.at(node), "stage", tuple(names))
        if root == "as_of":
            raise self.fail(node, "as_of is a date and has no fields")
        return self.visit_Name(cur)

    def _walk_fields(self, t: Type, where: str, chain: list[tuple[str, ast.AST]]) -> Type:
        for attr, at in chain:
            if t.kind == "any":
                return t
            if t.kind != "object":
                raise self.fail(
                    at,
                    f"{where} is {t.describe()} and has no field '{attr}'",
                    "to look into each item of a list, use any(... for x in list)"
                    if t.kind == "list"
                    else "",
                )
            sub = t.field(attr)
            if sub is None:
                raise self.fail(
                    at,
                    f"{where} has no field '{attr}'",
                    suggest(attr, t.field_names())
                    or f"declared fields: {', '.join(t.field_names()) or 'none'}",
                    code="unknown-name",
                )
            t = sub
            where = f"{where}.{attr}"
        return t

    def visit_BoolOp(self, node: ast.BoolOp) -> Node:
        op = "and" if isinstance(node.op, ast.And) else "or"
        items = tuple(self.visit(v) for v in node.values)
        for src, item in zip(node.values, items, strict=True):
            self._need_bool(src, item, f"each side of '{op}'")
        return BoolOp(BOOL, self.at(node), op, items)

    def _need_bool(self, src: ast.AST, item: Node, what: str) -> None:
        if item.type.kind not in ("bool", "any"):
            hint = ""
            if item.type.kind == "list":
                hint = "test a list with len(x) > 0 or any(...)"
            elif item.type.kind in ("string", "number", "integer", "money", "percent", "date"):
                hint = "compare it: == , != , < , > ..."
            raise self.fail(
                src,
                f"{what} must be a condition (true/false), but this is {item.type.describe()}",
                hint,
                code="type",
            )

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Node:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            self._need_bool(node.operand, operand, "'not'")
            return Not(BOOL, self.at(node), operand)
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            if not (operand.type.numeric or operand.type.kind == "any"):
                raise self.fail(node, f"cannot negate {operand.type.describe()}", code="type")
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(operand, Const):
                if operand.start in self.percent_literals:
                    self.percent_literals.add(self.at(node))  # -15% is still written as one
                return Const(operand.type, self.at(node), -operand.value)
            return Neg(operand.type, self.at(node), operand)
        raise self.fail(node, "the operator '~' is not allowed", code="not-allowed")

    def visit_BinOp(self, node: ast.BinOp) -> Node:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise self.fail(
                node,
                f"the operator '{_op_text(node.op)}' is not allowed",
                "allowed: + - * /",
                code="not-allowed",
            )
        left, right = self.visit(node.left), self.visit(node.right)
        for src, side in ((node.left, left), (node.right, right)):
            if not (side.type.numeric or side.type.kind == "any"):
                hint = (
                    "for dates use days_between(a, b) or add_days(d, n)"
                    if side.type.kind == "date"
                    else ""
                )
                raise self.fail(
                    src,
                    f"'{op}' needs numbers, but this is {side.type.describe()}",
                    hint,
                    code="type",
                )
        return Arith(arithmetic(op, left.type, right.type), self.at(node), op, left, right)

    def visit_Compare(self, node: ast.Compare) -> Node:
        parts: list[Node] = []
        left_src: ast.expr = node.left
        left = self.visit(node.left)
        for op_node, right_src in zip(node.ops, node.comparators, strict=True):
            right = self.visit(right_src)
            parts.append(self._compare(node, op_node, left_src, left, right_src, right))
            left, left_src = right, right_src
        if len(parts) == 1:
            return parts[0]
        return BoolOp(BOOL, self.at(node), "and", tuple(parts))

    def _compare(
        self,
        node: ast.AST,
        op_node: ast.cmpop,
        left_src: ast.expr,
        left: Node,
        right_src: ast.expr,
        right: Node,
    ) -> Node:
        if isinstance(op_node, (ast.In, ast.NotIn)):
            negate = isinstance(op_node, ast.NotIn)
            if right.type.kind == "list":
                item_t = right.type.item or ANY
                if not comparable(left.type, item_t):
                    raise self.fail(
                        left_src,
                        f"cannot look for {left.type.describe()} in a {right.type.describe()}",
                        code="type",
                    )
                self._check_enum(left, right_src, right)
            elif right.type.kind == "string":
                if left.type.kind not in ("string", "any"):
                    raise self.fail(left_src, "only text can be found in text", code="type")
            elif right.type.kind != "any":
                raise self.fail(
                    right_src,
                    f"'in' needs a list or text on its right, not {right.type.describe()}",
                    code="type",
                )
            return In(BOOL, self.at(node), left, right, negate)
        if isinstance(op_node, (ast.Is, ast.IsNot)):
            raise self.fail(node, "use '==' and '!=' instead of 'is'", code="not-allowed")
        op = _CMP[type(op_node)]
        if (isinstance(right, Const) and right.type.kind == "null") or (
            isinstance(left, Const) and left.type.kind == "null"
        ):
            other = left if right.type.kind == "null" else right
            if op not in ("==", "!="):
                raise self.fail(node, "null can only be compared with == or !=", code="type")
            return Present(BOOL, self.at(node), other, negate=(op == "=="))
        if not comparable(left.type, right.type):
            raise self.fail(
                node,
                f"cannot compare {left.type.describe()} with {right.type.describe()}",
                "numbers in quotes are text: write 5, not '5'"
                if "text" in (left.type.describe(), right.type.describe())
                else "",
                code="type",
            )
        if op not in ("==", "!=") and (left.type.kind in ("bool", "object", "list")):
            raise self.fail(node, f"'{op}' cannot order {left.type.describe()}", code="type")
        self._percent_scale(left, right, right_src)
        self._percent_scale(right, left, left_src)
        self._check_enum(left, right_src, right)
        self._check_enum(right, left_src, left)
        return Compare(BOOL, self.at(node), op, left, right)

    def _percent_scale(self, pct: Node, other: Node, other_src: ast.AST) -> None:
        """``facts.discount > 15``: a bare number above 1 against a percentage is 1,500%."""
        if not is_percent(pct) or not isinstance(other, Const):
            return
        value = other.value
        if (
            other.type.kind == "percent"
            or isinstance(value, bool)
            or not isinstance(value, int | Decimal)
            or abs(Decimal(value)) <= 1
            or other.start in self.percent_literals
        ):
            return
        what = pct.name if isinstance(pct, Get) else "a percentage"
        if other.param:
            self.percent_params.append((other.param, what))
            return
        raise self.fail(
            other_src,
            f"{value} is compared with a percentage ({what}): "
            f"{value} would mean {percent_text(value)}",
            f"did you mean {value}%?",
            code="percent-scale",
        )

    def _check_enum(self, value: Node, other_src: ast.expr, other: Node) -> None:
        """``deal.category == 'goverment'``: the text must be one of the declared values."""
        allowed = value.type.values
        if not allowed:
            return
        literals: list[tuple[Any, ast.expr]] = []
        if isinstance(other, Const) and isinstance(other.value, str):
            literals.append((other.value, other_src))
        elif isinstance(other, ListOf) and isinstance(other_src, (ast.List, ast.Tuple)):
            for item, src in zip(other.items, other_src.elts, strict=True):
                if isinstance(item, Const) and isinstance(item.value, str):
                    literals.append((item.value, src))
        for lit, src in literals:
            if lit not in allowed:
                raise self.fail(
                    src,
                    f"'{lit}' is not a possible value here",
                    suggest(lit, allowed) or f"possible: {', '.join(allowed)}",
                    code="unknown-value",
                )

    def visit_IfExp(self, node: ast.IfExp) -> Node:
        test = self.visit(node.test)
        self._need_bool(node.test, test, "the test of 'if'")
        then, other = self.visit(node.body), self.visit(node.orelse)
        if not comparable(then.type, other.type) and NULL not in (then.type, other.type):
            raise self.fail(
                node,
                f"the two outcomes differ: {then.type.describe()} and {other.type.describe()}",
                code="type",
            )
        return Cond(joined(then.type, other.type), self.at(node), test, then, other)

    def visit_List(self, node: ast.List | ast.Tuple) -> Node:
        items = tuple(self.visit(e) for e in node.elts)
        item_t = ANY
        for i, item in enumerate(items):
            if i and not comparable(item_t, item.type):
                raise self.fail(node.elts[i], "a list must hold values of one kind", code="type")
            item_t = item.type if i == 0 else joined(item_t, item.type)
        if all(isinstance(i, Const) for i in items):
            values = [i.value for i in items if isinstance(i, Const)]
            return Const(list_of(item_t), self.at(node), tuple(values))
        return ListOf(list_of(item_t), self.at(node), items)

    visit_Tuple = visit_List

    def visit_Call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                node,
                "only the documented functions can be called",
                f"functions: {', '.join(FUNCTIONS)}",
                code="not-allowed",
            )
        fn = node.func.id
        if fn not in FUNCTIONS:
            raise self.fail(
                node.func,
                f"unknown function '{fn}'",
                suggest(fn, FUNCTIONS) or f"functions: {', '.join(FUNCTIONS)}",
                code="unknown-function",
            )
        if node.keywords:
            raise self.fail(node, f"{fn}() takes no named arguments", code="not-allowed")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, "'*' arguments are not allowed", code="not-allowed")
        args = node.args
        if len(args) == 1 and isinstance(args[0], ast.GeneratorExp):
            if fn not in _AGGREGATES:
                raise self.fail(node, f"{fn}() does not take 'for'", code="not-allowed")
            return self._generator(fn, node, args[0])
        if fn in ("any", "all", "sum", "count") or (fn in ("min", "max") and len(args) == 1):
            if len(args) != 1:
                raise self.fail(node, f"usage: {FUNCTIONS[fn].args}", code="arguments")
            source = self.visit(args[0])
            if source.type.kind not in ("list", "any"):
                raise self.fail(
                    args[0], f"{fn}() needs a list, not {source.type.describe()}", code="type"
                )
            item_t = source.type.item or ANY
            self._aggregate_item(fn, args[0], item_t)
            return Aggregate(self._aggregate_type(fn, item_t), self.at(node), fn, source)
        handler: Callable[[ast.Call, str, list[ast.expr]], Node] = getattr(self, "fn_" + fn)
        return handler(node, fn, args)

    def _aggregate_item(self, fn: str, src: ast.AST, item_t: Type) -> None:
        if fn in ("any", "all") and item_t.kind not in ("bool", "any"):
            raise self.fail(
                src,
                f"{fn}() needs conditions, not {item_t.describe()}",
                f"usage: {FUNCTIONS[fn].args}",
                code="type",
            )
        if fn in ("sum", "min", "max") and not (
            item_t.numeric or (item_t.kind in ("any", "date") and fn != "sum")
        ):
            raise self.fail(src, f"{fn}() needs numbers, not {item_t.describe()}", code="type")

    @staticmethod
    def _aggregate_type(fn: str, item_t: Type) -> Type:
        if fn in ("any", "all"):
            return BOOL
        if fn == "count":
            return INTEGER
        return item_t if item_t.kind != "any" else NUMBER

    def _generator(self, fn: str, call: ast.Call, gen: ast.GeneratorExp) -> Node:
        if len(gen.generators) != 1:
            raise self.fail(gen, "only one 'for' is allowed", code="not-allowed")
        comp = gen.generators[0]
        if comp.is_async or len(comp.ifs) > 1:
            raise self.fail(gen, "use one 'if' with 'and' instead of several", code="not-allowed")
        if not isinstance(comp.target, ast.Name):
            raise self.fail(
                comp.target, "the loop variable must be a plain name", code="not-allowed"
            )
        var = comp.target.id
        if (
            var in ("deal", "facts", "params", "stage", "as_of")
            or var in _NAMED_CONSTANTS
            or var in _NULL_NAMES
            or var.startswith("_")
            or var in self.locals
        ):
            raise self.fail(
                comp.target, f"'{var}' cannot be used as the loop variable", code="not-allowed"
            )
        source = self.visit(comp.iter)
        if source.type.kind not in ("list", "any"):
            raise self.fail(
                comp.iter, f"'for' needs a list, not {source.type.describe()}", code="type"
            )
        self.locals[var] = source.type.item or ANY
        try:
            cond = None
            if comp.ifs:
                cond = self.visit(comp.ifs[0])
                self._need_bool(comp.ifs[0], cond, "the 'if' of 'for'")
            elt = self.visit(gen.elt)
            if fn == "count":
                pass  # count() counts items; the element is not inspected
            else:
                self._aggregate_item(fn, gen.elt, elt.type)
        finally:
            del self.locals[var]
        return Aggregate(
            self._aggregate_type(fn, elt.type), self.at(call), fn, source, var, elt, cond
        )

    def _args(self, node: ast.Call, fn: str, args: list[ast.expr], n: int) -> list[Node]:
        if len(args) != n:
            raise self.fail(
                node,
                f"{fn}() takes {n} argument{'s' if n != 1 else ''}: {FUNCTIONS[fn].args}",
                code="arguments",
            )
        return [self.visit(a) for a in args]

    def _need(self, src: ast.AST, value: Node, kinds: tuple[str, ...], what: str) -> None:
        if (
            value.type.kind == "any"
            or value.type.kind in kinds
            or ("number" in kinds and value.type.numeric)
        ):
            return
        raise self.fail(src, f"{what}, not {value.type.describe()}", code="type")

    def fn_min(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        if len(args) < 2:
            raise self.fail(node, f"usage: {FUNCTIONS[fn].args}", code="arguments")
        items = [self.visit(a) for a in args]
        t = items[0].type
        for src, item in zip(args, items, strict=True):
            if not comparable(t, item.type) or not (
                item.type.numeric or item.type.kind in ("date", "any")
            ):
                raise self.fail(src, f"{fn}() needs numbers or dates of one kind", code="type")
            t = joined(t, item.type)
        return Call(t, self.at(node), fn, tuple(items))

    fn_max = fn_min

    def fn_len(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        (x,) = self._args(node, fn, args, 1)
        self._need(args[0], x, ("list", "string"), "len() needs a list or text")
        return Call(INTEGER, self.at(node), fn, (x,))

    def fn_abs(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        (x,) = self._args(node, fn, args, 1)
        self._need(args[0], x, ("number",), "abs() needs a number")
        return Call(x.type, self.at(node), fn, (x,))

    def fn_round(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        x, places = self._args(node, fn, args, 2)
        self._need(args[0], x, ("number",), "round() needs a number")
        if not (
            isinstance(places, Const) and places.type.kind == "integer" and 0 <= places.value <= 10
        ):
            raise self.fail(
                args[1], "round() needs a whole number of places from 0 to 10", code="arguments"
            )
        return Call(x.type if x.type.kind != "integer" else NUMBER, self.at(node), fn, (x, places))

    def fn_days_between(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        a, b = self._args(node, fn, args, 2)
        self._need(args[0], a, ("date",), "days_between() needs dates")
        self._need(args[1], b, ("date",), "days_between() needs dates")
        return Call(INTEGER, self.at(node), fn, (a, b))

    def fn_add_days(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        d, n = self._args(node, fn, args, 2)
        self._need(args[0], d, ("date",), "add_days() needs a date first")
        if n.type.kind not in ("integer", "any"):
            raise self.fail(args[1], "add_days() needs a whole number of days", code="type")
        return Call(DATE, self.at(node), fn, (d, n))

    def fn_present(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        (x,) = self._args(node, fn, args, 1)
        return Present(BOOL, self.at(node), x, negate=(fn == "missing"))

    fn_missing = fn_present

    def fn_if_missing(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        x, default = self._args(node, fn, args, 2)
        if not comparable(x.type, default.type):
            raise self.fail(args[1], f"the default must be {x.type.describe()}", code="type")
        self._percent_scale(x, default, args[1])
        return IfMissing(joined(x.type, default.type), self.at(node), x, default)

    def fn_lower(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        (x,) = self._args(node, fn, args, 1)
        self._need(args[0], x, ("string",), f"{fn}() needs text")
        return Call(STRING, self.at(node), fn, (x,))

    fn_upper = fn_lower

    def fn_chain_status(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        if self.scope.chains is None:
            raise self.fail(
                node,
                "chain_status() cannot be used here",
                "facts and approval chains are worked out before chains are",
                code="not-allowed",
            )
        if len(args) != 1 or not (
            isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
        ):
            raise self.fail(node, "usage: chain_status('CHAIN-ID')", code="arguments")
        chain = args[0].value
        if chain not in self.scope.chains:
            hint = suggest(chain, self.scope.chains) or "declare it under approval_chains:"
            raise self.fail(args[0], f"unknown approval chain '{chain}'", hint, code="unknown-name")
        return Call(
            Type("string", values=CHAIN_STATES),
            self.at(node),
            fn,
            (Const(STRING, self.at(args[0]), chain),),
        )


def is_percent(node: Node) -> bool:
    """Does the value read as a percentage (also through if_missing, min and max)?"""
    if node.type.kind == "percent":
        return True
    if isinstance(node, IfMissing):
        return is_percent(node.operand)
    if isinstance(node, Call) and node.fn in ("min", "max"):
        return any(is_percent(a) for a in node.args)
    return False


def percent_text(value: int | Decimal) -> str:
    """15 -> "1,500%": what a bare number means where a percentage is read."""
    return f"{format((Decimal(value) * 100).normalize(), ',f')}%"


def _op_text(op: ast.operator) -> str:
    names: dict[type[ast.operator], str] = {
        ast.Mod: "%",
        ast.Pow: "**",
        ast.FloorDiv: "//",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitAnd: "&",
        ast.BitXor: "^",
        ast.MatMult: "@",
    }
    return names.get(type(op), type(op).__name__)


def _refusal(node: ast.AST) -> str:
    kind = type(node).__name__
    return {
        "Lambda": "lambda is not allowed",
        "ListComp": "list comprehensions are not allowed",
        "SetComp": "set comprehensions are not allowed",
        "DictComp": "dict comprehensions are not allowed",
        "GeneratorExp": "'for' is only allowed inside any(), all(), sum(), count(), min(), max()",
        "Subscript": "indexing with [...] is not allowed",
        "Dict": "{...} mappings are not allowed",
        "Set": "{...} sets are not allowed",
        "JoinedStr": "f-strings are not allowed",
        "NamedExpr": "':=' is not allowed",
        "Await": "await is not allowed",
        "Starred": "'*' is not allowed",
        "Slice": "slices are not allowed",
    }.get(kind, f"this kind of expression ({kind}) is not allowed")


def _refusal_hint(node: ast.AST) -> str:
    if isinstance(node, ast.Subscript):
        return "to look at list items use any(...), all(...) or sum(... for x in list)"
    if isinstance(node, ast.GeneratorExp):
        return "for example: any(line.quantity > 5 for line in deal.lines)"
    return ""
