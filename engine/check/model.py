"""The checked playbook as frozen dataclasses: what the passes of ``check/`` build and
``compile/`` reads.

Expressions are already parsed and type-checked (``Expr.node``); messages are already
compiled templates. Nothing here runs a rule.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import Diagnostic, Location
from ..lang.ir import Node
from ..lang.messages import Message
from ..lang.types import Type
from ..text import fmt_value

_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass(frozen=True, slots=True)
class Label:
    """A name for people, in English and Chinese (either may be empty)."""

    en: str = ""
    zh: str = ""

    def get(self, lang: str) -> str:
        return (self.zh if lang == "zh" else self.en) or self.en or self.zh

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("en", self.en), ("zh", self.zh)) if v}


@dataclass(frozen=True, slots=True)
class Expr:
    """A checked expression: its text, where it stands, and its typed tree."""

    text: str
    node: Node
    location: Location
    facts: frozenset[str] = frozenset()
    paths: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Basis:
    """One value an approval is bound to: an approval given for ``was`` does not cover a
    value beyond it (above it, or below it when lower is worse, as a price under the floor)."""

    name: str
    value: Expr
    beyond: str = "above"  # above | below
    kind: str = "number"  # number | integer | money | percent | date: how it is written

    def exceeded(self, was: Any, now: Any) -> bool:
        return bool(now < was if self.beyond == "below" else now > was)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a fired rule or table row produces."""

    kind: str  # block | warn | approval | action | none
    role: str = ""
    action_id: str = ""
    assignee: str = ""
    due_in_days: int | None = None
    due: Expr | None = None
    message: Message | None = None
    basis: tuple[Basis, ...] = ()  # for approvals: what the approval is bound to


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: Label
    description: Label
    when: Expr
    outcome: Outcome
    on_missing: str
    mode: str
    location: Location
    categories: frozenset[str] | None = None
    stages: frozenset[str] | None = None
    for_each: Expr | None = None
    item: str = "item"


@dataclass(frozen=True, slots=True)
class Row:
    """One tier of a decision table: a range of the input and its outcome."""

    id: str
    index: int
    low: Decimal | None
    low_inclusive: bool
    high: Decimal | None
    high_inclusive: bool
    outcome: Outcome
    location: Location
    value: Any = None  # for fact tables
    bounds_text: Mapping[str, str] = field(default_factory=dict)

    def limits(self) -> tuple[tuple[str, Decimal], ...]:
        """The row's test as ``(operator, bound)`` pairs read ``x <operator> bound``, all of
        which must hold: the one definition the interpreter runs and the generated code writes."""
        out = []
        if self.low is not None:
            out.append((">=" if self.low_inclusive else ">", self.low))
        if self.high is not None:
            out.append(("<=" if self.high_inclusive else "<", self.high))
        return tuple(out)

    def holds(self, x: Any) -> bool:
        return all(_COMPARE[op](x, bound) for op, bound in self.limits())


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    title: Label
    description: Label
    input: Expr
    hit: str
    rows: tuple[Row, ...]
    on_missing: str
    mode: str
    location: Location
    when: Expr | None = None
    categories: frozenset[str] | None = None
    stages: frozenset[str] | None = None
    message: Message | None = None
    basis: tuple[Basis, ...] = ()  # then: approval binds each row's approval to the input


@dataclass(frozen=True, slots=True)
class Case:
    when: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    type: Type
    label: Label
    description: Label
    location: Location
    value: Expr | None = None
    cases: tuple[Case, ...] = ()
    otherwise: Expr | None = None
    table_input: Expr | None = None
    rows: tuple[Row, ...] = ()
    rule: str = ""  # with ``given``: the finding's rule id
    given: Expr | None = None  # a deal field recording the value: used when present
    message: Message | None = None  # the finding when the given and derived values differ
    below_zero: Label | None = None  # how a value below 0 reads ("{value} above list price")

    @property
    def finding_rule(self) -> str:
        """The rule id of the finding (``check/facts.py`` claims the same default)."""
        return self.rule or self.name.upper().replace("_", "-")


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    value: Any
    type: Type
    label: Label
    description: Label
    location: Location
    # where the number comes from: "company" (a setting the company chose, not from the
    # guide), "guide" (the sources give it; ``cite`` says where), or "" (not said)
    source: str = ""
    cite: Label = field(default_factory=Label)


