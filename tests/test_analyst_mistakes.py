"""Mistakes a sales-ops analyst makes that must not pass in silence (issue 7, section 6).

Each test lints a small playbook written the way an analyst got it wrong and asserts the
problem is reported where it happened, with a hint, together with every other problem.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from engine.cli import main

HEAD = """\
kam: 1
id: mistakes
version: "1"
title: Mistakes
currency: CNY
roles: {manager: Manager, director: Director}
categories: {direct: {}}
"""


def lint(tmp_path: Path, runner, body: str, head: str = HEAD):
    path = tmp_path / "pb.yaml"
    path.write_text(head + textwrap.dedent(body), encoding="utf-8")
    result = runner.invoke(main, ["lint", str(path)])
    return result, result.output.replace(str(path), "pb.yaml")


def problems(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if "error[" in ln]


# -- two move conditions with one id ------------------------------------------------------------


def test_two_moves_with_one_condition_id_are_reported(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        """\
        fields: {signed: {type: bool}, paid: {type: bool}}
        stages: {open: {}, review: {}, done: {terminal: true}}
        transitions:
          - from: open
            to: review
            conditions:
              - {id: READY, when: deal.signed, message: sign it}
          - from: review
            to: done
            conditions:
              - {id: READY, when: deal.paid, message: collect the payment}
        """,
    )
    assert result.exit_code == 2, out
    (line,) = problems(out)
    assert line.startswith("pb.yaml:18:14: error[duplicate-condition]:"), out
    assert "condition id 'READY' is used twice (first at line 14)" in line
    assert "hint: give each condition its own id" in out


def test_one_condition_id_twice_in_one_move_is_reported_once(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        """\
        fields: {signed: {type: bool}, paid: {type: bool}}
        stages: {open: {}, done: {terminal: true}}
        transitions:
          - from: [open]
            to: done
            conditions:
              - {id: READY, when: deal.signed}
              - {id: READY, when: deal.paid}
        """,
    )
    assert result.exit_code == 2, out
    (line,) = problems(out)
    assert "error[duplicate-condition]: condition id 'READY' is used twice" in line


def test_one_condition_on_several_moves_through_a_list_of_sources_is_fine(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        """\
        fields: {reason: {type: string}}
        stages: {open: {}, review: {}, done: {terminal: true}, lost: {terminal: true}}
        transitions:
          - {from: open, to: review}
          - {from: review, to: done}
          - from: [open, review]
            to: lost
            conditions:
              - {id: REASON, when: present(deal.reason)}
        """,
    )
    assert result.exit_code == 0, out


# -- a missing move ------------------------------------------------------------------------------


def test_a_missing_move_is_named_once_with_the_link_to_add(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        """\
        stages:
          prospecting: {}
          negotiation: {}
          closing: {}
          delivery: {}
          follow_up: {}
          won: {terminal: true}
          lost: {terminal: true}
        transitions:
          - {from: prospecting, to: negotiation}
          - {from: closing, to: delivery}
          - {from: delivery, to: follow_up}
          - {from: follow_up, to: won}
          - {from: any, to: lost}
        """,
    )
    assert result.exit_code == 2, out
    (line,) = problems(out)
    assert line.startswith("pb.yaml:11:3: error[unreachable-stage]: "), out
    assert "no move leads to stage 'closing'" in line
    assert "'delivery', 'follow_up' and 'won'" in line  # reached only through it
    assert "hint: add a move from 'negotiation' to 'closing'?" in out


def test_two_separate_gaps_are_two_problems(tmp_path, runner):
    _result, out = lint(
        tmp_path,
        runner,
        """\
        stages:
          a: {}
          b: {}
          c: {}
          d: {}
          won: {terminal: true}
        transitions:
          - {from: a, to: won}
          - {from: b, to: won}
          - {from: c, to: d}
          - {from: d, to: won}
        """,
    )
    lines = problems(out)
    assert len(lines) == 2, out
    assert "no move leads to stage 'b'" in lines[0]
    assert "no move leads to stage 'c'" in lines[1]
    assert "'d'" in lines[1]
    assert "hint: add a move from 'a' to 'b'?" in out
    assert "hint: add a move from 'a' to 'c'?" in out


# -- fields: beside type: list ---------------------------------------------------------------------

CONTACT_RULE = """\
rules:
  - id: NO-DECIDER
    when: not any(c.role == 'decision_maker' for c in deal.contacts)
    then: warn
