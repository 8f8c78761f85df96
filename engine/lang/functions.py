"""Python ``ast`` calls in, IR out, part 3: the functions an expression may call.

To add a function to the expression language, start here: its entry in ``FUNCTIONS`` (the
signature and help that messages show) and its ``fn_<name>`` method (arguments and result
type). It then needs a line in each walker of the IR - the interpreter (``run/reference.py``,
``Env.visit_Call``), the code generator (``compile/codegen.py``, ``ModuleBuilder.visit_Call``)
and the handbook's words (``present/handbook.py``, the en/zh table ``T``) - and a line in
docs/expressions.md.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import closest, suggest
from .ir import Aggregate, Call, Const, Get, IfMissing, Node, Present
from .names import NAMED_CONSTANTS, NULL_NAMES, Fail
from .operators import OperatorChecker
from .types import ANY, BOOL, DATE, INTEGER, NUMBER, STRING, Type, comparable, joined, type_values


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
    "same_name": FunctionSpec(
        "same_name(name, other)",
        "true when two names are the same as people compare them: width (（ and (), case, "
        "spaces and bracket style do not count",
    ),
    "same_person": FunctionSpec(
        "same_person(person, other)",
        "true when two recorded names are one person: case, width, accents, spaces and "
        "look-alike letters do not count; a name not recorded is nobody",
    ),
    "signed_off": FunctionSpec(
        "signed_off(deal.field, 'role')",
        "true when the sign-off field was given in that role by someone other than the "
        "deal's owner",
    ),
    "chain_status": FunctionSpec(
        "chain_status('CHAIN-ID')",
        "an approval chain's state: not_required, pending, complete or rejected",
    ),
}
CHAIN_STATES = ("not_required", "pending", "complete", "rejected")
_AGGREGATES = frozenset({"any", "all", "sum", "count", "min", "max"})


class FunctionChecker(OperatorChecker):
    """Calls: aggregates over lists (``any(x.ok for x in deal.lines)``) and plain functions."""

    def visit_Call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                node,
                "only the documented functions can be called",
                f"functions: {', '.join(FUNCTIONS)}",
                code="not-allowed",
                said="only_functions",
                values={"known": ", ".join(FUNCTIONS)},
                hint_said="functions",
            )
        fn = node.func.id
        if fn not in FUNCTIONS:
            raise self.fail(
                node.func,
                f"unknown function '{fn}'",
                suggest(fn, FUNCTIONS) or f"functions: {', '.join(FUNCTIONS)}",
                code="unknown-function",
                said="unknown",
                values={
                    "what": "function",
                    "name": fn,
                    "close": closest(fn, FUNCTIONS),
                    "known": ", ".join(FUNCTIONS),
                },
                hint_said="did_you_mean" if closest(fn, FUNCTIONS) else "functions",
            )
        if node.keywords:
            raise self.fail(
                node,
                f"{fn}() takes no named arguments",
                code="not-allowed",
                said="no_named_arguments",
                values={"name": fn},
            )
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(
                node, "'*' arguments are not allowed", code="not-allowed", said="no_star_arguments"
            )
        args = node.args
        if len(args) == 1 and isinstance(args[0], ast.GeneratorExp):
            if fn not in _AGGREGATES:
                raise self.fail(
                    node,
                    f"{fn}() does not take 'for'",
                    code="not-allowed",
                    said="no_for",
                    values={"name": fn},
                )
            return self._generator(fn, node, args[0])
        if fn in ("any", "all", "sum", "count") or (fn in ("min", "max") and len(args) == 1):
            if len(args) != 1:
                raise self.usage(node, fn)
            source = self.visit(args[0])
            if source.type.kind not in ("list", "any"):
                raise self.fail(
                    args[0],
                    f"{fn}() needs a list, not {source.type.describe()}",
                    code="type",
                    said="needs_a_list",
                    values={"name": fn, **type_values("type", source.type)},
                )
            item_t = source.type.item or ANY
            self._aggregate_item(fn, args[0], item_t)
            return Aggregate(self._aggregate_type(fn, item_t), self.at(node), fn, source)
        handler: Callable[[ast.Call, str, list[ast.expr]], Node] = getattr(self, "fn_" + fn)
        return handler(node, fn, args)

    def usage(self, node: ast.AST, fn: str) -> Fail:
        """``usage: <the function's arguments>``: it was given the wrong ones."""
        usage = FUNCTIONS[fn].args
        return self.fail(
            node, f"usage: {usage}", code="arguments", said="usage", values={"usage": usage}
        )

    def _aggregate_item(self, fn: str, src: ast.AST, item_t: Type) -> None:
        if fn in ("any", "all") and item_t.kind not in ("bool", "any"):
            raise self.fail(
                src,
                f"{fn}() needs conditions, not {item_t.describe()}",
                f"usage: {FUNCTIONS[fn].args}",
                code="type",
                said="needs_conditions",
                values={"name": fn, "usage": FUNCTIONS[fn].args, **type_values("type", item_t)},
                hint_said="usage",
            )
        if fn in ("sum", "min", "max") and not (
            item_t.numeric or (item_t.kind in ("any", "date") and fn != "sum")
        ):
            raise self.fail(
                src,
                f"{fn}() needs numbers, not {item_t.describe()}",
                code="type",
                said="fn_needs_numbers",
                values={"name": fn, **type_values("type", item_t)},
            )

    @staticmethod
    def _aggregate_type(fn: str, item_t: Type) -> Type:
        if fn in ("any", "all"):
            return BOOL
        if fn == "count":
            return INTEGER
        return item_t if item_t.kind != "any" else NUMBER

    def _generator(self, fn: str, call: ast.Call, gen: ast.GeneratorExp) -> Node:
        if len(gen.generators) != 1:
            raise self.fail(gen, "only one 'for' is allowed", code="not-allowed", said="one_for")
        comp = gen.generators[0]
        if comp.is_async or len(comp.ifs) > 1:
            raise self.fail(
                gen, "use one 'if' with 'and' instead of several", code="not-allowed", said="one_if"
            )
        if not isinstance(comp.target, ast.Name):
            raise self.fail(
                comp.target,
                "the loop variable must be a plain name",
                code="not-allowed",
                said="loop_variable_plain",
            )
        var = comp.target.id
        if (
            var in ("deal", "facts", "params", "stage", "as_of")
            or var in NAMED_CONSTANTS
            or var in NULL_NAMES
            or var.startswith("_")
            or var in self.locals
        ):
            raise self.fail(
                comp.target,
                f"'{var}' cannot be used as the loop variable",
                code="not-allowed",
                said="loop_variable_taken",
                values={"name": var},
            )
        source = self.visit(comp.iter)
        if source.type.kind not in ("list", "any"):
            raise self.fail(
                comp.iter,
                f"'for' needs a list, not {source.type.describe()}",
                code="type",
                said="for_needs_a_list",
                values=type_values("type", source.type),
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
                said="takes_argument" if n == 1 else "takes_arguments",
                values={"name": fn, "count": n, "usage": FUNCTIONS[fn].args},
            )
        return [self.visit(a) for a in args]

    def _need(self, src: ast.AST, value: Node, kinds: tuple[str, ...], what: str) -> None:
        if (
            value.type.kind == "any"
            or value.type.kind in kinds
            or ("number" in kinds and value.type.numeric)
        ):
            return
        # ``what`` is one of a few fixed phrases, each with words in every language
        raise self.fail(
            src,
            f"{what}, not {value.type.describe()}",
            code="type",
            said="needs_not",
            values={"what": what, **type_values("type", value.type)},
        )

    def fn_min(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        if len(args) < 2:
            raise self.usage(node, fn)
        items = [self.visit(a) for a in args]
        t = items[0].type
        for src, item in zip(args, items, strict=True):
            if not comparable(t, item.type) or not (
                item.type.numeric or item.type.kind in ("date", "any")
            ):
                raise self.fail(
                    src,
                    f"{fn}() needs numbers or dates of one kind",
                    code="type",
                    said="numbers_or_dates",
                    values={"name": fn},
                )
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
                args[1],
                "round() needs a whole number of places from 0 to 10",
                code="arguments",
                said="round_places",
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
            raise self.fail(
                args[1], "add_days() needs a whole number of days", code="type", said="add_days_n"
            )
        return Call(DATE, self.at(node), fn, (d, n))

    def fn_present(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        (x,) = self._args(node, fn, args, 1)
        return Present(BOOL, self.at(node), x, negate=(fn == "missing"))

    fn_missing = fn_present

    def fn_if_missing(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        x, default = self._args(node, fn, args, 2)
        if not comparable(x.type, default.type):
            raise self.fail(
                args[1],
                f"the default must be {x.type.describe()}",
                code="type",
                said="default_must_be",
                values=type_values("type", x.type),
            )
        self._percent_scale(x, default, args[1])
        return IfMissing(joined(x.type, default.type), self.at(node), x, default)

    def fn_lower(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        (x,) = self._args(node, fn, args, 1)
        self._need(args[0], x, ("string",), f"{fn}() needs text")
        return Call(STRING, self.at(node), fn, (x,))

    fn_upper = fn_lower

    def fn_same_name(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        a, b = self._args(node, fn, args, 2)
        self._need(args[0], a, ("string",), "same_name() compares two texts")
        self._need(args[1], b, ("string",), "same_name() compares two texts")
        return Call(BOOL, self.at(node), fn, (a, b))

    def fn_same_person(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        a, b = self._args(node, fn, args, 2)
        self._need(args[0], a, ("string",), "same_person() compares two recorded names")
        self._need(args[1], b, ("string",), "same_person() compares two recorded names")
        return Call(BOOL, self.at(node), fn, (a, b))

    def fn_signed_off(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        """signed_off(sign, 'role') reads the deal's owner as a third argument, so that an
        absent owner is unknown (never "someone else") on both evaluators."""
        if len(args) != 2:
            raise self.usage(node, fn)
        sign = self.visit(args[0])
        role_t = sign.type.field("role") if sign.type.kind == "object" else None
        if role_t is None or sign.type.field("by") is None:
            raise self.fail(
                args[0],
                f"signed_off() needs a sign-off field, not {sign.type.describe()}",
                "declare the field with type: sign_off (it records by, role and on)",
                code="type",
                said="needs_sign_off",
                values=type_values("type", sign.type),
                hint_said="declare_sign_off",
            )
        role = args[1]
        if not (isinstance(role, ast.Constant) and isinstance(role.value, str)):
            raise self.usage(role, fn)
        if role.value not in role_t.values:  # a sign_off's role is one of the declared roles
            close = closest(role.value, role_t.values)
            raise self.fail(
                role,
                f"unknown role '{role.value}'",
                suggest(role.value, role_t.values) or "declare it under roles:",
                code="unknown-name",
                said="unknown",
                values={"what": "role", "name": role.value, "close": close},
                hint_said="did_you_mean" if close else "unknown-role",
            )
        owner = Get(STRING, self.at(node), "deal", ("owner",))
        role_id = Const(STRING, self.at(role), role.value)
        return Call(BOOL, self.at(node), fn, (sign, role_id, owner))

    def fn_chain_status(self, node: ast.Call, fn: str, args: list[ast.expr]) -> Node:
        if self.scope.chains is None:
            raise self.fail(
                node,
                "chain_status() cannot be used here",
                "facts and approval chains are worked out before chains are",
                code="not-allowed",
                said="chain_status_here",
                hint_said="chains_later",
            )
        if len(args) != 1 or not (
            isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
        ):
            raise self.usage(node, fn)
        chain = args[0].value
        if chain not in self.scope.chains:
            close = closest(chain, self.scope.chains)
            raise self.fail(
                args[0],
                f"unknown approval chain '{chain}'",
                suggest(chain, self.scope.chains) or "declare it under approval_chains:",
                code="unknown-name",
                said="unknown",
                values={"what": "approval chain", "name": chain, "close": close},
                hint_said="did_you_mean" if close else "declare_chain",
            )
        return Call(
            Type("string", values=CHAIN_STATES),
            self.at(node),
            fn,
            (Const(STRING, self.at(args[0]), chain),),
        )
