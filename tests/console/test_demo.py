"""``kam demo``: the examples into the store, once; again adds nothing and says so."""

from __future__ import annotations

from pathlib import Path

from engine.cli import main
from engine.store import open_store

from ..conftest import ROOT


def test_kam_demo_loads_the_examples_and_running_it_again_adds_nothing(runner, tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'kam.db'}"
    args = ["demo", "--db", db, "--from", str(ROOT), "--as-of", "2026-03-02"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "added deal DE-2026-031" in first.output
    assert "already there" not in first.output
    with open_store(db) as store:
        assert len(store.list_deals()) == 5
        assert {u["name"] for u in store.list_users()} >= {"li.na", "zhao.lei", "wang.fang"}
        statuses = {d.id: d.status for d in store.list_deals()}
    assert statuses["DE-2026-031"] == "needs_approval"
    again = runner.invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "added" not in again.output
    assert "already there, left as it is: user li.na" in again.output
    tokens = [line.split()[1] for line in again.output.splitlines() if line.startswith("  ")]
    with open_store(db) as store:
        assert len(store.list_deals()) == 5
        assert [store.user_for_token(t)["name"] for t in tokens][:2] == ["li.na", "wang.qiang"]


def test_kam_demo_outside_a_checkout_says_where_to_run_it(runner, tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'kam.db'}"
    r = runner.invoke(main, ["demo", "--db", db, "--from", str(tmp_path)])
    assert r.exit_code == 2
    assert "run it in the folder you cloned kam into" in r.output
    assert "Traceback" not in r.output


def test_kam_demo_on_a_later_day_pins_the_version_in_force_then(runner, tmp_path: Path):
    """The review (item 7): --as-of 2026-11-30 exited 1, a code demo does not document, because
    the examples' file (2026.1) had ended: the demo now takes the version in force that day."""
    db = f"sqlite:///{tmp_path / 'kam.db'}"
    r = runner.invoke(main, ["demo", "--db", db, "--from", str(ROOT), "--as-of", "2026-11-30"])
    assert r.exit_code == 0, r.output
    with open_store(db) as store:
        assert {d.playbook_version for d in store.list_deals()} == {"2026.2"}


def test_kam_demo_on_a_day_no_version_covers_is_bad_input(runner, tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'kam.db'}"
    r = runner.invoke(main, ["demo", "--db", db, "--from", str(ROOT), "--as-of", "2025-11-30"])
    assert r.exit_code == 2, r.output
    assert "no version of auto-dealer is in force on 2025-11-30" in r.output
