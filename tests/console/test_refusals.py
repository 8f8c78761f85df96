"""The store's refusals of a move said in the page's language: an advance refused lists what
the move still needs in the reader's words (the deal judged again in that language), a move
the playbook does not have is said so, and a new deal refused for a stage it could not have
reached names its stages by their labels and what the move it got stuck at needs, never the
store's English on a Chinese page."""

from __future__ import annotations

import copy
import re
from datetime import date
from html import unescape

import pytest

import engine
from engine.console.refusals import needs_judged_again, refusal
from engine.present.words import Book
from engine.store import Refused, open_store

from ..conftest import PLAYBOOKS
from .conftest import csrf_of

NOVEMBER = date(2026, 11, 30)
VISIT = {  # created straight at the visit: the chain's approvals are still pending
    "id": "VR-REF-1",
    "category": "visit_request",
    "stage": "visiting",
    "visit": {"purpose": "plant tour", "budget": 80000, "gifts": 30000, "held_on": "2026-11-20"},
    "documents": ["visit_plan"],
}


def alert(page: str) -> str:
    found = re.search(r'<div class="problem" role="alert"><p>(.*?)</p></div>', page, re.S)
    assert found, "the page says no refusal"
    return unescape(found.group(1))


def advance(client, to: str, lang: str):
    client.cookies.set("kam_lang", lang)
    page = client.get("/deals/DE-2026-031").text
    data = {"csrf": csrf_of(page), "to": to, "version": "1", "key": f"adv-{to}-{lang}"}
    return client.post("/deals/DE-2026-031/advance", data=data)


@pytest.mark.parametrize(
    ("lang", "said", "needs"),
    [
        ("en", "The deal cannot move from Negotiation to Closing yet. It still needs:",
         ["- approval by supervisor is pending", "- approval by general manager is pending"]),
        ("zh", "交易还不能从「洽谈协商」推进到「促进成交」，尚需：",
         ["- 待主管领导审批", "- 待总经理审批"]),
    ],
)  # fmt: skip
def test_a_refused_advance_lists_what_the_move_needs_in_the_pages_language(
    signed_in, lang, said, needs
):
    r = advance(signed_in("li.na"), "closing", lang)  # li.na owns it; four approvals pending
    assert r.status_code == 422
    shown = alert(r.text)
    assert said in shown
    for line in needs:
        assert line in shown.splitlines()
    if lang == "zh":
        assert not re.search(r"approval|pending|cannot|still needs", shown)


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "The playbook has no move from Negotiation to won"),
     ("zh", "规则手册中没有从「洽谈协商」到「won」的推进")],
)  # fmt: skip
def test_a_move_the_playbook_does_not_have_is_said_so(signed_in, lang, said):
    r = advance(signed_in("li.na"), "won", lang)
    assert r.status_code == 422
    assert said in alert(r.text)


def test_a_new_deal_refused_at_a_stage_it_could_not_reach_is_said_in_chinese(db_url):
    office = engine.load_playbook(PLAYBOOKS / "key-account-office.yaml")
    deal = copy.deepcopy(VISIT)
    with open_store(db_url) as store, pytest.raises(Refused) as caught:
        store.create_deal(deal, playbook=office, by="li.na", as_of=NOVEMBER)
    assert caught.value.code == "unreached_stage"
    assert "is pending" in caught.value.values["needs"]  # the store's record: English
    zh, en = Book(office.model, "zh"), Book(office.model, "en")
    judged = needs_judged_again(office, {**deal, "owner": "li.na"}, NOVEMBER, "zh")
    said = refusal("zh", caught.value, zh, judged)
    assert "交易 VR-REF-1 不能从“" + zh.stage("visiting") + "”阶段开始" in said
    assert "“" + zh.stage("approval") + "”到“" + zh.stage("visiting") + "”还需要：" in said
    assert "审批" in said
    assert not re.search(r"approval|pending|visiting|plan\b", said)
    # without the deal to judge again: the stages in Chinese, the English needs left out
    bare = refusal("zh", caught.value, zh)
    assert zh.stage("approval") in bare
    assert not re.search(r"approval|pending|visiting", bare)
    # in English, judged again or as the store wrote it, the same needs
    judged_en = needs_judged_again(office, {**deal, "owner": "li.na"}, NOVEMBER, "en")
    for needs in (judged_en, None):
        said = refusal("en", caught.value, en, needs)
        assert "approval by key-account department manager is pending" in said
        assert f"cannot start at {en.stage('visiting')}" in said


def test_a_refused_account_field_names_its_keepers_and_the_field_by_their_labels():
    """REV2: the zh page said 没有“key_account_manager or manufacturer”角色 … shared_territory."""
    model = engine.load_playbook(PLAYBOOKS / "auto-dealer.yaml").model
    refused = Refused(
        "li.na does not hold the role key_account_manager or manufacturer: ...",
        code="account_field_role",
        by="li.na",
        field="shared_territory",
        roles="key_account_manager or manufacturer",
    )
    zh = refusal("zh", refused, Book(model, "zh"))
    assert " or " not in zh
    assert "key_account_manager" not in zh
    assert "shared_territory" not in zh
    assert "或" in zh
    assert "复合辖区" in zh
    en = refusal("en", refused, Book(model, "en"))
    assert " or " in en
    assert "a customer's in a territory several dealers share" in en.casefold()
