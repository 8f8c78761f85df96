"""The deal's edit form (generated from the playbook's deal type), in one process: who sees
it, what a save writes (a merge patch of what changed, against the version read), and how a
bad value, a stale form and a refusal come back (at the field, in the reader's language)."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest

from engine.console import dealform
from engine.store import open_store

from ..conftest import ROOT

ACTION = 'action="/deals/{deal}/edit"'


class _Fields(HTMLParser):
    """The values the browser would post for the edit form as drawn."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.labels: set[str] = set()
        self.ids: list[str] = []
        self._select = ""
        self._area = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "label" and "for" in a:
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden" and "id" in a:
            self.ids.append(a["id"])
        if tag == "input" and a.get("type") == "checkbox":
            if "checked" in a:
                self.fields[a["name"]] = a["value"]
        elif tag == "input" and "name" in a:
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self.fields[self._select] = ""
        elif tag == "option" and "selected" in a:
            self.fields[self._select] = a["value"]
        elif tag == "textarea":
            self._area = a["name"]
            self.fields[self._area] = ""

    def handle_data(self, data: str) -> None:
        if self._area:
            self.fields[self._area] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._area = ""


def drawn(html: str, deal: str) -> _Fields:
    form = html.split(ACTION.format(deal=deal), 1)[1].split("</form>", 1)[0]
    parsed = _Fields()
    parsed.feed(form)
    parsed.fields.pop("key", None)  # each test post is its own request
    return parsed


def field_errors(html: str) -> dict[str, str]:
    """Each field's error as the page shows it beside the field."""
    found = {}
    for path, body in re.findall(r'data-path="([^"]+)">(.*?)</div>', html, re.S):
        error = re.search(r'<p class="field-error"[^>]*>([^<]*)</p>', body)
        if error:
            found[path] = unescape(error.group(1))
    return found


def test_the_owner_edits_a_field_and_the_store_records_a_patch_of_just_that(signed_in, db_url):
    client = signed_in("li.na")  # owns DE-2026-031
    deal_page = client.get("/deals/DE-2026-031").text
    assert 'href="/deals/DE-2026-031/edit"' in deal_page
    page = client.get("/deals/DE-2026-031/edit").text
    form = drawn(page, "DE-2026-031")
    assert form.fields["f:lines[0].unit_price"] == "123000.00"
    form.fields["f:lines[0].unit_price"] = "150,000.00"  # as a person types it
    form.fields["f:tender"] = "true"
    r = client.post("/deals/DE-2026-031/edit", data=form.fields)
    assert r.status_code == 303, r.text
    with open_store(db_url) as store:
        deal = store.get_deal("DE-2026-031")
        assert deal.version == 2
        assert deal.document["tender"] is True
        assert deal.document["lines"][0]["unit_price"] == Decimal("150000.00")
        patch = store.history("DE-2026-031")[-1]["data"]["patch"]
    assert set(patch) == {"lines", "tender"}  # nothing the person did not change


def test_an_unchanged_form_writes_nothing(signed_in, db_url):
    client = signed_in("li.na")
    form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031")
    r = client.post("/deals/DE-2026-031/edit", data=form.fields)
    assert r.status_code == 303
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").version == 1


def test_an_emptied_field_is_removed_never_written_as_zero_or_no(signed_in, db_url):
    client = signed_in("li.na")
    form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031")
    assert form.fields["f:customer.territory"] != ""
    form.fields["f:customer.territory"] = ""  # not recorded
    assert client.post("/deals/DE-2026-031/edit", data=form.fields).status_code == 303
    with open_store(db_url) as store:
        customer = store.get_deal("DE-2026-031").document["customer"]
    assert "territory" not in customer
    assert customer["credit_limit"] == Decimal("3000000.00")  # the rest kept


