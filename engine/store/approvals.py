"""A deal document and one approver's decision in, the document with that decision on
record out.

The one place the store writes an approval into a deal. The engine's own function for an
approval with its basis replaces ``record_approval`` when it lands; the store calls nothing
else to write one.
"""

from __future__ import annotations

from datetime import date
from typing import Any


def record_approval(
    document: dict[str, Any],
    *,
    role: str,
    by: str,
    on: date,
    decision: str,
    comment: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the deal with the decision appended to ``approvals``, the record appended)."""
    record: dict[str, Any] = {"role": role, "by": by, "on": on.isoformat(), "decision": decision}
    if comment:
        record["comment"] = comment
    return {**document, "approvals": [*(document.get("approvals") or []), record]}, record
