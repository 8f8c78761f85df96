"""A database URL in, a ``Store`` of deals, customers, users, events and decisions out.

    from engine.store import open_store
    with open_store("sqlite:///kam.db") as store:
        change = store.create_deal(deal, playbook=pb, by="li.na", as_of=date.today())

The layer above the pure evaluator: it calls ``engine``'s public API and nothing in the
pipeline imports it. docs/store.md is the guide.
"""

from __future__ import annotations

from .errors import (
    AccountError,
    AlreadyStored,
    Conflict,
    Contended,
    KeyReused,
    NotFound,
    NotInForce,
    Refused,
    StoreError,
)
from .playbooks import Review, SavedVersion, review_version, save_version, saved_versions
from .records import Change, StoredDeal
from .store import Store, open_store

__all__ = [
    "AccountError",
    "AlreadyStored",
    "Change",
    "Conflict",
    "Contended",
    "KeyReused",
    "NotFound",
    "NotInForce",
    "Refused",
    "Review",
    "SavedVersion",
    "Store",
    "StoreError",
    "StoredDeal",
    "open_store",
    "review_version",
    "save_version",
    "saved_versions",
]
