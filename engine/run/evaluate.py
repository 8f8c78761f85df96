"""(CompiledPlaybook, checked deal, as_of) in, ``Result`` out. Pure: no I/O, no clock.

Order of work: facts (in dependency order) -> rules and decision tables -> approval status ->
documents and moves -> status. Messages are rendered only for what fired. With a ``Tracer``
the same steps run through the reference interpreter and every rule records what it saw
(this is ``explain``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from ..check.model import Outcome, Row
from ..compile.build import CChain, CExpr, CNeed, CompiledPlaybook, CRule, CTable, fact_value
from ..errors import InputError, Text, UnmetGuard
from ..lang.messages import Message, RenderFailed
from ..results import (
    BLOCKED,
    NEEDS_APPROVAL,
    OK,
    Action,
    Approval,
    Move,
    Result,
    Step,
    Violation,
)
from ..text import fmt_percent, words_of
from . import reference as rt


def text(lang: str, key: str, **values: Any) -> str:
    """A note kam writes into a result (``notes`` of the words table), values filled in."""
    return words_of(lang, "notes")[key].format(**values)


@dataclass
class Tracer:
    """Collects explain steps; expressions run through the reference interpreter."""

    steps: list[Step] = field(default_factory=list)
    reads: list[tuple[str, Any]] = field(default_factory=list)

    def read(self, path: str, value: Any) -> None:
        if len(self.reads) < 200:
            self.reads.append((path, value))

    def take(self) -> tuple[tuple[str, Any], ...]:
        out = tuple(dict(self.reads).items())
        self.reads.clear()
        return out

    def step(self, kind: str, id: str, outcome: str, detail: str = "") -> None:
        self.steps.append(Step(kind, id, outcome, self.take(), detail))


class _Context:
    """Everything one evaluation needs, built once per call."""

    __slots__ = (
        "_render_values",
        "as_of",
        "chains",
        "deal",
        "facts",
        "granted",
        "lang",
        "pb",
        "stage",
        "tracer",
    )

    def __init__(
        self,
        pb: CompiledPlaybook,
        deal: dict[str, Any],
        as_of: date,
        lang: str,
        tracer: Tracer | None,
    ) -> None:
        self.pb = pb
        self.deal = deal
        self.as_of = as_of
        self.lang = lang
        self.facts: dict[str, Any] = {}
        self.chains: dict[str, str] = {}  # chain id -> not_required | pending | ...
        self.granted: dict[str, str] = {}  # role -> who approved
        self.stage = pb.stage_info[deal["stage"]]
        self.tracer = tracer
        self._render_values: dict[str, Any] | None = None

    def run(self, c: CExpr, *local_values: tuple[Any, str]) -> Any:
        """Run an expression: generated code normally, the interpreter when explaining."""
        if self.tracer is None:
            return c.fn(
                self.deal,
                self.facts,
                self.stage,
                self.as_of,
                self.chains,
                *(v for v, _ in local_values),
            )
        return rt.interpret(c.expr.node, self._env(c, local_values, self.tracer.read))

    def _env(
        self,
        c: CExpr,
        local_values: tuple[tuple[Any, str], ...],
        trace: Callable[[str, Any], None] | None = None,
    ) -> rt.Env:
        local = dict(zip(c.locals, local_values, strict=True))
        return rt.Env(
            self.deal,
            self.facts,
            self.stage,
            self.as_of,
            self.pb.rounding,
            local,
            trace,
            self.chains,
        )

    def why(self, c: CExpr, exc: rt.Unknown, *local_values: tuple[Any, str]) -> str:
        """The precise reason a value was unknown (the interpreter knows list indexes)."""
        if self.tracer is not None:
            return exc.reason
        env = self._env(c, local_values)
        try:
            rt.interpret(c.expr.node, env)
        except rt.Unknown as precise:
            return precise.reason
        return exc.reason

    def why_first(self, exprs: list[CExpr], exc: rt.Unknown) -> str:
        """The reason of the first of ``exprs`` that cannot be decided (table when/input)."""
        if self.tracer is not None:
            return exc.reason
        for c in exprs:
            env = self._env(c, ())
            try:
                rt.interpret(c.expr.node, env)
            except rt.Unknown as precise:
                return precise.reason
        return exc.reason

    def values(self, **extra: Any) -> dict[str, Any]:
        if self._render_values is None:
            self._render_values = {
                "deal": self.deal,
                "facts": {
                    k: None if isinstance(v, rt.MissingFact) else v for k, v in self.facts.items()
                },
                "params": self.pb.params,
                "as_of": self.as_of,
                "stage": self.stage,
            }
        if not extra:
            return self._render_values
        return {**self._render_values, **extra}

    def render(self, message: Message | None, fallback: str, **extra: Any) -> Text | str:
        """The message, written when first read (with the values of this evaluation)."""
        if message is None:
            return fallback
        values = self.values(**extra)
        return Text(make=partial(_write, message, self.lang, values, fallback))

    def label(self, kind: str, key: str) -> str:
        return self.pb.labels[self.lang][kind].get(key, key)

    def stage_label(self, key: str) -> str:
        return self.pb.labels[self.lang]["stage"].get(key, key)


def _write(message: Message, lang: str, values: dict[str, Any], fallback: str) -> str:
    try:
        return message.render(lang, values)
    except RenderFailed:
        # the message reads a value this deal lacks: the rule's title still says it all
        return fallback


def _blocked_by(lang: str, v: Violation) -> str:
    return text(lang, "blocked_by", message=v.message)


def evaluate(
    pb: CompiledPlaybook,
    deal: dict[str, Any],
    as_of: date,
    lang: str = "en",
    tracer: Tracer | None = None,
) -> Result:
    """Evaluate a checked, normalised deal. Never raises for business reasons."""
    check_language(pb, lang)
    ctx = _Context(pb, deal, as_of, lang, tracer)
    category = deal["category"]
    stage = deal["stage"]
    if tracer is None:
        ctx.facts = pb.facts_fn(deal, ctx.stage, as_of, ctx.chains)
    else:
        _compute_facts(ctx)
    granted = ctx.granted = granted_roles(deal)
    found = _Found()
    for cchain in pb.chains:
        found.add(_run_chain(ctx, cchain), cchain.chain.mode == "shadow")
    if tracer is None:
        hits = pb.rules_fn(deal, ctx.facts, ctx.stage, as_of, ctx.chains, category, stage)
    else:
        hits = _reference_hits(ctx)
    _outcomes(ctx, hits, found)
    violations, approvals, actions = found.violations, found.approvals, found.actions
    moves = (
        _moves(ctx, violations, approvals, actions, granted) if pb.moves[category, stage] else ()
    )
    status = OK
    for v in violations:
        if v.severity == "block":
            status = BLOCKED
            break
    else:
        for a in approvals:
            if a.status != "granted":
                status = NEEDS_APPROVAL
                break
    model = pb.model
    facts = ctx.facts
    return Result(
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
            name: None if facts[name].__class__ is rt.MissingFact else facts[name]
            for name in model.fact_names
        },
        shadow=tuple(found.shadow),
        lang=lang,
    )


def check_language(pb: CompiledPlaybook, lang: Any) -> None:
    """Messages are written in the languages the playbook was compiled for; any other
    ``lang`` is the caller's mistake, named as such (not a ``KeyError`` from deep inside)."""
    if not isinstance(lang, str) or lang not in pb.labels:
        known = ", ".join(sorted(pb.labels))
        raise InputError(f"lang must be one of {known}, not {lang!r}")


