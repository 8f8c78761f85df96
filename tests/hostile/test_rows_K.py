"""Catalogue rows K1-K7 (threats-and-targets.md §3, concurrency): each row a test named by
its id, on SQLite and the real PostgreSQL server. Races are run by real processes started at
one barrier (K1-K4), each with its own connection; K7 by threads sharing one playbook."""

from __future__ import annotations

import copy
import multiprocessing
import shutil
import threading
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.errors import KamError, TransitionRefused
from engine.jsontext import to_json
from engine.store import Conflict, open_store

from ..conftest import AS_OF, PLAYBOOKS
from ..store import conftest as store_fixtures

# the store tests' fixtures (a store per test on SQLite and PostgreSQL), for these rows
sqlite_template = store_fixtures.sqlite_template
pg_session = store_fixtures.pg_session
store_url = store_fixtures.store_url
store = store_fixtures.store
pb = store_fixtures.pb
deal = store_fixtures.deal

FORK = multiprocessing.get_context("fork")
WORKERS = 8


def below_floor(deal: dict[str, Any]) -> dict[str, Any]:
    deal["lines"][0]["unit_price"] = 89  # 11% off: the marketing director approves
    return deal


def act(url, pb, request, barrier, results):
    """One process: waits for the others, makes its one request, reports what it got."""
    with open_store(url) as s:
        barrier.wait(timeout=60)
        try:
            kind = request.pop("kind")
            if kind == "advance":
                change = s.advance_deal(playbook=pb, as_of=AS_OF, **request)
            else:
                change = s.decide_approval(playbook=pb, as_of=AS_OF, **request)
            results.put({"won": change.response["deal"]["version"], "replayed": change.replayed})
        except Conflict as error:
            results.put({"conflict": error.current})
        except KamError as error:
            results.put({"refused": error.kind, "message": str(error)})


def race(url, pb, requests):
    barrier = FORK.Barrier(len(requests))
    results = FORK.Queue()
    procs = [FORK.Process(target=act, args=(url, pb, r, barrier, results)) for r in requests]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _ in requests]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    results.close()
    results.join_thread()
    return outcomes


def sound(store, deal_id="T-1"):
    """The history is contiguous and replays to the stored deal."""
    now = store.get_deal(deal_id)
    assert [e["seq"] for e in store.history(deal_id)] == list(range(1, now.version + 1))
    assert store.verify() == []
    return now


def test_K1_eight_processes_moving_one_deal_from_one_version_move_it_once(
    store, store_url, pb, deal
):
    store.create_deal(deal, playbook=pb, by="desk", as_of=AS_OF)
    move = {"kind": "advance", "deal_id": "T-1", "to": "closing", "by": "li.na", "if_version": 1}
    outcomes = race(store_url, pb, [dict(move) for _ in range(WORKERS)])
    assert [o["won"] for o in outcomes if "won" in o] == [2]  # exactly one per version
    assert sorted(o["conflict"] for o in outcomes if "conflict" in o) == [2] * (WORKERS - 1)
    assert sound(store).stage == "closing"
    assert [e["kind"] for e in store.history("T-1")] == ["created", "advanced"]
    assert len(store.refusals("T-1")) == WORKERS - 1  # every losing attempt on record


def test_K2_two_approvers_at_once_complete_the_step_once(store, store_url, pb, deal):
    store.add_user("md2", ["marketing_director"])
    store.create_deal(below_floor(deal), playbook=pb, by="chief", as_of=AS_OF)  # in flight
    ask = {
        "kind": "approve",
        "deal_id": "T-1",
        "role": "marketing_director",
        "decision": "approved",
    }
    outcomes = race(store_url, pb, [{**ask, "by": "gm"}, {**ask, "by": "md2"}])
    won = [o for o in outcomes if "won" in o]
    lost = [o for o in outcomes if "refused" in o]
    assert [o["won"] for o in won] == [2]  # first response wins
    assert len(lost) == 1
    assert lost[0]["refused"] == "decision_refused"
    assert "already approved by" in lost[0]["message"]  # "already decided"
    now = sound(store)
    assert len(now.document["approvals"]) == 1  # no duplicate record
    assert now.status == "ok"
    assert [r["error"] for r in store.refusals("T-1")] == ["decision_refused"]


def test_K3_the_same_approval_resent_with_its_key_is_recorded_once(store, store_url, pb, deal):
    store.create_deal(below_floor(deal), playbook=pb, by="chief", as_of=AS_OF)  # in flight
    ask = {"kind": "approve", "deal_id": "T-1", "role": "marketing_director",
           "decision": "approved", "by": "gm", "key": "approve-T-1"}  # fmt: skip
    outcomes = race(store_url, pb, [dict(ask) for _ in range(4)])
    assert {o["won"] for o in outcomes} == {2}  # the original answer, every time
    assert sum(not o["replayed"] for o in outcomes) == 1
    now = sound(store)
    assert len(now.document["approvals"]) == 1
    assert len(store.history("T-1")) == 2


