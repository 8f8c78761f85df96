"""Sign-offs in the console, in one process: the deal page and "my approvals" offer the
awaited signer a button that writes the sign-off through the store (CSRF, version check),
the owner none; the store's refusals come back worded; the timeline says what was signed."""

from __future__ import annotations

import os
from html import unescape

import pytest

from engine.app.library import open_playbook
from engine.console.demo import ADMIN
from engine.store import open_store

from ..conftest import AS_OF, PLAYBOOKS
from .conftest import csrf_of

OFFICE = os.path.abspath(PLAYBOOKS / "key-account-office.yaml")
VISIT = {  # a visit held and its record filed: the manager's check is what it waits for
    "id": "VR-2026-050",
    "category": "visit_request",
    "stage": "manager_check",
    "owner": "li.na",
    "visit": {"purpose": "fleet offer", "held_on": "2026-02-27", "record_filed": True,
              "next_visit_on": "2026-04-01"},
    "documents": ["visit_plan", "visit_record"],
}  # fmt: skip
CLAIM = {  # a claim in reimbursement: three reviews, one each of three roles
    "id": "VR-2026-051",
    "category": "visit_request",
    "stage": "reimbursement",
    "owner": "li.na",
    "visit": {"purpose": "fleet offer", "held_on": "2026-02-27", "record_filed": True},
    "documents": ["visit_plan", "visit_record", "expense_receipts"],
    "expense": {"claimed": 1200, "funds_released": 1500},
}


@pytest.fixture
def office(db_url: str, tokens: dict[str, str]) -> dict[str, str]:
    """Two key-account-office deals owned by li.na, and a finance clerk; their tokens. The
    deals are in flight (waiting on sign-offs their owners could not have created them past)
    and the claim carries the funds finance released: an admin brings them in."""
    pb = open_playbook(OFFICE, None, None, AS_OF)
    with open_store(db_url) as store:
        store.add_user("he.ping", ("finance",))
        # in flight: an admin brings them in for their owners (they start past the first stage)
        for deal in (VISIT, CLAIM):
            store.create_deal(deal, playbook=pb, by=ADMIN, as_of=AS_OF, source=OFFICE)
        own = {**VISIT, "id": "VR-2026-052", "owner": "wang.qiang"}  # a manager's own visit
        store.create_deal(own, playbook=pb, by=ADMIN, as_of=AS_OF, source=OFFICE)
        return {**tokens, "he.ping": store.issue_token("he.ping")}


def _as(client, tokens, name):
    client.cookies.clear()
    assert client.post("/signin", data={"token": tokens[name]}).status_code == 303
    return client


def _sign_form(html: str, role: str) -> dict[str, str]:
    import re

    forms = re.findall(r'<form method="post" action="/deals/[^"]+/signoff".*?</form>', html, re.S)
    for form in forms:
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
        if fields["role"] == role:
            return fields
    raise AssertionError(f"no sign-off button for {role}")


def test_the_manager_signs_off_the_visit_record_from_the_deal_page(app_client, office, db_url):
    client = _as(app_client, office, "chen.jie")  # key-account manager, not the owner
    page = client.get("/deals/VR-2026-050").text
    assert "Sign off as Key-account department manager" in page
    assert "the key-account manager&#39;s check of the visit record" in page
    form = _sign_form(page, "key_account_manager")
    assert form["path"] == "visit.checked_by"
    r = client.post("/deals/VR-2026-050/signoff", data=form)
    assert r.status_code == 303, r.text
    with open_store(db_url) as store:
        deal = store.get_deal("VR-2026-050")
        assert deal.document["visit"]["checked_by"] == {
            "by": "chen.jie", "role": "key_account_manager", "on": AS_OF.isoformat()
        }  # fmt: skip
        assert store.history("VR-2026-050")[-1]["data"]["sign_offs"][0]["by"] == "chen.jie"
    after = unescape(client.get("/deals/VR-2026-050").text)
    assert "Signed off: VR-2026-050 as Key-account department manager." in after
    assert "/signoff" not in after  # nothing awaited now: the move is open
    timeline = after.split('class="changes">', 1)[1].split("</ul>", 1)[0]
    assert "Record checked by: not recorded → chen.jie (Key-account department manager)" in timeline


