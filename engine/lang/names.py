"""Python ``ast`` nodes in, IR out, part 1: the base of the expression checker.

Where each ``ast`` node goes (``visit``), where a problem points in the text (``at``,
``fail``), and the leaves: literals, ``true``/``null``, ``as_of``, loop variables and the field
paths under ``deal``, ``facts``, ``params`` and ``stage`` - checked against the playbook's
declarations (``Scope``). Parameters are folded into constants here. Anything the allow-list
has no ``visit_`` method for is refused. Operators are in ``operators.py``, functions in
``functions.py``; ``expressions.check`` puts them together.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import Values, closest, suggest, values_of
from ..limits import MAX_NUMBER_DIGITS, YAML_EXPONENTS
from ..read.json import long_exponent
from .ir import AsOf, Const, Get, Node
from .types import BOOL, DATE, INTEGER, NULL, NUMBER, STRING, Type, type_values

NAMED_CONSTANTS = {"true": True, "false": False, "True": True, "False": False}
NULL_NAMES = frozenset({"null", "None"})


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem in one expression: offsets into its text, message and hint."""

    code: str
    message: str
    start: int
    hint: str = ""
    said: str = ""  # its words in every language (errors.Diagnostic): key, values, hint key
    values: Values = ()
    hint_said: str = ""


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


