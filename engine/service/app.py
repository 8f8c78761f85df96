"""Settings in, the FastAPI app out: routes under ``/v1`` over ``engine.store`` and the
playbook library.

Requests are parsed by kam's own JSON reader (money stays Decimal, a bad body gets a line and
column) and answered by kam's JSON writer. Identity comes from the bearer token alone. Every
error is problem+json (problems.py); bodies over ``max_body`` bytes get 413 before any route,
a client that stalls mid-body 408, and a stateless evaluation over its budget 422.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..app.library import Entry, Library, open_playbook
from ..app.lint import LintReport, classify
from ..app.playbook import Playbook
from ..errors import InputError, KamError, Location, suggest
from ..jsontext import to_json
from ..lang.values import date_of_text
from ..read.json import DuplicateKeys, bad_number_why, is_bad_number
from ..run.deal import loads_deal
from ..store import Change, NotFound, Store, StoredDeal, open_store, saved_versions
from ..store.pipeline import pipelines
from ..store.prices import PRICE_FIELDS
from . import problems
from .problems import Problem, from_kam_error, problem_response

MIB = 1024 * 1024
T = TypeVar("T")
JSON_TYPES = ("application/json", "application/merge-patch+json")
DECISIONS = ("approved", "rejected")
TOKEN_MEMORY = 2.0  # seconds a stateless route trusts a token it has checked
SAVED_MEMORY = 2.0  # seconds a worker trusts its list of versions saved in the store


def _today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Settings:
    """What ``kam serve`` was given: the store, the playbook folder, the body limit, and the
    clock deals are judged by (tests fix it)."""

    db: str | None = None
    playbooks: str = "playbooks"
    max_body: int = MIB
    today: Callable[[], date] = field(default=_today)
    eval_budget: float = 2.0  # seconds one stateless evaluation may take (then 422)
    read_timeout: float = 10.0  # seconds a client may pause while sending its body (then 408)
    warm: bool = False  # load every playbook version at start (kam serve), not on first use


class Service:
    """What the routes share: the store, the library, and playbooks already loaded."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.folder = str(Path(settings.playbooks).resolve())
        problems.hide(self.folder)
        # the folder first: a service without playbooks is refused before a store is made
        self.library = Library(self.folder)
        if not self.library.ids:
            raise InputError(f"{self.folder}: holds no playbooks; give the folder with --playbooks")
        self.store: Store = open_store(settings.db)
        self._pinned: dict[tuple[str, str, str], Playbook] = {}
        self._lock = threading.Lock()
        self._recent: dict[str, tuple[str, float]] = {}  # token digest -> (user, valid until)
        self._picked: dict[tuple[str, str | None, date, bool], Playbook] = {}
        self._saved: tuple[tuple[str, str, str], ...] = ()  # (id, version, review) saved
        self._saved_until = 0.0
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """The versions saved from the console's editor, read from the store (at most every
        ``SAVED_MEMORY`` seconds, or now when ``force``d: this worker just saved one), so
        every worker of a service serves them; what was picked before a new one is forgotten."""
        now = time.monotonic()
        if not force and now < self._saved_until:
            return
        rows = saved_versions(self.store)
        # a review changes what is in force: an approval is news as a new version is
        known = tuple((r.playbook_id, r.version, r.state) for r in rows)
        with self._lock:
            if known != self._saved:
                entries = []
                for r in rows:
                    name = os.path.join(self.folder, f"{r.playbook_id}@{r.version}.saved.yaml")
                    where = Location(name, 1, 1)
                    entries.append(
                        Entry(
                            name,
                            r.playbook_id,
                            r.version,
                            r.effective_from,
                            None,
                            where,
                            r.text,
                            r.tests,
                            r.state,
                        )
                    )
                self.library.use_saved(entries)
                self._picked.clear()
                self._saved = known
            self._saved_until = now + SAVED_MEMORY

    def recorded_by(self) -> dict[str, tuple[str, ...]]:
        """What the folder's playbooks (and the approved saved versions) declare
        ``recorded_by``: who may set a stored account's fields."""
        self.refresh()
        with self._lock:
            return self.library.recorded_by()

    def evaluator(self, sent: str) -> str:
        """Who may evaluate with this token: ``who``, remembered for ``TOKEN_MEMORY`` seconds.
        Only the stateless routes use it (they read and change nothing stored), so a
        disabled user may evaluate that much longer; every route over the store asks the
        store on each request, and every change checks the user again in its transaction."""
        found = self.remembered(sent)
        if found is not None:
            return found
        digest = hashlib.sha256(sent.encode()).hexdigest()
        now = time.monotonic()
        name = who(self, sent)
        if len(self._recent) > 10_000:  # only valid tokens are kept, and they are few
            self._recent.clear()
        self._recent[digest] = (name, now + TOKEN_MEMORY)
        return name

    def remembered(self, sent: str) -> str | None:
        """The user of a token checked less than ``TOKEN_MEMORY`` seconds ago, else None
        (no I/O: the evaluate route asks this on the event loop)."""
        found = self._recent.get(hashlib.sha256(sent.encode()).hexdigest())
        if found is not None and found[1] > time.monotonic():
            return found[0]
        return None

    def warm(self) -> None:
        """Every playbook version of the folder loaded now, so no request pays for compiling
        one (nor spends its evaluation budget on it). A broken one is skipped here and
        reported to whoever asks for it."""
        for ident in self.library.ids:
            for entry in self.library.versions(ident):
                try:
                    # and who keeps which account field, as it declares, on record
                    self.store.remember_keepers(
                        self.pick(ident, entry.version, self.settings.today())
                    )
                except KamError:
                    continue

    def hint(self, playbook_id: str) -> str:
        found = suggest(playbook_id, self.library.ids)
        return f" ({found})" if found else ""

    def pick(
        self, playbook_id: str, version: str | None, on: date, proposed: bool = False
    ) -> Playbook:
        """The playbook version asked for (or in force ``on``), compiled once per service; a
        version awaiting review only with ``proposed`` (the console's review pages)."""
        found = self.loaded(playbook_id, version, on, proposed)
        if found is None:
            with self._lock:  # Library caches what it loads; one loader at a time
                found = self.library.pick(playbook_id, on, version, proposed)
            self._picked[(playbook_id, version, on, proposed)] = found
        return found

    def loaded(
        self, playbook_id: str, version: str | None, on: date, proposed: bool = False
    ) -> Playbook | None:
        """The playbook ``pick`` would give if it is compiled already, else None."""
        self.refresh()
        if playbook_id not in self.library.ids:  # the library's own message names the folder
            raise Problem(
                "bad-input",
                f"no playbook {playbook_id!r} in the service" + self.hint(playbook_id),
                errors=[_at("$.playbook", "not a playbook the service holds")],
            )
        return self._picked.get((playbook_id, version, on, proposed))

    def pinned(self, deal_id: str) -> Playbook:
        """The playbook a stored deal is pinned to (id, version, file it was read from)."""
        return self.pinned_of(self.store.get_deal(deal_id))

    def pinned_of(self, row: StoredDeal) -> Playbook:
        ident = (row.playbook_source, row.playbook_id, row.playbook_version)
        if ident not in self._pinned and row.playbook_source.endswith(".saved.yaml"):
            self.refresh()  # a version saved in the store (named as ``refresh`` names it)
            if any(e.file == row.playbook_source for e in self.library.saved):
                found = self.pick(row.playbook_id, row.playbook_version, self.settings.today())
                self._pinned[ident] = found
        with self._lock:
            if ident not in self._pinned:
                self._pinned[ident] = open_playbook(*ident, self.settings.today())
            return self._pinned[ident]


