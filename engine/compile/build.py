"""Checked ``PlaybookModel`` in, ``CompiledPlaybook`` out: generated code for every expression,
a precomputed move table, the stage machine, the deal validator and the content hash.

Everything here is done once per playbook; evaluating a deal only calls what is built here.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN
from typing import Any

from ..check.model import (
    ApprovalChain,
    DocumentNeed,
    Expr,
    Fact,
    Guard,
    PlaybookModel,
    Rule,
    Table,
    Transition,
)
from ..lang import ir
from ..lang.values import ROUNDING, show
from ..results import PlaybookRef
from ..text import LANGUAGES
from .codegen import ModuleBuilder, evaluator_functions
from .dealtype import deal_checker, deal_schema

LANGUAGE_VERSION = "1"


@dataclass(frozen=True, slots=True)
class CExpr:
    """A checked expression with its generated function."""

    expr: Expr
    fn: Callable[..., Any]
    locals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CFact:
    fact: Fact
    value: CExpr | None
    cases: tuple[tuple[CExpr, CExpr], ...]
    otherwise: CExpr | None
    table_input: CExpr | None
    given: CExpr | None = None


@dataclass(frozen=True, slots=True)
class CRule:
    rule: Rule
    when: CExpr
    for_each: CExpr | None
    due: CExpr | None
    basis: tuple[CExpr, ...] = ()  # the values of rule.outcome.basis, in order


@dataclass(frozen=True, slots=True)
class CTable:
    table: Table
    input: CExpr
    when: CExpr | None
    basis: tuple[CExpr, ...] = ()  # the values of table.basis


@dataclass(frozen=True, slots=True)
class CChain:
    chain: ApprovalChain
    when: CExpr | None
    amount: CExpr | None
    basis: tuple[CExpr, ...] = ()  # the values of chain.basis


@dataclass(frozen=True, slots=True)
class CNeed:
    need: DocumentNeed
    when: CExpr | None


@dataclass(frozen=True, slots=True)
class CMove:
    transition: Transition
    conditions: tuple[tuple[Guard, CExpr], ...]
    needs: tuple[CNeed, ...]  # the move's own documents


@dataclass(frozen=True)
class CompiledPlaybook:
    model: PlaybookModel
    hash: str
    facts: tuple[CFact, ...]
    rules: tuple[CRule, ...]
    tables: tuple[CTable, ...]
    chains: tuple[CChain, ...]
    moves: Mapping[tuple[str, str], tuple[CMove, ...]]  # (category, stage) -> moves out
    category_needs: Mapping[tuple[str, str], tuple[CNeed, ...]]  # (category, target) -> docs
    stage_info: Mapping[str, dict[str, Any]]
    params: Mapping[str, Any]
    rounding: str
    deal_schema: dict[str, Any]
    facts_fn: Callable[..., None]  # generated: every fact of a deal (compile/evaluator.py)
    rules_fn: Callable[..., list[tuple[int, Any, int, Any]]]  # generated: rules and tables
    checks: tuple[CRule | CTable, ...]  # the index the generated hits refer to
    check: Callable[[Any], dict[str, Any] | None]  # generated: the deal normalised, or None
    labels: Mapping[str, Mapping[str, Mapping[str, str]]]  # lang -> role/document/stage -> label
    source: str  # the generated Python, for people who want to read it
    # category -> when a deal belongs to it (only categories with a ``when``; deal fields only)
    category_when: tuple[tuple[str, CExpr], ...] = ()

    @functools.cached_property
    def ref(self) -> PlaybookRef:
        """Which playbook a result was made with (id, version, content hash): one value per
        playbook, not one per deal."""
        return PlaybookRef(self.model.id, self.model.version, self.hash)

    @functools.cached_property
    def fact_defaults(
        self,
    ) -> tuple[tuple[CFact, tuple[tuple[str, ...], ...], frozenset[str]], ...]:
        """Per fact, in order: the deal paths its formulas replace by a default when the deal
        lacks them (``present``/``if_missing`` on a value of the deal that is not a list; none
        for a yes/no fact), and the facts it reads. ``run/unrecorded.py`` shows a fact that
        rested on one as unknown."""
        out = []
        for cfact in self.facts:
            paths: set[tuple[str, ...]] = set()
            names: set[str] = set()
            for c in _fact_exprs(cfact) if cfact.fact.type.kind != "bool" else ():
                for n in ir.walk(c.expr.node):
                    if isinstance(n, ir.Present | ir.IfMissing) and guarded(n.operand):
                        paths |= {g.path for g in ir.walk(n.operand) if isinstance(g, ir.Get)}
            for c in (*_fact_exprs(cfact), *(w for w, _ in cfact.cases)):
                names |= ir.reads(c.expr.node).facts
            out.append((cfact, tuple(sorted(paths)), frozenset(names)))
        # none when no fact has a default to check: a deal then costs nothing here
        return tuple(out) if any(paths for _, paths, _ in out) else ()

    @functools.cached_property
    def validator(self) -> Any:
        """jsonschema's validator of deals: asked only to explain a refused deal."""
        from ..lang.schema import deal_validator

        return deal_validator(self.deal_schema)

    @functools.cached_property
    def machine(self) -> Any:
        """The ``transitions`` stage machine: built when a deal first moves."""
        from .machine import StageMachine

        model = self.model
        return StageMachine(
            [s.id for s in model.stages],
            [(t.source, t.target) for t in model.transitions],
            model.initial,
            [s.id for s in model.stages if s.terminal],
        )


