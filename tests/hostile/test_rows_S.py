"""Catalogue rows S1-S9 (threats-and-targets.md §3, the store): each row a test named by its
id, on SQLite and on the real PostgreSQL server where the row applies to both. Real processes
where the row is about one dying (S2); real driver errors from the real server (S3, S8)."""

from __future__ import annotations

import copy
import multiprocessing
import os
import random
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy
from click.testing import CliRunner
from sqlalchemy import event, text

from engine.cli import main
from engine.store import Contended, StoreError, migrate, open_store, records
from engine.store.connect import make_engine
from engine.store.store import ATTEMPTS

from ..conftest import AS_OF
from ..store import conftest as store_fixtures
from ..store.conftest import PG, drop_pg_schema, new_pg_schema, pg_schema_url
from ..store.test_store import without_company_data

# the store tests' fixtures (a store per test on SQLite and PostgreSQL), for these rows
sqlite_template = store_fixtures.sqlite_template
pg_session = store_fixtures.pg_session
store_url = store_fixtures.store_url
store = store_fixtures.store
pb = store_fixtures.pb
deal = store_fixtures.deal

FORK = multiprocessing.get_context("fork")
METACHARACTERS = ["x'); DROP TABLE deals;--", "%s ? :id $1", 'O"Brien; --', "\\'; \\x00"]


def create(store, deal, pb, **kw):
    """The deal stored for its owner by an admin (it carries prices and credit terms, which
    its owner cannot bring)."""
    kw.setdefault("by", "desk")
    return store.create_deal(deal, playbook=pb, as_of=AS_OF, **kw)


def table_count(store, table):
    with store.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


# -- S1 SQL metacharacters -------------------------------------------------------------------


@pytest.mark.parametrize("name", METACHARACTERS)
def test_S1_sql_metacharacters_are_stored_and_returned_literally(store, pb, deal, name):
    if "\x00" in name or "\\x00" in name:
        name = name.replace("\\x00", "")  # a NUL is refused as a control character, not stored
    deal["id"] = name
    deal["owner"] = name
    store.add_user(name, ["key_account_specialist"])
    store.add_customer({"id": name, "name": name, "territory": name}, by=name)
    deal["stage"] = "prospecting"  # a customer known only by name: it starts at the start
    create(store, without_company_data(deal), pb, by=name)  # their own: no prices to bring
    assert store.get_deal(name).id == name
    assert store.get_deal(name).owner == name
    assert store.get_customer(name)["name"] == name
    assert [d.id for d in store.list_deals(owner=name)] == [name]
    assert table_count(store, "deals") == 1  # the tables are all there
    assert store.verify() == []


# -- S2 SIGKILL at a random point of a change ------------------------------------------------


def die_at(url, pb, n, version):
    """One change in a process that kills itself (SIGKILL: nothing of ours runs after it) just
    before its ``n``-th SQL statement; one that needs fewer statements lives."""
    with open_store(url) as store:
        count = [0]

        @event.listens_for(store.engine, "before_cursor_execute")
        def _count(*_a, **_k):
            count[0] += 1
            if count[0] == n:
                os.kill(os.getpid(), signal.SIGKILL)

        store.update_deal(
            "T-1", {"lost_reason": f"k{n}"}, playbook=pb, by="li.na", as_of=AS_OF,
            if_version=version,
        )  # fmt: skip
    os._exit(0)


@pytest.mark.slow
def test_S2_fifty_sigkills_mid_change_leave_both_rows_or_neither(store, store_url, pb, deal):
    create(store, deal, pb)
    rng = random.Random(2026)
    kills = survived = 0
    started = time.monotonic()
    while kills < 50:
        version = store.get_deal("T-1").version
        n = rng.randint(1, 12)
        proc = FORK.Process(target=die_at, args=(store_url, pb, n, version))
        proc.start()
        proc.join(timeout=30)
        assert proc.exitcode in (0, -signal.SIGKILL)
        kills += proc.exitcode == -signal.SIGKILL
        survived += proc.exitcode == 0
        now = store.get_deal("T-1")
        # both rows or neither: the deal's version is its number of events and decisions
        assert len(store.history("T-1")) == now.version
        assert table_count(store, "decisions") == now.version
        assert now.version in (version, version + 1)
        if now.version == version + 1:  # it committed before the kill: the whole change
            assert now.document["lost_reason"] == f"k{n}"
    assert kills >= 50
    assert store.verify() == []  # chains and replay (and PRAGMA integrity_check on SQLite)
    assert time.monotonic() - started < 60


