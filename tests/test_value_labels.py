"""Value labels: `values: {id: {en, zh}}` on fields and facts; the `label` filter writes a
value by its label in the message's language (plain path and jinja2 alike); lint refuses a
bare labelled value in a Chinese message, an unknown label name, a missing language and a
case value outside the list; text output and the handbook show labels, JSON keeps ids."""

from __future__ import annotations

import textwrap

import pytest
from click import unstyle

import engine
from engine.errors import PlaybookError
from engine.present.handbook import render_markdown
from engine.present.render import explanation_text, result_text

from .conftest import AS_OF, PLAYBOOKS

HEAD = """\
kam: 1
id: labels
version: "1"
title: {en: Labels, zh: 标签}
currency: CNY
roles: {sales: {en: Account manager, zh: 客户经理}}
stages: {open: {}, won: {terminal: true}}
transitions: [{from: open, to: won}]
categories: {corp: {label: {en: Corporate, zh: 企业}}}
fields:
  revenue: {type: money}
  customer:
    type: object
    fields:
      tier:
        type: string
        values: {gold: {en: gold customer, zh: 金牌客户}, plain: {en: plain customer, zh: 普通客户}}
  mode: {type: string, values: [resident, remote]}
facts:
  klass:
    type: string
    label: {en: Class, zh: 类别}
    values:
      economic: {en: economic key account, zh: 经济大客户}
      potential: {en: potential key account, zh: 潜在大客户}
    cases:
      - {when: "deal.revenue >= 5000000", value: economic}
    otherwise: potential
"""

RULES = """\
rules:
  - id: SAY
    title: {en: Say the class, zh: 说出类别}
    when: "true"
    then: warn
    message:
      en: "{MSG_EN}"
      zh: "{MSG_ZH}"
"""


def _load(extra: str = "", head: str = HEAD) -> engine.Playbook:
    return engine.loads_playbook(head + textwrap.dedent(extra))


def _rule(en: str, zh: str) -> str:
    return RULES.replace("{MSG_EN}", en).replace("{MSG_ZH}", zh)


def _problems(text: str) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        engine.loads_playbook(text)
    return [d.format() for d in caught.value.diagnostics]


def _deal(**extra):
    return {"id": "D", "category": "corp", "stage": "open", **extra}


@pytest.mark.parametrize(
    ("revenue", "en", "zh"),
    [
        (5_000_000, "economic key account", "经济大客户"),  # exactly the threshold
        (4_999_999, "potential key account", "潜在大客户"),
    ],
)
@pytest.mark.parametrize("plain", [True, False], ids=["plain", "jinja2"])
def test_the_label_filter_writes_the_label_in_the_messages_language(revenue, en, zh, plain):
    pb = _load(
        _rule(
            "{{ facts.klass | label('klass') }} accounts",
            "{{ facts.klass | label('klass') }}须每 30 天拜访一次",
        )
    )
    deal = _deal(revenue=revenue)
    from engine.run.deal import check_deal
    from engine.run.evaluate import evaluate

    checked = check_deal(pb.compiled, deal)
    for lang, want in (("en", f"{en} accounts"), ("zh", f"{zh}须每 30 天拜访一次")):
        result = evaluate(pb.compiled, checked, AS_OF, lang, plain=plain)
        assert str(result.violations[0].message) == want
        assert "economic类" not in want
        assert result.facts["klass"] in ("economic", "potential")  # ids stay ids


def test_a_field_path_names_labelled_values_and_an_unlabelled_value_is_written_as_it_is():
    pb = _load(
        _rule(
            "{{ deal.customer.tier | label('customer.tier') }}",
            "{{ deal.customer.tier | label('customer.tier') }}",
        )
    )
    result = pb.evaluate(_deal(customer={"tier": "gold"}), as_of=AS_OF, lang="zh")
    assert str(result.violations[0].message) == "金牌客户"


