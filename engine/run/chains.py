"""A deal's approvals and one approval chain in, the chain's approvals and warnings out.

Each chain's steps are walked against ``deal.approvals`` in order (limits decide which steps
a deal needs); the chain's state (pending, complete, rejected...) goes to ``chain_status()``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..compile.build import CChain
from ..lang.values import Unknown, person_key, same_person
from ..results import Action, Approval, MissingInformation, Stale, Violation
from ..text import fmt_value
from .basis import (
    asks_less,
    basis_detail,
    basis_outcome,
    current,
    rejection_text,
    stale_of,
    stale_text,
)
from .context import Context, new_approval, new_missing, new_violation, record_paths, text
from .reference import Reference, out_of_scope


def granted_roles(deal: dict[str, Any]) -> dict[str, str]:
    """role -> approver, from the deal's approvals: the last decision per role counts, and
    an approval by the deal's owner never does (no self-approval), however the name is
    written (``Zhang.Wei `` is the owner ``zhang.wei``)."""
    return {role: entry["by"] for role, entry in granting_entries(deal).items()}


def granting_entries(deal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """role -> the approvals entry that grants it (as ``granted_roles`` decides): its basis
    says what was approved."""
    return decided_entries(deal)[0]


def decided_entries(
    deal: dict[str, Any],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(role -> the entry granting it, role -> the entry rejecting it): the last decision per
    role counts. The owner's approval never grants and the owner's rejection never stands
    against the deal, though it does withdraw an earlier approval."""
    owner = deal.get("owner")
    granting: dict[str, dict[str, Any]] = {}
    rejecting: dict[str, dict[str, Any]] = {}
    for entry in deal.get("approvals") or ():
        role = entry.get("role")
        by = entry.get("by")
        decision = entry.get("decision")
        own = not by or same_person(by, owner)
        if decision == "approved" and not own:
            granting[role] = entry
            rejecting.pop(role, None)
        elif decision == "rejected":
            granting.pop(role, None)
            if not own:
                rejecting[role] = entry
    return granting, rejecting


def run_chain(
    ctx: Context, cchain: CChain
) -> list[Violation | Approval | Action | MissingInformation]:
    """Walk deal.approvals in order against the chain's steps; sets ctx.chains[id]."""
    chain = cchain.chain
    deal = ctx.deal
    tracer = ctx.tracer
    ctx.chains[chain.id] = "not_required"
    if (chain.categories is not None and deal["category"] not in chain.categories) or (
        chain.stages is not None and deal["stage"] not in chain.stages
    ):
        if tracer:
            tracer.step("chain", chain.id, "not applicable", out_of_scope(tracer, chain, deal))
        return []
    notes: list[Violation | Approval | Action | MissingInformation] = []
    title = chain.title.get(ctx.lang)
    if cchain.when is not None:
        try:
            if not ctx.run(cchain.when):
                if tracer:
                    evaluator = ctx.evaluator  # the tracing one is the reference
                    why = (
                        evaluator.why_not(ctx, cchain.when)
                        if isinstance(evaluator, Reference)
                        else ""
                    )
                    tracer.step("chain", chain.id, "not required", why)
                return []
        except Unknown:
            pass  # when in doubt, the approvals are needed
    amount = None
    if cchain.amount is not None:
        try:
            amount = ctx.run(cchain.amount)
        except Unknown as exc:
            # The amount decides which approvers are needed: unknown, it is asked for (every
            # step is listed meanwhile), never taken as 0 or as within a limit.
            fields = record_paths(ctx.unknown([cchain.amount], exc).paths)
            if fields:
                said = text(ctx.lang, "ask", title=title, fields=ctx.to_record(fields))
                notes.append(new_missing(chain.id, fields, said))
            else:
                reason = ctx.because(ctx.unknown([cchain.amount], exc))
                notes.append(
                    new_violation(
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
    basis = chain.basis
    now = current(ctx, basis, cchain.basis) if basis else ()
    # the step whose approval no longer covers the amount: that entry, and what changed
    stale: tuple[dict[str, Any], tuple[Stale, ...]] | None = None
    for entry in deal.get("approvals") or ():
        role, by = entry.get("role"), entry.get("by")
        if role not in roles:
            continue
        when = entry.get("on")
        on = f" {when.isoformat()}" if isinstance(when, date) else ""
        if entry.get("decision") == "rejected":
            # back to the first step; the rejection stands until a new round starts, or the
            # deal asks less than was rejected (then it is simply asked again)
            lifted = bool(basis) and bool(asks_less(basis, now, entry))
            rejected = None if lifted else entry
            done, granted, approvers, stale = 0, {}, set(), None
            continue
        label = ctx.label("role", role)
        if same_person(by, owner):
            notes.append(
                new_violation(chain.id, "warn", text(ctx.lang, "chain_self", by=by, role=label))
            )
        elif done < len(steps) and steps[done].role == role:
            if person_key(str(by)) in approvers:
                notes.append(
                    new_violation(
                        chain.id, "warn", text(ctx.lang, "chain_twice", by=by, role=label)
                    )
                )
                continue
            beyond = stale_of(basis, now, entry) if basis else ()
            if tracer and basis:
                tracer.step(
                    "basis",
                    f"{chain.id}:{role}",
                    basis_outcome(entry, beyond),
                    basis_detail(ctx, basis, now, entry),
                )
            if beyond:
                stale = (entry, beyond)  # this step and the later ones are pending again
                continue
            granted[done] = str(by)
            approvers.add(person_key(str(by)))
            done += 1
            rejected = None
            stale = None
        elif stale is not None:
            continue  # given before the stale step is approved again: it waits for that
        elif any(s.role == role for s in steps[done + 1 :]):
            notes.append(
                new_violation(
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
            new_violation(
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
            tracer.words("chain", done=done, total=len(steps))
            + (
                tracer.words("amount", amount=fmt_value(amount, "money"))
                if amount is not None
                else ""
            )
            + (f"; step {done + 1} is stale" if stale is not None else ""),
        )
    out: list[Violation | Approval | Action] = []
    for i, step in enumerate(steps):
        status = "granted" if i < done else "pending" if i == done else "waiting"
        label = ctx.label("role", step.role)
        if rejected is not None and step.role == rejected.get("role"):
            rejected_on = rejected.get("on")
            out.append(
                new_approval(
                    chain.id,
                    step.role,
                    "rejected",
                    rejection_text(ctx, title, rejected, step.role),
                    None,
                    i + 1,
                    chain.id,
                    now,
                    (),
                    rejected.get("by"),
                    rejected_on if isinstance(rejected_on, date) else None,
                    rejected.get("comment"),
                )
            )
            continue
        if i == done and stale is not None and state == "pending":
            entry, beyond = stale
            said = stale_text(ctx, title, entry.get("by"), step.role, basis, beyond)
            out.append(
                new_approval(chain.id, step.role, "stale", said, None, i + 1, chain.id, now, beyond)
            )
            continue
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
        out.append(
            new_approval(chain.id, step.role, status, message, granted.get(i), i + 1, chain.id, now)
        )
    return out + notes
