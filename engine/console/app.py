"""The service's ``Service`` in, the console's pages out: a Starlette app of server-rendered
HTML, mounted at ``/`` beside the ``/v1`` API (``engine.console.create_app``).

Every page works without JavaScript: a form posts, the store decides, and the answer is a
303 back to the page (with a one-time notice) or the page again with the store's refusal.
htmx (vendored, ``hx-boost``) only spares the full reload. Reading a page never writes.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import anyio
import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..app.editing import tests_target
from ..errors import DealError, InputError, KamError, TransitionRefused
from ..present.words import Book
from ..service.app import within_budget
from ..service.problems import Problem
from ..store import Conflict, Contended, NotFound, Refused, StoreError
from ..text import word
from . import changes, dealform, session, signing, views
from .customers import CustomerPages
from .editor import Editor, limit_words, may_edit
from .prices import PricePages
from .words import LANGS, WORDS, say

if TYPE_CHECKING:
    from ..app.playbook import Playbook
    from ..service.app import Service

HERE = Path(__file__).parent
HTMX = "htmx-2.0.11.min.js"  # vendored from the npm package htmx.org 2.0.11 (docs/console.md)
FLASH = "kam_flash"
LOG = logging.getLogger("kam.console")
FILTERS = ("stage", "owner", "status", "category")

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


class Console:
    """The console's routes over one ``Service`` (its store and playbooks)."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self._handbooks: dict[tuple[str, str, str], str] = {}  # one per version and language
        self._samples: dict[tuple[str, str], tuple[str, Any]] = {}  # a test deal per version
        self._diffs: dict[tuple[str, str, str, str], dict[str, Any]] = {}  # versions, language

    # -- who is asking -------------------------------------------------------------------------
    def user(self, request: Request) -> dict[str, Any] | None:
        token = request.cookies.get(session.SESSION)
        if not token or len(token) > 200:
            return None
        return self.svc.store.user_for_token(token)

    def page(
        self,
        request: Request,
        template: str,
        user: dict[str, Any] | None,
        status: int = 200,
        notice: str = "",
        problem: str = "",
        **context: Any,
    ) -> HTMLResponse:
        lang = session.language(request)
        token = request.cookies.get(session.SESSION) or ""
        flash = unquote(request.cookies.get(FLASH, ""))[:300]
        body = _env.get_template(template).render(
            lang=lang,
            t=lambda key, **v: say(lang, key, **v),
            user=user,
            csrf=session.csrf_for(token) if user else "",
            path=request.url.path,
            here=_here(request) if request.method == "GET" else _came_from(request),
            notice=notice or flash,
            problem=problem,
            htmx=HTMX,
            new_key=_new_key,
            status_word=lambda s: word(lang, "result", s),
            money=views.money,
            **context,
        )
        response = HTMLResponse(body, status_code=status)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        if flash:
            response.delete_cookie(FLASH, path="/")
        return response

    # -- signing in and out ---------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        return _see("/approvals" if self.user(request) else "/signin")

    async def signin_form(self, request: Request) -> Response:
        if self.user(request):
            return _see("/approvals")
        return self.page(request, "signin.html", None, next_page=_next(request))

    async def signin(self, request: Request) -> Response:
        fields = await session.form(request)
        if not session.same_site(request):
            return self.page(
                request,
                "signin.html",
                None,
                403,
                problem=say(_lang(request), "forbidden_form"),
                next_page=_back(fields.get("next"), "/approvals"),
            )
        token = fields.get("token", "").strip()
        found = self.svc.store.user_for_token(token) if 0 < len(token) <= 200 else None
        if found is None:
            return self.page(
                request,
                "signin.html",
                None,
                401,
                problem=say(_lang(request), "bad_token"),
                next_page=_back(fields.get("next"), "/approvals"),
            )
        response = _see(_back(fields.get("next"), "/approvals"))
        session.remember(response, request, token)
        return response

    async def signout(self, request: Request) -> Response:
        await self.checked(request)
        response = _see("/signin")
        session.forget(response)
        return response

    async def choose_language(self, request: Request) -> Response:
        fields = await session.form(request)
        lang = fields.get("lang", "")
        response = _see(_back(fields.get("next"), "/"))
        if lang in LANGS and session.same_site(request):
            session.choose_language(response, request, lang)
        return response

    async def checked(
        self, request: Request, max_fields: int = session.MAX_FIELDS
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The signed-in user and the form of a state-changing request, or 403/401."""
        fields = await session.form(request, max_fields)
        user = self.user(request)
        if user is None:
            raise HTTPException(401)
        token = request.cookies.get(session.SESSION)
        if not session.same_site(request) or not session.csrf_ok(token, fields.get("csrf")):
            raise HTTPException(403)
        return user, fields

    # -- my approvals --------------------------------------------------------------------------
    async def approvals(self, request: Request) -> Response:
        user = self.user(request)
        if user is None:
            return _signin_first(request)
        return self.inbox(request, user)

    def inbox(
        self, request: Request, user: dict[str, Any], status: int = 200, problem: str = ""
    ) -> HTMLResponse:
        lang = session.language(request)
        judged = views.judge_all(self.svc, user["name"], lang)
        items = views.inbox(self.svc, user, lang, judged)
        signs = views.sign_offs_waiting(self.svc, user, lang, judged)
        return self.page(
            request, "approvals.html", user, status, problem=problem, items=items, signs=signs
        )

    async def decide(self, request: Request) -> Response:
        user, fields = await self.checked(request)
        deal_id = request.path_params["deal_id"]
        decision = "rejected" if request.url.path.endswith("/reject") else "approved"
        role = fields.get("role", "")
        lang = session.language(request)
        back = _back(fields.get("back"), "/approvals")
        if decision == "rejected" and not fields.get("reason", "").strip():
            return self.again(request, user, back, InputError(say(lang, "reason_needed")))
        try:
            version = _version(fields)
            pb = self.svc.pinned(deal_id)
            self.svc.store.decide_approval(
                deal_id,
                role=role,
                decision=decision,
                playbook=pb,
                by=user["name"],
                as_of=self.svc.settings.today(),
                reason=fields.get("reason") or None,
                if_version=version,
                key=_key(fields.get("key")),
            )
        except KamError as exc:
            return self.again(request, user, back, exc)
        label = views.judge(self.svc, deal_id, user["name"], lang).book(lang).role(role)
        done = "approved_done" if decision == "approved" else "rejected_done"
        return _see(back, say(lang, done, deal=deal_id, role=label))

    async def advance(self, request: Request) -> Response:
        user, fields = await self.checked(request)
        deal_id = request.path_params["deal_id"]
        lang = session.language(request)
        to = fields.get("to", "")
        back = f"/deals/{quote(deal_id, safe='')}"
        try:
            version = _version(fields)
            pb = self.svc.pinned(deal_id)
            self.svc.store.advance_deal(
                deal_id,
                to=to,
                playbook=pb,
                by=user["name"],
                as_of=self.svc.settings.today(),
                if_version=version,
                key=_key(fields.get("key")),
            )
        except KamError as exc:
            return self.again(request, user, back, exc)
        stage = views.judge(self.svc, deal_id, user["name"], lang).book(lang).stage(to)
        return _see(back, say(lang, "advanced_done", deal=deal_id, stage=stage))

    async def sign_off(self, request: Request) -> Response:
        """The user's sign-off (``visit.checked_by``, one more of ``expense.reviews``) written
        as a change of the deal through the store, which lets only the person it names, in a
        role they hold, write it, never the owner."""
        user, fields = await self.checked(request)
        deal_id = request.path_params["deal_id"]
        lang = session.language(request)
        back = _back(fields.get("back"), f"/deals/{quote(deal_id, safe='')}")
        where, role = fields.get("path", ""), fields.get("role", "")
        today = self.svc.settings.today()
        try:
            version = _version(fields)
            pb = self.svc.pinned(deal_id)
            deal = self.svc.store.get_deal(deal_id)
            change = signing.patch(pb.model, deal.document, where, role, user["name"], today)
            self.svc.store.update_deal(
                deal_id,
                change,
                playbook=pb,
                by=user["name"],
                as_of=today,
                if_version=version,
                key=_key(fields.get("key")),
            )
        except KamError as exc:
            return self.again(request, user, back, exc)
        label = Book(pb.model, lang).role(role)
        return _see(back, say(lang, "con_signed_done", deal=deal_id, role=label))

    # -- editing a deal's fields ----------------------------------------------------------------
    async def edit_form(self, request: Request) -> Response:
        return self.one_deal(request, self.edit_view)

    def one_deal(self, request: Request, view: Callable[..., HTMLResponse]) -> Response:
        """A page about one deal (``view``), or sign in first, or a 404 page naming it."""
        user = self.user(request)
        if user is None:
            return _signin_first(request)
        deal_id = request.path_params["deal_id"]
        try:
            return view(request, user, deal_id)
        except NotFound:
            lang = session.language(request)
            return self.page(
                request,
                "error.html",
                user,
                404,
                problem=say(lang, "no_deal", deal=_as_typed(deal_id)),
            )

    def edit_view(
        self,
        request: Request,
        user: dict[str, Any],
        deal_id: str,
        status: int = 200,
        problem: str = "",
        errors: dict[str, str] | None = None,
        posted: dict[str, str] | None = None,
        version: int | None = None,
        typed: changes.Typed | None = None,
    ) -> HTMLResponse:
        """The deal's fields as a form (only its owner, before or now, or an admin: 403 for
        anyone else, as the store would refuse them)."""
        lang = session.language(request)
        deal = self.svc.store.get_deal(deal_id)
        if not views.may_edit(user, deal, self.svc.store.history(deal_id)):
            return self.page(request, "error.html", user, 403, problem=say(lang, "not_yours"))
        pb = self.svc.pinned(deal_id)
        form = dealform.controls(pb.model, deal.document, lang, errors, posted)
        shown = dealform.paths(form)
        elsewhere = [f"$.{k}: {v}" for k, v in (errors or {}).items() if k not in shown]
        if elsewhere:  # a problem no control stands for (a whole entry): said at the top
            problem = "\n".join([problem, *elsewhere])
        return self.page(
            request,
            "edit.html",
            user,
            status,
            problem=problem,
            deal=deal,
            form=form,
            version=deal.version if version is None else version,
            typed=typed,
        )

    async def edit(self, request: Request) -> Response:
        """The posted form as a JSON merge patch of what changed, against the version the form
        was drawn from; a bad value comes back at its control, with everything typed kept."""
        user, fields = await self.checked(request, session.MAX_DEAL_FIELDS)
        deal_id = request.path_params["deal_id"]
        lang = session.language(request)
        back = f"/deals/{quote(deal_id, safe='')}"
        try:
            version = _version(fields)
            deal = self.svc.store.get_deal(deal_id)
            pb = self.svc.pinned(deal_id)
            posted = dealform.read(pb.model, deal.document, fields, lang)
            if posted.problems:
                raise DealError(posted.problems)
            if not posted.patch:
                if version != deal.version:
                    raise Conflict(f"deal {deal_id}", version, deal.version)
                return _see(back, say(lang, "nothing_changed"))
            change = self.svc.store.update_deal(
                deal_id,
                posted.patch,
                playbook=pb,
                by=user["name"],
                as_of=self.svc.settings.today(),
                if_version=version,
                key=_key(fields.get("key")),
            )
        except DealError as exc:
            errors = {p.path.removeprefix("$."): p.words(lang) for p in exc.problems}
            problem = say(lang, "fix_fields", n=str(len(errors)))
            return self.edit_view(
                request, user, deal_id, 422, problem, errors, fields, _version_or_none(fields)
            )
        except KamError as exc:  # a refusal (not the owner, say) is shown on the deal's page
            if isinstance(exc, Conflict | InputError):
                text = (
                    say(lang, "stale_version", deal=deal_id, seen=str(exc.expected),
                        now=str(exc.current))
                    if isinstance(exc, Conflict)
                    else refusal(lang, exc)
                )  # fmt: skip
                status = 409 if isinstance(exc, Conflict) else 422
                problem = say(lang, "not_done", why=text)
                # a stale form comes back with the values stored now: sent again as it was,
                # it would quietly undo the other person's change to a field left alone here;
                # what was typed is shown beside them, to apply to the new version at a click
                kept = None if isinstance(exc, Conflict) else fields
                typed = None
                try:
                    if isinstance(exc, Conflict):
                        typed = changes.typed_again(
                            self.svc.pinned(deal_id).model,
                            self.svc.store.history(deal_id),
                            _version_or_none(fields),
                            self.svc.store.get_deal(deal_id).document,
                            fields,
                            lang,
                        )
                    return self.edit_view(
                        request, user, deal_id, status, problem, None, kept, typed=typed
                    )
                except NotFound:
                    pass
            return self.again(request, user, back, exc)
        saved = change.response["deal"]["version"]
        return _see(back, say(lang, "saved_done", deal=deal_id, version=str(saved)))

    def again(
        self, request: Request, user: dict[str, Any], back: str, exc: KamError
    ) -> HTMLResponse:
        """The page the form came from, with the store's refusal on it; nothing was written."""
        lang = session.language(request)
        if isinstance(exc, Conflict):
            deal = exc.subject.removeprefix("deal ")
            text = say(
                lang, "stale_version", deal=deal, seen=str(exc.expected), now=str(exc.current)
            )
            status = 409
        else:
            text = refusal(lang, exc, self._book(request, lang))
            status = 404 if isinstance(exc, NotFound) else 422
        problem = say(lang, "not_done", why=text)
        if back.startswith("/deals/"):
            deal_id = unquote(back.removeprefix("/deals/"))
            try:
                return self.deal_view(request, user, deal_id, status, problem)
            except NotFound:
                pass
        return self.inbox(request, user, status, problem)

    def _book(self, request: Request, lang: str) -> Book | None:
        """The labels of the playbook the request's deal is pinned to (a refusal names its
        roles and stages by them); None when there is no such deal."""
        deal_id = request.path_params.get("deal_id")
        try:
            return Book(self.svc.pinned(deal_id).model, lang) if deal_id else None
        except KamError:
            return None

    # -- one deal -------------------------------------------------------------------------------
    async def deal(self, request: Request) -> Response:
        return self.one_deal(request, self.deal_view)

    def deal_view(
        self,
        request: Request,
        user: dict[str, Any],
        deal_id: str,
        status: int = 200,
        problem: str = "",
    ) -> HTMLResponse:
        lang = session.language(request)
        judged = views.judge(self.svc, deal_id, user["name"], lang)
        data = views.deal_page(self.svc, judged, user, lang)
        data["diagram"] = Markup(data["diagram"])  # noqa: S704 - diagram_svg escapes every name
        return self.page(request, "deal.html", user, status, problem=problem, d=data)

    async def explain(self, request: Request) -> Response:
        user = self.user(request)
        if user is None:
            return _signin_first(request)
        deal_id = request.path_params["deal_id"]
        lang = session.language(request)
        try:
            data = views.explain_page(self.svc, deal_id, lang)
        except NotFound:
            return self.page(
                request,
                "error.html",
                user,
                404,
                problem=say(lang, "no_deal", deal=_as_typed(deal_id)),
            )
        return self.page(request, "explain.html", user, e=data)

    # -- the pipeline ---------------------------------------------------------------------------
    async def pipeline(self, request: Request) -> Response:
        user = self.user(request)
        if user is None:
            return _signin_first(request)
        lang = session.language(request)
        chosen = {k: (request.query_params.get(k) or None) for k in FILTERS}
        judged = views.judge_all(self.svc, user["name"], lang, **chosen)
        if request.url.path.endswith(".csv"):
            return _csv(judged, lang)
        options = views.filter_options(self.svc, lang)
        query = "&".join(f"{k}={quote(v)}" for k, v in chosen.items() if v)
        return self.page(
            request,
            "pipeline.html",
            user,
            p=views.pipeline(self.svc, judged, lang),
            deals=judged,
            chosen=chosen,
            options=options,
            query=query,
        )

    # -- playbooks ----------------------------------------------------------------------------
    async def playbooks(self, request: Request) -> Response:
        user = self.user(request)
        if user is None:
            return _signin_first(request)
        self.svc.refresh()
        books = views.playbooks(self.svc)
        return self.page(request, "playbooks.html", user, books=books, editor=may_edit(user))

    async def handbook(self, request: Request) -> Response:
        """The handbook of one version, as ``kam docs`` writes it (one self-contained page)."""
        if self.user(request) is None:
            return _signin_first(request)
        lang = session.language(request)
        ident, version = request.path_params["playbook"], request.path_params["version"]
        if version not in {e.version for e in self._versions(ident)}:
            raise HTTPException(404)
        key = (ident, version, lang)
        if key not in self._handbooks:
            pb = self.svc.pick(ident, version, self.svc.settings.today(), proposed=True)
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
        return await anyio.to_thread.run_sync(
            self.svc.pick, ident, version, self.svc.settings.today(), True
        )

    def _versions(self, ident: str) -> list[Any]:
        """The versions in force and those awaiting review (not declined ones)."""
        self.svc.refresh()  # versions saved from the editor, by this worker or another
        if ident not in self.svc.library.ids:
            return []
        return self.svc.library.versions(ident) + self.svc.library.proposals(ident)

    # -- try a deal ---------------------------------------------------------------------------
    async def try_form(self, request: Request) -> Response:
        """A version's "try a deal": a deal of its own tests in the box, judged at once."""
        user = self.user(request)
        if user is None:
            return _signin_first(request)
        pb = await self.version(request)
        key = (pb.id, pb.version)
        if key not in self._samples:
            entry = next(e for e in self._versions(pb.id) if e.version == pb.version)
            tests_of = tests_target(self.svc.library, entry)
            self._samples[key] = await anyio.to_thread.run_sync(views.sample_deal, pb, tests_of)
        text, on = self._samples[key]
        as_of = (on or self.svc.settings.today()).isoformat()
        # a day the version is in force: its own test's day may come from the version before it
        start, until = pb.model.effective_from, pb.until
        if start and as_of < start:
            as_of = start
        elif until and as_of > until:
            as_of = until
        return await self.tried(request, user, pb, text, as_of)

    async def try_deal(self, request: Request) -> Response:
        """The deal in the box judged (a plain form post, or htmx as the user types)."""
        user, fields = await self.checked(request)
        pb = await self.version(request)
        return await self.tried(request, user, pb, fields.get("deal", ""), fields.get("as_of", ""))

    async def tried(
        self, request: Request, user: dict[str, Any], pb: Playbook, text: str, as_of: str
    ) -> HTMLResponse:
        lang = session.language(request)
        try:  # the service's budget for a stateless evaluation bounds this one too
            tried = await within_budget(self.svc, lambda: views.try_deal(pb, text, as_of, lang))
        except Problem as exc:
            tried = views.Tried((exc.detail,))
        return self.page(
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
        user = self.user(request)
        if user is None:
            return _signin_first(request)
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
            return self.page(request, "error.html", user, 404, problem=problem)
        found = None
        if len(versions) > 1:
            key = (ident, old, new, lang)
            if key not in self._diffs:
                today = self.svc.settings.today()
                a = await anyio.to_thread.run_sync(self.svc.pick, ident, old, today, True)
                b = await anyio.to_thread.run_sync(self.svc.pick, ident, new, today, True)
                texts = (entries[old].text, entries[new].text)  # None: the folder's file
                self._diffs[key] = await anyio.to_thread.run_sync(
                    views.version_diff, a, b, texts, self.svc.folder, lang
                )
            found = self._diffs[key]
        return self.page(
            request,
            "diff.html",
            user,
            ident=ident,
            versions=versions,
            old=old,
            new=new,
            diff=found,
        )

    # -- errors --------------------------------------------------------------------------------
    async def on_http(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        lang = session.language(request)
        if exc.status_code == 401:
            return _signin_first(request)
        key = {403: "forbidden_form", 405: "method_not_allowed"}.get(exc.status_code, "not_found")
        if exc.status_code == 404 and request.url.path.startswith("/v1"):
            from ..service.problems import problem_response

            return problem_response("not-found", "no such resource", request.url.path)
        return self.page(
            request, "error.html", self.user(request), exc.status_code, problem=say(lang, key)
        )

    async def on_kam_error(self, request: Request, exc: Exception) -> Response:
        """The store unusable (busy, unreachable): said on a page, never a traceback. Any
        other engine error a page did not expect is a bug of the page: logged under an id,
        never shown as "the store cannot be reached" nor with a server path in it."""
        assert isinstance(exc, KamError)
        if not isinstance(exc, StoreError | Contended):
            return await self.on_bug(request, exc)
        lang = session.language(request)
        problem = say(lang, "unavailable") + "\n" + "\n".join(exc.lines())
        return self.page(request, "error.html", None, 503, problem=problem)

    def problem_page(self, request: Request, status: int, body: bytes) -> HTMLResponse:
        """A problem the service answered for a console path (its body gate refuses a form
        too large, too slow or not a form before any route runs) as a page in the reader's
        language, never JSON."""
        lang = session.language(request)
        mib = limit_words(self.svc.settings.max_body)
        if status == 413 and request.headers.get("HX-Request") and "/edit/" in request.url.path:
            return _too_big_note(say(lang, "con_too_big", limit=mib))
        key = {
            413: "too_large",
            408: "too_slow",
            415: "bad_media",
            404: "not_found",
            405: "method_not_allowed",
        }.get(status)
        if key is not None:
            problem = say(lang, key, limit=mib) if key == "too_large" else say(lang, key)
        else:
            try:
                detail = str(json.loads(body).get("detail", ""))[:300]
            except (ValueError, AttributeError):
                detail = ""
            problem = say(lang, "problem_title") + (f": {detail}" if detail else "")
        try:
            user = self.user(request)
        except KamError:
            user = None
        response = self.page(request, "error.html", user, status, problem=problem)
        if status in (408, 413):
            response.headers["Connection"] = "close"  # the rest of the body is not read
        return response

    async def on_bug(self, request: Request, exc: Exception) -> Response:
        ident = uuid.uuid4().hex
        LOG.error(
            "internal error %s on %s %s", ident, request.method, request.url.path, exc_info=exc
        )
        lang = session.language(request)
        body = _env.get_template("error.html").render(
            lang=lang,
            t=lambda key, **v: say(lang, key, **v),
            user=None,
            csrf="",
            path="/",
            here="/",
            notice="",
            problem=say(lang, "error", id=ident),
            htmx=HTMX,
        )
        return HTMLResponse(body, status_code=500)


def console_app(svc: Service) -> Starlette:
    """The console's Starlette app over ``svc``; mount it at ``/`` after the API's routes."""
    c = Console(svc)
    e = Editor(c)
    pr = PricePages(c)
    cu = CustomerPages(c)
    routes = [
        Route("/", c.home),
        Route("/signin", c.signin_form, methods=["GET"]),
        Route("/signin", c.signin, methods=["POST"]),
        Route("/signout", c.signout, methods=["POST"]),
        Route("/language", c.choose_language, methods=["POST"]),
        Route("/approvals", c.approvals, methods=["GET"]),
        Route("/deals/{deal_id}", c.deal, methods=["GET"]),
        Route("/deals/{deal_id}/explain", c.explain, methods=["GET"]),
        Route("/deals/{deal_id}/approve", c.decide, methods=["POST"]),
        Route("/deals/{deal_id}/reject", c.decide, methods=["POST"]),
        Route("/deals/{deal_id}/advance", c.advance, methods=["POST"]),
        Route("/deals/{deal_id}/signoff", c.sign_off, methods=["POST"]),
        Route("/deals/{deal_id}/edit", c.edit_form, methods=["GET"]),
        Route("/deals/{deal_id}/edit", c.edit, methods=["POST"]),
        Route("/pipeline", c.pipeline, methods=["GET"]),
        Route("/pipeline.csv", c.pipeline, methods=["GET"]),
        Route("/playbooks", c.playbooks, methods=["GET"]),
        # before the version routes: "edit" is no version
        Route("/playbooks/{playbook}/edit", e.editor, methods=["GET"]),
        Route("/playbooks/{playbook}/edit/lint", e.lint, methods=["POST"]),
        Route("/playbooks/{playbook}/edit/test", e.test, methods=["POST"]),
        Route("/playbooks/{playbook}/edit/add", e.add_test, methods=["POST"]),
        Route("/playbooks/{playbook}/edit/save", e.save, methods=["POST"]),
        Route("/playbooks/{playbook}/edit/review", e.review, methods=["POST"]),
        # a reload of a page a form answered: back to the editor, not "405 cannot be used so"
        Route("/playbooks/{playbook}/edit/{action:str}", _back_to_editor, methods=["GET"]),
        Route("/playbooks/{playbook}/{version}", c.handbook, methods=["GET"]),
        Route("/playbooks/{playbook}/{version}/try", c.try_form, methods=["GET"]),
        Route("/playbooks/{playbook}/{version}/try", c.try_deal, methods=["POST"]),
        Route("/diff/{playbook}", c.diff, methods=["GET"]),
        Route("/prices", pr.price_list, methods=["GET"]),
        Route("/prices", pr.add, methods=["POST"]),
        Route("/prices/{model}", pr.one, methods=["GET"]),
        Route("/prices/{model}", pr.change, methods=["POST"]),
        Route("/customers", cu.customers, methods=["GET"]),
        Route("/customers/{customer_id}", cu.customer, methods=["GET"]),
        Route("/customers/{customer_id}", cu.update, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            HTTPException: c.on_http,
            KamError: c.on_kam_error,
            Exception: c.on_bug,
        },
    )
    app.state.console = c
    return app


API = ("/v1/", "/healthz", "/docs", "/redoc", "/openapi.json")  # the service's own paths


class ProblemPages:
    """Around the whole app: a problem+json answer to a console path (the service's body gate
    answers 413, 408 and 415 before any route, so before the console's own handlers) becomes
    the console's error page. The API's paths keep their problem+json."""

    def __init__(self, app: ASGIApp, console: Console) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path == "/v1" or path.startswith(API):
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if kind.startswith(b"application/problem+json"):
                    held["start"] = message
                    return
            elif message["type"] == "http.response.body" and "start" in held:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    page = self.console.problem_page(
                        Request(scope), held["start"]["status"], b"".join(chunks)
                    )
                    await page(scope, _no_body, send)
                return
            await send(message)

        await self.app(scope, receive, watch)


def _too_big_note(text: str) -> HTMLResponse:
    """An editor's draft too large, answered to htmx (lint as one types, a boosted button):
    the editor's own note, swapped in place of its hidden one, so the text typed stays on the
    page rather than a "too large" page taking its place."""
    from html import escape

    body = f'<div id="too-big" class="problem" role="alert"><p>{escape(text)}</p></div>'
    response = HTMLResponse(body, status_code=413)
    response.headers.update(
        {"HX-Retarget": "#too-big", "HX-Reswap": "outerHTML", "HX-Reselect": "#too-big"}
    )
    response.headers["Connection"] = "close"  # the rest of the body is not read
    return response


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _lang(request: Request) -> str:
    return session.language(request)


def _next(request: Request) -> str:
    return _back(request.query_params.get("next"), "/approvals")


def _came_from(request: Request) -> str:
    """Where a page answering a form should send the language switch: the page the form was
    on (its own address takes only posts, and would answer 405)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.headers.get("host", "") and referer.path.startswith("/"):
        return _back(referer.path + (f"?{referer.query}" if referer.query else ""), "/")
    return "/"


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _back(given: str | None, default: str) -> str:
    """Where to return after a form: a path on this site only (never //host or a URL)."""
    if given and given.startswith("/") and not given.startswith("//") and "\\" not in given:
        return given[:500]
    return default


def _see(where: str, notice: str = "") -> RedirectResponse:
    response = RedirectResponse(where, status_code=303)
    if notice:
        response.set_cookie(FLASH, quote(notice), max_age=60, httponly=True, samesite="strict")
    return response


async def _back_to_editor(request: Request) -> Response:
    """``/edit/test`` or ``/edit/lint`` reloaded (a page a form answered): the editor again."""
    if request.path_params["action"] not in ("lint", "test", "save", "add"):
        raise HTTPException(404)
    return _see("/playbooks/" + quote(request.path_params["playbook"], safe="") + "/edit")


def _as_typed(deal_id: str) -> str:
    """An id from the address as the user typed it: quoted, control characters shown, short."""
    text = json.dumps(deal_id[:80], ensure_ascii=False)
    return text if len(deal_id) <= 80 else text[:-1] + '…"'


def _signin_first(request: Request) -> Response:
    return _see("/signin?next=" + quote(_here(request), safe=""))


def _version(fields: dict[str, str]) -> int:
    """The deal version the form was drawn from: a decision is always about what was seen."""
    text = fields.get("version", "")
    if not (text.isdigit() and len(text) < 10):
        raise InputError("the form does not say which version of the deal it shows: reload it")
    return int(text)


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


def _version_or_none(fields: dict[str, str]) -> int | None:
    text = fields.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _key(text: str | None) -> str | None:
    """The form's idempotency key: a double submit of one form is one decision."""
    return text if text and len(text) <= 64 and text.replace("-", "").isalnum() else None


def _new_key() -> str:
    return uuid.uuid4().hex


def _csv(judged: list[views.Judged], lang: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["deal", "customer", "playbook", "version", "category", "stage", "status", "owner",
         "currency", "amount", "win", "weighted"]
    )  # fmt: skip
    for j in judged:
        win = next(
            (s.win_probability for s in j.playbook.model.stages if s.id == j.deal.stage), None
        )
        amount = j.amount
        writer.writerow(
            [
                _cell(j.deal.id),
                _cell(j.customer),
                j.deal.playbook_id,
                j.deal.playbook_version,
                _cell(str(j.deal.document.get("category", ""))),
                j.deal.stage,
                j.result.status,
                _cell(j.deal.owner),
                j.playbook.model.currency,
                _plain_money(amount),
                "" if win is None else str(win),
                "" if amount is None or win is None else _plain_money(amount * win),
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="pipeline.csv"'},
    )


def _plain_money(value: Decimal | None) -> str:
    """Money for a spreadsheet: no separators, every digit kept, at least two decimals
    (150000 -> 150000.00, 295200.000 -> 295200.00, 0.125 -> 0.125)."""
    if value is None:
        return ""
    places = max(2, -min(0, int(value.normalize().as_tuple().exponent)))
    return f"{value:.{places}f}"


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
