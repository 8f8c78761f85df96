"""Values and keys in, the words a person reads out: the engine's own words in every language
it speaks (one table) and the value formatters (money, percent, number, date, a value quoted
in a message, in a diff, on the result screen).

The table ``WORDS`` is language -> part -> key -> text. The parts are where the words appear:

- ``result``: the result and explanation screens (``present/render.py``)
- ``notes``: what kam writes into a result itself: unmet moves, approval chain steps
  (``run/evaluate.py``); ``{name}`` fields are filled in
- ``steps``: the kinds and outcomes of the steps ``explain`` lists (``present/render.py``)
- ``why``: why a rule, table or move condition did not fire, in ``explain`` (``run/why.py``)
- ``summary``: the summary of a batch run (``app/batch.py``)
- ``handbook``: the handbook's headings and sentences (``present/handbook.py``), with the
  language's punctuation: ``list_sep`` between listed names, ``range_and`` between two bounds,
  and ``capitalise`` ("yes" where a name that starts a cell is capitalised)
- ``conditions``: the words for conditions in the handbook (``present/words.py``)
- ``lint_codes``, ``lint``, ``lint_hints``, ``lint_words``, ``deal_problems``: a lint
  diagnostic and a deal's bad value, by code or key with their values (``problem_words.py``,
  merged into this table; ``diagnostic_words``, ``deal_problem_words``)
- ``values``, ``fields``: words for ids that a playbook compares with or hands out without a
  label, and for the deal fields every playbook has. Optional: an id without a word here is
  shown with its underscores as spaces.

Add a language: copy the ``"en"`` block of ``WORDS`` under the new language's code and
translate every text (keep the keys and the ``{name}`` fields). ``LANGUAGES`` and the
``--lang`` choices follow from the table. The playbook's own labels and messages are the
playbook's: a playbook gives them per language (``check/model.py`` ``Label``, which today
holds English and Chinese, and the label schema in ``lang/schema.py``).

The formatters never round money on the way to a person except where a place count is asked
for (then half-even, on the exact decimal): no float ever sees an amount.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, DecimalException
from typing import TYPE_CHECKING, Any

from .problem_words import PROBLEM_WORDS

if TYPE_CHECKING:
    from .errors import DealProblem, Diagnostic

WORDS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "result": {
            "deal": "Deal",
            "playbook": "playbook",
            "category": "category",
            "stage": "stage",
            "as_of": "as of",
            "status": "Status",
            "ok": "OK",
            "needs_approval": "NEEDS APPROVAL",
            "needs_information": "NEEDS INFORMATION",
            "information": "Missing information",
            "blocked": "BLOCKED",
            "blocking": "Blocking",
            "warnings": "Warnings",
            "approvals": "Approvals",
            "actions": "Actions",
            "moves": "Next moves",
            "facts": "Facts",
            "shadow": "Shadow rules (not enforced)",
            "pending": "pending",
            "waiting": "waiting for the earlier steps",
            "stale": "stale: approved for less",
            "rejected": "rejected by",
            "reasked": "asked again: rejected for more",
            "granted": "granted by",
            "due": "due",
            "overdue": "overdue, was due {due}",
            "allowed": "allowed",
            "not_yet": "not yet",
            "none": "none",
            "unknown": "unknown",
            "not_recorded": "not recorded",
            "steps": "Rules, one by one",
            "saw": "saw",
            "true": "true",
            "false": "false",
        },
        "notes": {
            "unknown": "cannot check {title}: {reason}",
            "unknown_fields": "cannot check {title}: record {fields}",
            "provide": "provide the {document} (needed to enter {stage})",
            "needs_document": "{document} is missing",
            "needs_approval": "approval by {role} is not granted yet",
            "blocked_by": "resolve first: {message}",
            "pending": "approval by {role} is pending",
            "refused": "{role} ({by}) rejected it",
            "guard_unknown": "cannot check {title}: {reason}",
            "guard_failed": "condition not met: {title}",
            "ask": "{title}: cannot be decided until you record {fields}",
            "guard_ask": "cannot check {title} until you record {fields}",
            "document_ask": "cannot tell whether the {document} is needed until you record "
            "{fields}",
            "documents_ask": "record {fields}: it decides which documents are needed to enter "
            "{stage}",
            "ask_field": "{label} ({path})",
            "ask_yes_no": "{label}, yes or no ({path})",
            "ask_item": " #{n}",
            "ask_and": " and ",
            "fired": "{title}",
            "chain_step": "step {step} of {total} ({title}): approval by {role}",
            "chain_amount": "cannot check the limits of {title}: {reason}",
            "given_differs": (
                "{fact} is recorded as {given}, but the playbook's rule makes it {derived}: "
                "correct the record, or the values it is worked out from"
            ),
            "number_range": (
                "a value worked out from this deal is beyond the numbers kam computes with "
                "(100 significant digits, up to 10^999): check the deal's amounts and quantities"
            ),
            "approval_after_as_of": (
                "the approval by {by} as {role} ({path}) is dated {on}, after the date the deal "
                "is judged on ({as_of}): it does not count yet"
            ),
            "category_differs": (
                "the deal is filed as {given}, but {reason}: correct the category, or the "
                "values that decide it"
            ),
            "category_is": "{values} makes it {category}",
            "category_not": "{values} does not make it {category}",
            "chain_self": "{by} owns the request and cannot approve it as {role}",
            "chain_twice": "{by} already approved an earlier step; {role} needs another person",
            "chain_order": "{role} approved{on} before {first}: it does not count, "
            "approve again after {first}",
            "chain_rejected": "rejected by {role} ({by}){comment}: the request goes back to the "
            "first step",
            "stale": "{title}: {by} approved it for {changes}: needs approval again by {role}",
            "stale_change": "{name} {was}; now {now}",
            "stale_unrecorded": "{title}: the approval by {by} does not record the {names} it "
            "was given for: needs approval again by {role}, recording what is approved",
            "basis_amount": "amount",
            "basis_value": "value",
            "rejected": "{title}: rejected by {by}{on}{reason}: the deal stops here until it is "
            "changed and asked again, or {by} reconsiders",
            "zero_fact": "the {divisor} is 0, so the {fact} cannot be worked out",
            "zero": "the {divisor} is 0, and nothing can be divided by 0",
            "zero_divisor": "divisor",
            "rejected_on": " on {on}",
            "rejected_reason": " (“{reason}”)",
            "reasked": "{title}: {by} rejected it for {changes}: asked again of {role}",
        },
        "steps": {
            "fact": "fact",
            "rule": "rule",
            "table": "table",
            "row": "row",
            "guard": "condition",
            "document": "document",
            "chain": "chain",
            "step": "step",
            "basis": "basis",
            "fired": "fired",
            "not fired": "not fired",
            "unknown": "unknown",
            "not applicable": "not applicable",
            "value": "value",
            "met": "met",
            "not met": "not met",
            "held": "held",
            "missing": "missing",
            "not required": "not required",
            "pending": "pending",
            "complete": "complete",
            "rejected": "rejected",
            "asked again": "asked again",
        },
        "why": {
            "false": "“{text}” is false",
            "compare": "“{text}” is false: {sides}",
            "holds": "“{text}” holds",
            "no_item": "no item of {source} has “{text}”",
            "sep": "; and ",
            "more": "{n} more parts are false too",
            "category": "category {category} is not among its categories ({listed})",
            "stage": "stage {stage} is not among its stages ({listed})",
            "unknown": "{reason} → on_missing: {then}",
            "missing": "{path} is missing",
            "empty": "{list} is empty",
            "input": "input {text} = {value}",
            "from": "from {value}",
            "above": "above {value}",
            "up_to": "up to {value}",
            "below": "below {value}",
            "every": "every value",
            "chain": "{done} of {total} steps approved",
            "basis": "{name}: approved {was}, now {now}",
            "basis_rejected": "{name}: rejected {was}, now {now}",
            "amount": "; amount {amount}",
        },
        "summary": {
            "rules": "Rules hit",
            "shadow": "Shadow rules hit",
            "deals": "deals",
            "approvals": "Approvals by role",
            "pending": "pending",
            "granted": "granted",
            "waiting": "waiting",
            "stale": "stale",
            "rejected": "rejected",
            "actions": "Actions by assignee",
            "count": "actions",
            "information": "Missing information by field",
            "overdue": "overdue",
            "line": "{n} deals: {statuses}",
            "line_actions": "; {n} actions ({late} overdue)",
            "sep": ", ",
            "s_none": "none",
            "s_ok": "ok",
            "s_needs_approval": "needs_approval",
            "s_blocked": "blocked",
            "s_bad_input": "bad_input",
            "s_needs_information": "needs_information",
            "pipeline": "Pipeline by stage",
            "amount": "amount",
            "win": "win",
            "weighted": "weighted",
            "total": "total",
            "unknown": "{n} deals have no known {fact}: they are counted, not added up",
        },
        "handbook": {
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
            "all_clear": "no blocking rule, no missing information and every approval granted",
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
            "basis_above": "it covers {what} up to the value approved; beyond it, approve again",
            "basis_below": "it covers {what} down to the value approved; below it, approve again",
            "action": "a task for",
            "due_days": "due in {n} days",
            "due": "due",
            "scope": "Applies to",
            "stop": ".",
            "list_sep": ", ",
            "range_and": " and ",
            "any_value": "any value",
            "capitalise": "yes",
            "everyone": "every deal",
            "missing_skip": "If the data needed is missing, this rule is not applied.",
            "missing_ask": "If the data needed is missing, kam asks for it by name and the deal "
            "waits for it (needs information).",
            "missing_warn": "If the data needed is missing, kam shows a warning and asks for it.",
            "missing_block": "If the data needed is missing, the deal is blocked "
            "until it is given.",
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
            "chain_note": "Approvers act in this order; a rejection sends the request back to "
            "step 1; an approver's limit ends the chain when it covers the amount, except for "
            "steps marked always.",
            "facts": "Derived values",
            "fact": "Value",
            "how": "How it is worked out",
            "parameters": "Settings",
            "setting": "Setting",
            "value": "Value",
            "roles": "Roles",
            "recorded_by": "Who records the company's data",
            "recorded_note": "On a stored deal these values are only written by the roles named "
            "(or an admin), never by the deal's owner.",
            "documents": "Documents",
            "uses": "Settings used",
            "source": "Where it comes from",
            "company_mark": "※",
            "company_setting": "company setting, not from the guide",
            "from_guide": "from the guide: {cite}",
            "legend": "※ marks a company setting, not from the guide: a number the company chose "
            "where the source documents give none.",
            "otherwise": "otherwise",
            "cases": "first that holds",
            "fact_given": (
                "a value recorded in {field} is used when given; when the rule above says "
                "otherwise, the result warns ({rule})"
            ),
            "category_when": (
                "A deal is in this category when {when}. A deal that gives no category is put "
                "here when this holds and no other category's condition does; a deal filed "
                "under another category while this holds is flagged (CATEGORY)."
            ),
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
        "conditions": {
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
            "if_missing": "{a} (or, when missing, {b})",
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
            "its_field": "its {name}",
            "its_basis": "the {name} it was approved for",
            "fact": "{a}",
            "true": "true",
            "false": "false",
            "lower": "{a} in lower case",
            "upper": "{a} in upper case",
            "abs": "the size of {a}",
            "same_name": "{a} is the same name as {b}",
            "same_person": "{a} is the same person as {b}",
            "signed_off": "{a} was signed off by a {b} who is not the deal owner",
            "item": "item",
        },
        "values": {
            "win_probability": "win probability",
            "decision_maker": "decision maker",
            "head_on": "head-on",
            "change_view": "change the customer's view",
            "change_process": "change the buying process",
            "win_win": "win-win",
            "industry_manager": "industry manager",
            "refresh_credit_check": "refresh the credit check",
            "file_visit_record": "file the visit record",
            "file_account": "file the account with the manufacturer",
            "schedule_visit": "schedule a visit",
            "progress_report": "report the progress",
        },
        "fields": {
            "owner": "deal owner",
            "by": "approved by",
            "on": "date",
        },
    },
    "zh": {
        "result": {
            "deal": "交易",
            "playbook": "规则手册",
            "category": "类别",
            "stage": "阶段",
            "as_of": "评估日期",
            "status": "状态",
            "ok": "通过",
            "needs_approval": "待审批",
            "needs_information": "待补充信息",
            "information": "待补充的信息",
            "blocked": "已阻止",
            "blocking": "阻止项",
            "warnings": "警告",
            "approvals": "审批",
            "actions": "待办事项",
            "moves": "下一步",
            "facts": "事实",
            "shadow": "观察中的规则（不生效）",
            "pending": "待审批",
            "waiting": "等待前序审批",
            "stale": "审批已失效",
            "rejected": "已驳回：",
            "reasked": "重新报批：驳回时条件不同",
            "granted": "已批准：",
            "due": "截止",
            "overdue": "已逾期，应于 {due} 完成",
            "allowed": "可以进入",
            "not_yet": "尚不能进入",
            "none": "无",
            "unknown": "未知",
            "not_recorded": "未记录",
            "steps": "逐条规则",
            "saw": "读取",
            "true": "是",
            "false": "否",
        },
        "notes": {
            "unknown": "无法检查{title}：{reason}",
            "unknown_fields": "无法检查{title}：尚未填写{fields}",
            "provide": "请提供{document}（进入{stage}阶段所需）",
            "needs_document": "缺少{document}",
            "needs_approval": "尚未获得{role}的审批",
            "blocked_by": "请先解决：{message}",
            "pending": "待{role}审批",
            "refused": "{role}（{by}）已驳回",
            "guard_unknown": "无法检查{title}：{reason}",
            "guard_failed": "条件未满足：{title}",
            "ask": "{title}：无法判定，请填写{fields}",
            "guard_ask": "无法检查{title}，请填写{fields}",
            "document_ask": "无法确定是否需要{document}，请填写{fields}",
            "documents_ask": "请填写{fields}：它决定进入{stage}阶段所需的文件",
            "ask_field": "{label}（{path}）",
            "ask_yes_no": "{label}（是/否，{path}）",
            "ask_item": "第{n}项",
            "ask_and": "、",
            "fired": "{title}",
            "chain_step": "第 {step}/{total} 步（{title}）：{role}审批",
            "chain_amount": "无法检查{title}的审批权限：{reason}",
            "given_differs": (
                "{fact}记录为 {given}，但按规则应为 {derived}：请更正记录，或更正所依据的数据"
            ),
            "number_range": (
                "由本交易算出的数值超出 kam 的计算范围（100 位有效数字，最大 10^999）："
                "请检查金额和数量"
            ),
            "approval_after_as_of": (
                "{by}以{role}身份的审批（{path}）日期为 {on}，晚于判断日期 {as_of}：暂不计入"
            ),
            "category_differs": (
                "交易登记为{given}，但{reason}：请更正客户类别，或更正决定类别的数据"
            ),
            "category_is": "{values}，应属{category}",
            "category_not": "{values}，不属{category}",
            "chain_self": "{by}是申请人，不能以{role}身份审批",
            "chain_twice": "{by}已审批前一步；{role}须由另一人审批",
            "chain_order": "{role}在{first}之前审批{on}：无效，请在{first}之后重新审批",
            "chain_rejected": "被{role}（{by}）驳回{comment}：申请退回第一步",
            "stale": "{title}：{by}审批时{changes}：须{role}重新审批",
            "stale_change": "{name}为 {was}，现为 {now}",
            "stale_unrecorded": "{title}：{by}的审批未记录所批的{names}：须{role}重新审批，"
            "并记录所批的数值",
            "basis_amount": "金额",
            "basis_value": "数值",
            "rejected": "{title}：{by}{on}驳回{reason}：交易到此为止，须修改后重新报批，"
            "或由{by}重新考虑",
            "zero_fact": "{divisor}为 0，无法计算{fact}",
            "zero": "{divisor}为 0，不能作除数",
            "zero_divisor": "除数",
            "rejected_on": "于 {on} ",
            "rejected_reason": "（“{reason}”）",
            "reasked": "{title}：{by}驳回时{changes}：须{role}重新审批",
        },
        "steps": {
            "fact": "事实",
            "rule": "规则",
            "table": "决策表",
            "row": "档位",
            "guard": "条件",
            "document": "文件",
            "chain": "审批链",
            "step": "步骤",
            "basis": "审批依据",
            "fired": "触发",
            "not fired": "未触发",
            "unknown": "未知",
            "not applicable": "不适用",
            "value": "取值",
            "met": "满足",
            "not met": "未满足",
            "held": "已提供",
            "missing": "缺少",
            "not required": "无需审批",
            "pending": "审批中",
            "complete": "已全部批准",
            "rejected": "已驳回",
            "asked again": "重新报批",
        },
        "why": {
            "false": "“{text}”不成立",
            "compare": "“{text}”不成立：{sides}",
            "holds": "“{text}”成立",
            "no_item": "{source} 中没有一项满足“{text}”",
            "sep": "；且",
            "more": "另有 {n} 项也不成立",
            "category": "类别 {category} 不在其适用类别（{listed}）之内",
            "stage": "阶段 {stage} 不在其适用阶段（{listed}）之内",
            "unknown": "{reason} → 缺失时处理：{then}",
            "missing": "{path} 未填写",
            "empty": "{list} 为空",
            "input": "输入 {text} = {value}",
            "from": "不低于 {value}",
            "above": "高于 {value}",
            "up_to": "不超过 {value}",
            "below": "低于 {value}",
            "every": "任意值",
            "chain": "已批准 {done}/{total} 步",
            "basis": "{name}：审批时 {was}，现为 {now}",
            "basis_rejected": "{name}：驳回时 {was}，现为 {now}",
            "amount": "；金额 {amount}",
        },
        "summary": {
            "rules": "触发的规则",
            "shadow": "观察中的规则",
            "deals": "交易数",
            "approvals": "各角色审批",
            "pending": "待审批",
            "granted": "已批准",
            "waiting": "等待前序",
            "stale": "已失效",
            "rejected": "已驳回",
            "actions": "各负责人待办",
            "count": "待办数",
            "information": "待补充的信息（按字段）",
            "overdue": "已逾期",
            "line": "{n} 笔交易：{statuses}",
            "line_actions": "；{n} 项待办（{late} 项已逾期）",
            "sep": "，",
            "s_none": "无",
            "s_ok": "通过",
            "s_needs_approval": "待审批",
            "s_blocked": "已阻止",
            "s_bad_input": "输入有误",
            "s_needs_information": "待补充信息",
            "pipeline": "各阶段销售管道",
            "amount": "金额",
            "win": "赢率",
            "weighted": "加权金额",
            "total": "合计",
            "unknown": "{n} 笔交易的 {fact} 未知：已计数，未计入金额",
        },
        "handbook": {
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
            "all_clear": "没有阻止项、没有待补充的信息且所有审批均已通过",
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
            "basis_above": "审批仅覆盖不超过所批数值的{what}；超出须重新审批",
            "basis_below": "审批仅覆盖不低于所批数值的{what}；低于须重新审批",
            "action": "待办：",
            "due_days": "{n} 天内完成",
            "due": "截止",
            "scope": "适用范围",
            "stop": "。",
            "list_sep": "、",
            "range_and": " 且 ",
            "any_value": "全部",
            "capitalise": "",
            "everyone": "所有交易",
            "missing_skip": "所需数据缺失时，本规则不适用。",
            "missing_ask": "所需数据缺失时，kam 会指明需填写的字段，交易待补充信息。",
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
            "recorded_by": "公司数据由谁记录",
            "recorded_note": "已存交易中的这些数值只能由所列角色（或管理员）填写，"
            "交易负责人不能修改。",
            "documents": "文件",
            "uses": "使用的参数",
            "source": "出处",
            "company_mark": "※",
            "company_setting": "公司设定，非指导书规定",
            "from_guide": "指导书规定：{cite}",
            "legend": "标有 ※ 的数值为公司设定，非指导书规定："
            "原始资料未给出、由公司自行确定的数值。",
            "otherwise": "否则",
            "cases": "按顺序取第一个成立的",
            "fact_given": (
                "已在{field}中记录的值优先使用；与上述规则得出的值不同时，结果给出提示（{rule}）"
            ),
            "category_when": (
                "当{when}时，交易属于此类别。未填写类别的交易，若此条件成立且其他类别的条件均不成立，"
                "即归入此类别；此条件成立却登记为其他类别的交易会被提示（CATEGORY）。"
            ),
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
        "conditions": {
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
            "if_missing": "{a}（未填写时取{b}）",
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
            "its_field": "其{name}",
            "its_basis": "其审批时的{name}",
            "fact": "{a}",
            "true": "是",
            "false": "否",
            "lower": "{a}（小写）",
            "upper": "{a}（大写）",
            "abs": "{a}的绝对值",
            "same_name": "{a}与{b}为同一名称",
            "same_person": "{a}与{b}为同一人",
            "signed_off": "{a}由{b}签认，且签认人不是本单负责人",
            "item": "项",
        },
        "values": {
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
            "file_account": "向厂家报备大客户",
            "schedule_visit": "安排拜访",
            "progress_report": "汇报进度",
        },
        "fields": {
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
    },
}

for _lang, _parts in PROBLEM_WORDS.items():  # a diagnostic's and a bad value's words
    WORDS[_lang].update(_parts)

LANGUAGES = tuple(WORDS)


def words_of(lang: str, part: str) -> dict[str, str]:
    """One part of the table in ``lang`` (English for a language the table lacks)."""
    return (WORDS.get(lang) or WORDS["en"])[part]


def word(lang: str, part: str, key: str) -> str:
    """One word; a key the table lacks is shown as it is (a status kam does not name)."""
    return words_of(lang, part).get(key, key)


# -- problems in words ---------------------------------------------------------------------------


def diagnostic_words(d: Diagnostic, lang: str) -> tuple[str, str]:
    """A diagnostic's (message, hint) in ``lang``: English as the engine wrote it; another
    language from the words for its ``said`` key and values, else the sentence for its code
    with the English text (which names the values), never an empty or English-only line."""
    if lang == "en" or lang not in WORDS:
        return d.message, d.hint
    values = _worded(lang, dict(d.values))
    message = _filled(words_of(lang, "lint").get(d.said), values)
    if message is None:
        codes = words_of(lang, "lint_codes")
        sentence = codes.get(d.code, d.code)
        message = codes["_detail"].format(sentence=sentence, detail=d.message)
    hint = _filled(words_of(lang, "lint_hints").get(d.hint_said), values)
    return message, d.hint if hint is None else hint


def deal_problem_words(p: DealProblem, lang: str) -> str:
    """A deal's bad value in ``lang`` (English: as the engine wrote it)."""
    if lang == "en" or lang not in WORDS:
        return p.message
    said = words_of(lang, "deal_problems")
    values = _worded(lang, dict(p.values))
    problem = _filled(said.get(p.kind), values)
    if problem is None:
        detail = words_of(lang, "lint_codes")["_detail"]
        return detail.format(sentence=said["other"], detail=p.message)
    if values.get("close"):
        problem = said["hint"].format(problem=problem, hint=said["did_you_mean"].format(**values))
    return problem


