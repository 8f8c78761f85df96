"""Names compared as people compare them (same_name, name_diff) and people as the engine
identifies them (owners, approvers, sign-offs): width, case, spaces and bracket style never
make two names differ; one real character always does."""

from __future__ import annotations

from pathlib import Path

import pytest
from click import unstyle

import engine
from engine.cli import main
from engine.lang.formats import RenderFailed, name_diff
from engine.lang.values import Unknown, name_key, same_name, same_person, signed_off
from engine.limits import MAX_NAME_DIFF

from .conftest import AS_OF, PLAYBOOKS

GOLDEN = Path(__file__).parent / "fixtures" / "name-diff.expected"
OFFICE = PLAYBOOKS / "key-account-office.yaml"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("顺达物流（北京）有限公司", "顺达物流(北京)有限公司"),  # full and half width
        ("顺达物流【北京】有限公司", "顺达物流(北京)有限公司"),  # bracket style
        ("顺达物流〔北京〕有限公司", "顺达物流[北京]有限公司"),
        ("顺达物流 (北京) 有限公司", "顺达物流(北京)有限公司"),  # spaces
        ("顺达物流\u3000有限公司", "顺达物流有限公司"),  # an ideographic space
        ("ＡＣＭＥ Logistics", "acme logistics"),  # width and case
        ("ACME\tLogistics\n", "ACMELogistics"),
        ("玛丽·居里", "玛丽居里"),  # a middle dot
        ("Cafe\u0301", "Café"),  # composed or not
    ],
)
def test_the_same_name_however_it_is_typed(a, b):
    assert same_name(a, b)
    assert name_key(a) == name_key(b)
    assert name_diff(a, b) == f"{a} = {b}"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("顺达物流有限公司", "顺达物留有限公司"),  # one character
        ("顺达物流（北京）有限公司", "顺达物流（天津）有限公司"),
        ("顺达物流有限公司", "北京顺达供应链管理有限公司"),
        ("顺达物流有限公司", "顺达物流有限公司（北京）"),  # brackets are not nothing
        ("ACME Logistics", "ACME Logistic"),
        ("", "ACME"),
    ],
)
def test_a_different_name_stays_different(a, b):
    assert not same_name(a, b)
    assert "≠" in name_diff(a, b)


PAIRS = [
    ("顺达物流有限公司", "北京顺达供应链管理有限公司"),
    ("顺达物流有限公司", "【北京】顺达【供应链管理】有限公司"),
    ("顺达物流（北京）有限公司", "顺达物流(天津)有限公司"),
    ("顺达物流有限公司", "顺达物留有限公司"),
    ("ACME Logistics", "ACME Logistics Ltd"),
    ("Shunda New Logistics Co.", "shunda logistics co."),
    ("顺达物流（北京）有限公司", "顺达物流 (北京) 有限公司"),
]


def test_name_diff_marks_where_names_differ(regen):
    text = "".join(f"{a}\n{b}\n-> {name_diff(a, b)}\n\n" for a, b in PAIRS)
    if regen:
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_name_diff_of_long_names_is_bounded():
    long_a = "顺达" * 50_000
    long_b = "顺达" * 49_999 + "物流"
    text = name_diff(long_a, long_b)  # quadratic work on 100,000 characters would hang here
    left, right = text.split(" ≠ ")
    # each side shows at most MAX_NAME_DIFF characters of the name, cut with "…"
    assert left == "顺达" * (MAX_NAME_DIFF // 2) + "…"
    assert right.endswith("…")
    assert len(right) == MAX_NAME_DIFF + 1
    assert not same_name(long_a, long_b)


def test_name_diff_needs_two_names():
    # a message that would compare with an unrecorded name is not written (its title is)
    with pytest.raises(RenderFailed):
        name_diff("ACME", None)


# -- people: owners, approvers, sign-offs ---------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Zhang.Wei ", "zhang.wei", True),
        ("ｚｈａｎｇ.ｗｅｉ", "zhang.wei", True),
        ("zhang  wei", "Zhang Wei", True),
        ("zhang wei", "zhangwei", False),  # a space inside a name is part of it
        ("zhang.wei", "zhang.wen", False),
        (None, "zhang.wei", False),  # nobody recorded is nobody
    ],
)
def test_a_person_is_the_same_however_the_name_is_typed(a, b, same):
    assert same_person(a, b) is same


def test_a_sign_off_counts_in_its_role_by_someone_else():
    sign = {"by": "zhao.min", "role": "key_account_manager"}
    assert signed_off(sign, "key_account_manager", "zhang.wei")
    assert not signed_off(sign, "finance", "zhang.wei")
    assert not signed_off({**sign, "by": " Zhang.Wei"}, "key_account_manager", "zhang.wei")
    with pytest.raises(Unknown):
        signed_off({**sign, "by": "  "}, "key_account_manager", "zhang.wei")


