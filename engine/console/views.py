"""The store, a signed-in user and a language in, what each console page shows out.

Plain data for the templates: verdicts come from the store's own evaluation of each deal
with the playbook it is pinned to, labels from the playbook, words from the engine. Nothing
here decides anything; the store and the engine do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..app.summary import Notes, Summary, amount_fact
from ..errors import KamError
from ..jsontext import to_json
from ..lang.values import date_of_text, same_person
from ..present.diagram import diagram_svg, stage_groups
from ..present.render import _fact_kinds, _fact_value, _kind_read, _shown
from ..present.words import Book
from ..store.chain import apply
from ..text import fmt_money_exact, fmt_one_line, fmt_percent, word
from . import signing
from .changes import SHOWN, changed
from .words import say

if TYPE_CHECKING:
    from ..app.playbook import Playbook
    from ..results import Approval, Result
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
    blocks: tuple[str, ...] = field(
        default=()
    )  # shown above the buttons: approving won't clear them
    rejected_by: str | None = None  # status rejected: who said no (the engine's message says why)


def inbox(
    svc: Service, user: dict[str, Any], lang: str, judged_all: list[Judged] | None = None
) -> list[Waiting]:
    """Every approval waiting (pending or stale) for a role the user holds, oldest first."""
    roles = set(user["roles"])
    return _cards(
        svc, user, lang, judged_all, lambda j, a: a.status in ACTIONABLE and a.role in roles
    )


def rejected(
    svc: Service, user: dict[str, Any], lang: str, judged_all: list[Judged] | None = None
) -> list[Waiting]:
    """The approvals that stand rejected where the user has a say: in a role they hold (a
    rejection stands until someone holding the role approves, its rejecter included: the
    store lets them change their decision) or on their own deal (they read who said no and
    why, and change the deal or ask for a second look)."""
    roles = set(user["roles"])

    def pick(j: Judged, a: Approval) -> bool:
        mine = a.role in roles or same_person(user["name"], j.deal.owner)
        return bool(a.status == "rejected" and mine)

    return _cards(svc, user, lang, judged_all, pick)


def _cards(
    svc: Service,
    user: dict[str, Any],
    lang: str,
    judged_all: list[Judged] | None,
    pick: Callable[[Judged, Approval], bool],
) -> list[Waiting]:
    """A card per approval ``pick`` chooses, with its deal's other open items, oldest first."""
    found: list[Waiting] = []
    for judged in judge_all(svc, user["name"], lang) if judged_all is None else judged_all:
        mine = [a for a in judged.result.approvals if pick(judged, a)]
        if not mine:
            continue
        book = judged.book(lang)
        events = svc.store.history(judged.deal.id)
        own = owns(user, judged.deal, events)
        for a in mine:
            others = open_items(judged, lang, skip=(a.rule, a.role), blocks=False)
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
                    tuple(v.message for v in judged.result.violations if v.severity == "block"),
                    a.rejected_by,
                )
            )
    found.sort(key=lambda w: (w.since, w.judged.deal.id, w.rule))
    return found


def sign_offs_waiting(
    svc: Service, user: dict[str, Any], lang: str, judged_all: list[Judged]
) -> list[tuple[Judged, list[signing.Awaited]]]:
    """The deals waiting on a sign-off in a role the user holds, on a deal they do not own."""
    roles = frozenset(user["roles"])
    found = []
    for judged in judged_all:
        mine = [a for a in signing.awaited(judged, roles, False, lang) if a.mine]
        if mine and not owns(user, judged.deal, svc.store.history(judged.deal.id)):
            found.append((judged, mine))
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


def open_items(
    judged: Judged, lang: str, skip: tuple[str, str] | None = None, blocks: bool = True
) -> list[str]:
    """Everything still open on a deal, in words: blocks (unless shown apart), questions,
    other approvals, overdue actions."""
    r = judged.result
    book = judged.book(lang)
    items = [f"✗ {v.message}" for v in r.violations if blocks and v.severity == "block"]
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
ADMIN = "admin"  # the store's role that may change any deal (store.IMPORTER)


