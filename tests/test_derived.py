"""Categories and facts by rule: a category's ``when`` derives the category a deal omits, a
fact's ``given`` lets the deal record the value; a recorded value the derivation contradicts is
a warn finding (CATEGORY, or the fact's rule id), an unknown derivation makes no claim, and
misuse is a located ``kam lint`` error."""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

import engine
from engine.cli import main
from engine.errors import DealError, PlaybookError

from .conftest import PLAYBOOKS

AS_OF = date(2026, 3, 2)

PLAYBOOK = """\
kam: 1
id: derived
version: "1"
title: Derived
currency: CNY
roles: {sales: Sales}
parameters:
  economic_threshold: {value: 5000000, type: money}
fields:
  buyer: {type: string, values: [government, enterprise, person], label: {en: Buyer, zh: 买方}}
  revenue: {type: money, label: {en: Annual revenue, zh: 年营业额}}
  tier: {type: string, values: [economic, potential]}
facts:
  tier:
    type: string
    label: {en: Tier, zh: 层级}
    given: deal.tier
    cases:
      - {when: "deal.revenue >= params.economic_threshold", value: economic}
    otherwise: potential
categories:
  government:
    label: {en: Government procurement, zh: 政府采购}
    when: deal.buyer == 'government'
  system:
    label: {en: System purchasing, zh: 系统采购}
    when: deal.buyer == 'enterprise'
  retail:
    label: {en: Retail, zh: 零售}
stages: {open: {}, won: {terminal: true}}
transitions: [{from: open, to: won}]
"""


@pytest.fixture(scope="module")
def pb() -> engine.Playbook:
    return engine.loads_playbook(PLAYBOOK)


def deal(**values: Any) -> dict[str, Any]:
    return {"id": "D-1", "stage": "open", **values}


def findings(result: Any) -> dict[str, str]:
    return {v.rule: v.message for v in result.violations if v.severity == "warn"}


# -- a fact given by the deal ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("revenue", "tier", "fact", "finding"),
    [
        ("6000000", None, "economic", False),  # derived only
        ("6000000", "potential", "potential", True),  # the record wins; the rule says otherwise
        ("5000000.00", "potential", "potential", True),  # exactly the threshold is economic
        ("4999999.99", "potential", "potential", False),  # just below agrees with the record
        ("4999999.99", "economic", "economic", True),  # the other way round
        ("5000000.00", "economic", "economic", False),
        (None, "economic", "economic", False),  # unknown revenue: no claim
    ],
)
def test_a_given_fact_is_used_and_a_contradicting_rule_is_a_finding(
    pb: engine.Playbook, revenue: str | None, tier: str | None, fact: str, finding: bool
) -> None:
    values: dict[str, Any] = {"category": "retail"}
    if revenue is not None:
        values["revenue"] = Decimal(revenue)
    if tier is not None:
        values["tier"] = tier
    for result in (
        pb.evaluate(deal(**values), as_of=AS_OF),
        pb.explain(deal(**values), as_of=AS_OF).result,
    ):
        assert result.facts["tier"] == fact
        assert ("TIER" in findings(result)) is finding
        assert result.status == "ok"  # a finding informs; it never blocks


def test_the_finding_names_both_values_and_what_to_fix(pb: engine.Playbook) -> None:
    d = deal(category="retail", revenue=Decimal("6000000"), tier="potential")
    en = findings(pb.evaluate(d, as_of=AS_OF))["TIER"]
    assert en == (
        "Tier is recorded as potential, but the playbook's rule makes it economic: "
        "correct the record, or the values it is worked out from"
    )
    zh = findings(pb.evaluate(d, as_of=AS_OF, lang="zh"))["TIER"]
    assert zh == "层级记录为 potential，但按规则应为 economic：请更正记录，或更正所依据的数据"


def test_explain_says_the_value_was_given_and_what_was_derived(pb: engine.Playbook) -> None:
    d = deal(category="retail", revenue=Decimal("6000000"), tier="potential")
    steps = [s for s in pb.explain(d, as_of=AS_OF).steps if s.kind == "fact"]
    assert steps[0].detail == "= potential (given by deal.tier; derived: economic)"


