"""Compiled playbook (and the deals of its test files) in, a handbook a sales director reads
without YAML out (HTML or Markdown).

Stages with their win rates and what each move needs, a stage diagram (inline SVG in HTML,
Mermaid in Markdown), every rule in plain words with the settings it uses and its message as
it reads for a worked example deal, decision tables as tables, approval chains as steps, the
settings, and an appendix for playbook authors with the ids and where each item is defined.
Only the appendix shows ids and file names; everything else uses the playbook's labels (or a
humanised id where it has none). The HTML is one self-contained file: no script, style or
font is fetched from anywhere. Our own templates run in jinja2's sandbox with autoescaping,
so nothing a playbook says can inject markup.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..check.model import Label, PlaybookModel, Row, Stage, Transition
from ..errors import KamError, Location
from ..lang import ir
from ..lang.ir import Visitor
from ..lang.messages import fmt_money, fmt_number, fmt_percent
from ..lang.types import Type

if TYPE_CHECKING:
    from ..app.playbook import Playbook

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
        "action": "a task for",
        "due_days": "due in {n} days",
        "due": "due",
        "scope": "Applies to",
        "stop": ".",
        "everyone": "every deal",
        "missing_skip": "If the data needed is missing, this rule is not applied.",
        "missing_warn": "If the data needed is missing, kam shows a warning and asks for it.",
        "missing_block": "If the data needed is missing, the deal is blocked until it is given.",
        "shadow": "in trial (shadow): reported, never changes the status",
        "message": "What kam says",
        "example": "for example, for deal {deal}:",
        "in_general": "in general (the values of the deal in brackets):",
        "placeholder": "[{x}]",
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
        "tier": "the tier",
        "chain_note": "Approvers act in this order; a rejection sends the request back to step 1; "
        "an approver's limit ends the chain when it covers the amount, except for steps "
        "marked always.",
        "facts": "Derived values",
        "fact": "Value",
        "how": "How it is worked out",
        "parameters": "Settings",
        "setting": "Setting",
        "value": "Value",
        "roles": "Roles",
        "documents": "Documents",
        "uses": "Settings used",
        "otherwise": "otherwise",
        "cases": "first that holds",
        "guard_refuse": "if the data is missing the move is refused",
        "yes": "yes",
        "no": "no",
        "smaller": "the smaller of {args}",
        "larger": "the larger of {args}",
        "appendix": "Appendix for playbook authors",
        "appendix_note": "The ids the playbook uses and where each item is defined "
        "(file:line). The rest of this handbook uses the labels instead.",
        "playbook_id": "Playbook id",
        "kind": "Kind",
        "name": "Name",
        "id": "Id",
        "defined_in": "Defined in",
        "k_stage": "stage",
        "k_category": "category",
        "k_rule": "rule",
        "k_table": "decision table",
        "k_chain": "approval chain",
        "k_guard": "move condition",
        "k_fact": "derived value",
        "k_setting": "setting",
        "k_role": "role",
        "k_document": "document",
        "k_action": "task",
        "k_field": "deal field",
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
        "stop": "。",
        "everyone": "所有交易",
        "missing_skip": "所需数据缺失时，本规则不适用。",
        "missing_warn": "所需数据缺失时，kam 会给出警告并要求补充数据。",
        "missing_block": "所需数据缺失时，交易被阻止，直至补齐数据。",
        "shadow": "试行（观察模式）：只报告，不影响状态",
        "message": "kam 的提示",
        "example": "例如，对交易 {deal}：",
        "in_general": "一般形式（方括号内为交易中的实际值）：",
        "placeholder": "【{x}】",
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
        "tier": "该档下限",
        "chain_note": "审批人按顺序审批；任何一步驳回则退回第一步；"
        "金额在某审批人权限内时审批到此为止（标记为必经的步骤除外）。",
        "facts": "推导值",
        "fact": "名称",
        "how": "计算方法",
        "parameters": "参数设置",
        "setting": "参数",
        "value": "取值",
        "roles": "角色",
        "documents": "文件",
        "uses": "使用的参数",
        "otherwise": "否则",
        "cases": "按顺序取第一个成立的",
        "guard_refuse": "数据缺失时不允许推进",
        "yes": "是",
        "no": "否",
        "smaller": "{args}中较小者",
        "larger": "{args}中较大者",
        "appendix": "附录：供规则编写者参考",
        "appendix_note": "规则手册中使用的标识及各项的定义位置（文件:行）。"
        "手册正文只使用名称，不使用标识。",
        "playbook_id": "规则手册标识",
        "kind": "类型",
        "name": "名称",
        "id": "标识",
        "defined_in": "定义于",
        "k_stage": "阶段",
        "k_category": "客户类别",
        "k_rule": "规则",
        "k_table": "决策表",
        "k_chain": "审批链",
        "k_guard": "推进条件",
        "k_fact": "推导值",
        "k_setting": "参数",
        "k_role": "角色",
        "k_document": "文件",
        "k_action": "待办",
        "k_field": "交易字段",
        "generated": "由 kam 生成，来源：",
    },
}

# Words for values and ids a playbook compares with or hands out but gives no label (the
# allowed values of a text field, the values of a derived value, task ids, stage
# attributes). A playbook label always wins; an id in neither is humanised ("a_b" -> "a b").
VALUES = {
    "en": {
        "win_probability": "win probability",
        "decision_maker": "decision maker",
        "head_on": "head-on",
        "change_view": "change the customer's view",
        "change_process": "change the buying process",
        "win_win": "win-win",
        "industry_manager": "industry manager",
        "refresh_credit_check": "refresh the credit check",
        "file_visit_record": "file the visit record",
        "schedule_visit": "schedule a visit",
        "progress_report": "report the progress",
    },
    "zh": {
        "win_probability": "赢率",
        "cash": "现款",
        "credit": "赊销",
        "initiator": "发起者",
        "designer": "设计者",
        "decision_maker": "决策者",
        "evaluator": "评估者",
        "user": "使用者",
        "supporter": "支持者",
        "neutral": "中立",
        "opponent": "反对者",
        "approved": "同意",
        "rejected": "驳回",
        "complete": "完成",
        "strategic": "战略",
        "important": "重要",
        "group": "集团",
        "economic": "经济",
        "potential": "潜在",
        "growth": "增长区",
        "development": "发展区",
        "consolidation": "巩固区",
        "hunting": "开拓（狩猎）",
        "farming": "深耕（耕作）",
        "partnership": "伙伴关系",
        "head_on": "正面竞争",
        "change_view": "改变客户看法",
        "change_process": "改变采购流程",
        "delay": "拖延",
        "win_win": "双赢",
        "operational": "操作层",
        "management": "管理层",
        "decision": "决策层",
        "finance": "财务",
        "purchasing": "采购",
        "technical": "技术",
        "close": "密切",
        "frequent": "经常",
        "distant": "疏远",
        "none": "无",
        "resident": "驻点",
        "representative": "代表",
        "industry_manager": "行业经理",
        "refresh_credit_check": "重新调查信用",
        "file_visit_record": "提交拜访记录",
        "schedule_visit": "安排拜访",
        "progress_report": "汇报进度",
    },
}

# The deal fields every playbook has (and so never labels), by name.
FIELDS = {
    "en": {"owner": "deal owner", "by": "approved by", "on": "date"},
    "zh": {
        "id": "编号",
        "category": "客户类别",
        "stage": "阶段",
        "owner": "负责人",
        "documents": "文件",
        "approvals": "审批记录",
        "role": "角色",
        "by": "审批人",
        "on": "日期",
        "decision": "审批结果",
        "history": "推进记录",
    },
}


def humanise(key: str) -> str:
    """An id as words, for where a playbook gives no label: "refresh_credit_check" ->
    "refresh credit check"."""
    return key.replace("_", " ").strip() or key


def _ui(lang: str, key: str) -> str:
    return UI[lang].get(key, key)


@dataclass
class _Book:
    model: PlaybookModel
    lang: str

    def label(
        self, lab: Label | None, key: str, ours: Mapping[str, dict[str, str]] = VALUES
    ) -> str:
        """The playbook's label in this language, else our word for the id, else the id
        humanised (never the bare snake_case id)."""
        if lab and (lab.zh if self.lang == "zh" else lab.en):
            return lab.get(self.lang)
        known = ours[self.lang].get(key)
        if known:
            return known
        if lab and (lab.en or lab.zh):
            return lab.get(self.lang)
        return humanise(key)

    def word(self, value: str) -> str:
        """A text value ('decision_maker', 'finance') as a person says it: the label of the
        role, category, stage or document of that id if there is one."""
        m = self.model
        if value in m.roles:
            return self.role(value)
        if value in m.categories:
            return self.category(value)
        if value in m.documents:
            return self.document(value)
        if any(s.id == value for s in m.stages):
            return self.stage(value)
        return self.label(None, value)

    def role(self, key: str) -> str:
        return self.label(self.model.roles.get(key), key)

    def document(self, key: str) -> str:
        return self.label(self.model.documents.get(key), key)

    def stage(self, key: str) -> str:
        s = next((s for s in self.model.stages if s.id == key), None)
        return self.label(s.label if s else None, key)

    def category(self, key: str) -> str:
        c = self.model.categories.get(key)
        return self.label(c.label if c else None, key)

    def fact(self, key: str) -> str:
        f = next((f for f in self.model.facts if f.name == key), None)
        return self.label(f.label if f else None, key)

    def param(self, key: str) -> str:
        p = self.model.parameters.get(key)
        return self.label(p.label if p else None, key)

    def field(self, path: str) -> str:
        """A deal field as a person names it: "Customer > Credit limit" (with a guillemet)."""
        parts = path.split(".")
        names = []
        for i in range(len(parts)):
            key = ".".join(parts[: i + 1])
            name = parts[i].removesuffix("[]")
            lab = self.model.field_labels.get(key) or self.model.field_labels.get(
                key.removesuffix("[]")
            )
            said = self.label(lab, name, FIELDS)
            if self.lang == "en" and not (lab and lab.en):
                said = said[:1].upper() + said[1:]  # like the labelled names around it
            names.append(said)
        return " › ".join(names)


def words(node: ir.Node, book: _Book, locals_: dict[str, str] | None = None) -> str:
    """An expression in plain words (English or Chinese)."""
    return _Words(book, dict(locals_ or {})).say(node)


class _Words(Visitor[str]):
    def __init__(self, book: _Book, locals_: dict[str, str]) -> None:
        self.book = book
        self.t = T[book.lang]
        self.locals = locals_  # loop variable -> the list field it walks ("lines")

    def say(self, n: ir.Node, top: bool = True) -> str:
        return self.visit(n)

    def visit_Const(self, n: ir.Const) -> str:
        shown = self.value(n.value, n.type)
        if n.param:
            return f"{self.book.param(n.param)} ({shown})"
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
        if isinstance(v, str):
            return f"‘{self.book.word(v)}’"
        return f"‘{v}’"

    def visit_Get(self, n: ir.Get) -> str:
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
            return self.book.fact(n.path[0])
        return self.t["stage"].format(a=self.book.word(n.path[-1]))

    def visit_AsOf(self, n: ir.AsOf) -> str:
        return self.t["as_of"]

    def visit_Compare(self, n: ir.Compare) -> str:
        return f"{self.say(n.left)} {self.t[n.op]} {self.say(n.right)}"

    def visit_BoolOp(self, n: ir.BoolOp) -> str:
        parts = []
        for item in n.items:
            text = self.say(item)
            if isinstance(item, ir.BoolOp) and item.op != n.op:
                text = f"({text})"
            parts.append(text)
        return f" {self.t[n.op]} ".join(parts)

    def visit_Not(self, n: ir.Not) -> str:
        return f"{self.t['not']} ({self.say(n.operand)})"

    def visit_Arith(self, n: ir.Arith) -> str:
        sym = {"+": "+", "-": "−", "*": "×", "/": "÷"}[n.op]
        left, right = self.say(n.left), self.say(n.right)
        if isinstance(n.right, ir.Arith) and n.op in "-/":
            right = f"({right})"
        return f"{left} {sym} {right}"

    def visit_Neg(self, n: ir.Neg) -> str:
        return f"−{self.say(n.operand)}"

    def visit_Call(self, n: ir.Call) -> str:
        args = [self.say(a) for a in n.args]
        if n.fn in ("min", "max"):
            joiner = "、" if self.book.lang == "zh" else ", "
            key = "smaller" if n.fn == "min" else "larger"
            return UI[self.book.lang][key].format(args=joiner.join(args))
        if n.fn == "chain_status":
            first = n.args[0]
            if isinstance(first, ir.Const) and isinstance(first.value, str):
                chain = next((c for c in self.book.model.chains if c.id == first.value), None)
                if chain is not None:
                    return self.t["chain"].format(a=self.book.label(chain.title, chain.id))
            return self.t["chain"].format(a=args[0])
        keys = {"a": args[0] if args else "", "b": args[1] if len(args) > 1 else ""}
        key = "len_text" if n.fn == "len" and n.args[0].type.kind == "string" else n.fn
        return self.t[key].format(**keys)

    def visit_Aggregate(self, n: ir.Aggregate) -> str:
        listed = self.say(n.source)
        if not n.var:
            key = "count" if n.fn == "count" else n.fn
            return self.t[key].format(list=listed, elt=listed, cond="")
        source = n.source
        if isinstance(source, ir.Get) and source.root == "deal":
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

    def visit_Present(self, n: ir.Present) -> str:
        return f"{self.say(n.operand)} {self.t['missing' if n.negate else 'present']}"

    def visit_IfMissing(self, n: ir.IfMissing) -> str:
        if self.book.lang == "zh":
            return f"{self.say(n.operand)}{self.t['or_if_missing']}{self.say(n.default)}）"
        return f"{self.say(n.operand)} ({self.t['or_if_missing']} {self.say(n.default)})"

    def visit_In(self, n: ir.In) -> str:
        return (
            f"{self.say(n.item)} {self.t['not in' if n.negate else 'in']} {self.say(n.container)}"
        )

    def visit_Cond(self, n: ir.Cond) -> str:
        return self.t["if"].format(a=self.say(n.then), t=self.say(n.test), b=self.say(n.otherwise))

    def visit_ListOf(self, n: ir.ListOf) -> str:
        return "[" + ", ".join(self.say(i) for i in n.items) + "]"


def params_used(nodes_: Iterable[ir.Node | None]) -> list[str]:
    out: list[str] = []
    for node in nodes_:
        if node is None:
            continue
        for n in ir.walk(node):
            if isinstance(n, ir.Const) and n.param and n.param not in out:
                out.append(n.param)
    return out


# -- messages: as they read for a worked example deal, or in words ------------------------------


@dataclass(frozen=True)
class Example:
    """A message as kam wrote it for one deal of the playbook's test files."""

    deal: str  # the deal's id
    text: str


