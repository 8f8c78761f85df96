"""The condition language: what it computes (both evaluators) and what it refuses, where."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.compile.codegen import ModuleBuilder
from engine.lang import expressions as ex
from engine.lang import types as T
from engine.run import reference as rt

LINE = T.object_of({"quantity": T.INTEGER, "price": T.MONEY, "list": T.MONEY, "tag": T.STRING})
DEAL = T.object_of(
    {
        "category": T.Type("string", values=("gov", "corp")),
        "lines": T.list_of(LINE),
        "amount": T.MONEY,
        "rate": T.PERCENT,
        "signed_on": T.DATE,
        "flag": T.BOOL,
        "name": T.STRING,
        "docs": T.list_of(T.STRING),
        "customer": T.object_of({"limit": T.MONEY, "items": T.INTEGER}),
    }
)
SCOPE = ex.Scope(
    deal=DEAL,
    facts={"total": T.MONEY},
    stage=T.object_of({"id": T.STRING}),
    params={
        "min_units": (5, T.INTEGER),
        "tier": (Decimal("0.10"), T.PERCENT),
        "codes": (("A", "B"), T.list_of(T.STRING)),
    },
)
VALUES = {
    "category": "corp",
    "lines": [
        {"quantity": 3, "price": Decimal("95"), "list": Decimal("100"), "tag": "a"},
        {"quantity": 2, "price": Decimal("90"), "list": Decimal("100"), "tag": "b"},
    ],
    "amount": Decimal("1000.50"),
    "rate": Decimal("0.10"),
    "signed_on": date(2026, 1, 31),
    "flag": True,
    "name": "ACME",
    "docs": ["contract"],
    "customer": {"limit": Decimal("0"), "items": 3},
}
FACTS = {"total": Decimal("465")}
AS_OF = date(2026, 3, 2)


def both(text, deal=None, facts=None, expect=None):
    """Evaluate with the interpreter and with generated code; they must agree."""
    checked = ex.check(text, SCOPE, expect)
    assert checked.problems == [], checked.problems
    deal = VALUES if deal is None else deal
    facts = FACTS if facts is None else facts
    env = rt.Env(deal, facts, {"id": "open"}, AS_OF)
    mb = ModuleBuilder(rounding="ROUND_HALF_EVEN")
    name = mb.function(checked.node)
    fn = mb.compile("test")[name]
    outcomes = []
    for run in (
        lambda: rt.interpret(checked.node, env),
        lambda: fn(deal, facts, {"id": "open"}, AS_OF, {}),
    ):
        try:
            outcomes.append(("value", run()))
        except rt.Unknown as u:
            outcomes.append(("unknown", u.reason.split(" is missing")[0].split(".")[-1]))
    assert outcomes[0] == outcomes[1]
    return outcomes[0][1] if outcomes[0][0] == "value" else ("unknown", outcomes[0][1])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("deal.amount > 1000", True),
        ("deal.amount >= 1000.50", True),
        ("deal.amount > 1000.50", False),
        ("deal.rate > 10%", False),  # exactly 10.00% is not over 10%
        ("deal.rate >= 10%", True),
        ("deal.rate > params.tier", False),
        ("deal.rate == 0.1", True),  # Decimal: 0.10 == 0.1
        ("sum(l.quantity for l in deal.lines)", 5),
        ("sum(l.quantity for l in deal.lines) >= params.min_units", True),
        ("sum(l.price * l.quantity for l in deal.lines)", Decimal("465")),
        (
            "1 - sum(l.price * l.quantity for l in deal.lines) / sum(l.list * l.quantity for l in deal.lines)",
            Decimal("0.07"),
        ),
        ("any(l.price > 94 for l in deal.lines)", True),
        ("all(l.price > 94 for l in deal.lines)", False),
        ("count(l for l in deal.lines if l.quantity > 2)", 1),
        ("count(deal.lines)", 2),
        ("min(l.price for l in deal.lines)", Decimal("90")),
        ("max(deal.amount, 2000)", 2000),
        ("len(deal.docs)", 1),
        ("'contract' in deal.docs", True),
        ("'invoice' not in deal.docs", True),
        ("deal.category in ['gov', 'corp']", True),
        ("deal.name in params.codes", False),
        ("days_between(deal.signed_on, as_of)", 30),
        ("add_days(deal.signed_on, 1)", date(2026, 2, 1)),
        ("round(deal.amount / 3, 2)", Decimal("333.50")),
        ("abs(0 - deal.amount)", Decimal("1000.50")),
        ("lower(deal.name) == 'acme'", True),
        ("deal.customer.items", 3),  # a field called items, not dict.items
        ("facts.total / 2", Decimal("232.5")),
        ("'big' if deal.amount > 1000 else 'small'", "big"),
        ("not deal.flag or deal.amount < 0", False),
        ("0 < deal.customer.items <= 3", True),
        ("-deal.amount", Decimal("-1000.50")),
        ("present(deal.amount) and missing(deal.nothing_here)", None),  # unknown field: refused
    ],
)
def test_values(text, value):
    if value is None:
        assert ex.check(text, SCOPE).problems
        return
    assert both(text) == value


def test_absent_values_are_unknown_not_false():
    deal = {**VALUES, "customer": {}}
    assert both("deal.customer.limit > 0", deal) == ("unknown", "limit")
    assert both("present(deal.customer.limit)", deal) is False
    assert both("missing(deal.customer.limit)", deal) is True
    assert both("deal.customer.limit == null", deal) is True
    assert both("deal.customer.limit != null", deal) is False
    assert both("if_missing(deal.customer.limit, 5)", deal) == 5
    assert both("if_missing(deal.customer.limit, 5)") == Decimal("0")
    # three-valued: a known true side decides 'or' on either side of an unknown one
    assert both("deal.flag or deal.customer.limit > 0", deal) is True
    assert both("deal.customer.limit > 0 or deal.flag", deal) is True
    assert both("deal.customer.limit > 0 or not deal.flag", deal) == ("unknown", "limit")
    # ... and a known false side decides 'and'
    assert both("deal.customer.limit > 0 and not deal.flag", deal) is False
    assert both("deal.customer.limit > 0 and deal.flag", deal) == ("unknown", "limit")


def test_absent_list_items_are_unknown():
    deal = {**VALUES, "lines": [{"quantity": 1}]}
    assert both("any(l.price > 1 for l in deal.lines)", deal) == ("unknown", "price")
    env = rt.Env(deal, FACTS, {}, AS_OF)
    node = ex.check("any(l.price > 1 for l in deal.lines)", SCOPE).node
    with pytest.raises(rt.Unknown) as info:
        rt.interpret(node, env)
    assert info.value.reason == "deal.lines[0].price is missing"


def test_division_by_zero_and_empty_min_are_unknown():
    assert both("deal.amount / deal.customer.limit") == ("unknown", "division by zero")
    assert both("min(l.price for l in deal.lines if l.quantity > 99)") == (
        "unknown",
        "min() of an empty list",
    )


def test_unknown_facts_say_why():
    facts = {"total": rt.MissingFact("deal.lines is missing", "deal.lines")}
    assert both("facts.total > 1", facts=facts)[0] == "unknown"


@pytest.mark.parametrize(
    ("text", "code", "column", "hint"),
    [
        ("deal.amont > 5", "unknown-name", 5, "did you mean 'amount'?"),
        ("facts.totl > 5", "unknown-name", 6, "did you mean 'total'?"),
        ("params.min_unit > 5", "unknown-name", 7, "did you mean 'min_units'?"),
        ("dael.amount > 5", "unknown-name", 0, "did you mean 'deal'?"),
        ("deal.category == 'goverment'", "unknown-value", 17, "possible: gov, corp"),
        ("deal.amount > '5'", "type", 0, "numbers in quotes are text: write 5, not '5'"),
        ("deal.amount and deal.flag", "type", 5, "compare it: == , != , < , > ..."),
        ("deal.lines", "type", 0, ""),
        (
            "deal.signed_on + 1 > as_of",
            "type",
            5,
            "for dates use days_between(a, b) or add_days(d, n)",
        ),
        ("deal.amount > 5 and", "expression-syntax", 16, "complete or remove the last part"),
        ("deal.amount >", "expression-syntax", 12, "complete or remove the last part"),
        (
            "(deal.amount > 5",
            "expression-syntax",
            0,
            "check that every '(' and '[' is closed and every quote is closed",
        ),
        ("deal.amount = 5", "expression-syntax", 12, ""),
        ("__import__('os').system('x')", "not-allowed", 0, ""),
        ("open('/etc/passwd')", "unknown-function", 0, ""),
        ("deal.__class__", "not-allowed", 5, ""),
        ("deal.customer._secret", "not-allowed", 14, ""),
        ("[x for x in deal.lines]", "not-allowed", 0, ""),
        ("{'a': 1}", "not-allowed", 0, ""),
        ("lambda: 1", "not-allowed", 0, ""),
        (
            "deal.lines[0]",
            "not-allowed",
            0,
            "to look at list items use any(...), all(...) or sum(... for x in list)",
        ),
        ("2 ** 1000000", "not-allowed", 0, "allowed: + - * /"),
        ("deal.amount % 7", "not-allowed", 0, "allowed: + - * /"),
        ("deal.amount is None", "not-allowed", 0, ""),
        ("f'{deal}'", "not-allowed", 0, ""),
        ("(x := 5)", "not-allowed", 1, ""),
        ("sum(l.tag for l in deal.lines)", "type", 6, ""),
        ("any(l.quantity for l in deal.lines)", "type", 6, "usage: any(cond for x in list)"),
        ("len(deal.amount)", "type", 9, ""),
        ("round(deal.amount, deal.customer.items)", "arguments", 33, ""),
        ("days_between(deal.signed_on)", "arguments", 0, ""),
        ("sum(x for x in deal.lines for y in deal.lines)", "not-allowed", 3, ""),
        ("any(deal for deal in deal.lines)", "not-allowed", 13, ""),
        ("(" * 250 + "1" + ")" * 250, "expression-syntax", 200, ""),
        ("+".join(["deal.amount"] * 40) + " > 1", "expression-too-deep", 0, "split it into facts"),
        ("deal.amount > 1" + " " * 1000, "expression-too-long", 0, "split it into facts"),
    ],
)
def test_refusals(text, code, column, hint):
    checked = ex.check(text, SCOPE, T.BOOL)
    assert checked.node is None
    (problem,) = checked.problems
    assert (problem.code, problem.start) == (code, column)
    if hint:
        assert problem.hint == hint


def test_percent_literals_only_outside_text():
    assert both("deal.rate > 5%") is True
    assert both("deal.name == '5%'") is False
    assert ex.check("'50%' == deal.name", SCOPE).problems == []


def test_parameters_are_folded_into_constants():
    node = ex.check("deal.rate > params.tier", SCOPE).node
    assert isinstance(node.right, ex.Const)
    assert node.right.value == Decimal("0.10")


def test_generated_code_holds_no_user_text_as_code():
    checked = ex.check("deal.name == \"x') or __import__('os') or ('\"", SCOPE)
    mb = ModuleBuilder(rounding="ROUND_HALF_EVEN")
    mb.function(checked.node)
    namespace = mb.compile("t")
    assert "__import__('os')" not in namespace["__source__"].replace("\\'", "'").split("==")[0]
    assert namespace["__builtins__"].keys() <= {
        "any",
        "all",
        "sum",
        "len",
        "min",
        "max",
        "abs",
        "enumerate",
        "KeyError",
        "TypeError",
    }
