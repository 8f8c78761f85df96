"""The deal's stage, documents and approvals in, its possible stage moves out: for each move,
allowed now or what it still needs (conditions, documents, approvals, a clear record).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from ..compile.build import CNeed
from ..errors import Text, UnmetGuard
from ..lang.values import Unknown, due_date
from ..results import Action, Approval, MissingInformation, Move, Step, Violation
from .context import Context, new_action, new_missing, new_move, record_paths, text
from .reference import Reference


def _blocked_by(lang: str, v: Violation) -> str:
    return str(text(lang, "blocked_by", message=v.message))


def _needed(ctx: Context, needs: Iterable[CNeed]) -> list[tuple[CNeed, Unknown | None]]:
    """The documents a move needs, each with the ``Unknown`` that says what to record first
    when whether it is needed cannot be decided (then that is asked, not the document)."""
    out: list[tuple[CNeed, Unknown | None]] = []
    for cneed in needs:
        if cneed.when is None:
            out.append((cneed, None))
            continue
        try:
            if ctx.run(cneed.when):
                out.append((cneed, None))
        except Unknown as exc:
            out.append((cneed, ctx.unknown([cneed.when], exc)))
    return out


def stage_moves(
    ctx: Context,
    violations: list[Violation],
    approvals: list[Approval],
    actions: list[Action],
    granted: dict[str, str],
    information: list[MissingInformation],
) -> list[Move]:
    """Every move from the deal's stage; a document whose need cannot be decided adds its
    question to ``information`` (once per document)."""
    pb = ctx.pb
    deal = ctx.deal
    held = set(deal.get("documents") or ())
    category = deal["category"]
    doc_actions: dict[str, Action] = {}
    # (rule, fields) -> the question that decides which documents a move needs
    asked: dict[tuple[str, tuple[str, ...]], MissingInformation] = {}
    rule_questions = information  # asked by rules (hold back all_clear); extended only at the end
    moves = []
    tracer = ctx.tracer
    for cmove in pb.moves.get((category, deal["stage"]), ()):
        t = cmove.transition
        missing: list[UnmetGuard] = []
        for guard, cexpr in cmove.conditions:
            try:
                ok = bool(ctx.run(cexpr))
                unknown = None
            except Unknown as exc:
                unknown = ctx.unknown([cexpr], exc)
                ok = guard.on_missing == "allow"
            if tracer:
                why = unknown.reason if unknown else ""
                if not ok and not unknown and isinstance(ctx.evaluator, Reference):
                    why = ctx.evaluator.why_not(ctx, cexpr)
                tracer.step(
                    "guard",
                    f"{t.target}:{guard.id}",
                    "met" if ok else "unknown" if unknown else "not met",
                    why,
                )
            if not ok:
                title = guard.title.get(ctx.lang)
                if unknown is None:
                    said = ctx.render(guard.message, text(ctx.lang, "guard_failed", title=title))
                else:  # written when read: the fields to record, with their labels
                    said = Text(make=partial(_guard_unknown, ctx, title, unknown))
                missing.append(UnmetGuard("condition", guard.id, guard.id, said))
        needs = _needed(ctx, (*cmove.needs, *pb.category_needs.get((category, t.target), ())))
        seen_docs: set[str] = set()
        for cneed, unsure in needs:
            doc = cneed.need.document
            if doc in seen_docs:
                continue
            seen_docs.add(doc)
            present = doc in held
            if unsure is not None and not present:
                label = ctx.label("document", doc)
                fields = record_paths(unsure.paths)
                said = text(
                    ctx.lang,
                    "document_ask",
                    document=label,
                    fields=ctx.to_record(fields) or unsure.reason,
                )
                key = (cneed.need.rule, fields)
                if key not in asked:  # one question, however many documents it decides
                    asked[key] = new_missing(
                        cneed.need.rule,
                        fields,
                        text(
                            ctx.lang,
                            "documents_ask",
                            fields=ctx.to_record(fields) or unsure.reason,
                            stage=ctx.stage_label(t.target),
                        ),
                    )
                missing.append(UnmetGuard("information", doc, cneed.need.rule, said))
                continue
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
                if a.status in ("pending", "stale", "rejected"):
                    said = (
                        text(ctx.lang, "refused", role=ctx.label("role", a.role), by=a.rejected_by)
                        if a.status == "rejected"
                        else text(ctx.lang, "pending", role=ctx.label("role", a.role))
                    )
                    missing.append(UnmetGuard("approval", a.role, a.rule, said))
            for q in rule_questions:
                # the question itself says what to record before the move
                missing.append(UnmetGuard("information", q.rule, q.rule, q.text))
        moves.append(new_move(t.target, not missing, tuple(missing)))
    actions.extend(doc_actions.values())
    information.extend(asked.values())
    return moves


def _guard_unknown(ctx: Context, title: str, unknown: Unknown) -> str:
    """A condition that cannot be decided: what to record (else why it is unknown)."""
    fields = record_paths(unknown.paths)
    if fields:
        return str(text(ctx.lang, "guard_ask", title=title, fields=ctx.to_record(fields)))
    return str(text(ctx.lang, "guard_unknown", title=title, reason=ctx.because(unknown)))
