"""Python ``ast`` nodes in, IR out, part 2: operators.

``and``/``or``/``not``, ``+ - * /`` and unary minus, comparisons (also chained, and ``== null``),
``in``, ``x if c else y`` and list literals - each with its type rules, the percent-scale check
(``discount > 15`` where 15% was meant) and the check of text against declared values.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import Any

from ..errors import closest, suggest, values_of
from .ir import (
    Arith,
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
from .names import NameChecker, Problem
from .types import ANY, BOOL, NULL, arithmetic, comparable, is_person, joined, list_of, type_values

_CMP = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class OperatorChecker(NameChecker):
    """The operators of the expression language (names and paths come from NameChecker)."""

    def visit_BoolOp(self, node: ast.BoolOp) -> Node:
        op = "and" if isinstance(node.op, ast.And) else "or"
        items = tuple(self.visit(v) for v in node.values)
        for src, item in zip(node.values, items, strict=True):
            self._need_bool(src, item, f"each side of '{op}'")
        return BoolOp(BOOL, self.at(node), op, items)

    def _need_bool(self, src: ast.AST, item: Node, what: str) -> None:
        if item.type.kind not in ("bool", "any"):
            hint = hint_said = ""
            if item.type.kind == "list":
                hint, hint_said = "test a list with len(x) > 0 or any(...)", "test_a_list"
            elif item.type.kind in ("string", "number", "integer", "money", "percent", "date"):
                hint, hint_said = "compare it: == , != , < , > ...", "compare_it"
            # ``what`` is one of a few fixed phrases, each with words in every language
            raise self.fail(
                src,
                f"{what} must be a condition (true/false), but this is {item.type.describe()}",
                hint,
                code="type",
                said="must_be_condition",
                values={"what": what, **type_values("type", item.type)},
                hint_said=hint_said,
            )

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Node:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            self._need_bool(node.operand, operand, "'not'")
            return Not(BOOL, self.at(node), operand)
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            if not (operand.type.numeric or operand.type.kind == "any"):
                raise self.fail(
                    node,
                    f"cannot negate {operand.type.describe()}",
                    code="type",
                    said="cannot_negate",
                    values=type_values("type", operand.type),
                )
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(operand, Const):
                if operand.start in self.percent_literals:
                    self.percent_literals.add(self.at(node))  # -15% is still written as one
                return Const(operand.type, self.at(node), -operand.value)
            return Neg(operand.type, self.at(node), operand)
        raise self.fail(
            node,
            "the operator '~' is not allowed",
            code="not-allowed",
            said="operator_not_allowed",
            values={"op": "~"},
        )

    def visit_BinOp(self, node: ast.BinOp) -> Node:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise self.fail(
                node,
                f"the operator '{_op_text(node.op)}' is not allowed",
                "allowed: + - * /",
                code="not-allowed",
                said="operator_not_allowed",
                values={"op": _op_text(node.op)},
                hint_said="allowed_operators",
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
                    said="needs_numbers",
                    values={"op": op, **type_values("type", side.type)},
                    hint_said="date_arithmetic" if hint else "",
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
                        said="cannot_look_for",
                        values={
                            **type_values("left", left.type),
                            **type_values("right", right.type),
                        },
                    )
                self._check_enum(left, right_src, right)
            elif right.type.kind == "string":
                if left.type.kind not in ("string", "any"):
                    raise self.fail(
                        left_src, "only text can be found in text", code="type", said="text_in_text"
                    )
            elif right.type.kind != "any":
                raise self.fail(
                    right_src,
                    f"'in' needs a list or text on its right, not {right.type.describe()}",
                    code="type",
                    said="in_needs",
                    values=type_values("type", right.type),
                )
            return In(BOOL, self.at(node), left, right, negate)
        if isinstance(op_node, (ast.Is, ast.IsNot)):
            raise self.fail(
                node, "use '==' and '!=' instead of 'is'", code="not-allowed", said="no_is"
            )
        op = _CMP[type(op_node)]
        if (isinstance(right, Const) and right.type.kind == "null") or (
            isinstance(left, Const) and left.type.kind == "null"
        ):
            other = left if right.type.kind == "null" else right
            if op not in ("==", "!="):
                raise self.fail(
                    node,
                    "null can only be compared with == or !=",
                    code="type",
                    said="null_compare",
                )
            return Present(BOOL, self.at(node), other, negate=(op == "=="))
        if not comparable(left.type, right.type):
            kinds = {**type_values("left", left.type), **type_values("right", right.type)}
            quoted = "text" in (left.type.describe(), right.type.describe())
            raise self.fail(
                node,
                f"cannot compare {left.type.describe()} with {right.type.describe()}",
                "numbers in quotes are text: write 5, not '5'" if quoted else "",
                code="type",
                said="cannot_compare",
                values=kinds,
                hint_said="quotes_are_text" if quoted else "",
            )
        if op not in ("==", "!=") and (left.type.kind in ("bool", "object", "list")):
            raise self.fail(
                node,
                f"'{op}' cannot order {left.type.describe()}",
                code="type",
                said="cannot_order",
                values={"op": op, **type_values("type", left.type)},
            )
        self._percent_scale(left, right, right_src)
        self._percent_scale(right, left, left_src)
        self._check_enum(left, right_src, right)
        self._check_enum(right, left_src, left)
        if op in ("==", "!=") and (is_person(left.type) or is_person(right.type)):
            self.person_compares.append(
                Problem(
                    "person-compare",
                    f"'{op}' compares people as plain text: 'Li.Na' or ' li.na' is not "
                    "'li.na' to it",
                    self.at(node),
                    "compare people with same_person(a, b) "
                    + ("(not same_person(a, b) for '!=')" if op == "!=" else ""),
                    "person_compare",
                    values_of({"op": op}),
                    "same_person_not" if op == "!=" else "same_person",
                )
            )
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
            said="compared_percent_scale",
            values={"value": value, "what": what, "percent": percent_text(value)},
            hint_said="percent_meant",
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
                close = closest(lit, allowed)
                raise self.fail(
                    src,
                    f"'{lit}' is not a possible value here",
                    suggest(lit, allowed) or f"possible: {', '.join(allowed)}",
                    code="unknown-value",
                    said="not_possible_value",
                    values={"name": lit, "close": close, "options": ", ".join(allowed)},
                    hint_said="did_you_mean" if close else "possible",
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
                said="outcomes_differ",
                values={**type_values("left", then.type), **type_values("right", other.type)},
            )
        return Cond(joined(then.type, other.type), self.at(node), test, then, other)

    def visit_List(self, node: ast.List | ast.Tuple) -> Node:
        items = tuple(self.visit(e) for e in node.elts)
        item_t = ANY
        for i, item in enumerate(items):
            if i and not comparable(item_t, item.type):
                raise self.fail(
                    node.elts[i],
                    "a list must hold values of one kind",
                    code="type",
                    said="one_kind",
                )
            item_t = item.type if i == 0 else joined(item_t, item.type)
        if all(isinstance(i, Const) for i in items):
            values = [i.value for i in items if isinstance(i, Const)]
            return Const(list_of(item_t), self.at(node), tuple(values))
        return ListOf(list_of(item_t), self.at(node), items)

    visit_Tuple = visit_List


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
