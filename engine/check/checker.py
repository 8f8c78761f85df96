"""Raw playbook mapping + source map in, checked ``PlaybookModel`` out (or every problem).

Two passes: the JSON Schema (shape, names, enums) and then the meaning - unknown stages,
roles, documents, facts and parameters; expression and template errors with their column;
duplicate rule ids; decision tables whose tiers overlap, leave gaps or do not rise; stages
that cannot be reached or have no way out. Everything found is reported at once; a part
whose shape is wrong is skipped by the second pass instead of crashing it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import Diagnostic, DiagnosticSink, Location, suggest
from ..lang import expressions as ex
from ..lang import templates as tpl
from ..lang.messages import Message, Plain
from ..lang.schema import schema_diagnostics
from ..lang.types import (
    ANY,
    BOOL,
    DATE,
    INTEGER,
    NUMBER,
    PERCENT,
    SCALARS,
    STRING,
    Type,
    list_of,
    object_of,
    python_value_type,
)
from ..limits import FIELD_INTEGER_BOUND, FIELD_MAX_ITEMS, FIELD_NUMBER_BOUND
from ..read.sourcemap import Path, SourceMap, json_path
from .model import (
    ApprovalChain,
    Case,
    Category,
    ChainStep,
    DocumentNeed,
    Expr,
    Fact,
    Guard,
    Label,
    Outcome,
    Parameter,
    PlaybookModel,
    Row,
    Rule,
    Stage,
    Table,
    Transition,
)

BUILTIN_FIELDS = ("id", "category", "stage", "owner", "documents", "approvals", "history")
RESERVED_STAGE_NAMES = frozenset({"any"})
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
_PERCENT = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)%$")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # plain text, not an expression
_PARAM_REF = re.compile(r"^params\.([a-z][a-z0-9_]*)$")
_FACT_REF = re.compile(r"\bfacts\.([a-z][a-z0-9_]*)")


def percent(text: str) -> Decimal | None:
    m = _PERCENT.match(text.strip())
    return Decimal(m.group(1)) / 100 if m else None


def check_playbook(
    data: Any,
    smap: SourceMap,
    texts: Mapping[str, list[str]] | None = None,
    earlier: Iterable[Diagnostic] = (),
) -> PlaybookModel:
    """Check a parsed playbook; raises ``PlaybookError`` with every problem found (together
    with ``earlier`` ones, e.g. duplicate keys found while reading). ``texts`` holds the
    lines of every file involved, so columns inside expressions can be pointed at."""
    checker = _Checker(data, smap, dict(texts or {}))
    checker.sink.items.extend(earlier)
    return checker.run()


def check_module(
    data: Any,
    smap: SourceMap,
    texts: Mapping[str, list[str]] | None = None,
    earlier: Iterable[Diagnostic] = (),
) -> None:
    """Check a policy module on its own; raises ``PlaybookError`` with every problem.

    What a module leaves to the playbook (a fact with no value, a rule scoped to categories
    or stages the module cannot know) is not an error here."""
    checker = _Checker(data, smap, dict(texts or {}), module=True)
    checker.sink.items.extend(earlier)
    checker.run()


class _Checker:
    def __init__(
        self, data: Any, smap: SourceMap, texts: dict[str, list[str]], module: bool = False
    ) -> None:
        self.module = module
        self.chain_ids: tuple[str, ...] = ()
        self.chains_visible = False  # chain_status() is for rules, tables and moves only
        self.data = data
        self.smap = smap
        self.texts = texts
        self.sink = DiagnosticSink()
        self.bad: list[Path] = []
        self.params: dict[str, Parameter] = {}
        self.roles: dict[str, Label] = {}
        self.documents: dict[str, Label] = {}
        self.category_ids: list[str] = []
        self.stage_ids: list[str] = []
        self.fact_types: dict[str, Type] = {}
        self.deal_type: Type = ANY
        self.stage_type: Type = ANY
        self.rule_ids: dict[str, Location] = {}
        self.field_labels: dict[str, Label] = {}  # "customer.name", "lines[].model" -> label
        self.graph_broken = False  # a move named an unknown stage: reachability would mislead
        self.messages_seen: dict[Path, Message | None] = {}
        self.percent_params_reported: set[str] = set()

    # -- plumbing ---------------------------------------------------------------------------
    def at(self, path: Path, key: bool = False) -> Location:
        return self.smap.at(path, key=key)

    def error(
        self,
        code: str,
        message: str,
        path: Path,
        hint: str = "",
        key: bool = False,
        location: Location | None = None,
    ) -> None:
        self.sink.add(code, message, location or self.at(path, key=key), json_path(path), hint)

    def is_bad(self, path: Path) -> bool:
        """Is ``path`` at or inside an element the schema found broken?"""
        return any(path[: len(b)] == b for b in self.bad)

    def get(self, path: Path) -> Any:
        cur = self.data
        for p in path:
            if isinstance(cur, dict) and isinstance(p, str):
                cur = cur.get(p)
            elif isinstance(cur, list) and isinstance(p, int) and p < len(cur):
                cur = cur[p]
            else:
                return None
        return cur

    def mapping(self, path: Path) -> dict[str, Any]:
        value = self.get(path)
        return value if isinstance(value, dict) and not self.is_bad(path) else {}

    def items(self, path: Path) -> list[tuple[Path, Any]]:
        value = self.get(path)
        if not isinstance(value, list) or (self.is_bad(path) and path in self.bad):
            return []
        return [(path + (i,), v) for i, v in enumerate(value) if not self.is_bad(path + (i,))]

    def label(self, value: Any) -> Label:
        if isinstance(value, str):
            return Label(en=value, zh=value)
        if isinstance(value, dict):
            return Label(en=str(value.get("en", "")), zh=str(value.get("zh", "")))
        return Label()

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> PlaybookModel:
        if not isinstance(self.data, dict):
            self.error(
                "not-a-playbook",
                "a playbook must be a mapping (key: value) at the top",
                (),
                "start the file with 'kam: 1' and 'id: ...'",
            )
            self.sink.raise_if_errors()
        schema = "module" if self.module else "playbook"
        for diagnostic in schema_diagnostics(self.data, self.smap, schema):
            self.sink.items.append(diagnostic)
            path = _path_from_json(diagnostic.path)
            # an unknown key is reported but does not spoil the rest of its mapping; a
            # top-level problem (a missing key) must not hide everything else
            if path and diagnostic.code != "unknown-key":
                self.bad.append(_element(path))
        self.check_parameters()
        self.roles = {k: self.label(v) for k, v in self.mapping(("roles",)).items()}
        self.documents = {k: self.label(v) for k, v in self.mapping(("documents",)).items()}
        self.category_ids = list(self.mapping(("categories",)))
        self.stage_ids = list(self.mapping(("stages",)))
        stages = self.check_stages()
        self.deal_type = self.build_deal_type()
        self.stage_type = object_of(
            {
                "id": Type("string", values=tuple(self.stage_ids)),
                "label": STRING,
                "win_probability": PERCENT,
                "terminal": BOOL,
            }
        )
        facts = self.check_facts()
        self.chain_ids = tuple(
            str(c.get("id")) for _, c in self.items(("approval_chains",)) if isinstance(c, dict)
        )
        chains = self.check_chains()
        self.chains_visible = True
        categories = self.check_categories()
        rules = self.check_rules()
        tables = self.check_tables()
        transitions: tuple[Transition, ...] = ()
        initials: dict[str, str] = {}
        doc_assignee, doc_due = "", 0
        if not self.module:
            transitions = self.check_transitions(stages)
            initials = self.check_graph(stages, transitions)
            doc_assignee, doc_due = self.check_document_actions()
        self.sink.raise_if_errors()
        top = self.data
        return PlaybookModel(
            id=str(top.get("id", "")),
            version=str(top.get("version", "")),
            title=self.label(top.get("title")),
            description=self.label(top.get("description")),
            currency=str(top.get("currency", "")),
            rounding=str(top.get("rounding", "half_even")),
            file=self.smap.file,
            effective_from=top.get("effective_from"),
            effective_to=top.get("effective_to"),
            parameters=self.params,
            deal_type=self.deal_type,
            roles=self.roles,
            documents=self.documents,
            facts=facts,
            fact_names=tuple(n for n in self.mapping(("facts",)) if n in {f.name for f in facts}),
            categories=categories,
            stages=stages,
            initial=stages[0].id if stages else "",
            initials=initials,
            transitions=transitions,
            rules=rules,
            tables=tables,
            document_assignee=doc_assignee,
            document_due_in_days=doc_due,
            includes=tuple(top.get("include") or ()),
            chains=chains,
            files=tuple(self.texts),
            field_labels=self.field_labels,
        )

    # -- parameters -------------------------------------------------------------------------
    def check_parameters(self) -> None:
        for name, spec in self.mapping(("parameters",)).items():
            path: Path = ("parameters", name)
            if self.is_bad(path) or not isinstance(spec, dict):
                continue
            declared = spec.get("type")
            value, t, problem = param_value(spec.get("value"), declared)
            if problem:
                self.error(
                    "bad-parameter",
                    f"parameter '{name}': {problem}",
                    path + ("value",),
                    'percentages are written like "15%"; dates as YYYY-MM-DD',
                )
                continue
            raw = spec.get("value")
            if (
                declared == "percent"
                and isinstance(raw, int | Decimal)
                and not isinstance(raw, bool)
                and abs(Decimal(raw)) > 1
            ):
                self.percent_params_reported.add(name)
                self.error(
                    "percent-scale",
                    f"parameter '{name}' is a percentage written as {raw}, which is "
                    f"{ex.percent_text(raw)}",
                    path + ("value",),
                    f"did you mean {raw}%? write value: {raw}% (or {ex.percent_text(raw)} "
                    "if that is meant)",
                )
            for bound in ("minimum", "maximum"):
                limit = spec.get(bound)
                if limit is None or not isinstance(value, int | Decimal):
                    continue
                if value < limit if bound == "minimum" else value > limit:
                    self.error(
                        "bad-parameter",
                        f"parameter '{name}' is {value}, beyond its {bound} {limit}",
                        path + ("value",),
                    )
            self.params[name] = Parameter(
                name,
                value,
                t,
                self.label(spec.get("label")),
                self.label(spec.get("description")),
                self.at(path),
            )

    def param_scope(self) -> dict[str, tuple[Any, Type]]:
        return {k: (p.value, p.type) for k, p in self.params.items()}

    # -- stages -----------------------------------------------------------------------------
    def check_stages(self) -> tuple[Stage, ...]:
        out = []
        for index, (name, spec) in enumerate(self.mapping(("stages",)).items()):
            path: Path = ("stages", name)
            if name in RESERVED_STAGE_NAMES:
                self.error(
                    "reserved-name",
                    f"'{name}' cannot be a stage name",
                    path,
                    key=True,
                    hint="'any' is used in transitions to mean every open stage",
                )
            spec = spec if isinstance(spec, dict) and not self.is_bad(path) else {}
            win = self.win_probability(spec.get("win_probability"), path + ("win_probability",))
            cats = self.scope_list(
                spec.get("categories"), path + ("categories",), self.category_ids, "category"
            )
            out.append(
                Stage(
                    name,
                    self.label(spec.get("label")) if spec.get("label") else Label(name, name),
                    self.label(spec.get("description")),
                    index,
                    bool(spec.get("terminal", False)),
                    win,
                    self.at(path, key=True),
                    cats,
                )
            )
        return tuple(out)

    def win_probability(self, raw: Any, path: Path) -> Decimal:
        if raw is None:
            return Decimal(0)
        value = self.number_or_param(raw, path, "win probability")
        if value is None:
            return Decimal(0)
        if not 0 <= value <= 1:
            self.error(
                "bad-value",
                f"win probability {value} is not between 0% and 100%",
                path,
                f"did you mean {value}%?" if 1 < value <= 100 else "",
            )
        return value

    def number_or_param(self, raw: Any, path: Path, what: str) -> Decimal | None:
        """A literal number, "15%" or params.x, as a Decimal (None after an error)."""
        if isinstance(raw, bool):
            self.error("bad-value", f"{what} must be a number", path)
            return None
        if isinstance(raw, int | Decimal):
            return Decimal(raw)
        if isinstance(raw, str):
            p = percent(raw)
            if p is not None:
                return p
            m = _PARAM_REF.match(raw.strip())
            if m:
                param = self.params.get(m.group(1))
                if param is None:
                    self.error(
                        "unknown-name",
                        f"unknown parameter '{m.group(1)}'",
                        path,
                        suggest(m.group(1), self.params) or "declare it under parameters:",
                    )
                    return None
                if isinstance(param.value, bool) or not isinstance(param.value, int | Decimal):
                    self.error("type", f"parameter '{m.group(1)}' is not a number", path)
                    return None
                return Decimal(param.value)
        self.error(
            "bad-value",
            f"{what}: expected a number, a percentage like \"15%\" or params.<name>, found '{raw}'",
            path,
        )
        return None

    # -- deal fields --------------------------------------------------------------------------
    def build_deal_type(self) -> Type:
        fields: dict[str, Type] = {
            "id": Type("string", extra=(("minLength", 1), ("maxLength", 200))),
            "category": Type("string", values=tuple(self.category_ids)),
            "stage": Type("string", values=tuple(self.stage_ids)),
            "owner": Type("string", extra=(("maxLength", 200),)),
            "documents": Type(
                "list",
                item=Type("string", values=tuple(self.documents)),
                extra=(("uniqueItems", True), ("maxItems", 1000)),
            ),
            "approvals": list_of(
                object_of(
                    {
                        "role": Type("string", values=tuple(self.roles)),
                        "by": Type("string", extra=(("minLength", 1), ("maxLength", 200))),
                        "on": DATE,
                        "decision": Type("string", values=("approved", "rejected")),
                        "step": STRING,
                        "amount": Type("money", extra=(("minimum", 0),)),
                        "comment": Type("string", extra=(("maxLength", 4000),)),
                    },
                    required=("role", "by", "decision"),
                )
            ),
            "history": list_of(
                object_of(
                    {
                        "from": STRING,
                        "to": STRING,
                        "by": STRING,
                        "at": DATE,
                        "note": STRING,
                    },
                    required=("from", "to"),
                )
            ),
        }
        for name, spec in self.mapping(("fields",)).items():
            path: Path = ("fields", name)
            if name in BUILTIN_FIELDS:
                self.error(
                    "builtin-field",
                    f"'{name}' is a built-in deal field",
                    path,
                    key=True,
                    hint="remove it: id, category, stage, owner, documents, approvals "
                    "and history are always there",
                )
                continue
            if self.is_bad(path):
                fields[name] = ANY
                continue
            fields[name] = self.field_type(spec, path)
        required = ["id", "category", "stage"] + [
            name
            for name, spec in self.mapping(("fields",)).items()
            if isinstance(spec, dict) and spec.get("required") and name not in BUILTIN_FIELDS
        ]
        return object_of(fields, required=tuple(required))

    def field_type(self, spec: dict[str, Any], path: Path) -> Type:
        kind = spec.get("type", "string")
        if spec.get("label"):
            self.field_labels[_field_name(path)] = self.label(spec["label"])
        extra: list[tuple[str, Any]] = []
        for key, schema_key in (
            ("minimum", "minimum"),
            ("maximum", "maximum"),
            ("max_length", "maxLength"),
            ("max_items", "maxItems"),
        ):
            if key in spec:
                value = spec[key]
                extra.append((schema_key, float(value) if isinstance(value, Decimal) else value))
        self.percent_field_bounds(kind, spec, path)
        if kind == "percent" and not spec.get("allow_above_100"):
            # 12 in a deal is 1,200%: refused (with "did you mean 12%?") unless meant
            if not any(k == "maximum" for k, _ in extra):
                extra.append(("maximum", 1))
            if not any(k == "minimum" for k, _ in extra):
                extra.append(("minimum", -1))
        if kind in ("money", "number", "decimal", "percent"):
            # hard magnitude limits keep absurd numbers away from the rules
            if not any(k == "maximum" for k, _ in extra):
                extra.append(("maximum", FIELD_NUMBER_BOUND))
            if not any(k == "minimum" for k, _ in extra):
                extra.append(("minimum", -FIELD_NUMBER_BOUND))
        if kind == "integer":
            if not any(k == "maximum" for k, _ in extra):
                extra.append(("maximum", FIELD_INTEGER_BOUND))
            if not any(k == "minimum" for k, _ in extra):
                extra.append(("minimum", -FIELD_INTEGER_BOUND))
        self.misplaced_items(kind, spec, path)
        if kind == "list":
            item = self.list_items(spec, path)
            item_t = self.field_type(item, path + ("items",)) if isinstance(item, dict) else ANY
            if not any(k == "maxItems" for k, _ in extra):
                extra.append(("maxItems", FIELD_MAX_ITEMS))
            return Type("list", item=item_t, extra=tuple(extra))
        if kind == "object":
            sub = spec.get("fields") or {}
            fields = {
                n: self.field_type(s, path + ("fields", n))
                for n, s in sub.items()
                if isinstance(s, dict)
            }
            required = tuple(n for n, s in sub.items() if isinstance(s, dict) and s.get("required"))
            return Type(
                "object", fields=tuple(fields.items()), required=required, extra=tuple(extra)
            )
        raw = spec.get("values")
        # the schema has reported anything but a list of texts; check on with the texts
        values = tuple(v for v in raw if isinstance(v, str)) if isinstance(raw, list) else ()
        if values and kind != "string":
            self.error("bad-value", "allowed values are only for text fields", path + ("values",))
        base = SCALARS.get("number" if kind == "decimal" else kind, STRING)
        if kind == "string" and not any(k == "maxLength" for k, _ in extra):
            extra.append(("maxLength", 10000))
        return Type(base.kind, values=values, extra=tuple(extra))

    def percent_field_bounds(self, kind: str, spec: dict[str, Any], path: Path) -> None:
        """A percentage field's bounds are fractions: maximum: 50 is 5,000%, unless the
        field says values above 100% are meant (allow_above_100: true)."""
        if spec.get("allow_above_100") and kind != "percent":
            self.error(
                "bad-key",
                f"allow_above_100 is for percentage fields; this one is type: {kind}",
                path + ("allow_above_100",),
                "remove it",
                key=True,
            )
        if kind != "percent" or spec.get("allow_above_100"):
            return
        for key in ("minimum", "maximum"):
            value = spec.get(key)
            if (
                isinstance(value, int | Decimal)
                and not isinstance(value, bool)
                and abs(Decimal(value)) > 1
            ):
                self.error(
                    "percent-scale",
                    f"{key}: {value} on a percentage field would mean {ex.percent_text(value)}",
                    path + (key,),
                    f"did you mean {value}%? a percentage field's bounds are fractions: "
                    f"{key}: {format((Decimal(value) / 100).normalize(), 'f')} "
                    "(or add allow_above_100: true)",
                )

    def list_items(self, spec: dict[str, Any], path: Path) -> Any:
        """A list's item spec; ``fields:`` written beside ``type: list`` (one indent too
        shallow) is reported where it is and read as the item fields that were meant, so
        the rules that use them are not reported too."""
        item = spec.get("items")
        beside = spec.get("fields")
        if not isinstance(beside, dict):
            return item
        name = _field_name(path)
        if item is None:
            message = (
                f"the item fields of list '{name}' are written beside type: list; "
                "a list describes its items under items:"
            )
            hint = "put them under items: {type: object, fields: ...}"
            item = {"type": "object", "fields": beside}
        elif isinstance(item, dict) and item.get("type") == "object" and not item.get("fields"):
            message = (
                f"fields: stands beside type: list, so the item fields of list '{name}' "
                "are not declared (its items are objects with no fields)"
            )
            hint = "indent fields: under items:, beside its type: object"
            item = {**item, "fields": beside}
        else:
            message = f"list '{name}' describes its items under items:; fields: here means nothing"
            hint = "remove fields:, or move them into items:"
        self.error("misplaced-fields", message, path + ("fields",), hint, key=True)
        return item

    def misplaced_items(self, kind: str, spec: dict[str, Any], path: Path) -> None:
        name = _field_name(path)
        if "fields" in spec and kind not in ("object", "list"):
            self.error(
                "misplaced-fields",
                f"'{name}' is type: {kind}, so its fields: mean nothing",
                path + ("fields",),
                "make it type: object, or remove fields:",
                key=True,
            )
        if "items" in spec and kind != "list":
            self.error(
                "misplaced-items",
                f"'{name}' is type: {kind}, so its items: mean nothing",
                path + ("items",),
                "make it type: list, or remove items:",
                key=True,
            )

    # -- expressions and messages -------------------------------------------------------------
    def scope(
        self,
        extra: Mapping[str, Type] | None = None,
        fact_filter: Callable[[str], str | None] | None = None,
    ) -> ex.Scope:
        return ex.Scope(
            deal=self.deal_type,
            facts=self.fact_types,
            params=self.param_scope(),
            stage=self.stage_type,
            fact_filter=fact_filter,
            extra=dict(extra or {}),
            chains=self.chain_ids if self.chains_visible else None,
        )

    def expr(
        self,
        raw: Any,
        path: Path,
        expect: Type | None = BOOL,
        extra: Mapping[str, Type] | None = None,
        fact_filter: Callable[[str], str | None] | None = None,
    ) -> Expr | None:
        if isinstance(raw, bool | int | Decimal) and expect is not BOOL:
            raw = str(raw).lower() if isinstance(raw, bool) else str(raw)
        if not isinstance(raw, str):
            if isinstance(raw, bool):
                raw = "true" if raw else "false"
            else:
                self.error("type", "expected an expression (text)", path)
                return None
        checked = ex.check(raw, self.scope(extra, fact_filter), expect)
        loc = self.at(path)
        if checked.problems:
            for p in checked.problems:
                self.sink.add(
                    p.code, p.message, self.column(loc, raw, p.start), json_path(path), p.hint
                )
            return None
        assert checked.node is not None
        for param, what in checked.percent_params:
            self.percent_param(param, f"line {loc.line} compares it with {what}")
        node = checked.node
        if expect is not None and expect.kind == "percent" and isinstance(node, ex.Const):
            what = (
                f"the value of percentage fact '{path[1]}'"
                if path[:1] == ("facts",)
                else ("a percentage")
            )
            self.percent_value(node.value, node.param, raw, path, what)
        return Expr(raw, node, loc, frozenset(checked.facts_used), frozenset(checked.paths_used))

    def percent_param(self, name: str, place: str) -> None:
        """A parameter written as a bare number above 1 and compared with a percentage:
        reported once, at the parameter's value, whatever uses it."""
        param = self.params.get(name)
        if param is None or name in self.percent_params_reported:
            return
        value = param.value
        if param.type.kind == "percent" or isinstance(value, bool):
            return
        if not isinstance(value, int | Decimal) or abs(Decimal(value)) <= 1:
            return
        self.percent_params_reported.add(name)
        self.error(
            "percent-scale",
            f"parameter '{name}' is {value}, but {place}: {value} would mean "
            f"{ex.percent_text(value)}",
            ("parameters", name, "value"),
            f"did you mean {value}%? write value: {value}%",
        )

    def percent_value(self, value: Any, param: str, raw: Any, path: Path, what: str) -> None:
        """A bare number above 1 where a percentage is meant (a fact's value, a bound)."""
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return
        if abs(Decimal(value)) <= 1:
            return
        if param:
            self.percent_param(param, f"line {self.at(path).line} gives it as {what}")
            return
        if isinstance(raw, str) and "%" in raw:
            return  # written as a percentage: 150% is meant
        self.error(
            "percent-scale",
            f"{value} is {what}, so it would mean {ex.percent_text(value)}",
            path,
            f"did you mean {value}%?",
        )

    def column(self, loc: Location, raw: str, offset: int) -> Location:
        """Location of character ``offset`` of an expression written at ``loc``."""
        lines = self.texts.get(loc.file, [])
        if "\n" in raw or not (0 < loc.line <= len(lines)):
            return loc
        line = lines[loc.line - 1]
        start = loc.column - 1
        if start < len(line) and line[start] in "'\"":
            start += 1
        elif start < len(line) and line[start] in "|>":
            return loc
        return Location(loc.file, loc.line, start + offset + 1)

    def message(
        self, raw: Any, path: Path, names: Mapping[str, Type] | None = None
    ) -> Message | None:
        """A checked message; ``names`` are the extra names it may use, with their types.

        A message is checked once per place: table rows that inherit their table's message
        reuse its result instead of reporting its problems once per row."""
        if raw is None:
            return None
        if path in self.messages_seen:
            return self.messages_seen[path]
        allowed: dict[str, Type] = {name: ANY for name in TEMPLATE_NAMES}
        allowed.update(deal=self.deal_type, stage=self.stage_type, as_of=DATE)
        allowed.update(names or {})
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
                text, lambda chain, loops: self.template_name(chain, allowed, loops)
            )
            loc = self.at(sub)
            for p in problems:
                self.sink.add(
                    "message",
                    p.message,
                    self.name_location(loc, p.name)
                    or Location(loc.file, loc.line + max(0, p.line - 1), loc.column),
                    json_path(sub),
                    p.hint,
                )
            if template is not None:
                checked[lang] = template
            if plain_form is not None:
                plain[lang] = plain_form
        result = Message(checked, plain) if checked and len(checked) == len(texts) else None
        self.messages_seen[path] = result
        return result

    def name_location(self, loc: Location, name: str) -> Location | None:
        """Where a name a message reads is written: the message starts at ``loc`` and runs
        on over the lines indented deeper than its key (a block or folded text)."""
        lines = self.texts.get(loc.file, [])
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

    def template_name(
        self,
        chain: list[str],
        allowed: Mapping[str, Type],
        loops: Mapping[str, tuple[str, ...]],
    ) -> tuple[str, str] | None:
        """Is the name path a message reads declared? (problem, hint) when it is not."""
        root = chain[0]
        if root in loops:  # {% for c in deal.contacts %}: c is an item of that list
            source = self.template_type(list(loops[root]), allowed, loops, depth=0)
            item = source.item if source.kind == "list" and source.item else ANY
            return self.template_fields(item, root, chain[1:])
        if root not in allowed:
            return f"unknown name '{root}' in the message", self.name_hint(root, allowed, loops)
        if root == "facts" and len(chain) > 1:
            if chain[1] not in self.fact_types:
                return f"unknown fact '{chain[1]}'", suggest(
                    chain[1], self.fact_types
                ) or "declare it under facts:"
            return self.template_fields(self.fact_types[chain[1]], f"facts.{chain[1]}", chain[2:])
        if root == "params" and len(chain) > 1:
            if chain[1] not in self.params:
                return f"unknown parameter '{chain[1]}'", suggest(
                    chain[1], self.params
                ) or "declare it under parameters:"
            return None
        return self.template_fields(allowed[root], root, chain[1:])

    def name_hint(
        self, root: str, allowed: Mapping[str, Type], loops: Mapping[str, tuple[str, ...]]
    ) -> str:
        """``amount`` -> "did you mean 'deal.amount'?"; ``dael`` -> "did you mean 'deal'?"."""
        for prefix, known in (
            ("deal", self.deal_type.field_names()),
            ("facts", self.fact_types),
            ("params", self.params),
        ):
            if root in known:
                return f"did you mean '{prefix}.{root}'?"
        names = [*allowed, *loops]
        return suggest(root, names) or f"names: {', '.join(sorted(names))}"

    def template_fields(self, t: Type, where: str, parts: list[str]) -> tuple[str, str] | None:
        """Walk ``parts`` through the fields of ``t``; only declared objects are checked (a
        date's ``.year`` or a value of unknown shape is left to the message)."""
        for part in parts:
            if t.kind != "object":
                return None
            sub = t.field(part)
            if sub is None:
                names = t.field_names()
                return f"{where} has no field '{part}'", suggest(
                    part, names
                ) or f"declared fields: {', '.join(names) or 'none'}"
            t = sub
            where = f"{where}.{part}"
        return None

    def template_type(
        self,
        chain: list[str],
        allowed: Mapping[str, Type],
        loops: Mapping[str, tuple[str, ...]],
        depth: int,
    ) -> Type:
        """The type of a name path (ANY when it cannot be told), without reporting."""
        root, parts = chain[0], chain[1:]
        if root in loops and depth < 8:
            source = self.template_type(list(loops[root]), allowed, loops, depth + 1)
            t = source.item if source.kind == "list" and source.item else ANY
        elif root == "facts" and parts:
            t, parts = self.fact_types.get(parts[0], ANY), parts[1:]
        elif root in allowed and root != "params":
            t = allowed[root]
        else:
            return ANY
        for part in parts:
            t = (t.field(part) if t.kind == "object" else None) or ANY
        return t

    # -- facts ------------------------------------------------------------------------------
    def check_facts(self) -> tuple[Fact, ...]:
        specs = {
            k: v
            for k, v in self.mapping(("facts",)).items()
            if isinstance(v, dict) and not self.is_bad(("facts", k))
        }
        for name, spec in specs.items():
            if spec.get("value") is None and not spec.get("cases") and not spec.get("table"):
                if self.module:
                    continue  # left for the playbook that includes the module
                self.error(
                    "missing-key",
                    f"fact '{name}' needs value, cases or table",
                    ("facts", name),
                    "define it in the playbook (a module may leave a fact for the playbook)"
                    if self.smap.at(("facts", name)).file != self.smap.file
                    else "e.g. value: sum(line.quantity for line in deal.lines)",
                )
        deps = {
            name: set(_FACT_REF.findall(_texts(spec))) & set(specs) for name, spec in specs.items()
        }
        order = _topological(deps)
        if order is None:
            cycle = sorted(n for n in deps if n in _cycle_members(deps))
            for name in cycle:
                self.error(
                    "fact-cycle",
                    f"fact '{name}' depends on itself through "
                    f"{', '.join(c for c in cycle if c != name)}",
                    ("facts", name),
                    "a fact may only use facts that do not use it",
                    key=True,
                )
            return ()
        # every name is visible for messages, but each fact only sees what it depends on
        for name in specs:
            self.fact_types[name] = _declared_type(specs[name].get("type")) or ANY
        out = []
        for name in order:
            fact = self.check_fact(name, specs[name])
            if fact is not None:
                self.fact_types[name] = fact.type
                out.append(fact)
        return tuple(out)

    def check_fact(self, name: str, spec: dict[str, Any]) -> Fact | None:
        path: Path = ("facts", name)
        declared = _declared_type(spec.get("type"))
        value = cases = otherwise = table_input = None
        rows: tuple[Row, ...] = ()
        types: list[Type] = []
        if spec.get("value") is not None:
            value = self.expr(spec["value"], path + ("value",), expect=declared)
            if value:
                types.append(value.node.type)
        case_list = []
        for cpath, case in self.items(path + ("cases",)):
            when = self.expr(case.get("when"), cpath + ("when",))
            val = self.case_value(case.get("value"), cpath + ("value",), declared)
            if when and val:
                case_list.append(Case(when, val))
                types.append(val.node.type)
        cases = tuple(case_list)
        if cases and "otherwise" in spec:
            otherwise = self.case_value(spec["otherwise"], path + ("otherwise",), declared)
            if otherwise:
                types.append(otherwise.node.type)
        table = spec.get("table")
        if isinstance(table, dict):
            table_input = self.expr(table.get("input"), path + ("table", "input"), expect=NUMBER)
            rows = self.check_rows(
                name,
                table.get("rows") or [],
                path + ("table", "rows"),
                "first",
                fact=True,
                percent_input=_percent_text(table_input),
            )
            for row in rows:
                types.append(python_value_type(row.value))
        t = declared or ANY
        if declared is None:
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
        return Fact(
            name,
            t,
            self.label(spec.get("label")) if spec.get("label") else Label(name, name),
            self.label(spec.get("description")),
            self.at(path, key=True),
            value,
            cases,
            otherwise,
            table_input,
            rows,
            str(spec.get("rule", "")),
        )

    def case_value(self, raw: Any, path: Path, declared: Type | None) -> Expr | None:
        """A case's value: for a text fact, plain words are the text itself."""
        if (
            declared is not None
            and declared.kind == "string"
            and isinstance(raw, str)
            and _WORD.fullmatch(raw)
        ):
            return Expr(raw, ex.Const(STRING, 0, raw), self.at(path))
        return self.expr(raw, path, expect=declared)

    # -- categories and rules -------------------------------------------------------------------
    def check_categories(self) -> dict[str, Category]:
        out = {}
        for name, spec in self.mapping(("categories",)).items():
            path: Path = ("categories", name)
            if not isinstance(spec, dict) or self.is_bad(path):
                spec = {}
            rule = str(spec.get("rule") or name)
            needs = []
            for dpath, raw in self.items(path + ("documents",)):
                need = self.document_need(raw, dpath, rule, category=name)
                if need is not None:
                    needs.append(need)
            out[name] = Category(
                name,
                self.label(spec.get("label")) if spec.get("label") else Label(name, name),
                self.label(spec.get("description")),
                rule,
                tuple(needs),
                self.at(path, key=True),
            )
        return out

    def document_need(
        self, raw: Any, path: Path, rule: str, category: str | None = None
    ) -> DocumentNeed | None:
        if isinstance(raw, str):
            raw = {"document": raw}
            doc_path = path
        else:
            doc_path = path + ("document",)
        doc = raw.get("document")
        if doc not in self.documents:
            self.error(
                "unknown-document",
                f"unknown document '{doc}'",
                doc_path,
                suggest(str(doc), self.documents) or "declare it under documents:",
            )
            return None
        when = None
        if raw.get("when") is not None:
            when = self.expr(raw["when"], path + ("when",))
            if when is None:
                return None
        to = raw.get("to")
        if category is not None and to not in self.stage_ids:
            self.error(
                "unknown-stage",
                f"unknown stage '{to}'",
                path + ("to",),
                suggest(str(to), self.stage_ids) or f"stages: {', '.join(self.stage_ids)}",
            )
            return None
        return DocumentNeed(
            doc,
            str(raw.get("rule") or rule),
            self.at(path),
            when,
            category,
            None if category is None else str(to),
        )

    def rule_id(self, rid: str, path: Path) -> None:
        if rid in self.rule_ids:
            first = self.rule_ids[rid]
            self.error(
                "duplicate-rule",
                f"rule id '{rid}' is used twice (first at line {first.line})",
                path,
                "every rule and table needs its own id",
            )
        else:
            self.rule_ids[rid] = self.at(path)

    def check_rules(self) -> tuple[Rule, ...]:
        out = []
        places = [(("rules",), None)] + [(("categories", c, "rules"), c) for c in self.category_ids]
        for base, category in places:
            for path, spec in self.items(base):
                rule = self.check_rule(spec, path, category)
                if rule is not None:
                    out.append(rule)
        return tuple(out)

    def scope_list(
        self, raw: Any, path: Path, known: list[str], what: str
    ) -> frozenset[str] | None:
        if raw is None:
            return None
        if self.module:  # the including playbook declares its categories and stages
            return frozenset(raw)
        for i, name in enumerate(raw):
            if name not in known:
                self.error(
                    f"unknown-{what}",
                    f"unknown {what} '{name}'",
                    path + (i,),
                    suggest(str(name), known) or f"{what}s: {', '.join(known)}",
                )
        return frozenset(raw)

    def check_rule(self, spec: dict[str, Any], path: Path, category: str | None) -> Rule | None:
        rid = str(spec.get("id"))
        self.rule_id(rid, path + ("id",))
        categories = self.scope_list(
            spec.get("categories"), path + ("categories",), self.category_ids, "category"
        )
        if category is not None:
            if categories is not None and category not in categories:
                self.error(
                    "bad-scope",
                    f"rule '{rid}' sits under category '{category}' but lists other categories",
                    path + ("categories",),
                )
            categories = frozenset({category})
        stages = self.scope_list(spec.get("stages"), path + ("stages",), self.stage_ids, "stage")
        extra: dict[str, Type] = {}
        for_each = None
        item = str(spec.get("as") or "item")
        if spec.get("for_each") is not None:
            for_each = self.expr(spec["for_each"], path + ("for_each",), expect=list_of(ANY))
            if for_each is None:
                return None
            extra[item] = for_each.node.type.item or ANY
        elif "as" in spec:
            self.error(
                "bad-key", "'as' names the item of for_each; there is no for_each", path + ("as",)
            )
        when = self.expr(spec.get("when"), path + ("when",), extra=extra)
        outcome = self.outcome(spec, path, rid, str(spec.get("then")), extra)
        if when is None or outcome is None:
            return None
        title = self.label(spec.get("title")) if spec.get("title") else Label(rid, rid)
        return Rule(
            rid,
            title,
            self.label(spec.get("description")),
            when,
            outcome,
            str(spec.get("on_missing", "warn")),
            str(spec.get("mode", "enforce")),
            self.at(path),
            categories,
            stages,
            for_each,
            item,
        )

    def outcome(
        self,
        spec: dict[str, Any],
        path: Path,
        rid: str,
        kind: str,
        extra: Mapping[str, Type],
        table: bool = False,
        message_path: Path | None = None,
    ) -> Outcome | None:
        names = {**extra, **(TABLE_NAMES if table else {})}
        message = self.message(spec.get("message"), message_path or path + ("message",), names)
        if spec.get("message") is not None and message is None:
            return None
        if kind == "approval":
            role = spec.get("role")
            if role is None:
                self.error(
                    "missing-key",
                    f"'{rid}' needs an approver: add role:",
                    path,
                    f"roles: {', '.join(self.roles)}",
                )
                return None
            if role not in self.roles:
                self.error(
                    "unknown-role",
                    f"unknown role '{role}'",
                    path + ("role",),
                    suggest(str(role), self.roles) or "declare it under roles:",
                )
                return None
            return Outcome("approval", role=str(role), message=message)
        if kind == "action":
            action = spec.get("action")
            if not isinstance(action, dict):
                self.error(
                    "missing-key", f"'{rid}' needs an action: add action: {{id, assignee}}", path
                )
                return None
            apath = path + ("action",)
            assignee = action.get("assignee")
            if assignee not in self.roles:
                self.error(
                    "unknown-role",
                    f"unknown role '{assignee}'",
                    apath + ("assignee",),
                    suggest(str(assignee), self.roles) or "declare it under roles:",
                )
                return None
            due = None
            days = None
            if action.get("due") is not None and table:
                self.error(
                    "bad-key",
                    "a table row's action is due in days: use due_in_days",
                    apath + ("due",),
                )
                return None
            if action.get("due") is not None:
                due = self.expr(action["due"], apath + ("due",), expect=DATE, extra=extra)
                if due is None:
                    return None
            else:
                days = self.days(action.get("due_in_days", 0), apath + ("due_in_days",))
            return Outcome(
                "action",
                action_id=str(action.get("id")),
                assignee=str(assignee),
                due_in_days=days,
                due=due,
                message=message,
            )
        if kind in ("block", "warn", "none"):
            return Outcome(kind, message=message)
        return None  # the schema already reported an unknown outcome

    def days(self, raw: Any, path: Path) -> int:
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str):
            m = _PARAM_REF.match(raw)
            param = self.params.get(m.group(1)) if m else None
            if (
                param is not None
                and isinstance(param.value, int)
                and not isinstance(param.value, bool)
            ):
                return param.value
            self.error(
                "bad-value",
                f"'{raw}' is not a whole number of days",
                path,
                suggest(m.group(1), self.params) if m else "",
            )
        return 0

    # -- decision tables ------------------------------------------------------------------------
    def check_tables(self) -> tuple[Table, ...]:
        out = []
        for path, spec in self.items(("tables",)):
            tid = str(spec.get("id"))
            self.rule_id(tid, path + ("id",))
            hit = str(spec.get("hit", "first"))
            source = self.expr(spec.get("input"), path + ("input",), expect=NUMBER)
            when = self.expr(spec["when"], path + ("when",)) if spec.get("when") else None
            table_kind = str(spec.get("then"))
            message = self.message(spec.get("message"), path + ("message",), TABLE_NAMES)
            rows = self.check_rows(
                tid,
                spec.get("rows") or [],
                path + ("rows",),
                hit,
                table_spec=spec,
                kind=table_kind,
                percent_input=_percent_text(source),
            )
            categories = self.scope_list(
                spec.get("categories"), path + ("categories",), self.category_ids, "category"
            )
            stages = self.scope_list(
                spec.get("stages"), path + ("stages",), self.stage_ids, "stage"
            )
            if source is None or (spec.get("when") and when is None):
                continue
            out.append(
                Table(
                    tid,
                    self.label(spec.get("title")) if spec.get("title") else Label(tid, tid),
                    self.label(spec.get("description")),
                    source,
                    hit,
                    rows,
                    str(spec.get("on_missing", "warn")),
                    str(spec.get("mode", "enforce")),
                    self.at(path),
                    when,
                    categories,
                    stages,
                    message,
                )
            )
        return tuple(out)

    def check_rows(
        self,
        tid: str,
        raw_rows: list[Any],
        path: Path,
        hit: str,
        table_spec: dict[str, Any] | None = None,
        kind: str = "none",
        fact: bool = False,
        percent_input: str = "",
    ) -> tuple[Row, ...]:
        """The rows of a table; ``percent_input`` is the input's text when it is a
        percentage, so that a bound written 15 where 15% was meant is caught."""
        rows: list[Row] = []
        scale_off = False  # a bound on the wrong scale: tier checks would only confuse
        for i, raw in enumerate(raw_rows):
            rpath = path + (i,)
            if not isinstance(raw, dict) or self.is_bad(rpath):
                continue
            rid = str(raw.get("id") or f"{tid}#{i + 1}")
            if "id" in raw:
                self.rule_id(rid, rpath + ("id",))
            bounds = {}
            for key in ("above", "from", "up_to", "below"):
                if key in raw:
                    value = self.number_or_param(raw[key], rpath + (key,), f"'{key}'")
                    if value is None:
                        break
                    if percent_input and abs(value) > 1:
                        scale_off |= self.percent_bound(
                            tid, key, raw[key], value, rpath, percent_input
                        )
                    bounds[key] = value
            else:
                if ("above" in bounds and "from" in bounds) or (
                    "up_to" in bounds and "below" in bounds
                ):
                    self.error(
                        "bad-row",
                        "a row has at most one lower bound (above or from) and "
                        "one upper bound (up_to or below)",
                        rpath,
                    )
                    continue
                low = bounds.get("above", bounds.get("from"))
                high = bounds.get("up_to", bounds.get("below"))
                if (
                    low is not None
                    and high is not None
                    and not scale_off
                    and (high < low or (high == low and ("above" in bounds or "below" in bounds)))
                ):
                    self.error(
                        "bad-row",
                        f"row {i + 1} matches nothing: its range {_range_text(bounds)} is empty",
                        rpath,
                    )
                    continue
                if fact:
                    if "value" not in raw:
                        self.error("missing-key", "each row of a fact table needs a value", rpath)
                        continue
                    outcome = Outcome("none")
                else:
                    row_kind = str(raw.get("outcome") or kind)
                    outcome_spec = dict(raw)
                    inherited = None
                    if "message" not in raw and table_spec is not None:
                        outcome_spec["message"] = table_spec.get("message")
                        inherited = path[:-1] + ("message",)  # checked (and reported) once
                    made = self.outcome(
                        outcome_spec, rpath, rid, row_kind, {}, table=True, message_path=inherited
                    )
                    if made is None:
                        continue
                    outcome = made
                rows.append(
                    Row(
                        rid,
                        i,
                        low,
                        "from" in bounds,
                        high,
                        "up_to" in bounds,
                        outcome,
                        self.at(rpath),
                        raw.get("value"),
                        {k: _bound_text(raw[k]) for k in bounds},
                    )
                )
        if not scale_off:
            self.check_tiers(tid, rows, path, hit)
        return tuple(rows)

    def percent_bound(
        self, tid: str, key: str, raw: Any, value: Decimal, rpath: Path, percent_input: str
    ) -> bool:
        """Report a bound above 1 that was not written as a percentage; True if it was."""
        m = _PARAM_REF.match(raw.strip()) if isinstance(raw, str) else None
        if m:
            param = self.params.get(m.group(1))
            if param is None or param.type.kind == "percent":
                return False
            self.percent_param(
                m.group(1), f"table '{tid}' compares it with a percentage ({percent_input})"
            )
            return True
        if not isinstance(raw, str):
            self.error(
                "percent-scale",
                f"{key}: {raw} is compared with a percentage ({percent_input}): "
                f"{raw} would mean {ex.percent_text(value)}",
                rpath + (key,),
                f"did you mean {raw}%?",
            )
            return True
        return False

    def check_tiers(self, tid: str, rows: list[Row], path: Path, hit: str) -> None:
        def show(row: Row, low: bool, bare: bool = False) -> str:
            keys = ("above", "from") if low else ("up_to", "below")
            raw = next((row.bounds_text[k] for k in keys if k in row.bounds_text), None)
            value = _fmt(row.low if low else row.high)
            if raw is None or raw == value or bare:
                return raw or value
            return f"{raw} (= {value})" if raw.startswith("params.") else raw

        for prev, row in itertools.pairwise(rows):
            rpath = path + (row.index,)
            if (
                prev.low is not None
                and row.low is not None
                and row.low <= prev.low
                and not (row.low == prev.low and not row.low_inclusive and prev.low_inclusive)
            ):
                self.error(
                    "tiers-not-rising",
                    f"table '{tid}': row {row.index + 1} starts at "
                    f"{show(row, True)}, not above row "
                    f"{prev.index + 1} ({show(prev, True)})",
                    rpath,
                    "list the tiers from the lowest to the highest",
                )
                continue
            if hit != "first":
                continue
            if prev.high is None:
                self.error(
                    "tiers-overlap",
                    f"table '{tid}': row {prev.index + 1} has no upper "
                    f"bound, so it overlaps row {row.index + 1}",
                    path + (prev.index,),
                    f"give row {prev.index + 1} an up_to or below",
                )
                continue
            if row.low is None:
                self.error(
                    "tiers-overlap",
                    f"table '{tid}': row {row.index + 1} has no lower "
                    f"bound, so it overlaps row {prev.index + 1}",
                    rpath,
                    f"start it where row {prev.index + 1} ends",
                )
                continue
            if row.low < prev.high or (
                row.low == prev.high and prev.high_inclusive and row.low_inclusive
            ):
                self.error(
                    "tiers-overlap",
                    f"table '{tid}': rows {prev.index + 1} and "
                    f"{row.index + 1} overlap at {show(row, True)}",
                    rpath,
                    f"start row {row.index + 1} with "
                    f"{'above' if prev.high_inclusive else 'from'}: "
                    f"{show(prev, False, bare=True)}",
                )
            elif row.low > prev.high or (
                row.low == prev.high and not prev.high_inclusive and not row.low_inclusive
            ):
                what = (
                    f"the value {show(row, True)} itself matches"
                    if row.low == prev.high
                    else f"values between {show(prev, False)} and {show(row, True)} match"
                )
                self.error(
                    "tiers-gap",
                    f"table '{tid}': {what} no row",
                    rpath,
                    f"start row {row.index + 1} with "
                    f"{'above' if prev.high_inclusive else 'from'}: "
                    f"{show(prev, False, bare=True)}",
                )

    # -- approval chains --------------------------------------------------------------------------
    def check_chains(self) -> tuple[ApprovalChain, ...]:
        out = []
        for path, spec in self.items(("approval_chains",)):
            cid = str(spec.get("id"))
            self.rule_id(cid, path + ("id",))
            steps = []
            seen_roles: set[str] = set()
            for spath, step in self.items(path + ("steps",)):
                role = step.get("role")
                if role not in self.roles:
                    self.error(
                        "unknown-role",
                        f"unknown role '{role}'",
                        spath + ("role",),
                        suggest(str(role), self.roles) or "declare it under roles:",
                    )
                    continue
                if role in seen_roles:
                    self.error(
                        "duplicate-step",
                        f"'{role}' appears twice in chain '{cid}'",
                        spath + ("role",),
                        "each approver acts once per round",
                    )
                seen_roles.add(str(role))
                limit = None
                if step.get("limit") is not None:
                    limit = self.number_or_param(step["limit"], spath + ("limit",), "limit")
                steps.append(
                    ChainStep(
                        str(role),
                        self.label(step.get("title")) if step.get("title") else Label(),
                        limit,
                        bool(step.get("always", False)),
                    )
                )
            limits = [s.limit for s in steps if s.limit is not None]
            if limits != sorted(limits) or len(set(limits)) != len(limits):
                self.error(
                    "tiers-not-rising",
                    f"chain '{cid}': the limits must rise from step to step",
                    path + ("steps",),
                    "a later approver approves more than an earlier one",
                )
            amount = None
            if spec.get("amount") is not None:
                amount = self.expr(spec["amount"], path + ("amount",), expect=NUMBER)
            elif limits:
                self.error(
                    "missing-key",
                    f"chain '{cid}' has limits but no amount to compare them with",
                    path,
                    "add amount: facts.amount (or another number)",
                )
            when = self.expr(spec["when"], path + ("when",)) if spec.get("when") else None
            message = self.message(
                spec.get("message"), path + ("message",), {"step": ANY, "limit": ANY, "amount": ANY}
            )
            categories = self.scope_list(
                spec.get("categories"), path + ("categories",), self.category_ids, "category"
            )
            stages = self.scope_list(
                spec.get("stages"), path + ("stages",), self.stage_ids, "stage"
            )
            out.append(
                ApprovalChain(
                    cid,
                    self.label(spec.get("title")) if spec.get("title") else Label(cid, cid),
                    self.label(spec.get("description")),
                    tuple(steps),
                    self.at(path),
                    when,
                    amount,
                    categories,
                    stages,
                    message,
                    str(spec.get("mode", "enforce")),
                )
            )
        return tuple(out)

    # -- transitions and the stage graph --------------------------------------------------------
    def stage_ref(self, name: Any, path: Path) -> bool:
        if name in self.stage_ids:
            return True
        self.graph_broken = True
        self.error(
            "unknown-stage",
            f"unknown stage '{name}'",
            path,
            suggest(str(name), self.stage_ids) or f"stages: {', '.join(self.stage_ids)}",
        )
        return False

    def check_transitions(self, stages: tuple[Stage, ...]) -> tuple[Transition, ...]:
        terminal = {s.id for s in stages if s.terminal}
        by_id = {s.id: s for s in stages}

        def share(a: str, b: str) -> bool:
            ca, cb = by_id[a].categories, by_id[b].categories
            return ca is None or cb is None or bool(ca & cb)

        out: list[Transition] = []
        seen: dict[tuple[str, str], Location] = {}
        condition_ids: dict[str, Location] = {}
        for path, spec in self.items(("transitions",)):
            raw_from = spec.get("from")
            target = spec.get("to")
            ok = self.stage_ref(target, path + ("to",))
            if raw_from == "any":
                sources = [
                    s.id
                    for s in stages
                    if not s.terminal and s.id != target and (not ok or share(s.id, target))
                ]
            else:
                listed = raw_from if isinstance(raw_from, list) else [raw_from]
                sources = []
                for i, name in enumerate(listed):
                    p = path + ("from", i) if isinstance(raw_from, list) else path + ("from",)
                    if self.stage_ref(name, p):
                        if name in terminal:
                            self.error(
                                "terminal-exit",
                                f"'{name}' is terminal: no move may leave it",
                                p,
                                f"remove the move, or take 'terminal' off '{name}'",
                            )
                        if ok and not share(name, target):
                            self.error(
                                "bad-move",
                                f"no category uses both '{name}' and '{target}'",
                                p,
                                "check the categories of the two stages",
                            )
                        sources.append(name)
            if not ok:
                continue
            rule = str(spec.get("rule") or f"MOVE:{target}")
            conditions = []
            for cpath, c in self.items(path + ("conditions",)):
                # tests, coverage and refused moves name a condition by its id alone
                cid = str(c.get("id"))
                if cid in condition_ids:
                    self.error(
                        "duplicate-condition",
                        f"condition id '{cid}' is used twice "
                        f"(first at line {condition_ids[cid].line})",
                        cpath + ("id",),
                        "give each condition its own id; to put one condition on several "
                        "moves, list their stages in one move: from: [a, b]",
                    )
                else:
                    condition_ids[cid] = self.at(cpath + ("id",))
                when = self.expr(c.get("when"), cpath + ("when",))
                message = self.message(c.get("message"), cpath + ("message",))
                if when is None or (c.get("message") is not None and message is None):
                    continue
                conditions.append(
                    Guard(
                        cid,
                        when,
                        message,
                        self.label(c.get("title")) if c.get("title") else Label(cid, cid),
                        str(c.get("on_missing", "refuse")),
                        self.at(cpath),
                    )
                )
            docs = []
            for dpath, raw in self.items(path + ("documents",)):
                need = self.document_need(raw, dpath, rule)
                if need is not None:
                    docs.append(need)
            approvals = []
            for i, role in enumerate(spec.get("approvals") or []):
                if role not in self.roles:
                    self.error(
                        "unknown-role",
                        f"unknown role '{role}'",
                        path + ("approvals", i),
                        suggest(str(role), self.roles) or "declare it under roles:",
                    )
                else:
                    approvals.append(str(role))
            for source in sources:
                key = (source, str(target))
                if key in seen:
                    self.error(
                        "duplicate-move",
                        f"the move {source} -> {target} is given twice "
                        f"(first at line {seen[key].line})",
                        path,
                    )
                    continue
                if source == target:
                    self.error("bad-move", f"a move from '{source}' to itself", path)
                    continue
                seen[key] = self.at(path)
                out.append(
                    Transition(
                        source,
                        str(target),
                        self.label(spec.get("label")),
                        rule,
                        tuple(conditions),
                        tuple(docs),
                        tuple(approvals),
                        bool(spec.get("all_clear", False)),
                        self.at(path),
                        raw_from == "any",
                    )
                )
        return tuple(out)

    def check_graph(
        self, stages: tuple[Stage, ...], transitions: tuple[Transition, ...]
    ) -> dict[str, str]:
        """Per category: where its deals start, and that every stage it uses is reachable
        and has a way out unless terminal. Returns category -> initial stage."""
        if not stages:
            return {}
        if not any(s.terminal for s in stages):
            self.error(
                "no-terminal",
                "no stage is terminal: a deal could never end",
                ("stages",),
                "mark the end stages (won, lost...) with terminal: true",
            )
        initials: dict[str, str] = {}
        flagged: set[tuple[str, str]] = set()
        for category in self.category_ids or [""]:
            own = [s for s in stages if not category or s.used_by(category)]
            if not own:
                self.error(
                    "no-stages",
                    f"no stage is used by category '{category}'",
                    ("categories", category),
                    key=True,
                )
                continue
            marked = [s for s in own if (self.mapping(("stages", s.id)) or {}).get("initial")]
            if len(marked) > 1 and ("two-initial", marked[1].id) not in flagged:
                flagged.add(("two-initial", marked[1].id))
                self.error(
                    "two-initial",
                    f"more than one initial stage ('{marked[0].id}' and '{marked[1].id}')",
                    ("stages", marked[1].id),
                    key=True,
                )
            start = (marked or own)[0].id
            initials[category] = start
            if self.graph_broken or self.is_bad(("transitions",)):
                continue
            ids = {s.id for s in own}
            outgoing: dict[str, list[str]] = {}
            for t in transitions:
                if t.source in ids and t.target in ids:
                    outgoing.setdefault(t.source, []).append(t.target)
            reached, todo = {start}, [start]
            while todo:
                for nxt in outgoing.get(todo.pop(), []):
                    if nxt not in reached:
                        reached.add(nxt)
                        todo.append(nxt)
            whose = (
                f" for category '{category}'"
                if len(self.category_ids) > 1 and any(s.categories is not None for s in stages)
                else ""
            )
            self.report_unreachable(own, start, reached, outgoing, whose, flagged)
            for s in own:
                if not s.terminal and not outgoing.get(s.id) and ("dead", s.id) not in flagged:
                    flagged.add(("dead", s.id))
                    self.error(
                        "no-way-out",
                        f"stage '{s.id}' has no move out and is not terminal{whose}",
                        ("stages", s.id),
                        "add a move out of it, or mark it terminal: true",
                        key=True,
                    )
        return initials

    def report_unreachable(
        self,
        own: list[Stage],
        start: str,
        reached: set[str],
        outgoing: dict[str, list[str]],
        whose: str,
        flagged: set[tuple[str, str]],
    ) -> None:
        """One problem per missing link, not one per stage behind it: a stage that can be
        reached only through another unreachable stage is named in that stage's problem,
        with the move that would most likely connect it (from the nearest reachable stage
        before it in the written order)."""
        lost = [s.id for s in own if s.id not in reached]

        def behind(first: str) -> list[str]:
            seen, todo = {first}, [first]
            while todo:
                for nxt in outgoing.get(todo.pop(), []):
                    if nxt not in seen and nxt not in reached:
                        seen.add(nxt)
                        todo.append(nxt)
            return [s for s in lost if s in seen and s != first]

        covered: set[str] = set()
        # a stage no other unreachable stage leads to (or the first of a closed loop of them)
        fed = {
            s for s in lost if any(s in behind(o) and o not in behind(s) for o in lost if o != s)
        }
        for sid in lost:
            if sid in covered or sid in fed:
                continue
            after = behind(sid)
            covered.update(after)
            if ("unreachable", sid) in flagged:
                continue
            flagged.add(("unreachable", sid))
            order = [s.id for s in own]
            before = [
                s.id
                for s in own
                if s.id in reached and not s.terminal and order.index(s.id) < order.index(sid)
            ] or [s.id for s in own if s.id in reached and not s.terminal]
            into = [t for t, targets in outgoing.items() if sid in targets]
            why = (
                f"only moves from stages that cannot be reached lead to stage '{sid}'"
                if into
                else f"no move leads to stage '{sid}'"
            )
            also = (
                f" (nor can {_and([repr(a) for a in after])}, reached only through it)"
                if after
                else ""
            )
            self.error(
                "unreachable-stage",
                f"{why}, so it cannot be reached from '{start}'{whose}{also}",
                ("stages", sid),
                f"add a move from '{before[-1]}' to '{sid}'? "
                f"e.g. - {{from: {before[-1]}, to: {sid}}}"
                if before
                else "add a move into it, or remove it",
                key=True,
            )

    def check_document_actions(self) -> tuple[str, int]:
        spec = self.mapping(("document_actions",))
        assignee = spec.get("assignee")
        if assignee is None:
            if self.documents and not self.is_bad(("document_actions",)):
                self.error(
                    "missing-key",
                    "who provides a missing document? add "
                    "document_actions: {assignee: <role>, due_in_days: N}",
                    ("documents",),
                    key=True,
                )
            return "", 0
        if not isinstance(assignee, str):
            return "", 0  # not a name: the schema has reported it
        if assignee not in self.roles:
            self.error(
                "unknown-role",
                f"unknown role '{assignee}'",
                ("document_actions", "assignee"),
                suggest(str(assignee), self.roles) or "declare it under roles:",
            )
        days = self.days(spec.get("due_in_days", 0), ("document_actions", "due_in_days"))
        return str(assignee), days


