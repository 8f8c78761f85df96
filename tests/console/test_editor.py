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
from engine.store import open_store, saved_versions
from engine.store.playbooks import review_version

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


def panes_of(page: str) -> dict[str, str]:
    """The tests panes of the page: their field names and text."""
    found = re.findall(r'<textarea id="test-\d+" name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)
    return {html.unescape(name): html.unescape(text) for name, text in found}


def draft_of(page: str) -> str:
    found = re.search(r'<textarea id="pb-text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "the page has no editor"
    return html.unescape(found.group(1))


@pytest.fixture
def editor(signed_in):
    client = signed_in("sun.min")
    page = client.get(EDIT)
    assert page.status_code == 200, page.text
    return client, csrf_of(page.text), draft_of(page.text), panes_of(page.text)


def post(
    client: TestClient,
    csrf: str,
    what: str,
    text: str,
    base: str = "2026.1",
    tests: dict[str, str] | None = None,
):
    if tests is None:  # the tests as the page shows them for a draft from base
        tests = panes_of(client.get(EDIT).text)
    data = {"csrf": csrf, "text": text, "base": base, **tests}
    return client.post(f"{EDIT}/{what}", data=data)


def approve(signed_in, version: str, by: str = "qian.li") -> TestClient:
    """A second playbook editor approves ``version`` from the editor page's review block
    (the hash it shows); then the author is signed in again."""
    client = signed_in(by)
    page = client.get(EDIT).text
    hashes = dict(
        re.findall(
            r'name="version" value="([^"]+)">\s*<input type="hidden" name="hash" value="([0-9a-f]+)"',
            page,
        )
    )
    done = client.post(
        f"{EDIT}/review",
        data={
            "csrf": csrf_of(page),
            "version": version,
            "hash": hashes[version],
            "decision": "approved",
        },
    )
    assert done.status_code == 303, done.text
    return signed_in("sun.min")


def test_the_draft_starts_from_the_newest_version_with_the_next_label_from_today(editor):
    _, _, text, _ = editor
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
    client, _, text, _ = editor
    assert post(client, "not-the-value", "save", text).status_code == 403


def test_lint_puts_each_problem_at_its_line(editor):
    client, csrf, text, _ = editor
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines, 1) if ln.strip() == "value: 20000")
    bad = text.replace("value: 20000", "value: twenty", 1)
    page = post(client, csrf, "lint", bad).text
    assert f'<li class="error" data-for="pb-text" data-line="{n}"' in page
    assert "expected a number, found &#39;twenty&#39;" in page
    assert "Lint found no problem." in post(client, csrf, "lint", text).text


def test_the_tests_run_on_the_draft_and_say_each_failure_in_words(editor):
    client, csrf, text, _ = editor
    passed = post(client, csrf, "test", text)
    assert passed.status_code == 200
    assert "70 of 70 tests passed (the tests of key-account-office.yaml" in passed.text
    gifts = post(client, csrf, "test", text.replace("value: 30%", "value: 35%", 1))
    assert gifts.status_code == 422
    assert "69 of 70 tests passed" in gifts.text
    assert "GIFTS above 30% of the budget is a warning" in gifts.text
    # where the case is written: a link to its line in the tests pane of visits.yaml
    assert re.search(
        r'<li class="failed" data-for="test-\d" data-line="109">.*?GIFTS above 30%.*?'
        r"tests/key-account-office/visits.yaml:109</a>",
        gifts.text,
        re.S,
    )
    said = html.unescape(gifts.text)
    assert "violations: expected {rule: GIFTS, severity: warn, message_contains: 30.00007%}" in said
    assert "got nothing" in said  # what was expected, and what the draft gave


VISITS = "test:tests/key-account-office/visits.yaml"
ABOVE = """  - name: GIFTS above 30% of the budget is a warning
    set: {visit.gifts: 4500.01}
    expect:
      violations: [{rule: GIFTS, severity: warn, message_contains: "30.00007%"}]
"""
NOW_ALLOWED = """  - name: GIFTS up to 35% of the budget is allowed now
    set: {visit.gifts: 4500.01}
    expect:
      no_violations: [GIFTS]
"""