def test_company_data_is_shown_not_offered_and_a_posted_change_of_it_is_ignored(signed_in, db_url):
    """A line's list/floor/retail prices and an inline customer's credit terms are the
    company's (the store refuses the owner's change): the form shows them, offers no control,
    and keeps them as stored whatever is posted."""
    client = signed_in("li.na")
    form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031")
    for name in ("lines[0].list_price", "lines[0].floor_price", "customer.credit_limit",
                 "customer.receivables"):  # fmt: skip
        assert f"f:{name}" not in form.fields, name
    form.fields["f:lines[0].list_price"] = "1"  # posted by hand all the same
    form.fields["f:customer.credit_limit"] = "99999999"
    form.fields["f:lines[0].unit_price"] = "124000.00"
    assert client.post("/deals/DE-2026-031/edit", data=form.fields).status_code == 303
    with open_store(db_url) as store:
        deal = store.get_deal("DE-2026-031").document
    assert deal["lines"][0]["unit_price"] == Decimal("124000.00")
    assert deal["lines"][0]["list_price"] == Decimal("150000.00")
    assert deal["customer"]["credit_limit"] == Decimal("3000000.00")


def test_a_line_is_added_in_the_blank_row_and_one_removed(signed_in, db_url):
    client = signed_in("li.na")
    form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031")
    rows = int(form.fields["n:lines"])
    blank = f"lines[{rows - 1}]"
    assert form.fields[f"f:{blank}.model"] == ""
    form.fields[f"f:{blank}.model"] = "Van V9"
    form.fields[f"f:{blank}.quantity"] = "5"
    form.fields[f"f:{blank}.unit_price"] = "100000"
    form.fields["x:lines[0]"] = "1"
    assert client.post("/deals/DE-2026-031/edit", data=form.fields).status_code == 303
    with open_store(db_url) as store:
        lines = store.get_deal("DE-2026-031").document["lines"]
    assert len(lines) == rows - 1  # one removed, one added
    assert lines[-1] == {"model": "Van V9", "quantity": 5, "unit_price": Decimal("100000")}


@pytest.mark.parametrize(
    ("value", "said"),
    [("abc", "'abc': not a number"), ("2.5", "'2.5': not a whole number")],
)
def test_a_bad_value_comes_back_at_its_field_with_everything_typed_kept(
    signed_in, db_url, value, said
):
    client = signed_in("li.na")
    form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031")
    form.fields["f:lines[0].quantity"] = value
    form.fields["f:dealer_territory"] = "Dongcheng"
    r = client.post("/deals/DE-2026-031/edit", data=form.fields)
    assert r.status_code == 422
    assert field_errors(r.text) == {"lines[0].quantity": said}
    again = drawn(r.text, "DE-2026-031").fields
    assert again["f:dealer_territory"] == "Dongcheng"
    assert again["version"] == "1"
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").version == 1


def test_a_value_beyond_the_deal_schemas_bounds_is_shown_at_its_field(signed_in):
    client = signed_in("li.na")
    client.cookies.set("kam_lang", "zh")
    form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031")
    form.fields["f:lines[0].quantity"] = "100001"  # one above the playbook's maximum
    form.fields["f:lines[0].unit_price"] = "-0.01"  # just below the minimum, 0
    r = client.post("/deals/DE-2026-031/edit", data=form.fields)
    assert r.status_code == 422
    assert field_errors(r.text) == {
        "lines[0].quantity": "不能大于 100000",
        "lines[0].unit_price": "不能小于 0",
    }
    form.fields["f:lines[0].unit_price"] = "0"  # exactly the minimum
    form.fields["f:lines[0].quantity"] = "100000"  # exactly the maximum is a quantity
    assert client.post("/deals/DE-2026-031/edit", data=form.fields).status_code == 303


def test_a_stale_form_is_refused_readably_and_nothing_is_overwritten(signed_in, db_url):
    client = signed_in("li.na")
    first = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031").fields
    second = dict(first)
    first["f:dealer_territory"] = "Dongcheng"
    assert client.post("/deals/DE-2026-031/edit", data=first).status_code == 303
    second["f:dealer_territory"] = "Xicheng"  # drawn at version 1, now 2
    client.cookies.set("kam_lang", "zh")
    r = client.post("/deals/DE-2026-031/edit", data=second)
    assert r.status_code == 409
    assert "您看到的是第 1 版，现在是第 2 版" in r.text
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").document["dealer_territory"] == "Dongcheng"
    # drawn again from what is stored now: sending it back cannot undo the other change
    again = drawn(r.text, "DE-2026-031").fields
    assert again["version"] == "2"
    assert again["f:dealer_territory"] == "Dongcheng"


