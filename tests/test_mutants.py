"""Tests written to kill the mutants tools/mutate left alive in the approval logic: separation
of duties, approval staleness, table tiers and thresholds (docs/reliability.md
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


# -- tier selection and thresholds: which row of a decision table fires, and what explain says --

_TIERS = """
kam: 1
id: tiers
version: "1"
title: tiers
currency: CNY
roles: {manager: Manager, director: Director}
fields:
  d: {type: percent}
  on: {type: bool}
categories: {c: {label: C}}
stages: {open: {label: Open}, won: {label: Won, terminal: true}}
transitions: [{from: open, to: won}]
tables:
  - id: T
    title: tiers
    input: deal.d
    when: deal.on
    hit: %(hit)s
    then: approval
    rows: %(rows)s
"""
_FIRST = "[{up_to: 10%, outcome: none}, {above: 10%, up_to: 20%, role: manager}, {above: 20%, role: director}]"
_COLLECT = "[{from: 10%, role: manager}, {above: 20%, role: director}]"


def _tiers(hit):
    import engine

    return engine.loads_playbook(
        _TIERS % {"hit": hit, "rows": _FIRST if hit == "first" else _COLLECT}
    )


def _explained(playbook, d, on=True):
    from datetime import date

    deal = {"id": "X", "category": "c", "stage": "open", "d": d, "on": on}
    fast = playbook.evaluate(deal, as_of=date(2026, 3, 2))
    slow = playbook.explain(deal, as_of=date(2026, 3, 2))
    assert fast.to_dict() == slow.result.to_dict()
    steps = [s for s in slow.steps if s.kind in ("table", "row")]
    assert all(s.reads == () for s in steps if s.kind == "row")  # a row reads nothing new
    return [a.role for a in fast.approvals], [(s.kind, s.id, s.outcome, s.detail) for s in steps]


_ROWS_FIRST = [("T#1", "up to 10%"), ("T#2", "above 10% up to 20%"), ("T#3", "above 20%")]


@pytest.mark.parametrize(
    ("d", "roles", "fired"),
    [
        ("0%", [], "T#1"),
        ("10%", [], "T#1"),  # up_to is inclusive
        ("10.01%", ["manager"], "T#2"),  # above is exclusive
        ("20%", ["manager"], "T#2"),
        ("20.01%", ["director"], "T#3"),
        ("-5%", [], "T#1"),
    ],
)
def test_first_hit_picks_one_tier_at_each_boundary(d, roles, fired):
    from decimal import Decimal

    got_roles, steps = _explained(_tiers("first"), d)
    assert got_roles == roles
    # the input as explain writes a percentage, one place; just past a tier, the digits
    # that tell it from the tier (10.01%, not 10.0%)
    shown = d if d.endswith(".01%") else f"{Decimal(d.rstrip('%')):.1f}%"
    assert steps[0] == ("table", "T", "value", f"input deal.d = {shown}")
    assert steps[1:] == [
        ("row", rid, "fired" if rid == fired else "not fired", text) for rid, text in _ROWS_FIRST
    ]


@pytest.mark.parametrize(
    ("d", "roles", "fired"),
    [
        ("9.99%", [], []),
        ("10%", ["manager"], ["T#1"]),  # from is inclusive
        ("20%", ["manager"], ["T#1"]),
        ("25%", ["manager", "director"], ["T#1", "T#2"]),  # collect: every row that holds
    ],
)
def test_collect_fires_every_tier_that_holds(d, roles, fired):
    got_roles, steps = _explained(_tiers("collect"), d)
    assert sorted(got_roles) == sorted(roles)
    assert [s[1] for s in steps[1:] if s[2] == "fired"] == fired
    assert [s[1] for s in steps[1:]] == ["T#1", "T#2"]


@pytest.mark.parametrize("hit", ["first", "collect"])
def test_a_table_whose_when_is_false_fires_no_tier_and_says_why(hit):
    roles, steps = _explained(_tiers(hit), "25%", on=False)
    assert roles == []
    assert steps == [("table", "T", "not fired", "\u201cdeal.on\u201d is false")]


@pytest.mark.parametrize(("d", "roles"), [("9.99%", []), ("10%", ["manager"])])
def test_below_is_exclusive_and_from_inclusive(d, roles):
    import engine

    rows = "[{below: 10%, outcome: none}, {from: 10%, role: manager}]"
    playbook = engine.loads_playbook(_TIERS % {"hit": "first", "rows": rows})
    got, _ = _explained(playbook, d)
    assert got == roles
    below = playbook.model.tables[0].rows[0]
    assert below.limits() == (("<", below.high),)


def test_row_limits_read_as_the_bounds_are_written():
    from decimal import Decimal

    rows = {r.id: r for r in _tiers("first").model.tables[0].rows}
    assert rows["T#1"].limits() == (("<=", Decimal("0.10")),)
    assert rows["T#2"].limits() == ((">", Decimal("0.10")), ("<=", Decimal("0.20")))
    assert rows["T#3"].limits() == ((">", Decimal("0.20")),)
    assert rows["T#2"].holds(Decimal("0.2"))
    assert not rows["T#2"].holds(Decimal("0.1"))
    assert rows["T#3"].holds(Decimal("0.2001"))
    assert not rows["T#3"].holds(Decimal("0.2"))


# -- approval staleness: what a recorded approval still covers --------------------------------


def _basis(name, beyond="above"):
    from engine.check.model import Basis

    return Basis(name=name, value=None, beyond=beyond)


@pytest.mark.parametrize(
    ("beyond", "was", "now", "stale"),
    [
        ("above", 100, 100, False),  # exactly what was approved is covered
        ("above", 100, 99, False),
        ("above", 100, 101, True),
        ("below", 100, 100, False),  # a price: lower is worse
        ("below", 100, 101, False),
        ("below", 100, 99, True),
        ("above", None, 100, True),  # nothing recorded: what was approved is unknown
        ("above", 100, None, True),  # unknown now: not covered either
        ("above", None, None, True),
    ],
)
def test_stale_of_covers_exactly_the_approved_value(beyond, was, now, stale):
    from decimal import Decimal

    from engine.results import Stale
    from engine.run.basis import stale_of

    dec = lambda v: None if v is None else Decimal(v)  # noqa: E731
    entry = {"basis": {"exposure": dec(was)}} if was is not None else {}
    got = stale_of([_basis("exposure", beyond)], (("exposure", dec(now)),), entry)
    assert got == ((Stale("exposure", dec(was), dec(now)),) if stale else ())


def test_stale_of_names_only_the_values_beyond_what_was_approved():
    from engine.results import Stale
    from engine.run.basis import stale_of

    basis = [_basis("exposure"), _basis("price", "below")]
    entry = {"basis": {"exposure": 100, "price": 50}}
    assert stale_of(basis, (("exposure", 90), ("price", 40)), entry) == (Stale("price", 50, 40),)
    assert stale_of(basis, (("exposure", 120), ("price", 60)), entry) == (
        Stale("exposure", 100, 120),
    )


def test_a_date_recorded_where_a_number_is_meant_is_stale():
    from datetime import date

    from engine.run.basis import stale_of

    entry = {"basis": {"exposure": date(2026, 1, 1)}}
    assert stale_of([_basis("exposure")], (("exposure", 5),), entry)


def test_basis_outcome_says_what_a_recorded_approval_is_worth():
    from engine.results import Stale
    from engine.run.basis import basis_outcome

    assert basis_outcome(None, []) == "pending"
    assert basis_outcome({"by": "boss"}, []) == "granted"
    assert basis_outcome({"by": "boss"}, [Stale("exposure", 1, 2)]) == "stale"


def test_stale_of_goes_on_past_a_value_not_recorded():
    from engine.results import Stale
    from engine.run.basis import stale_of

    basis = [_basis("exposure"), _basis("price", "below")]
    got = stale_of(basis, (("exposure", 90), ("price", 40)), {"basis": {"price": 50}})
    assert got == (Stale("exposure", None, 90), Stale("price", 50, 40))


_PER_LINE = """
kam: 1
id: per-line
version: "1"
title: per line
currency: CNY
roles: {boss: Boss}
fields:
  lines: {type: list, items: {type: object, fields: {price: {type: money}, floor: {type: money}}}}
