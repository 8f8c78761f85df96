"""Who decides where a deal starts, who owns it, which version judges it, and when an approver
decides again (issue 10, the red-team review's items 1, 4, 5 and 6), on SQLite and PostgreSQL:
a new deal starts at its first stage or one it could have reached by the playbook's moves (an
admin brings in the rest); its creator owns it and a hand-over is an admin's; so is a re-pin;
an approval whose basis no longer holds may be given again by the same person."""

from __future__ import annotations

import copy
from datetime import date

import pytest

import engine
from engine.console.words import WORDS
from engine.store import NotFound, Refused

from ..conftest import PLAYBOOKS
from .test_store import JULY, bring_in, create, patch, version_2, without_company_data

NOVEMBER = date(2026, 11, 30)
OFFICE = PLAYBOOKS / "key-account-office.yaml"
# item 1's request: an 80,000 visit with 30,000 of gifts, created straight at the visit
VISIT = {
    "id": "VR-REV-3",
    "category": "visit_request",
    "stage": "visiting",
    "visit": {"purpose": "plant tour", "budget": 80000, "gifts": 30000, "held_on": "2026-11-20"},
    "documents": ["visit_plan"],
}


@pytest.fixture(scope="module")
def office() -> engine.Playbook:
    return engine.load_playbook(OFFICE)


@pytest.fixture
def approvers(store):
    store.add_user("chen.jie", ["key_account_manager"])
    store.add_user("zhao.lei", ["general_manager", "marketing_director"])
    store.add_user("wang.qiang", ["key_account_specialist"])


def refusal(caught) -> tuple[str, dict[str, str]]:
    return caught.value.code, caught.value.values


# -- item 1: where a new deal may start -----------------------------------------------------------


def test_a_visit_created_at_the_visit_skips_no_approval(store, office, approvers):
    with pytest.raises(Refused) as caught:
        store.create_deal(copy.deepcopy(VISIT), playbook=office, by="li.na", as_of=NOVEMBER)
    code, values = refusal(caught)
    assert code == "unreached_stage"
    # plan -> application -> approval are open to it; the chain is not complete
    assert (values["stuck_from"], values["stuck_to"]) == ("approval", "visiting")
    assert "approval by key-account department manager is pending" in values["needs"]
    assert "Create it at plan, or ask an admin to import it" in str(caught.value)
    with pytest.raises(NotFound):
        store.get_deal("VR-REV-3")
    (attempt,) = store.refusals("VR-REV-3")  # nothing stored, but the attempt is on record
    assert (attempt["command"], attempt["actor"], attempt["deal_version"]) == ("create", "li.na", 0)
    assert attempt["detail"]["error"]["code"] == "unreached_stage"
    assert attempt["detail"]["request"]["deal"]["stage"] == "visiting"
    with pytest.raises(NotFound):  # a deal neither stored nor refused is still unknown
        store.refusals("VR-REV-999")
    # said in both languages from the refusal's values
    for lang in ("en", "zh"):
        assert "{stuck_to}" in WORDS[lang]["refused_unreached_stage"]
        WORDS[lang]["refused_unreached_stage"].format(**values)


def test_a_visit_may_start_where_its_moves_lead_and_its_first_event_says_how(
    store, office, approvers
):
    deal = {**copy.deepcopy(VISIT), "stage": "approval"}  # a plan and a budget take it there
    store.create_deal(deal, playbook=office, by="li.na", as_of=NOVEMBER)
    (created,) = store.history("VR-REV-3")
    assert created["data"]["start"] == {
        "stage": "approval",
        "first_stage": "plan",
        "via": ["plan", "application", "approval"],
    }
    without_plan = {**copy.deepcopy(VISIT), "id": "VR-REV-4", "stage": "approval"}
    without_plan["documents"] = []
    with pytest.raises(Refused) as caught:  # the other way: no visit plan, no application
        store.create_deal(without_plan, playbook=office, by="li.na", as_of=NOVEMBER)
    assert refusal(caught)[1]["stuck_to"] == "application"
    assert "visit plan is missing" in refusal(caught)[1]["needs"]