def test_the_tests_shown_beside_the_draft_are_the_ones_run_and_are_saved_with_it(editor, signed_in):
    client, csrf, text, tests = editor
    assert set(tests) == {  # every test file naming the version the draft starts from
        "test:tests/key-account-office/development.yaml",
        "test:tests/key-account-office/visits.yaml",
        "test:tests/verdicts/01-visit-chain.yaml",
        "test:tests/verdicts/02-own-visit-check.yaml",
        "test:tests/verdicts/14-unknown-budget.yaml",
    }
    raised = text.replace("value: 30%", "value: 35%", 1)
    # the threshold changed alone: the case pinning the old one fails, and it is not saved
    refused = post(client, csrf, "save", raised, tests=tests)
    assert refused.status_code == 422
    assert "the tests did not all pass" in refused.text
    # the expectation changed with it, in the tests pane: every case passes, and it is saved
    assert ABOVE in tests[VISITS]
    changed = {**tests, VISITS: tests[VISITS].replace(ABOVE, NOW_ALLOWED)}
    passed = post(client, csrf, "test", raised, tests=changed)
    assert passed.status_code == 200, passed.text
    assert "70 of 70 tests passed" in passed.text
    saved = post(client, csrf, "save", raised, tests=changed)
    assert saved.status_code == 303, saved.text
    approve(signed_in, "2026.2")
    # a draft started from the saved version starts from the tests it was saved with
    after = panes_of(client.get(EDIT).text)
    assert after[VISITS] == changed[VISITS]
    assert 'version: "2026.3"' in draft_of(client.get(EDIT).text)
    # and those tests are the ones run on it (the shipped file still pins 30%)
    nxt = draft_of(client.get(EDIT).text)
    assert post(client, csrf, "test", nxt, base="2026.2", tests=after).status_code == 200
    back = post(client, csrf, "test", nxt, base="2026.2", tests=tests)
    assert back.status_code == 422
    assert "69 of 70 tests passed" in back.text


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("kam_test: 1", "kam_test: [1"), "line"),
        (("playbook: ../../key-account-office.yaml", "playbook: ../../auto-dealer.yaml"), "name"),
        (
            (
                "base: ../../examples/key-account-office/visit-approval.json",
                "base: ../../../../etc/passwd",
            ),
            "outside",
        ),
        (("cases:\n", "cases:\n" + "  - {name: x, expect: {status: ok}}\n" * 501), "at most 500"),
    ],
)
def test_a_broken_tests_pane_is_a_problem_at_its_line_and_nothing_passes(editor, change, said):
    client, csrf, text, tests = editor
    bad = {**tests, VISITS: tests[VISITS].replace(*change, 1)}
    assert bad[VISITS] != tests[VISITS]
    linted = post(client, csrf, "lint", text, tests=bad)
    assert linted.status_code == 200
    assert re.search(r'<li class="error" data-for="test-\d" data-line="\d+"', linted.text)
    assert said in html.unescape(linted.text)
    ran = post(client, csrf, "test", text, tests=bad)
    assert ran.status_code == 422
    assert "A test file could not run" in ran.text
    assert str(PLAYBOOKS) not in ran.text  # files named as the editor names them
    assert post(client, csrf, "save", text, tests=bad).status_code == 422
    # a tests pane left out of the form is empty: nothing shown to hold, nothing saved
    gone = {k: v for k, v in tests.items() if k != VISITS}
    assert post(client, csrf, "save", text, tests=gone).status_code == 422


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
    client, csrf, text, _ = editor
    page = post(client, csrf, "save", text.replace(*change, 1))
    assert page.status_code == 422
    assert "Not saved" in page.text
    assert said in html.unescape(page.text)
    assert "No version has been saved from the console yet." in page.text