def worked_examples(playbook: Playbook, lang: str) -> dict[str, Example]:
    """For each rule, decision table and approval chain: its message for the first deal
    among the playbook's test cases (``tests/`` beside the playbook) that makes it fire.

    Each deal is evaluated against *this* playbook, so the text is exactly what kam says
    for that deal. A broken test file or a deal this playbook refuses is passed over."""
    model = playbook.model
    row_table = {row.id: t.id for t in model.tables for row in t.rows}
    chains = {c.id for c in model.chains if c.message is not None}
    titles = {r.id: r.title for r in model.rules} | {t.id: t.title for t in model.tables}
    found: dict[str, Example] = {}
    for deal, as_of in _test_deals(playbook.file, model.id):
        try:
            explained = playbook.explain(deal, as_of=as_of, lang=lang)
        except KamError:
            continue
        fired = set()
        for s in explained.steps:
            if s.outcome == "fired" and s.kind == "rule":
                fired.add(s.id.split("[")[0])
            elif s.outcome == "fired" and s.kind == "row" and s.id in row_table:
                fired.add(row_table[s.id])
        r = explained.result
        for item in (*r.violations, *r.approvals, *r.actions, *r.shadow):
            key = item.rule
            if key in found or (key not in fired and key not in chains):
                continue
            text = item.message
            title = titles.get(key)
            if title is not None and text == title.get(lang):
                continue  # the message could not be written for this deal: its title stood in
            found[key] = Example(str(deal.get("id", "")), text)
    return found


