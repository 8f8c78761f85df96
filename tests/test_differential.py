"""Generated code against the reference interpreter on random deals: zero differences.

``Playbook.evaluate`` runs the generated Python; ``Playbook.explain`` runs the same playbook
through the straightforward interpreter in ``runtime.py``. Their results must be identical.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import load_playbook
from engine.lang import messages
from engine.run.deal import read_deal

from .conftest import AS_OF, AUTO_DEALER, PLAYBOOKS, many

MONEY = st.decimals(min_value=0, max_value=500_000, places=2, allow_nan=False, allow_infinity=False)
# the playbook's own vocabulary, so the deals follow it when it changes
_MODEL = load_playbook(AUTO_DEALER).model
CATEGORIES = sorted(_MODEL.categories)
STAGES = [s.id for s in _MODEL.stages]
DOCS = sorted(_MODEL.documents)
ROLES = sorted(_MODEL.roles)
DATES = st.dates(min_value=AS_OF.replace(year=2024), max_value=AS_OF)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def deals(draw):
    def put(target, key, strategy):
        value = draw(maybe(strategy))
        if value is not None:
            target[key] = value

    deal = {
        "id": "R",
        "category": draw(st.sampled_from(CATEGORIES)),
        "stage": draw(st.sampled_from(STAGES)),
        "owner": "owner",
    }
    put(deal, "dealer_territory", st.sampled_from(["A", "B"]))
    customer = {}
    put(customer, "territory", st.sampled_from(["A", "B"]))
    put(customer, "state_organ", st.booleans())
    put(customer, "credit_limit", MONEY)
    put(customer, "receivables", MONEY)
    put(customer, "overdue_days", st.integers(0, 200))
    put(customer, "credit_checked_on", DATES.map(str))
    put(customer, "largest_batch_this_year", st.integers(0, 20))
    if draw(st.booleans()):
        deal["customer"] = customer
    line = st.fixed_dictionaries(
        {"model": st.sampled_from(["A", "B"]), "quantity": st.integers(0, 12), "unit_price": MONEY},
        optional={"list_price": MONEY, "floor_price": MONEY, "retail_price": MONEY},
    )
    put(deal, "lines", st.lists(line, max_size=4))
    put(deal, "payment", st.fixed_dictionaries({"method": st.sampled_from(["cash", "credit"])}))
    put(deal, "tender", st.booleans())
    put(deal, "documents", st.lists(st.sampled_from(DOCS), unique=True))
    put(deal, "contract_customer", st.sampled_from(["X", "Y"]))
    put(deal, "invoice_customer", st.sampled_from(["X", "Y"]))
    put(deal, "registration_owners", st.lists(st.sampled_from(["X", "Y"]), max_size=2))
    put(deal, "using_units", st.lists(st.sampled_from(["u1", "u2", "u3"]), max_size=3))
    put(deal, "subordinate_units", st.lists(st.sampled_from(["u1", "u2"]), max_size=2))
    put(
        deal,
        "contacts",
        st.lists(
            st.fixed_dictionaries(
                {"name": st.just("c")},
                optional={
                    "role": st.sampled_from(["decision_maker", "user"]),
                    "attitude": st.sampled_from(["supporter", "opponent"]),
                    "coach": st.booleans(),
                },
            ),
            max_size=3,
        ),
    )
    put(
        deal,
        "visits",
        st.lists(
            st.fixed_dictionaries({"on": DATES.map(str)}, optional={"record_filed": st.booleans()}),
            max_size=3,
        ),
    )
    put(
        deal,
        "approvals",
        st.lists(
            st.fixed_dictionaries(
                {
                    "role": st.sampled_from(ROLES),
                    "by": st.sampled_from(["owner", "boss"]),
                    "decision": st.sampled_from(["approved", "rejected"]),
                }
            ),
            max_size=3,
        ),
    )
    put(deal, "lost_reason", st.sampled_from(["", "price"]))
    return deal


@many(2000)
@given(deal=deals(), lang=st.sampled_from(["en", "zh"]))
def test_generated_code_matches_the_interpreter(auto_dealer, deal, lang):
    fast = auto_dealer.evaluate(deal, as_of=AS_OF, lang=lang)
    reference = auto_dealer.explain(deal, as_of=AS_OF, lang=lang).result
    assert fast.to_dict() == reference.to_dict()


@many(200)
@given(deal=deals())
def test_required_approvals_only_grow_with_the_discount(auto_dealer, deal):
    """Monotone: a lower price never needs a lower approver tier (Cedar-style property)."""
    if not deal.get("lines"):
        return
    tiers = ["key_account_manager", "marketing_director", "general_manager"]

    def tier(result):
        roles = [a.role for a in result.approvals if a.rule == "DISCOUNT"]
        return tiers.index(roles[0]) if roles else -1

    before = tier(auto_dealer.evaluate(deal, as_of=AS_OF))
    cheaper = {
        **deal,
        "lines": [{**ln, "unit_price": ln["unit_price"] * Decimal("0.9")} for ln in deal["lines"]],
    }
    after = tier(auto_dealer.evaluate(cheaper, as_of=AS_OF))
    assert after >= before


# -- plain messages against jinja2 -------------------------------------------------------------


def _written_both_ways(playbook, deal, lang):
    """Every message of an evaluation and an explanation, written with plain forms and
    with jinja2 only."""
    out = []
    for plain in (True, False):
        messages.USE_PLAIN_FORMS = plain
        try:
            result = playbook.evaluate(deal, as_of=AS_OF, lang=lang).to_dict()
            explained = playbook.explain(deal, as_of=AS_OF, lang=lang).to_dict()
        finally:
            messages.USE_PLAIN_FORMS = True
        out.append((result, explained))
    return out


@many(500)
@given(deal=deals(), lang=st.sampled_from(["en", "zh"]))
def test_plain_messages_read_as_jinja2_writes_them(auto_dealer, deal, lang):
    plain, jinja = _written_both_ways(auto_dealer, deal, lang)
    assert plain == jinja


@pytest.mark.parametrize("name", ["auto-dealer", "enterprise-sales", "key-account-office"])
def test_plain_messages_of_every_example(name):
    playbook = load_playbook(PLAYBOOKS / f"{name}.yaml")
    folder = PLAYBOOKS / "examples" / ("" if name == "auto-dealer" else name)
    examples = [
        f
        for f in sorted(folder.glob("*.*"))
        if f.suffix in (".json", ".yaml") and ".result." not in f.name
    ]
    assert examples
    for file in examples:
        deal = read_deal(str(file))
        for lang in ("en", "zh"):
            plain, jinja = _written_both_ways(playbook, deal, lang)
            assert plain == jinja, file


def test_most_shipped_messages_have_a_plain_form():
    found = plain = 0
    for file in PLAYBOOKS.glob("*.yaml"):
        for message in _messages(load_playbook(file).model):
            found += len(message.source)
            plain += len(message.plain)
    assert found > 50
    assert plain / found > 0.6, (plain, found)


def _messages(node, seen=None):
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, messages.Message):
        yield node
    elif dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            yield from _messages(getattr(node, f.name), seen)
    elif isinstance(node, dict):
        for v in node.values():
            yield from _messages(v, seen)
    elif isinstance(node, list | tuple):
        for v in node:
            yield from _messages(v, seen)


# -- the generated deal checker against jsonschema + the value limits -------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**16), 10**16),
    st.text(max_size=5),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(["2026-02-30", "2026-1-1", "20260301", "cash", "x\u202e", "", "A" * 300]),
    # tiny numbers: the checker and the limits once disagreed on them
    st.sampled_from([1e-105, -1e-31, 5e-324, 1e-30, 1e-29, Decimal("1e-31"), Decimal("1e-30")]),
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated_deals(draw):
    deal = draw(deals())
    for _ in range(draw(st.integers(0, 3))):
        paths = [p for p in _paths(deal) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = deal
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["junk", "delete", "extra"]))
        if action == "junk":
            parent[path[-1]] = draw(JUNK)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["zzz", "unit_prise", "on"]))] = 1
    return deal


def _floats(value):
    """Every float left in a value (a normalised deal holds none)."""
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return [value] if isinstance(value, float) else []


@many(1000)
@given(deal=mutated_deals())
def test_generated_deal_checker_agrees_with_jsonschema(auto_dealer, deal):
    from engine.lang.schema import deal_problems
    from engine.read.json import check_values

    compiled = auto_dealer.compiled
    fast = compiled.check(deal)
    slow_problems = check_values(deal) or deal_problems(compiled.validator, deal)
    assert (fast is None) == bool(slow_problems), (deal, slow_problems)
    if fast is not None:
        assert not _floats(fast), fast  # the one normaliser made every number exact


# -- percentages: a fraction or the written form, with bounds, on both paths ----------------------

PERCENT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-200, 200),
    st.decimals(-3, 3, places=3),
    st.floats(-3, 3),
    st.sampled_from([1e-105, -1e-31, 1e-30, Decimal("1e-31")]),
    st.builds(lambda d: f"{d}%", st.decimals(-200, 200, places=2)),
    st.sampled_from(
        ["12%", "150%", "-1%", "0%", "12 %", "12%\n", "%", "1e2%", "x", "12", "", "+5%"]
    ),
)


@pytest.fixture(scope="module")
def percent_pb():
    from .test_analyst_mistakes import percent_playbook

    return percent_playbook()


@many(500)
@given(
    discount=PERCENT_VALUES,
    cap=PERCENT_VALUES,
    markup=PERCENT_VALUES,
    shares=st.lists(PERCENT_VALUES, max_size=2),
)
def test_generated_checker_agrees_with_jsonschema_on_percentages(
    percent_pb, discount, cap, markup, shares
):
    from engine.lang.schema import deal_problems
    from engine.read.json import check_values

    deal = {
        "id": "D",
        "category": "direct",
        "stage": "open",
        "lines": [{"share": s} for s in shares],
    }
    for name, value in (("discount", discount), ("cap", cap), ("markup", markup)):
        if value is not None:
            deal[name] = value
    compiled = percent_pb.compiled
    fast = compiled.check(deal)
    slow_problems = check_values(deal) or deal_problems(compiled.validator, deal)
    assert (fast is None) == bool(slow_problems), (deal, slow_problems)
    if fast is not None:
        assert not _floats(fast), fast
        for key in ("discount", "cap", "markup"):  # "12%" and floats became exact numbers
            assert key not in fast or isinstance(fast[key], Decimal | int), fast


# -- a list of any values: only the value limits apply, on both paths ----------------------------

ANY_ITEMS = st.recursive(
    JUNK | st.just("x" * 100_001),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner),
    max_leaves=5,
)


@pytest.fixture(scope="module")
def any_list_pb():
    import textwrap

    from engine import loads_playbook

    from .test_analyst_mistakes import HEAD

    return loads_playbook(
        HEAD
        + textwrap.dedent(
            """\
        fields:
          tags: {type: list}
        stages: {open: {}, done: {terminal: true}}
        transitions: [{from: open, to: done}]
        """
        ),
        "any.yaml",
    )


@many(300)
@given(tags=st.lists(ANY_ITEMS, max_size=3))
def test_generated_checker_agrees_with_the_limits_on_lists_of_any_values(any_list_pb, tags):
    from engine.lang.schema import deal_problems
    from engine.read.json import check_values

    deal = {"id": "D", "category": "direct", "stage": "open", "tags": tags}
    compiled = any_list_pb.compiled
    fast = compiled.check(deal)
    slow_problems = check_values(deal) or deal_problems(compiled.validator, deal)
    assert (fast is None) == bool(slow_problems), (deal, slow_problems)
