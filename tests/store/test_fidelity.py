"""The store's fidelity (issue 10's review): company data on a stored deal (a line's list,
floor and retail prices; an inline customer's credit terms) is changed by who keeps it, never
by the deal's owner, so a needed approval cannot vanish because the salesperson retyped a
price; a refusal keeps the version it was judged on; customer accounts keep their history;
users and roles are checked when they are made."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy
from sqlalchemy import text

import engine
from engine.errors import InputError
from engine.store import AccountError, AlreadyStored, Conflict, Refused, migrate, open_store, schema
from engine.store.connect import make_engine

from ..conftest import AUTO_DEALER
from .test_store import bring_in, create, patch


def needs_director(deal):
    deal["lines"][0]["unit_price"] = 89  # below the floor of 90: the marketing director approves
    return deal


def approvals_needed(store, pb, as_of):
    _, result = store.evaluate("T-1", playbook=pb, by="li.na", as_of=as_of, record=False)
    return {a.role for a in result.approvals if a.status != "granted"}


@pytest.mark.parametrize(
    "change",
    [
        {"lines": [{"model": "Van V3", "quantity": 5, "unit_price": 89, "list_price": 100,
                    "floor_price": 80, "retail_price": 110}]},  # the floor lowered
        # the model renamed, so its prices look new: still the company's data
        {"lines": [{"model": "Van V3 special", "quantity": 5, "unit_price": 89,
                    "list_price": 100, "floor_price": 80, "retail_price": 110}]},
        {"customer": {"credit_limit": 99_000_000}},  # an inline customer's terms
        {"customer": {"overdue_days": 0, "receivables": 1}},
    ],
)  # fmt: skip
def test_the_owner_cannot_change_company_data_and_the_attempt_is_on_record(
    store, pb, deal, as_of, change
):
    bring_in(store, needs_director(deal), pb, as_of)
    assert "marketing_director" in approvals_needed(store, pb, as_of)
    with pytest.raises(Refused, match=r"li\.na owns deal T-1 and cannot change the company's"):
        patch(store, pb, as_of, change=change, if_version=1)
    assert store.get_deal("T-1").version == 1  # nothing written
    assert "marketing_director" in approvals_needed(store, pb, as_of)
    (refusal,) = store.refusals("T-1")
    assert refusal["actor"] == "li.na"
    assert refusal["command"] == "update"
    assert "$." in refusal["message"]  # names where


def test_the_owners_own_terms_stay_editable(store, pb, deal, as_of):
    bring_in(store, needs_director(deal), pb, as_of)
    lines = [{"model": "Van V3", "quantity": 6, "unit_price": 95, "list_price": 100,
              "floor_price": 90, "retail_price": 110}]  # fmt: skip
    patch(store, pb, as_of, change={"lines": lines}, if_version=1)  # a genuinely better price
    assert "marketing_director" not in approvals_needed(store, pb, as_of)
    # a line dropped, and a price taken away (then unknown: asked for, never a pass)
    patch(store, pb, as_of, change={"lines": [{**lines[0], "floor_price": None}]}, if_version=2)
    patch(store, pb, as_of, change={"customer": {"name": "ACME Logistics Ltd"}}, if_version=3)
    assert store.refusals("T-1") == []


def test_pricing_changes_a_deals_prices_and_the_history_says_so(store, pb, deal, as_of):
    bring_in(store, needs_director(deal), pb, as_of)
    store.add_user("pricing.desk", ["pricing"])
    store.add_user("li.na.pricing", ["pricing", "key_account_specialist"])
    lower = {"lines": [{**deal["lines"][0], "floor_price": 85}]}
    with pytest.raises(Refused, match="does not hold the role pricing"):
        patch(store, pb, as_of, change=lower, if_version=1, by="gm")
    with pytest.raises(Refused, match="but nothing else"):  # pricing, but also the unit price
        patch(
            store, pb, as_of, if_version=1, by="pricing.desk",
            change={"lines": [{**deal["lines"][0], "floor_price": 85, "unit_price": 80}]},
        )  # fmt: skip
    done = patch(store, pb, as_of, change=lower, if_version=1, by="pricing.desk")
    assert done.response["deal"]["version"] == 2
    event = store.history("T-1")[-1]
    assert event["actor"] == "pricing.desk"
    assert event["data"]["reference"] == [
        {"path": "$.lines[0].floor_price", "field": "lines[].floor_price",
         "recorded_by": ["pricing"], "before": 90, "after": 85}
    ]  # fmt: skip
    assert store.get_deal("T-1").document["lines"][0]["floor_price"] == 85
    assert store.verify() == []


def test_an_owner_holding_pricing_still_cannot_price_their_own_deal(store, pb, deal, as_of):
    store.add_user("seller", ["pricing", "key_account_specialist"])
    deal["owner"] = "seller"
    bring_in(store, needs_director(deal), pb, as_of)
    change = {"lines": [{**deal["lines"][0], "floor_price": 85}]}
    with pytest.raises(Refused, match="seller owns deal T-1"):
        patch(store, pb, as_of, change=change, if_version=1, by="seller")


def test_an_inline_customers_terms_are_the_supervisors(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    raise_limit = {"customer": {"credit_limit": Decimal("2000000")}}
    with pytest.raises(Refused, match=r"fin records their own approval, not zhou\.lei's"):
        patch(store, pb, as_of, change=raise_limit, if_version=1, by="fin")
    mine = {"customer": {"credit_limit": Decimal("2000000"), "credit_limit_approved_by": "fin"}}
    patch(store, pb, as_of, change=mine, if_version=1, by="fin")
    assert store.get_deal("T-1").document["customer"]["credit_limit"] == 2_000_000
    assert store.history("T-1")[-1]["data"]["reference"][0]["path"] == "$.customer.credit_limit"


def test_naming_a_stored_account_takes_its_terms_from_the_store(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    store.add_customer(
        {"id": "C-1", "name": "ACME Logistics", "credit_limit": Decimal("5000000"),
         "credit_limit_approved_by": "fin", "receivables": 0, "overdue_days": 0,
         "credit_checked_on": "2026-01-01"}, by="fin",
    )  # fmt: skip
    patch(store, pb, as_of, change={"customer": {"id": "C-1"}}, if_version=1)
    # and leaving the account for inline terms of one's own is a change of terms
    with pytest.raises(Refused, match="cannot change the company's data"):
        patch(
            store, pb, as_of, if_version=2,
            change={"customer": {"id": None, "credit_limit": Decimal("9000000")}},
        )  # fmt: skip


def test_a_refusal_records_the_version_it_was_judged_on_even_when_a_writer_races(
    store, pb, deal, as_of, monkeypatch
):
    """Two servers: between the refused change and its record, another writer moves the deal
    on. The record keeps the version the refusal was judged on, as its message says."""
    create(store, deal, pb, as_of)
    patch(store, pb, as_of, if_version=1)
    audit = store._audit

    def racing(*args, **kwargs):
        patch(store, pb, as_of, change={"lost_reason": "late"}, if_version=2)  # the other server
        return audit(*args, **kwargs)

    monkeypatch.setattr(store, "_audit", racing)
    with pytest.raises(Conflict, match="is at version 2, not 1"):
        patch(store, pb, as_of, if_version=1)
    (refusal,) = store.refusals("T-1")
    assert refusal["deal_version"] == 2
    assert store.get_deal("T-1").version == 3


def test_users_are_one_person_however_their_name_is_written(store, pb, deal, as_of):
    with pytest.raises(AlreadyStored, match=r"user li\.na already exists \(LI\.NA is li\.na"):
        store.add_user("LI.NA", ["general_manager"])
    with pytest.raises(InputError, match="neither a playbook nor the store knows"):
        store.add_user("wu", ["chief"], known_roles={"general_manager"})
    store.add_user("wu", ["general_manager", "pricing"], known_roles={"general_manager"})
    bring_in(store, needs_director(deal), pb, as_of)
    # the owner written another way is still the owner, and an approver is found as written
    with pytest.raises(Refused, match="does not hold the role marketing_director"):
        approve_as(store, pb, as_of, "LI.NA")
    approve_as(store, pb, as_of, "GM")
    assert "marketing_director" not in approvals_needed(store, pb, as_of)
    store.disable_user("WU")
    assert {u["name"]: u["active"] for u in store.list_users()}["wu"] is False


def approve_as(store, pb, as_of, by):
    return store.decide_approval(
        "T-1", role="marketing_director", decision="approved", playbook=pb, by=by, as_of=as_of
    )


# -- a customer account's history --------------------------------------------------------------
def test_an_accounts_history_keeps_every_change_before_and_after(store):
    store.add_customer({"id": "C-9", "name": "Port", "territory": "Tianjin"}, by="li.na")
    limit = {"credit_limit": Decimal("3000000.00"), "credit_limit_approved_by": "fin"}
    store.update_customer("C-9", limit, by="fin", if_version=1)
    store.update_customer("C-9", {"credit_limit": Decimal("3500000")}, by="fin", if_version=2)
    history = store.customer_history("C-9")
    assert [(e["seq"], e["kind"], e["actor"], e["version"]) for e in history] == [
        (1, "created", "li.na", 1),
        (2, "updated", "fin", 2),
        (3, "updated", "fin", 3),
    ]
    assert history[0]["changes"]["name"] == {"before": None, "after": "Port"}
    assert history[2]["changes"] == {  # the previous limit is kept
        "credit_limit": {"before": Decimal("3000000.00"), "after": Decimal("3500000")}
    }
    assert history[1]["prev_hash"] == history[0]["hash"]
    assert store.verify() == []


def test_a_refused_account_change_leaves_no_history(store):
    store.add_customer({"id": "C-9", "name": "Port"}, by="li.na")
    with pytest.raises(Refused):
        store.update_customer("C-9", {"credit_limit": 1}, by="li.na")
    with pytest.raises(Conflict):
        store.update_customer("C-9", {"territory": "x"}, by="li.na", if_version=7)
    assert len(store.customer_history("C-9")) == 1


@pytest.mark.parametrize("account", [{}, {"name": ""}, {"name": "  "}, {"territory": "T"}])
def test_a_nameless_account_is_refused_with_the_json_path(store, account):
    with pytest.raises(AccountError, match=r"\$\.name: is required"):
        store.add_customer({"id": "C-9", **account}, by="fin")
    store.add_customer({"id": "C-9", "name": "Port"}, by="fin")
    with pytest.raises(AccountError, match=r"\$\.name: is required"):
        store.update_customer("C-9", {"name": None}, by="fin")
    assert store.get_customer("C-9")["name"] == "Port"


def test_the_database_refuses_to_change_an_accounts_history(store):
    store.add_customer({"id": "C-9", "name": "Port"}, by="fin")
    for sql in ("UPDATE customer_events SET actor = 'x'", "DELETE FROM customer_events"):
        with pytest.raises(sqlalchemy.exc.DatabaseError), store.engine.begin() as conn:
            conn.execute(text(sql))


def test_verify_finds_an_account_changed_behind_its_history(store):
    store.add_customer({"id": "C-9", "name": "Port", "credit_limit": 5}, by="fin")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE customers SET credit_limit = '99000000'"))
    assert store.verify() == ["customer C-9: its history does not end in the stored account"]


def test_an_upgrade_gives_each_stored_account_its_first_history_entry(store_url):
    from alembic import command

    eng = make_engine(store_url)
    with eng.begin() as conn:  # back to 0002, as a store written before histories
        command.downgrade(migrate._config(conn), "0002")
        conn.execute(
            sqlalchemy.insert(schema.customers).values(
                id="C-1", name="ACME", credit_limit=Decimal("3000000.00"), extra="{}",
                version=4, updated_at="2026-03-01T00:00:00.000000Z", updated_by="fin",
            )
        )  # fmt: skip
    assert migrate.upgrade(eng) == ("0002", migrate.HEAD)
    eng.dispose()
    with open_store(store_url) as store:
        (entry,) = store.customer_history("C-1")
        assert (entry["kind"], entry["actor"], entry["version"]) == ("recorded", "fin", 4)
        assert store.verify() == []
        store.add_user("fin", ["supervisor"])
        store.update_customer("C-1", {"territory": "Tianjin"}, by="fin", if_version=4)
        assert [e["seq"] for e in store.customer_history("C-1")] == [1, 2]
        assert store.verify() == []


def test_many_lines_of_one_model_are_compared_by_value():
    """A deal of 5,000 lines of one model (the limit on a list): each line's prices are
    compared once against the set the deal carried, not against every earlier line."""
    from engine.store import reference

    model = engine.load_playbook(AUTO_DEALER).model
    recorded, deal_type = model.recorded_by, model.deal_type
    line = {"model": "Van V3", "list_price": 100, "floor_price": Decimal("90.00")}
    before = {"lines": [dict(line, unit_price=n) for n in range(5000)]}
    after = {"lines": [dict(line, unit_price=n, list_price=Decimal("100.0")) for n in range(5000)]}
    assert reference.changes(recorded, deal_type, before, after, stored_account=False) == []
    after["lines"][4999]["list_price"] = 101
    (found,) = reference.changes(recorded, deal_type, before, after, stored_account=False)
    assert (found.path, found.before, found.after) == ("$.lines[4999].list_price", 100, 101)
    assert reference.changes(recorded, deal_type, {}, {"lines": [{"model": "X", "list_price": True}]},
                             stored_account=True)[0].after is True  # fmt: skip
