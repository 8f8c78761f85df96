"""The console in one process (no browser): sign-in, CSRF, language, the pages, and every
decision going through the store (refusals shown on the page, nothing written)."""

from __future__ import annotations

import re

import pytest

from engine.store import open_store

from .conftest import csrf_of


def approve_form(html: str, deal: str, role: str) -> dict[str, str]:
    """The hidden fields of the Approve form for ``deal``/``role`` as the page rendered them."""
    pattern = (
        rf'action="/deals/{re.escape(deal)}/approve">\s*'
        r'<input type="hidden" name="csrf" value="(?P<csrf>[^"]+)">\s*'
        rf'<input type="hidden" name="role" value="{re.escape(role)}">\s*'
        r'<input type="hidden" name="version" value="(?P<version>\d+)">\s*'
        r'<input type="hidden" name="key" value="(?P<key>[^"]+)">\s*'
        r'<input type="hidden" name="back" value="(?P<back>[^"]+)">'
    )
    found = re.search(pattern, html)
    assert found, f"no Approve form for {deal} {role}"
    return {"role": role, **found.groupdict()}


# -- signing in --------------------------------------------------------------------------------
def test_pages_ask_to_sign_in_first(app_client):
    for path in ("/", "/approvals", "/deals/DE-2026-031", "/pipeline"):
        r = app_client.get(path)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/signin")


def test_a_good_token_signs_in_with_a_strict_httponly_cookie(app_client, tokens):
    r = app_client.post("/signin", data={"token": tokens["zhao.lei"], "next": "/pipeline"})
    assert r.status_code == 303
    assert r.headers["location"] == "/pipeline"
    cookie = r.headers["set-cookie"].lower()
    assert "kam_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert app_client.get("/approvals").status_code == 200


@pytest.mark.parametrize("token", ["kam_not-a-token", "", "x" * 5000])
def test_a_bad_token_is_refused_on_the_page(app_client, token):
    r = app_client.post("/signin", data={"token": token})
    assert r.status_code == 401
    assert "That token is unknown" in r.text
    assert "set-cookie" not in r.headers


def test_signing_in_does_not_redirect_off_the_site(app_client, tokens):
    for where in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = app_client.post("/signin", data={"token": tokens["li.na"], "next": where})
        assert r.headers["location"] == "/approvals"


def test_sign_out_ends_the_session(signed_in):
    client = signed_in("li.na")
    page = client.get("/approvals").text
    r = client.post("/signout", data={"csrf": csrf_of(page)})
    assert r.status_code == 303
    assert (
        'kam_session=""' in r.headers["set-cookie"]
        or "max-age=0" in r.headers["set-cookie"].lower()
    )
    client.cookies.clear()
    assert client.get("/approvals").status_code == 303


# -- CSRF ------------------------------------------------------------------------------------------
def test_a_form_without_its_csrf_value_changes_nothing(signed_in, db_url):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    for bad in ("", "0" * 64):
        r = client.post("/deals/DE-2026-031/approve", data={**form, "csrf": bad})
        assert r.status_code == 403
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").version == 1


def test_a_post_from_another_site_is_refused_even_with_the_csrf_value(signed_in):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        r = client.post("/deals/DE-2026-031/approve", data=form, headers=headers)
        assert r.status_code == 403


def test_the_csrf_value_of_one_session_does_not_work_in_another(signed_in):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    signed_in("wang.fang")
    r = client.post("/deals/DE-2026-031/approve", data={**form, "role": "supervisor"})
    assert r.status_code == 403