def _filled(template: str | None, values: dict[str, str]) -> str | None:
    """``template`` with ``values`` filled in; None when there is none or a value is lacking."""
    if template is None:
        return None
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return None


def _worded(lang: str, values: dict[str, str]) -> dict[str, str]:
    """Values that are kinds said in ``lang``: ``what``, ``bound`` and ``format`` (a kind
    of name, bound or text), ``left``, ``right`` and ``type`` (a type's kind), ``want``
    (types, "|" between), ``found`` (the kind of the ``value`` found), ``<name>_list``
    (names one a line, listed as the language lists them)."""
    kinds = words_of(lang, "lint_words")
    out = dict(values)
    for key in ("what", "bound", "format"):
        if key in out:
            out[key] = kinds.get(out[key], out[key])
    for key in ("left", "right", "type"):  # a type, by its key (lang/types.type_values)
        if key in out:
            out[key] = _type_words(kinds, out[key], out.get(f"{key}_options", ""))
    if "want" in out:
        out["want"] = kinds["or"].join(kinds.get(f"want_{w}", w) for w in out["want"].split("|"))
    for key in [k for k in out if k.endswith("_list")]:  # names, one a line: "a, b and c"
        out[key] = _listed(kinds, out[key].split("\n"))
    if "found" in out:
        out["found"] = kinds.get(f"found_{out['found']}", out["found"]).format(
            value=out.get("value", "")
        )
    return out