categories: {c: {label: C}}
stages: {open: {label: Open}, won: {label: Won, terminal: true}}
transitions: [{from: open, to: won}]
rules:
  - id: FLOOR
    title: below the floor
    for_each: deal.lines
    as: line
    when: line.price < line.floor
    then: approval
    role: boss
    basis:
      price: {value: line.price, beyond: below}
"""


@pytest.mark.parametrize(("price", "status"), [(90, "granted"), (80, "stale")])
def test_a_basis_read_from_the_rules_own_line_covers_that_line(price, status):
    """The basis of a for_each rule reads the line the rule fired on (its loop variable)."""
    from datetime import date

    import engine

    playbook = engine.loads_playbook(_PER_LINE)
    deal = {
        "id": "X",
        "category": "c",
        "stage": "open",
        "owner": "li.na",
        "lines": [{"price": price, "floor": 100}],
        "approvals": [
            {"role": "boss", "by": "boss", "decision": "approved", "basis": {"price": 90}}
        ],
    }
    for result in (
        playbook.evaluate(deal, as_of=date(2026, 3, 2)),
        playbook.explain(deal, as_of=date(2026, 3, 2)).result,
    ):
        (approval,) = result.approvals
        assert approval.status == status


# -- guards: when a stage move is open, and what explain says about each guard ---------------

_GUARDS = """
kam: 1
id: guards
version: "1"
title: guards
currency: CNY
roles: {boss: Boss}
fields:
  a: {type: money}
  b: {type: money}