def test_K4_approve_and_reject_racing_on_one_step_one_wins_both_audited(store, store_url, pb, deal):
    store.add_user("md2", ["marketing_director"])
    store.create_deal(below_floor(deal), playbook=pb, by="chief", as_of=AS_OF)  # in flight
    ask = {"kind": "approve", "deal_id": "T-1", "role": "marketing_director", "if_version": 1}
    outcomes = race(
        store_url,
        pb,
        [
            {**ask, "by": "gm", "decision": "approved"},
            {**ask, "by": "md2", "decision": "rejected", "reason": "too cheap"},
        ],
    )
    assert sorted(outcomes, key=str) == [{"conflict": 2}, {"replayed": False, "won": 2}]
    now = sound(store)
    (decided,) = now.document["approvals"]
    winner = "gm" if decided["decision"] == "approved" else "md2"
    (lost,) = store.refusals("T-1")  # the loser's attempt, on record with the winner's event
    assert lost["error"] == "conflict"
    assert lost["actor"] == ({"gm", "md2"} - {winner}).pop()
    assert store.history("T-1")[-1]["actor"] == winner


def test_K5_a_playbook_changed_on_disk_never_judges_a_deal_pinned_to_another(tmp_path, deal):
    books = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, books)
    book = books / "auto-dealer.yaml"
    db = str(tmp_path / "kam.db")
    deal_file = tmp_path / "deal.json"
    deal_file.write_text(to_json(deal), encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["users", "add", "li.na", "--db", db]).exit_code == 0
    # an admin brings it in for li.na: it carries prices and credit terms, not li.na's to bring
    assert run(main, ["users", "add", "desk", "--role", "admin", "--db", db]).exit_code == 0
    added = run(main, ["deals", "add", str(deal_file), "-p", str(book), "--by", "desk",
                       "--as-of", "2026-03-02", "--db", db])  # fmt: skip
    assert added.exit_code == 0, added.output
    # the playbook is changed while the deal is held: a new version of the file
    book.write_text(book.read_text().replace("value: 15%", "value: 14%", 1))
    moved = run(main, ["deals", "advance", deal["id"], "--to", "lost", "--by", "li.na",
                       "--as-of", "2026-03-02", "--db", db])  # fmt: skip
    assert moved.exit_code == 2
    assert "pinned to playbook auto-dealer 2026.1" in moved.output
    assert "give the playbook it was created with" in moved.output
    with open_store(db) as s:
        assert s.get_deal(deal["id"]).version == 1  # no decision by a mixed version
        assert {d["playbook"]["hash"] for d in s.decisions_since()} == {
            s.get_deal(deal["id"]).playbook_hash
        }


def test_K6_a_price_cut_after_approval_makes_it_stale_and_asks_again(store, pb, deal):
    store.create_deal(below_floor(deal), playbook=pb, by="chief", as_of=AS_OF)  # in flight
    store.decide_approval(
        "T-1", role="marketing_director", decision="approved", playbook=pb, by="gm", as_of=AS_OF
    )
    assert store.get_deal("T-1").status == "ok"
    cut = copy.deepcopy(store.get_deal("T-1").document["lines"])
    cut[0]["unit_price"] = Decimal(87)  # 13% off: beyond the 11% that was approved
    change = store.update_deal(
        "T-1", {"lines": cut}, playbook=pb, by="li.na", as_of=AS_OF, if_version=2
    )
    assert change.response["deal"]["status"] == "needs_approval"
    states = {a["role"]: a["status"] for a in change.response["result"]["approvals"]}
    assert states["marketing_director"] == "stale"
    with pytest.raises(TransitionRefused):
        store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=AS_OF)
    store.decide_approval(  # a new approval on the new basis opens it again
        "T-1", role="marketing_director", decision="approved", playbook=pb, by="gm", as_of=AS_OF
    )
    moved = store.advance_deal("T-1", to="closing", playbook=pb, by="li.na", as_of=AS_OF)
    assert moved.response["deal"]["stage"] == "closing"
    sound(store)


def test_K7_threads_sharing_one_playbook_move_their_own_deals(store, store_url, pb, deal):
    ids = [f"T-{n}" for n in range(8)]
    for deal_id in ids:
        one = copy.deepcopy(deal)
        one["id"] = deal_id
        store.create_deal(one, playbook=pb, by="desk", as_of=AS_OF)
    errors: list[BaseException] = []
    start = threading.Barrier(len(ids))

    def move(deal_id: str) -> None:
        try:
            with open_store(store_url) as own:  # one store (connection) per thread
                start.wait(timeout=60)
                own.advance_deal(deal_id, to="closing", playbook=pb, by="li.na", as_of=AS_OF)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=move, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert {d.stage for d in store.list_deals()} == {"closing"}
    assert store.verify() == []
