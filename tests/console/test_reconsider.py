"""A standing rejection in the console, in one process: the approver whose role stands
rejected sees it on "my approvals" and on the deal page, with who said no and why, and may
approve after all (a box to tick, CSRF, the deal's version); the owner reads who rejected it
and why, with no button; the owner's own decision stays refused by the store."""

from __future__ import annotations

import re
from html import unescape

import pytest

from engine.store import open_store

from .conftest import csrf_of

DEAL = "DE-2026-031"  # li.na's; zhao.lei holds the general manager's role it waits for
REASON = "18% is too deep for a fleet of 8"


def reject(client, deal: str, role: str, version: str, reason: str = REASON) -> None:
    page = client.get(f"/deals/{deal}").text
    data = {"csrf": csrf_of(page), "role": role, "version": version, "key": f"r-{deal}-{role}",
            "reason": reason, "back": f"/deals/{deal}"}  # fmt: skip
    assert client.post(f"/deals/{deal}/reject", data=data).status_code == 303


def section(page: str, heading_id: str) -> str:
    found = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', page, re.S)
    return found.group(1) if found else ""


def card(page: str, deal: str, role: str) -> str:
    found = re.search(
        rf'<li class="card approval rejected" data-deal="{re.escape(deal)}" '
        rf'data-role="{re.escape(role)}">(.*?)</li>\s*(?:<li|</ol>)',
        page,
        re.S,
    )
    assert found, f"no rejected card for {deal} {role}"
    return unescape(found.group(1))


def reconsider_form(html: str, deal: str, role: str) -> dict[str, str]:
    pattern = (
        rf'action="/deals/{re.escape(deal)}/approve" class="reconsider">\s*'
        r'<input type="hidden" name="csrf" value="(?P<csrf>[^"]+)">\s*'
        rf'<input type="hidden" name="role" value="{re.escape(role)}">\s*'
        r'<input type="hidden" name="version" value="(?P<version>\d+)">\s*'
        r'<input type="hidden" name="key" value="(?P<key>[^"]+)">\s*'
        r'<input type="hidden" name="back" value="(?P<back>[^"]+)">\s*'
        r'<input type="hidden" name="reconsider" value="yes">\s*'
        r'<label class="confirm"><input type="checkbox" name="confirm" value="yes" required>'
    )
    found = re.search(pattern, html)
    assert found, f"no form to approve {deal} {role} after all"
    return {"role": role, "reconsider": "yes", **found.groupdict()}


def test_the_rejecter_sees_the_standing_rejection_and_approves_after_all(signed_in, db_url):
    client = signed_in("zhao.lei")
    reject(client, DEAL, "general_manager", "1")
    inbox = client.get("/approvals").text
    # no longer waiting: the waiting cards have no general manager's card for the deal
    assert (
        f'data-deal="{DEAL}" data-role="general_manager"' not in inbox.split('id="h-rejected"')[0]
    )
    shown = card(inbox, DEAL, "general_manager")
    assert "rejected by zhao.lei on 2026-03-02" in shown
    assert REASON in shown
    form = reconsider_form(inbox, DEAL, "general_manager")
    assert form["back"] == "/approvals"
    # without the box ticked: nothing is written, and the page says what to do
    r = client.post(f"/deals/{DEAL}/approve", data=form)
    assert r.status_code == 422
    assert "Tick the box to confirm that you approve what was rejected." in r.text
    with open_store(db_url) as store:
        assert store.get_deal(DEAL).version == 2
    # the deal page offers the same, and the ticked box approves it
    page = client.get(f"/deals/{DEAL}").text
    form = reconsider_form(page, DEAL, "general_manager")
    r = client.post(f"/deals/{DEAL}/approve", data={**form, "confirm": "yes"})
    assert r.status_code == 303
    assert r.headers["location"] == f"/deals/{DEAL}"
    page = client.get(f"/deals/{DEAL}").text
    row = re.search(r'<li class="approval-row (\w+)" data-role="general_manager">', page)
    assert row
    assert row.group(1) == "granted"
    assert "Approved: DE-2026-031 as General manager." in page
    assert 'id="h-rejected"' not in client.get("/approvals").text
    with open_store(db_url) as store:
        kinds = [e["kind"] for e in store.history(DEAL)]
    assert kinds[-2:] == ["rejected", "approved"]


def test_the_owner_reads_who_rejected_and_why_and_has_no_button(signed_in):
    reject(signed_in("zhao.lei"), DEAL, "general_manager", "1")
    client = signed_in("li.na")  # owns the deal; does not hold the role
    inbox = client.get("/approvals").text
    shown = card(inbox, DEAL, "general_manager")
    assert "rejected by zhao.lei on 2026-03-02" in shown
    assert REASON in shown
    assert "Your deal: change what was rejected and it is asked again, or ask zhao.lei" in shown
    assert 'class="reconsider"' not in shown
    page = client.get(f"/deals/{DEAL}").text
    assert 'class="reconsider"' not in page
    assert REASON in unescape(page)
    assert "rejected by zhao.lei" in page


def test_an_owner_holding_the_role_still_cannot_approve_their_own_rejected_deal(signed_in):
    """wang.qiang owns SP-2026-003 and holds the key-account manager's role it waits for."""
    reject(signed_in("chen.jie"), "SP-2026-003", "key_account_manager", "1", "price too low")
    client = signed_in("wang.qiang")
    inbox = client.get("/approvals").text
    shown = card(inbox, "SP-2026-003", "key_account_manager")
    assert "Someone else must decide it." in shown
    assert 'class="reconsider"' not in shown
    page = client.get("/deals/SP-2026-003").text
    assert 'class="reconsider"' not in page
    assert "You own or created this deal" in page
    form = {"csrf": csrf_of(page), "role": "key_account_manager", "version": "2", "key": "own",
            "back": "/deals/SP-2026-003", "reconsider": "yes", "confirm": "yes"}  # fmt: skip
    r = client.post("/deals/SP-2026-003/approve", data=form)  # sent anyway: the store refuses
    assert r.status_code == 422
    assert "wang.qiang owns deal SP-2026-003 and cannot approve or reject it" in r.text


@pytest.mark.parametrize("reader", ["zhao.lei", "li.na"])
def test_the_rejection_block_speaks_chinese(signed_in, reader):
    reject(signed_in("zhao.lei"), DEAL, "general_manager", "1")
    client = signed_in(reader)
    client.cookies.set("kam_lang", "zh")
    inbox = client.get("/approvals").text
    assert "已驳回：可改变决定" in section(inbox, "h-rejected")
    shown = card(inbox, DEAL, "general_manager")
    assert "已记录的决定" in shown
    assert REASON in shown
    if reader == "zhao.lei":
        assert "我已重新考虑，批准此前驳回的内容" in shown
        assert "改为批准" in shown
    else:
        assert "这是您的交易" in shown
    assert not re.search(r"Approve|Rejected|Tick", shown)