def test_only_the_owner_or_an_admin_sees_the_form(signed_in):
    client = signed_in("chen.jie")  # neither owns DE-2026-031 nor is an admin
    assert "/deals/DE-2026-031/edit" not in client.get("/deals/DE-2026-031").text
    r = client.get("/deals/DE-2026-031/edit")
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "owner or an admin changes it." in r.text


def test_a_post_by_someone_else_is_refused_by_the_store_in_their_language(signed_in, db_url):
    owner = signed_in("li.na")
    fields = drawn(owner.get("/deals/DE-2026-031/edit").text, "DE-2026-031").fields
    client = signed_in("chen.jie")
    client.cookies.set("kam_lang", "zh")
    page = client.get("/deals/DE-2026-031").text
    fields["csrf"] = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    fields["f:dealer_territory"] = "Dongcheng"
    r = client.post("/deals/DE-2026-031/edit", data=fields)
    assert r.status_code == 422
    assert "chen.jie 不是交易 DE-2026-031 的负责人" in r.text
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").version == 1


def test_stage_approvals_and_history_are_shown_read_only_and_a_posted_stage_is_ignored(
    signed_in, db_url
):
    client = signed_in("li.na")
    page = client.get("/deals/DE-2026-031/edit").text
    form = drawn(page, "DE-2026-031")
    assert not any(name in form.fields for name in ("f:stage", "f:approvals", "f:id"))
    stage = re.search(r'data-path="stage">.*?<span class="fixed"[^>]*>([^<]*)', page, re.S)
    assert stage
    assert stage.group(1).strip() == "Negotiation"
    form.fields["f:stage"] = "closing"  # a control the form never had
    assert client.post("/deals/DE-2026-031/edit", data=form.fields).status_code == 303
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").stage == "negotiation"


def test_every_control_has_a_label_in_both_languages(signed_in):
    client = signed_in("li.na")
    for lang in ("en", "zh"):
        client.cookies.set("kam_lang", lang)
        form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031")
        assert form.ids
        assert set(form.ids) <= form.labels


def test_a_yes_no_field_offers_not_recorded_and_enumerations_their_labels(signed_in):
    client = signed_in("li.na")
    client.cookies.set("kam_lang", "zh")
    page = client.get("/deals/DE-2026-031/edit").text
    tender = re.search(r'<select id="f-tender".*?</select>', page, re.S).group(0)
    assert re.findall(r">([^<]+)</option>", tender) == ["未记录", "是", "否"]
    category = re.search(r'<select id="f-category".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="direct_enterprise" selected>([^<]+)</option>', category)
    assert "direct_enterprise</option>" not in category  # the label, not the id


def test_the_patch_of_a_form_is_computed_without_the_store():
    from engine.app.playbook import load_playbook

    from ..conftest import PLAYBOOKS

    model = load_playbook(PLAYBOOKS / "auto-dealer.yaml").model
    document = {"id": "D", "category": "direct_enterprise", "stage": "visit", "tender": False}
    fields = {"f:tender": "false", "f:dealer_territory": " Chaoyang "}
    posted = dealform.read(model, document, fields, "en")
    assert posted.patch == {"dealer_territory": "Chaoyang"}
    posted = dealform.read(model, document, {"f:tender": ""}, "en")
    assert posted.patch == {"tender": None}  # removed: unknown, not false
    posted = dealform.read(model, document, {"f:customer.largest_batch_this_year": "1.5"}, "en")
    assert posted.problems == ()  # company data since P1/P3 read it: not read from a form
    assert posted.patch == {}
    posted = dealform.read(model, document, {"f:customer.credit_limit": "1e9"}, "en")
    assert posted.problems == ()  # company data: not read from a form, not patched
    assert posted.patch == {}


