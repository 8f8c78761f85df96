"""The store on SQLite and PostgreSQL: money exact, history append-only and chained, stale
versions and reused keys refused, one transaction per change, and who may change what."""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy
from sqlalchemy import text

import engine
from engine.store import (
    AccountError,
    AlreadyStored,
    Conflict,
    KeyReused,
    NotFound,
    Refused,
    StoreError,
    migrate,
    open_store,
    records,
)
from engine.store.accounts import token_hash
from engine.store.connect import database_url, make_engine

from ..conftest import AUTO_DEALER
from .conftest import PG


def create(store, deal, pb, as_of, **kw):
    """The deal stored for its owner (li.na) by an admin: it carries company data (a line's
    prices, the customer's credit terms), which its owner cannot bring."""
    kw.setdefault("by", "desk")
    return store.create_deal(deal, playbook=pb, as_of=as_of, **kw)


def bring_in(store, deal, pb, as_of, **kw):
    """A deal in flight (waiting on approvals at negotiation, which its owner could not have
    created: no move lets it past a pending approval) brought in by an admin for its owner."""
    return create(store, deal, pb, as_of, by="chief", **kw)


def without_company_data(deal):
    """The deal as its owner may create it: without any field the auto-dealer playbook
    declares ``recorded_by`` (a line's prices, credit terms, the customer's facts, findings)."""
    bare = copy.deepcopy(deal)
    for name in engine.load_playbook(AUTO_DEALER).model.recorded_by:
        _drop(bare, name.replace("[]", ".[]").split("."))
    return bare


def _drop(value, steps):
    step, rest = steps[0], steps[1:]
    if step == "[]":
        for item in value if isinstance(value, list) else ():
            _drop(item, rest)
    elif isinstance(value, dict) and step in value:
        if rest:
            _drop(value[step], rest)
        else:
            value.pop(step)


def patch(store, pb, as_of, deal_id="T-1", change=None, **kw):
    kw.setdefault("by", "li.na")
    return store.update_deal(
        deal_id, change or {"lost_reason": "price"}, playbook=pb, as_of=as_of, **kw
    )


def counts(store, deal_id="T-1"):
    with store.engine.connect() as conn:
        version = conn.execute(
            text("SELECT version FROM deals WHERE id = :id"), {"id": deal_id}
        ).scalar()
        events = conn.execute(
            text("SELECT count(*) FROM events WHERE deal_id = :id"), {"id": deal_id}
        ).scalar()
        decisions = conn.execute(text("SELECT count(*) FROM decisions")).scalar()
    return version, events, decisions


# -- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1234567890123456.78", "0.0001", "0", "1000000.00"])
def test_money_survives_the_round_trip_exactly(store, amount):
    store.add_customer(
        {
            "id": "C-1",
            "name": "ACME",
            "credit_limit": Decimal(amount),
            "receivables": Decimal(amount),
        },
        by="fin",
    )
    account = store.get_customer("C-1")
    assert account["credit_limit"] == Decimal(amount)
    assert str(account["credit_limit"]) == amount  # digit for digit, scale kept
    assert str(account["receivables"]) == amount


def test_money_columns_are_text_on_sqlite_and_numeric_on_postgresql(store):
    store.add_customer(
        {"id": "C-1", "name": "ACME", "credit_limit": Decimal("1234567890123456.78")}, by="fin"
    )
    with store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            kind = conn.execute(text("SELECT typeof(credit_limit) FROM customers")).scalar()
            assert kind == "text"
        else:
            kind = conn.execute(
                text("SELECT pg_typeof(credit_limit)::text FROM customers")
            ).scalar()
            assert kind == "numeric"
        raw = conn.execute(text("SELECT credit_limit FROM customers")).scalar()
    assert Decimal(raw) == Decimal("1234567890123456.78")


def test_a_deal_keeps_its_money_exact(store, pb, deal, as_of):
    deal["lines"][0]["unit_price"] = Decimal("99.995")
    create(store, deal, pb, as_of)
    assert store.get_deal("T-1").document["lines"][0]["unit_price"] == Decimal("99.995")
    assert str(store.get_deal("T-1").document["lines"][0]["unit_price"]) == "99.995"


# -- append-only and chained -----------------------------------------------------------------


@pytest.mark.parametrize("table", ["events", "decisions"])
@pytest.mark.parametrize(
    "sql", ["UPDATE {t} SET actor = 'mallory'", "DELETE FROM {t}"], ids=["update", "delete"]
)
def test_the_database_refuses_to_change_history(store, pb, deal, as_of, table, sql):
    create(store, deal, pb, as_of)
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):  # noqa: SIM117
        with store.engine.begin() as conn:
            conn.execute(text(sql.format(t=table)))
    with store.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1
        assert conn.execute(text(f"SELECT min(actor) FROM {table}")).scalar() == "desk"


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_postgresql_refuses_truncate_too(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):  # noqa: SIM117
        with store.engine.begin() as conn:
            conn.execute(text("TRUNCATE events CASCADE"))