# -- S3 busy, read-only, connection dropped --------------------------------------------------


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_S3_a_busy_sqlite_store_waits_the_busy_timeout_then_says_busy(store_url, monkeypatch):
    monkeypatch.setattr("engine.store.connect.BUSY_TIMEOUT_MS", 300)
    holder = make_engine(store_url)
    with holder.begin() as conn:  # BEGIN IMMEDIATE: the write lock, held by another writer
        conn.execute(text("SELECT 1"))
        started = time.monotonic()
        result = CliRunner().invoke(main, ["users", "add", "late", "--db", store_url])
        waited = time.monotonic() - started
    holder.dispose()
    assert result.exit_code == 2
    assert "the store is busy: another kam held it for more than 0.3 s" in result.output
    assert "Traceback" not in result.output
    assert 0.3 <= waited < 10  # it waited the busy timeout, and no longer than a bound
    with open_store(store_url) as after:
        assert after.list_users() == []


def test_S3_a_read_only_store_file_is_a_typed_error_and_nothing_is_written(
    tmp_path, sqlite_template
):
    """The file made immutable (chattr +i: the tests run as root, whom file modes do not
    stop): kam opens it, cannot write, says so, and writes nothing."""
    path = tmp_path / "kam.db"
    path.write_bytes(sqlite_template.read_bytes())
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        result = CliRunner().invoke(main, ["users", "add", "li.na", "--db", str(path)])
        assert result.exit_code == 2, result.output
        assert "the store is read-only: nothing was written" in result.output
        assert "Traceback" not in result.output
        assert path.read_bytes() == sqlite_template.read_bytes()
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_S3_a_full_disk_is_a_typed_error_and_nothing_partial(tmp_path, pb, deal):
    """A 1 MiB file system (tmpfs) filled by the store: the change that does not fit is
    refused with one line, and every change before it is whole."""
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "kam", str(mount)],
                      capture_output=True).returncode != 0:  # fmt: skip
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        url = f"sqlite:///{mount / 'kam.db'}"
        with open_store(url) as s:
            s.add_user("li.na", ["key_account_specialist"])

            def fill() -> None:
                for n in range(10_000):
                    s.add_customer(
                        {"id": f"C-{n}", "name": "ACME", "notes": "x" * 4000}, by="li.na"
                    )

            with pytest.raises(StoreError) as caught:
                fill()
            assert str(caught.value).startswith("the store's disk is full: nothing was written")
            assert caught.value.exit_code == 2
            kept = len(s.list_customers())
            assert 0 < kept < 10_000
            assert all(c["notes"] == "x" * 4000 for c in s.list_customers())
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_S3_a_postgresql_connection_dropped_mid_change_is_a_typed_error_nothing_partial(
    store,
    store_url,
    pb,
    deal,
    monkeypatch,
):
    if store.engine.dialect.name != "postgresql":
        pytest.skip("a server connection to drop: PostgreSQL only")
    create(store, deal, pb)
    admin = sqlalchemy.create_engine(store_url.replace("postgresql+psycopg", "postgresql+psycopg"))
    real = records.append_event

    def drop_then_write(conn, *args, **kwargs):
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with admin.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(records, "append_event", drop_then_write)
    with pytest.raises(StoreError, match="cannot use the store") as caught:
        store.update_deal(
            "T-1", {"lost_reason": "x"}, playbook=pb, by="li.na", as_of=AS_OF, if_version=1
        )
    assert "UPDATE" not in str(caught.value)
    assert caught.value.exit_code == 2
    monkeypatch.setattr(records, "append_event", real)
    admin.dispose()
    after = store.get_deal("T-1")  # the pool hands out a live connection again
    assert after.version == 1
    assert "lost_reason" not in after.document
    assert len(store.history("T-1")) == 1
    assert store.verify() == []


