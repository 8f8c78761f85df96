"""Versions with effective dates: the one in force is picked, overlaps are refused."""

from __future__ import annotations

import json
from datetime import date

import pytest

import engine
from engine.app.library import Library
from engine.cli import main

from .conftest import BASE_DEAL, FIXTURES, PLAYBOOKS, ROOT


def deal_with_discount(unit_price):
    deal = json.loads(json.dumps(BASE_DEAL))
    deal["lines"][0].update(unit_price=unit_price, list_price=100, floor_price=1)
    return deal


@pytest.mark.parametrize(
    ("as_of", "version", "role"),
    [
        ("2026-06-30", "2026.1", "marketing_director"),  # 13% is in the 10-15% tier
        ("2026-07-01", "2026.2", "general_manager"),  # from July the GM tier starts at 12%
    ],
)
def test_the_version_in_force_decides(runner, as_of, version, role):
    result = runner.invoke(
        main,
        [
            "validate",
            "-",
            "-p",
            str(PLAYBOOKS),
            "--id",
            "auto-dealer",
            "--as-of",
            as_of,
            "--format",
            "json",
        ],
        input=json.dumps(deal_with_discount(87)),
    )
    data = json.loads(result.stdout)
    assert data["playbook"]["version"] == version
    assert [a["role"] for a in data["approvals"] if a["rule"] == "DISCOUNT"] == [role]


def test_the_two_versions_have_different_hashes():
    lib = Library(PLAYBOOKS)
    a = lib.pick("auto-dealer", date(2026, 3, 1))
    b = lib.pick("auto-dealer", date(2026, 9, 1))
    assert (a.version, b.version) == ("2026.1", "2026.2")
    assert a.hash != b.hash


def test_a_version_can_be_named(runner):
    result = runner.invoke(
        main,
        [
            "validate",
            "-",
            "-p",
            str(PLAYBOOKS),
            "--id",
            "auto-dealer",
            "--version",
            "2026.1",
            "--as-of",
            "2026-09-01",
            "--format",
            "json",
        ],
        input=json.dumps(deal_with_discount(87)),
    )
    assert json.loads(result.stdout)["playbook"]["version"] == "2026.1"


def test_no_version_in_force(runner):
    result = runner.invoke(
        main,
        ["validate", "-", "-p", str(PLAYBOOKS), "--id", "auto-dealer", "--as-of", "2025-12-31"],
        input=json.dumps(BASE_DEAL),
    )
    assert result.exit_code == 2
    assert "no version of auto-dealer is in force on 2025-12-31" in result.stderr
    assert "2026.1: 2026-01-01 to 2026-06-30; 2026.2: 2026-07-01 to open end" in result.stderr


@pytest.mark.parametrize(
    ("as_of", "hint"),
    [
        ("0001-01-01", "give --as-of a date within one of these periods"),
        ("2025-12-31", "give --as-of a date within one of these periods"),
        ("2026-07-01", "2026.2 is in force then: give "),
    ],
)
def test_a_file_not_in_force_on_the_date_asked_is_refused(runner, as_of, hint):
    """The practitioner review: --as-of 0001-01-01 judged the deal with 2026.1 silently."""
    result = runner.invoke(
        main,
        ["validate", "-", "-p", str(PLAYBOOKS / "auto-dealer.yaml"), "--as-of", as_of],
        input=json.dumps(BASE_DEAL),
    )
    assert result.exit_code == 2, result.output
    assert f"(auto-dealer 2026.1) is not in force on {as_of}" in result.stderr
    assert "2026.1: 2026-01-01 to 2026-06-30; 2026.2: 2026-07-01 to open end" in result.stderr
    assert hint in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("as_of", ["2026-01-01", "2026-06-30"])
def test_a_file_in_force_on_the_date_asked_judges_the_deal(runner, as_of):
    result = runner.invoke(
        main,
        ["validate", "-", "-p", str(PLAYBOOKS / "auto-dealer.yaml"), "--as-of", as_of],
        input=json.dumps(BASE_DEAL),
    )
    assert result.exit_code != 2, result.output


def test_a_folder_with_several_ids_needs_id(runner, tmp_path):
    text = (FIXTURES / "valid" / "minimal.yaml").read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text.replace("id: minimal", "id: other"))
    deal = json.dumps({"id": "1", "category": "direct", "stage": "open"})
    result = runner.invoke(main, ["validate", "-", "-p", str(tmp_path)], input=deal)
    assert result.exit_code == 2
    assert "holds playbooks minimal, other: say which with --id" in result.stderr
    result = runner.invoke(
        main, ["validate", "-", "-p", str(tmp_path), "--id", "other"], input=deal
    )
    assert result.exit_code == 0