def owns(user: dict[str, Any], deal: StoredDeal, events: list[dict[str, Any]]) -> bool:
    """Whether ``user`` owns the deal, owned it or created it (the store bars each of them
    from deciding its approvals, and lets each of them change it)."""
    return same_person(user["name"], deal.owner) or any(
        # as the store counts them (records.owners): who created or imported it, and each
        # owner it had, the first one included (named in the created or imported document)
        (e["kind"] != "updated" and same_person(user["name"], e["actor"]))
        or same_person(
            user["name"],
            (e["data"].get("patch" if e["kind"] == "updated" else "document") or {}).get("owner"),
        )
        for e in events
        if e["kind"] in ("created", "imported", "updated")
    )


def may_edit(user: dict[str, Any], deal: StoredDeal, events: list[dict[str, Any]]) -> bool:
    """Who sees the edit form: the owner (now or before) or an admin; the store decides."""
    return ADMIN in user["roles"] or owns(user, deal, events)


def deal_page(svc: Service, judged: Judged, user: dict[str, Any], lang: str) -> dict[str, Any]:
    r, deal, model = judged.result, judged.deal, judged.playbook.model
    book = judged.book(lang)
    events = svc.store.history(deal.id)
    own = owns(user, deal, events)
    shown = verdict(r, model, lang, frozenset(user["roles"]))
    for a in shown["approvals"]:  # the store refuses the owner's own decision: say so first
        a["own"] = own and (a["can_decide"] or a["can_reconsider"])
        a["can_decide"] = a["can_decide"] and not own
        a["can_reconsider"] = a["can_reconsider"] and not own
    return {
        "deal": deal,
        "customer": judged.customer,
        "amount": money(judged.amount),
        "stage": book.stage(deal.stage),
        "category": book.category(deal.document.get("category", "")),
        "owner": deal.owner,
        "may_edit": may_edit(user, deal, events),
        "sign_offs": signing.awaited(judged, frozenset(user["roles"]), own, lang),
        **shown,
        "history": _timeline(events, deal, judged.playbook, book, lang),
        "diagram": stage_diagram(judged, lang),
        "steps": stage_steps(judged, book),
    }