# -- S4 money --------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1234567890123456.78", "0.0001"])
def test_S4_money_round_trips_exactly(store, amount):
    store.add_customer({"id": "C-1", "name": "ACME", "credit_limit": Decimal(amount)}, by="fin")
    kept = store.get_customer("C-1")["credit_limit"]
    assert kept == Decimal(amount)
    assert str(kept) == amount


# -- S5 older and newer schemas --------------------------------------------------------------


def old_store(backend, tmp_path):
    """A store made by the first migration only (the schema of an older kam)."""
    from alembic import command

    if backend == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'old.db'}", None
    else:
        if not PG:
            pytest.skip("KAM_TEST_PG is not set (CI sets it: .ci/run)")
        schema = new_pg_schema()
        url = pg_schema_url(schema)
    eng = make_engine(url)
    with eng.begin() as conn:
        command.upgrade(migrate._config(conn), "0001")
    return url, schema, eng


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_S5_a_store_from_an_older_kam_is_upgraded_with_its_data_kept(backend, tmp_path):
    url, schema, eng = old_store(backend, tmp_path)
    try:
        with eng.begin() as conn:
            assert migrate.current(conn) == "0001"
            conn.execute(text(
                "INSERT INTO users (name, roles, active, created_at) "
                "VALUES ('li.na', '[\"key_account_specialist\"]', true, '2026-01-01')"
            ))  # fmt: skip
            conn.execute(text(
                "INSERT INTO customers (id, name, credit_limit, extra, version, updated_at, "
                "updated_by) VALUES ('C-1', 'Tianjin', :money, '{}', 1, '2026-01-01', 'li.na')"
            ), {"money": "1234567890123456.78"})  # fmt: skip
        with pytest.raises(StoreError, match="run kam db upgrade"):
            open_store(url)
        result = CliRunner().invoke(main, ["db", "upgrade", "--db", url])
        assert result.exit_code == 0, result.output
        assert result.output == f"the store's schema: 0001 -> {migrate.HEAD}\n"
        with open_store(url) as upgraded:
            assert upgraded.list_users()[0]["name"] == "li.na"
            assert upgraded.get_customer("C-1")["credit_limit"] == Decimal("1234567890123456.78")
            (began,) = upgraded.customer_history("C-1")  # its history begins at the upgrade
            assert (began["kind"], began["actor"]) == ("recorded", "li.na")
            assert upgraded.verify() == []
    finally:
        eng.dispose()
        if schema:
            drop_pg_schema(schema)


def test_S5_a_store_from_a_newer_kam_is_refused_with_upgrade_kam(store_url):
    eng = make_engine(store_url)
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    eng.dispose()
    for args in (["users", "list"], ["db", "upgrade"], ["db", "verify"]):
        result = CliRunner().invoke(main, [*args, "--db", store_url])
        assert result.exit_code == 2, result.output
        assert "written by a newer kam (schema revision 0999" in result.output
        assert result.output.rstrip().endswith("upgrade kam")


# -- S6 a damaged SQLite file ----------------------------------------------------------------


def a_store_file_with_deals(tmp_path, pb, deal):
    path = tmp_path / "kam.db"
    with open_store(f"sqlite:///{path}") as s:
        s.add_user("li.na", ["key_account_specialist"])
        s.add_user("desk", ["admin"])
        for n in range(40):  # some pages to damage (an account keeps any other field)
            s.add_customer({"id": f"C-{n}", "name": "ACME", "notes": "x" * 2000}, by="li.na")
        s.create_deal(copy.deepcopy(deal), playbook=pb, by="desk", as_of=AS_OF)
    assert not Path(f"{path}-wal").exists()
    return path


def test_S6_a_truncated_store_file_is_reported_never_recreated(tmp_path, pb, deal):
    path = a_store_file_with_deals(tmp_path, pb, deal)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 3)
    damaged = path.read_bytes()
    for args in (["deals", "list"], ["db", "verify"], ["users", "add", "x"]):
        result = CliRunner().invoke(main, [*args, "--db", str(path)])
        assert result.exit_code in (1, 2), result.output
        assert "damaged" in result.output, result.output
        assert "Traceback" not in result.output
    assert path.read_bytes() == damaged  # reported, never replaced by a new empty store


