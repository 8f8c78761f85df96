"""Fixtures for the service's tests: an app over a fresh SQLite store, users with tokens."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.service import Settings, create_app
from engine.store import open_store

from ..conftest import AS_OF, BASE_DEAL, PLAYBOOKS

USERS = {
    "li.na": ["key_account_specialist"],
    "fin": ["supervisor"],
    "gm": ["general_manager", "marketing_director", "manufacturer"],
    "chief": ["admin"],
    # brings deals in for their owners: the test deal carries company data (a line's prices,
    # the customer's credit terms), which its owner cannot bring (store/reference.py)
    "desk": ["admin"],
}


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A migrated store with the users and their tokens, made once; each test gets a copy."""
    path = tmp_path_factory.mktemp("service") / "kam.db"
    tokens = {}
    with open_store(f"sqlite:///{path}") as store:
        for name, roles in USERS.items():
            store.add_user(name, roles)
            tokens[name] = store.issue_token(name)
    return path, tokens


@pytest.fixture
def tokens(template: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return template[1]


@pytest.fixture
def client(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[TestClient]:
    db = tmp_path / "kam.db"
    db.write_bytes(template[0].read_bytes())
    app = create_app(Settings(db=f"sqlite:///{db}", playbooks=str(PLAYBOOKS), today=lambda: AS_OF))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture
def deal() -> dict[str, Any]:
    return copy.deepcopy(BASE_DEAL)