def test_a_result_json_with_a_finding_fits_the_result_schema(pb: engine.Playbook) -> None:
    import jsonschema

    from engine.lang.schema import bundled

    d = deal(category="retail", revenue=Decimal("6000000"), tier="potential")
    jsonschema.validate(pb.evaluate(d, as_of=AS_OF).to_dict(), bundled("result"))


# -- the courier customer of source 002 (enterprise-sales) ----------------------------------


@pytest.fixture(scope="module")
def enterprise() -> engine.Playbook:
    return engine.load_playbook(PLAYBOOKS / "enterprise-sales.yaml")


def courier(**customer: Any) -> dict[str, Any]:
    d = engine.read_deal(PLAYBOOKS / "examples" / "enterprise-sales" / "courier-design.json")
    d["customer"].update(customer)
    return d


def test_the_courier_finding_in_both_languages(enterprise: engine.Playbook) -> None:
    d = courier(annual_revenue=Decimal("6000000.00"), key_account_class="potential")
    en = findings(enterprise.evaluate(d, as_of=AS_OF))["KEY-ACCOUNT-CLASS"]
    assert en.startswith(
        "the customer is recorded as a potential key account, but an annual revenue of "
        "6,000,000.00 at or above 5,000,000.00 makes it an economic key account"
    )
    zh = findings(enterprise.evaluate(d, as_of=AS_OF, lang="zh"))["KEY-ACCOUNT-CLASS"]
    assert zh == (
        "客户记录为潜在大客户，但年营业额 6,000,000.00 达到 5,000,000.00，应属经济大客户："
        "请更正记录的大客户类别，或更正客户资料"
    )


# -- a category derived from the deal --------------------------------------------------------


@pytest.mark.parametrize(
    ("buyer", "category"), [("government", "government"), ("enterprise", "system")]
)
def test_a_deal_without_a_category_gets_the_one_whose_when_holds(
    pb: engine.Playbook, buyer: str, category: str
) -> None:
    result = pb.evaluate(deal(buyer=buyer), as_of=AS_OF)
    assert result.category == category
    assert "CATEGORY" not in findings(result)


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"buyer": "person"}, "the deal is not government or system by their conditions"),
        ({}, "cannot be told (government: deal.buyer is missing"),
    ],
)
def test_no_category_is_never_guessed(
    pb: engine.Playbook, values: dict[str, Any], says: str
) -> None:
    with pytest.raises(DealError) as err:
        pb.evaluate(deal(**values), as_of=AS_OF)
    (problem,) = err.value.problems
    assert problem.path == "$.category"
    assert says in problem.message
    assert "one of government, system, retail" in problem.message


def test_two_categories_that_both_fit_are_the_deals_problem() -> None:
    both = PLAYBOOK.replace("when: deal.buyer == 'enterprise'", "when: deal.buyer != 'person'")
    with pytest.raises(DealError) as err:
        engine.loads_playbook(both).evaluate(deal(buyer="government"), as_of=AS_OF)
    (problem,) = err.value.problems
    assert problem.path == "$.category"
    assert "government and system all fit this deal" in problem.message


@pytest.mark.parametrize(
    ("category", "buyer", "finding"),
    [
        ("government", "government", None),
        (
            "system",
            "government",
            "the deal is filed as System purchasing, but Buyer: government "
            "makes it Government procurement: correct the category, or the values that decide it",
        ),
        (
            "government",
            "person",
            "the deal is filed as Government procurement, but Buyer: person "
            "does not make it Government procurement",
        ),
        (
            "retail",
            "enterprise",
            "the deal is filed as Retail, but Buyer: enterprise makes it System purchasing",
        ),
        ("retail", "person", None),  # no derivation holds: retail is the person's choice
        ("government", None, None),  # unknown: no claim
        ("retail", None, None),
    ],
)
def test_a_given_category_the_rule_contradicts_is_a_finding(
    pb: engine.Playbook, category: str, buyer: str | None, finding: str | None
) -> None:
    values: dict[str, Any] = {"category": category}
    if buyer is not None:
        values["buyer"] = buyer
    for result in (
        pb.evaluate(deal(**values), as_of=AS_OF),
        pb.explain(deal(**values), as_of=AS_OF).result,
    ):
        assert result.category == category
        said = findings(result).get("CATEGORY")
        if finding is None:
            assert said is None
        else:
            assert said is not None
            assert said.startswith(finding)


