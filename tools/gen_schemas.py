"""Write schemas/*.schema.json (the playbook language, modules, results, playbook tests, and
the report of ``kam test --format json``).

The JSON files are committed; run ``python tools/gen_schemas.py`` after changing this file.
tests/test_schemas.py fails when the committed files and this generator disagree.
"""
import json
import sys
from pathlib import Path

NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64}
def ref(n): return {"$ref": f"#/$defs/{n}"}
def obj(props, required=(), title=None, desc=None, **kw):
    o = {"type": "object", "additionalProperties": False, "properties": props}
    if required: o["required"] = list(required)
    if title: o["title"] = title
    if desc: o["description"] = desc
    o.update(kw)
    return o
def d(schema, title, desc):
    s = dict(schema); s["title"] = title; s["description"] = desc; return s
# A stable name, the same in every version of kam; nothing ever downloads it (the engine and
# `kam schema` use the files bundled with kam, editors the path in a file's first line).
ID = "https://kam-engine.dev/schemas/{}.schema.json"
def head(name, title, desc, editor=True):
    note = (f"$id is this schema's stable name, not a download address: kam uses the copy bundled "
            f"with it (`kam schema {name}`).")
    if editor:
        note += (" Editors find this file by the relative path in a file's first line, e.g. "
                 f"# yaml-language-server: $schema=../schemas/{name}.schema.json")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": ID.format(name),
            "$comment": note, "title": title, "description": desc}

