"""The embedding API: the public surface, purity, reuse across threads, and advance()."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
from datetime import date

import pytest

import engine

from .conftest import AS_OF, AUTO_DEALER, BASE_DEAL, ROOT


def test_public_surface_is_deliberate():
    assert sorted(engine.__all__) == sorted(
        [
            "EXIT_BAD_INPUT",
            "EXIT_BLOCKED",
            "EXIT_INTERNAL",
            "EXIT_NEEDS_APPROVAL",
            "EXIT_OK",
            "Action",
            "Approval",
            "Change",
            "DealError",
            "DealProblem",
            "Diagnostic",
            "EngineBug",
            "Explanation",
            "InputError",
            "KamError",
            "Location",
            "Move",
            "Playbook",
            "PlaybookDiff",
            "PlaybookError",
            "Result",
            "Step",
            "TransitionRefused",
            "UnmetGuard",
            "Violation",
            "diff_playbooks",
            "load_playbook",
            "loads_playbook",
        ]
    )
    for name in engine.__all__:
        assert hasattr(engine, name)


def test_exceptions_form_one_tree_with_exit_codes():
    for cls, code in [
        (engine.PlaybookError, 2),
        (engine.DealError, 2),
        (engine.InputError, 2),
        (engine.TransitionRefused, 1),
        (engine.EngineBug, 4),
    ]:
        assert issubclass(cls, engine.KamError)
        assert cls.exit_code == code


def test_evaluate_does_not_touch_the_deal(auto_dealer, deal):
    before = copy.deepcopy(deal)
    auto_dealer.evaluate(deal, as_of=AS_OF)
    assert deal == before


def test_as_of_is_required_and_must_be_a_date(auto_dealer, deal):
    with pytest.raises(TypeError):
        auto_dealer.evaluate(deal)  # no hidden clock
    with pytest.raises(engine.InputError):
        auto_dealer.evaluate(deal, as_of="03/02/2026")
    assert auto_dealer.evaluate(deal, as_of="2026-03-02").as_of == AS_OF


def test_results_are_frozen(auto_dealer, deal):
    result = auto_dealer.evaluate(deal, as_of=AS_OF)
    with pytest.raises(AttributeError):
        result.status = "ok"  # type: ignore[misc]


def test_one_playbook_many_threads(auto_dealer):
    deals = []
    for i in range(40):
        d = copy.deepcopy(BASE_DEAL)
        d["id"] = f"T-{i}"
        d["lines"][0]["unit_price"] = 80 + i  # discount tiers differ per deal
        deals.append(d)
    expected = [auto_dealer.evaluate(d, as_of=AS_OF).to_dict() for d in deals]
    failures = []

    def work():
        for _ in range(20):
            for d, want in zip(deals, expected, strict=True):
                if auto_dealer.evaluate(d, as_of=AS_OF).to_dict() != want:
                    failures.append(d["id"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_no_machine_is_built_per_deal(deal, monkeypatch):
    import transitions

    pb = engine.load_playbook(AUTO_DEALER, cache=False)
    built = []
    original = transitions.Machine.__init__

    def counting(self, *a, **k):
        built.append(1)
        original(self, *a, **k)

    monkeypatch.setattr(transitions.Machine, "__init__", counting)
    for _ in range(3):
        pb.evaluate(deal, as_of=AS_OF)
    assert built == []  # "which moves are allowed" never needs the machine
    moved = pb.advance(deal, to="closing", by="li.na", at=AS_OF)
    pb.advance(moved, to="delivery", by="li.na", at=AS_OF)
    assert built == [1]  # built once, when a deal first moves


def test_advance_returns_a_new_deal_with_history(auto_dealer, deal):
    moved = auto_dealer.advance(deal, to="closing", by="li.na", at=AS_OF)
    assert deal["stage"] == "negotiation"
    assert "history" not in deal
    assert moved["history"] == [
        {"from": "negotiation", "to": "closing", "by": "li.na", "at": "2026-03-02"}
    ]
    again = auto_dealer.advance(moved, to="delivery", by="li.na", at=date(2026, 3, 9))
    assert [h["to"] for h in again["history"]] == ["closing", "delivery"]


def test_advance_refused_carries_the_unmet_guards(auto_dealer, deal):
    deal["stage"] = "needs_confirmed"
    deal["contacts"] = []
    with pytest.raises(engine.TransitionRefused) as info:
        auto_dealer.advance(deal, to="negotiation", by="li.na", at=AS_OF)
    assert [g.id for g in info.value.unmet] == ["DECISION-MAKER", "COACH"]
    assert info.value.exit_code == 1
    assert info.value.to_dict()["missing"][0]["kind"] == "condition"


def test_advance_needs_a_person(auto_dealer, deal):
    with pytest.raises(engine.InputError):
        auto_dealer.advance(deal, to="closing", by=" ", at=AS_OF)


def test_loads_playbook_from_text():
    text = (ROOT / "tests/fixtures/valid/minimal.yaml").read_text()
    pb = engine.loads_playbook(text, "minimal.yaml")
    result = pb.evaluate(
        {"id": "1", "category": "direct", "stage": "open", "amount": 5000}, as_of=AS_OF
    )
    assert result.status == "needs_approval"
    assert pb.stages == ("open", "done")


def test_playbook_errors_carry_structured_diagnostics():
    with pytest.raises(engine.PlaybookError) as info:
        engine.loads_playbook("kam: 1\nid: x\n", "x.yaml")
    codes = {d.code for d in info.value.diagnostics}
    assert codes == {"missing-key"}
    assert all(d.location.file == "x.yaml" for d in info.value.diagnostics)


def test_hash_changes_with_meaning_not_with_formatting():
    text = (ROOT / "tests/fixtures/valid/minimal.yaml").read_text()
    a = engine.loads_playbook(text)
    b = engine.loads_playbook(
        "# a comment\n" + text.replace("{label: Direct}", "\n    label: Direct")
    )
    c = engine.loads_playbook(text.replace("> 1000", "> 1001"))
    assert a.hash == b.hash != c.hash


def test_same_answer_in_other_processes():
    # byte-identical JSON across processes with different hash seeds
    code = (
        "import json, engine, sys; from datetime import date; "
        f"pb = engine.load_playbook({str(AUTO_DEALER)!r}); "
        f"print(json.dumps(pb.evaluate(json.loads({json.dumps(json.dumps(BASE_DEAL))}), "
        "as_of=date(2026, 3, 2)).to_dict(), default=str, sort_keys=False))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            check=True,
        ).stdout
        for seed in ("1", "2", "random")
    }
    assert len(outs) == 1
