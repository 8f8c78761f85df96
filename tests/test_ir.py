"""The expression IR: one visitor for every walker, and what an expression reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.compile.codegen import ModuleBuilder
from engine.lang import expressions as ex
from engine.lang import ir
from engine.lang import types as T
from engine.present.words import _Words
from engine.run.reference import Env

SCOPE = ex.Scope(
    deal=T.object_of(
        {
            "customer": T.object_of({"tier": T.STRING}),
            "lines": T.list_of(T.object_of({"quantity": T.INTEGER})),
        }
    ),
    facts={"margin": T.object_of({"rate": T.PERCENT}), "total": T.MONEY},
    stage=T.object_of({"id": T.STRING}),
    params={"min_units": (5, T.INTEGER), "cap": (Decimal("0.2"), T.PERCENT)},
    chains=("FIN",),
)


def test_every_walker_has_a_method_for_every_node_kind():
    for walker in (Env, ModuleBuilder, _Words):
        for kind in ir.NODE_KINDS:
            assert callable(getattr(walker, "visit_" + kind.__name__)), (walker, kind)


def test_a_visitor_missing_a_node_kind_is_refused_when_it_is_defined():
    with pytest.raises(TypeError, match=r"Partial walks the expression IR but has no .*visit_Get"):

        class Partial(ir.Visitor[str]):
            def visit_Const(self, node: ir.Const) -> str:
                return "c"


def test_a_visitor_dispatches_on_the_node_class():
    methods = {"visit_" + k.__name__: lambda self, node: type(node).__name__ for k in ir.NODE_KINDS}
    names = type("Names", (ir.Visitor,), methods)
    node = ex.check("deal.customer.tier == 'gold'", SCOPE).node
    assert node is not None
    walker: Any = names()
    assert walker.visit(node) == "Compare"
    assert walker.visit(node.left) == "Get"
    with pytest.raises(TypeError, match="cannot visit"):
        walker.visit(object())


def test_reads_lists_facts_paths_parameters_and_chains():
    text = (
        "facts.margin.rate > params.cap and deal.customer.tier == 'gold'"
        " and any(line.quantity >= params.min_units for line in deal.lines)"
        " and chain_status('FIN') == 'complete' and stage.id != 'lost' and facts.total > 0"
    )
    checked = ex.check(text, SCOPE)
    assert checked.node is not None, checked.problems
    reads = ir.reads(checked.node)
    assert reads.facts == {"margin", "total"} == checked.facts_used
    assert reads.deal == {"customer.tier", "lines"} == checked.paths_used
    assert reads.stage == {"id"}
    assert reads.params == {"cap", "min_units"}
    assert reads.chains == {"FIN"}
    assert ir.reads(None) == ir.Reads(*(frozenset[str]() for _ in range(5)))
