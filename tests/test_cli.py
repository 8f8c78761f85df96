"""The kam command line, in-process with click's CliRunner: output and exit codes."""

from __future__ import annotations

import json

import pytest

from engine.cli import main

from .conftest import AUTO_DEALER, BASE_DEAL, PLAYBOOKS

EXAMPLES = PLAYBOOKS / "examples"
PB = str(AUTO_DEALER)
AS_OF = ("--as-of", "2026-03-02")  # a day auto-dealer.yaml (2026.1) is in force


def invoke(runner, *args, **kw):
    return runner.invoke(main, [str(a) for a in args], **kw)


def advance(runner, example, to, *extra):
    """`kam advance` of an example deal by li.na with the auto-dealer playbook."""
    return invoke(
        runner, "advance", EXAMPLES / example, "--to", to, "--by", "li.na", "-p", PB, *extra
    )


@pytest.mark.parametrize(
    ("example", "code", "status"),
    [
        ("gov-tender-ready-to-close.json", 0, "OK"),
        ("needs-approvals.json", 3, "NEEDS APPROVAL"),
        ("blocked-overdue-above-retail.json", 1, "BLOCKED"),
    ],
)
def test_validate_exit_codes(runner, example, code, status):
    result = invoke(runner, "validate", EXAMPLES / example, "-p", PB, "--as-of", "2026-03-02")
    assert result.exit_code == code
    assert f"Status: {status}" in result.output


def test_validate_text_is_grouped_and_readable(runner):
    result = invoke(
        runner, "validate", EXAMPLES / "needs-approvals.json", "-p", PB, "--as-of", "2026-03-02"
    )
    out = result.output
    order = [
        out.index(h) for h in ("Warnings (1)", "Approvals (4)", "Next moves (2)", "Facts (19)")
    ]
    assert order == sorted(order)
    assert "… General manager (pending): discount 18.00% is above the 15% tier" in out
    assert "\x1b[" not in out  # no colour codes when not on a terminal


@pytest.mark.parametrize(
    "example", ["needs-approvals.json", "blocked-overdue-above-retail.json"], ids=str
)
def test_validate_text_names_each_rule_once_per_line(runner, example):
    result = invoke(runner, "validate", EXAMPLES / example, "-p", PB, "--as-of", "2026-03-02")
    data = json.loads(
        invoke(
            runner,
            "validate",
            EXAMPLES / example,
            "-p",
            PB,
            "--as-of",
            "2026-03-02",
            "--format",
            "json",
        ).stdout
    )
    rules = {a["rule"] for a in data["approvals"]} | {v["rule"] for v in data["violations"]}
    assert rules
    for line in result.output.splitlines():
        for rule in rules:
            assert line.count(f"[{rule}]") + line.count(f"({rule})") <= 1, line


def test_validate_colour_on_a_terminal(runner):
    result = invoke(
        runner,
        "validate",
        EXAMPLES / "needs-approvals.json",
        "-p",
        PB,
        "--as-of",
        "2026-03-02",
        color=True,
    )
    assert "\x1b[33m" in result.output  # yellow status


def test_validate_in_chinese(runner):
    result = invoke(
        runner,
        "validate",
        EXAMPLES / "needs-approvals.json",
        "-p",
        PB,
        "--as-of",
        "2026-03-02",
        "--lang",
        "zh",
    )
    assert "状态: 待审批" in result.output
    assert "须总经理审批" in result.output
    assert "洽谈协商" in result.output


def test_lang_from_environment(runner):
    result = invoke(
        runner,
        "validate",
        EXAMPLES / "needs-approvals.json",
        "-p",
        PB,
        "--as-of",
        "2026-03-02",
        env={"KAM_LANG": "zh"},
    )
    assert "状态" in result.output