def granted_roles(deal: dict[str, Any]) -> dict[str, str]:
    """role -> approver, from the deal's approvals: the last decision per role counts, and
    an approval by the deal's owner never does (no self-approval)."""
    owner = deal.get("owner")
    out: dict[str, str] = {}
    for entry in deal.get("approvals") or ():
        role = entry.get("role")
        by = entry.get("by")
        if entry.get("decision") == "approved" and by and by != owner:
            out[role] = by
        elif entry.get("decision") == "rejected":
            out.pop(role, None)
    return out


def _scope_text(categories: Iterable[str] | None, stages: Iterable[str] | None) -> str:
    parts = []
    if categories is not None:
        parts.append("categories " + ", ".join(sorted(categories)))
    if stages is not None:
        parts.append("stages " + ", ".join(sorted(stages)))
    return "; ".join(parts)


# -- facts ------------------------------------------------------------------------------------


def _compute_facts(ctx: _Context) -> None:
    """The reference path: every fact through the interpreter, each one traced."""
    tracer = _tracer(ctx)
    for cfact in ctx.pb.facts:
        fact = cfact.fact
        try:
            value = fact_value(cfact, ctx.run)
        except rt.Unknown as exc:
            ctx.facts[fact.name] = rt.MissingFact(exc.reason, exc.path)
            tracer.step("fact", fact.name, "unknown", exc.reason)
            continue
        ctx.facts[fact.name] = value
        tracer.step("fact", fact.name, "value", f"= {rt.show(value)}")