def test_an_admin_brings_the_visit_in_and_the_event_says_so(store, office, approvers):
    deal = {**copy.deepcopy(VISIT), "owner": "li.na"}
    store.create_deal(deal, playbook=office, by="chief", as_of=NOVEMBER)
    assert store.get_deal("VR-REV-3").owner == "li.na"
    (created,) = store.history("VR-REV-3")
    start = created["data"]["start"]
    assert start["imported_by"] == "chief"
    assert start["stuck"]["from"] == "approval"
    assert "via" not in start
    assert store.verify() == []


def test_an_auto_dealer_deal_created_at_closing_without_a_visit_is_refused(store, pb, deal, as_of):
    deal["stage"] = "closing"
    del deal["visits"]  # item 1's DE-REV-2: no filed visit
    with pytest.raises(Refused) as caught:  # its prices are the company's: refused first
        create(store, deal, pb, as_of, by="li.na")
    assert refusal(caught)[0] == "company_data_on_create"
    with pytest.raises(Refused) as caught:  # and without them it moves nowhere
        create(store, without_company_data(deal), pb, as_of, by="li.na")
    code, values = refusal(caught)
    assert code == "unreached_stage"
    assert (values["stuck_from"], values["stuck_to"]) == ("prospecting", "preparation")
    assert "List price" in values["needs"]
    bring_in(store, deal, pb, as_of)  # an admin may, and the event says where it was stuck
    assert store.get_deal("T-1").stage == "closing"
    start = store.history("T-1")[0]["data"]["start"]
    assert (start["stuck"]["from"], start["stuck"]["to"]) == ("visit", "needs_confirmed")
    assert any("visit" in need for need in start["stuck"]["needs"])
    assert start["imported_by"] == "chief"


def test_a_clean_deal_with_its_filed_visit_starts_at_closing(store, pb, deal, as_of):
    deal["stage"] = "closing"
    create(store, deal, pb, as_of)
    start = store.history("T-1")[0]["data"]["start"]
    assert start["via"][0] == "prospecting"
    assert start["via"][-2:] == ["negotiation", "closing"]
    assert "imported_by" not in start  # reached by the moves: no import


def test_a_deal_waiting_on_an_approval_cannot_start_past_it(store, pb, deal, as_of):
    deal["lines"][0]["unit_price"] = 89  # below the floor: the marketing director approves
    with pytest.raises(Refused) as caught:  # li.na brings no prices
        create(store, deal, pb, as_of, by="li.na")
    assert refusal(caught)[0] == "company_data_on_create"
    bring_in(store, deal, pb, as_of)  # an admin's import, stuck at the approval
    start = store.history("T-1")[0]["data"]["start"]
    assert "approval by marketing director is pending" in start["stuck"]["needs"]
    # two rules ask the same approval (price below the floor, discount tier): said once
    assert len(start["stuck"]["needs"]) == len(set(start["stuck"]["needs"]))
    assert start["imported_by"] == "chief"
    first = {**without_company_data(deal), "id": "T-2", "stage": "prospecting"}
    create(store, first, pb, as_of, by="li.na")  # the first stage needs no move
    assert "start" not in store.history("T-2")[0]["data"]


# -- item 4: who owns a new deal, and who hands it over -------------------------------------------


