"""Commands on deals, customers and users in; the stored state, its events and decisions out.

Every change runs in one transaction with its event and its decision: both are written or
neither. A change names the version it read (or takes the one it reads under the row lock);
a stale version is refused, never overwritten. A change with an idempotency key answers a
repeat of the same request with the first answer and refuses the key for another request.
The evaluator stays pure: the store calls ``Playbook.evaluate``/``advance``, never the other
way round.
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, bindparam, exc, insert, select, update

from ..app.summary import amount_fact
from ..errors import DecisionRefused, InputError, KamError, TransitionRefused, suggest
from ..jsontext import to_canonical_json
from ..lang.values import same_person
from . import accounts, chain, migrate, prices, records, reference, signoffs
from .approvals import record_approval
from .arrival import Arrival, arrival
from .connect import database_url, driver_errors, is_retryable, make_engine
from .errors import (
    AlreadyStored,
    Conflict,
    Contended,
    KeyReused,
    NotFound,
    NotInForce,
    Refused,
    StoreError,
)
from .records import Change, StoredDeal, loads, stamp, utc_now
from .schema import deals, idempotency_keys, refusals

if TYPE_CHECKING:
    from ..app.playbook import Playbook
    from ..results import Explanation, Result

# Refused attempts put on record (catalogue D15, H6, K4): who tried what, and why not
AUDITED = (Refused, Conflict, TransitionRefused, DecisionRefused)
AUDITED_COMMANDS = ("create", "update", "advance", "approve", "check", "repin")
PIN_COLUMNS = ("playbook_id", "playbook_version", "playbook_hash", "playbook_source")
ATTEMPTS = 8  # a PostgreSQL serialization failure or a racing idempotency key: run again
IMPORTER = "admin"  # brings deals in with their past approvals; may change any deal
# named for both ways in: the command line and the service
ONLY_BY_COMMANDS = {
    "stage": "a move (kam deals advance, POST /v1/deals/{id}/transitions)",
    "approvals": "a decision (kam deals approve or reject, POST /v1/deals/{id}/approvals)",
    "history": "a move (kam deals advance, POST /v1/deals/{id}/transitions)",
}


def in_force(playbook: Playbook, on: date) -> None:
    """A new deal is pinned to a version in force on its date: a version that has ended (or
    not begun) would judge it by rules no longer (or not yet) the company's. Its end is the
    library's (``Playbook.until``): a version a later one succeeds has ended, written or not."""
    start, end = playbook.model.effective_from, playbook.until
    day = on.isoformat()
    if (start and day < start) or (end and day > end):
        raise NotInForce(
            f"{playbook.id} {playbook.version} is in force from {start or 'the start'} to "
            f"{end or 'further notice'}, not on {day}: a new deal is pinned to the version in "
            "force on its date (give that version, or the date the deal was made)",
            code="not_in_force",
            version=f"{playbook.id} {playbook.version}",
            start=start or "",
            end=end or "",
            day=day,
        )


def open_store(url: str | None = None, *, now: Callable[[], datetime] = utc_now) -> Store:
    """The store at ``url`` (default: ``$KAM_DB``, else ``kam.db`` here), schema checked; a new
    SQLite file gets the schema. Close it (or use ``with``) when done."""
    engine = make_engine(database_url(url))
    try:
        migrate.ensure_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, now=now)


class Database:
    """The store's database: its engine, its clock and its transactions (the part of
    ``Store`` that knows nothing of deals)."""

    def __init__(self, engine: Engine, *, now: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._now = now

    def close(self) -> None:
        self.engine.dispose()

    def _stamp(self) -> str:
        return stamp(self._now())

    # -- transactions -------------------------------------------------------------------------
    def _change(
        self,
        command: str,
        deal_id: str,
        by: str,
        request: Mapping[str, Any],
        key: str | None,
        work: Callable[[Connection], dict[str, Any]],
    ) -> Change:
        """Run ``work`` in one transaction, behind the idempotency key when there is one."""
        if key is not None:
            accounts.an_id(key, "idempotency key", in_addresses=False)
        fingerprint = chain.digest({"command": command, "deal": deal_id, "request": request})
        for attempt in range(ATTEMPTS):
            _JUDGED_AT.set(None)
            try:
                with driver_errors(), _retry_on_race(), self.engine.begin() as conn:
                    if key is not None:
                        first = self._claim(conn, by, key, fingerprint)
                        if first is not None:
                            return Change(first, replayed=True)
                    response = work(conn)
                    if key is not None:
                        conn.execute(
                            update(idempotency_keys)
                            .where(idempotency_keys.c.actor == by, idempotency_keys.c.key == key)
                            .values(response=to_canonical_json(response))
                        )
                    return Change(response)
            except _Again:
                time.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 (jitter, not a secret)
            except AUDITED as refusal:
                if command in AUDITED_COMMANDS:
                    self._audit(command, deal_id, by, request, refusal, _JUDGED_AT.get())
                raise
        raise Contended(
            f"the store stayed too busy to make the change: {ATTEMPTS} tries lost a race with "
            "other writers; nothing was written, try again"
        )

    def _audit(
        self,
        command: str,
        deal_id: str,
        by: str,
        request: Mapping[str, Any],
        refusal: KamError,
        judged_at: int | None,
    ) -> None:
        """Put a refused attempt on record, in its own transaction (the refused change itself
        wrote nothing), at the version it was judged on (``judged_at``: read again here, a
        racing writer could have moved it on and the record would disagree with its message).
        Best effort: if the store cannot take it, the caller still hears why it was refused."""
        detail = {"request": request, "error": refusal.to_dict()}
        with contextlib.suppress(StoreError), self._write() as conn:
            version = judged_at
            if version is None:  # refused before the deal was read (an inactive user)
                version = conn.execute(
                    select(deals.c.version).where(deals.c.id == deal_id)
                ).scalar()
            if version is None and command == "create":
                version = 0  # a deal refused at its creation: on record before it exists
            if version is None:
                return
            conn.execute(
                insert(refusals).values(
                    deal_id=deal_id,
                    deal_version=version,
                    command=command,
                    actor=by,
                    at=self._stamp(),
                    error=refusal.kind,
                    message=str(refusal),
                    detail=to_canonical_json(detail),
                )
            )

    def _claim(
        self, conn: Connection, by: str, key: str, fingerprint: str
    ) -> dict[str, Any] | None:
        """The first answer for this key, or None after claiming it for this request."""
        row = conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.actor == by, idempotency_keys.c.key == key
            )
        ).first()
        if row is not None:
            if row.fingerprint != fingerprint or row.response is None:
                raise KeyReused(
                    f"idempotency key {key} was used by {by} for a different request; "
                    "nothing was written (use a new key for a new request)"
                )
            first: dict[str, Any] = loads(row.response)
            return first
        # Claimed first, so a second request with this key waits here for the first to commit
        conn.execute(
            insert(idempotency_keys).values(
                actor=by, key=key, fingerprint=fingerprint, created_at=self._stamp()
            )
        )
        return None

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with driver_errors(), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        with driver_errors(), self.engine.begin() as conn:
            yield conn


