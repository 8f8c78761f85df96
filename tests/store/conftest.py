"""Fixtures for the store's tests: one store per test, on SQLite and on a real PostgreSQL.

The PostgreSQL cases use the server named by ``KAM_TEST_PG`` (``.ci/run`` starts one and
creates a scratch database); each test gets its own schema there, dropped afterwards. They
are skipped only when the variable is unset.
"""

from __future__ import annotations

import copy
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

import engine
from engine.store import Store, accounts, open_store
from engine.store.connect import make_engine
from engine.store.migrate import HEAD, upgrade

from ..conftest import AS_OF, AUTO_DEALER, BASE_DEAL

PG = os.environ.get("KAM_TEST_PG")
BACKENDS = ["sqlite", "postgresql"]
TABLES = (
    "account_keepers",
    "price_events",
    "prices",
    "customer_events",
    "playbook_reviews",
    "playbook_versions",
    "refusals",
    "idempotency_keys",
    "decisions",
    "events",
    "deals",
    "customers",
    "tokens",
    "users",
)
USERS = {
    "li.na": ["key_account_specialist"],
    "fin": ["supervisor"],
    "gm": ["general_manager", "marketing_director", "manufacturer"],
    "gm2": ["general_manager"],
    "chief": ["admin"],
    # brings deals in with their company data (prices, credit terms) for their owners: a
    # new deal's owner cannot bring it (store/reference.py)
    "desk": ["admin"],
}


def pg_schema_url(schema: str) -> str:
    assert PG is not None
    url = make_url(PG).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def new_pg_schema() -> str:
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = sqlalchemy.create_engine(make_url(PG).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    return schema


def drop_pg_schema(schema: str) -> None:
    admin = sqlalchemy.create_engine(make_url(PG).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store at head, migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("store") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    eng.dispose()  # the last connection closed: the WAL is folded into the file
    assert not path.with_name("template.db-wal").exists()
    return path


@pytest.fixture(scope="session")
def pg_session() -> Iterator[tuple[str, sqlalchemy.Engine] | None]:
    """A PostgreSQL schema at head for this test process, emptied before each test."""
    if not PG:
        yield None
        return
    schema = new_pg_schema()
    url = pg_schema_url(schema)
    eng = make_engine(url)
    upgrade(eng)
    try:
        yield url, eng
    finally:
        eng.dispose()
        drop_pg_schema(schema)


def empty_pg_store(eng: sqlalchemy.Engine) -> None:
    """Every row out (the append-only triggers set aside for this one transaction) and the
    schema revision back at head: a clean store in milliseconds instead of a migration."""
    with eng.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in TABLES:
            conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.exec_driver_sql("DELETE FROM alembic_version")
        conn.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{HEAD}')")


def a_store_url(
    backend: str,
    tmp_path: Path,
    sqlite_template: Path,
    pg_session: tuple[str, sqlalchemy.Engine] | None,
) -> str:
    """An empty store at head: a SQLite file, or a schema on the PostgreSQL server."""
    if backend == "sqlite":
        path = tmp_path / "kam.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    if pg_session is None:
        pytest.skip("KAM_TEST_PG is not set (CI sets it: .ci/run)")
    url, eng = pg_session
    empty_pg_store(eng)
    return url


@pytest.fixture(params=BACKENDS)
def store_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    pg_session: tuple[str, sqlalchemy.Engine] | None,
) -> str:
    return a_store_url(request.param, tmp_path, sqlite_template, pg_session)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        with opened.engine.begin() as conn:  # one commit for all of them
            for name, roles in USERS.items():
                accounts.add_user(conn, name, roles, "2026-03-02T09:00:00.000000Z")
        yield opened


@pytest.fixture(scope="session")
def pb() -> engine.Playbook:
    return engine.load_playbook(AUTO_DEALER)


@pytest.fixture
def deal() -> dict[str, Any]:
    return copy.deepcopy(BASE_DEAL)


@pytest.fixture
def as_of() -> Any:
    return AS_OF