# -- request pieces ----------------------------------------------------------------------------
# The pieces that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency on a
# worker thread, and each such hop costs more than the piece itself.
async def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


bearer = HTTPBearer(auto_error=False, description="A token from `kam users token NAME`.")


async def token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The bearer token sent (401 when there is none)."""
    if credentials is None:
        raise Problem("unauthorized", "send Authorization: Bearer <token>")
    return credentials.credentials


def who(svc: Service, sent: str) -> str:
    """The user a bearer token belongs to: the only identity the service knows. Read from
    the store on every request, so a disabled user or a revoked token is refused at once."""
    found = svc.store.user_for_token(sent)
    if found is None:
        raise Problem("unauthorized", "the token is unknown or its user is inactive")
    name: str = found["name"]
    return name


async def user(
    svc: Annotated[Service, Depends(service)], sent: Annotated[str, Depends(token)]
) -> str:
    return await anyio.to_thread.run_sync(who, svc, sent)


async def raw_body(request: Request) -> bytes:
    return await request.body()


def parse_body(raw: bytes) -> Any:
    """The request body read by kam's JSON reader: numbers stay exact, a syntax error is
    located, and a duplicate key or a NaN anywhere in it is refused by its JSON path (the
    reader keeps the last of two keys; a request must not mean two things)."""
    if not raw.strip():
        raise Problem("bad-input", "the request needs a JSON body")
    data = loads_deal(raw, "json", source="request body")
    errors = ambiguities(data)
    if errors:
        raise Problem(
            "bad-input", "the request body is ambiguous: " + errors[0]["message"], errors=errors
        )
    return data


async def json_body(raw: Annotated[bytes, Depends(raw_body)]) -> Any:
    return parse_body(raw)


def ambiguities(data: Any) -> list[dict[str, str]]:
    """Duplicate keys and numbers that are not numbers (NaN, Infinity, too long), by path."""
    found: list[dict[str, str]] = []
    stack: list[tuple[Any, str]] = [(data, "$")]
    while stack and len(found) < 50:
        value, path = stack.pop()
        if isinstance(value, dict):
            if isinstance(value, DuplicateKeys):
                found += [_at(f"{path}.{k}", "duplicate key") for k in value.duplicates]
            stack += [(v, f"{path}.{k}") for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{path}[{i}]") for i, v in enumerate(value)]
        elif is_bad_number(value):
            found.append(_at(path, bad_number_why(value)))
    return found


async def if_match(
    value: Annotated[str | None, Header(alias="If-Match")] = None,
) -> int | None:
    if value is None:
        return None
    text = value.strip()
    text = text.removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Problem(
            "bad-request", f'If-Match is the deal version as an ETag ("3"), not {value!r}'
        )
    return int(text)


async def required_if_match(version: Annotated[int | None, Depends(if_match)]) -> int:
    if version is None:
        raise Problem("if-match-required", 'send If-Match: "<version>" (the ETag you read)')
    return version


async def idempotency_key(
    value: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str | None:
    return value


Svc = Annotated[Service, Depends(service)]
User = Annotated[str, Depends(user)]
Body = Annotated[Any, Depends(json_body)]
Raw = Annotated[bytes, Depends(raw_body)]
Token = Annotated[str, Depends(token)]
IfMatch = Annotated[int | None, Depends(if_match)]
IfMatchRequired = Annotated[int, Depends(required_if_match)]
Key = Annotated[str | None, Depends(idempotency_key)]


def as_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        to_json(data), status_code=status, media_type="application/json", headers=headers
    )


def public(deal: dict[str, Any]) -> dict[str, Any]:
    """A stored deal as a client sees it: without the server's file path of its playbook."""
    pinned = deal.get("playbook")
    if isinstance(pinned, dict) and "source" in pinned:
        deal = {**deal, "playbook": {k: v for k, v in pinned.items() if k != "source"}}
    return deal


