"""Company data a playbook declares (``recorded_by``), on a stored deal: key-account-office's
funds released by finance decide the FUNDS move and the OVER-APPROVED block, so only finance
(or an admin) records them, never the deal's owner; the refusal and the change are on record.
On SQLite and PostgreSQL (the ``store`` fixture), through the service and through the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

import engine
from engine.cli import main
from engine.service import Settings, create_app
from engine.store import Refused, open_store

from ..conftest import AS_OF, PLAYBOOKS
from ..service.conftest import auth

OFFICE = PLAYBOOKS / "key-account-office.yaml"
VISIT = PLAYBOOKS / "examples" / "key-account-office" / "visit-approval.json"
RELEASED = {"expense": {"claimed": 12000, "funds_released": 15000}}
PEOPLE = {
    "zhang.wei": ["key_account_specialist"],  # owns the visit request
    "cashier": ["finance"],
    "boss": ["general_manager", "marketing_director"],  # approves, but releases nothing
    "desk": ["admin"],
}
NEW = {k: v for k, v in PEOPLE.items() if k != "desk"}  # the store tests' users have desk


@pytest.fixture(scope="module")
def office() -> engine.Playbook:
    return engine.load_playbook(OFFICE)


def a_visit(**changes: Any) -> dict[str, Any]:
    """A visit request whose expense claim (12,000) is above the funds released (none)."""
    deal = json.loads(VISIT.read_text(encoding="utf-8"))
    deal.pop("approvals")
    deal["expense"] = {"claimed": 12000}
    deal.update(changes)
    return deal


@pytest.fixture
def visit(store, office):
    for name, roles in NEW.items():
        store.add_user(name, roles)
    # at approval and blocked (its owner could not have created it there): an admin brings it in
    store.create_deal(a_visit(), playbook=office, by="desk", as_of=AS_OF)
    return store


def release(store, office, by, change=None, version=1):
    return store.update_deal(
        "VR-2026-044", change or RELEASED, playbook=office, by=by, as_of=AS_OF,
        if_version=version,
    )  # fmt: skip


def status(store) -> str:
    return store.get_deal("VR-2026-044").status


def test_the_playbook_says_who_records_the_funds_released(office):
    assert office.model.recorded_by == {"expense.funds_released": ("finance",)}
    prices = engine.load_playbook(PLAYBOOKS / "auto-dealer.yaml").model.recorded_by
    assert prices["lines[].list_price"] == ("pricing",)
    assert prices["customer.credit_limit"] == ("supervisor",)


def test_the_owner_cannot_release_the_funds_and_the_block_stays(visit, office):
    assert status(visit) == "blocked"  # OVER-APPROVED: claimed 12,000, nothing released
    with pytest.raises(Refused, match=r"zhang\.wei owns deal VR-2026-044 and cannot change") as e:
        release(visit, office, "zhang.wei")
    assert e.value.code == "company_data"
    assert "$.expense.funds_released (none) to 15000" in str(e.value)
    assert "recorded by finance" in str(e.value)
    assert visit.get_deal("VR-2026-044").version == 1  # nothing written
    assert status(visit) == "blocked"
    (refusal,) = visit.refusals("VR-2026-044")
    assert (refusal["actor"], refusal["command"], refusal["deal_version"]) == (
        "zhang.wei",
        "update",
        1,
    )
    assert refusal["detail"]["error"]["code"] == "company_data"
    assert [e["kind"] for e in visit.history("VR-2026-044")] == ["created"]


def test_finance_releases_the_funds_and_the_event_names_the_value_before_and_after(visit, office):
    done = release(visit, office, "cashier")
    assert done.response["deal"]["version"] == 2
    assert status(visit) != "blocked"
    event = visit.history("VR-2026-044")[-1]
    assert event["actor"] == "cashier"
    assert event["data"]["reference"] == [
        {"path": "$.expense.funds_released", "field": "expense.funds_released",
         "recorded_by": ["finance"], "before": None, "after": 15000}
    ]  # fmt: skip
    assert visit.refusals("VR-2026-044") == []
    assert visit.verify() == []
    # and once recorded, the owner removing it is refused too: it is finance's word
    with pytest.raises(Refused, match=r"15000 to \(none\)"):
        release(visit, office, "zhang.wei", {"expense": {"funds_released": None}}, version=2)
    # the owner's own figure stays theirs: the claim
    release(visit, office, "zhang.wei", {"expense": {"claimed": 14000}}, version=2)
    assert visit.get_deal("VR-2026-044").document["expense"] == {
        "claimed": 14000, "funds_released": 15000
    }  # fmt: skip


def test_an_admin_records_it_too(visit, office):
    release(visit, office, "desk")
    assert visit.history("VR-2026-044")[-1]["data"]["reference"][0]["after"] == 15000


def test_a_role_that_is_not_finance_is_refused_and_on_record(visit, office):
    with pytest.raises(Refused, match="boss does not hold the role finance") as e:
        release(visit, office, "boss")
    assert e.value.code == "recorded_by_role"
    assert status(visit) == "blocked"
    (refusal,) = visit.refusals("VR-2026-044")
    assert refusal["detail"]["error"]["code"] == "recorded_by_role"


def test_finance_records_the_funds_but_changes_nothing_else(visit, office):
    both = {"expense": {"claimed": 1, "funds_released": 15000}}
    with pytest.raises(Refused, match="but nothing else") as e:
        release(visit, office, "cashier", both)
    assert e.value.code == "company_data_only"
    assert visit.get_deal("VR-2026-044").version == 1


def test_a_new_deal_brings_the_funds_only_when_its_creator_records_them(store, office):
    for name, roles in NEW.items():
        store.add_user(name, roles)
    with pytest.raises(Refused, match=r"\$.expense.funds_released: a new deal cannot bring") as e:
        store.create_deal(a_visit(**RELEASED), playbook=office, by="zhang.wei", as_of=AS_OF)
    assert e.value.code == "company_data_on_create"
    assert store.list_deals() == []
    with pytest.raises(Refused, match="a new deal cannot bring"):  # another role: no
        store.create_deal(
            a_visit(owner="boss", **RELEASED), playbook=office, by="boss", as_of=AS_OF
        )  # fmt: skip
    # finance may not bring them for the owner either: naming another owner is an admin's act
    with pytest.raises(
        Refused, match=r"cashier cannot create deal VR-2026-044 for zhang\.wei"
    ) as e:
        store.create_deal(a_visit(**RELEASED), playbook=office, by="cashier", as_of=AS_OF)
    assert e.value.code == "owner_is_creator"
    assert store.list_deals() == []
    # an admin may, for the owner
    store.create_deal(a_visit(**RELEASED), playbook=office, by="desk", as_of=AS_OF)
    (created,) = store.history("VR-2026-044")
    assert created["actor"] == "desk"
    assert created["data"]["reference"][0]["path"] == "$.expense.funds_released"
    assert store.get_deal("VR-2026-044").owner == "zhang.wei"
    store.create_deal(
        a_visit(id="VR-2", **RELEASED), playbook=office, by="chief", as_of=AS_OF
    )  # fmt: skip
    assert store.get_deal("VR-2").status != "blocked"


def test_finance_owning_the_deal_still_cannot_release_its_own_funds(store, office):
    store.add_user("cashier", ["finance", "key_account_specialist"])
    with pytest.raises(Refused, match="a new deal cannot bring"):
        store.create_deal(
            a_visit(owner="cashier", **RELEASED), playbook=office, by="cashier", as_of=AS_OF
        )  # fmt: skip
    # blocked at approval, so brought in for cashier by an admin
    store.create_deal(a_visit(owner="cashier"), playbook=office, by="desk", as_of=AS_OF)
    with pytest.raises(Refused, match="cashier owns deal"):
        release(store, office, "cashier")


# -- through the service and the CLI ---------------------------------------------------------


@pytest.fixture
def api(tmp_path):
    url = f"sqlite:///{tmp_path / 'kam.db'}"
    tokens = {}
    with open_store(url) as store:
        for name, roles in PEOPLE.items():
            store.add_user(name, roles)
            tokens[name] = store.issue_token(name)
    app = create_app(Settings(db=url, playbooks=str(PLAYBOOKS), today=lambda: AS_OF))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, tokens


def test_over_http_the_owners_patch_is_403_problem_json_and_finances_is_200(api):
    client, tokens = api
    body = {"playbook": "key-account-office", "deal": a_visit()}
    assert client.post("/v1/deals", json=body, headers=auth(tokens["desk"])).status_code == 201
    brought = {"playbook": "key-account-office", "deal": a_visit(id="VR-2", **RELEASED)}
    refused = client.post("/v1/deals", json=brought, headers=auth(tokens["zhang.wei"]))
    assert refused.status_code == 403
    assert "a new deal cannot bring" in refused.json()["detail"]
    owner = client.patch(
        "/v1/deals/VR-2026-044",
        json=RELEASED,
        headers=auth(tokens["zhang.wei"], **{"If-Match": '"1"'}),
    )
    assert owner.status_code == 403
    assert owner.headers["content-type"] == "application/problem+json"
    assert owner.json()["type"].endswith("/forbidden")
    assert "cannot change the company's data" in owner.json()["detail"]
    read = client.get("/v1/deals/VR-2026-044", headers=auth(tokens["zhang.wei"])).json()
    assert read["result"]["status"] == "blocked"
    done = client.patch(
        "/v1/deals/VR-2026-044",
        json=RELEASED,
        headers=auth(tokens["cashier"], **{"If-Match": '"1"'}),
    )
    assert done.status_code == 200, done.text
    assert done.json()["result"]["status"] != "blocked"


def test_on_the_command_line_the_owners_update_exits_1_and_finances_is_written(runner, tmp_path):
    db = f"sqlite:///{tmp_path / 'kam.db'}"

    def kam(*args, input=None):
        return runner.invoke(main, [*map(str, args), "--db", db], input=input)

    assert kam("db", "upgrade").exit_code == 0
    for name, roles in PEOPLE.items():
        assert kam("users", "add", name, *[f"--role={r}" for r in roles]).exit_code == 0
    day = ["--as-of", AS_OF.isoformat()]
    added = kam("deals", "add", "-", "-p", OFFICE, "--by", "desk", *day,
                input=json.dumps(a_visit()))  # fmt: skip
    assert added.exit_code == 0, added.output
    patch = json.dumps(RELEASED)
    refused = kam("deals", "update", "VR-2026-044", patch, "--by", "zhang.wei", "--if-version", "1",
                  *day)  # fmt: skip
    assert refused.exit_code == 1
    assert "zhang.wei owns deal VR-2026-044 and cannot change the company's data" in refused.output
    assert "Traceback" not in refused.output
    done = kam(
        "deals", "update", "VR-2026-044", patch, "--by", "cashier", "--if-version", "1", *day
    )
    assert done.exit_code == 0, done.output
    history = kam("deals", "history", "VR-2026-044").output
    assert "REFUSED update" in history


def test_a_supervisor_brings_no_credit_terms_on_a_new_deal_an_admin_does(store, pb, deal):
    """The creator owns a new deal, and its owner never brings the company's data: a new
    deal carrying prices and credit terms is an admin's to bring, whoever keeps them."""
    store.add_user("boss.credit", ["supervisor", "pricing"])
    deal["customer"]["credit_limit_approved_by"] = "boss.credit"
    with pytest.raises(Refused, match=r"boss\.credit cannot create deal T-1 for li\.na") as e:
        store.create_deal(deal, playbook=pb, by="boss.credit", as_of=AS_OF)
    assert e.value.code == "owner_is_creator"
    with pytest.raises(Refused, match="a new deal cannot bring the company's data") as e:
        store.create_deal(
            {**deal, "owner": "boss.credit"}, playbook=pb, by="boss.credit", as_of=AS_OF
        )  # fmt: skip
    assert e.value.code == "company_data_on_create"
    store.create_deal(deal, playbook=pb, by="desk", as_of=AS_OF)
    (created,) = store.history("T-1")
    assert {c["path"] for c in created["data"]["reference"]} >= {
        "$.customer.credit_limit", "$.lines[0].list_price"
    }  # fmt: skip


