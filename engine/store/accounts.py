"""Users, tokens and customer accounts in; their rows out, and back. Each function works on a
connection its caller holds in a transaction; none commits.

A user holds roles; a token is kept only as its sha256. A customer account has a column for
each field a key-account playbook reads (money exact) and keeps any other field as JSON.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from ..errors import DealProblem, InputError, suggest
from ..jsontext import to_canonical_json
from ..lang.values import person_key, same_person
from . import chain
from .errors import AccountError, AlreadyStored, Conflict, NotFound, Refused
from .ledger import Ledger
from .records import loads
from .reference import beyond_a_deal, same_value
from .schema import account_keepers, customer_events, customers, tokens, users

MAX_ID = 200
MONEY_FIELDS = ("credit_limit", "receivables")
INTEGER_FIELDS = ("overdue_days", "largest_batch_this_year")
TEXT_FIELDS = ("name", "territory", "credit_checked_on", "credit_limit_approved_by", "class")
ACCOUNT_FIELDS = (*MONEY_FIELDS, *INTEGER_FIELDS, *TEXT_FIELDS, "state_organ")


def an_id(value: Any, what: str, *, in_addresses: bool = True) -> str:
    """An id, a name or a key: non-empty text, at most 200 characters, no control characters,
    and no '/' in what appears in web addresses.
    (Quotes, semicolons and the like are fine: every value reaches SQL as a parameter.)"""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what}: needs to be non-empty text")
    if len(value) > MAX_ID:
        raise InputError(f"{what}: at most {MAX_ID} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InputError(f"{what}: must not hold control characters")
    if in_addresses and "/" in value:  # one segment of a web address: /v1/deals/ID, the console
        raise InputError(f"{what}: must not hold '/' (write DE-2026-100, not DE/2026/100)")
    return value


# -- users and tokens --------------------------------------------------------------------------
# The roles the store itself gives meaning to (beside the playbooks' own): an admin imports
# deals and may change any; the supervisor sets credit terms; pricing keeps the price list; a
# playbook editor saves playbook versions from the console (store/playbooks.py).
EDITOR_ROLE = "playbook_editor"
PRICING_ROLE = "pricing"
STORE_ROLES = ("admin", "supervisor", PRICING_ROLE, EDITOR_ROLE)


def add_user(
    conn: Connection,
    name: str,
    roles: Sequence[str],
    at: str,
    known_roles: Collection[str] | None = None,
) -> dict[str, Any]:
    """A new user holding ``roles``; with ``known_roles`` (the playbooks' roles), a role
    neither they nor the store know is refused: a mistyped role would never be asked for.
    A name that is another user's as people compare names (``LI.NA`` and ``li.na``) is
    refused: the four-eyes check would take them for one person, the store for two."""
    name = an_id(name, "user name")
    held = sorted({an_id(role, "role") for role in roles})
    if known_roles is not None:
        known = sorted({*known_roles, *STORE_ROLES})
        for role in held:
            if role not in known:
                hint = suggest(role, known)
                raise InputError(
                    f"--role {role}: neither a playbook nor the store knows this role"
                    + (f" ({hint})" if hint else "")
                    + f"; the roles are: {', '.join(known)}"
                )
    found = _named(conn, name)
    if found is not None:
        same = "" if found == name else f" ({name} is {found}: names are compared as people)"
        raise AlreadyStored(f"user {found} already exists{same}")
    conn.execute(
        insert(users).values(name=name, roles=to_canonical_json(held), active=True, created_at=at)
    )
    return {"name": name, "roles": held, "active": True}


def _named(conn: Connection, name: str) -> str | None:
    """The stored name of the user ``name`` names: as written, else as people compare names
    (case, accents, look-alike letters: ``person_key``), so every command finds one user."""
    if conn.execute(USER, {"name": name}).first() is not None:
        return name
    key = person_key(name)
    for stored in conn.execute(select(users.c.name)).scalars():
        if person_key(stored) == key:
            return str(stored)
    return None


def disable_user(conn: Connection, name: str) -> dict[str, Any]:
    stored = _named(conn, name)
    if stored is None:
        raise NotFound(f"no user {name} in the store")
    row = conn.execute(USER, {"name": stored}).one()
    conn.execute(update(users).where(users.c.name == stored).values(active=False))
    return {"name": stored, "roles": loads(row.roles), "active": False}


def list_users(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(users).order_by(users.c.name)).all()
    return [{"name": r.name, "roles": loads(r.roles), "active": bool(r.active)} for r in rows]


USER = select(users).where(users.c.name == bindparam("name"))  # built once: every change asks


def user(conn: Connection, name: str) -> dict[str, Any]:
    """An active user (found as people compare names), or ``NotFound``/``Refused``."""
    row = conn.execute(USER, {"name": name}).first()
    if row is None:
        stored = _named(conn, name)
        row = None if stored is None else conn.execute(USER, {"name": stored}).first()
    if row is None:
        raise NotFound(f"no user {name} in the store: add one with kam users add")
    if not row.active:
        raise Refused(f"user {name} is not active", code="inactive_user", name=name)
    return {"name": row.name, "roles": loads(row.roles)}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(conn: Connection, name: str, at: str) -> str:
    """A new bearer token for ``name``: returned once, kept only as its hash."""
    name = user(conn, name)["name"]
    token = "kam_" + secrets.token_urlsafe(32)
    conn.execute(insert(tokens).values(token_hash=token_hash(token), user_name=name, created_at=at))
    return token


def user_for_token(conn: Connection, token: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(users)
        .join(tokens, tokens.c.user_name == users.c.name)
        .where(tokens.c.token_hash == token_hash(token))
    ).first()
    if row is None or not row.active:
        return None
    return {"name": row.name, "roles": loads(row.roles)}


# -- customer accounts -------------------------------------------------------------------------
def customer(conn: Connection, cid: str) -> dict[str, Any]:
    """An account as data: its fields (money as Decimal) and its ``version``."""
    row = conn.execute(select(customers).where(customers.c.id == cid)).first()
    if row is None:
        raise NotFound(f"no customer {cid} in the store")
    return _account(row._mapping)


def _account(m: Any) -> dict[str, Any]:
    account: dict[str, Any] = {"id": m["id"], **loads(m["extra"])}
    for name in ACCOUNT_FIELDS:
        if m[name] is not None:
            account[name] = bool(m[name]) if name == "state_organ" else m[name]
    account["version"] = m["version"]
    return account


def customer_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(customers.c.id).order_by(customers.c.id)).scalars().all())


# Who may set a customer's credit terms: the credit module's approver of a limit (主管领导,
# the supervisor) or an admin. Anyone else could raise a limit and clear a CREDIT-LIMIT block.
CREDIT_ROLES = ("supervisor", "admin")
# the limit, who approved it, the investigation, what is owed (a playbook declares the same
# fields of an inline customer ``recorded_by: [supervisor]``)
CREDIT_TERMS = (
    "credit_limit",
    "credit_limit_approved_by",
    "credit_checked_on",
    "receivables",
    "overdue_days",
)
LIMIT = ("credit_limit", "credit_limit_approved_by")


def credit_terms_guard(
    conn: Connection, by: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """Refuse a change of a customer's credit terms (the limit, who approved it, the credit
    investigation, receivables, days overdue) by someone who may not make it: each decides
    a CREDIT-LIMIT or overdue block. A supervisor records only their own approval of a limit
    (an admin may record another's, when bringing accounts in)."""
    changed = [f for f in CREDIT_TERMS if before.get(f) != after.get(f)]
    if not changed:
        return
    roles = user(conn, by)["roles"]
    if "admin" in roles:
        return
    if not any(role in roles for role in CREDIT_ROLES):
        raise Refused(
            f"{by} does not hold the role supervisor: a customer's credit terms "
            f"({', '.join(changed)}) are set only by the supervisor (or an admin)",
            code="credit_terms_role",
            by=by,
            fields=", ".join(changed),
        )
    approver = after.get("credit_limit_approved_by")
    limit_changed = any(f in changed for f in LIMIT)
    if limit_changed and approver is not None and not same_person(str(approver), by):
        raise Refused(
            f"credit_limit_approved_by names who approved the limit: {by} records their own "
            f"approval, not {approver}'s",
            code="credit_approver_self",
            by=by,
            approver=str(approver),
        )


def remember_keepers(
    conn: Connection,
    declared: Mapping[str, tuple[tuple[str, ...], str]],
    playbook_hash: str,
    at: str,
) -> None:
    """Keep who sets which account field, as a playbook that judges the store's deals
    declares it (``reference.account_kinds``): added to, never taken from, so the guard does
    not hang on which playbook folder a later caller names."""
    rows = [
        {"field": f, "role": r, "kind": kind, "playbook_hash": playbook_hash, "recorded_at": at}
        for f, (roles, kind) in declared.items()
        for r in roles
    ]
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(account_keepers).on_conflict_do_nothing(), rows)


