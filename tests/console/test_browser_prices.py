"""The price list and customer accounts in a real browser (Debian's Chromium, Playwright, a
real ``kam serve`` over ``kam demo``): pricing sets a price and the salesperson reads it with
no form to change it; an account's credit terms shown without a box to the salesperson and
with one to the supervisor; axe-core on both pages in both languages at both widths, none
wider than the window.

``KAM_CONSOLE_SCREENSHOTS=DIR`` writes their screenshots there (docs/console/).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_browser import CHROMIUM, WIDTHS, browser, demo, open_as, serious_problems, serving

__all__ = ["browser"]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('browser-prices') / 'kam.db'}"
    tokens = demo(db)
    with serving(db) as base:
        yield base, tokens


def shoot(page, name: str) -> None:
    shots = os.environ.get("KAM_CONSOLE_SCREENSHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)


def fits(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


# first: the demo's prices as loaded
def test_the_price_list_and_an_account_pass_axe_in_both_languages_at_both_widths(server, browser):
    base, tokens = server
    problems = []
    for lang in ("en", "zh"):
        for width in WIDTHS:
            for person, path, name in (
                ("zhou.jia", "/prices", "prices"),
                ("zhou.jia", "/prices/Pickup%20P7", "price"),
                ("li.na", "/customers", "customers"),
                ("li.na", "/customers/C-TJ-PORT", "customer"),
            ):
                page = open_as(browser, base, tokens[person], lang, width)
                page.goto(base + path)
                problems += [f"{name} {lang} {width}: {p}" for p in serious_problems(page)]
                assert fits(page) <= 0, f"{name} {lang} {width}px is too wide"
                shoot(page, f"{name}-{lang}-{width}")
                page.context.close()
    assert not problems, "\n".join(problems)


def test_pricing_sets_a_price_and_the_salesperson_reads_it_without_a_form(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["zhou.jia"])
    page.goto(base + "/prices")
    page.get_by_role("link", name="Pickup P7").click()
    # /prices has a List price box of its own (a new model's): wait for the model's page,
    # or the fill can land on the list's form while the link is still loading
    page.wait_for_url("**/prices/Pickup%20P7")
    page.get_by_label("List price").fill("149,000")
    page.get_by_role("button", name="Save the prices").click()
    page.get_by_role("status").filter(has_text="Prices of Pickup P7 saved (version 2).").wait_for()
    latest = page.locator(".timeline > li").first.inner_text()
    assert "zhou.jia" in latest
    assert "List price: 150,000.00 → 149,000.00" in latest
    page.context.close()

    page = open_as(browser, base, tokens["li.na"], "zh")
    page.get_by_role("link", name="价格表").click()
    row = page.locator('tr[data-model="Pickup P7"]')
    assert "149,000.00" in row.inner_text()
    assert "zhou.jia" in row.inner_text()
    assert page.get_by_role("button", name="保存价格").count() == 0
    row.get_by_role("link", name="Pickup P7").click()
    page.locator("#h-history").wait_for()
    assert page.locator("input[name=list_price]").count() == 0  # read-only for sales
    assert "价格由价格管理人员（或管理员）设定。" in page.inner_text("main")
    page.context.close()


def test_the_salesperson_sees_credit_terms_without_a_box_and_the_supervisor_with_one(
    server, browser
):
    base, tokens = server
    page = open_as(browser, base, tokens["li.na"])
    page.goto(base + "/customers/C-TJ-PORT")
    limit = page.locator('[data-field="credit_limit"]')
    assert "3,000,000.00" in limit.inner_text()
    assert "recorded by Supervisor or an admin" in limit.inner_text()
    assert limit.locator("input").count() == 0
    page.get_by_label("Territory").fill("Tianjin Binhai")
    page.get_by_role("button", name="Save the changes").click()
    page.get_by_role("status").filter(has_text="C-TJ-PORT saved").wait_for()
    page.context.close()

    page = open_as(browser, base, tokens["wang.fang"], "zh")
    page.goto(base + "/customers/C-TJ-PORT")
    page.get_by_label("授信额度", exact=True).fill("3200000")
    page.get_by_role("button", name="保存修改").click()
    page.get_by_role("status").filter(has_text="C-TJ-PORT 已保存").wait_for()
    latest = page.locator(".timeline > li").first.inner_text()
    assert "wang.fang" in latest
    assert "3,000,000.00 → 3,200,000.00" in latest
    page.context.close()
