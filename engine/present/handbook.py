"""A checked playbook (and worked examples from the deals of its test files) in, a handbook a
sales director reads without YAML out (HTML or Markdown).

Stages with their win rates and what each move needs, a stage diagram (inline SVG in HTML,
Mermaid in Markdown), every rule in plain words with the settings it uses and its message as
it reads for a worked example deal, decision tables as tables, approval chains as steps, the
settings, and an appendix for playbook authors with the ids and where each item is defined.
Only the appendix shows ids and file names; everything else uses the playbook's labels (or a
humanised id where it has none). The HTML is one self-contained file: no script, style or
font is fetched from anywhere. Our own templates run in jinja2's sandbox with autoescaping,
so nothing a playbook says can inject markup.

Here: what the handbook shows, section by section (``build``), and the two templates
(``handbook.html.j2``, ``handbook.md.j2``). Conditions, messages and settings in words are in
``words.py``, the stage diagram in ``diagram.py``, the worked examples in ``app/examples.py``,
and every heading in both languages in ``text.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..check.model import PlaybookModel
from ..check.parameters import param_named
from ..errors import Location
from ..lang import ir
from ..text import fmt_money, fmt_percent, word, words_of
from .diagram import diagram_svg, mermaid, stage_groups
from .words import (
    ENV,
    Book,
    message_in_words,
    param_value,
    params_used,
    row_range,
    shown_value,
    words,
)


@dataclass(frozen=True)
class Example:
    """A message as kam wrote it for one deal of the playbook's test files."""

    deal: str  # the deal's id
    text: str


