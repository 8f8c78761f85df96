"""A signed-in approver in, the "my approvals" page out: every approval waiting for a role
they hold (oldest first, with the engine's words and the deal's other open items), the
sign-offs awaited from them, and the rejections standing in their roles or on their own deals
(``views.inbox``, ``views.sign_offs_waiting``, ``views.rejected``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from . import session, views
from .pages import Console, signin_first


class Approvals:
    """The inbox page, also the page a refused decision on it comes back to."""

    def __init__(self, c: Console) -> None:
        self.c = c

    async def approvals(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return signin_first(request)
        return self.inbox(request, user)

    def inbox(
        self, request: Request, user: dict[str, Any], status: int = 200, problem: str = ""
    ) -> HTMLResponse:
        lang = session.language(request)
        svc = self.c.svc
        judged = views.judge_all(svc, user["name"], lang)
        items = views.inbox(svc, user, lang, judged)
        signs = views.sign_offs_waiting(svc, user, lang, judged)
        rejected = views.rejected(svc, user, lang, judged)
        return self.c.page(
            request,
            "approvals.html",
            user,
            status,
            problem=problem,
            items=items,
            signs=signs,
            rejected=rejected,
        )
