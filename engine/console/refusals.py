"""A refusal of the store or the engine (an exception) and the reader's language in, the
sentence the page shows out: by its stable ``code`` from the console's words, roles and
stages by their labels in the playbook."""

from __future__ import annotations

from ..errors import KamError, TransitionRefused
from ..present.words import Book
from ..store import Refused
from .words import WORDS, say


def refusal(lang: str, exc: KamError, book: Book | None = None) -> str:
    """The store's refusal in the reader's language when it carries a stable code (and the
    console has words for it), roles and stages by their labels; a refused move by its stages
    (the page lists what the move still needs, in the reader's language); else as the store
    wrote it."""
    code = getattr(exc, "code", "")
    if isinstance(exc, Refused) and code and f"refused_{code}" in WORDS["en"]:
        values = dict(exc.values)
        if book is not None and "role" in values:
            values["role"] = book.role(values["role"])
        try:
            return say(lang, f"refused_{code}", **values)
        except (KeyError, IndexError):  # words that name a value the refusal did not carry
            pass
    if isinstance(exc, TransitionRefused) and book is not None:
        return say(
            lang, "move_refused", src=book.stage(exc.from_stage), dst=book.stage(exc.to_stage)
        )
    return "\n".join(exc.lines(lang))
