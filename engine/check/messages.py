"""A message template as written (one text, or one per language) in; the compiled
``Message`` out, or its problems, each at the line and column of the name it is about."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import nodes

from ..errors import Location, closest, suggest, values_of
from ..lang import templates as tpl
from ..lang.messages import Message, Plain
from ..lang.types import ANY, DATE, NUMBER, STRING, Type, object_of
from ..read.sourcemap import Path, json_path
from .context import Context
from .names import Names

TEMPLATE_NAMES = frozenset(
    {
        "deal",
        "facts",
        "params",
        "as_of",
        "stage",
        "role",
        "role_label",
        "value",
        "row",
        "reason",
        "document",
        "rule",
    }
)
# what a table's message may read besides the usual names: the input value and the row
TABLE_NAMES: Mapping[str, Type] = {
    "value": NUMBER,
    "row": object_of(
        {"above": NUMBER, "from": NUMBER, "up_to": NUMBER, "below": NUMBER, "id": STRING}
    ),
}

Loops = Mapping[str, tuple[str, ...]]


def check_message(
    ctx: Context, names: Names, raw: Any, path: Path, extra: Mapping[str, Type] | None
) -> Message | None:
    """A checked message; ``extra`` are the extra names it may use, with their types."""
    allowed: dict[str, Type] = {name: ANY for name in TEMPLATE_NAMES}
    allowed.update(deal=names.deal, stage=names.stage, as_of=DATE)
    allowed.update(extra or {})
    texts = (
        {"en": raw}
        if isinstance(raw, str)
        else {k: v for k, v in raw.items() if isinstance(v, str)}
        if isinstance(raw, dict)
        else {}
    )
    checked: dict[str, str] = {}
    plain: dict[str, Plain] = {}
    for lang, text in texts.items():
        sub = path if isinstance(raw, str) else path + (lang,)
        template, problems, plain_form = tpl.compile_text(
            text, lambda chain, loops: _name_problem(names, chain, allowed, loops)
        )
        loc = ctx.at(sub)
        for p in problems:
            ctx.sink.add(
                "message",
                p.message,
                _name_location(ctx, loc, p.name)
                or Location(loc.file, loc.line + max(0, p.line - 1), loc.column),
                json_path(sub),
                p.hint,
                said=p.said,
                values=dict(p.values),
                hint_said=p.hint_said,
            )
        if template is not None and ("label" in text or names.value_labels):
            if _label_problems(ctx, names, text, lang, loc, sub):
                template = None
        if template is not None:
            checked[lang] = template
        if plain_form is not None:
            plain[lang] = plain_form
    return Message(checked, plain) if checked and len(checked) == len(texts) else None


def _label_problems(
    ctx: Context, names: Names, text: str, lang: str, loc: Location, path: Path
) -> bool:
    """``label('name')`` must name an enumeration whose values have labels; a Chinese
    message must not print such a value bare (the reader would see the English id)."""
    tree = tpl.ENV.parse(text)
    found = False

    def report(
        code: str,
        message: str,
        name: str,
        hint: str,
        said: str,
        values: dict[str, Any],
        hint_said: str,
    ) -> None:
        nonlocal found
        found = True
        ctx.sink.add(
            code,
            message,
            _name_location(ctx, loc, name) or loc,
            json_path(path),
            hint,
            said=said,
            values=values,
            hint_said=hint_said,
        )

    for node in tree.find_all(nodes.Filter):
        if node.name != "label":
            continue
        args = [a.value for a in node.args if isinstance(a, nodes.Const)]
        name = _enumeration(node.node)
        if len(args) != 1 or len(node.args) != 1 or node.kwargs or not isinstance(args[0], str):
            report(
                "label",
                "label needs the name of the values it labels",
                "label",
                f"e.g. label('{name or 'key_account_class'}'): a fact's name or a field's path",
                "label_needs_name",
                {"name": name or "key_account_class"},
                "label_example",
            )
        elif args[0] not in names.value_labels:
            close = closest(args[0], names.value_labels)
            report(
                "label",
                f"label('{args[0]}'): no values of that name have labels",
                args[0],
                suggest(args[0], names.value_labels)
                or "give the values labels: values: {id: {en: ..., zh: ...}}",
                "label_no_values",
                {"name": args[0], "close": close},
                "did_you_mean" if close else "give_labels",
            )
    if lang != "zh":
        return found
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            name = _enumeration(child)
            if name and name in names.value_labels:
                report(
                    "raw-value",
                    f"this Chinese message prints the value of '{name}' as its id",
                    _written(child),
                    f"write it with its label: | label('{name}')",
                    "raw_value",
                    {"name": name},
                    "write_label",
                )
    return found


def _enumeration(node: Any) -> str:
    """``facts.key_account_class`` -> "key_account_class", ``deal.customer.tier`` ->
    "customer.tier": the name a value's labels go by ("" for anything else)."""
    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name) or not parts:
        return ""
    parts.reverse()
    if node.name == "facts" and len(parts) == 1:
        return parts[0]
    return ".".join(parts) if node.name == "deal" else ""


def _written(node: Any) -> str:
    """``facts.key_account_class`` as written (where a problem about it points)."""
    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    return ".".join([node.name, *reversed(parts)]) if isinstance(node, nodes.Name) else ""