def _tracer(ctx: _Context) -> Tracer:
    assert ctx.tracer is not None  # the reference path always traces
    return ctx.tracer


# -- rules and tables ---------------------------------------------------------------------------
# Both paths produce "hits": (check index, Unknown or None, item or row index, item or value).
# The generated ``hits_of`` makes them on the fast path; the functions below make the same hits
# through the interpreter, tracing every decision for ``explain`` and ``kam test --coverage``.

Hit = tuple[int, "rt.Unknown | None", int, Any]


def _reference_hits(ctx: _Context) -> list[Hit]:
    tracer = _tracer(ctx)
    category, stage = ctx.deal["category"], ctx.deal["stage"]
    hits: list[Hit] = []
    for k, check in enumerate(ctx.pb.checks):
        spec = check.rule if isinstance(check, CRule) else check.table
        kind = "rule" if isinstance(check, CRule) else "table"
        if (spec.categories is not None and category not in spec.categories) or (
            spec.stages is not None and stage not in spec.stages
        ):
            scope = _scope_text(spec.categories, spec.stages)
            tracer.step(kind, spec.id, "not applicable", f"applies to {scope}")
            continue
        try:
            if isinstance(check, CRule):
                hits += _rule_hits(ctx, k, check)
            else:
                hits += _table_hits(ctx, k, check)
        except rt.Unknown as exc:  # the rule (or its list, or the table) cannot be decided
            tracer.step(kind, spec.id, "unknown", f"{exc.reason}; on_missing: {spec.on_missing}")
            hits.append((k, exc, -1, None))
    return hits


def _rule_hits(ctx: _Context, k: int, crule: CRule) -> list[Hit]:
    rule = crule.rule
    tracer = _tracer(ctx)
    if crule.for_each is None:
        fired = ctx.run(crule.when)
        tracer.step("rule", rule.id, "fired" if fired else "not fired")
        return [(k, None, -1, None)] if fired else []
    # a rule checked once per item of a list
    items = ctx.run(crule.for_each)
    out: list[Hit] = []
    for i, item in enumerate(items):
        try:
            fired = ctx.run(crule.when, _local(crule, i, item))
        except rt.Unknown as exc:
            tracer.step("rule", f"{rule.id}[{i}]", "unknown", exc.reason)
            out.append((k, exc, i, item))
            continue
        tracer.step("rule", f"{rule.id}[{i}]", "fired" if fired else "not fired")
        if fired:
            out.append((k, None, i, item))
    if not items:
        tracer.step("rule", rule.id, "not fired", "the list is empty")
    return out


def _local(crule: CRule, i: int, item: Any) -> tuple[Any, str]:
    """A for_each item and the path a message about it names (deal.visits[2])."""
    assert crule.for_each is not None
    return item, f"{crule.for_each.expr.text.strip()}[{i}]"


def _table_hits(ctx: _Context, k: int, ctable: CTable) -> list[Hit]:
    table = ctable.table
    tracer = _tracer(ctx)
    if ctable.when is not None and not ctx.run(ctable.when):
        tracer.step("table", table.id, "not fired", "its 'when' does not hold")
        return []
    x = ctx.run(ctable.input)
    tracer.step("table", table.id, "value", f"input {table.input.text} = {rt.show(x)}")
    out: list[Hit] = []
    decided = False  # with hit: first, the rows after the hit do not fire
    for j, row in enumerate(table.rows):
        hit = not decided and row.holds(x)
        tracer.steps.append(
            Step("row", row.id, "fired" if hit else "not fired", (), _row_text(row))
        )
        if not hit:
            continue
        if row.outcome.kind != "none":
            out.append((k, None, j, x))
        decided = table.hit == "first"
    return out