# -- language --------------------------------------------------------------------------------------
def test_the_language_follows_the_browser_then_the_users_choice(signed_in):
    client = signed_in("zhao.lei")
    assert (
        "我的审批" in client.get("/approvals", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    )
    assert "My approvals" in client.get("/approvals", headers={"Accept-Language": "en-GB"}).text
    assert "My approvals" in client.get("/approvals", headers={"Accept-Language": "fr, de"}).text
    r = client.post("/language", data={"lang": "zh", "next": "/pipeline"})
    assert r.status_code == 303
    assert r.headers["location"] == "/pipeline"
    page = client.get("/approvals", headers={"Accept-Language": "en"}).text
    assert "我的审批" in page
    assert "须总经理审批" in page  # the engine's own message, in Chinese too


# -- my approvals ------------------------------------------------------------------------------
def test_the_inbox_lists_what_waits_for_the_users_roles_with_the_engines_words(signed_in):
    page = signed_in("zhao.lei").get("/approvals").text
    roles = re.findall(r'data-deal="DE-2026-031" data-role="([a-z_]+)"', page)
    assert sorted(roles) == ["general_manager", "manufacturer", "marketing_director"]
    assert "discount 18.00% is above the 15% tier" in page
    assert "or bring the discount to 15% or less" in page  # what would clear it
    assert "Also open on this deal (3)" in page
    assert "Supervisor: the credit exposure after this deal is 3,184,000.00" in page
    assert 'data-role="supervisor"' not in page  # not a role zhao.lei holds


def test_the_inbox_is_empty_for_someone_without_approving_roles(signed_in):
    page = signed_in("li.na").get("/approvals").text
    assert "Nothing is waiting for you" in page
    assert 'class="card approval"' not in page


def test_approving_from_the_inbox_records_it_and_says_so(signed_in, db_url):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    r = client.post("/deals/DE-2026-031/approve", data=form)
    assert r.status_code == 303
    assert r.headers["location"] == "/approvals"
    page = client.get("/approvals").text
    assert "Approved: DE-2026-031 as General manager." in page
    assert 'data-role="general_manager"' not in page
    with open_store(db_url) as store:
        deal = store.get_deal("DE-2026-031")
        assert deal.version == 2
        assert [e["kind"] for e in store.history("DE-2026-031")] == ["created", "approved"]


def test_the_four_approvals_clear_the_example_deal_and_the_history_shows_each(signed_in, db_url):
    for person, roles in (
        ("wang.fang", ["supervisor"]),
        ("zhao.lei", ["manufacturer", "marketing_director", "general_manager"]),
    ):
        client = signed_in(person)
        for role in roles:
            form = approve_form(client.get("/approvals").text, "DE-2026-031", role)
            assert client.post("/deals/DE-2026-031/approve", data=form).status_code == 303
    page = client.get("/deals/DE-2026-031").text
    assert 'class="badge ok"' in page
    assert page.count("approved as") == 4
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").status == "ok"


def test_a_rejection_needs_a_reason_and_keeps_it(signed_in, db_url):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    came_from = {"Referer": "http://testserver/approvals"}
    r = client.post("/deals/DE-2026-031/reject", data={**form, "reason": " "}, headers=came_from)
    assert r.status_code == 422
    assert "A rejection needs a reason: the owner reads it." in r.text
    assert 'name="next" value="/approvals"' in r.text  # the language switch: back to the page
    r = client.post("/deals/DE-2026-031/reject", data={**form, "reason": "18% is too deep"})
    assert r.status_code == 303
    page = client.get("/deals/DE-2026-031").text
    assert "rejected as General manager: 18% is too deep" in page


def test_a_rejection_leaves_the_inbox_until_the_deal_asks_less(signed_in, app_client, tokens):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    client.post("/deals/DE-2026-031/reject", data={**form, "reason": "18% is too deep"})
    waiting, _, standing = client.get("/approvals").text.partition('id="h-rejected"')
    assert 'data-role="general_manager"' not in waiting  # no longer waiting on him...
    assert 'data-role="general_manager"' in standing  # ...his rejection stands, to change
    page = client.get("/deals/DE-2026-031").text
    assert 'class="badge blocked"' in page
    assert "rejected by zhao.lei" in page
    assert "(“18% is too deep”)" in page
    # the owner lowers the discount to 16%: another request, asked again of the same approver
    stored = client.get("/v1/deals/DE-2026-031", headers=_bearer(tokens["li.na"]))
    line = {**stored.json()["deal"]["document"]["lines"][0], "unit_price": 126000}
    r = app_client.patch(
        "/v1/deals/DE-2026-031",
        json={"lines": [line]},
        headers={**_bearer(tokens["li.na"]), "If-Match": stored.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    client = signed_in("zhao.lei")
    page = client.get("/approvals").text
    assert approve_form(page, "DE-2026-031", "general_manager")
    assert "zhao.lei rejected it for discount off list price 18.00%; now 16.00%" in page


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def own_card(page: str, deal: str) -> str:
    found = re.search(rf'<li class="card approval" data-deal="{deal}".*?</li>\n', page, re.S)
    assert found, f"no card for {deal}"
    return found.group(0)


def test_the_owner_sees_no_approve_or_reject_on_their_own_deal_but_the_reason(signed_in):
    client = signed_in("wang.qiang")  # owns SP-2026-003 and holds the role it waits for
    card = own_card(client.get("/approvals").text, "SP-2026-003")
    assert "You own or created this deal: someone else must decide this approval." in card
    assert "/approve" not in card
    assert "/reject" not in card
    deal = client.get("/deals/SP-2026-003").text
    assert "You own or created this deal" in deal
    assert 'action="/deals/SP-2026-003/approve"' not in deal
    client = signed_in("chen.jie")  # holds the same role, owns nothing: may decide
    page = client.get("/approvals").text
    assert approve_form(page, "SP-2026-003", "key_account_manager")
    assert "You own or created this deal" not in own_card(page, "SP-2026-003")


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Not recorded: wang.qiang owns deal SP-2026-003 and cannot approve or reject it"),
        ("zh", "未能记录：wang.qiang 是交易 SP-2026-003 的负责人，不能批准或驳回"),
    ],
)
def test_self_approval_is_refused_in_the_readers_language(signed_in, db_url, lang, said):
    client = signed_in("wang.qiang")
    client.cookies.set("kam_lang", lang)
    page = client.get("/deals/SP-2026-003").text
    form = {  # a form the page no longer offers, made by hand: the store still refuses it
        "csrf": csrf_of(page),
        "role": "key_account_manager",
        "version": "1",
        "back": "/approvals",
    }
    r = client.post("/deals/SP-2026-003/approve", data=form)
    assert r.status_code == 422
    assert said in r.text
    assert "Traceback" not in r.text
    with open_store(db_url) as store:
        assert store.get_deal("SP-2026-003").version == 1


def test_a_stale_version_is_refused_with_what_changed(signed_in, db_url):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "manufacturer")
    first = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    assert client.post("/deals/DE-2026-031/approve", data=first).status_code == 303
    r = client.post("/deals/DE-2026-031/approve", data=form)  # read at version 1, now 2
    assert r.status_code == 409
    assert "changed since you opened it (you saw version 1, it is now 2)" in r.text
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").version == 2