def test_the_creator_cannot_name_another_owner(store, pb, deal, as_of, approvers):
    # item 4's request: owned by wang.qiang, its credit limit "approved" by li.na herself
    deal["id"] = "DE-REV-9"
    deal["owner"] = "wang.qiang"
    deal["customer"].update(credit_limit=99_000_000, credit_limit_approved_by="li.na")
    deal["payment"] = {"method": "credit"}
    with pytest.raises(Refused) as caught:
        create(store, deal, pb, as_of, by="li.na")
    assert refusal(caught) == (
        "owner_is_creator",
        {"by": "li.na", "deal": "DE-REV-9", "owner": "wang.qiang"},
    )
    with pytest.raises(NotFound):
        store.get_deal("DE-REV-9")
    # as her own deal, the limit she "approved" is the company's data: not hers to bring
    del deal["owner"]
    deal["stage"] = "prospecting"
    with pytest.raises(Refused) as caught:
        create(store, deal, pb, as_of, by="li.na")
    assert refusal(caught)[0] == "company_data_on_create"
    change = create(store, without_company_data(deal), pb, as_of, by="li.na")
    assert change.response["deal"]["owner"] == "li.na"
    assert change.response["result"]["facts"]["credit_granted"] is not True
    deal = {**without_company_data(deal), "owner": "LI.NA"}  # her own name, however written
    create(store, {**deal, "id": "DE-REV-10"}, pb, as_of, by="li.na")
    assert store.get_deal("DE-REV-10").owner == "li.na"


def test_a_hand_over_is_an_admins_and_on_record(store, pb, deal, as_of, approvers):
    create(store, deal, pb, as_of)
    with pytest.raises(Refused) as caught:
        patch(store, pb, as_of, change={"owner": "wang.qiang"}, if_version=1)
    assert refusal(caught)[0] == "hand_over_admin"
    assert store.get_deal("T-1").owner == "li.na"
    assert store.refusals("T-1")[-1]["actor"] == "li.na"  # the attempt is on record
    patch(store, pb, as_of, change={"owner": "li.na"}, if_version=1)  # no hand-over: allowed
    patch(store, pb, as_of, change={"owner": "wang.qiang"}, if_version=2, by="chief")
    event = store.history("T-1")[-1]
    assert event["actor"] == "chief"
    assert event["data"]["owner"] == {"before": "li.na", "after": "wang.qiang"}
    assert [d.id for d in store.list_deals(owner="wang.qiang")] == ["T-1"]
    assert store.list_deals(owner="li.na") == []
    assert store.verify() == []


# -- item 5: a re-pin ------------------------------------------------------------------------------


