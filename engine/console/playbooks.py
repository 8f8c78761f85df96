"""A playbook (and a version, or two) in, the pages about the rules themselves out: the list
of playbooks and their versions, a version's handbook, "try a deal" on a version, and the
difference between two versions in business words. Versions awaiting review are tried and
compared too, never in force."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..app.editing import tests_target
from ..service.app import within_budget
from ..service.problems import Problem
from . import session, views
from .editor import may_edit
from .pages import Console, signin_first
from .words import say

if TYPE_CHECKING:
    from ..app.playbook import Playbook


class Playbooks:
    """``/playbooks``, a version's handbook and "try a deal", and ``/diff``; what they cost to
    build (a handbook, a sample deal, a difference) is kept per version and language."""

    def __init__(self, c: Console) -> None:
        self.c = c
        self._handbooks: dict[tuple[str, str, str], str] = {}  # one per version and language
        self._samples: dict[tuple[str, str], tuple[str, Any]] = {}  # a test deal per version

    async def playbooks(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return signin_first(request)
        self.c.svc.refresh()
        books = views.playbooks(self.c.svc)
        return self.c.page(request, "playbooks.html", user, books=books, editor=may_edit(user))

    async def handbook(self, request: Request) -> Response:
        """The handbook of one version, as ``kam docs`` writes it (one self-contained page)."""
        if self.c.user(request) is None:
            return signin_first(request)
        lang = session.language(request)
        ident, version = request.path_params["playbook"], request.path_params["version"]
        if version not in {e.version for e in self._versions(ident)}:
            raise HTTPException(404)
        key = (ident, version, lang)
        if key not in self._handbooks:
            svc = self.c.svc
            pb = svc.pick(ident, version, svc.settings.today(), proposed=True)
            self._handbooks[key] = views.handbook(pb, lang)
        response = HTMLResponse(self._handbooks[key])
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
        )
        return response

    async def version(self, request: Request) -> Playbook:
        """The playbook version the path names, if the service holds it (else 404); compiled
        on a worker thread the first time (the service keeps it). A version awaiting review
        too: it is tried and compared before a second editor approves it."""
        ident, version = request.path_params["playbook"], request.path_params["version"]
        if version not in {e.version for e in self._versions(ident)}:
            raise HTTPException(404)
        svc = self.c.svc
        return await anyio.to_thread.run_sync(svc.pick, ident, version, svc.settings.today(), True)

    def _versions(self, ident: str) -> list[Any]:
        """The versions in force and those awaiting review (not declined ones)."""
        svc = self.c.svc
        svc.refresh()  # versions saved from the editor, by this worker or another
        if ident not in svc.library.ids:
            return []
        return svc.library.versions(ident) + svc.library.proposals(ident)

    # -- try a deal ---------------------------------------------------------------------------
    async def try_form(self, request: Request) -> Response:
        """A version's "try a deal": a deal of its own tests in the box, judged at once."""
        user = self.c.user(request)
        if user is None:
            return signin_first(request)
        pb = await self.version(request)
        key = (pb.id, pb.version)
        if key not in self._samples:
            entry = next(e for e in self._versions(pb.id) if e.version == pb.version)
            tests_of = tests_target(self.c.svc.library, entry)
            self._samples[key] = await anyio.to_thread.run_sync(views.sample_deal, pb, tests_of)
        text, on = self._samples[key]
        as_of = (on or self.c.svc.settings.today()).isoformat()
        # a day the version is in force: its own test's day may come from the version before it
        start, until = pb.model.effective_from, pb.until
        if start and as_of < start:
            as_of = start
        elif until and as_of > until:
            as_of = until
        return await self.tried(request, user, pb, text, as_of)

    async def try_deal(self, request: Request) -> Response:
        """The deal in the box judged (a plain form post, or htmx as the user types)."""
        user, fields = await self.c.checked(request)
        pb = await self.version(request)
        return await self.tried(request, user, pb, fields.get("deal", ""), fields.get("as_of", ""))

    async def tried(
        self, request: Request, user: dict[str, Any], pb: Playbook, text: str, as_of: str
    ) -> HTMLResponse:
        lang = session.language(request)
        try:  # the service's budget for a stateless evaluation bounds this one too
            tried = await within_budget(self.c.svc, lambda: views.try_deal(pb, text, as_of, lang))
        except Problem as exc:
            tried = views.Tried((exc.detail,))
        return self.c.page(
            request,
            "try.html",
            user,
            422 if tried.problems else 200,
            pb=pb,
            text=text,
            as_of=as_of,
            tried=tried,
        )

    # -- the difference between two versions ---------------------------------------------------
    async def diff(self, request: Request) -> Response:
        """``kam diff`` between two versions the service holds, picked on the page."""
        user = self.c.user(request)
        if user is None:
            return signin_first(request)
        lang = session.language(request)
        ident = request.path_params["playbook"]
        entries = {e.version: e for e in self._versions(ident)}
        versions = list(entries)
        if not versions:
            raise HTTPException(404)
        old = request.query_params.get("old") or versions[max(0, len(versions) - 2)]
        new = request.query_params.get("new") or versions[-1]
        if old not in versions or new not in versions:
            given = new if old in versions else old
            problem = say(lang, "no_version", playbook=ident, version=given[:40])
            return self.c.page(request, "error.html", user, 404, problem=problem)
        found = None
        if len(versions) > 1:
            key = (ident, old, new, lang)
            if key not in self.c.diffs:
                svc = self.c.svc
                today = svc.settings.today()
                a = await anyio.to_thread.run_sync(svc.pick, ident, old, today, True)
                b = await anyio.to_thread.run_sync(svc.pick, ident, new, today, True)
                texts = (entries[old].text, entries[new].text)  # None: the folder's file
                self.c.diffs[key] = await anyio.to_thread.run_sync(
                    views.version_diff, a, b, texts, svc.folder, lang
                )
            found = self.c.diffs[key]
        return self.c.page(
            request,
            "diff.html",
            user,
            ident=ident,
            versions=versions,
            old=old,
            new=new,
            diff=found,
        )