def verdict(
    r: Result, model: Any, lang: str, roles: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A result as the deal page and "try a deal" show it: status, blocks, questions,
    warnings, approvals, actions (overdue first), next moves and facts; ``roles`` are the
    ones whose pending approvals the reader may decide."""
    book = Book(model, lang)
    kinds = _fact_kinds(model)
    actions = sorted(r.actions, key=lambda a: (not a.overdue, a.due or date.max, a.id))
    return {
        "status": r.status,
        "status_word": word(lang, "result", r.status),
        "blocks": [v for v in r.violations if v.severity == "block"],
        "warns": [v for v in r.violations if v.severity == "warn"],
        "information": list(r.missing_information),
        "approvals": [
            {
                "rule": a.rule,
                "role": a.role,
                "role_label": book.role(a.role),
                "status": a.status,
                "status_word": word(lang, "result", "granted") + " " + (a.granted_by or "")
                if a.status == "granted"
                else word(lang, "result", "rejected") + " " + (a.rejected_by or "")
                if a.status == "rejected"
                else word(lang, "result", "reasked" if a.rejected_by else a.status),
                "message": a.message,
                "stale": [
                    say(
                        lang,
                        "stale_was",
                        was=_plain(s.was, kinds.get(s.name, "money"), lang),
                        now=_plain(s.now, kinds.get(s.name, "money"), lang),
                    )
                    for s in a.stale
                ],
                "can_decide": a.status in ACTIONABLE and a.role in roles,
                # a standing rejection: a holder of the role may approve after all (the store
                # lets its rejecter change the decision; four eyes still bar the owner)
                "can_reconsider": a.status == "rejected" and a.role in roles,
                "rejected_by": a.rejected_by or "",
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
            (book.fact(name), fact_shown(model, name, value, kinds, lang))
            for name, value in r.facts.items()
        ],
    }


def _timeline(
    events: list[dict[str, Any]], deal: StoredDeal, pb: Playbook, book: Book, lang: str
) -> list[dict[str, Any]]:
    """The deal's events newest first; an update names what it changed (before → after), from
    the document each event replays to."""
    shown = []
    document: dict[str, Any] | None = None
    for e in events:
        before = document
        try:
            document = apply(document, e["kind"], e["data"])
        except (AssertionError, KeyError, ValueError):  # a history kam cannot replay: no lines
            document = None
        lines: list[str] = []
        if e["kind"] == "updated" and before is not None and document is not None:
            found = changed(pb.model, before, document, lang)
            lines = [f"{c.label}: {c.before} → {c.after}" for c in found[:SHOWN]]
            if len(found) > SHOWN:
                lines.append(say(lang, "con_and_more", n=str(len(found) - SHOWN)))
        elif e["kind"] == "imported":
            lines = _taken_over(e["data"], book, lang)
        shown.append({**_event(e, deal, book, lang), "changes": lines})
    return shown[::-1]


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
    elif kind == "imported" or (kind == "created" and _imported_by(data)):
        # brought in with its past by an admin (``kam deals import``, or a new deal started
        # past its first stage): said so, never as if that person had created it here
        stage = (data.get("start") or {}).get("stage") or (data.get("document") or {}).get("stage")
        what = say(lang, "kind_imported", stage=book.stage(str(stage or "")))
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


def _imported_by(data: dict[str, Any]) -> str:
    """Who brought a deal in past its first stage (the store writes it on the first event of
    an admin's new deal that no move could have taken there); "" for a deal created here."""
    start = data.get("start")
    return str(start.get("imported_by") or "") if isinstance(start, dict) else ""


def _taken_over(data: dict[str, Any], book: Book, lang: str) -> list[str]:
    """An import's approvals as given before kam (who, as which role, on which day)."""
    given = (data.get("taken_over") or {}).get("approvals") or []
    lines = []
    for a in given[:SHOWN]:
        if not isinstance(a, dict):
            continue
        key = "con_taken_rejected" if a.get("decision") == "rejected" else "con_taken_approved"
        role = book.role(str(a.get("role", "")))
        lines.append(say(lang, key, role=role, by=str(a.get("by", "")), on=str(a.get("on", ""))))
    if len(given) > SHOWN:
        lines.append(say(lang, "con_and_more", n=str(len(given) - SHOWN)))
    return lines


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


def stage_steps(judged: Judged, book: Book) -> list[dict[str, Any]]:
    """The deal's stages in order as a list that wraps (the phone's diagram: the current
    stage is always on screen, never scrolled off to the right)."""
    category = str(judged.deal.document.get("category", ""))
    return [
        {
            "label": book.stage(s.id),
            "win": fmt_percent(s.win_probability, 0),
            "current": s.id == judged.deal.stage,
            "terminal": s.terminal,
        }
        for s in judged.playbook.model.stages
        if s.used_by(category)
    ]


def _attr(text: str) -> str:
    from html import escape

    return escape(text)


def fact_shown(model: Any, name: str, value: Any, kinds: dict[str, str], lang: str) -> str:
    """A fact as a person reads it: a label, yes/no, money, a percentage; a fact the deal
    leaves unknown is "not recorded", never 0 or no."""
    if value is None:
        return say(lang, "not_recorded")
    if isinstance(value, bool):
        return say(lang, "yes" if value else "no")
    return _fact_value(model, name, value, kinds, lang)


def _read_shown(value: Any, kind: str, lang: str) -> str:
    """A value explain saw: yes/no, "not recorded" for one the deal lacks, else as written."""
    if value is None:
        return say(lang, "not_recorded")
    if isinstance(value, bool):
        return say(lang, "yes" if value else "no")
    return _shown(value, kind, lang)


def _plain(value: Any, kind: str, lang: str) -> str:
    """A value an approval was given for (or is asked for now), as written on the page."""
    if value is None:
        return say(lang, "not_recorded")
    if isinstance(value, bool):
        return say(lang, "yes" if value else "no")
    if isinstance(value, Decimal | int) and kind == "percent":
        return fmt_percent(value)
    if isinstance(value, Decimal):
        return fmt_money_exact(value)
    return str(value)


def money(value: Decimal | None) -> str:
    return "" if value is None else fmt_money_exact(value)


# -- the pipeline ------------------------------------------------------------------------------
def pipeline(svc: Service, judged: list[Judged], lang: str) -> dict[str, Any]:
    """Deals by stage (amount times the stage's win probability, as ``kam batch`` sums them), by
    owner and by category, per playbook: the deals pinned to each of its versions are summed
    stage by stage (each weighted by its own version's win probability), labelled by the newest
    version, so a manager reads one funnel per playbook, not one per version."""
    books: list[dict[str, Any]] = []
    by_playbook: dict[str, list[Judged]] = {}
    for j in judged:
        by_playbook.setdefault(j.playbook.id, []).append(j)
    for group in by_playbook.values():
        versions: dict[str, list[Judged]] = {}
        for j in group:
            versions.setdefault(j.playbook.hash, []).append(j)
        summaries = []
        for part in versions.values():
            pb = part[0].playbook
            notes = Notes(amount_fact(pb.model))
            for j in part:
                notes.add(j.result)
            summaries.append((pb, Summary.of(notes.tally(), pb, svc.settings.today())))
        newest = max((pb for pb, _ in summaries), key=lambda pb: pb.model.effective_from or "")
        book = Book(newest.model, lang)
        stages = _stages_of_versions(newest, summaries)
        top = max((s["weighted"] or Decimal(0) for s in stages), default=Decimal(0))
        books.append(
            {
                "title": newest.model.title.get(lang) or newest.id,
                "id": newest.id,
                "versions": ", ".join(
                    f"{pb.version} ({summary.total.deals})"
                    for pb, summary in sorted(summaries, key=lambda ps: ps[0].version)
                ),
                "stages": [
                    {
                        "id": s["id"],
                        "label": book.stage(s["id"]),
                        "deals": s["deals"],
                        "amount": money(s["amount"]),
                        "win": s["win"],
                        "weighted": money(s["weighted"]),
                        "share": float((s["weighted"] or 0) / top) if top else 0.0,
                    }
                    for s in stages
                ],
                "total": {
                    "deals": sum(summary.total.deals for _, summary in summaries),
                    "amount": money(_sum_known(summary.total.amount for _, summary in summaries)),
                    "weighted": money(
                        _sum_known(summary.total.weighted for _, summary in summaries)
                    ),
                },
                "owners": _group(group, lambda j: j.deal.owner),
                "categories": _group(
                    group,
                    lambda j, book=book: book.category(j.deal.document.get("category", "")),
                ),
            }
        )
    return {"books": books}


def _stages_of_versions(
    newest: Playbook, summaries: list[tuple[Playbook, Summary]]
) -> list[dict[str, Any]]:
    """Each stage's totals over every version, in the newest version's order (a stage only an
    older version has comes after); a terminal stage no deal is in is left out. The win
    probability is shown only where every version that has the stage agrees on it."""
    order = [s.id for s in newest.model.stages]
    rows: dict[str, dict[str, Any]] = {}
    for pb, summary in summaries:
        for s in summary.stages:
            if s.stage not in order:
                order.append(s.stage)
            row = rows.setdefault(
                s.stage,
                {
                    "id": s.stage,
                    "deals": 0,
                    "amount": None,
                    "weighted": None,
                    "wins": set(),
                    "terminal": True,
                },
            )
            row["deals"] += s.deals
            row["amount"] = _sum_known((row["amount"], s.amount))
            row["weighted"] = _sum_known((row["weighted"], s.weighted))
            row["wins"].add(s.win_probability)
            row["terminal"] = row["terminal"] and _terminal(pb, s.stage)
    shown = []
    for stage in order:
        row = rows[stage]
        if row["deals"] or not row["terminal"]:
            (win,) = row["wins"] if len(row["wins"]) == 1 else (None,)
            shown.append({**row, "win": "" if win is None else fmt_percent(win)})
    return shown


def _sum_known(values: Any) -> Decimal | None:
    """The sum of the amounts that are known; None when none is (no amount fact)."""
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def filter_options(svc: Service, lang: str) -> dict[str, list[tuple[str, str]]]:
    """The pipeline's filters: each stage, owner, status and category a stored deal has, as
    (value, what a person reads): stages and categories by their labels in the playbook a
    deal is pinned to, statuses in words."""
    labels: dict[str, dict[str, str]] = {"stage": {}, "category": {}}
    owners, statuses = set(), set()
    books: dict[str, Book] = {}
    for d in svc.store.list_deals():
        if d.playbook_hash not in books:
            books[d.playbook_hash] = Book(svc.pinned(d.id).model, lang)
        book = books[d.playbook_hash]
        category = str(d.document.get("category", ""))
        labels["stage"].setdefault(d.stage, book.stage(d.stage))
        labels["category"].setdefault(category, book.category(category))
        owners.add(d.owner)
        statuses.add(d.status)
    return {
        "stage": sorted(labels["stage"].items(), key=lambda kv: kv[1]),
        "owner": [(o, o) for o in sorted(owners)],
        "status": [(s, word(lang, "result", s)) for s in sorted(statuses)],
        "category": sorted(labels["category"].items(), key=lambda kv: kv[1]),
    }


def _terminal(pb: Playbook, stage: str) -> bool:
    return any(s.id == stage and s.terminal for s in pb.model.stages)


def _group(group: list[Judged], key: Any) -> list[dict[str, Any]]:
    rows: dict[str, list[Decimal]] = {}
    wins: dict[str, dict[str, Decimal | None]] = {}  # per version: stage -> win probability
    for j in group:
        amount = j.amount
        row = rows.setdefault(key(j), [Decimal(0), Decimal(0), Decimal(0)])
        row[0] += 1
        if amount is not None:
            if j.playbook.hash not in wins:
                wins[j.playbook.hash] = {s.id: s.win_probability for s in j.playbook.model.stages}
            win = wins[j.playbook.hash].get(j.deal.stage)
            row[1] += amount
            row[2] += amount * (win or Decimal(0))
    return [
        {"name": k, "deals": int(v[0]), "amount": money(v[1]), "weighted": money(v[2])}
        for k, v in sorted(rows.items(), key=lambda kv: -kv[1][2])
    ]


# -- playbooks ---------------------------------------------------------------------------------
def playbooks(svc: Service) -> list[dict[str, Any]]:
    """Each playbook of the folder, its versions and which is in force today, and the
    versions awaiting review."""
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
            # saved, awaiting a second editor's review: tried, never in force (review.py)
            "awaiting": [
                {"version": e.version, "from": e.start.isoformat()}
                for e in svc.library.proposals(ident)
            ],
        }
        for ident in svc.library.ids
    ]


