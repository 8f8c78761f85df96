"""The console in a real browser: Debian's Chromium driven by Playwright against a real
``kam serve`` over a store filled by ``kam demo``. Sign in, approve from the inbox until the
example deal is clear, no Approve on one's own deal (the reason instead), a deal advanced, a
deal edited (a bad value at its field), a form too large answered with a page; axe-core (vendored) finds no
serious or critical problem on any page, in English and Chinese, wide and phone-narrow.

Set ``KAM_CONSOLE_SCREENSHOTS=DIR`` to write each page's screenshot there (docs/console/).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import PLAYBOOKS, ROOT
from ..service.test_serve_process import free_port

CHROMIUM = shutil.which("chromium")
AXE = Path(__file__).parent / "axe-4.14.1.min.js"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (CI installs it: .ci/run)"
)
WIDTHS = (1280, 390)
PAGES = (
    ("signin", "/signin"),
    ("approvals", "/approvals"),
    ("deal", "/deals/DE-2026-031"),
    ("edit", "/deals/DE-2026-009/edit"),
    ("explain", "/deals/DE-2026-031/explain"),
    ("pipeline", "/pipeline"),
    ("playbooks", "/playbooks"),
    ("try", "/playbooks/auto-dealer/2026.2/try"),
    ("diff", "/diff/auto-dealer"),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """``kam demo`` into a fresh SQLite file, then ``kam serve`` on a free loopback port."""
    db = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'kam.db'}"
    tokens = demo(db)
    with serving(db) as base:
        yield base, tokens


KAM = [sys.executable, "-m", "engine"]


def demo(db: str) -> dict[str, str]:
    """``kam demo`` into ``db``; each person's token."""
    loaded = subprocess.run(
        [*KAM, "demo", "--db", db, "--from", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return {
        line.split()[0]: line.split()[1]
        for line in loaded.stdout.splitlines()
        if line.startswith("  ") and line.split()[1].startswith("kam_")
    }


@contextmanager
def serving(db: str) -> Iterator[str]:
    """``kam serve`` over ``db`` on a free loopback port, its address; stopped after, and
    its log must hold no traceback."""
    port = free_port()
    proc = subprocess.Popen(
        [*KAM, "serve", "--db", db, "--playbooks", str(PLAYBOOKS), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # a deadline, not a count of tries: on a busy machine loading the playbooks alone can
        # take several seconds
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("kam serve did not answer")
                time.sleep(0.05)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        assert proc.stderr is not None
        log = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        try:
            yield b
        finally:
            b.close()


def open_as(browser, base: str, token: str | None, lang: str = "en", width: int = 1280):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="zh-CN" if lang == "zh" else "en-US",
        bypass_csp=True,  # axe-core is injected as an inline script; the console's CSP forbids that
    )
    page = context.new_page()
    if token is not None:
        page.goto(base + "/signin")
        page.get_by_label("Your token" if lang == "en" else "您的令牌").fill(token)
        page.get_by_role("button", name="Sign in" if lang == "en" else "登录").click()
        page.wait_for_url("**/approvals")
    return page


def serious_problems(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_passes_axe_in_both_languages_at_both_widths(server, browser):
    base, tokens = server
    shots = os.environ.get("KAM_CONSOLE_SCREENSHOTS")
    problems = []
    for lang in ("en", "zh"):
        for width in WIDTHS:
            page = open_as(browser, base, tokens["zhao.lei"], lang, width)
            for name, path in PAGES:
                if name == "signin":
                    page.context.clear_cookies()
                page.goto(base + path)
                if name == "signin":
                    page.get_by_label("Your token" if lang == "en" else "您的令牌").wait_for()
                problems += [f"{name} {lang} {width}: {p}" for p in serious_problems(page)]
                # nothing wider than the window: a phone never scrolls the page sideways
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, f"{name} {lang} {width}px is {overflow}px too wide"
                if shots:
                    page.screenshot(
                        path=str(Path(shots) / f"{name}-{lang}-{width}.png"), full_page=True
                    )
                if name == "signin":
                    page = open_as(browser, base, tokens["zhao.lei"], lang, width)
            page.context.close()
    assert not problems, "\n".join(problems)


def test_on_a_phone_the_current_stage_and_every_amount_are_on_screen(server, browser):
    base, tokens = server
    for lang in ("en", "zh"):
        page = open_as(browser, base, tokens["zhao.lei"], lang, 390)
        page.goto(base + "/deals/DE-2026-031")
        current = page.locator('.stage-steps [aria-current="step"]')
        assert current.is_visible()
        box = current.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
        page.goto(base + "/pipeline")
        cells = page.locator("table.stacked td.num")
        assert cells.count() > 10
        for i in range(cells.count()):
            cell = cells.nth(i).bounding_box()
            assert cell is not None
            # inside the screen and inside its scroll box: nothing cut at the right edge
            assert cell["x"] + cell["width"] <= 390 - 8, cells.nth(i).inner_text()
        page.context.close()


def approve(page, role: str, role_label: str) -> None:
    card = page.locator(f'li.approval[data-deal="DE-2026-031"][data-role="{role}"]')
    card.get_by_role("button", name="Approve").click()
    page.get_by_role("status").filter(has_text=f"as {role_label}").wait_for()


def test_approvers_clear_the_example_deal_from_their_inboxes(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["wang.fang"])
    approve(page, "supervisor", "Supervisor")
    page.context.close()
    page = open_as(browser, base, tokens["zhao.lei"])
    page.goto(base + "/deals/DE-2026-031")
    assert page.locator(".deal-head .badge").inner_text() == "NEEDS APPROVAL"
    page.goto(base + "/approvals")
    for role, label in (
        ("manufacturer", "Manufacturer"),
        ("marketing_director", "Marketing director"),
        ("general_manager", "General manager"),
    ):
        approve(page, role, label)
    assert page.locator("li.approval", has_text="DE-2026-031").count() == 0
    page.goto(base + "/deals/DE-2026-031")
    assert page.locator(".deal-head .badge").inner_text() == "OK"
    timeline = page.locator(".timeline").inner_text()
    for step in (
        "approved as Supervisor",
        "approved as Manufacturer",
        "approved as General manager",
    ):
        assert step in timeline
    page.context.close()


def test_the_owner_sees_why_there_is_no_approve_on_their_own_deal(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["wang.qiang"])  # owns SP-2026-003, holds its role
    card = page.locator('li.approval[data-deal="SP-2026-003"]')
    assert "someone else must decide this approval" in card.inner_text()
    assert card.get_by_role("button", name="Approve").count() == 0
    assert card.get_by_role("button", name="Reject").count() == 0
    page.goto(base + "/deals/SP-2026-003")
    assert page.get_by_role("button", name="Approve").count() == 0
    assert "someone else must decide this approval" in page.inner_text("main")
    page.context.close()


def test_the_owner_edits_a_deal_from_its_page_with_a_bad_value_shown_at_its_field(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["wang.qiang"], "zh")  # owns SP-2026-007
    page.goto(base + "/deals/SP-2026-007")
    page.get_by_role("link", name="编辑交易").click()
    page.wait_for_url("**/edit")
    price = page.locator('[data-path="lines[0].unit_price"] input')
    assert price.input_value() == "128000.00"
    price.fill("12万")  # not a number: refused at the field, nothing saved
    page.get_by_role("button", name="保存修改").click()
    error = page.locator('[data-path="lines[0].unit_price"] .field-error')
    error.wait_for()
    assert "不是数字" in error.inner_text()
    assert price.get_attribute("aria-invalid") == "true"
    assert price.input_value() == "12万"  # what was typed is kept
    price.fill("120000")
    page.locator('[data-path="tender"] select').select_option("true")
    page.get_by_role("button", name="保存修改").click()
    page.get_by_role("status").filter(has_text="SP-2026-007 已保存（第 2 版）").wait_for()
    assert "修改了交易" in page.locator(".timeline").inner_text()
    page.context.close()


def test_a_form_over_the_size_limit_gets_a_page_in_the_readers_language(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["zhao.lei"], "zh")
    page.evaluate(
        """() => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = '/deals/DE-2026-009/approve';
            const reason = document.createElement('textarea');
            reason.name = 'reason';
            reason.value = 'x'.repeat(1024 * 1024 + 10);
            form.appendChild(reason);
            document.body.appendChild(form);
            form.submit();
        }"""
    )
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "表单超过本站接受的大小" in alert.inner_text()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.context.close()


def test_a_deal_is_advanced_from_its_page(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["li.na"])
    page.goto(base + "/deals/GP-2026-014")
    page.get_by_role("button", name="Advance to Closing").click()
    page.get_by_role("status").filter(has_text="GP-2026-014 moved to Closing").wait_for()
    current = page.locator('svg.diagram [aria-current="step"]')
    assert current.get_attribute("data-stage") == "closing"
    assert "moved it from Negotiation to Closing" in page.locator(".timeline").inner_text()
    page.context.close()


def test_try_a_deal_shows_a_verdict_that_follows_the_deal_as_it_is_typed(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["li.na"])
    page.goto(base + "/playbooks/auto-dealer/2026.2/try")
    verdict = page.locator("#outcome .badge").first
    assert verdict.inner_text() == "NEEDS APPROVAL"
    box = page.get_by_label("The deal")
    text = box.input_value()
    deal = json.loads(text)
    for line in deal["lines"]:  # at list price: no discount, nothing to approve
        line["unit_price"] = line["list_price"]
    box.fill(json.dumps(deal, indent=2))  # htmx posts it after a pause in typing
    page.wait_for_function(
        "document.querySelector('#outcome .badge')?.textContent.trim() !== 'NEEDS APPROVAL'"
    )
    assert "General manager" not in page.locator("#outcome").inner_text()
    box.fill(text.replace('"id"', '"id" "broken"', 1))  # bad JSON: where, beside the box
    problem = page.get_by_role("alert")
    problem.wait_for()
    assert "deal:2:" in problem.inner_text()
    assert page.url.endswith("/try")  # the page stayed; only the verdict was replaced
    page.context.close()


def test_try_a_deal_works_without_javascript(server, browser):
    base, tokens = server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/signin")
    page.get_by_label("Your token").fill(tokens["li.na"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/approvals")  # signed in: a goto now would cancel the sign-in
    page.goto(base + "/playbooks/auto-dealer/2026.2/try")
    page.get_by_label("The deal").fill('{"id": "X", "category": "nowhere", "stage": "visit"}')
    page.get_by_role("button", name="Check").click()
    assert "$.category" in page.get_by_role("alert").inner_text()
    context.close()


def test_the_diff_page_shows_a_changed_parameter(server, browser):
    base, tokens = server
    page = open_as(browser, base, tokens["li.na"])
    page.goto(base + "/playbooks")
    page.get_by_role("link", name="Compare versions").click()
    change = page.locator('li.change[data-path="parameters.discount_gm.value"]')
    assert "15% → 12%" in change.inner_text()
    page.get_by_label("Older version").select_option("2026.2")
    page.get_by_label("Newer version").select_option("2026.1")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**old=2026.2**")
    assert "12% → 15%" in change.inner_text()
    page.context.close()
