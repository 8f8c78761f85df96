"""The checker's passes: which facts a fact reads comes from its expressions' trees (not
from any text that mentions ``facts.x``), and the schema's problems keep their paths."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

import engine
from engine.lang.schema import schema_problems
from engine.present.handbook import render_markdown
from engine.read.yaml import load_yaml

HEAD = """\
kam: 1
id: passes
version: "1"
title: Passes
currency: EUR
roles: {sales: Sales}
stages: {open: {}, won: {terminal: true}}
transitions: [{from: open, to: won}]
fields: {amount: {type: money}, note: {type: string}}
"""


def load(facts: str) -> engine.Playbook:
    return engine.loads_playbook(HEAD + "facts:\n" + textwrap.indent(textwrap.dedent(facts), "  "))


def test_facts_are_ordered_by_what_their_expressions_read():
    pb = load(
        """\
        total: {value: "facts.net * 2"}
        net: {value: "facts.base - 1"}
        base: {value: deal.amount}
        """
    )
    assert [f.name for f in pb.model.facts] == ["base", "net", "total"]
    assert pb.model.fact_names == ("total", "net", "base")
    assert pb.model.facts[-1].type.kind != "any"  # learnt from the facts it reads


def test_a_fact_named_in_a_description_or_a_text_is_not_read():
    pb = load(
        """\
        a: {value: deal.amount, description: "more than facts.b"}
        b: {value: "facts.a * 2"}
        c: {value: "deal.note == 'facts.c'"}
        """
    )
    assert [f.name for f in pb.model.facts] == ["a", "c", "b"]


def test_facts_that_read_each_other_are_a_cycle():
    with pytest.raises(engine.PlaybookError) as caught:
        load(
            """\
            a: {value: "facts.b + 1"}
            b: {cases: [{when: "facts.a > 1", value: 1}], otherwise: 0}
            """
        )
    (problem,) = caught.value.diagnostics  # one problem per cycle, not one per fact
    assert problem.code == "fact-cycle"
    assert problem.message == "fact 'a' depends on itself through 'b'"


def test_schema_problems_carry_the_path_of_the_value_as_a_tuple():
    data, smap, problems = load_yaml(HEAD + "facts: {a: {value: 1, colour: red}}\n", "pb.yaml")
    assert not problems
    found = schema_problems(data, smap)
    assert [(path, d.code, d.path) for path, d in found] == [
        (("facts", "a", "colour"), "unknown-key", "$.facts.a.colour")
    ]


RECORDED = """\
kam: 1
id: recorded
version: "1"
title: Recorded
currency: EUR
roles: {sales: Sales, finance: Finance}
stages: {open: {}, won: {terminal: true}}
transitions: [{from: open, to: won}]
fields:
  expense:
    type: object
    fields:
      released: {type: money, recorded_by: [%s]}
  lines:
    type: list
    items:
      type: object
      fields:
        model: {type: string, required: true}
        list_price: {type: money, recorded_by: [finance]}
"""


def test_recorded_by_names_declared_roles_at_any_depth():
    pb = engine.loads_playbook(RECORDED % "finance, sales")
    assert pb.model.recorded_by == {
        "expense.released": ("finance", "sales"),
        "lines[].list_price": ("finance",),
    }
    assert "recorded_by" not in json.dumps(pb.deal_schema())  # the deal's schema is unchanged


def test_recorded_by_an_undeclared_role_is_a_located_error_with_a_hint():
    with pytest.raises(engine.PlaybookError) as caught:
        engine.loads_playbook(RECORDED % "financ", "pb.yaml")
    (problem,) = caught.value.diagnostics
    assert problem.code == "unknown-role"
    assert problem.message == "unknown role 'financ'"
    assert problem.hint == "did you mean 'finance'?"
    assert (problem.location.line, problem.location.column) == (13, 45)  # at the role


def test_recorded_by_is_a_list_of_roles_by_the_schema():
    data, smap, problems = load_yaml(RECORDED.replace("[%s]", "finance"), "pb.yaml")
    assert not problems
    found = schema_problems(data, smap)
    assert [path for path, _ in found] == [
        ("fields", "expense", "fields", "released", "recorded_by")
    ]


def test_recorded_by_changes_the_content_hash_and_the_handbook_says_who_records():
    plain = engine.loads_playbook(re.sub(r", recorded_by: \[[^]]*\]", "", RECORDED))
    recorded = engine.loads_playbook(RECORDED % "finance")
    assert plain.hash != recorded.hash
    en = render_markdown(recorded.model, "en")
    assert "### Who records the company's data" in en
    assert "- Released: Finance" in en or "Released: Finance" in en
    assert "公司数据由谁记录" in render_markdown(recorded.model, "zh")
    assert "Who records" not in render_markdown(plain.model, "en")