def tamper(store, sql, table="events"):
    """Change history the way only someone with DDL rights could: triggers off, then on."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"DROP TRIGGER {table}_no_update"))
            conn.execute(text(sql))
        else:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            conn.execute(text(sql))
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))


def test_verify_passes_a_sound_store_and_finds_a_changed_event(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    patch(store, pb, as_of, if_version=1)
    patch(store, pb, as_of, change={"lost_reason": "budget"}, if_version=2)
    assert store.verify() == []
    tamper(store, "UPDATE events SET actor = 'mallory' WHERE seq = 2")
    problems = store.verify()
    assert problems == [
        "deal T-1 event 2: its content does not match its hash (changed after writing)"
    ]


def test_verify_finds_a_rewritten_link(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    patch(store, pb, as_of, if_version=1)
    tamper(store, "UPDATE events SET prev_hash = hash WHERE seq = 2")
    assert any("does not follow the event before it" in p for p in store.verify())


def test_verify_finds_a_deal_its_events_do_not_replay_to(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    patch(store, pb, as_of, if_version=1)
    with store.engine.begin() as conn:  # the deals row is not append-only: change it behind kam
        conn.execute(text("UPDATE deals SET stage = 'closing', version = 3"))
    problems = store.verify()
    assert "deal T-1: stored stage closing, replayed negotiation" in problems
    assert "deal T-1: version 3, but 2 events" in problems


def test_events_are_numbered_from_one_and_chained(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    patch(store, pb, as_of, if_version=1)
    store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of)
    history = store.history("T-1")
    assert [(e["seq"], e["kind"]) for e in history] == [
        (1, "created"),
        (2, "updated"),
        (3, "advanced"),
    ]
    assert history[0]["prev_hash"] == "0" * 64
    assert [e["prev_hash"] for e in history[1:]] == [e["hash"] for e in history[:-1]]
    assert history[2]["data"]["entry"] == {
        "from": "negotiation",
        "to": "closing",
        "by": "li.na",
        "at": "2026-03-02",
    }
    assert {e["playbook_hash"] for e in history} == {pb.hash}


# -- versions and idempotency ----------------------------------------------------------------


def test_a_stale_version_is_refused_and_nothing_is_written(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    patch(store, pb, as_of, if_version=1)
    before = counts(store)
    with pytest.raises(Conflict) as caught:
        patch(store, pb, as_of, change={"lost_reason": "other"}, if_version=1)
    assert caught.value.exit_code == 6
    assert caught.value.to_dict()["current_version"] == 2
    assert counts(store) == before
    assert store.get_deal("T-1").document["lost_reason"] == "price"


def test_the_current_version_is_accepted(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    change = patch(store, pb, as_of, if_version=1)
    assert change.response["deal"]["version"] == 2
    assert change.response["event"]["seq"] == 2


@pytest.mark.parametrize("command", ["update", "approve"])
def test_the_same_key_and_request_answer_once(store, pb, deal, as_of, command):
    bring_in(store, below_floor(deal), pb, as_of)

    def run():
        if command == "update":
            return patch(store, pb, as_of, if_version=1, key="k-1")
        return approve(store, pb, as_of, key="k-1")

    first = run()
    after_first = counts(store)
    again = run()
    assert not first.replayed
    assert again.replayed
    assert again.response == first.response
    assert counts(store) == after_first  # one effect
    assert after_first[:2] == (2, 2)


def test_the_same_key_and_request_to_advance_moves_once(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    first = store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of, key="a")
    again = store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of, key="a")
    assert again.replayed
    assert again.response == first.response
    assert counts(store)[:2] == (2, 2)


def test_a_key_reused_for_another_request_is_refused(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    patch(store, pb, as_of, if_version=1, key="k-1")
    before = counts(store)
    with pytest.raises(KeyReused) as caught:
        patch(store, pb, as_of, change={"lost_reason": "budget"}, if_version=2, key="k-1")
    assert caught.value.exit_code == 6
    assert counts(store) == before


def test_keys_belong_to_one_user(store, pb, deal, as_of):
    deal["owner"] = "gm2"
    bring_in(store, deal, pb, as_of)
    patch(store, pb, as_of, if_version=1, key="shared", by="chief")
    other = patch(  # gm2 owns the deal an admin brought in for them: both may change it
        store, pb, as_of, change={"lost_reason": "b"}, if_version=2, key="shared", by="gm2"
    )
    assert not other.replayed


# -- one transaction ------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_a_failure_between_the_change_and_its_event_writes_neither(
    store, pb, deal, as_of, monkeypatch
):
    create(store, deal, pb, as_of)
    before = counts(store)

    def fail(*_a, **_k):
        raise Boom

    monkeypatch.setattr(records, "append_event", fail)
    with pytest.raises(Boom):
        patch(store, pb, as_of, if_version=1)
    assert counts(store) == before
    assert "lost_reason" not in store.get_deal("T-1").document
    monkeypatch.undo()
    assert store.verify() == []


def test_a_failed_create_leaves_no_deal(store, pb, deal, as_of, monkeypatch):
    def fail(*_a, **_k):
        raise Boom

    monkeypatch.setattr(records, "record_decision", fail)
    with pytest.raises(Boom):
        create(store, deal, pb, as_of)
    monkeypatch.undo()
    with pytest.raises(NotFound):
        store.get_deal("T-1")
    assert store.history  # the store still works
    assert store.verify() == []


# -- what only commands may change ------------------------------------------------------------


@pytest.mark.parametrize("field", ["approvals", "history"])
def test_a_new_deal_cannot_bring_approvals_or_history(store, pb, deal, as_of, field):
    deal[field] = (
        [{"role": "general_manager", "by": "gm", "decision": "approved"}]
        if field == "approvals"
        else [{"from": "negotiation", "to": "closing"}]
    )
    with pytest.raises(Refused, match=f"a new deal cannot bring '{field}'"):
        create(store, deal, pb, as_of)
    with pytest.raises(NotFound):
        store.get_deal("T-1")


def test_a_new_deal_may_start_at_any_stage_and_its_first_event_says_so(store, pb, deal, as_of):
    deal["stage"] = "closing"
    create(store, deal, pb, as_of)
    assert store.history("T-1")[0]["data"]["document"]["stage"] == "closing"


@pytest.mark.parametrize("field", ["stage", "approvals", "history", "id"])
def test_a_patch_cannot_set_what_only_commands_change(store, pb, deal, as_of, field):
    create(store, deal, pb, as_of)
    with pytest.raises(Refused):
        patch(store, pb, as_of, change={field: "closing"}, if_version=1)
    assert counts(store)[:2] == (1, 1)


def test_a_patch_is_a_json_merge_patch(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    patch(
        store, pb, as_of, change={"customer": {"territory": "Tongzhou", "name": None}}, if_version=1
    )
    customer = store.get_deal("T-1").document["customer"]
    assert customer["territory"] == "Tongzhou"
    assert "name" not in customer
    assert customer["receivables"] == 0


def test_a_bad_patch_names_the_bad_value_and_changes_nothing(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    with pytest.raises(engine.DealError, match=r"\$\.customer\.receivables"):
        patch(store, pb, as_of, change={"customer": {"receivables": "lots"}}, if_version=1)
    assert counts(store)[:2] == (1, 1)


# -- approvals -------------------------------------------------------------------------------


def below_floor(deal):
    deal["lines"][0]["unit_price"] = 89
    return deal


def approve(store, pb, as_of, by="gm", role="marketing_director", **kw):
    kw.setdefault("decision", "approved")
    return store.decide_approval("T-1", role=role, playbook=pb, by=by, as_of=as_of, **kw)


def test_an_approval_by_a_holder_of_the_role_opens_the_gate(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    with pytest.raises(engine.TransitionRefused):
        store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of)
    change = approve(store, pb, as_of)
    (entry,) = change.response["deal"]["document"]["approvals"]
    basis = entry.pop("basis")  # what was approved, from the engine: a later change beyond it
    assert basis == {
        "below_floor": 5,
        "discount": Decimal("0.11"),
        "lowest_price": 89,
        "concession": 55,
    }
    assert entry == {
        "role": "marketing_director",
        "by": "gm",
        "on": "2026-03-02",
        "decision": "approved",
    }
    moved = store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of)
    assert moved.response["deal"]["stage"] == "closing"


def test_a_refused_move_writes_nothing(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    with pytest.raises(engine.TransitionRefused):
        store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of)
    assert counts(store)[:2] == (1, 1)


def test_the_owner_cannot_approve_their_own_deal(store, pb, deal, as_of):
    deal["owner"] = "gm"
    bring_in(store, below_floor(deal), pb, as_of)
    with pytest.raises(Refused, match="gm owns deal T-1"):
        approve(store, pb, as_of)
    assert counts(store)[:2] == (1, 1)


def test_whoever_created_or_owned_the_deal_cannot_approve_it(store, pb, deal, as_of):
    deal["owner"] = "gm"
    bring_in(store, below_floor(deal), pb, as_of)
    patch(store, pb, as_of, change={"owner": "gm2"}, if_version=1, by="chief")  # handed over
    with pytest.raises(Refused, match="gm created or owned deal T-1"):
        approve(store, pb, as_of)
    store.add_user("md", ["marketing_director"])
    patch(store, pb, as_of, change={"owner": "md"}, if_version=2, by="chief")
    patch(store, pb, as_of, change={"owner": "li.na"}, if_version=3, by="chief")  # handed on
    with pytest.raises(Refused, match="md created or owned deal T-1"):
        approve(store, pb, as_of, by="md")
    assert len(store.history("T-1")) == 4


def test_a_role_not_held_cannot_approve(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    with pytest.raises(Refused, match="fin does not hold the role marketing_director"):
        approve(store, pb, as_of, by="fin")


def test_one_person_cannot_approve_the_same_role_twice(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    approve(store, pb, as_of)
    with pytest.raises(Refused, match="already approved"):
        approve(store, pb, as_of)


def test_an_unknown_role_is_named_with_a_hint(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    with pytest.raises(engine.InputError, match="did you mean 'marketing_director'"):
        approve(store, pb, as_of, role="marketing_directr")


def test_a_rejection_is_recorded_with_its_reason_and_blocks_the_gate(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    with pytest.raises(engine.InputError, match="needs a reason"):
        approve(store, pb, as_of, decision="rejected")
    change = approve(store, pb, as_of, decision="rejected", reason="price too low")
    record = change.response["deal"]["document"]["approvals"][-1]
    assert record["decision"] == "rejected"
    assert record["comment"] == "price too low"
    assert store.history("T-1")[-1]["kind"] == "rejected"
    with pytest.raises(engine.TransitionRefused):
        store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of)


def test_an_unknown_user_changes_nothing(store, pb, deal, as_of):
    with pytest.raises(NotFound, match="no user nobody"):
        store.create_deal(deal, playbook=pb, by="nobody", as_of=as_of)


# -- customers -------------------------------------------------------------------------------


def test_a_deal_naming_a_customer_is_judged_with_the_stored_account(store, pb, deal, as_of):
    deal["payment"] = {"method": "credit"}
    account = {"id": "C-7", **deal["customer"], "credit_limit_approved_by": "fin", "class": "A"}
    store.add_customer(account, by="fin")
    deal["customer"] = {"id": "C-7"}
    change = create(store, deal, pb, as_of)
    assert change.response["result"]["status"] == "ok"
    # the account's receivables grow past its limit: the same deal now needs the supervisor
    store.update_customer("C-7", {"receivables": Decimal("999999.01")}, by="fin", if_version=1)
    _, result = store.evaluate("T-1", playbook=pb, by="li.na", as_of=as_of)
    assert result.status == "needs_approval"
    assert [a.role for a in result.approvals] == ["supervisor"]
    assert store.get_deal("T-1").document["customer"] == {"id": "C-7"}


def test_a_deal_naming_an_unknown_customer_is_refused(store, pb, deal, as_of):
    deal["customer"] = {"id": "C-404"}
    with pytest.raises(NotFound, match="no customer C-404"):
        create(store, deal, pb, as_of)


def test_a_customer_keeps_unknown_fields_and_refuses_bad_ones(store):
    store.add_customer(
        {"id": "C-1", "name": "ACME", "segment": "fleet", "overdue_days": 3}, by="fin"
    )
    assert store.get_customer("C-1") == {
        "id": "C-1",
        "name": "ACME",
        "segment": "fleet",
        "overdue_days": 3,
        "version": 1,
    }
    with pytest.raises(AccountError) as caught:
        store.add_customer(
            {
                "id": "C-2",
                "name": "B",
                "credit_limit": "lots",
                "overdue_days": -1,
                "state_organ": "y",
            },
            by="fin",
        )
    assert caught.value.to_dict() == {
        "error": "customer",
        "message": "3 problem(s) in customer C-2",
        "problems": [
            {"path": "$.credit_limit", "message": "must be an amount of money, 0 or more"},
            {"path": "$.overdue_days", "message": "must be a whole number, 0 or more"},
            {"path": "$.state_organ", "message": "must be true or false"},
        ],
    }
    assert caught.value.exit_code == 2
    with pytest.raises(AccountError, match=r"\$\.receivables: must be an amount"):
        store.update_customer("C-1", {"receivables": "x"}, by="fin")
    with pytest.raises(Conflict):
        store.update_customer("C-1", {"segment": "x"}, by="fin", if_version=7)


@pytest.mark.parametrize(
    ("account", "path", "said"),
    [
        (
            {"credit_limit": Decimal("1e400")},
            "$.credit_limit",
            "1E+400 is out of the allowed range",
        ),
        ({"credit_limit": 10**400}, "$.credit_limit", "about 400 digits is out of range"),
        ({"receivables": Decimal("NaN")}, "$.receivables", "must be an amount of money"),
        ({"receivables": Decimal("-Infinity")}, "$.receivables", "must be an amount of money"),
        ({"name": "ACME\u202eLTD"}, "$.name", "direction-changing character"),
        ({"segment": "fleet\x00"}, "$.segment", "NUL character"),
    ],
)
def test_an_account_value_no_deal_could_take_is_refused_where_it_is_written(
    store, account, path, said
):
    # its deals take the account's values as theirs: stored, each would be refused later
    # (a 422 at $.customer.credit_limit no salesperson can fix); NaN reached Python's Decimal
    # comparison and Infinity the database
    store.add_customer({"id": "C-1", "name": "ACME"}, by="fin")
    with pytest.raises(AccountError) as caught:
        store.add_customer({"id": "C-2", "name": "B", **account}, by="fin")
    assert [(p.path, said in p.message) for p in caught.value.problems] == [(path, True)]
    with pytest.raises(AccountError) as caught:
        store.update_customer("C-1", account, by="fin")
    assert [(p.path, said in p.message) for p in caught.value.problems] == [(path, True)]
    assert store.get_customer("C-1")["version"] == 1  # nothing written
    with pytest.raises(NotFound):
        store.get_customer("C-2")


# -- names with SQL in them ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x'); DROP TABLE deals;--", "%s ? :id", 'O"Brien; --'])
def test_sql_metacharacters_are_stored_literally(store, pb, deal, as_of, name):
    store.add_user(name, ["general_manager", "pricing"])
    store.add_customer({"id": name, "name": name}, by=name)
    deal = without_company_data(deal)  # the owner's own deal brings no prices, even pricing's
    deal["id"] = name
    deal["customer"] = {"id": name}
    deal["owner"] = name
    deal["stage"] = "prospecting"  # a customer known only by name: it starts at the start
    store.create_deal(deal, playbook=pb, by=name, as_of=as_of)
    assert store.get_deal(name).document["id"] == name
    assert store.get_customer(name)["name"] == name
    assert [u["name"] for u in store.list_users()].count(name) == 1
    assert store.verify() == []


# -- users and tokens ------------------------------------------------------------------------


def test_a_token_is_kept_only_as_its_hash(store):
    token = store.issue_token("fin")
    assert token.startswith("kam_")
    assert len(token) > 40
    with store.engine.connect() as conn:
        kept = conn.execute(text("SELECT token_hash FROM tokens")).scalars().all()
    assert kept == [token_hash(token)]
    assert token not in kept
    assert store.user_for_token(token) == {"name": "fin", "roles": ["supervisor"]}
    assert store.user_for_token(token + "x") is None


# -- decisions -------------------------------------------------------------------------------


def test_every_evaluation_is_a_recorded_decision(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    approve(store, pb, as_of)
    store.evaluate("T-1", playbook=pb, by="fin", as_of=as_of)
    found = list(store.decisions_since())
    assert [(d["actor"], d["deal_version"], d["status"]) for d in found] == [
        ("chief", 1, "needs_approval"),
        ("gm", 2, "ok"),
        ("fin", 2, "ok"),
    ]
    first = found[0]
    assert first["playbook"] == {"id": pb.id, "version": pb.version, "hash": pb.hash}
    assert {a["role"] for a in first["approvals"]} == {"marketing_director"}
    assert "P7" in [a["rule"] for a in first["approvals"]]
    assert len(first["input_digest"]) == 64
    assert list(store.decisions_since(datetime(2999, 1, 1).astimezone())) == []


# -- opening, schema -------------------------------------------------------------------------


def test_the_head_revision_is_the_scripts_head():
    assert migrate.script_head() == migrate.HEAD == migrate.KNOWN[-1]


def test_a_new_sqlite_file_gets_the_schema(tmp_path):
    with open_store(str(tmp_path / "new.db")) as store:
        assert migrate.status(store.engine)["state"] == "current"
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_a_store_from_a_newer_kam_is_refused(store_url):
    eng = make_engine(store_url)
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    eng.dispose()
    with pytest.raises(StoreError, match=r"newer kam .*: upgrade kam"):
        open_store(store_url)
    eng = make_engine(store_url)
    with pytest.raises(StoreError, match="upgrade kam"):
        migrate.upgrade(eng)
    eng.dispose()


def test_an_empty_postgresql_database_needs_kam_db_upgrade():
    if not PG:
        pytest.skip("KAM_TEST_PG is not set (CI sets it: .ci/run)")
    from .conftest import drop_pg_schema, new_pg_schema, pg_schema_url

    schema = new_pg_schema()
    try:
        with pytest.raises(StoreError, match="run kam db upgrade"):
            open_store(pg_schema_url(schema))
    finally:
        drop_pg_schema(schema)


def test_a_file_that_is_not_a_database_is_reported_not_replaced(tmp_path):
    bad = tmp_path / "kam.db"
    bad.write_bytes(b"this is not sqlite, it is a letter" * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(str(bad))
    assert bad.read_bytes().startswith(b"this is not sqlite")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://x/y", "SQLite or PostgreSQL, not 'mysql'"),
        ("sqlite://", "needs a file"),
        ("sqlite:////no/such/folder/kam.db", "does not exist"),
    ],
)
def test_a_url_kam_cannot_use_is_refused(url, says):
    with pytest.raises(StoreError, match=says):
        open_store(url)


def test_the_default_store_is_kam_db_here_or_kam_db_env(monkeypatch):
    monkeypatch.delenv("KAM_DB", raising=False)
    assert database_url() == "sqlite:///kam.db"
    monkeypatch.setenv("KAM_DB", "/tmp/x.db")
    assert database_url() == "sqlite:////tmp/x.db"
    assert database_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"


def test_a_deal_is_judged_only_by_the_playbook_it_is_pinned_to(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    other = engine.load_playbook(pb.file.replace("auto-dealer.yaml", "auto-dealer-2026-2.yaml"))
    with pytest.raises(StoreError, match=r"pinned to playbook auto-dealer 2026\.1"):
        store.advance_deal("T-1", to="closing", playbook=other, by="li.na", as_of=as_of)


def test_deals_are_listed_by_stage_owner_status_and_category(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    second = copy.deepcopy(deal)
    second["id"] = "T-2"
    bring_in(store, below_floor(second), pb, as_of)
    assert [d.id for d in store.list_deals()] == ["T-1", "T-2"]
    assert [d.id for d in store.list_deals(status="needs_approval")] == ["T-2"]
    assert [d.id for d in store.list_deals(stage="closing")] == []
    assert [d.id for d in store.list_deals(owner="li.na", category="direct_enterprise")] == [
        "T-1",
        "T-2",
    ]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_store_held_by_another_writer_is_busy_not_broken(store_url, monkeypatch):
    """SQLite: a writer waits for the busy timeout, then gets one plain line; nothing written.
    (PostgreSQL writers wait on row locks instead.)"""
    monkeypatch.setattr("engine.store.connect.BUSY_TIMEOUT_MS", 100)
    holder = make_engine(store_url)
    with holder.begin() as conn:  # BEGIN IMMEDIATE: the write lock, held
        conn.execute(text("SELECT 1"))
        with pytest.raises(StoreError, match=r"the store is busy: .* for more than 0\.1 s"):  # noqa: SIM117
            with open_store(store_url) as store:
                store.add_user("late", ["supervisor"])
    holder.dispose()
    with open_store(store_url) as store:
        assert store.list_users() == []


def test_a_postgresql_server_that_does_not_answer_is_one_plain_line():
    with pytest.raises(StoreError, match="cannot use the store") as caught:
        open_store("postgresql+psycopg://postgres@127.0.0.1:1/kam?connect_timeout=2")
    assert "SELECT" not in str(caught.value)


def test_the_tables_in_code_are_the_tables_the_migrations_make(store_url):
    """schema.py and the migration scripts describe the same tables (alembic check)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from engine.store.schema import metadata

    eng = make_engine(store_url)
    with eng.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    eng.dispose()
    assert differences == []


