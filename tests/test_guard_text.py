"""A move condition without a message reads right whatever its title: "condition not met:
<title>" (in Chinese the same words), never "needs <a clause>"."""

from __future__ import annotations

import json

import pytest

import engine

from .conftest import AS_OF, PLAYBOOKS

OFFICE = PLAYBOOKS / "key-account-office.yaml"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "condition not met: the request sent back by an approver"),
        ("zh", "条件未满足：审批人退回申请"),
    ],
)
def test_an_unmet_condition_without_a_message(lang, text):
    pb = engine.load_playbook(OFFICE)
    deal = json.loads((PLAYBOOKS / "examples/key-account-office/visit-approval.json").read_text())
    result = pb.evaluate(deal, as_of=AS_OF, lang=lang)
    (back,) = [m for m in result.transitions if m.to == "plan"]
    (guard,) = back.missing
    assert str(guard.message) == text
    assert "needs an" not in str(guard.message)


def test_a_met_condition_is_not_listed():
    pb = engine.load_playbook(OFFICE)
    deal = json.loads((PLAYBOOKS / "examples/key-account-office/visit-approval.json").read_text())
    deal["approvals"] = [
        *deal.get("approvals", []),
        {"role": "marketing_director", "by": "someone.else", "decision": "rejected"},
    ]
    result = pb.evaluate(deal, as_of=AS_OF)
    back = [m for m in result.transitions if m.to == "plan"]
    assert back
    assert back[0].allowed, back