def handbook(pb: Playbook, lang: str) -> str:
    """The version's handbook as ``kam docs --format html`` writes it, worked examples included."""
    from ..app.examples import worked_examples
    from ..present.handbook import render_html

    return render_html(pb.model, lang, pb.hash, worked_examples(pb, lang))


# -- try a deal -------------------------------------------------------------------------------
SAMPLE_LOOKS = 40  # test deals looked at for one with something to show (each is evaluated)


def sample_deal(pb: Playbook, tests_of: str | None = None) -> tuple[str, date | None]:
    """One of the playbook's own test deals (or those of the file ``tests_of``: a version
    saved in the editor has the tests of the version it descends from), as JSON text, and
    the day its case judges it on: the first that needs something (an approval, a block,
    information), else the first."""
    from ..app.examples import _test_deals

    first: tuple[str, date | None] | None = None
    for n, (deal, as_of) in enumerate(_test_deals(tests_of or pb.file, pb.model.id)):
        if n >= SAMPLE_LOOKS:
            break
        text = to_json(deal)
        first = first or (text, as_of)
        try:
            if pb.evaluate(deal, as_of=as_of).status != "ok":
                return text, as_of
        except KamError:
            continue
    return first or ("{\n}\n", None)


@dataclass(frozen=True)
class Tried:
    """What "try a deal" answers: the verdict, or every problem with the deal's text (its
    line and column, or the JSON path of each bad value). Nothing is stored."""

    problems: tuple[str, ...] = ()
    verdict: dict[str, Any] | None = None