class _Found:
    """What an evaluation found, sorted as it is found (shadow outcomes kept apart)."""

    __slots__ = ("actions", "approvals", "shadow", "violations")

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.approvals: list[Approval] = []
        self.actions: list[Action] = []
        self.shadow: list[Violation | Approval | Action] = []

    def add(self, items: list[Violation | Approval | Action], shadow: bool) -> None:
        if shadow:
            self.shadow += items
            return
        for item in items:
            cls = item.__class__
            if cls is Violation:
                self.violations.append(item)  # type: ignore[arg-type]
            elif cls is Approval:
                self.approvals.append(item)  # type: ignore[arg-type]
            else:
                self.actions.append(item)  # type: ignore[arg-type]


def _outcomes(ctx: _Context, hits: list[Hit], found: _Found) -> None:
    """Hits -> violations, approvals and actions (enforced or shadow), messages lazy."""
    checks = ctx.pb.checks
    for k, exc, i, item in hits:
        check = checks[k]
        if isinstance(check, CRule):
            rule = check.rule
            title = rule.title.get(ctx.lang)
            local = () if i < 0 else (_local(check, i, item),)
            if exc is not None:
                failing = check.when if i >= 0 or check.for_each is None else check.for_each
                items = _on_missing(
                    ctx, rule.id, rule.on_missing, title, ctx.why(failing, exc, *local)
                )
            elif check.for_each is None:
                items = [_outcome(ctx, rule.id, rule.outcome, title, {}, ())]
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
                items = _on_missing(
                    ctx, table.id, table.on_missing, title, ctx.why_first(failing_exprs, exc)
                )
            else:
                row = table.rows[i]
                extra = {"value": item, "row": _row_values(row)}
                items = [_outcome(ctx, table.id, row.outcome, title, extra, ())]
            mode = table.mode
        found.add(items, mode == "shadow")


def _on_missing(
    ctx: _Context, rule_id: str, mode: str, title: str, reason: str
) -> list[Violation | Approval | Action]:
    if mode == "skip":
        return []
    return [
        Violation(
            rule_id,
            "block" if mode == "block" else "warn",
            text(ctx.lang, "unknown", title=title, reason=reason),
        )
    ]


def _outcome(
    ctx: _Context,
    rule_id: str,
    outcome: Outcome,
    title: str,
    extra: dict[str, Any],
    local_values: tuple[tuple[Any, str], ...],
    crule: CRule | None = None,
) -> Violation | Approval | Action:
    kind = outcome.kind
    if kind in ("block", "warn"):
        return Violation(rule_id, kind, ctx.render(outcome.message, title, **extra))
    if kind == "approval":
        by = ctx.granted.get(outcome.role)
        said = _said(ctx, outcome, title, outcome.role, extra)
        return Approval(rule_id, outcome.role, "granted" if by else "pending", said, by)
    due: date | None = ctx.as_of + timedelta(days=outcome.due_in_days or 0)
    if crule is not None and crule.due is not None:
        try:
            due = ctx.run(crule.due, *local_values)
        except rt.Unknown:
            due = None  # the due date itself depends on an absent value
    said = _said(ctx, outcome, title, outcome.assignee, extra)
    return Action(rule_id, outcome.action_id, outcome.assignee, due, said)


def _said(
    ctx: _Context, outcome: Outcome, title: str, role: str, extra: dict[str, Any]
) -> Text | str:
    """An approval's or action's text: its own message (which may name the role), else the title."""
    if outcome.message is None:
        return title
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


def _row_text(row: Row) -> str:
    parts = []
    if row.low is not None:
        parts.append(("from " if row.low_inclusive else "above ") + fmt_percent(row.low))
    if row.high is not None:
        parts.append(("up to " if row.high_inclusive else "below ") + fmt_percent(row.high))
    return " ".join(parts) or "every value"


