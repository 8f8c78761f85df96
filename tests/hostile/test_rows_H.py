"""Catalogue rows H1-H8 (threats-and-targets.md §3, the HTTP service): each row a test named
by its id. In-process through the ASGI app where the row is about what the app answers; a
real ``kam serve`` where it needs a real socket (a lying Content-Length, a stalled client,
concurrent retries)."""

from __future__ import annotations

import copy
import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from engine.service import Settings, create_app
from engine.store import open_store

from ..conftest import AS_OF, BASE_DEAL, PLAYBOOKS
from ..service.conftest import USERS, auth
from ..service.serving import call, running
from ..store.test_store import without_company_data

MIB = 1024 * 1024


@pytest.fixture
def store_url(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A migrated SQLite store with the service tests' users; (url, tokens)."""
    url = f"sqlite:///{tmp_path / 'kam.db'}"
    tokens = {}
    with open_store(url) as store:
        for name, roles in {**USERS, **CREATORS}.items():
            store.add_user(name, roles)
            tokens[name] = store.issue_token(name)
    return url, tokens


# gm.desk records prices and credit terms (pricing, supervisor) and approves; a deal they
# create is theirs, so it brings neither: an admin records them on it
CREATORS = {"gm.desk": ["general_manager", "marketing_director", "pricing", "supervisor"]}


def make_client(url: str, **settings: Any) -> TestClient:
    app = create_app(Settings(db=url, playbooks=str(PLAYBOOKS), today=lambda: AS_OF, **settings))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def api(store_url: tuple[str, dict[str, str]]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client over a store holding deal T-1 (below the floor: it needs the marketing
    director) brought in by an admin for li.na."""
    url, tokens = store_url
    with make_client(url) as client:
        created = client.post(
            "/v1/deals",
            json={"playbook": "auto-dealer", "deal": below_floor()},
            headers=auth(tokens["chief"]),
        )
        assert created.status_code == 201, created.text
        yield client, tokens


def below_floor() -> dict[str, Any]:
    deal = copy.deepcopy(BASE_DEAL)
    deal["lines"][0]["unit_price"] = 89
    return deal


def problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + kind), body
    assert "Traceback" not in response.text
    return body


def events(client: TestClient, token: str, deal: str = "T-1") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(
        f"/v1/deals/{deal}/events", headers=auth(token)
    ).json()["events"]
    return found


# -- the ASGI app fed by hand: how much of a body it reads before it answers ------------------
def feed(
    app: Any, headers: dict[str, str], chunks: Iterator[bytes], path: str = "/v1/evaluate"
) -> tuple[int, dict[str, Any], int]:
    """POST ``chunks`` to ``app`` as a client streaming its body; (status, body, chunks the
    app asked for)."""
    read = 0
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        try:
            chunk = next(chunks)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
    }
    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), read


def endless(size: int = 64 * 1024) -> Iterator[bytes]:
    while True:
        yield b" " * size


# -- H1 -----------------------------------------------------------------------------------------
def test_H1_a_body_declared_over_1_MB_is_413_unread(store_url):
    url, tokens = store_url
    with make_client(url) as client:
        headers = auth(tokens["fin"], **{"Content-Type": "application/json"})
        status, body, read = feed(
            client.app, {**headers, "Content-Length": str(2 * MIB)}, endless()
        )
    assert (status, body["status"]) == (413, 413)
    assert read == 0  # refused on the header: not one byte buffered


@pytest.mark.parametrize("declared", ["100", None], ids=["lying-length", "no-length"])
def test_H1_a_body_longer_than_declared_is_cut_off_at_the_limit(store_url, declared):
    url, tokens = store_url
    headers = auth(tokens["fin"], **{"Content-Type": "application/json"})
    if declared:
        headers["Content-Length"] = declared
    else:
        headers["Transfer-Encoding"] = "chunked"
    with make_client(url) as client:
        status, body, read = feed(client.app, headers, endless())
    assert status == 413
    assert body["type"].endswith("/too-large")
    assert read <= MIB // (64 * 1024) + 1  # stopped at the limit, not at the end of the stream


def test_H1_a_gzip_bomb_is_refused_without_inflating_it(store_url):
    url, tokens = store_url
    bomb = gzip.compress(b"{" + b" " * (8 * MIB) + b"}")  # 8 MiB of JSON in ~8 KiB
    assert len(bomb) < 64 * 1024
    with make_client(url) as client:
        response = client.post(
            "/v1/evaluate",
            content=bomb,
            headers=auth(
                tokens["fin"], **{"Content-Type": "application/json", "Content-Encoding": "gzip"}
            ),
        )
    assert "gzip" in problem(response, 415, "unsupported-media-type")["detail"]


def test_H1_a_real_server_answers_a_lying_length_at_once_and_stays_small(store_url):
    """Content-Length says 1 GB, ten bytes arrive: 413 straight away, memory unchanged."""
    url, tokens = store_url
    with running(url) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(
                b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {tokens['fin']}\r\n".encode()
                + b'Content-Length: 1000000000\r\n\r\n{"a": 1}\r\n'
            )
            answer = s.recv(65536).decode("latin-1")
        assert answer.startswith("HTTP/1.1 413"), answer
        assert "application/problem+json" in answer
        status, _, health = call(base, "GET", "/healthz")
        assert (status, health["ok"]) == (200, True)


# -- H2 -----------------------------------------------------------------------------------------
BODY_ROUTES = [
    ("POST", "/v1/evaluate"),
    ("POST", "/v1/lint"),
    ("POST", "/v1/deals"),
    ("PATCH", "/v1/deals/T-1"),
    ("POST", "/v1/deals/T-1/transitions"),
    ("POST", "/v1/deals/T-1/approvals"),
    ("PUT", "/v1/customers/C-1"),
]
BAD_BODIES = {
    "wrong-type": (b'{"to": "closing"}', "text/plain", 415, "unsupported-media-type", None),
    "malformed": (b'{"to": "closing",\n  }', "application/json", 422, "bad-deal", None),
    "nan": (b'{"to": NaN, "deal": {}}', "application/json", 422, "bad-input", "$.to"),
    "duplicate-keys": (
        b'{"to": "lost", "to": "closing"}',
        "application/json",
        422,
        "bad-input",
        "$.to",
    ),
}


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_H2_bad_bodies_are_problems_never_500(api, method, path, case):
    client, tokens = api
    raw, kind, status, problem_kind, where = BAD_BODIES[case]
    headers = auth(tokens["gm"], **{"Content-Type": kind, "If-Match": '"1"'})
    response = client.request(method, path, content=raw, headers=headers)
    body = problem(response, status, problem_kind)
    if case == "malformed":
        assert body["errors"][0]["message"].startswith("request body:2:3:")  # located
    if where:
        assert where in [e["path"] for e in body["errors"]]
    assert len(events(client, tokens["gm"])) == 1  # nothing written


# -- H4 -----------------------------------------------------------------------------------------
def test_H4_the_same_key_and_request_answers_the_first_response_with_one_effect(api):
    client, tokens = api
    headers = auth(tokens["gm"], **{"Idempotency-Key": "retry-1"})
    body = {"role": "marketing_director", "decision": "approved"}
    first = client.post("/v1/deals/T-1/approvals", json=body, headers=headers)
    again = client.post("/v1/deals/T-1/approvals", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert [e["kind"] for e in events(client, tokens["gm"])] == ["created", "approved"]


def test_H4_the_same_key_with_another_request_is_409_and_writes_nothing(api):
    client, tokens = api
    headers = auth(tokens["gm"], **{"Idempotency-Key": "retry-1"})
    approve = {"role": "marketing_director", "decision": "approved"}
    assert client.post("/v1/deals/T-1/approvals", json=approve, headers=headers).status_code == 201
    other = {**approve, "decision": "rejected", "reason": "no"}
    response = client.post("/v1/deals/T-1/approvals", json=other, headers=headers)
    problem(response, 409, "idempotency-key-reused")
    assert len(events(client, tokens["gm"])) == 2


def test_H4_concurrent_retries_with_one_key_have_one_effect(store_url):
    url, tokens = store_url
    with running(url) as base:
        status, _, _ = call(
            base,
            "POST",
            "/v1/deals",
            tokens["chief"],
            {"playbook": "auto-dealer", "deal": below_floor()},
        )
        assert status == 201
        answers: list[tuple[int, Any]] = []
        go = threading.Barrier(8)

        def retry() -> None:
            go.wait()
            got = call(
                base,
                "POST",
                "/v1/deals/T-1/approvals",
                tokens["gm"],
                {"role": "marketing_director", "decision": "approved"},
                {"Idempotency-Key": "same-click"},
            )
            answers.append((got[0], got[2]))

        threads = [threading.Thread(target=retry) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        _, _, history = call(base, "GET", "/v1/deals/T-1/events", tokens["gm"])
    assert len(answers) == 8
    assert {status for status, _ in answers} == {201}, answers
    assert all(body == answers[0][1] for _, body in answers)
    assert [e["kind"] for e in history["events"]] == ["created", "approved"]


# -- H5 -----------------------------------------------------------------------------------------
def test_H5_a_stale_if_match_on_a_transition_is_412_and_writes_nothing(api):
    client, tokens = api
    approved = client.post(
        "/v1/deals/T-1/approvals",
        json={"role": "marketing_director", "decision": "approved"},
        headers=auth(tokens["gm"]),
    )
    assert approved.headers["etag"] == '"2"'
    stale = client.post(
        "/v1/deals/T-1/transitions",
        json={"to": "closing"},
        headers=auth(tokens["li.na"], **{"If-Match": '"1"'}),
    )
    assert problem(stale, 412, "stale-version")["current_version"] == 2
    deal = client.get("/v1/deals/T-1", headers=auth(tokens["gm"]))
    assert (deal.headers["etag"], deal.json()["deal"]["stage"]) == ('"2"', "negotiation")
    assert len(events(client, tokens["gm"])) == 2


# -- H6 -----------------------------------------------------------------------------------------
def test_H6_no_credentials_is_401_on_every_v1_route(api):
    client, _ = api
    paths = client.get("/openapi.json").json()["paths"]
    checked = 0
    for path, operations in paths.items():
        if not path.startswith("/v1"):
            continue
        concrete = path.replace("{deal_id}", "T-1").replace("{customer_id}", "C-1")
        concrete = concrete.replace("{playbook_id}", "auto-dealer")
        for method in operations:
            response = client.request(method, concrete, json={}, headers={"If-Match": '"1"'})
            problem(response, 401, "unauthorized")
            checked += 1
    assert checked >= 15


def test_H6_an_approver_without_the_role_is_403_and_nothing_is_written(api):
    client, tokens = api
    response = client.post(
        "/v1/deals/T-1/approvals",
        json={"role": "marketing_director", "decision": "approved"},
        headers=auth(tokens["fin"]),
    )
    assert "marketing_director" in problem(response, 403, "forbidden")["detail"]
    assert len(events(client, tokens["gm"])) == 1


def test_H6_the_submitter_approving_their_own_deal_is_403(api):
    client, tokens = api
    # gm.desk holds the role; a deal gm.desk created is theirs to sell, not to approve
    deal = {**below_floor(), "id": "T-2", "owner": "gm.desk", "stage": "prospecting"}
    deal["customer"] = {**deal["customer"], "credit_limit_approved_by": "gm.desk"}
    priced = client.post(  # they record prices and credit terms, but not on their own deal
        "/v1/deals", json={"playbook": "auto-dealer", "deal": deal}, headers=auth(tokens["gm.desk"])
    )
    assert "cannot bring the company's data" in problem(priced, 403, "forbidden")["detail"]
    company = {"customer": deal["customer"], "lines": deal["lines"]}
    deal = without_company_data(deal)  # no prices or credit terms yet
    created = client.post(
        "/v1/deals", json={"playbook": "auto-dealer", "deal": deal}, headers=auth(tokens["gm.desk"])
    )
    assert created.status_code == 201, created.text
    recorded = client.patch(  # an admin records the company's data on it
        "/v1/deals/T-2", json=company, headers=auth(tokens["desk"], **{"If-Match": '"1"'})
    )
    assert recorded.status_code == 200, recorded.text
    response = client.post(
        "/v1/deals/T-2/approvals",
        json={"role": "marketing_director", "decision": "approved"},
        headers=auth(tokens["gm.desk"]),
    )
    assert "gm.desk owns deal T-2" in problem(response, 403, "forbidden")["detail"]
    assert len(events(client, tokens["gm"], "T-2")) == 2


def test_H6_an_approver_named_in_the_body_is_ignored(api):
    client, tokens = api
    response = client.post(
        "/v1/deals/T-1/approvals",
        json={"role": "marketing_director", "decision": "approved", "by": "zhou.lei"},
        headers=auth(tokens["gm"]),
    )
    assert response.status_code == 201
    (entry,) = response.json()["deal"]["document"]["approvals"]
    assert entry["by"] == "gm"
    assert events(client, tokens["gm"])[-1]["actor"] == "gm"


# -- H7 -----------------------------------------------------------------------------------------
def test_H7_an_evaluation_over_its_budget_is_422_and_the_worker_answers_on(store_url):
    """The budget is a backstop: the engine's limits keep a deal's evaluation in milliseconds
    (500 lines, the most a deal holds, take about 1-7 ms), so a budget of a microsecond
    stands in for an evaluation that would run too long."""
    url, tokens = store_url
    deal = copy.deepcopy(BASE_DEAL)
    deal["lines"] = deal["lines"] * 500
    request = {"playbook": "auto-dealer", "deal": deal}
    with make_client(url, eval_budget=0.000001) as client:
        response = client.post("/v1/evaluate", json=request, headers=auth(tokens["fin"]))
        assert "budget" in problem(response, 422, "evaluation-budget")["detail"]
        assert client.get("/healthz").status_code == 200
        assert client.get("/v1/playbooks", headers=auth(tokens["fin"])).status_code == 200
    with make_client(url) as client:  # within the default budget the same deal is judged
        judged = client.post("/v1/evaluate", json=request, headers=auth(tokens["fin"]))
        assert judged.status_code == 200, judged.text[:300]


def test_H7_a_stalled_client_gets_408_and_others_are_served_meanwhile(store_url):
    url, tokens = store_url
    with running(url, "--read-timeout", "1") as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            s.sendall(
                b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {tokens['fin']}\r\n".encode()
                + b'Content-Length: 100\r\n\r\n{"play'
            )
            started = time.monotonic()
            status, _, _ = call(base, "GET", "/v1/playbooks", tokens["fin"])
            assert status == 200  # served while the other client stalls
            answer = s.recv(65536).decode("latin-1")
            waited = time.monotonic() - started
        assert answer.startswith("HTTP/1.1 408"), answer
        assert "application/problem+json" in answer
        assert waited < 15  # a bound, not a speed: the worker let go of the stalled client


# -- H8 -----------------------------------------------------------------------------------------
def test_H8_no_answer_carries_a_traceback_path_sql_or_included_content(tmp_path, store_url):
    url, tokens = store_url
    folder = tmp_path / "playbooks"
    folder.mkdir()
    for f in PLAYBOOKS.glob("auto-dealer*.yaml"):
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "modules").mkdir()
    for f in (PLAYBOOKS / "modules").iterdir():
        if f.is_file():
            (folder / "modules" / f.name).write_text(f.read_text(encoding="utf-8"), "utf-8")
    (folder / "broken.yaml").write_text("id: broken\nversion: '1'\nrules: [\n", encoding="utf-8")
    (tmp_path / "secret.yaml").write_text("password: SECRET-MARKER-42\n", encoding="utf-8")
    app = create_app(Settings(db=url, playbooks=str(folder), today=lambda: AS_OF))
    answers = []
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = auth(tokens["desk"])
        svc = client.app.state.service  # type: ignore[attr-defined]
        deal = {"playbook": "auto-dealer", "deal": {**below_floor(), "owner": "gm"}}
        deal["deal"]["stage"] = "prospecting"
        answers.append(client.post("/v1/deals", json=deal, headers=headers))
        answers.append(client.get("/v1/deals/T-1", headers=headers))
        answers.append(client.get("/v1/deals", headers=headers))
        answers.append(client.post("/v1/deals", json=deal, headers=headers))  # 409
        answers.append(
            client.post("/v1/evaluate", json={**deal, "playbook": "broken"}, headers=headers)
        )
        answers.append(
            client.post("/v1/evaluate", json={**deal, "playbook": "nope"}, headers=headers)
        )
        answers.append(client.post("/v1/evaluate", json={**deal, "version": "9"}, headers=headers))
        escape = "id: x\nversion: '1'\ninclude: [../secret.yaml]\n"
        answers.append(client.post("/v1/lint", json={"text": escape}, headers=headers))
        absolute = f"id: x\nversion: '1'\ninclude: [{tmp_path / 'secret.yaml'}]\n"
        answers.append(client.post("/v1/lint", json={"text": absolute}, headers=headers))
        answers.append(client.get("/v1/deals/x'%20OR%201=1--", headers=headers))

        def broken(**_: Any) -> None:
            raise RuntimeError(f"SELECT * FROM deals -- {folder}/x.yaml")

        svc.store.list_deals = broken
        answers.append(client.get("/v1/deals", headers=headers))
    statuses = [a.status_code for a in answers]
    assert statuses[:4] == [201, 200, 200, 409], statuses
    assert 500 in statuses
    assert all(s < 500 for s in statuses[:-1])
    for answer in answers:
        text = answer.text
        assert "Traceback" not in text
        assert 'File "' not in text
        assert str(tmp_path) not in text
        assert str(PLAYBOOKS) not in text
        assert "/work/" not in text
        assert "site-packages" not in text
        assert "SELECT" not in text
        assert "SECRET-MARKER" not in text
