"""Compiled playbook in, a handbook a sales manager reads without YAML out (HTML or Markdown).

Stages with their win rates and what each move needs, a stage diagram (inline SVG in HTML,
Mermaid in Markdown), every rule in plain words with the parameters it uses, decision tables
as tables, approval chains as steps, and the settings. The HTML is one self-contained file:
no script, style or font is fetched from anywhere. Our own templates run in jinja2's sandbox
with autoescaping, so nothing a playbook says can inject markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from . import expressions as ex
from .errors import Location
from .messages import fmt_money, fmt_number, fmt_percent
from .model import Label, PlaybookModel, Row, Stage, Transition
from .types import Type

T = {
    "en": {
        ">": "is more than",
        ">=": "is at least",
        "<": "is less than",
        "<=": "is at most",
        "==": "is",
        "!=": "is not",
        "and": "and",
        "or": "or",
        "not": "not",
        "in": "is one of",
        "not in": "is not one of",
        "present": "is given",
        "missing": "is missing",
        "or_if_missing": "or, when missing,",
        "any": "any of {list} where {cond}",
        "all": "all of {list} where {cond}",
        "sum": "the total of {elt} over {list}",
        "count": "the number of {list}",
        "count_if": "the number of {list} with {cond}",
        "min": "the smallest {elt} over {list}",
        "max": "the largest {elt} over {list}",
        "days_between": "days from {a} to {b}",
        "add_days": "{a} plus {b} days",
        "len": "the number of {a}",
        "len_text": "the length of {a}",
        "round": "{a} rounded to {b} places",
        "chain": "the state of approval chain {a}",
        "as_of": "the evaluation date",
        "stage": "the stage's {a}",
        "if": "{a} if {t}, else {b}",
        "where": "where",
        "its": "its",
        "fact": "{a}",
        "true": "true",
        "false": "false",
        "lower": "{a} in lower case",
        "upper": "{a} in upper case",
        "abs": "the size of {a}",
        "item": "item",
    },
    "zh": {
        ">": "大于",
        ">=": "不少于",
        "<": "小于",
        "<=": "不超过",
        "==": "为",
        "!=": "不是",
        "and": "并且",
        "or": "或者",
        "not": "并非",
        "in": "属于",
        "not in": "不属于",
        "present": "已填写",
        "missing": "未填写",
        "or_if_missing": "（未填写时取",
        "any": "任一{list}满足：{cond}",
        "all": "所有{list}都满足：{cond}",
        "sum": "{list}的{elt}合计",
        "count": "{list}的数量",
        "count_if": "满足{cond}的{list}数量",
        "min": "{list}中最小的{elt}",
        "max": "{list}中最大的{elt}",
        "days_between": "从{a}到{b}的天数",
        "add_days": "{a}加{b}天",
        "len": "{a}的数量",
        "len_text": "{a}的长度",
        "round": "{a}保留{b}位小数",
        "chain": "审批链{a}的状态",
        "as_of": "评估日期",
        "stage": "当前阶段的{a}",
        "if": "如果{t}则{a}，否则{b}",
        "where": "其中",
        "its": "其",
        "fact": "{a}",
        "true": "是",
        "false": "否",
        "lower": "{a}（小写）",
        "upper": "{a}（大写）",
        "abs": "{a}的绝对值",
        "item": "项",
    },
}
UI = {
    "en": {
        "handbook": "Handbook",
        "version": "Version",
        "effective": "In force",
        "from": "from",
        "to": "to",
        "open_end": "open end",
        "currency": "Currency",
        "hash": "Content hash",
        "files": "Files",
        "contents": "Contents",
        "stages": "Stages and moves",
        "diagram": "Stage diagram",
        "stage": "Stage",
        "win": "Win probability",
        "terminal": "end stage",
        "moves": "Moves",
        "needs": "Needs",
        "nothing": "nothing",
        "all_clear": "no blocking rule and every approval granted",
        "any_open": "from any open stage",
        "categories": "Customer categories",
        "documents_needed": "Documents",
        "to_enter": "to enter",
        "when": "when",
        "rules": "Rules",
        "rule": "Rule",
        "condition": "When",
        "outcome": "Then",
        "block": "the deal is blocked",
        "warn": "a warning",
        "approval": "approval by",
        "action": "action for",
        "due_days": "due in {n} days",
        "due": "due",
        "scope": "Applies to",
        "everyone": "every deal",
        "missing_data": "If data is missing",
        "skip": "skip the rule",
        "warn_missing": "warn",
        "block_missing": "block",
        "shadow": "in trial (shadow): reported, never changes the status",
        "message": "Message",
        "tables": "Decision tables",
        "input": "Based on",
        "range": "Range",
        "first": "the first matching row counts",
        "collect": "every matching row counts",
        "none": "nothing needed",
        "chains": "Approval chains",
        "step": "Step",
        "approver": "Approver",
        "limit": "Approves up to",
        "always": "always",
        "amount": "Amount checked",
        "chain_note": "Approvers act in this order; a rejection sends the request back to step 1; "
        "an approver's limit ends the chain when it covers the amount, except for steps "
        "marked always.",
        "facts": "Derived values",
        "fact": "Value",
        "how": "How it is worked out",
        "parameters": "Settings",
        "setting": "Setting",
        "value": "Value",
        "defined_in": "Defined in",
        "roles": "Roles",
        "documents": "Documents",
        "uses": "Settings used",
        "otherwise": "otherwise",
        "cases": "first that holds",
        "guard_refuse": "if the data is missing the move is refused",
        "generated": "Generated by kam from",
    },
    "zh": {
        "handbook": "手册",
        "version": "版本",
        "effective": "有效期",
        "from": "自",
        "to": "至",
        "open_end": "长期",
        "currency": "币种",
        "hash": "内容哈希",
        "files": "文件",
        "contents": "目录",
        "stages": "阶段与推进",
        "diagram": "阶段图",
        "stage": "阶段",
        "win": "赢率",
        "terminal": "结束阶段",
        "moves": "推进",
        "needs": "条件",
        "nothing": "无",
        "all_clear": "没有阻止项且所有审批均已通过",
        "any_open": "可从任一未结束阶段进入",
        "categories": "客户类别",
        "documents_needed": "所需文件",
        "to_enter": "进入",
        "when": "当",
        "rules": "规则",
        "rule": "规则",
        "condition": "条件",
        "outcome": "结果",
        "block": "阻止交易",
        "warn": "警告",
        "approval": "须审批：",
        "action": "待办：",
        "due_days": "{n} 天内完成",
        "due": "截止",
        "scope": "适用范围",
        "everyone": "所有交易",
        "missing_data": "数据缺失时",
        "skip": "跳过",
        "warn_missing": "警告",
        "block_missing": "阻止",
        "shadow": "试行（观察模式）：只报告，不影响状态",
        "message": "提示",
        "tables": "决策表",
        "input": "依据",
        "range": "区间",
        "first": "按第一条匹配的行",
        "collect": "所有匹配的行都适用",
        "none": "无需审批",
        "chains": "审批链",
        "step": "步骤",
        "approver": "审批人",
        "limit": "审批权限",
        "always": "必经",
        "amount": "审批金额",
        "chain_note": "审批人按顺序审批；任何一步驳回则退回第一步；"
        "金额在某审批人权限内时审批到此为止（标记为必经的步骤除外）。",
        "facts": "推导值",
        "fact": "名称",
        "how": "计算方法",
        "parameters": "参数设置",
        "setting": "参数",
        "value": "取值",
        "defined_in": "定义于",
        "roles": "角色",
        "documents": "文件",
        "uses": "使用的参数",
        "otherwise": "否则",
        "cases": "按顺序取第一个成立的",
        "guard_refuse": "数据缺失时不允许推进",
        "generated": "由 kam 生成，来源：",
    },
}


def _ui(lang: str, key: str) -> str:
    return UI[lang].get(key, key)


@dataclass
class _Book:
    model: PlaybookModel
    lang: str

    def label(self, lab: Label | None, fallback: str) -> str:
        return lab.get(self.lang) if lab and (lab.en or lab.zh) else fallback

    def field(self, path: str) -> str:
        """A deal field as a person names it: "Customer > Credit limit" (with a guillemet)."""
        parts = path.split(".")
        names = []
        for i in range(len(parts)):
            key = ".".join(parts[: i + 1])
            names.append(self.label(self.model.field_labels.get(key), parts[i].replace("_", " ")))
        return " › ".join(names)


def words(node: ex.Node, book: _Book, locals_: dict[str, str] | None = None) -> str:
    """An expression in plain words (English or Chinese)."""
    return _Words(book, dict(locals_ or {})).say(node)


class _Words:
    def __init__(self, book: _Book, locals_: dict[str, str]) -> None:
        self.book = book
        self.t = T[book.lang]
        self.locals = locals_  # loop variable -> the list field it walks ("lines")

    def say(self, n: ex.Node, top: bool = True) -> str:
        out: str = getattr(self, "w_" + type(n).__name__)(n)
        return out

    def w_Const(self, n: ex.Const) -> str:
        shown = self.value(n.value, n.type)
        if n.param:
            p = self.book.model.parameters.get(n.param)
            name = self.book.label(p.label if p else None, n.param)
            return f"{name} ({shown})"
        return shown

    def value(self, v: Any, t: Type) -> str:
        if isinstance(v, bool):
            return self.t["true" if v else "false"]
        if t.kind == "percent" and isinstance(v, Decimal | int):
            return fmt_percent(v)
        if t.kind == "money" and isinstance(v, Decimal | int):
            return fmt_money(v)
        if isinstance(v, Decimal | int):
            return fmt_number(v)
        if isinstance(v, tuple):
            return "[" + ", ".join(self.value(x, t.item or t) for x in v) + "]"
        if v is None:
            return "—"
        return f"‘{v}’"

    def w_Get(self, n: ex.Get) -> str:
        if n.local:
            base = self.locals.get(n.root)
            if not n.path:
                return self.t["its"] if base is None else self.book.field(base)
            sub = f"{base}[].{'.'.join(n.path)}" if base else ".".join(n.path)
            name = self.book.field(sub).split(" › ")[-1]
            return f"{self.t['its']} {name}" if self.book.lang == "en" else f"其{name}"
        if n.root == "deal":
            return self.book.field(".".join(n.path))
        if n.root == "facts":
            fact = next((f for f in self.book.model.facts if f.name == n.path[0]), None)
            return self.book.label(fact.label if fact else None, n.path[0])
        return self.t["stage"].format(a=n.path[-1].replace("_", " "))

    def w_AsOf(self, n: ex.AsOf) -> str:
        return self.t["as_of"]

    def w_Compare(self, n: ex.Compare) -> str:
        return f"{self.say(n.left)} {self.t[n.op]} {self.say(n.right)}"

    def w_BoolOp(self, n: ex.BoolOp) -> str:
        parts = []
        for item in n.items:
            text = self.say(item)
            if isinstance(item, ex.BoolOp) and item.op != n.op:
                text = f"({text})"
            parts.append(text)
        return f" {self.t[n.op]} ".join(parts)

    def w_Not(self, n: ex.Not) -> str:
        return f"{self.t['not']} ({self.say(n.operand)})"

    def w_Arith(self, n: ex.Arith) -> str:
        sym = {"+": "+", "-": "−", "*": "×", "/": "÷"}[n.op]
        left, right = self.say(n.left), self.say(n.right)
        if isinstance(n.right, ex.Arith) and n.op in "-/":
            right = f"({right})"
        return f"{left} {sym} {right}"

    def w_Neg(self, n: ex.Neg) -> str:
        return f"−{self.say(n.operand)}"

    def w_Call(self, n: ex.Call) -> str:
        args = [self.say(a) for a in n.args]
        if n.fn in ("min", "max"):
            return f"{n.fn}({', '.join(args)})"
        if n.fn == "chain_status":
            return self.t["chain"].format(a=args[0])
        keys = {"a": args[0] if args else "", "b": args[1] if len(args) > 1 else ""}
        key = "len_text" if n.fn == "len" and n.args[0].type.kind == "string" else n.fn
        return self.t[key].format(**keys)

    def w_Aggregate(self, n: ex.Aggregate) -> str:
        listed = self.say(n.source)
        if not n.var:
            key = "count" if n.fn == "count" else n.fn
            return self.t[key].format(list=listed, elt=listed, cond="")
        source = n.source
        if isinstance(source, ex.Get) and source.root == "deal":
            self.locals[n.var] = ".".join(source.path)
        cond = self.say(n.cond) if n.cond is not None else ""
        elt = self.say(n.elt) if n.elt is not None else ""
        if n.fn == "count":
            return self.t["count_if" if cond else "count"].format(list=listed, cond=cond)
        if n.fn in ("any", "all"):
            body = elt if not cond else f"{cond} {self.t['and']} {elt}"
            return self.t[n.fn].format(list=listed, cond=body)
        text = self.t[n.fn].format(list=listed, elt=elt)
        return text + (f" ({self.t['where']} {cond})" if cond else "")

    def w_Present(self, n: ex.Present) -> str:
        return f"{self.say(n.operand)} {self.t['missing' if n.negate else 'present']}"

    def w_IfMissing(self, n: ex.IfMissing) -> str:
        if self.book.lang == "zh":
            return f"{self.say(n.operand)}{self.t['or_if_missing']}{self.say(n.default)}）"
        return f"{self.say(n.operand)} ({self.t['or_if_missing']} {self.say(n.default)})"

    def w_In(self, n: ex.In) -> str:
        return (
            f"{self.say(n.item)} {self.t['not in' if n.negate else 'in']} {self.say(n.container)}"
        )

    def w_Cond(self, n: ex.Cond) -> str:
        return self.t["if"].format(a=self.say(n.then), t=self.say(n.test), b=self.say(n.otherwise))

    def w_ListOf(self, n: ex.ListOf) -> str:
        return "[" + ", ".join(self.say(i) for i in n.items) + "]"


def params_used(nodes: Iterable[ex.Node | None]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if node is None:
            continue
        for n in ex.walk(node):
            if isinstance(n, ex.Const) and n.param and n.param not in out:
                out.append(n.param)
    return out


# -- the stage diagram ---------------------------------------------------------------------------

BOX_W, BOX_H, GAP_X, GAP_Y, PER_ROW = 150, 54, 48, 56, 5


def stage_groups(model: PlaybookModel) -> list[tuple[list[str], list[Stage]]]:
    """Categories that share the same stages get one diagram."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for cat in model.categories:
        key = tuple(s.id for s in model.stages if s.used_by(cat))
        groups.setdefault(key, []).append(cat)
    by_id = {s.id: s for s in model.stages}
    return [(cats, [by_id[i] for i in key]) for key, cats in groups.items()]


