"""Requests generated from the committed OpenAPI document (schemathesis), sent in-process to
the ASGI app over a seeded store with a valid token: no answer is a 5xx, and every answer is
one the document declares (status, content type, headers, body shape). H3 of the catalogue.

Derandomized and bounded (a fixed number of examples per operation), so a run is the same
every time and takes seconds, not minutes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from engine.service import Settings, create_app
from engine.store import open_store

from ..conftest import AS_OF, BASE_DEAL, PLAYBOOKS, ROOT

OPENAPI = ROOT / "schemas" / "openapi.json"

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, str]:
    """The app over a store holding a user with every role, a deal and a customer."""
    db = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'kam.db'}"
    with open_store(db) as store:
        store.add_user("gm", ["general_manager", "marketing_director", "supervisor", "pricing"])
        store.add_user("li.na", ["key_account_specialist"])
        store.add_user("desk", ["admin"])
        token = store.issue_token("gm")
    app = create_app(Settings(db=db, playbooks=str(PLAYBOOKS), today=lambda: AS_OF))
    svc = app.state.service
    pb = svc.pick("auto-dealer", None, AS_OF)
    # an admin brings it in for li.na: it carries company data (prices, credit terms)
    svc.store.create_deal(dict(BASE_DEAL), playbook=pb, by="desk", as_of=AS_OF, source=pb.file)
    svc.store.add_customer({"id": "C-1", "name": "ACME"}, by="gm")
    return app, token


@pytest.fixture(scope="module")
def token(seeded: tuple[object, str]) -> str:
    return seeded[1]


# The committed document, not the one the app would serve: what clients code against is
# what is tested (test_service keeps the two equal).
schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text(encoding="utf-8")))


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_H3_generated_requests_get_no_5xx_and_conform(
    case: schemathesis.Case, seeded: tuple[object, str]
):
    app, token = seeded
    # the document declares the bearer scheme, so the generated case carries a made-up token
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    response = case.call_and_validate(app=app, checks=CHECKS)
    assert response.status_code != 401, "the generated requests must reach the routes"


def test_the_seeded_app_answers_a_real_request(seeded: tuple[object, str], tmp_path: Path):
    """The fixture is not hollow: the generated requests reach a store with a deal in it."""
    from fastapi.testclient import TestClient

    app, token = seeded
    with TestClient(app) as client:  # type: ignore[arg-type]
        got = client.get("/v1/deals/T-1", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200