def test_the_comparison_follows_the_declarations_at_any_depth():
    """Pure: which values a change touches, by the declared fields (a list's items by the item
    they belong to; a list of plain values by its values), and what is left the owner's."""
    from engine.lang.types import Type, list_of, object_of
    from engine.store import reference

    deal_type = object_of(
        {"tags": list_of(Type("string")), "expense": object_of({"funds": Type("money")})}
    )
    recorded = {"tags[]": ("finance",), "expense.funds": ("finance",)}
    before = {"tags": ["a"], "expense": {"funds": 1}, "note": "x"}
    after = {"tags": ["a", "b"], "expense": {"funds": 1}, "note": "y"}
    (found,) = reference.changes(recorded, deal_type, before, after, stored_account=False)
    assert (found.path, found.after, found.roles) == ("$.tags[1]", "b", ("finance",))
    assert reference.without_reference(recorded, before) != reference.without_reference(
        recorded, after
    )  # the note changed too
    kept = {**after, "note": "x"}
    assert reference.without_reference(recorded, before) == reference.without_reference(
        recorded, kept
    )
    gone = {"tags": ["a"], "note": "x"}  # the funds removed with their group
    (removed,) = reference.changes(recorded, deal_type, before, gone, stored_account=False)
    assert (removed.path, removed.before, removed.after) == ("$.expense.funds", 1, None)
