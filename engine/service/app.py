"""Settings in, the FastAPI app out: routes under ``/v1`` over ``engine.store`` and the
playbook library.

Requests are parsed by kam's own JSON reader (money stays Decimal, a bad body gets a line and
column) and answered by kam's JSON writer. Identity comes from the bearer token alone. Every
error is problem+json (problems.py); bodies over ``max_body`` bytes get 413 before any route.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..app.library import Library, open_playbook
from ..app.lint import LintReport, classify
from ..app.playbook import Playbook
from ..errors import KamError
from ..jsontext import to_json
from ..run.deal import loads_deal
from ..store import Change, Store, open_store
from . import problems
from .problems import Problem, from_kam_error, problem_response

MIB = 1024 * 1024
JSON_TYPES = ("application/json", "application/merge-patch+json")


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


class Service:
    """What the routes share: the store, the library, and playbooks already loaded."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: Store = open_store(settings.db)
        self.folder = str(Path(settings.playbooks).resolve())
        self.library = Library(self.folder)
        self._pinned: dict[tuple[str, str, str], Playbook] = {}
        self._lock = threading.Lock()

    def pick(self, playbook_id: str, version: str | None, on: date) -> Playbook:
        with self._lock:  # Library caches what it loads; one loader at a time
            return self.library.pick(playbook_id, on, version)

    def pinned(self, deal_id: str) -> Playbook:
        """The playbook a stored deal is pinned to (id, version, file it was read from)."""
        row = self.store.get_deal(deal_id)
        ident = (row.playbook_source, row.playbook_id, row.playbook_version)
        with self._lock:
            if ident not in self._pinned:
                self._pinned[ident] = open_playbook(*ident, self.settings.today())
            return self._pinned[ident]


# -- request pieces ----------------------------------------------------------------------------
def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


bearer = HTTPBearer(auto_error=False, description="A token from `kam users token NAME`.")


