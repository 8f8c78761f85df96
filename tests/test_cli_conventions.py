"""Command-line conventions: NO_COLOR, test reports for CI (JSON, JUnit XML), `kam lint -`,
`kam lint DIR` telling kam files from other YAML, and shell completion of file arguments."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from engine.cli import main

from .conftest import FIXTURES, PLAYBOOKS

EXAMPLES = PLAYBOOKS / "examples"
PB = str(PLAYBOOKS / "auto-dealer.yaml")
NEEDS_APPROVAL = [
    "validate",
    str(EXAMPLES / "needs-approvals.json"),
    "-p",
    PB,
    "--as-of",
    "2026-03-02",
]


def invoke(runner, *args, **kw):
    return runner.invoke(main, [str(a) for a in args], **kw)


def suite(folder, name, cases):
    """A test file for the auto-dealer playbook; ``cases`` as (name, expected status)."""
    text = (
        "kam_test: 1\n"
        f"playbook: {PB}\n"
        "as_of: 2026-03-02\n"
        f"base: {EXAMPLES / 'gov-tender-ready-to-close.json'}\n"
        "cases:\n"
    )
    for case, status in cases:
        text += f"  - name: {json.dumps(case)}\n    expect: {{status: {status}}}\n"
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def suites(tmp_path):
    """Two test files: one all green, one with a failing case (the deal is ok, not blocked)."""
    good = suite(tmp_path, "good.yaml", [("clean deal", "ok"), ("still clean", "ok")])
    bad = suite(tmp_path, "bad.yaml", [("passes", "ok"), ("wrongly expects a block", "blocked")])
    return good, bad


# -- NO_COLOR -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "explain", "test"])
def test_no_color_turns_colour_off_even_on_a_terminal(runner, suites, command):
    args = [command, suites[1]] if command == "test" else [command, *NEEDS_APPROVAL[1:]]
    coloured = invoke(runner, *args, color=True, env={"NO_COLOR": None})
    assert "\x1b[" in coloured.output
    plain = invoke(runner, *args, color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain.output
    assert plain.exit_code == coloured.exit_code
    assert plain.output == re.sub(r"\x1b\[[0-9;]*m", "", coloured.output)  # same words


def test_an_empty_no_color_keeps_colour(runner):
    # no-color.org: only a non-empty value turns colour off
    result = invoke(runner, *NEEDS_APPROVAL, color=True, env={"NO_COLOR": ""})
    assert "\x1b[33m" in result.output


def test_test_output_has_no_colour_when_not_a_terminal(runner, suites):
    result = invoke(runner, "test", suites[1], env={"NO_COLOR": None})
    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert "\x1b[" not in result.output


def _on_a_terminal(args, **env):
    """Run kam with its stdout on a pseudo-terminal, as a person would see it."""
    import pty

    master, slave = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine", *args], stdout=slave, stderr=slave, env=environ
    )
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closes when kam exits
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 3
    return out.decode("utf-8", errors="replace")


def test_no_color_on_a_real_terminal():
    assert "\x1b[" in _on_a_terminal(NEEDS_APPROVAL)
    plain = _on_a_terminal(NEEDS_APPROVAL, NO_COLOR="1")
    assert "NEEDS APPROVAL" in plain
    assert "\x1b[" not in plain


# -- kam test --format json / --junit-xml ---------------------------------------------------


def _line_of_text(text, part):
    return next(i for i, line in enumerate(text.splitlines(), 1) if part in line)


def _line_of(path, case):
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if json.dumps(case) in line)


def test_json_report(runner, suites):
    import jsonschema

    from engine.lang.schema import bundled

    good, bad = suites
    result = invoke(runner, "test", good, bad, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)  # nothing but the JSON on stdout
    jsonschema.validate(report, bundled("test-report"))
    assert report["ok"] is False
    assert report["totals"] == {"files": 2, "cases": 4, "passed": 3, "failed": 1, "errors": 0}
    failing = [c for c in report["cases"] if not c["passed"]]
    assert failing == [
        {
            "file": str(bad),
            "name": "wrongly expects a block",
            "line": _line_of(bad, "wrongly expects a block"),
            "passed": False,
            "differences": ["status: expected blocked, got ok"],
        }
    ]
    assert {(c["file"], c["name"]) for c in report["cases"] if c["passed"]} == {
        (str(good), "clean deal"),
        (str(good), "still clean"),
        (str(bad), "passes"),
    }
    assert report["errors"] == []
    assert "coverage" not in report


def test_json_report_when_all_pass_with_coverage(runner, suites):
    result = invoke(runner, "test", suites[0], "--format", "json", "--coverage")
    report = json.loads(result.stdout)
    assert result.exit_code == 1  # two clean deals cannot cover the playbook
    assert report["totals"]["failed"] == 0
    assert report["ok"] is False
    assert report["coverage"]["exercised"] < report["coverage"]["total"]
    assert "rule P6: never fired" in report["coverage"]["missing"][os.path.relpath(PB)]


def test_json_report_lists_a_broken_test_file_as_an_error(runner, tmp_path):
    import jsonschema

    from engine.lang.schema import bundled

    broken = tmp_path / "broken.yaml"
    broken.write_text("kam_test: 1\nplaybook: x.yaml\ncases: []\n", encoding="utf-8")
    result = invoke(runner, "test", broken, "--format", "json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    jsonschema.validate(report, bundled("test-report"))
    assert report["totals"]["errors"] == 1
    (error,) = report["errors"]
    assert error["file"] == str(broken)
    assert error["lines"][0].startswith(f"{broken}:3:")


def test_junit_xml(runner, suites, tmp_path):
    good, bad = suites
    out = tmp_path / "reports" / "kam.xml"
    out.parent.mkdir()
    out.write_text("an old report, replaced whole", encoding="utf-8")
    result = invoke(runner, "test", good, bad, "--junit-xml", out)
    assert result.exit_code == 1
    assert "FAILED" in result.output  # the text report is still printed
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")
    suites_by_name = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites_by_name) == {str(good), str(bad)}
    green, red = suites_by_name[str(good)], suites_by_name[str(bad)]
    assert (green.get("tests"), green.get("failures")) == ("2", "0")
    assert (red.get("tests"), red.get("failures")) == ("2", "1")
    assert [c.get("name") for c in red.findall("testcase")] == ["passes", "wrongly expects a block"]
    case = red.findall("testcase")[1]
    assert case.get("file") == str(bad)
    assert case.get("line") == str(_line_of(bad, "wrongly expects a block"))
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "status: expected blocked, got ok"
    assert "status: expected blocked, got ok" in failure.text
    assert all(c.find("failure") is None for c in green.findall("testcase"))
    assert os.listdir(out.parent) == ["kam.xml"]  # written whole, no temporary file left


def test_junit_xml_survives_control_characters_and_reports_broken_files(runner, tmp_path):
    odd = suite(tmp_path, "odd.yaml", [('bell\u0007 and <tags> & "quotes"', "blocked")])
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "kam_test: 1\nplaybook: nope.yaml\nas_of: 2026-03-02\ncases:\n"
        "  - {name: a, expect: {status: ok}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "kam.xml"
    result = invoke(runner, "test", odd, broken, "--junit-xml", out)
    assert result.exit_code == 2
    root = ET.parse(out).getroot()  # a control character would make the XML unreadable
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "1")
    names = [c.get("name") for c in root.iter("testcase")]
    assert 'bell\ufffd and <tags> & "quotes"' in names
    error = root.find(f"testsuite[@name='{broken}']/testcase/error")
    assert error is not None
    assert "nope.yaml" in error.get("message") + error.text


def test_junit_xml_to_a_folder_that_does_not_exist(runner, suites, tmp_path):
    result = invoke(runner, "test", suites[0], "--junit-xml", tmp_path / "no" / "kam.xml")
    assert result.exit_code == 2
    assert f"{tmp_path / 'no' / 'kam.xml'}: cannot write" in result.stderr
    assert "2 passed, 0 failed" in result.stdout  # the results are still shown
    assert "Traceback" not in result.output


def test_kam_test_of_a_missing_file_or_a_playbook_says_so(runner):
    result = invoke(runner, "test", "nope.yaml", PB)
    assert result.exit_code == 2  # was an internal error (exit 4) for the missing file
    assert "ERROR nope.yaml:1:1: error[input]: cannot read the file" in result.output
    assert f"ERROR {PB}:1:1: error[not-a-test-file]: this is a playbook, not a test file" in (
        result.output
    )
    assert "internal error" not in result.output


def test_kam_test_of_an_empty_file_says_so(runner, tmp_path):
    for body in ("", "# only a comment\n"):
        empty = tmp_path / "empty.yaml"
        empty.write_text(body, encoding="utf-8")
        result = invoke(runner, "test", empty)
        assert result.exit_code == 2, result.output  # was an internal error (exit 4)
        assert f"ERROR {empty}:1:1: error[not-a-test-file]: the test file is empty" in (
            result.output
        )


# -- kam lint - -----------------------------------------------------------------------------


def test_lint_reads_a_playbook_from_stdin(runner, monkeypatch):
    monkeypatch.chdir(PLAYBOOKS)  # its includes resolve from the current folder
    text = (PLAYBOOKS / "auto-dealer.yaml").read_text(encoding="utf-8")
    result = invoke(runner, "lint", "-", input=text)
    assert result.exit_code == 0, result.output
    assert result.output == "ok: 1 file checked\n"
    broken = text.replace("to: closing", "to: closng", 1)
    line = next(i for i, s in enumerate(broken.splitlines(), 1) if "to: closng" in s)
    result = invoke(runner, "lint", "-", input=broken)
    assert result.exit_code == 2
    assert result.output.startswith(f"<stdin>:{line}:")
    assert "error[unknown-stage]: unknown stage 'closng'" in result.output


def test_lint_stdin_includes_resolve_from_the_current_folder(runner, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    text = (PLAYBOOKS / "auto-dealer.yaml").read_text(encoding="utf-8")
    result = invoke(runner, "lint", "-", input=text)
    assert result.exit_code == 2
    assert "error[include-missing]: 'modules/credit-policy.yaml' does not exist" in result.output
    assert result.output.startswith("<stdin>:")


def test_lint_stdin_module_and_test_file(runner, monkeypatch):
    monkeypatch.chdir(PLAYBOOKS)
    module = (PLAYBOOKS / "modules" / "credit-policy.yaml").read_text(encoding="utf-8")
    assert invoke(runner, "lint", "-", input=module).exit_code == 0
    tests = (PLAYBOOKS / "tests" / "credit-policy" / "credit.yaml").read_text(encoding="utf-8")
    result = invoke(runner, "lint", "-", input=tests)  # its ../../ paths miss from here
    assert result.exit_code == 2
    line = _line_of_text(tests, "playbook: ../../auto-dealer.yaml")
    assert f"<stdin>:{line}:11: error[missing-file]: the playbook '../../auto-dealer.yaml'" in (
        result.output
    )
    assert "paths start at the current folder" in result.output
    monkeypatch.chdir(PLAYBOOKS / "tests" / "credit-policy")  # where its paths start
    assert invoke(runner, "lint", "-", input=tests).exit_code == 0


def test_lint_stdin_that_is_not_text(runner):
    result = invoke(runner, "lint", "-", input=b"kam: 1\nid: \xff\n")
    assert result.exit_code == 2
    assert result.output.startswith("<stdin>:2:5: error[encoding]")


# -- kam lint DIR ---------------------------------------------------------------------------

PRE_COMMIT_CONFIG = """repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
      - id: check-yaml