stages: {open: {}, done: {terminal: true}}
transitions: [{from: open, to: done}]
"""


def test_fields_beside_type_list_under_items_is_reported_where_written(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        textwrap.dedent(
            """\
        fields:
          contacts:
            type: list
            items:
              type: object
            fields:
              name: {type: string}
              role: {type: string}
        """
        )
        + CONTACT_RULE,
    )
    assert result.exit_code == 2, out
    (line,) = problems(out)  # and nothing about c.role further down
    assert line.startswith("pb.yaml:13:5: error[misplaced-fields]: "), out
    assert "the item fields of list 'contacts'" in line
    assert "hint: indent fields: under items:, beside its type: object" in out


def test_fields_on_a_list_without_items_is_reported(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        textwrap.dedent(
            """\
        fields:
          contacts:
            type: list
            fields:
              name: {type: string}
              role: {type: string}
        """
        )
        + CONTACT_RULE,
    )
    assert result.exit_code == 2, out
    (line,) = problems(out)
    assert line.startswith("pb.yaml:11:5: error[misplaced-fields]: "), out
    assert "hint: put them under items: {type: object, fields: ...}" in out


def test_fields_on_a_plain_value_is_reported(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        """\
        fields:
          customer:
            type: string
            fields:
              name: {type: string}
        stages: {open: {}, done: {terminal: true}}
        transitions: [{from: open, to: done}]
        """,
    )
    assert result.exit_code == 2, out
    (line,) = problems(out)
    assert line.startswith("pb.yaml:11:5: error[misplaced-fields]: "), out
    assert "hint: make it type: object, or remove fields:" in out


# -- unknown names inside messages -----------------------------------------------------------------

MESSAGES = """\
fields:
  amount: {type: money}
  discount: {type: percent}
  visits:
    type: list
    items:
      type: object
      fields:
        "on": {type: date}
        filed: {type: bool}
  contacts:
    type: list
    items: {type: object, fields: {name: {type: string}, role: {type: string}}}
rules:
  - id: VISIT
    for_each: deal.visits
    as: visit
    when: not visit.filed
    then: warn
    message: "file the record of the visit on {{ visit.onn }}"
  - id: DECIDER
    when: not any(c.role == 'decider' for c in deal.contacts)
    then: warn
    message: "{% for c in deal.contacts %}{{ c.nmae }}{% endfor %} {MORE}"
tables:
  - id: TIERS
    input: deal.discount
    then: approval
    message: "discount {{ valeu | pct }} needs {{ role }}"
    rows:
      - {up_to: 5%, outcome: none}
      - {above: 5%, up_to: 10%, role: manager}
      - {above: 10%, role: director}