class Fail(Exception):
    """Raised inside the checker with the first problem found; ``check`` returns it."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def char_offset(text: str, byte_offset: int) -> int:
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


class NameChecker:
    """Dispatch, locations, literals, names and field paths."""

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
        # == or != between people (warned about by kam lint: same_person() is meant)
        self.person_compares: list[Problem] = []

    # -- helpers -------------------------------------------------------------------------
    def at(self, node: ast.AST) -> int:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        offset = sum(len(x.encode()) + 1 for x in self.text.split("\n")[: line - 1]) + col
        return self.back(char_offset(self.text, offset) + self.lead)

    def fail(
        self,
        node: ast.AST,
        message: str,
        hint: str = "",
        code: str = "expression",
        said: str = "",
        values: Mapping[str, Any] | None = None,
        hint_said: str = "",
    ) -> Fail:
        start = self.at(node)
        if isinstance(node, ast.Attribute) and getattr(node, "end_col_offset", None) is not None:
            # point at the field name itself, not at the start of the whole path
            line_start = self.at(node) - node.col_offset
            start = (
                self.back(line_start + (node.end_col_offset or 0) - len(node.attr))
                if node.end_lineno == node.lineno and node.attr.isascii()
                else start
            )
        return Fail(Problem(code, message, start, hint, said, values_of(values), hint_said))

    def literal_text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ""

    # -- dispatch ------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> Node:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            kind = type(node).__name__
            hint = _refusal_hint(node)
            raise self.fail(
                node,
                _refusal(node),
                hint,
                code="not-allowed",
                said=f"refuse_{kind}" if kind in _REFUSALS else "refuse_other",
                values={"name": kind},
                hint_said=f"refuse_{kind}" if hint else "",
            )
        result: Node = method(node)
        return result

    def visit_Constant(self, node: ast.Constant) -> Node:
        v = node.value
        if isinstance(v, bool):
            return Const(BOOL, self.at(node), v)
        if isinstance(v, int | float):
            return self.number(node, v)
        if isinstance(v, str):
            return Const(STRING, self.at(node), v)
        if v is None:
            return Const(NULL, self.at(node), None)
        kind = type(v).__name__  # bytes, complex, Ellipsis: Python's name for it
        raise self.fail(
            node,
            f"{kind} literals are not allowed",
            code="not-allowed",
            said="literal_not_allowed",
            values={"name": kind},
        )

    def number(self, node: ast.Constant, v: int | float) -> Node:
        """A number written in an expression, held to the numbers a playbook may write
        (limits.py): ``deal.amount * 1e999999`` is refused here, not at evaluation."""
        text = self.literal_text(node).replace("_", "")
        low, high = YAML_EXPONENTS
        hint = f"write a number of at most {MAX_NUMBER_DIGITS} digits between 1e{low} and 1e{high}"
        shown = text if len(text) <= 24 else text[:20] + "…"
        problem = f"the number {shown} is out of range"
        said: dict[str, Any] = {
            "said": "expr_number_out_of_range",
            "values": {"value": shown, "limit": MAX_NUMBER_DIGITS, "low": low, "high": high},
            "hint_said": "number_range",
        }
        if isinstance(v, int):
            if len(str(abs(v))) > MAX_NUMBER_DIGITS:
                raise self.fail(node, problem, hint, **said)
            return Const(INTEGER, self.at(node), v)
        if long_exponent(text):
            raise self.fail(node, problem, hint, **said)
        number = Decimal(text)
        if (v and not low <= number.adjusted() <= high) or len(
            number.as_tuple().digits
        ) > MAX_NUMBER_DIGITS:
            raise self.fail(node, problem, hint, **said)
        return Const(NUMBER, self.at(node), number)

    def visit_Name(self, node: ast.Name) -> Node:
        name = node.id
        if name in NAMED_CONSTANTS:
            return Const(BOOL, self.at(node), NAMED_CONSTANTS[name])
        if name in NULL_NAMES:
            return Const(NULL, self.at(node), None)
        if name == "as_of":
            return AsOf(DATE, self.at(node))
        if name in self.locals:
            return Get(self.locals[name], self.at(node), name, (), True)
        if name in ("deal", "facts", "params", "stage"):
            raise self.fail(
                node,
                f"'{name}' needs a field name after it, like {name}.something",
                said="needs_field_name",
                values={"name": name},
            )
        roots = ["deal", "facts", "params", "stage", "as_of", *self.locals]
        close = closest(name, roots)
        known = ", ".join(roots)
        hint = suggest(name, roots) or f"start a name with one of: {', '.join(roots)}"
        raise self.fail(
            node,
            f"unknown name '{name}'",
            hint,
            code="unknown-name",
            said="unknown",
            values={"what": "name", "name": name, "close": close, "known": known},
            hint_said="did_you_mean" if close else "start_name_with",
        )

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
                    at,
                    f"names starting with '_' are not allowed ('{attr}')",
                    code="not-allowed",
                    said="underscore_name",
                    values={"name": attr},
                )
        if not isinstance(cur, ast.Name):
            raise self.fail(
                node,
                "a field path must start with deal, facts, params or stage",
                code="not-allowed",
                said="field_path_start",
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
                close = closest(fact, self.scope.facts)
                raise self.fail(
                    chain[0][1],
                    f"unknown fact '{fact}'",
                    suggest(fact, self.scope.facts) or "declare it under facts:",
                    code="unknown-name",
                    said="unknown",
                    values={"what": "fact", "name": fact, "close": close},
                    hint_said="did_you_mean" if close else "declare_fact",
                )
            if self.scope.fact_filter is not None:
                why = self.scope.fact_filter(fact)
                if why:
                    raise self.fail(
                        chain[0][1],
                        why,
                        code="fact-order",
                        said="fact_order",
                        values={"format": why},
                    )
            self.facts_used.add(fact)
            t = self._walk_fields(self.scope.facts[fact], f"facts.{fact}", chain[1:])
            return Get(t, self.at(node), "facts", tuple(names))
        if root == "params":
            param = names[0]
            if param not in self.scope.params:
                close = closest(param, self.scope.params)
                raise self.fail(
                    chain[0][1],
                    f"unknown parameter '{param}'",
                    suggest(param, self.scope.params) or "declare it under parameters:",
                    code="unknown-name",
                    said="unknown",
                    values={"what": "parameter", "name": param, "close": close},
                    hint_said="did_you_mean" if close else "declare_parameter",
                )
            if len(names) > 1:
                raise self.fail(
                    chain[1][1],
                    f"parameter '{param}' has no fields",
                    said="param_no_fields",
                    values={"name": param},
                )
            value, t = self.scope.params[param]
            return Const(t, self.at(node), value, param)
        if root == "stage":
            t = self._walk_fields(self.scope.stage, "stage", chain)
            return Get(t, self.at(node), "stage", tuple(names))
        if root == "as_of":
            raise self.fail(node, "as_of is a date and has no fields", said="as_of_no_fields")
        return self.visit_Name(cur)

    def _walk_fields(self, t: Type, where: str, chain: list[tuple[str, ast.AST]]) -> Type:
        for attr, at in chain:
            if t.kind == "any":
                return t
            if t.kind != "object":
                listed = t.kind == "list"
                raise self.fail(
                    at,
                    f"{where} is {t.describe()} and has no field '{attr}'",
                    "to look into each item of a list, use any(... for x in list)"
                    if listed
                    else "",
                    said="has_no_field",
                    values={"where": where, "name": attr, **type_values("type", t)},
                    hint_said="look_into_items" if listed else "",
                )
            sub = t.field(attr)
            if sub is None:
                close = closest(attr, t.field_names())
                raise self.fail(
                    at,
                    f"{where} has no field '{attr}'",
                    suggest(attr, t.field_names())
                    or f"declared fields: {', '.join(t.field_names()) or 'none'}",
                    code="unknown-name",
                    said="no_field",
                    values={
                        "where": where,
                        "name": attr,
                        "close": close,
                        "known": ", ".join(t.field_names()) or "none",
                    },
                    hint_said="did_you_mean"
                    if close
                    else ("declared_fields" if t.fields else "no_declared_fields"),
                )
            t = sub
            where = f"{where}.{attr}"
        return t


def _refusal(node: ast.AST) -> str:
    kind = type(node).__name__
    return _REFUSALS.get(kind, f"this kind of expression ({kind}) is not allowed")


# each has words in every language by its said key, refuse_<kind>
_REFUSALS = {
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
}


def _refusal_hint(node: ast.AST) -> str:
    if isinstance(node, ast.Subscript):
        return "to look at list items use any(...), all(...) or sum(... for x in list)"
    if isinstance(node, ast.GeneratorExp):
        return "for example: any(line.quantity > 5 for line in deal.lines)"
    return ""
