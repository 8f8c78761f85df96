"""A standing rejection in a real browser (Debian's Chromium, Playwright, a real ``kam serve``
over ``kam demo``): the general manager rejects from "my approvals" with a reason; the
owner reads who said no and why (in Chinese), with no button; the general manager changes
the decision from the rejected card, which asks for the box to be ticked first; axe-core
finds no serious problem on the rejected block in either language at either width.

``KAM_CONSOLE_SCREENSHOTS=DIR`` writes its screenshots there (docs/console/).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .test_browser import CHROMIUM, WIDTHS, browser, demo, open_as, serious_problems, serving
from .test_browser_con import fits, shoot

__all__ = ["browser"]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
DEAL = "DE-2026-031"
REASON = "18% is too deep for a fleet of 8"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('browser-reject') / 'kam.db'}"
    tokens = demo(db)
    with serving(db) as base:
        yield base, tokens


def rejected_card(page):
    return page.locator(f'li.approval.rejected[data-deal="{DEAL}"][data-role="general_manager"]')


def test_a_rejection_is_read_by_the_owner_and_changed_by_the_approver(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["zhao.lei"])
    waiting = page.locator(f'li.approval[data-deal="{DEAL}"][data-role="general_manager"]')
    waiting.get_by_label("Reason for rejecting").fill(REASON)
    waiting.get_by_role("button", name="Reject").click()
    page.get_by_role("status").filter(has_text="as General manager").wait_for()
    card = rejected_card(page)
    assert REASON in card.inner_text()
    assert "rejected by zhao.lei" in card.inner_text()
    page.context.close()

    # the owner, in Chinese: who said no and why, what to do, and no button
    owner = open_as(browser, base, tokens["li.na"], "zh")
    card = rejected_card(owner)
    text = card.inner_text()
    assert REASON in text
    assert "zhao.lei" in text
    assert "这是您的交易" in text
    assert card.get_by_role("button").count() == 0
    shoot(owner, "rejected-owner-zh-1280")
    owner.goto(base + f"/deals/{DEAL}")
    assert REASON in owner.locator('li.approval-row[data-role="general_manager"]').inner_text()
    assert owner.get_by_role("button", name="改为批准").count() == 0
    owner.context.close()

    # the approver changes the decision: the box first, then the button
    page = open_as(browser, base, tokens["zhao.lei"])
    card = rejected_card(page)
    shoot(page, "rejected-approver-en-1280")
    card.get_by_role("button", name="Approve after all").click()
    assert page.url.endswith("/approvals")  # the browser asks for the box: nothing was sent
    assert rejected_card(page).count() == 1
    card.get_by_label("I have reconsidered: approve what was rejected").check()
    card.get_by_role("button", name="Approve after all").click()
    page.get_by_role("status").filter(has_text=f"Approved: {DEAL} as General manager").wait_for()
    assert rejected_card(page).count() == 0
    page.goto(base + f"/deals/{DEAL}")
    timeline = page.locator(".timeline").inner_text()
    assert "rejected as General manager" in timeline
    assert "approved as General manager" in timeline
    page.context.close()


def test_the_rejected_block_passes_axe_in_both_languages_at_both_widths(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["zhao.lei"])  # a rejection to show (the deal's P7)
    waiting = page.locator(f'li.approval[data-deal="{DEAL}"][data-role="marketing_director"]')
    waiting.get_by_label("Reason for rejecting").fill("below the floor price")
    waiting.get_by_role("button", name="Reject").click()
    page.get_by_role("status").filter(has_text="as Marketing director").wait_for()
    page.context.close()
    problems = []
    for lang in ("en", "zh"):
        for width in WIDTHS:
            for name in ("zhao.lei", "li.na"):
                page = open_as(browser, base, tokens[name], lang, width)
                page.locator("#h-rejected").wait_for()
                problems += [f"{name} {lang} {width}: {p}" for p in serious_problems(page)]
                assert fits(page) <= 0, f"{name} {lang} {width}px is too wide"
                page.goto(base + f"/deals/{DEAL}")
                problems += [f"deal {name} {lang} {width}: {p}" for p in serious_problems(page)]
                assert fits(page) <= 0, f"deal {name} {lang} {width}px is too wide"
                if name == "zhao.lei":
                    shoot(page, f"rejected-deal-{lang}-{width}")
                page.context.close()
    assert not problems, "\n".join(problems)
