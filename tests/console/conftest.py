"""Fixtures for the console's tests: a store filled by ``kam demo``'s loader, the service
with its console over it, and a signed-in browser-less client per person."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.console import Settings, create_app
from engine.console.demo import load_demo
from engine.store import open_store

from ..conftest import AS_OF, PLAYBOOKS, ROOT


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The demo loaded once (as of the tests' day); each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("console") / "kam.db"
    with open_store(f"sqlite:///{path}") as store:
        loaded = load_demo(store, ROOT, AS_OF)
    return path, {name: token for name, token, _ in loaded.tokens}


@pytest.fixture
def tokens(demo_db: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return demo_db[1]


@pytest.fixture
def db_url(demo_db: tuple[Path, dict[str, str]], tmp_path: Path) -> str:
    db = tmp_path / "kam.db"
    db.write_bytes(demo_db[0].read_bytes())
    return f"sqlite:///{db}"


@pytest.fixture
def app_client(db_url: str) -> Iterator[TestClient]:
    settings = Settings(db=db_url, playbooks=str(PLAYBOOKS), today=lambda: AS_OF)
    with TestClient(
        create_app(settings), raise_server_exceptions=False, follow_redirects=False
    ) as c:
        yield c


@pytest.fixture
def signed_in(app_client: TestClient, tokens: dict[str, str]) -> Callable[[str], TestClient]:
    """Sign ``name`` in (the client keeps the session cookie) and return the client."""

    def sign_in(name: str) -> TestClient:
        app_client.cookies.clear()
        r = app_client.post("/signin", data={"token": tokens[name], "next": "/approvals"})
        assert r.status_code == 303, r.text
        return app_client

    return sign_in


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page has no form with a CSRF value"
    return found.group(1)