# -- approval chains ----------------------------------------------------------------------------


def _run_chain(ctx: _Context, cchain: CChain) -> list[Violation | Approval | Action]:
    """Walk deal.approvals in order against the chain's steps; sets ctx.chains[id]."""
    chain = cchain.chain
    deal = ctx.deal
    tracer = ctx.tracer
    ctx.chains[chain.id] = "not_required"
    if (chain.categories is not None and deal["category"] not in chain.categories) or (
        chain.stages is not None and deal["stage"] not in chain.stages
    ):
        if tracer:
            tracer.step(
                "chain",
                chain.id,
                "not applicable",
                f"applies to {_scope_text(chain.categories, chain.stages)}",
            )
        return []
    notes: list[Violation | Approval | Action] = []
    title = chain.title.get(ctx.lang)
    if cchain.when is not None:
        try:
            if not ctx.run(cchain.when):
                if tracer:
                    tracer.step("chain", chain.id, "not required", "its 'when' does not hold")
                return []
        except rt.Unknown:
            pass  # when in doubt, the approvals are needed
    amount = None
    if cchain.amount is not None:
        try:
            amount = ctx.run(cchain.amount)
        except rt.Unknown as exc:
            reason = ctx.why(cchain.amount, exc)
            notes.append(
                Violation(
                    chain.id, "warn", text(ctx.lang, "chain_amount", title=title, reason=reason)
                )
            )
    steps = []
    covered = False
    for step in chain.steps:
        if covered and not step.always:
            continue
        steps.append(step)
        if step.limit is not None and amount is not None and amount <= step.limit:
            covered = True
    roles = {s.role for s in steps}
    owner = deal.get("owner")
    done = 0
    granted: dict[int, str] = {}
    approvers: set[str] = set()
    rejected: dict[str, Any] | None = None
    for entry in deal.get("approvals") or ():
        role, by = entry.get("role"), entry.get("by")
        if role not in roles:
            continue
        when = entry.get("on")
        on = f" {when.isoformat()}" if isinstance(when, date) else ""
        if entry.get("decision") == "rejected":
            rejected = entry
            done, granted, approvers = 0, {}, set()
            continue
        label = ctx.label("role", role)
        if by == owner:
            notes.append(
                Violation(chain.id, "warn", text(ctx.lang, "chain_self", by=by, role=label))
            )
        elif done < len(steps) and steps[done].role == role:
            if by in approvers:
                notes.append(
                    Violation(chain.id, "warn", text(ctx.lang, "chain_twice", by=by, role=label))
                )
                continue
            granted[done] = str(by)
            approvers.add(str(by))
            done += 1
            rejected = None
        elif any(s.role == role for s in steps[done + 1 :]):
            notes.append(
                Violation(
                    chain.id,
                    "warn",
                    text(
                        ctx.lang,
                        "chain_order",
                        role=label,
                        on=on,
                        first=ctx.label("role", steps[done].role),
                    ),
                )
            )
    if rejected is not None:
        state = "rejected"
        comment = rejected.get("comment")
        notes.append(
            Violation(
                chain.id,
                "warn",
                text(
                    ctx.lang,
                    "chain_rejected",
                    role=ctx.label("role", rejected.get("role", "")),
                    by=rejected.get("by"),
                    comment=f" ({comment})" if comment else "",
                ),
            )
        )
    else:
        state = "complete" if done == len(steps) else "pending"
    ctx.chains[chain.id] = state
    if tracer:
        tracer.step(
            "chain",
            chain.id,
            state,
            f"{done} of {len(steps)} steps approved"
            + (f"; amount {rt.show(amount)}" if amount is not None else ""),
        )
    out: list[Violation | Approval | Action] = []
    for i, step in enumerate(steps):
        status = "granted" if i < done else "pending" if i == done else "waiting"
        label = ctx.label("role", step.role)
        fallback = text(
            ctx.lang, "chain_step", step=i + 1, total=len(steps), role=label, title=title
        )
        message = ctx.render(
            chain.message,
            fallback,
            role=step.role,
            role_label=label,
            step=i + 1,
            limit=step.limit,
            amount=amount,
        )
        out.append(Approval(chain.id, step.role, status, message, granted.get(i), i + 1, chain.id))
    return out + notes