def test_unknown_version_and_id(runner):
    result = runner.invoke(
        main,
        ["validate", "-", "-p", str(PLAYBOOKS), "--id", "auto-dealer", "--version", "2027.1"],
        input=json.dumps(BASE_DEAL),
    )
    assert "auto-dealer has no version '2027.1' (versions: 2026.1, 2026.2)" in result.stderr
    result = runner.invoke(
        main,
        ["validate", "-", "-p", str(PLAYBOOKS), "--id", "auto-deal"],
        input=json.dumps(BASE_DEAL),
    )
    assert "no playbook 'auto-deal'" in result.stderr
    assert "auto-dealer" in result.stderr


def test_shadow_rule_is_reported_but_never_changes_the_status(runner):
    deal = json.loads(json.dumps(BASE_DEAL))
    deal["lines"][0].update(quantity=60, unit_price=88, list_price=100, floor_price=1)
    deal["approvals"] = [
        {
            "role": "marketing_director",
            "by": "boss",
            "decision": "approved",
            "basis": {"discount": "12%", "concession": "720"},
        }
    ]
    result = runner.invoke(
        main,
        [
            "validate",
            "-",
            "-p",
            str(PLAYBOOKS),
            "--id",
            "auto-dealer",
            "--as-of",
            "2026-07-01",
            "--format",
            "json",
        ],
        input=json.dumps(deal),
    )
    data = json.loads(result.stdout)
    assert data["status"] == "ok"
    assert result.exit_code == 0
    assert [(s["kind"], s["rule"], s["role"], s["status"]) for s in data["shadow"]] == [
        ("approval", "P4", "general_manager", "pending")
    ]
    assert "P4" not in {a["rule"] for a in data["approvals"]}


def test_overlapping_versions_are_refused_by_lint(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(main, ["lint", "tests/fixtures/versions/overlap"])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        "tests/fixtures/versions/overlap/b.yaml:4:17: error[versions-overlap]: pricing 2 "
        "(2026-07-01 to open end) overlaps 1 in tests/fixtures/versions/overlap/a.yaml "
        "(2026-01-01 to 2026-07-15)"
    )
    assert "hint: end 1 with effective_to before 2026-07-01" in result.output


def test_extends_takes_the_base_and_changes_only_what_it_says():
    new = engine.load_playbook(PLAYBOOKS / "auto-dealer-2026-2.yaml")
    old = engine.load_playbook(PLAYBOOKS / "auto-dealer.yaml")
    assert (new.version, new.model.effective_from, new.model.effective_to) == (
        "2026.2",
        "2026-07-01",
        None,
    )
    assert {r.id for r in new.model.rules} == {r.id for r in old.model.rules} | {"P4"}
    changed = {
        k
        for k, p in new.model.parameters.items()
        if k not in old.model.parameters or old.model.parameters[k].value != p.value
    }
    assert changed == {"discount_gm", "large_volume_units"}


def test_lint_the_whole_playbook_folder(runner):
    result = runner.invoke(main, ["lint", str(PLAYBOOKS)])
    assert result.exit_code == 0, result.output


def test_fixture_folder_exists():
    assert (FIXTURES / "versions" / "overlap" / "a.yaml").exists()


@pytest.mark.parametrize("command", ["validate", "explain"])
def test_a_folder_whose_versions_clash_is_refused_as_lint_refuses_it(runner, tmp_path, command):
    """Two files with the same id and version (or periods that overlap): kam would silently
    take one of them. Every command that reads the folder refuses it with lint's problem."""
    text = (FIXTURES / "valid" / "minimal.yaml").read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text.replace("title:", "# a copy\ntitle:"))
    deal = json.dumps({"id": "1", "category": "direct", "stage": "open"})
    result = runner.invoke(main, [command, "-", "-p", str(tmp_path)], input=deal)
    assert result.exit_code == 2, result.output
    assert "error[duplicate-version]: minimal version 1 is also in " in result.stderr
    assert "Traceback" not in result.output
    lint = runner.invoke(main, ["lint", str(tmp_path)])
    assert lint.exit_code == 2
    assert "error[duplicate-version]" in lint.output


def test_versions_that_do_not_clash_are_still_chosen_by_date(tmp_path):
    text = (FIXTURES / "valid" / "minimal.yaml").read_text()
    assert "effective_from" not in text
    head = "effective_from: 2026-01-01\neffective_to: 2026-06-30\ntitle:"
    (tmp_path / "a.yaml").write_text(text.replace("title:", head))
    later = "effective_from: 2026-07-01\ntitle:"
    (tmp_path / "b.yaml").write_text(
        text.replace("title:", later).replace('version: "1"', 'version: "2"')
    )
    lib = Library(tmp_path)
    assert lib.pick(None, date(2026, 3, 2)).version == "1"
    assert lib.pick(None, date(2026, 8, 1)).version == "2"
