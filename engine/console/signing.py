"""A judged deal and a person in, the sign-offs the deal waits on (and which of them that
person may write) out; one of them chosen in, the JSON merge patch that records it out.

A sign-off (``visit.checked_by``, an entry of ``expense.reviews``) is evidence a move's
condition counts, so the deal waits on one when a move from its stage is held by a condition
that reads it. Who may write it is the store's rule (``store/signoffs.py``: the person it
names, in a role they hold, never the owner); the page only offers the button to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..lang.ir import Const, reads, walk
from ..lang.types import Type
from ..lang.values import same_person
from ..present.words import Book

if TYPE_CHECKING:
    from .views import Judged


@dataclass(frozen=True)
class Awaited:
    """One sign-off the deal waits on: where it is written, in which role, what it attests."""

    path: str  # visit.checked_by; expense.reviews (a list: the sign-off is one more entry)
    role: str
    role_label: str
    field_label: str  # Visit or reception › Record checked by
    attests: str  # the title of the condition it satisfies
    move: str  # the stage the move it opens goes to, by its label
    mine: bool  # the person holds the role and neither owns nor owned the deal


def is_sign_off(t: Type | None) -> bool:
    """Shaped like a sign-off: by, a role of the playbook's, perhaps on (store/signoffs.py)."""
    if t is None or t.kind != "object":
        return False
    names, role = set(t.field_names()), t.field("role")
    return (
        {"by", "role"} <= names <= {"by", "role", "on"} and role is not None and bool(role.values)
    )


def awaited(judged: Judged, roles: frozenset[str], own: bool, lang: str) -> list[Awaited]:
    """The sign-offs the moves from the deal's stage still need (a role the condition names
    by its id, else any role the sign-off allows), each role once per place."""
    model, deal = judged.playbook.model, judged.deal
    book = Book(model, lang)
    unmet = {(m.to, u.id) for m in judged.result.transitions for u in m.missing}
    found: dict[tuple[str, str], Awaited] = {}
    for move in model.transitions:
        for guard in move.conditions:
            if (move.target, guard.id) not in unmet:
                continue
            named = {
                n.value
                for n in walk(guard.when.node)
                if isinstance(n, Const) and isinstance(n.value, str)
            }
            for path in sorted(reads(guard.when.node).deal):
                t = type_at(model.deal_type, path)
                slot = t.item if t is not None and t.kind == "list" else t
                if not is_sign_off(slot):
                    continue
                assert slot is not None
                allowed = slot.field("role").values  # type: ignore[union-attr]
                for role in [r for r in allowed if r in named] or list(allowed):
                    if (path, role) in found or _signed(deal.document, path, role, deal.owner):
                        continue
                    found[(path, role)] = Awaited(
                        path,
                        role,
                        book.role(role),
                        book.field(path),
                        book.label(guard.title, guard.id),
                        book.stage(move.target),
                        role in roles and not own,
                    )
    return list(found.values())


def patch(
    model: Any, document: dict[str, Any], path: str, role: str, by: str, on: date
) -> dict[str, Any]:
    """The merge patch that records ``by``'s sign-off as ``role`` at ``path`` (a list: the
    entries there and one more); an InputError for a place or role that is no sign-off."""
    t = type_at(model.deal_type, path)
    listed = t is not None and t.kind == "list"
    slot = t.item if t is not None and listed else t
    if not is_sign_off(slot) or role not in slot.field("role").values:  # type: ignore[union-attr]
        raise InputError(f"{path}: {role} is not a sign-off this deal records: reload the page")
    assert slot is not None
    entry: dict[str, Any] = {"by": by, "role": role}
    if slot.field("on") is not None:
        entry["on"] = on.isoformat()
    value: Any = entry
    if listed:
        before = _get(document, path)
        value = [*(before if isinstance(before, list) else []), entry]
    for name in reversed(path.split(".")):
        value = {name: value}
    return value  # type: ignore[no-any-return]


def type_at(t: Type | None, path: str) -> Type | None:
    """The type of the deal's value at a dotted path (no list indexes), or None."""
    for name in path.split("."):
        if t is None or t.kind != "object" or not re.fullmatch(r"[^\[\]]+", name):
            return None
        t = t.field(name)
    return t


def _get(document: Any, path: str) -> Any:
    for name in path.split("."):
        document = document.get(name) if isinstance(document, dict) else None
    return document


def _signed(document: dict[str, Any], path: str, role: str, owner: str) -> bool:
    """Already signed in ``role`` by someone other than the owner (whose sign-off never
    counts: the condition still waits for another's)."""
    value = _get(document, path)
    entries = value if isinstance(value, list) else [value]
    return any(
        isinstance(e, dict)
        and e.get("role") == role
        and isinstance(e.get("by"), str)
        and not same_person(e["by"], owner)
        for e in entries
    )
