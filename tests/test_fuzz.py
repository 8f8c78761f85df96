"""Mutated playbooks never crash the engine: each is refused with located problems, or loads
and then evaluates, explains and documents the example deals without an internal error.

The mutations replace, delete, copy and duplicate values anywhere in the auto-dealer playbook
(modules merged in), the kind of damage a hurried edit does. A failure prints the seed data.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.present.handbook import render_html
from engine.read.assemble import assemble
from engine.run.deal import read_deal

from .conftest import AS_OF, AUTO_DEALER, PLAYBOOKS, many

BASE = assemble(str(AUTO_DEALER)).data
BASE.pop("include", None)
DEALS = [read_deal(str(f)) for f in sorted((PLAYBOOKS / "examples").glob("*.json"))]
POOL = [
    None,
    True,
    0,
    -1,
    1.5,
    "",
    "x",
    "deal.amount > 5",
    "params.nope",
    "10%",
    "-5%",
    "1e400",
    "2026-13-45",
    "any",
    "lost",
    "__class__",
    "{{ deal.x }}",
    "{% for %}",
    "approval",
    "skip",
    [],
    {},
    [1, 2],
    {"a": 1},
    10**30,
]


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Decimal, lambda d, v: d.represent_str(str(v)))


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _at(node, path):
    for k in path:
        node = node[k]
    return node


def mutate(doc, ops):
    doc = copy.deepcopy(doc)
    for where, op, value, source in ops:
        paths = list(_paths(doc))[1:]
        path = paths[where % len(paths)]
        parent, key = _at(doc, path[:-1]), path[-1]
        if op == "replace":
            parent[key] = copy.deepcopy(value)
        elif op == "delete":
            del parent[key]
        elif op == "copy":
            parent[key] = copy.deepcopy(_at(doc, paths[source % len(paths)]))
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return doc


OPS = st.lists(
    st.tuples(
        st.integers(0, 10**6),
        st.sampled_from(["replace", "delete", "copy", "duplicate"]),
        st.sampled_from(POOL),
        st.integers(0, 10**6),
    ),
    min_size=1,
    max_size=3,
)


@many(150)
@given(ops=OPS)
def test_a_damaged_playbook_is_refused_or_works(ops):
    text = yaml.dump(mutate(BASE, ops), Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    try:
        pb = engine.loads_playbook(text, "damaged.yaml")
    except engine.PlaybookError as exc:
        refused = exc
    else:
        refused = None
    if refused is not None:
        assert refused.diagnostics
        assert all(str(d.location).startswith("damaged.yaml:") for d in refused.diagnostics)
        return
    for deal in DEALS:
        try:
            pb.evaluate(deal, as_of=AS_OF).to_dict()
            pb.explain(deal, as_of=AS_OF, lang="zh").to_dict()
        except engine.DealError:
            pass
    assert "<svg" in render_html(pb.model, "en", pb.hash)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (["a", 1.5], "error[type]: expected text, found the number 1.5"),
        ("ab", "error[type]: expected a list, found the text 'ab'"),
        ({"a": 1}, "error[type]: expected a list, found a mapping"),
    ],
)
def test_allowed_values_that_are_not_texts_are_a_located_problem(values, problem):
    # found by the test above: the checker went on with 1.5 and crashed on it
    doc = copy.deepcopy(BASE)
    doc["fields"]["payment"]["fields"]["method"]["values"] = values
    text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    with pytest.raises(engine.PlaybookError) as info:
        engine.loads_playbook(text, "damaged.yaml")
    first = info.value.diagnostics[0].format()
    method = next(i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "method:")
    assert first.startswith("damaged.yaml:")
    assert method < int(first.split(":")[1]) <= method + 4  # a line of the values
    assert problem in first
