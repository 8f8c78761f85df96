"""The embedding API: the public surface, purity, reuse across threads, and advance()."""

from __future__ import annotations

import copy
import inspect
import json
import pydoc
import re
import shutil
import subprocess
import sys
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest

import engine
from engine.cli import main
from engine.jsontext import to_json

from .conftest import AS_OF, AUTO_DEALER, BASE_DEAL, PLAYBOOKS, ROOT

DATED = ("--as-of", AS_OF.isoformat())  # a day auto-dealer.yaml (2026.1) is in force


def test_public_surface_is_deliberate():
    assert sorted(engine.__all__) == sorted(
        [
            "EXIT_BAD_INPUT",
            "EXIT_BLOCKED",
            "EXIT_INTERNAL",
            "EXIT_NEEDS_APPROVAL",
            "EXIT_NEEDS_INFORMATION",
            "EXIT_OK",
            "Action",
            "Approval",
            "Change",
            "DealError",
            "DealProblem",
            "DecisionRefused",
            "Diagnostic",
            "EngineBug",
            "MissingInformation",
            "Explanation",
            "InputError",
            "KamError",
            "Location",
            "Move",
            "Playbook",
            "PlaybookDiff",
            "PlaybookError",
            "Result",
            "RuleInfo",
            "Step",
            "TransitionRefused",
            "UnmetGuard",
            "Violation",
            "diff_playbooks",
            "load_playbook",
            "loads_deal",
            "loads_playbook",
            "read_deal",
            "record_decision",
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
    assert auto_dealer.evaluate(deal, as_of=AS_OF).as_of == AS_OF


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2026-03-02", "not the text '2026-03-02': pass as_of=date.fromisoformat('2026-03-02')"),
        ("03/02/2026", "not the text '03/02/2026': pass as_of=datetime.date(year, month, day)"),
        (datetime(2026, 3, 2, 23, 30), "not a datetime (2026-03-02T23:30:00): pass as_of="),
        (20260302, "must be a date (datetime.date), not int"),
        (None, "must be a date (datetime.date), not NoneType"),
    ],
)
def test_as_of_takes_a_date_and_nothing_else(auto_dealer, deal, value, says):
    # text would be guessed at (03/02 is two days); a datetime's day depends on a time zone
    for call in (auto_dealer.evaluate, auto_dealer.explain):
        with pytest.raises(engine.InputError) as info:
            call(deal, as_of=value)
        assert says in str(info.value)
    with pytest.raises(engine.InputError) as info:
        auto_dealer.advance(deal, to="closing", by="li.na", at=value)
    assert says.replace("as_of=", "at=") in str(info.value)
    assert str(info.value).startswith("at must be a date")


@pytest.mark.parametrize("lang", ["fr", "EN", "", None])
def test_an_unknown_language_is_an_input_error_naming_the_known_ones(auto_dealer, deal, lang):
    calls = [
        lambda: auto_dealer.evaluate(deal, as_of=AS_OF, lang=lang),
        lambda: auto_dealer.explain(deal, as_of=AS_OF, lang=lang),
        lambda: auto_dealer.advance(deal, to="closing", by="li.na", at=AS_OF, lang=lang),
        lambda: auto_dealer.rules(lang),
    ]
    for call in calls:
        with pytest.raises(engine.InputError) as info:
            call()
        assert str(info.value) == f"lang must be one of en, zh, not {lang!r}"
    assert auto_dealer.languages == ("en", "zh")


def test_the_language_is_checked_before_the_deal(auto_dealer):
    with pytest.raises(engine.InputError):
        auto_dealer.evaluate({"id": 1}, as_of=AS_OF, lang="fr")


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


# -- JSON ---------------------------------------------------------------------------------------


def _priced(deal):
    # a discount of 38.5 % and a floor-price approval: Decimal facts and lazy messages
    deal["lines"][0]["unit_price"] = Decimal("61.50")
    return deal


