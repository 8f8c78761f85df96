"""A refusal of the store or the engine (an exception) and the reader's language in, the
sentence the page shows out: by its stable ``code`` from the console's words, roles and
stages by their labels in the playbook, and what a move still needs in the reader's language
(the deal judged again in it: the store writes those needs in English, its record's language).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from ..errors import KamError, TransitionRefused
from ..present.words import Book
from ..store import Refused
from .words import WORDS, say

if TYPE_CHECKING:
    from ..app.playbook import Playbook

# what the move from a stage to another still needs, the deal judged again in the reader's
# language; None when it cannot be told (the deal unreadable, or no such move)
Needs = Callable[[str, str], "tuple[str, ...] | None"]


def refusal(lang: str, exc: KamError, book: Book | None = None, needs: Needs | None = None) -> str:
    """The store's refusal in the reader's language when it carries a stable code (and the
    console has words for it), roles and stages by their labels; a refused move by its stages
    and, given ``needs``, what it still needs; else as the store wrote it."""
    code = getattr(exc, "code", "")
    if isinstance(exc, Refused) and code and f"refused_{code}" in WORDS["en"]:
        values = dict(exc.values)
        if book is not None and "role" in values:
            values["role"] = book.role(values["role"])
        if book is not None and "roles" in values:  # "a or b", as the store joined them
            either = " 或 " if lang == "zh" else " or "
            values["roles"] = either.join(book.role(r) for r in values["roles"].split(" or "))
        if book is not None and code == "account_field_role" and "field" in values:
            # the field's own label: the sentence already says it is the customer's
            values["field"] = book.field(f"customer.{values['field']}").split(" › ")[-1]
        key = f"refused_{code}"
        if code == "unreached_stage":
            key, values = _unreached(lang, values, book, needs)
        try:
            return say(lang, key, **values)
        except (KeyError, IndexError):  # words that name a value the refusal did not carry
            pass
    if isinstance(exc, TransitionRefused) and book is not None:
        return _move_refused(lang, exc, book, needs)
    return "\n".join(exc.lines(lang))


def needs_judged_again(pb: Playbook, deal: dict[str, Any], as_of: date, lang: str) -> Needs:
    """``Needs`` of a deal (as the engine sees it) judged by ``pb`` on ``as_of``, at the stage
    asked about: the engine's own words for each unmet guard, in ``lang``."""

    def needs(src: str, dst: str) -> tuple[str, ...] | None:
        try:
            result = pb.evaluate({**deal, "stage": src}, as_of=as_of, lang=lang)
        except KamError:
            return None
        return missing_of(result.transitions, dst)

    return needs


def missing_of(moves: Any, dst: str) -> tuple[str, ...] | None:
    """What the move to ``dst`` among a result's ``moves`` still needs (None: no such move)."""
    move = next((m for m in moves if m.to == dst), None)
    return None if move is None else tuple(u.message for u in move.missing)


def _move_refused(lang: str, exc: TransitionRefused, book: Book, needs: Needs | None) -> str:
    src, dst = book.stage(exc.from_stage), book.stage(exc.to_stage)
    if not exc.unmet and exc.reason != "guards not met":  # no move of the playbook goes there
        return say(lang, "move_none", src=src, dst=dst)
    found = needs(exc.from_stage, exc.to_stage) if needs is not None else None
    if found:
        return say(lang, "move_refused_needs", src=src, dst=dst, needs=_listed(found))
    return say(lang, "move_refused", src=src, dst=dst)


def _unreached(
    lang: str, values: dict[str, Any], book: Book | None, needs: Needs | None
) -> tuple[str, dict[str, Any]]:
    """A new deal at a stage it could not have reached: the stages by their labels, what the
    move it got stuck at needs in ``lang`` (judged again), or words without the store's
    English needs when they cannot be judged again."""
    src, dst = str(values.get("stuck_from", "")), str(values.get("stuck_to", ""))
    if book is not None:
        for name in ("stage", "first", "stuck_from", "stuck_to"):
            if name in values:
                values[name] = book.stage(str(values[name]))
    if not values.get("needs"):  # no move of the playbook leads there at all
        return "refused_unreached_no_way", values
    found = needs(src, dst) if needs is not None else None
    if found:
        return "refused_unreached_stage", {
            **values,
            "needs": _listed(found, inline=True, lang=lang),
        }
    if lang == "en":
        return "refused_unreached_stage", values
    return "refused_unreached_stuck", values


def _listed(items: tuple[str, ...], inline: bool = False, lang: str = "en") -> str:
    """Needs one a line (the page keeps line breaks), or in one sentence."""
    if inline:
        return ("；" if lang == "zh" else "; ").join(items)
    return "\n".join(f"- {item}" for item in items)