def test_S6_a_corrupted_store_file_is_found_by_verify(tmp_path, pb, deal):
    path = a_store_file_with_deals(tmp_path, pb, deal)
    data = bytearray(path.read_bytes())
    page = 4096
    for at in range(page * 3, len(data) - page, page * 2):  # every other page from the third
        data[at + 100 : at + 400] = b"\xff" * 300
    path.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["db", "verify", "--db", str(path)])
    assert result.exit_code in (1, 2), result.output
    assert "damaged" in result.output
    assert "Traceback" not in result.output
    assert path.read_bytes() == bytes(data)


# -- S7 the history cannot be changed --------------------------------------------------------


@pytest.mark.parametrize("table", ["events", "decisions", "refusals"])
@pytest.mark.parametrize("verb", ["UPDATE {t} SET actor = 'x'", "DELETE FROM {t}"])
def test_S7_the_database_refuses_to_change_the_history(store, pb, deal, table, verb):
    import engine

    create(store, deal, pb)
    with pytest.raises(engine.TransitionRefused):
        store.advance_deal("T-1", to="lost", playbook=pb, by="li.na", as_of=AS_OF)
    before = table_count(store, table)
    assert before >= 1
    with (
        pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"),
        store.engine.begin() as conn,
    ):
        conn.execute(text(verb.format(t=table)))
    assert table_count(store, table) == before


# -- S8 serialization failures and deadlocks -------------------------------------------------


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_S8_a_serialization_failure_is_retried_a_bounded_number_of_times_then_a_conflict(
    store,
    pb,
    deal,
    monkeypatch,
    sqlstate,
):
    if store.engine.dialect.name != "postgresql":
        pytest.skip("serialization failures and deadlocks: PostgreSQL's")
    create(store, deal, pb)
    real = records.append_event
    tries = []

    def fail_first(conn, *args, fail_times, **kwargs):
        tries.append(1)
        if len(tries) <= fail_times:  # the real server raises the real error
            conn.exec_driver_sql(
                f"DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = '{sqlstate}'; END $$"
            )
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(
        records, "append_event", lambda c, *a, **k: fail_first(c, *a, fail_times=3, **k)
    )
    change = store.update_deal(
        "T-1", {"lost_reason": "x"}, playbook=pb, by="li.na", as_of=AS_OF, if_version=1
    )
    assert len(tries) == 4  # three lost races, then it went through once
    assert change.response["deal"]["version"] == 2
    tries.clear()
    monkeypatch.setattr(
        records, "append_event", lambda c, *a, **k: fail_first(c, *a, fail_times=99, **k)
    )
    started = time.monotonic()
    with pytest.raises(Contended, match=f"{ATTEMPTS} tries lost a race") as caught:
        store.update_deal(
            "T-1", {"lost_reason": "y"}, playbook=pb, by="li.na", as_of=AS_OF, if_version=2
        )
    assert caught.value.exit_code == 6
    assert len(tries) == ATTEMPTS  # bounded
    assert time.monotonic() - started < 10
    assert store.get_deal("T-1").version == 2  # nothing written
    assert store.verify() == []


# -- S9 the clock goes backwards -------------------------------------------------------------


def test_S9_a_clock_going_backwards_does_not_reorder_the_history(store_url, pb, deal):
    moments = iter(datetime(2026, 3, 2, 12, tzinfo=UTC) - timedelta(minutes=m) for m in range(99))
    with open_store(store_url, now=lambda: next(moments)) as backwards:
        backwards.add_user("li.na", ["key_account_specialist"])
        backwards.add_user("desk", ["admin"])
        create(backwards, deal, pb)
        for n in range(3):
            backwards.update_deal(
                "T-1", {"lost_reason": f"r{n}"}, playbook=pb, by="li.na", as_of=AS_OF,
                if_version=n + 1,
            )  # fmt: skip
        history = backwards.history("T-1")
        assert [e["seq"] for e in history] == [1, 2, 3, 4]
        assert [e["data"].get("patch", {}).get("lost_reason") for e in history] == [
            None, "r0", "r1", "r2"
        ]  # fmt: skip
        stamps = [e["at"] for e in history]
        assert stamps == sorted(stamps, reverse=True)  # the clock went back every time
        assert backwards.get_deal("T-1").document["lost_reason"] == "r2"
        assert backwards.verify() == []