def test_result_to_json_is_exact_and_reads_back(auto_dealer, deal):
    result = auto_dealer.evaluate(_priced(deal), as_of=AS_OF)
    with pytest.raises(TypeError):
        json.dumps(result.to_dict())  # why to_json exists: Decimal is not JSON to the stdlib
    text = result.to_json()
    assert json.loads(text, parse_float=Decimal) == result.to_dict()
    assert '"discount": 0.385' in text  # a JSON number with every digit, not a string
    assert json.loads(text, parse_float=Decimal)["facts"]["discount"] == Decimal("0.385")


def test_to_json_is_what_the_cli_prints(auto_dealer, deal, runner, tmp_path):
    path = tmp_path / "deal.json"
    path.write_text(to_json(_priced(deal)), encoding="utf-8")
    data = engine.read_deal(path)
    args = [str(path), "-p", str(AUTO_DEALER), "--as-of", "2026-03-02", "--format", "json"]
    for lang in ("en", "zh"):
        shown = runner.invoke(main, ["validate", *args, "--lang", lang])
        assert shown.exit_code == 3, shown.output
        result = auto_dealer.evaluate(data, as_of=AS_OF, lang=lang, source=str(path))
        assert shown.stdout == result.to_json()
        explained = runner.invoke(main, ["explain", *args, "--lang", lang])
        ex = auto_dealer.explain(data, as_of=AS_OF, lang=lang, source=str(path))
        assert explained.stdout == ex.to_json()


# -- loads_playbook and its folder ----------------------------------------------------------------


