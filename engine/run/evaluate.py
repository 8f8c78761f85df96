"""(CompiledPlaybook, checked deal, as_of) in, ``Result`` out. Pure: no I/O, no clock.

Order of work: facts (in dependency order) -> approval chains -> rules and decision tables ->
approval status -> documents and moves -> status. Messages are rendered only for what fired.
The answers come from one ``Evaluator`` (``compile/evaluator.py``): the generated code
normally; with a ``Tracer`` the reference interpreter, and every rule records what it saw
(this is ``explain``).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from ..check.model import Outcome, Row
from ..compile.build import CExpr, CompiledPlaybook, CRule
from ..compile.evaluator import Generated, Hit, LocalValue
from ..errors import InputError, Text
from ..lang.values import MissingFact, Unknown, due_date
from ..results import (
    BLOCKED,
    NEEDS_APPROVAL,
    NEEDS_INFORMATION,
    OK,
    Action,
    Approval,
    MissingInformation,
    Result,
    Violation,
)
from .chains import granted_roles, run_chain
from .context import (
    Context,
    new_action,
    new_approval,
    new_missing,
    new_result,
    new_violation,
    record_paths,
    text,
)
from .moves import stage_moves
from .reference import Reference, Tracer, item_value

__all__ = ["Tracer", "check_language", "evaluate", "granted_roles"]


def evaluate(
    pb: CompiledPlaybook,
    deal: dict[str, Any],
    as_of: date,
    lang: str = "en",
    tracer: Tracer | None = None,
    plain: bool = True,
) -> Result:
    """Evaluate a checked, normalised deal. Never raises for business reasons. With a
    ``tracer`` the reference interpreter answers and records every step; ``plain=False``
    writes every message with jinja2 (the tests compare both writers)."""
    check_language(pb, lang)
    if tracer is None:
        evaluator: Generated | Reference = Generated(pb, Reference(pb))
    else:
        evaluator = Reference(pb, tracer)
    ctx = Context(pb, deal, as_of, lang, evaluator, tracer, plain)
    category = deal["category"]
    stage = deal["stage"]
    evaluator.facts(ctx)
    granted = ctx.granted = granted_roles(deal)
    found = _Found()
    for cchain in pb.chains:
        found.add(run_chain(ctx, cchain), cchain.chain.mode == "shadow")
    _outcomes(ctx, evaluator.hits(ctx), found)
    violations, approvals, actions = found.violations, found.approvals, found.actions
    missing = found.missing
    moves = (
        stage_moves(ctx, violations, approvals, actions, granted, missing)
        if pb.moves[category, stage]
        else ()
    )
    if any(a.overdue for a in actions):
        actions.sort(key=_on_time)  # overdue first; stable, so found order otherwise
    status = OK
    for v in violations:
        if v.severity == "block":
            status = BLOCKED
            break
    else:
        # information before approvals: an approver should not sign what is not yet known
        if missing:
            status = NEEDS_INFORMATION
        else:
            for a in approvals:
                if a.status != "granted":
                    status = NEEDS_APPROVAL
                    break
    model = pb.model
    facts = ctx.facts
    return new_result(
        deal=str(deal["id"]),
        playbook=pb.ref,
        category=category,
        stage=stage,
        as_of=as_of,
        status=status,
        violations=tuple(violations),
        approvals=tuple(approvals),
        actions=tuple(actions),
        transitions=tuple(moves),
        facts={
            name: None if isinstance(facts[name], MissingFact) else facts[name]
            for name in model.fact_names
        },
        shadow=tuple(found.shadow),
        lang=lang,
        missing_information=tuple(missing),
    )


def _on_time(action: Action) -> bool:
    return not action.overdue


def check_language(pb: CompiledPlaybook, lang: Any) -> None:
    """Messages are written in the languages the playbook was compiled for; any other
    ``lang`` is the caller's mistake, named as such (not a ``KeyError`` from deep inside)."""
    if not isinstance(lang, str) or lang not in pb.labels:
        known = ", ".join(sorted(pb.labels))
        raise InputError(f"lang must be one of {known}, not {lang!r}")


# -- rules and tables: hits -> outcomes ------------------------------------------------------


class _Found:
    """What an evaluation found, sorted as it is found (shadow outcomes kept apart)."""

    __slots__ = ("actions", "approvals", "missing", "shadow", "violations")

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.approvals: list[Approval] = []
        self.actions: list[Action] = []
        self.missing: list[MissingInformation] = []
        self.shadow: list[Violation | Approval | Action | MissingInformation] = []

    def add(self, items: list[Any], shadow: bool) -> None:
        if shadow:
            self.shadow += items
            return
        for item in items:
            # results are final classes: the exact type is the kind (cheaper than isinstance)
            if type(item) is Violation:
                self.violations.append(item)
            elif type(item) is Approval:
                self.approvals.append(item)
            elif type(item) is Action:
                self.actions.append(item)
            elif type(item) is MissingInformation:
                self.missing.append(item)


