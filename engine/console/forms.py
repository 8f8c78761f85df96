"""A posted form that changes a stored deal in (approve, reject, advance, sign off, the edit
form saved), the store's answer out: a 303 back with a one-time notice, or the page the form
came from again with the refusal in the reader's language (nothing was written).

Each goes through the very ``Store`` call the API makes, with the playbook the deal is
pinned to, the version the form was drawn from and its idempotency key: roles, four eyes,
stale versions and replays are the store's rules, not the console's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..errors import DealError, InputError, KamError
from ..present.words import Book
from ..store import Conflict, NotFound
from . import changes, dealform, session, signing, views
from .approvals import Approvals
from .deals import Deals
from .pages import Console, back, form_key, form_version, see, version_or_none
from .refusals import Needs, missing_of, refusal
from .words import say


class DealForms:
    """The forms of the inbox and the deal pages, answered."""

    def __init__(self, c: Console, approvals: Approvals, deals: Deals) -> None:
        self.c = c
        self.approvals = approvals
        self.deals = deals

    async def decide(self, request: Request) -> Response:
        user, fields = await self.c.checked(request)
        svc = self.c.svc
        deal_id = request.path_params["deal_id"]
        decision = "rejected" if request.url.path.endswith("/reject") else "approved"
        role = fields.get("role", "")
        lang = session.language(request)
        where = back(fields.get("back"), "/approvals")
        if decision == "rejected" and not fields.get("reason", "").strip():
            return self.again(request, user, where, InputError(say(lang, "reason_needed")))
        if fields.get("reconsider") and fields.get("confirm") != "yes":
            # approving what stands rejected undoes a decision on record: only when confirmed
            return self.again(request, user, where, InputError(say(lang, "con_confirm_needed")))
        try:
            version = form_version(fields)
            pb = svc.pinned(deal_id)
            svc.store.decide_approval(
                deal_id,
                role=role,
                decision=decision,
                playbook=pb,
                by=user["name"],
                as_of=svc.settings.today(),
                reason=fields.get("reason") or None,
                if_version=version,
                key=form_key(fields.get("key")),
            )
        except KamError as exc:
            return self.again(request, user, where, exc)
        label = views.judge(svc, deal_id, user["name"], lang).book(lang).role(role)
        done = "approved_done" if decision == "approved" else "rejected_done"
        return see(where, say(lang, done, deal=deal_id, role=label))

    async def advance(self, request: Request) -> Response:
        user, fields = await self.c.checked(request)
        svc = self.c.svc
        deal_id = request.path_params["deal_id"]
        lang = session.language(request)
        to = fields.get("to", "")
        where = f"/deals/{quote(deal_id, safe='')}"
        try:
            version = form_version(fields)
            pb = svc.pinned(deal_id)
            svc.store.advance_deal(
                deal_id,
                to=to,
                playbook=pb,
                by=user["name"],
                as_of=svc.settings.today(),
                if_version=version,
                key=form_key(fields.get("key")),
            )
        except KamError as exc:
            return self.again(request, user, where, exc)
        stage = views.judge(svc, deal_id, user["name"], lang).book(lang).stage(to)
        return see(where, say(lang, "advanced_done", deal=deal_id, stage=stage))

    async def sign_off(self, request: Request) -> Response:
        """The user's sign-off (``visit.checked_by``, one more of ``expense.reviews``) written
        as a change of the deal through the store, which lets only the person it names, in a
        role they hold, write it, never the owner."""
        user, fields = await self.c.checked(request)
        svc = self.c.svc
        deal_id = request.path_params["deal_id"]
        lang = session.language(request)
        where = back(fields.get("back"), f"/deals/{quote(deal_id, safe='')}")
        path, role = fields.get("path", ""), fields.get("role", "")
        today = svc.settings.today()
        try:
            version = form_version(fields)
            pb = svc.pinned(deal_id)
            deal = svc.store.get_deal(deal_id)
            change = signing.patch(pb.model, deal.document, path, role, user["name"], today)
            svc.store.update_deal(
                deal_id,
                change,
                playbook=pb,
                by=user["name"],
                as_of=today,
                if_version=version,
                key=form_key(fields.get("key")),
            )
        except KamError as exc:
            return self.again(request, user, where, exc)
        label = Book(pb.model, lang).role(role)
        return see(where, say(lang, "con_signed_done", deal=deal_id, role=label))

    async def edit(self, request: Request) -> Response:
        """The posted form as a JSON merge patch of what changed, against the version the form
        was drawn from; a bad value comes back at its control, with everything typed kept."""
        user, fields = await self.c.checked(request, session.MAX_DEAL_FIELDS)
        svc = self.c.svc
        deal_id = request.path_params["deal_id"]
        lang = session.language(request)
        where = f"/deals/{quote(deal_id, safe='')}"
        edit_view = self.deals.edit_view
        try:
            version = form_version(fields)
            deal = svc.store.get_deal(deal_id)
            pb = svc.pinned(deal_id)
            posted = dealform.read(pb.model, deal.document, fields, lang)
            if posted.problems:
                raise DealError(posted.problems)
            if not posted.patch:
                if version != deal.version:
                    raise Conflict(f"deal {deal_id}", version, deal.version)
                return see(where, say(lang, "nothing_changed"))
            change = svc.store.update_deal(
                deal_id,
                posted.patch,
                playbook=pb,
                by=user["name"],
                as_of=svc.settings.today(),
                if_version=version,
                key=form_key(fields.get("key")),
            )
        except DealError as exc:
            errors = {p.path.removeprefix("$."): p.words(lang) for p in exc.problems}
            problem = say(lang, "fix_fields", n=str(len(errors)))
            return edit_view(
                request, user, deal_id, 422, problem, errors, fields, version_or_none(fields)
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
                            svc.pinned(deal_id).model,
                            svc.store.history(deal_id),
                            version_or_none(fields),
                            svc.store.get_deal(deal_id).document,
                            fields,
                            lang,
                        )
                    return edit_view(
                        request, user, deal_id, status, problem, None, kept, typed=typed
                    )
                except NotFound:
                    pass
            return self.again(request, user, where, exc)
        saved = change.response["deal"]["version"]
        return see(where, say(lang, "saved_done", deal=deal_id, version=str(saved)))

    def again(
        self, request: Request, user: dict[str, Any], where: str, exc: KamError
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
            text = refusal(lang, exc, self._book(request, lang), self._needs(request, user, lang))
            status = 404 if isinstance(exc, NotFound) else 422
        problem = say(lang, "not_done", why=text)
        if where.startswith("/deals/"):
            deal_id = unquote(where.removeprefix("/deals/"))
            try:
                return self.deals.deal_view(request, user, deal_id, status, problem)
            except NotFound:
                pass
        return self.approvals.inbox(request, user, status, problem)

    def _needs(self, request: Request, user: dict[str, Any], lang: str) -> Needs | None:
        """What a refused move of the request's deal still needs, the stored deal judged
        again in the reader's language (with its stored account, as the store judged it)."""
        deal_id = request.path_params.get("deal_id")
        if not deal_id:
            return None
        svc = self.c.svc

        def needs(src: str, dst: str) -> tuple[str, ...] | None:
            try:
                judged = views.judge(svc, deal_id, user["name"], lang)
            except KamError:
                return None
            if judged.deal.stage != src:  # moved meanwhile: the page lists its moves now
                return None
            return missing_of(judged.result.transitions, dst)

        return needs

    def _book(self, request: Request, lang: str) -> Book | None:
        """The labels of the playbook the request's deal is pinned to (a refusal names its
        roles and stages by them); None when there is no such deal."""
        deal_id = request.path_params.get("deal_id")
        try:
            return Book(self.c.svc.pinned(deal_id).model, lang) if deal_id else None
        except KamError:
            return None
