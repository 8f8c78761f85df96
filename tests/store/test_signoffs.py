"""Sign-offs on a stored deal (a visit record's check, an expense claim's reviews) are written
by the person they name, in a role they hold, never by the deal's owner: the review typed
"checked by chen.jie" and three expense reviews into its own request, and the guards passed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import engine
from engine.store.errors import Refused

ROOT = Path(__file__).resolve().parents[2]
OFFICE = ROOT / "playbooks" / "key-account-office.yaml"
VISIT = json.loads(
    (ROOT / "playbooks/examples/key-account-office/visit-approval.json").read_text("utf-8")
)


@pytest.fixture(scope="module")
def office() -> engine.Playbook:
    return engine.load_playbook(OFFICE)


@pytest.fixture
def stored(store, office, as_of):
    store.add_user("zhang.wei", ["key_account_specialist"])
    store.add_user("chen.jie", ["key_account_manager"])
    store.add_user("wu.fin", ["finance"])
    deal = copy.deepcopy(VISIT)
    deal.pop("approvals")
    store.create_deal(deal, playbook=office, by="zhang.wei", as_of=as_of)
    return store


def patch(store, office, as_of, by, change, version=1):
    return store.update_deal(
        "VR-2026-044", change, playbook=office, by=by, as_of=as_of, if_version=version
    )


CHECK = {"visit": {"checked_by": {"by": "chen.jie", "role": "key_account_manager"}}}
REVIEW = {"expense": {"reviews": [{"role": "finance", "by": "wu.fin"}]}}


@pytest.mark.parametrize("change", [CHECK, REVIEW], ids=["check", "review"])
def test_the_owner_cannot_write_a_sign_off_for_another(stored, office, as_of, change):
    with pytest.raises(Refused, match="never by its owner") as info:
        patch(stored, office, as_of, "zhang.wei", change)
    assert info.value.code == "sign_off_owner"
    assert stored.get_deal("VR-2026-044").version == 1
    (refusal,) = stored.refusals("VR-2026-044")
    assert refusal["actor"] == "zhang.wei"


def test_the_person_named_signs_in_a_role_they_hold(stored, office, as_of):
    patch(stored, office, as_of, "chen.jie", CHECK)
    event = stored.history("VR-2026-044")[-1]
    assert event["actor"] == "chen.jie"
    assert event["data"]["sign_offs"] == [
        {"path": "$.visit.checked_by", "by": "chen.jie", "role": "key_account_manager"}
    ]
    patch(stored, office, as_of, "WU.FIN", REVIEW, version=2)  # named as people compare names
    assert stored.verify() == []


@pytest.mark.parametrize(
    ("by", "change", "said"),
    [
        ("wu.fin", CHECK, "wu.fin cannot sign for chen.jie"),  # another person's signature
        (  # their own name, a role they do not hold
            "wu.fin",
            {"visit": {"checked_by": {"by": "wu.fin", "role": "key_account_manager"}}},
            "cannot sign for wu.fin as key_account_manager",
        ),
    ],
)
def test_a_sign_off_for_another_or_in_a_role_not_held_is_refused(
    stored, office, as_of, by, change, said
):
    with pytest.raises(Refused, match=said):
        patch(stored, office, as_of, by, change)
    assert stored.get_deal("VR-2026-044").version == 1


def test_a_signer_changes_nothing_else(stored, office, as_of):
    with pytest.raises(Refused, match="may record their sign-off but change nothing else"):
        patch(stored, office, as_of, "chen.jie", {**CHECK, "documents": []})


def test_a_new_deal_cannot_bring_a_sign_off(store, office, as_of):
    store.add_user("zhang.wei", ["key_account_specialist"])
    deal = copy.deepcopy(VISIT)
    deal.pop("approvals")
    deal["visit"]["checked_by"] = {"by": "chen.jie", "role": "key_account_manager"}
    with pytest.raises(Refused, match=r"\$\.visit\.checked_by: a new deal cannot bring"):
        store.create_deal(deal, playbook=office, by="zhang.wei", as_of=as_of)


def test_the_owner_still_edits_their_own_terms(stored, office, as_of):
    patch(stored, office, as_of, "zhang.wei", {"visit": {"budget": 12000}})
    assert stored.get_deal("VR-2026-044").version == 2