def test_a_double_submit_of_one_form_is_one_decision(signed_in, db_url):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    assert client.post("/deals/DE-2026-031/approve", data=form).status_code == 303
    assert client.post("/deals/DE-2026-031/approve", data=form).status_code == 303
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").version == 2


# -- the deal page -----------------------------------------------------------------------------
def test_the_deal_page_shows_status_approvals_moves_facts_history_and_the_stage(signed_in):
    page = signed_in("zhao.lei").get("/deals/DE-2026-031").text
    assert 'class="badge needs_approval"' in page
    assert "Closing</strong> — still needs" in page
    assert "approval by supervisor is pending" in page
    assert "Weighted amount" in page
    assert "295,200.00" in page
    # the demo brings deals in flight in: imported, with its past, never "created the deal"
    assert "ops.admin</strong> imported the deal: brought in at Negotiation" in page
    assert "playbook auto-dealer 2026.1" in page
    assert re.search(r'data-stage="negotiation" aria-current="step"', page)
    assert page.count('aria-current="step"') == 2  # the diagram, and the phone's list of stages
    phone = re.search(r'<ol class="stage-steps">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r'<li[^>]*aria-current="step">([^<]+)', phone) == ["Negotiation "]


@pytest.mark.parametrize(("lang", "said"), [("en", "its owner (li.na) or an admin moves"),
                                             ("zh", "由负责人（li.na）或管理员操作")])  # fmt: skip
def test_a_move_is_offered_only_to_who_may_make_it(signed_in, lang, said):
    """The review: zhao.lei saw "Advance to Closing" on li.na's deal, which the store refuses."""
    client = signed_in("zhao.lei")
    client.cookies.set("kam_lang", lang)
    page = client.get("/deals/GP-2026-014").text
    assert 'action="/deals/GP-2026-014/advance"' not in page
    assert said in page


def test_advancing_a_deal_moves_it_and_a_refused_move_says_what_it_needs(signed_in, db_url):
    client = signed_in("li.na")
    page = client.get("/deals/GP-2026-014").text
    assert "Advance to Closing" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    data = {"csrf": csrf_of(page), "to": "closing", "version": version, "key": "k1"}
    r = client.post("/deals/GP-2026-014/advance", data=data)
    assert r.status_code == 303
    page = client.get("/deals/GP-2026-014").text
    assert "GP-2026-014 moved to Closing." in page
    assert 'data-stage="closing" aria-current="step"' in page
    assert "moved it from Negotiation to Closing" in page
    page = client.get("/deals/DE-2026-031").text
    data = {"csrf": csrf_of(page), "to": "closing", "version": "1", "key": "k2"}
    r = client.post("/deals/DE-2026-031/advance", data=data)
    assert r.status_code == 422
    assert "approval by supervisor is pending" in r.text
    client.cookies.set("kam_lang", "zh")  # the refusal in Chinese, the stages by their labels
    r = client.post("/deals/DE-2026-031/advance", data={**data, "key": "k3"})
    assert r.status_code == 422
    assert "未能记录：交易还不能从「洽谈协商」推进到「促进成交」" in r.text
    assert "cannot move" not in r.text
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").stage == "negotiation"


def test_an_unknown_deal_is_a_page_saying_so(signed_in):
    r = signed_in("li.na").get("/deals/NO-SUCH")
    assert r.status_code == 404
    assert "There is no deal &#34;NO-SUCH&#34;." in r.text
    # an id that shows nothing when printed as it is (a NUL) is shown escaped, never as ""
    r = signed_in("li.na").get("/deals/%00")
    assert r.status_code == 404
    assert "There is no deal &#34;\\u0000&#34;." in r.text


def test_reading_pages_writes_no_decision(signed_in, db_url):
    client = signed_in("zhao.lei")
    with open_store(db_url) as store:
        before = len(store.decisions_since())
    for path in ("/approvals", "/deals/DE-2026-031", "/pipeline", "/pipeline.csv"):
        assert client.get(path).status_code == 200
    with open_store(db_url) as store:
        assert len(store.decisions_since()) == before


# -- the pipeline ----------------------------------------------------------------------------------
def test_the_pipeline_weighs_each_stage_as_kam_batch_does(signed_in):
    page = signed_in("li.na").get("/pipeline").text
    # DE-2026-031 984,000 + GP-2026-014 456,000 + DE-2026-009 838,000 at 30 %
    assert re.search(
        r"Negotiation</th><td class=\"num\" data-label=\"Deals\">3</td>"
        r"<td class=\"num\" data-label=\"Amount\">2,278,000.00</td>"
        r"<td class=\"num\" data-label=\"Win chance\">30%</td>"
        r"<td class=\"num\" data-label=\"Weighted\">683,400.00</td>",
        page,
    )
    assert '<svg class="funnel"' in page


def test_the_pipeline_filters_and_exports_csv(signed_in):
    client = signed_in("li.na")
    page = client.get("/pipeline?owner=wang.qiang").text
    assert "SP-2026-003" in page
    assert "DE-2026-031" not in page
    client.cookies.set("kam_lang", "zh")
    page = client.get("/pipeline?stage=negotiation").text  # the filters read labels, not ids
    assert '<option value="negotiation" selected>洽谈协商</option>' in page
    assert '<option value="direct_enterprise">直接用户</option>' in page
    assert '<option value="needs_approval">待审批</option>' in page
    r = client.get("/pipeline.csv?owner=li.na")
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0] == (
        "deal,customer,playbook,version,category,stage,status,owner,currency,amount,win,weighted"
    )
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["DE-2026-031", "GP-2026-014"]
    # money as a spreadsheet reads it: two decimals at least, every digit, no separators
    assert (
        "DE-2026-031,Tianjin Port Leasing,auto-dealer,2026.1,direct_enterprise,negotiation,"
        "needs_approval,li.na,CNY,984000.00,0.3,295200.00" in lines
    )


