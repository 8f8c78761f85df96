"""Rows in, the store's records out, and back: a stored deal, a change's answer, events and
decisions as written and as read, and the replay ``verify`` checks. Each function works on a
connection its caller holds in a transaction; none commits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, bindparam, insert, select

from ..jsontext import to_canonical_json
from . import chain
from .errors import NotFound
from .schema import deals, decisions, events, refusals

if TYPE_CHECKING:
    from ..app.playbook import Playbook
    from ..results import Result


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """A moment as the store writes it: UTC, microseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def loads(text: str) -> Any:
    """Stored JSON text back to data, money as Decimal."""
    return json.loads(text, parse_float=Decimal)


@dataclass(frozen=True, slots=True)
class StoredDeal:
    """A deal as the store holds it."""

    id: str
    document: dict[str, Any]
    stage: str
    status: str
    owner: str
    version: int
    customer_id: str | None
    playbook_id: str
    playbook_version: str
    playbook_hash: str
    playbook_source: str
    created_at: str
    updated_at: str
    amount: Decimal | None = None  # as its last judgement worked it out (None: unknown)

    @classmethod
    def from_row(cls, row: Row[Any]) -> StoredDeal:
        m = row._mapping
        return cls(
            id=m["id"],
            document=loads(m["document"]),
            stage=m["stage"],
            status=m["status"],
            owner=m["owner"],
            version=m["version"],
            customer_id=m["customer_id"],
            playbook_id=m["playbook_id"],
            playbook_version=m["playbook_version"],
            playbook_hash=m["playbook_hash"],
            playbook_source=m["playbook_source"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            amount=m["amount"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "stage": self.stage,
            "status": self.status,
            "owner": self.owner,
            "customer": self.customer_id,
            "amount": self.amount,
            "playbook": {
                "id": self.playbook_id,
                "version": self.playbook_version,
                "hash": self.playbook_hash,
                "source": self.playbook_source,
            },
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "document": self.document,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """What a change answered: ``response`` (the deal, its new result, the event); ``replayed``
    when it is the stored first answer to a repeated idempotency key (nothing was written)."""

    response: dict[str, Any]
    replayed: bool = False


# The statements every change runs, built once: building a statement costs SQLAlchemy more
# than running it (measured in bench/store.py); the values come as parameters.
DEAL = select(deals).where(deals.c.id == bindparam("deal_id"))
DEAL_LOCKED = DEAL.with_for_update()
PREVIOUS_HASH = select(events.c.hash).where(
    events.c.deal_id == bindparam("deal_id"), events.c.seq == bindparam("seq")
)
INSERT_EVENT = insert(events)
INSERT_DECISION = insert(decisions)


def read_deal(conn: Connection, deal_id: str, lock: bool = False) -> StoredDeal:
    """One deal; with ``lock``, its row is held until the transaction ends (PostgreSQL; a
    SQLite writer already holds the whole file)."""
    query = DEAL_LOCKED if lock and conn.dialect.name == "postgresql" else DEAL
    row = conn.execute(query, {"deal_id": deal_id}).first()
    if row is None:
        raise NotFound(f"no deal {deal_id} in the store")
    return StoredDeal.from_row(row)


def list_deals(conn: Connection, filters: Mapping[str, str | None]) -> list[StoredDeal]:
    query = select(deals).order_by(deals.c.id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(deals.c[name] == value)
    return [StoredDeal.from_row(r) for r in conn.execute(query).all()]


def summary(result: Result) -> dict[str, Any]:
    """What an event and a decision keep of a result: the status and the rule ids."""
    return {
        "status": result.status,
        "violations": [v.rule for v in result.violations],
        "approvals": [
            {"rule": a.rule, "role": a.role, "status": a.status} for a in result.approvals
        ],
        "actions": [a.id for a in result.actions],
    }


def append_event(
    conn: Connection,
    deal_id: str,
    seq: int,
    kind: str,
    by: str,
    at: str,
    playbook: Playbook,
    data: dict[str, Any],
    result: Result,
) -> dict[str, Any]:
    """Write event ``seq`` of a deal, chained to the one before it."""
    previous = chain.GENESIS
    if seq > 1:
        previous = conn.execute(PREVIOUS_HASH, {"deal_id": deal_id, "seq": seq - 1}).scalar_one()
    event: dict[str, Any] = {
        "deal_id": deal_id,
        "seq": seq,
        "kind": kind,
        "actor": by,
        "at": at,
        "playbook_hash": playbook.hash,
        "summary": to_canonical_json(summary(result)),
        "data": to_canonical_json(data),
        "prev_hash": previous,
    }
    event["hash"] = chain.event_hash(event)
    conn.execute(INSERT_EVENT, event)
    return event


def record_decision(
    conn: Connection,
    deal_id: str,
    version: int,
    by: str,
    at: str,
    playbook: Playbook,
    evaluated: dict[str, Any],
    as_of: date,
    result: Result,
) -> None:
    """Write down one evaluation: who, when, which playbook, which input, what came out."""
    kept = summary(result)
    conn.execute(
        INSERT_DECISION,
        dict(
            id=uuid.uuid4().hex,
            at=at,
            actor=by,
            deal_id=deal_id,
            deal_version=version,
            playbook_id=playbook.id,
            playbook_version=playbook.version,
            playbook_hash=playbook.hash,
            input_digest=chain.digest(evaluated),
            as_of=as_of.isoformat(),
            status=result.status,
            violations=to_canonical_json(kept["violations"]),
            approvals=to_canonical_json(kept["approvals"]),
            actions=to_canonical_json(kept["actions"]),
        ),
    )


def history(conn: Connection, deal_id: str) -> list[dict[str, Any]]:
    read_deal(conn, deal_id)
    rows = conn.execute(
        select(events).where(events.c.deal_id == deal_id).order_by(events.c.seq)
    ).all()
    return [_event(r._mapping) for r in rows]


def refusals_of(conn: Connection, deal_id: str) -> list[dict[str, Any]]:
    """A deal's refused attempts; a deal never created has those of its refused creation
    (``NotFound`` when it has none either)."""
    rows = conn.execute(
        select(refusals).where(refusals.c.deal_id == deal_id).order_by(refusals.c.id)
    ).all()
    if not rows:
        read_deal(conn, deal_id)
    return [
        {
            "refused": True,
            "deal_version": m["deal_version"],
            "command": m["command"],
            "actor": m["actor"],
            "at": m["at"],
            "error": m["error"],
            "message": m["message"],
            "detail": loads(m["detail"]),
        }
        for m in (r._mapping for r in rows)
    ]


def owners(conn: Connection, deal_id: str) -> set[str]:
    """Everyone who created the deal or was ever its owner: none of them may approve it (an
    owner could otherwise hand the deal to someone else and approve it)."""
    found: set[str] = set()
    rows = conn.execute(
        select(events.c.kind, events.c.actor, events.c.data).where(
            events.c.deal_id == deal_id,
            events.c.kind.in_(("created", "imported", "updated")),
        )
    ).all()
    for kind, actor, text in rows:
        data = loads(text)
        owner = data["patch" if kind == "updated" else "document"].get("owner")
        if kind != "updated":  # who created or imported it
            found.add(actor)
        if isinstance(owner, str):
            found.add(owner)
    return found


def _event(m: Any) -> dict[str, Any]:
    return {
        "seq": m["seq"],
        "kind": m["kind"],
        "actor": m["actor"],
        "at": m["at"],
        "playbook_hash": m["playbook_hash"],
        "summary": loads(m["summary"]),
        "data": loads(m["data"]),
        "prev_hash": m["prev_hash"],
        "hash": m["hash"],
    }


def decisions_since(conn: Connection, since: datetime | None) -> Iterator[dict[str, Any]]:
    query = select(decisions).order_by(decisions.c.at, decisions.c.id)
    if since is not None:
        query = query.where(decisions.c.at >= stamp(since))
    for r in conn.execute(query).all():
        m = r._mapping
        yield {
            "decision": m["id"],
            "at": m["at"],
            "actor": m["actor"],
            "deal": m["deal_id"],
            "deal_version": m["deal_version"],
            "playbook": {
                "id": m["playbook_id"],
                "version": m["playbook_version"],
                "hash": m["playbook_hash"],
            },
            "input_digest": m["input_digest"],
            "as_of": m["as_of"],
            "status": m["status"],
            "violations": loads(m["violations"]),
            "approvals": loads(m["approvals"]),
            "actions": loads(m["actions"]),
        }


def verify(conn: Connection) -> list[str]:
    """Every broken event chain, and every deal whose events do not replay to what is stored."""
    problems: list[str] = []
    for row in conn.execute(select(deals).order_by(deals.c.id)).all():
        deal = StoredDeal.from_row(row)
        stored = conn.execute(
            select(events).where(events.c.deal_id == deal.id).order_by(events.c.seq)
        ).all()
        found = [dict(r._mapping) for r in stored]
        problems += chain.check_chain(deal.id, found)
        problems += replay(deal, found)
    return problems


def replay(deal: StoredDeal, found: list[dict[str, Any]]) -> list[str]:
    """The deal's events applied in order must give its stored document, stage and version."""
    if not found:
        return [f"deal {deal.id}: has no events (it must start with 'created')"]
    document: dict[str, Any] | None = None
    try:
        for event in found:
            document = chain.apply(document, event["kind"], loads(event["data"]))
    except (KeyError, TypeError, ValueError, AssertionError) as error:
        return [f"deal {deal.id}: its events cannot be replayed ({error})"]
    problems = []
    if to_canonical_json(document) != to_canonical_json(deal.document):
        problems.append(f"deal {deal.id}: replaying its events does not give the stored deal")
    if document is not None and document.get("stage") != deal.stage:
        problems.append(
            f"deal {deal.id}: stored stage {deal.stage}, replayed {document.get('stage')}"
        )
    if found[-1]["seq"] != deal.version:
        problems.append(f"deal {deal.id}: version {deal.version}, but {found[-1]['seq']} events")
    if found[-1]["playbook_hash"] != deal.playbook_hash:
        problems.append(f"deal {deal.id}: pinned to a playbook its last event was not judged by")
    if loads(found[-1]["summary"]).get("status") != deal.status:
        problems.append(f"deal {deal.id}: stored status {deal.status} is not its last event's")
    return problems
