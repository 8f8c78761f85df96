"""The store's commands beyond create/patch/move/approve, over HTTP: check (an `evaluated`
event), re-pin, refusals on record, the admin import, and the pipeline beside the list."""

from __future__ import annotations

import copy
from datetime import date

from fastapi.testclient import TestClient

from engine.service import Settings, create_app
from engine.store import open_store

from ..conftest import AS_OF, PLAYBOOKS
from .conftest import auth
from .test_service import create


def test_a_check_records_an_evaluated_event_and_moves_the_version_on(client, tokens, deal):
    assert create(client, tokens, deal).status_code == 201
    response = client.post("/v1/deals/T-1/checks", headers=auth(tokens["li.na"]))
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    kinds = [
        e["kind"]
        for e in client.get("/v1/deals/T-1/events", headers=auth(tokens["fin"])).json()["events"]
    ]
    assert kinds == ["created", "evaluated"]


def test_a_check_naming_an_old_version_is_412_and_writes_nothing(client, tokens, deal):
    assert create(client, tokens, deal).status_code == 201
    client.post("/v1/deals/T-1/checks", headers=auth(tokens["li.na"]))
    stale = client.post(
        "/v1/deals/T-1/checks", headers=auth(tokens["li.na"], **{"If-Match": '"1"'})
    )
    assert stale.status_code == 412
    assert client.get("/v1/deals/T-1", headers=auth(tokens["fin"])).headers["etag"] == '"2"'


def test_a_check_by_someone_the_deal_does_not_wait_on_is_403(client, tokens, deal):
    assert create(client, tokens, deal).status_code == 201  # ok: it waits on nobody
    other = client.post("/v1/deals/T-1/checks", headers=auth(tokens["fin"]))
    assert other.status_code == 403
    assert "read the deal instead" in other.json()["detail"]
    events = client.get("/v1/deals/T-1/events", headers=auth(tokens["fin"])).json()["events"]
    assert [e["kind"] for e in events] == ["created"]


def test_repin_moves_the_deal_to_the_version_in_force_and_records_it(template, tmp_path, deal):
    db = tmp_path / "kam.db"
    db.write_bytes(template[0].read_bytes())
    day = [AS_OF]
    settings = Settings(db=f"sqlite:///{db}", playbooks=str(PLAYBOOKS), today=lambda: day[0])
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        tokens = template[1]
        first = create(client, tokens, deal)
        assert first.json()["deal"]["playbook"]["version"] == "2026.1"
        owner = auth(tokens["chief"], **{"If-Match": '"1"'})  # an admin moves it
        early = client.post("/v1/deals/T-1/repin", json={"version": "2026.2"}, headers=owner)
        assert early.status_code == 403  # 2026.2 begins on 2026-07-01
        assert "in force from 2026-07-01" in early.json()["detail"]
        day[0] = date(2026, 7, 1)
        mine = client.post(
            "/v1/deals/T-1/repin",
            json={"version": "2026.2"},
            headers=auth(tokens["li.na"], **{"If-Match": '"1"'}),
        )
        assert mine.status_code == 403  # which rules govern a deal in flight: not the owner's
        assert "is an admin's act" in mine.json()["detail"]
        response = client.post("/v1/deals/T-1/repin", json={"version": "2026.2"}, headers=owner)
        assert response.status_code == 200, response.text
        assert response.json()["deal"]["playbook"]["version"] == "2026.2"
        events = client.get("/v1/deals/T-1/events", headers=auth(tokens["fin"])).json()["events"]
        assert [e["kind"] for e in events] == ["created", "repinned"]
        back = client.post(  # an ended version is refused as well
            "/v1/deals/T-1/repin",
            json={"version": "2026.1"},
            headers=auth(tokens["chief"], **{"If-Match": '"2"'}),
        )
        assert back.status_code == 403
        assert "not on 2026-07-01" in back.json()["detail"]


def test_repin_needs_if_match_and_refuses_the_version_it_is_pinned_to(client, tokens, deal):
    create(client, tokens, deal)
    assert (
        client.post("/v1/deals/T-1/repin", json={}, headers=auth(tokens["chief"])).status_code
        == 428
    )
    same = client.post(
        "/v1/deals/T-1/repin",
        json={"version": "2026.1"},
        headers=auth(tokens["chief"], **{"If-Match": '"1"'}),
    )
    assert same.status_code == 403
    assert same.headers["content-type"] == "application/problem+json"
    assert "already pinned to auto-dealer 2026.1" in same.json()["detail"]


def test_a_refused_self_approval_is_on_record_and_changes_nothing(client, tokens, deal):
    create(client, tokens, deal)
    mine = client.post(
        "/v1/deals/T-1/approvals",
        json={"role": "key_account_specialist", "decision": "approved"},
        headers=auth(tokens["li.na"]),
    )
    assert mine.status_code == 403
    (refusal,) = client.get("/v1/deals/T-1/refusals", headers=auth(tokens["fin"])).json()[
        "refusals"
    ]
    assert refusal["actor"] == "li.na"
    assert client.get("/v1/deals/T-1", headers=auth(tokens["fin"])).headers["etag"] == '"1"'
    assert client.get("/v1/deals/NOPE/refusals", headers=auth(tokens["fin"])).status_code == 404


def test_import_is_for_an_admin_and_keeps_the_approvals_given_before_kam(
    client, tokens, deal, tmp_path
):
    carried = copy.deepcopy(deal)
    carried["approvals"] = [
        {
            "role": "manufacturer",
            "by": "faw.region.north",
            "on": "2026-02-26",
            "decision": "approved",
        }
    ]
    body = {"playbook": "auto-dealer", "deals": [carried]}
    refused = client.post("/v1/imports", json=body, headers=auth(tokens["gm"]))
    assert refused.status_code == 403
    assert client.get("/v1/deals/T-1", headers=auth(tokens["gm"])).status_code == 404

    db = client.app.state.service.settings.db
    with open_store(db) as store:
        store.add_user("ops.admin", ["admin"])
        admin = store.issue_token("ops.admin")
    done = client.post("/v1/imports", json=body, headers=auth(admin))
    assert done.status_code == 201, done.text
    stored = client.get("/v1/deals/T-1", headers=auth(tokens["gm"])).json()
    assert stored["deal"]["document"]["approvals"][0]["by"] == "faw.region.north"
    (event,) = client.get("/v1/deals/T-1/events", headers=auth(tokens["gm"])).json()["events"]
    assert (event["kind"], event["actor"]) == ("imported", "ops.admin")
    again = client.post("/v1/imports", json=body, headers=auth(admin))
    assert again.status_code == 409


def test_the_list_carries_the_weighted_pipeline_by_stage(client, tokens, deal):
    create(client, tokens, deal)
    listed = client.get("/v1/deals", headers=auth(tokens["fin"])).json()
    (pipeline,) = listed["pipeline"]
    assert pipeline["playbook"]["version"] == "2026.1"
    assert [row["stage"] for row in pipeline["stages"]] == ["negotiation"]


def test_an_id_with_a_slash_is_refused_as_it_could_never_be_addressed(client, tokens, deal):
    deal["id"] = "DE/2026/100"
    response = create(client, tokens, deal)
    assert response.status_code == 422
    assert "'/'" in response.json()["detail"]
    assert client.get("/v1/deals", headers=auth(tokens["fin"])).json()["deals"] == []
