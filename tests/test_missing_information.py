"""Unknown is asked, never passed: three-valued and/or/any/all in both evaluators, on_missing:
ask, the needs_information status (exit 5), messages that never print an unknown value."""

from __future__ import annotations

import copy
import itertools
import json

import pytest

import engine
from engine.cli import main
from engine.lang.schema import validator
from engine.run.evaluate import Tracer, evaluate

from .conftest import AS_OF, AUTO_DEALER, BASE_DEAL

KLEENE = """
kam: 1
id: kleene
version: "1"
title: {en: Kleene}
currency: CNY
roles: {boss: {en: Boss, zh: 老板}}
stages: {open: {label: {en: Open}}, done: {label: {en: Done}, terminal: true}}
transitions:
  - from: open
    to: done
    all_clear: true
    conditions:
      - {id: GUARD, title: {en: a or b}, when: deal.a or deal.b}
fields:
  a: {type: bool, label: {en: Alpha, zh: 甲}}
  b: {type: bool, label: {en: Beta, zh: 乙}}
  units:
    type: list
    label: {en: Units, zh: 明细}
    items: {type: object, fields: {ok: {type: bool, label: {en: OK, zh: 合格}}, on: {type: bool}}}
categories: {c: {label: {en: C}}}
facts:
  f_or: {type: bool, value: deal.a or deal.b}
  f_and: {type: bool, value: deal.a and deal.b}
  f_not: {type: bool, value: not (deal.a or deal.b)}
  f_any: {type: bool, value: any(i.ok for i in deal.units)}
  f_all: {type: bool, value: all(i.ok for i in deal.units)}
  f_any_if: {type: bool, value: any(i.ok for i in deal.units if i.on)}
  f_all_if: {type: bool, value: all(i.ok for i in deal.units if i.on)}
rules:
  - {id: OR, title: {en: a or b}, when: deal.a or deal.b, on_missing: ask, then: warn, message: {en: or}}
  - {id: AND, title: {en: a and b}, when: deal.a and deal.b, on_missing: ask, then: warn, message: {en: and}}
  - {id: ANY, title: {en: any ok}, when: any(i.ok for i in deal.units if i.on), on_missing: ask, then: warn, message: {en: any}}
  - id: EACH
    title: {en: each item}
    for_each: deal.units
    as: i
    when: i.ok and i.on
    on_missing: ask
    then: warn
    message: {en: each}
"""

U = None  # unknown (absent)


def k_or(*xs):
    return True if True in xs else U if U in xs else False


def k_and(*xs):
    return False if False in xs else U if U in xs else True


def k_not(x):
    return U if x is U else not x


@pytest.fixture(scope="module")
def kleene():
    return engine.loads_playbook(KLEENE)


def _deal(a, b, items):
    deal = {"id": "K", "category": "c", "stage": "open", "units": items}
    if a is not U:
        deal["a"] = a
    if b is not U:
        deal["b"] = b
    return deal


def _item(ok, on=True):
    item = {} if ok is U else {"ok": ok}
    if on is not U:
        item["on"] = on
    return item


def _both(playbook, deal, lang="en"):
    pb = playbook.compiled
    checked = playbook.check_deal(deal)
    fast = evaluate(pb, checked, AS_OF, lang)
    reference = evaluate(pb, checked, AS_OF, lang, Tracer())
    assert fast.to_dict() == reference.to_dict(), deal
    return fast


THREE = (True, False, U)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(THREE, THREE)))
def test_and_or_not_are_three_valued_in_both_evaluators(kleene, a, b):
    r = _both(kleene, _deal(a, b, []))
    assert r.facts["f_or"] is k_or(a, b)
    assert r.facts["f_and"] is k_and(a, b)
    assert r.facts["f_not"] is k_not(k_or(a, b))
    asked = {m.rule: m.fields for m in r.missing_information}
    # a known true side decides 'or', a known false side decides 'and': nothing is asked
    assert ("OR" in asked) is (k_or(a, b) is U)
    assert ("AND" in asked) is (k_and(a, b) is U)
    if k_or(a, b) is U:  # every absent side is named
        assert asked["OR"] == tuple(n for n, v in (("a", a), ("b", b)) if v is U)
    assert (r.status == "needs_information") is bool(asked)


@pytest.mark.parametrize("oks", [c for n in range(4) for c in itertools.product(THREE, repeat=n)])
def test_any_all_over_unknown_items_in_both_evaluators(kleene, oks):
    r = _both(kleene, _deal(True, True, [_item(ok) for ok in oks]))
    assert r.facts["f_any"] is k_or(*oks)
    assert r.facts["f_all"] is k_and(*oks)