def try_deal(pb: Playbook, text: str, as_of_text: str, lang: str) -> Tried:
    """The deal text (JSON or YAML) judged by ``pb`` on ``as_of_text``, as the service's
    stateless evaluation judges it."""
    from ..run.deal import loads_deal

    try:
        as_of = date_of_text(as_of_text.strip())  # what <input type=date> sends: YYYY-MM-DD
    except ValueError:
        return Tried((say(lang, "bad_as_of", given=as_of_text[:40]),))
    try:
        deal = loads_deal(text, source="deal")
        result = pb.evaluate(deal, as_of=as_of, lang=lang, source="deal")
    except KamError as exc:  # a deal's bad values in the page's language, at their JSON paths
        return Tried(tuple(exc.lines(lang)))
    return Tried(verdict=verdict(result, pb.model, lang))


# -- the difference between two versions --------------------------------------------------------
def version_diff(
    old: Playbook, new: Playbook, texts: tuple[str | None, str | None], folder: str, lang: str
) -> dict[str, Any]:
    """``kam diff`` of two versions the service holds, as its text says it, in ``lang``: one
    row per change, named as the newer playbook names it (its labels and titles). A version
    saved from the editor is its ``text`` (None: the folder's file)."""
    from pathlib import Path

    from ..app.diff import diff_assembled
    from ..read.assemble import assemble, assemble_text

    def read(pb: Playbook, text: str | None) -> Any:
        if text is None:
            return assemble(pb.file)
        return assemble_text(text, pb.file, folder=Path(folder))

    d = diff_assembled(read(old, texts[0]), read(new, texts[1]))
    book = Book(new.model, lang)
    old_book = Book(old.model, lang)
    rows = []
    for c in d.changes:
        if c.kind in ("changed", "reordered"):
            what = f"{fmt_one_line(c.old, 40)} → {fmt_one_line(c.new, 40)}"
        else:
            entry = c.new if c.kind == "added" else c.old
            what = _change_summary(entry, lang)
            if c.path.startswith("parameters.") and isinstance(entry, dict) and "value" in entry:
                what = fmt_one_line(entry["value"], 40)  # a parameter's number says most
        name = _business_name(c.path, old_book if c.kind == "removed" else book)
        if c.kind in ("added", "removed") and what.rstrip("…") in name:
            what = ""  # the title is the name already
        rows.append(
            {
                "kind": c.kind,
                "mark": _MARKS[c.kind],
                "kind_word": say(lang, f"diff_{c.kind}"),
                "path": c.path,
                "name": name,
                "what": what,
                "source": _source_words(c.source, lang),
                "at": f"{_where(c.at.file, folder, old, new, texts)}:{c.at.line}:{c.at.column}",
            }
        )
    return {
        "old": f"{d.old.id} {d.old.version} ({d.old.hash[:12]})",
        "new": f"{d.new.id} {d.new.version} ({d.new.hash[:12]})",
        "same_meaning": d.same_meaning,
        "rows": rows,
    }