# -- re-pin ----------------------------------------------------------------------------------


JULY = date(2026, 7, 1)  # 2026.2's first day


def version_2(pb):
    return engine.load_playbook(pb.file.replace("auto-dealer.yaml", "auto-dealer-2026-2.yaml"))


def test_a_repin_judges_the_deal_by_the_new_version_and_keeps_its_approvals(store, pb, deal, as_of):
    deal["lines"][0]["unit_price"] = 87  # 13% off: the marketing director under 2026.1
    bring_in(store, deal, pb, as_of)
    approve(store, pb, as_of)
    assert store.get_deal("T-1").status == "ok"
    new = version_2(pb)  # 2026.2: above 12% the general manager signs as well
    change = store.repin_deal("T-1", playbook=new, by="chief", as_of=JULY, if_version=2)
    moved = change.response
    assert moved["event"]["kind"] == "repinned"
    assert moved["deal"]["playbook"]["version"] == "2026.2"
    assert moved["deal"]["playbook"]["hash"] == new.hash
    assert moved["deal"]["status"] == "needs_approval"
    (kept,) = moved["deal"]["document"]["approvals"]  # the approval and its basis, untouched
    assert kept["role"] == "marketing_director"
    assert kept["basis"]["discount"] == Decimal("0.13")
    pending = [a["role"] for a in moved["result"]["approvals"] if a["status"] != "granted"]
    assert pending == ["general_manager"]
    (event,) = [e for e in store.history("T-1") if e["kind"] == "repinned"]
    assert event["data"] == {
        "from": {"id": "auto-dealer", "version": "2026.1", "hash": pb.hash},
        "to": {"id": "auto-dealer", "version": "2026.2", "hash": new.hash},
    }
    assert event["playbook_hash"] == new.hash
    with pytest.raises(StoreError, match=r"pinned to playbook auto-dealer 2026\.2"):
        store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of)
    assert store.verify() == []


