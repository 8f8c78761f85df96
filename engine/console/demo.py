"""A kam checkout and a store in, the example people, customer and deals loaded out (``kam demo``).

The console needs someone to sign in as and something to approve. The demo loads the
auto-dealer examples as stored deals in flight, brought in by an admin for their owners (most
could not have reached their stage by the playbook's moves as written, and a deal's prices and
inline credit terms are the company's: its owner cannot bring them), and the people who
approve them. Running it again adds nothing that is there already and issues fresh tokens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..app.library import open_playbook
from ..errors import InputError
from ..run.deal import read_deal
from ..store import NotFound, Store

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
    (ADMIN, ("admin",)),
)


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
    have = {c["id"] for c in store.list_customers()}
    for path in CUSTOMERS:
        account = read_deal(str(base / path))
        if account["id"] in have:
            present.append(f"customer {account['id']}")
        else:
            store.add_customer(account, by="wang.fang")
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