def _where(
    file: str, folder: str, old: Playbook, new: Playbook, texts: tuple[str | None, str | None]
) -> str:
    """A change's file as its reader knows it: the folder's file, or "key-account-office
    2026.2 (saved)" for a version saved in the store (its stand-in file name is no file)."""
    for pb, text in zip((old, new), texts, strict=True):
        if text is not None and file == pb.file:
            return f"{pb.id} {pb.version} (saved)"
    return _relative(file, folder)


HEADER_WORDS = {
    "version": "version_word",
    "effective_from": "in_force_from",
    "effective_to": "in_force_to",
}
_MARKS = {"added": "+", "removed": "−", "changed": "~", "reordered": "↕"}


def _business_name(path: str, book: Book) -> str:
    """What a sales-ops person calls the changed thing: a parameter's label, a rule's or
    table's title, a stage's or role's label; "" when the path says it best."""
    head, _, rest = path.partition(".")
    key, _, _ = rest.partition(".")
    name, bracket, inner = head.partition("[")
    inner = inner.split("]")[0]
    model = book.model
    if not rest and not bracket and head in HEADER_WORDS:
        return say(book.lang, HEADER_WORDS[head])
    if head == "parameters" and key in model.parameters:
        return f"{say(book.lang, 'parameter')} {book.param(key)}"
    if bracket and name in ("rules", "tables"):
        titles = {x.id: x.title for x in model.rules} | {x.id: x.title for x in model.tables}
        title = titles.get(inner)
        if title is not None:
            return f"{say(book.lang, 'rule_word')} {title.get(book.lang)}"
    if bracket and name == "stages" and any(s.id == inner for s in model.stages):
        return f"{say(book.lang, 'stage')} {book.stage(inner)}"
    if head == "roles" and key in model.roles:
        return f"{say(book.lang, 'for_role')} {book.role(key)}"
    return ""