def _name_location(ctx: Context, loc: Location, name: str) -> Location | None:
    """Where a name a message reads is written: the message starts at ``loc`` and runs
    on over the lines indented deeper than its key (a block or folded text)."""
    lines = ctx.texts.get(loc.file, [])
    if not name or not 0 < loc.line <= len(lines):
        return None
    first = lines[loc.line - 1]
    base = len(first) - len(first.lstrip())
    word = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])")
    for n in range(loc.line, min(len(lines), loc.line + 200) + 1):
        line = lines[n - 1]
        if n > loc.line and line.strip() and len(line) - len(line.lstrip()) <= base:
            break
        m = word.search(line, loc.column - 1 if n == loc.line else 0)
        if m:
            return Location(loc.file, n, m.start() + 1)
    return None


def _name_problem(
    names: Names, chain: list[str], allowed: Mapping[str, Type], loops: Loops
) -> tpl.TemplateProblem | None:
    """Is the name path a message reads declared? The problem (with its hint) when not."""
    root = chain[0]
    if root in loops:  # {% for c in deal.contacts %}: c is an item of that list
        source = _type_of(names, list(loops[root]), allowed, loops, depth=0)
        item = source.item if source.kind == "list" and source.item else ANY
        return _fields_problem(item, root, chain[1:])
    if root not in allowed:
        return _name_hint(names, root, allowed, loops)
    if root == "facts" and len(chain) > 1:
        if chain[1] not in names.facts:
            return _unknown("fact", chain[1], names.facts, "declare_fact")
        return _fields_problem(names.facts[chain[1]], f"facts.{chain[1]}", chain[2:])
    if root == "params" and len(chain) > 1:
        if chain[1] not in names.params:
            return _unknown("parameter", chain[1], names.params, "declare_parameter")
        return None
    return _fields_problem(allowed[root], root, chain[1:])


_DECLARE = {
    "declare_fact": "declare it under facts:",
    "declare_parameter": "declare it under parameters:",
}


def _unknown(what: str, name: str, known: Iterable[str], declare: str) -> tpl.TemplateProblem:
    """``unknown fact 'x'``, with the nearest known name or where to declare it."""
    close = closest(name, known)
    return tpl.TemplateProblem(
        f"unknown {what} '{name}'",
        0,
        f"did you mean '{close}'?" if close else _DECLARE[declare],
        said="unknown",
        values=values_of({"what": what, "name": name, "close": close}),
        hint_said="did_you_mean" if close else declare,
    )


def _name_hint(
    names: Names, root: str, allowed: Mapping[str, Type], loops: Loops
) -> tpl.TemplateProblem:
    """``amount`` -> "did you mean 'deal.amount'?"; ``dael`` -> "did you mean 'deal'?"."""
    close = ""
    for prefix, known in (
        ("deal", names.deal.field_names()),
        ("facts", names.facts),
        ("params", names.params),
    ):
        if root in known:
            close = f"{prefix}.{root}"
            break
    every = [*allowed, *loops]
    close = close or closest(root, every)
    listed = ", ".join(sorted(every))
    return tpl.TemplateProblem(
        f"unknown name '{root}' in the message",
        0,
        f"did you mean '{close}'?" if close else f"names: {listed}",
        said="unknown_in_message",
        values=values_of({"name": root, "close": close, "known": listed}),
        hint_said="did_you_mean" if close else "names",
    )


def _fields_problem(t: Type, where: str, parts: list[str]) -> tpl.TemplateProblem | None:
    """Walk ``parts`` through the fields of ``t``; only declared objects are checked (a
    date's ``.year`` or a value of unknown shape is left to the message)."""
    for part in parts:
        if part == tpl.ITEM:  # deal.lines[0]: the list's item type
            if t.kind != "list" or not t.item:
                return None
            t, where = t.item, f"{where}[]"
            continue
        if t.kind != "object":
            return None
        sub = t.field(part)
        if sub is None:
            fields = t.field_names()
            close = closest(part, fields)
            return tpl.TemplateProblem(
                f"{where} has no field '{part}'",
                0,
                f"did you mean '{close}'?"
                if close
                else f"declared fields: {', '.join(fields) or 'none'}",
                said="no_field",
                values=values_of(
                    {"where": where, "name": part, "close": close, "known": ", ".join(fields)}
                ),
                hint_said="did_you_mean"
                if close
                else ("declared_fields" if fields else "no_declared_fields"),
            )
        t = sub
        where = f"{where}.{part}"
    return None


def _type_of(
    names: Names, chain: list[str], allowed: Mapping[str, Type], loops: Loops, depth: int
) -> Type:
    """The type of a name path (ANY when it cannot be told), without reporting."""
    root, parts = chain[0], chain[1:]
    if root in loops and depth < 8:
        source = _type_of(names, list(loops[root]), allowed, loops, depth + 1)
        t = source.item if source.kind == "list" and source.item else ANY
    elif root == "facts" and parts:
        t, parts = names.facts.get(parts[0], ANY), parts[1:]
    elif root in allowed and root != "params":
        t = allowed[root]
    else:
        return ANY
    for part in parts:
        if part == tpl.ITEM:
            t = t.item if t.kind == "list" and t.item else ANY
            continue
        t = (t.field(part) if t.kind == "object" else None) or ANY
    return t
