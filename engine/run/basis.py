"""What an approval is bound to in, whether a recorded approval still covers the deal out.

An approval entry may record its ``basis``: the values the approver saw (the exposure, the
discount, a chain's amount). The deal as it stands now is compared with them: a value beyond
the recorded one (larger; smaller where lower is worse) makes the approval stale, and a stale
approval does not count. An entry that records nothing for a value the approval is bound to
does not count either: what was approved is unknown, and unknown is never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..check.model import Basis, Row
from ..compile.build import CExpr, CTable
from ..compile.evaluator import LocalValue
from ..errors import Text
from ..lang.values import Unknown
from ..results import Stale
from ..text import (
    fmt_money_exact,
    fmt_number,
    fmt_percent,
    fmt_quoted,
    fmt_value,
    word,
    words_of,
)
from .context import Context


def current(
    ctx: Context, basis: Sequence[Basis], values: Sequence[CExpr], *local: LocalValue
) -> tuple[tuple[str, Any], ...]:
    """The basis as the deal stands now: (name, value), None where the value is unknown."""
    out = []
    for b, cexpr in zip(basis, values, strict=True):
        try:
            now = ctx.run(cexpr, *local)
        except Unknown:
            now = None
        out.append((b.name, now))
    return tuple(out)


def stale_of(
    basis: Sequence[Basis], now: tuple[tuple[str, Any], ...], entry: dict[str, Any]
) -> tuple[Stale, ...]:
    """What the approval in ``entry`` no longer covers (empty: it still counts). Exactly the
    approved value is covered; a value unknown now, or not recorded, is not."""
    recorded = entry.get("basis") or {}
    out = []
    for b, (name, value) in zip(basis, now, strict=True):
        was = recorded.get(name)
        if was is None or value is None:
            out.append(Stale(name, was, value))
            continue
        try:
            beyond = b.exceeded(was, value)
        except TypeError:  # a date recorded where a number is meant: not what was approved
            beyond = True
        if beyond:
            out.append(Stale(name, was, value))
    return tuple(out)


def asks_less(
    basis: Sequence[Basis], now: tuple[tuple[str, Any], ...], entry: dict[str, Any]
) -> tuple[Stale, ...]:
    """What the deal now asks less of than the rejection in ``entry`` was given for (empty:
    the rejection still stands). A rejection of 18% stands at 18% and at 20%; at 16% the deal
    is another request and may be asked again. A value unknown now, or not recorded with the
    rejection, lifts nothing: unknown is never a pass."""
    recorded = entry.get("basis") or {}
    out = []
    for b, (name, value) in zip(basis, now, strict=True):
        was = recorded.get(name)
        if was is None or value is None:
            continue
        try:
            less = b.exceeded(value, was)  # the rejected value is beyond the one asked now
        except TypeError:
            continue
        if less:
            out.append(Stale(name, was, value))
    return tuple(out)


def rejection_text(ctx: Context, title: str, entry: dict[str, Any], role: str) -> Text:
    """Who rejected it, when and why, and what may lift it."""
    notes = words_of(ctx.lang, "notes")
    on, reason = entry.get("on"), entry.get("comment")
    return Text(
        notes["rejected"].format(
            title=title,
            by=entry.get("by"),
            role=ctx.label("role", role),
            on=notes["rejected_on"].format(on=on.isoformat()) if isinstance(on, date) else "",
            reason=notes["rejected_reason"].format(reason=reason) if reason else "",
        )
    )


def higher_tier(
    ctx: Context, table: CTable, row: Row, now: tuple[tuple[str, Any], ...]
) -> dict[str, Any] | None:
    """The approval entry of a role of a higher tier of ``table`` than ``row`` whose basis
    covers the deal now, if any: who was granted more may stand for a lower tier (a table's
    "only the highest tier reached is required"). Higher means the tier starts at or above
    where ``row`` ends; a lower tier's role never stands for a higher one, and an approval
    for less than the value now (or recording no basis) stands for nothing."""
    basis = table.table.basis
    if not basis or row.high is None:
        return None
    for other in table.table.rows:
        role = other.outcome.role
        if other.outcome.kind != "approval" or not role or role == row.outcome.role:
            continue
        if other.low is None or other.low < row.high:
            continue
        entry = ctx.entries.get(role)
        if entry is not None and not stale_of(basis, now, entry):
            return entry
    return None


def stale_text(
    ctx: Context,
    title: str,
    by: Any,
    role: str,
    basis: Sequence[Basis],
    stale: Sequence[Stale],
    key: str = "stale",
) -> Text:
    """What changed since the approval (or, ``key="reasked"``, since the rejection), and who
    must decide again."""
    lang = ctx.lang
    notes = words_of(lang, "notes")
    kinds = {b.name: b.kind for b in basis}
    role_label = ctx.label("role", role)
    unrecorded = [s.name for s in stale if s.was is None]
    if unrecorded:
        sep = "、" if lang == "zh" else ", "
        return Text(
            notes["stale_unrecorded"].format(
                title=title,
                by=by,
                role=role_label,
                names=sep.join(_name(ctx, n) for n in unrecorded),
            )
        )
    changes = ("；" if lang == "zh" else "; ").join(
        notes["stale_change"].format(
            name=_name(ctx, s.name),
            **_pair(s.was, s.now, kinds.get(s.name, ""), word(lang, "result", "unknown")),
        )
        for s in stale
    )
    return Text(notes[key].format(title=title, by=by, role=role_label, changes=changes))


def _name(ctx: Context, name: str) -> str:
    """A basis name as people say it: the fact's label, else the name in words."""
    for fact in ctx.pb.model.facts:
        if fact.name == name and (fact.label.en or fact.label.zh):
            text = fact.label.get(ctx.lang)
            # mid-sentence: "for deal amount", yet "for VAT base" keeps its capitals
            return text[0].lower() + text[1:] if text[1:2].islower() else text
    if name in ("amount", "value"):
        return words_of(ctx.lang, "notes")[f"basis_{name}"]
    return name.replace("_", " ")


