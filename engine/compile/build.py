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
    Row,
    Rule,
    Table,
    Transition,
)
from ..results import PlaybookRef
from ..run import reference as rt
from ..text import LANGUAGES
from .codegen import ModuleBuilder
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


@dataclass(frozen=True, slots=True)
class CRule:
    rule: Rule
    when: CExpr
    for_each: CExpr | None
    due: CExpr | None


@dataclass(frozen=True, slots=True)
class CTable:
    table: Table
    input: CExpr
    when: CExpr | None


@dataclass(frozen=True, slots=True)
class CChain:
    chain: ApprovalChain
    when: CExpr | None
    amount: CExpr | None


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
    facts_fn: Callable[..., dict[str, Any]]  # generated: every fact of a deal
    rules_fn: Callable[..., list[tuple[int, Any, int, Any]]]  # generated: rules and tables
    checks: tuple[CRule | CTable, ...]  # the index the generated hits refer to
    check: Callable[[Any], dict[str, Any] | None]  # generated: the deal normalised, or None
    labels: Mapping[str, Mapping[str, Mapping[str, str]]]  # lang -> role/document/stage -> label
    ref: Any  # results.PlaybookRef: id, version and content hash
    source: str  # the generated Python, for people who want to read it

    @functools.cached_property
    def validator(self) -> Any:
        """jsonschema's validator of deals: asked only to explain a refused deal."""
        from ..lang.schema import deal_validator

        return deal_validator(self.deal_schema)

    @functools.cached_property
    def machine(self) -> Any:
        """The ``transitions`` stage machine: built when a deal first moves."""
        from ..run.machine import StageMachine

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
    rounding = ROUND_HALF_EVEN if model.rounding == "half_even" else rt.ROUNDING[model.rounding]
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
        )
        for f in model.facts
    ]
    rules_src = []
    for r in model.rules:
        locals_ = (r.item,) if r.for_each is not None else ()
        rules_src.append((r, cx(r.when, locals_), cx(r.for_each), cx(r.outcome.due, locals_)))
    tables_src = [(t, cx(t.input), cx(t.when)) for t in model.tables]
    chains_src = [(c, cx(c.when), cx(c.amount)) for c in model.chains]
    moves_src = [
        (t, [(g, cx(g.when)) for g in t.conditions], [(n, cx(n.when)) for n in t.documents])
        for t in model.transitions
    ]
    cat_src: dict[tuple[str, str], list[tuple[DocumentNeed, CExprSlot | None]]] = {}
    for cat in model.categories.values():
        for need in cat.documents:
            cat_src.setdefault((cat.id, need.stage or ""), []).append((need, cx(need.when)))

    fuse(mb, model)
    mb.names["_show"] = rt.show
    namespace = mb.compile(f"{model.id}@{model.version}")

    def done(slot: CExprSlot | None) -> CExpr | None:
        return None if slot is None else CExpr(slot.expr, namespace[slot.name], slot.locals)

    def must(slot: CExprSlot | None) -> CExpr:
        out = done(slot)
        assert out is not None
        return out

    facts = tuple(
        CFact(f, done(v), tuple((must(w), must(x)) for w, x in cs), done(o), done(ti))
        for f, v, cs, o, ti in facts_src
    )
    rules = tuple(CRule(r, must(w), done(e), done(d)) for r, w, e, d in rules_src)
    tables = tuple(CTable(t, must(i), done(w)) for t, i, w in tables_src)
    chains = tuple(CChain(c, done(w), done(a)) for c, w, a in chains_src)
    compiled_moves = [
        CMove(t, tuple((g, must(w)) for g, w in conds), tuple(CNeed(n, done(w)) for n, w in needs))
        for t, conds, needs in moves_src
    ]
    # the move table per category: a category only moves between the stages it uses
    by_id = {s.id: s for s in model.stages}
    moves: dict[tuple[str, str], list[CMove]] = {}
    for category in model.categories:
        for s in model.stages:
            if s.used_by(category):
                moves[(category, s.id)] = [
                    m
                    for m in compiled_moves
                    if m.transition.source == s.id and by_id[m.transition.target].used_by(category)
                ]
    category_needs = {k: tuple(CNeed(n, done(w)) for n, w in v) for k, v in cat_src.items()}
    namespace["_fact_unknown"] = _precise_fact_reason(facts, rounding)
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
        ref=PlaybookRef(model.id, model.version, digest),
        labels={
            lang: {
                "role": {k: v.get(lang) for k, v in model.roles.items()},
                "document": {k: v.get(lang) for k, v in model.documents.items()},
                "stage": {s.id: s.label.get(lang) for s in model.stages},
            }
            for lang in LANGUAGES
        },
        source=namespace["__source__"],
    )


def fact_value(cfact: CFact, run: Callable[[CExpr], Any]) -> Any:
    """A fact's value, running its expressions with ``run``; raises ``Unknown``."""
    if cfact.value is not None:
        return run(cfact.value)
    if cfact.cases:
        for when, value in cfact.cases:
            if run(when):
                return run(value)
        if cfact.otherwise is not None:
            return run(cfact.otherwise)
        raise rt.Unknown(f"no case of fact {cfact.fact.name} holds")
    assert cfact.table_input is not None
    x = run(cfact.table_input)
    for row in cfact.fact.rows:
        if row.holds(x):
            return row.value
    raise rt.Unknown(f"{rt.show(x)} matches no row of fact {cfact.fact.name}")


