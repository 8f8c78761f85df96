"""The ``categories:`` section and the documents a category or a move needs in; ``Category``
and ``DocumentNeed`` values out; and who provides a missing document (``document_actions``)."""

from __future__ import annotations

from typing import Any

from ..lang.ir import AsOf, reads, walk
from ..read.sourcemap import Path
from .context import Context, label, title
from .expressions import Lang
from .model import Category, DocumentNeed, Expr
from .names import Declared
from .parameters import days


def check_categories(lang: Lang, declared: Declared) -> dict[str, Category]:
    ctx = lang.ctx
    out = {}
    for name, spec in ctx.mapping(("categories",)).items():
        path: Path = ("categories", name)
        if not isinstance(spec, dict) or ctx.is_bad(path):
            spec = {}
        rule = str(spec.get("rule") or name)
        needs = []
        for dpath, raw in ctx.items(path + ("documents",)):
            need = document_need(lang, declared, raw, dpath, rule, category=name)
            if need is not None:
                needs.append(need)
        out[name] = Category(
            name,
            title(spec.get("label"), name),
            label(spec.get("description")),
            rule,
            tuple(needs),
            ctx.at(path, key=True),
            _belongs(lang, spec.get("when"), path + ("when",)),
        )
    return out


def _belongs(lang: Lang, raw: Any, path: Path) -> Expr | None:
    """A category's ``when``: decided from the deal as it is read, before facts, the stage
    or the evaluation date exist, so it may read deal fields and params only."""
    if raw is None:
        return None
    when = lang.expr(raw, path)
    if when is None:
        return None
    seen = reads(when.node)
    late = sorted(
        [f"facts.{f}" for f in seen.facts]
        + [f"stage.{s}" for s in seen.stage]
        + (["as_of"] if any(isinstance(n, AsOf) for n in walk(when.node)) else [])
        + ([f"chain_status('{c}')" for c in seen.chains])
    )
    if late:
        lang.ctx.error(
            "category-when",
            f"a category's when may read deal fields and params only, not {', '.join(late)}: "
            "the category is decided when the deal is read, before anything else",
            path,
            "write the condition with deal.<field> (a fact's own expression, if need be)",
            said="category_when",
            values={"names_list": "\n".join(late)},
            hint_said="category_when",
        )
        return None
    return when


def document_need(
    lang: Lang, declared: Declared, raw: Any, path: Path, rule: str, category: str | None = None
) -> DocumentNeed | None:
    """A document a move needs, or (with ``category``) one a category's deals need to enter
    a stage; None after a problem."""
    ctx = lang.ctx
    if isinstance(raw, str):
        raw = {"document": raw}
        doc_path = path
    else:
        doc_path = path + ("document",)
    doc = raw.get("document")
    if doc not in declared.documents:
        ctx.unknown("document", doc, doc_path, declared.documents, "declare it under documents:")
        return None
    when = None
    if raw.get("when") is not None:
        when = lang.expr(raw["when"], path + ("when",))
        if when is None:
            return None
    to = raw.get("to")
    if category is not None and to not in declared.stages:
        stages = declared.stages
        ctx.unknown("stage", to, path + ("to",), stages)
        return None
    return DocumentNeed(
        doc,
        str(raw.get("rule") or rule),
        ctx.at(path),
        when,
        category,
        None if category is None else str(to),
    )


def document_actions(ctx: Context, declared: Declared) -> tuple[str, int]:
    """Who is asked for a missing document, and in how many days."""
    spec = ctx.mapping(("document_actions",))
    assignee = spec.get("assignee")
    if assignee is None:
        if declared.documents and not ctx.is_bad(("document_actions",)):
            ctx.error(
                "missing-key",
                "who provides a missing document? add "
                "document_actions: {assignee: <role>, due_in_days: N}",
                ("documents",),
                key=True,
                said="who_provides",
            )
        return "", 0
    if not isinstance(assignee, str):
        return "", 0  # not a name: the schema has reported it
    if assignee not in declared.roles:
        ctx.unknown(
            "role",
            assignee,
            ("document_actions", "assignee"),
            declared.roles,
            "declare it under roles:",
        )
    due = days(
        ctx, declared.params, spec.get("due_in_days", 0), ("document_actions", "due_in_days")
    )
    return str(assignee), due
