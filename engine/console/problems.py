"""An error in (an HTTP error, the store unusable, a bug, or the service's problem+json
answer to a console path), a page in the reader's language out: never JSON, never a
traceback, never a server path; a bug is logged under an id the page names."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import KamError
from ..store import Contended, StoreError
from . import session
from .editor import limit_words
from .pages import ENV, HTMX, Console, signin_first
from .words import say

LOG = logging.getLogger("kam.console")
API = ("/v1/", "/healthz", "/docs", "/redoc", "/openapi.json")  # the service's own paths


class ErrorPages:
    """The console's exception handlers, and the page for a problem the service answered."""

    def __init__(self, c: Console) -> None:
        self.c = c

    async def on_http(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        lang = session.language(request)
        if exc.status_code == 401:
            return signin_first(request)
        key = {403: "forbidden_form", 405: "method_not_allowed"}.get(exc.status_code, "not_found")
        if exc.status_code == 404 and request.url.path.startswith("/v1"):
            from ..service.problems import problem_response

            return problem_response("not-found", "no such resource", request.url.path)
        return self.c.page(
            request, "error.html", self.c.user(request), exc.status_code, problem=say(lang, key)
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
        return self.c.page(request, "error.html", None, 503, problem=problem)

    def problem_page(self, request: Request, status: int, body: bytes) -> HTMLResponse:
        """A problem the service answered for a console path (its body gate refuses a form
        too large, too slow or not a form before any route runs) as a page in the reader's
        language, never JSON."""
        lang = session.language(request)
        mib = limit_words(self.c.svc.settings.max_body)
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
            user = self.c.user(request)
        except KamError:
            user = None
        response = self.c.page(request, "error.html", user, status, problem=problem)
        if status in (408, 413):
            response.headers["Connection"] = "close"  # the rest of the body is not read
        return response

    async def on_bug(self, request: Request, exc: Exception) -> Response:
        ident = uuid.uuid4().hex
        LOG.error(
            "internal error %s on %s %s", ident, request.method, request.url.path, exc_info=exc
        )
        lang = session.language(request)
        body = ENV.get_template("error.html").render(
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


class ProblemPages:
    """Around the whole app: a problem+json answer to a console path (the service's body gate
    answers 413, 408 and 415 before any route, so before the console's own handlers) becomes
    the console's error page. The API's paths keep their problem+json."""

    def __init__(self, app: ASGIApp, console: ErrorPages) -> None:
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