# -- beside the API ----------------------------------------------------------------------------
def test_the_api_keeps_its_answers_beside_the_console(app_client, tokens):
    auth = {"Authorization": f"Bearer {tokens['li.na']}"}
    assert app_client.get("/v1/deals/DE-2026-031", headers=auth).status_code == 200
    r = app_client.get("/v1/nowhere", headers=auth)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    r = app_client.post("/v1/validate", headers=auth, data={"a": "b"})
    assert r.status_code == 415
    assert app_client.get("/healthz").status_code == 200


def test_an_unknown_page_is_a_page_not_a_traceback(signed_in):
    r = signed_in("li.na").get("/no/such/page")
    assert r.status_code == 404
    assert "There is no such page." in r.text


def test_the_static_files_are_served_and_htmx_is_the_vendored_one(app_client):
    r = app_client.get("/static/htmx-2.0.11.min.js")
    assert r.status_code == 200
    assert "htmx" in r.text[:2000]
    assert app_client.get("/static/console.css").status_code == 200


# -- bad input never crashes, never writes -----------------------------------------------------
def test_a_form_without_the_deal_version_decides_nothing(signed_in, db_url):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    for version in ("", "abc", "-1", "9" * 20):
        r = client.post("/deals/DE-2026-031/approve", data={**form, "version": version})
        assert r.status_code == 422
        assert "which version of the deal" in r.text
    with open_store(db_url) as store:
        assert store.get_deal("DE-2026-031").version == 1


