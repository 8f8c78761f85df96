"""Malformed deals: exit 2 and a one-line reason naming the JSON path; never a traceback."""

from __future__ import annotations

import json

import pytest

from engine.cli import main

from .conftest import AS_OF, AUTO_DEALER, BASE_DEAL

DATED = ("--as-of", AS_OF.isoformat())  # a day auto-dealer.yaml (2026.1) is in force


@pytest.fixture
def validate(tmp_path):
    def run(runner, text, *extra, name="deal.json"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return runner.invoke(
            main, ["validate", str(path), "-p", str(AUTO_DEALER), "--as-of", "2026-03-02", *extra]
        )

    return run


def mutate(path, value):
    deal = json.loads(json.dumps(BASE_DEAL))
    cur = deal
    for key in path[:-1]:
        cur = cur[key]
    if value is KeyError:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return json.dumps(deal)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (mutate(["id"], KeyError), "$.id: is required"),
        (mutate(["category"], "strategic"), "$.category: the text 'strategic' is not one of"),
        (mutate(["stage"], "closed_won"), "$.stage: the text 'closed_won' is not one of"),
        (
            mutate(["lines", 0, "quantity"], -1),
            "$.lines[0].quantity: -1 is less than the allowed 1",
        ),
        (mutate(["lines", 0, "quantity"], 1.5), "$.lines[0].quantity: expected a whole number"),
        (
            mutate(["lines", 0, "quantity"], "5"),
            "$.lines[0].quantity: expected a whole number, found the text '5'",
        ),
        (
            mutate(["lines", 0, "quantity"], True),
            "$.lines[0].quantity: expected a whole number, found true/false",
        ),
        (
            mutate(["lines", 0, "unit_price"], "1,000.00"),
            "$.lines[0].unit_price: expected a number, found the text",
        ),
        (
            mutate(["customer", "credit_limit"], -5),
            "$.customer.credit_limit: -5 is less than the allowed 0",
        ),
        (
            mutate(["customer", "credit_checked_on"], "2026-02-30"),
            "$.customer.credit_checked_on: the text '2026-02-30' is not a valid date",
        ),
        (
            mutate(["payment", "method"], "barter"),
            "$.payment.method: the text 'barter' is not one of: cash, credit",
        ),
        (
            mutate(["documents"], ["contract", "napkin"]),
            "$.documents[1]: the text 'napkin' is not one of",
        ),
        (mutate(["unit_prise"], 5), "$.unit_prise: not a field of this playbook"),
        (
            mutate(["customer", "credit_limt"], 5),
            "$.customer.credit_limt: not a field of this playbook (did you mean 'credit_limit'?)",
        ),
        (
            '{"id": "X", "category": "direct_enterprise", "stage": "visit", "lines": [{"model": "A", "quantity": 1, "unit_price": NaN}]}',
            "$.lines[0].unit_price: NaN is not an allowed number",
        ),
        (
            '{"id": "X", "category": "direct_enterprise", "stage": "visit", "customer": {"credit_limit": Infinity}}',
            "$.customer.credit_limit: Infinity is not an allowed number",
        ),
        (
            '{"id": "X", "category": "direct_enterprise", "stage": "visit", "customer": {"credit_limit": 1e400}}',
            "$.customer.credit_limit: 1E+400 is out of the allowed range",
        ),
        (
            '{"id": "X", "category": "direct_enterprise", "stage": "visit", "customer": {"overdue_days": '
            + "9" * 5000
            + "}}",
            # not the first 24 digits: those are another number, which the user never wrote
            "$.customer.overdue_days: a number of 5,000 digits; at most 30 are allowed",
        ),
        (
            '{"id": "X", "category": "direct_enterprise", "stage": "visit", "customer": {"overdue_days": 1'
            + "0" * 30
            + "}}",  # 10**30 was shown as 100000000000000000000000 (10**23)
            "$.customer.overdue_days: a number of 31 digits; at most 30 are allowed",
        ),
        (
            '{"id": "X", "category": "direct_enterprise", "stage": "visit", "customer": {"credit_limit": 1.'
            + "5" * 45
            + "}}",
            "$.customer.credit_limit: a number written with 47 characters; at most 40 are allowed",
        ),
        (
            '{"id": "X", "id": "Y", "category": "direct_enterprise", "stage": "visit"}',
            "$.id: duplicate key",
        ),
        (
            '{"id": "X", "category": "direct_enterprise", "stage": "visit", "junk": '
            + "[" * 100
            + "]" * 100
            + "}",
            "nesting deeper than 64 levels",
        ),
        (
            '{"id": "X", "category": "direct_enterprise", "stage": "visit", "junk": '
            + "[" * 5000
            + "]" * 5000
            + "}",
            "nesting deeper than 64 levels",
        ),
        ('{"id": "X", "category": ', "not valid JSON"),
        ("[1, 2, 3]", "$: a deal must be an object"),
        ('"just text"', "$: a deal must be an object"),
        (
            '{"id": "X\u202e", "category": "direct_enterprise", "stage": "visit"}',
            "$.id: holds an invisible or direction-changing character",
        ),
    ],
)
def test_malformed_deal_exit_2_with_path(runner, validate, text, expected):
    result = validate(runner, text)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_all_problems_are_reported_at_once(runner, validate):
    deal = json.loads(json.dumps(BASE_DEAL))
    deal["lines"][0]["quantity"] = -1
    deal["lines"][0]["unit_price"] = "cheap"
    del deal["id"]
    result = validate(runner, json.dumps(deal))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert [ln.split(": ")[1] for ln in lines] == [
        "$.id",
        "$.lines[0].quantity",
        "$.lines[0].unit_price",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: X\nid: Y\ncategory: direct_enterprise\nstage: visit\n", "duplicate key 'id'"),
        (
            "id: X\ncategory: direct_enterprise\nstage: visit\nlines: [{model: A, quantity: 1, unit_price: .nan}]\n",
            "$.lines[0].unit_price: expected a number, found the text '.nan'",
        ),
        ("a: &x [1]\nb: *x\n", "anchors (&x) are not allowed"),
        ("id: !!python/object/apply:os.system ['true']\n", "unknown tag"),
        ("id: X\n  category: [\n", "line 2"),
    ],
)
def test_malformed_yaml_deal(runner, validate, text, expected):
    result = validate(runner, text, name="deal.yaml")
    assert result.exit_code == 2, result.output
    assert expected in result.stderr


