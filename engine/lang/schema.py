"""JSON Schemas in, located problems out: the bundled schemas, playbook schema errors as
diagnostics with hints, and a deal's JSON Schema derived from a playbook's declared fields.

Validators are built with a format checker (jsonschema does not check ``format: date``
otherwise) and an empty, local-only ``referencing.Registry`` (jsonschema would fetch remote
``$ref`` by default).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from ..errors import DealProblem, Diagnostic, suggest
from ..read.source import Path, SourceMap, json_path
from .types import PERCENT_TEXT, Type, percent_of_text

# marks a percentage in a deal's schema; the deal validator checks its written form's bounds
PERCENT_KEYWORD = "x-kam-percent"

if TYPE_CHECKING:  # jsonschema is imported when first needed: a valid deal never needs it
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

SCHEMA_NAMES = ("playbook", "module", "result", "test", "test-report")


def _schemas_dir() -> FsPath:
    here = FsPath(__file__).resolve().parent.parent  # engine/
    packaged = here / "schemas"  # inside an installed wheel
    if (packaged / "playbook.schema.json").is_file():
        return packaged
    return here.parent / "schemas"  # a source checkout or an editable install


def _no_remote(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@cache
def registry() -> Registry:
    """An empty registry that refuses to fetch anything (jsonschema would, by default)."""
    from referencing import Registry

    return Registry(retrieve=_no_remote)  # type: ignore[call-arg]


@cache
def bundled(name: str) -> dict[str, Any]:
    """One of the shipped schemas (playbook, result, module, test) as a mapping."""
    if name not in SCHEMA_NAMES:
        raise KeyError(name)
    with open(_schemas_dir() / f"{name}.schema.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@cache
def validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(bundled(name), format_checker=FormatChecker(), registry=registry())


# -- playbook schema errors -> diagnostics ---------------------------------------------------

_KIND = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping (key: value)",
    "array": "a list",
    "null": "empty",
}


def _kind_of(value: Any) -> str:
    from decimal import Decimal

    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (empty)"
    return type(value).__name__


def schema_diagnostics(data: Any, smap: SourceMap, schema: str = "playbook") -> list[Diagnostic]:
    """Every schema problem of ``data``, each located in its file with a hint."""
    return [diagnostic for _, diagnostic in schema_problems(data, smap, schema)]


def schema_problems(
    data: Any, smap: SourceMap, schema: str = "playbook"
) -> list[tuple[Path, Diagnostic]]:
    """Every schema problem of ``data`` with the path (a tuple) of the value it is about."""
    out: list[tuple[Path, Diagnostic]] = []
    for error in validator(schema).iter_errors(data):
        out.extend(_diagnose(error, smap))
    return out


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """For oneOf/anyOf, the errors of the branch that fits the value's kind best."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        yield error
        return
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)  # type: ignore[arg-type]
    # prefer a branch whose errors are deeper than the value itself (its type matched)
    best = None
    for errs in branches.values():
        if any(e.validator != "type" or len(e.relative_path) for e in errs):
            if best is None or len(errs) < len(best):
                best = errs
    if best is None:
        yield error
        return
    for sub in best:
        yield from _leaf_errors(sub)


def _diagnose(error: ValidationError, smap: SourceMap) -> Iterator[tuple[Path, Diagnostic]]:
    for leaf in _leaf_errors(error):
        yield _one(leaf, smap)


