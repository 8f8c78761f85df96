"""(CompiledPlaybook, checked deal, as_of) in, ``Result`` out. Pure: no I/O, no clock.

Order of work: facts (in dependency order) -> approval chains -> rules and decision tables ->
approval status -> documents and moves -> status. Messages are rendered only for what fired.
The answers come from one ``Evaluator`` (``compile/evaluator.py``): the generated code
normally; with a ``Tracer`` the reference interpreter, and every rule records what it saw
(this is ``explain``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import DecimalException
from functools import partial
from typing import Any

from ..check.model import Expr, Outcome, Row
from ..compile.build import CExpr, CompiledPlaybook, CRule, CTable
from ..compile.evaluator import Generated, Hit, LocalValue
from ..errors import DealError, DealProblem, InputError, Text
from ..lang.ir import reads
from ..lang.values import MissingFact, Unknown, computing, due_date
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
from ..text import fmt_value, word
from .basis import (
    asks_less,
    basis_detail,
    basis_outcome,
    current,
    higher_tier,
    rejection_text,
    stale_of,
    stale_text,
)
from .chains import decided_entries, granted_roles, run_chain
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
from .deal import category_tests
from .moves import stage_moves
from .reference import Reference, Tracer, item_value
from .unrecorded import unrecorded

__all__ = ["Tracer", "check_language", "evaluate", "granted_roles"]

_NONE = object()


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
    writes every message with jinja2 (the tests compare both writers).

    Arithmetic runs in ``values.NUMBERS``; a value computed beyond kam's number range is the
    deal's problem (``DealError``), never a crash or an infinity compared with a threshold."""
    check_language(pb, lang)
    try:
        with computing():
            return _evaluate(pb, deal, as_of, lang, tracer, plain)
    except DecimalException:
        raise DealError([DealProblem("$", str(text(lang, "number_range")))]) from None


def _evaluate(
    pb: CompiledPlaybook,
    deal: dict[str, Any],
    as_of: date,
    lang: str,
    tracer: Tracer | None,
    plain: bool,
) -> Result:
    if tracer is None:
        evaluator: Generated | Reference = Generated(pb, Reference(pb))
    else:
        evaluator = Reference(pb, tracer)
    deal, later = _given_by(deal, as_of)
    ctx = Context(pb, deal, as_of, lang, evaluator, tracer, plain)
    category = deal["category"]
    stage = deal["stage"]
    evaluator.facts(ctx)
    ctx.entries, ctx.rejections = decided_entries(deal)
    granted = ctx.granted = {role: entry["by"] for role, entry in ctx.entries.items()}
    found = _Found()
    if later:
        found.violations += _later_findings(ctx, later)
    if pb.category_when:
        found.violations += _category_finding(ctx)
    if ctx.derived:
        found.violations += _given_findings(ctx)
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
        # a rejection that still stands stops the deal as it is (until it changes, or the
        # approver reconsiders); information before approvals: an approver should not sign
        # what is not yet known
        if any(a.status == "rejected" for a in approvals):
            status = BLOCKED
        elif missing:
            status = NEEDS_INFORMATION
        else:
            for a in approvals:
                if a.status != "granted":
                    status = NEEDS_APPROVAL
                    break
    model = pb.model
    facts = ctx.facts
    # a fact known only through a default for a value the deal lacks is shown as unknown
    # (the rules above used it as the playbook says)
    shown_unknown = unrecorded(pb, deal, facts, ctx.derived, ctx.stage, as_of)
    if shown_unknown and tracer is not None:
        _unknown_steps(tracer, shown_unknown, lang)
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
            name: None
            if isinstance(facts[name], MissingFact) or name in shown_unknown
            else facts[name]
            for name in model.fact_names
        },
        shadow=tuple(found.shadow),
        lang=lang,
        missing_information=tuple(missing),
    )


# -- approvals dated after as_of: not given yet ---------------------------------------------------


def _given_by(
    deal: dict[str, Any], as_of: date
) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    """The deal as it stood on ``as_of``: an approval (or rejection) dated later had not
    been given, so no rule, fact or chain may see it. Returns the deal without them and
    each one left out with its index (what the finding names)."""
    entries = deal.get("approvals")
    if not entries:
        return deal, []
    later = [
        (i, e) for i, e in enumerate(entries) if isinstance(e.get("on"), date) and e["on"] > as_of
    ]
    if not later:
        return deal, []
    left_out = {i for i, _ in later}
    kept = [e for i, e in enumerate(entries) if i not in left_out]
    return {**deal, "approvals": kept}, later