def changed(change: Change, status: int = 200) -> Response:
    headers = {"ETag": f'"{change.response["deal"]["version"]}"'}
    if change.replayed:
        headers["Idempotent-Replayed"] = "true"
    response = {**change.response, "deal": public(change.response["deal"])}
    return as_json(response, status, headers)


async def within_budget(svc: Service, work: Callable[[], T]) -> T:
    """``work`` on a worker thread, answered within the evaluation budget. Past it the client
    gets 422 and the event loop moves on; the thread cannot be stopped, but the engine's
    own limits (limits.py) bound what it can still do."""
    budget = svc.settings.eval_budget
    try:
        with anyio.fail_after(budget):
            return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except TimeoutError:
        raise Problem(
            "evaluation-budget",
            f"the evaluation took more than its budget of {Decimal(str(budget))} s; "
            "nothing was stored (a smaller deal, or ask the operator for a larger budget)",
        ) from None


# A deal this small is judged on the event loop: the engine's limits keep its evaluation well
# under a millisecond, less than handing it to a worker thread costs. A larger one (up to the
# 500 lines a deal may hold), or any deal under a budget below INLINE_BUDGET, goes to a thread
# answered within the budget.
INLINE_BYTES = 16 * 1024
INLINE_BUDGET = 0.1  # seconds


async def evaluated(svc: Service, sent: str, raw: bytes) -> str:
    """POST /v1/evaluate: the bearer token ``sent`` checked, the body ``raw`` read, the deal
    judged; the result JSON. Raises ``Problem`` or ``KamError`` for the client."""
    if svc.remembered(sent) is None:  # the store is asked on a thread, at most every 2 s
        await anyio.to_thread.run_sync(svc.evaluator, sent)
    need: list[tuple[str, str | None, date]] = []

    def judge() -> str | None:
        data = parse_body(raw)
        on = as_of_field(data, svc)
        playbook_id = field_of(data, "playbook", str)
        version = field_of(data, "version", str, False)
        deal = field_of(data, "deal", dict)
        lang = field_of(data, "lang", str, required=False) or "en"
        if lang not in ("en", "zh"):
            raise Problem("bad-input", "lang is en or zh", errors=[_at("$.lang", "en or zh")])
        pb = svc.loaded(playbook_id, version, on)
        if pb is None:
            need.append((playbook_id, version, on))
            return None
        return to_json(pb.evaluate(deal, as_of=on, lang=lang, source="deal").to_dict())

    inline = len(raw) <= INLINE_BYTES and svc.settings.eval_budget >= INLINE_BUDGET
    answer: str | None = judge() if inline else await within_budget(svc, judge)
    if answer is None:  # compiling a playbook is the service's cost, not the budget's
        await anyio.to_thread.run_sync(svc.pick, *need[0])
        answer = judge() if inline else await within_budget(svc, judge)
    if answer is None:
        raise RuntimeError("a playbook just compiled is not in the service's cache")
    return answer


def bearer_token(scope: Scope) -> str:
    """The token of ``Authorization: Bearer <token>`` (as fastapi's HTTPBearer reads it);
    401 when there is none."""
    for key, value in scope["headers"]:
        if key.lower() == b"authorization":
            text: str = value.decode("latin-1")
            scheme, _, token = text.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            break
    raise Problem("unauthorized", "send Authorization: Bearer <token>")


def field_of(data: Any, name: str, kind: type, required: bool = True) -> Any:
    if not isinstance(data, dict):
        raise Problem("bad-input", "the body is a JSON object", errors=[_at("$", "not an object")])
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind):
        what = "missing" if value is None else f"must be a {kind.__name__}"
        raise Problem("bad-input", f"{name} {what}", errors=[_at(f"$.{name}", what)])
    return value


