"""JSON Schemas in, located problems out: the bundled schemas, playbook schema errors as
diagnostics with hints, and a deal's JSON Schema derived from a playbook's declared fields.

Validators are built with a format checker (jsonschema does not check ``format: date``
otherwise) and an empty, local-only ``referencing.Registry`` (jsonschema would fetch remote
``$ref`` by default).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from ..errors import DealProblem, Diagnostic, Values, closest, suggest, values_of
from ..read.sourcemap import Path, SourceMap, json_path
from .types import percent_of_text

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


# -- jsonschema errors -> what a person reads ----------------------------------------------------
#
# One translator for both audiences: a playbook's author gets a located diagnostic with a code
# and a hint; whoever sent a refused deal gets a problem by JSON path, the hint in brackets.
# Only the words differ, so each kind of error is worded for both in one place.


@dataclass(frozen=True, slots=True)
class _Said:
    """One schema error in words: where (``key``: the path ends at a mapping key), what, how
    to fix it (``hint``), and the diagnostic code."""

    path: Path
    message: str
    hint: str = ""
    code: str = "schema"
    key: bool = False
    said: str = ""  # the key of its words in every language (text.WORDS), with ``values``
    values: Values = ()
    hint_said: str = ""


def schema_diagnostics(data: Any, smap: SourceMap, schema: str = "playbook") -> list[Diagnostic]:
    """Every schema problem of ``data``, each located in its file with a hint."""
    return [diagnostic for _, diagnostic in schema_problems(data, smap, schema)]


def schema_problems(
    data: Any, smap: SourceMap, schema: str = "playbook"
) -> list[tuple[Path, Diagnostic]]:
    """Every schema problem of ``data`` with the path (a tuple) of the value it is about."""
    out = []
    for error in validator(schema).iter_errors(data):
        for said in _explain(error, deal=False):
            where = json_path(said.path)
            loc = smap.at(said.path, key=said.key)
            out.append(
                (
                    said.path,
                    Diagnostic(
                        said.code,
                        said.message,
                        loc,
                        where,
                        said.hint,
                        "error",
                        said.said,
                        said.values,
                        said.hint_said,
                    ),
                )
            )
    return out


def deal_problems(v: Draft202012Validator, deal: Any) -> list[DealProblem]:
    """Every schema problem of a deal, by JSON path."""
    out = []
    for error in v.iter_errors(deal):
        for said in _explain(error, deal=True):
            hint = f" ({said.hint})" if said.hint else ""
            where = json_path(said.path)
            out.append(DealProblem(where, said.message + hint, said.said, said.values))
    return out


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


def _found(value: Any) -> dict[str, str]:
    """The kind of a value found (``found``) and the value as shown (``value``): the values
    of ``_kind_of``'s words, for another language."""
    if isinstance(value, bool):
        return {"found": "bool"}
    if isinstance(value, int | Decimal | float):
        return {"found": "number", "value": str(value)}
    if isinstance(value, str):
        return {"found": "text", "value": value[:40]}
    if isinstance(value, dict):
        return {"found": "mapping"}
    if isinstance(value, list):
        return {"found": "list"}
    if value is None:
        return {"found": "empty"}
    return {"found": type(value).__name__}


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


def _explain(error: ValidationError, deal: bool) -> Iterator[_Said]:
    if error.validator == "anyOf" and _is_percent(error.schema):
        # a percentage is a number or its written form: one problem, not one per form
        found = _kind_of(error.instance)
        message = f'expected a percentage (0.12 or "12%"), found {found}'
        said = "expected_percent"
        yield _Said(
            tuple(error.absolute_path), message, said=said, values=_v(_found(error.instance))
        )
        return
    if error.validator == "anyOf" and _is_written_number(error.schema):
        # an approval's basis: a number, or one written as text (types.WRITTEN_AS_TEXT)
        found = _kind_of(error.instance)
        message = f'expected a number (4100000.00 or "4100000.00"), found {found}'
        said, values = "expected_written_number", _v(_found(error.instance))
        yield _Said(tuple(error.absolute_path), message, said=said, values=values)
        return
    for leaf in _leaf_errors(error):
        yield _one(leaf, deal)


def _is_written_number(schema: Any) -> bool:
    from .types import DECIMAL_TEXT

    return isinstance(schema, dict) and any(
        isinstance(b, dict) and b.get("pattern") == DECIMAL_TEXT for b in schema.get("anyOf", ())
    )


