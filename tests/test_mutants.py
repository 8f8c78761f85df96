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
    with pytest.raises(Unknown, match="names nobody"):
        signed_off({"by": by, "role": "finance"}, "finance", "li.na")