defs = {
 "name": d(NAME, "Name", "A machine name: lower-case letters, digits and '_', starting with a letter (e.g. credit_limit)."),
 "rule_id": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_.:-]*$", "maxLength": 64, "title": "Rule id",
             "description": "A stable rule id that programs and tests rely on, e.g. P6, CREDIT-LIMIT, V-GP."},
 "text": {"title": "Text", "description": "Text for people: one string, or one per language (en, zh).",
          "oneOf": [{"type": "string", "maxLength": 4000},
                    obj({"en": {"type": "string", "maxLength": 4000, "title": "English"},
                         "zh": {"type": "string", "maxLength": 4000, "title": "中文"}}, minProperties=1)]},
 "expression": {"title": "Expression",
                "description": "A condition or value over deal, facts, params, stage and as_of, e.g. `deal.payment.method == 'credit' and facts.exposure > deal.customer.credit_limit`. See docs/expressions.md.",
                "type": "string", "minLength": 1, "maxLength": 1000},
 "value_expression": {"title": "Value", "description": "An expression, or a literal number / true / false.",
                      "oneOf": [ref("expression"), {"type": "number"}, {"type": "boolean"}]},
 "bound": {"title": "Threshold", "description": "A number, a percentage such as \"15%\", or a parameter such as params.discount_tier_2.",
           "oneOf": [{"type": "number"}, {"type": "string", "pattern": "^(-?[0-9]+(\\.[0-9]+)?%?|params\\.[a-z][a-z0-9_]*)$"}]},
 "on_missing": {"title": "When a needed value is absent", "enum": ["skip", "warn", "block", "ask"],
                "description": "What the rule does when the deal lacks a value it needs: skip (say so in explain), warn, block, or ask (a missing-information item naming the fields to record; the deal's status is needs_information). Default: warn - missing data is never a silent pass."},
 "mode": {"title": "Mode", "enum": ["enforce", "shadow"],
          "description": "enforce (default) or shadow: a shadow rule is evaluated and reported under `shadow` but never changes the deal's status."},
 "scope": {"title": "Scope", "type": "array", "items": ref("name"), "uniqueItems": True, "minItems": 1},
 "action": obj({
    "id": {"type": "string", "pattern": "^[a-z][a-z0-9_:.-]*$", "maxLength": 64, "title": "Action id",
           "description": "A stable id for the action, e.g. refresh_credit_check."},
    "assignee": d(ref("name"), "Assignee role", "The role that must do it (one of roles)."),
    "due_in_days": {"title": "Due in days", "description": "Due so many days after as_of: a whole number or params.x.",
                    "oneOf": [{"type": "integer", "minimum": 0, "maximum": 3650},
                              {"type": "string", "pattern": "^params\\.[a-z][a-z0-9_]*$"}]},
    "due": d(ref("expression"), "Due date", "An expression giving the due date, e.g. add_days(visit.on, 1)."),
 }, required=["id", "assignee"], title="Action", desc="A required action: who must do what by when."),
 "document_requirement": {"title": "Document requirement",
    "description": "A document id, or {document, when, rule} for a document needed only under a condition.",
    "oneOf": [ref("name"), obj({"document": ref("name"),
                                "when": d(ref("expression"), "When", "The document is needed only when this holds."),
                                "rule": ref("rule_id"),
                                "to": d(ref("name"), "Entering stage", "The stage whose entry needs the document (in categories).")},
                               required=["document"])]},
 "outcome_props": {},
 "basis": {"title": "Basis", "type": "object", "minProperties": 1, "maxProperties": 20, "propertyNames": ref("name"),
           "description": "For then: approval - what the approval is bound to: name -> the value the approver saw (an expression giving a number, amount, percentage or date). An approval given for a smaller value does not cover a larger one (it is stale); {value, beyond: below} for a value where lower is worse (a price below the floor).",
           "additionalProperties": {"oneOf": [ref("expression"), obj({
               "value": ref("expression"),
               "beyond": d({"enum": ["above", "below"]}, "Beyond",
                           "Which way the value goes beyond the approval: above (default: a larger value needs a new approval) or below (a lower value does)."),
           }, required=["value"])]}},
 "rule": obj({
    "id": ref("rule_id"),
    "title": d(ref("text"), "Title", "A short name for people."),
    "description": d(ref("text"), "Description", "What the rule is for, in business words."),
    "when": d(ref("expression"), "When", "The condition under which the rule fires."),
    "for_each": d(ref("expression"), "For each", "A list: the rule is checked once per item; the item is named by `as`."),
    "as": d(ref("name"), "Item name", "The name of the current item inside `when` and the message (default: item)."),
    "categories": d(ref("scope"), "Categories", "The rule applies only to deals of these categories."),
    "stages": d(ref("scope"), "Stages", "The rule applies only to deals in these stages."),
    "on_missing": ref("on_missing"),
    "mode": ref("mode"),
    "then": {"title": "Outcome", "enum": ["block", "warn", "approval", "action"],
             "description": "block: the deal cannot proceed; warn: a warning; approval: `role` must approve; action: someone must do `action`."},
    "role": d(ref("name"), "Approver role", "For then: approval - the role that must approve."),
    "basis": ref("basis"),
    "action": ref("action"),
    "message": d(ref("text"), "Message", "A jinja2 template rendered with deal, facts, params, as_of, stage (and the item). Say what was seen, against which threshold, and what clears it."),
 }, required=["id", "when", "then"], title="Rule", desc="A condition plus an outcome, with a stable id."),
 "table_row": obj({
    "id": d(ref("rule_id"), "Row id", "Optional id of the row (default: TABLE#n)."),
    "above": d(ref("bound"), "Above", "The row matches values greater than this."),
    "from": d(ref("bound"), "From", "The row matches values greater than or equal to this."),
    "up_to": d(ref("bound"), "Up to", "The row matches values less than or equal to this."),
    "below": d(ref("bound"), "Below", "The row matches values less than this."),
    "role": d(ref("name"), "Approver role", "For then: approval."),
    "action": ref("action"),
    "outcome": {"title": "Outcome", "enum": ["none", "block", "warn", "approval", "action"],
                "description": "Overrides the table's outcome for this row; none means the row needs nothing."},
    "value": {"title": "Value", "description": "For fact tables: the value of the fact on this row."},
    "message": ref("text"),
 }, title="Row", desc="One tier: a range of the input and what it requires."),
 "table": obj({
    "id": ref("rule_id"),
    "title": ref("text"), "description": ref("text"),
    "input": d(ref("expression"), "Input", "The number the tiers are about, e.g. facts.discount."),
    "hit": {"title": "Hit policy", "enum": ["first", "collect"],
            "description": "first: the one row whose range holds the input (ranges may not overlap or leave gaps); collect: every row whose range holds it (rows rise by their lower bound)."},
    "when": d(ref("expression"), "When", "The table applies only when this holds."),
    "categories": ref("scope"), "stages": ref("scope"),
    "on_missing": ref("on_missing"), "mode": ref("mode"),
    "then": {"title": "Outcome", "enum": ["block", "warn", "approval", "action"]},
    "message": d(ref("text"), "Message", "Template for every row; sees value, row (above/from/up_to/below), role."),
    "basis": d(ref("basis"), "Basis", "For then: approval - what else the approval is bound to, beside the input (which always is): e.g. the concession in money, so an approval for a small deal does not cover a larger one at the same discount."),
    "rows": {"type": "array", "minItems": 1, "maxItems": 1000, "items": ref("table_row"), "title": "Rows",
             "description": "The tiers, lowest first."},
 }, required=["id", "input", "then", "rows"], title="Decision table", desc="Tiered thresholds as rows, e.g. discount -> approver role."),
 "field": {"title": "Deal field", "type": "object", "additionalProperties": False,
    "properties": {
      "type": {"title": "Type", "enum": ["string", "integer", "number", "decimal", "money", "percent", "date", "bool", "list", "object", "sign_off", "person"],
               "description": "money, decimal, number and percent are exact decimals; dates are YYYY-MM-DD; a sign_off records who signed, in which role, on which date ({by, role, on})."},
      "required": {"type": "boolean", "title": "Required", "description": "The deal is refused without it."},
      "values": ref("values"),
      "minimum": {"type": "number", "title": "Minimum"}, "maximum": {"type": "number", "title": "Maximum"},
      "max_length": {"type": "integer", "minimum": 1, "title": "Longest text"},
      "max_items": {"type": "integer", "minimum": 1, "title": "Most list items"},
      "allow_above_100": {"type": "boolean", "title": "Above 100% allowed",
                          "description": "For percentages: values above 100% are meant, so 1.5 (150%) is not refused as a likely 1.5%."},
      "recorded_by": {"type": "array", "title": "Recorded by",
                      "description": "The roles (declared under roles:) whose word this value is, e.g. [finance] for the funds finance released: on a stored deal only a user holding one of them, or an admin, sets, changes or removes it, never the deal's owner.",
                      "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
      "items": ref("field"),
      "fields": {"type": "object", "propertyNames": ref("name"), "additionalProperties": ref("field"), "title": "Fields"},
      "label": ref("text"), "description": ref("text"),
    }},
 # what a complete field needs; a field in an extension may give only what it changes
 "typed_field": {"type": "object", "required": ["type"],
    "properties": {"items": ref("typed_field"),
                   "fields": {"type": "object", "additionalProperties": ref("typed_field")}}},
 "values": {"title": "Allowed values",
    "description": "For text: the only values allowed, as a list, or as a mapping from each value to its label for people ({en: ..., zh: ...}), which messages show with | label('name') and text output and handbooks show instead of the id.",
    # a list of ids, or a mapping of ids to labels: each keyword applies to its own type
    "type": ["array", "object"], "items": {"type": "string"}, "minItems": 1, "uniqueItems": True,
    "minProperties": 1, "additionalProperties": ref("text")},
 "fact": obj({
    "type": {"title": "Type", "enum": ["string", "integer", "number", "decimal", "money", "percent", "date", "bool"]},
    "values": ref("values"),
    "value": d(ref("value_expression"), "Value", "How the fact is computed."),
    "cases": {"type": "array", "minItems": 1, "title": "Cases",
              "description": "The first case whose `when` holds gives the value; else `otherwise`.",
              "items": obj({"when": ref("expression"), "value": d(ref("value_expression"), "Value", "")}, required=["when", "value"])},
    "otherwise": d(ref("value_expression"), "Otherwise", "The value when no case holds."),
    "table": obj({"input": ref("expression"), "rows": {"type": "array", "minItems": 1, "items": ref("table_row")}},
                 required=["input", "rows"], title="Tiers", desc="The fact's value from tiers of a number (rows with value)."),
    "rule": d(ref("rule_id"), "Finding's rule id", "With `given`: the rule id of the finding when the recorded and the derived value differ (default: the fact's name, e.g. KEY-ACCOUNT-CLASS)."),
    "given": d(ref("expression"), "Given by the deal",
               "A deal field that records the value (a person decided), e.g. deal.customer.key_account_class: used when present, the derivation otherwise; when both exist and differ, the result has a warn finding."),
    "message": d(ref("text"), "Finding message",
                 "With `given`: the finding's text, a template that may use given and derived besides deal, facts, params. Name both values, what decided the derived one, and what to fix."),
    "label": ref("text"), "description": ref("text"),
    "below_zero": d(ref("text"), "Below zero",
                    "For a number: how a value below 0 is shown, with {value} its size, e.g. \"{value} above list price\" for a discount of -3.5% (shown \"3.5% above list price\", not \"-3.5%\")."),
 }, title="Derived fact", desc="A value computed once per evaluation, usable by rules as facts.<name>, reported under facts."),
 "parameter": obj({
    "value": {"title": "Value", "description": "The setting; percentages as \"15%\"."},
    "type": {"enum": ["integer", "number", "decimal", "money", "percent", "string", "bool", "date", "list"], "title": "Type"},
    "label": ref("text"), "description": ref("text"),
    "minimum": {"type": "number"}, "maximum": {"type": "number"},
    "source": d({"type": ["string", "object", "null"], "examples": ["company", {"guide": "000 §商务规定及政策 1(2)"}]}, "Source",
                "Where the number comes from: company (a setting the company chose, shown in the handbook as "
                "\"company setting, not from the guide\"), or {guide: \"<where the sources give it>\"}."),
 }, title="Parameter", desc="A company setting rules refer to as params.<name>."),
 "stage": obj({
    "label": ref("text"), "description": ref("text"),
    "win_probability": d({"oneOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "string"}]}, "Win probability",
                         "A fraction, a percentage such as \"30%\", or a parameter such as params.win_negotiation."),
    "terminal": {"type": "boolean", "title": "Terminal", "description": "The deal ends here: no move out."},
    "initial": {"type": "boolean", "title": "Initial", "description": "New deals start here (default: the first stage)."},
    "categories": d(ref("scope"), "Categories", "Only deals of these categories use this stage (default: all)."),
 }, title="Stage"),
 "transition": obj({
    "from": d({"oneOf": [ref("name"), {"type": "array", "items": ref("name"), "minItems": 1, "uniqueItems": True}]},
              "From", "The stage(s) the move starts from; `any` means every stage that is not terminal."),
    "to": d(ref("name"), "To", "The stage the move goes to."),
    "label": ref("text"),
    "conditions": {"type": "array", "title": "Conditions", "items": obj({
        "id": ref("rule_id"), "when": d(ref("expression"), "Condition", "Must hold for the move."),
        "message": d(ref("text"), "Message", "What is missing when it does not hold."),
        "on_missing": {"enum": ["refuse", "allow"], "title": "When a needed value is absent",
                       "description": "refuse (default): the move is not allowed, and the reason says which fields to record; allow: the condition counts as met."},
        "title": ref("text")}, required=["id", "when"])},
    "documents": {"type": "array", "items": ref("document_requirement"), "title": "Documents",
                  "description": "Documents the deal must hold to make the move."},
    "approvals": {"type": "array", "items": ref("name"), "uniqueItems": True, "title": "Approvals",
                  "description": "Roles whose approval must be granted for the move."},
    "all_clear": {"type": "boolean", "title": "All clear",
                  "description": "The move needs no block violation, no missing information and every required approval granted."},
    "allow_open_items": {"type": "string", "minLength": 1, "title": "Allow open items",
                         "description": "Why this move to a later stage may be made while the deal is blocked, waits for an approval or misses information; without it (or all_clear) kam lint warns."},
    "rule": d(ref("rule_id"), "Rule id", "Id used for the move's document and approval guards."),
 }, required=["from", "to"], title="Transition", desc="A move between stages and what it needs."),
 "chain_step": obj({
    "role": d(ref("name"), "Approver role", "Who approves at this step."),
    "limit": d(ref("bound"), "Limit", "The largest amount this approver may approve; above it the next steps are needed too."),
    "always": {"type": "boolean", "title": "Always", "description": "This step is needed whatever the amount (e.g. finance releases the funds)."},
    "title": ref("text"),
 }, required=["role"], title="Step", desc="One approver in an ordered approval chain."),
 "approval_chain": obj({
    "id": ref("rule_id"),
    "title": ref("text"), "description": ref("text"),
    "when": d(ref("expression"), "When", "The chain is needed only when this holds."),
    "categories": ref("scope"), "stages": ref("scope"),
    "amount": d(ref("expression"), "Amount", "The amount compared with each step's limit (needed when a step has a limit)."),
    "steps": {"type": "array", "minItems": 1, "maxItems": 20, "items": ref("chain_step"), "title": "Steps",
              "description": "Approvers in order: a later one cannot act before the earlier ones; a rejection sends the request back to the first step."},
    "message": d(ref("text"), "Message", "Template for a step that is waiting or pending; sees role, role_label, step, limit and amount."),
    "mode": ref("mode"),
 }, required=["id", "steps"], title="Approval chain", desc="Ordered approvers with amount limits, checked against deal.approvals."),
 "category": obj({
    "label": ref("text"), "description": ref("text"),
    "rule": d(ref("rule_id"), "Verification rule", "Rule id of the category's document checks, e.g. V-GP."),
    "when": d(ref("expression"), "Belongs when",
              "When a deal belongs to this category, over deal fields and params. A deal may then omit category if exactly one category's `when` holds; a deal that gives a category the derivation contradicts gets a CATEGORY finding."),
    "documents": {"type": "array", "title": "Documents", "description": "Documents this category needs, each to enter a stage (`to`).",
                  "items": {"allOf": [ref("document_requirement"), {"type": "object", "required": ["document", "to"]}]}},
    "rules": {"type": "array", "items": ref("rule"), "title": "Rules", "description": "Rules that apply only to this category."},
 }, title="Customer category"),
}
# What a complete playbook or module must give that a file refining another need not: inside
# mappings, which `extends` merges key by key, an extension gives only what it changes.
COMPLETE = {
 "parameters": {"additionalProperties": {"required": ["value"]}},
 "fields": {"additionalProperties": ref("typed_field")},
}
playbook_schema = {
 **head("playbook", "kam playbook",
        "A key-account sales playbook: customer categories, deal stages and moves, rules, decision tables and settings. Checked by `kam lint`."),
 "type": "object", "additionalProperties": False,
 # A version that extends another needs only its own version label (kam, id, title, stages...
 # come from the version it extends); any other playbook needs all of them. The engine checks
 # the merged playbook, which has no `extends` left, so it always gets the `else` branch.
 "if": {"required": ["extends"], "properties": {"extends": {"type": "string"}}},
 "then": {"required": ["version"]},
 "else": {"required": ["kam", "id", "version", "title", "currency", "stages", "transitions"],
          "properties": {**COMPLETE, "document_actions": {"required": ["assignee"]}}},
 "properties": {
   "kam": {"const": 1, "title": "Language version", "description": "The playbook language version; always 1."},
   "id": d({"type": "string", "pattern": "^[a-z][a-z0-9_-]*$", "maxLength": 64}, "Playbook id", "Stable id, e.g. auto-dealer."),
   "version": d({"type": "string", "minLength": 1, "maxLength": 32}, "Version", "The version label, as text (quote it: \"2026.1\")."),
   "effective_from": d({"type": "string", "format": "date"}, "Effective from", "First day this version is in force (YYYY-MM-DD)."),
   "effective_to": d({"type": "string", "format": "date"}, "Effective to", "Last day this version is in force (YYYY-MM-DD)."),
   "title": ref("text"), "description": ref("text"),
   "currency": d({"type": "string", "pattern": "^[A-Z]{3}$"}, "Currency", "ISO 4217 code of every amount, e.g. CNY."),
   "rounding": d({"enum": ["half_even", "half_up"]}, "Rounding", "How round() rounds: half_even (default, banker's) or half_up."),
   "include": d({"type": "array", "items": {"type": "string", "maxLength": 255}, "maxItems": 32}, "Include",
                "Policy modules to include, relative to this file (inside the playbook folder)."),
   "extends": d({"type": "string", "maxLength": 255}, "Extends",
                "A previous version of this playbook to build on: its content is merged in, and this file wins. "
                "A version that extends another gives its own version label and only what it changes."),
   "roles": d({"type": "object", "propertyNames": ref("name"), "additionalProperties": ref("text")}, "Roles",
              "Approver and assignee roles with their labels."),
   "documents": d({"type": "object", "propertyNames": ref("name"), "additionalProperties": ref("text")}, "Documents",
                  "Document ids with their labels."),
   "parameters": d({"type": "object", "propertyNames": ref("name"), "additionalProperties": ref("parameter")}, "Parameters",
                   "Company settings (thresholds, day counts, percentages) that rules read as params.<name>."),
   "fields": d({"type": "object", "propertyNames": ref("name"), "additionalProperties": ref("field")}, "Deal fields",
               "The deal fields the playbook reads (id, category, stage, owner, documents, approvals and history are built in)."),
   "facts": d({"type": "object", "propertyNames": ref("name"), "additionalProperties": ref("fact")}, "Facts",
              "Values derived from the deal once per evaluation."),
   "categories": d({"type": "object", "propertyNames": ref("name"), "additionalProperties": ref("category"), "minProperties": 1},
                   "Customer categories", "The kinds of customer, each with its rules and documents."),
   "stages": d({"type": "object", "propertyNames": ref("name"), "additionalProperties": ref("stage"), "minProperties": 1},
               "Stages", "The deal stages, in order."),
   "transitions": d({"type": "array", "items": ref("transition")}, "Transitions", "The moves between stages."),
   "rules": d({"type": "array", "items": ref("rule")}, "Rules", "Rules for every deal."),
   "tables": d({"type": "array", "items": ref("table")}, "Decision tables", "Tiered thresholds."),
   "approval_chains": d({"type": "array", "items": ref("approval_chain")}, "Approval chains",
                        "Ordered approvers with amount limits."),
   "document_actions": obj({"assignee": ref("name"),
                            "due_in_days": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^params\\.[a-z][a-z0-9_]*$"}]}},
                           title="Document actions",
                           desc="Who is asked to provide a missing document (action provide:<document>), and by when."),
 },
 "$defs": defs,
}
del defs["outcome_props"]
MODULE_KEYS = ("kam", "title", "description", "include", "roles", "documents", "parameters",
               "fields", "facts", "rules", "tables", "approval_chains")
module_schema = {
 **head("module", "kam policy module",
        "A policy module (e.g. the credit policy) that playbooks include; a fact without a value is left for the playbook to define."),
 "type": "object", "additionalProperties": False,
 "required": ["kam", "module"],
 "allOf": [{"properties": COMPLETE}],
 "properties": {
   "module": d({"type": "string", "pattern": "^[a-z][a-z0-9_-]*$", "maxLength": 64}, "Module name", "Stable name, e.g. credit-policy."),
   **{k: playbook_schema["properties"][k] for k in MODULE_KEYS},
 },
 "$defs": defs,
}

S = {"type": "string"}
unmet = {"type": "object", "additionalProperties": False, "required": ["kind", "id", "rule", "message"],
  "properties": {"kind": d({"enum": ["condition", "document", "approval", "clear", "information"]}, "Kind", "What sort of thing is missing."),
                 "id": d(S, "Id", "The condition id, document id or approver role."),
                 "rule": d(S, "Rule", "The rule id behind it."), "message": d(S, "Message", "What is missing, for people.")}}
violation = {"type": "object", "additionalProperties": False, "required": ["rule", "severity", "message"],
  "properties": {"rule": S, "severity": {"enum": ["block", "warn"]}, "message": S}}
BASIS_VALUE = {"type": ["number", "string", "null"]}
approval = {"type": "object", "additionalProperties": False, "required": ["rule", "role", "status", "message"],
  "properties": {"rule": S, "role": S,
                 "status": d({"enum": ["pending", "granted", "waiting", "stale", "rejected"]}, "Status", "granted; pending (this approver can act now); waiting (a later step of a chain, after the earlier approvers); stale (approved for less than the deal now asks, or rejected for more than it now asks: it does not count, and is asked again); rejected (the approver said no to what the deal still asks: the deal is blocked until it changes or the approver reconsiders)."),
                 "basis": d({"type": "object", "additionalProperties": BASIS_VALUE}, "Basis",
                            "What the approval is bound to, as the deal stands now (name -> value; dates as YYYY-MM-DD, null when unknown): record these with the decision."),
                 "stale": d({"type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["name", "was", "now"],
                             "properties": {"name": S, "was": BASIS_VALUE, "now": BASIS_VALUE}}}, "Stale",
                            "For status stale: what was approved (was; null when the approval recorded nothing) and what the deal asks now (now; null when unknown)."),
                 "message": S,
                 "granted_by": d(S, "Granted by", "Who approved (never the deal's owner)."),
                 "rejected_by": d(S, "Rejected by", "For status rejected: who said no."),
                 "rejected_on": d({"type": ["string", "null"], "format": "date"}, "Rejected on", "For status rejected: the day of the rejection (null when the entry has none)."),
                 "reason": d({"type": ["string", "null"]}, "Reason", "For status rejected: why, as the approver wrote it (null when none was given)."),
                 "step": d({"type": "integer", "minimum": 1}, "Step", "For approval chains: the step number."),
                 "chain": d(S, "Chain", "For approval chains: the chain id.")}}
action = {"type": "object", "additionalProperties": False, "required": ["rule", "id", "assignee", "due", "overdue", "message"],
  "properties": {"rule": S, "id": S, "assignee": S, "due": {"type": ["string", "null"], "format": "date"},
                 "overdue": d({"type": "boolean"}, "Overdue", "true when due is before as_of (due on as_of is not overdue); false when due is null, which says nothing either way."),
                 "message": S}}
missing_information = {"type": "object", "additionalProperties": False, "required": ["rule", "fields", "message"],
  "properties": {"rule": d(S, "Rule", "The rule (on_missing: ask) or the document rule that cannot be decided."),
                 "fields": d({"type": "array", "items": S}, "Fields to record", "Deal paths whose values are absent, e.g. customer.state_organ or lines[0].list_price."),
                 "message": d(S, "Message", "What to record, with the fields' labels.")}}
result_schema = {
 **head("result", "kam evaluation result",
        "What `kam validate --format json` prints and `Result.to_dict()` returns for one deal.", editor=False),
 "type": "object", "additionalProperties": False,
 "required": ["deal", "playbook", "category", "stage", "as_of", "status", "violations", "approvals", "actions", "missing_information", "transitions", "facts", "shadow"],
 "properties": {
  "deal": d(S, "Deal id", "The deal's id."),
  "playbook": d({"type": "object", "additionalProperties": False, "required": ["id", "version", "hash"],
                 "properties": {"id": S, "version": S, "hash": d({"type": "string", "pattern": "^[0-9a-f]{64}$"}, "Content hash", "sha256 of the compiled playbook's content; changes when its meaning changes.")}},
                "Playbook", "Which playbook and version decided."),
  "category": d(S, "Category", "The deal's customer category: as the deal gives it, or the one category whose `when` holds when the deal gives none."),
  "stage": d(S, "Stage", "The deal's current stage."),
  "as_of": d({"type": "string", "format": "date"}, "As of", "The date the deal was evaluated as on."),
  "status": d({"enum": ["ok", "needs_approval", "needs_information", "blocked"]}, "Status", "blocked when any block violation; else needs_information when any missing information is open; else needs_approval when any approval is pending; else ok."),
  "violations": d({"type": "array", "items": violation}, "Violations", "Rules the deal breaks: block stops it, warn informs."),
  "approvals": d({"type": "array", "items": approval}, "Approvals", "Approvals the deal needs, pending or granted."),
  "actions": d({"type": "array", "items": action}, "Actions", "Things people must do, by when."),
  "missing_information": d({"type": "array", "items": missing_information}, "Missing information", "What must be recorded before a rule can be decided: asked, never passed."),
  "transitions": d({"type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["to", "allowed", "missing"],
      "properties": {"to": S, "allowed": {"type": "boolean"}, "missing": {"type": "array", "items": unmet}}}},
      "Moves", "Every move from the current stage: allowed now, or what it still needs."),
  "facts": d({"type": "object", "additionalProperties": {"type": ["number", "string", "boolean", "null", "array"]}}, "Facts", "Derived values; null when a fact could not be computed for this deal."),
  "shadow": d({"type": "array", "items": {"type": "object", "required": ["kind", "rule", "message"],
      "properties": {"kind": {"enum": ["violation", "approval", "action", "missing_information"]}}}}, "Shadow outcomes", "What rules in shadow mode found; they never change the status."),
 },
}