def test_a_customer_the_store_holds_is_shown_read_only_and_never_patched():
    from engine.app.playbook import load_playbook

    from ..conftest import PLAYBOOKS

    model = load_playbook(PLAYBOOKS / "auto-dealer.yaml").model
    document = {
        "id": "D",
        "category": "direct_enterprise",
        "stage": "visit",
        "customer": {"id": "C-TJ-PORT", "name": "Tianjin Port Leasing"},
    }
    shown = {c.path: c for c in dealform.controls(model, document, "zh")}
    customer = shown["customer"]
    assert {c.kind for c in customer.children} == {"fixed"}
    names = {c.path: c.value for c in customer.children}
    assert names["customer.name"] == "Tianjin Port Leasing"
    assert names["customer.credit_limit"] == "未记录"
    assert shown["approvals"].value == "无。"
    posted = dealform.read(model, document, {"f:customer.name": "Someone else"}, "en")
    assert posted.patch == {}


def test_an_entry_begun_but_missing_what_it_needs_is_said_at_each_missing_field(signed_in, db_url):
    client = signed_in("li.na")
    client.cookies.set("kam_lang", "zh")
    form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031")
    rows = int(form.fields["n:lines"])
    form.fields[f"f:lines[{rows - 1}].quantity"] = "3"  # a new line without model or price
    form.fields["f:category"] = ""  # a deal always has a category
    r = client.post("/deals/DE-2026-031/edit", data=form.fields)
    assert r.status_code == 422
    assert field_errors(r.text) == {
        f"lines[{rows - 1}].model": "必填（或将整条留空）",
        f"lines[{rows - 1}].unit_price": "必填（或将整条留空）",
        "category": "必填（或将整条留空）",
    }
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").version == 1


def _typed_panel(html: str) -> str:
    return html.split('id="h-typed"', 1)[1].split("</section>", 1)[0]


def test_a_stale_form_shows_what_was_typed_beside_what_is_stored_and_applies_it_at_a_click(
    signed_in, db_url
):
    client = signed_in("li.na")
    first = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031").fields
    second = dict(first)
    first["f:dealer_territory"] = "Dongcheng"  # another tab: saved first
    assert client.post("/deals/DE-2026-031/edit", data=first).status_code == 303
    second["f:lines[0].unit_price"] = "150,000"  # typed on the form drawn at version 1
    second["f:tender"] = "true"
    r = client.post("/deals/DE-2026-031/edit", data=second)
    assert r.status_code == 409
    panel = _typed_panel(r.text)
    assert "you typed 150,000.00; now stored 123,000.00" in unescape(panel)
    assert "you typed yes; now stored not recorded" in unescape(panel)
    assert "Dongcheng" not in panel  # the other change is not the person's: not offered back
    # the main form still shows what is stored now
    assert drawn(r.text, "DE-2026-031").fields["f:lines[0].unit_price"] == "123000.00"
    again = _Fields()
    again.feed(panel.split("<form", 1)[1])
    assert again.fields["version"] == "2"
    done = client.post("/deals/DE-2026-031/edit?again=1", data=again.fields)
    assert done.status_code == 303, done.text
    with open_store(db_url) as store:
        deal = store.get_deal("DE-2026-031")
        assert deal.version == 3
        assert deal.document["dealer_territory"] == "Dongcheng"  # the other change kept
        assert deal.document["tender"] is True
        assert deal.document["lines"][0]["unit_price"] == Decimal("150000")
        assert set(store.history("DE-2026-031")[-1]["data"]["patch"]) == {"lines", "tender"}


def test_a_stale_form_says_what_was_typed_in_chinese(signed_in):
    client = signed_in("li.na")
    first = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031").fields
    second = dict(first)
    first["f:dealer_territory"] = "Dongcheng"
    assert client.post("/deals/DE-2026-031/edit", data=first).status_code == 303
    second["f:tender"] = "false"
    client.cookies.set("kam_lang", "zh")
    r = client.post("/deals/DE-2026-031/edit", data=second)
    assert r.status_code == 409
    assert "您输入的是 否；现在保存的是 未记录" in unescape(_typed_panel(r.text))
    assert "把我的修改应用到第 2 版" in r.text


def test_a_stale_form_of_nothing_typed_has_no_panel(signed_in):
    client = signed_in("li.na")
    first = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031").fields
    second = dict(first)
    first["f:dealer_territory"] = "Dongcheng"
    assert client.post("/deals/DE-2026-031/edit", data=first).status_code == 303
    r = client.post("/deals/DE-2026-031/edit", data=second)
    assert r.status_code == 409
    assert 'id="h-typed"' not in r.text


