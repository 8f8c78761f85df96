"""The ``rules:`` (top level and under each category) in, checked ``Rule`` values out; and
what a rule or table row produces when it fires (``Outcome``: block, warn, approval...)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..lang import ir
from ..lang.types import ANY, DATE, NUMERIC_KINDS, Type, list_of, type_values
from ..read.sourcemap import Path
from .context import label, title
from .expressions import Lang
from .messages import TABLE_NAMES
from .model import Basis, Expr, Outcome, Rule
from .names import Declared, RuleIds, scope_list
from .parameters import days


def check_rules(lang: Lang, declared: Declared, ids: RuleIds) -> tuple[Rule, ...]:
    out = []
    places = [(("rules",), None)] + [(("categories", c, "rules"), c) for c in declared.categories]
    for base, category in places:
        for path, spec in lang.ctx.items(base):
            rule = _check_rule(lang, declared, ids, spec, path, category)
            if rule is not None:
                out.append(rule)
    return tuple(out)


def _check_rule(
    lang: Lang,
    declared: Declared,
    ids: RuleIds,
    spec: dict[str, Any],
    path: Path,
    category: str | None,
) -> Rule | None:
    ctx = lang.ctx
    rid = str(spec.get("id"))
    ids.claim(rid, path + ("id",))
    categories = scope_list(
        ctx, spec.get("categories"), path + ("categories",), declared.categories, "category"
    )
    if category is not None:
        if categories is not None and category not in categories:
            ctx.error(
                "bad-scope",
                f"rule '{rid}' sits under category '{category}' but lists other categories",
                path + ("categories",),
                said="bad_scope",
                values={"name": rid, "category": category},
            )
        categories = frozenset({category})
    stages = scope_list(ctx, spec.get("stages"), path + ("stages",), declared.stages, "stage")
    extra: dict[str, Type] = {}
    for_each = None
    item = str(spec.get("as") or "item")
    if spec.get("for_each") is not None:
        for_each = lang.expr(spec["for_each"], path + ("for_each",), expect=list_of(ANY))
        if for_each is None:
            return None
        extra[item] = for_each.node.type.item or ANY
    elif "as" in spec:
        ctx.error(
            "bad-key",
            "'as' names the item of for_each; there is no for_each",
            path + ("as",),
            said="as_without_for_each",
        )
    when = lang.expr(spec.get("when"), path + ("when",), extra=extra)
    made = outcome(lang, declared, spec, path, rid, str(spec.get("then")), extra)
    if when is None or made is None:
        return None
    check_ask(lang, spec, path, rid, when.node, for_each.node if for_each else None)
    return Rule(
        rid,
        title(spec.get("title"), rid),
        label(spec.get("description")),
        when,
        made,
        str(spec.get("on_missing", "warn")),
        str(spec.get("mode", "enforce")),
        ctx.at(path),
        categories,
        stages,
        for_each,
        item,
    )


def check_ask(
    lang: Lang, spec: dict[str, Any], path: Path, rid: str, *nodes: ir.Node | None
) -> None:
    """``on_missing: ask`` needs a value that can be absent: a condition that reads none
    (or answers every absence itself with if_missing/present) could never name what to record."""
    if spec.get("on_missing") == "ask" and not any(_can_be_absent(n) for n in nodes):
        lang.ctx.error(
            "nothing-to-ask",
            f"'{rid}' asks for missing information, but its condition reads no value that "
            "can be absent",
            path + ("on_missing",),
            "on_missing: ask names the deal fields to record; read one without if_missing(), "
            "or use on_missing: warn",
            said="nothing_to_ask",
            values={"name": rid},
            hint_said="nothing_to_ask",
        )


def _can_be_absent(node: ir.Node | None) -> bool:
    """Does ``node`` read a deal, fact, stage or item value outside present()/if_missing()?"""
    if node is None or isinstance(node, ir.Present | ir.IfMissing):
        return False
    if isinstance(node, ir.Get):
        return True
    for name in node.__dataclass_fields__:
        value = getattr(node, name)
        for child in value if isinstance(value, tuple) else (value,):
            if isinstance(child, ir.Node) and _can_be_absent(child):
                return True
    return False


def outcome(
    lang: Lang,
    declared: Declared,
    spec: dict[str, Any],
    path: Path,
    rid: str,
    kind: str,
    extra: Mapping[str, Type],
    table: bool = False,
    message_path: Path | None = None,
) -> Outcome | None:
    """What a rule or a table row produces; None after a problem (or an unknown kind)."""
    ctx = lang.ctx
    names = {**extra, **(TABLE_NAMES if table else {})}
    message = lang.message(spec.get("message"), message_path or path + ("message",), names)
    if spec.get("message") is not None and message is None:
        return None
    if kind == "approval":
        role = spec.get("role")
        if role is None:
            ctx.error(
                "missing-key",
                f"'{rid}' needs an approver: add role:",
                path,
                f"roles: {', '.join(declared.roles)}",
                said="needs_role",
                values={"rule": rid, "roles": ", ".join(declared.roles)},
                hint_said="roles",
            )
            return None
        if role not in declared.roles:
            ctx.unknown("role", role, path + ("role",), declared.roles, "declare it under roles:")
            return None
        basis = check_basis(lang, spec.get("basis"), path + ("basis",), extra)
        if basis is None:
            return None
        return Outcome("approval", role=str(role), message=message, basis=basis)
    if spec.get("basis") is not None and not table:
        ctx.error(
            "bad-key",
            f"'{rid}' is not an approval: basis says what an approval is bound to",
            path + ("basis",),
            key=True,
            hint="remove basis:, or make the rule then: approval",
            said="rule_not_approval",
            values={"name": rid},
            hint_said="rule_not_approval",
        )
        return None
    if kind == "action":
        action = spec.get("action")
        if not isinstance(action, dict):
            ctx.error(
                "missing-key",
                f"'{rid}' needs an action: add action: {{id, assignee}}",
                path,
                said="needs_action",
                values={"name": rid},
            )
            return None
        apath = path + ("action",)
        assignee = action.get("assignee")
        if assignee not in declared.roles:
            ctx.unknown(
                "role", assignee, apath + ("assignee",), declared.roles, "declare it under roles:"
            )
            return None
        due = None
        due_in_days = None
        if action.get("due") is not None and table:
            ctx.error(
                "bad-key",
                "a table row's action is due in days: use due_in_days",
                apath + ("due",),
                said="due_in_days",
            )
            return None
        if action.get("due") is not None:
            due = lang.expr(action["due"], apath + ("due",), expect=DATE, extra=extra)
            if due is None:
                return None
        else:
            due_in_days = days(
                ctx, declared.params, action.get("due_in_days", 0), apath + ("due_in_days",)
            )
        return Outcome(
            "action",
            action_id=str(action.get("id")),
            assignee=str(assignee),
            due_in_days=due_in_days,
            due=due,
            message=message,
        )
    if kind in ("block", "warn", "none"):
        return Outcome(kind, message=message)
    return None  # the schema already reported an unknown outcome


# -- what an approval is bound to -------------------------------------------------------------

ORDERED_KINDS = NUMERIC_KINDS | {"date"}
_FACT = re.compile(r"\s*facts\.([a-z][a-z0-9_]*)\s*")


def check_basis(
    lang: Lang, raw: Any, path: Path, extra: Mapping[str, Type]
) -> tuple[Basis, ...] | None:
    """A rule's ``basis:`` (name -> expression, or {value, beyond}); None after a problem."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        return None  # the schema already said what basis: must be
    out = []
    ok = True
    for name, entry in raw.items():
        epath = path + (name,)
        beyond = "above"
        if isinstance(entry, dict):
            beyond = str(entry.get("beyond", "above"))
            entry, epath = entry.get("value"), epath + ("value",)
        expr = lang.expr(entry, epath, expect=None, extra=extra)
        if expr is None:
            ok = False
            continue
        made = basis_of(lang, expr, str(name), beyond, epath)
        if made is None:
            ok = False
            continue
        out.append(made)
    return tuple(out) if ok else None


def basis_of(lang: Lang, expr: Expr, name: str, beyond: str, path: Path) -> Basis | None:
    """One basis entry, or a located error when its value cannot be ordered."""
    kind = expr.node.type.kind
    if kind not in ORDERED_KINDS:
        lang.ctx.error(
            "bad-basis",
            f"basis '{name}' is {expr.node.type.describe()}: an approval can only be bound to "
            "a value that is larger or smaller than another",
            path,
            "bind it to a number, an amount of money, a percentage or a date",
            said="basis_not_ordered",
            values={"name": name, **type_values("type", expr.node.type)},
            hint_said="bind_to",
        )
        return None
    return Basis(name, expr, beyond, kind)


def input_basis(expr: Expr | None, name: str = "") -> tuple[Basis, ...]:
    """A table's or chain's automatic basis: its input (named after the fact it reads, else
    ``value``) or its amount."""
    if expr is None:
        return ()
    if not name:
        m = _FACT.fullmatch(expr.text)
        name = m.group(1) if m else "value"
    # the input was checked as a number already: one typed 'any' is written as a number
    kind = expr.node.type.kind
    return (Basis(name, expr, "above", kind if kind in ORDERED_KINDS else "number"),)
