"""Every rule of playbooks/auto-dealer.yaml, both ways and at its boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from .conftest import AS_OF, fired


def line(**kw):
    out = {
        "model": "Van V3",
        "quantity": 5,
        "unit_price": 100,
        "list_price": 100,
        "floor_price": 1,
        "retail_price": 1000,
    }
    out.update(kw)
    return out


def test_base_deal_is_clean(check, deal):
    result = check(deal)
    assert result.status == "ok"
    assert fired(result) == set()
    assert {m.to: m.allowed for m in result.transitions} == {"closing": True, "lost": False}


# -- P1/P2/P3: the key-account incentive ----------------------------------------------------


@pytest.mark.parametrize(
    ("quantities", "eligible"),
    [
        ([5], True),  # exactly the group minimum
        ([4], False),
        ([3, 2], True),  # different models add up
        ([2, 2], False),
    ],
)
def test_p2_group_minimum(check, deal, quantities, eligible):
    deal["lines"] = [line(model=f"M{i}", quantity=q) for i, q in enumerate(quantities)]
    result = check(deal)
    assert result.facts["incentive_eligible"] is eligible
    assert ("P2" in fired(result)) is not eligible
    if not eligible:
        (v,) = [v for v in result.violations if v.rule == "P2"]
        assert v.severity == "warn"
        assert "below the 5-unit group minimum" in v.message
        assert result.status == "ok"  # a warning does not change the status


def test_p1_government_has_no_minimum(check, deal):
    deal.update(
        category="government_procurement",
        tender=False,
        documents=["procurement_center_contract", "purchase_list"],
    )
    deal["lines"] = [line(quantity=1)]
    result = check(deal)
    assert result.facts["incentive_eligible"] is True
    assert "P2" not in fired(result)


def test_p1_state_organ_has_no_minimum(check, deal):
    deal["customer"]["state_organ"] = True
    deal["lines"] = [line(quantity=1)]
    assert "P2" not in fired(check(deal))


@pytest.mark.parametrize(("batch", "eligible"), [(10, True), (9, False)])
def test_p3_large_batch_this_year(check, deal, batch, eligible):
    deal["customer"]["largest_batch_this_year"] = batch
    deal["lines"] = [line(quantity=1)]
    assert ("P2" in fired(check(deal))) is not eligible


def test_p2_without_lines_asks_for_them(check, deal):
    del deal["lines"]
    result = check(deal)
    assert "P2" not in fired(result)
    (m,) = [m for m in result.missing_information if m.rule == "P2"]
    assert m.fields == ("lines",)
    assert "record Order lines (lines)" in m.message
    assert result.status == "needs_information"


# -- P5 a territory several dealers share (复合辖区) ---------------------------------------------


def test_p5_shared_territory_needs_manufacturer(check, deal):
    deal["customer"]["shared_territory"] = True
    result = check(deal)
    (a,) = result.approvals
    assert (a.rule, a.role, a.status) == ("P5", "manufacturer", "pending")
    assert "territory Chaoyang is shared by several dealers" in a.message
    assert result.status == "needs_approval"


def test_p5_outside_the_own_territory_alone_is_not_p5(check, deal):
    deal["customer"]["territory"] = "Tianjin"  # not shared: the guide's P5 does not speak of it
    assert "P5" not in fired(check(deal))


def test_p5_unknown_sharing_is_asked_not_passed(check, deal):
    del deal["customer"]["shared_territory"]
    result = check(deal)
    assert result.status == "needs_information"
    assert not [v for v in result.violations if v.rule == "P5"]
    (asked,) = [m for m in result.missing_information if m.rule == "P5"]
    assert asked.fields == ("customer.shared_territory",)


def test_p5_granted_by_someone_else(check, deal):
    deal["customer"]["shared_territory"] = True
    deal["approvals"] = [{"role": "manufacturer", "by": "region.north", "decision": "approved"}]
    result = check(deal)
    assert result.approvals[0].status == "granted"
    assert result.approvals[0].granted_by == "region.north"
    assert result.status == "ok"


def test_p5_self_approval_does_not_count(check, deal):
    deal["customer"]["shared_territory"] = True
    deal["approvals"] = [{"role": "manufacturer", "by": deal["owner"], "decision": "approved"}]
    assert check(deal).approvals[0].status == "pending"


def test_p5_later_rejection_withdraws_the_approval_and_stands(check, deal):
    deal["customer"]["shared_territory"] = True
    deal["approvals"] = [
        {"role": "manufacturer", "by": "region.north", "decision": "approved"},
        {"role": "manufacturer", "by": "region.north", "on": "2026-02-01",
         "decision": "rejected", "comment": "not your territory"},
    ]  # fmt: skip
    result = check(deal)
    (a,) = result.approvals
    assert (a.status, a.rejected_by, a.reason) == ("rejected", "region.north", "not your territory")
    assert a.rejected_on == date(2026, 2, 1)
    assert result.status == "blocked"
    # P5 has no basis: only the approver reconsidering lifts it
    deal["approvals"].append({"role": "manufacturer", "by": "region.north", "decision": "approved"})
    assert check(deal).approvals[0].status == "granted"


def test_p5_same_territory_needs_nothing(check, deal):
    assert "P5" not in fired(check(deal))


def test_p5_message_in_chinese_is_chinese(check, deal):
    deal["customer"]["shared_territory"] = True
    deal["customer"]["territory"] = "朝阳"
    (a,) = check(deal, lang="zh").approvals
    assert a.message == (
        "客户所在辖区朝阳为复合辖区（多家经销商共有）：请在销售前向厂家申请授权，以保护本经销商对该客户的权益"
    )


# -- P8 a false bulk-sale report, P9 dealers claiming one account --------------------------------


def test_p8_fine_is_exactly_three_times_the_gain_in_both_languages(check, deal):
    deal["false_report"] = {"found_on": "2026-02-27", "improper_gain": Decimal("0.01")}
    result = check(deal)
    assert result.status == "blocked"
    (en,) = [v.message for v in result.violations if v.rule == "P8"]
    assert "the fine is 3 times the improper gain of 0.01: 0.03;" in en
    zh = next(v for v in check(deal, lang="zh").violations if v.rule == "P8").message
    assert zh == (
        "本单大宗批售资料已于 2026-02-27 查实虚报：罚款为不正当所得 0.01 的 3 倍，共 0.03；"
        "请更正资料并缴纳罚款后再继续"
    )


def test_p8_without_a_finding_nothing_is_said(check, deal):
    assert "P8" not in fired(check(deal))


def test_p9_rival_ahead_in_chinese(check, deal):
    deal["filing"] = {
        "filed_on": "2026-01-05",
        "development_work": True,
        "preferred_by_customer": False,
    }
    deal["rival_claims"] = [
        {
            "dealer": "丰台汽车",
            "filed_on": "2026-01-04",
            "development_work": True,
            "preferred_by_customer": False,
        }
    ]
    (v,) = [v for v in check(deal, lang="zh").violations if v.rule == "P9"]
    assert v.message == (
        "经销商丰台汽车也报备了该客户且排在本经销商之前：该经销商于 2026-01-04 报备，早于本经销商"
        "（2026-01-05）；厂家按客户意愿、开拓情况、报备先后的顺序支持经销商：请先与厂家确认客户归属，再继续投入"
    )


# -- P6 / P7 price rules -----------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "blocked"), [(110, False), (Decimal("110.01"), True)])
def test_p6_above_retail_blocks(check, deal, unit, blocked):
    deal["lines"] = [line(unit_price=unit, list_price=unit, retail_price=110)]
    result = check(deal)
    assert ("P6" in fired(result)) is blocked
    assert (result.status == "blocked") is blocked
    if blocked:
        assert "above its retail price 110.00" in result.violations[0].message


@pytest.mark.parametrize(("unit", "needs"), [(90, False), (Decimal("89.99"), True)])
def test_p7_below_floor_needs_marketing_director(check, deal, unit, needs):
    deal["lines"] = [line(unit_price=unit, list_price=unit, floor_price=90)]
    result = check(deal)
    assert ("P7" in fired(result)) is needs
    if needs:
        assert [(a.rule, a.role) for a in result.approvals] == [("P7", "marketing_director")]


# -- DISCOUNT decision table -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "list_price", "role"),
    [
        (100, 100, None),
        (95, 100, None),  # exactly 5.00%: not over 5%
        (Decimal("94.99"), 100, "key_account_manager"),
        (90, 100, "key_account_manager"),  # exactly 10.00% is not over 10%
        (Decimal("0.90"), Decimal("1.00"), "key_account_manager"),
        (Decimal("89.99"), 100, "marketing_director"),
        (85, 100, "marketing_director"),  # exactly 15%
        (Decimal("84.99"), 100, "general_manager"),
        (50, 100, "general_manager"),
    ],
)
def test_discount_tiers(check, deal, unit, list_price, role):
    deal["lines"] = [line(unit_price=unit, list_price=list_price)]
    result = check(deal)
    roles = [a.role for a in result.approvals if a.rule == "DISCOUNT"]
    assert roles == ([role] if role else [])  # only the highest tier is required


def test_discount_message_says_what_clears_it(check, deal):
    deal["lines"] = [line(unit_price=82, list_price=100)]
    (a,) = check(deal).approvals
    assert a.message == (
        "discount 18.00% is above the 15% tier: needs approval by the general manager, "
        "or bring the discount to 15% or less"
    )


def test_discount_message_in_chinese(check, deal):
    deal["lines"] = [line(unit_price=82, list_price=100)]
    (a,) = check(deal, lang="zh").approvals
    assert a.message == "折扣 18.00% 超过 15% 档：须总经理审批，或把折扣降到 15% 以内"


def test_discount_over_many_lines_is_exact(check, deal):
    # 500 lines of 19.99 against 20.00: a float sum would drift (9995.000000000056)
    deal["lines"] = [
        line(unit_price=Decimal("19.99"), list_price=Decimal("20.00"), quantity=1, model=f"M{i}")
        for i in range(500)
    ]
    result = check(deal)
    assert sum([19.99] * 500) != 9995.0
    assert result.facts["amount"] == Decimal("9995.00")
    assert result.facts["discount"] == Decimal("0.0005")


def test_discount_unknown_without_list_prices(check, deal):
    deal["lines"] = [{"model": "X", "quantity": 5, "unit_price": 100}]
    result = check(deal)
    assert result.facts["discount"] is None
    (asked,) = [m for m in result.missing_information if m.rule == "DISCOUNT"]
    assert asked.fields == ("lines[0].list_price",)
    assert "(lines[0].list_price)" in asked.message


def test_discount_with_zero_list_amount_is_unknown_not_a_crash(check, deal):
    deal["lines"] = [line(unit_price=0, list_price=0)]
    result = check(deal)
    assert result.facts["discount"] is None
    assert result.status == "needs_information"  # a tier no one can tell is asked, not passed
    (asked,) = [m for m in result.missing_information if m.rule == "DISCOUNT"]
    assert asked.message == (
        "cannot check Discount approval tiers: the amount at list price is 0, so the discount"
        " off list price cannot be worked out"
    )


# -- credit: C1, CREDIT-LIMIT, CREDIT-OVERDUE, C4 -----------------------------------------------


@pytest.mark.parametrize(
    ("method", "limit", "blocked"),
    [
        ("credit", 0, True),
        ("credit", None, True),  # no limit at all
        ("credit", 1, False),
        ("cash", 0, False),
    ],
)
def test_c1_credit_needs_a_limit(check, deal, method, limit, blocked):
    deal["payment"]["method"] = method
    if limit is None:
        del deal["customer"]["credit_limit"]
    else:
        deal["customer"]["credit_limit"] = limit
    assert ("C1" in fired(check(deal))) is blocked


@pytest.mark.parametrize(
    ("receivables", "needs"),
    [
        (500, False),  # 500 + 500 == limit: not above
        (Decimal("500.01"), True),
    ],
)
def test_credit_limit_exposure(check, deal, receivables, needs):
    deal["payment"]["method"] = "credit"
    deal["customer"].update(credit_limit=1000, receivables=receivables)
    result = check(deal)
    assert ("CREDIT-LIMIT" in fired(result)) is needs
    assert result.facts["exposure"] == receivables + 500


def test_credit_limit_ignores_cash_deals(check, deal):
    deal["customer"].update(credit_limit=10, receivables=10_000)
    assert "CREDIT-LIMIT" not in fired(check(deal))


@pytest.mark.parametrize(("days", "blocked"), [(90, False), (91, True), (0, False)])
def test_credit_overdue_blocks_beyond_90_days(check, deal, days, blocked):
    deal["customer"]["overdue_days"] = days
    result = check(deal)
    assert ("CREDIT-OVERDUE" in fired(result)) is blocked
    assert (result.status == "blocked") is blocked


def test_credit_overdue_unknown_is_asked(check, deal):
    del deal["customer"]["overdue_days"]
    result = check(deal)
    assert not result.violations
    (asked,) = result.missing_information
    assert (asked.rule, asked.fields) == ("CREDIT-OVERDUE", ("customer.overdue_days",))


@pytest.mark.parametrize(
    ("checked_on", "needs"),
    [
        ("2025-03-02", False),  # exactly 365 days before as_of
        ("2025-03-01", True),  # 366 days
        (None, False),  # never investigated: C1 blocks, C4 does not say "again"
    ],
)
def test_c4_stale_credit_check(check, deal, checked_on, needs):
    deal["payment"]["method"] = "credit"
    if checked_on is None:
        del deal["customer"]["credit_checked_on"]
    else:
        deal["customer"]["credit_checked_on"] = checked_on
    result = check(deal)
    actions = [a for a in result.actions if a.rule == "C4"]
    assert bool(actions) is needs
    if needs:
        (a,) = actions
        assert (a.id, a.assignee, a.due) == (
            "refresh_credit_check",
            "key_account_specialist",
            date(2026, 3, 9),
        )
        assert "investigate the credit again" in a.message
    else:
        assert ("C1" in fired(result)) is (checked_on is None)


def test_c4_not_for_cash(check, deal):
    del deal["customer"]["credit_checked_on"]
    assert "C4" not in fired(check(deal))


# -- documents by category: V-GP, V-SP, V-DE, and the invoice ------------------------------------


def _missing(result, to):
    (move,) = [m for m in result.transitions if m.to == to]
    return move


@pytest.mark.parametrize(
    ("tender", "needed"),
    [
        (True, ["procurement_center_contract", "bid_award_notice"]),
        (False, ["procurement_center_contract", "purchase_list"]),
    ],
)
def test_v_gp_documents_to_enter_closing(check, deal, tender, needed):
    deal.update(category="government_procurement", tender=tender, documents=[])
    result = check(deal)
    move = _missing(result, "closing")
    assert not move.allowed
    assert [(g.kind, g.id, g.rule) for g in move.missing] == [
        ("document", d, "V-GP") for d in needed
    ]
    actions = [(a.rule, a.id, a.assignee, a.due) for a in result.actions]
    assert actions == [
        ("V-GP", f"provide:{d}", "key_account_specialist", date(2026, 3, 5)) for d in needed
    ]
    deal["documents"] = needed
    result = check(deal)
    assert _missing(result, "closing").allowed
    assert result.actions == ()


def test_v_gp_unknown_tender_asks_for_both(check, deal):
    deal.update(category="government_procurement", documents=["procurement_center_contract"])
    ids = {g.id for g in _missing(check(deal), "closing").missing}
    assert ids == {"bid_award_notice", "purchase_list"}


def test_documents_are_not_asked_for_early(check, deal):
    deal.update(category="government_procurement", tender=True, documents=[], stage="visit")
    deal["visits"] = [{"on": "2026-02-01", "record_filed": True}]
    assert check(deal).actions == ()


def test_v_sp_documents(check, deal):
    deal.update(category="system_purchasing", documents=["purchase_list"])
    deal.update(using_units=["Haidian Branch"], subordinate_units=["Haidian Branch"])
    move = _missing(check(deal), "closing")
    assert [(g.id, g.rule) for g in move.missing] == [("unified_purchase_contract", "V-SP")]


@pytest.mark.parametrize(
    ("units", "blocked"),
    [
        (["Haidian Branch"], False),
        (["Haidian Branch", "Traffic Corps"], True),
    ],
)
def test_v_sp_using_units_must_be_subordinate(check, deal, units, blocked):
    deal.update(
        category="system_purchasing",
        documents=["unified_purchase_contract", "purchase_list"],
        using_units=units,
        subordinate_units=["Haidian Branch", "Xicheng Branch"],
    )
    result = check(deal)
    assert ("V-SP" in fired(result)) is blocked
    if blocked:
        assert "Traffic Corps" in result.violations[0].message
        assert "Haidian Branch" not in result.violations[0].message


@pytest.mark.parametrize(
    ("outside", "more"), [(20, ""), (21, " and 1 more"), (999, " and 979 more")]
)
def test_v_sp_names_the_first_twenty_units_outside_and_counts_the_rest(check, deal, outside, more):
    """1,000 long unit names made a message over the size limit: the title stood in for it."""
    units = [f"Unit {i:04d} " + "z" * 150 for i in range(outside)]
    deal.update(
        category="system_purchasing",
        documents=["unified_purchase_contract", "purchase_list"],
        using_units=["Haidian Branch", *units],
        subordinate_units=["Haidian Branch"],
    )
    (v,) = check(deal).violations
    assert v.message.startswith(f"the invoices name {outside} using units that are not ")
    assert units[19] in v.message
    if outside > 20:
        assert units[20] not in v.message
    assert v.message.endswith(
        f"{more}; correct the invoices or prove the units belong to the buyer"
    )


@pytest.mark.parametrize(
    ("state_organ", "needed"),
    [
        (True, ["sales_invoice"]),
        (False, ["sales_invoice", "vehicle_registrations"]),
        # unknown: whether they are needed is asked (an "information" item), not demanded
        (None, ["sales_invoice", "vehicle_registrations"]),
    ],
)
def test_v_sp_registrations_to_enter_follow_up(check, deal, state_organ, needed):
    deal.update(category="system_purchasing", stage="delivery", documents=[])
    deal.update(using_units=["Haidian Branch"], subordinate_units=["Haidian Branch"])
    if state_organ is None:
        del deal["customer"]["state_organ"]
    else:
        deal["customer"]["state_organ"] = state_organ
    result = check(deal)
    move = _missing(result, "follow_up")
    assert [g.id for g in move.missing] == needed
    asked = state_organ is None
    assert (move.missing[-1].kind == "information") is asked
    assert ("provide:vehicle_registrations" in {a.id for a in result.actions}) is (
        needed[-1:] == ["vehicle_registrations"] and not asked
    )
    assert [m.fields for m in result.missing_information] == (
        [("customer.state_organ",)] if asked else []
    )


def test_sales_invoice_to_enter_follow_up(check, deal):
    deal.update(stage="delivery", documents=["contract"], registration_owners=["ACME Logistics"])
    result = check(deal)
    move = _missing(result, "follow_up")
    assert [(g.id, g.rule) for g in move.missing] == [("sales_invoice", "V-INVOICE")]
    deal["documents"] = ["contract", "sales_invoice"]
    assert _missing(check(deal), "follow_up").allowed


def test_v_de_contract_to_enter_closing(check, deal):
    deal["documents"] = []
    move = _missing(check(deal), "closing")
    assert [(g.id, g.rule) for g in move.missing] == [("contract", "V-DE")]


@pytest.mark.parametrize(
    ("contract", "invoice", "owners", "blocked"),
    [
        ("ACME", "ACME", ["ACME"], False),
        ("ACME", "ACME Ltd", ["ACME"], True),
        ("ACME", "ACME", ["ACME", "Other Co"], True),
        ("ACME", None, ["Other Co"], True),  # a known difference blocks at once
        ("ACME", None, ["ACME"], False),
        (None, "ACME", ["Other Co"], True),
        (None, "ACME", None, False),  # one name alone: nothing to compare yet
        (
            "顺达物流（北京）有限公司",
            "顺达物流(北京)有限公司",
            ["顺达物流 【北京】 有限公司"],
            False,
        ),
        ("ＡＣＭＥ", "acme", ["Acme "], False),
        ("顺达物流有限公司", "顺达物留有限公司", None, True),  # one character apart
    ],
)
def test_v_de_names_must_match(check, deal, contract, invoice, owners, blocked):
    for key, value in (
        ("contract_customer", contract),
        ("invoice_customer", invoice),
        ("registration_owners", owners),
    ):
        deal.pop(key, None)
        if value is not None:
            deal[key] = value
    assert ("V-DE" in fired(check(deal))) is blocked


@pytest.mark.parametrize(
    ("invoice", "needs"),
    [
        ("ACME Logistics", []),
        # two names recorded that differ also block (V-DE), which holds the all_clear move
        ("ACME Logistics Ltd", ["V-DE-NAMES", "V-DE"]),
        (None, ["V-DE-NAMES"]),
    ],
)
def test_v_de_names_before_delivery(check, deal, invoice, needs):
    deal.update(stage="closing")
    deal.pop("invoice_customer")
    if invoice is not None:
        deal["invoice_customer"] = invoice
    move = _missing(check(deal), "delivery")
    assert [g.id for g in move.missing] == needs
    assert move.allowed is not needs


def test_v_de_names_are_not_asked_of_other_categories(check, deal):
    deal.update(category="government_procurement", stage="closing", tender=False)
    deal.pop("invoice_customer")
    assert _missing(check(deal), "delivery").allowed


# -- the sales flow: visits, decision maker, coach, closing, lost ------------------------------


def test_visit_record_action_per_unfiled_visit(check, deal):
    deal["visits"] = [
        {"on": "2026-02-20", "record_filed": True},
        {"on": "2026-02-27"},
        {"on": "2026-03-01", "record_filed": False},
    ]
    actions = [a for a in check(deal).actions if a.rule == "VISIT-RECORD"]
    assert [(a.id, a.due) for a in actions] == [
        ("file_visit_record", date(2026, 2, 28)),
        ("file_visit_record", date(2026, 3, 2)),
    ]


@pytest.mark.parametrize(
    ("visits", "allowed"),
    [
        ([{"on": "2026-02-20", "record_filed": True}], True),
        ([{"on": "2026-02-20"}], False),
        ([], False),
    ],
)
def test_visit_record_guards_needs_confirmed(check, deal, visits, allowed):
    deal.update(stage="visit", visits=visits)
    move = _missing(check(deal), "needs_confirmed")
    assert move.allowed is allowed
    if not allowed:
        assert [g.id for g in move.missing] == ["VISIT-RECORD"]


@pytest.mark.parametrize(
    ("contacts", "missing"),
    [
        ([{"name": "A", "role": "decision_maker", "coach": True}], []),
        ([{"name": "A", "role": "user", "coach": True}], ["DECISION-MAKER"]),
        ([{"name": "A", "role": "decision_maker"}], ["COACH"]),
        ([], ["DECISION-MAKER", "COACH"]),
    ],
)
def test_decision_maker_and_coach_guard_negotiation(check, deal, contacts, missing):
    deal.update(stage="needs_confirmed", contacts=contacts)
    move = _missing(check(deal), "negotiation")
    assert [g.id for g in move.missing] == missing


@pytest.mark.parametrize(
    ("attitude", "warned"), [("opponent", True), ("neutral", False), (None, False)]
)
def test_decision_maker_opponent_warns(check, deal, attitude, warned):
    contact = {"name": "Xu", "role": "decision_maker"}
    if attitude:
        contact["attitude"] = attitude
    deal["contacts"] = [contact]
    result = check(deal)
    assert ("DECISION-MAKER" in fired(result)) is warned
    if warned:
        assert result.violations[0].severity == "warn"
        assert "Xu" in result.violations[0].message


def test_closing_needs_all_clear(check, deal):
    deal["customer"]["shared_territory"] = True
    deal["lines"] = [line(unit_price=111, list_price=111, retail_price=110)]
    move = _missing(check(deal), "closing")
    assert [(g.kind, g.id) for g in move.missing] == [("clear", "P6"), ("approval", "manufacturer")]
    deal["lines"] = [line()]
    deal["approvals"] = [{"role": "manufacturer", "by": "x", "decision": "approved"}]
    assert _missing(check(deal), "closing").allowed


@pytest.mark.parametrize("stage", ["prospecting", "negotiation", "retention"])
def test_lost_needs_a_reason_from_any_open_stage(check, deal, stage):
    deal["stage"] = stage
    assert [g.id for g in _missing(check(deal), "lost").missing] == ["LOST-REASON"]
    deal["lost_reason"] = "budget cut"
    assert _missing(check(deal), "lost").allowed


def test_lost_is_terminal(check, deal):
    deal.update(stage="lost", lost_reason="budget cut")
    assert check(deal).transitions == ()


# -- facts ----------------------------------------------------------------------------------


def test_weighted_amount_follows_stage(check, deal):
    for stage, win in [("prospecting", "0.05"), ("negotiation", "0.30"), ("follow_up", "1")]:
        deal["stage"] = stage
        result = check(deal)
        assert result.facts["win_probability"] == Decimal(win)
        assert result.facts["weighted_amount"] == Decimal(500) * Decimal(win)


def test_as_of_is_recorded(check, deal):
    assert check(deal, as_of=AS_OF).as_of == AS_OF


# -- how a discount below zero reads (review item 14) ---------------------------------------


@pytest.mark.parametrize(
    ("unit_price", "lang", "shown"),
    [
        (103.5, "en", "Discount off list price: 3.5% above list price"),
        (103.5, "zh", "折扣率: 高于指导价 3.5%"),
        (96.5, "en", "Discount off list price: 3.5%"),
        (100, "en", "Discount off list price: 0.0%"),
    ],
)
def test_a_price_above_list_reads_as_above_list_not_a_negative_discount(
    check, deal, auto_dealer, unit_price, lang, shown
):
    from engine.present.render import result_text

    deal["lines"] = [line(unit_price=unit_price)]
    result = check(deal, lang=lang)
    assert shown in result_text(result, auto_dealer.model)
    assert result.facts["discount"] == 1 - Decimal(str(unit_price)) / 100  # the JSON stays exact


@pytest.mark.parametrize(
    ("fact", "problem"),
    [
        ("type: string\n    value: \"'x'\"\n    below_zero: above", "this fact is not a number"),
        ("type: percent\n    value: 1 - 1\n    below_zero: above list", "write {value}"),
    ],
)
def test_lint_checks_below_zero(fact, problem):
    import engine

    text = f"""id: t
version: "1"
categories: {{a: {{label: A}}}}
stages: [s]
facts:
  f:
    {fact}
"""
    with pytest.raises(engine.PlaybookError) as err:
        engine.loads_playbook(text, file="t.yaml")
    assert any(problem in d.message for d in err.value.diagnostics), err.value.diagnostics