def _one(error: ValidationError, deal: bool) -> _Said:
    """One leaf error in words, for a deal's sender (``deal``) or a playbook's author."""
    path: Path = tuple(error.absolute_path)
    v = error.validator
    inst: Any = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list((schema.get("properties") or {}).keys())
        extra = [k for k in inst if k not in allowed]
        key = extra[0] if extra else ("?" if deal else "")
        hint = suggest(key, allowed)
        close = _v({"name": key, "close": closest(key, allowed), "keys": ", ".join(allowed)})
        if deal:
            return _Said(
                path + (key,), "not a field of this playbook", hint, "", False, "not_a_field", close
            )
        hint_said = "did_you_mean" if hint else "allowed_keys"
        hint = hint or f"allowed keys: {', '.join(allowed)}"
        return _Said(
            path + (key,),
            f"unknown key '{key}'",
            hint,
            "unknown-key",
            True,
            "unknown_key",
            close,
            hint_said,
        )
    if v == "required":
        if deal:
            missing = error.message.split("'")[1] if "'" in error.message else "?"
            return _Said(path + (missing,), "is required", said="required")
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        hint = _required_hint(missing)
        named = _v({"name": missing})
        return _Said(
            path,
            f"'{missing}' is required here",
            hint,
            "missing-key",
            False,
            "required_here",
            named,
        )
    if v == "type":
        expected = _value(error)
        names = [expected] if isinstance(expected, str) else list(expected)
        if deal:  # an optional field may be null: not worth saying
            names = [n for n in names if n != "null"]
        want = " or ".join(_KIND.get(n, n) for n in names)
        quote = "string" in names and not isinstance(inst, dict | list) and not deal
        hint = "put it in quotes" if quote else ""
        values = _v({"want": "|".join(names), **_found(inst)})
        message = f"expected {want}, found {_kind_of(inst)}"
        if deal:
            return _Said(path, message, said="expected", values=values)
        return _Said(
            path, message, hint, "type", False, "expected", values, "quote_it" if quote else ""
        )
    if v == "enum":
        options = [str(o) for o in _value(error) if o is not None or not deal]
        hint = suggest(str(inst), options)
        found = _found(inst)
        if deal:
            values = _v(
                {**found, "options": ", ".join(options), "close": closest(str(inst), options)}
            )
            message = f"{_kind_of(inst)} is not one of: {', '.join(options)}"
            return _Said(path, message, hint, said="not_one_of", values=values)
        values = _v({**found, "close": closest(str(inst), options), "options": ", ".join(options)})
        hint_said = "did_you_mean" if hint else "use_one_of"
        hint = hint or f"use one of: {', '.join(options)}"
        message = f"{_kind_of(inst)} is not allowed here"
        return _Said(path, message, hint, "bad-value", False, "not_allowed_here", values, hint_said)
    if v == "format":
        if deal:
            message = f"{_kind_of(inst)} is not a valid date (YYYY-MM-DD)"
            return _Said(path, message, said="not_a_date", values=_v(_found(inst)))
        message = f"{_kind_of(inst)} is not a valid {_value(error)}"
        values = _v({**_found(inst), "format": _value(error)})
        hint = "dates are written YYYY-MM-DD"
        return _Said(path, message, hint, "bad-value", False, "not_valid_format", values, "dates")
    if v == PERCENT_KEYWORD:  # a deal's "60%" beyond a bound: "<value> is ... the allowed <bound>"
        below = " is less than the allowed " in error.message
        limit = error.message.rsplit(" ", 1)[-1]
        values = _v({"value": inst, "limit": limit})
        return _Said(path, error.message, said="below" if below else "above", values=values)
    if v in ("minimum", "maximum") and _is_percent(error.schema):
        limit = _value(error)
        if abs(inst) > 1 and abs(limit) <= 1:
            # 12 where 12% was meant: the bound is a fraction, the value was a percentage
            return _Said(
                path,
                f"{inst} would be {_pct(inst)} "
                f'(did you mean {inst}%? write {_fraction(inst)} or "{inst}%")',
                said="percent_scale",
                values=_v({"value": inst, "percent": _pct(inst), "fraction": _fraction(inst)}),
            )
        word = "less than" if v == "minimum" else "more than"
        values = _v({"value": inst, "percent": _pct(inst), "limit": _pct(limit)})
        said = "percent_below" if v == "minimum" else "percent_above"
        message = f"{inst} ({_pct(inst)}) is {word} the allowed {_pct(limit)}"
        return _Said(path, message, said=said, values=values)
    if deal and v in _BOUND_WORDS:
        values = _v({"value": inst, "limit": _value(error)})
        message = f"{inst} is {_BOUND_WORDS[str(v)]} the allowed {_value(error)}"
        return _Said(path, message, said=_BOUND_SAID[str(v)], values=values)
    if v == "maxLength":
        message = f"text longer than {_value(error)} characters" if deal else "too long"
        said = "text_too_long" if deal else "too_long"
        return _Said(
            path, message, code="too-large", said=said, values=_v({"limit": _value(error)})
        )
    if v == "maxItems":
        message = f"more than {_value(error)} items" if deal else "too long"
        said = "too_many_items" if deal else "too_long"
        return _Said(
            path, message, code="too-large", said=said, values=_v({"limit": _value(error)})
        )
    if not deal:
        only = _playbook_only(error, path, inst, schema)
        if only is not None:
            return only
    # a check the words above do not cover: jsonschema's own words, after the code's sentence
    return _Said(
        path, error.message[:200], said="schema_other", values=_v({"format": error.message[:200]})
    )