def canonical_json(raw: Any) -> str:
    """Playbook data as one canonical text: key order, formatting and comments do not count."""
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(raw: Any) -> str:
    """sha256 over the playbook's canonical JSON."""
    return hashlib.sha256(f"kam{LANGUAGE_VERSION}:{canonical_json(raw)}".encode()).hexdigest()


def compile_model(
    model: PlaybookModel, raw: Any, known_hash: str | None = None
) -> CompiledPlaybook:
    """Generate and compile everything one deal evaluation needs (``raw`` is the merged
    playbook data, hashed into the content hash unless ``known_hash`` is given)."""
    rounding = ROUND_HALF_EVEN if model.rounding == "half_even" else ROUNDING[model.rounding]
    mb = ModuleBuilder(rounding=rounding)
    pending: list[tuple[str, CExprSlot]] = []

    def cx(expr: Expr | None, local_names: tuple[str, ...] = ()) -> CExprSlot | None:
        if expr is None:
            return None
        slot = CExprSlot(expr, mb.function(expr.node, local_names), local_names)
        pending.append((slot.name, slot))
        return slot

    facts_src = [
        (
            f,
            cx(f.value),
            [(cx(c.when), cx(c.value)) for c in f.cases],
            cx(f.otherwise),
            cx(f.table_input),
            cx(f.given),
        )
        for f in model.facts
    ]
    rules_src = []
    for r in model.rules:
        locals_ = (r.item,) if r.for_each is not None else ()
        rules_src.append(
            (
                r,
                cx(r.when, locals_),
                cx(r.for_each),
                cx(r.outcome.due, locals_),
                [cx(b.value, locals_) for b in r.outcome.basis],
            )
        )
    tables_src = [
        (t, cx(t.input), cx(t.when), [cx(b.value) for b in t.basis]) for t in model.tables
    ]
    chains_src = [
        (c, cx(c.when), cx(c.amount), [cx(b.value) for b in c.basis]) for c in model.chains
    ]
    moves_src = [
        (t, [(g, cx(g.when)) for g in t.conditions], [(n, cx(n.when)) for n in t.documents])
        for t in model.transitions
    ]
    cat_src: dict[tuple[str, str], list[tuple[DocumentNeed, CExprSlot | None]]] = {}
    for cat in model.categories.values():
        for need in cat.documents:
            cat_src.setdefault((cat.id, need.stage or ""), []).append((need, cx(need.when)))

    when_src = [(c.id, cx(c.when)) for c in model.categories.values() if c.when is not None]
    evaluator_functions(mb, model)
    mb.names["_show"] = show
    namespace = mb.compile(f"{model.id}@{model.version}")

    def done(slot: CExprSlot | None) -> CExpr | None:
        return None if slot is None else CExpr(slot.expr, namespace[slot.name], slot.locals)

    def must(slot: CExprSlot | None) -> CExpr:
        out = done(slot)
        assert out is not None
        return out

    facts = tuple(
        CFact(f, done(v), tuple((must(w), must(x)) for w, x in cs), done(o), done(ti), done(g))
        for f, v, cs, o, ti, g in facts_src
    )
    rules = tuple(
        CRule(r, must(w), done(e), done(d), tuple(map(must, b))) for r, w, e, d, b in rules_src
    )
    tables = tuple(CTable(t, must(i), done(w), tuple(map(must, b))) for t, i, w, b in tables_src)
    chains = tuple(CChain(c, done(w), done(a), tuple(map(must, b))) for c, w, a, b in chains_src)
    compiled_moves = [
        CMove(t, tuple((g, must(w)) for g, w in conds), tuple(CNeed(n, done(w)) for n, w in needs))
        for t, conds, needs in moves_src
    ]
    # the move table per category: a category only moves between the stages it uses
    by_id = {s.id: s for s in model.stages}
    leaving: dict[str, list[CMove]] = {}  # by source: categories x moves, not x stages too
    for m in compiled_moves:
        leaving.setdefault(m.transition.source, []).append(m)
    moves: dict[tuple[str, str], list[CMove]] = {}
    for category in model.categories:
        for s in model.stages:
            if s.used_by(category):
                moves[(category, s.id)] = [
                    m for m in leaving.get(s.id, ()) if by_id[m.transition.target].used_by(category)
                ]
    category_needs = {k: tuple(CNeed(n, done(w)) for n, w in v) for k, v in cat_src.items()}
    stage_info = {
        s.id: {
            "id": s.id,
            "label": s.label.en,
            "win_probability": s.win_probability,
            "terminal": s.terminal,
        }
        for s in model.stages
    }
    schema = deal_schema(model.deal_type, model.id)
    digest = known_hash or content_hash(raw)
    return CompiledPlaybook(
        model=model,
        hash=digest,
        facts=facts,
        rules=rules,
        tables=tables,
        chains=chains,
        moves={k: tuple(v) for k, v in moves.items()},
        category_needs=category_needs,
        stage_info=stage_info,
        params={k: p.value for k, p in model.parameters.items()},
        rounding=rounding,
        deal_schema=schema,
        facts_fn=namespace["facts_of"],
        rules_fn=namespace["hits_of"],
        checks=(*rules, *tables),
        check=deal_checker(model.deal_type),
        labels={
            lang: {
                "role": {k: v.get(lang) for k, v in model.roles.items()},
                "document": {k: v.get(lang) for k, v in model.documents.items()},
                "stage": {s.id: s.label.get(lang) for s in model.stages},
            }
            for lang in LANGUAGES
        },
        source=namespace["__source__"],
        category_when=tuple((cid, must(slot)) for cid, slot in when_src),
    )


@dataclass
class CExprSlot:
    expr: Expr
    name: str
    locals: tuple[str, ...]


def guarded(node: ir.Node) -> bool:
    """Is ``node`` a value of the deal itself (not a list, not a field of a list's item)? A
    default for one stands in for evidence the deal does not record."""
    if node.type.kind == "list":
        return False
    gets = [n for n in ir.walk(node) if isinstance(n, ir.Get)]
    return bool(gets) and all(g.root == "deal" and not g.local for g in gets)


def _fact_exprs(cfact: CFact) -> list[CExpr]:
    """A fact's formulas; not the ``when`` of its cases, where asking about absence chooses
    the formula (a deal without payment terms is billed whole), not a value for the fact."""
    found = [cfact.value, cfact.otherwise, cfact.table_input, *(v for _, v in cfact.cases)]
    return [c for c in found if c is not None]
