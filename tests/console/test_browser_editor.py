"""The playbook editor in a real browser (Debian's Chromium, Playwright, a real ``kam serve``):
a lint error appears at its line in the editor as it is typed; a version saved from the page
changes the verdict "try a deal" gives; a threshold changed, the case that pinned it fails at
its line in the tests pane, its expectation is changed there, and the version is saved with
it, awaits a second editor, who approves it, and then the version in force judges by it; the
page (and its review block) passes axe-core in both languages, wide and phone-narrow, and
works as a plain form without JavaScript.

``KAM_CONSOLE_SCREENSHOTS=DIR`` writes the editor's screenshots there (docs/console/).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .test_browser import CHROMIUM, WIDTHS, browser, open_as, serious_problems, server
from .test_editor import EDIT, RULE  # the same page and the same rule as the form tests

__all__ = ["browser", "server"]  # the module's own server: saving here changes its store
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


def type_over(page, old: str, new: str, pane: str = "pb-text") -> None:
    """Select ``old`` in the editor (or a tests pane) and type ``new`` over it, as a person
    edits one value (Playwright's ``fill`` of the whole 25 kB text is far slower than any
    person's typing)."""
    page.evaluate(
        "([old, pane]) => { const a = document.getElementById(pane); const i = a.value.indexOf(old);"
        " if (i < 0) { throw new Error('not in ' + pane + ': ' + old); }"
        " a.focus(); a.setSelectionRange(i, i + old.length); }",
        [old, pane],
    )
    page.keyboard.type(new)


def test_a_lint_error_appears_at_its_line_in_the_editor(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["sun.min"])
    page.goto(base + EDIT)
    box = page.get_by_label("Playbook text (YAML)")
    text = box.input_value()
    line = text.splitlines().index("    value: 20000") + 1
    assert page.locator(".code-editor pre .line.bad").count() == 0
    type_over(page, "value: 20000", "value: twenty")  # lint runs after a pause in typing
    marked = page.locator(f'.code-editor pre .line.bad[data-line="{line}"]')
    marked.wait_for()
    assert "twenty" in marked.inner_text()
    problem = page.locator(f'#lint li.error[data-line="{line}"]').first
    assert "expected a number, found 'twenty'" in problem.inner_text()
    problem.get_by_role("link").click()  # the caret goes to that line
    caret_line = page.evaluate(
        "(() => { const a = document.getElementById('pb-text');"
        " return a.value.slice(0, a.selectionStart).split('\\n').length; })()"
    )
    assert caret_line == line
    type_over(page, "value: twenty", "value: 20000")  # fixed: the mark goes
    page.locator("#lint-count.ok").wait_for()
    assert page.locator(".code-editor pre .line.bad").count() == 0
    page.context.close()


def test_a_saved_version_changes_the_verdict_in_try_a_deal(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["sun.min"])
    page.goto(base + "/playbooks/key-account-office/2026.1/try")
    before = page.locator("#outcome").inner_text()
    assert "reviewed by the manager first" not in before
    page.goto(base + "/playbooks")
    page.get_by_role("link", name="Edit").first.wait_for()
    page.goto(base + EDIT)
    type_over(page, "rules:\n", RULE)
    page.get_by_role("button", name="Run the tests").click()
    page.get_by_text("70 of 70 tests passed").wait_for()
    page.get_by_role("button", name="Save as a new version").click()
    page.wait_for_url("**/playbooks/key-account-office/2026.2/try")
    assert "Saved key-account-office 2026.2" in page.get_by_role("status").inner_text()
    after = page.locator("#outcome").inner_text()
    assert "a grade-A customer is reviewed by the manager first" in after
    page.context.close()


PAST_12 = """      approvals: [{rule: DISCOUNT, role: general_manager, message_contains: "discount 12.0006% is above the 12% tier"}]
      no_approvals: [{rule: DISCOUNT, role: marketing_director}]"""
NOW_DIRECTOR = """      approvals: [{rule: DISCOUNT, role: marketing_director}]
      no_approvals: [{rule: DISCOUNT, role: general_manager}]"""


def test_a_threshold_change_fails_its_case_at_its_line_until_the_expectation_changes(
    server, browser
):
    base, tokens = server
    page = open_as(browser, base, tokens["sun.min"])
    # under 2026.2 a discount one yuan past 12% needs the general manager
    page.goto(base + "/playbooks/auto-dealer/2026.2/try")
    deal = page.locator("#deal-text").input_value()  # its own sample: that very case
    assert '"unit_price": 139039' in deal
    page.wait_for_function(
        "() => document.getElementById('outcome').innerText.includes('General manager')"
    )

    page.goto(base + "/playbooks/auto-dealer/edit")
    written = page.get_by_label("Tests: tests/auto-dealer/2026-2.yaml").input_value()
    type_over(page, "value: 12%", "value: 12.5%")  # the general manager's tier moves up
    page.get_by_role("button", name="Run the tests").click()
    page.get_by_text("8 of 9 tests passed").wait_for()
    name = "  - name: DISCOUNT one yuan past 12% needs the general manager and says the 12% tier"
    line = written.splitlines().index(name) + 1
    failed = page.locator(f'#tests li.failed[data-for="test-0"][data-line="{line}"]')
    said = failed.inner_text()
    assert "expected {rule: DISCOUNT, role: general_manager" in said  # what was expected
    assert "marketing_director" in said  # and what the draft gave
    marked = page.locator(f'.code-editor:has(#test-0) pre .line.bad[data-line="{line}"]')
    assert "DISCOUNT one yuan past 12%" in marked.inner_text()
    failed.get_by_role("link").click()  # the caret goes to the case in the tests pane
    at = page.evaluate(
        "(() => { const a = document.getElementById('test-0'); return [document.activeElement.id,"
        " a.value.slice(0, a.selectionStart).split('\\n').length]; })()"
    )
    assert at == ["test-0", line]
    page.get_by_role("button", name="Save as a new version").click()  # refused: a case fails
    # the text, not the first alert: an alert already on the page would be read at once
    page.get_by_role("alert").filter(has_text="the tests did not all pass").first.wait_for()

    # the expectation changed knowingly, in the tests pane: the director's now
    type_over(page, PAST_12, NOW_DIRECTOR, pane="test-0")
    page.get_by_role("button", name="Run the tests").click()
    page.get_by_text("9 of 9 tests passed").wait_for()
    page.get_by_role("button", name="Save as a new version").click()
    page.wait_for_url("**/playbooks/auto-dealer/2026.3/try")
    assert "It is awaiting review" in page.get_by_role("status").inner_text()
    page.locator("#deal-text").fill(deal)  # the same deal, judged by the saved version
    page.get_by_role("button", name="Check").click()
    page.wait_for_function(
        "() => document.getElementById('outcome').innerText.includes('Marketing director')"
    )
    assert "General manager" not in page.locator("#outcome").inner_text()
    # proposed, not in force: the version in force still asks the general manager
    assert in_force_verdict(page, base, deal) == "General manager"
    page.goto(base + "/playbooks/auto-dealer/edit")  # its author cannot approve it
    review = page.locator("#review")
    assert "you saved it, so you cannot approve it" in review.inner_text()
    assert review.get_by_role("button").count() == 0
    page.context.close()

    # a second playbook editor reads the change in business words and approves it
    page = open_as(browser, base, tokens["qian.li"])
    page.goto(base + "/playbooks/auto-dealer/edit")
    change = page.locator("#review li.change").filter(has_text="12.5%")
    assert "12% → 12.5%" in change.inner_text()  # the general manager's tier, by its label
    page.get_by_role("button", name="Approve 2026.3").click()
    page.wait_for_url("**/playbooks/auto-dealer/edit")
    assert "Approved auto-dealer 2026.3" in page.get_by_role("status").inner_text()
    assert page.locator("#review").count() == 0
    # in force now: the version "try a deal" opens for today judges the deal by it
    assert in_force_verdict(page, base, deal) == "Marketing director"
    page.context.close()

    # the next draft starts from 2026.3 and the tests it was saved with
    page = open_as(browser, base, tokens["sun.min"])
    page.goto(base + "/playbooks/auto-dealer/edit")
    assert NOW_DIRECTOR in page.get_by_label("Tests: tests/auto-dealer/2026-2.yaml").input_value()
    page.context.close()


def in_force_verdict(page, base: str, deal: str) -> str:
    """Who the version in force today (the playbooks page's "in force" one) asks for the
    discount of ``deal``: by its own "try a deal"."""
    page.goto(base + "/playbooks")
    here = page.locator("li", has=page.locator(".badge.ok")).filter(has_text="auto-dealer")
    here.get_by_role("link", name="Try a deal").click()
    page.wait_for_url("**/try")
    page.locator("#deal-text").fill(deal)
    page.get_by_role("button", name="Check").click()
    page.locator("#outcome").filter(has_text="director").or_(
        page.locator("#outcome").filter(has_text="General manager")
    ).wait_for()
    said = page.locator("#outcome").inner_text()
    return "Marketing director" if "Marketing director" in said else "General manager"


def test_the_editor_passes_axe_in_both_languages_at_both_widths(server, browser):
    base, tokens = server
    shots = os.environ.get("KAM_CONSOLE_SCREENSHOTS")
    problems = []
    for lang in ("en", "zh"):
        for width in WIDTHS:
            page = open_as(browser, base, tokens["sun.min"], lang, width)
            page.goto(base + EDIT)
            type_over(page, "value: 20000", "value: twenty")
            page.locator(".code-editor pre .line.bad").first.wait_for()
            problems += [f"edit {lang} {width}: {p}" for p in serious_problems(page)]
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"edit {lang} {width}px is {overflow}px too wide"
            if shots:
                page.screenshot(
                    path=str(Path(shots) / f"editor-{lang}-{width}.png"), full_page=True
                )
            page.context.close()
    assert not problems, "\n".join(problems)


def test_the_review_block_passes_axe_in_both_languages_at_both_widths(server, browser):
    """key-account-office 2026.2, saved by sun.min above, as the second editor sees it."""
    base, tokens = server
    shots = os.environ.get("KAM_CONSOLE_SCREENSHOTS")
    problems = []
    for lang in ("en", "zh"):
        for width in WIDTHS:
            page = open_as(browser, base, tokens["qian.li"], lang, width)
            page.goto(base + EDIT)
            block = page.locator("#review")
            assert block.get_by_role("button").count() == 2  # approve, decline
            problems += [f"review {lang} {width}: {p}" for p in serious_problems(page)]
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"review {lang} {width}px is {overflow}px too wide"
            if shots:
                block.screenshot(path=str(Path(shots) / f"editor-review-{lang}-{width}.png"))
            page.context.close()
    assert not problems, "\n".join(problems)


def test_the_editor_works_without_javascript(server, browser):
    base, tokens = server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/signin")
    page.get_by_label("Your token").fill(tokens["sun.min"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/approvals")  # signed in: a goto now would cancel the sign-in
    page.goto(base + EDIT)
    box = page.get_by_label("Playbook text (YAML)")
    text = box.input_value()
    line = text.splitlines().index("    value: 20000") + 1
    box.fill(text.replace("value: 20000", "value: twenty", 1))
    page.get_by_role("button", name="Check now").click()
    assert f"line {line}, column" in page.locator("#lint").inner_text()
    page.get_by_role("button", name="Save as a new version").click()
    page.get_by_role("alert").filter(has_text="lint found errors in the draft").first.wait_for()
    context.close()


def test_a_zh_editor_shows_a_lint_error_in_chinese(server, browser, tmp_path):
    """A zh page: the problem at its line reads in Chinese with its values, and its hint too,
    wide and phone-narrow; the screenshots (``KAM_CONSOLE_SCREENSHOTS``, else a temporary
    folder) are looked at."""
    base, tokens = server
    shots = Path(os.environ.get("KAM_CONSOLE_SCREENSHOTS") or tmp_path)
    for width in WIDTHS:
        page = open_as(browser, base, tokens["sun.min"], "zh", width)
        page.goto(base + EDIT)
        text = page.locator("#pb-text").input_value()
        lines = text.splitlines()
        line = next(i for i, ln in enumerate(lines, 1) if "{role: general_manager}" in ln)
        type_over(page, "{role: general_manager}", "{role: general_manger}")
        problem = page.locator(f'#lint li.error[data-line="{line}"]').first
        problem.wait_for()
        said = problem.inner_text()
        assert "未知的角色「general_manger」" in said
        assert "是不是「general_manager」？" in said
        assert "unknown role" not in said
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{width}px is {overflow}px too wide"
        problem.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"editor-lint-zh-{width}.png"))
        page.context.close()
