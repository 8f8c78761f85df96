"""Catalogue rows A1-A5 (threats-and-targets.md §3, approvals and authority) through the HTTP
service: identity comes from the token alone, and every refusal writes nothing. A6 (a
wildcard approver role in a playbook) is a lint row, not the service's."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from engine.service import Settings, create_app
from engine.store import open_store

from ..conftest import AS_OF, BASE_DEAL, PLAYBOOKS
from ..service.conftest import auth
from ..store.test_store import without_company_data

# an auto-dealer deal's prices and credit terms are the company's: pricing and the supervisor
# (zhang.wei) record them on a deal they do not own, and only an admin (desk) brings them on a
# new deal, as its creator owns it
USERS = {
    "li.na": ["key_account_specialist"],
    "zhang.wei": ["marketing_director", "key_account_manager", "pricing", "supervisor"],
    "desk": ["admin"],
    "boss": ["key_account_manager", "marketing_director", "general_manager", "finance"],
    "fin": ["supervisor"],
    "director": ["marketing_director"],
    "chief": ["admin"],  # brings deals in flight in (waiting on approvals) and hands them over
}
VISIT = PLAYBOOKS / "examples" / "key-account-office" / "visit-approval.json"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Any]]:
    url = f"sqlite:///{tmp_path / 'kam.db'}"
    tokens = {}
    with open_store(url) as store:
        for name, roles in USERS.items():
            store.add_user(name, roles)
            tokens[name] = store.issue_token(name)
    app = create_app(Settings(db=url, playbooks=str(PLAYBOOKS), today=lambda: AS_OF))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens, app.state.service.store


def problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + kind), body
    return body


def below_floor(**changes: Any) -> dict[str, Any]:
    deal = copy.deepcopy(BASE_DEAL)
    deal["lines"][0]["unit_price"] = 89  # the marketing director must approve
    deal.update(changes)
    return deal


def create(client: TestClient, token: str, deal: dict[str, Any], playbook: str = "auto-dealer"):
    response = client.post(
        "/v1/deals", json={"playbook": playbook, "deal": deal}, headers=auth(token)
    )
    assert response.status_code == 201, response.text
    return response


def decide(client: TestClient, token: str, role: str, deal: str = "T-1", **headers: str):
    return client.post(
        f"/v1/deals/{deal}/approvals",
        json={"role": role, "decision": "approved"},
        headers=auth(token, **headers),
    )


def kinds(client: TestClient, token: str, deal: str = "T-1") -> list[str]:
    found = client.get(f"/v1/deals/{deal}/events", headers=auth(token)).json()["events"]
    return [e["kind"] for e in found]


# -- A1 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "owner",
    [
        "zhang.wei",
        "Zhang.Wei",  # case
        "  zhang.wei ",  # spaces
        "ｚｈａｎｇ.ｗｅｉ",  # full width
        "zh\u0430ng.wei",  # Cyrillic a: a homoglyph
        "zhang\u200b.wei",  # a zero-width space
    ],
    ids=["same", "case", "spaces", "full-width", "homoglyph", "zero-width"],
)
def test_A1_the_owner_cannot_approve_their_own_deal_however_the_name_is_written(api, owner):
    client, tokens, _ = api
    created = client.post(
        "/v1/deals",
        json={"playbook": "auto-dealer", "deal": below_floor(owner=owner)},
        headers=auth(tokens["chief"]),
    )
    if created.status_code != 201:  # a name that is not a person's is refused at the door
        problem(created, 422, created.json()["type"].rsplit("/", 1)[1])
        return
    response = decide(client, tokens["zhang.wei"], "marketing_director")
    problem(response, 403, "forbidden")
    assert kinds(client, tokens["fin"]) == ["created"]


def test_A1_the_creator_cannot_approve_a_deal_they_handed_to_someone_else(api):
    client, tokens, _ = api
    deal = below_floor(owner="zhang.wei", stage="prospecting")
    # zhang.wei records prices and credit terms (pricing, supervisor), never on their own deal
    refused = client.post(
        "/v1/deals",
        json={"playbook": "auto-dealer", "deal": deal},
        headers=auth(tokens["zhang.wei"]),
    )
    assert "cannot bring the company's data" in problem(refused, 403, "forbidden")["detail"]
    company = {"customer": deal["customer"], "lines": deal["lines"]}
    deal = without_company_data(deal)  # no prices or credit terms yet
    create(client, tokens["zhang.wei"], deal)  # the creator owns it
    handed = client.patch(  # a hand-over is an admin's
        "/v1/deals/T-1",
        json={"owner": "li.na"},
        headers=auth(tokens["chief"], **{"If-Match": '"1"'}),
    )
    assert handed.status_code == 200, handed.text
    priced = client.patch(  # the company's data, by an admin: not the one-time owner's to bring
        "/v1/deals/T-1", json=company, headers=auth(tokens["desk"], **{"If-Match": '"2"'})
    )
    assert priced.status_code == 200, priced.text
    response = decide(client, tokens["zhang.wei"], "marketing_director")
    assert "created or owned" in problem(response, 403, "forbidden")["detail"]
    assert kinds(client, tokens["fin"]) == ["created", "updated", "updated"]


# -- A2 -----------------------------------------------------------------------------------------
def test_A2_a_role_not_held_is_refused_and_the_message_names_it(api):
    client, tokens, _ = api
    create(client, tokens["chief"], below_floor())
    response = decide(client, tokens["fin"], "marketing_director")
    detail = problem(response, 403, "forbidden")["detail"]
    assert "fin" in detail
    assert "marketing_director" in detail
    assert kinds(client, tokens["fin"]) == ["created"]


def test_A2_a_role_the_playbook_does_not_have_is_a_422_naming_the_roles(api):
    client, tokens, _ = api
    create(client, tokens["chief"], below_floor())
    response = decide(client, tokens["boss"], "marketing_directr")
    assert "marketing_director" in problem(response, 422, "bad-input")["detail"]


# -- A3 -----------------------------------------------------------------------------------------
def test_A3_a_disabled_user_is_refused_at_the_door(api):
    """``kam users disable`` is the store helper's; what exists is the active flag, which the
    token check reads on every request."""
    client, tokens, store = api
    create(client, tokens["chief"], below_floor())
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE users SET active = :no WHERE name = 'zhang.wei'"), {"no": False})
    response = decide(client, tokens["zhang.wei"], "marketing_director")
    problem(response, 401, "unauthorized")
    assert kinds(client, tokens["fin"]) == ["created"]


# -- A4 -----------------------------------------------------------------------------------------
def test_A4_one_person_in_two_slots_is_counted_once_and_the_chain_stays_pending(api):
    client, tokens, _ = api
    deal = json.loads(VISIT.read_text(encoding="utf-8"))
    deal.pop("approvals")
    deal["id"] = "V-1"
    create(client, tokens["chief"], deal, playbook="key-account-office")
    first = decide(client, tokens["boss"], "key_account_manager", "V-1")
    assert first.status_code == 201, first.text
    second = decide(client, tokens["boss"], "marketing_director", "V-1")
    problem(second, 403, "forbidden")
    assert kinds(client, tokens["fin"], "V-1") == ["created", "approved"]
    stored = client.get("/v1/deals/V-1", headers=auth(tokens["fin"])).json()
    assert [a["by"] for a in stored["deal"]["document"]["approvals"]] == ["boss"]
    # another person (not the owner, zhang.wei) fills the second slot
    assert decide(client, tokens["director"], "marketing_director", "V-1").status_code == 201


# -- A5 -----------------------------------------------------------------------------------------
def test_A5_an_approval_against_a_stale_version_is_412_and_must_be_refetched(api):
    client, tokens, _ = api
    create(client, tokens["chief"], below_floor())
    patched = client.patch(
        "/v1/deals/T-1",
        json={"lines": [{**BASE_DEAL["lines"][0], "unit_price": 80}]},
        headers=auth(tokens["li.na"], **{"If-Match": '"1"'}),
    )
    assert patched.status_code == 200, patched.text
    response = decide(client, tokens["zhang.wei"], "marketing_director", **{"If-Match": '"1"'})
    assert problem(response, 412, "stale-version")["current_version"] == 2
    assert kinds(client, tokens["fin"]) == ["created", "updated"]
    fresh = decide(client, tokens["zhang.wei"], "marketing_director", **{"If-Match": '"2"'})
    assert fresh.status_code == 201


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("zh\u0430ng.wei", "zhang.wei", True),  # Cyrillic a
        ("\u0417HANG.WEI", "zhang.wei", False),  # Cyrillic Ze reads as 3, not z: another name
        ("\u0455\u043d\u0430ng", "shang", True),  # Cyrillic dze, en, a
        ("\u03bflga", "olga", True),  # Greek omicron
        ("zhang\u200b.wei", "zhang.wei", True),  # zero-width space
        ("\u738b\u4f1f", "\u738b\u4f1f", True),  # Chinese names are kept as they are
        ("zhang.wei", "zhang.wen", False),
    ],
)
def test_A1_identities_are_compared_after_folding_look_alike_letters(a, b, same):
    from engine.lang.values import same_person

    assert same_person(a, b) is same