def test_the_owner_sees_what_is_awaited_but_no_button(app_client, office):
    client = _as(app_client, office, "li.na")
    page = client.get("/deals/VR-2026-050").text
    assert 'id="h-signoffs"' in page
    assert "/signoff" not in page
    manager = _as(app_client, office, "wang.qiang")
    assert "/signoff" in manager.get("/deals/VR-2026-050").text  # not his deal: offered
    own = manager.get("/deals/VR-2026-052").text  # his own: he holds the role, told why not
    assert "/signoff" not in own
    assert "someone else must sign this off" in own


def test_a_posted_sign_off_by_the_owner_is_refused_by_the_store_in_words(
    app_client, office, db_url
):
    client = _as(app_client, office, "chen.jie")
    form = _sign_form(client.get("/deals/VR-2026-050").text, "key_account_manager")
    owner = _as(app_client, office, "li.na")
    form["csrf"] = csrf_of(owner.get("/deals/VR-2026-050").text)
    owner.cookies.set("kam_lang", "zh")
    r = owner.post("/deals/VR-2026-050/signoff", data=form)
    assert r.status_code == 422
    assert "签核须由签核人本人记录" in r.text
    with open_store(db_url) as store:
        assert "checked_by" not in store.get_deal("VR-2026-050").document["visit"]


def test_a_sign_off_without_the_role_or_on_a_stale_version_is_refused(app_client, office, db_url):
    client = _as(app_client, office, "chen.jie")
    form = _sign_form(client.get("/deals/VR-2026-051").text, "key_account_manager")
    stale = {**form, "version": "0"}
    r = client.post("/deals/VR-2026-051/signoff", data=stale)
    assert r.status_code == 409
    assert "changed since you opened it" in r.text
    other_role = {**form, "role": "finance"}  # chen.jie is no finance clerk
    r = client.post("/deals/VR-2026-051/signoff", data=other_role)
    assert r.status_code == 422
    assert "chen.jie cannot sign for chen.jie as Finance department" in unescape(r.text)
    nowhere = {**form, "path": "visit.purpose"}
    assert client.post("/deals/VR-2026-051/signoff", data=nowhere).status_code == 422
    no_csrf = {k: v for k, v in form.items() if k != "csrf"}
    assert client.post("/deals/VR-2026-051/signoff", data=no_csrf).status_code == 403
    with open_store(db_url) as store:
        assert store.get_deal("VR-2026-051").version == 1


def test_finance_finds_the_claim_in_my_approvals_and_signs_off_its_review(
    app_client, office, db_url
):
    client = _as(app_client, office, "he.ping")
    inbox = client.get("/approvals").text
    assert "Sign-offs waiting for you" in inbox
    assert 'data-deal="VR-2026-051"' in inbox
    assert 'data-deal="VR-2026-050"' not in inbox  # the manager's check is not finance's
    form = _sign_form(inbox, "finance")
    assert form["path"] == "expense.reviews"
    assert form["back"] == "/approvals"
    r = client.post("/deals/VR-2026-051/signoff", data=form)
    assert r.status_code == 303
    assert r.headers["location"] == "/approvals"
    with open_store(db_url) as store:
        reviews = store.get_deal("VR-2026-051").document["expense"]["reviews"]
    assert reviews == [{"by": "he.ping", "role": "finance", "on": AS_OF.isoformat()}]
    page = unescape(client.get("/deals/VR-2026-051").text)
    timeline = page.split('class="changes">', 1)[1].split("</ul>", 1)[0]
    said = f"Reviews of the expense claim: not recorded → he.ping (Finance department) {AS_OF}"
    assert said in timeline
    again = client.get("/approvals").text
    assert 'data-deal="VR-2026-051"' not in again
    # the other two reviews are still awaited, shown on the deal page in Chinese
    client.cookies.set("kam_lang", "zh")
    page = client.get("/deals/VR-2026-051").text
    assert "待签核" in page
    assert "营销总监" in page
    assert "以财务部身份签核" not in page


def test_the_owner_gets_no_sign_off_in_my_approvals(app_client, office):
    client = _as(app_client, office, "li.na")
    assert "Sign-offs waiting for you" not in client.get("/approvals").text
