"""Every input a fuzzer ever found (tests/fuzz/crashers/<target>/) replays without a finding:
no exception outside KamError, no disagreement between the evaluators or message writers,
under 1 s of CPU (the fuzzer's bound; CPU, because a shared CI machine's load is not the
input's work) and under 512 MB, each target's inputs in one subprocess (itself bounded in wall
time) so that a regression cannot hang or exhaust the test run.

tests/fuzz/pending/<class>/<target>/ holds crashers of a class another change is fixing; they
are skipped, naming the class (its reason.txt), until that change lands and they move to
crashers/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.targets import TARGETS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CRASHERS = HERE / "crashers"
PENDING = HERE / "pending"
CPU_SECONDS = 1.0  # the fuzzer's bound (tests/fuzz/harness.py)
RSS_MB = 512


def _inputs(folder: Path) -> list[Path]:
    files = folder.iterdir() if folder.is_dir() else ()
    return sorted(p for p in files if p.is_file() and not p.name.startswith("."))


def _replay(target: str, files: list[Path]) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.replay", target, *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60 + 10 * len(files),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_kept_crashers_replay_without_a_finding(target):
    files = _inputs(CRASHERS / target)
    if not files:
        pytest.skip(f"no crashers kept for {target}")
    for row in _replay(target, files):
        name = Path(row["file"]).name
        assert not row["error"], f"{name}:\n{row['error']}"
        assert row["cpu_seconds"] < CPU_SECONDS, f"{name} took {row['cpu_seconds']:.2f} s of CPU"
        assert row["rss_mb"] < RSS_MB, f"{name} reached {row['rss_mb']:.0f} MB"


def _pending():
    for cls in sorted(p for p in PENDING.iterdir() if p.is_dir()) if PENDING.is_dir() else []:
        reason = (cls / "reason.txt").read_text(encoding="utf-8").strip()
        for target in sorted(p for p in cls.iterdir() if p.is_dir()):
            for file in _inputs(target):
                yield pytest.param(
                    target.name,
                    file,
                    id=f"{cls.name}/{target.name}/{file.name}",
                    marks=pytest.mark.skip(reason=f"pending fix, {reason}"),
                )


@pytest.mark.parametrize(("target", "file"), list(_pending()))
def test_pending_crashers_replay_once_their_class_is_fixed(target, file):
    """Re-enabled by moving the file to crashers/<target>/ (the skip mark goes with it)."""
    assert target in TARGETS
    (row,) = _replay(target, [file])
    assert not row["error"], row["error"]
