"""The compile cache: an unchanged playbook is not checked again; any change is noticed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

import engine
from engine import cache

from .conftest import PLAYBOOKS


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(PLAYBOOKS, tmp_path / "playbooks")
    return tmp_path / "playbooks"


def _forbid_checking(monkeypatch):
    import engine.check

    def boom(*a, **k):
        raise AssertionError("the playbook was checked again")

    monkeypatch.setattr(engine.check, "check_playbook", boom)


def test_an_unchanged_playbook_comes_from_the_cache(book, monkeypatch):
    first = engine.load_playbook(book / "auto-dealer.yaml")
    _forbid_checking(monkeypatch)
    second = engine.load_playbook(book / "auto-dealer.yaml")
    assert second.hash == first.hash
    assert second.model.id == "auto-dealer"


def test_a_changed_module_is_noticed(book, monkeypatch):
    first = engine.load_playbook(book / "auto-dealer.yaml")
    module = book / "modules" / "credit-policy.yaml"
    module.write_text(module.read_text().replace("value: 90", "value: 60"))
    second = engine.load_playbook(book / "auto-dealer.yaml")
    assert second.hash != first.hash
    assert second.model.parameters["overdue_block_days"].value == 60


def test_cache_can_be_switched_off(book, monkeypatch):
    monkeypatch.setenv("KAM_CACHE_DIR", "off")
    engine.load_playbook(book / "auto-dealer.yaml")
    assert cache.folder() is None
    assert not (book.parent / "cache").exists()


def test_a_folder_others_may_write_is_never_read(book, monkeypatch):
    engine.load_playbook(book / "auto-dealer.yaml")
    os.chmod(book.parent / "cache", 0o777)
    assert cache.lookup(str(book / "auto-dealer.yaml")) is None


def test_a_damaged_entry_falls_back_to_a_normal_load(book):
    engine.load_playbook(book / "auto-dealer.yaml")
    for entry in (book.parent / "cache").glob("model-*.pickle"):
        entry.write_bytes(b"not a pickle")
    pb = engine.load_playbook(book / "auto-dealer.yaml")
    assert pb.model.id == "auto-dealer"


def test_cached_and_fresh_playbooks_give_the_same_results(book):
    import json
    from datetime import date

    deal = json.loads((PLAYBOOKS / "examples" / "needs-approvals.json").read_text())
    fresh = engine.load_playbook(book / "auto-dealer.yaml", cache=False)
    engine.load_playbook(book / "auto-dealer.yaml")
    cached = engine.load_playbook(book / "auto-dealer.yaml")
    assert (
        cached.evaluate(deal, as_of=date(2026, 3, 2)).to_dict()
        == fresh.evaluate(deal, as_of=date(2026, 3, 2)).to_dict()
    )


def test_a_cached_playbook_writes_plain_messages_without_jinja2(book, tmp_path):
    """From the cache, a deal whose messages are all plain never imports jinja2 (~35 ms)."""
    script = (
        "import sys, datetime, engine\n"
        "from engine.deal import read_deal\n"
        f"pb = engine.load_playbook({str(book / 'auto-dealer.yaml')!r})\n"
        f"deal = read_deal({str(book / 'examples' / 'system-purchasing-units.json')!r})\n"
        "result = pb.evaluate(deal, as_of=datetime.date(2026, 3, 2))\n"
        "found = (*result.violations, *result.approvals, *result.actions)\n"
        "written = [str(o.message) for o in found]\n"
        "print(len(written), 'jinja2' in sys.modules)\n"
    )
    env = {**os.environ, "KAM_CACHE_DIR": str(tmp_path / "cache")}
    run = [sys.executable, "-c", script]
    first = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split() == ["2", "True"]  # checking the playbook parses its templates
    second = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    assert second.stdout.split() == ["2", "False"]