categories: {c: {label: C}}
stages: {open: {label: Open}, won: {label: Won, terminal: true}, lost: {label: Lost, terminal: true}}
transitions:
  - from: open
    to: won
    conditions:
      - {id: BIG, title: big enough, when: deal.a > 100}
  - from: open
    to: lost
    conditions:
      - {id: SMALL, title: b recorded, when: deal.b > 0, on_missing: allow}
"""


@pytest.mark.parametrize(
    ("values", "moves", "steps"),
    [
        (
            {"a": 150},
            [("won", True, []), ("lost", True, [])],
            [("won:BIG", "met", ""), ("lost:SMALL", "met", "deal.b is missing")],
        ),
        (
            {"a": 50, "b": 0},
            [("won", False, [("condition", "BIG")]), ("lost", False, [("condition", "SMALL")])],
            [
                ("won:BIG", "not met", "\u201cdeal.a > 100\u201d is false: deal.a = 50.00"),
                ("lost:SMALL", "not met", "\u201cdeal.b > 0\u201d is false: deal.b = 0.00"),
            ],
        ),
        (  # unknown: refused unless the guard says on_missing: allow
            {},
            [("won", False, [("condition", "BIG")]), ("lost", True, [])],
            [
                ("won:BIG", "unknown", "deal.a is missing"),
                ("lost:SMALL", "met", "deal.b is missing"),
            ],
        ),
    ],
)
def test_guards_open_a_move_only_when_they_hold(values, moves, steps):
    from datetime import date

    import engine

    playbook = engine.loads_playbook(_GUARDS)
    deal = {"id": "X", "category": "c", "stage": "open", **values}
    fast = playbook.evaluate(deal, as_of=date(2026, 3, 2))
    explained = playbook.explain(deal, as_of=date(2026, 3, 2))
    assert fast.to_dict() == explained.result.to_dict()
    got = [
        (m["to"], m["allowed"], [(x["kind"], x["id"]) for x in m["missing"]])
        for m in fast.to_dict()["transitions"]
    ]
    assert got == moves
    assert [(s.id, s.outcome, s.detail) for s in explained.steps if s.kind == "guard"] == steps


def test_a_deal_in_a_terminal_stage_has_no_moves():
    from datetime import date

    import engine

    playbook = engine.loads_playbook(_GUARDS)
    deal = {"id": "X", "category": "c", "stage": "won", "a": 1}
    assert playbook.evaluate(deal, as_of=date(2026, 3, 2)).to_dict()["transitions"] == []
    assert playbook.explain(deal, as_of=date(2026, 3, 2)).result.transitions == ()


_MOVES = """
kam: 1
id: moves
version: "1"
title: moves
currency: CNY
roles: {boss: Boss}
document_actions: {assignee: boss, due_in_days: 3}
documents: {order: Order}
fields:
  a: {type: money}