def _at(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


def as_of_field(data: Any, svc: Service) -> date:
    text = field_of(data, "as_of", str, required=False)
    if text is None:
        return svc.settings.today()
    try:
        return date_of_text(text)
    except ValueError:
        raise Problem(
            "bad-input",
            f"as_of is a date YYYY-MM-DD, not {text!r}",
            errors=[_at("$.as_of", "not a date")],
        ) from None


def body_doc(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """The request body as the OpenAPI document shows it (the routes read it themselves)."""
    schema = {"type": "object", "required": required, "properties": properties}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


OBJECT = {"type": "object"}
STRING = {"type": "string"}
NUMBER = {"type": "number", "minimum": 0}
DATE = {"type": "string", "format": "date"}
# Which problems a route can answer, declared per route in the OpenAPI document
READ = (401, 422, 500, 503)  # every /v1 route: the token, a bad query, a bug, the database
BODY = (408, 413, 415)  # a route that reads a body: a stalled client, too large, not JSON
WRITE = (403, 409)  # a change: refused (role, owner, a field only commands set); a key reused
MATCH = (400, 412)  # a change with If-Match: not a version; stale


def codes(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": problems.KINDS_BY_STATUS[status],
            "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in sorted(set(statuses))
    }


# -- the app -----------------------------------------------------------------------------------
EVALUATE = "/v1/evaluate"


class EvaluateLane:
    """``POST /v1/evaluate``, the route other programs call most, answered without the
    framework: the body gate (BodyLimit: 413, 415, 408), the bearer token, kam's JSON reader,
    the playbook from the service's dict of compiled ones, and the answer or a problem+json,
    as the documented route gives them; no dependency solving, no pydantic, and no worker
    thread for a small deal (``evaluated``). Profiling showed those took two thirds of the
    route's CPU."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self.gate = BodyLimit(_no_app, svc.settings.max_body, svc.settings.read_timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = await self.gate.body(scope, receive, send)
        if raw is None:
            return
        path = scope["path"]
        try:
            answer = await evaluated(self.svc, bearer_token(scope), raw)
        except Problem as exc:
            response = problem_response(exc.kind, exc.detail, path, **exc.extra)
        except KamError as exc:
            found = from_kam_error(exc)
            response = problem_response(found.kind, found.detail, path, **found.extra)
        except Exception as exc:  # a bug: a 500 with an id, the traceback logged under it
            response = problems.internal(Request(scope), exc)
        else:
            response = Response(answer, media_type="application/json")
        await response(scope, receive, send)


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("EvaluateLane uses BodyLimit only as a gate")  # pragma: no cover


class ServiceApp(FastAPI):
    """The FastAPI app, with ``POST /v1/evaluate`` handed to its ``lane`` before the
    framework's middleware and routing (the route stays declared, for the OpenAPI document)."""

    lane: EvaluateLane | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.lane
        if (
            lane is not None
            and scope["type"] == "http"
            and scope["path"] == EVALUATE
            and scope["method"] == "POST"
        ):
            await lane(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service over the store ``settings.db`` and the playbooks in ``settings.playbooks``."""
    svc = Service(settings or Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if svc.settings.warm:
            await anyio.to_thread.run_sync(svc.warm)
        yield
        svc.store.close()

    app = ServiceApp(
        title="kam",
        version="1",
        summary="Key-account deals: validate, store, advance and approve them.",
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,
        redirect_slashes=False,
    )
    app.state.service = svc
    app.lane = EvaluateLane(svc)
    _handlers(app)
    app.add_middleware(
        BodyLimit, limit=svc.settings.max_body, read_timeout=svc.settings.read_timeout
    )

    @app.get("/healthz", tags=["health"], responses=codes(500, 503))
    def healthz(svc: Svc) -> Response:
        """Liveness, and whether the database answers (no token needed): 503 when it does
        not."""
        svc.store.list_users()
        return as_json({"ok": True, "database": "reachable"})

    v1 = "/v1"

    @app.post(
        EVALUATE,
        tags=["stateless"],
        responses=codes(*READ, *BODY, 404),
        openapi_extra=body_doc(
            ["playbook", "deal"],
            {
                "playbook": STRING,
                "version": STRING,
                "deal": OBJECT,
                "as_of": DATE,
                "lang": {"type": "string", "enum": ["en", "zh"]},
            },
        ),
    )
    async def evaluate(svc: Svc, sent: Token, raw: Raw) -> Response:
        """A deal judged by a playbook of the folder: the result JSON of `kam validate --format
        json`; nothing stored. Over the evaluation budget: 422 evaluation-budget."""
        # ServiceApp answers this route itself (EvaluateLane); this is its document, and the
        # same answer for an app that is not called through ServiceApp
        return Response(await evaluated(svc, sent, raw), media_type="application/json")

    @app.post(
        f"{v1}/lint",
        tags=["stateless"],
        responses=codes(*READ, *BODY),
        openapi_extra=body_doc(["text"], {"text": STRING, "name": STRING}),
    )
    def lint(svc: Svc, _: User, data: Body) -> Response:
        """Playbook text checked: every problem with its line and column (for editors). Its
        includes resolve from the service's playbook folder and may not leave it."""
        text = field_of(data, "text", str)
        name = field_of(data, "name", str, required=False) or "playbook.yaml"
        report = LintReport()
        kind, why = classify(name, text, named=True)
        if kind is None:
            raise Problem("bad-input", f"{name} is not checked: {why}")
        report.check(name, kind, text, folder=svc.folder)
        diagnostics = [d.to_dict() for p in report.problems for d in p.diagnostics]
        return as_json({"ok": not report.problems, "diagnostics": diagnostics})

    def playbook_doc(svc: Service, ident: str) -> dict[str, Any]:
        today = svc.settings.today()
        return {
            "id": ident,
            "versions": [
                {
                    "version": e.version,
                    "effective_from": None if e.start == date.min else e.start.isoformat(),
                    "effective_to": e.end.isoformat() if e.end else None,
                    "in_force": e.in_force(today),
                }
                for e in svc.library.versions(ident)
            ],
            # saved, not in force until a second playbook editor approves them
            "awaiting_review": [
                {"version": e.version, "effective_from": e.start.isoformat()}
                for e in svc.library.proposals(ident)
            ],
        }

    @app.get(f"{v1}/playbooks", tags=["stateless"], responses=codes(*READ))
    def playbooks(svc: Svc, _: User) -> Response:
        """The playbooks of the folder, each version with its period and whether it is in
        force today (what a new deal is pinned to), and the versions saved from the console
        awaiting a second playbook editor's review (not in force until approved)."""
        return as_json({"playbooks": [playbook_doc(svc, i) for i in svc.library.ids]})

    @app.get(f"{v1}/playbooks/{{playbook_id}}", tags=["stateless"], responses=codes(*READ, 404))
    def playbook(svc: Svc, _: User, playbook_id: str) -> Response:
        """One playbook's versions, their periods and which is in force today, and those
        awaiting review."""
        if playbook_id not in svc.library.ids:
            raise Problem("not-found", f"no playbook {playbook_id!r}" + svc.hint(playbook_id))
        return as_json(playbook_doc(svc, playbook_id))

    @app.get(f"{v1}/deals", tags=["deals"], responses=codes(*READ))
    def list_deals(
        svc: Svc,
        _: User,
        stage: str | None = None,
        owner: str | None = None,
        status: str | None = None,
        category: str | None = None,
    ) -> Response:
        """The stored deals, filtered as `kam deals list`."""
        found = svc.store.list_deals(stage=stage, owner=owner, status=status, category=category)
        totals = pipelines(found, svc.pinned_of, svc.settings.today())
        return as_json(
            {
                "deals": [public(d.to_dict()) for d in found],
                "pipeline": [p.to_dict() for p in totals],
            }
        )

    @app.post(
        f"{v1}/deals",
        tags=["deals"],
        status_code=201,
        responses=codes(*READ, *BODY, *WRITE),
        openapi_extra=body_doc(
            ["playbook", "deal"], {"playbook": STRING, "version": STRING, "deal": OBJECT}
        ),
    )
    def create_deal(svc: Svc, by: User, data: Body, key: Key) -> Response:
        """A new deal, pinned to the playbook version in force today and owned by you (an admin
        may name another owner). It starts at its first stage or one it could have reached by
        the playbook's moves, else 403 (an admin may: an import). Approvals and history are
        refused: only commands write them. An id already stored: 409."""
        on = svc.settings.today()
        pb = svc.pick(field_of(data, "playbook", str), field_of(data, "version", str, False), on)
        deal = field_of(data, "deal", dict)
        change = svc.store.create_deal(deal, playbook=pb, by=by, as_of=on, source=pb.file, key=key)
        return changed(change, 201)

    @app.get(f"{v1}/deals/{{deal_id}}", tags=["deals"], responses=codes(*READ, 404))
    def get_deal(
        svc: Svc,
        by: User,
        deal_id: str,
        as_of: Annotated[
            str | None, Query(description="judge as on this date (YYYY-MM-DD); today if left out")
        ] = None,
        lang: Annotated[str, Query(pattern="^(en|zh)$", description="en or zh")] = "en",
    ) -> Response:
        """One stored deal with its verdict, shaped as `POST /v1/deals` answers (without an
        event: nothing about the deal changes). The verdict judges the stored state (its pinned
        playbook, the stored customer account) on `as_of`; the ETag is the deal's version.
        The verdict given is recorded as a decision (who asked, which version, which date),
        as every evaluation through the service is."""
        on = as_of_field({"as_of": as_of}, svc)
        pb = svc.pinned(deal_id)
        found, result = svc.store.evaluate(deal_id, playbook=pb, by=by, as_of=on, lang=lang)
        return as_json(
            {"deal": public(found.to_dict()), "result": result.to_dict()},
            headers={"ETag": f'"{found.version}"'},
        )

    @app.patch(
        f"{v1}/deals/{{deal_id}}",
        tags=["deals"],
        responses=codes(*READ, *BODY, *WRITE, *MATCH, 404, 428),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/merge-patch+json": {"schema": OBJECT}},
            }
        },
    )
    def update_deal(
        svc: Svc, by: User, deal_id: str, data: Body, version: IfMatchRequired, key: Key
    ) -> Response:
        """A JSON merge patch (RFC 7396) of the deal; not its stage, approvals or history."""
        pb = svc.pinned(deal_id)
        change = svc.store.update_deal(
            deal_id,
            data,
            playbook=pb,
            by=by,
            as_of=svc.settings.today(),
            if_version=version,
            key=key,
        )
        return changed(change)

    @app.post(
        f"{v1}/deals/{{deal_id}}/transitions",
        tags=["deals"],
        responses=codes(*READ, *BODY, *WRITE, *MATCH, 404, 428),
        openapi_extra=body_doc(["to"], {"to": STRING}),
    )
    def transition(
        svc: Svc, by: User, deal_id: str, data: Body, version: IfMatchRequired, key: Key
    ) -> Response:
        """Move the deal to stage `to`; 422 lists the guards not met (`missing`)."""
        to = field_of(data, "to", str)
        pb = svc.pinned(deal_id)
        change = svc.store.advance_deal(
            deal_id,
            to=to,
            playbook=pb,
            by=by,
            as_of=svc.settings.today(),
            if_version=version,
            key=key,
        )
        return changed(change)

    @app.post(
        f"{v1}/deals/{{deal_id}}/approvals",
        tags=["deals"],
        status_code=201,
        responses=codes(*READ, *BODY, *WRITE, *MATCH, 404),
        openapi_extra=body_doc(
            ["role", "decision"],
            {
                "role": STRING,
                "decision": {"type": "string", "enum": list(DECISIONS)},
                "reason": STRING,
            },
        ),
    )
    def approval(
        svc: Svc, by: User, deal_id: str, data: Body, version: IfMatch, key: Key
    ) -> Response:
        """Your decision for `role`: approved, or rejected with the reason the owner reads.
        You must hold the role and not own the deal (403)."""
        role = field_of(data, "role", str)
        decision = field_of(data, "decision", str)
        if decision not in DECISIONS:
            what = "approved or rejected"
            raise Problem("bad-input", f"decision is {what}", errors=[_at("$.decision", what)])
        reason = field_of(data, "reason", str, required=decision == "rejected")
        pb = svc.pinned(deal_id)
        change = svc.store.decide_approval(
            deal_id,
            role=role,
            decision=decision,
            playbook=pb,
            by=by,
            as_of=svc.settings.today(),
            reason=reason,
            if_version=version,
            key=key,
        )
        return changed(change, 201)

    @app.post(
        f"{v1}/deals/{{deal_id}}/checks",
        tags=["deals"],
        # no body is read, but a POST's body passes the gate first (413, 415, 408)
        responses=codes(*READ, *BODY, *WRITE, *MATCH, 404),
    )
    def check(svc: Svc, by: User, deal_id: str, version: IfMatch, key: Key) -> Response:
        """Judge the stored deal again (its pinned playbook, the stored account, today) and
        put it on record: a decision and an `evaluated` event."""
        pb = svc.pinned(deal_id)
        change = svc.store.check_deal(
            deal_id,
            playbook=pb,
            by=by,
            as_of=svc.settings.today(),
            if_version=version,
            key=key,
        )
        return changed(change)

    @app.post(
        f"{v1}/deals/{{deal_id}}/repin",
        tags=["deals"],
        responses=codes(*READ, *BODY, *WRITE, *MATCH, 404, 428),
        openapi_extra=body_doc([], {"version": STRING}),
    )
    def repin(
        svc: Svc, by: User, deal_id: str, data: Body, version: IfMatchRequired, key: Key
    ) -> Response:
        """Pin the deal to `version` of its playbook (or the one in force today) and judge it
        by that version; approvals the new rules need more for go stale. An admin's act."""
        on = svc.settings.today()
        row = svc.store.get_deal(deal_id)
        pb = svc.pick(row.playbook_id, field_of(data, "version", str, False), on)
        change = svc.store.repin_deal(
            deal_id, playbook=pb, by=by, as_of=on, if_version=version, source=pb.file, key=key
        )
        return changed(change)

    @app.get(f"{v1}/deals/{{deal_id}}/refusals", tags=["deals"], responses=codes(*READ, 404))
    def refusals(svc: Svc, _: User, deal_id: str) -> Response:
        """Every refused attempt to change the deal, oldest first (nothing changed); a deal
        refused at its creation has those (404: neither stored nor ever refused)."""
        return as_json({"refusals": svc.store.refusals(deal_id)})

    @app.post(
        f"{v1}/imports",
        tags=["deals"],
        status_code=201,
        responses=codes(*READ, *BODY, *WRITE),
        openapi_extra=body_doc(
            ["playbook", "deals"],
            {"playbook": STRING, "version": STRING, "deals": {"type": "array", "items": OBJECT}},
        ),
    )
    def import_deals(svc: Svc, by: User, data: Body) -> Response:
        """Existing deals brought in WITH their stage, approvals and history, all or none:
        only for the role `admin`; each deal's `imported` event names who brought it in."""
        on = svc.settings.today()
        pb = svc.pick(field_of(data, "playbook", str), field_of(data, "version", str, False), on)
        items = field_of(data, "deals", list)
        answers = svc.store.import_deals(items, playbook=pb, by=by, as_of=on, source=pb.file)
        return as_json({"deals": [{**a, "deal": public(a["deal"])} for a in answers]}, 201)

    @app.get(f"{v1}/deals/{{deal_id}}/events", tags=["deals"], responses=codes(*READ, 404))
    def events(svc: Svc, _: User, deal_id: str) -> Response:
        """The deal's events, oldest first."""
        return as_json({"events": svc.store.history(deal_id)})

    @app.get(f"{v1}/customers", tags=["customers"], responses=codes(*READ))
    def list_customers(svc: Svc, _: User) -> Response:
        """The customer accounts."""
        return as_json({"customers": svc.store.list_customers()})

    @app.get(f"{v1}/customers/{{customer_id}}", tags=["customers"], responses=codes(*READ, 404))
    def get_customer(svc: Svc, _: User, customer_id: str) -> Response:
        """One customer account; its ETag is its version."""
        found = svc.store.get_customer(customer_id)
        return as_json(found, headers={"ETag": f'"{found["version"]}"'})

    @app.get(
        f"{v1}/customers/{{customer_id}}/events", tags=["customers"], responses=codes(*READ, 404)
    )
    def customer_events(svc: Svc, _: User, customer_id: str) -> Response:
        """The account's history, oldest first: who changed which field from what to what."""
        return as_json({"events": svc.store.customer_history(customer_id)})

    @app.put(
        f"{v1}/customers/{{customer_id}}",
        tags=["customers"],
        responses={
            **codes(*READ, *BODY, *WRITE, *MATCH),
            201: {"description": "The account was created"},
        },
        openapi_extra=body_doc([], {"id": STRING, "name": STRING}),
    )
    def put_customer(
        svc: Svc, by: User, customer_id: str, data: Body, version: IfMatch
    ) -> Response:
        """The account as sent: created (201), or replaced (200; fields left out are
        removed). `If-Match` makes a replacement conditional on the version you read."""
        if not isinstance(data, dict):
            raise Problem("bad-input", "an account is a JSON object", errors=[_at("$", "object")])
        if data.get("id", customer_id) != customer_id:
            raise Problem(
                "bad-input",
                "the id in the body is not the id in the path",
                errors=[_at("$.id", "must equal the path's id")],
            )
        account = {k: v for k, v in data.items() if k != "version"}
        try:
            current = svc.store.get_customer(customer_id)
        except NotFound:
            if version is not None:
                raise Problem(
                    "stale-version", f"no customer {customer_id} yet", current_version=0
                ) from None
            added = svc.store.add_customer(
                {**account, "id": customer_id}, by=by, recorded_by=svc.recorded_by()
            )
            return as_json(added, 201)
        gone = {k: None for k in current if k not in account and k not in ("id", "version")}
        found = svc.store.update_customer(
            customer_id,
            {**gone, **account},
            by=by,
            if_version=version,
            recorded_by=svc.recorded_by(),
        )
        return as_json(found, headers={"ETag": f'"{found["version"]}"'})

    @app.get(f"{v1}/prices", tags=["prices"], responses=codes(*READ))
    def list_prices(svc: Svc, _: User) -> Response:
        """The price list: each model's list, floor and retail price."""
        return as_json({"prices": svc.store.price_list()})

    @app.get(f"{v1}/prices/{{model}}", tags=["prices"], responses=codes(*READ, 404))
    def get_prices(svc: Svc, _: User, model: str) -> Response:
        """One model's prices; its ETag is its version."""
        found = svc.store.get_prices(model)
        return as_json(found, headers={"ETag": f'"{found["version"]}"'})

    @app.get(f"{v1}/prices/{{model}}/events", tags=["prices"], responses=codes(*READ, 404))
    def price_events(svc: Svc, _: User, model: str) -> Response:
        """The model's price history, oldest first: who set which price from what to what."""
        return as_json({"events": svc.store.price_history(model)})

    @app.put(
        f"{v1}/prices/{{model}}",
        tags=["prices"],
        responses={
            **codes(*READ, *BODY, *WRITE, *MATCH),
            201: {"description": "The model was added to the price list"},
        },
        openapi_extra=body_doc(
            [], {"list_price": NUMBER, "floor_price": NUMBER, "retail_price": NUMBER}
        ),
    )
    def put_prices(svc: Svc, by: User, model: str, data: Body, version: IfMatch) -> Response:
        """A model's prices as sent (pricing or an admin): added (201), or replaced (200; a
        price left out is taken away). `If-Match` makes a replacement conditional on the
        version you read. Deals already stored keep the prices they were created with."""
        if not isinstance(data, dict):
            raise Problem("bad-input", "prices are a JSON object", errors=[_at("$", "object")])
        try:
            svc.store.get_prices(model)
            new = False
        except NotFound:
            if version is not None:
                raise Problem(
                    "stale-version", f"no price for {model} yet", current_version=0
                ) from None
            new = True
        sent = {**dict.fromkeys(PRICE_FIELDS), **data}
        found = svc.store.set_prices(model, sent, by=by, if_version=0 if new else version)
        return as_json(found, 201 if new else 200, headers={"ETag": f'"{found["version"]}"'})

    @app.get(f"{v1}/decisions", tags=["decisions"], responses=codes(*READ))
    def decisions(
        svc: Svc,
        _: User,
        since: Annotated[
            str | None, Query(description="ISO time, e.g. 2026-03-01T00:00:00Z")
        ] = None,
    ) -> Response:
        """Every recorded decision at or after `since`, oldest first."""
        moment = None
        if since is not None:
            try:
                moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
            except ValueError:
                raise Problem("bad-input", f"since is an ISO time, not {since!r}") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        return as_json({"decisions": svc.store.decisions_since(moment)})

    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith(v1):
            route.operation_id = route.name
    _problem_schema(app)
    return app


SETTINGS_ENV = "KAM_SERVE_SETTINGS"  # how `kam serve --workers N` hands its options to each worker


def from_environment() -> FastAPI:
    """The app each uvicorn worker process builds (``kam serve --workers N``): the settings
    come as JSON in ``$KAM_SERVE_SETTINGS``, written by the parent."""
    return create_app(Settings(**json.loads(os.environ[SETTINGS_ENV])))


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc.kind, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(KamError)
    async def on_kam_error(request: Request, exc: KamError) -> Response:
        found = from_kam_error(exc)
        return problem_response(found.kind, found.detail, request.url.path, **found.extra)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            _at("$." + ".".join(str(p) for p in e.get("loc", ())), str(e.get("msg", "")))
            for e in exc.errors()
        ]
        return problem_response(
            "bad-input", "the request does not fit", request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "bad-request")
        return problem_response(kind, str(exc.detail), request.url.path)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> Response:
        return problems.internal(request, exc)