def _later_findings(ctx: Context, later: list[tuple[int, dict[str, Any]]]) -> list[Violation]:
    """APPROVAL-DATE: one warning per approval dated after as_of, naming it by JSON path."""
    out = []
    for i, entry in later:
        role = entry.get("role")
        said = text(
            ctx.lang,
            "approval_after_as_of",
            by=entry.get("by"),
            role=ctx.label("role", role) if isinstance(role, str) else role,
            path=f"$.approvals[{i}]",
            on=entry["on"].isoformat(),
            as_of=ctx.as_of.isoformat(),
        )
        out.append(new_violation("APPROVAL-DATE", "warn", said))
    return out


def _on_time(action: Action) -> bool:
    return not action.overdue


def _unknown_steps(tracer: Tracer, names: frozenset[str], lang: str) -> None:
    """explain's step of each fact shown as unknown says so, not the default it took."""
    said = word(lang, "result", "not_recorded")
    tracer.steps[:] = [
        replace(s, outcome="unknown", detail=said)
        if s.kind == "fact" and s.id in names and s.outcome == "value"
        else s
        for s in tracer.steps
    ]


# -- findings: a recorded value the playbook's own derivation contradicts ---------------------


def _given_findings(ctx: Context) -> list[Violation]:
    """A fact the deal records (``given:``) that differs from what the playbook derives. An
    unknown derivation makes no claim."""
    out = []
    for cfact in ctx.pb.facts:
        fact = cfact.fact
        derived = ctx.derived.get(fact.name, _NONE)
        given = ctx.facts.get(fact.name)
        if derived is _NONE or isinstance(derived, MissingFact) or derived == given:
            continue
        kind = fact.type.kind
        fallback = text(
            ctx.lang,
            "given_differs",
            fact=fact.label.get(ctx.lang),
            given=fmt_value(given, kind),
            derived=fmt_value(derived, kind),
        )
        said = ctx.render(fact.message, fallback, given=given, derived=derived)
        out.append(new_violation(fact.finding_rule, "warn", said))
    return out


def _category_finding(ctx: Context) -> list[Violation]:
    """CATEGORY: the deal's category is one a category's ``when`` says does not hold, or
    another category's ``when`` holds where the given one has no ``when``. A ``when`` left
    open by an unknown value makes no claim; when both hold, the person chose between them."""
    pb, given = ctx.pb, ctx.deal["category"]
    tests = dict(category_tests(pb, ctx.deal))
    own = tests.get(given)
    others = [c for c, t in tests.items() if c != given and t is True]
    fired = not (own is True or isinstance(own, Unknown) or (own is None and not others))
    if ctx.tracer is not None:
        seen = "; ".join(
            f"{c}: {t.reason if isinstance(t, Unknown) else ('holds' if t else 'does not hold')}"
            for c, t in tests.items()
        )
        ctx.tracer.step(
            "rule", "CATEGORY", "fired" if fired else "not fired", f"filed as {given}; {seen}"
        )
    if not fired:
        return []
    decided = others[0] if len(others) == 1 else given
    when = dict(pb.category_when)[decided].expr
    key = "category_is" if decided != given else "category_not"
    reason = text(
        ctx.lang,
        key,
        values=_values_read(ctx, when),
        category=pb.model.categories[decided].label.get(ctx.lang),
    )
    label = pb.model.categories[given].label.get(ctx.lang)
    said = text(ctx.lang, "category_differs", given=label, reason=reason)
    return [new_violation("CATEGORY", "warn", said)]