def _pair(was: Any, now: Any, kind: str, unknown: str) -> dict[str, str]:
    """The approved and the current value, side by side. A ratio shows two places, as every
    percentage in a result does ("18.00%; now 20.00%"), more only where two places would make
    them look equal (12.04% beside 12.0449%): an approver reads "7.89%; now 9.65%", not 28
    digits of a division."""
    if now is None:
        return {"was": _shown(was, kind), "now": unknown}
    if kind == "percent" and isinstance(was, Decimal) and isinstance(now, Decimal):
        for places in range(2, 9):
            a, b = fmt_percent(was, places), fmt_percent(now, places)
            if a != b:
                return {"was": a, "now": b}
    return {"was": _shown(was, kind), "now": _shown(now, kind)}


def _shown(value: Any, kind: str) -> str:
    """Exactly as recorded (a percentage with all its digits: 12.04% is not 12.0%)."""
    if kind == "percent":
        return fmt_percent(value)
    if kind == "money":
        return fmt_money_exact(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return fmt_number(value)


def basis_outcome(entry: dict[str, Any] | None, stale: Sequence[Stale]) -> str:
    """For ``explain``: what the recorded approval is worth now."""
    if entry is None:
        return "pending"
    return "stale" if stale else "granted"


def basis_detail(
    ctx: Context,
    basis: Sequence[Basis],
    now: tuple[tuple[str, Any], ...],
    entry: dict[str, Any] | None,
    key: str = "basis",
) -> str:
    """For ``explain``: each bound value as approved (``key="basis_rejected"``: as rejected)
    and as it is now, written as the result writes values (percentages to two places, so
    5.04% is not shown as the 5% tier)."""
    recorded = (entry or {}).get("basis") or {}
    kinds = {b.name: b.kind for b in basis}
    sep = "；" if ctx.lang == "zh" else "; "
    return sep.join(
        words_of(ctx.lang, "why")[key].format(
            name=_name(ctx, name),
            was=_brief(recorded.get(name), kinds.get(name, "")),
            now=_brief(value, kinds.get(name, "")),
        )
        for name, value in now
    )


def _brief(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "percent" and isinstance(value, int | Decimal):
        return fmt_percent(value, 2)
    return fmt_value(value, kind) if isinstance(value, int | Decimal) else fmt_quoted(value)
