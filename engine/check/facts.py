"""The ``facts:`` section in; checked ``Fact`` values in dependency order out, with the type
of each fact (for the rules, tables and messages that read them), or the facts that depend
on themselves.

Which facts a fact reads comes from its expressions' tree (``facts_used``), not their text:
a fact's expressions are checked once with every fact's type left open to learn that, then
for real in dependency order, so a fact sees the types of the facts it reads.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..errors import closest, suggest
from ..lang import expressions as ex
from ..lang.ir import Const, Get
from ..lang.types import ANY, NUMBER, SCALARS, STRING, Type, python_value_type
from ..limits import MAX_CYCLE_NAMES
from ..read.sourcemap import Path, json_path
from .context import Context, label, title
from .expressions import Lang, percent_text
from .fields import allowed_values
from .model import Case, Expr, Fact, Label, Row
from .names import Declared, Names, RuleIds
from .tables import check_rows, declared_range

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # plain text, not an expression


def check_facts(
    ctx: Context, names: Names, declared: Declared, ids: RuleIds
) -> tuple[tuple[Fact, ...], dict[str, Type]]:
    """The facts in the order they can be worked out, and every fact's type (by name);
    both empty when some facts depend on themselves."""
    specs = {
        k: v
        for k, v in ctx.mapping(("facts",)).items()
        if isinstance(v, dict) and not ctx.is_bad(("facts", k))
    }
    for name, spec in specs.items():
        if spec.get("value") is None and not spec.get("cases") and not spec.get("table"):
            if ctx.module:
                continue  # left for the playbook that includes the module
            ctx.error(
                "missing-key",
                f"fact '{name}' needs value, cases or table",
                ("facts", name),
                "define it in the playbook (a module may leave a fact for the playbook)"
                if ctx.smap.at(("facts", name)).file != ctx.smap.file
                else "e.g. value: sum(line.quantity for line in deal.lines)",
                said="fact_needs_value",
                values={"name": name},
                hint_said="define_in_playbook"
                if ctx.smap.at(("facts", name)).file != ctx.smap.file
                else "fact_value_example",
            )
    deps = _reads(replace(names, facts={n: ANY for n in specs}), specs)
    cycles = _cycles(deps)
    for cycle in cycles:  # one problem per cycle, however many facts it goes through
        first, others = cycle[0], cycle[1:]
        ctx.error(
            "fact-cycle",
            f"fact '{first}' depends on itself" + (f" through {_some(others)}" if others else ""),
            ("facts", first),
            "a fact may only use facts that do not use it",
            key=True,
            said=("fact_cycle_more" if len(others) > MAX_CYCLE_NAMES else "fact_cycle_through")
            if others
            else "fact_cycle",
            values={
                "name": first,
                "names": ", ".join(f"'{n}'" for n in others[:MAX_CYCLE_NAMES]),
                "more": f"{len(others) - MAX_CYCLE_NAMES:,}",
            },
            hint_said="fact_cycle",
        )
    order = None if cycles else _topological(deps)
    if order is None:
        return (), {}
    # a fact is known by its declared type (or any) until it is checked, and it is checked
    # after the facts it reads, so it sees the types worked out for them
    types = {name: _declared_type(spec.get("type")) or ANY for name, spec in specs.items()}
    lang = Lang(ctx, replace(names, facts=types))
    out = []
    for name in order:
        fact = _check_fact(lang, declared, ids, name, specs[name])
        if fact is not None:
            types[name] = fact.type
            out.append(fact)
    return tuple(out), types


def _some(names: list[str]) -> str:
    """Names quoted and listed, the first ``MAX_CYCLE_NAMES`` of them, so that a cycle
    through thousands of facts is one short line."""
    shown = ", ".join(f"'{n}'" for n in names[:MAX_CYCLE_NAMES])
    more = len(names) - MAX_CYCLE_NAMES
    return f"{shown} and {more:,} more" if more > 0 else shown


def _expressions(spec: dict[str, Any]) -> list[Any]:
    """The expressions a fact is worked out from, as written."""
    declared = _declared_type(spec.get("type"))

    def plain(raw: Any) -> bool:  # a text fact's case value may be the text itself
        return declared is not None and declared.kind == "string" and _is_word(raw)

    out = [spec.get("value")]
    cases = spec.get("cases")
    for case in cases if isinstance(cases, list) else ():
        if isinstance(case, dict):
            out += [case.get("when")] + ([] if plain(case.get("value")) else [case.get("value")])
    if cases and not plain(spec.get("otherwise")):
        out.append(spec.get("otherwise"))
    table = spec.get("table")
    if isinstance(table, dict):
        out.append(table.get("input"))
    return out


def _reads(names: Names, specs: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Fact -> the facts its expressions read, as their trees record them (a number or
    true/false reads nothing)."""
    scope = names.scope()
    deps: dict[str, set[str]] = {}
    for name, spec in specs.items():
        deps[name] = set()
        for raw in _expressions(spec):
            if isinstance(raw, str):
                deps[name] |= ex.check(raw, scope).facts_used
    return deps


