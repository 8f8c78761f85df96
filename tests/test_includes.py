"""Policy modules: included, merged, overridden - and never from outside the playbook folder."""

from __future__ import annotations

import os

import pytest

import engine
from engine.cli import main

from .conftest import AS_OF, AUTO_DEALER, FIXTURES, PLAYBOOKS, ROOT

INC = FIXTURES / "includes"


def test_module_rules_apply_and_parameters_can_be_overridden():
    pb = engine.load_playbook(INC / "base.yaml")
    deal = {"id": "1", "category": "direct", "stage": "open", "amount": 600}
    (a,) = pb.evaluate(deal, as_of=AS_OF).approvals
    assert (a.rule, a.role) == ("LIMIT", "manager")  # 600 > the playbook's 500, not 1000
    assert pb.model.parameters["limit"].value == 500


def test_auto_dealer_uses_the_shared_credit_module(auto_dealer):
    assert "modules/credit-policy.yaml" in auto_dealer.model.includes
    rules = {r.id: r.location.file for r in auto_dealer.model.rules}
    assert rules["C1"].endswith("modules/credit-policy.yaml")
    assert rules["P6"].endswith("auto-dealer.yaml")


def test_diagnostics_name_the_module_file(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(main, ["lint", "tests/fixtures/includes/uses-broken.yaml"])
    assert result.exit_code == 2
    assert result.output.startswith(
        "tests/fixtures/includes/modules/broken.yaml:5:16: "
        "error[unknown-name]: deal has no field 'amont'"
    )


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ("../../../../secrets.yaml", "include-escape"),
        ("/etc/passwd", "include-absolute"),
        ("https://example.com/policy.yaml", "include-url"),
        ("modules/missing.yaml", "include-missing"),
        ("base.yaml", "not-a-module"),
    ],
)
def test_unsafe_includes_are_refused(entry, code):
    with pytest.raises(engine.PlaybookError) as info:
        engine.load_playbook(INC / "escape.yaml")
    found = {d.code: d for d in info.value.diagnostics}
    assert code in found
    assert found[code].location.file.endswith("escape.yaml")


def test_include_cycle_and_depth():
    with pytest.raises(engine.PlaybookError) as info:
        engine.load_playbook(INC / "cycle.yaml")
    (d,) = info.value.diagnostics
    assert d.code == "include-cycle"
    assert "cycle-a.yaml -> cycle-b.yaml -> cycle-a.yaml" in d.message
    with pytest.raises(engine.PlaybookError) as info:
        engine.load_playbook(INC / "deep.yaml")
    assert [d.code for d in info.value.diagnostics] == ["include-depth"]


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("kam: 1\nmodule: secret\npassword: hunter2\n")
    book = tmp_path / "book"
    (book / "modules").mkdir(parents=True)
    os.symlink(outside / "secret.yaml", book / "modules" / "link.yaml")
    (book / "p.yaml").write_text(
        (INC / "base.yaml").read_text().replace("modules/limits.yaml", "modules/link.yaml")
    )
    with pytest.raises(engine.PlaybookError) as info:
        engine.load_playbook(book / "p.yaml")
    assert [d.code for d in info.value.diagnostics] == ["include-escape"]
    assert "hunter2" not in str(info.value)


def test_a_module_fact_left_for_the_playbook_must_be_defined(tmp_path):
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "credit.yaml").write_text(
        (PLAYBOOKS / "modules" / "credit-policy.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "p.yaml").write_text(
        "kam: 1\nid: p\nversion: '1'\ntitle: P\ncurrency: CNY\ninclude: [modules/credit.yaml]\n"
        "categories: {direct: {}}\nstages: {open: {}, done: {terminal: true}}\n"
        "transitions: [{from: open, to: done}]\n"
    )
    with pytest.raises(engine.PlaybookError) as info:
        engine.load_playbook(tmp_path / "p.yaml")
    missing = [d for d in info.value.diagnostics if d.code == "missing-key"]
    # the module leaves both the deal amount and the credit exposure to the playbook
    assert [m.message.split(" needs")[0] for m in missing] == ["fact 'amount'", "fact 'exposure'"]
    assert all(d.location.file.endswith("credit.yaml") for d in missing)


def test_lint_a_module_on_its_own(runner):
    result = runner.invoke(main, ["lint", str(PLAYBOOKS / "modules" / "credit-policy.yaml")])
    assert result.exit_code == 0, result.output


def test_hash_covers_included_content(tmp_path):
    import shutil

    shutil.copytree(INC, tmp_path / "inc")
    a = engine.load_playbook(tmp_path / "inc" / "base.yaml").hash
    mod = tmp_path / "inc" / "modules" / "limits.yaml"
    mod.write_text(mod.read_text().replace("then: approval", "then: approval\n    mode: shadow"))
    assert engine.load_playbook(tmp_path / "inc" / "base.yaml").hash != a


def test_auto_dealer_still_loads(auto_dealer):
    assert auto_dealer.file == str(AUTO_DEALER)


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("modules/" + "x" * 300 + ".yaml", "file name too long"),  # ENAMETOOLONG (fuzz finding)
        ("modules/loop.yaml", "a symbolic link leads back to itself"),
    ],
)
def test_an_include_the_system_cannot_read_is_a_located_problem(tmp_path, entry, why):
    (tmp_path / "modules").mkdir()
    os.symlink("loop.yaml", tmp_path / "modules" / "loop.yaml")
    (tmp_path / "p.yaml").write_text(
        (INC / "base.yaml").read_text().replace("modules/limits.yaml", entry)
    )
    with pytest.raises(engine.PlaybookError) as info:
        engine.load_playbook(tmp_path / "p.yaml")
    (d,) = info.value.diagnostics
    assert d.code == "include-unreadable"
    assert why in d.message
    assert d.hint
    assert d.location.line > 1
    assert str(tmp_path) not in d.message