def _listed(kinds: dict[str, str], items: list[str]) -> str:
    """Names as the language lists them; an item ``+N`` is "N more"."""
    said = [kinds["list_more"].format(count=i[1:]) if i.startswith("+") else i for i in items]
    if len(said) == 1:
        return said[0]
    return kinds["list_and"].format(head=kinds["list_sep"].join(said[:-1]), last=said[-1])


def _type_words(kinds: dict[str, str], key: str, options: str) -> str:
    """A type by its key: its kind ("money"), ``list_<item key>`` a list of such items,
    ``one_of`` one of the named values (``options``, as the playbook writes them)."""
    if key.startswith("list_"):
        return kinds["type_list_of"].format(item=_type_words(kinds, key[5:], options))
    said = kinds.get(f"type_{key}", key)
    return said.format(options=options) if key == "one_of" else said


# -- value formatters ----------------------------------------------------------------------------
# The message filters (``pct``, ``money``, ``number``, ``date``) run for every message kam
# writes: they test classes with ``__class__ is`` and keep the common case first.


def fmt_number(value: Any, places: int | None = None) -> str:
    """Exact decimal text with thousands separators; trailing zeros trimmed unless places."""
    cls = value.__class__
    if cls is int:
        return f"{value:,.{places}f}" if places else f"{value:,}"
    if cls is float:
        value = Decimal(repr(value))
    elif cls is not Decimal:
        return str(value)
    if places is not None:
        # the format rounds half-even on the exact decimal: no float ever sees the money
        return f"{value:,.{_telling(value, places)}f}"
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


