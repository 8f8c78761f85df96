"""Over HTTP (issue 10's review, items 1 and 4): a salesperson's new deal at a stage it could
not have reached, owned by someone else, or bringing the company's data, is a 403 problem; an
admin brings it in; a hand-over is an admin's, and the list shows the new owner."""

from __future__ import annotations

import copy

from ..store.test_store import without_company_data
from .conftest import auth
from .test_service import create, is_problem

# item 1's request: an 80,000 visit with 30,000 of gifts, created straight at the visit
VISIT = {
    "id": "VR-REV-3",
    "category": "visit_request",
    "stage": "visiting",
    "visit": {"purpose": "plant tour", "budget": 80000, "gifts": 30000, "held_on": "2026-11-20"},
    "documents": ["visit_plan"],
}


def office(client, tokens, deal, by):
    return client.post(
        "/v1/deals",
        json={"playbook": "key-account-office", "deal": deal},
        headers=auth(tokens[by]),
    )


def test_a_visit_created_at_the_visit_is_403_for_its_owner_and_brought_in_by_an_admin(
    client, tokens
):
    refused = office(client, tokens, copy.deepcopy(VISIT), "li.na")
    detail = is_problem(refused, 403, "forbidden")["detail"]
    assert "VR-REV-3 cannot start at visiting" in detail
    assert "the move approval → visiting still needs" in detail
    assert "Create it at plan, or ask an admin to import it" in detail
    assert client.get("/v1/deals/VR-REV-3", headers=auth(tokens["fin"])).status_code == 404
    done = office(client, tokens, {**copy.deepcopy(VISIT), "owner": "li.na"}, "chief")
    assert done.status_code == 201, done.text
    events = client.get("/v1/deals/VR-REV-3/events", headers=auth(tokens["fin"])).json()
    assert events["events"][0]["data"]["start"]["imported_by"] == "chief"


def test_an_auto_dealer_deal_at_closing_without_a_visit_is_403(client, tokens, deal):
    deal["stage"] = "closing"
    del deal["visits"]
    priced = is_problem(create(client, tokens, deal, by="li.na"), 403, "forbidden")["detail"]
    assert "a new deal cannot bring the company's data" in priced  # its prices: first
    bare = create(client, tokens, without_company_data(deal), by="li.na")
    detail = is_problem(bare, 403, "forbidden")["detail"]
    assert "T-1 cannot start at closing" in detail
    assert "Create it at prospecting, or ask an admin to import it" in detail
    assert create(client, tokens, deal, by="chief").status_code == 201  # an admin's import
    events = client.get("/v1/deals/T-1/events", headers=auth(tokens["fin"])).json()["events"]
    start = events[0]["data"]["start"]
    assert (start["stuck"]["from"], start["stuck"]["to"]) == ("visit", "needs_confirmed")
    assert start["imported_by"] == "chief"
    deal["id"] = "T-2"
    deal["visits"] = [{"on": "2026-02-20", "record_filed": True}]  # the other way
    assert create(client, tokens, deal, by="chief").status_code == 201
    events = client.get("/v1/deals/T-2/events", headers=auth(tokens["fin"])).json()["events"]
    assert "imported_by" not in events[0]["data"]["start"]  # its moves took it there


def test_owner_is_the_creator_and_a_hand_over_is_an_admins(client, tokens, deal):
    deal["owner"] = "gm"
    detail = is_problem(create(client, tokens, deal, by="li.na"), 403, "forbidden")["detail"]
    assert "li.na cannot create deal T-1 for gm" in detail
    deal["owner"] = "li.na"
    priced = is_problem(create(client, tokens, deal, by="li.na"), 403, "forbidden")["detail"]
    assert "a new deal cannot bring the company's data" in priced  # not the owner's to bring
    mine_only = {**without_company_data(deal), "stage": "prospecting"}
    assert create(client, tokens, mine_only, by="li.na").status_code == 201
    mine = client.patch(
        "/v1/deals/T-1", json={"owner": "gm"}, headers=auth(tokens["li.na"], **{"If-Match": '"1"'})
    )
    assert "a hand-over is an admin's act" in is_problem(mine, 403, "forbidden")["detail"]
    handed = client.patch(
        "/v1/deals/T-1", json={"owner": "gm"}, headers=auth(tokens["chief"], **{"If-Match": '"1"'})
    )
    assert handed.status_code == 200, handed.text
    listed = client.get("/v1/deals?owner=gm", headers=auth(tokens["fin"])).json()
    assert [d["id"] for d in listed["deals"]] == ["T-1"]
    events = client.get("/v1/deals/T-1/events", headers=auth(tokens["fin"])).json()["events"]
    assert events[-1]["data"]["owner"] == {"before": "li.na", "after": "gm"}