# -- documents and moves ------------------------------------------------------------------------


def _needed(ctx: _Context, needs: Iterable[CNeed]) -> list[CNeed]:
    out = []
    for cneed in needs:
        if cneed.when is None:
            out.append(cneed)
            continue
        try:
            if ctx.run(cneed.when):
                out.append(cneed)
        except rt.Unknown:
            out.append(cneed)  # when in doubt, ask for the document
    return out


def _moves(
    ctx: _Context,
    violations: list[Violation],
    approvals: list[Approval],
    actions: list[Action],
    granted: dict[str, str],
) -> list[Move]:
    pb = ctx.pb
    deal = ctx.deal
    held = set(deal.get("documents") or ())
    category = deal["category"]
    doc_actions: dict[str, Action] = {}
    moves = []
    tracer = ctx.tracer
    for cmove in pb.moves.get((category, deal["stage"]), ()):
        t = cmove.transition
        missing: list[UnmetGuard] = []
        for guard, cexpr in cmove.conditions:
            title = guard.title.get(ctx.lang)
            try:
                ok = bool(ctx.run(cexpr))
                reason = ""
            except rt.Unknown as exc:
                reason = ctx.why(cexpr, exc)
                ok = guard.on_missing == "allow"
            if tracer:
                tracer.step(
                    "guard",
                    f"{t.target}:{guard.id}",
                    "met" if ok else "unknown" if reason else "not met",
                    reason,
                )
            if not ok:
                fallback = text(
                    ctx.lang,
                    "guard_unknown" if reason else "guard_failed",
                    title=title,
                    reason=reason,
                )
                missing.append(
                    UnmetGuard(
                        "condition",
                        guard.id,
                        guard.id,
                        ctx.render(guard.message, fallback) if not reason else fallback,
                    )
                )
        needs = _needed(ctx, (*cmove.needs, *pb.category_needs.get((category, t.target), ())))
        seen_docs: set[str] = set()
        for cneed in needs:
            doc = cneed.need.document
            if doc in seen_docs:
                continue
            seen_docs.add(doc)
            present = doc in held
            if tracer:
                tracer.steps.append(
                    Step(
                        "document",
                        f"{t.target}:{doc}"
                        + (f"@{cneed.need.category}" if cneed.need.category else ""),
                        "held" if present else "missing",
                        (("deal.documents", sorted(held)),),
                        cneed.need.rule,
                    )
                )
            if present:
                continue
            label = ctx.label("document", doc)
            missing.append(
                UnmetGuard(
                    "document",
                    doc,
                    cneed.need.rule,
                    text(ctx.lang, "needs_document", document=label),
                )
            )
            if doc not in doc_actions:
                doc_actions[doc] = Action(
                    cneed.need.rule,
                    f"provide:{doc}",
                    pb.model.document_assignee,
                    ctx.as_of + timedelta(days=pb.model.document_due_in_days),
                    text(ctx.lang, "provide", document=label, stage=ctx.stage_label(t.target)),
                )
        for role in t.approvals:
            if role not in granted:
                missing.append(
                    UnmetGuard(
                        "approval",
                        role,
                        t.rule,
                        text(ctx.lang, "needs_approval", role=ctx.label("role", role)),
                    )
                )
        if t.all_clear:
            for v in violations:
                if v.severity == "block":
                    missing.append(
                        UnmetGuard(
                            "clear",
                            v.rule,
                            v.rule,
                            Text(make=partial(_blocked_by, ctx.lang, v)),
                        )
                    )
            for a in approvals:
                if a.status == "pending":
                    missing.append(
                        UnmetGuard(
                            "approval",
                            a.role,
                            a.rule,
                            text(ctx.lang, "pending", role=ctx.label("role", a.role)),
                        )
                    )
        moves.append(Move(t.target, not missing, tuple(missing)))
    actions.extend(doc_actions.values())
    return moves
