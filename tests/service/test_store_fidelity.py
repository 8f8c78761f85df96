"""The store's fidelity over HTTP: company data the owner cannot retype (403, on record),
customer accounts with a history, a nameless account refused."""

from __future__ import annotations

from .conftest import auth
from .test_service import create, is_problem


def test_the_owner_patching_a_floor_price_is_403_and_on_record(client, tokens, deal):
    deal["lines"][0]["unit_price"] = 89  # below the floor of 90: needs the marketing director
    assert create(client, tokens, deal, by="chief").status_code == 201
    line = {**deal["lines"][0], "floor_price": 80}
    refused = client.patch(
        "/v1/deals/T-1",
        json={"lines": [line]},
        headers=auth(tokens["li.na"], **{"If-Match": '"1"'}),
    )
    body = is_problem(refused, 403, "forbidden")
    assert "$.lines[0].floor_price" in body["detail"]
    shown = client.get("/v1/deals/T-1", headers=auth(tokens["li.na"])).json()
    assert shown["deal"]["version"] == 1
    (refusal,) = client.get("/v1/deals/T-1/refusals", headers=auth(tokens["li.na"])).json()[
        "refusals"
    ]
    assert refusal["actor"] == "li.na"
    assert refusal["command"] == "update"


def test_an_accounts_history_is_served_and_a_nameless_account_is_422(client, tokens):
    headers = auth(tokens["fin"])
    nameless = client.put("/v1/customers/C-1", json={}, headers=headers)
    body = is_problem(nameless, 422, "bad-deal")
    assert [e["path"] for e in body["errors"]] == ["$.name"]
    assert is_problem(client.get("/v1/customers/C-1", headers=headers), 404, "not-found")
    assert (
        client.put("/v1/customers/C-1", json={"name": "ACME"}, headers=headers).status_code == 201
    )
    replaced = client.put(
        "/v1/customers/C-1",
        json={"name": "ACME", "credit_limit": 500000, "credit_limit_approved_by": "fin"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert replaced.status_code == 200, replaced.text
    events = client.get("/v1/customers/C-1/events", headers=headers).json()["events"]
    assert [(e["seq"], e["kind"], e["actor"]) for e in events] == [
        (1, "created", "fin"),
        (2, "updated", "fin"),
    ]
    assert events[1]["changes"]["credit_limit"] == {"before": None, "after": 500000}
    gone = client.put("/v1/customers/C-1", json={}, headers=headers)  # every field removed
    is_problem(gone, 422, "bad-deal")
    missing = client.get("/v1/customers/C-9/events", headers=headers)
    is_problem(missing, 404, "not-found")


def test_a_playbook_version_that_does_not_exist_is_422_naming_those_that_do(client, tokens, deal):
    headers = auth(tokens["li.na"])
    asked = {"playbook": "auto-dealer", "version": "1999.9"}
    for path, body in (
        ("/v1/evaluate", {**asked, "deal": deal}),
        ("/v1/deals", {**asked, "deal": deal}),
    ):
        problem = is_problem(client.post(path, json=body, headers=headers), 422, "bad-input")
        assert "no version '1999.9' (versions: 2026.1, 2026.2)" in problem["detail"]
    assert create(client, tokens, deal).status_code == 201
    repin = client.post(
        "/v1/deals/T-1/repin",
        json={"version": "1999.9"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert "versions: 2026.1, 2026.2" in is_problem(repin, 422, "bad-input")["detail"]
