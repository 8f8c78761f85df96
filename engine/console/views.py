"""The store, a signed-in user and a language in, what each console page shows out.

Plain data for the templates: verdicts come from the store's own evaluation of each deal
with the playbook it is pinned to, labels from the playbook, words from the engine. Nothing
here decides anything; the store and the engine do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..app.summary import Notes, Summary, amount_fact
from ..present.diagram import diagram_svg, stage_groups
from ..present.render import _fact_kinds, _fact_value, _kind_read, _shown
from ..present.words import Book
from ..text import fmt_money_exact, fmt_percent, word
from .words import say

if TYPE_CHECKING:
    from ..app.playbook import Playbook
    from ..results import Result
    from ..service.app import Service
    from ..store import StoredDeal

ACTIONABLE = ("pending", "stale")  # approval states a role holder can decide now


@dataclass(frozen=True)
class Judged:
    """A stored deal with its verdict today and the playbook that gave it."""

    deal: StoredDeal
    result: Result
    playbook: Playbook

    def book(self, lang: str) -> Book:
        return Book(self.playbook.model, lang)

    @property
    def customer(self) -> str:
        c = self.deal.document.get("customer")
        if isinstance(c, dict):
            return str(c.get("name") or c.get("id") or "")
        return ""

    @property
    def amount(self) -> Decimal | None:
        fact = amount_fact(self.playbook.model)
        value = self.result.facts.get(fact) if fact else None
        return value if isinstance(value, Decimal) else None


def judge(svc: Service, deal_id: str, by: str, lang: str) -> Judged:
    """One deal judged today, nothing written (reading a page does not record a decision)."""
    pb = svc.pinned(deal_id)
    row, result = svc.store.evaluate(
        deal_id, playbook=pb, by=by, as_of=svc.settings.today(), lang=lang, record=False
    )
    return Judged(row, result, pb)


def judge_all(svc: Service, by: str, lang: str, **filters: str | None) -> list[Judged]:
    """Every deal the filters select, judged today; each pinned playbook looked up once."""
    pinned: dict[tuple[str, str, str], Playbook] = {}
    found = []
    for d in svc.store.list_deals(**filters):
        ident = (d.playbook_source, d.playbook_id, d.playbook_version)
        if ident not in pinned:
            pinned[ident] = svc.pinned(d.id)
        row, result = svc.store.evaluate(
            d.id,
            playbook=pinned[ident],
            by=by,
            as_of=svc.settings.today(),
            lang=lang,
            record=False,
        )
        found.append(Judged(row, result, pinned[ident]))
    return found


# -- my approvals ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Waiting:
    """One approval waiting for a role the user holds, with the rest of its deal's open items."""

    judged: Judged
    rule: str
    role: str
    role_label: str
    status: str
    message: str
    since: str
    own: bool
    others: tuple[str, ...] = field(default=())


def inbox(svc: Service, user: dict[str, Any], lang: str) -> list[Waiting]:
    roles = set(user["roles"])
    found: list[Waiting] = []
    for judged in judge_all(svc, user["name"], lang):
        mine = [a for a in judged.result.approvals if a.status in ACTIONABLE and a.role in roles]
        if not mine:
            continue
        book = judged.book(lang)
        events = svc.store.history(judged.deal.id)
        own = user["name"] == judged.deal.owner or any(
            e["kind"] == "created" and e["actor"] == user["name"] for e in events
        )
        for a in mine:
            others = open_items(judged, lang, skip=(a.rule, a.role))
            found.append(
                Waiting(
                    judged,
                    a.rule,
                    a.role,
                    book.role(a.role),
                    a.status,
                    a.message,
                    _waiting_since(events, a.rule, a.role) or judged.deal.created_at,
                    own,
                    tuple(others),
                )
            )
    found.sort(key=lambda w: (w.since, w.judged.deal.id, w.rule))
    return found


def _waiting_since(events: list[dict[str, Any]], rule: str, role: str) -> str | None:
    """When the approval last started waiting: the first event of the latest run of events
    in which it was not granted."""
    since = None
    for e in events:
        states = {(a["rule"], a["role"]): a["status"] for a in e["summary"].get("approvals", [])}
        state = states.get((rule, role))
        if state is None or state == "granted":
            since = None
        elif since is None:
            since = e["at"]
    return since


def open_items(judged: Judged, lang: str, skip: tuple[str, str] | None = None) -> list[str]:
    """Everything still open on a deal, in words: blocks, questions, other approvals,
    overdue actions."""
    r = judged.result
    book = judged.book(lang)
    items = [f"✗ {v.message}" for v in r.violations if v.severity == "block"]
    items += [f"? {m.message}" for m in r.missing_information]
    items += [
        f"… {book.role(a.role)}: {a.message}"
        for a in r.approvals
        if a.status != "granted" and (a.rule, a.role) != skip
    ]
    items += [
        f"→ {book.role(a.assignee)}: {a.message} "
        f"({word(lang, 'result', 'overdue').format(due=a.due.isoformat() if a.due else '')})"
        for a in r.actions
        if a.overdue
    ]
    return items


