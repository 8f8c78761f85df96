"""Raw playbook mapping + source map in, checked ``PlaybookModel`` out (or every problem).

First the JSON Schema (shape, names, enums), then the meaning, one pass per part of the
playbook in a fixed order, each handed what the earlier ones found: unknown stages, roles,
documents, facts and parameters; expression and template errors with their column;
duplicate rule ids; decision tables whose tiers overlap, leave gaps or do not rise; stages
that cannot be reached or have no way out. Everything found is reported at once; a part
whose shape is wrong is skipped by the later passes instead of crashing them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from ..errors import Diagnostic, Location, PlaybookError
from ..lang.schema import schema_problems
from ..read.sourcemap import Path, SourceMap
from .chains import chain_ids, check_chains
from .context import Context, label
from .documents import check_categories, document_actions
from .expressions import Lang
from .facts import check_facts
from .fields import deal_type, early_basis, value_labels, with_basis
from .graph import check_graph
from .lookalike import check_lookalikes
from .model import ApprovalChain, Basis, Fact, PlaybookModel, Rule, Table
from .moves import Moves, check_moves
from .names import Declared, Names, RuleIds, read_declared, stage_type
from .parameters import check_parameters
from .rules import check_rules
from .size import size_problems
from .stages import check_stages
from .tables import check_tables


def check_playbook(
    data: Any,
    smap: SourceMap,
    texts: Mapping[str, list[str]] | None = None,
    earlier: Iterable[Diagnostic] = (),
) -> PlaybookModel:
    """Check a parsed playbook; raises ``PlaybookError`` with every problem found (together
    with ``earlier`` ones, e.g. duplicate keys found while reading). ``texts`` holds the
    lines of every file involved, so columns inside expressions can be pointed at."""
    return _check(data, smap, dict(texts or {}), earlier, module=False)


def check_module(
    data: Any,
    smap: SourceMap,
    texts: Mapping[str, list[str]] | None = None,
    earlier: Iterable[Diagnostic] = (),
) -> tuple[Diagnostic, ...]:
    """Check a policy module on its own; raises ``PlaybookError`` with every problem, else
    returns its warnings.

    What a module leaves to the playbook (a fact with no value, a rule scoped to categories
    or stages the module cannot know) is not an error here."""
    return _check(data, smap, dict(texts or {}), earlier, module=True).warnings


def _check(
    data: Any,
    smap: SourceMap,
    texts: dict[str, list[str]],
    earlier: Iterable[Diagnostic],
    module: bool,
) -> PlaybookModel:
    earlier = list(earlier)
    if not isinstance(data, dict):
        ctx = Context(data, smap, texts, module, earlier=earlier)
        ctx.error(
            "not-a-playbook",
            "a playbook must be a mapping (key: value) at the top",
            (),
            "start the file with 'kam: 1' and 'id: ...'",
            said="not_a_playbook",
            hint_said="not_a_playbook",
        )
        ctx.sink.raise_if_errors()
    too_large = size_problems(data, smap)
    if too_large:  # nothing more is checked: the work of every check stays bounded
        raise PlaybookError([*earlier, *too_large])
    found, bad = _schema(data, smap, module)
    ctx = Context(data, smap, texts, module, bad, earlier=[*earlier, *found])

    params = check_parameters(ctx)
    declared = read_declared(ctx, params)
    stages = check_stages(ctx, declared)
    deal, field_labels, recorded_by = deal_type(ctx, declared)
    deal = early_basis(ctx, deal)  # facts may read what an approval was given for
    ids = RuleIds(ctx)  # rule, table, row and chain ids, claimed in this order
    labelled = value_labels(ctx)
    names = Names(deal, stage_type(declared.stages), params, facts={}, value_labels=labelled)
    facts, fact_types = check_facts(ctx, names, declared, ids)
    names = replace(names, facts=fact_types)
    chains = check_chains(Lang(ctx, names), declared, ids)
    # chain_status() may name a chain from here on: in categories, rules, tables and moves
    lang = Lang(ctx, replace(names, chains=chain_ids(ctx)))
    categories = check_categories(lang, declared)
    rules = check_rules(lang, declared, ids)
    tables = check_tables(lang, declared, ids)
    deal = with_basis(ctx, deal, _bases(rules, tables, chains))
    moves = Moves((), stages_known=True)
    initials: dict[str, str] = {}
    doc_assignee, doc_due = "", 0
    if not module:  # a module's moves and documents are the including playbook's
        moves = check_moves(lang, declared, stages)
        complete = moves.stages_known and not ctx.is_bad(("transitions",))
        initials = check_graph(ctx, declared.categories, stages, moves.transitions, complete)
        doc_assignee, doc_due = document_actions(ctx, declared)
    _lookalikes(ctx, ids, declared, facts)
    if ctx.sink.errors:  # the flow's advice waits until the playbook is valid: errors first
        ctx.sink.items = [d for d in ctx.sink.items if d.code != "open-items-move"]
    ctx.sink.raise_if_errors()

    top = data
    return PlaybookModel(
        id=str(top.get("id", "")),
        version=str(top.get("version", "")),
        title=label(top.get("title")),
        description=label(top.get("description")),
        currency=str(top.get("currency", "")),
        rounding=str(top.get("rounding", "half_even")),
        file=smap.file,
        effective_from=top.get("effective_from"),
        effective_to=top.get("effective_to"),
        parameters=params,
        deal_type=deal,
        roles=declared.roles,
        documents=declared.documents,
        facts=facts,
        fact_names=tuple(n for n in ctx.mapping(("facts",)) if n in {f.name for f in facts}),
        categories=categories,
        stages=stages,
        initial=stages[0].id if stages else "",
        initials=initials,
        transitions=moves.transitions,
        rules=rules,
        tables=tables,
        document_assignee=doc_assignee,
        document_due_in_days=doc_due,
        includes=tuple(top.get("include") or ()),
        chains=chains,
        files=tuple(texts),
        field_labels=field_labels,
        recorded_by=recorded_by,
        value_labels=labelled,
        warnings=tuple(d for d in ctx.sink.items if d.severity == "warning"),
    )


def _lookalikes(ctx: Context, ids: RuleIds, declared: Declared, facts: Iterable[Fact]) -> None:
    """Warn about names of one kind that differ only in characters that look alike."""
    check_lookalikes(ctx, "rule", ids.first.items())
    sections: list[tuple[str, str, Iterable[str]]] = [
        ("stages", "stage", declared.stages),
        ("categories", "category", declared.categories),
        ("roles", "role", declared.roles),
        ("documents", "document", declared.documents),
        ("parameters", "parameter", declared.params),
        ("facts", "fact", [f.name for f in facts]),
    ]
    for section, kind, names in sections:
        check_lookalikes(ctx, kind, ((n, ctx.at((section, n), key=True)) for n in names))


def _bases(
    rules: Iterable[Rule], tables: Iterable[Table], chains: Iterable[ApprovalChain]
) -> list[tuple[Basis, Location]]:
    """Every value an approval of this playbook is bound to, with where it is declared."""
    out = [(b, b.value.location) for r in rules for b in r.outcome.basis]
    for t in tables:
        if any(row.outcome.kind == "approval" for row in t.rows):
            out += [(b, b.value.location) for b in t.basis]
    out += [(b, b.value.location) for c in chains for b in c.basis]
    return out


def _schema(data: Any, smap: SourceMap, module: bool) -> tuple[list[Diagnostic], list[Path]]:
    """The schema's problems, and the elements they spoil (which the later passes skip)."""
    found: list[Diagnostic] = []
    bad: list[Path] = []
    for path, diagnostic in schema_problems(data, smap, "module" if module else "playbook"):
        found.append(diagnostic)
        # an unknown key is reported but does not spoil the rest of its mapping; a
        # top-level problem (a missing key) must not hide everything else
        if path and diagnostic.code != "unknown-key":
            bad.append(_element(path))
    return found, bad


def _element(path: Path) -> Path:
    """The element a schema error spoils: up to its last list index (a rule, a row...),
    else the named entry it is in (a fact, a stage, a parameter)."""
    for i in range(len(path) - 1, -1, -1):
        if isinstance(path[i], int):
            return path[: i + 1]
    return path[:2]
