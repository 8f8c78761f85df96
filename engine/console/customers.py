"""Who is asking, the store's customer accounts and the playbooks' declarations in, the
accounts' pages out: ``/customers`` (every account) and ``/customers/{id}`` (one account with
its history and its form); a posted form in, a JSON merge patch of what changed, through
``Store.update_customer``, out, or the page again with what was wrong.

Who sets which field is the store's rule (store/accounts.py): the credit terms the supervisor
(or an admin); a field the playbooks declare ``recorded_by`` (``customer.state_organ``) one of
its roles (or an admin); the rest anyone. The form draws a field the reader may not set as its
value and who records it, with no box, as the deal form draws company data; the store decides
anyway (every call passes the playbooks' declarations) and its refusal is said on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..errors import DealError, DealProblem, KamError
from ..lang.types import Type
from ..present.words import Book
from ..service.problems import Problem
from ..store import Conflict, NotFound, Refused
from ..store.accounts import (
    ACCOUNT_FIELDS,
    CREDIT_ROLES,
    CREDIT_TERMS,
    INTEGER_FIELDS,
    MONEY_FIELDS,
    TEXT_FIELDS,
)
from ..store.reference import account_keepers, same_value
from . import histories, pages, session
from .dealform import PREFIX
from .dealform import _scalar as scalar  # one reader of a typed box for both forms
from .refusals import refusal
from .words import say

if TYPE_CHECKING:
    from .pages import Console

KINDS = {
    "created": "acct_kind_created",
    "updated": "acct_kind_updated",
    "recorded": "acct_kind_recorded",
}
SUPERVISOR = tuple(r for r in CREDIT_ROLES if r != "admin")
FIRST = ("name", "territory", "class")  # who the customer is, before what is recorded of it
MINIMUM_0 = (("minimum", 0),)
# an account field's type when no playbook declares it on its customer (store/accounts.py)
OWN_TYPES = {
    **{name: Type("string") for name in TEXT_FIELDS},
    **{name: Type("money", extra=MINIMUM_0) for name in MONEY_FIELDS},
    **{name: Type("integer", extra=MINIMUM_0) for name in INTEGER_FIELDS},
    "credit_checked_on": Type("date"),
    "state_organ": Type("bool"),
}
BOXES = ("money", "number", "integer", "percent", "date", "string", "person", "bool")


@dataclass(frozen=True, slots=True)
class Field:
    """One field of an account as the form draws it for one reader."""

    name: str
    label: str
    kind: str  # money number integer percent date text bool enum, or fixed: shown, no box
    value: str  # in the box (as typed back), or as shown when fixed
    options: tuple[tuple[str, str], ...] = ()  # (value, label) of a choice
    note: str = ""  # who records it (a fixed field), or why it has no box
    error: str = ""

    @property
    def control(self) -> str:
        return PREFIX + self.name

    @property
    def ident(self) -> str:
        return "a-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in self.name)


@dataclass(frozen=True, slots=True)
class Declared:
    """What the playbooks say of an account's fields: each one's type and label, the roles'
    labels, and who records which (the store's rule, from their ``recorded_by``)."""

    types: Mapping[str, Type]
    labels: Mapping[str, str]
    roles: Mapping[str, str]
    keepers: Mapping[str, tuple[str, ...]]

    def label(self, name: str, lang: str) -> str:
        if name in self.labels:
            return self.labels[name]
        key = f"acct_f_{name}"
        return say(lang, key) if name in ACCOUNT_FIELDS else name

    def shown(self, name: str, value: Any, lang: str) -> str:
        """A value of the field as the page writes it (an amount of money with separators)."""
        t = self.types.get(name) or OWN_TYPES.get(name)
        return histories.value_shown(value, lang, money=t is not None and t.kind == "money")

    def kept_by(self, name: str, lang: str) -> str:
        roles = self.keepers.get(name, ())
        return say(lang, "acct_or").join(self.roles.get(r, r) for r in roles)


def may_set(user: Mapping[str, Any], roles: tuple[str, ...]) -> bool:
    """Whether the store lets ``user`` set a field its ``roles`` record (none: anyone)."""
    held = user.get("roles", ())
    return not roles or "admin" in held or any(r in held for r in roles)


def account_at(events: list[dict[str, Any]], version: int) -> dict[str, Any]:
    """The account as it stood at ``version``, from its history (what a stale form was
    drawn from: a field someone else changed since is then not taken for the reader's)."""
    found: dict[str, Any] = {}
    for e in events:
        if e["version"] > version:
            break
        for name, change in (e.get("changes") or {}).items():
            if change.get("after") is None:
                found.pop(name, None)
            else:
                found[name] = change["after"]
    return found


@dataclass(frozen=True, slots=True)
class Typed:
    """A stale form's changes: label, typed, stored now; and the fields that post them again."""

    rows: tuple[tuple[str, str, str], ...]
    fields: tuple[tuple[str, str], ...]


class CustomerPages:
    """The customer accounts' routes, on top of a ``Console`` (its pages and service)."""

    def __init__(self, console: Console) -> None:
        self.c = console
        self.svc = console.svc

    def declared(self, lang: str) -> Declared:
        """The customer fields of every playbook in force today (the first to declare one
        gives its type and label) and who records which, as the store guards them."""
        types: dict[str, Type] = {}
        labels: dict[str, str] = {}
        roles: dict[str, str] = {}
        today = self.svc.settings.today()
        for ident in self.svc.library.ids:
            try:
                pb = self.svc.pick(ident, None, today)
            except (KamError, Problem):  # a playbook not in force today declares nothing now
                continue
            book = Book(pb.model, lang)
            for role in pb.model.roles:
                roles.setdefault(role, book.role(role))
            customer = pb.model.deal_type.field("customer")
            if customer is None or customer.kind != "object":
                continue
            for name, t in customer.fields:
                types.setdefault(name, t)
                if f"customer.{name}" in pb.model.field_labels and name not in labels:
                    labels[name] = book.field(f"customer.{name}").split(" › ")[-1]
        keepers = dict(account_keepers(self.svc.recorded_by()))
        for name in CREDIT_TERMS:  # the supervisor's, whatever the playbooks declare
            keepers[name] = SUPERVISOR
        for role in SUPERVISOR:
            roles.setdefault(role, role)
        return Declared(types, labels, roles, keepers)

    def book_of(self, lang: str, exc: KamError) -> Book | None:
        """The words of the first playbook in force that keeps the refused field: its roles
        and the field by their labels (None: the refusal is said as the store wrote it)."""
        field = getattr(exc, "values", {}).get("field")
        today = self.svc.settings.today()
        for ident in self.svc.library.ids:
            try:
                pb = self.svc.pick(ident, None, today)
            except (KamError, Problem):
                continue
            if f"customer.{field}" in pb.model.recorded_by:
                return Book(pb.model, lang)
        return None

    # -- reading -------------------------------------------------------------------------------
    async def customers(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return pages.signin_first(request)
        lang = session.language(request)
        found = self.svc.store.list_customers()
        declared = self.declared(lang)
        columns = ("territory", "class", "credit_limit", "receivables", "overdue_days")
        return self.c.page(
            request,
            "customers.html",
            user,
            accounts=found,
            columns=[(name, declared.label(name, lang)) for name in columns],
            shown=lambda name, value: declared.shown(name, value, lang),
        )

    async def customer(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return pages.signin_first(request)
        return self.account_page(request, user, request.path_params["customer_id"])

    def fields(
        self,
        account: Mapping[str, Any],
        user: Mapping[str, Any],
        declared: Declared,
        lang: str,
        errors: Mapping[str, str],
        posted: Mapping[str, str] | None,
    ) -> list[Field]:
        """Each field of the account (those the store and the playbooks know, and any other
        it holds) for this reader: a box for each they may set, the value and who records
        it for the rest. ``posted`` (a refused form) wins over the stored values."""
        names = list(
            dict.fromkeys(
                (
                    *FIRST,
                    *(n for n in declared.types if n in ACCOUNT_FIELDS or n in declared.keepers),
                    *ACCOUNT_FIELDS,
                    *(n for n in account if n not in ("id", "version")),
                )
            )
        )
        out = []
        for name in names:
            value = account.get(name)
            label = declared.label(name, lang)
            error = errors.get(name, "")
            t = declared.types.get(name) or OWN_TYPES.get(name)
            if name not in ACCOUNT_FIELDS and name not in declared.types:
                t = None  # a field no playbook knows: its type is unknown, so no box
            keepers = declared.keepers.get(name, ())
            if t is None or t.kind not in BOXES or not may_set(user, keepers):
                note = (
                    say(lang, "acct_kept_by", roles=declared.kept_by(name, lang))
                    if keepers
                    else say(lang, "acct_other")
                )
                shown = declared.shown(name, value, lang)
                out.append(Field(name, label, "fixed", shown, note=note, error=error))
                continue
            typed = posted.get(PREFIX + name, "") if posted is not None else _text(value)
            if t.kind == "bool" or t.values:
                options = (
                    (("true", say(lang, "yes")), ("false", say(lang, "no")))
                    if t.kind == "bool"
                    else tuple((v, v) for v in t.values)
                )
                out.append(Field(name, label, "choice", typed, options, error=error))
                continue
            kind = "text" if t.kind in ("string", "person") else t.kind
            out.append(Field(name, label, kind, typed, error=error))
        return out

    def account_page(
        self,
        request: Request,
        user: dict[str, Any],
        cid: str,
        status: int = 200,
        problem: str = "",
        errors: Mapping[str, str] | None = None,
        posted: Mapping[str, str] | None = None,
        typed: Typed | None = None,
    ) -> HTMLResponse:
        lang = session.language(request)
        try:
            account = self.svc.store.get_customer(cid)
        except NotFound:
            problem = say(lang, "acct_no_customer", id=pages.as_typed(cid))
            return self.c.page(request, "error.html", user, 404, problem=problem)
        declared = self.declared(lang)
        form = self.fields(account, user, declared, lang, errors or {}, posted)
        shown = {f.name for f in form}
        elsewhere = [f"{k}: {v}" for k, v in (errors or {}).items() if k not in shown]
        if elsewhere:  # a problem no field stands for: said at the top
            problem = "\n".join([problem, *elsewhere])
        history = histories.timeline(
            self.svc.store.customer_history(cid),
            lang,
            KINDS,
            lambda name: declared.label(name, lang),
            lambda name, value: declared.shown(name, value, lang),
            order=[f.name for f in form],  # as the form lists them
        )
        return self.c.page(
            request,
            "customer.html",
            user,
            status,
            problem=problem,
            account=account,
            form=form,
            history=history,
            typed=typed,
        )

    # -- changing ------------------------------------------------------------------------------
    async def update(self, request: Request) -> Response:
        """The posted form as a merge patch of what the reader changed (against the version
        the form was drawn from), each field they may set only; the store decides."""
        user, fields = await self.c.checked(request, max_fields=60)
        cid = request.path_params["customer_id"]
        lang = session.language(request)
        here = "/customers/" + quote(cid, safe="")
        version = pages.version_or_none(fields)
        try:
            now = self.svc.store.get_customer(cid)
        except NotFound:
            return self.account_page(request, user, cid)
        if version is None:
            return self.account_page(request, user, cid, 422, say(lang, "forbidden_form"))
        declared = self.declared(lang)
        events = self.svc.store.customer_history(cid)
        seen = now if version == now["version"] else account_at(events, version)
        patch, problems = self.read(fields, seen, user, declared, lang)
        if problems:
            errors = {p.path.removeprefix("$."): p.words(lang) for p in problems}
            problem = say(lang, "fix_fields", n=str(len(errors)))
            return self.account_page(request, user, cid, 422, problem, errors, fields)
        if not patch:
            return pages.see(here, say(lang, "acct_nothing"))
        try:
            saved = self.svc.store.update_customer(
                cid,
                patch,
                by=user["name"],
                if_version=version,
                recorded_by=self.svc.recorded_by(),
            )
        except Conflict as exc:
            now = self.svc.store.get_customer(cid)
            rows = tuple(
                (
                    declared.label(name, lang),
                    declared.shown(name, value, lang),
                    declared.shown(name, now.get(name), lang),
                )
                for name, value in patch.items()
            )
            again = tuple((PREFIX + name, fields.get(PREFIX + name, "")) for name in patch)
            problem = say(
                lang, "acct_stale", id=cid, seen=str(exc.expected), now=str(now["version"])
            )
            return self.account_page(request, user, cid, 409, problem, typed=Typed(rows, again))
        except DealError as exc:  # a value the store refuses that the form let through
            errors = {p.path.removeprefix("$."): p.words(lang) for p in exc.problems}
            problem = say(lang, "fix_fields", n=str(len(errors)))
            return self.account_page(request, user, cid, 422, problem, errors, fields)
        except KamError as exc:  # who records a field (account_field_role, credit terms)
            status = 403 if isinstance(exc, Refused) else 422
            why = refusal(lang, exc, self.book_of(lang, exc))
            problem = say(lang, "not_done", why=why)
            return self.account_page(request, user, cid, status, problem, posted=fields)
        notice = say(lang, "acct_saved_done", id=cid, version=str(saved["version"]))
        return pages.see(here, notice)

    def read(
        self,
        fields: Mapping[str, str],
        seen: Mapping[str, Any],
        user: Mapping[str, Any],
        declared: Declared,
        lang: str,
    ) -> tuple[dict[str, Any], list[DealProblem]]:
        """The boxes the reader may set, each read by its field's type (an empty box is no
        value), and what differs from ``seen`` as a merge patch; a box the form did not
        carry, or for a field the reader may not set, is left alone."""
        problems: list[DealProblem] = []
        patch: dict[str, Any] = {}
        form = self.fields(seen, user, declared, lang, {}, None)
        for f in form:
            if f.kind == "fixed" or f.control not in fields:
                continue
            t = declared.types.get(f.name) or OWN_TYPES.get(f.name) or Type("string")
            value = scalar(f.name, t, fields[f.control].strip(), problems, lang)
            if f.name == "name" and value is None and all(p.path != "$.name" for p in problems):
                needed = say(lang, "acct_name_needed")  # the store requires it too
                problems.append(DealProblem("$.name", needed, "form", (("text", needed),)))
            if not same_value(value, seen.get(f.name)):
                patch[f.name] = value
        return patch, problems


def _text(value: Any) -> str:
    """A stored value as its box shows it: plain digits, YYYY-MM-DD, true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