# -- the deal page -----------------------------------------------------------------------------
def deal_page(svc: Service, judged: Judged, user: dict[str, Any], lang: str) -> dict[str, Any]:
    r, deal, model = judged.result, judged.deal, judged.playbook.model
    book = judged.book(lang)
    kinds = _fact_kinds(model)
    roles = set(user["roles"])
    events = svc.store.history(deal.id)
    actions = sorted(r.actions, key=lambda a: (not a.overdue, a.due or date.max, a.id))
    return {
        "deal": deal,
        "customer": judged.customer,
        "amount": money(judged.amount),
        "status": r.status,
        "status_word": word(lang, "result", r.status),
        "stage": book.stage(deal.stage),
        "category": book.category(deal.document.get("category", "")),
        "owner": deal.owner,
        "blocks": [v for v in r.violations if v.severity == "block"],
        "warns": [v for v in r.violations if v.severity == "warn"],
        "information": list(r.missing_information),
        "approvals": [
            {
                "rule": a.rule,
                "role": a.role,
                "role_label": book.role(a.role),
                "status": a.status,
                "status_word": word(lang, "result", a.status)
                if a.status != "granted"
                else word(lang, "result", "granted") + " " + (a.granted_by or ""),
                "message": a.message,
                "stale": [
                    say(lang, "stale_was", was=_plain(s.was), now=_plain(s.now)) for s in a.stale
                ],
                "can_decide": a.status in ACTIONABLE and a.role in roles,
            }
            for a in r.approvals
        ],
        "actions": [
            {
                "assignee": book.role(a.assignee),
                "message": a.message,
                "overdue": a.overdue,
                "when": (
                    word(lang, "result", "overdue").format(due=a.due.isoformat())
                    if a.overdue and a.due
                    else f"{word(lang, 'result', 'due')} {a.due.isoformat() if a.due else '—'}"
                ),
            }
            for a in actions
        ],
        "moves": [
            {
                "to": m.to,
                "label": book.stage(m.to),
                "allowed": m.allowed,
                "missing": [u.message for u in m.missing],
            }
            for m in r.transitions
        ],
        "facts": [
            (book.fact(name), _fact_value(model, name, value, kinds, lang))
            for name, value in r.facts.items()
        ],
        "history": [_event(e, deal, book, lang) for e in reversed(events)],
        "diagram": stage_diagram(judged, lang),
    }


def _event(e: dict[str, Any], deal: StoredDeal, book: Book, lang: str) -> dict[str, str]:
    data = e["data"]
    kind = e["kind"]
    if kind == "advanced":
        what = say(lang, "kind_advanced", src=book.stage(data["from"]), dst=book.stage(data["to"]))
    elif kind in ("approved", "rejected"):
        approval = data.get("approval") or {}
        what = say(lang, f"kind_{kind}", role=book.role(str(approval.get("role", ""))))
        if approval.get("comment"):
            what += f": {approval['comment']}"
    elif kind in ("created", "updated"):
        what = say(lang, f"kind_{kind}")
    else:
        what = kind
    return {
        "seq": str(e["seq"]),
        "at": e["at"][:16].replace("T", " ") + " UTC",
        "datetime": e["at"],
        "actor": e["actor"],
        "what": what,
        "status": word(lang, "result", e["summary"].get("status", "ok")),
        "playbook": f"{deal.playbook_id} {deal.playbook_version}"
        if e["playbook_hash"] == deal.playbook_hash
        else e["playbook_hash"][:12],
    }


def stage_diagram(judged: Judged, lang: str) -> str:
    """The playbook's stage diagram for the deal's category, its current stage marked
    (``aria-current``; the style sheet colours it)."""
    model = judged.playbook.model
    category = str(judged.deal.document.get("category", ""))
    for cats, stages in stage_groups(model):
        if category in cats:
            svg = diagram_svg(model, stages, lang, say(lang, "diagram"))
            mark = f'data-stage="{_attr(judged.deal.stage)}"'
            return svg.replace(mark, f'{mark} aria-current="step"', 1)
    return ""


def _attr(text: str) -> str:
    from html import escape

    return escape(text)


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return fmt_money_exact(value)
    return str(value)


def money(value: Decimal | None) -> str:
    return "" if value is None else fmt_money_exact(value)