def test_a_saved_version_is_served_from_its_date_and_records_who_saved_it(
    editor, db_url, signed_in
):
    client, csrf, text, _ = editor
    draft = text.replace("effective_from: 2026-03-02", "effective_from: 2026-04-01")
    saved = post(client, csrf, "save", draft.replace("rules:\n", RULE, 1))
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/playbooks/key-account-office/2026.2/try"
    tried = client.get(saved.headers["location"])
    assert "Saved key-account-office 2026.2. It is awaiting review" in tried.text
    assert "a grade-A customer is reviewed by the manager first" in tried.text
    before = client.get("/playbooks/key-account-office/2026.1/try").text
    assert "a grade-A customer is reviewed by the manager first" not in before
    client = approve(signed_in, "2026.2")
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


def test_compare_versions_reads_a_saved_version_from_the_store(editor):
    """The review: after a save, "compare versions" (the newest two by default) answered 503,
    "the store cannot be reached", with a server path: the saved version is text, not a file."""
    client, csrf, text, _ = editor
    saved = post(client, csrf, "save", text.replace("rules:\n", RULE, 1))
    assert saved.status_code == 303, saved.text
    for lang in ("en", "zh"):
        client.cookies.set("kam_lang", lang)
        page = client.get("/diff/key-account-office")
        assert page.status_code == 200, page.text
        assert "2026.2" in page.text
        assert "GRADE-A-REVIEW" in page.text or "A级客户由经理复核" in page.text
        assert "@2026.2" not in page.text  # no stand-in file name reaches the page


def test_a_deal_pinned_to_a_saved_version_is_judged_by_it(editor, tokens, signed_in):
    client, csrf, text, _ = editor
    assert post(client, csrf, "save", text.replace("rules:\n", RULE, 1)).status_code == 303
    client = approve(signed_in, "2026.2")
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
    assert got["deal"]["playbook"]["version"] == "2026.2"
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
    client, csrf, text, _ = editor
    bad = text.replace(*change, 1)
    # the tests panes left out: with them a 1,000,000-character draft is over the body limit
    page = post(client, csrf, "lint", bad, tests={})
    assert page.status_code == 200
    assert 'class="error"' in page.text
    assert said in page.text.lower()
    assert post(client, csrf, "save", bad, tests={}).status_code == 422


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


def test_auto_dealer_is_edited_from_2026_2_with_its_own_tests(signed_in):
    client = signed_in("sun.min")
    page = client.get("/playbooks/auto-dealer/edit").text
    assert panes_of(page).keys() == {"test:tests/auto-dealer/2026-2.yaml"}
    csrf, text = csrf_of(page), draft_of(page)
    data = {"csrf": csrf, "text": text, "base": "2026.2", **panes_of(page)}
    ran = client.post("/playbooks/auto-dealer/edit/test", data=data)
    assert ran.status_code == 200, ran.text
    assert "9 of 9 tests passed (the tests of auto-dealer-2026-2.yaml" in ran.text
    lowered = {**data, "text": text.replace("value: 12%", "value: 13%", 1)}
    failed = client.post("/playbooks/auto-dealer/edit/test", data=lowered)
    assert failed.status_code == 422
    assert "DISCOUNT one yuan past 12% needs the general manager" in failed.text