def test_the_category_finding_in_chinese(pb: engine.Playbook) -> None:
    result = pb.evaluate(deal(category="system", buyer="government"), as_of=AS_OF, lang="zh")
    assert findings(result)["CATEGORY"] == (
        "交易登记为系统采购，但买方：government，应属政府采购：请更正客户类别，或更正决定类别的数据"
    )


# -- kam lint --------------------------------------------------------------------------------


def lint(text: str) -> list[str]:
    with pytest.raises(PlaybookError) as err:
        engine.loads_playbook(text, file="pb.yaml")
    return [
        f"{d.location.line}:{d.location.column} {d.message} | {d.hint}"
        for d in err.value.diagnostics
    ]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("given: deal.tier", "given: facts.tier", "given of fact 'tier' must name a deal field"),
        (
            "given: deal.tier",
            "given: deal.revenue",
            "deal.revenue is money, but fact 'tier' is string",
        ),
        (
            "given: deal.tier",
            "given: deal.buyer",
            "deal.buyer may be government, enterprise, person, "
            "which fact 'tier' never is (it is one of economic, potential)",
        ),
        (
            "  tier: {type: string, values: [economic, potential]}",
            "  tier: {type: string}",
            "deal.tier may hold any text, but fact 'tier' is one of economic, potential",
        ),
        ("given: deal.tier", "message: differs", "fact 'tier' has a message but no given"),
        ("given: deal.tier", "given: deal.nothing", "nothing"),
        (
            "when: deal.buyer == 'government'",
            "when: facts.tier == 'economic'",
            "a category's when may read deal fields and params only, not facts.tier",
        ),
        ("when: deal.buyer == 'government'", "when: as_of > deal.since", "not as_of"),
    ],
)
def test_misuse_is_a_located_lint_error(old: str, new: str, says: str) -> None:
    text = PLAYBOOK.replace(old, new).replace(
        "  tier: {type: string, values", "  since: {type: date}\n  tier: {type: string, values"
    )
    at = "given:" if "values" in old else new.strip()  # where the problem is reported
    line = next(i for i, t in enumerate(text.splitlines(), 1) if at in t)
    problems = lint(text)
    assert any(p.startswith(f"{line}:") and says in p for p in problems), problems


def test_the_findings_rule_id_is_a_rule_id_like_any_other() -> None:
    text = PLAYBOOK + textwrap.dedent(
        """\
        rules:
          - {id: TIER, title: Tier, when: deal.revenue > 0, then: warn, message: tier}
        """
    )
    problems = lint(text)
    assert any("rule id 'TIER' is used twice" in p for p in problems), problems


def test_kam_lint_prints_file_line_col_and_a_hint(tmp_path: Any) -> None:
    path = tmp_path / "pb.yaml"
    path.write_text(PLAYBOOK.replace("given: deal.tier", "given: deal.revenue"), encoding="utf-8")
    out = CliRunner().invoke(main, ["lint", str(path)])
    assert out.exit_code == 2
    assert f"{path}:17:12:" in out.output
    assert "give a deal field of type string" in out.output


def test_a_deal_schema_needs_no_category_only_when_one_can_be_derived(pb: engine.Playbook) -> None:
    assert "category" not in pb.deal_schema()["required"]
    plain = engine.loads_playbook(
        textwrap.dedent(PLAYBOOK).replace("    when: deal.buyer", "    description: deal.buyer")
    )
    assert "category" in plain.deal_schema()["required"]


@pytest.mark.parametrize(
    ("buyer", "code", "says"),
    [
        ("government", 0, "Government procurement"),
        ("person", 2, "$.category: no category is given"),
    ],
)
def test_kam_validate_derives_or_refuses_the_category(
    tmp_path: Any, buyer: str, code: int, says: str
) -> None:
    (tmp_path / "pb.yaml").write_text(PLAYBOOK, encoding="utf-8")
    (tmp_path / "deal.json").write_text(
        f'{{"id": "D-1", "stage": "open", "buyer": "{buyer}"}}', encoding="utf-8"
    )
    out = CliRunner().invoke(
        main,
        [
            "validate",
            "-p",
            str(tmp_path / "pb.yaml"),
            str(tmp_path / "deal.json"),
            "--as-of",
            "2026-03-02",
        ],
    )
    assert out.exit_code == code, out.output
    assert says in out.output