@pytest.fixture
def playbook_copy(tmp_path):
    """auto-dealer.yaml and the module it includes, in a folder of their own."""
    folder = tmp_path / "book"
    (folder / "modules").mkdir(parents=True)
    shutil.copy(AUTO_DEALER, folder / "auto-dealer.yaml")
    shutil.copy(PLAYBOOKS / "modules/credit-policy.yaml", folder / "modules/credit-policy.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return folder, elsewhere


def test_loads_playbook_reads_includes_from_the_folder_given(playbook_copy, monkeypatch):
    folder, elsewhere = playbook_copy
    text = (folder / "auto-dealer.yaml").read_text(encoding="utf-8")
    monkeypatch.chdir(elsewhere)  # a server's working folder has nothing to do with it
    pb = engine.loads_playbook(text, "auto-dealer.yaml", folder=folder)
    assert pb.hash == engine.load_playbook(AUTO_DEALER, cache=False).hash
    assert "C1" in {r.id for r in pb.rules()}  # a rule of the included module
    pb = engine.loads_playbook(text, "auto-dealer.yaml", folder=str(folder))
    assert pb.hash == engine.load_playbook(AUTO_DEALER, cache=False).hash


def test_loads_playbook_never_reads_includes_from_the_current_folder(playbook_copy, monkeypatch):
    folder, _ = playbook_copy
    text = (folder / "auto-dealer.yaml").read_text(encoding="utf-8")
    monkeypatch.chdir(folder)  # the module is right here, and still not read
    with pytest.raises(engine.PlaybookError) as info:
        engine.loads_playbook(text, "auto-dealer.yaml")
    [problem] = info.value.diagnostics
    assert problem.code == "include-no-folder"
    include_line = next(n for n, line in enumerate(text.splitlines(), 1) if "credit-policy" in line)
    assert str(problem.location) == f"auto-dealer.yaml:{include_line}:11"  # the include line
    assert "'modules/credit-policy.yaml' cannot be read" in problem.message
    assert "folder=" in problem.hint


def test_loads_playbook_folder_is_a_boundary(playbook_copy, monkeypatch):
    folder, elsewhere = playbook_copy
    text = (folder / "auto-dealer.yaml").read_text(encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    with pytest.raises(engine.PlaybookError) as info:  # modules/ is not under book/modules
        engine.loads_playbook(text, "auto-dealer.yaml", folder=folder / "modules")
    assert [d.code for d in info.value.diagnostics] == ["include-missing"]
    escape = text.replace("[modules/credit-policy.yaml]", "[../book/modules/credit-policy.yaml]")
    with pytest.raises(engine.PlaybookError) as info:
        engine.loads_playbook(escape, "auto-dealer.yaml", folder=folder / "modules")
    assert [d.code for d in info.value.diagnostics] == ["include-escape"]
    with pytest.raises(engine.InputError, match="is not a folder"):
        engine.loads_playbook(text, folder=folder / "auto-dealer.yaml")
    with pytest.raises(engine.InputError, match="reads text"):
        engine.loads_playbook(b"kam: 1")  # type: ignore[arg-type]


# -- the rules of a playbook ------------------------------------------------------------------


def test_rules_lists_every_rule_and_table(auto_dealer):
    rules = auto_dealer.rules()
    assert [(r.id, r.kind) for r in rules] == [
        ("C1", "rule"),
        ("CREDIT-LIMIT", "rule"),
        ("CREDIT-OVERDUE", "rule"),
        ("C4", "rule"),
        ("P2", "rule"),
        ("P5", "rule"),
        ("P8", "rule"),
        ("P9-FILE", "rule"),
        ("P9", "rule"),
        ("P6", "rule"),
        ("P7", "rule"),
        ("VISIT-RECORD", "rule"),
        ("DECISION-MAKER", "rule"),
        ("V-SP", "rule"),
        ("V-DE", "rule"),
        ("DISCOUNT", "table"),
    ]
    by_id = {r.id: r for r in rules}
    p7 = by_id["P7"]
    assert p7.title == "Price below the floor needs approval"
    assert (p7.outcomes, p7.roles, p7.mode) == (("approval",), ("marketing_director",), "enforce")
    assert p7.categories == auto_dealer.categories
    assert p7.stages == auto_dealer.stages
    p7_line = AUTO_DEALER.read_text(encoding="utf-8").splitlines().index("  - id: P7") + 1
    assert (p7.location.file, p7.location.line) == (str(AUTO_DEALER), p7_line)
    assert by_id["V-SP"].categories == ("system_purchasing",)
    assert by_id["C1"].location.file.endswith("modules/credit-policy.yaml")
    discount = by_id["DISCOUNT"]
    assert discount.outcomes == ("approval",)
    assert discount.roles == ("key_account_manager", "marketing_director", "general_manager")
    assert discount.description.startswith("Only the highest tier reached is required.")
    assert auto_dealer.rules("zh")[-1].title == "折扣审批权限"
    with pytest.raises(AttributeError):
        p7.title = "x"  # type: ignore[misc]
    assert auto_dealer.rules() == rules  # values: equal each time


def test_every_rule_a_result_names_is_listed(auto_dealer, deal):
    deal["lines"][0]["unit_price"] = 60
    deal["customer"]["shared_territory"] = True
    deal["lines"][0]["quantity"] = 1
    result = auto_dealer.evaluate(deal, as_of=AS_OF)
    named = {x.rule for x in (*result.violations, *result.approvals, *result.actions)}
    assert named == {"DISCOUNT", "P2", "P5", "P7"}
    assert named <= {r.id for r in auto_dealer.rules()}


def test_rules_lists_approval_chains_with_their_scope():
    office = engine.load_playbook(PLAYBOOKS / "key-account-office.yaml")
    chains = {r.id: r for r in office.rules() if r.kind == "approval_chain"}
    manager = chains["DEV-MANAGER"]
    assert manager.categories == ("customer_development",)
    assert manager.stages == ("manager_review",)
    assert (manager.outcomes, manager.roles) == (("approval",), ("key_account_manager",))


# -- reading deals ------------------------------------------------------------------------------


def test_read_deal_and_loads_deal_read_json_and_yaml(tmp_path, auto_dealer):
    path = tmp_path / "deal.yaml"
    path.write_text("id: T-9\ncategory: direct_enterprise\nstage: visit\n", encoding="utf-8")
    assert engine.read_deal(path) == engine.read_deal(str(path))
    assert engine.read_deal(path) == {
        "id": "T-9",
        "category": "direct_enterprise",
        "stage": "visit",
    }
    assert engine.loads_deal('{"price": 1.10}') == {"price": Decimal("1.10")}
    assert engine.loads_deal(b"\xef\xbb\xbfid: 7\n", source="body") == {"id": 7}
    assert engine.loads_deal("[1]", format="yaml") == [1]
    with pytest.raises(engine.DealError) as info:
        engine.loads_deal("id: 7", format="json", source="request")
    assert info.value.lines()[0].startswith("request: $: request:1:1: not valid JSON")
    with pytest.raises(engine.InputError, match="format must be one of json, yaml"):
        engine.loads_deal("id: 7", format="xml")


@pytest.mark.parametrize(
    "text",
    [
        b'{"id": "T-1",, }',
        b"id: X\n  category: [\n",
        b'{"id": "caf\xe9"}',
        b"   \n",
    ],
)
def test_the_cli_reads_deals_with_the_exported_reader(runner, tmp_path, text):
    for name in ("deal.json", "deal.yaml"):
        path = tmp_path / name
        path.write_bytes(text)
        shown = runner.invoke(
            main, ["validate", str(path), "-p", str(AUTO_DEALER), "--format", "json", *DATED]
        )
        with pytest.raises(engine.KamError) as info:
            engine.read_deal(path)
        assert shown.exit_code == info.value.exit_code == 2
        assert json.loads(shown.stdout) == info.value.to_dict()
    shown = runner.invoke(
        main, ["validate", "-", "-p", str(AUTO_DEALER), "--format", "json", *DATED], input=text
    )
    with pytest.raises(engine.KamError) as info:
        engine.loads_deal(text, source="stdin")
    if text.strip():  # an empty stdin is refused before it is read as a deal
        assert json.loads(shown.stdout) == info.value.to_dict()


def test_a_bad_deal_names_every_bad_value_by_json_path(auto_dealer):
    text = json.dumps(
        {**BASE_DEAL, "id": None, "lines": [{**BASE_DEAL["lines"][0], "quantity": -1}]}
    )
    deal = engine.loads_deal(text, source="quote-42")
    with pytest.raises(engine.DealError) as info:
        auto_dealer.evaluate(deal, as_of=AS_OF, source="quote-42")
    assert [p.path for p in info.value.problems] == ["$.id", "$.lines[0].quantity"]
    assert info.value.source == "quote-42"


# -- help() and repr() ------------------------------------------------------------------------------


def test_help_for_the_package_is_short_and_names_the_public_api():
    text = pydoc.render_doc(engine, renderer=pydoc.plaintext)
    assert len(text.splitlines()) < 150
    for name in engine.__all__:
        assert name in text  # named in the docstring if not documented below it
    assert "docs/python-api.md" in text
    assert "object at" not in text
    assert {"load_playbook", "loads_deal", "read_deal"} <= set(dir(engine))
    namespace: dict[str, object] = {}
    exec("from engine import *", namespace)
    assert set(engine.__all__) <= set(namespace)


def test_no_sentinel_shows_in_help_or_repr(auto_dealer, deal):
    for cls in (engine.Result, engine.Approval, engine.Move, engine.RuleInfo):
        assert "object at" not in pydoc.render_doc(cls, renderer=pydoc.plaintext)
    signature = str(inspect.signature(engine.Result))
    assert "facts: 'dict[str, Any]' = <factory>" in signature  # as dataclasses show it
    result = auto_dealer.evaluate(_priced(deal), as_of=AS_OF)  # messages not written yet
    shown = repr(result)
    assert "object at" not in shown
    assert "is below the floor price 90.00" in shown  # a lazy message shows as its text
    assert repr(auto_dealer.rules()[0]).startswith("RuleInfo(id='C1', kind='rule'")


def test_the_python_api_guide_runs(monkeypatch, capsys):
    # docs/python-api.md says its examples run as written from the repository root
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs/python-api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 10
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks, 1):
        exec(compile(block, f"docs/python-api.md, example {i}", "exec"), namespace)
    shown = capsys.readouterr().out
    assert "error[include-no-folder]" in shown
    assert "$.lines[0].quantity -1 is less than the allowed 1" in shown
