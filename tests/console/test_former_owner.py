"""Who the console counts as a deal's owner, now or before, is who the store bars from
deciding its approvals (``records.owners``): the first owner, named in the created document,
still owns it after an admin hands the deal on, and gets the reason instead of buttons."""

from __future__ import annotations

from engine.app.library import open_playbook
from engine.console.demo import ADMIN
from engine.store import open_store

from ..conftest import AS_OF, PLAYBOOKS
from .test_console import own_card


def test_the_first_owner_of_a_deal_handed_on_gets_no_approve_button(signed_in, db_url):
    pb = open_playbook(str(PLAYBOOKS), "auto-dealer", None, AS_OF)
    with open_store(db_url) as store:  # SP-2026-003: created by ops.admin for wang.qiang
        store.update_deal(
            "SP-2026-003", {"owner": "chen.jie"}, playbook=pb, by=ADMIN, as_of=AS_OF, if_version=1
        )
    client = signed_in("wang.qiang")  # holds the key-account manager's role it waits for
    card = own_card(client.get("/approvals").text, "SP-2026-003")
    assert "You own or created this deal: someone else must decide this approval." in card
    assert "/approve" not in card
    page = client.get("/deals/SP-2026-003").text
    assert 'action="/deals/SP-2026-003/approve"' not in page
