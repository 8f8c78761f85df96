"""A stored customer account's fields that a playbook declares ``recorded_by`` (auto-dealer:
whether the customer is a state organ, its largest batch this year, a shared territory) are
set only by who holds one of the declared roles, or an admin: a salesperson marking their
customer a state organ would clear the minimum-volume rule (P1) for every deal of it. On
SQLite and PostgreSQL, through the store, the CLI and the service."""

from __future__ import annotations

import json
import shutil

import pytest
from fastapi.testclient import TestClient

from engine.app.library import Library
from engine.cli import main
from engine.service import Settings, create_app
from engine.store import AccountError, Refused, open_store

from ..conftest import AS_OF, PLAYBOOKS
from ..service.conftest import auth
from .test_store import without_company_data

ACCOUNT = {"id": "C-7", "name": "Beijing Logistics", "territory": "Beijing"}
PEOPLE = {"kam.chen": ["key_account_manager"], "maker": ["manufacturer"]}


@pytest.fixture(scope="module")
def recorded():
    return Library(PLAYBOOKS).recorded_by()


@pytest.fixture
def stored(store, recorded):
    for name, roles in PEOPLE.items():
        store.add_user(name, roles)
    store.add_customer(dict(ACCOUNT), by="li.na", recorded_by=recorded)  # nothing of theirs
    return store


def test_the_playbooks_say_who_keeps_each_account_field(recorded):
    assert set(recorded["customer.state_organ"]) == {"key_account_manager"}
    assert set(recorded["customer.shared_territory"]) == {"key_account_manager", "manufacturer"}


@pytest.mark.parametrize(
    "change",
    [{"state_organ": True}, {"largest_batch_this_year": 40}, {"shared_territory": True}],
)
def test_a_salesperson_cannot_set_what_the_playbooks_keep_and_nothing_is_written(
    stored, recorded, change
):
    (name,) = change
    with pytest.raises(Refused) as caught:
        stored.update_customer("C-7", change, by="li.na", if_version=1, recorded_by=recorded)
    assert caught.value.code == "account_field_role"
    assert f"a customer's {name} is recorded by" in str(caught.value)
    assert "li.na does not hold the role" in str(caught.value)
    assert stored.get_customer("C-7")["version"] == 1
    assert [e["kind"] for e in stored.customer_history("C-7")] == ["created"]


def test_the_keeper_sets_it_and_the_history_names_them(stored, recorded):
    stored.update_customer(
        "C-7", {"state_organ": True}, by="kam.chen", if_version=1, recorded_by=recorded
    )
    last = stored.customer_history("C-7")[-1]
    assert (last["actor"], last["changes"]) == (
        "kam.chen",
        {"state_organ": {"before": None, "after": True}},
    )
    # a field kept by two roles: either may; one not kept by the manufacturer: refused
    stored.update_customer(
        "C-7", {"shared_territory": True}, by="maker", if_version=2, recorded_by=recorded
    )
    with pytest.raises(Refused, match="maker does not hold the role key_account_manager"):
        stored.update_customer(
            "C-7", {"state_organ": False}, by="maker", if_version=3, recorded_by=recorded
        )
    # an admin may set any; and the account's own descriptive fields stay anyone's
    stored.update_customer(
        "C-7", {"largest_batch_this_year": 12}, by="chief", if_version=3, recorded_by=recorded
    )
    stored.update_customer(
        "C-7", {"name": "Beijing Logistics Co."}, by="li.na", if_version=4, recorded_by=recorded
    )
    assert stored.get_customer("C-7")["version"] == 5
    assert stored.verify() == []


def test_an_account_cannot_be_created_already_holding_them(store, recorded):
    with pytest.raises(Refused) as caught:
        store.add_customer({**ACCOUNT, "state_organ": True}, by="li.na", recorded_by=recorded)
    assert caught.value.code == "account_field_role"
    assert store.list_customers() == []
    store.add_customer({**ACCOUNT, "state_organ": True}, by="chief", recorded_by=recorded)


def test_the_command_line_reads_the_keepers_from_the_playbooks_folder(runner, tmp_path):
    db = f"sqlite:///{tmp_path / 'kam.db'}"
    account = tmp_path / "c.json"
    account.write_text(json.dumps(ACCOUNT), encoding="utf-8")

    def kam(*args):
        return runner.invoke(main, [*map(str, args), "--db", db])

    assert kam("users", "add", "li.na", "--role", "key_account_specialist").exit_code == 0
    assert kam("customers", "add", account, "--by", "li.na").exit_code == 0
    refused = kam("customers", "update", "C-7", '{"state_organ": true}', "--by", "li.na")
    assert refused.exit_code == 1, refused.output
    assert "a customer's state_organ is recorded by key_account_manager" in refused.output
    nowhere = kam(
        "customers", "update", "C-7", '{"name": "X"}', "--by", "li.na", "--playbooks", "nowhere"
    )
    assert nowhere.exit_code == 2
    assert "--playbooks nowhere: no such folder here" in nowhere.output
    assert "Traceback" not in refused.output + nowhere.output


