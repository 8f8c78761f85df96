"""Properties an engine that decides who may approve money must keep, on generated deals and
playbooks: the same answer in every process, whatever order the rules are written in;
approvals that only grow as the discount and the amount grow; a block that always wins; and
a loader that refuses any text with the engine's own errors.

Each property names what it holds. A failure prints the generated case (derandomized, so
it reproduces).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.jsontext import to_json

from .conftest import AS_OF, AUTO_DEALER, ROOT, many
from .test_differential import deals
from .test_fuzz import BASE, _Dumper

DEAL_LISTS = st.lists(deals(), min_size=5, max_size=12)


def _load(doc, file="generated.yaml"):
    return engine.loads_playbook(
        yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False), file
    )


def _canonical(result) -> dict:
    """A result's JSON with every list of findings sorted: what it says, not in what order."""

    def sort(value):
        if isinstance(value, dict):
            return {k: sort(v) for k, v in value.items()}
        if isinstance(value, list):
            items = [sort(v) for v in value]
            if all(isinstance(v, dict) for v in items):
                items.sort(key=lambda item: json.dumps(item, sort_keys=True, default=str))
            return items
        return value

    out = result.to_dict()
    out["playbook"].pop("hash")  # the hash is of the text as written, rule order included
    return sort(out)


# -- determinism across processes ------------------------------------------------------------

_EVALUATE_ALL = """
import json, sys
from datetime import date
import engine
playbook = engine.load_playbook(sys.argv[1], cache=False)
for deal in json.loads(open(sys.argv[2], encoding="utf-8").read(), parse_float=__import__("decimal").Decimal):
    try:
        print(playbook.evaluate(deal, as_of=date(2026, 3, 2)).to_json())
        print(playbook.explain(deal, as_of=date(2026, 3, 2), lang="zh").to_dict())
    except engine.KamError as exc:
        print(type(exc).__name__, exc)
"""


@many(3)
@given(batch=DEAL_LISTS)
def test_two_processes_with_different_hash_seeds_write_identical_bytes(batch, tmp_path_factory):
    """OPA and Cedar promise it: the same deal and playbook give the same decision, byte for
    byte, in any process (set and dict order must never leak into a result)."""
    file = tmp_path_factory.mktemp("determinism") / "deals.json"
    file.write_text(to_json(batch), encoding="utf-8")
    outputs = []
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            [sys.executable, "-c", _EVALUATE_ALL, str(AUTO_DEALER), str(file)],
            capture_output=True,
            env=env,
            timeout=120,
            check=True,
        )
        outputs.append(run.stdout)
    assert outputs[0].count(b"\n") >= len(batch)
    assert outputs[0] == outputs[1]


# -- rule-order independence -----------------------------------------------------------------


@many(4)
@given(order=st.randoms(use_true_random=False), batch=DEAL_LISTS)
def test_the_order_rules_are_written_in_changes_no_verdict(auto_dealer, order, batch):
    """Shuffled rules give the same status and the same findings (only the order they are
    listed in follows the playbook)."""
    doc = copy.deepcopy(BASE)
    order.shuffle(doc["rules"])
    shuffled = _load(doc)
    for deal in batch:
        for lang in ("en", "zh"):
            written = auto_dealer.evaluate(deal, as_of=AS_OF, lang=lang)
            other = shuffled.evaluate(deal, as_of=AS_OF, lang=lang)
            assert _canonical(written) == _canonical(other), deal


# -- approvals only grow with the discount and with the amount --------------------------------

# the approver tiers of the auto-dealer playbook, lowest first (its DISCOUNT table)
TIERS = ["key_account_manager", "marketing_director", "general_manager"]


def _required(result) -> dict[str, int]:
    """Each rule that needs an approval, with the rank of the highest role it asks for."""
    out: dict[str, int] = {}
    for a in result.approvals:
        rank = TIERS.index(a.role) if a.role in TIERS else 0
        out[a.rule] = max(out.get(a.rule, -1), rank)
    return out


def _covers(more: dict[str, int], fewer: dict[str, int]) -> bool:
    return all(rule in more and more[rule] >= rank for rule, rank in fewer.items())


@many(150)
@given(deal=deals(), cut=st.sampled_from(["0.99", "0.9", "0.5"]))
def test_a_deeper_discount_never_needs_fewer_or_lower_approvals(auto_dealer, deal, cut):
    """Monotone in the discount: a lower price (same list price) keeps every approval the
    higher price needed, at the same tier or higher."""
    if not deal.get("lines"):
        return
    cheaper = copy.deepcopy(deal)
    for line in cheaper["lines"]:
        line["unit_price"] = (line["unit_price"] * Decimal(cut)).quantize(Decimal("0.01"))
    before = _required(auto_dealer.evaluate(deal, as_of=AS_OF))
    after = _required(auto_dealer.evaluate(cheaper, as_of=AS_OF))
    assert _covers(after, before), (before, after)