def test_a_repin_only_to_the_version_in_force_on_its_date(store, pb, deal, as_of):
    """Re-pinning in November to 2026.1 (ended 2026-06-30) made a 14% discount the marketing
    director's where 2026.2 asks the general manager; nor may a deal take rules not yet begun."""
    deal["lines"][0]["unit_price"] = 86  # 14% off
    bring_in(store, deal, pb, as_of)
    with pytest.raises(Refused, match=r"2026\.2 is in force from 2026-07-01"):
        store.repin_deal("T-1", playbook=version_2(pb), by="chief", as_of=as_of, if_version=1)
    store.repin_deal("T-1", playbook=version_2(pb), by="chief", as_of=JULY, if_version=1)
    november = date(2026, 11, 30)
    with pytest.raises(
        Refused, match=r"2026\.1 is in force from .* to 2026-06-30, not on 2026-11-30"
    ):
        store.repin_deal("T-1", playbook=pb, by="chief", as_of=november, if_version=2)
    assert [e["kind"] for e in store.history("T-1")] == ["created", "repinned"]


def test_a_repin_to_another_playbook_or_the_same_version_is_refused(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    other = engine.load_playbook(pb.file.replace("auto-dealer.yaml", "enterprise-sales.yaml"))
    with pytest.raises(Refused, match="only to another version of its own playbook"):
        store.repin_deal("T-1", playbook=other, by="chief", as_of=as_of, if_version=1)
    with pytest.raises(Refused, match=r"already pinned to auto-dealer 2026\.1"):
        store.repin_deal("T-1", playbook=pb, by="chief", as_of=as_of, if_version=1)
    assert counts(store)[:2] == (1, 1)


def test_a_stale_repin_is_refused(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    with pytest.raises(Conflict):
        store.repin_deal("T-1", playbook=version_2(pb), by="chief", as_of=JULY, if_version=7)
    assert store.get_deal("T-1").playbook_version == "2026.1"


def test_verify_finds_a_deal_pinned_behind_its_history(store, pb, deal, as_of):
    create(store, deal, pb, as_of)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE deals SET playbook_hash = 'x'"))
    assert store.verify() == ["deal T-1: pinned to a playbook its last event was not judged by"]


# -- audited import --------------------------------------------------------------------------


def with_past(deal):
    deal["stage"] = "negotiation"
    deal["approvals"] = [
        {"role": "marketing_director", "by": "ma.jun", "on": "2026-02-20", "decision": "approved"}
    ]
    deal["history"] = [{"from": "lead", "to": "negotiation", "by": "li.na", "at": "2026-02-01"}]
    return deal


def test_an_admin_imports_a_deal_with_its_past_and_the_history_says_so(store, pb, deal, as_of):
    store.add_user("chen", ["admin", "marketing_director"])
    (answer,) = store.import_deals([with_past(deal)], playbook=pb, by="chen", as_of=as_of)
    assert answer["event"] == {"seq": 1, "kind": "imported", "at": answer["event"]["at"]}
    stored = store.get_deal("T-1")
    assert stored.document["approvals"] == deal["approvals"]  # taken over as given
    assert stored.document["history"] == deal["history"]
    assert stored.owner == "li.na"
    (event,) = store.history("T-1")
    assert event["actor"] == "chen"
    assert event["data"]["taken_over"]["approvals"] == deal["approvals"]
    assert "given before kam" in event["data"]["taken_over"]["note"]
    assert store.verify() == []
    with pytest.raises(Refused, match="created or owned deal T-1"):  # who imported it: no judge
        approve(store, pb, as_of, by="chen")


def test_only_an_admin_imports(store, pb, deal, as_of):
    with pytest.raises(Refused, match="does not hold the role admin"):
        store.import_deals([with_past(deal)], playbook=pb, by="gm", as_of=as_of)
    assert store.list_deals() == []


def test_an_import_is_all_or_none(store, pb, deal, as_of):
    store.add_user("chen", ["admin"])
    create(store, copy.deepcopy(deal), pb, as_of)
    second = with_past(copy.deepcopy(deal))
    second["id"] = "T-2"
    with pytest.raises(AlreadyStored, match="deal T-1 is already in the store"):
        store.import_deals([second, with_past(deal)], playbook=pb, by="chen", as_of=as_of)
    assert [d.id for d in store.list_deals()] == ["T-1"]


def test_a_new_deal_with_approvals_names_both_ways_out(store, pb, deal, as_of):
    with pytest.raises(Refused, match=r"Drop them .* kam deals import FILE --by ADMIN"):
        create(store, with_past(deal), pb, as_of)


@pytest.mark.parametrize("kind", ["user", "customer", "deal"])
def test_already_stored_is_its_own_kind_with_the_conflict_exit(store, pb, deal, as_of, kind):
    def add():
        if kind == "user":
            store.add_user("x", [])
        elif kind == "customer":
            store.add_customer({"id": "C-1", "name": "ACME"}, by="fin")
        else:
            create(store, copy.deepcopy(deal), pb, as_of)

    add()
    with pytest.raises(AlreadyStored) as caught:
        add()
    assert caught.value.exit_code == 6
    assert caught.value.to_dict()["error"] == "already_stored"


# -- evaluated events ------------------------------------------------------------------------


def test_a_check_puts_a_changed_status_on_record_and_replays(store, pb, deal, as_of):
    deal["payment"] = {"method": "credit"}
    account = {"id": "C-7", **deal["customer"], "credit_limit_approved_by": "fin", "class": "A"}
    store.add_customer(account, by="fin")
    deal["customer"] = {"id": "C-7"}
    create(store, deal, pb, as_of)
    store.update_customer("C-7", {"receivables": Decimal("999999.01")}, by="fin", if_version=1)
    assert store.get_deal("T-1").status == "ok"  # stored: the last judgement, not yet again
    before = counts(store)
    change = store.check_deal("T-1", playbook=pb, by="fin", as_of=as_of, if_version=1)
    assert change.response["event"]["kind"] == "evaluated"
    assert change.response["deal"]["status"] == "needs_approval"
    assert counts(store) == (2, 2, before[2] + 1)  # a version, an event, a decision
    event = store.history("T-1")[-1]
    assert event["data"] == {"as_of": "2026-03-02", "status_before": "ok"}
    assert event["summary"]["status"] == "needs_approval"
    assert store.get_deal("T-1").document["customer"] == {"id": "C-7"}
    assert store.verify() == []
    with pytest.raises(Conflict):  # a check names the version it read, like any change
        store.check_deal("T-1", playbook=pb, by="fin", as_of=as_of, if_version=1)


def test_a_check_is_for_the_owner_an_awaited_approver_or_an_admin(store, pb, deal, as_of):
    """A check writes the deal's history: a stranger to the deal reads it instead (the review
    wrote 'evaluated' events into another's deal at will)."""
    create(store, deal, pb, as_of)
    assert store.get_deal("T-1").status == "ok"
    with pytest.raises(Refused, match="neither owns deal T-1 nor holds a role it waits on"):
        store.check_deal("T-1", playbook=pb, by="gm2", as_of=as_of, if_version=1)
    store.check_deal("T-1", playbook=pb, by="li.na", as_of=as_of, if_version=1)
    store.update_deal("T-1", {"lines": [{**deal["lines"][0], "unit_price": 80}]},
                      playbook=pb, by="li.na", as_of=as_of, if_version=2)  # fmt: skip
    _, judged = store.evaluate("T-1", playbook=pb, by="li.na", as_of=as_of, record=False)
    waiting = {a.role for a in judged.approvals}
    assert "general_manager" in waiting  # 20% off: now the general manager is waited on
    store.check_deal("T-1", playbook=pb, by="gm2", as_of=as_of, if_version=3)
    assert [e["actor"] for e in store.history("T-1")] == ["desk", "li.na", "li.na", "gm2"]


def test_a_deals_owner_is_a_user_named_as_the_store_names_them(store, pb, deal, as_of):
    deal["owner"] = "LI.NA "
    create(store, deal, pb, as_of)
    assert store.get_deal("T-1").owner == "li.na"
    with pytest.raises(Refused, match=r"\$\.owner: nobody is not a user of the store"):
        store.update_deal("T-1", {"owner": "nobody"}, playbook=pb, by="li.na", as_of=as_of,
                          if_version=1)  # fmt: skip
    store.update_deal("T-1", {"owner": "FIN"}, playbook=pb, by="chief", as_of=as_of, if_version=1)
    assert store.get_deal("T-1").owner == "fin"
    assert store.get_deal("T-1").document["owner"] == "fin"


# -- refused attempts on record --------------------------------------------------------------


def test_refused_attempts_are_recorded_and_change_nothing(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    before = counts(store)
    with pytest.raises(engine.TransitionRefused):  # guards unmet
        store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of)
    with pytest.raises(Refused, match="owns deal T-1"):  # self-approval
        approve(store, pb, as_of, by="li.na", role="key_account_specialist")
    with pytest.raises(Refused, match="does not hold the role"):  # role not held
        approve(store, pb, as_of, by="fin")
    with pytest.raises(Conflict):  # a stale version
        patch(store, pb, as_of, if_version=9)
    assert counts(store) == before  # no version, event or decision
    assert store.get_deal("T-1").document == below_floor(copy.deepcopy(deal))
    found = store.refusals("T-1")
    assert [(r["command"], r["actor"], r["error"], r["deal_version"]) for r in found] == [
        ("advance", "li.na", "transition_refused", 1),
        ("approve", "li.na", "refused", 1),
        ("approve", "fin", "refused", 1),
        ("update", "li.na", "conflict", 1),
    ]
    assert found[0]["detail"]["request"] == {"to": "closing", "if_version": None}
    assert found[0]["detail"]["error"]["missing"][0]["kind"] == "approval"
    assert found[3]["detail"]["error"]["current_version"] == 1
    assert store.verify() == []  # refusals are not events: replay never sees them


def test_the_database_refuses_to_change_a_refusal(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    with pytest.raises(engine.TransitionRefused):
        store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=as_of)
    for sql in ("UPDATE refusals SET actor = 'x'", "DELETE FROM refusals"):
        with pytest.raises(sqlalchemy.exc.DatabaseError), store.engine.begin() as conn:
            conn.execute(text(sql))
    assert len(store.refusals("T-1")) == 1


# -- the weighted pipeline -------------------------------------------------------------------


def test_the_pipeline_is_the_batch_summarys_and_counts_an_unknown_amount_apart(
    store, pb, deal, as_of
):
    from engine.app.summary import Summary, Tally
    from engine.store.pipeline import pipelines

    for n, price in enumerate(("100", "99.99", "123456789012.01"), start=1):
        one = copy.deepcopy(deal)
        one["id"] = f"T-{n}"
        one["lines"][0]["unit_price"] = Decimal(price)
        one["lines"][0]["list_price"] = Decimal(price)
        bring_in(store, one, pb, as_of)  # T-3 is above its retail price: in flight
    assert store.get_deal("T-3").amount == Decimal("617283945060.05")  # exact
    with store.engine.begin() as conn:  # a deal not judged since the amount was kept
        conn.execute(text("UPDATE deals SET amount = NULL WHERE id = 'T-1'"))
    (pipe,) = pipelines(store.list_deals(), lambda d: pb, as_of)
    (stage,) = pipe.stages
    assert stage.stage == "negotiation"
    assert stage.deals == 3
    assert stage.amount_unknown == 1
    assert stage.amount == Decimal("617283945060.05") + Decimal("499.95")
    # the same figures as kam batch's summary of the same judged amounts
    tally = Tally()
    tally.deals = 3
    tally.stages["negotiation"] = 3
    tally.amounts["negotiation"] = (stage.amount, 1)
    batch = next(s for s in Summary.of(tally, pb, as_of).stages if s.stage == "negotiation")
    assert stage == batch
    assert stage.weighted == stage.amount * stage.win_probability
    assert pipe.total.weighted == stage.weighted


def test_the_pipeline_of_a_playbook_that_cannot_be_read_is_left_out_not_guessed(
    store, pb, deal, as_of
):
    from engine.errors import InputError
    from engine.store.pipeline import pipelines

    create(store, deal, pb, as_of)

    def gone(_deal):
        raise InputError("no such file")

    (pipe,) = pipelines(store.list_deals(), gone, as_of)
    assert pipe.total is None
    assert pipe.note == "no totals: no such file"
    (pipe,) = pipelines(store.list_deals(), lambda d: version_2(pb), as_of)
    assert "has changed since these deals were pinned to it" in pipe.note


# -- disabled users (A3) ---------------------------------------------------------------------


def test_a_disabled_users_token_and_approvals_are_refused(store, pb, deal, as_of):
    bring_in(store, below_floor(deal), pb, as_of)
    token = store.issue_token("gm")
    assert store.user_for_token(token) is not None
    assert store.disable_user("gm") == {
        "name": "gm",
        "roles": ["general_manager", "manufacturer", "marketing_director"],
        "active": False,
    }
    assert store.user_for_token(token) is None
    before = counts(store)
    with pytest.raises(Refused, match="user gm is not active"):
        approve(store, pb, as_of)
    assert counts(store) == before
    (refused,) = store.refusals("T-1")
    assert refused["actor"] == "gm"
    with pytest.raises(Refused, match="not active"):
        store.issue_token("gm")
    with pytest.raises(NotFound):
        store.disable_user("nobody")
    assert [u["active"] for u in store.list_users() if u["name"] == "gm"] == [False]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_sqlite_commits_wait_for_the_disk_unless_the_url_says_normal(store_url):
    for query, expected in (("", 2), ("?synchronous=normal", 1)):  # FULL is 2, NORMAL 1
        with open_store(store_url + query) as s, s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == expected
    with pytest.raises(StoreError, match="synchronous=off is not one of full, normal"):
        open_store(store_url + "?synchronous=off")


def test_only_the_owner_their_creator_or_an_admin_changes_or_moves_a_deal(store, pb, deal, as_of):
    create(store, deal, pb, as_of)  # li.na creates and owns it
    for attempt in (
        lambda: patch(store, pb, as_of, if_version=1, by="gm"),
        lambda: store.advance_deal(
            "T-1", to="lost", playbook=pb, by="gm", as_of=as_of, if_version=1
        ),
    ):
        with pytest.raises(Refused, match="gm does not own deal T-1"):
            attempt()
    assert len(store.history("T-1")) == 1  # nothing changed
    assert [r["actor"] for r in store.refusals("T-1")] == ["gm", "gm"]  # both on record
    store.add_user("ops.admin", ["admin"])
    patch(store, pb, as_of, if_version=1, by="ops.admin")
    patch(store, pb, as_of, change={"owner": "gm"}, if_version=2, by="ops.admin")  # handed on
    patch(store, pb, as_of, change={"lost_reason": "late"}, if_version=3, by="gm")


def test_only_the_supervisor_or_an_admin_sets_a_customers_credit_terms(store):
    limit = {"id": "C-9", "name": "Port", "credit_limit": Decimal("3000000.00")}
    with pytest.raises(Refused, match=r"li\.na does not hold the role supervisor"):
        store.add_customer({**limit, "credit_limit_approved_by": "li.na"}, by="li.na")
    store.add_customer({"id": "C-9", "name": "Port"}, by="li.na")  # no credit terms: anyone
    with pytest.raises(Refused, match="does not hold the role supervisor"):
        store.update_customer("C-9", {"credit_limit": Decimal("99000000")}, by="li.na")
    with pytest.raises(Refused, match="fin records their own approval, not gm's"):
        store.update_customer(
            "C-9", {"credit_limit": Decimal("3000000"), "credit_limit_approved_by": "gm"}, by="fin"
        )
    store.update_customer(
        "C-9", {"credit_limit": Decimal("3000000"), "credit_limit_approved_by": "fin"}, by="fin"
    )
    with pytest.raises(Refused, match=r"credit terms \(receivables\)"):  # what is owed, too
        store.update_customer("C-9", {"receivables": Decimal("0")}, by="li.na")
    store.update_customer("C-9", {"receivables": Decimal("10.00")}, by="fin")  # limit untouched
    store.update_customer("C-9", {"territory": "Tianjin"}, by="li.na")  # not credit terms
    store.add_user("ops.admin", ["admin"])
    store.update_customer("C-9", {"credit_limit_approved_by": "zhou.lei"}, by="ops.admin")
    assert store.get_customer("C-9")["credit_limit_approved_by"] == "zhou.lei"
    assert store.get_customer("C-9")["version"] == 5


def test_a_new_deal_is_pinned_only_to_a_version_in_force_on_its_date(store, pb, deal):
    # auto-dealer 2026.1 is in force 2026-01-01 .. 2026-06-30 (both days included)
    for day in (date(2025, 12, 31), date(2026, 7, 1)):
        with pytest.raises(Refused, match="not on " + day.isoformat()):
            create(store, deal, pb, day)
    assert store.list_deals() == []
    create(store, deal, pb, date(2026, 6, 30))


def test_a_version_a_saved_one_succeeds_has_ended_even_when_named(store, deal):
    # auto-dealer 2026.2 (the folder's) has no effective_to of its own; a version saved in the
    # store from 2027-01-01 ends it on 2026-12-31, so a deal pinned to 2026.2 by name on the
    # successor's first day is refused, and on its last day is not
    import os

    from engine.app.library import Entry, Library
    from engine.errors import Location

    lib = Library(os.path.dirname(AUTO_DEALER))
    with open(os.path.join(lib.folder, "auto-dealer-2026-2.yaml"), encoding="utf-8") as fh:
        text = fh.read()
    text = text.replace('version: "2026.2"', 'version: "2026.3"').replace(
        "effective_from: 2026-07-01", "effective_from: 2027-01-01"
    )
    name = os.path.join(lib.folder, "auto-dealer@2026.3.saved.yaml")
    saved = Entry(name, "auto-dealer", "2026.3", date(2027, 1, 1), None, Location(name, 1, 1), text)
    lib.use_saved([saved])
    old = lib.pick("auto-dealer", date(2027, 1, 1), "2026.2")
    assert old.until == "2026-12-31"
    with pytest.raises(Refused, match="to 2026-12-31, not on 2027-01-01"):
        create(store, deal, old, date(2027, 1, 1))
    assert store.list_deals() == []
    create(store, deal, old, date(2026, 12, 31))
    assert lib.pick("auto-dealer", date(2027, 1, 1)).version == "2026.3"
