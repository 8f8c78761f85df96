"""`kam diff`: what changed between two playbooks, in words an ops reviewer can check."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

import engine
from engine.cli import main

from .conftest import AUTO_DEALER, FIXTURES, PLAYBOOKS

NEXT = PLAYBOOKS / "auto-dealer-2026-2.yaml"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def copy(tmp_path):
    """An editable copy of the playbooks folder (with its modules)."""
    shutil.copytree(PLAYBOOKS, tmp_path / "pb", ignore=shutil.ignore_patterns("examples", "tests"))
    return tmp_path / "pb"


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def changes(d):
    return [(c.kind, c.path) for c in d.changes]


def test_the_next_version_shows_exactly_its_changes():
    d = engine.diff_playbooks(AUTO_DEALER, NEXT)
    assert not d.same_meaning
    assert changes(d) == [
        ("changed", "version"),
        ("changed", "effective_from"),
        ("removed", "effective_to"),
        ("changed", "parameters.discount_gm.value"),
        ("added", "parameters.large_volume_units"),
        ("added", "rules[P4]"),
    ]
    gm = d.changes[3]
    assert (gm.old, gm.new) == ("15%", "12%")
    assert str(gm.at) == f"{NEXT}:13:12"


def test_text_output_names_values_and_places(runner):
    result = runner.invoke(main, ["diff", str(AUTO_DEALER), str(NEXT)])
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("auto-dealer 2026.1 (")
    assert "6 changes" in out
    assert "~ parameters.discount_gm.value: 15% → 12%" in out
    assert "+ rules[P4] added: A negotiated price for a very large volume" in out
    assert "auto-dealer-2026-2.yaml:13:12" in out


def test_json_output(runner):
    result = runner.invoke(main, ["diff", str(AUTO_DEALER), str(NEXT), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["old"]["version"] == "2026.1"
    assert data["new"]["version"] == "2026.2"
    assert data["same_meaning"] is False
    first = data["changes"][0]
    assert first == {
        "change": "changed",
        "path": "version",
        "old": "2026.1",
        "new": "2026.2",
        "at": first["at"],
    }
    p4 = next(c for c in data["changes"] if c["path"] == "rules[P4]")
    assert p4["old"] is None
    assert p4["new"]["mode"] == "shadow"


def test_formatting_and_comments_are_not_changes(runner, copy):
    file = copy / "auto-dealer.yaml"
    edit(
        file,
        "  discount_md:\n    value: 10%\n",
        "  discount_md:   # the MD's tier\n    value:  10%\n",
    )
    d = engine.diff_playbooks(AUTO_DEALER, file)
    assert d.same_meaning
    assert d.changes == ()
    result = runner.invoke(main, ["diff", str(AUTO_DEALER), str(file), "--exit-code"])
    assert result.exit_code == 0
    assert "same meaning" in result.stdout


def test_exit_code_flag_says_they_differ(runner):
    result = runner.invoke(main, ["diff", str(AUTO_DEALER), str(NEXT), "--exit-code"])
    assert result.exit_code == 1


def test_an_inserted_table_row_is_one_addition(copy):
    file = copy / "auto-dealer.yaml"
    edit(
        file,
        "      - {above: params.discount_gm, role: general_manager}\n",
        "      - {above: params.discount_gm, up_to: 30%, role: general_manager}\n"
        "      - {above: 30%, role: manufacturer}\n",
    )
    d = engine.diff_playbooks(AUTO_DEALER, file)
    assert changes(d) == [
        ("added", "tables[DISCOUNT].rows[4].up_to"),
        ("added", "tables[DISCOUNT].rows[5]"),
    ]
    lines = file.read_text(encoding="utf-8").splitlines()
    assert d.changes[1].at.line == lines.index("      - {above: 30%, role: manufacturer}") + 1


def test_reordered_rules_are_reported(copy):
    file = copy / "auto-dealer.yaml"
    text = file.read_text(encoding="utf-8")
    p6, p7, end = (text.index(f"\n  - id: {r}\n") + 1 for r in ("P6", "P7", "VISIT-RECORD"))
    file.write_text(text[:p6] + text[p7:end] + text[p6:p7] + text[end:], encoding="utf-8")
    d = engine.diff_playbooks(AUTO_DEALER, file)
    assert [c.kind for c in d.changes] == ["reordered"]
    assert d.changes[0].path == "rules"
    assert d.changes[0].old.index("P6") < d.changes[0].old.index("P7")
    assert d.changes[0].new.index("P7") < d.changes[0].new.index("P6")


def test_a_change_in_a_shared_module_points_at_the_module(copy):
    module = copy / "modules" / "credit-policy.yaml"
    edit(module, "  overdue_block_days:\n    value: 90\n", "  overdue_block_days:\n    value: 60\n")
    d = engine.diff_playbooks(AUTO_DEALER, copy / "auto-dealer.yaml")
    assert changes(d) == [("changed", "parameters.overdue_block_days.value")]
    assert (d.changes[0].old, d.changes[0].new) == (90, 60)
    assert d.changes[0].at.file.endswith("credit-policy.yaml")
    lines = module.read_text(encoding="utf-8").splitlines()
    assert d.changes[0].at.line == lines.index("    value: 60") + 1


def test_moves_are_matched_by_from_and_to(copy):
    file = copy / "auto-dealer.yaml"
    edit(
        file,
        "  - {from: follow_up, to: retention, all_clear: true}\n",
        "  - {from: closing, to: negotiation}\n  - {from: follow_up, to: retention, all_clear: true}\n",
    )
    d = engine.diff_playbooks(AUTO_DEALER, file)
    assert changes(d) == [("added", "transitions[closing → negotiation]")]
    assert d.changes[0].at.file == str(file)
    d = engine.diff_playbooks(file, AUTO_DEALER)
    assert changes(d) == [("removed", "transitions[closing → negotiation]")]
    assert d.changes[0].at.file == str(file)  # where it stood


def test_a_broken_playbook_is_refused_with_its_locations(runner, copy):
    file = copy / "auto-dealer.yaml"
    edit(file, "  discount_md:\n    value: 10%\n", "  discount_md:\n    value: ten\n")
    result = runner.invoke(main, ["diff", str(AUTO_DEALER), str(file)])
    assert result.exit_code == 2
    lines = file.read_text(encoding="utf-8").splitlines()
    at = f"{file}:{lines.index('    value: ten') + 1}:12"  # at the bad value itself
    assert f"{at}: error[type]: parameter 'discount_md'" in result.stderr
    assert result.stdout == ""


def test_a_missing_file(runner, tmp_path):
    result = runner.invoke(main, ["diff", str(AUTO_DEALER), str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.output


def test_emptying_a_list_removes_each_entry(tmp_path):
    minimal = FIXTURES / "valid" / "minimal.yaml"
    text = minimal.read_text(encoding="utf-8")
    start, end = text.index("rules:\n"), text.index("stages:\n")
    empty = tmp_path / "minimal.yaml"
    empty.write_text(text[:start] + "rules: []\n" + text[end:], encoding="utf-8")
    d = engine.diff_playbooks(minimal, empty)
    assert changes(d) == [("removed", "rules[BIG]")]
    assert d.changes[0].at.file == str(minimal)


def test_two_versions_of_a_module(runner, copy, tmp_path):
    module = copy / "modules" / "credit-policy.yaml"
    edit(module, "  overdue_block_days:\n    value: 90\n", "  overdue_block_days:\n    value: 60\n")
    original = PLAYBOOKS / "modules" / "credit-policy.yaml"
    d = engine.diff_playbooks(original, module)
    assert (d.old.version, d.new.version) == ("module", "module")
    assert changes(d) == [("changed", "parameters.overdue_block_days.value")]
    result = runner.invoke(main, ["diff", str(original), str(AUTO_DEALER)])
    assert result.exit_code == 2
    assert "a module and a playbook" in result.stderr


# -- where a changed number comes from (parameters' source:) -----------------------------------


def test_a_changed_company_setting_says_so(runner):
    d = engine.diff_playbooks(AUTO_DEALER, NEXT)
    gm = next(c for c in d.changes if c.path == "parameters.discount_gm.value")
    assert gm.source == "company"
    assert next(c for c in d.changes if c.path == "version").source is None
    out = runner.invoke(main, ["diff", str(AUTO_DEALER), str(NEXT)]).stdout
    assert "~ parameters.discount_gm.value: 15% → 12%  [company setting, not from the guide]" in out
    assert "~ version: 2026.1 → 2026.2\n" in out  # only parameters carry a source
    data = json.loads(
        runner.invoke(main, ["diff", str(AUTO_DEALER), str(NEXT), "--format", "json"]).stdout
    )
    gm_json = next(c for c in data["changes"] if c["path"] == "parameters.discount_gm.value")
    assert gm_json["source"] == "company"
    assert "source" not in data["changes"][0]


def test_changing_a_number_the_guide_gives_cites_the_guide(runner, copy):
    file = copy / "auto-dealer.yaml"
    edit(file, "  group_minimum_units:\n    value: 5\n", "  group_minimum_units:\n    value: 4\n")
    d = engine.diff_playbooks(AUTO_DEALER, file)
    (change,) = d.changes
    assert change.path == "parameters.group_minimum_units.value"
    assert change.source == {
        "guide": {
            "en": "000, commercial policy 1(2): other groups from 5 units",
            "zh": "000 §商务规定及政策 1(2)：其它团体 5 台（含）以上",
        }
    }
    out = runner.invoke(main, ["diff", str(AUTO_DEALER), str(file)]).stdout
    assert "5 → 4  [from the guide: 000, commercial policy 1(2): other groups from 5 units]" in out


def test_a_removed_parameter_keeps_its_source_from_the_older_file(copy):
    file = copy / "auto-dealer.yaml"
    edit(file, "source: company\n", 'source: {guide: "000 p. 7"}\n')
    d = engine.diff_playbooks(AUTO_DEALER, file)
    (change,) = d.changes
    assert (change.kind, change.path) == ("changed", "parameters.discount_kam.source")
    assert change.source == {"guide": "000 p. 7"}  # as the newer file says
    d = engine.diff_playbooks(NEXT, AUTO_DEALER)
    removed = next(c for c in d.changes if c.path == "parameters.large_volume_units")
    assert removed.kind == "removed"
    assert removed.source == "company"