# -- small helpers -------------------------------------------------------------------------------


def param_value(raw: Any, declared: str | None) -> tuple[Any, Type, str]:
    """A parameter's YAML value as (value, type, problem)."""
    kind = declared
    if kind is None:
        if isinstance(raw, str) and percent(raw) is not None:
            kind = "percent"
        elif isinstance(raw, bool):
            kind = "bool"
        elif isinstance(raw, int):
            kind = "integer"
        elif isinstance(raw, Decimal):
            kind = "number"
        elif isinstance(raw, list):
            kind = "list"
        else:
            kind = "string"
    if raw is None:
        return None, ANY, "has no value"
    if kind == "percent":
        if isinstance(raw, str):
            p = percent(raw)
            if p is None:
                return None, ANY, f"'{raw}' is not a percentage like \"15%\""
            return p, PERCENT, ""
        if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
            return Decimal(raw), PERCENT, ""
        return None, ANY, 'expected a percentage like "15%"'
    if kind == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw, INTEGER, ""
        return None, ANY, f"expected a whole number, found {raw!r}"
    if kind in ("number", "decimal", "money"):
        if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
            return Decimal(raw), SCALARS["money" if kind == "money" else "number"], ""
        return None, ANY, f"expected a number, found {raw!r}"
    if kind == "bool":
        if isinstance(raw, bool):
            return raw, BOOL, ""
        return None, ANY, f"expected true or false, found {raw!r}"
    if kind == "date":
        try:
            return date.fromisoformat(str(raw)), DATE, ""
        except ValueError:
            return None, ANY, f"'{raw}' is not a date (YYYY-MM-DD)"
    if kind == "list":
        if not isinstance(raw, list):
            return None, ANY, "expected a list"
        return tuple(raw), python_value_type(raw), ""
    if not isinstance(raw, str):
        return None, ANY, f"expected text, found {raw!r}"
    return raw, STRING, ""


