"""Lint findings from the practitioner review: a move to a later stage that a blocked deal can
still make (``open-items-move``), and people compared as plain text (``person-compare``); and
``same_person()``, the comparison the playbooks use instead."""

from __future__ import annotations

import json

import pytest

import engine
from engine.cli import main

from .conftest import PLAYBOOKS

HEAD = """\
kam: 1
id: guards
version: "1"
title: Guards
currency: CNY
roles: {manager: Manager, supervisor: Supervisor}
categories: {direct: {label: Direct}}
fields:
  amount: {type: money}
  approver: {type: person}
  note: {type: string}
rules:
  - {id: BIG, when: deal.amount > 1000, then: approval, role: manager}
stages:
  open: {}
  quote: {}
  done: {terminal: true}
  lost: {terminal: true}
"""


def warnings(text: str) -> list[tuple[str, str]]:
    """(code, message) of every warning found in a playbook given as text."""
    pb = engine.loads_playbook(text, "pb.yaml")
    return [(d.code, d.message) for d in pb.model.warnings]


def moves(*lines: str) -> str:
    return HEAD + "transitions:\n" + "".join(f"  - {line}\n" for line in lines)


EXITS = ("{from: quote, to: open}", "{from: any, to: lost}")


@pytest.mark.parametrize(
    ("forward", "warned"),
    [
        ("{from: open, to: quote}", ["open -> quote"]),
        ("{from: open, to: quote, all_clear: true}", []),
        ("{from: open, to: quote, allow_open_items: the quote is where prices are approved}", []),
    ],
)
def test_a_forward_move_without_all_clear_is_warned_about(forward, warned):
    found = warnings(moves(forward, "{from: quote, to: done, all_clear: true}", *EXITS))
    said = [m for c, m in found if c == "open-items-move"]
    assert [m.split(" goes")[0].removeprefix("the move ") for m in said] == warned


def test_a_move_from_several_stages_names_each_that_moves_forward():
    found = warnings(
        moves("{from: open, to: quote, all_clear: true}", "{from: [open, quote], to: done}", *EXITS)
    )
    assert [m for c, m in found if c == "open-items-move"] == [
        "the move open, quote -> done goes to a later stage, but a blocked deal or one waiting "
        "for an approval may still make it"
    ]


def test_moves_back_and_to_lost_are_exits_and_never_warned_about():
    text = moves(
        "{from: open, to: quote, all_clear: true}",
        "{from: quote, to: done, all_clear: true}",
        *EXITS,
    )
    assert warnings(text) == []


def test_lint_shows_the_open_items_warning_with_its_hint(runner, tmp_path):
    pb = tmp_path / "pb.yaml"
    pb.write_text(
        moves("{from: open, to: quote}", "{from: quote, to: done, all_clear: true}", *EXITS)
    )
    result = runner.invoke(main, ["lint", str(pb), "--format", "json"])
    assert result.exit_code == 0, result.output  # a warning does not fail the check
    (d,) = json.loads(result.stdout)["diagnostics"]
    assert (d["code"], d["severity"]) == ("open-items-move", "warning")
    assert "allow_open_items" in d["hint"]
    assert "all_clear: true" in d["hint"]


def test_an_empty_reason_does_not_silence_the_warning():
    with pytest.raises(engine.PlaybookError) as info:
        engine.loads_playbook(moves("{from: open, to: quote, allow_open_items: ''}"), "pb.yaml")
    assert any(d.path.endswith("allow_open_items") for d in info.value.diagnostics)


@pytest.mark.parametrize(
    ("when", "warned"),
    [
        ("deal.approver != deal.owner", True),  # a `type: person` field and the owner
        ("any(a.by == deal.owner for a in deal.approvals)", True),  # who approved
        ("deal.owner == 'li.na'", True),
        ("not same_person(deal.approver, deal.owner)", False),
        ("deal.note != deal.owner and false", True),
        ("deal.note == 'x'", False),  # plain text is plain text
        ("deal.approver == null", False),  # absence, not a comparison of people
    ],
)
def test_people_compared_with_eq_or_ne_are_warned_about(when, warned):
    text = moves(
        "{from: open, to: quote, all_clear: true}",
        "{from: quote, to: done, all_clear: true}",
        *EXITS,
    )
    text = text.replace("rules:\n", f'rules:\n  - {{id: WHO, when: "{when}", then: warn}}\n')
    found = [m for c, m in warnings(text) if c == "person-compare"]
    assert bool(found) is warned


def test_the_reference_playbooks_lint_without_warnings(runner):
    for name in (
        "auto-dealer.yaml",
        "auto-dealer-2026-2.yaml",
        "enterprise-sales.yaml",
        "key-account-office.yaml",
    ):
        result = runner.invoke(main, ["lint", str(PLAYBOOKS / name), "--format", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["diagnostics"] == [], name


@pytest.mark.parametrize(
    ("approver", "granted"),
    [
        ("li.na", False),
        ("Li.Na", False),
        (" li.na", False),
        ("ｌｉ.ｎａ", False),
        ("lі.na", False),  # a Cyrillic і
        ("li.ma", True),
        ("zhou.lei", True),
    ],
)
def test_c1_compares_the_approver_with_the_handler_as_a_person(approver, granted, check, deal):
    deal["payment"] = {"method": "credit"}
    deal["customer"]["credit_limit_approved_by"] = approver
    result = check(deal)  # the differential test holds the reference interpreter to the same
    assert result.facts["credit_granted"] is granted
    assert any(v.rule == "C1" for v in result.violations) is not granted