@pytest.mark.parametrize("action", ["lint", "test", "save"])
def test_reloading_a_page_a_form_answered_goes_back_to_the_editor(editor, action):
    """The review: F5 after "run the tests" (/edit/test) gave 405 "cannot be used that way"."""
    client = editor[0]
    r = client.get(f"{EDIT}/{action}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == EDIT
    assert client.get(f"{EDIT}/nonsense", follow_redirects=False).status_code == 404


def test_try_a_deal_opens_on_a_day_the_version_is_in_force(editor):
    """The review: a saved version in force from 2026-04-01 opened "try a deal" on its test
    case's day, 2026-03-02, when the version before it was in force."""
    client, csrf, text, _ = editor
    draft = text.replace("effective_from: 2026-03-02", "effective_from: 2026-04-01")
    assert post(client, csrf, "save", draft).status_code == 303
    page = client.get("/playbooks/key-account-office/2026.2/try").text
    assert re.search(r'name="as_of"[^>]*value="2026-04-01"', page), page[:2000]


def test_a_draft_too_large_for_the_site_is_said_in_the_editor_and_its_text_kept(editor):
    client, csrf, text, tests = editor
    page = client.get(EDIT).text
    # the page knows the limit (editor.js stops a larger form before it is sent) and says it
    assert f'data-max-body="{1 << 20}"' in page
    assert re.search(r'<div id="too-big" class="problem" role="alert" hidden>', page)
    assert "larger than this site accepts (1 MiB in all)" in page
    big = text + "#" + "x" * (1 << 20)
    data = {"csrf": csrf, "text": big, "base": "2026.1", **tests}
    # lint as one types (htmx): the editor's note swapped in, nothing else of the page touched
    r = client.post(f"{EDIT}/lint", data=data, headers={"HX-Request": "true", "HX-Target": "lint"})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["HX-Retarget"] == "#too-big"
    assert r.headers["HX-Reselect"] == "#too-big"
    assert r.text.startswith('<div id="too-big" class="problem" role="alert">')
    assert "your text is still here" in r.text
    client.cookies.set("kam_lang", "zh")
    r = client.post(f"{EDIT}/save", data=data, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert r.status_code == 413
    assert "草稿连同测试超过本站接受的大小（合计 1 MiB）" in r.text
    # a plain form post (no JavaScript): the console's page in the reader's language, not JSON
    r = client.post(f"{EDIT}/save", data=data)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "表单超过本站接受的大小" in r.text


def _added(page: str) -> str:
    found = re.search(r'name="added" value="([^"]*)"', page)
    assert found
    return html.unescape(found.group(1))


@pytest.mark.parametrize(
    "name",
    [
        "../outside.yaml",
        "tests/../../etc/x.yaml",
        "/etc/passwd.yaml",
        "tests/key-account-office/more.yml",
        "tests/key-account-office/.hidden.yaml",
        "other/more.yaml",
        "tests\\..\\x.yaml",
        "",
    ],
)
def test_a_new_test_files_name_is_checked(editor, name):
    client, csrf, text, tests = editor
    data = {"csrf": csrf, "text": text, "base": "2026.1", "new_test": name, **tests}
    r = client.post(f"{EDIT}/add", data=data)
    assert r.status_code == 422
    assert "cannot be a test file&#39;s name" in r.text
    assert panes_of(r.text).keys() == tests.keys()  # nothing added
    assert draft_of(r.text) == text  # nothing typed lost


def test_a_new_test_file_may_not_take_a_name_already_used(editor):
    client, csrf, text, tests = editor
    for name in ("tests/key-account-office/visits.yaml", "tests/KEY-account-office/Visits.yaml",
                 "tests/auto-dealer/2026-2.yaml"):  # fmt: skip
        data = {"csrf": csrf, "text": text, "base": "2026.1", "new_test": name, **tests}
        r = client.post(f"{EDIT}/add", data=data)
        assert r.status_code == 422
        assert "There is a test file" in r.text


NEW = "test:tests/key-account-office/gifts.yaml"
GIFT_CASE = """  - name: gifts at exactly 30% of the budget are no warning
    set: {visit.gifts: 4500}
    expect: {no_violations: [GIFTS]}
"""


def test_the_editor_adds_a_test_file_that_runs_and_is_saved_with_the_version(
    editor, db_url, monkeypatch
):
    monkeypatch.setattr("engine.service.app.SAVED_MEMORY", 0)  # a review elsewhere, read at once
    client, csrf, text, tests = editor
    data = {"csrf": csrf, "text": text, "base": "2026.1", **tests}
    r = client.post(f"{EDIT}/add", data={**data, "new_test": "tests/key-account-office/gifts.yaml"})
    assert r.status_code == 200, r.text
    panes = panes_of(r.text)
    assert list(panes)[-1] == NEW
    assert "playbook: ../../key-account-office.yaml" in panes[NEW]
    assert _added(r.text) == "tests/key-account-office/gifts.yaml"
    # as it starts, its one case is to be written: the tests do not pass, nothing is saved
    posted = {**data, "added": _added(r.text), NEW: panes[NEW]}
    assert client.post(f"{EDIT}/save", data=posted).status_code == 422
    # written, it runs with the others and is saved with the version
    head = panes[NEW].split("cases:\n", 1)[0]
    written = f"{head}as_of: 2026-03-02\nbase: ../../examples/key-account-office/visit-approval.json\ncases:\n{GIFT_CASE}"
    posted[NEW] = written
    ran = client.post(f"{EDIT}/test", data=posted)
    assert ran.status_code == 200, ran.text
    assert re.search(r"(\d+) of \1 tests passed", ran.text)  # every test, the new file's too
    saved = client.post(f"{EDIT}/save", data=posted)
    assert saved.status_code == 303, saved.text
    with open_store(db_url) as store:
        kept = dict(saved_versions(store)[-1].tests)
    assert kept["tests/key-account-office/gifts.yaml"] == written
    with open_store(db_url) as store:  # a second editor approves it (four eyes)
        mine = saved_versions(store)[-1]
        review_version(store, playbook_id=mine.playbook_id, version=mine.version,
                       content_hash=mine.hash, by="qian.li", decision="approved")  # fmt: skip
    after = client.get(EDIT).text  # the next draft starts from it, as from the others
    assert panes_of(after)[NEW] == written
    assert _added(after) == ""


def test_a_forged_added_name_is_no_file_of_the_draft(editor):
    client, csrf, text, tests = editor
    forged = {"added": "../../etc/passwd.yaml", "test:../../etc/passwd.yaml": "x"}
    data = {"csrf": csrf, "text": text, "base": "2026.1", **tests, **forged}
    r = client.post(f"{EDIT}/lint", data=data)
    assert r.status_code == 200
    assert panes_of(r.text).keys() == tests.keys()


def test_a_zh_page_words_lint_problems_in_chinese(editor):
    """On a zh page a problem reads in Chinese with its values (the parameter, the line of its
    use), at the parameter's value; the English page keeps the engine's words."""
    client, csrf, text, _ = editor
    client.post("/language", data={"lang": "zh", "next": EDIT, "csrf": csrf})
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines, 1) if ln.strip() == "value: 20000")
    bad = text.replace("value: 20000", "value: twenty", 1)
    page = html.unescape(post(client, csrf, "lint", bad).text)
    assert f'<li class="error" data-for="pb-text" data-line="{n}"' in page
    assert "参数「director_limit」：此处应为数字，实际是 'twenty'" in page
    assert '百分比写作 "15%"；日期写作 YYYY-MM-DD' in page
    assert "expected a number" not in page
    typo = text.replace("{role: general_manager}", "{role: general_manger}", 1)
    page = html.unescape(post(client, csrf, "lint", typo).text)
    assert "未知的角色「general_manger」" in page
    assert "是不是「general_manager」？" in page
    assert "unknown role" not in page


def test_a_zh_page_words_a_broken_tests_pane_in_chinese(editor):
    """The tests box says why a test file could not run in the page's language, by the
    file's name (never the server's path)."""
    client, csrf, text, tests = editor
    client.post("/language", data={"lang": "zh", "next": EDIT, "csrf": csrf})
    bad = {**tests, VISITS: tests[VISITS].replace("kam_test: 1", "kam_test: 1\nkam_tset: 1", 1)}
    ran = html.unescape(post(client, csrf, "test", text, tests=bad).text)
    box = ran[ran.index('<div class="test-broken">') :]
    box = box[: box.index("</div>")]
    assert "tests/key-account-office/visits.yaml:" in box
    assert "未知的键「kam_tset」" in box
    assert "unknown key" not in box
    assert str(PLAYBOOKS) not in box