stages: {open: {}, done: {terminal: true}}
transitions: [{from: open, to: done}]
"""


def test_unknown_names_in_messages_get_did_you_mean(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        MESSAGES.replace("{MORE}", "{{ amount }} {{ dael.amount }} {{ stage.lable }}"),
    )
    assert result.exit_code == 2, out
    expected = [
        ("visit has no field 'onn'", "did you mean 'on'?"),
        ("c has no field 'nmae'", "did you mean 'name'?"),
        ("unknown name 'amount' in the message", "did you mean 'deal.amount'?"),
        ("unknown name 'dael' in the message", "did you mean 'deal'?"),
        ("stage has no field 'lable'", "did you mean 'label'?"),
        ("unknown name 'valeu' in the message", "did you mean 'value'?"),
    ]
    lines = out.splitlines()
    for message, hint in expected:
        (at,) = [i for i, ln in enumerate(lines) if ln.endswith(message)]
        assert lines[at + 1] == f"    hint: {hint}", out
    assert len(problems(out)) == len(expected), out  # the table's message once, not per row


def test_a_table_message_problem_is_reported_at_the_table_message(tmp_path, runner):
    _result, out = lint(tmp_path, runner, MESSAGES.replace("{MORE}", ""))
    (line,) = [ln for ln in problems(out) if "valeu" in ln]
    assert line.startswith("pb.yaml:36:27: error[message]: "), out  # at the name itself


# -- indentation errors at the line that moved -----------------------------------------------------


def yaml_problem(text: str):
    from engine.read.yaml import load_yaml

    _, _, found = load_yaml(textwrap.dedent(text), "pb.yaml")
    (problem,) = found
    return problem


def test_a_first_key_indented_too_little_is_reported_on_its_own_line():
    problem = yaml_problem(
        """\
        categories:
          direct:
            label: Direct
          system:
           label: System
            rule: V-SP
            description: sold to a system
        """
    )
    assert (problem.location.line, problem.location.column) == (5, 4)
    assert "(line 6) starts in column 5" in problem.message
    assert "start this line in column 5" in problem.hint


def test_a_first_key_indented_too_much_is_reported_on_its_own_line():
    problem = yaml_problem(
        """\
        stages:
          open:
             label: Open
            terminal: false
        """
    )
    assert (problem.location.line, problem.location.column) == (3, 6)
    assert "start this line in column 5" in problem.hint


def test_a_later_key_that_moved_is_still_reported_on_its_own_line():
    problem = yaml_problem(
        """\
        stages:
          open:
            label: Open
             terminal: false
        """
    )
    assert problem.location.line == 4


# -- thresholds written as 8 where 8% was meant ------------------------------------------------------

PERCENTS = """\
parameters:
  tier_1: {value: 8}
  tier_2: {value: 15}
  ceiling: {value: 150%, type: percent}
  floor: {value: 0.02}
fields:
  list_amount: {type: money}
  amount: {type: money}
  discount: {type: percent}
facts:
  discount:
    type: percent
    value: 1 - deal.amount / deal.list_amount
rules:
  - {id: ODD, when: "deal.discount > 150% or deal.discount < -100% or deal.discount > 1", then: warn}
  - {id: FLOOR, when: facts.discount < params.floor, then: warn}
tables:
  - id: TIERS
    input: facts.discount
    then: approval
    rows:
      - {up_to: params.tier_1, outcome: none}
      - {above: params.tier_1, up_to: params.tier_2, role: manager}
      - {above: params.tier_2, up_to: params.ceiling, role: director}
