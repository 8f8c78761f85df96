"""A browser request in, who signed in, in which language, and whether its form may act out.

The session cookie holds the user's own token (HttpOnly, SameSite=Strict, Secure over
HTTPS): the store checks it on every request, so signing out or deactivating a user ends
the session. Every form carries a CSRF value derived from that token, which another site
cannot read, and a state-changing request from another site is refused by its
``Sec-Fetch-Site``/``Origin`` before that.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from .words import LANGS

SESSION = "kam_session"
LANG = "kam_lang"
YEAR = 365 * 24 * 3600
MAX_FIELDS = 20  # a console form has a handful of fields
MAX_DEAL_FIELDS = 5000  # the deal's edit form: a control per value (500 lines of 6 values)


def csrf_for(token: str) -> str:
    """The value every form of this session carries (a keyed hash of the session token)."""
    return hmac.new(b"kam console csrf", token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(token: str | None, sent: str | None) -> bool:
    return bool(token and sent) and hmac.compare_digest(csrf_for(token or ""), sent or "")


def same_site(request: Request) -> bool:
    """Whether a state-changing request comes from this site's own pages: by the browser's
    ``Sec-Fetch-Site``, else by ``Origin``; a request with neither is not a browser's."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", "") and parts.scheme in ("http", "https")


def language(request: Request) -> str:
    """The user's choice (cookie), else the first language of ``Accept-Language`` we have."""
    chosen = request.cookies.get(LANG)
    if chosen in LANGS:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGS and q > 0:
            ranked.append((-q, i, base))
    return sorted(ranked)[0][2] if ranked else "en"


async def form(request: Request, max_fields: int = MAX_FIELDS) -> dict[str, str]:
    """A urlencoded form, one value per field (the service's body limit bounds its size)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    raw = (await request.body()).decode("utf-8", "replace")
    try:
        fields = parse_qs(raw, keep_blank_values=True, max_num_fields=max_fields)
    except ValueError:  # more fields than any console form has
        return {}
    return {k: v[0] for k, v in fields.items()}


def remember(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def forget(response: Response) -> None:
    response.delete_cookie(SESSION, path="/", httponly=True, samesite="strict")


def choose_language(response: Response, request: Request, lang: str) -> None:
    response.set_cookie(
        LANG, lang, max_age=YEAR, samesite="strict", secure=request.url.scheme == "https", path="/"
    )