categories: {c: {label: C}}
stages: {open: {label: Open}, won: {label: Won, terminal: true}}
transitions:
  - {from: open, to: won, documents: [order], approvals: [boss], all_clear: true}
rules:
  - {id: R, title: big, when: deal.a > 100, then: approval, role: boss}
"""
_BOSS = {"role": "boss", "by": "chief", "decision": "approved"}
_OWN = {"role": "boss", "by": "Li.Na", "decision": "approved"}
_NO_DOC = ("document", "order", "MOVE:won", "Order is missing")
_NO_BOSS = ("approval", "boss", "MOVE:won", "approval by boss is not granted yet")


@pytest.mark.parametrize(
    ("extra", "missing", "actions"),
    [
        ({}, [_NO_DOC, _NO_BOSS], [("provide:order", "provide the Order (needed to enter Won)")]),
        ({"documents": ["order"]}, [_NO_BOSS], []),
        ({"documents": ["order"], "approvals": [_OWN]}, [_NO_BOSS], []),  # not by the owner
        ({"documents": ["order"], "approvals": [_BOSS]}, [], []),
        (  # all_clear: the rule's approval, granted for the move, is still pending for the rule
            {"a": 150, "documents": ["order"]},
            [_NO_BOSS, ("approval", "boss", "R", "approval by boss is pending")],
            [],
        ),
    ],
)
def test_a_move_needs_its_documents_approvals_and_a_clear_deal(extra, missing, actions):
    from datetime import date

    import engine

    playbook = engine.loads_playbook(_MOVES)
    deal = {"id": "X", "category": "c", "stage": "open", "owner": "li.na", **extra}
    result = playbook.evaluate(deal, as_of=date(2026, 3, 2))
    assert result.to_dict() == playbook.explain(deal, as_of=date(2026, 3, 2)).result.to_dict()
    (move,) = result.to_dict()["transitions"]
    assert move["allowed"] == (not missing)
    assert [(m["kind"], m["id"], m["rule"], m["message"]) for m in move["missing"]] == missing
    assert [(a["id"], a["message"]) for a in result.to_dict()["actions"]] == actions


_DOCS = """
kam: 1
id: docs
version: "1"
title: docs
currency: CNY
roles: {boss: Boss}
document_actions: {assignee: boss, due_in_days: 3}
documents:
  order: Order
  invoice: {en: Invoice, zh: 发票}
  permit: Permit
  customs: Customs form
  licence: Licence
fields:
  a: {type: money, label: {en: Amount, zh: 金额}}
  kind: {type: string, label: {en: Kind of sale, zh: 销售类型}}
categories:
  c:
    label: C
    rule: V-C
    documents:
      - {document: order, to: won}
      - {document: invoice, to: won}
stages: {open: {label: Open}, won: {label: Won, terminal: true}}
transitions:
  - from: open
    to: won
    documents:
      - order
      - {document: permit, when: "deal.kind == 'export'", rule: V-EXPORT}
      - {document: customs, when: "deal.kind == 'export'", rule: V-EXPORT}
      - {document: licence, when: "deal.a > 1000", rule: V-BIG}
    conditions:
      - {id: PRICED, title: priced above cost, when: deal.a > 100}