def build(
    model: PlaybookModel,
    lang: str,
    hash_: str = "",
    examples: Mapping[str, Example] | None = None,
) -> dict[str, Any]:
    """Everything the handbook shows, as plain values for the templates."""
    book = Book(model, lang)
    ui = words_of(lang, "handbook")
    examples = examples or {}

    def message(
        key: str, m: Any, names: Mapping[str, str], locals_: Mapping[str, str] | None = None
    ) -> dict[str, str] | None:
        """The message as kam writes it for a worked example deal, else in words."""
        if m is None:
            return None
        shown = examples.get(key)
        if shown is not None:
            return {"lead": ui["example"].format(deal=shown.deal), "text": shown.text}
        source = m.source.get(lang) or m.source.get("en") or next(iter(m.source.values()))
        text, holes = message_in_words(str(source), book, names, locals_)
        return {"lead": ui["in_general"] if holes else "", "text": text}

    def outcome(o: Any, locals_: dict[str, str] | None = None) -> str:
        if o.kind == "approval":
            # what the approval is bound to (a stale approval does not count)
            bound = "".join(
                ("；" if lang == "zh" else "; ")
                + ui[f"basis_{b.beyond}"].format(what=words(b.value.node, book, locals_))
                for b in o.basis
            )
            return f"{ui['approval']} {book.role(o.role)}{bound}"
        if o.kind == "action":
            due = (
                ui["due_days"].format(n=o.due_in_days)
                if o.due is None
                else f"{ui['due']}: {words(o.due.node, book, locals_)}"
            )
            task = book.word(o.action_id)
            return f"{ui['action']} {book.role(o.assignee)} — {task} ({due})"
        return str(ui.get(o.kind, o.kind))

    comma = ui["list_sep"]
    stage_order = {s.id: i for i, s in enumerate(model.stages)}
    cat_order = {c: i for i, c in enumerate(model.categories)}

    def scope(cats: Any, stages: Any) -> str:
        """Categories and stages in the playbook's order."""
        parts = []
        if cats:
            ordered = sorted(cats, key=lambda c: (cat_order.get(c, len(cat_order)), c))
            parts.append(comma.join(book.category(c) for c in ordered))
        if stages:
            ordered = sorted(stages, key=lambda s: (stage_order.get(s, len(stage_order)), s))
            parts.append(comma.join(book.stage(s) for s in ordered))
        return " · ".join(parts) or ui["everyone"]

    def mark(*names: str) -> str:
        """ " ※" after a number that is a company setting (any of ``names``), else ""."""
        company = any(
            n in model.parameters and model.parameters[n].source == "company" for n in names
        )
        return f" {ui['company_mark']}" if company else ""

    def param_rows(names: list[str]) -> list[dict[str, str]]:
        return [
            {
                "label": book.param(n),
                "value": param_value(model.parameters[n].value, model.parameters[n].type.kind, book)
                + mark(n),
            }
            for n in names
            if n in model.parameters
        ]

    appendix: list[dict[str, str]] = []

    def author(kind: str, key: str, name: str, where: Location | None) -> None:
        appendix.append(
            {
                "kind": ui[f"k_{kind}"],
                "id": key,
                "name": name,
                "where": f"{where.file}:{where.line}" if where else "",
            }
        )

    rules = []
    for r in model.rules:
        locals_ = {}
        if r.for_each is not None and isinstance(r.for_each.node, ir.Get):
            locals_[r.item] = ".".join(r.for_each.node.path)
        cond = words(r.when.node, book, locals_)
        if r.for_each is not None:
            cond = f"{words(r.for_each.node, book)} — {ui['when']}: {cond}"
        title = book.label(r.title, r.id)
        names = {"title": title}
        if r.outcome.kind == "approval":
            names |= {"role": book.role(r.outcome.role), "role_label": book.role(r.outcome.role)}
        rules.append(
            {
                "id": r.id,
                "title": title,
                "description": r.description.get(lang),
                "when": cond,
                "then": outcome(r.outcome, locals_),
                "scope": scope(r.categories, r.stages),
                "missing": ui[f"missing_{r.on_missing}"],
                "shadow": r.mode == "shadow",
                "message": message(r.id, r.outcome.message, names, locals_),
                "params": param_rows(
                    params_used(
                        [
                            r.when.node,
                            r.for_each.node if r.for_each else None,
                            r.outcome.due.node if r.outcome.due else None,
                        ]
                    )
                ),
            }
        )
        author("rule", r.id, title, r.location)
    tables = []
    for tb in model.tables:
        title = book.label(tb.title, tb.id)
        based_on = words(tb.input.node, book)
        names = {
            "title": title,
            "value": based_on,
            "row": ui["tier"],
            "role": ui["approver"],
            "role_label": ui["approver"],
        }
        tables.append(
            {
                "id": tb.id,
                "title": title,
                "description": tb.description.get(lang),
                "input": based_on,
                "hit": ui[tb.hit],
                "scope": scope(tb.categories, tb.stages),
                "shadow": tb.mode == "shadow",
                "rows": [
                    {
                        "range": row_range(row, lang)
                        + mark(*(param_named(t) for t in row.bounds_text.values())),
                        "then": ui["none"] if row.outcome.kind == "none" else outcome(row.outcome),
                    }
                    for row in tb.rows
                ],
                "message": message(tb.id, tb.message, names),
            }
        )
        author("table", tb.id, title, tb.location)
    chains = []
    for c in model.chains:
        title = book.label(c.title, c.id)
        names = {
            "title": title,
            "step": ui["step"],
            "role": ui["approver"],
            "role_label": ui["approver"],
            "limit": ui["limit"],
            "amount": ui["amount"],
        }
        chains.append(
            {
                "id": c.id,
                "title": title,
                "description": c.description.get(lang),
                "scope": scope(c.categories, c.stages),
                "amount": words(c.amount.node, book) if c.amount else "",
                "when": words(c.when.node, book) if c.when else "",
                "steps": [
                    {
                        "n": i + 1,
                        "role": book.role(s.role),
                        "limit": fmt_money(s.limit) + mark(s.limit_param)
                        if s.limit is not None
                        else "",
                        "always": s.always,
                    }
                    for i, s in enumerate(c.steps)
                ],
                "message": message(c.id, c.message, names),
            }
        )
        author("chain", c.id, title, c.location)
    moves = []
    any_moves: list[dict[str, Any]] = []  # moves written `from: any`, shown once
    guards: list[tuple[str, str, Location]] = []
    for s in model.stages:
        out_moves = []
        for t in model.transitions:
            if t.source != s.id:
                continue
            needs = []
            for g in t.conditions:
                needs.append(f"{book.label(g.title, g.id)} — {words(g.when.node, book)}")
                if all(g.id != k for k, _, _ in guards):
                    guards.append((g.id, book.label(g.title, g.id), g.location))
            for n in t.documents:
                when = f" ({ui['when']} {words(n.when.node, book)})" if n.when else ""
                needs.append(f"{ui['documents_needed']}: {book.document(n.document)}{when}")
            needs += [f"{ui['approval']} {book.role(r)}" for r in t.approvals]
            if t.all_clear:
                needs.append(ui["all_clear"])
            out_moves.append({"to": book.stage(t.target), "any": t.from_any, "needs": needs})
        moves.append(
            {
                "id": s.id,
                "label": book.label(s.label, s.id),
                "win": fmt_percent(s.win_probability) + mark(s.win_param),
                "terminal": s.terminal,
                "description": s.description.get(lang),
                "categories": scope(s.categories, None) if s.categories else "",
                "moves": [m for m in out_moves if not m["any"]],
            }
        )
        author("stage", s.id, book.label(s.label, s.id), s.location)
        for m in out_moves:
            if m["any"] and m["to"] not in {a["to"] for a in any_moves}:
                any_moves.append(m)
    for key, title, where in guards:
        author("guard", key, title, where)
    categories = []
    for cat in model.categories.values():
        categories.append(
            {
                "id": cat.id,
                "label": book.label(cat.label, cat.id),
                "description": cat.description.get(lang),
                "rule": cat.rule,
                "when": ui["category_when"].format(when=words(cat.when.node, book))
                if cat.when is not None
                else "",
                "documents": [
                    {
                        "document": book.document(n.document),
                        "stage": book.stage(n.stage or ""),
                        "when": words(n.when.node, book) if n.when else "",
                    }
                    for n in cat.documents
                ],
            }
        )
        author("category", cat.id, book.label(cat.label, cat.id), cat.location)
    facts = []
    for name in model.fact_names:
        f = next(x for x in model.facts if x.name == name)
        if f.value is not None:
            how = words(f.value.node, book)
        elif f.cases:
            how = f"{ui['cases']}: " + "; ".join(
                f"{_case_value(f.name, c.value, book)} {ui['when']} {words(c.when.node, book)}"
                for c in f.cases
            )
            if f.otherwise is not None:
                how += f"; {ui['otherwise']} {_case_value(f.name, f.otherwise, book)}"
        elif f.table_input is not None:
            how = f"{ui['input']} {words(f.table_input.node, book)}: " + "; ".join(
                f"{row_range(row, lang)} → {shown_value(row.value, book)}" for row in f.rows
            )
        else:
            how = ""
        if f.given is not None:
            given = ui["fact_given"].format(field=words(f.given.node, book), rule=f.finding_rule)
            how = f"{how}; {given}" if how else given
        facts.append(
            {
                "name": name,
                "label": book.fact(name),
                "description": f.description.get(lang),
                "how": how,
            }
        )
        author("fact", name, book.fact(name), f.location)
    parameters = []
    for k, p in model.parameters.items():
        parameters.append(
            {
                "label": book.param(k),
                "value": param_value(p.value, p.type.kind, book) + mark(k),
                "description": p.description.get(lang),
                "source": (
                    f"{ui['company_mark']} {ui['company_setting']}"
                    if p.source == "company"
                    else ui["from_guide"].format(cite=p.cite.get(lang))
                    if p.source == "guide"
                    else ""
                ),
            }
        )
        author("setting", k, book.param(k), p.location)
    for k in model.roles:
        author("role", k, book.role(k), None)
    for k in model.documents:
        author("document", k, book.document(k), None)
    tasks = sorted(
        {r.outcome.action_id for r in model.rules if r.outcome.kind == "action"}
        | {
            row.outcome.action_id
            for t in model.tables
            for row in t.rows
            if row.outcome.kind == "action"
        }
    )
    for k in tasks:
        author("action", k, book.word(k), None)
    for k in sorted(model.field_labels):
        author("field", k, book.field(k), None)
    diagrams = []
    groups = stage_groups(model)
    for cats, stages in groups:
        names_ = comma.join(book.category(c) for c in cats)
        title = (
            f"{word(lang, 'handbook', 'diagram')}: {names_}"
            if len(groups) > 1
            else word(lang, "handbook", "diagram")
        )
        diagrams.append(
            {
                "title": title,
                "svg": Markup(diagram_svg(model, stages, lang, title)),  # noqa: S704 - built with escape() above
                "mermaid": mermaid(model, stages, lang),
                "count": len(stages),
            }
        )
    return {
        "ui": ui,
        "lang": lang,
        "id": model.id,
        "version": model.version,
        "title": book.label(model.title, model.id),
        "description": model.description.get(lang),
        "currency": model.currency,
        "hash": hash_,
        "effective": (model.effective_from or ui["from"] + " —")
        + " → "
        + (model.effective_to or ui["open_end"]),
        "files": list(model.files),
        "stages": moves,
        "show_win": any(s.win_probability for s in model.stages),  # procedures have none
        "any_moves": any_moves,
        "diagrams": diagrams,
        "categories": categories,
        "rules": rules,
        "tables": tables,
        "chains": chains,
        "facts": facts,
        "parameters": parameters,
        "show_source": any(p.source for p in model.parameters.values()),
        # the legend for ※, shown once near the top when any number shown is so marked
        "legend": ui["legend"]
        if any(p.source == "company" for p in model.parameters.values())
        else "",
        "roles": [book.role(k) for k in model.roles],
        "recorded_by": [
            {"field": book.field(k), "by": comma.join(book.role(r) for r in roles)}
            for k, roles in model.recorded_by.items()
        ],
        "documents": [book.document(k) for k in model.documents],
        "appendix": appendix,
    }