def _check_fact(
    lang: Lang, declared: Declared, ids: RuleIds, name: str, spec: dict[str, Any]
) -> Fact | None:
    path: Path = ("facts", name)
    declared_t = _declared_type(spec.get("type"))
    value = cases = otherwise = table_input = None
    rows: tuple[Row, ...] = ()
    types: list[Type] = []
    if spec.get("value") is not None:
        value = lang.expr(spec["value"], path + ("value",), expect=declared_t)
        if value:
            types.append(value.node.type)
    case_list = []
    for cpath, case in lang.ctx.items(path + ("cases",)):
        when = lang.expr(case.get("when"), cpath + ("when",))
        val = _case_value(lang, case.get("value"), cpath + ("value",), declared_t)
        if when and val:
            case_list.append(Case(when, val))
            types.append(val.node.type)
    cases = tuple(case_list)
    if cases and "otherwise" in spec:
        otherwise = _case_value(lang, spec["otherwise"], path + ("otherwise",), declared_t)
        if otherwise:
            types.append(otherwise.node.type)
    table = spec.get("table")
    if isinstance(table, dict):
        table_input = lang.expr(table.get("input"), path + ("table", "input"), expect=NUMBER)
        rows = check_rows(
            lang,
            declared,
            ids,
            name,
            table.get("rows") or [],
            path + ("table", "rows"),
            "first",
            fact=True,
            percent_input=percent_text(table_input),
            input_range=declared_range(table_input),
        )
        for row in rows:
            types.append(python_value_type(row.value))
    t = declared_t or ANY
    if "values" in spec:
        t = _enumerated(lang, spec, path, t, [*(c.value for c in cases), otherwise])
    elif declared_t is None:
        for i, each in enumerate(types):
            t = (
                each
                if i == 0
                else (
                    t
                    if t == each or each.kind == "null"
                    else (NUMBER if t.numeric and each.numeric else ANY)
                )
            )
    given = message = None
    if spec.get("given") is not None:
        given = _check_given(
            lang, name, spec["given"], path + ("given",), t, _literals(cases, otherwise, rows)
        )
        message = lang.message(spec.get("message"), path + ("message",), {"given": t, "derived": t})
    elif spec.get("message") is not None:
        lang.ctx.error(
            "fact-given",
            f"fact '{name}' has a message but no given: the message is the finding when a "
            "recorded value and the derived one differ",
            path + ("message",),
            "add given: deal.<field> (the field that records the value), or remove the message",
            said="message_no_given",
            values={"name": name},
            hint_said="add_given",
        )
    if given is not None:  # the finding's rule id (by default the fact's name) is a rule id
        rule = str(spec.get("rule") or name.upper().replace("_", "-"))
        ids.claim(rule, path + (("rule",) if spec.get("rule") else ("given",)))
    return Fact(
        name,
        t,
        title(spec.get("label"), name),
        label(spec.get("description")),
        lang.ctx.at(path, key=True),
        value,
        cases,
        otherwise,
        table_input,
        rows,
        str(spec.get("rule", "")),
        given,
        message,
        _below_zero(lang, spec, path, t),
    )


def _below_zero(lang: Lang, spec: dict[str, Any], path: Path, t: Type) -> Label | None:
    """``below_zero:``, the words of a value below 0: for a number, naming {value}."""
    raw = spec.get("below_zero")
    if raw is None:
        return None
    words = label(raw)
    if t.kind not in ("integer", "number", "decimal", "money", "percent"):
        lang.ctx.error(
            "bad-key",
            "below_zero says how a number below 0 reads; this fact is not a number",
            path + ("below_zero",),
            key=True,
            hint="remove below_zero:",
            said="below_zero_number",
            hint_said="remove_below_zero",
        )
        return None
    if any("{value}" not in text for text in (words.en, words.zh) if text):
        lang.ctx.error(
            "bad-value",
            "below_zero must name the value: write {value} where its size goes",
            path + ("below_zero",),
            hint='e.g. below_zero: {en: "{value} above list price", zh: "高于指导价 {value}"}',
            said="below_zero_value",
            hint_said="below_zero_example",
        )
        return None
    return words


def _enumerated(lang: Lang, spec: dict[str, Any], path: Path, t: Type, exprs: list[Any]) -> Type:
    """A text fact with ``values:``: its type lists them (so ``facts.x == 'typo'`` is an
    error), and each case value written as text must be one of them."""
    values = allowed_values(spec.get("values"))
    if spec.get("type") != "string":
        lang.ctx.error(
            "bad-value",
            "allowed values are only for text facts",
            path + ("values",),
            "add type: string",
            key=True,
            said="values_text_facts",
            hint_said="add_type_string",
        )
        return t
    for expr in exprs:
        if isinstance(expr, Expr) and isinstance(expr.node, Const):
            value = expr.node.value
            if isinstance(value, str) and value not in values:
                lang.ctx.sink.add(
                    "unknown-value",
                    f"'{value}' is not one of the values of fact '{path[-1]}'",
                    expr.location,
                    json_path(path),
                    suggest(value, values) or f"possible: {', '.join(values)}",
                    said="not_fact_value",
                    values={
                        "value": value,
                        "name": path[-1],
                        "close": closest(value, values),
                        "options": ", ".join(values),
                    },
                    hint_said="did_you_mean" if closest(value, values) else "possible",
                )
    return replace(t, values=values)