_BOUND_SAID = {
    "minimum": "below",
    "exclusiveMinimum": "not_above",
    "maximum": "above",
    "exclusiveMaximum": "not_below",
}
_BOUND_WORDS = {
    "minimum": "less than",
    "exclusiveMinimum": "not more than",
    "maximum": "more than",
    "exclusiveMaximum": "not less than",
}


def _playbook_only(
    error: ValidationError, path: Path, inst: Any, schema: dict[str, Any]
) -> _Said | None:
    """Errors only the bundled schemas can give (a deal's schema has no such keywords)."""
    v = error.validator
    if v == "const":
        return _Said(
            path,
            f"must be {_value(error)!r}",
            code="bad-value",
            said="must_be",
            values=_v({"value": repr(_value(error))}),
        )
    if v == "pattern":
        pattern = str(_value(error))
        if pattern.startswith("^[a-z][a-z0-9_]*"):
            hint, hint_said = (
                "use lower-case letters, digits and '_', starting with a letter",
                "name_chars",
            )
        elif "params" in pattern:
            hint, hint_said = (
                'write a number, a percentage like "15%", or params.<name>',
                "number_or_param",
            )
        elif pattern.startswith("^[A-Za-z]"):
            hint, hint_said = "use letters, digits and _ . : -, starting with a letter", "id_chars"
        elif schema.get("description"):
            hint, hint_said = str(schema["description"]), "described"
        else:
            hint, hint_said = f"it must match {pattern}", "must_match"
        message = f"{_kind_of(inst)} is not a valid value here"
        # a description is one of the schema's few: each has words in every language
        values = _v({**_found(inst), "pattern": pattern, "format": hint})
        return _Said(path, message, hint, "bad-value", False, "not_valid_here", values, hint_said)
    if v == "propertyNames":
        # the error is about a key of this mapping
        bad = next((k for k in (inst or {}) if isinstance(inst, dict) and not _ok_name(k)), "")
        return _Said(
            path + (bad,),
            f"'{bad}' is not a valid name",
            "use lower-case letters, digits and '_', starting with a letter",
            "bad-name",
            key=True,
            said="not_valid_name",
            values=_v({"name": bad}),
            hint_said="name_chars",
        )
    if v in ("minItems", "minProperties"):
        return _Said(path, "must not be empty", code="empty", said="must_not_be_empty")
    if v == "maximum" and _value(error) == 1 and isinstance(inst, int | float) and inst > 1:
        # the only places capped at 1 are fractions (win probabilities): 30 meant 30%
        return _Said(
            path,
            f"{inst} is more than 1 (100%)",
            f"did you mean {inst}%?",
            "bad-value",
            said="more_than_one",
            values=_v({"value": inst}),
            hint_said="percent_meant",
        )
    if v in ("oneOf", "anyOf"):
        hint = str(schema.get("description", ""))[:200]
        message = f"{_kind_of(inst)} is not allowed here"
        values = _v({**_found(inst), "format": hint})
        return _Said(
            path,
            message,
            hint,
            "bad-value",
            False,
            "not_allowed_here",
            values,
            "described" if hint else "",
        )
    return None


def _v(values: dict[str, Any]) -> Values:
    return values_of(values)


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


# -- a deal's validator: asked only to explain a refused deal --------------------------------


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


def _is_percent(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get(PERCENT_KEYWORD) is True
