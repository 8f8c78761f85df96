"""Declared value types in, type objects out: what a deal field, fact or expression holds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Type:
    """A value type; ``item`` for lists, ``fields`` for objects, ``values`` for enums."""

    kind: str  # number integer money percent string bool date list object null any
    item: Type | None = None
    fields: tuple[tuple[str, Type], ...] = ()
    values: tuple[str, ...] = ()
    required: tuple[str, ...] = field(default=(), compare=False)
    extra: tuple[tuple[str, Any], ...] = field(default=(), compare=False)  # JSON Schema limits

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def field(self, name: str) -> Type | None:
        for k, t in self.fields:
            if k == name:
                return t
        return None

    def field_names(self) -> list[str]:
        return [k for k, _ in self.fields]

    def describe(self) -> str:
        if self.kind == "list" and self.item is not None:
            return f"list of {self.item.describe()}"
        if self.values:
            return "one of " + ", ".join(repr(v) for v in self.values)
        return _WORDS.get(self.kind, self.kind)


NUMERIC_KINDS = frozenset({"number", "integer", "money", "percent"})

# A percentage as a deal may write it: "12%" is exactly 0.12. The same pattern is in the
# deal's JSON Schema (where ``$`` also allows one final newline, as Python's ``re`` does).
PERCENT_TEXT = r"^([-+]?[0-9]{1,15}(?:\.[0-9]{1,15})?)%$"
_PERCENT_TEXT = re.compile(PERCENT_TEXT)


# A number a deal may write as text where it records what someone saw (an approval's basis):
# "4100000.00" is exactly Decimal("4100000.00"). A type marks it with this ``extra`` key, which
# the deal's JSON Schema writes as a choice of number or such a text.
WRITTEN_AS_TEXT = "x-kam-text"
DECIMAL_TEXT = r"^[-+]?[0-9]{1,15}(?:\.[0-9]{1,15})?$"


# A text that names a person (``type: person``, the deal's owner, who approved or signed off):
# the type carries this ``extra`` key, which the deal's JSON Schema leaves out. Two people are
# compared with same_person(), never ``==``: kam lint warns about the plain comparison.
PERSON_MARK = "x-kam-person"


def is_person(t: Type) -> bool:
    return t.kind == "string" and any(k == PERSON_MARK for k, _ in t.extra)


def person_type(min_length: int = 0) -> Type:
    extra: tuple[tuple[str, Any], ...] = ((PERSON_MARK, True), ("maxLength", 200))
    return Type("string", extra=((("minLength", min_length),) if min_length else ()) + extra)


def percent_of_text(text: str) -> Decimal | None:
    """``"12%"`` -> ``Decimal("0.12")`` (exact); None when it is not such a text."""
    m = _PERCENT_TEXT.search(text)
    return Decimal(m.group(1)).scaleb(-2) if m else None


_WORDS = {
    "number": "a number",
    "integer": "a whole number",
    "money": "an amount of money",
    "percent": "a percentage",
    "string": "text",
    "bool": "true/false",
    "date": "a date",
    "object": "an object",
    "null": "null",
    "any": "any value",
}


def type_values(slot: str, t: Type) -> dict[str, str]:
    """``t`` as the value ``slot`` of a message's words (``text._worded`` says it in every
    language): its kind ("money"), ``list_`` before its item's key for a list of something,
    ``one_of`` with the values in ``<slot>_options`` for a text of named values."""
    if t.kind == "list" and t.item is not None:
        inner = type_values(slot, t.item)
        return {**inner, slot: "list_" + inner[slot]}
    if t.values:
        return {slot: "one_of", f"{slot}_options": ", ".join(repr(v) for v in t.values)}
    return {slot: t.kind}


def plain_kind(t: Type) -> str:
    """The kind of a type ``describe`` words by its kind alone ("money"), else "" (a list of
    something, one of some values): a value a message in another language words itself."""
    return t.kind if t.describe() == _WORDS.get(t.kind) else ""


NUMBER = Type("number")
INTEGER = Type("integer")
MONEY = Type("money")
PERCENT = Type("percent")
STRING = Type("string")
BOOL = Type("bool")
DATE = Type("date")
NULL = Type("null")
ANY = Type("any")

SCALARS: dict[str, Type] = {
    "number": NUMBER,
    "decimal": NUMBER,
    "integer": INTEGER,
    "money": MONEY,
    "percent": PERCENT,
    "string": STRING,
    "bool": BOOL,
    "date": DATE,
}


def list_of(item: Type) -> Type:
    return Type("list", item=item)


def object_of(fields: dict[str, Type], required: tuple[str, ...] = ()) -> Type:
    return Type("object", fields=tuple(fields.items()), required=required)


def comparable(a: Type, b: Type) -> bool:
    """Can ``a`` and ``b`` be ordered or tested for equality against each other?"""
    if a.kind == "any" or b.kind == "any":
        return True
    if a.numeric and b.numeric:
        return True
    return a.kind == b.kind


def joined(a: Type, b: Type) -> Type:
    """The type of a value that is either ``a`` or ``b`` (for if/else, min, max)."""
    if a.kind == "any":
        return b
    if b.kind == "any" or a == b:
        return a
    if a.kind == b.kind == "list":
        return list_of(joined(a.item or ANY, b.item or ANY))
    if a.numeric and b.numeric:
        if a.kind == b.kind:
            return a
        if {a.kind, b.kind} == {"integer"}:
            return INTEGER
        return NUMBER
    if a.kind == b.kind == "string":
        return STRING
    return ANY


def arithmetic(op: str, a: Type, b: Type) -> Type:
    """Result type of ``a op b`` for two numeric types."""
    if op == "/":
        return NUMBER
    if a.kind == b.kind == "integer":
        return INTEGER
    if op in "+-" and a.kind == b.kind:
        return a
    if op == "*" and {a.kind, b.kind} == {"integer", "money"}:
        return MONEY
    return NUMBER


def python_value_type(value: Any) -> Type:
    """The type of a literal value written in a playbook."""
    from datetime import date
    from decimal import Decimal

    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, Decimal):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, date):
        return DATE
    if isinstance(value, list):
        item = ANY
        for i, v in enumerate(value):
            t = python_value_type(v)
            item = t if i == 0 else joined(item, t)
        return list_of(item)
    if value is None:
        return NULL
    return ANY