@pytest.mark.parametrize(
    "pairs",
    [c for n in range(3) for c in itertools.product(itertools.product(THREE, THREE), repeat=n)],
)
def test_filtered_any_all_read_each_item_as_cond_and_elt(kleene, pairs):
    items = [_item(ok, on) for ok, on in pairs]
    r = _both(kleene, _deal(True, True, items))
    assert r.facts["f_any_if"] is k_or(*(k_and(on, ok) for ok, on in pairs))
    assert r.facts["f_all_if"] is k_and(*(k_or(k_not(on), ok) for ok, on in pairs))
    fields = [m.fields for m in r.missing_information if m.rule == "ANY"]
    if r.facts["f_any_if"] is U:
        # the item paths carry their list index (the precise evaluator)
        assert fields
        assert all("[" in f for f in fields[0])


def test_for_each_asks_per_item_with_its_index(kleene):
    r = _both(kleene, _deal(False, False, [_item(True), _item(U), _item(False, U)]))
    each = [m for m in r.missing_information if m.rule == "EACH"]
    # item 2: ok is false, so 'ok and on' is false without 'on'; item 1: ok is unknown
    assert [m.fields for m in each] == [("units[1].ok",)]
    assert "Units #2 › OK, yes or no (units[1].ok)" in each[0].message


def test_the_generated_code_keeps_its_fast_path(kleene):
    source = kleene.compiled.source
    # plain Python first; the three-valued helpers only after an Unknown
    assert "(deal_a(deal) or" not in source  # (getter names differ; the shape is what counts)
    assert " or " in source
    assert "_or3(" in source
    fast_first = source.index("try:")
    assert source.index("_or3(") > fast_first


def test_a_known_side_decides_a_move_guard_and_an_unknown_one_says_what_to_record(kleene):
    r = _both(kleene, _deal(U, True, []))
    move = next(m for m in r.transitions if m.to == "done")
    assert "GUARD" not in {g.id for g in move.missing}  # b is true: a is not needed
    r = _both(kleene, _deal(U, False, []))
    move = next(m for m in r.transitions if m.to == "done")
    guard = next(g for g in move.missing if g.id == "GUARD")
    assert "until you record Alpha, yes or no (a)" in guard.message
    zh = _both(kleene, _deal(U, False, []), "zh")
    guard = next(
        g for g in next(m for m in zh.transitions if m.to == "done").missing if g.id == "GUARD"
    )
    assert "请填写甲（是/否，a）" in guard.message


def test_all_clear_waits_for_missing_information(kleene):
    r = _both(kleene, _deal(U, False, []))
    move = next(m for m in r.transitions if m.to == "done")
    assert not move.allowed
    assert ("information", "OR") in {(g.kind, g.id) for g in move.missing}
    r = _both(kleene, _deal(False, False, []))
    assert next(m for m in r.transitions if m.to == "done").missing[0].kind == "condition"
    assert r.missing_information == ()


# -- the reference playbook ------------------------------------------------------------------


@pytest.fixture(scope="module")
def auto_dealer():
    return engine.load_playbook(AUTO_DEALER)


def _police(**customer):
    deal = copy.deepcopy(BASE_DEAL)
    deal.update(
        category="system_purchasing", using_units=["交警大队"], subordinate_units=["交警大队"]
    )
    deal["documents"] = ["unified_purchase_contract", "purchase_list"]
    deal["lines"][0]["quantity"] = 3
    for k in ("state_organ", "largest_batch_this_year"):
        deal["customer"].pop(k, None)
    deal["customer"].update(customer)
    return deal


def test_result_json_holds_missing_information_and_matches_the_schema(auto_dealer):
    r = _both(auto_dealer, _police(largest_batch_this_year=0))
    data = json.loads(r.to_json())
    validator("result").validate(data)
    assert data["status"] == "needs_information"
    assert data["missing_information"] == [
        {
            "rule": "P2",
            "fields": ["customer.state_organ"],
            "message": "Key-account incentive needs a group purchase: cannot be decided until "
            "you record Customer › State organ, yes or no (customer.state_organ)",
        }
    ]


