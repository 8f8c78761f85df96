"""Result / Explanation / PlaybookDiff in, text for a person or JSON for a program out.

Text is grouped (blocking first, then approvals, actions, next moves, facts), in English or
Chinese, and coloured with click's styles (click drops the colour when not on a terminal).
JSON keeps money exact: Decimals are written as JSON numbers with all their digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import click

from ..results import (
    BLOCKED,
    NEEDS_APPROVAL,
    NEEDS_INFORMATION,
    OK,
    Action,
    Approval,
    Explanation,
    PlaybookDiff,
    Result,
)
from ..text import fmt_one_line, fmt_value, word

_STATUS_COLOUR = {
    OK: "green",
    NEEDS_APPROVAL: "yellow",
    NEEDS_INFORMATION: "yellow",
    BLOCKED: "red",
}


def ui(lang: str, key: str) -> str:
    return word(lang, "result", key)


def result_text(result: Result, labels: Any = None) -> str:
    """A result as a person reads it (``labels`` is the playbook model, for names)."""
    lang = result.lang
    lines: list[str] = []
    colour = _STATUS_COLOUR[result.status]
    head = (
        f"{ui(lang, 'deal')} {result.deal} · {ui(lang, 'category')} "
        f"{_label(labels, 'category', result.category, lang)} · {ui(lang, 'stage')} "
        f"{_label(labels, 'stage', result.stage, lang)}"
    )
    lines.append(click.style(head, bold=True))
    lines.append(
        f"{ui(lang, 'playbook')} {result.playbook.id} {result.playbook.version} · "
        f"{ui(lang, 'as_of')} {result.as_of.isoformat()}"
    )
    lines.append(
        f"{ui(lang, 'status')}: " + click.style(ui(lang, result.status), fg=colour, bold=True)
    )
    blocks = [v for v in result.violations if v.severity == "block"]
    warns = [v for v in result.violations if v.severity == "warn"]
    # Message first, the rule id last as a reference: each id is printed once per line.
    _section(lines, ui(lang, "blocking"), "red", [f"✗ {v.message} [{v.rule}]" for v in blocks])
    _section(lines, ui(lang, "warnings"), "yellow", [f"! {v.message} [{v.rule}]" for v in warns])
    _section(
        lines,
        ui(lang, "information"),
        "yellow",
        [f"? {m.message} [{m.rule}]" for m in result.missing_information],
    )
    _section(
        lines,
        ui(lang, "approvals"),
        "cyan",
        [_approval_head(a, labels, lang) + f": {a.message} [{a.rule}]" for a in result.approvals],
    )
    _section(
        lines,
        ui(lang, "actions"),
        "blue",
        [
            f"→ {_label(labels, 'role', a.assignee, lang)}: "
            f"{a.message} ({_when(a, lang)}) [{a.rule} {a.id}]"
            for a in result.actions
        ],
    )
    move_lines = []
    for m in result.transitions:
        name = _label(labels, "stage", m.to, lang)
        if m.allowed:
            move_lines.append(click.style(f"✓ {name}", fg="green") + f" ({ui(lang, 'allowed')})")
        else:
            move_lines.append(f"✗ {name} — {ui(lang, 'not_yet')}:")
            move_lines += [f"    - {g.message} [{g.rule}]" for g in m.missing]
    _section(lines, ui(lang, "moves"), "magenta", move_lines, len(result.transitions))
    fact_kinds = _fact_kinds(labels)
    _section(
        lines,
        ui(lang, "facts"),
        None,
        [
            f"{_label(labels, 'fact', k, lang)}: {_fact_value(labels, k, v, fact_kinds, lang)}"
            for k, v in result.facts.items()
        ],
    )
    if result.shadow:
        _section(
            lines, ui(lang, "shadow"), None, [f"~ [{s.rule}] {s.message}" for s in result.shadow]
        )
    return "\n".join(lines) + "\n"


def _when(action: Action, lang: str) -> str:
    """When an action is due, in words; a late one says so (in red on a terminal)."""
    if action.due is None:
        return f"{ui(lang, 'due')} —"
    if action.overdue:
        return click.style(
            ui(lang, "overdue").format(due=action.due.isoformat()), fg="red", bold=True
        )
    return f"{ui(lang, 'due')} {action.due.isoformat()}"


def explanation_text(ex: Explanation, labels: Any = None) -> str:
    lang = ex.result.lang
    out = [
        result_text(ex.result, labels).rstrip("\n"),
        "",
        click.style(ui(lang, "steps"), bold=True),
    ]
    marks = {
        "fired": "●",
        "not fired": "○",
        "unknown": "?",
        "not applicable": "–",
        "value": "=",
        "met": "✓",
        "not met": "✗",
        "held": "✓",
        "missing": "✗",
    }
    facts = ex.result.facts
    kinds = _fact_kinds(labels)
    for s in ex.steps:
        detail = s.detail
        if s.kind == "fact" and s.outcome == "value" and s.id in facts:
            # as the facts above show it (a label, money with 2 places); JSON keeps it exact
            detail = f"= {_fact_value(labels, s.id, facts[s.id], kinds, lang)}"
        detail = f" — {detail}" if detail else ""
        out.append(
            f"  {marks.get(s.outcome, '·')} {word(lang, 'steps', s.kind)} {s.id}: "
            f"{word(lang, 'steps', s.outcome)}{detail}"
        )
        if s.reads:
            seen = "; ".join(f"{k} = {_shown(v, _kind_read(labels, k), lang)}" for k, v in s.reads)
            out.append(f"      {ui(lang, 'saw')}: {seen}")
    return "\n".join(out) + "\n"


def _section(
    lines: list[str], title: str, colour: str | None, items: Iterable[str], count: int | None = None
) -> None:
    items = list(items)
    if not items:
        return
    lines.append("")
    n = len(items) if count is None else count
    lines.append(click.style(f"{title} ({n})", fg=colour, bold=True))
    lines.extend(f"  {i}" for i in items)


def _label(model: Any, kind: str, key: str, lang: str) -> str:
    if model is None:
        return key
    if kind == "role":
        lab = model.roles.get(key)
    elif kind == "category":
        cat = model.categories.get(key)
        lab = cat.label if cat else None
    elif kind == "stage":
        lab = next((s.label for s in model.stages if s.id == key), None)
    elif kind == "fact":
        lab = next((f.label for f in model.facts if f.name == key), None)
    else:
        lab = None
    return lab.get(lang) if lab else key


def _fact_value(model: Any, name: str, value: Any, kinds: dict[str, str], lang: str) -> str:
    """A fact's value as text: an enumerated value by its label (values: {id: label})."""
    if value is None:  # unknown, or known only by a default for a value not recorded
        return ui(lang, "not_recorded")
    shown = model.value_label(name, value, lang) if model is not None else None
    return shown or _shown(value, kinds.get(name, ""), lang)