"""


def _project(tmp_path):
    """A repository as an analyst keeps it: playbooks, a module, tests, and other YAML."""
    root = tmp_path / "project"
    (root / "modules").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "deals").mkdir()
    (root / ".venv" / "lib").mkdir(parents=True)
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", root / "minimal.yaml")
    shutil.copy(FIXTURES / "includes" / "modules" / "limits.yaml", root / "modules" / "limits.yaml")
    (root / "tests" / "minimal.yaml").write_text(
        "kam_test: 1\nplaybook: ../minimal.yaml\nas_of: 2026-03-02\n"
        "base: {id: D-1, category: direct, stage: open, amount: 10}\n"
        "cases:\n  - name: small\n    expect: {status: ok}\n",
        encoding="utf-8",
    )
    (root / ".pre-commit-config.yaml").write_text(PRE_COMMIT_CONFIG, encoding="utf-8")
    (root / ".gitlab-ci.yml").write_text(
        "include: [ci/base.yml]\nstages: [build, test]\nbuild:\n  script: make\n", encoding="utf-8"
    )
    (root / "deals" / "d-1.yaml").write_text("id: D-1\ncategory: direct\nstage: open\n")
    (root / "broken-ci.yml").write_text("jobs:\n  build: [unclosed\n", encoding="utf-8")
    (root / ".venv" / "lib" / "x.yaml").write_text("kam: 1\n", encoding="utf-8")
    # other tools' configs that extend another file and have rules of their own
    (root / ".yamllint.yaml").write_text(
        "extends: base.yaml\nrules:\n  line-length: {max: 100}\n", encoding="utf-8"
    )
    (root / ".eslintrc.yml").write_text(
        "extends: ./base.yml\nenv: {browser: true}\nrules: {}\n", encoding="utf-8"
    )
    return root


def test_lint_dir_checks_kam_files_and_says_what_it_skipped(runner, tmp_path):
    root = _project(tmp_path)
    result = invoke(runner, "lint", root)
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 3 files checked, 6 skipped\n"
    assert result.stderr.splitlines() == [
        f"skipped {root / '.eslintrc.yml'}: {NOT_OURS}",
        f"skipped {root / '.gitlab-ci.yml'}: {NOT_OURS}",
        f"skipped {root / '.pre-commit-config.yaml'}: {NOT_OURS}",
        f"skipped {root / '.yamllint.yaml'}: {NOT_OURS}",
        f"skipped {root / 'broken-ci.yml'}: not a playbook, module or test file "
        "(and not YAML kam can read)",
        f"skipped {root / 'deals' / 'd-1.yaml'}: {NOT_OURS}",
    ]


NOT_OURS = "not a playbook, module or test file (no kam:, module: or kam_test: at the top)"


def test_lint_dir_still_reports_broken_playbooks(runner, tmp_path):
    root = _project(tmp_path)
    text = (FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8")
    # a syntax error: the file does not parse, but says kam: at the top
    (root / "syntax.yaml").write_text(text.replace("  manager: Manager", "  manager: [Manager"))
    # the kam: 1 line forgotten: id and stages still say it is a playbook
    (root / "no-kam.yaml").write_text(text.replace("kam: 1\n", "").replace("id: minimal", "id: m2"))
    # a new version that only says what changed (extends, no kam: or id), with a mistake
    (root / "minimal-2.yaml").write_text(
        'extends: minimal.yaml\nversion: "2"\nrules:\n  - {id: X, when: deal.amont > 1, '
        "then: approval, role: manager}\n"
    )
    # a module with a mistake
    (root / "modules" / "bad.yaml").write_text("kam: 1\nmodule: bad\nrulez: []\n")
    result = invoke(runner, "lint", root)
    assert result.exit_code == 2
    out = result.stdout
    assert f"{root / 'syntax.yaml'}:" in out
    assert "error[yaml-syntax]" in out
    # (line 2: the file opens with a comment)
    assert f"{root / 'no-kam.yaml'}:2:1: error[missing-key]: 'kam' is required here" in out
    assert f"{root / 'modules' / 'bad.yaml'}:3:1: error[unknown-key]" in out
    assert f"{root / 'minimal-2.yaml'}:4:24: error[unknown-name]" in out
    assert "deal has no field 'amont'" in out
    assert ".pre-commit-config.yaml" not in out  # other YAML is never a broken playbook
    assert ".gitlab-ci.yml" not in out
    assert "broken-ci.yml" not in out


def test_lint_dir_lints_test_files_as_test_files(runner, tmp_path):
    root = _project(tmp_path)
    (root / "tests" / "bad.yaml").write_text(
        "kam_test: 1\nplaybook: ../missing.yaml\ncases:\n"
        "  - name: a\n    expect: {status: ok}\n"
        "  - name: a\n    as_of: 2026-01-01\n    expect: {status: ok}\n",
        encoding="utf-8",
    )
    result = invoke(runner, "lint", root)
    assert result.exit_code == 2
    bad = root / "tests" / "bad.yaml"
    assert result.stdout.splitlines()[:6] == [
        f"{bad}:2:11: error[missing-file]: the playbook '../missing.yaml' does not exist",
        "    hint: give its path relative to the test file",
        f"{bad}:4:5: error[missing-key]: the case needs an as_of",
        "    hint: give as_of: in the file or the case",
        f"{bad}:6:11: error[duplicate-case]: another case (line 4) has the same name 'a'",
        "    hint: give each case its own name: reports and CI list cases by name",
    ]
    assert str(root / "tests" / "minimal.yaml") not in result.stdout  # the good one is clean


def test_lint_of_a_named_file_that_is_other_yaml(runner, tmp_path):
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(PRE_COMMIT_CONFIG, encoding="utf-8")
    result = invoke(runner, "lint", config, PB)
    assert result.exit_code == 0
    assert result.stdout == "ok: 1 file checked, 1 skipped\n"
    assert result.stderr == f"skipped {config}: {NOT_OURS}\n"


def test_a_pipe_in_the_folder_is_skipped_not_read(runner, tmp_path):
    root = _project(tmp_path)
    os.mkfifo(root / "pipe.yaml")  # reading it would wait for ever
    lint = invoke(runner, "lint", root)
    assert lint.exit_code == 0
    assert f"skipped {root / 'pipe.yaml'}: not a regular file" in lint.stderr
    test = invoke(runner, "test", root)
    assert test.exit_code == 0, test.output
    assert "1 passed, 0 failed" in test.output


def test_lint_json_lists_skipped_files(runner, tmp_path):
    root = _project(tmp_path)
    result = invoke(runner, "lint", root, "--format", "json")
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert {s["file"] for s in data["skipped"]} == {
        str(root / ".eslintrc.yml"),
        str(root / ".yamllint.yaml"),
        str(root / ".gitlab-ci.yml"),
        str(root / ".pre-commit-config.yaml"),
        str(root / "broken-ci.yml"),
        str(root / "deals" / "d-1.yaml"),
    }


def test_the_shipped_playbook_folder_lints_its_tests_too(runner):
    result = invoke(runner, "lint", PLAYBOOKS)
    assert result.exit_code == 0, result.output
    checked = int(result.stdout.split("ok: ")[1].split(" files")[0])
    shipped = [p for p in PLAYBOOKS.rglob("*.yaml") if "examples" not in p.parts]
    assert checked == len(shipped)
    assert result.stderr == (
        f"skipped {PLAYBOOKS / 'examples' / 'direct-enterprise-visit.yaml'}: {NOT_OURS}\n"
    )


# -- shell completion -----------------------------------------------------------------------


def test_the_completion_script_is_produced(runner):
    result = invoke(runner, env={"_KAM_COMPLETE": "bash_source"}, prog_name="kam")
    assert result.exit_code == 0
    assert "_kam_completion()" in result.output
    assert "complete -o nosort -F _kam_completion kam" in result.output


@pytest.mark.parametrize(
    ("args", "incomplete"),
    [
        (["lint"], "play"),
        (["test"], "play"),
        (["validate"], "play"),
        (["validate", "x.json", "-p"], "play"),
        (["explain", "x.json", "--playbook"], "play"),
        (["advance", "x.json", "-p"], "play"),
        (["docs"], "play"),
        (["docs", "x.yaml", "-o"], "hand"),
        (["diff"], "play"),
        (["diff", "a.yaml"], "play"),
        (["schema", "deal", "-p"], "play"),
        (["test", "--junit-xml"], "rep"),
    ],
)
def test_file_arguments_complete_as_files(args, incomplete):
    from click.shell_completion import BashComplete

    complete = BashComplete(main, {}, "kam", "_KAM_COMPLETE")
    items = complete.get_completions(args, incomplete)
    assert [(i.type, i.value) for i in items] == [("file", incomplete)]


def test_junit_xml_naming_a_test_file_is_refused_and_the_file_kept(runner, suites):
    """`--junit-xml` pointed (by a slip of tab completion) at a test file used to replace
    the test file with the report."""
    good = suites[0]
    before = good.read_bytes()
    result = invoke(runner, "test", good, "--junit-xml", good)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{good}: is a test file of this command; write to another file"
    ]
    assert good.read_bytes() == before


def test_a_folder_check_reads_yaml_names_in_any_case(runner, tmp_path):
    """A broken playbook saved as `Pricing.YAML` used to be passed over without a word:
    `kam lint DIR` said ok, and `kam test DIR` never ran the test file `Cases.YML`."""
    (tmp_path / "Pricing.YAML").write_text("kam: 1\nid: [oops\n", encoding="utf-8")
    lint = invoke(runner, "lint", tmp_path)
    assert lint.exit_code == 2, lint.output
    assert f"{tmp_path / 'Pricing.YAML'}:3:1: error[yaml-syntax]" in lint.stdout
    (tmp_path / "Pricing.YAML").unlink()
    suite(tmp_path, "Cases.YML", [("wrongly expects a block", "blocked")])
    test = invoke(runner, "test", tmp_path)
    assert test.exit_code == 1, test.output
    assert "0 passed, 1 failed" in test.stdout


def test_a_folder_of_versions_reads_yaml_names_in_any_case(runner, tmp_path):
    """`-p FOLDER` holding only `Courier.YAML` said 'holds playbooks (none)'."""
    import shutil

    shutil.copy(PLAYBOOKS / "tutorial" / "courier-contracts.yaml", tmp_path / "Courier.YAML")
    deal = PLAYBOOKS / "tutorial" / "quote-hx.json"
    result = invoke(runner, "validate", deal, "-p", tmp_path, "--as-of", "2026-03-02")
    assert result.exit_code == 3, result.output
    assert "playbook courier-contracts 2026.1" in result.stdout