# -- the pipeline ------------------------------------------------------------------------------
def pipeline(svc: Service, judged: list[Judged], lang: str) -> dict[str, Any]:
    """Deals by stage (amount times the stage's win probability, as ``kam batch`` sums them), by
    owner and by category, per playbook."""
    books: list[dict[str, Any]] = []
    by_playbook: dict[str, list[Judged]] = {}
    for j in judged:
        by_playbook.setdefault(j.playbook.hash, []).append(j)
    for group in by_playbook.values():
        pb = group[0].playbook
        book = group[0].book(lang)
        notes = Notes(amount_fact(pb.model))
        for j in group:
            notes.add(j.result)
        summary = Summary.of(notes.tally(), pb, svc.settings.today())
        stages = [s for s in summary.stages if s.deals or not _terminal(pb, s.stage)]
        top = max((s.weighted or Decimal(0) for s in stages), default=Decimal(0))
        books.append(
            {
                "title": pb.model.title.get(lang) or pb.id,
                "id": pb.id,
                "version": pb.version,
                "stages": [
                    {
                        "id": s.stage,
                        "label": book.stage(s.stage),
                        "deals": s.deals,
                        "amount": money(s.amount),
                        "win": "" if s.win_probability is None else fmt_percent(s.win_probability),
                        "weighted": money(s.weighted),
                        "share": float((s.weighted or 0) / top) if top else 0.0,
                    }
                    for s in stages
                ],
                "total": {
                    "deals": summary.total.deals,
                    "amount": money(summary.total.amount),
                    "weighted": money(summary.total.weighted),
                },
                "owners": _group(group, lambda j: j.deal.owner, pb),
                "categories": _group(
                    group,
                    lambda j, book=book: book.category(j.deal.document.get("category", "")),
                    pb,
                ),
            }
        )
    return {"books": books}


def _terminal(pb: Playbook, stage: str) -> bool:
    return any(s.id == stage and s.terminal for s in pb.model.stages)


def _group(group: list[Judged], key: Any, pb: Playbook) -> list[dict[str, Any]]:
    win = {s.id: s.win_probability for s in pb.model.stages}
    rows: dict[str, list[Decimal]] = {}
    for j in group:
        amount = j.amount
        row = rows.setdefault(key(j), [Decimal(0), Decimal(0), Decimal(0)])
        row[0] += 1
        if amount is not None:
            row[1] += amount
            row[2] += amount * (win.get(j.deal.stage) or Decimal(0))
    return [
        {"name": k, "deals": int(v[0]), "amount": money(v[1]), "weighted": money(v[2])}
        for k, v in sorted(rows.items(), key=lambda kv: -kv[1][2])
    ]


# -- playbooks ---------------------------------------------------------------------------------
def playbooks(svc: Service) -> list[dict[str, Any]]:
    """Each playbook of the folder, its versions and which is in force today."""
    today = svc.settings.today()
    return [
        {
            "id": ident,
            "versions": [
                {
                    "version": e.version,
                    "from": "" if e.start == date.min else e.start.isoformat(),
                    "to": e.end.isoformat() if e.end else "",
                    "in_force": e.in_force(today),
                }
                for e in svc.library.versions(ident)
            ],
        }
        for ident in svc.library.ids
    ]


def handbook(pb: Playbook, lang: str) -> str:
    """The version's handbook as ``kam docs --format html`` writes it, worked examples included."""
    from ..app.examples import worked_examples
    from ..present.handbook import render_html

    return render_html(pb.model, lang, pb.hash, worked_examples(pb, lang))


# -- explain -----------------------------------------------------------------------------------
def explain_page(svc: Service, deal_id: str, lang: str) -> dict[str, Any]:
    """Every rule, table, fact and guard the engine went through for the deal, with what it
    decided and the values it read (as ``kam explain`` writes them)."""
    pb = svc.pinned(deal_id)
    row, ex = svc.store.explain(deal_id, playbook=pb, as_of=svc.settings.today(), lang=lang)
    model = pb.model
    kinds = _fact_kinds(model)
    steps = []
    for s in ex.steps:
        detail = s.detail
        if s.kind == "fact" and s.outcome == "value" and s.id in ex.result.facts:
            detail = "= " + _fact_value(model, s.id, ex.result.facts[s.id], kinds, lang)
        steps.append(
            {
                "kind": word(lang, "steps", s.kind),
                "id": s.id,
                "outcome": s.outcome.replace(" ", "-"),
                "outcome_word": word(lang, "steps", s.outcome),
                "detail": detail,
                "reads": [(k, _shown(v, _kind_read(model, k), lang)) for k, v in s.reads],
            }
        )
    return {
        "deal": row,
        "status": ex.result.status,
        "status_word": word(lang, "result", ex.result.status),
        "steps": steps,
    }
