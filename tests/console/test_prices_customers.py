"""The price list and customer accounts in the console, in one process (no browser): who
reads and who gets a form, a price set, taken away and added, bad values at their boxes in
the page's language, a stale form's typed values beside what is stored now, the store's
refusals said in words; an account's fields without a box for who may not set them, its
history, and the store deciding with the playbooks' ``recorded_by`` on every change."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest

from engine.console import customers
from engine.store import open_store

from .conftest import csrf_of

P7 = "/prices/Pickup%20P7"
PORT = "/customers/C-TJ-PORT"
ZH = {"Accept-Language": "zh-CN"}


def text_of(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities read)."""
    blocks = re.sub(r"</?(?:li|div|p|td|th|tr|h\d|section|ul|ol|time|span)\b[^>]*>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", blocks)))


def field_of(page: str, name: str) -> str:
    """The ``<div class="field">`` drawn for ``name`` (a price or an account field)."""
    found = re.search(rf'<div class="field[^"]*" data-field="{name}">(.*?)\n    </div>', page, re.S)
    found = found or re.search(
        rf'<div class="field[^"]*" data-field="{name}">(.*?)</div>', page, re.S
    )
    assert found, f"no field {name} on the page"
    return found.group(1)


def prices(db_url: str, model: str = "Pickup P7") -> dict:
    with open_store(db_url) as store:
        return store.get_prices(model)


def account(db_url: str) -> dict:
    with open_store(db_url) as store:
        return store.get_customer("C-TJ-PORT")


# -- the price list ------------------------------------------------------------------------------
def test_every_signed_in_user_reads_the_price_list_and_only_pricing_gets_a_form(signed_in):
    client = signed_in("li.na")
    page = client.get("/prices")
    assert page.status_code == 200
    row = text_of(page.text.split('data-model="Pickup P7"')[1].split("</tr>")[0])
    assert "150,000.00" in row
    assert "126,000.00" in row
    assert "155,000.00" in row
    assert "by zhou.jia" in row  # who set it last
    assert 'action="/prices"' not in page.text
    assert "Prices are set by pricing (or an admin)." in page.text
    one = client.get(P7).text
    assert 'name="list_price"' not in one
    assert "zhou.jia" in one
    assert "added it to the price list" in one
    pricing = signed_in("zhou.jia")
    assert 'action="/prices"' in pricing.get("/prices").text
    assert 'name="list_price"' in pricing.get(P7).text


def test_the_navigation_links_to_both_pages_in_both_languages(signed_in):
    client = signed_in("li.na")
    page = client.get("/approvals").text
    assert '<a href="/prices">Price list</a>' in page
    assert '<a href="/customers">Customers</a>' in page
    zh = client.get("/prices", headers=ZH).text
    assert '<a href="/prices" aria-current="page">价格表</a>' in zh
    assert '<a href="/customers">客户档案</a>' in zh
    assert "指导价" in zh
    assert "商务政策底价" in zh