def test_yaml_deal_keeps_no_and_on_as_text(runner, validate):
    # a YAML 1.1 loader would read NO as false and on as true
    deal = "id: NO\ncategory: direct_enterprise\nstage: visit\nowner: on\n"
    result = validate(runner, deal, "--format", "json", name="deal.yaml")
    assert json.loads(result.stdout)["deal"] == "NO"


def test_fifty_megabyte_deal_is_refused_without_reading_it(runner, tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.write(b'{"id": "X", "pad": "')
        fh.seek(50 * 1024 * 1024)
        fh.write(b'"}')
    result = runner.invoke(main, ["validate", str(big), "-p", str(AUTO_DEALER), *DATED])
    assert result.exit_code == 2
    assert "the limit is 1,000,000" in result.stderr


@pytest.mark.parametrize("args", [["missing.json"], ["."]])
def test_unreadable_deal_paths(runner, args):
    result = runner.invoke(main, ["validate", *args, "-p", str(AUTO_DEALER)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_empty_and_binary_stdin(runner):
    assert runner.invoke(main, ["validate", "-", "-p", str(AUTO_DEALER)], input="").exit_code == 2
    result = runner.invoke(
        main, ["validate", "-", "-p", str(AUTO_DEALER)], input=b"\xff\xfe\x00garbage\x81"
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_invalid_utf8_names_the_byte(runner):
    result = runner.invoke(
        main, ["validate", "-", "-p", str(AUTO_DEALER), *DATED], input=b'{"id": "caf\xe9"}'
    )
    assert result.exit_code == 2
    assert "byte 11 is 0xe9" in result.stderr


def test_json_errors_are_json_on_stdout(runner, validate):
    result = validate(runner, mutate(["id"], KeyError), "--format", "json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["error"] == "deal"
    assert data["problems"] == [{"path": "$.id", "message": "is required"}]


def test_python_floats_become_exact_decimals(auto_dealer):
    from datetime import date
    from decimal import Decimal

    deal = json.loads(json.dumps(BASE_DEAL))
    deal["lines"][0].update(unit_price=19.99, list_price=19.99, quantity=3)
    result = auto_dealer.evaluate(deal, as_of=date(2026, 3, 2))
    assert result.facts["amount"] == Decimal("59.97")


def test_nan_float_from_python_is_refused(auto_dealer):
    from datetime import date

    import engine

    deal = json.loads(json.dumps(BASE_DEAL))
    deal["lines"][0]["unit_price"] = float("nan")
    with pytest.raises(engine.DealError) as info:
        auto_dealer.evaluate(deal, as_of=date(2026, 3, 2))
    assert info.value.problems[0].path == "$.lines[0].unit_price"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # a float below 1e-30 is refused, as the same number written as a Decimal is; the
        # generated checker and the explanation once disagreed (jsonschema accepted it)
        (1e-105, "1e-105 is out of the allowed range"),
        (-1e-31, "-1e-31 is out of the allowed range"),
        (float("inf"), "inf is not an allowed number"),
        (1e16, "1e+16 is not an allowed number"),
    ],
)
def test_numbers_beyond_the_limits_are_refused_from_python(auto_dealer, value, expected):
    from datetime import date

    import engine

    deal = json.loads(json.dumps(BASE_DEAL))
    deal["lines"][0]["unit_price"] = value
    assert auto_dealer.compiled.check(deal) is None
    with pytest.raises(engine.DealError) as info:
        auto_dealer.evaluate(deal, as_of=date(2026, 3, 2))
    assert [(p.path, p.message) for p in info.value.problems] == [
        ("$.lines[0].unit_price", expected)
    ]


def test_smallest_float_is_allowed_and_exact(auto_dealer):
    from decimal import Decimal

    deal = json.loads(json.dumps(BASE_DEAL))
    deal["lines"][0]["unit_price"] = 1e-30
    assert auto_dealer.check_deal(deal)["lines"][0]["unit_price"] == Decimal("1e-30")


def test_a_dict_subclass_is_a_deal_like_any_other(auto_dealer):
    from collections import OrderedDict

    deal = json.loads(json.dumps(BASE_DEAL))
    deal["lines"] = [OrderedDict(line) for line in deal["lines"]]
    assert auto_dealer.check_deal(OrderedDict(deal)) == auto_dealer.check_deal(
        json.loads(json.dumps(BASE_DEAL))
    )


def test_text_beyond_the_reading_limit_is_refused_on_every_path(auto_dealer):
    # a YAML deal could never hold it; a JSON or Python one is now refused the same way
    import engine

    deal = json.loads(json.dumps(BASE_DEAL))
    deal["owner"] = "x" * 100_001
    with pytest.raises(engine.DealError) as info:
        auto_dealer.check_deal(deal)
    assert [(p.path, p.message) for p in info.value.problems] == [("$.owner", "text is too long")]