@dataclass(frozen=True, slots=True)
class DocumentNeed:
    """A document the deal must hold to enter a stage, maybe only under a condition."""

    document: str
    rule: str
    location: Location
    when: Expr | None = None
    category: str | None = None  # for a category's documents: the category...
    stage: str | None = None  # ...and the stage whose entry needs it


@dataclass(frozen=True, slots=True)
class Guard:
    """A condition a move needs."""

    id: str
    when: Expr
    message: Message | None
    title: Label
    on_missing: str  # refuse | allow
    location: Location


@dataclass(frozen=True, slots=True)
class Transition:
    source: str
    target: str
    label: Label
    rule: str
    conditions: tuple[Guard, ...]
    documents: tuple[DocumentNeed, ...]
    approvals: tuple[str, ...]
    all_clear: bool
    location: Location
    from_any: bool = False  # written as `from: any` (every open stage)


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    label: Label
    description: Label
    index: int
    terminal: bool
    win_probability: Decimal
    location: Location
    categories: frozenset[str] | None = None  # None: every category uses the stage
    win_param: str = ""  # the parameter the win probability is read from, if any

    def used_by(self, category: str) -> bool:
        return self.categories is None or category in self.categories


@dataclass(frozen=True, slots=True)
class ChainStep:
    role: str
    title: Label
    limit: Decimal | None = None  # the most this approver may approve
    always: bool = False  # needed whatever the amount
    limit_param: str = ""  # the parameter the limit is read from, if any


@dataclass(frozen=True, slots=True)
class ApprovalChain:
    """Ordered approvers: a later one cannot act before the earlier ones; a rejection
    sends the request back to the first step; limits decide how far up it must go."""

    id: str
    title: Label
    description: Label
    steps: tuple[ChainStep, ...]
    location: Location
    when: Expr | None = None
    amount: Expr | None = None
    categories: frozenset[str] | None = None
    stages: frozenset[str] | None = None
    message: Message | None = None
    mode: str = "enforce"
    basis: tuple[Basis, ...] = ()  # every step is bound to the amount


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    label: Label
    description: Label
    rule: str
    documents: tuple[DocumentNeed, ...]
    location: Location
    when: Expr | None = None  # when a deal belongs to it (deal fields and params only)


@dataclass(frozen=True, slots=True)
class PlaybookModel:
    """Everything a playbook says, checked and ready to compile."""

    id: str
    version: str
    title: Label
    description: Label
    currency: str
    rounding: str
    file: str
    effective_from: str | None
    effective_to: str | None
    parameters: Mapping[str, Parameter]
    deal_type: Type
    roles: Mapping[str, Label]
    documents: Mapping[str, Label]
    facts: tuple[Fact, ...]  # in dependency order
    fact_names: tuple[str, ...]  # in the order the playbook declares them
    categories: Mapping[str, Category]
    stages: tuple[Stage, ...]
    initial: str
    initials: Mapping[str, str]  # category -> the stage its deals start in
    transitions: tuple[Transition, ...]
    rules: tuple[Rule, ...]
    tables: tuple[Table, ...]
    document_assignee: str
    document_due_in_days: int
    includes: tuple[str, ...] = ()
    chains: tuple[ApprovalChain, ...] = ()
    field_labels: Mapping[str, Label] = field(default_factory=dict)  # "customer.name" -> label
    # the company's fields and whose word each is: "lines[].list_price" -> ("pricing",)
    recorded_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # every file the playbook was assembled from
    # fact name or field path -> value -> label (values: {economic: {en: ..., zh: ...}})
    value_labels: Mapping[str, Mapping[str, Label]] = field(default_factory=dict)
    # what lint says without refusing the playbook (names that look alike)
    warnings: tuple[Diagnostic, ...] = ()

    def value_label(self, name: str, value: Any, lang: str) -> str | None:
        """The label of an enumerated value in ``lang``, or the words of a fact's value below
        zero ("3.5% above list price", not a discount of "-3.5%"); None when it has none."""
        if isinstance(value, int | Decimal) and not isinstance(value, bool) and value < 0:
            fact = next((f for f in self.facts if f.name == name and f.below_zero), None)
            if fact is not None and fact.below_zero is not None:
                size = fmt_value(-value, fact.type.kind)
                return fact.below_zero.get(lang).replace("{value}", size)
        lab = self.value_labels.get(name, {}).get(value) if isinstance(value, str) else None
        return lab.get(lang) if lab else None