deal_items = lambda props: {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object", "properties": props, "additionalProperties": False}]}}
VIOLATION_MATCH = {"rule": S, "severity": {"enum": ["block", "warn"]}, "message": S, "message_contains": S}
APPROVAL_MATCH = {"rule": S, "role": S, "status": {"enum": ["pending", "granted", "waiting", "stale", "rejected"]}, "message": S,
                  "message_contains": S, "granted_by": S, "step": {"type": "integer"}, "chain": S}
ACTION_MATCH = {"rule": S, "id": S, "assignee": S, "due": {"type": ["string", "null"]}, "overdue": {"type": "boolean"}, "message": S, "message_contains": S}
MISSING_MATCH = {"rule": S, "fields": {"type": "array", "items": S}, "message": S, "message_contains": S}
expect = {"type": "object", "additionalProperties": False, "title": "Expectations",
  "description": "What the result must (and must not) hold. Lists need their items to appear; no_* lists need them absent.",
  "properties": {
    "status": d({"enum": ["ok", "needs_approval", "needs_information", "blocked"]}, "Status", "The expected status."),
    "exit_code": d({"enum": [0, 1, 2, 3, 5]}, "Exit code", "What kam validate would exit with (2: the deal is refused as bad input)."),
    "error_contains": d(S, "Error", "For a deal refused as bad input: text the error must contain."),
    "violations": d(deal_items(VIOLATION_MATCH), "Violations", "A rule id, or fields to match."),
    "no_violations": deal_items(VIOLATION_MATCH),
    "approvals": d(deal_items(APPROVAL_MATCH), "Approvals", "A rule id, or fields to match."),
    "no_approvals": deal_items(APPROVAL_MATCH),
    "actions": d(deal_items(ACTION_MATCH), "Actions", "A rule id, or fields to match."),
    "no_actions": deal_items(ACTION_MATCH),
    "facts": d({"type": "object"}, "Facts", "Facts and their expected values (null: unknown)."),
    "allowed": d({"type": "array", "items": S}, "Allowed moves", "Stages the deal may move to now."),
    "refused": d({"oneOf": [{"type": "array", "items": S}, {"type": "object", "additionalProperties": {"type": "array", "items": S}}]},
                 "Refused moves", "Stages it may not move to now; as a mapping, with the ids of what each still needs."),
    "missing_information": d(deal_items(MISSING_MATCH), "Missing information", "A rule id, or fields to match: fields is the exact list of deal paths to record."),
    "no_missing_information": d(deal_items(MISSING_MATCH), "No missing information", "Rules that must not ask for information."),
    "shadow": d(deal_items({"rule": S, "kind": S, "role": S, "message_contains": S}), "Shadow", "Outcomes of shadow rules."),
    "no_shadow": deal_items({"rule": S, "kind": S, "role": S, "message_contains": S}),
  }}
case = {"type": "object", "additionalProperties": False, "required": ["name", "expect"],
  "properties": {
    "name": d(S, "Name", "What the case shows, in a few words."),
    "deal": d({"type": "object"}, "Deal", "The deal, or what to change in the base deal (merged; lists are replaced)."),
    "set": d({"type": "object"}, "Set", "Dotted paths to set in the deal, e.g. customer.overdue_days: 91."),
    "unset": d({"type": "array", "items": S}, "Unset", "Dotted paths to remove from the deal."),
    "as_of": d({"type": "string", "format": "date"}, "As of", "Overrides the file's as_of."),
    "version": d(S, "Version", "Evaluate with this version of the playbook."),
    "expect": expect,
  }}
test_schema = {
 **head("test", "kam playbook tests", "Test cases for a playbook, run by `kam test`."),
 "type": "object", "additionalProperties": False,
 "required": ["kam_test", "playbook", "cases"],
 "properties": {
   "kam_test": {"const": 1, "title": "Test format version"},
   "playbook": d(S, "Playbook", "The playbook file (relative to this file), or a folder with versions of one playbook id."),
   "id": d(S, "Playbook id", "With a folder: which playbook."),
   "as_of": d({"type": "string", "format": "date"}, "As of", "The evaluation date of every case (unless a case gives its own)."),
   "base": d({"oneOf": [S, {"type": "object"}]}, "Base deal", "A deal file (relative to this file) or an inline deal that every case starts from."),
   "cases": {"type": "array", "minItems": 1, "items": case, "title": "Cases"},
 },
}


COUNT = {"type": "integer", "minimum": 0}
LINES = {"type": "array", "items": S}
test_report_schema = {
 **head("test-report", "kam test report",
        "What `kam test --format json` prints: every case with where it is written and how its result "
        "differed, the test files that could not run, the totals, and (with --coverage) what no case "
        "exercised both ways. Fields are only ever added, never renamed or removed, while "
        "kam_test_report stays 1.", editor=False),
 "type": "object",
 "required": ["kam_test_report", "ok", "totals", "cases", "errors"],
 "properties": {
   "kam_test_report": d({"const": 1}, "Report format version", "1 while the shape stays compatible."),
   "ok": d({"type": "boolean"}, "All good", "Every case passed, no file failed to run, at least one test file was found, and (with --coverage) coverage is full."),
   "totals": d({"type": "object", "required": ["files", "cases", "passed", "failed", "errors"],
                "properties": {"files": d(COUNT, "Files", "Test files found."), "cases": d(COUNT, "Cases", "Cases run."),
                               "passed": COUNT, "failed": COUNT, "errors": d(COUNT, "Errors", "Test files that could not run.")}},
               "Totals", "How many of each."),
   "cases": d({"type": "array", "items": {"type": "object", "required": ["file", "name", "line", "passed", "differences"],
               "properties": {"file": d(S, "File", "The test file, as found."),
                              "name": d(S, "Name", "The case's name."),
                              "line": d({"type": "integer", "minimum": 1}, "Line", "Where the case starts in its file."),
                              "passed": {"type": "boolean"},
                              "differences": d(LINES, "Differences", "Every way the result differed from expect, as lines a person reads; empty when the case passed.")}}},
              "Cases", "Every case run, in file order."),
   "errors": d({"type": "array", "items": {"type": "object", "required": ["file", "message", "lines"],
                "properties": {"file": d(S, "File", "The test file that could not run."),
                               "message": d(S, "Message", "One line saying why."),
                               "lines": d(LINES, "Lines", "Every problem as FILE:LINE:COL: message, then the summary line.")}}},
               "Errors", "Test files that could not run: broken themselves, or their playbook is."),
   "coverage": d({"type": "object", "required": ["exercised", "total", "missing"],
                  "properties": {"exercised": d(COUNT, "Exercised", "Rules, table rows, move guards and chain steps seen both fired and not fired."),
                                 "total": COUNT,
                                 "missing": d({"type": "object", "additionalProperties": LINES}, "Missing", "Playbook or module file -> what was not exercised both ways, and how.")}},
                 "Coverage", "Only with --coverage."),
 },
}


def all_schemas():
    return {"playbook": playbook_schema, "module": module_schema, "result": result_schema,
            "test": test_schema, "test-report": test_report_schema}


def main(check: bool = False) -> int:
    root = Path(__file__).resolve().parent.parent / "schemas"
    stale = []
    for name, schema in all_schemas().items():
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        path = root / f"{name}.schema.json"
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