def _template(name: str) -> str:
    return (
        resources.files(__package__ or "engine.present").joinpath(name).read_text(encoding="utf-8")
    )


def render_html(
    model: PlaybookModel,
    lang: str,
    hash_: str = "",
    examples: Mapping[str, Example] | None = None,
) -> str:
    """One self-contained HTML file (styles inline, the diagram as inline SVG).
    ``examples`` (from ``worked_examples``) show each message as it reads for a deal."""
    return ENV.from_string(_template("handbook.html.j2")).render(
        **build(model, lang, hash_, examples)
    )


def render_markdown(
    model: PlaybookModel,
    lang: str,
    hash_: str = "",
    examples: Mapping[str, Example] | None = None,
) -> str:
    """Markdown; the stage diagram is a Mermaid block. Every value is written as text
    (``md_text``): a playbook's words never become HTML, a link or a code span."""
    md = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=md_text,
    )
    md.filters["cell"] = md_cell
    md.filters["code"] = md_code
    values = build(model, lang, hash_, examples)
    for d in values["diagrams"]:
        d["mermaid"] = MarkdownText(d["mermaid"])  # a code block, escaped for Mermaid
    return md.from_string(_template("handbook.md.j2")).render(**values)


class MarkdownText(str):
    """Text the Markdown handbook writes as it is: already escaped for where it goes."""


