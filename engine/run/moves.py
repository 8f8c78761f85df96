"""The deal's stage, documents and approvals in, its possible stage moves out: for each move,
allowed now or what it still needs (conditions, documents, approvals, a clear record).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from ..compile.build import CNeed
from ..errors import Text, UnmetGuard
from ..lang.values import Unknown, due_date
from ..results import Action, Approval, Move, Step, Violation
from .context import Context, new_action, new_move, text
from .reference import Reference


def _blocked_by(lang: str, v: Violation) -> str:
    return str(text(lang, "blocked_by", message=v.message))


def _needed(ctx: Context, needs: Iterable[CNeed]) -> list[CNeed]:
    out = []
    for cneed in needs:
        if cneed.when is None:
            out.append(cneed)
            continue
        try:
            if ctx.run(cneed.when):
                out.append(cneed)
        except Unknown:
            out.append(cneed)  # when in doubt, ask for the document
    return out


def stage_moves(
    ctx: Context,
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
            except Unknown as exc:
                reason = ctx.why([cexpr], exc)
                ok = guard.on_missing == "allow"
            if tracer:
                why = reason
                if not ok and not reason and isinstance(ctx.evaluator, Reference):
                    why = ctx.evaluator.why_not(ctx, cexpr)
                tracer.step(
                    "guard",
                    f"{t.target}:{guard.id}",
                    "met" if ok else "unknown" if reason else "not met",
                    why,
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
                due = due_date(ctx.as_of, pb.model.document_due_in_days)
                doc_actions[doc] = new_action(
                    cneed.need.rule,
                    f"provide:{doc}",
                    pb.model.document_assignee,
                    due,
                    text(ctx.lang, "provide", document=label, stage=ctx.stage_label(t.target)),
                    due is not None and due < ctx.as_of,  # never, while due_in_days >= 0
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
        moves.append(new_move(t.target, not missing, tuple(missing)))
    actions.extend(doc_actions.values())
    return moves