def _change_summary(value: Any, lang: str) -> str:
    """An added or removed entry in a few words: its title or label in ``lang``, else its
    value (as ``kam diff`` summarises it)."""
    if isinstance(value, dict):
        title = value.get("title") or value.get("label")
        if title is None and value and set(value) <= {"en", "zh"}:
            title = value
        if isinstance(title, dict):
            title = title.get(lang) or title.get("en") or next(iter(title.values()), None)
        return fmt_one_line(title, 60) if title else ""
    return fmt_one_line(value, 60)


def _source_words(source: Any, lang: str) -> str:
    """Where a changed parameter's number comes from, as the handbook marks it."""
    if source == "company":
        return say(lang, "from_company")
    cite = source.get("guide") if isinstance(source, dict) else None
    if isinstance(cite, dict):
        cite = cite.get(lang) or cite.get("en") or cite.get("zh")
    return say(lang, "from_guide", cite=fmt_one_line(cite, 60)) if isinstance(cite, str) else ""


def _relative(file: str, folder: str) -> str:
    """A file of the served folder by its name there (the folder's own path stays private)."""
    import os

    try:
        return os.path.relpath(file, folder)
    except ValueError:
        return os.path.basename(file)


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
            detail = "= " + fact_shown(model, s.id, ex.result.facts[s.id], kinds, lang)
        steps.append(
            {
                "kind": word(lang, "steps", s.kind),
                "id": s.id,
                "outcome": s.outcome.replace(" ", "-"),
                "outcome_word": word(lang, "steps", s.outcome),
                "detail": detail,
                "reads": [(k, _read_shown(v, _kind_read(model, k), lang)) for k, v in s.reads],
            }
        )
    return {
        "deal": row,
        "status": ex.result.status,
        "status_word": word(lang, "result", ex.result.status),
        "steps": steps,
    }