def _values_read(ctx: Context, expr: Expr) -> str:
    """The deal values a category's ``when`` reads, as "label: value" (the values that decided)."""
    labels = ctx.pb.model.field_labels
    parts = []
    for path in sorted(reads(expr.node).deal):
        value: Any = ctx.deal
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is None or isinstance(value, list | dict):
            continue
        name = labels[path].get(ctx.lang) if path in labels else path
        parts.append(f"{name}{'：' if ctx.lang == 'zh' else ': '}{fmt_value(value)}")
    return ("，" if ctx.lang == "zh" else ", ").join(parts) or expr.text


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
                items = [
                    _outcome(ctx, table.id, row.outcome, title, extra, (), table=check, row=row)
                ]
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
    reason = ctx.because(precise)
    if mode == "ask":
        fields = record_paths(precise.paths)
        if not fields:
            return [
                new_missing(rule_id, fields, text(ctx.lang, "unknown", title=title, reason=reason))
            ]
        return [new_missing(rule_id, fields, Text(make=partial(_ask, ctx, title, fields)))]
    fields = record_paths(precise.paths)
    said = (
        text(ctx.lang, "unknown_fields", title=title, fields=ctx.to_record(fields))
        if fields
        else text(ctx.lang, "unknown", title=title, reason=reason)
    )
    return [new_violation(rule_id, "block" if mode == "block" else "warn", said)]


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
    table: CTable | None = None,
    row: Row | None = None,
) -> Violation | Approval | Action:
    kind = outcome.kind
    if kind in ("block", "warn"):
        return new_violation(rule_id, kind, ctx.render(outcome.message, title, **extra))
    if kind == "approval":
        return _approval(ctx, rule_id, outcome, title, extra, local_values, crule, table, row)
    due: date | None = due_date(ctx.as_of, outcome.due_in_days or 0)
    if crule is not None and crule.due is not None:
        try:
            due = ctx.run(crule.due, *local_values)
        except Unknown:
            due = None  # the due date itself depends on an absent value
    said = _said(ctx, outcome, title, outcome.assignee, extra)
    overdue = due is not None and due < ctx.as_of  # due today is not late yet
    return new_action(rule_id, outcome.action_id, outcome.assignee, due, said, overdue)


def _approval(
    ctx: Context,
    rule_id: str,
    outcome: Outcome,
    title: str,
    extra: dict[str, Any],
    local_values: tuple[LocalValue, ...],
    crule: CRule | None,
    table: CTable | None,
    row: Row | None = None,
) -> Approval:
    """Granted, pending, or stale: granted for less than the deal now asks (run/basis.py).
    A table's tier is also granted by the approval of a higher tier's role whose basis covers
    the value now ("only the highest tier reached is required": who may approve more may
    approve less)."""
    role = outcome.role
    entry = ctx.entries.get(role)
    said = _said(ctx, outcome, title, role, extra)
    if crule is not None:
        basis, values = crule.rule.outcome.basis, crule.basis
    elif table is not None:
        basis, values = table.table.basis, table.basis
    else:
        basis, values = (), ()
    now = current(ctx, basis, values, *local_values) if basis else ()
    rejection = ctx.rejections.get(role)
    if rejection is not None:
        decided = _rejected(ctx, rule_id, role, title, basis, now, rejection, table, row)
        if decided is not None:
            return decided
    if not basis:
        by = None if entry is None else entry["by"]
        return new_approval(rule_id, role, "granted" if by else "pending", said, by)
    stale = () if entry is None else stale_of(basis, now, entry)
    if ctx.tracer:
        ctx.tracer.step(
            "basis", rule_id, basis_outcome(entry, stale), basis_detail(ctx, basis, now, entry)
        )
    if entry is None or stale:
        higher = None if table is None or row is None else higher_tier(ctx, table, row, now)
        if higher is not None:
            return new_approval(rule_id, role, "granted", said, higher["by"], None, None, now)
    if entry is None:
        return new_approval(rule_id, role, "pending", said, None, None, None, now)
    if not stale:
        return new_approval(rule_id, role, "granted", said, entry["by"], None, None, now)
    why = stale_text(ctx, title, entry["by"], role, basis, stale)
    return new_approval(rule_id, role, "stale", why, None, None, None, now, stale)


def _rejected(
    ctx: Context,
    rule_id: str,
    role: str,
    title: str,
    basis: Any,
    now: tuple[tuple[str, Any], ...],
    entry: dict[str, Any],
    table: CTable | None,
    row: Row | None,
) -> Approval | None:
    """The approval as the rejection in ``entry`` leaves it: ``rejected`` while the deal asks
    at least what was rejected (without a basis, until the approver reconsiders); ``stale``
    (asked again) once it asks less of a bound value. A higher tier's approval that covers
    the deal now overrules a lower tier's rejection (None: decide as without it)."""
    by, on, reason = entry.get("by"), entry.get("on"), entry.get("comment")
    on = on if isinstance(on, date) else None
    if table is not None and row is not None and higher_tier(ctx, table, row, now) is not None:
        return None
    less = asks_less(basis, now, entry) if basis else ()
    if ctx.tracer:
        ctx.tracer.step(
            "basis",
            rule_id,
            "asked again" if less else "rejected",
            basis_detail(ctx, basis, now, entry, "basis_rejected") if basis else "",
        )
    if less:
        why = stale_text(ctx, title, by, role, basis, less, "reasked")
        return new_approval(
            rule_id, role, "stale", why, None, None, None, now, less, by, on, reason
        )
    said = rejection_text(ctx, title, entry, role)
    return new_approval(rule_id, role, "rejected", said, None, None, None, now, (), by, on, reason)


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