def _one(error: ValidationError, smap: SourceMap) -> tuple[Path, Diagnostic]:
    path: Path = tuple(error.absolute_path)
    where = json_path(path)
    loc = smap.at(path)
    v = error.validator
    inst: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list((schema.get("properties") or {}).keys())
        extra = [k for k in inst if k not in allowed]
        key = extra[0] if extra else ""
        return path + (key,), Diagnostic(
            "unknown-key",
            f"unknown key '{key}'",
            smap.at(path + (key,), key=True),
            json_path(path + (key,)),
            suggest(key, allowed) or f"allowed keys: {', '.join(allowed)}",
        )
    if v == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return path, Diagnostic(
            "missing-key", f"'{missing}' is required here", loc, where, _required_hint(missing)
        )
    if v == "type":
        expected = _value(error)
        names = [expected] if isinstance(expected, str) else list(expected)
        want = " or ".join(_KIND.get(n, n) for n in names)
        hint = "put it in quotes" if "string" in names and not isinstance(inst, dict | list) else ""
        return path, Diagnostic(
            "type", f"expected {want}, found {_kind_of(inst)}", loc, where, hint
        )
    if v == "enum":
        options = [str(o) for o in _value(error)]
        return path, Diagnostic(
            "bad-value",
            f"{_kind_of(inst)} is not allowed here",
            loc,
            where,
            suggest(str(inst), options) or f"use one of: {', '.join(options)}",
        )
    if v == "const":
        return path, Diagnostic("bad-value", f"must be {_value(error)!r}", loc, where)
    if v == "pattern":
        pattern = str(_value(error))
        if pattern.startswith("^[a-z][a-z0-9_]*"):
            hint = "use lower-case letters, digits and '_', starting with a letter"
        elif "params" in pattern:
            hint = 'write a number, a percentage like "15%", or params.<name>'
        elif pattern.startswith("^[A-Za-z]"):
            hint = "use letters, digits and _ . : -, starting with a letter"
        else:
            hint = str(schema.get("description") or f"it must match {pattern}")
        return path, Diagnostic(
            "bad-value", f"{_kind_of(inst)} is not a valid value here", loc, where, hint
        )
    if v == "propertyNames":
        # the error is about a key of this mapping
        bad = next((k for k in (inst or {}) if isinstance(inst, dict) and not _ok_name(k)), "")
        return path + (bad,), Diagnostic(
            "bad-name",
            f"'{bad}' is not a valid name",
            smap.at(path + (bad,), key=True),
            json_path(path + (bad,)),
            "use lower-case letters, digits and '_', starting with a letter",
        )
    if v == "format":
        return path, Diagnostic(
            "bad-value",
            f"{_kind_of(inst)} is not a valid {_value(error)}",
            loc,
            where,
            "dates are written YYYY-MM-DD",
        )
    if v in ("minItems", "minProperties"):
        return path, Diagnostic("empty", "must not be empty", loc, where)
    if v in ("maxLength", "maxItems"):
        return path, Diagnostic("too-large", "too long", loc, where)
    if v == "maximum" and _value(error) == 1 and isinstance(inst, int | float) and inst > 1:
        # the only places capped at 1 are fractions (win probabilities): 30 meant 30%
        return path, Diagnostic(
            "bad-value",
            f"{inst} is more than 1 (100%)",
            loc,
            where,
            f"did you mean {inst}%?",
        )
    if v in ("oneOf", "anyOf"):
        return path, Diagnostic(
            "bad-value",
            f"{_kind_of(inst)} is not allowed here",
            loc,
            where,
            str(schema.get("description", ""))[:200],
        )
    return path, Diagnostic("schema", error.message[:200], loc, where)


def _fraction(value: Any) -> str:
    """12 -> "0.12": the fraction a bare percentage number stands for."""
    return format((Decimal(str(value)) / 100).normalize(), "f")


def _value(error: ValidationError) -> Any:
    """The schema keyword's value (typed ``Any`` for the checker)."""
    return error.validator_value


def _ok_name(key: Any) -> bool:
    import re

    return (
        isinstance(key, str)
        and re.fullmatch(r"[a-z][a-z0-9_]*", key) is not None
        and len(key) <= 64
    )


def _required_hint(key: str) -> str:
    return {
        "when": "write the condition under which it applies",
        "then": "say what it does: block, warn, approval or action",
        "kam": "start the file with 'kam: 1'",
        "version": 'give a version, e.g. version: "2026.1"',
    }.get(key, "")


# -- deal schema -----------------------------------------------------------------------------


def type_schema(t: Type, nullable: bool = False) -> dict[str, Any]:
    """JSON Schema of a declared field type."""
    out: dict[str, Any]
    k = t.kind
    if t.values:
        out = {"enum": list(t.values)}
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
        out[key] = value
    if nullable and "anyOf" in out:
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    elif nullable and "type" in out:
        out["type"] = [out["type"], "null"]
    elif nullable and "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def deal_schema(deal_type: Type, playbook_id: str) -> dict[str, Any]:
    schema = type_schema(deal_type)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://kam-engine.dev/schemas/deal/{playbook_id}.schema.json",
        "title": f"Deal for playbook {playbook_id}",
        **schema,
    }


