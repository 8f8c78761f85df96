"""The Playbooks pages in one process: "try a deal" (a verdict from the pure evaluator,
nothing stored, the problem's line or JSON path beside the box) and the difference between
two versions in business words, in English and Chinese."""

from __future__ import annotations

import json
import re

import pytest

from engine.store import open_store

from .conftest import csrf_of

TRY = "/playbooks/auto-dealer/2026.2/try"


def box(html: str) -> str:
    found = re.search(r'<textarea id="deal-text" name="deal"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, "no deal box on the page"
    from html import unescape

    return unescape(found.group(1))


def as_of_of(html: str) -> str:
    found = re.search(r'name="as_of" value="([^"]*)"', html)
    assert found
    return found.group(1)


def outcome(html: str) -> str:
    return html.split('<div id="outcome"', 1)[1]


def events(db_url: str) -> int:
    with open_store(db_url) as store:
        return sum(len(store.history(d.id)) for d in store.list_deals())


# -- try a deal ------------------------------------------------------------------------------------
def test_try_a_deal_opens_with_one_of_the_playbooks_own_test_deals_and_its_verdict(signed_in):
    page = signed_in("li.na").get(TRY)
    assert page.status_code == 200
    deal = json.loads(box(page.text))
    assert deal["id"] == "GP-2026-014"  # a deal of playbooks/tests/auto-dealer/2026-2.yaml
    assert deal["lines"][0]["unit_price"] == 139039  # its case "one yuan past 12%"
    assert as_of_of(page.text) == "2026-07-01"  # the day its test case judges it on
    shown = outcome(page.text)
    assert "NEEDS APPROVAL" in shown  # the first test deal that needs something
    assert "General manager" in shown


def test_checking_a_deal_shows_its_verdict_and_a_changed_deal_changes_it(signed_in):
    client = signed_in("li.na")
    page = client.get(TRY).text
    deal = json.loads(box(page))
    form = {"csrf": csrf_of(page), "as_of": as_of_of(page)}
    first = client.post(TRY, data={**form, "deal": json.dumps(deal)})
    assert first.status_code == 200
    assert "NEEDS APPROVAL" in outcome(first.text)
    for line in deal["lines"]:  # sold at list price: nothing needs an approval
        line["unit_price"] = line["list_price"]
    second = client.post(TRY, data={**form, "deal": json.dumps(deal)})
    assert second.status_code == 200
    assert "NEEDS APPROVAL" not in outcome(second.text)
    assert re.search(r'class="badge (ok|blocked|needs_information)"', outcome(second.text))


def test_the_verdict_is_in_the_users_language(signed_in):
    client = signed_in("li.na")
    client.cookies.set("kam_lang", "zh")
    page = client.get(TRY).text
    assert "试算交易" in page
    assert "待审批" in outcome(page)
    assert "超过 12% 档：须总经理审批" in outcome(page)  # the rule's own message, in Chinese


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"id": "X",\n  "stage": }', "deal:2:"),  # bad JSON: its line and column
        ("id: X\n  stage: [", "deal:"),  # bad YAML: its line
        ('{"id": "X", "category": "no_such_category"}', "$.category"),  # a bad value: its path
        ("[1, 2]", "$"),
        ("", "deal"),
    ],
)
def test_a_deal_that_cannot_be_judged_shows_where_beside_the_box(signed_in, text, where):
    client = signed_in("li.na")
    page = client.get(TRY).text
    r = client.post(TRY, data={"csrf": csrf_of(page), "as_of": "2026-06-30", "deal": text})
    assert r.status_code == 422
    shown = outcome(r.text)
    assert "The deal cannot be judged as written" in shown
    assert where in shown
    assert box(r.text) == text  # what the user typed is kept, never lost
    under_the_box = r.text.split('id="deal-where"', 1)[1].split("</div>", 1)[0]
    assert where in under_the_box  # a phone shows it right under the box
    assert "Traceback" not in r.text


def test_a_bad_as_of_date_is_said_not_crashed(signed_in):
    client = signed_in("li.na")
    page = client.get(TRY).text
    r = client.post(TRY, data={"csrf": csrf_of(page), "as_of": "30/06/2026", "deal": box(page)})
    assert r.status_code == 422
    assert "is not a date (YYYY-MM-DD)" in outcome(r.text)


@pytest.mark.parametrize("given", ["20260630", "2026-W27-2", "2026-6-30"])
def test_as_of_is_read_as_a_date_input_writes_it_only(signed_in, given):
    client = signed_in("li.na")
    page = client.get(TRY).text
    assert re.search(r'<input type="date" id="as-of" name="as_of" value="\d{4}-\d\d-\d\d"', page)
    r = client.post(TRY, data={"csrf": csrf_of(page), "as_of": given, "deal": box(page)})
    assert r.status_code == 422  # a typo that reads as a plausible date is no date
    ok = client.post(TRY, data={"csrf": csrf_of(page), "as_of": "2026-06-30", "deal": box(page)})
    assert ok.status_code == 200
    assert as_of_of(ok.text) == "2026-06-30"  # written back as <input type=date> reads it


def test_trying_a_deal_writes_nothing(signed_in, db_url):
    before = events(db_url)
    client = signed_in("li.na")
    page = client.get(TRY).text
    client.post(TRY, data={"csrf": csrf_of(page), "as_of": "2026-06-30", "deal": box(page)})
    assert events(db_url) == before