def test_the_timeline_names_what_an_update_changed_before_and_after(signed_in):
    client = signed_in("li.na")
    form = drawn(client.get("/deals/DE-2026-031/edit").text, "DE-2026-031").fields
    form["f:lines[0].unit_price"] = "150000"
    form["f:dealer_territory"] = "Dongcheng"
    assert client.post("/deals/DE-2026-031/edit", data=form).status_code == 303
    page = unescape(client.get("/deals/DE-2026-031").text)
    changes = page.split('class="changes">', 1)[1].split("</ul>", 1)[0]
    assert "123,000.00 → 150,000.00" in changes  # money as the handbook writes it
    assert "Chaoyang → Dongcheng" in changes
    client.cookies.set("kam_lang", "zh")
    page = unescape(client.get("/deals/DE-2026-031").text)
    assert "经销商辖区: Chaoyang → Dongcheng" in page.split('class="changes">', 1)[1]


def test_the_timeline_says_and_n_more_past_a_few_lines():
    from engine.app.playbook import load_playbook
    from engine.console import changes

    pb = load_playbook(str(ROOT / "playbooks" / "key-account-office.yaml"))
    before = {"visit": {"purpose": "a"}}
    after = {
        "visit": {"purpose": "b", "planned_on": "2026-03-01", "budget": Decimal("1000"),
                  "gifts": Decimal("100"), "record_filed": True,
                  "checked_by": {"by": "zhao.min", "role": "key_account_manager"}},
    }  # fmt: skip
    found = changes.changed(pb.model, before, after, "en")
    assert [c.path for c in found] == [
        "visit.purpose", "visit.planned_on", "visit.budget", "visit.gifts",
        "visit.record_filed", "visit.checked_by",
    ]  # fmt: skip
    assert found[2].after == "1,000.00"
    assert found[4].before == "not recorded"
    assert found[4].after == "yes"
    assert found[5].after.startswith("zhao.min (")
    assert changes.changed(pb.model, after, after, "en") == []


@pytest.mark.parametrize("given", ["20260115", "2026-W03-4", "2026-1-15"])
def test_a_date_control_takes_yyyy_mm_dd_only(signed_in, db_url, given):
    client = signed_in("li.na")
    page = client.get("/deals/DE-2026-031/edit").text
    form = drawn(page, "DE-2026-031").fields
    assert form["f:filing.filed_on"] == "2026-01-12"  # as <input type=date> reads its value
    assert re.search(r'name="f:filing.filed_on" type="date" value="2026-01-12"', page)
    form["f:filing.filed_on"] = given
    r = client.post("/deals/DE-2026-031/edit", data=form)
    assert r.status_code == 422
    assert field_errors(r.text)["filing.filed_on"].endswith("not a date (YYYY-MM-DD)")
    form["f:filing.filed_on"] = "2026-01-15"
    assert client.post("/deals/DE-2026-031/edit", data=form).status_code == 303
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").document["filing"]["filed_on"] == "2026-01-15"


def test_the_fields_a_playbook_declares_recorded_by_are_shown_fixed_and_never_read():
    """key-account-office's funds released are finance's word: its form shows them and offers
    no control, whatever a post carries; the claim beside them stays the owner's."""
    from engine.app.playbook import load_playbook

    from ..conftest import PLAYBOOKS

    model = load_playbook(PLAYBOOKS / "key-account-office.yaml").model
    document = {"id": "V", "category": "visit_request", "stage": "approval",
                "expense": {"claimed": 100, "funds_released": 500}}  # fmt: skip
    (expense,) = [c for c in dealform.controls(model, document, "en") if c.path == "expense"]
    kinds = {c.path: c.kind for c in expense.children}
    assert kinds["expense.funds_released"] == "fixed"
    assert kinds["expense.claimed"] == "money"
    fields = {"f:expense.claimed": "120", "f:expense.funds_released": "9999"}
    posted = dealform.read(model, document, fields, "en")
    assert posted.problems == ()
    assert posted.patch == {"expense": {"claimed": Decimal("120")}}
