"""A kam checkout and a store in, the example people, price list, customer and deals loaded
out (``kam demo``).

The console needs someone to sign in as and something to approve. The demo loads the
auto-dealer examples as stored deals in flight, brought in by an admin for their owners (most
could not have reached their stage by the playbook's moves as written, and a deal's prices and
inline credit terms are the company's: its owner cannot bring them), and the people who
approve them. Pricing's person first sets the price list from the examples' lines (so the
deals' prices are the list's), and the customer's account is recorded as the store guards it:
its credit terms by the supervisor, the fields the playbooks declare ``recorded_by`` by a
person holding one of their roles. Running it again adds nothing that is there already and
issues fresh tokens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..app.library import Library, open_playbook
from ..errors import InputError
from ..run.deal import read_deal
from ..store import NotFound, Store
from ..store.accounts import CREDIT_TERMS
from ..store.prices import PRICE_FIELDS
from ..store.reference import account_keepers

PLAYBOOK = "playbooks/auto-dealer.yaml"
PLAYBOOK_ID = "auto-dealer"
CUSTOMERS = ("docs/store/tianjin-port-leasing.json",)
# brings the example deals in for their owners; hands deals over and re-pins them
ADMIN = "ops.admin"
# needs-approvals first: the deal whose four approvals the console walk-through clears
DEALS = (
    "playbooks/examples/needs-approvals.json",
    "playbooks/examples/gov-tender-ready-to-close.json",
    "playbooks/examples/system-purchasing-units.json",
    "playbooks/examples/system-purchasing-blocked-unit.json",
    "playbooks/examples/blocked-overdue-above-retail.json",
)
# wang.qiang manages key accounts and sells too: his own deals reach his inbox, and the
# store refuses him (no one approves their own deal); chen.jie approves them; sun.min is the
# ops analyst who changes the playbooks' thresholds in the console's editor, and qian.li the
# second editor who reviews each version before it takes force (four eyes); ops.admin
# brings the deals in
USERS = (
    ("li.na", ("key_account_specialist",)),
    ("wang.qiang", ("key_account_specialist", "key_account_manager")),
    ("chen.jie", ("key_account_manager",)),
    ("wang.fang", ("supervisor",)),
    ("zhao.lei", ("general_manager", "marketing_director", "manufacturer")),
    ("sun.min", ("playbook_editor",)),
    ("qian.li", ("playbook_editor",)),
    ("zhou.jia", ("pricing",)),
    (ADMIN, ("admin",)),
)
# zhou.jia keeps the price list (the examples' models); wang.fang records the customer's
# credit terms, as its limit's approver
PRICER = "zhou.jia"
SUPERVISOR = "wang.fang"
EXAMPLES = "playbooks/examples"


@dataclass(frozen=True)
class Loaded:
    """What the demo added, what was there already, and a fresh token per person."""

    added: tuple[str, ...]
    present: tuple[str, ...]
    tokens: tuple[tuple[str, str, tuple[str, ...]], ...]  # name, token, roles


def load_demo(store: Store, root: str | Path, as_of: date) -> Loaded:
    """Load the examples under ``root`` (a kam checkout) into ``store``."""
    base = Path(root)
    missing = [p for p in (PLAYBOOK, *CUSTOMERS, *DEALS) if not (base / p).is_file()]
    if missing:
        raise InputError(
            f"kam demo reads the examples of a kam checkout; {base.resolve()} has no "
            f"{missing[0]}: run it in the folder you cloned kam into"
        )
    # the version in force on the demo's date (2026.1 for the examples' own day, 2026.2 today):
    # no date the folder covers is refused, and one it does not is bad input (exit 2)
    playbook = open_playbook(str(base / os.path.dirname(PLAYBOOK)), PLAYBOOK_ID, None, as_of)
    source = os.path.abspath(playbook.file)
    added: list[str] = []
    present: list[str] = []
    known = {u["name"] for u in store.list_users()}
    for name, roles in USERS:
        if name in known:
            present.append(f"user {name}")
        else:
            store.add_user(name, roles)
            added.append(f"user {name}")
    for model, listed in price_list(base).items():
        try:
            store.get_prices(model)
            present.append(f"price of {model}")
        except NotFound:
            store.set_prices(model, listed, by=PRICER, if_version=0)
            added.append(f"price of {model}")
    recorded = Library(str(base / os.path.dirname(PLAYBOOK))).recorded_by()
    keepers = account_keepers(recorded)
    have = {c["id"] for c in store.list_customers()}
    for path in CUSTOMERS:
        account = read_deal(str(base / path))
        if account["id"] in have:
            present.append(f"customer {account['id']}")
            continue
        # the credit terms are the supervisor's whatever the playbooks declare: in the first
        kept = {k: v for k, v in account.items() if k in keepers and k not in CREDIT_TERMS}
        first = {k: v for k, v in account.items() if k not in kept}
        store.add_customer(first, by=SUPERVISOR, recorded_by=recorded)
        for name, fields in _by_keeper(kept, keepers).items():
            store.update_customer(account["id"], fields, by=name, recorded_by=recorded)
        added.append(f"customer {account['id']}")
    for path in DEALS:
        deal = read_deal(str(base / path))
        # approvals and history are written by the store's commands, never loaded
        deal = {k: v for k, v in deal.items() if k not in ("approvals", "history")}
        try:
            store.get_deal(deal["id"])
            present.append(f"deal {deal['id']}")
            continue
        except NotFound:
            pass
        store.create_deal(deal, playbook=playbook, by=ADMIN, as_of=as_of, source=source)
        added.append(f"deal {deal['id']}")
    tokens = tuple((name, store.issue_token(name), roles) for name, roles in USERS)
    return Loaded(tuple(added), tuple(present), tokens)


def price_list(base: Path) -> dict[str, dict[str, Any]]:
    """Each model the examples' deals sell, with the prices their lines state (the first
    line naming a model gives them)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((base / EXAMPLES).glob("*.json")):
        if path.name.endswith(".result.json"):
            continue
        lines = read_deal(str(path)).get("lines")
        for line in lines if isinstance(lines, list) else []:
            model = line.get("model") if isinstance(line, dict) else None
            listed = {f: line[f] for f in PRICE_FIELDS if line.get(f) is not None}
            if isinstance(model, str) and listed and model not in found:
                found[model] = listed
    return found


def _by_keeper(
    kept: dict[str, Any], keepers: dict[str, tuple[str, ...]]
) -> dict[str, dict[str, Any]]:
    """The account fields the playbooks declare ``recorded_by``, grouped by the demo person
    who records each (of those holding one of its roles, the one holding fewest)."""
    out: dict[str, dict[str, Any]] = {}
    people = sorted((u for u in USERS if u[0] != ADMIN), key=lambda u: len(u[1]))
    for field, value in kept.items():
        person = next((n for n, roles in people if set(roles) & set(keepers[field])), ADMIN)
        out.setdefault(person, {})[field] = value
    return out
