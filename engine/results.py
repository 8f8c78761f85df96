"""What an evaluation found, as frozen dataclasses; ``to_dict()`` gives the documented JSON
(``schemas/result.schema.json``). Violations, approvals and actions are results, never
exceptions. Their ``text`` is a ``Text``: the message is written when first read
(``message``), since most callers only look at the status. Also what changed between two
playbooks (``kam diff``: ``PlaybookDiff``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .errors import Location, Text, UnmetGuard

OK = "ok"
NEEDS_APPROVAL = "needs_approval"
NEEDS_INFORMATION = "needs_information"  # ranks above needs_approval, below blocked
BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    severity: str  # block | warn
    text: Text  # the message, written when first read (``message``)

    @property
    def message(self) -> str:
        return str(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "message": self.message}


@dataclass(frozen=True, slots=True)
class Stale:
    """What an approval was given for (``was``; None when it recorded nothing) and what the
    deal asks now (``now``; None when unknown)."""

    name: str
    was: Any
    now: Any

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "was": plain(self.was), "now": plain(self.now)}


@dataclass(frozen=True, slots=True)
class Approval:
    rule: str
    role: str
    # pending | granted | waiting (a later step of a chain) | stale (approved for less than
    # the deal now asks, or rejected for more: it does not count, and is asked again) |
    # rejected (the approver said no to what the deal still asks: it blocks the deal)
    status: str
    text: Text  # the message, written when first read (``message``)
    granted_by: str | None = None
    step: int | None = None  # for approval chains: the step number...
    chain: str | None = None  # ...and the chain id
    # what the approval is bound to, as the deal stands now (name, value; None when unknown):
    # what a decision records
    basis: tuple[tuple[str, Any], ...] = ()
    stale: tuple[Stale, ...] = ()  # for status stale: what changed
    # for status rejected: who said no, on which day (None when the entry has none), and why
    rejected_by: str | None = None
    rejected_on: date | None = None
    reason: str | None = None

    @property
    def message(self) -> str:
        return str(self.text)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "role": self.role,
            "status": self.status,
            "message": self.message,
        }
        if self.granted_by is not None:
            out["granted_by"] = self.granted_by
        if self.rejected_by is not None:
            out["rejected_by"] = self.rejected_by
            out["rejected_on"] = self.rejected_on.isoformat() if self.rejected_on else None
            out["reason"] = self.reason
        if self.chain is not None:
            out["chain"] = self.chain
            out["step"] = self.step
        if self.basis:
            out["basis"] = {k: plain(v) for k, v in self.basis}
        if self.stale:
            out["stale"] = [s.to_dict() for s in self.stale]
        return out


@dataclass(frozen=True, slots=True)
class Action:
    rule: str
    id: str
    assignee: str
    due: date | None
    text: Text  # the message, written when first read (``message``)
    # due before as_of (due on as_of is not late yet); False when due is unknown, which
    # makes no claim either way: read ``due`` too
    overdue: bool

    @property
    def message(self) -> str:
        return str(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "id": self.id,
            "assignee": self.assignee,
            "due": self.due.isoformat() if self.due else None,
            "overdue": self.overdue,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class MissingInformation:
    """A rule (or a document's condition) that cannot be decided until someone records
    ``fields`` (deal paths, e.g. customer.state_organ): asked, never passed."""

    rule: str
    fields: tuple[str, ...]
    text: Text  # what to record, written when first read (``message``)

    @property
    def message(self) -> str:
        return str(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "fields": list(self.fields), "message": self.message}


@dataclass(frozen=True, slots=True)
class Move:
    """A stage move from the deal's current stage: allowed now, or what it still needs."""

    to: str
    allowed: bool
    missing: tuple[UnmetGuard, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "allowed": self.allowed,
            "missing": [m.to_dict() for m in self.missing],
        }


@dataclass(frozen=True, slots=True)
class PlaybookRef:
    id: str
    version: str
    hash: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "version": self.version, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class Result:
    """The engine's verdict on one deal at one date.

    ``status`` is ok, needs_approval, needs_information or blocked; ``violations``,
    ``approvals``, ``actions``, ``missing_information`` and ``transitions`` say why and what
    next; ``facts`` holds the computed values (None when unknown). ``to_dict()`` is the
    documented JSON as data, ``to_json()`` as exact text."""

    deal: str
    playbook: PlaybookRef
    category: str
    stage: str
    as_of: date
    status: str
    violations: tuple[Violation, ...]
    approvals: tuple[Approval, ...]
    actions: tuple[Action, ...]
    transitions: tuple[Move, ...]
    facts: dict[str, Any] = field(default_factory=dict)
    shadow: tuple[Violation | Approval | Action | MissingInformation, ...] = ()
    lang: str = "en"
    missing_information: tuple[MissingInformation, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.status == BLOCKED

    @property
    def pending_approvals(self) -> tuple[Approval, ...]:
        return tuple(a for a in self.approvals if a.status != "granted")

    def to_dict(self) -> dict[str, Any]:
        return {
            "deal": self.deal,
            "playbook": self.playbook.to_dict(),
            "category": self.category,
            "stage": self.stage,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "violations": [v.to_dict() for v in self.violations],
            "approvals": [a.to_dict() for a in self.approvals],
            "actions": [a.to_dict() for a in self.actions],
            "missing_information": [m.to_dict() for m in self.missing_information],
            "transitions": [t.to_dict() for t in self.transitions],
            "facts": {k: plain(v) for k, v in self.facts.items()},
            "shadow": [_shadow_dict(s) for s in self.shadow],
        }

    def to_json(self) -> str:
        """``to_dict()`` as JSON text, exactly as ``kam validate --format json`` prints it:
        money and ratios as exact JSON numbers (read them back with
        ``json.loads(text, parse_float=Decimal)``), dates as YYYY-MM-DD."""
        from .jsontext import to_json

        return to_json(self.to_dict())


def _shadow_dict(item: Violation | Approval | Action | MissingInformation) -> dict[str, Any]:
    kind = {
        Violation: "violation",
        Approval: "approval",
        Action: "action",
        MissingInformation: "missing_information",
    }[type(item)]
    return {"kind": kind, **item.to_dict()}


def plain(value: Any) -> Any:
    """A value as JSON would hold it (dates as text; Decimals stay exact)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal | int | str | bool) or value is None:
        return value
    return None  # an unknown fact


@dataclass(frozen=True, slots=True)
class Step:
    """One line of ``explain``: what a rule, row, fact or guard saw and decided."""

    kind: str  # fact | rule | table | row | guard | document
    id: str
    outcome: str  # fired | not fired | unknown | not applicable | value
    reads: tuple[tuple[str, Any], ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "outcome": self.outcome,
            "reads": {k: plain(v) for k, v in self.reads},
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    result: Result
    steps: tuple[Step, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result.to_dict(), "steps": [s.to_dict() for s in self.steps]}

    def to_json(self) -> str:
        """``to_dict()`` as JSON text, exactly as ``kam explain --format json`` prints it."""
        from .jsontext import to_json

        return to_json(self.to_dict())


# -- what changed between two playbooks (``kam diff``) ---------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: ``kind`` is added, removed, changed or reordered."""

    kind: str
    path: str  # e.g. parameters.discount_gm.value, rules[P4], transitions[visit → closing]
    old: Any
    new: Any
    at: Location  # in the newer file (in the older one for what was removed)
    # for a change to a parameter: its source as written ("company" or {"guide": ...})
    source: Any = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "change": self.kind,
            "path": self.path,
            "old": self.old,  # playbook data: text, numbers (exact decimals), lists, mappings
            "new": self.new,
            "at": str(self.at),
        }
        if self.source is not None:
            out["source"] = self.source
        return out


@dataclass(frozen=True, slots=True)
class PlaybookDiff:
    old: PlaybookRef
    new: PlaybookRef
    changes: tuple[Change, ...]

    @property
    def same_meaning(self) -> bool:
        """True when only formatting, comments or key order differ (same content hash)."""
        return self.old.hash == self.new.hash

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "same_meaning": self.same_meaning,
            "changes": [c.to_dict() for c in self.changes],
        }
