"""A playbook editor's requests in, the "edit a playbook" page out: the draft with its lint
problems at their lines, its tests (editable beside it) run on it, and a new version saved in
the store with them.

Role ``playbook_editor`` (or ``admin``). The draft of the next version starts from the newest
version's text with the next label and the first day it may take effect; lint runs as the
user types (htmx posts the text, the same check ``POST /v1/lint`` makes); "save" stores the
text as a new version (``store/playbooks.py``) only when lint finds no error, the version's
label and date are new (``app/editing.may_save``) and the tests pass. The tests are shown as
text beside the draft (those of the version it starts from): a threshold change fails the
case that pinned the old one, at its line, and the editor changes that expectation knowingly;
the tests are saved with the version, and a draft starting from it starts from them. Every
worker of the service then serves it (``Service.refresh``). Without JavaScript it is a plain
form.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..app import editing
from ..app.library import Entry, header_of_text
from ..errors import KamError
from ..read.assemble import read_file
from ..store import save_version, saved_versions
from ..store.playbooks import EDITOR_ROLES
from . import review, session
from .pages import see, signin_first
from .words import say

# an editor's form: the draft, its base, csrf, a new file's name, the names of the files added,
# and a pane per test file
MAX_FIELDS = 8 + editing.MAX_TEST_FILES

if TYPE_CHECKING:
    from .pages import Console


@dataclass(frozen=True)
class Draft:
    """What the page shows of one draft."""

    text: str
    base: str  # the version it started from
    problems: tuple[editing.Problem, ...]
    tests: editing.TestRun | None  # None: not run on this draft
    refusals: tuple[str, ...] = ()  # why it was not saved, in words
    test_files: tuple[editing.TestFile, ...] = ()  # the tests, as edited beside the draft
    test_problems: tuple[tuple[editing.Problem, ...], ...] = ()  # of each test file


def limit_words(size: int) -> str:
    """The service's body limit as a person reads it: 1 MiB."""
    return f"{size / (1 << 20):g} MiB"


def may_edit(user: dict[str, Any] | None) -> bool:
    return user is not None and any(r in user.get("roles", ()) for r in EDITOR_ROLES)


class _NotEditor(Exception):
    """A signed-in user without the editor's role: a page saying so (403)."""


def _editors_only(route: Any) -> Any:
    async def guarded(self: Editor, request: Request) -> Response:
        try:
            response: Response = await route(self, request)
        except _NotEditor:
            lang = session.language(request)
            user = self.c.user(request)
            return self.c.page(request, "error.html", user, 403, problem=say(lang, "not_editor"))
        return response

    return guarded


