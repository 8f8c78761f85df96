"""`kam batch`: one result line per deal, in order; bad lines never stop the batch; every
worker checks the playbook the command loaded; a summary at the end; a progress bar on a
terminal only."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import engine.app.batch
import engine.app.files
import engine.app.progress
from engine.cli import main

from .conftest import AUTO_DEALER, BASE_DEAL, FIXTURES, PLAYBOOKS, ROOT

GOLDEN = FIXTURES / "batch"
AS_OF = ["--as-of", "2026-03-02"]


@pytest.fixture
def deals_file(tmp_path):
    lines = []
    for i in range(30):
        deal = json.loads(json.dumps(BASE_DEAL))
        deal["id"] = f"B-{i}"
        deal["lines"][0]["unit_price"] = 80 + i
        lines.append(json.dumps(deal))
    lines.insert(5, "")  # blank lines are skipped
    lines.insert(10, "{not json")
    lines.insert(15, json.dumps({"id": "X", "category": "nope", "stage": "visit"}))
    lines.insert(20, '{"id": "Y", "id": "Z", "category": "direct_enterprise", "stage": "visit"}')
    path = tmp_path / "deals.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def examples_jsonl(folder: Path, copies: int = 1) -> Path:
    """The auto-dealer example deals of playbooks/examples as JSON lines, and one bad line."""
    deals = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((PLAYBOOKS / "examples").glob("*.json"))
        if ".result." not in p.name
    ]
    lines = [json.dumps(d, ensure_ascii=False) for _ in range(copies) for d in deals]
    lines.append('{"id": "BAD", "category": "direct_enterprise", "stage": "visit", "lines": NaN}')
    path = folder / "examples.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def batch_args(deals, *more, playbook=AUTO_DEALER):
    return ["batch", str(deals), "-p", str(playbook), *AS_OF, *map(str, more)]


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_checks_every_line_in_order(runner, deals_file, tmp_path, workers):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, batch_args(deals_file, "-w", workers, "-o", out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 33
    assert [r["line"] for r in rows] == sorted(r["line"] for r in rows)
    errors = [r for r in rows if "error" in r]
    assert [(r["line"], r["error"]) for r in errors] == [(11, "deal"), (16, "deal"), (21, "deal")]
    assert errors[0]["problems"] == [
        {
            "path": "$",
            "message": f"{deals_file}:11:2: not valid JSON: "
            "Expecting property name enclosed in double quotes",
        }
    ]
    assert errors[1]["problems"][0]["path"] == "$.category"
    assert errors[2]["problems"] == [{"path": "$.id", "message": "duplicate key"}]
    assert result.stderr.strip().startswith("33 deals: bad_input 3, needs_approval 15, ok 15\n")


BAD_DEALS = {
    "nan": '{"id": "N", "category": "direct_enterprise", "stage": "visit", "lines": NaN}',
    "huge-int": '{"id": "H", "category": "direct_enterprise", "stage": "visit", "lines": '
    '[{"quantity": ' + "9" * 40 + "}]}",
    "duplicate": '{"id": "D", "id": "E", "category": "direct_enterprise", "stage": "visit"}',
    "invisible": '{"id": "I\u200b", "category": "direct_enterprise", "stage": "visit"}',
    "not-a-deal": "[1, 2]",
}


@pytest.mark.parametrize("name", sorted(BAD_DEALS))
def test_a_bad_line_gets_the_problems_kam_validate_gives(runner, tmp_path, name):
    text = BAD_DEALS[name]
    path = tmp_path / "deals.jsonl"
    path.write_text(json.dumps(BASE_DEAL) + "\n" + text + "\n", encoding="utf-8")
    result = runner.invoke(main, batch_args(path))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    single = runner.invoke(
        main, ["validate", "-", "-p", str(AUTO_DEALER), *AS_OF, "--format", "json"], input=text
    )
    assert single.exit_code == 2
    expected = json.loads(single.stdout)
    assert rows[0]["status"] == "ok"
    assert rows[1]["line"] == 2
    assert rows[1]["error"] == expected["error"]
    assert rows[1]["problems"] == expected["problems"]


def test_bad_bytes_and_an_endless_line_are_error_lines(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(engine.app.batch, "MAX_LINE", 2000)
    deal = json.dumps(BASE_DEAL).encode()
    path = tmp_path / "deals.jsonl"
    path.write_bytes(b"\n".join([deal, b'{"id": "\xff"}', b"[" + b" " * 5000 + b"]", deal]) + b"\n")
    result = runner.invoke(main, batch_args(path))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("status") or r["error"] for r in rows] == ["ok", "deal", "input", "ok"]
    assert rows[1]["problems"] == [
        {"path": "$", "message": f"{path}:2:9: not valid UTF-8 text (byte 8 is 0xff)"}
    ]
    assert rows[2] == {"line": 3, "error": "input", "message": rows[2]["message"]}
    assert "longer than 2,000 bytes" in rows[2]["message"]
    assert rows[3]["line"] == 4


def test_batch_results_match_validate(runner, deals_file, tmp_path):
    out = tmp_path / "out.jsonl"
    runner.invoke(main, batch_args(deals_file, "-o", out, "--full"))
    first = json.loads(out.read_text().splitlines()[0])
    deal = json.loads(deals_file.read_text().splitlines()[0])
    single = runner.invoke(
        main,
        ["validate", "-", "-p", str(AUTO_DEALER), *AS_OF, "--format", "json"],
        input=json.dumps(deal),
    )
    assert {k: v for k, v in first.items() if k != "line"} == json.loads(single.stdout)


def test_batch_from_stdin_to_stdout_keeps_stdout_for_results(runner):
    deal = json.dumps(BASE_DEAL)
    result = runner.invoke(main, batch_args("-"), input=deal + "\n" + deal + "\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert result.stderr.startswith("2 deals: ok 2\n")
    assert "Pipeline by stage" in result.stderr


def test_batch_with_a_bad_playbook_exits_2(runner, deals_file):
    result = runner.invoke(
        main, ["batch", str(deals_file), "-p", "tests/fixtures/invalid/unknown-stage.yaml"]
    )
    assert result.exit_code == 2


def test_batch_never_leaves_half_a_file(runner, deals_file, tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine.app.batch, "run", boom)
    out, summary = tmp_path / "out.jsonl", tmp_path / "summary.json"
    result = runner.invoke(main, batch_args(deals_file, "-o", out, "--summary-json", summary))
    assert result.exit_code == 4
    assert not out.exists()
    assert not summary.exists()
    assert list(tmp_path.glob(".kam-batch-*")) == []


@pytest.mark.parametrize("option", ["-o", "--summary-json"])
def test_an_output_that_cannot_be_written_is_refused_first(runner, deals_file, tmp_path, option):
    result = runner.invoke(main, batch_args(deals_file, option, tmp_path / "no" / "such.json"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'no' / 'such.json'}: cannot write there (no such folder, or not allowed)"
    ]
    assert result.stdout == ""


def test_unreadable_deals_are_bad_input(runner, tmp_path):
    result = runner.invoke(main, batch_args(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    result = runner.invoke(main, batch_args(tmp_path))
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


# -- every worker checks the playbook the command loaded ------------------------------------


class Hooked(io.RawIOBase):
    """A deals file that does something (once) when the batch reads a given line: the
    deterministic way to act in the middle of a run."""

    def __init__(self, path: Path, at: int, action) -> None:
        self.fh = open(path, "rb")  # noqa: SIM115 - closed in close()
        self.at, self.action, self.lines = at, action, 0

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        line = self.fh.readline(size)
        if line.endswith(b"\n"):
            self.lines += 1
            if self.lines == self.at:
                self.action()
        return line

    def close(self) -> None:
        self.fh.close()
        super().close()


def hook(monkeypatch, at: int, action) -> None:
    monkeypatch.setattr(engine.app.batch, "CHUNK", 5)  # many chunks, workers busy early
    monkeypatch.setattr(engine.app.batch, "open_deals", lambda path: Hooked(Path(path), at, action))


def copy_dealer(folder: Path) -> Path:
    shutil.copy(AUTO_DEALER, folder / AUTO_DEALER.name)
    shutil.copytree(PLAYBOOKS / "modules", folder / "modules")
    return folder / AUTO_DEALER.name


def raise_kam_tier(playbook: Path) -> None:
    text = playbook.read_text(encoding="utf-8")
    edited = text.replace("  discount_kam:\n    value: 5%", "  discount_kam:\n    value: 9%")
    assert edited != text
    playbook.write_text(edited, encoding="utf-8")


@pytest.mark.parametrize("change", ["edit", "delete", "garble"])
def test_workers_check_the_playbook_the_command_loaded(runner, tmp_path, monkeypatch, change):
    playbook = copy_dealer(tmp_path)
    deals = examples_jsonl(tmp_path, copies=8)
    before = runner.invoke(main, batch_args(deals, "--full", playbook=playbook))
    assert before.exit_code == 0, before.output
    actions = {
        "edit": lambda: raise_kam_tier(playbook),
        "delete": playbook.unlink,
        "garble": lambda: playbook.write_text("id: [unclosed\n"),
    }
    hook(monkeypatch, 2, actions[change])  # after the command loaded it, before any worker
    during = runner.invoke(main, batch_args(deals, "--full", "-w", 2, playbook=playbook))
    assert during.exit_code == 0, during.output
    assert during.stdout == before.stdout  # every verdict, message and hash as loaded
    hashes = {
        json.loads(line).get("playbook", {}).get("hash") for line in during.stdout.splitlines()
    }
    assert len(hashes - {None}) == 1
    if change == "edit":  # the edit does change verdicts: this test would see mixed ones
        monkeypatch.undo()
        after = runner.invoke(main, batch_args(deals, "--full", playbook=playbook))
        assert after.stdout != before.stdout


def kill_a_worker() -> None:
    worker = multiprocessing.active_children()[0]
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(5)


def test_a_killed_worker_is_one_clear_line_not_a_traceback(runner, tmp_path, monkeypatch):
    deals = examples_jsonl(tmp_path, copies=40)
    out = tmp_path / "out.jsonl"
    hook(monkeypatch, 12, kill_a_worker)  # workers started with the first chunk (line 5)
    result = runner.invoke(main, batch_args(deals, "-w", 2, "-o", out))
    assert result.exit_code == 130
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "a worker process was stopped by SIGKILL (out of memory, or killed); "
    )
    assert lines[0].endswith(f"; {out} was not written")
    assert not out.exists()
    assert list(tmp_path.glob(".kam-batch-*")) == []


def test_a_worker_that_cannot_compile_says_so_in_one_line(monkeypatch, auto_dealer):
    from datetime import date

    job = engine.app.batch.Job(
        auto_dealer.model, auto_dealer.hash, date(2026, 3, 2), "en", False, "x"
    )

    def broken(*a, **k):
        raise ValueError("no code")

    monkeypatch.setattr("engine.compile.build.compile_model", broken)
    monkeypatch.setattr(engine.app.batch, "_WORKER", {})
    before = signal.getsignal(signal.SIGINT)
    try:
        engine.app.batch._start_worker(job)  # never raises: the pool would print a traceback
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # Ctrl-C: the parent's
    finally:
        signal.signal(signal.SIGINT, before)
    with pytest.raises(
        RuntimeError, match=r"^a worker could not compile the playbook: ValueError: no code$"
    ):
        engine.app.batch._worker_chunk([(1, b"{}")])


# -- summary -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary_golden(runner, tmp_path, regen, lang, auto_dealer):
    deals = examples_jsonl(tmp_path)
    summary = tmp_path / "summary.json"
    result = runner.invoke(
        main, batch_args(deals, "--lang", lang, "-w", 2, "--summary-json", summary)
    )
    assert result.exit_code == 0, result.output
    text, data = GOLDEN / f"summary.{lang}.txt", GOLDEN / "summary.json"
    # the playbook's hash changes with every edit of it; the examples' goldens hold it
    written = summary.read_text(encoding="utf-8").replace(auto_dealer.hash, "<hash>")
    if regen:
        GOLDEN.mkdir(exist_ok=True)
        text.write_text(result.stderr, encoding="utf-8")
        data.write_text(written, encoding="utf-8")
    assert result.stderr == text.read_text(encoding="utf-8")
    assert written == data.read_text(encoding="utf-8")
    assert [json.loads(line)["line"] for line in result.stdout.splitlines()] == list(range(1, 7))


def test_summary_adds_up_exactly(runner, tmp_path):
    deals = examples_jsonl(tmp_path, copies=3)
    full = runner.invoke(main, batch_args(deals, "--full", "--summary-json", tmp_path / "s.json"))
    data = json.loads((tmp_path / "s.json").read_text(), parse_float=str)
    results = [json.loads(line, parse_float=str) for line in full.stdout.splitlines()]
    checked = [r for r in results if "status" in r]
    from decimal import Decimal

    for stage in data["pipeline"]["stages"]:
        mine = [r for r in checked if r["stage"] == stage["stage"]]
        assert stage["deals"] == len(mine)
        amount = sum((Decimal(r["facts"]["amount"]) for r in mine), Decimal(0))
        assert Decimal(str(stage["amount"])) == amount
        weighted = sum((Decimal(r["facts"]["weighted_amount"]) for r in mine), Decimal(0))
        assert Decimal(str(stage["weighted"])) == weighted  # the playbook's own fact agrees
    assert data["statuses"] == {"bad_input": 1, "blocked": 6, "needs_approval": 6, "ok": 3}
    hits = [r for r in checked if any(v["rule"] == "P6" for v in r["violations"])]
    assert data["rules"]["P6"] == len(hits)


def test_summary_without_amounts_or_win_rates(runner, tmp_path):
    deals = tmp_path / "office.jsonl"
    folder = PLAYBOOKS / "examples" / "key-account-office"
    deals.write_text(
        "".join(
            json.dumps(json.loads(p.read_text())) + "\n"
            for p in sorted(folder.glob("*.json"))
            if ".result." not in p.name
        )
    )
    summary = tmp_path / "s.json"
    playbook = PLAYBOOKS / "key-account-office.yaml"
    result = runner.invoke(main, batch_args(deals, "--summary-json", summary, playbook=playbook))
    assert result.exit_code == 0, result.output
    pipeline = json.loads(summary.read_text())["pipeline"]
    assert pipeline["amount"] is None
    assert {s["amount"] for s in pipeline["stages"]} == {None}
    assert {s["weighted"] for s in pipeline["stages"]} == {None}
    assert pipeline["total"]["deals"] == 2
    assert "weighted" not in result.stderr


# -- progress ------------------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal(runner, deals_file, tmp_path):
    result = runner.invoke(main, batch_args(deals_file, "-o", tmp_path / "out.jsonl"))
    assert "\r" not in result.stderr
    assert "/s" not in result.stderr


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_bar_counts_rate_and_eta():
    screen, clock = io.StringIO(), Clock()
    bar = engine.app.progress.Progress(screen, 4000, clock=clock)
    clock.now += 2
    bar.update(1000, 1000)
    clock.now += 0.05
    bar.update(1200, 1100)  # within a tenth of a second: not redrawn
    clock.now += 4
    bar.update(3000, 3000)
    bar.close()
    assert screen.getvalue().split("\r") == [
        "",
        " 25% [######------------------] 1,000 deals  500/s  ETA 0:06\x1b[K",
        " 75% [##################------] 3,000 deals  496/s  ETA 0:02\x1b[K",
        "\x1b[K",
    ]


def test_progress_without_a_size_has_no_eta():
    screen, clock = io.StringIO(), Clock()
    bar = engine.app.progress.Progress(screen, None, clock=clock)
    clock.now += 4
    bar.update(1000, 5000)
    assert screen.getvalue() == "\r1,000 deals  250/s\x1b[K"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal(tmp_path):
    import pty

    deals = examples_jsonl(tmp_path, copies=4)
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "engine", *batch_args(deals, "-o", tmp_path / "out.jsonl")],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=follower,
            timeout=60,
            check=False,
        )
        os.close(follower)
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    text = screen.decode()
    assert "\r100% [########################] 21 deals" in text
    assert "ETA 0:00\x1b[K\r\x1b[K21 deals: bad_input 1," in text


def test_examples_folder_is_untouched():
    assert (PLAYBOOKS / "examples" / "needs-approvals.json").exists()


@pytest.mark.parametrize(
    ("first", "second"), [("-o", "--summary-json"), ("deals", "-o"), ("deals", "--summary-json")]
)
def test_one_file_named_twice_is_refused_before_anything_is_written(
    runner, deals_file, tmp_path, first, second
):
    """`-o x --summary-json x` used to leave only the summary (every result line lost), and
    `-o deals.jsonl` replaced the user's deals with results."""
    before = deals_file.read_bytes()
    target = deals_file if first == "deals" else tmp_path / "same.json"
    args = batch_args(deals_file, *([first, target] if first != "deals" else []), second, target)
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "name the same file" in result.stderr
    assert result.stdout == ""
    assert deals_file.read_bytes() == before
    assert not (tmp_path / "same.json").exists()


