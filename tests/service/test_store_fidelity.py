"""The store's fidelity over HTTP: company data the owner cannot retype (403, on record),
customer accounts with a history, a nameless account refused."""

from __future__ import annotations

from .conftest import auth
from .test_service import create, is_problem


def test_the_owner_patching_a_floor_price_is_403_and_on_record(client, tokens, deal):
    deal["lines"][0]["unit_price"] = 89  # below the floor of 90: needs the marketing director
    assert create(client, tokens, deal).status_code == 201
    line = {**deal["lines"][0], "floor_price": 80}
    refused = client.patch(
        "/v1/deals/T-1",
        json={"lines": [line]},
        headers=auth(tokens["li.na"], **{"If-Match": '"1"'}),
    )
    body = is_problem(refused, 403, "forbidden")
    assert "$.lines[0].floor_price" in body["detail"]
    shown = client.get("/v1/deals/T-1", headers=auth(tokens["li.na"])).json()
    assert shown["version"] == 1
    (refusal,) = client.get("/v1/deals/T-1/refusals", headers=auth(tokens["li.na"])).json()[
        "refusals"
    ]
    assert refusal["actor"] == "li.na"
    assert refusal["command"] == "update"
