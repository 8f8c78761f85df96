"""A token, a sign-out or a language chosen in, the session cookie set or cleared and a 303
out: signing in and out of the console, and the language switch (``session.py`` keeps them).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from . import session
from .pages import Console, back, next_page, see
from .words import LANGS, say


class SignIn:
    """The sign-in page and form, signing out, and choosing the page language."""

    def __init__(self, c: Console) -> None:
        self.c = c

    async def home(self, request: Request) -> Response:
        return see("/approvals" if self.c.user(request) else "/signin")

    async def signin_form(self, request: Request) -> Response:
        if self.c.user(request):
            return see("/approvals")
        return self.c.page(request, "signin.html", None, next_page=next_page(request))

    async def signin(self, request: Request) -> Response:
        fields = await session.form(request)
        lang = session.language(request)
        if not session.same_site(request):
            return self.c.page(
                request,
                "signin.html",
                None,
                403,
                problem=say(lang, "forbidden_form"),
                next_page=back(fields.get("next"), "/approvals"),
            )
        token = fields.get("token", "").strip()
        found = self.c.svc.store.user_for_token(token) if 0 < len(token) <= 200 else None
        if found is None:
            return self.c.page(
                request,
                "signin.html",
                None,
                401,
                problem=say(lang, "bad_token"),
                next_page=back(fields.get("next"), "/approvals"),
            )
        response = see(back(fields.get("next"), "/approvals"))
        session.remember(response, request, token)
        return response

    async def signout(self, request: Request) -> Response:
        await self.c.checked(request)
        response = see("/signin")
        session.forget(response)
        return response

    async def choose_language(self, request: Request) -> Response:
        fields = await session.form(request)
        lang = fields.get("lang", "")
        response = see(back(fields.get("next"), "/"))
        if lang in LANGS and session.same_site(request):
            session.choose_language(response, request, lang)
        return response
