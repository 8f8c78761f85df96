"""The code base stays lint-clean and type-checked (mypy --strict): part of every CI run."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff():
    out = run("ruff", "check", "engine", "tests")
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format():
    out = run("ruff", "format", "--check", "engine", "tests")
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_strict():
    out = run("mypy")
    assert out.returncode == 0, out.stdout + out.stderr
