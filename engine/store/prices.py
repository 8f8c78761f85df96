"""A model's prices set by pricing in, the price list and its history out; and a new deal's
lines in, their prices from the price list out.

The list, floor and retail price of a model decide what a deal's discount needs approved, so
they are the company's word (the playbook declares them ``recorded_by: [pricing]``): a
salesperson's new deal takes them from here instead of typing them. A line that leaves a
price out gets the list's; a line that states the list's price is fine; a line that states
another is refused (store.py), unless its creator may record prices. Once on the deal they
stay there (reference.py): a later change of the list reprices no deal in flight by itself.
Whenever the deal changes, a price a line lacks (a model listed since, a line added, a price
the owner took away) is taken from the list of that day, and stating that day's price is fine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..errors import DealProblem, InputError
from ..lang.types import Type
from . import accounts
from .errors import Conflict, NotFound, PriceError, Refused
from .ledger import Ledger
from .reference import beyond_a_deal, item_name, name_key
from .schema import price_events, prices

PRICE_FIELDS = ("list_price", "floor_price", "retail_price")
HISTORY = Ledger(price_events, "model", "entry", "price of", "price list entry")


def entry(conn: Connection, model: str) -> dict[str, Any]:
    """A model's prices (Decimal) and ``version``, found however its name is spaced or cased."""
    row = conn.execute(select(prices).where(prices.c.key == name_key(model))).first()
    if row is None:
        raise NotFound(f"no price for {model} in the price list: pricing sets it (kam prices set)")
    return _entry(row._mapping)


def _entry(m: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"model": m["model"]}
    found.update({f: m[f] for f in PRICE_FIELDS if m[f] is not None})
    found["version"] = m["version"]
    return found


def price_list(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(prices).order_by(prices.c.key)).all()
    return [_entry(r._mapping) for r in rows]


def set_prices(
    conn: Connection,
    model: str,
    values: Any,
    by: str,
    if_version: int | None,
    at: str,
) -> dict[str, Any]:
    """Set (or, with null, take away) a model's prices: by pricing or an admin only. A new
    model is added (``if_version`` 0 or none); a known one changes only if still at
    ``if_version`` when given. Every bad value is named by its JSON path, all at once."""
    if isinstance(model, str) and "/" in model:  # one segment of /v1/prices/{model}
        raise InputError(
            f"model {model}: must not hold '/' (write Hino 300-4.0T for Hino 300/4.0T)"
        )
    model = accounts.an_id(model, "model")
    if not isinstance(values, dict):
        raise InputError("prices are a JSON object: list_price, floor_price, retail_price")
    held = accounts.user(conn, by)["roles"]
    if accounts.PRICING_ROLE not in held and "admin" not in held:
        raise Refused(
            f"{by} does not hold the role {accounts.PRICING_ROLE}: the price list is kept by "
            f"{accounts.PRICING_ROLE} (or an admin); nothing was written",
            code="price_list_role",
            by=by,
        )
    problems = [
        DealProblem(f"$.{name}", f"not a price kam keeps (these are: {', '.join(PRICE_FIELDS)})")
        for name in values
        if name not in (*PRICE_FIELDS, "model", "version")
    ]
    for name in PRICE_FIELDS:
        value = values.get(name)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | Decimal)
            or not Decimal(value).is_finite()
            or value < 0
        ):
            problems.append(DealProblem(f"$.{name}", "must be an amount of money, 0 or more"))
    problems += beyond_a_deal({**values, "model": model}, problems)
    if problems:
        raise PriceError(sorted(problems, key=lambda p: p.path), f"the price of {model}")
    key = name_key(model)
    row = conn.execute(select(prices).where(prices.c.key == key)).first()
    before = {} if row is None else _entry(row._mapping)
    version = int(before.pop("version", 0))
    model = str(before.pop("model", model))  # as the list first wrote it
    if if_version is not None and if_version != version:
        raise Conflict(f"the price of {model}", if_version, version)
    after = {f: before.get(f) for f in PRICE_FIELDS}
    after.update({f: values[f] for f in PRICE_FIELDS if f in values})
    floor, listed = after["floor_price"], after["list_price"]
    if floor is not None and listed is not None and floor > listed:
        raise PriceError(
            [DealProblem("$.floor_price", f"{floor} is above the list price {listed}")],
            f"the price of {model}",
        )
    if all(v is None for v in after.values()):
        raise InputError(f"the price of {model}: give at least one of {', '.join(PRICE_FIELDS)}")
    written = {**after, "version": version + 1, "updated_at": at, "updated_by": by}
    if row is None:
        conn.execute(insert(prices).values(key=key, model=model, **written))
    else:
        done = conn.execute(
            update(prices).where(prices.c.key == key, prices.c.version == version).values(**written)
        )
        if done.rowcount != 1:
            raise Conflict(f"the price of {model}", version, version + 1)
    now = entry(conn, model)
    HISTORY.append(conn, key, "created" if row is None else "updated", by, at, before, now)
    return now