def user(
    svc: Annotated[Service, Depends(service)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The user the bearer token belongs to: the only identity the service knows."""
    if credentials is None:
        raise Problem("unauthorized", "send Authorization: Bearer <token>")
    found = svc.store.user_for_token(credentials.credentials)
    if found is None:
        raise Problem("unauthorized", "the token is unknown or its user is inactive")
    name: str = found["name"]
    return name


async def json_body(request: Request) -> Any:
    """The request body read by kam's JSON reader: numbers stay exact, a syntax error is
    located."""
    raw = await request.body()
    if not raw.strip():
        raise Problem("bad-input", "the request needs a JSON body")
    return loads_deal(raw, "json", source="request body")


def if_match(
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


def required_if_match(version: Annotated[int | None, Depends(if_match)]) -> int:
    if version is None:
        raise Problem("if-match-required", 'send If-Match: "<version>" (the ETag you read)')
    return version


def idempotency_key(
    value: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str | None:
    return value


Svc = Annotated[Service, Depends(service)]
User = Annotated[str, Depends(user)]
Body = Annotated[Any, Depends(json_body)]
IfMatch = Annotated[int | None, Depends(if_match)]
IfMatchRequired = Annotated[int, Depends(required_if_match)]
Key = Annotated[str | None, Depends(idempotency_key)]


def as_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        to_json(data), status_code=status, media_type="application/json", headers=headers
    )


def changed(change: Change, status: int = 200) -> Response:
    headers = {"ETag": f'"{change.response["deal"]["version"]}"'}
    if change.replayed:
        headers["Idempotent-Replayed"] = "true"
    return as_json(change.response, status, headers)


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
        return date.fromisoformat(text)
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
PROBLEM_DOC = {
    "description": "A problem (RFC 9457)",
    "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
ERRORS = {status: PROBLEM_DOC for status in (401, 403, 404, 409, 412, 413, 415, 422, 428, 500)}


# -- the app -----------------------------------------------------------------------------------
def create_app(settings: Settings | None = None) -> FastAPI:
    """The service over the store ``settings.db`` and the playbooks in ``settings.playbooks``."""
    svc = Service(settings or Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        svc.store.close()

    app = FastAPI(
        title="kam",
        version="1",
        summary="Key-account deals: validate, store, advance and approve them.",
        lifespan=lifespan,
        responses=ERRORS,  # type: ignore[arg-type]
        generate_unique_id_function=lambda route: route.name,
        redirect_slashes=False,
    )
    app.state.service = svc
    _handlers(app)
    app.add_middleware(BodyLimit, limit=svc.settings.max_body)

    @app.get("/healthz", tags=["health"], responses={503: PROBLEM_DOC})
    def healthz(svc: Svc) -> Response:
        """Liveness and whether the database answers (no token needed)."""
        svc.store.list_users()
        return as_json({"ok": True})

    v1 = "/v1"

    @app.post(
        f"{v1}/validate",
        tags=["stateless"],
        openapi_extra=body_doc(
            ["playbook", "deal"],
            {
                "playbook": STRING,
                "version": STRING,
                "deal": OBJECT,
                "as_of": STRING,
                "lang": STRING,
            },
        ),
    )
    def validate(svc: Svc, _: User, data: Body) -> Response:
        """A deal judged by a playbook of the folder: the result JSON of `kam validate`."""
        on = as_of_field(data, svc)
        pb = svc.pick(field_of(data, "playbook", str), field_of(data, "version", str, False), on)
        deal = field_of(data, "deal", dict)
        lang = field_of(data, "lang", str, required=False) or "en"
        if lang not in ("en", "zh"):
            raise Problem("bad-input", "lang is en or zh", errors=[_at("$.lang", "en or zh")])
        result = pb.evaluate(deal, as_of=on, lang=lang, source="deal")
        return as_json(result.to_dict())

    @app.post(
        f"{v1}/lint",
        tags=["stateless"],
        openapi_extra=body_doc(["text"], {"text": STRING, "name": STRING}),
    )
    def lint(svc: Svc, _: User, data: Body) -> Response:
        """Playbook text checked: every problem with its line and column (for editors). Its
        includes resolve from the service's playbook folder."""
        text = field_of(data, "text", str)
        name = field_of(data, "name", str, required=False) or "playbook.yaml"
        report = LintReport()
        kind, why = classify(name, text, named=True)
        if kind is None:
            raise Problem("bad-input", f"{name} is not checked: {why}")
        report.check(name, kind, text, folder=svc.folder)
        diagnostics = [d.to_dict() for p in report.problems for d in p.diagnostics]
        return as_json({"ok": not report.problems, "diagnostics": diagnostics})

    @app.get(f"{v1}/playbooks", tags=["stateless"])
    def playbooks(svc: Svc, _: User) -> Response:
        """The playbooks of the folder, each version with its period and whether it is in
        force today (what a new deal is pinned to)."""
        today = svc.settings.today()
        found = [
            {
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
            }
            for ident in svc.library.ids
        ]
        return as_json({"playbooks": found})

    @app.get(f"{v1}/deals", tags=["deals"])
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
        return as_json({"deals": [d.to_dict() for d in found]})

    @app.post(
        f"{v1}/deals",
        tags=["deals"],
        status_code=201,
        openapi_extra=body_doc(
            ["playbook", "deal"], {"playbook": STRING, "version": STRING, "deal": OBJECT}
        ),
    )
    def create_deal(svc: Svc, by: User, data: Body, key: Key) -> Response:
        """A new deal, pinned to the playbook version in force today; owner = you unless the
        deal names one. Approvals and history are refused: only commands write them."""
        on = svc.settings.today()
        pb = svc.pick(field_of(data, "playbook", str), field_of(data, "version", str, False), on)
        deal = field_of(data, "deal", dict)
        change = svc.store.create_deal(deal, playbook=pb, by=by, as_of=on, source=pb.file, key=key)
        return changed(change, 201)

    @app.get(f"{v1}/deals/{{deal_id}}", tags=["deals"])
    def get_deal(svc: Svc, _: User, deal_id: str) -> Response:
        """One stored deal; its ETag is its version."""
        found = svc.store.get_deal(deal_id)
        return as_json(found.to_dict(), headers={"ETag": f'"{found.version}"'})

    @app.patch(
        f"{v1}/deals/{{deal_id}}",
        tags=["deals"],
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
        f"{v1}/deals/{{deal_id}}/advance",
        tags=["deals"],
        openapi_extra=body_doc(["to"], {"to": STRING}),
    )
    def advance(
        svc: Svc, by: User, deal_id: str, data: Body, version: IfMatchRequired, key: Key
    ) -> Response:
        """Move the deal to stage `to`; 422 names the guards not met."""
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

    def decide(
        svc: Service,
        by: str,
        deal_id: str,
        data: Any,
        version: int | None,
        key: str | None,
        decision: str,
    ) -> Response:
        role = field_of(data, "role", str)
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
        f"{v1}/deals/{{deal_id}}/approve",
        tags=["deals"],
        status_code=201,
        openapi_extra=body_doc(["role"], {"role": STRING, "reason": STRING}),
    )
    def approve(
        svc: Svc, by: User, deal_id: str, data: Body, version: IfMatch, key: Key
    ) -> Response:
        """Your approval for `role` (you must hold it and not own the deal)."""
        return decide(svc, by, deal_id, data, version, key, "approved")

    @app.post(
        f"{v1}/deals/{{deal_id}}/reject",
        tags=["deals"],
        status_code=201,
        openapi_extra=body_doc(["role", "reason"], {"role": STRING, "reason": STRING}),
    )
    def reject(
        svc: Svc, by: User, deal_id: str, data: Body, version: IfMatch, key: Key
    ) -> Response:
        """Your rejection for `role`, with the reason the owner reads."""
        return decide(svc, by, deal_id, data, version, key, "rejected")

    @app.get(f"{v1}/deals/{{deal_id}}/history", tags=["deals"])
    def history(svc: Svc, _: User, deal_id: str) -> Response:
        """The deal's events, oldest first."""
        return as_json({"events": svc.store.history(deal_id)})

    @app.get(f"{v1}/customers", tags=["customers"])
    def list_customers(svc: Svc, _: User) -> Response:
        """The customer accounts."""
        return as_json({"customers": svc.store.list_customers()})

    @app.post(
        f"{v1}/customers",
        tags=["customers"],
        status_code=201,
        openapi_extra=body_doc(["id"], {"id": STRING, "name": STRING}),
    )
    def add_customer(svc: Svc, by: User, data: Body) -> Response:
        """A new customer account (as `kam customers add`)."""
        return as_json(svc.store.add_customer(data, by=by), 201)

    @app.get(f"{v1}/customers/{{customer_id}}", tags=["customers"])
    def get_customer(svc: Svc, _: User, customer_id: str) -> Response:
        """One customer account."""
        return as_json(svc.store.get_customer(customer_id))

    @app.get(f"{v1}/decisions", tags=["decisions"])
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
                    "id": STRING,
                },
            }
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def openapi_text(app: FastAPI) -> str:
    """The OpenAPI document as committed in docs/openapi.json (sorted keys, stable)."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class BodyLimit:
    """413 for a body over ``limit`` bytes and 415 for a body that is not JSON, before any
    route reads it (a body without Content-Length is counted as it arrives)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.limit:
            await self._refuse(send, "too-large", path)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send, "too-large", path)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if size and kind not in JSON_TYPES and path.startswith("/v1"):  # the console posts forms
            await self._refuse(send, "unsupported-media-type", path)
            return
        whole = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, kind: str, path: str) -> None:
        detail = (
            f"the body is over {self.limit} bytes"
            if kind == "too-large"
            else "send the body as application/json (a patch may be application/merge-patch+json)"
        )
        await problem_response(kind, detail, path)({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
