"""A playbook's saved versions in, the editor page's review block out (each version awaiting
review with its difference from the version in force, in business words), and a second
editor's approval or decline recorded in the store.

Four eyes: a version saved from the editor is proposed; it takes force only when another
person holding ``playbook_editor`` (or an admin) approves it (``store.review_version``: never
its author, one final decision, the hash reviewed must be the version's). Its author sees it
awaiting review and has no buttons; the store refuses them anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from ..app.library import Entry
from ..errors import InputError, KamError
from ..lang.values import same_person
from ..store import SavedVersion, review_version, saved_versions
from ..store.errors import AlreadyStored, NotFound
from ..store.playbooks import APPROVED, PROPOSED
from . import session, views
from .pages import see
from .refusals import refusal
from .words import say

if TYPE_CHECKING:
    from .editor import Editor


@dataclass(frozen=True)
class Proposal:
    """One version awaiting review, as the block shows it."""

    saved: SavedVersion
    against: str  # the version in force it is compared with
    diff: dict[str, Any]  # views.version_diff
    mine: bool  # the reader saved it: someone else reviews it


def proposals(editor: Editor, user: dict[str, Any], ident: str, lang: str) -> list[Proposal]:
    """The versions of ``ident`` awaiting review, oldest first, each against the version in
    force the day before it starts (what it would change)."""
    svc = editor.svc
    waiting = {e.version: e for e in svc.library.proposals(ident)}
    out = []
    for v in saved_versions(svc.store):
        entry = waiting.get(v.version)
        if v.playbook_id != ident or v.state != PROPOSED or entry is None:
            continue
        before = _before(svc.library.versions(ident), entry)
        out.append(
            Proposal(v, before.version, _diff(editor, ident, before, entry, lang), _mine(user, v))
        )
    return out


def decided(svc: Any, ident: str) -> list[SavedVersion]:
    """The saved versions of ``ident`` that were reviewed, newest first (who, when, why)."""
    found = [v for v in saved_versions(svc.store) if v.playbook_id == ident and v.review]
    return found[::-1]


def _mine(user: dict[str, Any], v: SavedVersion) -> bool:
    return same_person(user.get("name"), v.saved_by)


def _before(versions: list[Entry], proposal: Entry) -> Entry:
    earlier = [e for e in versions if e.start < proposal.start]
    return earlier[-1] if earlier else versions[-1]


def _diff(editor: Editor, ident: str, old: Entry, new: Entry, lang: str) -> dict[str, Any]:
    """``kam diff`` of the version in force and the proposal (kept: a label's text never
    changes, a declined label is never reused)."""
    c, svc = editor.c, editor.svc
    key = (ident, old.version, new.version, lang)
    if key not in c.diffs:
        today = svc.settings.today()
        a = svc.pick(ident, old.version, today)
        b = svc.pick(ident, new.version, today, proposed=True)
        c.diffs[key] = views.version_diff(a, b, (old.text, new.text), svc.folder, lang)
    return c.diffs[key]


async def review(editor: Editor, request: Request) -> Response:
    """Approve or decline one proposed version (the form names the version and the hash the
    reviewer was shown); refused (the author, a decision already made, another hash) on the
    editor page in the reader's language."""
    user, fields = await editor.c.checked(request)
    editor._editor_only(user)
    ident = editor._ident(request)
    lang = session.language(request)
    version = fields.get("version", "")[:80]
    decision = fields.get("decision", "")[:20]  # approved or declined; else refused
    try:
        await anyio.to_thread.run_sync(
            lambda: review_version(
                editor.svc.store,
                playbook_id=ident,
                version=version,
                content_hash=fields.get("hash", "")[:80],
                by=user["name"],
                decision=decision,
                reason=fields.get("reason", ""),
            )
        )
    except KamError as exc:
        status = 403
        if isinstance(exc, AlreadyStored):
            status = 409
        elif isinstance(exc, NotFound):
            status = 404
        elif isinstance(exc, InputError) or getattr(exc, "code", "") in (
            "review_needs_reason",
            "review_other_hash",
        ):
            status = 422
        return await editor.fresh_page(request, user, ident, refusal(lang, exc), status)
    editor.svc.refresh(force=True)  # this worker serves the approved version at once
    done = "four_approved_done" if decision == APPROVED else "four_declined_done"
    where = "/playbooks/" + quote(ident, safe="") + "/edit"
    return see(where, say(lang, done, playbook=ident, version=version))