class Editor:
    """The editor's routes, on top of a ``Console`` (its pages, session and service)."""

    def __init__(self, console: Console) -> None:
        self.c = console
        self.svc = console.svc

    @_editors_only
    async def editor(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return signin_first(request)
        self._editor_only(user)
        return await self.fresh_page(request, user, self._ident(request))

    async def fresh_page(
        self,
        request: Request,
        user: dict[str, Any],
        ident: str,
        problem: str = "",
        status: int = 200,
    ) -> Response:
        """The page with a new draft from the newest version in force (``problem``: what a
        form posted here was refused for)."""
        versions = self.svc.library.versions(ident)
        base = versions[-1]
        text = await anyio.to_thread.run_sync(self._draft_text, ident, base)
        tests = await anyio.to_thread.run_sync(editing.tests_of, self.svc.library, base)
        problems = await anyio.to_thread.run_sync(self._lint, ident, text)
        draft = self._draft(text, base, problems, None, tests)
        return self.show(request, user, ident, draft, status, problem)

    @_editors_only
    async def review(self, request: Request) -> Response:
        """A second editor approves or declines a version awaiting review (``review.py``)."""
        return await review.review(self, request)

    @_editors_only
    async def lint(self, request: Request) -> Response:
        """The draft checked (htmx as the user types, or the "check now" button)."""
        user, ident, text, base, tests, _ = await self._posted(request)
        problems = await anyio.to_thread.run_sync(self._lint, ident, text)
        return self.show(request, user, ident, self._draft(text, base, problems, None, tests))

    @_editors_only
    async def add_test(self, request: Request) -> Response:
        """A new test file beside the draft (its name checked: a new .yaml under tests/),
        saved with the version like the others once its cases pass."""
        user, ident, text, base, files, fields = await self._posted(request)
        lang = session.language(request)
        target = editing.tests_target(self.svc.library, base)
        name = fields.get("new_test", "")
        found = editing.new_test_file(name, files, target, self.svc.folder)
        problems = await anyio.to_thread.run_sync(self._lint, ident, text)
        if isinstance(found, editing.Refusal):
            draft = self._draft(text, base, problems, None, files)
            said = say(lang, found.key, **dict(found.values))
            return self.show(request, user, ident, draft, 422, problem=said, new_test=name)
        draft = self._draft(text, base, problems, None, (*files, found))
        return self.show(request, user, ident, draft)

    @_editors_only
    async def test(self, request: Request) -> Response:
        user, ident, text, base, files, _ = await self._posted(request)
        problems, tests = await anyio.to_thread.run_sync(self._checked, ident, text, base, files)
        draft = self._draft(text, base, problems, tests, files)
        return self.show(request, user, ident, draft, 200 if tests and tests.passed else 422)

    @_editors_only
    async def save(self, request: Request) -> Response:
        user, ident, text, base, files, _ = await self._posted(request)
        lang = session.language(request)
        problems, tests = await anyio.to_thread.run_sync(self._checked, ident, text, base, files)
        today = self.svc.settings.today()
        name = self._name(ident)
        refusals = [
            say(lang, r.key, **dict(r.values))
            for r in editing.may_save(text, name, ident, self._after(ident), today)
        ]
        if any(p.severity == "error" for p in problems):
            refusals.insert(0, say(lang, "save_lint"))
        elif tests is None or not tests.passed:
            refusals.append(say(lang, "save_tests"))
        head = header_of_text(text, name)
        pb = None if refusals else editing.compile_text(text, name, self.svc.folder)
        if refusals or head is None or pb is None:
            draft = self._draft(text, base, problems, tests, files, tuple(refusals))
            return self.show(request, user, ident, draft, 422)
        try:
            await anyio.to_thread.run_sync(
                lambda: save_version(
                    self.svc.store,
                    playbook_id=ident,
                    version=head.version,
                    effective_from=head.start,
                    text=text,
                    content_hash=pb.hash,
                    by=user["name"],
                    tests=tuple((t.path, t.text) for t in files),
                )
            )
        except KamError as exc:  # refused by the store: the role, or a label saved meanwhile
            draft = self._draft(text, base, problems, tests, files, tuple(exc.lines()))
            return self.show(request, user, ident, draft, 409)
        self.svc.refresh(force=True)
        where = f"/playbooks/{quote(ident, safe='')}/{quote(head.version, safe='')}/try"
        start = head.start.isoformat()
        # proposed: in force once another editor approves it (review.py)
        done = say(lang, "four_saved_proposed", playbook=ident, version=head.version, start=start)
        return see(where, done)

    # -- the page ---------------------------------------------------------------------------------
    def show(
        self,
        request: Request,
        user: dict[str, Any],
        ident: str,
        draft: Draft,
        status: int = 200,
        problem: str = "",
        new_test: str = "",
    ) -> Response:
        saved = [v for v in saved_versions(self.svc.store) if v.playbook_id == ident]
        lang = session.language(request)
        if draft.refusals:
            problem = say(lang, "save_refused") + ":\n" + "\n".join(draft.refusals)
        return self.c.page(
            request,
            "editor.html",
            user,
            status,
            problem=problem,
            ident=ident,
            draft=draft,
            errors=sum(p.severity == "error" for p in draft.problems),
            warnings=sum(p.severity != "error" for p in draft.problems),
            saved=saved,
            reviews=review.proposals(self, user, ident, lang),
            reviewed=review.decided(self.svc, ident),
            where=lambda file, line: f"{self._shown(file)}:{line}",
            pane=lambda file: self._pane(draft, file),
            max_body=self.svc.settings.max_body,
            new_test=new_test,
            added="\n".join(t.path for t in draft.test_files if t.added),
            limit=limit_words(self.svc.settings.max_body),
        )

    def _shown(self, file: str) -> str:
        """A file as the editor names it: relative to the playbook folder."""
        return os.path.relpath(file, self.svc.folder) if os.path.isabs(file) else file

    def _pane(self, draft: Draft, file: str) -> str:
        """The id of the tests pane that shows ``file`` ("" if none does)."""
        path = self._shown(file)
        found = [i for i, t in enumerate(draft.test_files) if t.path == path]
        return f"test-{found[0]}" if found else ""

    # -- what the routes share -----------------------------------------------------------------
    def _editor_only(self, user: dict[str, Any]) -> None:
        if not may_edit(user):
            raise _NotEditor

    def _ident(self, request: Request) -> str:
        ident = request.path_params["playbook"]
        self.svc.refresh()
        if ident not in self.svc.library.ids:
            raise HTTPException(404)
        return str(ident)

    async def _posted(
        self, request: Request
    ) -> tuple[dict[str, Any], str, str, Entry, tuple[editing.TestFile, ...], dict[str, str]]:
        """Who posted, the playbook, the draft, the version it started from, and its tests
        as edited: which test files those are is the server's (the base's), only their text
        is the form's; a file the form left out is empty, so it fails rather than passes."""
        user, fields = await self.c.checked(request, MAX_FIELDS)
        self._editor_only(user)
        ident = self._ident(request)
        versions = self.svc.library.versions(ident)
        base = next((e for e in versions if e.version == fields.get("base")), versions[-1])
        shown = await anyio.to_thread.run_sync(editing.tests_of, self.svc.library, base)
        files = tuple(editing.TestFile(t.path, fields.get(f"test:{t.path}", "")) for t in shown)
        # the files added beside this draft: their names checked again on every post
        target = editing.tests_target(self.svc.library, base)
        for name in fields.get("added", "").splitlines()[: editing.MAX_TEST_FILES]:
            found = editing.new_test_file(name, files, target, self.svc.folder)
            if isinstance(found, editing.TestFile):
                text = fields.get(f"test:{found.path}", "")
                files = (*files, editing.TestFile(found.path, text, added=True))
        return user, ident, fields.get("text", ""), base, files, fields

    def _draft(
        self,
        text: str,
        base: Entry,
        problems: tuple[editing.Problem, ...],
        tests: editing.TestRun | None,
        files: tuple[editing.TestFile, ...],
        refusals: tuple[str, ...] = (),
    ) -> Draft:
        target = editing.tests_target(self.svc.library, base)
        found = tuple(editing.test_problems(t, target, self.svc.folder) for t in files)
        return Draft(text, base.version, problems, tests, refusals, files, found)

    def _name(self, ident: str) -> str:
        """What diagnostics call the draft (never a file of the folder, so an ``extends`` of
        the version it started from is no loop)."""
        return f"{ident}.draft.yaml"

    def _draft_text(self, ident: str, base: Entry) -> str:
        text = base.text if base.text is not None else (read_file(base.file)[0] or "")
        versions = self._after(ident)
        # a declined label stays on record: never offered again
        taken = [e.version for e in versions] + [
            e.version for e in self.svc.library.saved if e.id == ident and e.review == "declined"
        ]
        label = editing.next_label(taken)
        start = editing.first_day(versions, self.svc.settings.today())
        return editing.draft_of(text, label, start)

    def _after(self, ident: str) -> list[Entry]:
        """The versions a new one follows: in force, and awaiting review (a draft starts
        after those, so two approvals never start on one day)."""
        return self.svc.library.versions(ident) + self.svc.library.proposals(ident)

    def _lint(self, ident: str, text: str) -> tuple[editing.Problem, ...]:
        return editing.lint_text(text, self._name(ident), self.svc.folder)

    def _checked(
        self, ident: str, text: str, base: Entry, files: tuple[editing.TestFile, ...]
    ) -> tuple[tuple[editing.Problem, ...], editing.TestRun | None]:
        """Lint, then (with no error) the tests of the version the draft started from, as
        edited."""
        problems = self._lint(ident, text)
        pb = editing.compile_text(text, self._name(ident), self.svc.folder)
        if pb is None:
            return problems, None
        target = editing.tests_target(self.svc.library, base)
        return problems, editing.run_tests(pb, target, self.svc.folder, files)