@pytest.mark.parametrize(
    ("deal", "role", "status", "words"),
    [
        ("DE-2026-031", "no_such_role", 422, "is not a role of playbook"),
        ("DE-2026-031", "supervisor", 422, "zhao.lei does not hold the role Supervisor"),
        ("NO-SUCH-DEAL", "general_manager", 404, "no deal NO-SUCH-DEAL in the store"),
        ("ü" * 300, "general_manager", 404, "in the store"),
    ],
)
def test_a_decision_the_store_cannot_make_is_said_on_the_page(signed_in, deal, role, status, words):
    client = signed_in("zhao.lei")
    form = approve_form(client.get("/approvals").text, "DE-2026-031", "general_manager")
    r = client.post(f"/deals/{deal}/approve", data={**form, "role": role})
    assert r.status_code == status
    assert words in r.text
    assert "Traceback" not in r.text


def test_hostile_requests_get_pages_not_tracebacks(signed_in):
    client = signed_in("zhao.lei")
    page = client.get("/approvals").text
    many = "&".join(f"f{i}=x" for i in range(10_000)) + f"&csrf={csrf_of(page)}"
    r = client.post(
        "/deals/DE-2026-031/approve",
        content=many,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 403  # more fields than any form: read as no form at all
    r = client.post(
        "/deals/DE-2026-031/approve",
        content=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413  # the service's body limit covers the console too
    r = client.post(
        "/deals/DE-2026-031/approve", content=b"\xff\xfe{", headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 403
    for language in ("q=abc;;;,,,zz", "zh;q=nan, en;q=-1", "x" * 10_000):
        assert client.get("/approvals", headers={"Accept-Language": language}).status_code == 200
    assert client.get("/deals/%00%2F..%2F").status_code == 404


def test_an_oversized_or_unknown_session_cookie_is_signed_out(app_client):
    for token in ("x" * 10_000, "kam_unknown"):
        app_client.cookies.set("kam_session", token)
        r = app_client.get("/approvals")
        assert r.status_code == 303
        assert r.headers["location"].startswith("/signin")


# -- playbooks -----------------------------------------------------------------------------------
def test_the_playbooks_page_lists_versions_and_opens_each_handbook(signed_in):
    client = signed_in("li.na")
    page = client.get("/playbooks").text
    assert "/playbooks/auto-dealer/2026.1" in page
    assert "/playbooks/auto-dealer/2026.2" in page
    assert page.count("in force today") == len(re.findall(r"<code>[^<]+</code></h2>", page))
    r = client.get("/playbooks/auto-dealer/2026.1", headers={"Accept-Language": "zh"})
    assert r.status_code == 200
    assert "<svg" in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert client.get("/playbooks/auto-dealer/1999.9").status_code == 404
    assert client.get("/playbooks/../etc").status_code == 404


# -- explain -----------------------------------------------------------------------------------
def test_the_explain_view_shows_every_rule_with_the_values_it_saw(signed_in, db_url):
    client = signed_in("zhao.lei")
    assert "/deals/DE-2026-031/explain" in client.get("/deals/DE-2026-031").text
    with open_store(db_url) as store:
        before = len(store.decisions_since())
    page = client.get("/deals/DE-2026-031/explain").text
    assert re.search(r"<code>P7</code></th>\s*<td><strong>fired</strong>", page)
    assert re.search(
        r"<code>P6</code></th>\s*<td><strong>not fired</strong> — no item of deal.lines", page
    )
    assert "<code>deal.lines[0].unit_price</code> = 123,000.00" in page  # a value it read
    assert "<code>weighted_amount</code>" in page
    assert "= 295,200.00" in page
    assert "<code>deal.customer.shared_territory</code> = yes" in page  # yes/no, not true
    assert "<code>deal.customer.shared_territory</code> = true" not in page
    with open_store(db_url) as store:
        assert len(store.decisions_since()) == before  # explaining writes nothing
    assert client.get("/deals/NO-SUCH/explain").status_code == 404


# -- every console error is a page, in the reader's language -----------------------------------
@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "That form is larger than this site accepts (1 MiB)"),
        ("zh", "表单超过本站接受的大小"),
    ],
)
def test_a_form_over_the_body_limit_gets_a_page_not_json(signed_in, lang, said):
    client = signed_in("zhao.lei")
    client.cookies.set("kam_lang", lang)
    csrf = csrf_of(client.get("/approvals").text)
    r = client.post(
        "/deals/DE-2026-031/approve",
        content=f"csrf={csrf}&reason=".encode() + b"x" * (1 << 20),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert said in r.text
    # the language switch on that page goes back to a page, not to the post-only address
    assert 'name="next" value="/"' in r.text
    assert "zhao.lei" in r.text  # still signed in: the page says who you are


def test_console_errors_are_pages_and_the_api_keeps_problem_json(signed_in):
    client = signed_in("zhao.lei")
    client.cookies.set("kam_lang", "zh")
    for method, path, status, said in (
        ("GET", "/no-such-page", 404, "没有这个页面"),
        ("GET", "/signout", 405, "此页面不能这样使用"),
        ("GET", "/deals/NOPE", 404, "没有交易 &#34;NOPE&#34;"),
    ):
        r = client.request(method, path)
        assert r.status_code == status
        assert r.headers["content-type"].startswith("text/html"), path
        assert said in r.text
    r = client.post(
        "/v1/evaluate", content=b"x" * (2 << 20), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/nothing").headers["content-type"] == "application/problem+json"


def test_an_unknown_fact_reads_not_recorded_never_zero_or_no(signed_in):
    client = signed_in("wang.qiang")
    client.cookies.set("kam_lang", "zh")
    page = client.get("/deals/SP-2026-007").text  # no credit limit recorded: exposure unknown
    facts = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]*)</td>', page))
    assert facts["本单后信用敞口"] == "未记录"
    assert facts["已中标定价"] == "是"
    assert facts["成交金额"] == "2,560,000.00"