# What Markdown reads as more than text: "<" opening a tag, comment or autolink, "]"
# closing a link or image ("](url)", "][ref]") and a "[x]: url" definition opening a line.
# A backslash makes each plain text; backslashes written before it are doubled so they
# cannot undo it.
_MD_ACTIVE = re.compile(r"(\\*)(<(?=[A-Za-z/!?])|\](?=[(\[]))")
_MD_DEFINITION = re.compile(r"^( {0,3})(\[[^\]\n]*\]:)", re.MULTILINE)


def md_text(value: Any) -> Any:
    """A value as Markdown text: no raw HTML (``<script>``, ``<img onerror>``) and no link
    or image (``[x](javascript:...)``); the reader sees the characters as written. (``|``
    in a table cell is escaped by ``md_cell``.)"""
    if isinstance(value, MarkdownText) or not isinstance(value, str):
        return value
    value = _MD_ACTIVE.sub(lambda m: m.group(1) * 2 + "\\" + m.group(2), value)
    return _MD_DEFINITION.sub(r"\1\\\2", value)


def md_cell(value: Any) -> MarkdownText:
    """A value in a table cell: text as ``md_text``, one line, ``|`` not ending the cell."""
    text = re.sub(r"(\\*)\|", lambda m: m.group(1) * 2 + "\\|", md_text(str(value)))
    return MarkdownText(text.replace("\n", " "))


def md_code(value: Any) -> MarkdownText:
    """An id or a path inside a code span: shown as written, no backtick to end the span."""
    return MarkdownText(str(value).replace("`", "'").replace("\n", " "))


def _case_value(fact: str, value: Any, book: Book) -> str:
    """A case's value; a text value of a fact with labelled values by its label."""
    node = value.node
    if isinstance(node, ir.Const) and isinstance(node.value, str) and not node.param:
        return f"‘{book.value_of(fact, node.value)}’"
    return words(node, book)