def _problem_schema(app: FastAPI) -> None:
    """The Problem shape in the OpenAPI document's components."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = original()
            doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": STRING,
                    "title": STRING,
                    "status": {"type": "integer"},
                    "detail": STRING,
                    "instance": STRING,
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"path": STRING, "message": STRING},
                        },
                    },
                    "current_version": {"type": "integer"},
                    "missing": {"type": "array"},
                    "allowed_targets": {"type": "array"},
                    "id": STRING,
                },
            }
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def openapi_text(app: FastAPI) -> str:
    """The OpenAPI document as committed in schemas/openapi.json (sorted keys, stable)."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class BodyLimit:
    """Before any route reads a body: 415 for one that is not JSON or is compressed (kam
    decodes no Content-Encoding, so no gzip bomb can inflate), 413 for one over ``limit``
    bytes (a Content-Length over it is refused unread; a body without one, or one whose
    Content-Length lies, is counted as it arrives and cut off at the limit), and 408 when the
    client pauses longer than ``read_timeout`` seconds mid-body."""

    def __init__(self, app: ASGIApp, limit: int, read_timeout: float) -> None:
        self.app = app
        self.limit = limit
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        whole = await self.body(scope, receive, send)
        if whole is None:
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None when it was refused (the refusal is sent) or the client
        went away."""
        path = scope["path"]
        encoding = length = kind = ""
        chunked = False
        for key, value in scope["headers"]:
            name = key.lower()
            if name == b"content-encoding" and not encoding:
                encoding = value.decode("latin-1").strip().lower()
            elif name == b"content-length" and not length:
                length = value.decode("latin-1").strip()
            elif name == b"content-type" and not kind:
                kind = value.decode("latin-1").split(";")[0].strip().lower()
            elif name == b"transfer-encoding":
                chunked = True
        if encoding not in ("", "identity"):
            await self._refuse(send, "unsupported-media-type", path, encoded=encoding)
            return None
        if length.isdigit() and int(length) > self.limit:
            await self._refuse(send, "too-large", path)
            return None
        announced = (length.isdigit() and int(length) > 0) or chunked
        if announced and kind not in JSON_TYPES and path.startswith("/v1"):
            await self._refuse(send, "unsupported-media-type", path)
            return None
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            with anyio.move_on_after(self.read_timeout) as waited:
                message = await receive()
            if waited.cancelled_caught:
                await self._refuse(send, "request-timeout", path)
                return None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send, "too-large", path)
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        if size and kind not in JSON_TYPES and path.startswith("/v1"):  # the console posts forms
            await self._refuse(send, "unsupported-media-type", path)
            return None
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _refuse(self, send: Send, kind: str, path: str, encoded: str = "") -> None:
        if kind == "too-large":
            detail = f"the body is over {self.limit} bytes"
        elif kind == "request-timeout":
            detail = f"the body stalled for more than {self.read_timeout:g} s; send it again"
        elif encoded:
            detail = f"send the body uncompressed: Content-Encoding {encoded} is not accepted"
        else:
            detail = (
                "send the body as application/json (a patch may be application/merge-patch+json)"
            )
        headers = {"Connection": "close"} if kind in ("too-large", "request-timeout") else None
        response = problem_response(kind, detail, path, headers)
        await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