def _literals(
    cases: tuple[Case, ...], otherwise: Expr | None, rows: tuple[Row, ...]
) -> set[Any] | None:
    """Every value the fact can take, when each is written as a literal (else None)."""
    if rows:
        return {row.value for row in rows}
    nodes = [c.value.node for c in cases] + ([otherwise.node] if otherwise is not None else [])
    if not nodes or not all(isinstance(n, ex.Const) for n in nodes):
        return None
    return {n.value for n in nodes if isinstance(n, ex.Const)}


def _check_given(
    lang: Lang, name: str, raw: Any, path: Path, t: Type, literals: set[Any] | None
) -> Expr | None:
    """``given:``: a deal field of the fact's type, whose values the fact can take."""
    given = lang.expr(raw, path, expect=None)
    if given is None:
        return None
    node = given.node
    if not (isinstance(node, Get) and node.root == "deal" and not node.local):
        lang.ctx.error(
            "fact-given",
            f"given of fact '{name}' must name a deal field, not '{given.text}'",
            path,
            "e.g. given: deal.customer.key_account_class (where a person records the value)",
            said="given_deal_field",
            values={"name": name, "value": given.text},
            hint_said="given_example",
        )
        return None
    gt = node.type
    numeric = t.numeric and gt.numeric and (gt.kind == "integer" or t.kind in ("number", gt.kind))
    if t.kind != "any" and gt.kind != t.kind and not numeric:
        lang.ctx.error(
            "fact-given",
            f"{given.text} is {gt.kind}, but fact '{name}' is {t.kind}: a recorded value "
            "must be comparable with the derived one",
            path,
            f"give a deal field of type {t.kind}",
            said="given_kind",
            values={
                "value": given.text,
                "name": name,
                "left": gt.kind,
                "right": t.kind,
                "kind": t.kind,
            },
            hint_said="given_kind",
        )
        return None
    if literals is not None and gt.kind == "string":
        shown = ", ".join(sorted(str(v) for v in literals))
        if not gt.values:
            lang.ctx.error(
                "fact-given",
                f"{given.text} may hold any text, but fact '{name}' is one of {shown}",
                path,
                f"declare values: [{shown}] on the field",
                said="given_any_text",
                values={"value": given.text, "name": name, "options": shown},
                hint_said="declare_values",
            )
            return None
        extra = [v for v in gt.values if v not in literals]
        if extra:
            lang.ctx.error(
                "fact-given",
                f"{given.text} may be {', '.join(extra)}, which fact '{name}' never is "
                f"(it is one of {shown})",
                path,
                "make the field's values the fact's values",
                said="given_extra",
                values={
                    "value": given.text,
                    "names": ", ".join(extra),
                    "name": name,
                    "options": shown,
                },
                hint_said="same_values",
            )
            return None
    return given


def _case_value(lang: Lang, raw: Any, path: Path, declared: Type | None) -> Expr | None:
    """A case's value: for a text fact, plain words are the text itself."""
    if declared is not None and declared.kind == "string" and _is_word(raw):
        return Expr(raw, ex.Const(STRING, 0, raw), lang.ctx.at(path))
    return lang.expr(raw, path, expect=declared)


def _is_word(raw: Any) -> bool:
    return isinstance(raw, str) and _WORD.fullmatch(raw) is not None


def _declared_type(kind: Any) -> Type | None:
    if kind is None:
        return None
    return SCALARS.get("number" if kind == "decimal" else str(kind))


def _topological(deps: dict[str, set[str]]) -> list[str] | None:
    """The facts in an order they can be worked out (each after the facts it reads; facts
    of the same depth in the written order), or None when some read themselves. Linear."""
    depth: dict[str, int] = {}
    for group in _components(deps):  # each fact after everything it reads
        name = group[0]
        if len(group) > 1 or name in deps[name]:
            return None
        depth[name] = 1 + max((depth[d] for d in deps[name] if d in deps), default=-1)
    written = {n: i for i, n in enumerate(deps)}
    return sorted(deps, key=lambda n: (depth[n], written[n]))


def _cycles(deps: dict[str, set[str]]) -> list[list[str]]:
    """Each group of facts that read one another (directly or through others), once, its
    names in the written order."""
    written = {n: i for i, n in enumerate(deps)}
    return [
        sorted(group, key=written.__getitem__)
        for group in _components(deps)
        if len(group) > 1 or group[0] in deps[group[0]]
    ]


def _components(deps: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (a 3,000-fact chain must not
    reach the recursion limit); each component comes after every component it reads."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for root in deps:
        if root in index:
            continue
        work = [(root, iter(sorted(d for d in deps[root] if d in deps)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(d for d in deps[nxt] if d in deps))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    out.append(group)
    return out
