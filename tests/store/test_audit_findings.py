"""Review items 2 and 3: what decides P5 and P8 is the company's word, not the salesperson's.
auto-dealer declares who records a customer's shared territory, state organ and largest batch
(the key-account manager; the maker too for a shared territory), a false-report finding (the
maker's or the general manager's audit) and the fine's payment (finance). On a stored deal the
owner cannot clear a finding, declare the fine paid or make P5's approval vanish; the right
people can, and each change is on record. SQLite and PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import engine
from engine.store import Refused

from ..conftest import AS_OF, AUTO_DEALER, BASE_DEAL

FOUND = {"found_on": "2026-02-20", "improper_gain": 50000}


@pytest.fixture(scope="module")
def dealer() -> engine.Playbook:
    return engine.load_playbook(AUTO_DEALER)


def test_the_playbook_says_who_records_each_finding_and_fact(dealer):
    said = dealer.model.recorded_by
    assert said["false_report.found_on"] == ("manufacturer", "general_manager")
    assert said["false_report.improper_gain"] == ("manufacturer", "general_manager")
    assert said["false_report.fine_paid_on"] == ("finance",)
    assert said["customer.shared_territory"] == ("key_account_manager", "manufacturer")
    assert said["customer.state_organ"] == ("key_account_manager",)
    assert said["customer.largest_batch_this_year"] == ("key_account_manager",)


@pytest.fixture
def found(store, dealer):
    """li.na's deal in shared territory with a false report found: blocked by P8 (an admin
    brings it in with its company data)."""
    store.add_user("kam.boss", ["key_account_manager"])
    store.add_user("cashier", ["finance"])
    deal: dict[str, Any] = copy.deepcopy(BASE_DEAL)
    deal["customer"]["shared_territory"] = True
    deal["false_report"] = dict(FOUND)
    store.create_deal(deal, playbook=dealer, by="desk", as_of=AS_OF)
    return store


def _patch(store, dealer, by, patch, version=1):
    return store.update_deal("T-1", patch, playbook=dealer, by=by, as_of=AS_OF, if_version=version)


def _verdict(store, dealer):
    _, result = store.evaluate("T-1", playbook=dealer, by="desk", as_of=AS_OF, record=False)
    return result


@pytest.mark.parametrize(
    "patch",
    [
        {"false_report": None},  # the finding erased
        {"false_report": {"found_on": None}},
        {"false_report": {"fine_paid_on": "2026-02-21"}},  # the fine declared paid
        {"false_report": {"improper_gain": 0}},
        {"customer": {"shared_territory": False}},  # P5's approval would vanish
        {"customer": {"state_organ": True}},  # P1: no minimum for a state organ
        {"customer": {"largest_batch_this_year": 50}},  # P3: the minimum waived
    ],
)
def test_the_owner_cannot_change_what_the_company_records(found, dealer, patch):
    before = _verdict(found, dealer)
    assert "P8" in {v.rule for v in before.violations}
    assert "P5" in {a.rule for a in before.approvals}
    with pytest.raises(Refused) as refused:
        _patch(found, dealer, "li.na", patch)
    assert refused.value.code == "company_data"
    deal = found.get_deal("T-1")
    assert deal.version == 1  # nothing written
    after = _verdict(found, dealer)
    assert {v.rule for v in after.violations} == {v.rule for v in before.violations}
    assert {a.rule for a in after.approvals} == {a.rule for a in before.approvals}


def test_finance_records_the_fine_paid_and_the_block_lifts(found, dealer):
    with pytest.raises(Refused):  # the general manager found it; paying is finance's to record
        _patch(found, dealer, "gm", {"false_report": {"fine_paid_on": "2026-02-21"}})
    _patch(found, dealer, "cashier", {"false_report": {"fine_paid_on": "2026-02-21"}})
    assert found.get_deal("T-1").version == 2
    assert "P8" not in {v.rule for v in _verdict(found, dealer).violations}
    event = found.history("T-1")[-1]
    assert event["actor"] == "cashier"
    assert "fine_paid_on" in str(event["data"])


def test_the_maker_or_the_general_manager_records_a_finding(store, dealer):
    deal = copy.deepcopy(BASE_DEAL)
    store.create_deal(deal, playbook=dealer, by="desk", as_of=AS_OF)
    assert "P8" not in {v.rule for v in _verdict(store, dealer).violations}
    with pytest.raises(Refused):
        _patch(store, dealer, "li.na", {"false_report": FOUND})
    _patch(store, dealer, "gm", {"false_report": FOUND})
    assert "P8" in {v.rule for v in _verdict(store, dealer).violations}
