"""A deal id and the signed-in user in, the pages about one stored deal out: the deal page
(verdict, approvals, moves, sign-offs, timeline, facts, diagram), its "explain" view, and its
edit form (``dealform.py``), each in the user's language; reading them writes nothing."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..store import NotFound
from . import changes, dealform, session, views
from .pages import Console, signin_first
from .words import say


class Deals:
    """The pages of one deal; also what a refused form on them comes back to."""

    def __init__(self, c: Console) -> None:
        self.c = c

    # -- the deal page --------------------------------------------------------------------------
    async def deal(self, request: Request) -> Response:
        return self.c.one_deal(request, self.deal_view)

    def deal_view(
        self,
        request: Request,
        user: dict[str, Any],
        deal_id: str,
        status: int = 200,
        problem: str = "",
    ) -> HTMLResponse:
        lang = session.language(request)
        svc = self.c.svc
        judged = views.judge(svc, deal_id, user["name"], lang)
        data = views.deal_page(svc, judged, user, lang)
        data["diagram"] = Markup(data["diagram"])  # noqa: S704 - diagram_svg escapes every name
        return self.c.page(request, "deal.html", user, status, problem=problem, d=data)

    async def explain(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return signin_first(request)
        deal_id = request.path_params["deal_id"]
        lang = session.language(request)
        try:
            data = views.explain_page(self.c.svc, deal_id, lang)
        except NotFound:
            return self.c.no_deal(request, user, deal_id)
        return self.c.page(request, "explain.html", user, e=data)

    # -- editing a deal's fields ----------------------------------------------------------------
    async def edit_form(self, request: Request) -> Response:
        return self.c.one_deal(request, self.edit_view)

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
        svc = self.c.svc
        deal = svc.store.get_deal(deal_id)
        if not views.may_edit(user, deal, svc.store.history(deal_id)):
            return self.c.page(request, "error.html", user, 403, problem=say(lang, "not_yours"))
        pb = svc.pinned(deal_id)
        form = dealform.controls(pb.model, deal.document, lang, errors, posted)
        shown = dealform.paths(form)
        elsewhere = [f"$.{k}: {v}" for k, v in (errors or {}).items() if k not in shown]
        if elsewhere:  # a problem no control stands for (a whole entry): said at the top
            problem = "\n".join([problem, *elsewhere])
        return self.c.page(
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
