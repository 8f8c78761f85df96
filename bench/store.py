"""The store's benchmark: stage moves (transitions) per second through ``engine.store``.

    .venv/bin/python bench/store.py [--quick] [--deals N] [--pg URL] [--profile]

  SQLite      1 client: a new kam.db in a temporary folder (WAL), synchronous=FULL as shipped
              (an fsync per commit) and synchronous=normal (?synchronous=normal on the URL)
  PostgreSQL  8 client processes, each moving its own deals (a scratch schema in the database
              named by --pg, else $KAM_BENCH_PG, else $KAM_TEST_PG; skipped when none answers)

One transition is one ``Store.advance_deal`` of a stored deal (negotiation -> closing): the
deal read under a row lock, judged by its pinned playbook, the move's guards checked, the new
state, its hash-chained event and its decision written in one transaction and committed. The
deals are created first (their rate is reported too). ``--profile`` prints where one SQLite
client's time goes (cProfile, top functions by cumulative time).
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from engine.store import open_store  # noqa: E402

PLAYBOOK = ROOT / "playbooks" / "auto-dealer.yaml"
DEAL = ROOT / "playbooks" / "examples" / "gov-tender-ready-to-close.json"
AS_OF = date(2026, 3, 2)
CLIENTS = 8


def deals(n: int, prefix: str) -> list[dict[str, Any]]:
    base = json.loads(DEAL.read_text(encoding="utf-8"))
    out = []
    for i in range(n):
        one = copy.deepcopy(base)
        one["id"] = f"{prefix}-{i}"
        out.append(one)
    return out


def fill(url: str, pb: engine.Playbook, items: list[dict[str, Any]]) -> float:
    """Create the deals; returns creations per second."""
    with open_store(url) as store:
        started = time.perf_counter()
        for deal in items:
            store.create_deal(deal, playbook=pb, by="li.na", as_of=AS_OF)
        return len(items) / (time.perf_counter() - started)


def move(url: str, pb: engine.Playbook, ids: list[str]) -> float:
    """Advance each deal once; returns the seconds taken."""
    with open_store(url) as store:
        started = time.perf_counter()
        for deal_id in ids:
            store.advance_deal(deal_id, to="closing", playbook=pb, by="li.na", as_of=AS_OF)
        return time.perf_counter() - started


def sqlite_run(pb: engine.Playbook, n: int, profile: bool, sync: str) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="kam-bench-store-")
    url = f"sqlite:///{folder}/kam.db?synchronous={sync}"
    with open_store(url) as store:
        store.add_user("li.na", ["key_account_specialist"])
    items = deals(n, "S")
    created = fill(url, pb, items)
    ids = [d["id"] for d in items]
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        seconds = move(url, pb, ids)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    else:
        seconds = move(url, pb, ids)
    with open_store(url) as store:
        assert store.verify() == [], "the benchmark's store does not verify"
    return {"backend": f"sqlite ({sync})", "clients": 1, "deals": n, "created_per_s": created,
            "transitions_per_s": n / seconds, "ms_per_transition": 1000 * seconds / n}  # fmt: skip


def pg_url(given: str | None) -> str | None:
    return given or os.environ.get("KAM_BENCH_PG") or os.environ.get("KAM_TEST_PG")


def _client(url: str, pb: engine.Playbook, ids: list[str], barrier: Any, out: Any) -> None:
    with open_store(url) as store:  # connect before the start
        store.list_users()
    barrier.wait(timeout=120)
    out.put(move(url, pb, ids))


def pg_run(pb: engine.Playbook, base: str, n: int) -> dict[str, Any]:
    import sqlalchemy
    from sqlalchemy.engine import make_url

    from engine.store.connect import make_engine
    from engine.store.migrate import upgrade

    schema = "bench_" + uuid.uuid4().hex[:12]
    admin = sqlalchemy.create_engine(make_url(base).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        eng = make_engine(url)
        upgrade(eng)
        eng.dispose()
        with open_store(url) as store:
            store.add_user("li.na", ["key_account_specialist"])
        items = deals(n, "P")
        created = fill(url, pb, items)
        ids = [d["id"] for d in items]
        ctx = multiprocessing.get_context("fork")
        barrier, out = ctx.Barrier(CLIENTS + 1), ctx.Queue()
        slices = [ids[i::CLIENTS] for i in range(CLIENTS)]
        procs = [ctx.Process(target=_client, args=(url, pb, s, barrier, out)) for s in slices]
        for p in procs:
            p.start()
        barrier.wait(timeout=120)
        started = time.perf_counter()
        per_client = [out.get(timeout=600) for _ in procs]
        wall = time.perf_counter() - started
        for p in procs:
            p.join(timeout=60)
        with open_store(url) as store:
            assert store.verify() == [], "the benchmark's store does not verify"
            assert {d.stage for d in store.list_deals()} == {"closing"}
        return {"backend": "postgresql", "clients": CLIENTS, "deals": n,
                "created_per_s": created, "transitions_per_s": n / wall,
                "ms_per_transition_per_client": 1000 * statistics.median(per_client) / (n / CLIENTS)}  # fmt: skip
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer deals")
    parser.add_argument("--deals", type=int, default=None)
    parser.add_argument("--pg", default=None, metavar="URL")
    parser.add_argument("--profile", action="store_true")
    args, _rest = parser.parse_known_args()  # bench/run.sh passes run.py's options too
    n = args.deals or (400 if args.quick else 2000)
    pb = engine.load_playbook(str(PLAYBOOK))
    results = [sqlite_run(pb, n, args.profile, sync) for sync in ("full", "normal")]
    url = pg_url(args.pg)
    if url:
        try:
            results.append(pg_run(pb, url, n))
        except Exception as error:
            print(f"PostgreSQL skipped: {type(error).__name__}: {error}", file=sys.stderr)
    else:
        print("PostgreSQL skipped: give --pg URL or set KAM_BENCH_PG", file=sys.stderr)
    print(f"store benchmark ({os.cpu_count()} cores), {n} deals per backend:")
    for r in results:
        print(
            f"  {r['backend']:<17} {r['clients']} client(s): "
            f"{r['transitions_per_s']:,.0f} transitions/s, {r['created_per_s']:,.0f} creates/s"
        )
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / f"store-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
