"""A condition that did not hold, and the values it ran on, in; why it is false, in words, out:
what ``explain`` says beside a rule that did not fire ("“invoice name = contract name” is
false: deal.invoice_name = 北京顺达…, deal.contract_name = 顺达物流…").

It reads the condition the way it ran (``and`` stops at the first part that is false, so that
part is the reason; an ``or`` is false because each of its parts is) and names each side of
the comparison that failed with its value, written as the result screen writes values.
"""

from __future__ import annotations

from typing import Any

from ..lang import ir
from ..lang.values import Unknown
from ..text import fmt_value, words_of

_LIMIT = 4  # parts of an `or` spelled out; more are counted


def why_false(node: ir.Node, env: Any, lang: str) -> str:
    """Why ``node`` is false in ``env`` (the interpreter it ran in), in ``lang``."""
    w = words_of(lang, "why")
    try:
        return _why(node, env, w)
    except (Unknown, ArithmeticError, TypeError, ValueError):  # pragma: no cover - it just ran
        return w["false"].format(text=said(node))


def _why(node: ir.Node, env: Any, w: dict[str, str]) -> str:
    if isinstance(node, ir.BoolOp) and node.op == "and":
        for item in node.items:
            if not env.visit(item):
                return _why(item, env, w)
    if isinstance(node, ir.BoolOp) and node.op == "or":
        parts = [_why(item, env, w) for item in node.items[:_LIMIT]]
        if len(node.items) > _LIMIT:
            parts.append(w["more"].format(n=len(node.items) - _LIMIT))
        return w["sep"].join(parts)
    if isinstance(node, ir.Not):
        return w["holds"].format(text=said(node.operand))
    if isinstance(node, ir.Present):
        if not node.negate:  # present(x) is false: x is not there
            return w["missing"].format(path=said(node.operand))
        value = env.visit(node.operand)  # missing(x) is false: x has a value
        return w["compare"].format(
            text=said(node), sides=f"{said(node.operand)} = {_value(value, node.operand)}"
        )
    if isinstance(node, ir.Compare | ir.In):
        left, right = (
            (node.left, node.right)
            if isinstance(node, ir.Compare)
            else (
                node.item,
                node.container,
            )
        )
        sides = [
            f"{said(side)} = {_value(env.visit(side), side)}"
            for side in (left, right)
            if not (isinstance(side, ir.Const) and not side.param)
        ]
        if sides:
            return w["compare"].format(text=said(node), sides=", ".join(sides))
    if isinstance(node, ir.Aggregate) and node.fn == "any" and node.var:
        test = node.cond if node.elt is None or _is_true(node.elt) else node.elt
        return w["no_item"].format(source=said(node.source), text=said(test) if test else "")
    return w["false"].format(text=said(node))


def _is_true(node: ir.Node) -> bool:
    return isinstance(node, ir.Const) and node.value is True


def _value(value: Any, node: ir.Node) -> str:
    return fmt_value(value, node.type.kind)


def said(node: ir.Node | None) -> str:
    """The expression as a person would write it again (from the checked tree)."""
    if node is None:
        return ""
    if isinstance(node, ir.Const):
        if node.param:
            return f"params.{node.param}"
        if isinstance(node.value, str):
            return repr(node.value)
        return fmt_value(node.value, node.type.kind) if node.value is not None else "null"
    if isinstance(node, ir.Get):
        return node.name
    if isinstance(node, ir.AsOf):
        return "as_of"
    if isinstance(node, ir.Compare):
        return f"{said(node.left)} {node.op} {said(node.right)}"
    if isinstance(node, ir.BoolOp):
        return f" {node.op} ".join(_group(i) for i in node.items)
    if isinstance(node, ir.Not):
        return f"not {_group(node.operand)}"
    if isinstance(node, ir.Arith):
        return f"{_group(node.left)} {node.op} {_group(node.right)}"
    if isinstance(node, ir.Neg):
        return f"-{_group(node.operand)}"
    if isinstance(node, ir.Call):
        return f"{node.fn}({', '.join(said(a) for a in node.args)})"
    if isinstance(node, ir.Aggregate):
        if not node.var:
            return f"{node.fn}({said(node.source)})"
        elt = said(node.elt) if node.elt is not None else node.var
        cond = f" if {said(node.cond)}" if node.cond is not None else ""
        return f"{node.fn}({elt} for {node.var} in {said(node.source)}{cond})"
    if isinstance(node, ir.Present):
        return f"{'missing' if node.negate else 'present'}({said(node.operand)})"
    if isinstance(node, ir.IfMissing):
        return f"if_missing({said(node.operand)}, {said(node.default)})"
    if isinstance(node, ir.In):
        return f"{said(node.item)} {'not in' if node.negate else 'in'} {said(node.container)}"
    if isinstance(node, ir.Cond):
        return f"{said(node.then)} if {said(node.test)} else {said(node.otherwise)}"
    if isinstance(node, ir.ListOf):
        return f"[{', '.join(said(i) for i in node.items)}]"
    return "…"  # pragma: no cover - every node kind is above


def _group(node: ir.Node) -> str:
    text = said(node)
    return f"({text})" if isinstance(node, ir.BoolOp | ir.Cond) else text