def _shown(value: Any, kind: str, lang: str) -> str:
    """A value as ``fmt_value`` writes it, true/false in the reader's language."""
    if isinstance(value, bool):
        return ui(lang, "true" if value else "false")
    return fmt_value(value, kind)


def _kind_read(model: Any, path: str) -> str:
    """The type kind of a value explain saw ("deal.lines[0].unit_price" -> money), so it is
    written as the result writes it; "" when it cannot be told."""
    if model is None:
        return ""
    root, _, rest = re.sub(r"\[\d+\]", "", path).partition(".")
    if root == "facts":
        return next((f.type.kind for f in model.facts if f.name == rest), "")
    if root == "stage":
        return "percent" if rest == "win_probability" else ""
    if root != "deal":
        return ""
    t = model.deal_type
    for part in rest.split("."):
        t = t.item if t.kind == "list" and t.item is not None else t
        t = t.field(part) if t.kind == "object" else None
        if t is None:
            return ""
    return str(t.kind)


def _fact_kinds(model: Any) -> dict[str, str]:
    if model is None:
        return {}
    return {f.name: f.type.kind for f in model.facts}


_MARK = {"added": "+", "removed": "-", "changed": "~", "reordered": "↕"}
_COLOUR = {"added": "green", "removed": "red", "changed": "yellow", "reordered": "cyan"}


def diff_text(d: PlaybookDiff) -> str:
    """One line per change, newest file's location last, like a reviewer reads a change."""

    def ref(r: Any) -> str:
        return f"{r.id} {r.version} ({r.hash[:12]})"

    lines = [f"{ref(d.old)} → {ref(d.new)}"]
    if d.same_meaning:
        lines.append("same meaning: only formatting, comments or key order differ")
        return "\n".join(lines) + "\n"
    n = len(d.changes)
    lines.append(f"{n} change{'s' if n != 1 else ''}")
    for c in d.changes:
        mark = click.style(_MARK[c.kind], fg=_COLOUR[c.kind], bold=True)
        if c.kind == "changed":
            what = f"{c.path}: {fmt_one_line(c.old, 40)} → {fmt_one_line(c.new, 40)}"
        elif c.kind == "reordered":
            what = f"{c.path}: order {fmt_one_line(c.old, 40)} → {fmt_one_line(c.new, 40)}"
        else:
            value = c.new if c.kind == "added" else c.old
            what = f"{c.path} {c.kind}" + _summary(value)
        lines.append(f"  {mark} {what}{_source_note(c.source)}")
        lines.append(click.style(f"      at {c.at}", dim=True))
    return "\n".join(lines) + "\n"


def _source_note(source: Any) -> str:
    """Where a changed parameter's number comes from, as the handbook marks it."""
    if source == "company":
        return "  [company setting, not from the guide]"
    cite = source.get("guide") if isinstance(source, dict) else None
    if isinstance(cite, dict):  # {en, zh}: this text is English
        cite = cite.get("en") or cite.get("zh")
    return f"  [from the guide: {fmt_one_line(cite, 60)}]" if isinstance(cite, str) else ""


def _summary(value: Any) -> str:
    """What an added or removed entry is, in a few words: its title, else its value."""
    if isinstance(value, dict):
        title = value.get("title") or value.get("label")
        if title is None and value and set(value) <= {"en", "zh"}:
            title = value  # a label such as a role's
        if isinstance(title, dict):
            title = title.get("en") or next(iter(title.values()), None)
        return f": {fmt_one_line(title, 60)}" if title else ""
    return f": {fmt_one_line(value, 60)}"


def _approval_head(a: Approval, labels: Any, lang: str) -> str:
    """✓ granted (by whom), ✗ rejected (by whom), … anything still open (stale after a
    rejection is "asked again")."""
    role = _label(labels, "role", a.role, lang)
    if a.status == "granted":
        return f"✓ {role} ({ui(lang, 'granted')} {a.granted_by})"
    if a.status == "rejected":
        return f"✗ {role} ({ui(lang, 'rejected')} {a.rejected_by})"
    state = "reasked" if a.status == "stale" and a.rejected_by is not None else a.status
    return f"… {role} ({ui(lang, state)})"
