"""Real worker processes sharing one database: two ``kam serve --workers 2`` (four server
processes) and eight client processes that read, patch, approve and advance the same deals
at once through HTTP. Afterwards: no lost update (every patch answered 200 is in the deal, none
twice), each deal's event ``seq`` is contiguous and matches its version, each deal was approved
and advanced once, and ``kam db verify`` replays every deal to its stored state."""

from __future__ import annotations

import copy
import json
import multiprocessing
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.store import open_store

from ..conftest import BASE_DEAL
from ..store.conftest import PG, drop_pg_schema, new_pg_schema, pg_schema_url
from .serving import call, running

CLIENTS = 8
DEALS = ["W-1", "W-2", "W-3"]
ROUNDS = 6
FORK = multiprocessing.get_context("fork")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kam.db'}"
        return
    if not PG:
        pytest.skip("KAM_TEST_PG is not set (CI sets it: .ci/run)")
    schema = new_pg_schema()
    try:
        yield pg_schema_url(schema)
    finally:
        drop_pg_schema(schema)


def client(bases: list[str], tokens: dict[str, str], me: int, results: Any, go: Any) -> None:
    """One client process: for each round and deal, a read-modify-write patch (retried on
    412), an approval and a move to closing, spread over the servers."""
    rng = random.Random(me)
    done: list[dict[str, Any]] = []
    go.wait(timeout=60)
    for n in range(ROUNDS):
        for deal in DEALS:
            base = rng.choice(bases)
            for _ in range(50):  # retry a stale read; a lost race is not a failure
                status, headers, body = call(base, "GET", f"/v1/deals/{deal}", tokens["li.na"])
                assert status == 200, body
                contacts = body["deal"]["document"]["contacts"]
                marker = f"c{me}-{n}"
                new = [*contacts, {"name": marker, "role": "user", "attitude": "neutral"}]
                status, _, answer = call(
                    base,
                    "PATCH",
                    f"/v1/deals/{deal}",
                    tokens["li.na"],
                    {"contacts": new},
                    {"If-Match": headers["etag"], "Content-Type": "application/merge-patch+json"},
                )
                if status == 200:
                    done.append({"deal": deal, "patched": marker})
                    break
                assert status == 412, answer
            status, _, answer = call(
                base,
                "POST",
                f"/v1/deals/{deal}/approvals",
                tokens["gm"],
                {"role": "marketing_director", "decision": "approved"},
            )
            assert status in (201, 403, 412), answer
            done.append({"deal": deal, "approval": status})
            status, headers, body = call(base, "GET", f"/v1/deals/{deal}", tokens["li.na"])
            status, _, answer = call(
                base,
                "POST",
                f"/v1/deals/{deal}/transitions",
                tokens["li.na"],
                {"to": "closing"},
                {"If-Match": headers["etag"]},
            )
            assert status in (200, 412, 422), answer
            done.append({"deal": deal, "advance": status})
    results.put(done)


def test_eight_clients_through_four_server_processes_lose_nothing(db: str):
    upgraded = CliRunner().invoke(main, ["db", "upgrade", "--db", db])
    assert upgraded.exit_code == 0, upgraded.output
    with open_store(db) as store:
        store.add_user("li.na", ["key_account_specialist"])
        store.add_user("gm", ["marketing_director"])
        # brings the deals, with their prices, in for li.na: they wait on an approval
        store.add_user("chief", ["admin"])
        tokens = {name: store.issue_token(name) for name in ("li.na", "gm", "chief")}
    with running(db, "--workers", "2") as one, running(db, "--workers", "2") as two:
        for deal_id in DEALS:
            deal = copy.deepcopy(BASE_DEAL)
            deal["id"] = deal_id
            deal["lines"][0]["unit_price"] = 89  # the marketing director must approve
            status, _, body = call(
                one, "POST", "/v1/deals", tokens["chief"], {"playbook": "auto-dealer", "deal": deal}
            )
            assert status == 201, body
        go = FORK.Barrier(CLIENTS)
        results = FORK.Queue()
        procs = [
            FORK.Process(target=client, args=([one, two], tokens, me, results, go))
            for me in range(CLIENTS)
        ]
        for proc in procs:
            proc.start()
        outcomes = [item for _ in procs for item in results.get(timeout=300)]
        for proc in procs:
            proc.join(timeout=60)
            assert proc.exitcode == 0
        finals = {d: call(one, "GET", f"/v1/deals/{d}", tokens["gm"])[2] for d in DEALS}
        histories = {
            d: call(two, "GET", f"/v1/deals/{d}/events", tokens["gm"])[2]["events"] for d in DEALS
        }
    for deal_id in DEALS:
        final, history = finals[deal_id], histories[deal_id]
        patched = [o["patched"] for o in outcomes if o["deal"] == deal_id and "patched" in o]
        assert len(patched) == CLIENTS * ROUNDS  # every client's every patch landed in the end
        names = [c["name"] for c in final["deal"]["document"]["contacts"]][1:]
        assert sorted(names) == sorted(patched)  # no lost update, none twice
        assert [e["seq"] for e in history] == list(range(1, final["deal"]["version"] + 1))
        kinds = [e["kind"] for e in history]
        assert kinds.count("approved") == 1
        assert kinds.count("advanced") == 1
        assert final["deal"]["stage"] == "closing"
        approvals = [o["approval"] for o in outcomes if o["deal"] == deal_id and "approval" in o]
        assert approvals.count(201) == 1
        moves = [o["advance"] for o in outcomes if o["deal"] == deal_id and "advance" in o]
        assert moves.count(200) == 1
    verified = CliRunner().invoke(main, ["db", "verify", "--db", db])
    assert verified.exit_code == 0, verified.output
    json.dumps(outcomes)  # plain data crossed the process boundary
