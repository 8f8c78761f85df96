"""The compile cache: an unchanged playbook is not checked again; any change is noticed; a
cache entry that is not whole, not ours or not for this playbook is ignored."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest

import engine
from engine.app import cache
from engine.cli import main

from .conftest import PLAYBOOKS

AS_OF = date(2026, 3, 2)


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(PLAYBOOKS, tmp_path / "playbooks")
    return tmp_path / "playbooks"


def _forbid_checking(monkeypatch):
    import engine.check.checker

    def boom(*a, **k):
        raise AssertionError("the playbook was checked again")

    monkeypatch.setattr(engine.check.checker, "check_playbook", boom)


def _count_checks(monkeypatch) -> list[int]:
    import engine.check.checker

    calls: list[int] = []
    real = engine.check.checker.check_playbook

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(engine.check.checker, "check_playbook", counted)
    return calls


def _entries(book: Path) -> list[Path]:
    return sorted((book.parent / "cache").glob("playbook-*.json"))


def _same_as_fresh(pb: engine.Playbook, path: Path) -> None:
    """Nothing wrong was returned: the model, its files and its answers are a fresh load's."""
    fresh = engine.load_playbook(path, cache=False)
    assert pb.hash == fresh.hash
    assert pb.model == fresh.model
    assert pb.model.files == fresh.model.files
    assert pb.compiled.source == fresh.compiled.source
    if pb.id == "auto-dealer":
        deal = json.loads((PLAYBOOKS / "examples" / "needs-approvals.json").read_text())
        got, want = pb.evaluate(deal, as_of=AS_OF), fresh.evaluate(deal, as_of=AS_OF)
        assert got.to_dict() == want.to_dict()


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


def test_a_module_swapped_for_another_file_is_noticed(book):
    """Same bytes, other file: the model names the file it read, so that is a change too."""
    engine.load_playbook(book / "auto-dealer.yaml")
    modules = book / "modules"
    shutil.copy(modules / "credit-policy.yaml", book / "credit-policy-copy.yaml")
    (modules / "credit-policy.yaml").unlink()
    (modules / "credit-policy.yaml").symlink_to(book / "credit-policy-copy.yaml")
    pb = engine.load_playbook(book / "auto-dealer.yaml")
    _same_as_fresh(pb, book / "auto-dealer.yaml")


def test_a_file_saved_while_it_is_checked_is_not_stored(book, monkeypatch):
    """The entry's digests are of the files as they were read, never of a later save."""
    import engine.check.checker

    module = book / "modules" / "credit-policy.yaml"
    real = engine.check.checker.check_playbook

    def saved_meanwhile(*a, **k):
        module.write_text(module.read_text().replace("value: 90", "value: 60"))
        return real(*a, **k)

    monkeypatch.setattr(engine.check.checker, "check_playbook", saved_meanwhile)
    first = engine.load_playbook(book / "auto-dealer.yaml")
    assert first.model.parameters["overdue_block_days"].value == 90  # what was read
    monkeypatch.setattr(engine.check.checker, "check_playbook", real)
    second = engine.load_playbook(book / "auto-dealer.yaml")
    assert second.model.parameters["overdue_block_days"].value == 60


def test_every_reference_playbook_comes_back_exactly(book, monkeypatch):
    paths = sorted(book.glob("*.yaml"))
    assert len(paths) >= 4
    for path in paths:
        engine.load_playbook(path)
    calls = _count_checks(monkeypatch)
    for path in paths:
        _same_as_fresh(engine.load_playbook(path), path)
    assert len(calls) == len(paths)  # only the fresh loads above checked anything


