"""`kam test` over the shipped playbook suites: all pass, with full rule coverage; a broken
copy of a playbook fails with a readable diff."""

from __future__ import annotations

import shutil

from engine.cli import main

from .conftest import PLAYBOOKS


def test_shipped_suites_pass_with_full_coverage(runner):
    result = runner.invoke(main, ["test", str(PLAYBOOKS), "--coverage"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    done, total = lines[-2].split("coverage: ")[1].split(" rules")[0].split(" of ")
    assert done == total
    assert lines[-1].endswith(" passed, 0 failed")


def test_a_broken_copy_fails_with_a_readable_diff(runner, tmp_path):
    book = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, book)
    pb = book / "auto-dealer.yaml"
    pb.write_text(
        pb.read_text(encoding="utf-8").replace(
            "  discount_md:\n    value: 10%", "  discount_md:\n    value: 9%"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["test", str(book / "tests" / "auto-dealer")])
    assert result.exit_code == 1
    out = result.output
    assert (
        f"FAILED {book}/tests/auto-dealer/pricing.yaml::DISCOUNT exactly 10.00% still "
        "needs only the key-account manager"
    ) in out
    assert "    approvals: expected {rule: DISCOUNT, role: key_account_manager}" in out
    assert "        got DISCOUNT marketing_director pending" in out
    assert out.splitlines()[-1].endswith(" failed")
    assert " 0 failed" not in out.splitlines()[-1]


def test_coverage_lists_what_is_not_exercised(runner, tmp_path):
    suite = tmp_path / "one.yaml"
    suite.write_text(
        f"kam_test: 1\nplaybook: {PLAYBOOKS / 'auto-dealer.yaml'}\nas_of: 2026-03-02\n"
        f"base: {PLAYBOOKS / 'examples' / 'gov-tender-ready-to-close.json'}\n"
        "cases:\n  - name: clean\n    expect: {status: ok}\n"
    )
    result = runner.invoke(main, ["test", str(suite), "--coverage"])
    assert result.exit_code == 1
    assert "    - rule P6: never fired" in result.output
    assert "    - rule V-SP: never reached" in result.output
    assert "modules/credit-policy.yaml: 4 not covered" in result.output
    assert result.output.splitlines()[-1] == "1 passed, 0 failed"


def test_a_malformed_test_file_is_an_error_with_its_location(runner, tmp_path):
    suite = tmp_path / "bad.yaml"
    suite.write_text(
        f"kam_test: 1\nplaybook: {PLAYBOOKS / 'auto-dealer.yaml'}\ncases:\n"
        "  - name: x\n    expect: {stauts: ok}\n"
    )
    result = runner.invoke(main, ["test", str(suite)])
    assert result.exit_code == 2
    assert f"ERROR {suite}:5:14: error[unknown-key]: unknown key 'stauts'" in result.output
    assert "hint: did you mean 'status'?" in result.output


def test_a_case_may_expect_the_deal_to_be_refused(runner, tmp_path):
    suite = tmp_path / "refused.yaml"
    suite.write_text(
        f"kam_test: 1\nplaybook: {PLAYBOOKS / 'auto-dealer.yaml'}\nas_of: 2026-03-02\n"
        f"base: {PLAYBOOKS / 'examples' / 'gov-tender-ready-to-close.json'}\ncases:\n"
        "  - name: negative quantity\n    set: {lines.0.quantity: -1}\n"
        "    expect: {exit_code: 2, error_contains: '$.lines[0].quantity'}\n"
        "  - name: wrongly expected to pass\n    set: {lines.0.quantity: -1}\n"
        "    expect: {status: ok}\n"
    )
    result = runner.invoke(main, ["test", str(suite)])
    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert "::wrongly expected to pass" in result.output
    assert (
        "the deal was refused: $.lines[0].quantity: -1 is less than the allowed 0" in result.output
    )
    assert result.output.splitlines()[-1] == "1 passed, 1 failed"


def test_no_test_files(runner, tmp_path):
    result = runner.invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert "no test files found" in result.output
