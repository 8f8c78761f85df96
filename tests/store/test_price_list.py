"""The price list (issue 10): pricing keeps each model's list, floor and retail price, with
an append-only, hash-chained history; a salesperson's new deal takes the prices its lines
leave out from it, so a salesperson can create a priced deal without typing the company's
data, and cannot type other prices to make a discount's approvals vanish. On SQLite and
PostgreSQL (the ``store`` fixture), through the store, the CLI and the service."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
import sqlalchemy
from fastapi.testclient import TestClient

from engine.cli import main
from engine.service import Settings, create_app
from engine.store import Conflict, NotFound, Refused, open_store
from engine.store.errors import PriceError

from ..conftest import AS_OF, PLAYBOOKS
from ..service.conftest import auth
from .test_store import tamper

VAN = {"list_price": 100, "floor_price": 90, "retail_price": 110}
# li.na's deal as she may write it: no company data; the first stage needs no move
MINE = {
    "id": "D-1",
    "category": "direct_enterprise",
    "stage": "prospecting",
    "customer": {"name": "ACME Logistics"},
    "lines": [{"model": "Van V3", "quantity": 5, "unit_price": 89}],
}


@pytest.fixture
def listed(store):
    store.add_user("pricer", ["pricing"])
    store.set_prices("Van V3", dict(VAN), by="pricer")
    return store


def mine(**changes):
    deal = copy.deepcopy(MINE)
    deal.update(changes)
    return deal


def test_pricing_sets_a_price_with_its_history_found_however_the_model_is_written(listed):
    assert listed.get_prices("  van   V3 ") == {"model": "Van V3", **VAN, "version": 1}
    changed = listed.set_prices("VAN V3", {"list_price": Decimal("102.50")}, by="pricer")
    assert changed == {"model": "Van V3", **VAN, "list_price": Decimal("102.50"), "version": 2}
    created, updated = listed.price_history("Van V3")
    assert (created["kind"], created["actor"]) == ("created", "pricer")
    assert updated["changes"] == {"list_price": {"before": 100, "after": Decimal("102.50")}}
    assert [p["model"] for p in listed.price_list()] == ["Van V3"]
    assert listed.verify() == []


def test_money_in_the_price_list_is_exact_within_a_deals_range(listed):
    big = Decimal("123456789012345.6789")
    listed.set_prices("Bus B1", {"list_price": big, "floor_price": Decimal("0.0001")}, by="pricer")
    found = listed.get_prices("Bus B1")
    assert (found["list_price"], found["floor_price"]) == (big, Decimal("0.0001"))
    # beyond what a deal may hold: refused here, not on every deal of the model later
    for value in (Decimal("1E+400"), Decimal("1E-400"), Decimal("99999999999999999999.99")):
        with pytest.raises(PriceError, match="out of the allowed range"):
            listed.set_prices("Bus B1", {"list_price": value}, by="pricer")
    with pytest.raises(PriceError, match="invisible"):  # a deal's model could never match it
        listed.set_prices("Bus\u200bB2", {"list_price": 1}, by="pricer")


def test_only_pricing_or_an_admin_keeps_the_list_and_nothing_is_written(listed):
    with pytest.raises(Refused) as caught:
        listed.set_prices("Van V3", {"list_price": 120}, by="li.na")
    assert caught.value.code == "price_list_role"
    assert listed.get_prices("Van V3")["version"] == 1
    listed.set_prices("Van V3", {"list_price": 120}, by="chief")
    assert listed.price_history("Van V3")[-1]["actor"] == "chief"


def test_bad_prices_are_named_by_their_path_all_at_once_and_a_stale_version_is_refused(listed):
    with pytest.raises(PriceError) as caught:
        listed.set_prices(
            "Van V3", {"list_price": -1, "discount": 5, "floor_price": True}, by="pricer"
        )
    assert sorted(p.path for p in caught.value.problems) == [
        "$.discount",
        "$.floor_price",
        "$.list_price",
    ]
    with pytest.raises(Conflict):
        listed.set_prices("Van V3", {"list_price": 120}, by="pricer", if_version=7)
    with pytest.raises(Conflict):  # 0: "a model new to the list", and it is not
        listed.set_prices("Van V3", {"list_price": 120}, by="pricer", if_version=0)
    with pytest.raises(NotFound):
        listed.get_prices("Truck T9")
    with pytest.raises(PriceError, match="90 is above the list price 80"):
        listed.set_prices("Van V3", {"list_price": 80}, by="pricer")
    listed.set_prices("Van V3", {"list_price": 90}, by="pricer", if_version=1)  # exactly: fine
    assert listed.get_prices("Van V3")["version"] == 2


def test_a_salespersons_deal_takes_the_prices_it_leaves_out_from_the_list(listed, pb):
    done = listed.create_deal(mine(), playbook=pb, by="li.na", as_of=AS_OF)
    line = listed.get_deal("D-1").document["lines"][0]
    assert (line["list_price"], line["floor_price"], line["retail_price"]) == (100, 90, 110)
    # 89 is below the floor of 90 and 11% off the list: the marketing director approves
    roles = {a["role"] for a in done.response["result"]["approvals"]}
    assert "marketing_director" in roles
    created = listed.history("D-1")[0]
    assert [(p["path"], p["value"], p["price_version"]) for p in created["data"]["priced"]] == [
        ("$.lines[0].list_price", 100, 1),
        ("$.lines[0].floor_price", 90, 1),
        ("$.lines[0].retail_price", 110, 1),
    ]
    assert "reference" not in created["data"]  # nothing of the creator's own: the list's


def test_without_a_listed_price_the_deal_asks_for_it(listed, pb):
    listed.create_deal(
        mine(lines=[{"model": "Truck T9", "quantity": 5, "unit_price": 89}]),
        playbook=pb, by="li.na", as_of=AS_OF,
    )  # fmt: skip
    assert "list_price" not in listed.get_deal("D-1").document["lines"][0]
    assert listed.get_deal("D-1").status == "needs_information"


def test_stating_the_lists_price_is_fine_and_another_is_refused_and_on_record(listed, pb):
    same = {"model": "van v3", "quantity": 5, "unit_price": 89, "list_price": Decimal("100.00")}
    listed.create_deal(mine(lines=[same]), playbook=pb, by="li.na", as_of=AS_OF)
    raised = {**same, "list_price": 120}  # 89 would be 25.8% off, not 11%: a higher tier
    with pytest.raises(Refused) as caught:
        listed.create_deal(mine(id="D-2", lines=[raised]), playbook=pb, by="li.na", as_of=AS_OF)
    assert caught.value.code == "price_not_listed"
    assert "$.lines[0].list_price: 120 is not the price list's 100" in str(caught.value)
    (attempt,) = listed.refusals("D-2")
    assert attempt["detail"]["error"]["code"] == "price_not_listed"
    with pytest.raises(NotFound):
        listed.get_deal("D-2")
    # an admin may bring another price; the event says the list's and theirs
    listed.create_deal(
        mine(id="D-3", lines=[raised], owner="li.na"), playbook=pb, by="chief", as_of=AS_OF
    )  # fmt: skip
    (change,) = listed.history("D-3")[0]["data"]["reference"]
    assert (change["path"], change["before"], change["after"]) == (
        "$.lines[0].list_price",
        100,
        120,
    )


def test_a_deal_keeps_its_prices_when_the_list_changes_and_a_new_model_takes_todays(listed, pb):
    listed.create_deal(mine(), playbook=pb, by="li.na", as_of=AS_OF)
    listed.set_prices("Van V3", {"list_price": 130}, by="pricer")
    listed.set_prices("Pickup P7", {"list_price": 150000, "floor_price": 126000}, by="pricer")
    lines = [
        *listed.get_deal("D-1").document["lines"],
        {"model": "Pickup P7", "quantity": 1, "unit_price": 140000},
    ]
    listed.update_deal(
        "D-1", {"lines": lines}, playbook=pb, by="li.na", as_of=AS_OF, if_version=1
    )  # fmt: skip
    van, pickup = listed.get_deal("D-1").document["lines"]
    assert van["list_price"] == 100  # frozen on the deal: the list's 130 came later
    assert (pickup["list_price"], pickup["floor_price"]) == (150000, 126000)
    assert "retail_price" not in pickup  # the list has none: asked for, never made up
    event = listed.history("D-1")[-1]
    assert [p["path"] for p in event["data"]["priced"]] == [
        "$.lines[1].list_price",
        "$.lines[1].floor_price",
    ]
    assert listed.verify() == []  # the event's patch replays to the priced lines
    # the owner still cannot retype a price the list gave
    lines[1] = {**pickup, "list_price": 200000}
    with pytest.raises(Refused, match="cannot change the company's data"):
        listed.update_deal(
            "D-1", {"lines": [van, lines[1]]}, playbook=pb, by="li.na", as_of=AS_OF, if_version=2
        )  # fmt: skip


def test_the_price_history_is_append_only_and_verify_finds_a_changed_entry(listed):
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):  # noqa: SIM117
        with listed.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE price_events SET actor = 'x'")
    tamper(listed, "UPDATE price_events SET actor = 'someone'", "price_events")
    assert listed.verify() == ["price of van v3 entry 1: changed after it was written"]
    with listed.engine.begin() as conn:  # the prices row is not append-only: gone behind kam
        conn.exec_driver_sql("DELETE FROM prices")
    assert "price of van v3: has a history but is not stored" in listed.verify()


# -- the command line and the service -----------------------------------------------------------


def test_the_command_line_sets_shows_and_lists_prices(runner, tmp_path):
    db = f"sqlite:///{tmp_path / 'kam.db'}"

    def kam(*args):
        return runner.invoke(main, [*map(str, args), "--db", db])

    assert kam("users", "add", "pricer", "--role", "pricing").exit_code == 0
    assert kam("users", "add", "li.na", "--role", "key_account_specialist").exit_code == 0
    set_ = kam("prices", "set", "Van V3", "--list-price", "100", "--floor-price", "90.00",
               "--by", "pricer")  # fmt: skip
    assert set_.exit_code == 0, set_.output
    assert set_.output == "Van V3 (version 1): list_price 100, floor_price 90.00\n"
    refused = kam("prices", "set", "Van V3", "--list-price", "120", "--by", "li.na")
    assert refused.exit_code == 1
    assert "the price list is kept by pricing" in refused.output
    bad = kam("prices", "set", "Van V3", "--list-price", "1e9", "--by", "pricer")
    assert bad.exit_code == 2
    assert "--list-price 1e9: an amount of money" in bad.output
    gone = kam("prices", "set", "Van V3", "--floor-price", "none", "--by", "pricer")
    assert gone.output == "Van V3 (version 2): list_price 100\n"
    shown = kam("prices", "show", "van v3").output.splitlines()
    assert shown[0] == "Van V3 (version 2): list_price 100"
    assert "floor_price 90.00 -> (none)" in shown[-1]
    listed = json.loads(kam("prices", "list", "--format", "json").output)
    assert [p["model"] for p in listed["prices"]] == ["Van V3"]
    assert kam("prices", "show", "Truck T9").exit_code == 2
    assert "Traceback" not in refused.output + bad.output


def test_over_http_pricing_puts_a_price_and_a_salesperson_gets_403(tmp_path):
    url = f"sqlite:///{tmp_path / 'kam.db'}"
    tokens = {}
    with open_store(url) as store:
        for name, roles in {"pricer": ["pricing"], "li.na": ["key_account_specialist"]}.items():
            store.add_user(name, roles)
            tokens[name] = store.issue_token(name)
    app = create_app(Settings(db=url, playbooks=str(PLAYBOOKS), today=lambda: AS_OF))
    with TestClient(app, raise_server_exceptions=False) as client:
        added = client.put("/v1/prices/Van V3", json=VAN, headers=auth(tokens["pricer"]))
        assert added.status_code == 201, added.text
        assert added.headers["etag"] == '"1"'
        refused = client.put(
            "/v1/prices/Van V3", json=VAN, headers={**auth(tokens["li.na"]), "If-Match": '"1"'}
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        stale = client.put(
            "/v1/prices/Van V3", json=VAN, headers={**auth(tokens["pricer"]), "If-Match": '"9"'}
        )
        assert stale.status_code == 412
        bad = client.put(
            "/v1/prices/Van V3", json={"list_price": -1}, headers=auth(tokens["pricer"])
        )
        assert bad.status_code == 422
        assert "$.list_price" in bad.text
        replaced = client.put(
            "/v1/prices/Van V3",
            json={"list_price": 105},
            headers={**auth(tokens["pricer"]), "If-Match": '"1"'},
        )
        assert replaced.status_code == 200
        assert "floor_price" not in replaced.json()  # PUT is the whole entry: left out, gone
        events = client.get("/v1/prices/Van V3/events", headers=auth(tokens["li.na"])).json()
        assert [e["kind"] for e in events["events"]] == ["created", "updated"]
        listed = client.get("/v1/prices", headers=auth(tokens["li.na"])).json()
        assert [p["model"] for p in listed["prices"]] == ["Van V3"]
        assert client.get("/v1/prices/Nope", headers=auth(tokens["li.na"])).status_code == 404
        # a salesperson's deal stating another list price: refused, and on record over HTTP
        line = {"model": "Van V3", "quantity": 5, "unit_price": 89, "list_price": 200}
        body = {"playbook": "auto-dealer", "deal": mine(lines=[line])}
        create = client.post("/v1/deals", json=body, headers=auth(tokens["li.na"]))
        assert create.status_code == 403, create.text
        refusals = client.get("/v1/deals/D-1/refusals", headers=auth(tokens["li.na"]))
        assert refusals.status_code == 200, refusals.text
        (attempt,) = refusals.json()["refusals"]
        assert (attempt["command"], attempt["deal_version"]) == ("create", 0)
        assert attempt["detail"]["error"]["code"] == "price_not_listed"
        assert (
            client.get("/v1/deals/D-9/refusals", headers=auth(tokens["li.na"])).status_code == 404
        )


def test_a_line_the_list_could_not_price_is_priced_once_the_list_has_it(listed, pb):
    """REV2: a model listed after the deal was created is priced by the deal's next change,
    and the owner stating today's list price is fine; the price it had stays otherwise."""
    truck = {"model": "Truck T9", "quantity": 5, "unit_price": 89}
    listed.create_deal(mine(lines=[truck]), playbook=pb, by="li.na", as_of=AS_OF)
    assert listed.get_deal("D-1").status == "needs_information"
    listed.set_prices("Truck T9", dict(VAN), by="pricer")
    listed.update_deal(
        "D-1", {"lost_reason": "price"}, playbook=pb, by="li.na",
        as_of=AS_OF, if_version=1,
    )  # fmt: skip
    (line,) = listed.get_deal("D-1").document["lines"]
    assert (line["list_price"], line["floor_price"], line["retail_price"]) == (100, 90, 110)
    assert [p["path"] for p in listed.history("D-1")[-1]["data"]["priced"]] == [
        "$.lines[0].list_price",
        "$.lines[0].floor_price",
        "$.lines[0].retail_price",
    ]
    assert listed.verify() == []
    # the list moves on: the deal keeps 100 until its owner takes today's 120, which is fine
    listed.set_prices("Truck T9", {"list_price": 120}, by="pricer")
    listed.update_deal(
        "D-1", {"lost_reason": "budget"}, playbook=pb, by="li.na", as_of=AS_OF, if_version=2
    )  # fmt: skip
    assert listed.get_deal("D-1").document["lines"][0]["list_price"] == 100
    today = [{**listed.get_deal("D-1").document["lines"][0], "list_price": 120}]
    listed.update_deal("D-1", {"lines": today}, playbook=pb, by="li.na", as_of=AS_OF, if_version=3)
    assert listed.get_deal("D-1").document["lines"][0]["list_price"] == 120
    with pytest.raises(Refused, match="cannot change the company's data"):  # any other: no
        listed.update_deal(
            "D-1", {"lines": [{**today[0], "list_price": 150}]}, playbook=pb, by="li.na",
            as_of=AS_OF, if_version=4,
        )  # fmt: skip