def _test_deals(file: str, playbook_id: str) -> Iterator[tuple[dict[str, Any], date]]:
    """(deal, as_of) of every case of the test files in ``tests/`` beside the playbook that
    test this playbook (by its file, or by its id in a folder), in file and case order."""
    from ..app.testing import build_deal, discover
    from ..lang.schema import schema_diagnostics
    from ..read.source import load_yaml
    from ..run.deal import read_deal

    if not file or not os.path.isfile(file):
        return  # read from standard input or text: no folder to look in
    folder = os.path.join(os.path.dirname(file) or ".", "tests")
    if not os.path.isdir(folder):
        return
    me = os.path.realpath(file)
    for path in discover([folder]):
        try:
            with open(path, encoding="utf-8") as fh:
                data, smap, problems = load_yaml(fh.read(), path)
        except (OSError, UnicodeDecodeError, KamError):
            continue
        if problems or not isinstance(data, dict) or schema_diagnostics(data, smap, "test"):
            continue
        here = os.path.dirname(path)
        target = os.path.realpath(os.path.join(here, str(data["playbook"])))
        if target != me and not (os.path.isdir(target) and data.get("id") == playbook_id):
            continue
        base: Any = data.get("base") or {}
        if isinstance(base, str):
            try:
                base = read_deal(os.path.normpath(os.path.join(here, base)))
            except KamError:
                continue
        for case in data["cases"]:
            try:
                as_of = date.fromisoformat(str(case.get("as_of") or data.get("as_of")))
                deal = build_deal(base, case)
            except (ValueError, KeyError, IndexError, TypeError):
                continue
            yield deal, as_of