def diagram_svg(model: PlaybookModel, stages: list[Stage], lang: str, title: str) -> str:
    """An inline SVG of the stages (in their order) and the moves between them."""
    book = _Book(model, lang)
    ids = {s.id for s in stages}
    moves = [t for t in model.transitions if t.source in ids and t.target in ids]
    spread = [t for t in moves if t.from_any]
    direct = [t for t in moves if not t.from_any]
    pos: dict[str, tuple[float, float]] = {}
    for i, s in enumerate(stages):
        row, col = divmod(i, PER_ROW)
        pos[s.id] = (20 + col * (BOX_W + GAP_X), 40 + row * (BOX_H + GAP_Y))
    rows = (len(stages) + PER_ROW - 1) // PER_ROW
    width = 40 + min(len(stages), PER_ROW) * (BOX_W + GAP_X) - GAP_X
    height = 40 + rows * BOX_H + (rows - 1) * GAP_Y + 50  # room below for arcs back
    out = [
        f'<svg class="diagram" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for t in direct:
        out.append(_edge(pos[t.source], pos[t.target], t))
    targets = sorted({t.target for t in spread})
    show_win = any(s.win_probability for s in stages)  # procedures have no win rates
    for s in stages:
        x, y = pos[s.id]
        cls = "stage terminal" if s.terminal else "stage"
        win = fmt_percent(s.win_probability) if show_win else ""
        out.append(
            f'<g class="{cls}" data-stage="{escape(s.id)}">'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
            f'<text x="{x + BOX_W / 2}" y="{y + 22}" class="name">'
            f"{escape(book.label(s.label, s.id))}</text>"
            f'<text x="{x + BOX_W / 2}" y="{y + 40}" class="win">{escape(win)}</text></g>'
        )
        if s.id in targets:
            out.append(
                f'<text x="{x + BOX_W / 2}" y="{y - 8}" class="note">'
                f"{escape(_ui(lang, 'any_open'))} ⇢</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _edge(a: tuple[float, float], b: tuple[float, float], t: Transition) -> str:
    (ax, ay), (bx, by) = a, b
    if ay == by and bx > ax:  # the next stage on the same row
        d = f"M{ax + BOX_W},{ay + BOX_H / 2} L{bx},{by + BOX_H / 2}"
        if bx - ax > BOX_W + GAP_X:  # skipping stages: arc over them
            d = f"M{ax + BOX_W / 2},{ay} Q{(ax + bx + BOX_W) / 2},{ay - 34} {bx + BOX_W / 2},{by}"
    elif by > ay:  # down to a later row
        d = (
            f"M{ax + BOX_W / 2},{ay + BOX_H} C{ax + BOX_W / 2},{ay + BOX_H + 40} "
            f"{bx + BOX_W / 2},{by - 40} {bx + BOX_W / 2},{by}"
        )
    else:  # back to an earlier stage: arc below
        d = (
            f"M{ax + BOX_W / 2},{ay + BOX_H} Q{(ax + bx + BOX_W) / 2},"
            f"{max(ay, by) + BOX_H + 40} {bx + BOX_W / 2},{by + BOX_H}"
        )
    cls = "move back" if (by, bx) < (ay, ax) else "move"
    return (
        f'<path class="{cls}" data-from="{escape(t.source)}" data-to="{escape(t.target)}" '
        f'd="{d}" marker-end="url(#arrow)"/>'
    )


def mermaid(model: PlaybookModel, stages: list[Stage], lang: str) -> str:
    book = _Book(model, lang)
    ids = {s.id for s in stages}
    lines = ["flowchart LR"]
    for s in stages:
        text = f"{book.label(s.label, s.id)}<br/>{fmt_percent(s.win_probability)}"
        shape = ("([", "])") if s.terminal else ("[", "]")
        lines.append(f'    {s.id}{shape[0]}"{text}"{shape[1]}')
    seen_any = set()
    for t in model.transitions:
        if t.source not in ids or t.target not in ids:
            continue
        if t.from_any:
            if t.target not in seen_any:
                seen_any.add(t.target)
                lines.append(f'    any_{t.target}(("{_ui(lang, "any_open")}")) -.-> {t.target}')
            continue
        lines.append(f"    {t.source} --> {t.target}")
    return "\n".join(lines)


# -- the handbook itself ---------------------------------------------------------------------------


def build(model: PlaybookModel, lang: str, hash_: str = "") -> dict[str, Any]:
    """Everything the handbook shows, as plain values for the templates."""
    book = _Book(model, lang)
    ui = UI[lang]

    def msg(m: Any) -> str:
        if m is None:
            return ""
        return str(m.source.get(lang) or m.source.get("en") or next(iter(m.source.values())))

    def outcome(o: Any) -> str:
        if o.kind == "approval":
            return f"{ui['approval']} {book.label(model.roles.get(o.role), o.role)}"
        if o.kind == "action":
            who = book.label(model.roles.get(o.assignee), o.assignee)
            due = (
                ui["due_days"].format(n=o.due_in_days)
                if o.due is None
                else f"{ui['due']}: {words(o.due.node, book)}"
            )
            return f"{ui['action']} {who} — {o.action_id} ({due})"
        return str(ui.get(o.kind, o.kind))

    def scope(cats: Any, stages: Any) -> str:
        parts = []
        if cats:
            parts.append(
                ", ".join(
                    book.label(model.categories[c].label, c)
                    for c in sorted(cats)
                    if c in model.categories
                )
            )
        if stages:
            parts.append(", ".join(book.label(_stage(model, s).label, s) for s in sorted(stages)))
        return " · ".join(parts) or ui["everyone"]

    def param_rows(names: list[str]) -> list[dict[str, str]]:
        return [
            {
                "name": n,
                "label": book.label(model.parameters[n].label, n),
                "value": _param_value(model.parameters[n].value, model.parameters[n].type.kind),
            }
            for n in names
            if n in model.parameters
        ]

    rules = []
    for r in model.rules:
        locals_ = {}
        if r.for_each is not None and isinstance(r.for_each.node, ex.Get):
            locals_[r.item] = ".".join(r.for_each.node.path)
        cond = words(r.when.node, book, locals_)
        if r.for_each is not None:
            cond = f"{words(r.for_each.node, book)} — {ui['when']}: {cond}"
        rules.append(
            {
                "id": r.id,
                "title": book.label(r.title, r.id),
                "description": r.description.get(lang),
                "when": cond,
                "then": outcome(r.outcome),
                "scope": scope(r.categories, r.stages),
                "missing": ui[
                    {"skip": "skip", "warn": "warn_missing", "block": "block_missing"}[r.on_missing]
                ],
                "shadow": r.mode == "shadow",
                "message": msg(r.outcome.message),
                "params": param_rows(
                    params_used(
                        [
                            r.when.node,
                            r.for_each.node if r.for_each else None,
                            r.outcome.due.node if r.outcome.due else None,
                        ]
                    )
                ),
                "file": r.location.file,
            }
        )
    tables = []
    for tb in model.tables:
        tables.append(
            {
                "id": tb.id,
                "title": book.label(tb.title, tb.id),
                "description": tb.description.get(lang),
                "input": words(tb.input.node, book),
                "hit": ui[tb.hit],
                "scope": scope(tb.categories, tb.stages),
                "shadow": tb.mode == "shadow",
                "rows": [
                    {
                        "range": _range(row, lang),
                        "then": ui["none"] if row.outcome.kind == "none" else outcome(row.outcome),
                    }
                    for row in tb.rows
                ],
                "message": msg(tb.message),
            }
        )
    chains = []
    for c in model.chains:
        chains.append(
            {
                "id": c.id,
                "title": book.label(c.title, c.id),
                "description": c.description.get(lang),
                "scope": scope(c.categories, c.stages),
                "amount": words(c.amount.node, book) if c.amount else "",
                "when": words(c.when.node, book) if c.when else "",
                "steps": [
                    {
                        "n": i + 1,
                        "role": book.label(model.roles.get(s.role), s.role),
                        "limit": fmt_money(s.limit) if s.limit is not None else "",
                        "always": s.always,
                    }
                    for i, s in enumerate(c.steps)
                ],
            }
        )
    moves = []
    any_moves: list[dict[str, Any]] = []  # moves written `from: any`, shown once
    for s in model.stages:
        out_moves = []
        for t in model.transitions:
            if t.source != s.id:
                continue
            needs = [
                f"{book.label(g.title, g.id)} — {words(g.when.node, book)}" for g in t.conditions
            ]
            for n in t.documents:
                doc = book.label(model.documents.get(n.document), n.document)
                when = f" ({ui['when']} {words(n.when.node, book)})" if n.when else ""
                needs.append(f"{ui['documents_needed']}: {doc}{when}")
            needs += [f"{ui['approval']} {book.label(model.roles.get(r), r)}" for r in t.approvals]
            if t.all_clear:
                needs.append(ui["all_clear"])
            out_moves.append(
                {
                    "to": book.label(_stage(model, t.target).label, t.target),
                    "any": t.from_any,
                    "needs": needs,
                }
            )
        moves.append(
            {
                "id": s.id,
                "label": book.label(s.label, s.id),
                "win": fmt_percent(s.win_probability),
                "terminal": s.terminal,
                "description": s.description.get(lang),
                "categories": scope(s.categories, None) if s.categories else "",
                "moves": [m for m in out_moves if not m["any"]],
            }
        )
        for m in out_moves:
            if m["any"] and m["to"] not in {a["to"] for a in any_moves}:
                any_moves.append(m)
    categories = []
    for cat in model.categories.values():
        categories.append(
            {
                "id": cat.id,
                "label": book.label(cat.label, cat.id),
                "description": cat.description.get(lang),
                "rule": cat.rule,
                "documents": [
                    {
                        "document": book.label(model.documents.get(n.document), n.document),
                        "stage": book.label(_stage(model, n.stage or "").label, n.stage or ""),
                        "when": words(n.when.node, book) if n.when else "",
                    }
                    for n in cat.documents
                ],
            }
        )
    facts = []
    for name in model.fact_names:
        f = next(x for x in model.facts if x.name == name)
        if f.value is not None:
            how = words(f.value.node, book)
        elif f.cases:
            how = f"{ui['cases']}: " + "; ".join(
                f"{words(c.value.node, book)} {ui['when']} {words(c.when.node, book)}"
                for c in f.cases
            )
            if f.otherwise is not None:
                how += f"; {ui['otherwise']} {words(f.otherwise.node, book)}"
        elif f.table_input is not None:
            how = f"{ui['input']} {words(f.table_input.node, book)}: " + "; ".join(
                f"{_range(row, lang)} → {row.value}" for row in f.rows
            )
        else:
            how = ""
        facts.append(
            {
                "name": name,
                "label": book.label(f.label, name),
                "description": f.description.get(lang),
                "how": how,
            }
        )
    diagrams = []
    for cats, stages in stage_groups(model):
        names = ", ".join(book.label(model.categories[c].label, c) for c in cats)
        title = (
            f"{_ui(lang, 'diagram')}: {names}"
            if len(stage_groups(model)) > 1
            else _ui(lang, "diagram")
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
        "any_moves": any_moves,
        "diagrams": diagrams,
        "categories": categories,
        "rules": rules,
        "tables": tables,
        "chains": chains,
        "facts": facts,
        "parameters": [
            {
                "name": k,
                "label": book.label(p.label, k),
                "value": _param_value(p.value, p.type.kind),
                "description": p.description.get(lang),
                "file": p.location.file,
            }
            for k, p in model.parameters.items()
        ],
        "roles": [{"id": k, "label": book.label(v, k)} for k, v in model.roles.items()],
        "documents": [{"id": k, "label": book.label(v, k)} for k, v in model.documents.items()],
    }


def _stage(model: PlaybookModel, stage_id: str) -> Stage:
    for s in model.stages:
        if s.id == stage_id:
            return s
    return Stage(
        stage_id,
        Label(stage_id, stage_id),
        Label(),
        0,
        False,
        Decimal(0),
        Location(model.file, 1, 1),
    )


def _param_value(value: Any, kind: str) -> str:
    if kind == "percent":
        return fmt_percent(value)
    if kind == "money":
        return fmt_money(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        return fmt_number(value)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _range(row: Row, lang: str) -> str:
    zh = lang == "zh"
    parts = []
    if row.low is not None:
        word = "≥ " if row.low_inclusive else "> "
        parts.append(word + _bound(row.low, row.bounds_text))
    if row.high is not None:
        word = "≤ " if row.high_inclusive else "< "
        parts.append(word + _bound(row.high, row.bounds_text))
    return (" 且 " if zh else " and ").join(parts) or ("全部" if zh else "any value")


def _bound(value: Decimal, texts: Any) -> str:
    if any(str(t).endswith("%") or "params." in str(t) for t in texts.values()) and abs(value) <= 1:
        return fmt_percent(value)
    return fmt_number(value)


_ENV = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True
)


def _template(name: str) -> str:
    return resources.files("engine").joinpath(name).read_text(encoding="utf-8")


def render_html(model: PlaybookModel, lang: str, hash_: str = "") -> str:
    """One self-contained HTML file (styles inline, the diagram as inline SVG)."""
    return _ENV.from_string(_template("handbook.html.j2")).render(**build(model, lang, hash_))


def render_markdown(model: PlaybookModel, lang: str, hash_: str = "") -> str:
    """Markdown; the stage diagram is a Mermaid block."""
    md = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    md.filters["cell"] = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    return md.from_string(_template("handbook.md.j2")).render(**build(model, lang, hash_))
