"""Overdue actions: an action due before as_of is overdue in the result, its JSON and its
text (en and zh); due on as_of is not; an unknown due date is neither; overdue sort first."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
from click import unstyle

import engine
from engine.present.render import result_text

from .conftest import AS_OF, PLAYBOOKS

DAY = timedelta(days=1)


def _visit_actions(check, deal, *visit_days: date):
    """VISIT-RECORD asks for each unfiled visit's record by the day after the visit."""
    deal["visits"] = [{"on": d.isoformat()} for d in visit_days]
    result = check(deal)
    return result, [a for a in result.actions if a.rule == "VISIT-RECORD"]


@pytest.mark.parametrize(
    ("due", "overdue"),
    [(AS_OF - DAY, True), (AS_OF, False), (AS_OF + DAY, False)],
    ids=["a day late", "due today", "due tomorrow"],
)
def test_overdue_is_due_before_as_of(check, deal, due, overdue):
    result, (action,) = _visit_actions(check, deal, due - DAY)
    assert action.due == due
    assert action.overdue is overdue
    assert result.to_dict()["actions"][-1 if not overdue else 0]["overdue"] is overdue


def test_overdue_sort_first_and_keep_their_order(check, deal):
    # found in the order of the visits: on time, late (2 days), on time, late (5 days)
    days = [AS_OF, AS_OF - 2 * DAY, AS_OF - DAY, AS_OF - 5 * DAY]
    result, actions = _visit_actions(check, deal, *days)
    assert [(a.due, a.overdue) for a in actions] == [
        (AS_OF - DAY, True),
        (AS_OF - 4 * DAY, True),
        (AS_OF + DAY, False),
        (AS_OF, False),
    ]
    # and across rules: every overdue action comes before every other
    flags = [a.overdue for a in result.actions]
    assert flags == sorted(flags, reverse=True)


def test_no_overdue_keeps_the_order_found(check, deal):
    days = [AS_OF, AS_OF - DAY]
    _, actions = _visit_actions(check, deal, *days)
    assert [a.due for a in actions] == [AS_OF + DAY, AS_OF]


@pytest.fixture(scope="module")
def unknown_due(tmp_path_factory) -> engine.Playbook:
    """auto-dealer plus a rule whose due date reads a value a deal may lack."""
    folder = tmp_path_factory.mktemp("overdue")
    shutil.copytree(PLAYBOOKS / "modules", folder / "modules")
    shutil.copy(PLAYBOOKS / "auto-dealer.yaml", folder)
    (folder / "recheck.yaml").write_text(
        "kam: 1\nid: auto-dealer\nversion: '2026.9'\nextends: auto-dealer.yaml\n"
        "rules:\n"
        "  - id: RECHECK\n"
        "    title: {en: Recheck the credit a year after the last check, zh: 一年后复查信用}\n"
        "    when: deal.payment.method == 'credit'\n"
        "    then: action\n"
        "    action:\n"
        "      id: recheck_credit\n"
        "      assignee: key_account_specialist\n"
        "      due: add_days(deal.customer.credit_checked_on, 365)\n",
        encoding="utf-8",
    )
    return engine.load_playbook(folder / "recheck.yaml")


@pytest.mark.parametrize(
    ("checked_on", "due", "overdue"),
    [
        (AS_OF - 366 * DAY, AS_OF - DAY, True),
        (AS_OF - 365 * DAY, AS_OF, False),
        (None, None, False),  # unknown: not claimed late
    ],
)
def test_unknown_due_is_never_overdue(unknown_due, deal, checked_on, due, overdue):
    deal["payment"]["method"] = "credit"
    deal["customer"].pop("credit_checked_on", None)
    if checked_on is not None:
        deal["customer"]["credit_checked_on"] = checked_on.isoformat()
    result = unknown_due.evaluate(deal, as_of=AS_OF)
    (action,) = [a for a in result.actions if a.rule == "RECHECK"]
    assert (action.due, action.overdue) == (due, overdue)
    plain = result.to_dict()["actions"]
    assert {"id": "recheck_credit", "overdue": overdue}.items() <= next(
        a for a in plain if a["rule"] == "RECHECK"
    ).items()
    text = unstyle(result_text(result))
    line = next(x for x in text.splitlines() if "recheck_credit" in x)
    assert ("overdue" in line) is overdue
    if due is None:
        assert "(due —)" in line  # unknown stays unknown: neither late nor on time


@pytest.mark.parametrize(
    ("lang", "late", "on_time"),
    [
        ("en", "(overdue, was due 2026-03-01)", "(due 2026-03-03)"),
        ("zh", "(已逾期，应于 2026-03-01 完成)", "(截止 2026-03-03)"),
    ],
)
def test_text_says_overdue_in_words(check, deal, auto_dealer, lang, late, on_time):
    deal["visits"] = [{"on": "2026-02-28"}, {"on": "2026-03-02"}]
    text = unstyle(result_text(check(deal, lang=lang), auto_dealer.model))
    lines = [x for x in text.splitlines() if "file_visit_record" in x]
    assert len(lines) == 2
    assert late in lines[0]
    assert on_time in lines[1]
    assert "overdue" not in lines[1]
    assert "逾期" not in lines[1]


def test_kam_test_matches_overdue(check, deal):
    from engine.app.expectations import compare

    deal["visits"] = [{"on": "2026-02-28"}]
    result = check(deal)
    assert compare({"actions": [{"rule": "VISIT-RECORD", "overdue": True}]}, result) == []
    assert compare({"no_actions": [{"rule": "VISIT-RECORD", "overdue": False}]}, result) == []
    wrong = compare({"actions": [{"rule": "VISIT-RECORD", "overdue": False}]}, result)
    assert wrong[0] == "actions: expected {rule: VISIT-RECORD, overdue: false}"
    assert "2026-03-01 overdue" in wrong[1]
