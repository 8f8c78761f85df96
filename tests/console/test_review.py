"""Four eyes in the console: a version saved from the editor awaits a second playbook editor,
who reads what it changes in business words and approves or declines it; only then is it in
force. Its author sees it awaiting review and cannot decide it."""

from __future__ import annotations

import html
import re

import pytest

from engine.console.demo import ADMIN

from ..conftest import AS_OF
from .conftest import csrf_of
from .test_editor import EDIT, RULE, draft_of, post

TRY = "/playbooks/key-account-office/2026.2/try"


def hashes_of(page: str) -> dict[str, str]:
    """The version -> hash the review forms carry."""
    found = re.findall(
        r'name="version" value="([^"]+)">\s*<input type="hidden" name="hash" value="([0-9a-f]+)"',
        page,
    )
    return dict(found)


def review(client, page: str, decision: str, version: str = "2026.2", **extra: str):
    data = {"csrf": csrf_of(page), "version": version, "decision": decision}
    data["hash"] = hashes_of(page).get(version, "")
    return client.post(f"{EDIT}/review", data={**data, **extra})


@pytest.fixture
def proposed(signed_in):
    """sun.min saved 2026.2 (a new grade-A rule): it awaits review."""
    client = signed_in("sun.min")
    page = client.get(EDIT).text
    text = draft_of(page).replace("rules:\n", RULE, 1)
    assert post(client, csrf_of(page), "save", text).status_code == 303
    return client


def in_force(client) -> str:
    return client.app.state.service.pick("key-account-office", None, AS_OF).version


def test_a_saved_version_awaits_review_and_its_author_cannot_approve_it(proposed):
    client = proposed
    page = client.get(EDIT).text
    assert "Awaiting review (1)" in page
    assert "you saved it, so you cannot approve it" in page
    assert "Approve 2026.2" not in page
    assert in_force(client) == "2026.1"
    # the next draft follows the proposal: a new label, starting after it
    draft = draft_of(page)
    assert 'version: "2026.3"' in draft
    assert "effective_from: 2026-03-03" in draft
    listed = client.get("/playbooks").text
    assert re.search(r"key-account-office 2026\.2.*?awaiting review", listed, re.S)
    # a forged form is refused by the store, in words, and nothing changes
    client.app.state.service.refresh(force=True)
    forged = client.post(
        f"{EDIT}/review",
        data={"csrf": csrf_of(page), "version": "2026.2", "hash": "0" * 64, "decision": "approved"},
    )
    assert forged.status_code == 403
    assert "sun.min saved key-account-office 2026.2, so cannot approve or decline it" in (
        html.unescape(forged.text)
    )
    assert in_force(client) == "2026.1"


def test_a_proposal_is_tried_and_compared_but_never_pinned(proposed, tokens):
    client = proposed
    tried = client.get(TRY)
    assert tried.status_code == 200
    assert "a grade-A customer is reviewed by the manager first" in tried.text
    deal = {
        "id": "CD-2026-901",
        "category": "customer_development",
        "stage": "investigation",  # its first stage: li.na creates it
        "owner": "li.na",
    }
    made = client.post(
        "/v1/deals",
        json={"playbook": "key-account-office", "version": "2026.2", "deal": deal},
        headers={"Authorization": f"Bearer {tokens['li.na']}"},
    )
    assert made.status_code == 422, made.text
    assert "2026.2 is awaiting review" in made.json()["detail"]
    # nor re-pinned to it (an admin's act), by name or as the version in force today
    admin = {"Authorization": f"Bearer {tokens[ADMIN]}", "If-Match": '"1"'}
    made = client.post(
        "/v1/deals",
        json={"playbook": "key-account-office", "deal": deal},
        headers={"Authorization": f"Bearer {tokens['li.na']}"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["deal"]["playbook"]["version"] == "2026.1"
    named = client.post("/v1/deals/CD-2026-901/repin", json={"version": "2026.2"}, headers=admin)
    assert named.status_code == 422
    assert "2026.2 is awaiting review" in named.json()["detail"]
    today = client.post("/v1/deals/CD-2026-901/repin", json={}, headers=admin)
    assert today.status_code == 403, today.text  # already pinned to the version in force
    assert "already pinned to key-account-office 2026.1" in today.json()["detail"]
    listed = client.get(
        "/v1/playbooks/key-account-office",
        headers={"Authorization": f"Bearer {tokens['li.na']}"},
    ).json()
    assert [v["version"] for v in listed["versions"]] == ["2026.1"]
    assert listed["awaiting_review"] == [{"version": "2026.2", "effective_from": "2026-03-02"}]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Awaiting review (1)", "Approve 2026.2", "A grade-A customer is reviewed"]),
        ("zh", ["待复核 (1)", "批准 2026.2", "A级客户由经理复核"]),
    ],
)
def test_a_second_editor_reads_the_change_in_business_words_and_approves(
    proposed, signed_in, lang, words
):
    client = signed_in("qian.li")
    client.cookies.set("kam_lang", lang)
    page = client.get(EDIT).text
    for word in words:
        assert word in page
    assert 'data-path="rules[GRADE-A-REVIEW]"' in page  # the rule it adds, by its title
    done = review(client, page, "approved")
    assert done.status_code == 303, done.text
    assert in_force(client) == "2026.2"
    after = client.get(EDIT).text
    assert "Awaiting review" not in after
    assert "待复核 (" not in after
    assert "qian.li" in after  # the review on record: who, when, the hash
    assert hashes_of(page)["2026.2"][:12] in after
    # one decision: approving again is refused, and says who decided
    again = review(client, page, "approved")
    assert again.status_code == 409
    assert "qian.li" in html.unescape(again.text)


def test_a_decline_needs_a_reason_and_the_version_never_takes_force(proposed, signed_in):
    client = signed_in("qian.li")
    page = client.get(EDIT).text
    blank = review(client, page, "declined", reason="  ")
    assert blank.status_code == 422
    assert "Say why you decline it" in blank.text
    done = review(client, page, "declined", reason="the manager review is not company policy")
    assert done.status_code == 303
    assert in_force(client) == "2026.1"
    assert client.get(TRY).status_code == 404
    author = signed_in("sun.min")
    later = html.unescape(author.get(EDIT).text)
    assert "the manager review is not company policy" in later
    assert 'version: "2026.3"' in later  # a declined label is never offered again


def test_the_hash_on_the_form_must_be_the_version_reviewed(proposed, signed_in):
    client = signed_in("qian.li")
    page = client.get(EDIT).text
    stale = review(client, page, "approved", hash="ab" * 32)
    assert stale.status_code == 422
    assert "is not the text you reviewed" in stale.text
    odd = review(client, page, "maybe", reason="a decline is said as one")
    assert odd.status_code == 422
    assert "approved or declined" in odd.text
    assert in_force(client) == "2026.1"
    assert "Approve 2026.2" in client.get(EDIT).text  # still awaiting review


def test_only_an_editor_reviews_and_only_with_the_form_s_csrf(proposed, signed_in):
    page = proposed.get(EDIT).text
    hash_ = hashes_of(signed_in("qian.li").get(EDIT).text)["2026.2"]
    client = signed_in("li.na")
    data = {"csrf": csrf_of(page), "version": "2026.2", "hash": hash_, "decision": "approved"}
    assert client.post(f"{EDIT}/review", data=data).status_code == 403
    client = signed_in("qian.li")
    assert client.post(f"{EDIT}/review", data={**data, "csrf": "x"}).status_code == 403
    assert in_force(client) == "2026.1"