def test_every_refusal_code_the_store_gives_is_worded_in_both_languages():
    """A refusal with a code but no words would reach a zh page in English."""
    from pathlib import Path

    from engine.console.words import WORDS

    store = Path(__file__).resolve().parents[2] / "engine" / "store"
    codes = set()
    for source in store.glob("*.py"):
        codes |= set(re.findall(r'code=f?"([a-z_{}]+)"', source.read_text(encoding="utf-8")))
    codes = {c.replace("{decision}", d) for c in codes for d in ("approved", "rejected")}
    assert {"not_owner", "company_data", "owner_not_user", "not_in_force"} <= codes
    for lang in ("en", "zh"):
        missing = sorted(c for c in codes if f"refused_{c}" not in WORDS[lang])
        assert missing == [], (lang, missing)


def test_the_deal_form_and_the_editor_each_have_their_own_words():
    """Two pages once used one key ("edit_h": the deal form's "Edit {deal}" and the editor's
    "Edit {playbook}"), and the deal form's page failed with a KeyError."""
    from engine.console.words import say

    for lang in ("en", "zh"):
        assert "DE-1" in say(lang, "edit_h", deal="DE-1")
        assert "auto-dealer" in say(lang, "pb_edit_h", playbook="auto-dealer")


def test_a_blocked_deal_in_the_inbox_says_so_above_its_buttons(signed_in):
    page = signed_in("wang.fang").get("/approvals").text  # the supervisor
    cards = [c for c in page.split('<li class="card approval"') if 'data-deal="DE-2026-009"' in c]
    assert cards
    for card in cards:
        note = card.index("This deal is blocked: approving does not clear these.")
        assert "the customer is 120 days overdue" in card[note:]
        assert note < card.index('class="decide')  # read before the buttons
        assert (
            "Also open on this deal" not in card
            or "days overdue" not in card.split("Also open on this deal")[1]
        )  # said once, not again among the other items


def test_a_deal_that_is_not_blocked_has_no_such_note(signed_in):
    page = signed_in("zhao.lei").get("/approvals").text
    assert 'data-deal="DE-2026-031"' in page
    assert "This deal is blocked" not in page
