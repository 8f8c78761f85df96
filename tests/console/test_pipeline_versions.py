"""The pipeline page sums one playbook's versions into one funnel: deals pinned to 2026.1 and to
2026.2 of auto-dealer are one section, each weighted by its own version's win probability."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import engine
from engine.console import views
from engine.store.records import StoredDeal

from ..conftest import BASE_DEAL, PLAYBOOKS


def _judged(pb: engine.Playbook, ident: str, stage: str, as_of: date) -> views.Judged:
    document = {**BASE_DEAL, "id": ident, "stage": stage}
    result = pb.evaluate(document, as_of=as_of)
    stored = StoredDeal(
        ident, document, stage, result.status, "li.na", 1, None, pb.id, pb.version, pb.hash,
        "folder", "", "",
    )  # fmt: skip
    return views.Judged(stored, result, pb)


def test_one_playbooks_versions_are_one_funnel_with_one_total():
    old = engine.load_playbook(PLAYBOOKS / "auto-dealer.yaml")
    new = engine.load_playbook(PLAYBOOKS / "auto-dealer-2026-2.yaml")
    assert old.id == new.id
    assert old.version != new.version
    judged = [
        _judged(old, "OLD-1", "negotiation", date(2026, 3, 2)),
        _judged(new, "NEW-1", "negotiation", date(2026, 8, 3)),
        _judged(new, "NEW-2", "closing", date(2026, 8, 3)),
    ]
    svc = SimpleNamespace(settings=SimpleNamespace(today=lambda: date(2026, 8, 3)))
    (book,) = views.pipeline(svc, judged, "en")["books"]  # type: ignore[arg-type]
    assert book["versions"] == f"{old.version} (1), {new.version} (2)"
    assert book["total"]["deals"] == 3
    rows = {s["id"]: s for s in book["stages"]}
    assert rows["negotiation"]["deals"] == 2
    assert rows["closing"]["deals"] == 1
    each = [j.amount for j in judged]
    assert all(isinstance(a, Decimal) for a in each)
    assert book["total"]["amount"] == views.money(sum(each, Decimal(0)))
    # the by-owner table sums all three deals too
    (owner,) = book["owners"]
    assert (owner["name"], owner["deals"]) == ("li.na", 3)
