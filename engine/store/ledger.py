"""A stored record's change (before, after, who, when) in; its next history entry, chained by
hash to the one before, out — and a record's history read back and checked.

Customer accounts and price-list entries keep their history alike: an append-only table (the
database refuses UPDATE and DELETE), one entry per change holding each field before and after
and the whole record after, each entry's hash covering the previous entry's. Each function
works on a connection its caller holds in a transaction; none commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from ..jsontext import to_canonical_json
from . import chain
from .records import loads


@dataclass(frozen=True, slots=True)
class Ledger:
    """Where one kind of record keeps its history: the table, the column naming the record
    and the column holding the record after each change."""

    table: Table
    key: str  # customer_id, model
    body: str  # account, entry
    what: str  # how a person names one record: "customer" C-9, "price of" Model A
    noun: str  # what the record is: "account", "price list entry"

    @property
    def hashed(self) -> tuple[str, ...]:
        return (
            self.key,
            "seq",
            "kind",
            "actor",
            "at",
            "version",
            "changes",
            self.body,
            "prev_hash",
        )

    def _entries(self, conn: Connection, key: str) -> list[Mapping[str, Any]]:
        t = self.table
        rows = conn.execute(select(t).where(t.c[self.key] == key).order_by(t.c.seq)).all()
        return [dict(r._mapping) for r in rows]

    def append(
        self,
        conn: Connection,
        key: str,
        kind: str,
        by: str,
        at: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
    ) -> None:
        """The record's next entry (``after`` holds its new ``version``), after the record's own
        row is written, and held, by the caller's transaction."""
        t = self.table
        last = conn.execute(
            select(t.c.seq, t.c.hash).where(t.c[self.key] == key).order_by(t.c.seq.desc()).limit(1)
        ).first()
        kept = {k: v for k, v in after.items() if k != "version"}
        names = sorted({*before, *after} - {"id", "version", self.key})
        changes = {
            k: {"before": before.get(k), "after": after.get(k)}
            for k in names
            if to_canonical_json(before.get(k)) != to_canonical_json(after.get(k))
        }
        entry: dict[str, Any] = {
            self.key: key,
            "seq": 1 if last is None else last.seq + 1,
            "kind": kind,
            "actor": by,
            "at": at,
            "version": after["version"],
            "changes": to_canonical_json(changes),
            self.body: to_canonical_json(kept),
            "prev_hash": chain.GENESIS if last is None else last.hash,
        }
        entry["hash"] = chain.digest({name: entry[name] for name in self.hashed})
        conn.execute(insert(t).values(**entry))

    def history(self, conn: Connection, key: str) -> list[dict[str, Any]]:
        """The record's history, oldest first."""
        return [
            {
                "seq": m["seq"],
                "kind": m["kind"],
                "actor": m["actor"],
                "at": m["at"],
                "version": m["version"],
                "changes": loads(m["changes"]),
                "prev_hash": m["prev_hash"],
                "hash": m["hash"],
            }
            for m in self._entries(conn, key)
        ]

    def verify(
        self, conn: Connection, keys: list[str], stored: Callable[[str], dict[str, Any]]
    ) -> list[str]:
        """Every record whose history is broken (a link, a number, a changed entry) or does
        not end in the record as ``stored`` gives it (with its ``version``)."""
        problems: list[str] = []
        t = self.table
        kept = set(keys)
        for key in conn.execute(select(t.c[self.key]).distinct()).scalars():
            if key not in kept:  # the record's row is gone: removed behind kam
                problems.append(f"{self.what} {key}: has a history but is not stored")
        for key in keys:
            where = f"{self.what} {key}"
            found = self._entries(conn, key)
            if not found:
                problems.append(f"{where}: has no history (it must start with 'created')")
                continue
            previous = chain.GENESIS
            for expected, entry in enumerate(found, start=1):
                if entry["seq"] != expected:
                    problems.append(
                        f"{where} entry {entry['seq']}: expected {expected} (one is missing)"
                    )
                if entry["prev_hash"] != previous:
                    problems.append(
                        f"{where} entry {entry['seq']}: does not follow the one before it"
                    )
                if chain.digest({name: entry[name] for name in self.hashed}) != entry["hash"]:
                    problems.append(f"{where} entry {entry['seq']}: changed after it was written")
                previous = entry["hash"]
            record = stored(key)
            if found[-1]["version"] != record.pop("version"):
                problems.append(f"{where}: its version is not its last history entry's")
            if to_canonical_json(loads(found[-1][self.body])) != to_canonical_json(record):
                problems.append(f"{where}: its history does not end in the stored {self.noun}")
        return problems