class Store(Database):
    """One database of deals; one thread at a time per instance, any number of processes at
    once (the database arbitrates)."""

    def __init__(self, engine: Engine, *, now: Callable[[], datetime] = utc_now) -> None:
        super().__init__(engine, now=now)
        self._customer_fields: dict[str, frozenset[str] | None] = {}
        self._kept: set[str] = set()  # playbooks whose account keepers are on record

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- users and customers (accounts.py) ------------------------------------------------------
    def add_user(
        self, name: str, roles: Sequence[str], known_roles: Collection[str] | None = None
    ) -> dict[str, Any]:
        """A new user; with ``known_roles`` (the playbooks'), an unknown role is refused."""
        with self._write() as conn:
            return accounts.add_user(conn, name, roles, self._stamp(), known_roles)

    def disable_user(self, name: str) -> dict[str, Any]:
        """The user may no longer act: their tokens and approvals are refused (A3). The user,
        and everything they did, stays on record."""
        with self._write() as conn:
            return accounts.disable_user(conn, name)

    def list_users(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            return accounts.list_users(conn)

    def issue_token(self, name: str) -> str:
        """A new bearer token for ``name``; only its sha256 is kept, so this is the one time
        it can be read."""
        with self._write() as conn:
            return accounts.add_token(conn, name, self._stamp())

    def user_for_token(self, token: str) -> dict[str, Any] | None:
        """The active user a token belongs to, or None."""
        with self._read() as conn:
            return accounts.user_for_token(conn, token)

    def add_customer(
        self, account: Any, *, by: str, recorded_by: Mapping[str, tuple[str, ...]] | None = None
    ) -> dict[str, Any]:
        """A new account. An account field a playbook declares ``customer.X`` recorded by
        some roles is set only by who holds one (or an admin): the store keeps what the
        playbooks of its deals declare (``remember_keepers``), and ``recorded_by`` (the
        caller's: ``Library.recorded_by``) adds to it."""
        keepers = reference.account_keepers(recorded_by or {})
        with self._write() as conn:
            return accounts.add_customer(conn, account, by, self._stamp(), keepers)

    def update_customer(
        self,
        cid: str,
        patch: Any,
        *,
        by: str,
        if_version: int | None = None,
        recorded_by: Mapping[str, tuple[str, ...]] | None = None,
    ) -> dict[str, Any]:
        """Apply a JSON merge patch to an account (``recorded_by`` as for ``add_customer``)."""
        keepers = reference.account_keepers(recorded_by or {})
        with self._write() as conn:
            return accounts.update_customer(
                conn, cid, patch, by, if_version, self._stamp(), keepers
            )

    def get_customer(self, cid: str) -> dict[str, Any]:
        with self._read() as conn:
            return accounts.customer(conn, cid)

    def customer_history(self, cid: str) -> list[dict[str, Any]]:
        """The account's history, oldest first: who changed which field from what to what."""
        with self._read() as conn:
            return accounts.customer_history(conn, cid)

    def list_customers(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            return [accounts.customer(conn, cid) for cid in accounts.customer_ids(conn)]

    # -- the price list (prices.py) ------------------------------------------------------------
    def set_prices(
        self, model: str, values: Any, *, by: str, if_version: int | None = None
    ) -> dict[str, Any]:
        """Set a model's list, floor and retail price (null takes one away): pricing or an
        admin only, with its history; ``if_version`` as read (0: a model new to the list)."""
        with self._write() as conn:
            return prices.set_prices(conn, model, values, by, if_version, self._stamp())

    def get_prices(self, model: str) -> dict[str, Any]:
        with self._read() as conn:
            return prices.entry(conn, model)

    def price_list(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            return prices.price_list(conn)

    def price_history(self, model: str) -> list[dict[str, Any]]:
        """A model's price history, oldest first: who set which price from what to what."""
        with self._read() as conn:
            return prices.history(conn, model)

    # -- deals: reading (records.py) ---------------------------------------------------------
    def get_deal(self, deal_id: str) -> StoredDeal:
        with self._read() as conn:
            return records.read_deal(conn, deal_id)

    def list_deals(
        self,
        *,
        stage: str | None = None,
        owner: str | None = None,
        status: str | None = None,
        category: str | None = None,
    ) -> list[StoredDeal]:
        filters = {"stage": stage, "owner": owner, "status": status, "category": category}
        with self._read() as conn:
            return records.list_deals(conn, filters)

    def history(self, deal_id: str) -> list[dict[str, Any]]:
        """The deal's events, oldest first."""
        with self._read() as conn:
            return records.history(conn, deal_id)

    def refusals(self, deal_id: str) -> list[dict[str, Any]]:
        """Every refused attempt to change the deal, oldest first (not events: nothing
        changed, and replay never sees them)."""
        with self._read() as conn:
            return records.refusals_of(conn, deal_id)

    def decisions_since(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Every recorded decision at or after ``since``, oldest first."""
        with self._read() as conn:
            return list(records.decisions_since(conn, since))

    def verify(self) -> list[str]:
        """Every problem found: a broken event chain, or a deal whose events do not replay to
        the stored state. Empty when the store is sound."""
        with self._read() as conn:
            problems = []
            if conn.dialect.name == "sqlite":  # the file itself first: a damaged page, an index
                found = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                problems += [f"the store file is damaged: {line}" for line in found if line != "ok"]
            return (
                problems
                + records.verify(conn)
                + accounts.verify_customers(conn)
                + prices.verify(conn)
            )

    def evaluate(
        self,
        deal_id: str,
        *,
        playbook: Playbook,
        by: str,
        as_of: date,
        lang: str = "en",
        record: bool = True,
    ) -> tuple[StoredDeal, Result]:
        """The stored deal judged now (with its stored customer account); the decision is
        recorded unless ``record`` is false (a page that only shows the verdict: reading
        must not write)."""
        with self._write() if record else self._read() as conn:
            row = records.read_deal(conn, deal_id)
            self._pinned(row, playbook)
            evaluated = self._with_account(conn, row.document, playbook)
            result = playbook.evaluate(evaluated, as_of=as_of, lang=lang, source=f"deal {row.id}")
            if record:
                records.record_decision(
                    conn, row.id, row.version, by, self._stamp(), playbook, evaluated, as_of, result
                )
        return row, result

    def explain(
        self, deal_id: str, *, playbook: Playbook, as_of: date, lang: str = "en"
    ) -> tuple[StoredDeal, Explanation]:
        """The stored deal judged now, with every rule's decision and the values it read
        (``kam explain`` on what the store holds); nothing is written."""
        with self._read() as conn:
            row = records.read_deal(conn, deal_id)
            self._pinned(row, playbook)
            evaluated = self._with_account(conn, row.document, playbook)
        return row, playbook.explain(evaluated, as_of=as_of, lang=lang, source=f"deal {row.id}")

    # -- deals: changing ---------------------------------------------------------------------
    def create_deal(
        self,
        deal: Any,
        *,
        playbook: Playbook,
        by: str,
        as_of: date,
        source: str = "",
        key: str | None = None,
    ) -> Change:
        """Store a new deal pinned to ``playbook`` (its id, version and hash), owned by its
        creator (an admin may name another owner). It starts at its category's first stage,
        or at a later one it could have reached by the playbook's moves, each move's guards
        met by the deal as written; an admin may start it anywhere (an import, on record as
        one). Company data the playbook declares ``recorded_by`` comes only from a creator who
        may record it (an admin). Never with approvals or history: those are written by
        commands."""
        if not isinstance(deal, dict):
            raise InputError("a deal is a JSON object")
        for name in ("approvals", "history"):
            if deal.get(name):
                raise Refused(
                    f"a new deal cannot bring '{name}': they are given in kam, through "
                    f"{ONLY_BY_COMMANDS[name]}. Drop them to start the deal here, or have an "
                    "admin bring the deal in with its past: kam deals import FILE --by ADMIN"
                )
        deal_id = accounts.an_id(deal.get("id"), "deal id ($.id)")
        in_force(playbook, as_of)
        for s in signoffs.added(playbook.model.deal_type, {}, deal):
            raise Refused(
                f"{s.path}: a new deal cannot bring a sign-off ({s.by} as {s.role}): the person "
                "it names records it on the stored deal. Drop it to start the deal here, or have "
                "an admin bring the deal in with its past: kam deals import FILE --by ADMIN",
                code="sign_off_on_create",
                path=s.path,
            )
        request = {"deal": deal, "playbook": playbook.hash}

        def work(conn: Connection) -> dict[str, Any]:
            admin = IMPORTER in accounts.user(conn, by)["roles"]
            if conn.execute(select(deals.c.id).where(deals.c.id == deal_id)).first():
                raise AlreadyStored(f"deal {deal_id} is already in the store")
            document = {k: v for k, v in deal.items() if k not in ("approvals", "history")}
            named = document.get("owner")
            if named and not admin and not (isinstance(named, str) and same_person(named, by)):
                raise Refused(
                    f"$.owner: {by} cannot create deal {deal_id} for {named}: a deal's owner is "
                    f"whoever creates it, and handing it to {named} is an admin's act. Leave "
                    "owner out (or give your own name), or ask an admin",
                    code="owner_is_creator",
                    by=by,
                    deal=deal_id,
                    owner=str(named),
                )
            document["owner"] = _owner(conn, named or by)
            listed = prices.from_price_list(
                conn, playbook.model.recorded_by, playbook.model.deal_type, document
            )
            document = listed.document
            data: dict[str, Any] = {"document": document}
            if listed.filled:  # prices the creator left out, from the list of the day
                data["priced"] = listed.filled
            found = self._may_bring_reference(conn, document, by, playbook, listed)
            if found:  # company data: its keeper's, on record as such
                data["reference"] = [c.to_dict() for c in found]
            start = arrival(playbook, self._with_account(conn, document, playbook), as_of)
            if start.stage != start.first:  # the first event says how it got there
                data["start"] = start.to_dict()
            if not start.reached:
                if not admin:
                    raise _unreached(deal_id, start)
                data["start"]["imported_by"] = by  # an admin's import: on record as such
            return self._insert(
                conn, deal_id, document, "created", by, playbook, data, as_of, source
            )

        return self._change("create", deal_id, by, request, key, work)

    def import_deals(
        self,
        items: Sequence[Any],
        *,
        playbook: Playbook,
        by: str,
        as_of: date,
        source: str = "",
    ) -> list[dict[str, Any]]:
        """Bring existing deals in WITH their stage, approvals and history, all or none: only
        a user holding the role ``admin``. Each deal's ``imported`` event names who imported
        it and every approval taken over as it was given (its own ``by`` and ``on``), so the
        history says they were not given in kam. They are judged as any approval is."""
        documents: list[tuple[str, dict[str, Any]]] = []
        for n, deal in enumerate(items):
            where = f"deal {n + 1}" if len(items) > 1 else "the deal"
            if not isinstance(deal, dict):
                raise InputError(f"{where}: a deal is a JSON object")
            deal_id = accounts.an_id(deal.get("id"), f"{where}: deal id ($.id)")
            accounts.an_id(deal.get("owner"), f"deal {deal_id}: its owner ($.owner)")
            documents.append((deal_id, dict(deal)))
        ids = [deal_id for deal_id, _ in documents]
        if len(set(ids)) != len(ids):
            raise InputError("the same deal id is given twice: each deal is imported once")

        def work(conn: Connection) -> dict[str, Any]:
            user = accounts.user(conn, by)
            if IMPORTER not in user["roles"]:
                raise Refused(
                    f"{by} does not hold the role {IMPORTER}: bringing deals in with their "
                    "approvals and history is for an admin"
                )
            answers = []
            for deal_id, document in documents:
                if conn.execute(select(deals.c.id).where(deals.c.id == deal_id)).first():
                    raise AlreadyStored(f"deal {deal_id} is already in the store")
                data = {
                    "document": document,
                    "taken_over": {
                        "approvals": list(document.get("approvals") or []),
                        "history": list(document.get("history") or []),
                        "note": "given before kam, taken over as they were by " + by,
                    },
                }
                answers.append(
                    self._insert(
                        conn, deal_id, document, "imported", by, playbook, data, as_of, source
                    )
                )
            return {"deals": answers}

        return list(self._change("import", ",".join(ids), by, {}, None, work).response["deals"])

    def update_deal(
        self,
        deal_id: str,
        patch: Any,
        *,
        playbook: Playbook,
        by: str,
        as_of: date,
        if_version: int | None,
        key: str | None = None,
    ) -> Change:
        """Apply a JSON merge patch to the deal's document. The stage, approvals and history
        are not the patch's to change, nor the id."""
        if not isinstance(patch, dict):
            raise InputError("a patch is a JSON object (a JSON merge patch, RFC 7396)")
        for name in ONLY_BY_COMMANDS:
            if name in patch:
                raise Refused(
                    _only_by_commands(name, "a patch"), code="only_by_command", field=name
                )
        if "id" in patch:
            raise Refused("a deal's id cannot change: create a new deal instead", code="id_fixed")
        request = {"patch": patch, "if_version": if_version}

        def work(conn: Connection) -> dict[str, Any]:
            row = self._locked(conn, deal_id, if_version, playbook, by)
            document = chain.merge_patch(row.document, patch)
            data: dict[str, Any] = {"patch": patch}
            if "owner" in patch:  # handed on: to a person of the store, as the store names them
                document["owner"] = _owner(conn, patch["owner"])
                if not same_person(document["owner"], row.owner):
                    self._may_hand_over(conn, row, by, document["owner"])
                    data["owner"] = {"before": row.owner, "after": document["owner"]}
            listed = prices.from_price_list(
                conn, playbook.model.recorded_by, playbook.model.deal_type, document
            )
            if listed.filled:  # a price a line lacks: from today's list, and the event's
                document = listed.document  # patch says so (replay gives the priced lines)
                data["patch"] = {**patch, **{k: document[k] for k in listed.view}}
                data["priced"] = listed.filled
            may: Callable[[], None] | None = None
            found = reference.changes(
                playbook.model.recorded_by,
                playbook.model.deal_type,
                listed.before(self._with_account(conn, row.document, playbook)),
                self._with_account(conn, document, playbook),
                stored_account=_customer_ref(document) is not None,
            )
            signed = signoffs.added(playbook.model.deal_type, row.document, document)
            if signed:  # a signature: its signer's to write, on record as such
                data["sign_offs"] = [s.to_dict() for s in signed]
            if found:  # company data: its keeper's change, on record as such
                data["reference"] = [c.to_dict() for c in found]
            if found or signed:

                def may() -> None:  # once the patched deal is known good: a bad value first
                    if found:
                        self._may_change_reference(conn, row, document, by, found, playbook)
                    if signed:
                        self._may_sign(conn, row, document, by, signed, playbook)

            else:
                self._may_change(conn, row, by)
            return self._apply(
                conn, row, document, "updated", by, playbook, data, as_of, checked=may
            )

        return self._change("update", deal_id, by, request, key, work)

    def advance_deal(
        self,
        deal_id: str,
        *,
        to: str,
        playbook: Playbook,
        by: str,
        as_of: date,
        if_version: int | None = None,
        key: str | None = None,
    ) -> Change:
        """Move the deal to stage ``to`` if the playbook's guards allow it (``TransitionRefused``
        names what is missing)."""
        request = {"to": to, "if_version": if_version}

        def work(conn: Connection) -> dict[str, Any]:
            row = self._locked(conn, deal_id, if_version, playbook, by)
            self._may_change(conn, row, by)
            evaluated = self._with_account(conn, row.document, playbook)
            moved = playbook.advance(evaluated, to=to, by=by, at=as_of, source=f"deal {row.id}")
            entry = moved["history"][-1]
            data = {"from": row.stage, "to": moved["stage"], "entry": entry}
            document = chain.apply(row.document, "advanced", data)
            return self._apply(conn, row, document, "advanced", by, playbook, data, as_of)

        return self._change("advance", deal_id, by, request, key, work)

    def decide_approval(
        self,
        deal_id: str,
        *,
        role: str,
        decision: str,
        playbook: Playbook,
        by: str,
        as_of: date,
        reason: str | None = None,
        if_version: int | None = None,
        key: str | None = None,
    ) -> Change:
        """Record ``by``'s approval (``decision="approved"``) or rejection for ``role``. The
        user must hold the role and must not own the deal; a rejection needs a reason."""
        if decision not in ("approved", "rejected"):
            raise InputError(f"a decision is approved or rejected, not {decision!r}")
        if decision == "rejected" and not (reason and reason.strip()):
            raise InputError("a rejection needs a reason: the owner reads it")
        roles = tuple(playbook.model.roles)
        if role not in roles:
            hint = suggest(role, roles)
            raise InputError(
                f"'{role}' is not a role of playbook {playbook.id}"
                + (f": {hint}" if hint else f" (roles: {', '.join(roles)})")
            )
        request = {"role": role, "decision": decision, "reason": reason, "if_version": if_version}

        def work(conn: Connection) -> dict[str, Any]:
            row = self._locked(conn, deal_id, if_version, playbook, by)
            user = accounts.user(conn, by)
            if role not in user["roles"]:
                raise Refused(
                    f"{by} does not hold the role {role}, so cannot decide for it",
                    code="lacks_role",
                    by=by,
                    role=role,
                )
            if same_person(by, row.owner):
                raise Refused(
                    f"{by} owns deal {row.id} and cannot approve or reject it",
                    code="owner_decides",
                    by=by,
                    deal=row.id,
                )
            if any(same_person(by, o) for o in records.owners(conn, row.id)):
                raise Refused(
                    f"{by} created or owned deal {row.id}: cannot approve or reject it",
                    code="former_owner_decides",
                    by=by,
                    deal=row.id,
                )
            evaluated = self._with_account(conn, row.document, playbook)
            if _repeated(playbook, evaluated, as_of, role, by, decision):
                raise Refused(
                    f"{by} has already {decision} deal {row.id} as {role}",
                    code=f"already_{decision}",
                    by=by,
                    deal=row.id,
                    role=role,
                )
            document, record = record_approval(
                playbook,
                row.document,
                evaluated,
                role=role,
                by=by,
                on=as_of,
                decision=decision,
                comment=reason,
            )
            return self._apply(
                conn, row, document, decision, by, playbook, {"approval": record}, as_of
            )

        return self._change("approve", deal_id, by, request, key, work)

    def check_deal(
        self,
        deal_id: str,
        *,
        playbook: Playbook,
        by: str,
        as_of: date,
        if_version: int | None = None,
        key: str | None = None,
    ) -> Change:
        """Judge the stored deal again (its pinned playbook, its stored account, ``as_of``) and
        put it on record: a decision and an ``evaluated`` event with the status before and
        after. The status is part of the deal's state, so its version moves on."""
        request = {"as_of": as_of.isoformat(), "if_version": if_version}

        def work(conn: Connection) -> dict[str, Any]:
            row = self._locked(conn, deal_id, if_version, playbook, by)
            self._may_check(conn, row, by, playbook, as_of)
            data = {"as_of": as_of.isoformat(), "status_before": row.status}
            return self._apply(conn, row, row.document, "evaluated", by, playbook, data, as_of)

        return self._change("check", deal_id, by, request, key, work)

    def repin_deal(
        self,
        deal_id: str,
        *,
        playbook: Playbook,
        by: str,
        as_of: date,
        if_version: int | None,
        source: str = "",
        key: str | None = None,
    ) -> Change:
        """Pin the deal to another version of its playbook and judge it by that version: an
        admin's act (which rules govern a deal in flight is the company's call). Its
        approvals keep the basis they were given on: where the new rules ask for more, they
        go stale. Refused for another playbook id, or for the version it is pinned to."""
        request = {"playbook": playbook.hash, "if_version": if_version}
        # as for a new deal: a version that has ended would judge by rules no longer the
        # company's (re-pinning to 2026.1 in November made a 14% discount the marketing
        # director's where 2026.2 asks the general manager)
        in_force(playbook, as_of)

        def work(conn: Connection) -> dict[str, Any]:
            accounts.user(conn, by)
            row = records.read_deal(conn, deal_id, lock=True)
            _JUDGED_AT.set(row.version)
            if if_version is not None and if_version != row.version:
                raise Conflict(f"deal {row.id}", if_version, row.version)
            if IMPORTER not in accounts.user(conn, by)["roles"]:
                # which rules govern a deal in flight is the company's call, not its owner's:
                # a re-pin by the owner to a version saved that morning could drop a block
                raise Refused(
                    f"{by} cannot re-pin deal {row.id}: moving a deal to another version of "
                    f"its playbook is an admin's act (it stays on {row.playbook_version} "
                    "until an admin moves it; ask an admin)",
                    code="repin_admin",
                    by=by,
                    deal=row.id,
                    version=row.playbook_version,
                )
            if playbook.id != row.playbook_id:
                raise Refused(
                    f"deal {row.id} is pinned to playbook {row.playbook_id}; {playbook.file} is "
                    f"{playbook.id}: a deal moves only to another version of its own playbook"
                )
            if playbook.hash == row.playbook_hash:
                raise Refused(
                    f"deal {row.id} is already pinned to {row.playbook_id} "
                    f"{row.playbook_version} ({row.playbook_hash[:12]})"
                )
            data = {
                "from": _pin(row.playbook_id, row.playbook_version, row.playbook_hash),
                "to": _pin(playbook.id, playbook.version, playbook.hash),
            }
            pin = {
                "playbook_id": playbook.id,
                "playbook_version": playbook.version,
                "playbook_hash": playbook.hash,
                "playbook_source": source or playbook.file,
            }
            self._keepers_of(conn, playbook)
            return self._apply(conn, row, row.document, "repinned", by, playbook, data, as_of, pin)

        return self._change("repin", deal_id, by, request, key, work)

    # -- inside a transaction -----------------------------------------------------------------
    def _insert(
        self,
        conn: Connection,
        deal_id: str,
        document: dict[str, Any],
        kind: str,
        by: str,
        playbook: Playbook,
        data: dict[str, Any],
        as_of: date,
        source: str,
    ) -> dict[str, Any]:
        """A new deal's row, version 1, and its first event."""
        self._keepers_of(conn, playbook)
        evaluated = self._with_account(conn, document, playbook)
        result = playbook.evaluate(evaluated, as_of=as_of, source=f"deal {deal_id}")
        moment = self._stamp()
        values: dict[str, Any] = dict(
            id=deal_id,
            document=to_canonical_json(document),
            customer_id=_customer_ref(document),
            category=str(document["category"]),
            stage=str(document["stage"]),
            status=result.status,
            amount=_amount(result, playbook),
            owner=str(document["owner"]),
            playbook_id=playbook.id,
            playbook_version=playbook.version,
            playbook_hash=playbook.hash,
            playbook_source=source or playbook.file,
            version=1,
            created_at=moment,
            updated_at=moment,
        )
        conn.execute(insert(deals).values(**values))
        written = _as_written(values)
        return self._record(conn, written, kind, by, playbook, data, evaluated, as_of, result)

    def _keepers_of(self, conn: Connection, playbook: Playbook) -> None:
        """The account fields ``playbook`` keeps, on record in the store (once per playbook
        and process: the rows are only ever added to)."""
        if playbook.hash in self._kept:
            return
        declared = reference.account_kinds(playbook.model.recorded_by, playbook.model.deal_type)
        accounts.remember_keepers(conn, declared, playbook.hash, self._stamp())
        self._kept.add(playbook.hash)

    def remember_keepers(self, playbook: Playbook) -> None:
        """Keep who sets which customer account field as ``playbook`` declares it (its
        ``customer.X`` fields ``recorded_by``), before any deal of it is stored: the service
        does this for every playbook it serves."""
        if playbook.hash in self._kept:
            return
        with self._write() as conn:
            self._keepers_of(conn, playbook)

    def _locked(
        self,
        conn: Connection,
        deal_id: str,
        if_version: int | None,
        playbook: Playbook,
        by: str,
    ) -> StoredDeal:
        """The deal read under a row lock, checked against the version the caller read and
        the playbook it is pinned to."""
        accounts.user(conn, by)
        deal = records.read_deal(conn, deal_id, lock=True)
        _JUDGED_AT.set(deal.version)
        if if_version is not None and if_version != deal.version:
            raise Conflict(f"deal {deal.id}", if_version, deal.version)
        self._pinned(deal, playbook)
        return deal

    def _may_change(self, conn: Connection, row: StoredDeal, by: str) -> None:
        """Only the deal's owner (or who created or owned it before) or an admin changes or
        moves it: anyone else could edit away what needs approval or close
        another's deal. Each of them is also barred from approving it."""
        if same_person(by, row.owner):  # the usual case first: no history read for it
            return
        if IMPORTER in accounts.user(conn, by)["roles"]:
            return
        if any(same_person(by, o) for o in records.owners(conn, row.id)):
            return
        raise Refused(
            f"{by} does not own deal {row.id}: only its owner ({row.owner}) or an admin "
            "changes or moves it",
            code="not_owner",
            by=by,
            deal=row.id,
            owner=row.owner,
        )

    def _may_hand_over(self, conn: Connection, row: StoredDeal, by: str, to: str) -> None:
        """Handing a deal to another owner is an admin's act: the owner's name decides who may
        not approve it (and the credit rules' separation of duties), so it is never the
        salesperson's to choose."""
        if IMPORTER in accounts.user(conn, by)["roles"]:
            return
        raise Refused(
            f"$.owner: {by} cannot hand deal {row.id} from {row.owner} to {to}: a hand-over is "
            "an admin's act (ask an admin)",
            code="hand_over_admin",
            by=by,
            deal=row.id,
            owner=row.owner,
            to=to,
        )

    def _may_check(
        self, conn: Connection, row: StoredDeal, by: str, playbook: Playbook, as_of: date
    ) -> None:
        """A check writes the deal's history: its owner, an admin, or a person holding a role
        the deal waits on may put one on record; anyone else reads the deal instead."""
        try:
            self._may_change(conn, row, by)
            return
        except Refused:
            pass
        roles = set(accounts.user(conn, by)["roles"])
        evaluated = self._with_account(conn, row.document, playbook)
        result = playbook.evaluate(evaluated, as_of=as_of, source=f"deal {row.id}")
        if any(a.role in roles for a in result.approvals if a.status != "granted"):
            return
        raise Refused(
            f"{by} neither owns deal {row.id} nor holds a role it waits on: a check puts the "
            "deal's judgement on its history, which its owner, its approvers and an admin do; "
            "read the deal instead (kam deals show, GET /v1/deals/{id})",
            code="check_not_awaited",
            by=by,
            deal=row.id,
        )

    def _may_sign(
        self,
        conn: Connection,
        row: StoredDeal,
        document: dict[str, Any],
        by: str,
        signed: list[signoffs.SignOff],
        playbook: Playbook,
    ) -> None:
        """A sign-off is written by the person it names, in a role they hold, never by the
        deal's owner (or who owned it), and that person changes nothing else on the deal."""
        roles = accounts.user(conn, by)["roles"]
        if IMPORTER in roles:
            return
        owners = (row.owner, *records.owners(conn, row.id))
        for s in signed:
            if any(same_person(s.by, o) for o in owners) or any(same_person(by, o) for o in owners):
                raise Refused(
                    f"{s.path}: a sign-off on deal {row.id} is written by the person it names, "
                    f"and never by its owner ({row.owner}) or for them: {s.by} as {s.role} must "
                    "sign it themselves",
                    code="sign_off_owner",
                    path=s.path,
                    deal=row.id,
                    owner=row.owner,
                )
            if not same_person(by, s.by) or s.role not in roles:
                raise Refused(
                    f"{s.path}: {by} cannot sign for {s.by} as {s.role}: a sign-off is written "
                    "by the person it names, in a role they hold",
                    code="sign_off_not_yours",
                    path=s.path,
                    by=by,
                    signer=s.by,
                    role=s.role,
                )
        deal_type = playbook.model.deal_type
        if signoffs.without(deal_type, row.document) != signoffs.without(deal_type, document):
            raise Refused(
                f"{by} does not own deal {row.id}: they may record their sign-off but change "
                f"nothing else, which is its owner's ({row.owner})",
                code="not_owner",
                by=by,
                deal=row.id,
                owner=row.owner,
            )

    def _may_change_reference(
        self,
        conn: Connection,
        row: StoredDeal,
        document: dict[str, Any],
        by: str,
        found: list[reference.ReferenceChange],
        playbook: Playbook,
    ) -> None:
        """Company data on a deal (a field the playbook declares ``recorded_by``) is changed by
        a user holding one of its roles or an admin, and never by the deal's owner: a needed
        approval must not vanish because the salesperson retyped a price or the funds released."""
        roles = accounts.user(conn, by)["roles"]
        if IMPORTER in roles:
            return
        what = reference.in_words(found)
        if any(same_person(by, o) for o in (row.owner, *records.owners(conn, row.id))):
            keepers = " or ".join(reference.roles_of(found))
            raise Refused(
                f"{by} owns deal {row.id} and cannot change the company's data on it ({what}): "
                f"the playbook says it is recorded by {keepers} (or an admin), never by the "
                "deal's owner. Nothing was written; the deal's own terms (unit_price, quantity) "
                "are the owner's to change, and a stored customer account brings its own terms",
                code="company_data",
                by=by,
                deal=row.id,
                what=what,
            )
        for c in found:
            if not any(role in roles for role in c.roles):
                keepers = " or ".join(c.roles)
                raise Refused(
                    f"{by} does not hold the role {keepers}: {c.path} is recorded by {keepers} "
                    f"(or an admin) ({what})",
                    code="recorded_by_role",
                    by=by,
                    path=c.path,
                    roles=keepers,
                )
        if any(c.path.startswith(f"$.{reference.ACCOUNT_FIELD}.") for c in found):
            # an inline customer's terms: the supervisor records only their own approval
            accounts.credit_terms_guard(
                conn, by, row.document.get("customer") or {}, document.get("customer") or {}
            )
        recorded = playbook.model.recorded_by
        if reference.without_reference(recorded, row.document) != reference.without_reference(
            recorded, document
        ):
            raise Refused(
                f"{by} does not own deal {row.id}: they may change its company data ({what}) "
                f"but nothing else, which is its owner's ({row.owner})",
                code="company_data_only",
                by=by,
                deal=row.id,
                owner=row.owner,
            )

    def _may_bring_reference(
        self,
        conn: Connection,
        document: dict[str, Any],
        by: str,
        playbook: Playbook,
        listed: prices.Priced,
    ) -> list[reference.ReferenceChange]:
        """A new deal brings company data only when its creator may record it (an admin, or a
        user holding the field's role who does not own the deal): otherwise the owner would
        simply create the deal with the funds released, or the list price they like. As a
        non-admin's new deal is their own (``owner_is_creator`` is checked first), in practice
        only an admin brings it."""
        found = reference.changes(
            playbook.model.recorded_by,
            playbook.model.deal_type,
            listed.before({}),  # what the price list says is no one's own word
            self._with_account(conn, document, playbook),
            stored_account=_customer_ref(document) is not None,
        )
        if not found:
            return found
        roles = accounts.user(conn, by)["roles"]
        if IMPORTER in roles:
            return found
        owner = same_person(by, str(document["owner"]))
        for c in found:
            if owner or not any(role in roles for role in c.roles):
                keepers = " or ".join(c.roles)
                if c.before is not None:  # a price the list has, stated otherwise
                    raise Refused(
                        f"{c.path}: {c.after} is not the price list's {c.before}: a line's "
                        f"prices come from the price list, kept by {keepers} (or an admin). "
                        "Leave the price out to take the list's, or ask pricing to change the "
                        "list",
                        code="price_not_listed",
                        path=c.path,
                        listed=str(c.before),
                        stated=str(c.after),
                        roles=keepers,
                    )
                if c.field.split(".")[-1] in prices.PRICE_FIELDS and c.field.count("[]") == 1:
                    raise Refused(  # a price for a model the list does not have
                        f"{c.path}: a new deal cannot bring the company's data ({c.after}): "
                        f"the price list has no such price for this model, and {keepers} (or "
                        "an admin) keeps the list. Leave the price out (the deal asks for it "
                        "until the model is listed), ask pricing to list the model, or have an "
                        "admin bring the deal in: kam deals import FILE --by ADMIN",
                        code="company_data_on_create",
                        path=c.path,
                        roles=keepers,
                    )
                raise Refused(
                    f"{c.path}: a new deal cannot bring the company's data ({c.after}): the "
                    f"playbook says {keepers} (or an admin) records it, on the stored deal. "
                    "Leave it out to start the deal here, or have an admin bring the deal in: "
                    "kam deals import FILE --by ADMIN",
                    code="company_data_on_create",
                    path=c.path,
                    roles=keepers,
                )
        if any(c.path.startswith(f"$.{reference.ACCOUNT_FIELD}.") for c in found):
            # an inline customer's terms: the supervisor records only their own approval
            accounts.credit_terms_guard(conn, by, {}, document.get("customer") or {})
        return found

    def _apply(
        self,
        conn: Connection,
        row: StoredDeal,
        document: dict[str, Any],
        kind: str,
        by: str,
        playbook: Playbook,
        data: dict[str, Any],
        as_of: date,
        pin: Mapping[str, str] | None = None,
        checked: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Write the deal's next version (and, on a re-pin, its new playbook) with its event;
        ``checked`` runs once the new document is judged, before anything is written."""
        evaluated = self._with_account(conn, document, playbook)
        result = playbook.evaluate(evaluated, as_of=as_of, source=f"deal {row.id}")
        if checked is not None:
            checked()
        version = row.version + 1
        values = {
            "document": to_canonical_json(document),
            "customer_id": _customer_ref(document),
            "category": str(document["category"]),
            "stage": str(document["stage"]),
            "status": result.status,
            "amount": _amount(result, playbook),
            "owner": str(document.get("owner") or row.owner),
            "version": version,
            "updated_at": self._stamp(),
            **(pin or {}),
        }
        # compare-and-set on the version read: another writer's change is never overwritten
        done = conn.execute(
            _REPIN if pin else _NEXT_VERSION, {**values, "b_id": row.id, "b_seen": row.version}
        )
        if done.rowcount != 1:  # another writer got there first: never overwrite it
            current = conn.execute(select(deals.c.version).where(deals.c.id == row.id)).scalar()
            raise Conflict(f"deal {row.id}", row.version, int(current or 0))
        pinned = {name: getattr(row, name) for name in PIN_COLUMNS}
        written = _as_written({**pinned, **values, "id": row.id, "created_at": row.created_at})
        return self._record(conn, written, kind, by, playbook, data, evaluated, as_of, result)

    def _record(
        self,
        conn: Connection,
        written: StoredDeal,
        kind: str,
        by: str,
        playbook: Playbook,
        data: dict[str, Any],
        evaluated: dict[str, Any],
        as_of: date,
        result: Result,
    ) -> dict[str, Any]:
        """The event and the decision of one change; the answer the caller gets (the deal as
        written, not read back: it is this transaction's own row)."""
        at = self._stamp()
        deal_id, version = written.id, written.version
        event = records.append_event(conn, deal_id, version, kind, by, at, playbook, data, result)
        records.record_decision(conn, deal_id, version, by, at, playbook, evaluated, as_of, result)
        return {
            "deal": written.to_dict(),
            "event": {"seq": event["seq"], "kind": kind, "at": event["at"]},
            "result": result.to_dict(),
        }

    def _pinned(self, deal: StoredDeal, playbook: Playbook) -> None:
        if playbook.hash != deal.playbook_hash:
            raise StoreError(
                f"deal {deal.id} is pinned to playbook {deal.playbook_id} "
                f"{deal.playbook_version} ({deal.playbook_hash[:12]}); {playbook.file} is "
                f"{playbook.id} {playbook.version} ({playbook.hash[:12]}): give the playbook "
                "it was created with"
            )

    def _with_account(
        self, conn: Connection, document: dict[str, Any], playbook: Playbook
    ) -> dict[str, Any]:
        """The deal as the engine sees it: a ``customer`` naming an ``id`` is replaced by the
        stored account (the fields the playbook's deals have)."""
        cid = _customer_ref(document)
        if cid is None:
            return document
        account = accounts.customer(conn, cid)
        fields = self._account_fields(playbook)
        if fields is None:
            return document
        return {**document, "customer": {k: v for k, v in account.items() if k in fields}}

    def _account_fields(self, playbook: Playbook) -> frozenset[str] | None:
        if playbook.hash not in self._customer_fields:
            schema = playbook.deal_schema().get("properties", {}).get("customer")
            names = (schema or {}).get("properties")
            self._customer_fields[playbook.hash] = None if names is None else frozenset(names)
        return self._customer_fields[playbook.hash]


_NEXT_VERSION = (
    update(deals)
    .where(deals.c.id == bindparam("b_id"), deals.c.version == bindparam("b_seen"))
    .values(
        {
            name: bindparam(name)
            for name in (
                "document", "customer_id", "category", "stage", "status", "amount", "owner",
                "version", "updated_at",
            )
        }
    )
)  # fmt: skip
_REPIN = _NEXT_VERSION.values({name: bindparam(name) for name in PIN_COLUMNS})


# The version of the deal the change at hand read (and so judged); a refusal records it.
# A context variable, not an attribute: the service runs changes on several threads at once.
_JUDGED_AT: contextvars.ContextVar[int | None] = contextvars.ContextVar("judged_at", default=None)


def _as_written(values: Mapping[str, Any]) -> StoredDeal:
    """The deal row a change has just written, as a read would give it back (the document
    from the very text stored)."""
    fields = {name: values[name] for name in StoredDeal.__slots__ if name in values}
    return StoredDeal(**{**fields, "document": loads(values["document"])})


class _Again(Exception):
    """Internal: the transaction lost a race it may simply run again."""


@contextlib.contextmanager
def _retry_on_race() -> Iterator[None]:
    """A serialization failure, a deadlock or a racing idempotency key becomes ``_Again``."""
    try:
        yield
    except exc.IntegrityError:
        raise _Again from None
    except exc.DBAPIError as error:
        if is_retryable(error):
            raise _Again from None
        raise


def _repeated(
    playbook: Playbook, evaluated: dict[str, Any], as_of: date, role: str, by: str, decision: str
) -> bool:
    """Whether ``by``'s decision for ``role`` would repeat one that still stands. An approval
    stands while the engine counts it: once the deal changed beyond its basis (a stale rule
    approval, or a chain step asked again) nothing of ``role`` is granted, and the same person
    may approve again on the new basis. A rejection stands while the engine shows it
    (``rejected``): once the deal asks less than was rejected the role is asked again, and the
    same person may reject again (a new decision on a new basis, never a deadlock)."""
    mine = [
        e
        for e in evaluated.get("approvals") or ()
        if e.get("role") == role and same_person(e.get("by"), by)
    ]
    if decision == "rejected":
        last = [e for e in evaluated.get("approvals") or () if e.get("role") == role][-1:]
        if not (last and last[0] in mine and last[0].get("decision") == "rejected"):
            return False
        result = playbook.evaluate(evaluated, as_of=as_of)
        return any(a.role == role and a.status == "rejected" for a in result.approvals)
    if not any(e.get("decision") == "approved" for e in mine):
        return False
    result = playbook.evaluate(evaluated, as_of=as_of)
    return not any(a.role == role and a.status in ("pending", "stale") for a in result.approvals)


def _amount(result: Result, playbook: Playbook) -> Decimal | None:
    """The deal's amount as this judgement worked it out (the fact the batch summary adds
    up); None when unknown or the playbook has none."""
    fact = amount_fact(playbook.model)
    value = result.facts.get(fact) if fact else None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    return None


def _owner(conn: Connection, name: Any) -> str:
    """A deal's owner is an active user, written as the store names them: "LI.NA" is li.na
    (a second spelling made a second owner in the pipeline), and nobody owns for a stranger."""
    if not isinstance(name, str) or not name.strip():
        raise InputError("$.owner: the deal's owner is a user's name")
    try:
        return str(accounts.user(conn, name)["name"])
    except NotFound:
        raise Refused(
            f"$.owner: {name} is not a user of the store: a deal is owned by a person who signs "
            "in (kam users add, or an admin adds them)",
            code="owner_not_user",
            name=name,
        ) from None


def _unreached(deal_id: str, start: Arrival) -> Refused:
    """A non-admin's new deal at a stage it could not have reached: the first move it could
    not make and what that move needs, and the two ways in."""
    if start.stuck is None:
        why = f"no move of the playbook leads from {start.first} to {start.stage}"
        stuck_from, stuck_to, needs = start.first, start.stage, ""
    else:
        stuck_from, stuck_to = start.stuck
        needs = "; ".join(start.needs)
        why = f"the move {stuck_from} → {stuck_to} still needs: {needs}"
    return Refused(
        f"deal {deal_id} cannot start at {start.stage}: it could not have got there from "
        f"{start.first} by the playbook's moves ({why}). Create it at {start.first}, or ask "
        "an admin to import it",
        code="unreached_stage",
        deal=deal_id,
        stage=start.stage,
        first=start.first,
        stuck_from=stuck_from,
        stuck_to=stuck_to,
        needs=needs,
    )


def _pin(playbook_id: str, version: str, content_hash: str) -> dict[str, str]:
    return {"id": playbook_id, "version": version, "hash": content_hash}


def _only_by_commands(name: str, what: str) -> str:
    return f"{what} cannot set '{name}': it changes only through {ONLY_BY_COMMANDS[name]}"


def _customer_ref(document: Mapping[str, Any]) -> str | None:
    customer = document.get("customer")
    if isinstance(customer, dict) and isinstance(customer.get("id"), str):
        return str(customer["id"])
    return None
