"""`kam explain` in words: every example's explanation in English and Chinese is a golden
file; a rule, table or move condition that did not fire says why (which comparison was
false, with the values on both sides), an out-of-scope one which scope, an unknown one what
is missing and what on_missing does; values are written as the result writes them, and the
JSON keeps them exact.

Regenerate after an intended change with ``pytest tests/test_explain.py --regen-goldens``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

from .conftest import AS_OF, FIXTURES
from .test_examples import EXAMPLES, playbook_of

GOLDENS = FIXTURES / "explain"


def _explain(example: Path, lang: str, fmt: str = "text") -> str:
    args = ["explain", str(example), "-p", str(playbook_of(example)), "--as-of", "2026-03-02"]
    result = CliRunner().invoke(main, [*args, "--lang", lang, "--format", fmt])
    assert result.exit_code in (0, 1, 3), result.output
    return result.stdout


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_explain_golden(example, lang, regen):
    out = _explain(example, lang)
    golden = GOLDENS / f"{example.parent.name}.{example.stem}.{lang}.txt"
    if regen:
        GOLDENS.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def _step(check_explain, deal, step_id, lang="en"):
    ex = check_explain(deal, lang)
    return next(s for s in ex.steps if s.id == step_id)


@pytest.fixture
def check_explain(auto_dealer):
    def run(deal, lang="en"):
        return auto_dealer.explain(deal, as_of=AS_OF, lang=lang)

    return run


@pytest.mark.parametrize(
    ("overdue_days", "outcome"), [(90, "not fired"), (91, "fired")], ids=["at 90", "at 91"]
)
def test_a_comparison_that_did_not_fire_shows_both_sides(
    check_explain, deal, overdue_days, outcome
):
    deal["customer"]["overdue_days"] = overdue_days
    deal["payment"]["method"] = "credit"
    step = _step(check_explain, deal, "CREDIT-OVERDUE")
    assert step.outcome == outcome
    if outcome == "fired":
        assert step.detail == ""
    else:
        assert step.detail == (
            "“deal.customer.overdue_days > params.overdue_block_days” is false: "
            "deal.customer.overdue_days = 90, params.overdue_block_days = 90"
        )
        zh = _step(check_explain, deal, "CREDIT-OVERDUE", "zh")
        assert zh.detail.startswith(
            "“deal.customer.overdue_days > params.overdue_block_days”不成立："
        )


def test_not_applicable_and_unknown_say_why(check_explain, deal):
    del deal["visits"]  # unknown: a deal that records no visits
    ex = check_explain(deal)
    v_sp = next(s for s in ex.steps if s.id == "V-SP")
    assert v_sp.outcome == "not applicable"
    assert v_sp.detail == (
        "category direct_enterprise is not among its categories (system_purchasing)"
    )
    visit = next(s for s in ex.steps if s.id == "VISIT-RECORD")
    assert (visit.outcome, visit.detail) == (
        "unknown",
        "deal.visits is missing → on_missing: skip",
    )
    zh = check_explain(deal, "zh")
    assert next(s for s in zh.steps if s.id == "VISIT-RECORD").detail == (
        "deal.visits 未填写 → 缺失时处理：skip"
    )


def test_a_move_condition_that_is_not_met_says_why(check_explain, deal):
    guard = _step(check_explain, deal, "lost:LOST-REASON")
    assert (guard.outcome, guard.detail) == ("not met", "deal.lost_reason is missing")
    deal["lost_reason"] = "price"
    assert _step(check_explain, deal, "lost:LOST-REASON").outcome == "met"


def test_missing_that_is_false_shows_the_value(check_explain, deal):
    deal["payment"]["method"] = "credit"
    c4 = _step(check_explain, deal, "C4")
    assert c4.detail.startswith(
        "“days_between(deal.customer.credit_checked_on, as_of) > "
        "params.credit_check_max_age_days” is false: "
        "days_between(deal.customer.credit_checked_on, as_of) = 60, "
    )


def test_explain_writes_values_as_the_result_does_and_json_keeps_them_exact(
    check_explain, deal, auto_dealer
):
    from click import unstyle

    from engine.present.render import explanation_text

    deal["lines"][0]["unit_price"] = Decimal("96.1678832116788321167883")
    ex = check_explain(deal)
    text = unstyle(explanation_text(ex, auto_dealer.model))
    assert "fact discount: value — = 3.8%" in text
    assert "saw: facts.amount = 480.84; facts.list_amount = 500.00" in text
    assert "0.0383" not in text
    exact = ex.to_dict()
    assert exact["result"]["facts"]["discount"] == Decimal("0.038321167883211678832117")
    reads = next(s for s in exact["steps"] if s["id"] == "discount")["reads"]
    assert reads["facts.amount"] == Decimal("96.1678832116788321167883") * 5


def test_explain_json_is_the_exact_values():
    example = next(p for p in EXAMPLES if p.name == "needs-approvals.json")
    data = json.loads(_explain(example, "en", "json"), parse_float=Decimal)
    discount = next(s for s in data["steps"] if s["id"] == "DISCOUNT" and s["kind"] == "table")
    assert discount["reads"] == {"facts.discount": Decimal("0.18")}


CHAIN = """\
kam: 1
id: chained
version: "1"
title: {en: Chained, zh: 审批链}
currency: CNY
roles: {boss: {en: Boss, zh: 老板}, cfo: {en: CFO, zh: 财务总监}}
stages: {open: {}, done: {terminal: true}}
transitions: [{from: open, to: done}]
categories: {corp: {label: {en: Corporate, zh: 企业}}}
fields: {budget: {type: money}}
approval_chains:
  - id: SPEND
    when: deal.budget > 1000
    amount: deal.budget
    steps: [{role: boss, limit: 5000}, {role: cfo}]
"""


@pytest.mark.parametrize(
    ("budget", "outcome", "en", "zh"),
    [
        (
            1000,
            "not required",
            "“deal.budget > 1,000” is false: deal.budget = 1,000.00",
            "“deal.budget > 1,000”不成立：deal.budget = 1,000.00",
        ),
        (1001, "pending", "0 of 1 steps approved; amount 1,001.00", "已批准 0/1 步；金额 1,001.00"),
    ],
)
def test_a_chain_says_why_it_is_not_required_and_how_far_it_got(budget, outcome, en, zh):
    import engine

    pb = engine.loads_playbook(CHAIN)
    deal = {"id": "C", "category": "corp", "stage": "open", "budget": budget}
    for lang, detail in (("en", en), ("zh", zh)):
        (step,) = [s for s in pb.explain(deal, as_of=AS_OF, lang=lang).steps if s.id == "SPEND"]
        assert (step.outcome, step.detail) == (outcome, detail)