def stored_keepers(conn: Connection) -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """Every account field the store's playbooks keep: its roles and the kinds they declare."""
    found: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
    for row in conn.execute(
        select(account_keepers).order_by(account_keepers.c.field, account_keepers.c.role)
    ):
        roles, kinds = found.get(row.field, ((), frozenset()))
        found[row.field] = ((*roles, row.role), kinds | {row.kind})
    return found


KIND_WORDS = {
    "bool": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "money": "an amount of money",
    "percent": "a percentage",
    "string": "text",
    "date": "a date (YYYY-MM-DD)",
}


def _fits(value: Any, kinds: frozenset[str]) -> bool:
    """Whether an account value is of a kind a playbook declares for it (a deal judged with
    the account could take it); an unknown kind is not checked here."""
    if value is None or not kinds or kinds & {"any", "object", "list"}:
        return True
    number = isinstance(value, int | Decimal) and not isinstance(value, bool)
    checks = {
        "bool": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": number,
        "money": number,
        "percent": number,
        "string": isinstance(value, str),
        "date": isinstance(value, str) and _is_date(value),
    }
    return any(checks.get(kind, True) for kind in kinds)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def keepers_guard(
    conn: Connection,
    by: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    keepers: Mapping[str, tuple[str, ...]],
) -> None:
    """Refuse a change of an account field the playbooks declare ``recorded_by`` (whether
    the customer is a state organ, its largest batch this year, a shared territory...) by
    someone holding none of its roles: each decides what a deal needs, and a salesperson
    marking their customer a state organ would clear the minimum-volume rule for every deal
    of it. Credit terms are the supervisor's (``credit_terms_guard``) whatever is declared."""
    kept = stored_keepers(conn)
    every = {
        name: tuple(dict.fromkeys((*keepers.get(name, ()), *kept.get(name, ((), ()))[0])))
        for name in {*keepers, *kept}
    }
    changed = [
        (name, roles)
        for name, roles in sorted(every.items())
        if name not in CREDIT_TERMS and not same_value(before.get(name), after.get(name))
    ]
    if not changed:
        return
    wrong = [
        DealProblem(
            f"$.{name}",
            "must be " + " or ".join(KIND_WORDS.get(k, k) for k in sorted(kept[name][1])),
        )
        for name, _ in changed
        if name in kept and not _fits(after.get(name), kept[name][1])
    ]
    if wrong:  # a deal judged with the account could not take it: refused where it is written
        raise AccountError(wrong, f"customer {after.get('id') or ''}".strip())
    held = user(conn, by)["roles"]
    if "admin" in held:
        return
    for name, roles in changed:
        if not any(role in held for role in roles):
            keepers_ = " or ".join(roles)
            raise Refused(
                f"{by} does not hold the role {keepers_}: a customer's {name} is recorded by "
                f"{keepers_} (or an admin), as the playbooks declare it; nothing was written",
                code="account_field_role",
                by=by,
                field=name,
                roles=keepers_,
            )


