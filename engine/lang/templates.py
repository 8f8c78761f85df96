"""Message template text in, compiled sandboxed template out; (template, values) in, text out.

Every template runs in jinja2's ``ImmutableSandboxedEnvironment`` with ``StrictUndefined``:
no attribute starting with ``_``, no mutation, ``**`` refused, ``*`` on text capped, at most
``MAX_LOOKUPS`` value lookups and the output cut at ``MAX_OUTPUT`` characters.
``deal.customer.items`` means the *field* ``items``: attribute lookups try the mapping key
first (jinja2 would otherwise return ``dict.items``).
Names used in a template are checked against the playbook when it is loaded, so a typo is
a lint error, not an empty string in front of a customer.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes, pass_context
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..limits import MAX_LOOKUPS, MAX_TEMPLATE_SOURCE
from .formats import (
    FILTERS as FORMAT_FILTERS,
)
from .formats import (
    MAX_OUTPUT,
    PLAIN_FILTERS,
    Plain,
    RenderFailed,
    finalize,
    value_label,
)

MAX_SOURCE = MAX_TEMPLATE_SOURCE
# Filters a message may use. attr, format, xmlattr and friends are left out: they are how
# sandbox escapes have reached str.format (CVE-2016-10745, CVE-2024-56326, CVE-2025-27516).
FILTERS = frozenset(
    {
        "pct",
        "label",
        "money",
        "number",
        "date",
        "default",
        "d",
        "join",
        "upper",
        "lower",
        "title",
        "capitalize",
        "trim",
        "length",
        "count",
        "first",
        "last",
        "sort",
        "unique",
        "reject",
        "select",
        "selectattr",
        "rejectattr",
        "map",
        "list",
        "sum",
        "min",
        "max",
        "abs",
        "round",
        "int",
        "string",
        "replace",
        "truncate",
        "indent",
        "wordwrap",
        "center",
        "batch",
        "name_diff",
    }
)


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("'**' is not allowed in messages")
        if operator == "*":
            for a, b in ((left, right), (right, left)):
                if (
                    isinstance(a, str | list | tuple)
                    and isinstance(b, int)
                    and len(a) * max(b, 0) > MAX_OUTPUT
                ):
                    raise SecurityError("repeated text would be too long")
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _spend()
        # a deal is plain dicts: `customer.items` is the field, never dict.items
        if obj.__class__ is dict and attribute in obj:
            return obj[attribute]
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _spend()
        return super().getitem(obj, argument)


_budget = threading.local()  # lookups left for the rendering running on this thread


def _spend() -> None:
    left = getattr(_budget, "left", MAX_LOOKUPS) - 1
    if left < 0:
        raise SecurityError("the message reads too many values")
    _budget.left = left


@pass_context
def _label(context: Any, value: Any, name: str = "") -> Any:
    return value_label(value, name, context.parent)


def _make_env() -> _Environment:
    env = _Environment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        finalize=finalize,  # an unknown value is never printed as if known
    )
    env.filters.update(FORMAT_FILTERS, label=_label)
    env.globals.clear()  # no range(), dict(), lipsum(), cycler(), joiner(), namespace()
    return env


ENV = _make_env()


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    message: str
    line: int  # 1-based line inside the template text
    hint: str = ""
    name: str = ""  # the name path as written, so the checker can point at it


@functools.lru_cache(maxsize=4096)
def compiled(text: str) -> Any:
    """The compiled sandboxed template of a (checked) message text."""
    return ENV.from_string(text)


def render(template: Any, values: Mapping[str, Any]) -> str:
    """Render with the output cap; raises ``RenderFailed`` instead of a jinja2 error."""
    out: list[str] = []
    size = 0
    _budget.left = MAX_LOOKUPS
    try:
        # a shared context: the values are not copied (the environment has no globals)
        context = template.new_context(values, shared=True)
        for chunk in template.root_render_func(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                out.append(" …")
                break
            out.append(chunk)
    except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:
        raise RenderFailed(str(exc)) from None
    return " ".join("".join(out).split())


def compile_text(
    text: str,
    names: Callable[[list[str], Mapping[str, tuple[str, ...]]], tuple[str, str] | None],
) -> tuple[str | None, list[TemplateProblem], Plain | None]:
    """Check one template; ``names`` checks each dotted name path it reads.

    ``names(chain, loops)`` returns (problem, hint) or None; ``loops`` maps each
    ``{% for x in a.b %}`` variable to the path of its list, so ``x.typo`` can be checked
    against the fields of the list's items.

    Returns the text when it is fine (it is compiled when first rendered) and its plain form
    when it has one (see ``messages.py``)."""
    if len(text) > MAX_SOURCE:
        return None, [TemplateProblem(f"message is longer than {MAX_SOURCE} characters", 1)], None
    try:
        tree = ENV.parse(text)
    except TemplateSyntaxError as exc:
        return (
            None,
            [
                TemplateProblem(
                    f"message template: {exc.message}",
                    exc.lineno or 1,
                    "templates use {{ value }} and {% if %}...{% endif %}",
                )
            ],
            None,
        )
    problems: list[TemplateProblem] = []
    for node in tree.find_all(
        (
            nodes.Pow,
            nodes.Mul,
            nodes.Call,
            nodes.Filter,
            nodes.Macro,
            nodes.CallBlock,
            nodes.FilterBlock,
            nodes.Import,
            nodes.FromImport,
            nodes.Include,
            nodes.Extends,
        )
    ):
        if isinstance(node, nodes.Pow):
            problems.append(TemplateProblem("'**' is not allowed in messages", node.lineno))
        elif isinstance(node, nodes.Mul):
            # 'x' * 10**8 would be a 100 MB message; numbers may still be multiplied
            if any(_is_text_literal(side) for side in (node.left, node.right)):
                problems.append(
                    TemplateProblem("messages cannot repeat text with '*'", node.lineno)
                )
        elif isinstance(node, nodes.Call):
            problems.append(
                TemplateProblem(
                    "messages cannot call functions",
                    node.lineno,
                    "use filters instead: {{ value | pct }}",
                )
            )
        elif isinstance(node, nodes.Filter):
            if node.name not in FILTERS:
                problems.append(
                    TemplateProblem(
                        f"the filter '{node.name}' is not allowed in messages",
                        node.lineno,
                        f"filters: {', '.join(sorted(FILTERS))}",
                    )
                )
            elif node.name == "name_diff" and (len(node.args) != 1 or node.kwargs):
                problems.append(
                    TemplateProblem(
                        "name_diff compares the name before it with one other name",
                        node.lineno,
                        "{{ deal.contract_customer | name_diff(deal.invoice_customer) }}",
                    )
                )
        else:
            problems.append(
                TemplateProblem(
                    f"'{type(node).__name__.lower()}' is not allowed in messages", node.lineno
                )
            )
    for loop in tree.find_all(nodes.For):
        # one loop over a deal list is bounded by the list limit; loops inside loops are not
        inner = next(loop.find_all(nodes.For), None)
        if inner is not None:
            problems.append(
                TemplateProblem(
                    "messages cannot have a loop inside a loop",
                    inner.lineno,
                    "list the items of one list; say the rest in words",
                )
            )
    bound: set[str] = set()  # names whose values the checker cannot know
    loops: dict[str, tuple[str, ...]] = {}
    for node in tree.find_all((nodes.For, nodes.Assign)):
        target = node.target  # type: ignore[attr-defined]
        source = _chain(node.iter, set()) if isinstance(node, nodes.For) else None
        if isinstance(target, nodes.Name) and source is not None and target.name not in bound:
            if loops.setdefault(target.name, tuple(source)) == tuple(source):
                continue
            del loops[target.name]  # one name over two lists: leave it unchecked
        targets = [target, *target.find_all(nodes.Name)]
        bound.update(t.name for t in targets if isinstance(t, nodes.Name))
        if isinstance(node, nodes.For):
            bound.add("loop")
    for name in bound:
        loops.pop(name, None)
    seen: set[int] = set()
    reported: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Name, nodes.Getitem)):
        if id(node) in seen:
            continue
        chain = _chain(node, seen)
        if chain is None:
            continue
        if chain[0].startswith("_") or any(part.startswith("_") for part in chain):
            problems.append(TemplateProblem("names starting with '_' are not allowed", node.lineno))
            continue
        if chain[0] in bound or chain[0] == "loop":
            continue
        why = names(chain, loops)
        if why and why[0] not in reported:
            reported.add(why[0])
            problems.append(TemplateProblem(why[0], node.lineno, why[1], ".".join(chain)))
    if problems:
        return None, list(dict.fromkeys(problems)), None  # one call per line is enough to say
    return text, [], _plain_form(tree)


def _plain_form(tree: nodes.Template) -> Plain | None:
    """Text and ``{{ name.path | filter(constants) }}`` only, with filters the plain path
    knows; None for anything else (conditions, loops, expressions)."""
    parts: list[Any] = []
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            return None
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                parts.append(child.data)
                continue
            value = _plain_value(child)
            if value is None:
                return None
            parts.append(value)
    return tuple(parts)


def _plain_value(node: nodes.Node) -> Any:
    filters: list[tuple[str, tuple[Any, ...]]] = []
    while isinstance(node, nodes.Filter):
        if (
            node.name not in PLAIN_FILTERS
            or node.kwargs
            or node.dyn_args
            or node.dyn_kwargs
            or not all(isinstance(a, nodes.Const) for a in node.args)
        ):
            return None
        filters.append((node.name, tuple(a.value for a in node.args)))  # type: ignore[attr-defined]
        node = node.node  # type: ignore[assignment]
    path: list[str] = []
    while isinstance(node, nodes.Getattr):
        path.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name) or node.ctx != "load":
        return None
    path.append(node.name)
    return (tuple(reversed(path)), tuple(reversed(filters)))


def _is_text_literal(node: nodes.Node) -> bool:
    return isinstance(node, nodes.List | nodes.Tuple) or (
        isinstance(node, nodes.Const) and isinstance(node.value, str)
    )


def _chain(node: nodes.Node, seen: set[int]) -> list[str] | None:
    """``deal.customer.name`` as ["deal", "customer", "name"]; marks the inner nodes seen."""
    parts: list[str] = []
    cur: nodes.Node = node
    while True:
        seen.add(id(cur))
        if isinstance(cur, nodes.Getattr):
            parts.append(cur.attr)
            cur = cur.node
        elif (
            isinstance(cur, nodes.Getitem)
            and isinstance(cur.arg, nodes.Const)
            and isinstance(cur.arg.value, str)
        ):
            parts.append(cur.arg.value)
            cur = cur.node
        elif isinstance(cur, nodes.Name):
            if cur.ctx != "load":
                return None
            parts.append(cur.name)
            parts.reverse()
            return parts
        else:
            return None
