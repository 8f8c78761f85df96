"""The console's "edit a playbook" page without a browser: who may edit, lint at its line,
the tests run on the draft, and a version saved only when lint and tests pass, with who
saved it; the saved version then served by every worker, in force from its date."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from engine.app import editing
from engine.console import Settings, create_app

from ..conftest import AS_OF, PLAYBOOKS
from .conftest import csrf_of

EDIT = "/playbooks/key-account-office/edit"
RULE = """rules:
  - id: GRADE-A-REVIEW
    title: {en: A grade-A customer is reviewed by the manager, zh: A级客户由经理复核}
    categories: [customer_development]
    when: deal.customer.grade == "A"
    on_missing: skip
    then: warn
    message: {en: a grade-A customer is reviewed by the manager first, zh: A级客户先由经理复核}
"""


def draft_of(page: str) -> str:
    found = re.search(r'<textarea id="pb-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "the page has no editor"
    return html.unescape(found.group(1))


@pytest.fixture
def editor(signed_in):
    client = signed_in("sun.min")
    page = client.get(EDIT)
    assert page.status_code == 200, page.text
    return client, csrf_of(page.text), draft_of(page.text)


def post(client: TestClient, csrf: str, what: str, text: str, base: str = "2026.1"):
    return client.post(f"{EDIT}/{what}", data={"csrf": csrf, "text": text, "base": base})


def test_the_draft_starts_from_the_newest_version_with_the_next_label_from_today(editor):
    _, _, text = editor
    assert 'version: "2026.2"' in text
    assert f"effective_from: {AS_OF.isoformat()}" in text
    assert "id: key-account-office" in text


def test_only_a_playbook_editor_may_edit(signed_in, app_client):
    page = signed_in("li.na").get(EDIT)
    assert page.status_code == 403
    assert "needs the role playbook_editor" in page.text
    app_client.cookies.clear()
    assert app_client.get(EDIT).headers["location"].startswith("/signin?next=")


def test_the_playbooks_page_offers_the_editor_to_editors_only(signed_in):
    assert f'href="{EDIT}"' in signed_in("sun.min").get("/playbooks").text
    assert f'href="{EDIT}"' not in signed_in("li.na").get("/playbooks").text


def test_a_form_without_its_csrf_value_is_refused(editor):
    client, _, text = editor
    assert post(client, "not-the-value", "save", text).status_code == 403


def test_lint_puts_each_problem_at_its_line(editor):
    client, csrf, text = editor
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines, 1) if ln.strip() == "value: 20000")
    bad = text.replace("value: 20000", "value: twenty", 1)
    page = post(client, csrf, "lint", bad).text
    assert f'<li class="error" data-line="{n}"' in page
    assert "expected a number, found &#39;twenty&#39;" in page
    assert "Lint found no problem." in post(client, csrf, "lint", text).text


def test_the_tests_run_on_the_draft_and_say_each_failure_in_words(editor):
    client, csrf, text = editor
    passed = post(client, csrf, "test", text)
    assert passed.status_code == 200
    assert "60 of 60 tests passed (the tests of key-account-office.yaml" in passed.text
    gifts = post(client, csrf, "test", text.replace("value: 30%", "value: 35%", 1))
    assert gifts.status_code == 422
    assert "59 of 60 tests passed" in gifts.text
    assert "GIFTS above 30% of the budget is a warning" in gifts.text
    assert "(tests/key-account-office/visits.yaml:" in gifts.text  # where the case is written


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("value: 20000", "value: twenty"), "lint found errors in the draft"),
        (("value: 30%", "value: 35%"), "the tests did not all pass"),
        (('version: "2026.2"', 'version: "2026.1"'), 'version "2026.1" already exists'),
        (('version: "2026.2"', 'version: "edit"'), 'cannot be called "edit"'),
        (('version: "2026.2"', 'version: "2026/2"'), 'cannot be called "2026/2"'),
        (("effective_from: 2026-03-02", "effective_from: 2026-03-01"), "is too early"),
        (("effective_from: 2026-03-02", "effective_from: 2026-01-01"), "is too early"),
        (
            ("effective_from: 2026-03-02", "effective_from: 2026-03-02\neffective_to: 2026-12-31"),
            "has no effective_to",
        ),
        (("id: key-account-office", "id: auto-dealer"), "is playbook auto-dealer"),
    ],
)
def test_a_draft_that_is_not_fit_is_not_saved_and_says_why(editor, change, said):
    client, csrf, text = editor
    page = post(client, csrf, "save", text.replace(*change, 1))
    assert page.status_code == 422
    assert "Not saved" in page.text
    assert said in html.unescape(page.text)
    assert "No version has been saved from the console yet." in page.text


def test_a_saved_version_is_served_from_its_date_and_records_who_saved_it(editor, db_url):
    client, csrf, text = editor
    draft = text.replace("effective_from: 2026-03-02", "effective_from: 2026-04-01")
    saved = post(client, csrf, "save", draft.replace("rules:\n", RULE, 1))
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/playbooks/key-account-office/2026.2/try"
    tried = client.get(saved.headers["location"])
    assert "Saved key-account-office 2026.2, in force from 2026-04-01." in tried.text
    assert "a grade-A customer is reviewed by the manager first" in tried.text
    before = client.get("/playbooks/key-account-office/2026.1/try").text
    assert "a grade-A customer is reviewed by the manager first" not in before
    page = client.get(EDIT).text
    assert "2026.2, in force from 2026-04-01, saved by sun.min at" in page
    assert 'version: "2026.3"' in draft_of(page)  # the next draft starts from the saved one
    assert "effective_from: 2026-04-02" in draft_of(page)
    again = post(client, csrf, "save", draft.replace("rules:\n", RULE, 1))
    assert again.status_code == 422
    assert 'version "2026.2" already exists' in html.unescape(again.text)

    # the version in force on a date: the saved one ends the one before the day before it
    book = client.get("/playbooks").text
    assert "2026-01-01 to 2026-03-31" in book
    assert "2026-04-01 to open end" in book
    # another worker of the service (another process over the same store) serves it too
    other = create_app(Settings(db=db_url, playbooks=str(PLAYBOOKS), today=lambda: AS_OF))
    svc = other.state.service
    assert svc.pick("key-account-office", None, date(2026, 3, 31)).version == "2026.1"
    assert svc.pick("key-account-office", None, date(2026, 4, 1)).version == "2026.2"
    assert (
        svc.pick("key-account-office", "2026.2", AS_OF).hash
        != svc.pick("key-account-office", "2026.1", AS_OF).hash
    )


def test_a_deal_pinned_to_a_saved_version_is_judged_by_it(editor, tokens):
    client, csrf, text = editor
    assert post(client, csrf, "save", text.replace("rules:\n", RULE, 1)).status_code == 303
    headers = {"Authorization": f"Bearer {tokens['li.na']}"}
    deal = {
        "id": "CD-2026-900",
        "category": "customer_development",
        "stage": "manager_review",
        "owner": "li.na",
        "customer": {"name": "Jinghai Water Group", "grade": "A", "qualified": True},
        "documents": ["investigation_report"],
    }
    made = client.post(
        "/v1/deals", json={"playbook": "key-account-office", "deal": deal}, headers=headers
    )
    assert made.status_code == 201, made.text
    got = client.get("/v1/deals/CD-2026-900", headers=headers).json()
    assert got["playbook"]["version"] == "2026.2"
    page = client.get("/deals/CD-2026-900")  # judged again, by the version it is pinned to
    assert "a grade-A customer is reviewed by the manager first" in page.text


def test_next_label_and_the_first_day_a_version_may_start():
    assert editing.next_label(["2026.1", "2026.2"]) == "2026.3"
    assert editing.next_label(["v9", "v10"]) == "v11"
    assert editing.next_label(["spring"]) == "spring.1"
    assert editing.next_label(["2026.1", "2026.2", "2026.3"][:2] + ["2026.3"]) == "2026.4"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("kam: 1\n", "kam: 1\ninclude: [../../etc/passwd]\n"), "include"),
        (("kam: 1\n", "kam: 1\nx: &a [*a]\n"), "alias"),
        (("kam: 1\n", "kam: 1\n# " + "a" * 1_000_000 + "\n"), "1,000,000 characters"),
    ],
)
def test_hostile_text_is_a_located_problem_never_a_crash(editor, change, said):
    client, csrf, text = editor
    bad = text.replace(*change, 1)
    page = post(client, csrf, "lint", bad)
    assert page.status_code == 200
    assert 'class="error"' in page.text
    assert said in page.text.lower()
    assert post(client, csrf, "save", bad).status_code == 422


def test_kam_users_add_makes_a_playbook_editor_who_may_edit(db_url, app_client):
    from click.testing import CliRunner

    from engine.cli import main

    runner = CliRunner()
    added = runner.invoke(
        main, ["users", "add", "ops", "--role", "playbook_editor", "--db", db_url]
    )
    assert added.exit_code == 0, added.output
    token = runner.invoke(main, ["users", "token", "ops", "--db", db_url]).output.split()[-1]
    assert app_client.post("/signin", data={"token": token}).status_code == 303
    assert app_client.get(EDIT).status_code == 200
