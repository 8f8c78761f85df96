"""A deal and one approver's decision in, the deal with that decision recorded out: the
approvals entry carries the basis the evaluation shows (what is approved), so a later change
beyond it makes the approval stale (run/basis.py). Pure: the caller gives the date.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

from ..compile.build import CompiledPlaybook
from ..errors import DecisionRefused
from ..lang.values import same_person
from ..results import Approval
from .evaluate import evaluate

DECISIONS = ("approved", "rejected")
# what an approver may decide now: a rejection still standing too (the approver reconsiders)
OPEN = ("pending", "stale", "rejected")


def record_decision(
    pb: CompiledPlaybook,
    deal: dict[str, Any],
    checked: dict[str, Any],
    *,
    role: str,
    by: str,
    decision: str,
    on: date,
    comment: str | None = None,
) -> dict[str, Any]:
    """``deal`` (as given) with the decision appended to its approvals; ``checked`` is the
    same deal checked against ``pb``. Refused (``DecisionRefused``) as the engine would not
    count it: a role the deal does not ask now, the owner deciding, the same person on two
    steps of a chain, an approval whose basis is not known. An approval already granted may
    be withdrawn by a rejection; a rejection still standing may be reconsidered."""
    deal_id = str(checked["id"])

    def refuse(reason: str) -> DecisionRefused:
        return DecisionRefused(deal_id, role, reason)

    if decision not in DECISIONS:
        raise refuse(f"the decision is approved or rejected, not {decision!r}")
    if role not in pb.model.roles:
        known = ", ".join(pb.model.roles)
        raise refuse(f"'{role}' is not a role of this playbook (roles: {known})")
    if same_person(by, checked.get("owner")):
        raise refuse(f"{by} owns the deal and cannot decide on its approvals")
    result = evaluate(pb, checked, on)
    asked = [a for a in result.approvals if a.role == role]
    if not asked:
        open_roles = sorted({a.role for a in result.approvals if a.status in OPEN})
        now = f" (it asks {', '.join(open_roles)})" if open_roles else ""
        raise refuse(f"the deal does not ask {role} for an approval now{now}")
    # a chain's rejected step is decided again only as the round's first step
    open_ = [
        a for a in asked if a.status in OPEN and (a.status != "rejected" or (a.step or 1) == 1)
    ]
    if not open_ and decision == "rejected":
        # an approval given earlier may be withdrawn: a rejection recorded now stands against it
        open_ = [a for a in asked if a.status == "granted"]
    if not open_:
        waiting = [a for a in asked if a.status == "waiting"]
        if waiting:
            first = next(
                a.role for a in result.approvals if a.chain == waiting[0].chain and a.status in OPEN
            )
            raise refuse(f"step {waiting[0].step} waits for the earlier steps ({first} first)")
        by_whom = ", ".join(sorted({str(a.granted_by) for a in asked}))
        raise refuse(f"already approved by {by_whom}; nothing is asked of {role} now")
    for a in open_ if decision == "approved" else ():  # one person, one step of a chain
        if a.chain is not None and any(
            e.chain == a.chain and e.status == "granted" and same_person(e.granted_by, by)
            for e in result.approvals
        ):
            raise refuse(f"{by} already approved an earlier step of {a.chain}")
    basis = _basis(open_)
    unknown = sorted(name for name, value in basis.items() if value is None)
    if unknown and decision == "approved":
        raise refuse(
            f"what would be approved is not known ({', '.join(unknown)}): record it in the "
            "deal first"
        )
    entry: dict[str, Any] = {"role": role, "by": by, "on": on.isoformat(), "decision": decision}
    if comment:
        entry["comment"] = comment
    recorded = {k: _written(v) for k, v in basis.items() if v is not None}
    if recorded:
        entry["basis"] = recorded
    out = copy.deepcopy(deal)
    out["approvals"] = [*(deal.get("approvals") or []), entry]
    return out


def _basis(approvals: list[Approval]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in approvals:
        for name, value in a.basis:
            out.setdefault(name, value)
    return out


def _written(value: Any) -> Any:
    """A basis value as a deal holds it: exact numbers (Decimal), dates as YYYY-MM-DD."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return Decimal(value)