def _declared_type(kind: Any) -> Type | None:
    if kind is None:
        return None
    return SCALARS.get("number" if kind == "decimal" else str(kind))


def _texts(spec: Any) -> str:
    if isinstance(spec, dict):
        return " ".join(_texts(v) for v in spec.values())
    if isinstance(spec, list):
        return " ".join(_texts(v) for v in spec)
    return str(spec)


def _topological(deps: dict[str, set[str]]) -> list[str] | None:
    order: list[str] = []
    done: set[str] = set()
    remaining = dict(deps)
    while remaining:
        ready = [n for n, d in remaining.items() if d <= done]
        if not ready:
            return None
        for n in ready:  # keep the written order among facts that are ready together
            order.append(n)
            done.add(n)
            del remaining[n]
    return order


def _cycle_members(deps: dict[str, set[str]]) -> set[str]:
    remaining = {n: set(d) for n, d in deps.items()}
    changed = True
    while changed:
        changed = False
        for n in [n for n, d in remaining.items() if not d & set(remaining)]:
            del remaining[n]
            changed = True
    return set(remaining)


def _percent_text(source: Expr | None) -> str:
    """The text of a table's input when it reads a percentage, else ""."""
    return source.text if source is not None and ex.is_percent(source.node) else ""


def _and(items: list[str]) -> str:
    """['a', 'b', 'c'] -> "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _fmt(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


def _bound_text(raw: Any) -> str:
    return str(raw)


def _range_text(bounds: dict[str, Decimal]) -> str:
    return ", ".join(f"{k} {_fmt(v)}" for k, v in bounds.items())


def _field_name(path: Path) -> str:
    """("fields", "lines", "items", "fields", "model") -> "lines[].model"."""
    out = ""
    for part in path[1:]:
        if part == "fields":
            continue
        if part == "items":
            out += "[]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _element(path: Path) -> Path:
    """The element a schema error spoils: up to its last list index (a rule, a row...),
    else the named entry it is in (a fact, a stage, a parameter)."""
    for i in range(len(path) - 1, -1, -1):
        if isinstance(path[i], int):
            return path[: i + 1]
    return path[:2]


def _path_from_json(text: str) -> Path:
    out: list[str | int] = []
    for m in re.finditer(r"\.([^.\[]+)|\[(\d+)\]", text[1:] if text.startswith("$") else text):
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return tuple(out)