class _MessageWords:
    """A message template in words, for a message no test deal shows: text stays, each
    value becomes its name in brackets ("[Customer > Territory]"), a setting its value; a
    loop is read once and a condition by its first branch. Never template syntax."""

    def __init__(
        self, book: _Book, names: Mapping[str, str], locals_: Mapping[str, str] | None = None
    ) -> None:
        self.book = book
        self.names = dict(names)  # template name -> words ("value" -> "Discount off list")
        self.locals = dict(locals_ or {})  # loop variable -> the list field it walks
        self.holes = 0  # values put in brackets

    def say(self, source: str) -> str:
        try:
            tree = _ENV.parse(source)
        except TemplateSyntaxError:
            return ""
        out: list[str] = []
        self.body(tree.body, out)
        return " ".join("".join(out).split())

    def body(self, items: Iterable[nodes.Node], out: list[str]) -> None:
        for node in items:
            if isinstance(node, nodes.Output):
                for part in node.nodes:
                    if isinstance(part, nodes.TemplateData):
                        out.append(part.data)
                    else:
                        out.append(self.value(part))
            elif isinstance(node, nodes.For):
                path = self.path(node.iter)
                if isinstance(node.target, nodes.Name) and path and path[0] == "deal":
                    self.locals[node.target.name] = ".".join(path[1:])
                self.body(node.body, out)
            elif isinstance(node, nodes.If) and any(
                n.name == "loop" for n in node.test.find_all(nodes.Name)
            ):
                self.body(node.else_, out)  # read once: not the separator between items
            elif hasattr(node, "body"):  # if: its first branch; with, block...
                self.body(node.body, out)

    def path(self, node: nodes.Node) -> tuple[str, ...]:
        if isinstance(node, nodes.Name):
            return (node.name,)
        if isinstance(node, nodes.Getattr):
            return (*self.path(node.node), node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            return (*self.path(node.node), str(node.arg.value))
        if isinstance(node, nodes.Filter) and node.node is not None:
            return self.path(node.node)
        return ()

    def value(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.Const):
            return str(node.value)
        book, path = self.book, self.path(node)
        holder = UI[book.lang]["placeholder"]
        self.holes += 1
        if not path:
            return holder.format(x="…")
        root, rest = path[0], path[1:]
        if root == "params" and rest and rest[0] in book.model.parameters:
            self.holes -= 1  # a setting's value is known
            p = book.model.parameters[rest[0]]
            return _param_value(p.value, p.type.kind, book)
        if root == "deal" and rest:
            name = book.field(".".join(rest))
        elif root == "facts" and rest:
            name = book.fact(rest[0])
        elif root in self.locals:
            sub = f"{self.locals[root]}[]" + "".join(f".{p}" for p in rest)
            name = book.field(sub).split(" › ")[-1] if rest else book.field(self.locals[root])
        elif root in self.names:
            name = self.names[root]
        else:
            name = book.word(path[-1])
        return holder.format(x=name)


def message_in_words(
    source: str, book: _Book, names: Mapping[str, str], locals_: Mapping[str, str] | None = None
) -> tuple[str, bool]:
    """(the message in words, whether it has a value in brackets)."""
    reader = _MessageWords(book, names, locals_)
    text = reader.say(source)
    return text, reader.holes > 0


# -- the stage diagram ---------------------------------------------------------------------------

FONT = 13  # px: the stage names (svg text in the template's style)
PAD = 10  # px between a name and its box's side
MIN_W, MAX_W, GAP_X, LANE, MARGIN, ROW_W = 120, 200, 48, 12, 20, 1000
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def text_width(text: str, size: float = FONT) -> float:
    """A conservative width of ``text`` in px: 1em for a CJK character, 0.7em for a capital
    or digit, 0.6em for anything else (wider than most fonts draw them)."""
    em = 0.0
    for ch in text:
        if _CJK.match(ch) or unicodedata.east_asian_width(ch) in ("W", "F"):
            em += 1.0
        elif ch.isupper() or ch.isdigit():
            em += 0.7
        else:
            em += 0.6
    return em * size


def _units(text: str) -> list[str]:
    """Where a line may break: after a space, or around any CJK character."""
    return re.findall(
        r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef][，、）」]?|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+\s*|\s+",
        text,
    )