def history(conn: Connection, model: str) -> list[dict[str, Any]]:
    entry(conn, model)
    return HISTORY.history(conn, name_key(model))


def verify(conn: Connection) -> list[str]:
    """Every price whose history is broken or does not end in the price as stored."""
    keys = list(conn.execute(select(prices.c.key).order_by(prices.c.key)).scalars())

    def stored(key: str) -> dict[str, Any]:
        row = conn.execute(select(prices).where(prices.c.key == key)).one()
        return _entry(row._mapping)

    return HISTORY.verify(conn, keys, stored)


# -- a deal's lines priced from the list ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Priced:
    """A deal's document with its lines priced from the list, and what that took."""

    document: dict[str, Any]
    view: dict[str, list[dict[str, Any]]]  # per list: what the price list says of its items
    filled: list[dict[str, Any]]  # each price taken from the list: path, value, list version

    def before(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """``document`` with the price list's items beside its own: a line stating the list's
        price then brings no company data of its own."""
        out = dict(document)
        for name, items in self.view.items():
            mine = out.get(name)
            out[name] = [*(mine if isinstance(mine, list) else []), *items]
        return out


def from_price_list(
    conn: Connection,
    recorded: Mapping[str, tuple[str, ...]],
    deal_type: Type,
    document: dict[str, Any],
) -> Priced:
    """Each item of a list whose fields the playbook declares recorded by pricing
    (``lines[].list_price``) and whose model is in the price list: the prices it leaves out
    taken from today's list, and what the list says of it (``view``: stating it is no one's
    own word). A price the item already carries stays: the deal keeps what it was priced at."""
    fields: dict[str, list[str]] = {}
    for name, roles in recorded.items():
        parts = name.split(".")
        if (
            len(parts) == 2
            and parts[0].endswith("[]")
            and parts[1] in PRICE_FIELDS
            and accounts.PRICING_ROLE in roles
        ):
            fields.setdefault(parts[0][:-2], []).append(parts[1])
    out = dict(document)
    view: dict[str, list[dict[str, Any]]] = {}
    filled: list[dict[str, Any]] = []
    cache: dict[str, dict[str, Any] | None] = {}
    for list_name, names in fields.items():
        items, list_type = document.get(list_name), deal_type.field(list_name)
        namer = item_name(list_type.item if list_type is not None else None)
        if not isinstance(items, list) or namer is None:
            continue
        priced_items = []
        for n, item in enumerate(items):
            model = item.get(namer) if isinstance(item, dict) else None
            if not isinstance(model, str):
                priced_items.append(item)
                continue
            key = name_key(model)
            if key not in cache:
                row = conn.execute(select(prices).where(prices.c.key == key)).first()
                cache[key] = None if row is None else _entry(row._mapping)
            listed = cache[key]
            if listed is None:
                priced_items.append(item)
                continue
            said = {f: listed[f] for f in names if f in listed}
            view.setdefault(list_name, []).append({namer: model, **said})
            item = dict(item)
            for f, value in said.items():
                if item.get(f) is None:
                    item[f] = value
                    filled.append(
                        {
                            "path": f"$.{list_name}[{n}].{f}",
                            "model": listed["model"],
                            "value": value,
                            "price_version": listed["version"],
                        }
                    )
            priced_items.append(item)
        out[list_name] = priced_items
    return Priced(out if filled else document, view, filled)