@pytest.mark.parametrize(
    ("customer", "status"),
    [
        ({"largest_batch_this_year": 0}, "needs_information"),
        ({"state_organ": True}, "ok"),
        ({"state_organ": False, "largest_batch_this_year": 0}, "ok"),  # P2 only warns
    ],
)
def test_needs_information_exits_5(runner, tmp_path, customer, status):
    path = tmp_path / "deal.json"
    path.write_text(json.dumps(_police(**customer)), encoding="utf-8")
    out = runner.invoke(
        main, ["validate", str(path), "-p", str(AUTO_DEALER), "--as-of", "2026-03-02"]
    )
    assert out.exit_code == {"ok": 0, "needs_information": 5}[status], out.output
    if status == "needs_information":
        assert "Status: NEEDS INFORMATION" in out.output
        assert "Missing information (1)" in out.output
    zh = runner.invoke(
        main,
        ["validate", str(path), "-p", str(AUTO_DEALER), "--as-of", "2026-03-02", "--lang", "zh"],
    )
    if status == "needs_information":
        assert "状态: 待补充信息" in zh.output
        assert "请填写客户 › 国家机关（是/否，customer.state_organ）" in zh.output


def test_help_lists_exit_code_5(runner):
    assert "5 needs information" in runner.invoke(main, ["--help"]).output


def test_blocked_wins_over_needs_information(auto_dealer):
    deal = _police(largest_batch_this_year=0)
    deal["lines"][0]["unit_price"] = deal["lines"][0]["retail_price"] + 1  # P6 blocks
    r = _both(auto_dealer, deal)
    assert r.status == "blocked"
    assert [m.rule for m in r.missing_information] == ["P2"]  # still asked


def test_needs_information_wins_over_needs_approval(auto_dealer):
    deal = _police(largest_batch_this_year=0)
    deal["customer"]["shared_territory"] = True  # P5 needs the manufacturer
    r = _both(auto_dealer, deal)
    assert r.pending_approvals
    assert r.status == "needs_information"


def test_a_message_never_prints_an_unknown_value(auto_dealer):
    # P6 reads line prices; with the fact behind P2 unknown its message would have said
    # "None units": a message that reads an unknown value falls back to the rule's title
    from engine.lang.formats import FILTERS, finalize

    with pytest.raises(ValueError):
        FILTERS["money"](None)
    with pytest.raises(ValueError):
        finalize(None)
    from engine.lang.messages import Message

    msg = Message({"en": "{{ facts.n }} units"})
    from engine.lang.formats import RenderFailed

    with pytest.raises(RenderFailed):
        msg.render("en", {"facts": {"n": None}})
    assert msg.render("en", {"facts": {"n": 0}}) == "0 units"


def test_batch_summary_counts_the_fields_to_record(auto_dealer):
    from engine.app.summary import Notes, Summary

    notes = Notes(None)
    for customer in ({"largest_batch_this_year": 0}, {}, {"state_organ": True}):
        notes.add(auto_dealer.evaluate(_police(**customer), as_of=AS_OF))
    summary = Summary.of(notes.tally(), auto_dealer, AS_OF)
    assert dict(summary.information) == {
        "customer.state_organ": 2,
        "customer.largest_batch_this_year": 1,
    }
    assert summary.to_dict()["statuses"] == {"needs_information": 2, "ok": 1}
    lines = summary.lines()
    assert any("Missing information by field" in line for line in lines)
    assert any("customer.state_organ" in line and line.rstrip().endswith("2") for line in lines)


TABLE = """
kam: 1
id: table-ask
version: "1"
title: {en: T}
currency: CNY
roles: {boss: {en: Boss, zh: 老板}}
stages: {open: {label: {en: Open}}, done: {label: {en: Done}, terminal: true}}
transitions: [{from: open, to: done}]
fields: {n: {type: integer, label: {en: Units, zh: 台数}}}
categories: {c: {label: {en: C}}}
tables:
  - id: T
    title: {en: Units tiers, zh: 台数分级}
    input: deal.n
    on_missing: ask
    then: approval
    rows:
      - {up_to: 5, outcome: none}
      - {above: 5, role: boss}
"""


@pytest.mark.parametrize(
    ("n", "asked", "status"),
    [(None, True, "needs_information"), (5, False, "ok"), (6, False, "needs_approval")],
)
def test_a_table_asks_for_its_input(n, asked, status):
    playbook = engine.loads_playbook(TABLE)
    deal = {"id": "T", "category": "c", "stage": "open"}
    if n is not None:
        deal["n"] = n
    r = _both(playbook, deal)
    assert r.status == status
    assert [(m.rule, m.fields) for m in r.missing_information] == ([("T", ("n",))] if asked else [])
    if asked:
        assert r.missing_information[0].message == (
            "Units tiers: cannot be decided until you record Units (n)"
        )
        zh = _both(playbook, deal, "zh")
        assert zh.missing_information[0].message == "台数分级：无法判定，请填写台数（n）"
