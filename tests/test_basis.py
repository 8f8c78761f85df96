"""Approvals bound to what was approved: a recorded approval covers its basis (exactly the
approved value too) and nothing beyond it; beyond it, or with nothing recorded, it is stale and
does not count. For rules (both directions), decision tables (their input), chains (their
amount); in the deal schema, lint, the result (JSON, text en/zh, explain), both evaluators,
``record_decision`` and ``kam approve``."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from click import unstyle

import engine
from engine.cli import main
from engine.lang.schema import bundled
from engine.present.render import explanation_text, result_text

from .conftest import AS_OF, PLAYBOOKS

ENTERPRISE = PLAYBOOKS / "enterprise-sales.yaml"
OFFICE = PLAYBOOKS / "key-account-office.yaml"
COURIER = json.loads((PLAYBOOKS / "examples/enterprise-sales/courier-design.json").read_text())
VISIT = json.loads((PLAYBOOKS / "examples/key-account-office/visit-approval.json").read_text())


@pytest.fixture(scope="module")
def enterprise() -> engine.Playbook:
    return engine.load_playbook(ENTERPRISE)


@pytest.fixture(scope="module")
def office() -> engine.Playbook:
    return engine.load_playbook(OFFICE)


def _courier(receivables: object, *approvals: dict) -> dict:
    """The courier deal: exposure = receivables + 1,220,000.00 (over its 2,000,000 limit)."""
    deal = copy.deepcopy(COURIER)
    deal["customer"]["receivables"] = receivables
    deal["approvals"] = list(approvals)
    return deal


def _finance(basis: dict | None = None, by: str = "qian.li") -> dict:
    entry = {"role": "supervisor", "by": by, "decision": "approved"}
    if basis is not None:
        entry["basis"] = basis
    return entry


def _credit(result: engine.Result) -> engine.Approval:
    (approval,) = [a for a in result.approvals if a.rule == "CREDIT-LIMIT"]
    return approval


# -- rules: a larger value goes beyond ---------------------------------------------------------


@pytest.mark.parametrize(
    ("receivables", "status"),
    [
        (2_300_000, "granted"),  # 3.52M: within
        (2_880_000, "granted"),  # exactly 4.1M
        (Decimal("2880000.01"), "stale"),  # one cent beyond
        (11_380_000, "stale"),  # 12.6M
    ],
)
def test_rule_basis_covers_up_to_exactly_the_approved_value(enterprise, receivables, status):
    deal = _courier(receivables, _finance({"exposure": 4_100_000}))
    result = enterprise.evaluate(deal, as_of=AS_OF)
    approval = _credit(result)
    assert approval.status == status
    assert dict(approval.basis)["exposure"] == Decimal(receivables) + 1_220_000
    if status == "granted":
        assert approval.granted_by == "qian.li"
        assert not approval.stale
    else:
        assert approval.granted_by is None
        assert result.status == "needs_approval"
        assert [s.name for s in approval.stale] == ["exposure"]
        assert approval.stale[0].was == 4_100_000


def test_stale_says_what_changed_in_both_languages(enterprise):
    deal = _courier(11_380_000, _finance({"exposure": "4100000.00"}))
    en = _credit(enterprise.evaluate(deal, as_of=AS_OF)).message
    zh = _credit(enterprise.evaluate(deal, as_of=AS_OF, lang="zh")).message
    assert "qian.li approved it for credit exposure after this deal 4,100,000.00; " in en
    assert "now 12,600,000.00: needs approval again by supervisor" in en
    assert (
        "qian.li审批时本单后信用敞口为 4,100,000.00，现为 12,600,000.00：须主管领导重新审批" in zh
    )


def test_an_approval_without_a_basis_does_not_count(enterprise):
    result = enterprise.evaluate(_courier(2_880_000, _finance()), as_of=AS_OF)
    approval = _credit(result)
    assert approval.status == "stale"
    assert result.status == "needs_approval"
    assert approval.stale[0].was is None
    assert "does not record the credit exposure after this deal" in approval.message
    zh = _credit(enterprise.evaluate(_courier(2_880_000, _finance()), as_of=AS_OF, lang="zh"))
    assert "未记录所批的本单后信用敞口" in zh.message


def test_a_basis_not_known_now_does_not_count():
    text = ENTERPRISE.read_text().replace(FLOOR, "    basis: {budget: deal.purchase.budget}\n")
    pb = engine.loads_playbook(text, "enterprise.yaml", folder=PLAYBOOKS)
    deal = copy.deepcopy(COURIER)
    deal["lines"][0]["unit_price"] = 760_000  # below the floor: QUOTE-FLOOR asks
    deal["approvals"] = [{"role": "sales_director", "by": "gao.yu", "decision": "approved",
                          "basis": {"budget": 1_500_000}}]  # fmt: skip
    (floor,) = [a for a in pb.evaluate(deal, as_of=AS_OF).approvals if a.rule == "QUOTE-FLOOR"]
    assert floor.status == "granted"
    del deal["purchase"]["budget"]
    (floor,) = [a for a in pb.evaluate(deal, as_of=AS_OF).approvals if a.rule == "QUOTE-FLOOR"]
    assert floor.status == "stale"
    assert floor.stale[0].now is None
    assert "budget 1,500,000.00; now unknown" in floor.message
    assert floor.to_dict()["basis"] == {"budget": None}


def test_beyond_below_a_lower_value_is_worse(enterprise):
    """QUOTE-FLOOR: the approval of a quote below the floor covers that quote or more."""
    deal = copy.deepcopy(COURIER)
    deal["lines"][0]["unit_price"] = 760_000  # amount 1,000,000.00, below the cost-plus floor
    base = enterprise.evaluate(deal, as_of=AS_OF)
    (floor,) = [a for a in base.approvals if a.rule == "QUOTE-FLOOR"]
    assert floor.status == "pending"
    assert dict(floor.basis) == {"amount": Decimal("1000000.00")}
    for price, status in [(760_000, "granted"), (760_001, "granted"), (759_999.99, "stale")]:
        deal["lines"][0]["unit_price"] = price
        deal["approvals"] = [
            {"role": "sales_director", "by": "gao.yu", "decision": "approved",
             "basis": {"amount": 1_000_000}}
        ]  # fmt: skip
        result = enterprise.evaluate(deal, as_of=AS_OF)
        (floor,) = [a for a in result.approvals if a.rule == "QUOTE-FLOOR"]
        assert floor.status == status, price


# -- decision tables: bound to their input -------------------------------------------------------


def _discounted(check, deal, unit_price, *approvals):
    deal["lines"][0].update(quantity=5, unit_price=unit_price, list_price=100, floor_price=80)
    deal["approvals"] = list(approvals)
    return [a for a in check(deal).approvals if a.rule == "DISCOUNT"]


@pytest.mark.parametrize(
    ("unit_price", "status"), [(89, "granted"), (88, "granted"), (87.9, "stale")]
)
def test_table_approval_is_bound_to_its_input(check, deal, unit_price, status):
    """auto-dealer's DISCOUNT table: approved for 12% (a concession of 60 on 5 units), so 11%
    and 12% are covered, 12.1% not."""
    md = {"role": "marketing_director", "by": "wu", "decision": "approved",
          "basis": {"discount": "12%", "concession": "60"}}  # fmt: skip
    (approval,) = _discounted(check, deal, unit_price, md)
    assert approval.role == "marketing_director"
    assert approval.status == status
    if status == "stale":
        assert "discount off list price 12.00%; now 12.10%" in approval.message


@pytest.mark.parametrize(
    ("approved", "unit_price", "shown"),
    [
        # a ratio recorded with all the digits of its division reads as two places
        (Decimal("0.0789473684210526315789473684"), 87.9, "7.89%; now 12.10%"),
        # two places only where they tell the approved and the current value apart
        ("0.120401", 87.959, "12.040%; now 12.041%"),
    ],
)
def test_stale_ratio_is_shown_to_the_places_that_tell_it_apart(
    check, deal, approved, unit_price, shown
):
    md = {"role": "marketing_director", "by": "wu", "decision": "approved",
          "basis": {"discount": approved, "concession": "100"}}  # fmt: skip
    (approval,) = _discounted(check, deal, unit_price, md)
    assert approval.status == "stale"
    assert f"discount off list price {shown}" in approval.message


def test_table_basis_is_the_value_a_decision_records(check, deal):
    (approval,) = _discounted(check, deal, 88)
    assert approval.status == "pending"
    assert approval.to_dict()["basis"] == {"discount": Decimal("0.12"), "concession": 60}


# -- chains: every step bound to the amount ----------------------------------------------------------


def _visit(budget, *approvals):
    deal = copy.deepcopy(VISIT)
    deal["visit"]["budget"] = budget
    deal["visit"]["gifts"] = 0
    deal["approvals"] = list(approvals)
    return deal


def _step(role, by, amount):
    return {"role": role, "by": by, "decision": "approved", "basis": {"amount": amount}}


def _chain(office, deal, lang="en"):
    result = office.evaluate(deal, as_of=AS_OF, lang=lang)
    return [(a.role, a.status) for a in result.approvals if a.chain == "VISIT-APPROVAL"], result


def test_chain_step_covers_exactly_the_approved_amount(office):
    steps, _ = _chain(office, _visit(15000, _step("key_account_manager", "zhao.min", 15000)))
    assert steps[0] == ("key_account_manager", "granted")
    steps, _ = _chain(office, _visit(9000, _step("key_account_manager", "zhao.min", 15000)))
    assert steps[0] == ("key_account_manager", "granted")


def test_a_stale_step_and_the_steps_after_it_are_pending_again(office):
    approvals = [
        _step("key_account_manager", "zhao.min", 15000),
        _step("marketing_director", "wu.gang", 15000),
    ]
    steps, result = _chain(office, _visit(Decimal("15000.01"), *approvals))
    assert steps == [
        ("key_account_manager", "stale"),
        ("marketing_director", "waiting"),
        ("finance", "waiting"),
    ]
    assert not any("before" in v.message for v in result.violations)  # no order warning
    stale = result.approvals[0]
    assert stale.stale[0].was == 15000
    assert stale.stale[0].now == Decimal("15000.01")
    assert "zhao.min approved it for amount 15,000.00; now 15,000.01" in stale.message
    # approved again for the new amount: the manager counts, the director must approve again
    again = [*approvals, _step("key_account_manager", "zhao.min", Decimal("15000.01"))]
    steps, _ = _chain(office, _visit(Decimal("15000.01"), *again))
    assert steps[:2] == [("key_account_manager", "granted"), ("marketing_director", "pending")]
    _, zh = _chain(office, _visit(Decimal("15000.01"), *approvals), lang="zh")
    assert "zhao.min审批时金额为 15,000.00，现为 15,000.01" in zh.approvals[0].message


def test_a_chain_step_without_a_basis_does_not_count(office):
    entry = {"role": "key_account_manager", "by": "zhao.min", "decision": "approved"}
    steps, _ = _chain(office, _visit(15000, entry))
    assert steps[0] == ("key_account_manager", "stale")


# -- the two evaluators agree; the result is documented -------------------------------------------


@pytest.mark.parametrize("receivables", [2_300_000, 2_880_000, 11_380_000])
def test_reference_and_generated_agree(enterprise, office, receivables):
    for pb, deal in [
        (enterprise, _courier(receivables, _finance({"exposure": 4_100_000}))),
        (enterprise, _courier(receivables, _finance())),
        (office, _visit(receivables / 200, _step("key_account_manager", "zhao.min", 15000))),
    ]:
        fast = pb.evaluate(deal, as_of=AS_OF)
        traced = pb.explain(deal, as_of=AS_OF)
        assert fast.to_dict() == traced.result.to_dict()
        jsonschema.validate(json.loads(fast.to_json()), bundled("result"))


def test_text_and_explain_show_stale(enterprise):
    deal = _courier(11_380_000, _finance({"exposure": 4_100_000}))
    ex = enterprise.explain(deal, as_of=AS_OF)
    text = unstyle(explanation_text(ex, enterprise.model))
    assert "Supervisor (stale: approved for less)" in text
    assert (
        "basis CREDIT-LIMIT: stale — credit exposure after this deal: approved 4,100,000.00, "
        "now 12,600,000.00"
    ) in text
    zh = unstyle(result_text(enterprise.evaluate(deal, as_of=AS_OF, lang="zh"), enterprise.model))
    assert "主管领导 (审批已失效)" in zh


# -- the deal schema -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [4100000, 4100000.5, "4100000.00", "-1.5"])
def test_deal_accepts_a_basis_as_number_or_exact_text(enterprise, value):
    result = enterprise.evaluate(_courier(0, _finance({"exposure": value})), as_of=AS_OF)
    assert result.deal == COURIER["id"]


@pytest.mark.parametrize(
    ("basis", "path"),
    [
        ({"exposure": "4.1M"}, "$.approvals[0].basis.exposure"),
        ({"exposure": True}, "$.approvals[0].basis.exposure"),
        ({"exposre": 1}, "$.approvals[0].basis.exposre"),
        ("4100000", "$.approvals[0].basis"),
    ],
)
def test_deal_refuses_a_bad_basis_by_json_path(enterprise, basis, path):
    with pytest.raises(engine.DealError) as err:
        enterprise.evaluate(_courier(0, {**_finance(), "basis": basis}), as_of=AS_OF)
    assert any(p.path == path for p in err.value.problems), err.value.problems
    if isinstance(basis, dict) and "exposure" in basis:
        (problem,) = err.value.problems
        assert problem.message.startswith('expected a number (4100000.00 or "4100000.00")')


def test_deal_schema_names_the_basis(enterprise, check, deal):
    entry = enterprise.deal_schema()["properties"]["approvals"]["items"]
    props = entry["properties"]["basis"]["properties"]
    assert set(props) == {"exposure", "amount", "discount"} or "exposure" in props
    deal["approvals"] = [{"role": "marketing_director", "by": "wu", "decision": "approved",
                          "basis": {"discount": "12%", "lowest_price": "88"}}]  # fmt: skip
    assert check(deal).deal == deal["id"]


# -- lint -------------------------------------------------------------------------------------------


def _lint(old: str, new: str) -> list[engine.Diagnostic]:
    text = ENTERPRISE.read_text()
    assert old in text
    with pytest.raises(engine.PlaybookError) as err:
        engine.loads_playbook(text.replace(old, new, 1), "enterprise.yaml", folder=PLAYBOOKS)
    return list(err.value.diagnostics)


FLOOR = "    basis: {amount: {value: facts.amount, beyond: below}}\n"


@pytest.mark.parametrize(
    ("basis", "code", "words"),
    [
        ("    basis: {amount: deal.owner}\n", "bad-basis", "basis 'amount' is text"),
        ("    basis: {amount: facts.amont}\n", "unknown-name", "amont"),
        ("    basis: {amount: {value: facts.amount, beyond: up}}\n", "bad-value", ""),
        ("    basis: {Amount: facts.amount}\n", "", ""),
    ],
)
def test_lint_locates_a_bad_basis(basis, code, words):
    found = _lint(FLOOR, basis)
    assert found
    hit = found[0]
    if code:
        assert hit.code == code, [d.format() for d in found]
    assert words in hit.message
    assert hit.location.file == "enterprise.yaml"
    assert hit.location.line > 0


def test_lint_refuses_basis_on_a_rule_that_is_not_an_approval():
    text = ENTERPRISE.read_text()
    rule = "  - id: OPPONENT-DM\n"
    assert rule in text
    found = _lint(rule, rule + "    basis: {amount: facts.amount}\n")
    (hit,) = [d for d in found if d.code == "bad-key"]
    assert "'OPPONENT-DM' is not an approval" in hit.message
    assert "then: approval" in hit.hint


def test_lint_refuses_one_name_for_two_kinds_of_value():
    found = _lint(FLOOR, "    basis: {exposure: {value: as_of, beyond: below}}\n")
    (hit,) = [d for d in found if d.code == "bad-basis"]
    assert "basis 'exposure' is a date here and an amount of money elsewhere" in hit.message


def test_a_fact_reads_only_names_an_approval_is_bound_to():
    """Facts may read ``a.basis.<name>`` (checked before the rules that declare the names);
    a name no approval is bound to is a located error, with the names there are."""
    text = ENTERPRISE.read_text()
    assert "exposure" in text
    old = "  win_probability:\n"
    assert old in text
    fact = (
        "  approved_exposure_typo:\n    type: bool\n    value: >-\n"
        "      any(if_missing(a.basis.exposur, 0) > 0 for a in if_missing(deal.approvals, []))\n"
    )
    found = _lint(old, fact + old)
    (hit,) = [d for d in found if "exposur" in d.message]
    assert hit.code == "unknown-name"
    assert "exposure" in (hit.hint or "")
    assert hit.location.line > 0


# -- recording a decision ---------------------------------------------------------------------------


def test_record_decision_writes_the_basis_and_counts(enterprise):
    deal = _courier(2_880_000)
    out = engine.record_decision(enterprise, deal, role="supervisor", by="qian.li", on=AS_OF)
    assert deal["approvals"] == []  # the input is not changed
    assert out["approvals"] == [
        {"role": "supervisor", "by": "qian.li", "on": "2026-03-02", "decision": "approved",
         "basis": {"exposure": Decimal("4100000.00")}}
    ]  # fmt: skip
    assert _credit(enterprise.evaluate(out, as_of=AS_OF)).status == "granted"
    out["customer"]["receivables"] = 11_380_000
    assert _credit(enterprise.evaluate(out, as_of=AS_OF)).status == "stale"
    # and approving again records the new exposure
    again = enterprise.record_decision(out, role="supervisor", by="qian.li", on=AS_OF)
    assert _credit(enterprise.evaluate(again, as_of=AS_OF)).status == "granted"


@pytest.mark.parametrize(
    ("role", "by", "words"),
    [
        ("supervisor", "liu.fang", "liu.fang owns the deal"),
        ("sales_director", "gao.yu", "does not ask sales_director for an approval now"),
        ("ceo", "gao.yu", "'ceo' is not a role of this playbook"),
    ],
)
def test_record_decision_refuses_what_would_not_count(enterprise, role, by, words):
    with pytest.raises(engine.DecisionRefused) as err:
        enterprise.record_decision(_courier(2_880_000), role=role, by=by, on=AS_OF)
    assert words in str(err.value)
    assert err.value.exit_code == 2


def test_record_decision_follows_the_chain(office):
    deal = _visit(15000)
    with pytest.raises(engine.DecisionRefused, match="waits for the earlier steps"):
        office.record_decision(deal, role="marketing_director", by="wu.gang", on=AS_OF)
    one = office.record_decision(deal, role="key_account_manager", by="zhao.min", on=AS_OF)
    assert one["approvals"][-1]["basis"] == {"amount": Decimal("15000.00")}
    with pytest.raises(engine.DecisionRefused, match="already approved an earlier step"):
        office.record_decision(one, role="marketing_director", by="zhao.min", on=AS_OF)
    two = office.record_decision(
        one, role="marketing_director", by="wu.gang", decision="rejected",
        comment="budget too high", on=AS_OF,
    )  # fmt: skip
    assert two["approvals"][-1]["decision"] == "rejected"
    assert two["approvals"][-1]["comment"] == "budget too high"


# -- kam approve ------------------------------------------------------------------------------------


def _write(tmp_path: Path, deal: dict) -> str:
    path = tmp_path / "deal.json"
    path.write_text(json.dumps(deal))
    return str(path)


def test_kam_approve_writes_the_updated_deal(runner, tmp_path):
    src = _write(tmp_path, _courier(2_880_000))
    out = str(tmp_path / "out.json")
    args = ["approve", src, "-p", str(ENTERPRISE), "--role", "supervisor", "--by", "qian.li"]
    r = runner.invoke(main, [*args, "--as-of", "2026-03-02", "-o", out])
    assert r.exit_code == 0, r.output
    written = json.loads(Path(out).read_text(), parse_float=Decimal)
    assert written["approvals"][-1]["basis"] == {"exposure": Decimal("4100000.00")}
    assert json.loads(Path(src).read_text())["approvals"] == []
    r = runner.invoke(main, ["validate", out, "-p", str(ENTERPRISE), "--as-of", "2026-03-02"])
    assert "granted by qian.li" in r.output


def test_kam_approve_prints_or_writes_in_place(runner, tmp_path):
    src = _write(tmp_path, _courier(2_880_000))
    base = ["approve", src, "-p", str(ENTERPRISE), "--role", "supervisor", "--by", "qian.li"]
    r = runner.invoke(main, [*base, "--reject", "--comment", "collect first"])
    assert r.exit_code == 0, r.output
    printed = json.loads(r.stdout)
    assert printed["approvals"][-1]["decision"] == "rejected"
    assert printed["approvals"][-1]["comment"] == "collect first"
    r = runner.invoke(main, [*base, "--in-place"])
    assert r.exit_code == 0
    assert r.stdout == ""
    assert json.loads(Path(src).read_text())["approvals"][-1]["by"] == "qian.li"


def test_kam_approve_refuses_without_a_traceback(runner, tmp_path):
    src = _write(tmp_path, _courier(2_880_000))
    base = ["approve", src, "-p", str(ENTERPRISE), "--role", "supervisor"]
    r = runner.invoke(main, [*base, "--by", "liu.fang"])
    assert r.exit_code == 2
    assert "liu.fang owns the deal" in r.stderr
    r = runner.invoke(main, [*base, "--by", "qian.li", "-o", src])
    assert r.exit_code == 2
    assert "--in-place" in r.stderr
    r = runner.invoke(main, [*base, "--by", "qian.li", "--in-place", "-o", "x.json"])
    assert r.exit_code == 2
    assert json.loads(Path(src).read_text())["approvals"] == []
    assert "Traceback" not in r.output


def test_a_rejection_can_be_reconsidered_and_an_approval_withdrawn(check, deal):
    """Review item 8: the general manager could not take back an approval ("already approved
    ... nothing is asked"); a rejection must be visible, and open to reconsideration."""
    import engine

    pb = engine.load_playbook(str(PLAYBOOKS / "auto-dealer.yaml"))
    deal["lines"][0].update(quantity=5, unit_price=80, list_price=100, floor_price=70)
    rejected = pb.record_decision(
        deal, role="general_manager", by="gm", decision="rejected", comment="too deep", on=AS_OF
    )
    (a,) = [a for a in check(rejected).approvals if a.rule == "DISCOUNT"]
    assert (a.status, a.rejected_by, a.reason) == ("rejected", "gm", "too deep")
    again = pb.record_decision(rejected, role="general_manager", by="gm", on=AS_OF)
    (a,) = [a for a in check(again).approvals if a.rule == "DISCOUNT"]
    assert (a.status, a.granted_by) == ("granted", "gm")
    withdrawn = pb.record_decision(
        again, role="general_manager", by="gm", decision="rejected", comment="no", on=AS_OF
    )
    result = check(withdrawn)
    (a,) = [a for a in result.approvals if a.rule == "DISCOUNT"]
    assert a.status == "rejected"
    assert result.status == "blocked"


def test_explain_says_what_was_rejected_and_whether_it_still_stands(check, deal):
    pb = engine.load_playbook(str(PLAYBOOKS / "auto-dealer.yaml"))
    deal["lines"][0].update(quantity=5, unit_price=80, list_price=100, floor_price=70)
    rejected = pb.record_decision(
        deal, role="general_manager", by="gm", decision="rejected", comment="too deep", on=AS_OF
    )
    (step,) = [s for s in pb.explain(rejected, as_of=AS_OF).steps if s.kind == "basis"]
    assert (step.id, step.outcome) == ("DISCOUNT", "rejected")
    assert step.detail.startswith("discount off list price: rejected 20.00%, now 20.00%")
    rejected["lines"][0]["unit_price"] = 81  # a smaller discount: another request
    (step,) = [s for s in pb.explain(rejected, as_of=AS_OF).steps if s.kind == "basis"]
    assert step.outcome == "asked again"
    assert step.detail.startswith("discount off list price: rejected 20.00%, now 19.00%")