EVERY_KIND = """\
kam: 1
id: every-kind
version: "1"
title: Every kind of value the cache writes
currency: CNY
roles:
  manager: Manager
categories:
  direct: {label: Direct}
fields:
  amount: {type: money, minimum: 0.5}
  signed: {type: date}
  tags: {type: list, items: {type: string}}
facts:
  sign:
    value: "-deal.amount if deal.amount > 10 else deal.amount"
  tier:
    table: {input: deal.amount, rows: [{below: 100, value: small}, {from: 100, value: large}]}
rules:
  - id: LISTED
    when: "deal.amount in [1, 2.5, facts.sign] or 'x' in ['y', 'z'] or not (facts.sign < -5)"
    then: approval
    role: manager
    message: "{{ facts.sign | money }} on {{ deal.signed | date }}"
  - id: DATED
    when: "days_between(deal.signed, as_of) > 30 and facts.tier == 'large'"
    then: warn
stages:
  open: {}
  done: {terminal: true}
transitions:
  - {from: open, to: done}
"""


def test_every_kind_of_value_comes_back_exactly(book, monkeypatch):
    from engine.lang import ir

    path = book / "every-kind.yaml"
    path.write_text(EVERY_KIND)
    fresh = engine.load_playbook(path, cache=False)
    kinds = {type(n).__name__ for e in _exprs(fresh.model) for n in ir.walk(e.node)}
    assert {"Neg", "Cond", "ListOf", "In", "Not"} <= kinds
    engine.load_playbook(path)
    _forbid_checking(monkeypatch)
    cached = engine.load_playbook(path)
    # == skips fields that do not take part in comparisons (a node's type, a type's limits)
    assert cache._encode(cached.model) == cache._encode(fresh.model)
    assert cached.model == fresh.model
    assert cached.compiled.source == fresh.compiled.source
    deal = {"id": "D", "category": "direct", "stage": "open", "amount": 1, "signed": "2026-01-01"}
    deal["tags"] = ["x"]
    assert (
        cached.evaluate(deal, as_of=AS_OF).to_dict() == fresh.evaluate(deal, as_of=AS_OF).to_dict()
    )


def _exprs(value, seen=None):
    """Every checked expression in a model."""
    import dataclasses

    from engine.check.model import Expr

    if isinstance(value, Expr):
        yield value
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _exprs(getattr(value, f.name))
    elif isinstance(value, (tuple, list, frozenset)):
        for item in value:
            yield from _exprs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _exprs(item)


def test_cache_can_be_switched_off(book, monkeypatch):
    monkeypatch.setenv("KAM_CACHE_DIR", "off")
    engine.load_playbook(book / "auto-dealer.yaml")
    assert cache.folder() is None
    assert not (book.parent / "cache").exists()


