"""A playbook and the explanations of its test cases in, what was not exercised both ways out.

The reference interpreter records for every rule, table row, move condition, required
document and approval-chain step whether it fired; an item is covered when the cases saw it
fire and not fire. Items are grouped by the file that defines them - so a policy module is
covered by the cases of every playbook that includes it (``kam test --coverage``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..results import Explanation
    from .playbook import Playbook


@dataclass
class Coverage:
    """Which outcomes each item of each playbook file was seen with."""

    declared: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> key -> label
    seen: dict[str, dict[str, set[bool]]] = field(default_factory=dict)  # file -> key -> {T, F}

    def declare(self, pb: Playbook) -> None:
        for file, key, label in items_of(pb):
            self.declared.setdefault(file, {})[key] = label

    def record(self, pb: Playbook, ex: Explanation) -> None:
        where = {key: file for file, key, _ in items_of(pb)}
        for key, fired in outcomes(ex):
            file = where.get(key)
            if file is not None:
                self.seen.setdefault(file, {}).setdefault(key, set()).add(fired)

    def missing(self) -> dict[str, list[str]]:
        """file -> items not exercised both ways (with what was missing)."""
        out: dict[str, list[str]] = {}
        for file, items in sorted(self.declared.items()):
            for key, label in items.items():
                seen = self.seen.get(file, {}).get(key, set())
                if seen == {True, False}:
                    continue
                lack = (
                    ("never fired" if False in seen else "never seen not firing")
                    if seen
                    else "never reached"
                )
                out.setdefault(file, []).append(f"{label}: {lack}")
        return out

    def totals(self) -> tuple[int, int]:
        total = sum(len(v) for v in self.declared.values())
        done = sum(
            1
            for file, items in self.declared.items()
            for key in items
            if self.seen.get(file, {}).get(key, set()) == {True, False}
        )
        return done, total


def items_of(pb: Playbook) -> Iterator[tuple[str, str, str]]:
    """(defining file, coverage key, label) of every rule, row, guard, document and step."""
    for file, key, label in _items(pb):
        yield _shown(file), key, label


def _shown(file: str) -> str:
    """One name per file however it was reached (relative to here when below here)."""
    real = os.path.realpath(file)
    here = os.path.realpath(os.getcwd())
    return os.path.relpath(real, here) if real.startswith(here + os.sep) else real


def _items(pb: Playbook) -> Iterator[tuple[str, str, str]]:
    m = pb.model
    for r in m.rules:
        yield r.location.file, f"rule:{r.id}", f"rule {r.id}"
    for t in m.tables:
        for row in t.rows:
            yield row.location.file, f"row:{row.id}", f"table {t.id} row {row.index + 1}"
    for c in m.chains:
        for s in c.steps:
            yield c.location.file, f"step:{c.id}:{s.role}", f"chain {c.id} step {s.role}"
    for t in m.transitions:
        for g in t.conditions:
            yield g.location.file, f"guard:{t.target}:{g.id}", f"move to {t.target}: {g.id}"
        for n in t.documents:
            yield (
                n.location.file,
                f"document:{t.target}:{n.document}",
                (f"move to {t.target}: document {n.document}"),
            )
    for cat in m.categories.values():
        for n in cat.documents:
            yield (
                n.location.file,
                f"document:{n.stage}:{n.document}@{cat.id}",
                f"move to {n.stage}: document {n.document} ({cat.id})",
            )


def outcomes(ex: Explanation) -> Iterator[tuple[str, bool]]:
    """(coverage key, fired?) for what one evaluation decided."""
    for s in ex.steps:
        if s.kind == "rule" and s.outcome in ("fired", "not fired"):
            yield f"rule:{s.id.split('[')[0]}", s.outcome == "fired"
        elif s.kind == "row" and s.outcome in ("fired", "not fired"):
            yield f"row:{s.id}", s.outcome == "fired"
        elif s.kind == "guard" and s.outcome in ("met", "not met"):
            yield f"guard:{s.id}", s.outcome == "not met"  # "fired" = the guard held the move
        elif s.kind == "document" and s.outcome in ("held", "missing"):
            yield f"document:{s.id}", s.outcome == "missing"
    for a in ex.result.approvals:
        if a.chain is not None:
            yield f"step:{a.chain}:{a.role}", a.status == "granted"