@many(150)
@given(deal=deals(), more=st.integers(1, 30))
def test_a_larger_amount_never_needs_fewer_or_lower_approvals(auto_dealer, deal, more):
    """Monotone in the amount: more units at the same prices keep every approval."""
    if not deal.get("lines"):
        return
    bigger = copy.deepcopy(deal)
    bigger["lines"][0]["quantity"] += more
    before = _required(auto_dealer.evaluate(deal, as_of=AS_OF))
    after = _required(auto_dealer.evaluate(bigger, as_of=AS_OF))
    assert _covers(after, before), (before, after)


# -- block wins ------------------------------------------------------------------------------


def _with_block(doc, mode=None):
    doc = copy.deepcopy(doc)
    rule = {
        "id": "ZZ-STOP",
        "title": "stop every deal",
        "when": "present(deal.id)",
        "then": "block",
        "message": "stopped",
    }
    if mode:
        rule["mode"] = mode
    doc["rules"].append(rule)
    return doc


@many(100)
@given(deal=deals(), lang=st.sampled_from(["en", "zh"]))
def test_a_blocking_violation_always_wins(blocking_playbook, deal, lang):
    """Adding a rule that blocks every deal: no deal is then ok or needs approval, whatever
    approvals, documents or missing facts it has; the block is listed."""
    result = blocking_playbook.evaluate(deal, as_of=AS_OF, lang=lang)
    assert result.status == "blocked", result.status
    assert "ZZ-STOP" in {v.rule for v in result.violations}


def test_a_blocking_rule_in_shadow_mode_blocks_nothing(auto_dealer):
    """The other way: the same rule in shadow mode leaves every example's verdict alone."""
    from .test_fuzz import DEALS

    shadow = _load(_with_block(BASE, mode="shadow"))
    compared = 0
    for deal in DEALS:
        try:
            expected = auto_dealer.evaluate(deal, as_of=AS_OF).status
        except engine.DealError:
            continue  # (an example of another playbook)
        assert shadow.evaluate(deal, as_of=AS_OF).status == expected
        compared += 1
    assert compared >= 4


@pytest.fixture(scope="module")
def blocking_playbook():
    return _load(_with_block(BASE))


# -- the loader raises only engine errors ----------------------------------------------------

KEYS = [
    "kam",
    "id",
    "version",
    "title",
    "currency",
    "fields",
    "facts",
    "rules",
    "tables",
    "stages",
    "transitions",
    "roles",
    "categories",
    "documents",
    "parameters",
    "approval_chains",
    "when",
    "then",
    "type",
    "value",
    "rows",
    "above",
    "below",
    "up_to",
    "from",
    "to",
    "role",
    "message",
    "on_missing",
    "for_each",
    "as",
    "include",
    "extends",
    "en",
    "zh",
    "items",
    "minimum",
    "maximum",
    "label",
    "terminal",
    "steps",
    "limit",
    "cases",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.sampled_from(
        [
            "1e999999",
            "9999-12-31",
            "NaN",
            "15%",
            "deal.amount > 5",
            "{{ deal.id | upper }}",
            "{% for x in deal.lines %}{% endfor %}",
            "money",
            "percent",
            "block",
            "approval",
            "any",
            "l\u0456.na",
            "\u202e",
            "modules/credit-policy.yaml",
            "../../etc/passwd",
        ]
    ),
    st.text(max_size=12),
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=25,
)
SYNTAX = st.lists(
    st.sampled_from(
        ["kam: 1\n", "id: x\n", "- ", ": ", "&a ", "*a", "<<: *a\n", "!!python/object:os.system"]
        + ["{", "}", "[", "]", "'", '"', "\t", "\n", "  ", "? ", "---\n", "%YAML 1.1\n", "\x00"]
        + ["\ufeff", "\ud800", "0o12", "no", "1e999999", "rules:\n  - id: R\n"]
    ),
    max_size=30,
).map("".join)


@many(200)
@given(doc=DOCS)
def test_the_loader_raises_only_engine_errors_on_generated_playbooks(doc):
    text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True)
    try:
        engine.loads_playbook(text, "generated.yaml", folder=ROOT / "playbooks")
    except engine.KamError as exc:
        problems = exc.lines()
        assert problems, text  # each problem in words


@many(300)
@given(text=SYNTAX)
def test_the_loader_raises_only_engine_errors_on_generated_yaml_text(text):
    try:
        engine.loads_playbook(text, "generated.yaml")
    except engine.KamError as exc:
        problems = exc.lines()
        assert problems, text
