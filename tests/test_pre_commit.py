"""The shipped .pre-commit-hooks.yaml, run by the real pre-commit tool on a scratch repository.

This checkout is committed into a temporary clone (pre-commit needs a committed rev), and a
scratch repository uses it as a local-path hook repository. pre-commit installs the hook
environment with pip, so the first run takes a while; the environment is shared by the cases.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import FIXTURES, PLAYBOOKS, ROOT

pytestmark = pytest.mark.slow

GIT_ENV = {
    "GIT_AUTHOR_NAME": "kam tests",
    "GIT_AUTHOR_EMAIL": "tests@kam.invalid",
    "GIT_COMMITTER_NAME": "kam tests",
    "GIT_COMMITTER_EMAIL": "tests@kam.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd, *args):
    env = os.environ | GIT_ENV | {"HOME": str(cwd)}
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


@pytest.fixture(scope="module")
def hooks(tmp_path_factory):
    """(path, commit) of a git repository holding this checkout as it is now."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    repo = tmp_path_factory.mktemp("kam-hooks")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, repo / name)
    for folder in ("engine", "schemas"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "kam as it is being tested")
    return repo, git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def run_pre_commit(tmp_path, hooks, home, files):
    """``pre-commit run --all-files`` in a new repository holding ``files`` (name -> text)."""
    repo_path, rev = hooks
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    config = (
        "repos:\n"
        f"  - repo: {repo_path}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: kam-lint\n"
        "      - id: kam-test\n"
    )
    (scratch / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    for name, text in files.items():
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / name).write_text(text, encoding="utf-8")
    git(scratch, "init", "-q")
    git(scratch, "add", "-A")
    env = os.environ | GIT_ENV | {"PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,  # the first run installs the hook environment from PyPI
        check=False,
    )


MINIMAL = (FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8")
MINIMAL_TEST = (
    "kam_test: 1\nplaybook: ../minimal.yaml\nas_of: 2026-03-02\n"
    "base: {id: D-1, category: direct, stage: open, amount: 10}\n"
    "cases:\n"
    "  - name: small deal\n    expect: {status: ok}\n"
    "  - name: big deal needs the manager\n"
    "    set: {amount: 5000}\n"
    "    expect: {status: needs_approval, approvals: [{rule: BIG, role: manager}]}\n"
)


def test_a_good_playbook_passes(tmp_path, hooks, pre_commit_home):
    out = run_pre_commit(
        tmp_path,
        hooks,
        pre_commit_home,
        {"minimal.yaml": MINIMAL, "tests/minimal.yaml": MINIMAL_TEST},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert any(line.startswith("kam lint") and line.endswith("Passed") for line in lines), (
        out.stdout
    )
    assert any(line.startswith("kam test") and line.endswith("Passed") for line in lines), (
        out.stdout
    )


def test_a_bad_playbook_fails_with_the_located_message(tmp_path, hooks, pre_commit_home):
    bad = (FIXTURES / "invalid" / "unknown-stage.yaml").read_text(encoding="utf-8")
    out = run_pre_commit(tmp_path, hooks, pre_commit_home, {"playbooks/unknown-stage.yaml": bad})
    assert out.returncode == 1, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert any(line.startswith("kam lint") and line.endswith("Failed") for line in lines)
    assert (
        "playbooks/unknown-stage.yaml:14:22: error[unknown-stage]: unknown stage 'closng'"
    ) in out.stdout
    # the config file itself is other YAML: skipped, never reported as a broken playbook
    assert not [line for line in out.stdout.splitlines() if line.startswith(".pre-commit-config")]
    assert "Traceback" not in out.stdout + out.stderr


def test_the_hooks_file_names_both_hooks():
    from engine.read.yaml import load_yaml

    data, _, problems = load_yaml(
        (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"), ".pre-commit-hooks.yaml"
    )
    assert problems == []
    hooks = {h["id"]: h for h in data}
    assert hooks["kam-lint"]["entry"] == "kam lint"
    assert hooks["kam-test"]["entry"] == "kam test"
    assert {h["language"] for h in hooks.values()} == {"python"}
    assert PLAYBOOKS.exists()