def test_validate_json_from_stdin(runner):
    result = invoke(
        runner,
        "validate",
        "-",
        "-p",
        PB,
        "--format",
        "json",
        "--as-of",
        "2026-03-02",
        input=json.dumps(BASE_DEAL),
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "ok"
    assert data["as_of"] == "2026-03-02"
    assert data["facts"]["amount"] == 500


def test_validate_yaml_from_stdin(runner):
    text = (EXAMPLES / "direct-enterprise-visit.yaml").read_text(encoding="utf-8")
    result = invoke(runner, "validate", "-", "-p", PB, "--as-of", "2026-03-02", input=text)
    assert result.exit_code == 0, result.output
    assert "DE-2026-021" in result.output


def test_as_of_defaults_to_today(runner):
    from datetime import date

    result = invoke(
        runner,
        "validate",
        EXAMPLES / "gov-tender-ready-to-close.json",
        "-p",
        PLAYBOOKS,
        "--id",
        "auto-dealer",
        "--format",
        "json",
    )
    assert json.loads(result.stdout)["as_of"] == date.today().isoformat()


def _today(monkeypatch, day):
    """The clock ``kam`` reads for a missing --as-of, set to ``day``."""
    from datetime import date

    import engine.cli

    class Day(date):
        @classmethod
        def today(cls):
            return day

    monkeypatch.setattr(engine.cli, "date", Day)


@pytest.mark.parametrize("command", ["validate", "explain"])
def test_a_file_not_in_force_today_is_refused_as_for_an_explicit_date(runner, monkeypatch, command):
    """The practitioner review (item 7): without --as-of, 2026.1 judged a November deal (a 13%
    discount went to the marketing director, where 2026.2 asks the general manager)."""
    from datetime import date

    _today(monkeypatch, date(2026, 11, 30))
    result = invoke(runner, command, EXAMPLES / "gov-tender-ready-to-close.json", "-p", PB)
    assert result.exit_code == 2, result.output
    assert "(auto-dealer 2026.1) is not in force on 2026-11-30" in result.stderr
    assert "2026.2 is in force then: give the folder (-p " in result.stderr
    assert " --id auto-dealer)" in result.stderr
    folder = invoke(
        runner, command, EXAMPLES / "gov-tender-ready-to-close.json", "-p", PLAYBOOKS,
        "--id", "auto-dealer",
    )  # fmt: skip
    assert folder.exit_code == 0, folder.output
    assert "auto-dealer 2026.2 · as of 2026-11-30" in folder.stdout


def test_a_file_in_force_today_judges_without_as_of(runner, monkeypatch):
    from datetime import date

    _today(monkeypatch, date(2026, 6, 30))
    result = invoke(runner, "validate", EXAMPLES / "gov-tender-ready-to-close.json", "-p", PB)
    assert result.exit_code == 0, result.output
    assert "auto-dealer 2026.1 · as of 2026-06-30" in result.stdout


@pytest.mark.parametrize("command", ["advance", "approve"])
def test_commands_that_change_a_deal_refuse_a_file_not_in_force_too(runner, command):
    extra = (
        ["--to", "closing", "--by", "li.na"]
        if command == "advance"
        else ["--role", "general_manager", "--by", "zhao.lei"]
    )
    result = invoke(
        runner, command, EXAMPLES / "gov-tender-ready-to-close.json", "-p", PB,
        "--as-of", "2026-11-30", *extra,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "is not in force on 2026-11-30" in result.stderr


def test_bad_as_of(runner):
    result = invoke(
        runner, "validate", EXAMPLES / "needs-approvals.json", "-p", PB, "--as-of", "2026-02-30"
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "--as-of: '2026-02-30' is not a date (YYYY-MM-DD)"


def test_bad_playbook_gives_exit_2_with_locations(runner):
    result = invoke(
        runner,
        "validate",
        EXAMPLES / "needs-approvals.json",
        "-p",
        "tests/fixtures/invalid/unknown-stage.yaml",
    )
    assert result.exit_code == 2
    assert "unknown-stage.yaml:14:22: error[unknown-stage]" in result.stderr


def test_missing_playbook(runner):
    result = invoke(runner, "validate", EXAMPLES / "needs-approvals.json", "-p", "nope.yaml")
    assert result.exit_code == 2
    assert "nope.yaml:1:1: error[input]: cannot read the file" in result.stderr


def test_usage_errors_exit_2(runner):
    assert invoke(runner, "validate", "x.json").exit_code == 2  # no --playbook
    assert invoke(runner, "frobnicate").exit_code == 2
    assert invoke(runner, "validate", "x", "-p", PB, "--lang", "fr").exit_code == 2


def test_explain_lists_every_rule_with_values(runner):
    result = invoke(
        runner, "explain", EXAMPLES / "needs-approvals.json", "-p", PB, "--as-of", "2026-03-02"
    )
    assert result.exit_code == 3
    out = result.output
    assert "● rule P5: fired" in out
    assert "saw: deal.customer.shared_territory = true" in out
    assert "○ rule P6: not fired" in out
    assert (
        "– rule V-SP: not applicable — category direct_enterprise is not among its "
        "categories (system_purchasing)"
    ) in out
    assert "● row DISCOUNT#4: fired — above 15%" in out
    assert "○ row DISCOUNT#3: not fired" in out


def test_explain_says_when_a_value_is_missing(runner):
    deal = dict(
        BASE_DEAL, customer={k: v for k, v in BASE_DEAL["customer"].items() if k != "overdue_days"}
    )
    result = invoke(
        runner, "explain", "-", "-p", PB, "--as-of", "2026-03-02", input=json.dumps(deal)
    )
    assert (
        "? rule CREDIT-OVERDUE: unknown — deal.customer.overdue_days is missing → on_missing: ask"
    ) in result.output


def test_explain_json(runner):
    result = invoke(
        runner,
        "explain",
        EXAMPLES / "needs-approvals.json",
        "-p",
        PB,
        "--as-of",
        "2026-03-02",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    steps = {(s["kind"], s["id"]): s for s in data["steps"]}
    assert steps[("rule", "P5")]["outcome"] == "fired"
    assert steps[("rule", "P5")]["reads"] == {"deal.customer.shared_territory": True}
    assert steps[("fact", "discount")]["detail"] == "= 0.18"


def test_advance_prints_the_moved_deal(runner):
    result = advance(runner, "gov-tender-ready-to-close.json", "closing", "--as-of", "2026-03-02")
    assert result.exit_code == 0, result.output
    deal = json.loads(result.stdout)
    assert deal["stage"] == "closing"
    assert deal["history"] == [
        {"from": "negotiation", "to": "closing", "by": "li.na", "at": "2026-03-02"}
    ]
    assert deal["lines"][0]["unit_price"] == 152000.00  # money written back exactly
    assert '"unit_price": 152000.00' in result.stdout


def test_advance_refused_lists_what_is_missing(runner):
    result = advance(runner, "needs-approvals.json", "closing", "--as-of", "2026-03-02")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "cannot move from negotiation to closing" in result.stderr
    assert "approval by general manager is pending [DISCOUNT]" in result.stderr


def test_advance_to_a_stage_with_no_move(runner):
    result = advance(runner, "gov-tender-ready-to-close.json", "retention", "--as-of", "2026-03-02")
    assert result.exit_code == 1
    assert "the playbook has no move from negotiation to retention" in result.stderr
    assert "moves from negotiation: closing, lost" in result.stderr


def test_advance_to_an_unknown_stage(runner):
    result = advance(runner, "gov-tender-ready-to-close.json", "won", "--as-of", "2026-03-02")
    assert result.exit_code == 1
    assert "'won' is not a stage of this playbook" in result.stderr


def test_advance_pipes_into_validate(runner):
    moved = advance(
        runner, "gov-tender-ready-to-close.json", "closing", "--as-of", "2026-03-02"
    ).stdout
    result = invoke(
        runner, "validate", "-", "-p", PB, "--as-of", "2026-03-02", "--format", "json", input=moved
    )
    assert json.loads(result.stdout)["stage"] == "closing"


@pytest.mark.parametrize("which", ["playbook", "result"])
def test_schema_bundled(runner, which):
    result = invoke(runner, "schema", which)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$schema"].endswith("2020-12/schema")


def test_schema_deal(runner):
    result = invoke(runner, "schema", "deal", "-p", PB)
    schema = json.loads(result.stdout)
    assert schema["required"] == ["id", "category", "stage"]
    assert schema["properties"]["category"]["enum"] == [
        "government_procurement",
        "system_purchasing",
        "direct_enterprise",
    ]
    assert schema["properties"]["lines"]["items"]["properties"]["list_price"]["type"] == [
        "number",
        "null",
    ]


def test_schema_deal_needs_a_playbook(runner):
    result = invoke(runner, "schema", "deal")
    assert result.exit_code == 2
    assert "needs --playbook" in result.stderr


def test_help_and_version(runner):
    result = invoke(runner, "--help")
    assert result.exit_code == 0
    assert "Exit codes: 0 ok" in result.output
    assert invoke(runner, "--version").exit_code == 0


def test_internal_errors_never_show_a_traceback(runner, monkeypatch):
    import engine.app.playbook

    def boom(*a, **k):
        raise RuntimeError("kaput")

    monkeypatch.setattr(engine.app.playbook.Playbook, "evaluate", boom)
    result = invoke(runner, "validate", EXAMPLES / "needs-approvals.json", "-p", PB, *AS_OF)
    assert result.exit_code == 4
    assert "internal error: RuntimeError: kaput" in result.stderr
    assert "Traceback" not in result.output


def test_ctrl_c_exits_130_without_a_traceback(runner, monkeypatch):
    import engine.app.playbook

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.app.playbook.Playbook, "evaluate", interrupted)
    result = invoke(runner, "validate", EXAMPLES / "needs-approvals.json", "-p", PB, *AS_OF)
    assert result.exit_code == 130
    assert result.stderr == "interrupted\n"
    assert result.stdout == ""


def test_console_script_runs(tmp_path):
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "validate",
            str(EXAMPLES / "needs-approvals.json"),
            "-p",
            PB,
            "--as-of",
            "2026-03-02",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 3
    assert "NEEDS APPROVAL" in out.stdout


def test_closed_pipe_is_quiet(tmp_path):
    import subprocess
    import sys

    cmd = (
        f"{sys.executable} -m engine explain {EXAMPLES / 'needs-approvals.json'} -p {PB} "
        f"--as-of 2026-03-02 | head -1"
    )
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True, check=False)
    assert "Traceback" not in out.stderr
    assert "BrokenPipe" not in out.stderr


def test_a_due_date_past_the_calendar_is_no_due_date_not_a_crash(runner, tmp_path):
    """--as-of 9999-12-31 (or a playbook's due_in_days of a million years) was exit 4:
    OverflowError adding the days of an action's due date."""
    tutorial = PLAYBOOKS / "tutorial"
    deal = str(tutorial / "quote-hx.json")
    far = tmp_path / "far.yaml"
    far.write_text(
        (tutorial / "courier-contracts.yaml")
        .read_text(encoding="utf-8")
        .replace("document_due_days:\n    value: 5", "document_due_days:\n    value: 999999999999"),
        encoding="utf-8",
    )
    for playbook, as_of in (
        (tutorial / "courier-contracts.yaml", "9999-12-31"),
        (far, "2026-03-02"),
    ):
        for command in ("validate", "explain"):
            result = runner.invoke(main, [command, deal, "-p", str(playbook), "--as-of", as_of])
            assert result.exit_code == 3, result.output
        args = ["validate", deal, "-p", str(playbook), "--as-of", as_of, "--format", "json"]
        (action,) = json.loads(runner.invoke(main, args).stdout)["actions"]
        assert action["due"] is None  # no due date, rather than none of the results