@pytest.fixture(scope="module")
def office() -> engine.Playbook:
    return engine.load_playbook(OFFICE)


def _checked(office, by, role="key_account_manager", owner="zhang.wei", lang="en"):
    deal = {
        "id": "VR-1",
        "category": "visit_request",
        "stage": "manager_check",
        "visit": {"checked_by": {"by": by, "role": role, "on": "2026-03-02"}},
    }
    if owner is not None:
        deal["owner"] = owner
    result = office.evaluate(deal, as_of=AS_OF, lang=lang)
    return next(m for m in result.transitions if m.to == "reimbursement")


@pytest.mark.parametrize(
    ("by", "role", "allowed"),
    [
        ("zhao.min", "key_account_manager", True),
        ("zhang.wei", "key_account_manager", False),
        ("Zhang.Wei ", "key_account_manager", False),
        ("zhao.min", "key_account_specialist", False),
    ],
)
def test_the_owner_cannot_check_his_own_visit(office, by, role, allowed):
    move = _checked(office, by, role)
    assert move.allowed is allowed
    if not allowed:
        assert [g.id for g in move.missing] == ["CHECKED"]


def test_a_refused_check_names_the_person_and_the_role(office):
    (need,) = _checked(office, "Zhang.Wei ").missing
    assert "key-account manager other than zhang.wei" in str(need.message)
    assert "the check recorded is by Zhang.Wei" in str(need.message)
    (need,) = _checked(office, "Zhang.Wei ", lang="zh").missing
    assert "须由大客户部经理检查" in str(need.message)
    assert "Zhang.Wei" in str(need.message)


def test_an_unknown_owner_is_never_someone_else(office):
    move = _checked(office, "zhao.min", owner=None)
    assert not move.allowed
    assert "until you record owner" in str(move.missing[0].message)


def test_an_owner_approving_under_another_spelling_is_still_self_approval(check, deal):
    deal["lines"][0]["unit_price"] = 80  # below the floor: P7 needs the marketing director
    deal["approvals"] = [
        {"role": "marketing_director", "by": " LI.NA", "on": "2026-03-01", "decision": "approved"}
    ]
    result = check(deal)
    assert any(a.rule == "P7" and a.status == "pending" for a in result.approvals)
    deal["approvals"][0]["by"] = "wang.fang"
    result = check(deal)
    assert not any(a.rule == "P7" and a.status == "pending" for a in result.approvals)


def test_chain_steps_compare_people_after_normalising(office):
    deal = {
        "id": "VR-2",
        "category": "visit_request",
        "stage": "approval",
        "owner": "zhang.wei",
        "visit": {"budget": 1500, "gifts": 0},
        "approvals": [
            {"role": "key_account_manager", "by": "Zhang.Wei", "decision": "approved"},
        ],
    }
    result = office.evaluate(deal, as_of=AS_OF)
    assert any("owns the request" in str(v.message) for v in result.violations)
    deal["approvals"] = [
        {
            "role": "key_account_manager",
            "by": "zhao.min",
            "decision": "approved",
            "basis": {"amount": 1500},
        },
        {
            "role": "marketing_director",
            "by": "ZHAO.MIN ",
            "decision": "approved",
            "basis": {"amount": 1500},
        },
    ]
    result = office.evaluate(deal, as_of=AS_OF)
    assert any("already approved an earlier step" in str(v.message) for v in result.violations)


# -- in a result: V-DE shows both names and where they differ ------------------------------


def test_validate_shows_where_the_names_differ(runner, tmp_path):
    deal = tmp_path / "deal.json"
    deal.write_text(
        '{"id": "DE-1", "category": "direct_enterprise", "stage": "closing", "owner": "chen.hui",'
        ' "documents": ["contract"], "contract_customer": "顺达物流有限公司",'
        ' "invoice_customer": "北京顺达供应链管理有限公司"}',
        encoding="utf-8",
    )
    pb = str(PLAYBOOKS / "auto-dealer.yaml")
    for lang, words in (("en", "contract vs invoice"), ("zh", "合同与发票")):
        result = runner.invoke(
            main, ["validate", str(deal), "-p", pb, "--as-of", "2026-03-02", "--lang", lang]
        )
        out = unstyle(result.output)
        assert f"{words} 顺达⟦物流⟧有限公司 ≠ ⟦北京⟧顺达⟦供应链管理⟧有限公司" in out, out
        assert "[V-DE-NAMES]" in out
