"""`kam batch`: one result line per deal, in order; bad lines never stop the batch."""

from __future__ import annotations

import json

import pytest

from engine.cli import main

from .conftest import AUTO_DEALER, BASE_DEAL, PLAYBOOKS


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


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_checks_every_line_in_order(runner, deals_file, tmp_path, workers):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        main,
        [
            "batch",
            str(deals_file),
            "-p",
            str(AUTO_DEALER),
            "--as-of",
            "2026-03-02",
            "-w",
            str(workers),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 33
    assert [r["line"] for r in rows] == sorted(r["line"] for r in rows)
    errors = [r for r in rows if "error" in r]
    assert [(r["line"], r["error"]) for r in errors] == [(11, "input"), (16, "deal"), (21, "deal")]
    assert errors[1]["problems"][0]["path"] == "$.category"
    assert errors[2]["problems"] == [{"path": "$.id", "message": "duplicate key"}]
    assert "30 ok" not in result.stderr
    assert result.stderr.strip().startswith("33 deals: bad_input 3")


def test_batch_results_match_validate(runner, deals_file, tmp_path):
    out = tmp_path / "out.jsonl"
    runner.invoke(
        main,
        [
            "batch",
            str(deals_file),
            "-p",
            str(AUTO_DEALER),
            "--as-of",
            "2026-03-02",
            "-o",
            str(out),
            "--full",
        ],
    )
    first = json.loads(out.read_text().splitlines()[0])
    deal = json.loads(deals_file.read_text().splitlines()[0])
    single = runner.invoke(
        main,
        ["validate", "-", "-p", str(AUTO_DEALER), "--as-of", "2026-03-02", "--format", "json"],
        input=json.dumps(deal),
    )
    assert {k: v for k, v in first.items() if k != "line"} == json.loads(single.stdout)


def test_batch_from_stdin_to_stdout(runner):
    deal = json.dumps(BASE_DEAL)
    result = runner.invoke(
        main,
        ["batch", "-", "-p", str(AUTO_DEALER), "--as-of", "2026-03-02"],
        input=deal + "\n" + deal + "\n",
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in rows] == ["ok", "ok"]


def test_batch_with_a_bad_playbook_exits_2(runner, deals_file):
    result = runner.invoke(
        main, ["batch", str(deals_file), "-p", "tests/fixtures/invalid/unknown-stage.yaml"]
    )
    assert result.exit_code == 2


def test_batch_never_leaves_half_a_file(runner, deals_file, tmp_path, monkeypatch):
    import engine.batch

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine.batch, "run", boom)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["batch", str(deals_file), "-p", str(AUTO_DEALER), "-o", str(out)])
    assert result.exit_code == 4
    assert not out.exists()
    assert list(tmp_path.glob(".kam-batch-*")) == []


def test_examples_folder_is_untouched():
    assert (PLAYBOOKS / "examples" / "needs-approvals.json").exists()