def test_the_owner_cannot_re_pin_an_admin_can(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    with pytest.raises(Refused) as caught:
        store.repin_deal("T-1", playbook=version_2(pb), by="li.na", as_of=JULY, if_version=1)
    assert refusal(caught) == ("repin_admin", {"by": "li.na", "deal": "T-1", "version": "2026.1"})
    assert store.get_deal("T-1").playbook_version == "2026.1"
    assert store.refusals("T-1")[-1]["command"] == "repin"
    store.repin_deal("T-1", playbook=version_2(pb), by="chief", as_of=JULY, if_version=1)
    assert store.get_deal("T-1").playbook_version == "2026.2"


# -- item 6: an approval whose basis no longer holds -----------------------------------------------


def visit_request(store, office):
    deal = {**copy.deepcopy(VISIT), "id": "VR-REV-4", "stage": "approval"}
    deal["visit"] = {"purpose": "plant tour", "budget": 15000, "held_on": "2026-11-20"}
    store.create_deal(deal, playbook=office, by="li.na", as_of=NOVEMBER)


def decide(store, office, by, role):
    change = store.decide_approval(
        "VR-REV-4", role=role, decision="approved", playbook=office, by=by, as_of=NOVEMBER
    )
    return {a["role"]: a["status"] for a in change.response["result"]["approvals"]}


def test_a_chain_step_asked_again_is_renewed_by_the_same_approver(store, office, approvers):
    visit_request(store, office)
    decide(store, office, "chen.jie", "key_account_manager")
    assert decide(store, office, "zhao.lei", "marketing_director")["marketing_director"] == (
        "granted"
    )
    raised = store.update_deal(
        "VR-REV-4",
        {"visit": {"budget": 25000}},  # above the director's limit: the GM joins the chain
        playbook=office,
        by="li.na",
        as_of=NOVEMBER,
        if_version=3,
    )
    statuses = {a["role"]: a["status"] for a in raised.response["result"]["approvals"]}
    assert statuses["key_account_manager"] == "stale"
    decide(store, office, "chen.jie", "key_account_manager")
    renewed = decide(store, office, "zhao.lei", "marketing_director")
    assert renewed["marketing_director"] == "granted"
    last = store.history("VR-REV-4")[-1]
    assert last["actor"] == "zhao.lei"
    assert last["data"]["approval"]["basis"] == {"amount": 25000}  # the new basis
    # the director's approval stands again: a repeat is refused, as before
    with pytest.raises(Refused) as caught:
        decide(store, office, "zhao.lei", "marketing_director")
    assert refusal(caught)[0] == "already_approved"
    # and one person still does not take two steps of the chain
    with pytest.raises(engine.DecisionRefused, match="already approved an earlier step"):
        decide(store, office, "zhao.lei", "general_manager")
    assert store.verify() == []


def test_a_repeat_approval_of_a_step_that_still_holds_is_refused(store, office, approvers):
    visit_request(store, office)
    decide(store, office, "chen.jie", "key_account_manager")
    with pytest.raises(Refused) as caught:
        decide(store, office, "chen.jie", "key_account_manager")
    assert refusal(caught)[0] == "already_approved"
    assert [e["kind"] for e in store.history("VR-REV-4")] == ["created", "approved"]


def test_a_rejection_stands_until_the_role_is_decided_again(store, office, approvers):
    visit_request(store, office)
    decide(store, office, "chen.jie", "key_account_manager")
    reject = {"role": "marketing_director", "decision": "rejected", "reason": "too dear"}
    kw = {"playbook": office, "by": "zhao.lei", "as_of": NOVEMBER}
    store.decide_approval("VR-REV-4", **reject, **kw)
    with pytest.raises(Refused) as caught:  # the same rejection again adds nothing
        store.decide_approval("VR-REV-4", **reject, **kw)
    assert refusal(caught)[0] == "already_rejected"
    # the rejection sends the chain back to its first step: the manager, who approved before,
    # is asked again and may approve again; then the director decides again
    assert decide(store, office, "chen.jie", "key_account_manager")["key_account_manager"] == (
        "granted"
    )
    assert decide(store, office, "zhao.lei", "marketing_director")["marketing_director"] == (
        "granted"
    )
    kinds = [e["kind"] for e in store.history("VR-REV-4")]
    assert kinds == ["created", "approved", "rejected", "approved", "approved"]


def test_a_rejection_asked_again_after_the_deal_changed_may_be_rejected_again(
    store, office, approvers
):
    """VER's review: once the owner lowers what was rejected, the role is asked again; the same
    approver may then reject again (it is a new decision on a new basis), never deadlocked."""
    visit_request(store, office)
    decide(store, office, "chen.jie", "key_account_manager")
    reject = {"role": "marketing_director", "decision": "rejected", "reason": "too dear"}
    kw = {"playbook": office, "by": "zhao.lei", "as_of": NOVEMBER}
    done = store.decide_approval("VR-REV-4", **reject, **kw)
    version = done.response["deal"]["version"]
    lowered = store.update_deal(
        "VR-REV-4", {"visit": {"budget": 12000}}, playbook=office, by="li.na", as_of=NOVEMBER,
        if_version=version,
    )  # fmt: skip
    statuses = {a["role"]: a["status"] for a in lowered.response["result"]["approvals"]}
    assert statuses["marketing_director"] != "rejected"  # asked again
    if statuses["key_account_manager"] != "granted":
        decide(store, office, "chen.jie", "key_account_manager")
    again = store.decide_approval("VR-REV-4", **{**reject, "reason": "still too dear"}, **kw)
    statuses = {a["role"]: a["status"] for a in again.response["result"]["approvals"]}
    assert statuses["marketing_director"] == "rejected"
    assert [e["kind"] for e in store.history("VR-REV-4")][-1] == "rejected"
