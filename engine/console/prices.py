"""Who is asking and the store's price list in, the price list's pages out: ``/prices`` (each
model's list, floor and retail price, its version, who set it last and when) and
``/prices/{model}`` (one model, its history, and the form to change it); a posted form in,
the prices set through ``Store.set_prices`` out, or the page again with what was wrong.

Every signed-in user reads the list; the forms are drawn only for ``pricing`` or an admin, and
the store decides anyway (``price_list_role``, said on the page if a form comes from anyone
else). A box left empty leaves its price as it is; "take this price away" removes one. The
form carries the version it was drawn from, as an If-Match does: a form drawn before someone
else's change is refused and shown again from what is stored now, with what was typed beside
it ("you typed X; now stored Y") and a button that applies it to the new version knowingly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..errors import DealError, KamError
from ..store import Conflict, NotFound, Refused
from ..store.accounts import MAX_ID, PRICING_ROLE
from ..store.prices import PRICE_FIELDS
from ..store.reference import same_value
from . import histories, pages, session
from .dealform import NUMBER_TEXT
from .refusals import refusal
from .words import say

if TYPE_CHECKING:
    from .pages import Console

SETTERS = (PRICING_ROLE, "admin")  # who the store lets set a price (store/prices.py)
DROP = "drop_"  # "take this price away" beside a price's box
KINDS = {"created": "pr_kind_created", "updated": "pr_kind_updated"}


def may_price(user: dict[str, Any] | None) -> bool:
    return user is not None and any(r in user.get("roles", ()) for r in SETTERS)


def label(lang: str, name: str) -> str:
    return say(lang, f"pr_{name}")


def shown(lang: str, value: Any) -> str:
    """A price as the page writes it: money with separators, or "no price"."""
    return histories.value_shown(value, lang, none="pr_none", money=True)


@dataclass(frozen=True, slots=True)
class Row:
    """One model of the price list as the page shows it."""

    model: str
    prices: tuple[tuple[str, str], ...]  # (field, as shown) in PRICE_FIELDS order
    version: int
    last: str  # who set it last, when


@dataclass(frozen=True, slots=True)
class Typed:
    """A stale form's prices: what was typed beside what is stored now, and the form's fields
    that send it again over the new version."""

    rows: tuple[tuple[str, str, str], ...]  # label, typed, stored now
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Posted:
    """A posted price form read: the prices it sets (None: taken away) or what is wrong with
    it, each at its field (``model``, ``list_price``, …) in the page's language."""

    model: str
    values: dict[str, Decimal | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read(fields: dict[str, str], lang: str, model: str | None = None) -> Posted:
    """The form's model (``model`` when the address names it) and prices, each checked here
    so a bad value is said at its box in the page's language (the store checks them too)."""
    errors: dict[str, str] = {}
    name = model if model is not None else fields.get("model", "").strip()
    if model is None:
        if not name:
            errors["model"] = say(lang, "pr_model_needed")
        elif (
            len(name) > MAX_ID or "/" in name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
        ):
            errors["model"] = say(lang, "pr_model_bad")
    values: dict[str, Decimal | None] = {}
    for f in PRICE_FIELDS:
        text = fields.get(f, "").strip()
        drop = fields.get(DROP + f) == "1"
        if drop and text:
            errors[f] = say(lang, "pr_drop_and_type")
        elif drop:
            values[f] = None
        elif text:
            plain = text.replace(",", "").replace("，", "").replace(" ", "")
            if not NUMBER_TEXT.match(plain):
                errors[f] = f"{text[:60]!r}: {say(lang, 'bad_number')}"
            elif Decimal(plain) < 0:
                errors[f] = say(lang, "too_small", limit="0")
            else:
                values[f] = Decimal(plain)
    return Posted(name, values, errors)


def typed_again(posted: Posted, fields: dict[str, str], now: dict[str, Any], lang: str) -> Typed:
    """What a refused form typed, beside the prices stored now, and the hidden fields that
    post just that again."""
    rows = tuple(
        (label(lang, f), shown(lang, value), shown(lang, now.get(f)))
        for f, value in posted.values.items()
    )
    again = tuple(
        (DROP + f, "1") if value is None else (f, fields.get(f, "").strip())
        for f, value in posted.values.items()
    )
    return Typed(rows, again)


class PricePages:
    """The price list's routes, on top of a ``Console`` (its pages, session and service)."""

    def __init__(self, console: Console) -> None:
        self.c = console
        self.svc = console.svc

    # -- reading -------------------------------------------------------------------------------
    async def price_list(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return pages.signin_first(request)
        return self.list_page(request, user)

    async def one(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return pages.signin_first(request)
        return self.model_page(request, user, request.path_params["model"])

    def rows(self, lang: str) -> list[Row]:
        """The list, each model with who set it last (its history's last entry)."""
        found = []
        for e in self.svc.store.price_list():
            last = self.svc.store.price_history(e["model"])[-1]
            found.append(
                Row(
                    e["model"],
                    tuple((f, shown(lang, e.get(f))) for f in PRICE_FIELDS),
                    e["version"],
                    say(lang, "pr_last_line", at=histories.moment(last["at"]), by=last["actor"]),
                )
            )
        return found

    def list_page(
        self,
        request: Request,
        user: dict[str, Any],
        status: int = 200,
        problem: str = "",
        errors: dict[str, str] | None = None,
        posted: dict[str, str] | None = None,
    ) -> HTMLResponse:
        lang = session.language(request)
        return self.c.page(
            request,
            "prices.html",
            user,
            status,
            problem=problem,
            rows=self.rows(lang),
            fields=PRICE_FIELDS,
            setter=may_price(user),
            errors=errors or {},
            posted=posted or {},
        )

    def model_page(
        self,
        request: Request,
        user: dict[str, Any],
        model: str,
        status: int = 200,
        problem: str = "",
        errors: dict[str, str] | None = None,
        posted: dict[str, str] | None = None,
        typed: Typed | None = None,
    ) -> HTMLResponse:
        lang = session.language(request)
        try:
            entry = self.svc.store.get_prices(model)
        except NotFound:
            problem = say(lang, "pr_no_model", model=pages.as_typed(model))
            return self.c.page(request, "error.html", user, 404, problem=problem)
        events = self.svc.store.price_history(entry["model"])
        history = histories.timeline(
            events,
            lang,
            KINDS,
            lambda f: label(lang, f),
            lambda _, v: shown(lang, v),
            order=PRICE_FIELDS,
        )
        return self.c.page(
            request,
            "price.html",
            user,
            status,
            problem=problem,
            entry=entry,
            prices=[(f, entry.get(f), shown(lang, entry.get(f))) for f in PRICE_FIELDS],
            history=history,
            fields=PRICE_FIELDS,
            setter=may_price(user),
            errors=errors or {},
            posted=posted or {},
            typed=typed,
        )

    # -- setting -------------------------------------------------------------------------------
    async def add(self, request: Request) -> Response:
        """A model new to the list (the form's version is 0: one there already is refused
        as stale, with its prices now shown)."""
        user, fields = await self.c.checked(request)
        return self.set(request, user, fields, None)

    async def change(self, request: Request) -> Response:
        user, fields = await self.c.checked(request)
        return self.set(request, user, fields, request.path_params["model"])

    def set(
        self, request: Request, user: dict[str, Any], fields: dict[str, str], model: str | None
    ) -> Response:
        lang = session.language(request)
        posted = read(fields, lang, model)
        version = pages.version_or_none(fields)

        def again(status: int, problem: str, errors: dict[str, str] | None = None) -> Response:
            if model is None:  # the add form, on the list
                return self.list_page(request, user, status, problem, errors, fields)
            return self.model_page(request, user, model, status, problem, errors, fields)

        if posted.errors:
            return again(422, say(lang, "fix_fields", n=str(len(posted.errors))), posted.errors)
        if version is None:
            return again(422, say(lang, "forbidden_form"))
        try:
            now = self.svc.store.get_prices(posted.model)
        except NotFound:
            now = {"version": 0}
        if model is not None and now["version"] == 0:
            return self.model_page(request, user, model)  # 404: no such model (any more)
        changed = {f: v for f, v in posted.values.items() if not same_value(v, now.get(f))}
        if not changed and version == now["version"]:
            if now["version"] == 0:
                return again(422, say(lang, "pr_one_price"))
            return pages.see(self._url(now["model"]), say(lang, "pr_nothing", model=now["model"]))
        if version == now["version"] and all(
            {**now, **changed}.get(f) is None for f in PRICE_FIELDS
        ):
            return again(422, say(lang, "pr_keep_one"))
        try:
            saved = self.svc.store.set_prices(
                posted.model, changed, by=user["name"], if_version=version
            )
        except Conflict as exc:
            return self.stale(request, user, posted, fields, exc)
        except DealError as exc:  # a value the store refuses that the form let through
            errors = {p.path.removeprefix("$."): p.words(lang) for p in exc.problems}
            return again(422, say(lang, "fix_fields", n=str(len(errors))), errors)
        except KamError as exc:  # pricing's alone (price_list_role), an inactive user
            status = 403 if isinstance(exc, Refused) else 422
            return again(status, say(lang, "not_done", why=refusal(lang, exc)))
        notice = say(lang, "pr_saved_done", model=saved["model"], version=str(saved["version"]))
        return pages.see(self._url(saved["model"]), notice)

    def stale(
        self,
        request: Request,
        user: dict[str, Any],
        posted: Posted,
        fields: dict[str, str],
        exc: Conflict,
    ) -> Response:
        """A form drawn from another version (or a new model that is in the list already):
        the model's page from what is stored now, what was typed above it (409)."""
        lang = session.language(request)
        try:
            now = self.svc.store.get_prices(posted.model)
        except NotFound:
            return self.model_page(request, user, posted.model)
        if exc.expected == 0:
            problem = say(lang, "pr_exists", model=now["model"], now=str(now["version"]))
        else:
            problem = say(
                lang,
                "pr_stale",
                model=now["model"],
                seen=str(exc.expected),
                now=str(now["version"]),
            )
        typed = typed_again(posted, fields, now, lang)
        return self.model_page(request, user, now["model"], 409, problem, typed=typed)

    @staticmethod
    def _url(model: str) -> str:
        return "/prices/" + quote(model, safe="")