def wrap(text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` px (a word wider than that gets a line)."""
    lines: list[str] = []
    cur = ""
    for unit in _units(text):
        if cur and text_width((cur + unit).rstrip()) > width:
            lines.append(cur.rstrip())
            cur = unit.lstrip()
        else:
            cur += unit
    if cur.strip():
        lines.append(cur.rstrip())
    return lines or [""]


def stage_groups(model: PlaybookModel) -> list[tuple[list[str], list[Stage]]]:
    """Categories that share the same stages get one diagram."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for cat in model.categories:
        key = tuple(s.id for s in model.stages if s.used_by(cat))
        groups.setdefault(key, []).append(cat)
    by_id = {s.id: s for s in model.stages}
    return [(cats, [by_id[i] for i in key]) for key, cats in groups.items()]


@dataclass(frozen=True)
class _Layout:
    box_w: float
    box_h: float
    per_row: int
    lines: dict[str, list[str]]  # stage -> its name in lines


def layout(names: Mapping[str, str], show_win: bool) -> _Layout:
    """The narrowest boxes (from ``MIN_W`` to ``MAX_W``) in which every name fits in at
    most two lines; a name still too long at ``MAX_W`` takes more lines."""
    widest_unit = max((text_width(u.strip()) for n in names.values() for u in _units(n)), default=0)
    box_w = float(max(MIN_W, int(widest_unit + 2 * PAD + 0.999)))
    while box_w < MAX_W and any(len(wrap(n, box_w - 2 * PAD)) > 2 for n in names.values()):
        box_w += 10
    lines = {k: wrap(n, box_w - 2 * PAD) for k, n in names.items()}
    most = max((len(v) for v in lines.values()), default=1)
    box_h = 14 + most * 17 + (18 if show_win else 0) + 6
    per_row = max(1, int((ROW_W + GAP_X) // (box_w + GAP_X)))
    return _Layout(box_w, float(box_h), per_row, lines)


def diagram_svg(model: PlaybookModel, stages: list[Stage], lang: str, title: str) -> str:
    """An inline SVG of the stages (in their order) and the moves between them.

    Moves to the next stage are straight arrows; a move that skips stages arcs above the
    row; a move down to a later row and every move back (dashed) run along a lane of their
    own between the rows, so no two lines share a stretch and every name fits its box."""
    book = _Book(model, lang)
    ids = [s.id for s in stages]
    order = {s: i for i, s in enumerate(ids)}
    moves = [t for t in model.transitions if t.source in order and t.target in order]
    spread = sorted({t.target for t in moves if t.from_any})
    direct = [t for t in moves if not t.from_any and t.source != t.target]
    show_win = any(s.win_probability for s in stages)  # procedures have no win rates
    lay = layout({s.id: book.label(s.label, s.id) for s in stages}, show_win)
    bw, bh, per = lay.box_w, lay.box_h, min(lay.per_row, max(len(stages), 1))
    rc = {s: divmod(i, per) for s, i in order.items()}  # stage -> (row, column)
    rows = (len(stages) + per - 1) // per

    # sort the moves into kinds; give each lane-using move its own lane
    nexts, skips, downs, backs = [], [], [], []
    for t in direct:
        (ra, ca), (rb, cb) = rc[t.source], rc[t.target]
        if order[t.target] < order[t.source]:
            backs.append(t)
        elif rb > ra:
            downs.append(t)
        elif cb == ca + 1:
            nexts.append(t)
        else:
            skips.append(t)

    def span(t: Transition) -> int:
        return abs(order[t.target] - order[t.source])

    back_lane: dict[int, int] = {}  # id(move) -> lane below the target's row
    down_lane: dict[int, int] = {}  # id(move) -> lane above the target's row
    skip_lane: dict[int, int] = {}
    for group, lanes in ((backs, back_lane), (downs, down_lane), (skips, skip_lane)):
        per_row_count: dict[int, int] = {}  # lanes of a row, the shortest move nearest
        for t in sorted(group, key=lambda t: (span(t), order[t.source])):
            r = rc[t.target][0]
            lanes[id(t)] = per_row_count.get(r, 0)
            per_row_count[r] = lanes[id(t)] + 1
    below = [sum(1 for t in backs if rc[t.target][0] == r) for r in range(rows)]
    above_down = [sum(1 for t in downs if rc[t.target][0] == r) for r in range(rows)]
    above_skip = [sum(1 for t in skips if rc[t.target][0] == r) for r in range(rows)]
    noted = [any(rc[s][0] == r for s in spread) for r in range(rows)]

    # rows from the top: room above (down lanes, skip arcs, the "from any" note), the
    # boxes, then room below (the lanes of moves back)
    tops: list[float] = []
    y = float(MARGIN)
    for r in range(rows):
        y += above_down[r] * LANE + (above_skip[r] * LANE + 14 if above_skip[r] else 0)
        y += 24 if noted[r] else (14 if above_down[r] else (8 if r else 0))
        tops.append(y)
        y += bh + (below[r] * LANE + 10 if below[r] else 0) + (24 if r < rows - 1 else 0)
    height = y + MARGIN
    width = 2 * MARGIN + per * (bw + GAP_X) - GAP_X

    def box(s: str) -> tuple[float, float]:
        r, c = rc[s]
        return MARGIN + c * (bw + GAP_X), tops[r]

    # where each lane-using move meets a box: spread along the box's top or bottom side
    ends: dict[tuple[str, str], list[tuple[float, int, str]]] = {}
    for t in backs + downs + skips:
        src_side = (
            "top"
            if (t in skips or (t in backs and rc[t.source][0] > rc[t.target][0]))
            else "bottom"
        )
        dst_side = "top" if t in downs or t in skips else "bottom"
        ends.setdefault((t.source, src_side), []).append((box(t.target)[0], id(t), "from"))
        ends.setdefault((t.target, dst_side), []).append((box(t.source)[0], id(t), "to"))
    attach: dict[tuple[int, str], tuple[float, float]] = {}
    for (sid, side), items in ends.items():
        # lines leave and reach the bottom of a box left of its middle and the top right
        # of it, so two lines never run down the same x between a box and the one below
        x0, y0 = box(sid)
        items.sort()
        step = min(14.0, (bw / 2 - 16) / max(len(items) - 1, 1))
        for i, (_x, key, end) in enumerate(items):
            if side == "top":
                ax = x0 + bw / 2 + 8 + i * step
            else:
                ax = x0 + bw / 2 - 8 - (len(items) - 1 - i) * step
            attach[(key, end)] = (ax, y0 if side == "top" else y0 + bh)

    out = [
        f'<svg class="diagram" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'aria-label="{escape(title)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for t in nexts:
        (ax, ay), (bx, _) = box(t.source), box(t.target)
        d = f"M{_n(ax + bw)},{_n(ay + bh / 2)} H{_n(bx)}"
        out.append(_path(t, d, back=False))
    for t in skips:
        (sx, sy), (tx, ty) = attach[(id(t), "from")], attach[(id(t), "to")]
        peak = sy - 14 - skip_lane[id(t)] * LANE
        out.append(_path(t, f"M{_n(sx)},{_n(sy)} V{_n(peak)} H{_n(tx)} V{_n(ty)}", back=False))
    for t in downs:
        (sx, sy), (tx, ty) = attach[(id(t), "from")], attach[(id(t), "to")]
        r = rc[t.target][0]
        lane = tops[r] - (24 if noted[r] else 14)
        lane -= above_skip[r] * LANE + 14 if above_skip[r] else 0
        lane -= down_lane[id(t)] * LANE
        out.append(_path(t, f"M{_n(sx)},{_n(sy)} V{_n(lane)} H{_n(tx)} V{_n(ty)}", back=False))
    for t in backs:
        (sx, sy), (tx, ty) = attach[(id(t), "from")], attach[(id(t), "to")]
        r = rc[t.target][0]
        lane = tops[r] + bh + 10 + back_lane[id(t)] * LANE
        out.append(_path(t, f"M{_n(sx)},{_n(sy)} V{_n(lane)} H{_n(tx)} V{_n(ty)}", back=True))
    for s in stages:
        x, y = box(s.id)
        cls = "stage terminal" if s.terminal else "stage"
        out.append(
            f'<g class="{cls}" data-stage="{escape(s.id)}">'
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bw)}" height="{_n(bh)}" rx="8"/>'
        )
        lines = lay.lines[s.id]
        first = y + (bh - (18 if show_win else 0) - len(lines) * 17) / 2 + 13
        for i, line in enumerate(lines):
            out.append(
                f'<text x="{_n(x + bw / 2)}" y="{_n(first + i * 17)}" class="name">'
                f"{escape(line)}</text>"
            )
        if show_win:
            out.append(
                f'<text x="{_n(x + bw / 2)}" y="{_n(y + bh - 10)}" class="win">'
                f"{escape(fmt_percent(s.win_probability))}</text>"
            )
        out.append("</g>")
        if s.id in spread:
            out.append(
                f'<text x="{_n(x + bw / 2)}" y="{_n(y - 6)}" class="note">'
                f"{escape(_ui(lang, 'any_open'))} ⇣</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _n(v: float) -> str:
    return f"{v:g}" if v != int(v) else str(int(v))


def _path(t: Transition, d: str, back: bool) -> str:
    cls = "move back" if back else "move"
    return (
        f'<path class="{cls}" data-from="{escape(t.source)}" data-to="{escape(t.target)}" '
        f'd="{d}" marker-end="url(#arrow)"/>'
    )


def mermaid(model: PlaybookModel, stages: list[Stage], lang: str) -> str:
    book = _Book(model, lang)
    key = {s.id: f"s{i + 1}" for i, s in enumerate(stages)}  # ids stay out of the text
    lines = ["flowchart LR"]
    for s in stages:
        text = f"{book.label(s.label, s.id)}<br/>{fmt_percent(s.win_probability)}"
        shape = ("([", "])") if s.terminal else ("[", "]")
        lines.append(f'    {key[s.id]}{shape[0]}"{text}"{shape[1]}')
    seen_any = set()
    for t in model.transitions:
        if t.source not in key or t.target not in key:
            continue
        if t.from_any:
            if t.target not in seen_any:
                seen_any.add(t.target)
                lines.append(
                    f'    a{key[t.target]}(("{_ui(lang, "any_open")}")) -.-> {key[t.target]}'
                )
            continue
        lines.append(f"    {key[t.source]} --> {key[t.target]}")
    return "\n".join(lines)


# -- the handbook itself ---------------------------------------------------------------------------


def build(
    model: PlaybookModel,
    lang: str,
    hash_: str = "",
    examples: Mapping[str, Example] | None = None,
) -> dict[str, Any]:
    """Everything the handbook shows, as plain values for the templates."""
    book = _Book(model, lang)
    ui = UI[lang]
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
            return f"{ui['approval']} {book.role(o.role)}"
        if o.kind == "action":
            due = (
                ui["due_days"].format(n=o.due_in_days)
                if o.due is None
                else f"{ui['due']}: {words(o.due.node, book, locals_)}"
            )
            task = book.word(o.action_id)
            return f"{ui['action']} {book.role(o.assignee)} — {task} ({due})"
        return str(ui.get(o.kind, o.kind))

    comma = "、" if lang == "zh" else ", "
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

    def param_rows(names: list[str]) -> list[dict[str, str]]:
        return [
            {
                "label": book.param(n),
                "value": _param_value(
                    model.parameters[n].value, model.parameters[n].type.kind, book
                ),
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
                        "range": _range(row, lang),
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
                        "limit": fmt_money(s.limit) if s.limit is not None else "",
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
                "win": fmt_percent(s.win_probability),
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
                f"{words(c.value.node, book)} {ui['when']} {words(c.when.node, book)}"
                for c in f.cases
            )
            if f.otherwise is not None:
                how += f"; {ui['otherwise']} {words(f.otherwise.node, book)}"
        elif f.table_input is not None:
            how = f"{ui['input']} {words(f.table_input.node, book)}: " + "; ".join(
                f"{_range(row, lang)} → {_shown_value(row.value, book)}" for row in f.rows
            )
        else:
            how = ""
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
                "value": _param_value(p.value, p.type.kind, book),
                "description": p.description.get(lang),
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
        title = f"{_ui(lang, 'diagram')}: {names_}" if len(groups) > 1 else _ui(lang, "diagram")
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
        "roles": [book.role(k) for k in model.roles],
        "documents": [book.document(k) for k in model.documents],
        "appendix": appendix,
    }


def _shown_value(value: Any, book: _Book) -> str:
    if isinstance(value, str):
        return book.word(value)
    return _param_value(value, "", book)


def _param_value(value: Any, kind: str, book: _Book) -> str:
    if kind == "percent":
        return fmt_percent(value)
    if kind == "money":
        return fmt_money(value)
    if isinstance(value, bool):
        return UI[book.lang]["yes" if value else "no"]
    if isinstance(value, Decimal | int):
        return fmt_number(value)
    if isinstance(value, tuple):
        return ("、" if book.lang == "zh" else ", ").join(_shown_value(v, book) for v in value)
    if isinstance(value, str):
        return book.word(value)
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
    return _ENV.from_string(_template("handbook.html.j2")).render(
        **build(model, lang, hash_, examples)
    )


def render_markdown(
    model: PlaybookModel,
    lang: str,
    hash_: str = "",
    examples: Mapping[str, Example] | None = None,
) -> str:
    """Markdown; the stage diagram is a Mermaid block."""
    md = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    md.filters["cell"] = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    return md.from_string(_template("handbook.md.j2")).render(**build(model, lang, hash_, examples))
