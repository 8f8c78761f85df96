"""A playbook's declared deal fields in, the deal's generated checker out: one function that
accepts a valid deal and returns it normalised (dates as dates, floats as exact Decimals).
"""

from __future__ import annotations

from typing import Any

from ..lang.types import PERCENT_TEXT
from ..limits import DEAL_EXPONENTS, MAX_AMOUNT, SMALLEST_FLOAT
from ..read.decode import INVISIBLE


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
            "_invisible": INVISIBLE.search,
            "_percent": __import__("re").compile(PERCENT_TEXT).search,
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

    def value(self, t: Any, x: str, indent: str) -> list[str]:
        """Lines that check ``x`` (a local name) against ``t`` and rebind it normalised."""
        extra = dict(t.extra)
        k = t.kind
        if t.values:
            return [
                f"{indent}if {x}.__class__ is not str or {x} not in "
                f"{self.name(frozenset(t.values))}: raise _Bad"
            ]
        if k == "string":
            low, high = extra.get("minLength", 0), extra.get("maxLength")
            check = f"{x}.__class__ is not str or len({x}) < {low}"
            if high is not None:
                check += f" or len({x}) > {high}"
            # isascii() is O(1): only non-ASCII text can hide invisible characters
            return [f"{indent}if {check} or (not {x}.isascii() and _invisible({x})): raise _Bad"]
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
            if k == "percent":
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
                f"or {out_of_range}: raise _Bad",
                f"{indent}elif c is int:",
                f"{indent}    if not {-MAX_AMOUNT} <= {x} <= {MAX_AMOUNT} or {out_of_range}: "
                "raise _Bad",
                *written,
                f"{indent}else:",
                f"{indent}    raise _Bad",
            ]
        if k == "date":
            return [f"{indent}{x} = _date({x})"]
        if k == "list":
            item = t.item
            out = [f"{indent}if {x}.__class__ is not list: raise _Bad"]
            if "maxItems" in extra:
                out.append(f"{indent}if len({x}) > {extra['maxItems']}: raise _Bad")
            if extra.get("uniqueItems"):
                out.append(f"{indent}if len(set({x})) != len({x}): raise _Bad")
            if item is None or item.kind == "any":
                return out
            self.count += 1
            y, i = f"y{self.count}", f"i{self.count}"
            body = self.value(item, y, indent + "    ")
            out += [
                f"{indent}{x} = list({x})",
                f"{indent}for {i}, {y} in enumerate({x}):",
                f"{indent}    if {y} is None: raise _Bad",
                *body,
                f"{indent}    {x}[{i}] = {y}",
            ]
            return out
        if k == "object":
            return [f"{indent}{x} = {self.obj(t)}({x})"]
        return []

    def obj(self, t: Any) -> str:
        """A generated function checking one object type; returns its name."""
        self.count += 1
        fn = f"obj{self.count}"
        allowed = self.name(frozenset(name for name, _ in t.fields))
        body = [
            f"def {fn}(v):",
            f"    if v.__class__ is not dict or not v.keys() <= {allowed}: raise _Bad",
            "    v = dict(v)",
        ]
        for name, ft in t.fields:
            required = name in t.required
            body.append(f"    x = v.get({name!r})")
            if required:
                body.append("    if x is None: raise _Bad")
                inner = self.value(ft, "x", "    ")
                body += inner + [f"    v[{name!r}] = x"]
            else:
                inner = self.value(ft, "x", "        ")
                if inner:
                    body += ["    if x is not None:", *inner, f"        v[{name!r}] = x"]
        body += ["    return v", ""]
        self.lines += body
        return fn