def add_customer(
    conn: Connection,
    account: Any,
    by: str,
    at: str,
    keepers: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    if not isinstance(account, dict):
        raise InputError("a customer is a JSON object with an id")
    cid = an_id(account.get("id"), "customer id ($.id)")
    user(conn, by)
    if conn.execute(select(customers.c.id).where(customers.c.id == cid)).first():
        raise AlreadyStored(f"customer {cid} already exists: use kam customers update")
    values = columns(account, cid)
    credit_terms_guard(conn, by, {}, values)
    keepers_guard(conn, by, {}, account, keepers or {})
    conn.execute(
        insert(customers).values(id=cid, version=1, updated_at=at, updated_by=by, **values)
    )
    added = customer(conn, cid)
    _append(conn, "created", by, at, {}, added)
    return added


def update_customer(
    conn: Connection,
    cid: str,
    patch: Any,
    by: str,
    if_version: int | None,
    at: str,
    keepers: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """Apply a JSON merge patch to an account, if it is still at ``if_version``; a field
    ``keepers`` names (the playbooks' ``recorded_by``) only by who holds one of its roles."""
    if not isinstance(patch, dict):
        raise InputError("a customer patch is a JSON object (a JSON merge patch)")
    if "id" in patch and patch["id"] != cid:
        raise Refused("a customer's id cannot change")
    user(conn, by)
    current = customer(conn, cid)
    version = current.pop("version")
    if if_version is not None and if_version != version:
        raise Conflict(f"customer {cid}", if_version, version)
    merged = chain.merge_patch(current, patch)
    values = columns(merged, cid)
    credit_terms_guard(conn, by, columns(current, cid), values)
    keepers_guard(conn, by, current, merged, keepers or {})
    done = conn.execute(
        update(customers)
        .where(customers.c.id == cid, customers.c.version == version)
        .values(version=version + 1, updated_at=at, updated_by=by, **values)
    )
    if done.rowcount != 1:
        raise Conflict(f"customer {cid}", version, version + 1)
    updated = customer(conn, cid)
    _append(conn, "updated", by, at, {**current, "version": version}, updated)
    return updated


# -- an account's history (ledger.py) ---------------------------------------------------------
HISTORY = Ledger(customer_events, "customer_id", "account", "customer", "account")


def _append(
    conn: Connection,
    kind: str,
    by: str,
    at: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> None:
    HISTORY.append(conn, str(after["id"]), kind, by, at, before, after)


def recorded_at_upgrade(conn: Connection) -> None:
    """Migration 0003: each account already stored gets its first history entry, itself as
    it is now (earlier changes were never kept)."""
    for row in conn.execute(select(customers).order_by(customers.c.id)).all():
        account = _account(row._mapping)
        _append(conn, "recorded", row.updated_by, row.updated_at, {}, account)


def customer_history(conn: Connection, cid: str) -> list[dict[str, Any]]:
    """The account's history, oldest first."""
    customer(conn, cid)
    return HISTORY.history(conn, cid)


def verify_customers(conn: Connection) -> list[str]:
    """Every account whose history is broken (a link, a number, a changed entry) or does not
    end in the account as stored."""
    return HISTORY.verify(conn, customer_ids(conn), lambda cid: customer(conn, cid))


def columns(account: Mapping[str, Any], cid: str = "") -> dict[str, Any]:
    """An account's fields as column values, each checked; unknown fields to ``extra``.
    Every bad value is named by its JSON path (``$.credit_limit``), all at once."""
    values: dict[str, Any] = {}
    problems: list[DealProblem] = []

    def bad(name: str, message: str) -> None:
        problems.append(DealProblem(f"$.{name}", message))

    for name in MONEY_FIELDS:
        value = account.get(name)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | Decimal)
            or not Decimal(value).is_finite()  # NaN cannot even be compared with 0
            or value < 0
        ):
            bad(name, "must be an amount of money, 0 or more")
        values[name] = value
    for name in INTEGER_FIELDS:
        value = account.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            bad(name, "must be a whole number, 0 or more")
        values[name] = value
    for name in TEXT_FIELDS:
        value = account.get(name)
        if value is not None and not isinstance(value, str):
            bad(name, "must be text")
        values[name] = value
    given = values.get("name")
    if given is None or (isinstance(given, str) and not given.strip()):
        bad("name", "is required: the account's name, as on its contracts")
    checked = values.get("credit_checked_on")
    if isinstance(checked, str):
        try:
            date.fromisoformat(checked)
        except ValueError:
            bad("credit_checked_on", "must be a date (YYYY-MM-DD)")
    organ = account.get("state_organ")
    if organ is not None and not isinstance(organ, bool):
        bad("state_organ", "must be true or false")
    # the deals of the account take its values as theirs: what no deal could take (a credit
    # limit of 1e400, a name with a direction-changing character) is refused here
    problems += beyond_a_deal({k: v for k, v in account.items() if k != "version"}, problems)
    if problems:
        problems.sort(key=lambda p: p.path)
        raise AccountError(problems, f"customer {cid}" if cid else "customer")
    values["state_organ"] = organ
    extra = {k: v for k, v in account.items() if k not in (*ACCOUNT_FIELDS, "id", "version")}
    values["extra"] = to_canonical_json(extra)
    return values