@pytest.mark.parametrize("option", ["-o", "--summary-json"])
def test_a_folder_that_refuses_the_file_is_bad_input_not_a_crash(
    runner, deals_file, tmp_path, monkeypatch, option
):
    """As root, `os.access` says yes to any folder (e.g. /proc), and only creating the file
    fails: that was exit 4 with a traceback hint."""

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(engine.app.files, "_temporary", refuse)
    target = tmp_path / "out.json"
    result = runner.invoke(main, batch_args(deals_file, option, target))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == f"{target}: cannot write: Permission denied"
    assert not target.exists()


@pytest.mark.parametrize(
    ("visit_day", "due", "overdue"),
    [("2026-02-28", "2026-03-01", 1), ("2026-03-01", "2026-03-02", 0)],
    ids=["late", "due today"],
)
def test_overdue_actions_in_the_short_line_and_the_summary(
    runner, tmp_path, visit_day, due, overdue
):
    """The record of a visit is due the day after it: due before as_of is overdue."""
    deal = json.loads(json.dumps(BASE_DEAL))
    deal["visits"] = [{"on": visit_day}]
    path = tmp_path / "deals.jsonl"
    path.write_text(json.dumps(deal) + "\n", encoding="utf-8")
    out = tmp_path / "summary.json"
    result = runner.invoke(main, batch_args(path, "--summary-json", out))
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["overdue_actions"] == overdue
    assert row["actions"] == [["VISIT-RECORD", "file_visit_record", due, bool(overdue)]]
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert summary["overdue_actions"] == ({"key_account_specialist": 1} if overdue else {})
    assert result.stderr.startswith(f"1 deals: ok 1; 1 actions ({overdue} overdue)\n")
    zh = runner.invoke(main, [*batch_args(path), "--lang", "zh"])
    assert zh.stderr.startswith(f"1 笔交易：通过 1；1 项待办（{overdue} 项已逾期）\n")
    assert "大客户专员" in zh.stderr  # the assignee by its role's label, never its id
    assert "key_account_specialist" not in zh.stderr
