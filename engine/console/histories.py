"""A stored record's history (the store's ledger of a price list entry or a customer account)
in, the rows a page's timeline shows out: newest first, who, when, what, and each changed
field as "label: before → after" in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..text import fmt_money_exact
from .words import say


@dataclass(frozen=True, slots=True)
class Entry:
    """One history entry as a page shows it."""

    seq: int
    version: int  # the record's version after it
    at: str  # as a person reads it: 2026-03-02 09:15 UTC
    datetime: str  # as the store wrote it (for <time datetime>)
    actor: str
    what: str
    changes: tuple[str, ...]


def timeline(
    events: list[dict[str, Any]],
    lang: str,
    kinds: Mapping[str, str],
    label: Callable[[str], str],
    shown: Callable[[str, Any], str],
    order: Sequence[str] = (),
) -> tuple[Entry, ...]:
    """``events`` (oldest first, as the store gives them) newest first; ``kinds`` the words
    key of each kind of entry, ``label`` a field's name as a person names it, ``shown`` a
    value of a field as the page writes it; changed fields in ``order`` first, as the page
    lists them (list, floor, retail price), the rest by name as the store keeps them."""
    rows = []
    for e in events:
        changes = e.get("changes") or {}
        names = [n for n in order if n in changes] + [n for n in changes if n not in order]
        lines = tuple(
            f"{label(name)}: {shown(name, c.get('before'))} → {shown(name, c.get('after'))}"
            for name in names
            if isinstance(c := changes[name], dict)
        )
        kind = str(e.get("kind", ""))
        rows.append(
            Entry(
                seq=int(e["seq"]),
                version=int(e["version"]),
                at=moment(str(e["at"])),
                datetime=str(e["at"]),
                actor=str(e["actor"]),
                what=say(lang, kinds[kind]) if kind in kinds else kind,
                changes=lines,
            )
        )
    return tuple(reversed(rows))


def moment(at: str) -> str:
    """A stored moment (``2026-03-02T09:15:31.123456Z``) as a person reads it, to the minute."""
    return at[:16].replace("T", " ") + " UTC"


def value_shown(value: Any, lang: str, none: str = "not_recorded", money: bool = False) -> str:
    """A stored value as a page writes it: money with separators (a whole amount too, as
    history holds ``148000``, when ``money``), yes/no, ``none``'s words for no value."""
    if value is None:
        return say(lang, none)
    if isinstance(value, bool):
        return say(lang, "yes" if value else "no")
    if isinstance(value, Decimal) or (money and isinstance(value, int)):
        return fmt_money_exact(Decimal(value))
    return str(value)