def test_trying_needs_a_session_and_the_csrf_value(app_client, signed_in):
    assert app_client.get(TRY).status_code == 303  # sign in first
    client = signed_in("li.na")
    r = client.post(TRY, data={"csrf": "0" * 64, "as_of": "2026-06-30", "deal": "{}"})
    assert r.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/playbooks/auto-dealer/9999.9/try",
        "/playbooks/no-such-playbook/2026.1/try",
        "/playbooks/auto-dealer/..%2F..%2Fetc/try",
    ],
)
def test_an_unknown_version_is_a_not_found_page(signed_in, path):
    r = signed_in("li.na").get(path)
    assert r.status_code == 404
    assert "There is no such page" in r.text


def test_the_playbooks_page_links_each_version_to_try_a_deal_and_to_compare(signed_in):
    page = signed_in("li.na").get("/playbooks").text
    assert 'href="/playbooks/auto-dealer/2026.1/try"' in page
    assert 'href="/playbooks/auto-dealer/2026.2/try"' in page
    assert 'href="/diff/auto-dealer"' in page
    assert 'href="/diff/enterprise-sales"' not in page  # one version: nothing to compare


# -- the difference between two versions -------------------------------------------------------
def test_the_diff_page_shows_what_changed_in_business_words(signed_in):
    page = signed_in("li.na").get("/diff/auto-dealer")
    assert page.status_code == 200
    html = page.text
    assert "auto-dealer 2026.1" in html
    assert "auto-dealer 2026.2" in html
    change = html.split('data-path="parameters.discount_gm.value"', 1)[1].split("</li>", 1)[0]
    assert "15% → 12%" in change
    assert "company setting, not from the guide" in change
    assert "Parameter" in change
    assert "auto-dealer-2026-2.yaml:13:12" in change  # where it stands in the newer file
    added = html.split('data-path="rules[P4]"', 1)[1].split("</li>", 1)[0]
    assert "added" in added
    assert "A negotiated price for a very large volume needs the general manager" in added
    assert "Changes: 6" in html
    param = html.split('data-path="parameters.large_volume_units"', 1)[1].split("</li>", 1)[0]
    assert "P4: units from which a price is negotiated separately" in param
    assert '</code>: <span class="what">50</span>' in param  # its number, not its label twice
    start = html.split('data-path="effective_from"', 1)[1].split("</li>", 1)[0]
    assert "In force from" in start
    assert "2026-01-01 → 2026-07-01" in start


def test_the_diff_page_speaks_chinese(signed_in):
    client = signed_in("li.na")
    client.cookies.set("kam_lang", "zh")
    html = client.get("/diff/auto-dealer").text
    change = html.split('data-path="parameters.discount_gm.value"', 1)[1].split("</li>", 1)[0]
    assert "修改" in change
    assert "参数" in change
    assert "公司设定" in change
    added = html.split('data-path="rules[P4]"', 1)[1].split("</li>", 1)[0]
    assert "新增" in added
    assert "特大批量议价须总经理审批" in added
    assert "共 6 处变化" in html


def test_the_diff_page_picks_from_the_versions_the_service_holds(signed_in):
    client = signed_in("li.na")
    same = client.get("/diff/auto-dealer?old=2026.2&new=2026.2")
    assert same.status_code == 200
    assert "Same meaning" in same.text
    backwards = client.get("/diff/auto-dealer?old=2026.2&new=2026.1").text
    assert "12% → 15%" in backwards
    for bad in ("?old=9.9", "?new=../../etc/passwd"):
        r = client.get("/diff/auto-dealer" + bad)
        assert r.status_code == 404
        assert "There is no version" in r.text
    assert client.get("/diff/no-such-playbook").status_code == 404


def test_a_playbook_with_one_version_has_nothing_to_compare(signed_in):
    r = signed_in("li.na").get("/diff/enterprise-sales")
    assert r.status_code == 200
    assert "only one version" in r.text


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[" * 100_000 + "]" * 100_000, "nesting deeper than 64 levels"),
        (BOMB, "anchors (&amp;a) are not allowed"),  # a billion laughs never expands
        ('{"id": "' + "x" * 900_000 + '"}', "$.id: text is too long"),
        ('{"id": "\x00"}', "not valid JSON"),
    ],
    ids=["deep", "alias-bomb", "long-text", "control-character"],
)
def test_a_hostile_deal_in_the_box_is_refused_by_the_deal_readers_limits(signed_in, text, said):
    client = signed_in("li.na")
    page = client.get(TRY).text
    r = client.post(TRY, data={"csrf": csrf_of(page), "as_of": "2026-06-30", "deal": text})
    assert r.status_code == 422
    assert said in outcome(r.text)


def test_a_zh_try_a_deal_page_words_the_deals_bad_values_in_chinese(signed_in):
    """Each bad value at its JSON path, in the page's language, with its values."""
    from html import unescape

    client = signed_in("li.na")
    page = client.get(TRY).text
    client.post("/language", data={"lang": "zh", "next": TRY, "csrf": csrf_of(page)})
    deal = json.loads(box(page))
    deal["lines"][0]["unit_price"] = "cheap"
    deal["stage"] = 7
    form = {"csrf": csrf_of(page), "as_of": as_of_of(page), "deal": json.dumps(deal)}
    tried = client.post(TRY, data=form)
    assert tried.status_code == 422
    shown = unescape(tried.text)
    assert "$.lines[0].unit_price: 此处应为数字，实际是文本「cheap」" in shown
    assert "expected a number" not in shown
