"""A playbook's declared deal fields in, the deal's JSON Schema and its checker out.

The generated checker is the one path every deal takes: ``check(deal)`` returns the deal
normalised (dates as dates, floats and "12%" as exact Decimals) or None. The JSON Schema is
what ``kam schema`` publishes; jsonschema (``lang/schema.py``) and the value limits
(``read/json.check_values``) only explain a deal the checker refused, by JSON path. Both
accept exactly the same deals: tests/test_differential.py holds them to that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..lang.schema import PERCENT_KEYWORD
from ..lang.types import DECIMAL_TEXT, PERCENT_TEXT, PERSON_MARK, WRITTEN_AS_TEXT, Type
from ..limits import (
    DEAL_EXPONENTS,
    MAX_AMOUNT,
    MAX_ITEMS,
    MAX_NUMBER_DIGITS,
    MAX_STRING,
    SMALLEST_FLOAT,
)
from ..read.decode import REFUSED_IN_TEXT
from ..read.json import DuplicateKeys, check_values

# -- the deal's JSON Schema: published, and asked to explain a refused deal ---------------------


def type_schema(t: Type, nullable: bool = False) -> dict[str, Any]:
    """JSON Schema of a declared field type."""
    out: dict[str, Any]
    k = t.kind
    text = dict(t.extra).get(WRITTEN_AS_TEXT)
    if t.values:
        out = {"enum": list(t.values)}
    elif text and t.numeric:
        # as a number, or as text read exactly ("4100000.00"; "12%" for a percentage)
        written = [{"type": "string", "pattern": DECIMAL_TEXT}]
        if k == "percent":
            written.append({"type": "string", "pattern": PERCENT_TEXT})
        out = {
            "anyOf": [{"type": "number"}, *written],
            "description": 'the value as approved: a number, or exact text such as "4100000.00"',
        }
    elif k == "string":
        out = {"type": "string"}
    elif k == "integer":
        out = {"type": "integer"}
    elif k == "percent":
        # a fraction (0.12) or the written form ("12%"); the bounds hold for both: JSON
        # Schema checks numbers, x-kam-percent checks the written form (see deal_validator)
        out = {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": PERCENT_TEXT}],
            PERCENT_KEYWORD: True,
            "description": 'a percentage: a fraction such as 0.12, or "12%"',
        }
    elif k in ("number", "money"):
        out = {"type": "number"}
    elif k == "bool":
        out = {"type": "boolean"}
    elif k == "date":
        out = {"type": "string", "format": "date"}
    elif k == "list":
        out = {"type": "array", "items": type_schema(t.item) if t.item else {}}
    elif k == "object":
        out = {
            "type": "object",
            "properties": {
                name: type_schema(ft, nullable=name not in t.required) for name, ft in t.fields
            },
            "additionalProperties": False,
        }
        if t.required:
            out["required"] = list(t.required)
    else:
        out = {}
    for key, value in t.extra:
        if key not in (WRITTEN_AS_TEXT, PERSON_MARK):
            out[key] = value
    if nullable and "anyOf" in out:
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    elif nullable and "type" in out:
        out["type"] = [out["type"], "null"]
    elif nullable and "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def deal_checker(deal_type: Type) -> Callable[[Any], dict[str, Any] | None]:
    """The generated ``check(deal)``: the deal normalised, or None when it is refused."""
    check: Callable[[Any], dict[str, Any] | None] = DealCheckBuilder().build(deal_type)
    return check


def deal_schema(deal_type: Type, playbook_id: str) -> dict[str, Any]:
    schema = type_schema(deal_type)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://kam-engine.dev/schemas/deal/{playbook_id}.schema.json",
        "title": f"Deal for playbook {playbook_id}",
        **schema,
    }


# -- the generated checker: the one path every deal takes ----------------------------------------


class _Bad(Exception):
    """Raised inside a generated deal checker: the deal is not valid (details come later)."""


_DATE_TEXT = __import__("re").compile(r"\d{4}-\d{2}-\d{2}\Z", __import__("re").ASCII)


def _date_of(text: Any) -> Any:
    from datetime import date

    if text.__class__ is not str or not _DATE_TEXT.match(text):
        raise _Bad
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Bad from None


def _dict(value: Any) -> Any:
    """A dict subclass from a Python caller is a mapping like any other; one read from JSON
    with a key given twice is not (``check_values`` names the key)."""
    if not isinstance(value, dict) or isinstance(value, DuplicateKeys):
        raise _Bad
    return value


def _list(value: Any) -> Any:
    if not isinstance(value, list):
        raise _Bad
    return value


def _values_refused(value: Any, depth: int) -> bool:
    return bool(check_values(value, depth=depth))


class DealCheckBuilder:
    """Generates ``check(deal) -> normalised deal | None`` from the deal's declared type.

    It accepts exactly what the JSON Schema and the value limits accept (the differential test
    holds it to that) and turns dates into dates and floats into exact Decimals on the way.
    ``None`` means "not valid": the caller then asks jsonschema for every problem by path.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self.count = 0

    def name(self, value: Any) -> str:
        key = f"c{len(self.names)}"
        self.names[key] = value
        return key

    def build(self, deal_type: Any) -> Any:
        top = self.obj(deal_type)
        self.lines += [
            "def check(deal):",
            "    try:",
            f"        return {top}(deal)",
            "    except (_Bad, TypeError, ValueError, KeyError, AttributeError):",
            "        return None",
        ]
        namespace: dict[str, Any] = {
            "__builtins__": {
                "len": len,
                "set": set,
                "TypeError": TypeError,
                "ValueError": ValueError,
                "KeyError": KeyError,
                "AttributeError": AttributeError,
                "enumerate": enumerate,
            },
            "_Bad": _Bad,
            "_D": __import__("decimal").Decimal,
            "repr": repr,
            "float": float,
            "_date": _date_of,
            "_dict": _dict,
            "_list": _list,
            "_values_refused": _values_refused,
            "_refused_text": REFUSED_IN_TEXT.search,
            "_percent": __import__("re").compile(PERCENT_TEXT).search,
            "_decimal": __import__("re").compile(DECIMAL_TEXT).search,
            "dict": dict,
            "list": list,
            "str": str,
            "int": int,
            "bool": bool,
        }
        namespace.update(self.names)
        code = compile("\n".join(self.lines), "<kam deal checker>", "exec")
        exec(code, namespace)  # noqa: S102 - generated from declared field types only
        return namespace["check"]

    def value(self, t: Any, x: str, indent: str, depth: int) -> list[str]:
        """Lines that check ``x`` (a local name, ``depth`` levels into the deal) against ``t``
        and rebind it normalised."""
        extra = dict(t.extra)
        k = t.kind
        if t.values:
            return [
                f"{indent}if {x}.__class__ is not str or {x} not in "
                f"{self.name(frozenset(t.values))}: raise _Bad"
            ]
        if k == "string":
            low, high = extra.get("minLength", 0), extra.get("maxLength", MAX_STRING)
            check = f"{x}.__class__ is not str or len({x}) < {low}"
            check += f" or len({x}) > {min(high, MAX_STRING)}"
            # isascii() is O(1): only non-ASCII text can hide invisible characters or
            # surrogates; NUL is the one ASCII character a text value may not hold
            return [
                f"{indent}if {check} or (_refused_text({x}) if not {x}.isascii() "
                f"else '\\x00' in {x}): raise _Bad"
            ]
        if k == "bool":
            return [f"{indent}if {x}.__class__ is not bool: raise _Bad"]
        if k == "integer":
            low, high = extra.get("minimum"), extra.get("maximum")
            out = [f"{indent}if {x}.__class__ is not int: raise _Bad"]
            if low is not None:
                out.append(f"{indent}if {x} < {self.name(low)}: raise _Bad")
            if high is not None:
                out.append(f"{indent}if {x} > {self.name(high)}: raise _Bad")
            return out
        if t.numeric:
            # inline: this runs for every money field of every deal. Limits are compared on
            # the value as given (as jsonschema does), then floats become exact Decimals.
            low, high = extra.get("minimum"), extra.get("maximum")
            limits = []
            if low is not None:
                limits.append(f"{x} < {self.name(low)}")
            if high is not None:
                limits.append(f"{x} > {self.name(high)}")
            out_of_range = " or ".join(limits) or "False"
            lo, hi = DEAL_EXPONENTS
            written = []
            if extra.get(WRITTEN_AS_TEXT):
                # "4100000.00" is exactly 4100000.00 (and "12%" is 0.12 for a percentage)
                written = [
                    f"{indent}elif c is str:",
                    f"{indent}    m = _decimal({x})",
                    f"{indent}    if m is not None:",
                    f"{indent}        {x} = _D(m.group(0))",
                ]
                if k == "percent":
                    written += [
                        f"{indent}    elif _percent({x}) is not None:",
                        f"{indent}        {x} = _D(_percent({x}).group(1)).scaleb(-2)",
                    ]
                written += [f"{indent}    else: raise _Bad"]
            elif k == "percent":
                # "12%" is exactly 0.12 (as types.percent_of_text and the deal schema say)
                written = [
                    f"{indent}elif c is str:",
                    f"{indent}    m = _percent({x})",
                    f"{indent}    if m is None: raise _Bad",
                    f"{indent}    {x} = _D(m.group(1)).scaleb(-2)",
                    f"{indent}    if {out_of_range}: raise _Bad",
                ]
            return [
                f"{indent}c = {x}.__class__",
                f"{indent}if c is float:",
                f"{indent}    if not {-MAX_AMOUNT} <= {x} <= {MAX_AMOUNT} "
                f"or ({x} and {-SMALLEST_FLOAT!r} < {x} < {SMALLEST_FLOAT!r}) "
                f"or {out_of_range}: raise _Bad",
                f"{indent}    {x} = _D(repr({x}))",
                f"{indent}elif c is _D:",
                f"{indent}    if not {x}.is_finite() "
                f"or not {lo} <= {x}.adjusted() <= {hi} "
                f"or len({x}.as_tuple().digits) > {MAX_NUMBER_DIGITS} "
                f"or {out_of_range}: raise _Bad",
                f"{indent}elif c is int:",
                f"{indent}    if not {-MAX_AMOUNT} <= {x} <= {MAX_AMOUNT} or {out_of_range}: "
                "raise _Bad",
                # money and ratios are Decimal whatever way they were written: 86 is 86.00
                *([f"{indent}    {x} = _D({x})"] if k in ("money", "percent") else []),
                *written,
                f"{indent}else:",
                f"{indent}    raise _Bad",
            ]
        if k == "date":
            return [f"{indent}{x} = _date({x})"]
        if k == "list":
            item = t.item
            # a list subclass is a list to jsonschema too; the copy below makes it plain
            out = [f"{indent}if {x}.__class__ is not list: {x} = _list({x})"]
            high = min(extra.get("maxItems", MAX_ITEMS), MAX_ITEMS)
            out.append(f"{indent}if len({x}) > {high}: raise _Bad")
            if extra.get("uniqueItems"):
                out.append(f"{indent}if len(set({x})) != len({x}): raise _Bad")
            if item is None or item.kind == "any":
                # items of any kind: only the value limits apply (as the refusal says)
                out.append(f"{indent}if _values_refused({x}, {depth}): raise _Bad")
                return out
            self.count += 1
            y, i = f"y{self.count}", f"i{self.count}"
            body = self.value(item, y, indent + "    ", depth + 1)
            out += [
                f"{indent}{x} = list({x})",
                f"{indent}for {i}, {y} in enumerate({x}):",
                f"{indent}    if {y} is None: raise _Bad",
                *body,
                f"{indent}    {x}[{i}] = {y}",
            ]
            return out
        if k == "object":
            return [f"{indent}{x} = {self.obj(t, depth)}({x})"]
        return []

    def obj(self, t: Any, depth: int = 0) -> str:
        """A generated function checking one object type; returns its name."""
        self.count += 1
        fn = f"obj{self.count}"
        allowed = self.name(frozenset(name for name, _ in t.fields))
        body = [
            f"def {fn}(v):",
            "    if v.__class__ is not dict: v = _dict(v)",
            f"    if not v.keys() <= {allowed}: raise _Bad",
            "    v = dict(v)",
        ]
        for name, ft in t.fields:
            required = name in t.required
            body.append(f"    x = v.get({name!r})")
            if required:
                body.append("    if x is None: raise _Bad")
                inner = self.value(ft, "x", "    ", depth + 1)
                body += inner + [f"    v[{name!r}] = x"]
            else:
                inner = self.value(ft, "x", "        ", depth + 1)
                if inner:
                    body += ["    if x is not None:", *inner, f"        v[{name!r}] = x"]
        body += ["    return v", ""]
        self.lines += body
        return fn
