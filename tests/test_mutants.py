"""Tests written to kill the mutants tools/mutate left alive in the approval logic: separation
of duties, approval staleness, table tiers and thresholds (docs/reliability/fuzz-and-mutation.md
lists each survivor and the test that now kills it)."""

from __future__ import annotations

import pytest

from engine.lang.values import Unknown, person_key, same_person, signed_off


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("li.na", "li.na", True),
        ("Li.Na", "li.na", True),
        ("li.na ", "li.na", True),
        ("  li   na ", "li na", True),
        ("ＬＩ.ＮＡ", "li.na", True),  # full-width letters are the same letters (NFKC)
        ("li.na", "li.nb", False),
        ("lina", "li na", False),
        (None, "li.na", False),
        ("li.na", None, False),
        (None, None, False),  # two absent names are not one person
        ("", "", True),
    ],
)
def test_same_person_compares_names_as_people_write_them(a, b, same):
    assert same_person(a, b) is same


def test_person_key_folds_case_width_and_spaces():
    assert person_key(" Zhang  WEI\t") == "zhang wei"
    assert person_key("ＺＨＡＮＧ") == "zhang"
    assert person_key("Straße") == "strasse"  # casefold, not lower


@pytest.mark.parametrize(
    ("sign", "role", "owner", "counts"),
    [
        ({"by": "boss", "role": "finance"}, "finance", "li.na", True),
        ({"by": "boss", "role": "finance"}, "legal", "li.na", False),  # another role
        ({"by": "Li.Na ", "role": "finance"}, "finance", "li.na", False),  # the owner
        ({"by": "li.na", "role": "finance"}, "finance", None, True),  # no owner recorded
    ],
)
def test_a_sign_off_counts_only_in_its_role_and_not_by_the_owner(sign, role, owner, counts):
    assert signed_off(sign, role, owner) is counts


@pytest.mark.parametrize("by", [None, "", "   ", 7])
def test_a_sign_off_that_names_nobody_is_unknown(by):
    with pytest.raises(Unknown) as info:
        signed_off({"by": by, "role": "finance"}, "finance", "li.na")
    # the words explain will show (exactly: a mutant that changed them survived a regex)
    assert info.value.reason == "the sign-off names nobody (by is empty)"


# -- separation of duties in the approvals a deal records -----------------------------------


def _approval(role, by, decision="approved"):
    return {"role": role, "by": by, "decision": decision}


@pytest.mark.parametrize(
    ("approvals", "granted"),
    [
        ([_approval("gm", "boss")], {"gm": "boss"}),
        ([_approval("gm", "li.na")], {}),  # the owner cannot approve her own deal
        ([_approval("gm", " LI.NA ")], {}),  # however her name is written
        ([_approval("gm", "ｌｉ.ｎａ")], {}),  # full-width letters too
        ([_approval("gm", "boss"), _approval("gm", "boss", "rejected")], {}),  # last one counts
        ([_approval("gm", "boss", "rejected"), _approval("gm", "chief")], {"gm": "chief"}),
        ([_approval("gm", "")], {}),  # nobody named: no approval
        ([_approval("gm", "boss", "pending")], {}),
        ([_approval("gm", "boss"), _approval("cfo", "li.na")], {"gm": "boss"}),
    ],
)
def test_granted_roles_never_counts_the_owner(approvals, granted):
    from engine.run.chains import granted_roles, granting_entries

    deal = {"owner": "li.na", "approvals": approvals}
    assert granted_roles(deal) == granted
    assert {role: e["by"] for role, e in granting_entries(deal).items()} == granted


def test_granted_roles_of_a_deal_without_approvals_or_owner():
    from engine.run.chains import granted_roles

    assert granted_roles({}) == {}
    assert granted_roles({"approvals": [_approval("gm", "boss")]}) == {"gm": "boss"}
