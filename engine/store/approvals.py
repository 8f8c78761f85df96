"""A stored deal's document, the same deal as evaluated (with its stored account) and one
approver's decision in; the document with that decision on record out.

The one place the store writes an approval into a deal. The engine decides what is recorded
(``Playbook.record_decision``): the approval's basis is taken from the deal as it is judged,
so a later change beyond it makes the approval stale.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..app.playbook import Playbook


def record_approval(
    playbook: Playbook,
    document: dict[str, Any],
    evaluated: dict[str, Any],
    *,
    role: str,
    by: str,
    on: date,
    decision: str,
    comment: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the document with the decision appended to ``approvals``, the record appended).
    ``DecisionRefused`` when the engine would not count it (a role not asked now, a chain
    step still waiting, a basis that is not known)."""
    decided = playbook.record_decision(
        evaluated, role=role, by=by, decision=decision, on=on, comment=comment
    )
    record: dict[str, Any] = decided["approvals"][-1]
    return {**document, "approvals": [*(document.get("approvals") or []), record]}, record