def _outcomes(ctx: Context, hits: list[Hit], found: _Found) -> None:
    """Hits -> violations, approvals and actions (enforced or shadow), messages lazy."""
    checks = ctx.pb.checks
    for k, exc, i, item in hits:
        check = checks[k]
        if isinstance(check, CRule):
            rule = check.rule
            title = rule.title.get(ctx.lang)
            local = () if i < 0 else (item_value(check, i, item),)
            if exc is not None:
                failing = check.when if i >= 0 or check.for_each is None else check.for_each
                items = _on_missing(ctx, rule.id, rule.on_missing, title, [failing], exc, local)
            elif check.for_each is None:
                items = [_outcome(ctx, rule.id, rule.outcome, title, {}, (), check)]
            else:
                items = [
                    _outcome(ctx, rule.id, rule.outcome, title, {rule.item: item}, local, check)
                ]
            mode = rule.mode
        else:
            table = check.table
            title = table.title.get(ctx.lang)
            if exc is not None:
                failing_exprs = [c for c in (check.when, check.input) if c is not None]
                items = _on_missing(ctx, table.id, table.on_missing, title, failing_exprs, exc, ())
            else:
                row = table.rows[i]
                extra = {"value": item, "row": _row_values(row)}
                items = [_outcome(ctx, table.id, row.outcome, title, extra, ())]
            mode = table.mode
        found.add(items, mode == "shadow")


def _on_missing(
    ctx: Context,
    rule_id: str,
    mode: str,
    title: str,
    failing: list[CExpr],
    exc: Unknown,
    local: tuple[LocalValue, ...],
) -> list[Violation | Approval | Action | MissingInformation]:
    if mode == "skip":
        return []
    precise = ctx.unknown(failing, exc, *local)
    reason = precise.reason
    if mode == "ask":
        fields = record_paths(precise.paths)
        if not fields:
            return [
                new_missing(rule_id, fields, text(ctx.lang, "unknown", title=title, reason=reason))
            ]
        return [new_missing(rule_id, fields, Text(make=partial(_ask, ctx, title, fields)))]
    return [
        new_violation(
            rule_id,
            "block" if mode == "block" else "warn",
            text(ctx.lang, "unknown", title=title, reason=reason),
        )
    ]


def _ask(ctx: Context, title: str, fields: tuple[str, ...]) -> str:
    return str(text(ctx.lang, "ask", title=title, fields=ctx.to_record(fields)))


def _outcome(
    ctx: Context,
    rule_id: str,
    outcome: Outcome,
    title: str,
    extra: dict[str, Any],
    local_values: tuple[LocalValue, ...],
    crule: CRule | None = None,
) -> Violation | Approval | Action:
    kind = outcome.kind
    if kind in ("block", "warn"):
        return new_violation(rule_id, kind, ctx.render(outcome.message, title, **extra))
    if kind == "approval":
        by = ctx.granted.get(outcome.role)
        said = _said(ctx, outcome, title, outcome.role, extra)
        return new_approval(rule_id, outcome.role, "granted" if by else "pending", said, by)
    due: date | None = due_date(ctx.as_of, outcome.due_in_days or 0)
    if crule is not None and crule.due is not None:
        try:
            due = ctx.run(crule.due, *local_values)
        except Unknown:
            due = None  # the due date itself depends on an absent value
    said = _said(ctx, outcome, title, outcome.assignee, extra)
    overdue = due is not None and due < ctx.as_of  # due today is not late yet
    return new_action(rule_id, outcome.action_id, outcome.assignee, due, said, overdue)


def _said(ctx: Context, outcome: Outcome, title: str, role: str, extra: dict[str, Any]) -> Text:
    """An approval's or action's text: its own message (which may name the role), else the title."""
    if outcome.message is None:
        return Text(title)
    return ctx.render(
        outcome.message, title, role=role, role_label=ctx.label("role", role), **extra
    )


def _row_values(row: Row) -> dict[str, Any]:
    return {
        "above": row.low if row.low is not None and not row.low_inclusive else None,
        "from": row.low if row.low_inclusive else None,
        "up_to": row.high if row.high is not None and row.high_inclusive else None,
        "below": row.high if row.high is not None and not row.high_inclusive else None,
        "id": row.id,
    }
