"""Issue 12 §1: one bad line never aborts `kam batch`. Every line whose number, text or date
the engine refuses (and even a line that meets a bug in the engine) becomes an error line
with its line number; the other lines are still judged, in one process or in four."""

from __future__ import annotations

import json

import pytest

import engine.run.evaluate
from engine.cli import main

from .conftest import AUTO_DEALER, BASE_DEAL

GOOD = json.dumps(BASE_DEAL)
RECEIVABLES = '"receivables": 0'
BAD_LINES = {
    "exponent of 20 digits": GOOD.replace(RECEIVABLES, '"receivables": 1e99999999999999999999'),
    "exponent out of range": GOOD.replace(RECEIVABLES, '"receivables": 1e999999'),
    "31 significant digits": GOOD.replace(
        RECEIVABLES, '"receivables": 1.000000000000000000000000000001'
    ),
    "NaN": GOOD.replace(RECEIVABLES, '"receivables": NaN'),
    "NUL in text": GOOD.replace('"Wu"', '"W\\u0000u"'),
    "lone surrogate": GOOD.replace('"Wu"', '"W\\ud800u"'),
    "impossible date": GOOD.replace('"2026-01-12"', '"2026-02-30"'),
    "week date": GOOD.replace('"2026-01-12"', '"2026-W10-1"'),
}


@pytest.mark.parametrize("workers", ["1", "4"])
def test_each_bad_line_is_an_error_line_and_the_rest_are_judged(runner, tmp_path, workers):
    lines = []
    for bad in BAD_LINES.values():
        lines += [GOOD, bad]
    lines.append(GOOD)
    path = tmp_path / "deals.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = runner.invoke(main, ["batch", str(path), "-p", str(AUTO_DEALER), "--as-of", "2026-03-02",
                             "-w", workers])  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["line"] for row in rows] == list(range(1, len(lines) + 1))
    assert [row.get("status") for row in rows[0::2]] == ["ok"] * (len(BAD_LINES) + 1)
    for row in rows[1::2]:
        assert row["error"] == "deal", row
        assert row["problems"][0]["path"].startswith("$")


def test_a_line_that_meets_a_bug_in_the_engine_is_an_error_line(runner, tmp_path, monkeypatch):
    real = engine.run.evaluate.evaluate

    def broken(pb, deal, *args, **kwargs):
        if deal["id"] == "BUG":
            raise TypeError("a bug in kam")
        return real(pb, deal, *args, **kwargs)

    monkeypatch.setattr(engine.run.evaluate, "evaluate", broken)
    path = tmp_path / "deals.jsonl"
    path.write_text("\n".join([GOOD, GOOD.replace('"T-1"', '"BUG"'), GOOD]) + "\n")
    r = runner.invoke(main, ["batch", str(path), "-p", str(AUTO_DEALER), "--as-of", "2026-03-02"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row.get("status") for row in rows] == ["ok", None, "ok"]
    assert rows[1]["error"] == "internal"
    assert "TypeError: a bug in kam" in rows[1]["message"]
    assert "Traceback" not in r.output


@pytest.mark.parametrize("workers", ["1", "4"])
def test_a_batch_in_which_no_line_is_a_deal_exits_2_with_every_error_line(
    runner, tmp_path, workers
):
    path = tmp_path / "deals.jsonl"
    path.write_text("\n".join(BAD_LINES.values()) + "\n", encoding="utf-8")
    r = runner.invoke(main, ["batch", str(path), "-p", str(AUTO_DEALER), "--as-of", "2026-03-02",
                             "-w", workers])  # fmt: skip
    assert r.exit_code == 2, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["error"] for row in rows] == ["deal"] * len(BAD_LINES)
    # one good line among them: the run checked a deal, so it is not bad input
    path.write_text("\n".join([*BAD_LINES.values(), GOOD]) + "\n", encoding="utf-8")
    r = runner.invoke(main, ["batch", str(path), "-p", str(AUTO_DEALER), "--as-of", "2026-03-02"])
    assert r.exit_code == 0, r.output


def test_batch_help_names_its_own_exit_codes(runner):
    r = runner.invoke(main, ["batch", "--help"])
    assert "0 every deal was checked" in r.output
    assert "3 needs approval" not in r.output
