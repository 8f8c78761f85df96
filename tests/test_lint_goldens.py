"""``kam lint`` on deliberately broken playbooks: exact output (golden files) and exit 2.

Each ``tests/fixtures/invalid/<name>.yaml`` opens with a comment saying what it shows; its
``<name>.expected`` is the exact text ``kam lint`` prints. Regenerate after an intended change
with ``pytest tests/test_lint_goldens.py --regen-goldens`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.cli import main

from .conftest import FIXTURES, ROOT

INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))


@pytest.mark.parametrize("playbook", INVALID, ids=lambda p: p.stem)
def test_invalid_playbook_golden(playbook, runner, regen, monkeypatch):
    monkeypatch.chdir(ROOT)
    rel = os.path.relpath(playbook, ROOT)
    result = runner.invoke(main, ["lint", rel])
    assert result.exit_code == 2
    golden = playbook.with_suffix(".expected")
    if regen:
        golden.write_text(result.output, encoding="utf-8")
    assert result.output == golden.read_text(encoding="utf-8")
    for line in result.output.splitlines():
        # every problem line is FILE:LINE:COL: ..., hints are indented, a count closes it
        assert line.startswith((rel + ":", "    hint: ")) or line.endswith(f"in {rel}")


@pytest.mark.parametrize(
    "playbook", [*VALID, *sorted((ROOT / "playbooks").glob("*.yaml"))], ids=lambda p: p.stem
)
def test_valid_playbooks_lint_clean(playbook, runner):
    result = runner.invoke(main, ["lint", str(playbook)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok:")


def test_all_problems_at_once(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(main, ["lint", "tests/fixtures/invalid/many-problems.yaml"])
    codes = [
        ln.split("error[")[1].split("]")[0] for ln in result.output.splitlines() if "error[" in ln
    ]
    assert {
        "type",
        "duplicate-key",
        "unknown-document",
        "expression-syntax",
        "duplicate-rule",
        "unknown-role",
        "unknown-key",
        "bad-row",
        "tiers-gap",
        "no-way-out",
        "terminal-exit",
    } <= set(codes)


def test_python_tag_runs_nothing(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["lint", str(FIXTURES / "invalid" / "python-tag.yaml")])
    assert result.exit_code == 2
    assert not Path("pwned").exists()


def test_lint_json_format(runner, monkeypatch):
    import json

    monkeypatch.chdir(ROOT)
    result = runner.invoke(
        main, ["lint", "tests/fixtures/invalid/unknown-stage.yaml", "--format", "json"]
    )
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    (d,) = data["diagnostics"]
    assert d["code"] == "unknown-stage"
    assert d["location"] == {
        "file": "tests/fixtures/invalid/unknown-stage.yaml",
        "line": 14,
        "column": 22,
    }
    assert d["hint"] == "did you mean 'closing'?"