def _precise_fact_reason(facts: tuple[CFact, ...], rounding: str) -> Callable[..., Any]:
    """Why a fact is unknown, in the interpreter's words (with list indexes): generated code
    only knows "line.list_price is missing", the interpreter knows "deal.lines[2]..."."""

    def unknown(i: int, exc: rt.Unknown, deal: Any, known: Any, stage: Any, as_of: Any) -> Any:
        env = rt.Env(deal, known, stage, as_of, rounding)
        try:
            fact_value(facts[i], lambda c: rt.interpret(c.expr.node, env))
        except rt.Unknown as precise:
            return rt.MissingFact(precise.reason, precise.path)
        return rt.MissingFact(exc.reason, exc.path)  # pragma: no cover - both must agree

    return unknown


def fuse(mb: ModuleBuilder, model: PlaybookModel) -> None:
    """Add the two functions that evaluate a whole deal: ``facts_of`` and ``hits_of``.

    ``hits_of`` checks every rule and decision table in one pass (scope tests inline) and
    returns what fired or could not be decided as ``(check, unknown, item, value)`` tuples;
    ``evaluate.py`` turns them into results. No rule tree is walked per deal.
    """
    lines = ["def facts_of(deal, stage, as_of, chains):", "    facts = {}"]
    for i, f in enumerate(model.facts):
        lines.append("    try:")
        if f.value is not None:
            lines.append(f"        facts[{f.name!r}] = {mb.expr(f.value.node)}")
        elif f.cases:
            for j, case in enumerate(f.cases):
                word = "if" if j == 0 else "elif"
                lines += [
                    f"        {word} {mb.expr(case.when.node)}:",
                    f"            facts[{f.name!r}] = {mb.expr(case.value.node)}",
                ]
            lines.append("        else:")
            if f.otherwise is not None:
                lines.append(f"            facts[{f.name!r}] = {mb.expr(f.otherwise.node)}")
            else:
                lines.append(f"            raise Unknown({f'no case of fact {f.name} holds'!r})")
        elif f.table_input is not None:
            lines.append(f"        x = {mb.expr(f.table_input.node)}")
            for j, row in enumerate(f.rows):
                word = "if" if j == 0 else "elif"
                lines += [
                    f"        {word} {_holds(mb, row, 'x')}:",
                    f"            facts[{f.name!r}] = {mb.const(row.value)}",
                ]
            lines += [
                "        else:",
                f"            raise Unknown(_show(x) + {f' matches no row of fact {f.name}'!r})",
            ]
        lines += [
            "    except Unknown as exc:",
            f"        facts[{f.name!r}] = _fact_unknown({i}, exc, deal, facts, stage, as_of)",
        ]
    lines += ["    return facts", ""]
    lines += [
        "def hits_of(deal, facts, stage, as_of, chains, category, stage_id):",
        "    hits = []",
    ]
    checks: list[Any] = [*model.rules, *model.tables]
    for k, spec in enumerate(checks):
        scope = []
        if spec.categories is not None:
            scope.append(f"category in {mb.const(frozenset(spec.categories))}")
        if spec.stages is not None:
            scope.append(f"stage_id in {mb.const(frozenset(spec.stages))}")
        pad = "    "
        if scope:
            lines.append(f"    if {' and '.join(scope)}:")
            pad = "        "
        if isinstance(spec, Rule) and spec.for_each is not None:
            var = f"v_{spec.item}"
            lines += [
                f"{pad}try:",
                f"{pad}    items = {mb.expr(spec.for_each.node)}",
                f"{pad}except Unknown as exc:",
                f"{pad}    hits.append(({k}, exc, -1, None))",
                f"{pad}else:",
                f"{pad}    for i, {var} in enumerate(items):",
                f"{pad}        try:",
                f"{pad}            if {mb.expr(spec.when.node)}:",
                f"{pad}                hits.append(({k}, None, i, {var}))",
                f"{pad}        except Unknown as exc:",
                f"{pad}            hits.append(({k}, exc, i, {var}))",
            ]
        elif isinstance(spec, Rule):
            lines += [
                f"{pad}try:",
                f"{pad}    if {mb.expr(spec.when.node)}:",
                f"{pad}        hits.append(({k}, None, -1, None))",
                f"{pad}except Unknown as exc:",
                f"{pad}    hits.append(({k}, exc, -1, None))",
            ]
        else:
            go = mb.expr(spec.when.node) if spec.when is not None else "True"
            lines += [
                f"{pad}try:",
                f"{pad}    go = {go}",
                f"{pad}    x = {mb.expr(spec.input.node)} if go else None",
                f"{pad}except Unknown as exc:",
                f"{pad}    hits.append(({k}, exc, -1, None))",
                f"{pad}else:",
                f"{pad}    if go:",
            ]
            word = "if"
            for j, row in enumerate(spec.rows):
                lines.append(f"{pad}        {word} {_holds(mb, row, 'x')}:")
                lines.append(
                    f"{pad}            hits.append(({k}, None, {j}, x))"
                    if row.outcome.kind != "none"
                    else f"{pad}            pass"
                )
                if spec.hit == "first":
                    word = "elif"
    lines += ["    return hits", ""]
    mb.lines += lines


def _holds(mb: ModuleBuilder, row: Row, x: str) -> str:
    parts = []
    if row.low is not None:
        parts.append(f"{mb.const(row.low)} {'<=' if row.low_inclusive else '<'} {x}")
    if row.high is not None:
        parts.append(f"{x} {'<=' if row.high_inclusive else '<'} {mb.const(row.high)}")
    return " and ".join(parts) or "True"


@dataclass
class CExprSlot:
    expr: Expr
    name: str
    locals: tuple[str, ...]