stages: {open: {win_probability: 30%}, done: {terminal: true, win_probability: 1}}
transitions: [{from: open, to: done}]
"""


def test_percent_thresholds_written_with_the_sign_lint_clean(tmp_path, runner):
    result, out = lint(
        tmp_path,
        runner,
        PERCENTS.replace("{value: 8}", "{value: 8%}").replace("{value: 15}", "{value: 15%}"),
    )
    assert result.exit_code == 0, out


def test_parameters_compared_with_a_percentage_must_be_percentages(tmp_path, runner):
    result, out = lint(tmp_path, runner, PERCENTS)
    assert result.exit_code == 2, out
    lines = problems(out)
    assert len(lines) == 2, out  # once per parameter, not once per row that uses it
    assert lines[0].startswith("pb.yaml:9:19: error[percent-scale]: parameter 'tier_1' is 8,")
    assert "table 'TIERS' compares it with a percentage (facts.discount)" in lines[0]
    assert "8 would mean 800%" in lines[0]
    assert lines[1].startswith("pb.yaml:10:19: error[percent-scale]: parameter 'tier_2' is 15,")
    assert "hint: did you mean 8%? write value: 8%" in out
    assert "hint: did you mean 15%? write value: 15%" in out


def test_bare_numbers_against_percentages_anywhere(tmp_path, runner):
    body = (
        PERCENTS.replace("{value: 8}", "{value: 8%}")
        .replace("{value: 15}", "{value: 15%}")
        .replace('deal.discount > 1"', 'deal.discount > 15"')
        .replace("up_to: params.tier_1, outcome", "up_to: 5, outcome")
        .replace("{value: 0.02}", "{value: 2}")
        .replace("{value: 150%, type: percent}", "{value: 150, type: percent}")
        .replace("win_probability: 30%", "win_probability: 30")
        .replace("discount: {type: percent}", "discount: {type: percent, maximum: 50}")
        .replace("value: 1 - deal.amount / deal.list_amount", "value: 12")
    )
    result, out = lint(tmp_path, runner, body)
    assert result.exit_code == 2, out
    hints = [ln for ln in out.splitlines() if ln.startswith("    hint:")]
    for expected in ("150%", "2%", "50%", "12%", "15%", "30%", "5%"):
        assert any(f"did you mean {expected}?" in h for h in hints), (expected, out)
    assert "pb.yaml:22:87: error[percent-scale]: 15 is compared with a percentage" in out


def test_a_percent_field_may_allow_values_above_100(tmp_path, runner):
    body = PERCENTS.replace("{value: 8}", "{value: 8%}").replace("{value: 15}", "{value: 15%}")
    body = body.replace(
        "discount: {type: percent}", "discount: {type: percent, maximum: 3, allow_above_100: true}"
    )
    result, out = lint(tmp_path, runner, body)
    assert result.exit_code == 0, out


# -- percentages in deals ----------------------------------------------------------------------

PERCENT_PLAYBOOK = HEAD + textwrap.dedent(
    """\
    fields:
      discount: {type: percent}
      cap: {type: percent, minimum: 0, maximum: 0.5}
      markup: {type: percent, allow_above_100: true}
      lines:
        type: list
        items: {type: object, fields: {share: {type: percent, required: true}}}
    rules:
      - {id: BIG, when: deal.discount > 10%, then: approval, role: manager}
    stages: {open: {}, done: {terminal: true}}
    transitions: [{from: open, to: done}]
    """
)
DEAL = {"id": "D-1", "category": "direct", "stage": "open"}


def percent_playbook():
    from engine import loads_playbook

    return loads_playbook(PERCENT_PLAYBOOK, "percent.yaml")


def test_a_percentage_in_a_deal_may_be_written_with_the_sign():
    from datetime import date
    from decimal import Decimal

    pb = percent_playbook()
    deal = {**DEAL, "discount": "12%", "cap": "50%", "markup": 1.5, "lines": [{"share": "7.5%"}]}
    checked = pb.check_deal(deal)
    assert checked["discount"] == Decimal("0.12")
    assert checked["cap"] == Decimal("0.5")
    assert checked["markup"] == Decimal("1.5")
    assert checked["lines"][0]["share"] == Decimal("0.075")
    result = pb.evaluate(deal, as_of=date(2026, 3, 2))
    assert [a.rule for a in result.approvals] == ["BIG"]
    assert pb.evaluate({**DEAL, "discount": 0.12}, as_of=date(2026, 3, 2)).status == (
        "needs_approval"
    )


def test_a_bare_number_above_1_in_a_percent_field_is_refused_with_a_hint(tmp_path, runner):
    import json

    playbook = tmp_path / "percent.yaml"
    playbook.write_text(PERCENT_PLAYBOOK, encoding="utf-8")
    deal = tmp_path / "deal.json"
    deal.write_text(
        json.dumps({**DEAL, "discount": 12, "cap": "60%", "lines": [{"share": 30}, {"share": "x"}]})
    )
    result = runner.invoke(main, ["validate", str(deal), "-p", str(playbook)])
    assert result.exit_code == 2, result.output
    out = result.output
    assert '$.discount: 12 would be 1,200% (did you mean 12%? write 0.12 or "12%")' in out
    assert "$.cap: 60% is more than the allowed 50%" in out
    assert "$.lines[0].share: 30 would be 3,000% (did you mean 30%?" in out
    assert "$.lines[1].share: expected a percentage (0.12 or \"12%\"), found the text 'x'" in out
    assert "Traceback" not in out