def test_pricing_changes_one_price_and_an_empty_box_leaves_the_others(signed_in, db_url):
    client = signed_in("zhou.jia")
    page = client.get(P7).text
    r = client.post(
        P7, data={"csrf": csrf_of(page), "version": "1", "list_price": "148,000", "floor_price": ""}
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == P7
    now = prices(db_url)
    assert now["list_price"] == Decimal("148000")
    assert now["floor_price"] == Decimal("126000")
    assert now["version"] == 2
    page = client.get(P7).text
    assert "Prices of Pickup P7 saved (version 2)." in page
    latest = text_of(page.split('class="timeline"')[1].split("</li>\n")[0])
    assert "zhou.jia changed its prices" in latest
    assert "List price: 150,000.00 → 148,000.00" in latest
    assert "Floor price" not in latest  # left as it was


def test_a_price_is_taken_away_and_a_model_keeps_at_least_one(signed_in, db_url):
    client = signed_in("zhou.jia")
    csrf = csrf_of(client.get(P7).text)
    r = client.post(P7, data={"csrf": csrf, "version": "1", "drop_retail_price": "1"})
    assert r.status_code == 303
    assert "retail_price" not in prices(db_url)
    assert "Market retail price: 155,000.00 → no price" in text_of(client.get(P7).text)
    r = client.post(
        P7,
        data={"csrf": csrf, "version": "2", "drop_list_price": "1", "drop_floor_price": "1"},
    )
    assert r.status_code == 422
    assert "keeps at least one price" in r.text
    assert prices(db_url)["version"] == 2
    r = client.post(
        P7, data={"csrf": csrf, "version": "2", "drop_list_price": "1", "list_price": "1"}
    )
    assert r.status_code == 422
    assert "type a new price or take it away, not both" in field_of(r.text, "list_price")


def test_pricing_adds_a_model_from_the_list_page(signed_in, db_url):
    client = signed_in("zhou.jia")
    csrf = csrf_of(client.get("/prices").text)
    r = client.post(
        "/prices",
        data={"csrf": csrf, "version": "0", "model": "Van V5", "list_price": "99000.50"},
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/prices/Van%20V5"
    assert prices(db_url, "van  v5") == {"model": "Van V5", "list_price": Decimal("99000.50"),
                                         "version": 1}  # fmt: skip
    r = client.post("/prices", data={"csrf": csrf, "version": "0", "model": "Van V6"})
    assert r.status_code == 422
    assert "Give at least one price for a new model." in r.text


def test_bad_values_are_said_at_their_boxes_in_chinese_with_what_was_typed_kept(signed_in, db_url):
    client = signed_in("zhou.jia")
    csrf = csrf_of(client.get("/prices").text)
    r = client.post(
        "/prices",
        data={"csrf": csrf, "version": "0", "model": "A/B", "list_price": "很多",
              "floor_price": "-5", "retail_price": "1e5"},
        headers=ZH,
    )  # fmt: skip
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "没有保存：有 4 处数值需要更正" in r.text
    assert "车型名称不能含“/”" in field_of(r.text, "model")
    assert "'很多': 不是数字" in html.unescape(field_of(r.text, "list_price"))
    assert "不能小于 0" in field_of(r.text, "floor_price")
    assert 'value="很多"' in field_of(r.text, "list_price")  # kept as typed
    with open_store(db_url) as store:
        assert len(store.price_list()) == 5


def test_a_stale_form_says_what_was_typed_beside_what_is_stored_and_applies_it_at_a_click(
    signed_in, db_url
):
    client = signed_in("zhou.jia")
    csrf = csrf_of(client.get(P7).text)
    assert (
        client.post(P7, data={"csrf": csrf, "version": "1", "list_price": "148000"}).status_code
        == 303
    )
    r = client.post(P7, data={"csrf": csrf, "version": "1", "floor_price": "127000"})
    assert r.status_code == 409
    said = text_of(r.text)
    assert "you saw version 1, it is now 2" in said
    assert "Floor price: you typed 127,000.00; now stored 126,000.00" in said
    assert prices(db_url)["floor_price"] == Decimal("126000")  # nothing written
    again = re.search(r'<section class="card typed".*?</section>', r.text, re.S).group(0)
    assert 'name="version" value="2"' in again
    assert 'name="floor_price" value="127000"' in again
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', again))
    assert client.post(P7, data=fields).status_code == 303
    now = prices(db_url)
    assert (now["list_price"], now["floor_price"]) == (Decimal("148000"), Decimal("127000"))


def test_a_new_model_already_in_the_list_is_shown_with_its_prices_not_overwritten(
    signed_in, db_url
):
    client = signed_in("zhou.jia")
    csrf = csrf_of(client.get("/prices").text)
    r = client.post(
        "/prices", data={"csrf": csrf, "version": "0", "model": "pickup  p7", "list_price": "1"}
    )
    assert r.status_code == 409
    assert "Pickup P7 is in the price list already (version 1)" in r.text
    assert "List price: you typed 1.00; now stored 150,000.00" in text_of(r.text)
    assert prices(db_url)["list_price"] == Decimal("150000")


def test_a_price_form_posted_by_someone_without_pricing_is_refused_by_the_store_in_words(
    signed_in, db_url
):
    client = signed_in("li.na")
    csrf = csrf_of(client.get(P7).text)
    r = client.post(P7, data={"csrf": csrf, "version": "1", "list_price": "1"}, headers=ZH)
    assert r.status_code == 403
    assert "li.na 没有价格管理（pricing）角色" in r.text
    assert prices(db_url)["version"] == 1
    r = client.post(P7, data={"version": "1", "list_price": "1"})  # no CSRF value
    assert r.status_code == 403


def test_a_model_not_in_the_list_is_a_page_not_json(signed_in):
    r = signed_in("li.na").get("/prices/Nothing%20Z1", headers=ZH)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "价格表中没有车型" in r.text


# -- customer accounts ----------------------------------------------------------------------------
def test_the_accounts_are_listed_for_every_signed_in_user(signed_in):
    page = signed_in("li.na").get("/customers").text
    row = text_of(page.split('data-customer="C-TJ-PORT"')[1].split("</tr>")[0])
    assert "Tianjin Port Leasing" in row
    assert "3,000,000.00" in row


@pytest.mark.parametrize(
    ("person", "boxes", "none"),
    [
        ("li.na", {"name", "territory", "class"}, {"credit_limit", "shared_territory", "state_organ"}),
        ("chen.jie", {"name", "shared_territory", "state_organ", "largest_batch_this_year"},
         {"credit_limit", "receivables"}),
        ("wang.fang", {"name", "credit_limit", "receivables", "overdue_days"},
         {"shared_territory", "state_organ"}),
        ("ops.admin", {"credit_limit", "shared_territory", "state_organ"}, set()),
    ],
)  # fmt: skip
def test_each_field_has_a_box_only_for_who_may_set_it(signed_in, person, boxes, none):
    page = signed_in(person).get(PORT).text
    for name in boxes:
        assert f'name="f:{name}"' in page, (person, name)
    for name in none:
        assert f'name="f:{name}"' not in page, (person, name)


def test_a_field_without_a_box_says_who_records_it_in_the_readers_language(signed_in):
    client = signed_in("li.na")
    page = client.get(PORT).text
    assert "3,000,000.00" in field_of(page, "credit_limit")
    assert "recorded by Supervisor or an admin" in field_of(page, "credit_limit")
    shared = text_of(field_of(page, "shared_territory"))
    assert "no" in shared
    assert "recorded by Key-account manager, Manufacturer or an admin" in shared
    zh = client.get(PORT, headers=ZH).text
    assert "由主管领导或管理员记录" in field_of(zh, "credit_limit")
    assert "国家机关" in zh


def test_anyone_corrects_the_territory_and_the_history_says_who_changed_what(signed_in, db_url):
    client = signed_in("li.na")
    page = client.get(PORT).text
    r = client.post(
        PORT, data={"csrf": csrf_of(page), "version": "2", "f:territory": "Binhai", "f:name":
                    "Tianjin Port Leasing", "f:class": "A"}
    )  # fmt: skip
    assert r.status_code == 303, r.text
    assert account(db_url)["territory"] == "Binhai"
    page = client.get(PORT).text
    assert "C-TJ-PORT saved (version 3)." in page
    latest = text_of(page.split('class="timeline"')[1].split("</li>")[0])
    assert "li.na changed the account" in latest
    assert "Territory: Tianjin → Binhai" in latest
    assert "chen.jie" in text_of(page.split('class="timeline"')[1])  # the keeper's entry


def test_the_key_account_manager_records_a_state_organ_and_an_empty_box_removes_a_value(
    signed_in, db_url
):
    client = signed_in("chen.jie")
    csrf = csrf_of(client.get(PORT).text)
    r = client.post(
        PORT, data={"csrf": csrf, "version": "2", "f:state_organ": "true", "f:shared_territory": ""}
    )
    assert r.status_code == 303, r.text
    found = account(db_url)
    assert found["state_organ"] is True
    assert "shared_territory" not in found


def test_a_field_the_store_guards_is_refused_in_words_if_it_comes_anyway(
    signed_in, db_url, monkeypatch
):
    """A form drawn with a box the store then refuses (the declarations changed, a hand-made
    post): the store, given the playbooks' recorded_by, decides, and says why in Chinese."""
    monkeypatch.setattr(customers, "may_set", lambda user, roles: True)
    client = signed_in("li.na")
    csrf = csrf_of(client.get(PORT).text)
    r = client.post(PORT, data={"csrf": csrf, "version": "2", "f:state_organ": "true"}, headers=ZH)
    assert r.status_code == 403
    assert (
        "li.na 没有大客户部经理角色：客户档案的“国家机关”由大客户部经理或管理员记录"
        in html.unescape(r.text)
    )
    assert "state_organ" not in account(db_url)
    r = client.post(
        PORT, data={"csrf": csrf, "version": "2", "f:credit_limit": "9000000"}, headers=ZH
    )
    assert r.status_code == 403
    assert "客户的信用条件（credit_limit）由主管领导或管理员记录" in html.unescape(r.text)
    assert account(db_url)["version"] == 2


def test_a_supervisor_records_only_their_own_approval_of_a_limit(signed_in, db_url):
    client = signed_in("wang.fang")
    csrf = csrf_of(client.get(PORT).text)
    r = client.post(
        PORT, data={"csrf": csrf, "version": "2", "f:credit_limit": "3500000",
                    "f:credit_limit_approved_by": "zhou.lei"}
    )  # fmt: skip
    assert r.status_code == 403
    assert "wang.fang records their own approval, not zhou.lei's" in html.unescape(r.text)
    r = client.post(PORT, data={"csrf": csrf, "version": "2", "f:credit_limit": "3500000"})
    assert r.status_code == 303
    assert account(db_url)["credit_limit"] == Decimal("3500000")


def test_bad_values_and_an_emptied_name_are_said_at_their_fields(signed_in, db_url):
    client = signed_in("wang.fang")
    csrf = csrf_of(client.get(PORT).text)
    r = client.post(
        PORT, data={"csrf": csrf, "version": "2", "f:name": "", "f:credit_limit": "lots",
                    "f:overdue_days": "2.5", "f:credit_checked_on": "20260110"},
        headers=ZH,
    )  # fmt: skip
    assert r.status_code == 422
    assert "必填：客户名称" in field_of(r.text, "name")
    assert "不是数字" in field_of(r.text, "credit_limit")
    assert 'value="lots"' in field_of(r.text, "credit_limit")
    assert "2.5" in field_of(r.text, "overdue_days")
    assert "credit_checked_on" in r.text
    assert "field-error" in field_of(r.text, "credit_checked_on")
    assert account(db_url)["version"] == 2


def test_a_stale_account_form_shows_only_the_readers_changes_beside_what_is_stored(
    signed_in, db_url
):
    """Read against the version the form was drawn from: the territory someone else changed
    since is not taken for the reader's (sent again, it would undo the other's change)."""
    client = signed_in("li.na")
    csrf = csrf_of(client.get(PORT).text)
    base = {"csrf": csrf, "version": "2", "f:name": "Tianjin Port Leasing", "f:class": "A"}
    assert client.post(PORT, data={**base, "f:territory": "Binhai"}).status_code == 303
    r = client.post(PORT, data={**base, "f:territory": "Tianjin", "f:class": "B"})
    assert r.status_code == 409
    typed = text_of(re.search(r'<section class="card typed".*?</section>', r.text, re.S).group(0))
    assert "Customer class: you typed B; now stored A" in typed
    assert "Territory" not in typed
    assert account(db_url)["class"] == "A"


def test_an_unknown_account_is_a_page(signed_in):
    r = signed_in("li.na").get("/customers/C-NONE")
    assert r.status_code == 404
    assert "There is no customer account" in r.text


# -- the demo ---------------------------------------------------------------------------------------
def test_the_demo_keeps_a_price_list_by_pricing_and_the_account_as_the_store_guards_it(db_url):
    with open_store(db_url) as store:
        assert {u["name"]: u["roles"] for u in store.list_users()}["zhou.jia"] == ["pricing"]
        listed = {e["model"]: e for e in store.price_list()}
        history = store.customer_history("C-TJ-PORT")
        assert [e["actor"] for e in store.price_history("Pickup P7")] == ["zhou.jia"]
    assert set(listed) == {"Pickup P7", "Sedan L4 official", "Patrol SUV X5", "Service van V3",
                           "Coach C9"}  # fmt: skip
    assert listed["Coach C9"]["floor_price"] == Decimal("380000")
    assert [(e["actor"], sorted(e["changes"])) for e in history][1] == (
        "chen.jie",
        ["shared_territory"],
    )
    assert history[0]["actor"] == "wang.fang"
    assert "credit_limit" in history[0]["changes"]
