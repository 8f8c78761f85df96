"""A deal's events in, their hashes and the deal they replay to out (pure; no database).

Each event's hash covers its fields and the previous event's hash, so changing or removing
any stored event breaks every link after it. Replaying the events from ``created`` must give
the document the ``deals`` row holds: ``kam db verify`` checks both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from ..jsontext import to_canonical_json

GENESIS = "0" * 64  # the "previous hash" of a deal's first event
HASHED = ("deal_id", "seq", "kind", "actor", "at", "playbook_hash", "summary", "data", "prev_hash")


def digest(data: Any) -> str:
    """sha256 of the canonical JSON of ``data``."""
    return hashlib.sha256(to_canonical_json(data).encode()).hexdigest()


def event_hash(event: Mapping[str, Any]) -> str:
    """The hash of one event (``summary`` and ``data`` as their stored JSON text)."""
    return digest({name: event[name] for name in HASHED})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: null removes a key, a mapping merges, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def apply(document: dict[str, Any] | None, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The document after one event (``data`` decoded)."""
    if kind in ("created", "imported"):
        return dict(data["document"])
    assert document is not None, "a deal's history starts with 'created'"
    if kind == "updated":
        return dict(merge_patch(document, data["patch"]))
    if kind == "advanced":
        history = [*(document.get("history") or []), data["entry"]]
        return {**document, "stage": data["to"], "history": history}
    if kind in ("approved", "rejected"):
        return {**document, "approvals": [*(document.get("approvals") or []), data["approval"]]}
    if kind in ("repinned", "evaluated"):  # the document stays; only the judgement is new
        return document
    raise ValueError(f"unknown event kind {kind!r}")


def check_chain(deal_id: str, events: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every broken link of one deal's events (in seq order), as lines a person reads."""
    problems = []
    previous = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        where = f"deal {deal_id} event {event['seq']}"
        if event["seq"] != expected_seq:
            problems.append(f"{where}: expected seq {expected_seq} (an event is missing)")
        if event["prev_hash"] != previous:
            problems.append(f"{where}: does not follow the event before it (prev_hash differs)")
        if event_hash(event) != event["hash"]:
            problems.append(f"{where}: its content does not match its hash (changed after writing)")
        previous = event["hash"]
    return problems
