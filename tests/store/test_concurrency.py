"""Real processes against one store, on SQLite and PostgreSQL: eight writers racing on one deal
lose no update and leave a contiguous history, and a process killed between the deal's new
state and its event leaves both or neither."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from sqlalchemy import text

from engine.store import Conflict, open_store, records

from ..conftest import AS_OF

WORKERS = 8
FORK = multiprocessing.get_context("fork")  # the engine is loaded once, in this process


def writer(url, pb, mode, me, rounds, barrier, results):
    """One process: its own connection, started with the others at once."""
    with open_store(url) as store:
        barrier.wait(timeout=60)
        for n in range(rounds):
            try:
                if mode == "update":
                    seen = store.get_deal("T-1").version
                    change = store.update_deal(
                        "T-1",
                        {"lost_reason": f"{me}-{n}"},
                        playbook=pb,
                        by="li.na",
                        as_of=AS_OF,
                        if_version=seen,
                    )
                elif mode == "advance":
                    change = store.advance_deal(
                        "T-1", to="closing", playbook=pb, by="li.na", as_of=AS_OF, if_version=1
                    )
                else:  # the same request with the same key from every process
                    change = store.update_deal(
                        "T-1",
                        {"lost_reason": "once"},
                        playbook=pb,
                        by="li.na",
                        as_of=AS_OF,
                        if_version=1,
                        key="same-key",
                    )
                results.put(
                    {
                        "won": change.response["deal"]["version"],
                        "replayed": change.replayed,
                        "value": f"{me}-{n}",
                    }
                )
            except Conflict as error:
                results.put({"conflict": error.current})


def race(url, pb, mode, rounds):
    barrier = FORK.Barrier(WORKERS)
    results = FORK.Queue()
    procs = [
        FORK.Process(target=writer, args=(url, pb, mode, f"w{i}", rounds, barrier, results))
        for i in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _ in range(WORKERS * rounds)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    results.close()
    results.join_thread()
    return outcomes


def test_eight_processes_updating_one_deal_lose_nothing(store, store_url, pb, deal, as_of):
    store.create_deal(deal, playbook=pb, by="desk", as_of=as_of)
    outcomes = race(store_url, pb, "update", rounds=4)
    won = [o for o in outcomes if "won" in o]
    assert len(outcomes) == WORKERS * 4
    assert won  # somebody made progress
    final = store.get_deal("T-1")
    # exactly one winner per version, and every version after the first has one
    assert sorted(o["won"] for o in won) == list(range(2, final.version + 1))
    history = store.history("T-1")
    assert [e["seq"] for e in history] == list(range(1, final.version + 1))
    # no lost update: every winning change is in the history, in the order of its version
    by_version = {o["won"]: o["value"] for o in won}
    assert [e["data"]["patch"]["lost_reason"] for e in history[1:]] == [
        by_version[v] for v in range(2, final.version + 1)
    ]
    assert final.document["lost_reason"] == by_version[final.version]
    assert store.verify() == []


def test_eight_processes_advancing_from_one_version_move_it_once(store, store_url, pb, deal, as_of):
    store.create_deal(deal, playbook=pb, by="desk", as_of=as_of)
    outcomes = race(store_url, pb, "advance", rounds=1)
    assert [o["won"] for o in outcomes if "won" in o] == [2]
    assert sorted(o["conflict"] for o in outcomes if "conflict" in o) == [2] * (WORKERS - 1)
    assert [e["kind"] for e in store.history("T-1")] == ["created", "advanced"]
    assert store.get_deal("T-1").stage == "closing"
    assert store.verify() == []


def test_eight_processes_sending_one_key_have_one_effect(store, store_url, pb, deal, as_of):
    store.create_deal(deal, playbook=pb, by="desk", as_of=as_of)
    outcomes = race(store_url, pb, "key", rounds=1)
    assert len(outcomes) == WORKERS
    assert {o["won"] for o in outcomes} == {2}
    assert sum(not o["replayed"] for o in outcomes) == 1
    assert len(store.history("T-1")) == 2
    assert store.verify() == []


def killed_mid_change(url, pb, point):
    """A change whose process dies (SIGKILL: no cleanup, no rollback code runs) at ``point``."""

    def die(*_a, **_k):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "before-event":
        records.append_event = die
    elif point == "before-decision":
        records.record_decision = die
    else:  # every row written (the deal, its event, its decision), the commit not yet
        real = records.record_decision

        def write_then_die(*args, **kwargs):
            real(*args, **kwargs)
            die()

        records.record_decision = write_then_die
    with open_store(url) as store:
        store.update_deal(
            "T-1", {"lost_reason": "killed"}, playbook=pb, by="li.na", as_of=AS_OF, if_version=1
        )


@pytest.mark.parametrize("point", ["before-event", "before-decision", "before-commit"])
def test_a_process_killed_mid_change_leaves_both_rows_or_neither(
    store, store_url, pb, deal, as_of, point
):
    store.create_deal(deal, playbook=pb, by="desk", as_of=as_of)
    proc = FORK.Process(target=killed_mid_change, args=(store_url, pb, point))
    proc.start()
    proc.join(timeout=60)
    assert proc.exitcode == -signal.SIGKILL
    with open_store(store_url) as after:
        deal_now = after.get_deal("T-1")
        assert deal_now.version == 1
        assert "lost_reason" not in deal_now.document
        assert len(after.history("T-1")) == 1
        assert len(after.decisions_since()) == 1
        assert after.verify() == []
        with after.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        # and the store takes the same change afterwards
        change = after.update_deal(
            "T-1", {"lost_reason": "again"}, playbook=pb, by="li.na", as_of=as_of, if_version=1
        )
        assert change.response["event"]["seq"] == 2
