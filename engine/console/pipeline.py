"""The signed-in user and the page's filters in, the pipeline out: deals by stage with the
weighted value, by owner and by category, a funnel per playbook (``views.pipeline``), or the
filtered deals as CSV a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from . import session, views
from .pages import Console, signin_first

FILTERS = ("stage", "owner", "status", "category")


class Pipeline:
    """``/pipeline`` and ``/pipeline.csv``."""

    def __init__(self, c: Console) -> None:
        self.c = c

    async def pipeline(self, request: Request) -> Response:
        user = self.c.user(request)
        if user is None:
            return signin_first(request)
        lang = session.language(request)
        svc = self.c.svc
        chosen = {k: (request.query_params.get(k) or None) for k in FILTERS}
        judged = views.judge_all(svc, user["name"], lang, **chosen)
        if request.url.path.endswith(".csv"):
            return as_csv(judged)
        options = views.filter_options(svc, lang)
        query = "&".join(f"{k}={quote(v)}" for k, v in chosen.items() if v)
        return self.c.page(
            request,
            "pipeline.html",
            user,
            p=views.pipeline(svc, judged, lang),
            deals=judged,
            chosen=chosen,
            options=options,
            query=query,
        )


def as_csv(judged: list[views.Judged]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["deal", "customer", "playbook", "version", "category", "stage", "status", "owner",
         "currency", "amount", "win", "weighted"]
    )  # fmt: skip
    for j in judged:
        win = next(
            (s.win_probability for s in j.playbook.model.stages if s.id == j.deal.stage), None
        )
        amount = j.amount
        writer.writerow(
            [
                _cell(j.deal.id),
                _cell(j.customer),
                j.deal.playbook_id,
                j.deal.playbook_version,
                _cell(str(j.deal.document.get("category", ""))),
                j.deal.stage,
                j.result.status,
                _cell(j.deal.owner),
                j.playbook.model.currency,
                _plain_money(amount),
                "" if win is None else str(win),
                "" if amount is None or win is None else _plain_money(amount * win),
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="pipeline.csv"'},
    )


def _plain_money(value: Decimal | None) -> str:
    """Money for a spreadsheet: no separators, every digit kept, at least two decimals
    (150000 -> 150000.00, 295200.000 -> 295200.00, 0.125 -> 0.125)."""
    if value is None:
        return ""
    places = max(2, -min(0, int(value.normalize().as_tuple().exponent)))
    return f"{value:.{places}f}"


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
