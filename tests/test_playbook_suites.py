"""`kam test` over the shipped playbook suites: all pass, with full rule coverage; a broken
copy of a playbook fails with a readable diff."""

from __future__ import annotations

import shutil

import pytest

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
        "the deal was refused: $.lines[0].quantity: -1 is less than the allowed 1" in result.output
    )
    assert result.output.splitlines()[-1] == "1 passed, 1 failed"


def test_no_test_files(runner, tmp_path):
    result = runner.invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert "no test files found" in result.output


def _tutorial_case(tmp_path, set_text):
    suite = tmp_path / "odd.test.yaml"
    tutorial = PLAYBOOKS / "tutorial"
    suite.write_text(
        f"kam_test: 1\nplaybook: {tutorial / 'courier-contracts.yaml'}\nas_of: 2026-03-02\n"
        f"base: {tutorial / 'quote-hx.json'}\ncases:\n"
        f"  - name: x\n    set: {set_text}\n    expect: {{status: ok}}\n",
        encoding="utf-8",
    )
    return suite


LONG, N19, N18 = "9" * 1000, "9" * 19, "9" * 18


@pytest.mark.parametrize(
    ("set_text", "says"),
    [
        ("{customer.name.first: Li}", "'customer.name' is text, which has no 'first'"),
        ("{documents.5: x}", "'documents' is a list of 1 item; item 5 is not one of them"),
        ("{list_price.net: 1}", "'list_price' is a number, which has no 'net'"),
        # not ASCII digits, or more of them than any list needs: were ValueError, exit 4
        ("{documents.²: x}", "'documents' is a list of 1 item; '²' is no item"),
        (f"{{documents.{LONG}: x}}", f"'documents' is a list of 1 item; '{LONG}' is no item"),
        (f"{{documents.{N19}: x}}", f"'documents' is a list of 1 item; '{N19}' is no item"),
        (
            f"{{documents.{N18}: x}}",
            f"'documents' is a list of 1 item; item {N18} is not one of them",
        ),
    ],
)
def test_a_set_path_through_a_value_is_located_not_a_crash(runner, tmp_path, set_text, says):
    """`set: {customer.name.first: Li}` was exit 4 (TypeError: 'str' object does not support
    item assignment); `documents.5` an IndexError."""
    suite = _tutorial_case(tmp_path, set_text)
    result = runner.invoke(main, ["test", str(suite)])
    assert result.exit_code == 2, result.output
    path = set_text[1:].split(":")[0]
    problem = f"error[bad-set-path]: cannot set '{path}': {says}"
    assert f"ERROR {suite}:7:{len(path) + 13}: {problem}" in result.output  # at its value
    assert "hint: set a field of an object" in result.output


def test_an_unset_path_with_odd_digits_removes_nothing_and_is_not_a_crash(runner, tmp_path):
    """`unset: [documents.²]` was exit 4 (ValueError from int('²')): a path that leads to
    nothing removes nothing."""
    suite = _tutorial_case(tmp_path, "{}")
    suite.write_text(
        suite.read_text(encoding="utf-8").replace(
            "    set: {}\n", "    unset: [documents.², x.%s]\n" % ("1" * 5000)
        ),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["test", str(suite)])
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output


def test_a_set_path_with_a_number_names_a_field_not_a_crash(runner, tmp_path):
    """`set: {customer.5: 1}` made the deal a Python dict with the key 5, and the deal check
    crashed on it (exit 4); a deal's keys are text, as in JSON and YAML deals."""
    result = runner.invoke(main, ["test", str(_tutorial_case(tmp_path, "{customer.5: 1}"))])
    assert result.exit_code == 1, result.output
    assert "the deal was refused: $.customer.5: not a field of this playbook" in result.output


def test_a_deal_from_python_with_a_key_that_is_not_text_is_refused_by_path():
    from datetime import date

    from engine import load_playbook
    from engine.errors import DealError

    pb = load_playbook(PLAYBOOKS / "tutorial" / "courier-contracts.yaml")
    deal = {"id": "C-1", "category": "economic", "stage": "quote", "list_price": 1,
            "quoted_price": 1, "customer": {5: "x"}}  # fmt: skip
    with pytest.raises(DealError, match=r"\$\.customer: key 5 is not text"):
        pb.evaluate(deal, as_of=date(2026, 3, 2))