def deal_validator(schema: dict[str, Any]) -> Draft202012Validator:
    from jsonschema import Draft202012Validator, FormatChecker, validators

    kind = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, {PERCENT_KEYWORD: _percent_text_bounds}
    )
    out: Draft202012Validator = kind(schema, format_checker=FormatChecker(), registry=registry())
    return out


def _percent_text_bounds(
    validator: Any, value: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """The bounds of a percentage hold for its written form too ("60%" against 50%)."""
    from jsonschema.exceptions import ValidationError

    number = percent_of_text(instance) if value and isinstance(instance, str) else None
    if number is None:
        return
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and number < Decimal(str(low)):
        yield ValidationError(f"{instance} is less than the allowed {_pct(low)}")
    if high is not None and number > Decimal(str(high)):
        yield ValidationError(f"{instance} is more than the allowed {_pct(high)}")


def _pct(value: Any) -> str:
    """A bound of a percentage field as people write it: 0.5 -> "50%"."""
    return f"{format((Decimal(str(value)) * 100).normalize(), ',f')}%"


def deal_problems(v: Draft202012Validator, deal: Any) -> list[DealProblem]:
    """Every schema problem of a deal, by JSON path."""
    out = []
    for error in v.iter_errors(deal):
        if error.validator == "anyOf" and _is_percent(error.schema):
            path: Path = tuple(error.absolute_path)
            found = _kind_of(error.instance)
            out.append(
                DealProblem(
                    json_path(path), f'expected a percentage (0.12 or "12%"), found {found}'
                )
            )
            continue
        for leaf in _leaf_errors(error):
            out.append(_deal_problem(leaf))
    return out


def _is_percent(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get(PERCENT_KEYWORD) is True


def _deal_problem(error: ValidationError) -> DealProblem:
    path: Path = tuple(error.absolute_path)
    v = error.validator
    inst: Any = error.instance
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list((error.schema.get("properties") or {}).keys())  # type: ignore[union-attr]
        extra = [k for k in inst if k not in allowed]
        key = extra[0] if extra else "?"
        hint = suggest(key, allowed)
        return DealProblem(
            json_path(path + (key,)),
            "not a field of this playbook" + (f" ({hint})" if hint else ""),
        )
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return DealProblem(json_path(path + (missing,)), "is required")
    if v == "type":
        expected = _value(error)
        names = [expected] if isinstance(expected, str) else [n for n in expected if n != "null"]
        want = " or ".join(_KIND.get(n, n) for n in names)
        return DealProblem(json_path(path), f"expected {want}, found {_kind_of(inst)}")
    if v == "enum":
        options = [str(o) for o in _value(error) if o is not None]
        hint = suggest(str(inst), options)
        return DealProblem(
            json_path(path),
            f"{_kind_of(inst)} is not one of: {', '.join(options)}"
            + (f" ({hint})" if hint else ""),
        )
    if v == "format":
        return DealProblem(json_path(path), f"{_kind_of(inst)} is not a valid date (YYYY-MM-DD)")
    if v == PERCENT_KEYWORD:
        return DealProblem(json_path(path), error.message)
    if v in ("minimum", "maximum") and _is_percent(error.schema):
        limit = _value(error)
        if abs(inst) > 1 and abs(limit) <= 1:
            # 12 where 12% was meant: the bound is a fraction, the value was a percentage
            return DealProblem(
                json_path(path),
                f"{inst} would be {_pct(inst)} "
                f'(did you mean {inst}%? write {_fraction(inst)} or "{inst}%")',
            )
        word = "less than" if v == "minimum" else "more than"
        return DealProblem(
            json_path(path), f"{inst} ({_pct(inst)}) is {word} the allowed {_pct(limit)}"
        )
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        word = {
            "minimum": "less than",
            "exclusiveMinimum": "not more than",
            "maximum": "more than",
            "exclusiveMaximum": "not less than",
        }[str(v)]
        return DealProblem(json_path(path), f"{inst} is {word} the allowed {_value(error)}")
    if v == "maxLength":
        return DealProblem(json_path(path), f"text longer than {_value(error)} characters")
    if v == "maxItems":
        return DealProblem(json_path(path), f"more than {_value(error)} items")
    return DealProblem(json_path(path), error.message[:200])