"""


def _moves(values, lang="en"):
    from datetime import date

    import engine

    playbook = engine.loads_playbook(_DOCS)
    deal = {"id": "X", "category": "c", "stage": "open", **values}
    result = playbook.evaluate(deal, as_of=date(2026, 3, 2), lang=lang)
    explained = playbook.explain(deal, as_of=date(2026, 3, 2), lang=lang)
    assert result.to_dict() == explained.result.to_dict()
    return result.to_dict(), explained.steps


def _step(outcome, held, doc="order", rule="MOVE:won"):
    return {
        "kind": "document",
        "id": f"won:{doc}" if rule == "MOVE:won" else f"won:{doc}@c",
        "outcome": outcome,
        "reads": {"deal.documents": held},
        "detail": rule,
    }


@pytest.mark.parametrize(
    ("lang", "missing", "provide"),
    [
        (
            "en",
            ["Order is missing", "Invoice is missing"],
            [
                "provide the Order (needed to enter Won)",
                "provide the Invoice (needed to enter Won)",
            ],
        ),
        (
            "zh",
            ["缺少Order", "缺少发票"],
            ["请提供Order（进入Won阶段所需）", "请提供发票（进入Won阶段所需）"],
        ),
    ],
)
def test_a_document_the_move_and_the_category_both_need_is_asked_for_once(lang, missing, provide):
    """order is needed twice (by the move and by the category): it is listed, asked for and
    explained once, and the documents after it are still checked."""
    result, steps = _moves({"a": 150, "kind": "local"}, lang)
    (move,) = result["transitions"]
    assert move["allowed"] is False
    assert move["missing"] == [
        {"kind": "document", "id": "order", "rule": "MOVE:won", "message": missing[0]},
        {"kind": "document", "id": "invoice", "rule": "V-C", "message": missing[1]},
    ]
    due = {"assignee": "boss", "due": "2026-03-05", "overdue": False}
    assert result["actions"] == [
        {"rule": "MOVE:won", "id": "provide:order", **due, "message": provide[0]},
        {"rule": "V-C", "id": "provide:invoice", **due, "message": provide[1]},
    ]
    assert [s.to_dict() for s in steps if s.kind == "document"] == [
        _step("missing", []),
        _step("missing", [], "invoice", "V-C"),
    ]


def test_held_documents_open_the_move_and_a_document_needed_only_sometimes_is_not_asked():
    result, steps = _moves({"a": 150, "kind": "local", "documents": ["order", "invoice"]})
    (move,) = result["transitions"]
    assert move["allowed"] is True
    assert move["missing"] == []
    assert result["actions"] == []
    assert [s.to_dict() for s in steps if s.kind == "document"] == [
        _step("held", ["invoice", "order"]),
        _step("held", ["invoice", "order"], "invoice", "V-C"),
    ]


@pytest.mark.parametrize(
    ("lang", "guard", "document", "question"),
    [
        (
            "en",
            "cannot check priced above cost until you record Amount (a)",
            "cannot tell whether the Permit is needed until you record Kind of sale (kind)",
            "record Kind of sale (kind): it decides which documents are needed to enter Won",
        ),
        (
            "zh",
            "无法检查priced above cost，请填写金额（a）",
            "无法确定是否需要Permit，请填写销售类型（kind）",
            "请填写销售类型（kind）：它决定进入Won阶段所需的文件",
        ),
    ],
)
def test_a_move_that_cannot_be_decided_asks_for_what_decides_it(lang, guard, document, question):
    """An unknown guard names its title and the field to record; a document whose need
    depends on an unknown value is not asked for: the value is, once."""
    result, _ = _moves({"documents": ["order", "invoice"]}, lang)
    (move,) = result["transitions"]
    assert move["allowed"] is False
    got = {(m["kind"], m["id"]): m for m in move["missing"]}
    assert list(got) == [
        ("condition", "PRICED"),
        ("information", "permit"),
        ("information", "customs"),
        ("information", "licence"),
    ]
    assert got[("condition", "PRICED")]["message"] == guard
    assert got[("information", "permit")]["message"] == document
    assert [m["rule"] for m in move["missing"]] == ["PRICED", "V-EXPORT", "V-EXPORT", "V-BIG"]
    # one question per rule and fields, however many documents it decides
    asked = [(i["rule"], i["fields"], i["message"]) for i in result["missing_information"]]
    assert asked[0] == ("V-EXPORT", ["kind"], question)
    assert [(rule, fields) for rule, fields, _ in asked[1:]] == [("V-BIG", ["a"])]


@pytest.mark.parametrize(
    ("due_in_days", "as_of", "due"),
    [
        (3, "2026-03-02", "2026-03-05"),
        (0, "2026-03-02", "2026-03-02"),  # due today: not overdue
        (3, "9999-12-31", None),  # past the calendar's end: no due date, and not overdue
    ],
)
def test_a_document_to_provide_is_never_overdue_when_asked_for(due_in_days, as_of, due):
    from datetime import date

    import engine

    text = _DOCS.replace("due_in_days: 3", f"due_in_days: {due_in_days}")
    playbook = engine.loads_playbook(text)
    deal = {"id": "X", "category": "c", "stage": "open", "a": 150, "kind": "local"}
    day = date.fromisoformat(as_of)
    result = playbook.evaluate(deal, as_of=day).to_dict()
    assert result == playbook.explain(deal, as_of=day).result.to_dict()
    assert [(a["id"], a["due"], a["overdue"]) for a in result["actions"]] == [
        ("provide:order", due, False),
        ("provide:invoice", due, False),
    ]


@pytest.mark.parametrize(
    ("lang", "approval", "clear"),
    [
        ("en", "approval by boss is not granted yet", "resolve first: too big to sell"),
        ("zh", "尚未获得Boss的审批", "请先解决：too big to sell"),
    ],
)
def test_a_move_waits_for_a_blocking_finding_and_says_so_in_the_deals_language(
    lang, approval, clear
):
    """all_clear: a blocking finding keeps the move closed under the finding's own rule; the
    move's own approval is asked for in the reader's language."""
    from datetime import date

    import engine

    block = (
        "  - {id: B, title: too big, when: deal.a > 1000, then: block, message: too big to sell}\n"
    )
    playbook = engine.loads_playbook(_MOVES + block)
    deal = {"id": "X", "category": "c", "stage": "open", "a": 2000, "documents": ["order"]}
    result = playbook.evaluate(deal, as_of=date(2026, 3, 2), lang=lang).to_dict()
    explained = playbook.explain(deal, as_of=date(2026, 3, 2), lang=lang).result.to_dict()
    assert result == explained
    (move,) = result["transitions"]
    assert move["allowed"] is False
    assert [(m["kind"], m["id"], m["rule"], m["message"]) for m in move["missing"]] == [
        ("approval", "boss", "MOVE:won", approval),
        ("clear", "B", "B", clear),
        ("approval", "boss", "R", "approval by boss is pending" if lang == "en" else "待Boss审批"),
    ]


@pytest.mark.parametrize(
    ("amount", "status", "missing"),
    [
        (150, "granted", []),  # exactly the approved amount
        (200, "stale", [("approval", "boss", "R", "approval by boss is pending")]),
    ],
)
def test_all_clear_waits_for_an_approval_that_no_longer_covers_the_deal(amount, status, missing):
    """A stale approval holds back an all_clear move as a pending one does, though the
    sign-off still grants the move's own approval (which is bound to nothing)."""
    from datetime import date

    import engine

    rule = "then: approval, role: boss}"
    playbook = engine.loads_playbook(_MOVES.replace(rule, rule[:-1] + ", basis: {amount: deal.a}}"))
    signed = {**_BOSS, "basis": {"amount": 150}}
    deal = {"id": "X", "category": "c", "stage": "open", "a": amount, "documents": ["order"]}
    deal["approvals"] = [signed]
    result = playbook.evaluate(deal, as_of=date(2026, 3, 2)).to_dict()
    assert result == playbook.explain(deal, as_of=date(2026, 3, 2)).result.to_dict()
    assert [(a["rule"], a["status"]) for a in result["approvals"]] == [("R", status)]
    (move,) = result["transitions"]
    assert move["allowed"] == (not missing)
    assert [(m["kind"], m["id"], m["rule"], m["message"]) for m in move["missing"]] == missing


def test_all_clear_waits_for_what_a_rule_asks_and_repeats_its_question():
    """A rule that cannot be decided (on_missing: ask) holds back an all_clear move, which
    asks the rule's own question: what to record before the move."""
    from datetime import date

    import engine

    rule = "then: approval, role: boss}"
    playbook = engine.loads_playbook(_MOVES.replace(rule, rule[:-1] + ", on_missing: ask}"))
    deal = {"id": "X", "category": "c", "stage": "open", "documents": ["order"]}
    deal["approvals"] = [_BOSS]
    result = playbook.evaluate(deal, as_of=date(2026, 3, 2)).to_dict()
    assert result == playbook.explain(deal, as_of=date(2026, 3, 2)).result.to_dict()
    question = "big: cannot be decided until you record a (a)"
    assert result["missing_information"] == [{"rule": "R", "fields": ["a"], "message": question}]
    (move,) = result["transitions"]
    assert move == {
        "to": "won",
        "allowed": False,
        "missing": [{"kind": "information", "id": "R", "rule": "R", "message": question}],
    }