def test_over_http_a_salespersons_put_is_403_and_the_keepers_is_200(tmp_path):
    url = f"sqlite:///{tmp_path / 'kam.db'}"
    tokens = {}
    with open_store(url) as store:
        for name, roles in {"li.na": ["key_account_specialist"], **PEOPLE}.items():
            store.add_user(name, roles)
            tokens[name] = store.issue_token(name)
    app = create_app(Settings(db=url, playbooks=str(PLAYBOOKS), today=lambda: AS_OF))
    with TestClient(app, raise_server_exceptions=False) as client:
        put = client.put("/v1/customers/C-7", json=ACCOUNT, headers=auth(tokens["li.na"]))
        assert put.status_code == 201, put.text
        organ = {**ACCOUNT, "state_organ": True}
        refused = client.put(
            "/v1/customers/C-7", json=organ, headers={**auth(tokens["li.na"]), "If-Match": '"1"'}
        )
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "state_organ is recorded by key_account_manager" in refused.json()["detail"]
        done = client.put(
            "/v1/customers/C-7", json=organ, headers={**auth(tokens["kam.chen"]), "If-Match": '"1"'}
        )
        assert done.status_code == 200, done.text


def test_a_broken_playbook_in_the_folder_keeps_nothing_and_blocks_nothing(tmp_path):
    """A version that does not load judges no deal, so its declarations count for nothing;
    the others' still guard the accounts (a typo in one file must not open or close them)."""
    shutil.copy(PLAYBOOKS / "auto-dealer.yaml", tmp_path / "auto-dealer.yaml")
    shutil.copytree(PLAYBOOKS / "modules", tmp_path / "modules")
    broken = (PLAYBOOKS / "key-account-office.yaml").read_text(encoding="utf-8")
    broken = broken.replace("recorded_by: [finance]", "recorded_by: [no_such_role]")
    (tmp_path / "key-account-office.yaml").write_text(broken, encoding="utf-8")
    found = Library(tmp_path).recorded_by()
    assert set(found["customer.state_organ"]) == {"key_account_manager"}
    assert "expense.funds_released" not in found  # key-account-office's, which did not load


def test_the_store_keeps_what_its_deals_playbooks_declare_whatever_folder_a_caller_names(
    store, pb, deal
):
    """REV2: the guard hung on the folder a caller named (an empty one switched it off). The
    playbooks that judged the store's deals are on record now: their keepers hold without
    any folder, and their kinds refuse a value no deal could take."""
    for name, roles in PEOPLE.items():
        store.add_user(name, roles)
    store.add_customer(dict(ACCOUNT), by="li.na")
    store.create_deal(
        {**without_company_data(deal), "stage": "prospecting"}, playbook=pb, by="li.na",
        as_of=AS_OF,
    )  # fmt: skip
    with pytest.raises(Refused) as caught:  # no recorded_by given: the store's own hold
        store.update_customer("C-7", {"state_organ": True}, by="li.na", if_version=1)
    assert caught.value.code == "account_field_role"
    with pytest.raises(Refused):
        store.update_customer(
            "C-7", {"state_organ": True}, by="li.na", if_version=1, recorded_by={}
        )  # fmt: skip
    with pytest.raises(AccountError) as bad:  # the keeper, but a value no deal could take
        store.update_customer("C-7", {"shared_territory": "no"}, by="kam.chen", if_version=1)
    assert [(p.path, p.message) for p in bad.value.problems] == [
        ("$.shared_territory", "must be true or false")
    ]
    store.update_customer("C-7", {"shared_territory": False}, by="kam.chen", if_version=1)
    assert store.get_customer("C-7")["version"] == 2


def test_the_service_puts_its_playbooks_keepers_on_record_when_it_starts(tmp_path):
    url = f"sqlite:///{tmp_path / 'kam.db'}"
    settings = Settings(db=url, playbooks=str(PLAYBOOKS), today=lambda: AS_OF, warm=True)
    with TestClient(create_app(settings), raise_server_exceptions=False):
        pass  # kam serve warms: every playbook loaded, and its keepers on record
    with open_store(url) as store:
        store.add_user("li.na", ["key_account_specialist"])
        store.add_customer(dict(ACCOUNT), by="li.na")
        with pytest.raises(Refused, match="state_organ is recorded by key_account_manager"):
            store.update_customer("C-7", {"state_organ": True}, by="li.na")
