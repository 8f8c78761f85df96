"""A fact known only by a default for a value the deal does not record is shown as unknown
("not recorded" / 未记录) in the result JSON, the text and explain; the rules still decide with
the playbook's default. A known side still decides, a yes/no fact about the record keeps its
answer, and a case's ``when`` that asks about absence chooses a formula."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

import engine
from engine.present.render import explanation_text, result_text

from .conftest import PLAYBOOKS

AS_OF = date(2026, 3, 2)
VISIT = json.loads(
    (PLAYBOOKS / "examples" / "key-account-office" / "visit-approval.json").read_text("utf-8")
)


@pytest.fixture(scope="module")
def office() -> engine.Playbook:
    return engine.load_playbook(PLAYBOOKS / "key-account-office.yaml")


def visit(**changes: Any) -> dict[str, Any]:
    deal = copy.deepcopy(VISIT)
    for name, value in changes.items():
        if value is None:
            deal["visit"].pop(name, None)
        else:
            deal["visit"][name] = value
    return deal


def test_a_recorded_budget_is_shown_as_recorded(office):
    result = office.evaluate(visit(), as_of=AS_OF)
    assert result.facts["budget"] == Decimal("15000.0")
    assert result.to_dict()["facts"]["budget"] == Decimal("15000.0")


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "Visit budget: not recorded"), ("zh", "拜访预算: 未记录")]
)
def test_a_budget_nobody_recorded_is_not_shown_as_zero(office, lang, said):
    deal = visit(budget=None, gifts=None)
    result = office.evaluate(deal, as_of=AS_OF, lang=lang)
    assert result.facts["budget"] is None
    assert result.to_dict()["facts"]["budget"] is None
    lines = [line.strip() for line in result_text(result, office.model).splitlines()]
    assert said in lines  # the whole line: no value beside it


def test_explain_says_not_recorded_where_it_said_the_default(office):
    """approved_budget is if_missing(deal.expense.funds_released, 0): nothing released is
    recorded, so explain says so instead of "= 0.00"."""
    ex = office.explain(visit(), as_of=AS_OF)
    (step,) = [s for s in ex.steps if s.kind == "fact" and s.id == "approved_budget"]
    assert (step.outcome, step.detail) == ("unknown", "not recorded")
    assert "? fact approved_budget: unknown — not recorded" in explanation_text(ex, office.model)


def test_the_rules_still_decide_with_the_playbooks_default(office):
    """The default is the playbook's answer for its rules; only showing it as a fact changed:
    no release recorded decides as a recorded release of 0 does."""
    shown = office.evaluate(visit(), as_of=AS_OF)
    deal = visit()
    deal["expense"] = {"funds_released": 0}
    recorded = office.evaluate(deal, as_of=AS_OF)
    assert shown.facts["approved_budget"] is None
    assert recorded.facts["approved_budget"] == 0
    assert shown.status == recorded.status
    assert [a.role for a in shown.approvals] == [a.role for a in recorded.approvals]
    assert [v.rule for v in shown.violations] == [v.rule for v in recorded.violations]


SMALL = """\
kam: 1
id: small
version: "1"
title: Small
currency: CNY
roles: {sales: Sales}
fields:
  closed: {type: bool}
  tender: {type: bool}
  budget: {type: money}
  terms: {type: object, fields: {months: {type: integer}}}
  items: {type: list, items: {type: object, fields: {price: {type: money}}}}
facts:
  budget:
    type: money
    value: if_missing(deal.budget, 0)
  doubled:
    type: money
    value: facts.budget * 2
  big:
    type: bool
    value: facts.budget > 100
  fixed:
    type: bool
    value: if_missing(deal.closed, false) or if_missing(deal.tender, false)
  fixed_amount:
    type: money
    value: "100 if if_missing(deal.closed, false) else if_missing(deal.budget, 0)"
  months:
    type: number
    cases:
      - {when: present(deal.terms.months), value: deal.terms.months}
    otherwise: 1
  item_total:
    type: money
    value: sum(if_missing(i.price, 0) for i in if_missing(deal.items, []))
categories:
  sale: {label: {en: Sale, zh: 销售}}
stages: {open: {}, won: {terminal: true}}
transitions: [{from: open, to: won}]
"""


@pytest.fixture(scope="module")
def small() -> engine.Playbook:
    return engine.loads_playbook(SMALL)


def facts(pb: engine.Playbook, **fields: Any) -> dict[str, Any]:
    deal = {"id": "S-1", "category": "sale", "stage": "open", **fields}
    return pb.evaluate(deal, as_of=AS_OF).to_dict()["facts"]


def test_an_unrecorded_amount_and_every_fact_worked_out_from_it_are_unknown(small):
    found = facts(small)
    assert found["budget"] is None
    assert found["doubled"] is None  # read from a fact shown unknown
    assert found["big"] is None  # a yes/no fact that reads one is unknown too
    assert facts(small, budget=50, closed=False) == {
        "budget": 50, "doubled": 100, "big": False, "fixed": False, "fixed_amount": 50,
        "months": 1, "item_total": 0,
    }  # fmt: skip


def test_a_yes_no_fact_about_the_record_keeps_its_answer(small):
    assert facts(small)["fixed"] is False  # nothing recorded closed or tendered: not fixed
    assert facts(small, tender=True)["fixed"] is True


def test_a_known_side_decides_whatever_else_is_missing(small):
    assert facts(small, closed=True)["fixed_amount"] == 100  # the budget is not needed
    assert facts(small, closed=False)["fixed_amount"] is None  # now it is, and is not recorded
    assert facts(small, budget=50)["fixed_amount"] is None  # closed or not is not recorded


def test_absence_in_a_cases_when_chooses_the_formula(small):
    assert facts(small)["months"] == 1
    assert facts(small, terms={"months": 6})["months"] == 6


def test_lists_and_their_items_keep_their_defaults(small):
    assert facts(small)["item_total"] == 0  # no items recorded: none
    assert facts(small, items=[{"price": 5}, {}])["item_total"] == 5  # the item is on record
