"""Stored deals and the playbooks they are pinned to in; the weighted pipeline by stage out
(amount times the stage's win probability), as ``kam batch``'s summary works it out.

The totals are the batch summary's (``engine.app.summary``: one home for the definition):
each stored deal is one more deal of its stage, with the amount its last judgement found
(``deals.amount``), an unknown amount counted apart, never as nothing. Deals pinned to
different playbook versions are totalled apart: each version has its own win probabilities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..app.summary import StageTotal, Summary, Tally
from ..errors import KamError
from .records import StoredDeal

if TYPE_CHECKING:
    from ..app.playbook import Playbook


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The pipeline of the deals pinned to one playbook version."""

    playbook_id: str
    playbook_version: str
    playbook_hash: str
    stages: tuple[StageTotal, ...]  # the playbook's stages that hold deals, in its order
    total: StageTotal | None  # None: the playbook could not be read (``note`` says why)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "playbook": {
                "id": self.playbook_id,
                "version": self.playbook_version,
                "hash": self.playbook_hash,
            },
            "stages": [s.to_dict() for s in self.stages],
            "total": None if self.total is None else self.total.to_dict(),
            "note": self.note or None,
        }


def one_deal(deal: StoredDeal) -> Tally:
    """One stored deal as the batch summary counts one judged deal."""
    tally = Tally()
    tally.deals = 1
    tally.stages[deal.stage] += 1
    known = deal.amount if deal.amount is not None else Decimal(0)
    tally.amounts[deal.stage] = (known, 0 if deal.amount is not None else 1)
    return tally


def pipelines(
    deals: Sequence[StoredDeal],
    open_pinned: Callable[[StoredDeal], Playbook],
    as_of: date,
) -> list[Pipeline]:
    """The totals for each playbook version the deals are pinned to (by id and version)."""
    groups: dict[str, tuple[StoredDeal, Tally]] = {}
    for deal in deals:
        first, tally = groups.setdefault(deal.playbook_hash, (deal, Tally()))
        tally.merge(one_deal(deal))
    out = []
    for content_hash, (first, tally) in sorted(
        groups.items(), key=lambda kv: (kv[1][0].playbook_id, kv[1][0].playbook_version)
    ):
        head = (first.playbook_id, first.playbook_version, content_hash)
        try:
            playbook = open_pinned(first)
        except KamError as error:  # a moved playbook file: the deals are still listed
            out.append(Pipeline(*head, (), None, f"no totals: {error}"))
            continue
        if playbook.hash != content_hash:
            note = f"no totals: {playbook.file} has changed since these deals were pinned to it"
            out.append(Pipeline(*head, (), None, note))
            continue
        summary = Summary.of(tally, playbook, as_of)
        held = tuple(s for s in summary.stages if s.deals)
        out.append(Pipeline(*head, held, summary.total))
    return out
