"""A request in, the console's common ground out: who is asking, a page rendered in their
language (with its security headers and one-time notice), a form checked for CSRF, and the
small helpers every page module shares (a 303 back, a form's version and idempotency key).

Every page works without JavaScript: a form posts, the store decides, and the answer is a
303 back to the page (with a one-time notice) or the page again with the store's refusal.
htmx (vendored, ``hx-boost``) only spares the full reload. Reading a page never writes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..errors import InputError
from ..store import NotFound
from ..text import word
from . import session, views
from .words import say

if TYPE_CHECKING:
    from ..service.app import Service

HERE = Path(__file__).parent
HTMX = "htmx-2.0.11.min.js"  # vendored from the npm package htmx.org 2.0.11 (docs/console.md)
FLASH = "kam_flash"

ENV = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


class Console:
    """What every page of the console stands on: one ``Service`` (its store and playbooks)."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        # ``kam diff`` of two versions per language: the compare page and the editor's
        # review block ask for the same ones (a label's text never changes)
        self.diffs: dict[tuple[str, str, str, str], dict[str, Any]] = {}

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
        body = ENV.get_template(template).render(
            lang=lang,
            t=lambda key, **v: say(lang, key, **v),
            user=user,
            csrf=session.csrf_for(token) if user else "",
            path=request.url.path,
            here=here(request) if request.method == "GET" else came_from(request),
            notice=notice or flash,
            problem=problem,
            htmx=HTMX,
            new_key=new_key,
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

    def one_deal(self, request: Request, view: Callable[..., HTMLResponse]) -> Response:
        """A page about one deal (``view``), or sign in first, or a 404 page naming it."""
        user = self.user(request)
        if user is None:
            return signin_first(request)
        deal_id = request.path_params["deal_id"]
        try:
            return view(request, user, deal_id)
        except NotFound:
            return self.no_deal(request, user, deal_id)

    def no_deal(self, request: Request, user: dict[str, Any], deal_id: str) -> HTMLResponse:
        lang = session.language(request)
        return self.page(
            request, "error.html", user, 404, problem=say(lang, "no_deal", deal=as_typed(deal_id))
        )


def next_page(request: Request) -> str:
    return back(request.query_params.get("next"), "/approvals")


def came_from(request: Request) -> str:
    """Where a page answering a form should send the language switch: the page the form was
    on (its own address takes only posts, and would answer 405)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.headers.get("host", "") and referer.path.startswith("/"):
        return back(referer.path + (f"?{referer.query}" if referer.query else ""), "/")
    return "/"


def here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def back(given: str | None, default: str) -> str:
    """Where to return after a form: a path on this site only (never //host or a URL)."""
    if given and given.startswith("/") and not given.startswith("//") and "\\" not in given:
        return given[:500]
    return default


def see(where: str, notice: str = "") -> RedirectResponse:
    response = RedirectResponse(where, status_code=303)
    if notice:
        response.set_cookie(FLASH, quote(notice), max_age=60, httponly=True, samesite="strict")
    return response


def as_typed(deal_id: str) -> str:
    """An id from the address as the user typed it: quoted, control characters shown, short."""
    text = json.dumps(deal_id[:80], ensure_ascii=False)
    return text if len(deal_id) <= 80 else text[:-1] + '…"'


def signin_first(request: Request) -> Response:
    return see("/signin?next=" + quote(here(request), safe=""))


def form_version(fields: dict[str, str]) -> int:
    """The deal version the form was drawn from: a decision is always about what was seen."""
    text = fields.get("version", "")
    if not (text.isdigit() and len(text) < 10):
        raise InputError("the form does not say which version of the deal it shows: reload it")
    return int(text)


def version_or_none(fields: dict[str, str]) -> int | None:
    text = fields.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def form_key(text: str | None) -> str | None:
    """The form's idempotency key: a double submit of one form is one decision."""
    return text if text and len(text) <= 64 and text.replace("-", "").isalnum() else None


def new_key() -> str:
    return uuid.uuid4().hex