def test_a_chinese_message_that_prints_a_labelled_value_bare_is_refused():
    problems = _problems(HEAD + _rule("{{ facts.klass }}", "{{ facts.klass }}类客户"))
    assert len(problems) == 1  # the English message may print the id
    assert "this Chinese message prints the value of 'klass' as its id" in problems[0]
    assert "label('klass')" in problems[0]
    # a value without labels may be printed bare: nothing to show instead
    _load(_rule("{{ deal.mode }}", "{{ deal.mode }}"))


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ("{{ facts.klass | label('klas') }}", "label('klas'): no values of that name have labels"),
        ("{{ deal.mode | label('mode') }}", "label('mode'): no values of that name have labels"),
        ("{{ facts.klass | label }}", "label needs the name of the values it labels"),
        ("{{ facts.klass | label(3) }}", "label needs the name of the values it labels"),
    ],
)
def test_label_must_name_labelled_values(message, says):
    problems = _problems(HEAD + _rule(message, message))
    assert any(says in p for p in problems), problems


def test_a_labelled_value_needs_a_label_in_every_language_of_the_playbook():
    text = HEAD.replace(
        "potential: {en: potential key account, zh: 潜在大客户}", "potential: {en: potential}"
    )
    (problem,) = _problems(text)
    assert "value 'potential' of 'klass' has no Chinese label" in problem
    assert problem.startswith("<playbook>:25:18:")  # where the label is written
    # one text is both languages' label; an English-only playbook needs English only
    _load(
        head=HEAD.replace(
            "potential: {en: potential key account, zh: 潜在大客户}", "potential: 潜在"
        )
    )
    english = HEAD.replace("title: {en: Labels, zh: 标签}", "title: Labels")
    _load(
        head=english.replace(
            "potential: {en: potential key account, zh: 潜在大客户}", "potential: {en: p}"
        )
    )


def test_a_case_value_and_a_comparison_must_be_among_the_values():
    (problem,) = _problems(HEAD.replace("otherwise: potential", "otherwise: potentail"))
    assert "'potentail' is not one of the values of fact 'klass'" in problem
    assert "did you mean 'potential'?" in problem
    problems = _problems(
        HEAD + "rules:\n  - {id: R, when: \"facts.klass == 'economc'\", then: warn, "
        "message: {en: x, zh: x}}\n"
    )
    assert any("'economc' is not a possible value here" in p for p in problems)


def test_values_on_a_fact_that_is_not_text_is_refused():
    text = HEAD + "  n:\n    type: integer\n    values: {a: A}\n    value: 1\n"
    problems = _problems(text)
    assert any("allowed values are only for text facts" in p for p in problems)


def test_text_output_shows_labels_and_json_keeps_ids():
    pb = _load()
    for lang, shown in (("en", "Class: economic key account"), ("zh", "类别: 经济大客户")):
        result = pb.evaluate(_deal(revenue=6_000_000), as_of=AS_OF, lang=lang)
        assert shown in unstyle(result_text(result, pb.model))
        assert result.to_dict()["facts"]["klass"] == "economic"
        ex = pb.explain(_deal(revenue=6_000_000), as_of=AS_OF, lang=lang)
        assert (
            f"klass: {'value' if lang == 'en' else '取值'} — = {shown.split(': ')[1]}"
            in unstyle(explanation_text(ex, pb.model))
        )


def test_the_handbook_shows_labels():
    pb = _load(
        "rules:\n  - {id: R, title: {en: Gold, zh: 金牌}, when: \"deal.customer.tier == 'gold'\","
        " then: warn, message: {en: x, zh: x}}\n"
    )
    zh = render_markdown(pb.model, "zh", pb.hash)
    assert "‘经济大客户’" in zh
    assert "‘金牌客户’" in zh
    assert "‘economic key account’" in render_markdown(pb.model, "en", pb.hash)


def test_visit_cadence_speaks_chinese_throughout():
    pb = engine.load_playbook(PLAYBOOKS / "enterprise-sales.yaml")
    import json

    deal = json.loads((PLAYBOOKS / "examples/enterprise-sales/courier-design.json").read_text())
    deal.pop("visits", None)
    deal["customer"]["annual_revenue"] = 6_000_000
    for lang, want in (
        ("zh", "经济大客户须每 30 天拜访一次；尚无拜访记录：请安排拜访"),
        ("en", "Economic key accounts are visited every 30 days; there is no visit yet"),
    ):
        result = pb.evaluate(deal, as_of=AS_OF, lang=lang)
        (action,) = [a for a in result.actions if a.rule == "VISIT-CADENCE"]
        assert want in str(action.message)
        assert "economic" not in str(action.message) or lang == "en"