def test_the_platforms_cache_folder_by_default(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.delenv("KAM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == Path(platformdirs.user_cache_dir("kam", appauthor=False))
    if sys.platform.startswith("linux"):
        assert cache.folder() == tmp_path / "xdg" / "kam"


def test_a_folder_others_may_write_is_never_read(book, monkeypatch):
    engine.load_playbook(book / "auto-dealer.yaml")
    os.chmod(book.parent / "cache", 0o777)
    assert cache.lookup(str(book / "auto-dealer.yaml")) is None


def test_entries_are_json_not_pickles(book):
    """Reading an entry can never run code: it is JSON of plain values."""
    engine.load_playbook(book / "auto-dealer.yaml")
    (entry,) = _entries(book)
    magic, mac, payload = entry.read_bytes().split(b"\n", 2)
    assert magic == b"kam-cache 2"
    assert re.fullmatch(rb"[0-9a-f]{64}", mac)
    assert json.loads(payload)["model"]["value"][0] == "PlaybookModel"
    assert not list((book.parent / "cache").glob("*.pickle"))


def _docs_defined_in(runner, path: Path) -> set[str]:
    result = runner.invoke(main, ["docs", str(path), "--format", "md"])
    assert result.exit_code == 0, result.output
    # the authors' appendix: "| kind | name | `ID` | `FILE:LINE` |"
    rows = [line for line in result.output.splitlines() if line.count("|") >= 3]
    cells = [row.rsplit("|", 2)[1].strip().strip("`") for row in rows]
    return {cell.rsplit(":", 1)[0] for cell in cells if re.search(r"\.yaml:\d+$", cell)}


def _coverage(runner, folder: Path) -> str:
    result = runner.invoke(main, ["test", str(folder), "--coverage"])
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("coverage:")]
    return line


def test_two_checkouts_of_one_playbook_keep_their_own_paths(tmp_path, monkeypatch):
    """Two copies of the playbooks folder at different paths, one cache: `kam test
    --coverage` passes in both, and `kam docs` names each checkout's own files."""
    from click.testing import CliRunner

    monkeypatch.setenv("KAM_CACHE_DIR", str(tmp_path / "cache"))
    one, two = tmp_path / "one" / "playbooks", tmp_path / "two" / "playbooks"
    shutil.copytree(PLAYBOOKS, one)
    shutil.copytree(PLAYBOOKS, two)
    runner = CliRunner()
    full = _coverage(runner, one)
    assert _coverage(runner, two) == full
    assert _coverage(runner, one) == full  # from the cache, with its own paths
    assert _coverage(runner, two) == full
    for here, there in ((one, two), (two, one)):
        paths = _docs_defined_in(runner, here / "auto-dealer.yaml")
        assert paths, "the handbook lists where each setting is defined"
        assert all(p.lstrip("/").startswith(str(here).lstrip("/")) for p in paths), paths
        assert not any(str(there).lstrip("/") in p for p in paths)
    for book in (one, two):
        _same_as_fresh(engine.load_playbook(book / "auto-dealer.yaml"), book / "auto-dealer.yaml")


def test_two_checkouts_from_their_own_folders_in_real_processes(tmp_path):
    """The issue's reproduction: `kam test --coverage` in one checkout, then the other."""
    env = {**os.environ, "KAM_CACHE_DIR": str(tmp_path / "cache")}
    other = tmp_path / "copy" / "playbooks"
    shutil.copytree(PLAYBOOKS, other)
    kam = [sys.executable, "-m", "engine", "test", "--coverage"]
    outputs = []
    for folder, where in ((other, "/"), (PLAYBOOKS, PLAYBOOKS.parent), (other, "/")):
        run = subprocess.run(
            [*kam, str(folder)], cwd=where, env=env, capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, run.stdout + run.stderr
        outputs.append(re.findall(r"coverage: .*", run.stdout))
    assert outputs[0] == outputs[1] == outputs[2]


def _writer(folder: str, book: str, cache_dir: str, barrier, rounds: int) -> None:
    """One process: load its checkout's playbook again and again, storing and reading the
    one entry the other processes write too; exits 1 if it ever got a wrong playbook."""
    os.environ["KAM_CACHE_DIR"] = cache_dir
    os.chdir(folder)
    import engine as kam
    from engine.app import cache as store

    fresh = kam.load_playbook(book, cache=False)
    read = {f: Path(f).read_text(encoding="utf-8").splitlines() for f in fresh.model.files}
    barrier.wait()
    for _ in range(rounds):
        store.store(book, fresh.model, fresh.hash, read)
        got = kam.load_playbook(book)
        if got.model != fresh.model or got.model.files != fresh.model.files:
            sys.exit(1)


def test_processes_writing_one_entry_at_once(tmp_path, monkeypatch):
    """Four real processes, two checkouts, one cache: every load is its own checkout's."""
    cache_dir = str(tmp_path / "cache")
    checkouts = []
    for name in ("one", "two"):
        shutil.copytree(PLAYBOOKS, tmp_path / name / "playbooks")
        checkouts.append(str(tmp_path / name))
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    # the same path as given from the same folder is one entry: two writers per entry
    workers = [
        ctx.Process(
            target=_writer,
            args=(folder, "playbooks/auto-dealer.yaml", cache_dir, barrier, 15),
        )
        for folder in checkouts * 2
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert not list(Path(cache_dir).glob(".tmp-*"))  # no half-written file left behind
    assert len(list(Path(cache_dir).glob("playbook-*.json"))) == 2
    monkeypatch.setenv("KAM_CACHE_DIR", cache_dir)
    for folder in checkouts:
        monkeypatch.chdir(folder)
        calls = _count_checks(monkeypatch)
        pb = engine.load_playbook("playbooks/auto-dealer.yaml")
        assert not calls  # both entries were left whole
        _same_as_fresh(pb, Path("playbooks/auto-dealer.yaml"))


@pytest.fixture
def read_only(monkeypatch):
    """Makes a folder read-only. Permissions do not bind root, so for root writing into it
    also fails the way a read-only folder (or file system) makes it fail."""

    def make(folder: Path) -> None:
        os.chmod(folder, 0o500)
        probe = folder / "probe"
        try:
            probe.write_text("")
        except OSError:
            return
        probe.unlink()
        real = tempfile.mkstemp

        def refused(*a, dir=None, **k):
            if dir is not None and Path(dir).resolve() == folder.resolve():
                raise PermissionError(13, "Read-only folder", str(dir))
            return real(*a, dir=dir, **k)

        monkeypatch.setattr(tempfile, "mkstemp", refused)

    return make


def test_a_read_only_folder_is_read_and_never_written(book, read_only, monkeypatch):
    engine.load_playbook(book / "auto-dealer.yaml")
    before = {p.name: p.read_bytes() for p in (book.parent / "cache").iterdir()}
    read_only(book.parent / "cache")
    try:
        calls = _count_checks(monkeypatch)
        _same_as_fresh(engine.load_playbook(book / "auto-dealer.yaml"), book / "auto-dealer.yaml")
        assert len(calls) == 1  # the fresh load in _same_as_fresh; the first came from the cache
        module = book / "modules" / "credit-policy.yaml"
        module.write_text(module.read_text().replace("value: 90", "value: 60"))
        pb = engine.load_playbook(book / "auto-dealer.yaml")  # rebuilt; cannot be stored
        assert pb.model.parameters["overdue_block_days"].value == 60
        engine.load_playbook(book / "enterprise-sales.yaml")
        after = {p.name: p.read_bytes() for p in (book.parent / "cache").iterdir()}
        assert after == before
    finally:
        os.chmod(book.parent / "cache", 0o700)


def test_a_read_only_folder_without_entries_just_loads(book, read_only):
    (book.parent / "cache").mkdir(mode=0o700)
    read_only(book.parent / "cache")
    try:
        _same_as_fresh(engine.load_playbook(book / "auto-dealer.yaml"), book / "auto-dealer.yaml")
        assert not list((book.parent / "cache").iterdir())
    finally:
        os.chmod(book.parent / "cache", 0o700)


def _damaged_entry_is_ignored(book, monkeypatch, damage) -> None:
    engine.load_playbook(book / "auto-dealer.yaml")
    (entry,) = _entries(book)
    entry.write_bytes(damage(entry.read_bytes()))
    calls = _count_checks(monkeypatch)
    pb = engine.load_playbook(book / "auto-dealer.yaml")
    assert len(calls) == 1  # rebuilt
    _same_as_fresh(pb, book / "auto-dealer.yaml")
    again = engine.load_playbook(book / "auto-dealer.yaml")  # and stored whole again
    assert len(calls) == 2  # (the fresh load in _same_as_fresh)
    assert again.model == pb.model


def test_a_truncated_entry_is_ignored(book, monkeypatch):
    _damaged_entry_is_ignored(book, monkeypatch, lambda data: data[: len(data) // 2])


def test_an_empty_entry_is_ignored(book, monkeypatch):
    _damaged_entry_is_ignored(book, monkeypatch, lambda data: b"")


def test_a_garbage_entry_is_ignored(book, monkeypatch):
    _damaged_entry_is_ignored(book, monkeypatch, lambda data: os.urandom(len(data)))


def test_an_altered_entry_is_ignored(book, monkeypatch):
    """Valid JSON, whole, but not what this engine wrote: the seal does not match."""

    def alter(data: bytes) -> bytes:
        payload = data.split(b"\n", 2)[2]
        altered = payload.replace(b"overdue_block_days", b"overdue_block_dayz")
        assert altered != payload
        json.loads(altered)
        return data[: len(data) - len(payload)] + altered

    _damaged_entry_is_ignored(book, monkeypatch, alter)


def test_an_entry_with_a_recomputed_plain_checksum_is_ignored(book, monkeypatch):
    """The seal is keyed: recomputing a plain sha256 over altered content does not pass."""
    import hashlib

    def alter(data: bytes) -> bytes:
        payload = data.split(b"\n", 2)[2].replace(b"credit-policy", b"credit-polisy")
        return b"kam-cache 2\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload

    _damaged_entry_is_ignored(book, monkeypatch, alter)


def test_an_entry_moved_to_another_playbooks_name_is_ignored(book, monkeypatch):
    engine.load_playbook(book / "auto-dealer.yaml")
    (dealer,) = _entries(book)
    engine.load_playbook(book / "enterprise-sales.yaml")
    (sales,) = set(_entries(book)) - {dealer}
    dealer_data, sales_data = dealer.read_bytes(), sales.read_bytes()
    dealer.write_bytes(sales_data)
    sales.write_bytes(dealer_data)
    calls = _count_checks(monkeypatch)
    _same_as_fresh(engine.load_playbook(book / "auto-dealer.yaml"), book / "auto-dealer.yaml")
    _same_as_fresh(
        engine.load_playbook(book / "enterprise-sales.yaml"), book / "enterprise-sales.yaml"
    )
    assert len(calls) == 4  # both rebuilt (and both loaded fresh to compare)


@pytest.mark.parametrize("damage", ["truncated", "others may write it"])
def test_a_damaged_key_is_made_again(book, monkeypatch, damage):
    engine.load_playbook(book / "auto-dealer.yaml")
    key = book.parent / "cache" / "key"
    if damage == "truncated":
        key.write_bytes(key.read_bytes()[:5])
    else:
        os.chmod(key, 0o666)
    calls = _count_checks(monkeypatch)
    engine.load_playbook(book / "auto-dealer.yaml")  # not ours any more: rebuilt, sealed anew
    _same_as_fresh(engine.load_playbook(book / "auto-dealer.yaml"), book / "auto-dealer.yaml")
    assert len(calls) == 2  # the rebuild and the fresh load; the last load was a hit
    assert len(key.read_bytes()) == 32
    assert not os.stat(key).st_mode & 0o077


def _reseal(book: Path, change) -> None:
    """Alter the entry's data and seal it again with the folder's own key."""
    (entry,) = _entries(book)
    data = json.loads(entry.read_bytes().split(b"\n", 2)[2])
    change(data["model"])
    key = (book.parent / "cache" / "key").read_bytes()
    entry.write_bytes(cache._seal(key, json.dumps(data).encode()))


def _walk(value, found):
    if isinstance(value, dict):
        value = list(value.values())
    elif isinstance(value, list):
        found(value)
    else:
        return
    for item in value:
        _walk(item, found)


@pytest.mark.parametrize(
    "what",
    [
        "Get root",
        "Compare op",
        "fact name",
        "type limit",
        "unknown class",
        "builtin name",
        "JSON object",
        "shared index",
    ],
)
def test_a_sealed_entry_still_cannot_become_code(book, monkeypatch, tmp_path, what):
    """Even an entry sealed with the folder's key (by someone who read it) only ever builds
    the engine's own classes, with names where code generation writes names."""
    marker = tmp_path / "ran"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    engine.load_playbook(book / "auto-dealer.yaml")

    def change(model) -> None:
        def found(node: list) -> None:
            if what == "Get root" and node[0] == "Get":
                node[3] = code
            elif what == "fact name" and node[0] == "Get" and node[3] == "facts":
                node[4] = ["T", f"x is None or {code} or x"]
            elif what == "Compare op" and node[0] == "Compare":
                node[3] = f"== {code} =="
            elif what == "type limit" and node[:2] == ["T", "maxLength"]:
                node[2] = f"0 or {code}"
            elif what == "unknown class" and node[0] == "Label":
                node[0] = "Popen"
            elif what == "builtin name" and node[0] == "Label":
                node[0] = "__class__"
            elif what == "JSON object" and node[0] == "Label":
                node[1] = {"en": code}
            elif what == "shared index" and node[0] == "S":
                node[1] = -1

        _walk(model, found)

    _reseal(book, change)
    assert not marker.exists()
    calls = _count_checks(monkeypatch)
    pb = engine.load_playbook(book / "auto-dealer.yaml")
    assert len(calls) == 1  # the entry was refused and the playbook rebuilt
    _same_as_fresh(pb, book / "auto-dealer.yaml")  # (evaluates a deal)
    assert not marker.exists()


def test_a_sealed_entry_that_does_not_compile_is_rebuilt(book, monkeypatch):
    engine.load_playbook(book / "auto-dealer.yaml")

    def change(model) -> None:
        def found(node: list) -> None:
            if node[0] == "Call":
                node[3] = "chain_status" if node[3] != "chain_status" else "len"
                node[4] = ["T"]

        _walk(model, found)

    _reseal(book, change)
    calls = _count_checks(monkeypatch)
    _same_as_fresh(engine.load_playbook(book / "auto-dealer.yaml"), book / "auto-dealer.yaml")
    assert len(calls) == 2  # rebuilt, and the fresh load it is compared with


def test_cached_and_fresh_playbooks_give_the_same_results(book):
    deal = json.loads((PLAYBOOKS / "examples" / "needs-approvals.json").read_text())
    fresh = engine.load_playbook(book / "auto-dealer.yaml", cache=False)
    engine.load_playbook(book / "auto-dealer.yaml")
    cached = engine.load_playbook(book / "auto-dealer.yaml")
    assert (
        cached.evaluate(deal, as_of=AS_OF).to_dict() == fresh.evaluate(deal, as_of=AS_OF).to_dict()
    )


def test_a_cached_playbook_writes_plain_messages_without_jinja2(book, tmp_path):
    """From the cache, a deal whose messages are all plain never imports jinja2 (~35 ms)."""
    # within the first discount tier: DISCOUNT's message has a condition (the bid award)
    data = json.loads((book / "examples" / "system-purchasing-units.json").read_text("utf-8"))
    data["lines"][0]["unit_price"] = 216600  # 5% off 228,000
    (tmp_path / "plain.json").write_text(json.dumps(data), "utf-8")
    script = (
        "import sys, datetime, engine\n"
        "from engine.run.deal import read_deal\n"
        f"pb = engine.load_playbook({str(book / 'auto-dealer.yaml')!r})\n"
        f"deal = read_deal({str(tmp_path / 'plain.json')!r})\n"
        "result = pb.evaluate(deal, as_of=datetime.date(2026, 3, 2))\n"
        "found = (*result.violations, *result.approvals, *result.actions)\n"
        "written = [str(o.message) for o in found]\n"
        "print(len(written), 'jinja2' in sys.modules)\n"
    )
    env = {**os.environ, "KAM_CACHE_DIR": str(tmp_path / "cache")}
    run = [sys.executable, "-c", script]
    first = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split() == ["1", "True"]  # checking the playbook parses its templates
    second = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    assert second.stdout.split() == ["1", "False"]


# -- links retargeted, and what is planted in the folder ------------------------------------


@pytest.mark.parametrize("link", ["the module", "its folder"])
def test_a_retargeted_link_is_noticed_even_when_the_old_target_is_still_there(book, link):
    """The cache named the files it read by where they led, so after `modules` was pointed
    at another folder the old files were still there, unchanged, and the cached run said
    NEEDS APPROVAL where a fresh run said BLOCKED. Each include as written is kept with the
    file it led to."""
    modules = book / "modules"
    old, new = book / "modules-old", book / "modules-new"
    shutil.copytree(modules, old)
    shutil.copytree(modules, new)
    policy = new / "credit-policy.yaml"
    policy.write_text(policy.read_text().replace("value: 90", "value: 60"))
    if link == "its folder":
        shutil.rmtree(modules)
        modules.symlink_to(old.name)
    else:
        (modules / "credit-policy.yaml").unlink()
        (modules / "credit-policy.yaml").symlink_to(old / "credit-policy.yaml")
    first = engine.load_playbook(book / "auto-dealer.yaml")
    assert first.model.parameters["overdue_block_days"].value == 90
    assert engine.load_playbook(book / "auto-dealer.yaml").hash == first.hash  # a hit
    if link == "its folder":
        modules.unlink()
        modules.symlink_to(new.name)
    else:
        (modules / "credit-policy.yaml").unlink()
        (modules / "credit-policy.yaml").symlink_to(policy)
    again = engine.load_playbook(book / "auto-dealer.yaml")
    assert again.model.parameters["overdue_block_days"].value == 60
    _same_as_fresh(again, book / "auto-dealer.yaml")


def test_an_entry_that_is_a_link_out_of_the_folder_is_never_read(book, monkeypatch, tmp_path):
    """An entry leading outside the cache folder (a planted link) is refused, whatever it
    holds: even a whole, correctly sealed entry of this very playbook."""
    engine.load_playbook(book / "auto-dealer.yaml")
    (entry,) = _entries(book)
    outside = tmp_path / "outside.json"
    outside.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(outside)
    calls = _count_checks(monkeypatch)
    engine.load_playbook(book / "auto-dealer.yaml")
    assert len(calls) == 1  # not read: checked again (and the entry written anew, in place)
    assert not entry.is_symlink()


def test_a_pipe_planted_as_an_entry_does_not_hang_the_load(book, tmp_path):
    """Reading a pipe waits for a writer that never comes; in a process of its own, so that
    a regression fails this test instead of hanging the suite."""
    engine.load_playbook(book / "auto-dealer.yaml")
    (entry,) = _entries(book)
    entry.unlink()
    os.mkfifo(entry)
    code = "import engine, sys; print(engine.load_playbook(sys.argv[1]).id)"
    done = subprocess.run(
        [sys.executable, "-c", code, str(book / "auto-dealer.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "auto-dealer\n"


@pytest.mark.parametrize("how", ["readable by others", "a link to a key elsewhere"])
def test_a_key_that_is_not_secret_seals_nothing(book, monkeypatch, tmp_path, how):
    """Decided: a key others can read (or one reached through a link) is not ours alone, so
    an entry sealed with it proves nothing. It is replaced, and its entries are rebuilt."""
    engine.load_playbook(book / "auto-dealer.yaml")
    key = book.parent / "cache" / "key"
    known = key.read_bytes()
    if how == "readable by others":
        os.chmod(key, 0o644)
    else:
        elsewhere = tmp_path / "planted-key"
        elsewhere.write_bytes(known)
        os.chmod(elsewhere, 0o600)
        key.unlink()
        key.symlink_to(elsewhere)
    calls = _count_checks(monkeypatch)
    engine.load_playbook(book / "auto-dealer.yaml")
    assert len(calls) == 1  # the entry sealed with that key was not trusted
    assert not key.is_symlink()
    assert key.read_bytes() != known
    assert not os.stat(key).st_mode & 0o077