TELLING_PLACES = 6  # at most this many decimals to tell a value from the whole number beside it


def _telling(value: Decimal, places: int) -> int:
    """``places``, or more where rounding to ``places`` would land exactly on a whole number
    the value is not: 12.0006% shown "12.00%" reads as the 12% tier it is above ("discount
    12.00% is above the 12% tier"). Enough places to show the first digit that differs
    ("12.0006%", "11.9996%"), at most ``TELLING_PLACES`` (a difference further down is left
    as asked: the figure would not tell it either). Zero places asks for whole numbers."""
    if places < 1 or places >= TELLING_PLACES or not value.is_finite():
        return places
    try:
        rounded = round(value, places)
        if rounded == value or rounded != rounded.to_integral_value():
            return places
        differs = -(value - rounded).copy_abs().adjusted()  # 0.0006 -> 4
    except DecimalException:  # beyond the context's digits: as asked
        return places
    return places if differs > TELLING_PLACES else max(differs, places + 1)


def fmt_percent(value: Any, places: int | None = None) -> str:
    """0.18 -> "18%", 0.1834 -> "18.34%"; ``places`` fixes the decimals ("18.0%")."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        return str(value)
    d = (value if isinstance(value, Decimal) else Decimal(str(value))) * 100
    return fmt_number(d, places) + "%"


def fmt_money(value: Any) -> str:
    """Two decimals, rounded half-even: "1,234.50" (in messages and the handbook)."""
    return fmt_number(value, 2)


def fmt_money_exact(value: Decimal | None) -> str:
    """Exact, with thousands separators and at least two decimals, never rounded: a sum of
    many deals keeps every digit ("1,234.505"); empty for no amount. (``fmt_money`` rounds:
    a message about one deal reads better with cents.)"""
    if value is None:
        return ""
    trimmed = fmt_number(value)
    places = len(trimmed.partition(".")[2])
    return fmt_number(value, max(2, places))


def fmt_count(n: int) -> str:
    """A count with thousands separators: "12,345"."""
    return f"{n:,}"


def fmt_date(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def in_sentence(label: str, lang: str) -> str:
    """A label as it reads inside an English sentence: "General manager" -> "general
    manager" ("needs approval by the general manager"); an acronym or a name ("CFO", "FAW
    North") keeps its capitals. Chinese has no case."""
    if lang != "en" or len(label) < 2 or not label[0].isupper() or not label[1].islower():
        return label
    return label[0].lower() + label[1:]


def fmt_join(values: Any, separator: str = "") -> str:
    """Items joined as jinja2's ``join`` filter joins them (``str`` of each)."""
    return str(separator).join(map(str, values))


def fmt_quoted(value: Any) -> str:
    """A value as kam quotes it in a reason or an explanation: exact decimals as written
    (no separators, trailing zeros kept: "0.150"), ISO dates."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fmt_value(value: Any, kind: str = "") -> str:
    """A value on the result screen, by its type's kind: percentages with one decimal
    ("18.0%", so a column of them lines up), money with two, "—" for no value."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "percent" and isinstance(value, int | Decimal):
        return fmt_percent(value, 1)
    if kind == "money" and isinstance(value, int | Decimal):
        return fmt_number(value, 2)
    if isinstance(value, int | Decimal):
        return fmt_number(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(fmt_value(v) for v in value)
    return str(value)


def fmt_one_line(value: Any, width: int = 70) -> str:
    """A playbook value on one line, as a person wrote it in YAML (long values cut with "…"):
    what ``kam diff`` shows for a change."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | Decimal):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
