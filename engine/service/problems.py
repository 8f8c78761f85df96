"""An exception in, an RFC 9457 ``application/problem+json`` response out.

Every error the service answers goes through ``problem_response``: a fixed ``type`` and
``title`` per kind, the HTTP ``status``, a ``detail`` for a person, and extensions (``errors``
with the JSON path of each bad value, ``current_version``, ``missing`` guards). A bug becomes a
500 with an ``id`` that is logged with its traceback; the client never sees the traceback,
and no server file path reaches a client (``scrub``).
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..errors import (
    DealError,
    DecisionRefused,
    InputError,
    KamError,
    PlaybookError,
    TransitionRefused,
)
from ..jsontext import to_json
from ..store import AlreadyStored, Conflict, Contended, KeyReused, NotFound, Refused, StoreError

LOG = logging.getLogger("kam.service")
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://kam.invalid/problems/"

# kind -> (status, title); the type URI is TYPE_BASE + kind
KINDS: dict[str, tuple[int, str]] = {
    "bad-request": (400, "Bad request"),
    "unauthorized": (401, "No valid bearer token"),
    "forbidden": (403, "Refused"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "request-timeout": (408, "The request body stalled"),
    "already-exists": (409, "Already exists"),
    "idempotency-key-reused": (409, "Idempotency key used for another request"),
    "stale-version": (412, "Changed since you read it"),
    "too-large": (413, "Request body too large"),
    "unsupported-media-type": (415, "Send JSON"),
    "bad-input": (422, "Bad input"),
    "bad-deal": (422, "Bad values, each named by its JSON path"),
    "bad-playbook": (422, "The playbook has problems"),
    "transition-refused": (422, "The move is not allowed now"),
    "evaluation-budget": (422, "Evaluation budget exceeded"),
    "if-match-required": (428, "If-Match required"),
    "store-unavailable": (503, "The store cannot be used now"),
    "internal": (500, "Internal error"),
}
KINDS_BY_STATUS: dict[int, str] = {}
for _status, _title in sorted(KINDS.values(), reverse=True):
    KINDS_BY_STATUS.setdefault(_status, "")
    KINDS_BY_STATUS[_status] = " / ".join(filter(None, (_title, KINDS_BY_STATUS[_status])))

# Folders whose paths never reach a client: the engine's own code, where kam runs, and what
# ``hide`` adds (the playbook folder). Longest first, so a folder inside another goes whole.
_HIDDEN: list[str] = []


def hide(folder: str | os.PathLike[str]) -> None:
    """Never show ``folder`` (or a file in it) to a client: its paths become relative."""
    path = str(Path(folder).resolve())
    if path not in _HIDDEN and path != os.sep:
        _HIDDEN.append(path)
        _HIDDEN.sort(key=len, reverse=True)


hide(Path(__file__).resolve().parents[2])
hide(Path.cwd())


def scrub(value: Any) -> Any:
    """``value`` with every server path made relative (strings anywhere inside it)."""
    if isinstance(value, str):
        for folder in _HIDDEN:
            value = value.replace(folder + os.sep, "").replace(folder, ".")
        return value
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


class Problem(Exception):
    """A problem the service answers on purpose."""

    def __init__(self, kind: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.extra = extra


def body(kind: str, detail: str, instance: str, **extra: Any) -> dict[str, Any]:
    status, title = KINDS[kind]
    return {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }


def problem_response(
    kind: str, detail: str, instance: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    data = scrub(body(kind, detail, instance, **extra))
    if kind == "unauthorized":
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer error="invalid_token"'}
    return Response(
        to_json(data), status_code=data["status"], media_type=MEDIA_TYPE, headers=headers
    )


def from_kam_error(exc: KamError) -> Problem:
    """The problem an engine or store error is for the client."""
    if isinstance(exc, DealError):
        return Problem("bad-deal", str(exc), errors=[p.to_dict() for p in exc.problems])
    if isinstance(exc, PlaybookError):
        return Problem("bad-playbook", str(exc), errors=[d.to_dict() for d in exc.diagnostics])
    if isinstance(exc, TransitionRefused):
        extra = exc.to_dict()
        return Problem(
            "transition-refused",
            str(exc),
            missing=extra["missing"],
            allowed_targets=extra["allowed_targets"],
        )
    if isinstance(exc, Conflict):
        return Problem("stale-version", str(exc), current_version=exc.current)
    if isinstance(exc, KeyReused):
        return Problem("idempotency-key-reused", str(exc))
    if isinstance(exc, AlreadyStored):
        return Problem("already-exists", str(exc))
    if isinstance(exc, NotFound):
        return Problem("not-found", str(exc))
    if isinstance(exc, Refused | DecisionRefused):
        return Problem("forbidden", str(exc))
    if isinstance(exc, StoreError | Contended):  # Contended: every retry lost; try again later
        return Problem("store-unavailable", str(exc))
    if isinstance(exc, InputError):
        return Problem("bad-input", str(exc))
    return Problem("bad-input", str(exc))


def internal(request: Request, exc: BaseException) -> Response:
    """A bug: logged with its traceback under an id; the client gets only the id."""
    ident = uuid.uuid4().hex
    LOG.error("internal error %s on %s %s", ident, request.method, request.url.path, exc_info=exc)
    return problem_response(
        "internal",
        f"the service failed on this request (error id {ident}); please report the id",
        request.url.path,
        id=ident,
    )
