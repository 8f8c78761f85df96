"""The deal page's timeline says how a deal came into kam: a deal an admin brought in with
its past (``kam deals import``, or a new deal started past its first stage) reads "imported",
by whom and at which stage, with the approvals taken over as given before kam; never
"created the deal" as if that person had started it here."""

from __future__ import annotations

import os
import re

import pytest

from engine.app.library import open_playbook
from engine.console.demo import ADMIN
from engine.run.deal import read_deal
from engine.store import open_store

from ..conftest import AS_OF, PLAYBOOKS, ROOT

AUTO = os.path.abspath(PLAYBOOKS / "auto-dealer.yaml")


def timeline(page: str) -> str:
    found = re.search(r'<ol class="timeline">(.*?)</ol>\s*</section>', page, re.S)
    assert found, "the deal page has no timeline"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.mark.parametrize(
    ("lang", "said", "created"),
    [
        ("en", "ops.admin imported the deal: brought in at Negotiation with its past",
         "created the deal"),
        ("zh", "ops.admin 导入了交易：连同此前的进展一并带入，导入时处于「洽谈协商」阶段",
         "创建了交易"),
    ],
)  # fmt: skip
def test_a_deal_brought_in_past_its_first_stage_reads_imported(signed_in, lang, said, created):
    """kam demo's deals in flight: created by ops.admin, an admin, past their first stage."""
    client = signed_in("zhao.lei")
    client.cookies.set("kam_lang", lang)
    shown = timeline(client.get("/deals/DE-2026-031").text)
    assert said in shown
    assert created not in shown


@pytest.mark.parametrize(
    ("lang", "said", "taken"),
    [
        ("en", "ops.admin imported the deal: brought in at Negotiation with its past",
         ["given before kam: approved as Manufacturer by faw.region.north on 2026-02-26",
          "given before kam: approved as Supervisor by li.na on 2026-02-27"]),
        ("zh", "ops.admin 导入了交易：连同此前的进展一并带入，导入时处于「洽谈协商」阶段",
         ["kam 之前已有：faw.region.north 于 2026-02-26 以厂家身份批准",
          "kam 之前已有：li.na 于 2026-02-27 以主管领导身份批准"]),
    ],
)  # fmt: skip
def test_an_import_with_its_approvals_names_who_imported_it_and_what_was_taken_over(
    signed_in, db_url, lang, said, taken
):
    deal = read_deal(str(ROOT / "playbooks" / "examples" / "needs-approvals.json"))
    deal["id"] = "DE-2026-IMP"
    with open_store(db_url) as store:
        pb = open_playbook(AUTO, None, None, AS_OF)
        store.import_deals([deal], playbook=pb, by=ADMIN, as_of=AS_OF, source=AUTO)
    client = signed_in("zhao.lei")
    client.cookies.set("kam_lang", lang)
    shown = timeline(client.get("/deals/DE-2026-IMP").text)
    assert said in shown
    for line in taken:
        assert line in shown
    assert "imported " not in shown.replace(said, "")  # never the event's raw kind
