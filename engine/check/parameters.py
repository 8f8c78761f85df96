"""The ``parameters:`` section in, checked ``Parameter`` values out; and the numbers written
elsewhere as a literal, "15%" or ``params.<name>`` (bounds, limits, days), read as values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import closest, suggest
from ..lang import expressions as ex
from ..lang.types import ANY, BOOL, DATE, INTEGER, PERCENT, SCALARS, STRING, Type, python_value_type
from ..read.sourcemap import Path
from .context import Context, label
from .model import Label, Parameter

_PERCENT = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)%$")
PARAM_REF = re.compile(r"^params\.([a-z][a-z0-9_]*)$")


def param_named(raw: Any) -> str:
    """The parameter a written number refers to (``params.x`` -> "x"), else ""."""
    m = PARAM_REF.match(raw.strip()) if isinstance(raw, str) else None
    return m.group(1) if m else ""


def percent(text: str) -> Decimal | None:
    m = _PERCENT.match(text.strip())
    return Decimal(m.group(1)) / 100 if m else None


def check_parameters(ctx: Context) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for name, spec in ctx.mapping(("parameters",)).items():
        path: Path = ("parameters", name)
        if ctx.is_bad(path) or not isinstance(spec, dict):
            continue
        declared = spec.get("type")
        value, t, problem = param_value(spec.get("value"), declared)
        if problem is not None:
            ctx.error(
                "bad-parameter",
                f"parameter '{name}': {problem.message}",
                path + ("value",),
                'percentages are written like "15%"; dates as YYYY-MM-DD',
                said=problem.said,
                values={"name": name, **problem.values},
                hint_said="param_forms",
            )
            # still declared: a rule that uses it is not told the parameter is unknown
            ctx.params_reported.add(name)
            params[name] = Parameter(
                name,
                None,
                ANY,
                label(spec.get("label")),
                label(spec.get("description")),
                ctx.at(path),
            )
            continue
        raw = spec.get("value")
        if (
            declared == "percent"
            and isinstance(raw, int | Decimal)
            and not isinstance(raw, bool)
            and abs(Decimal(raw)) > 1
        ):
            ctx.percent_reported.add(name)
            ctx.error(
                "percent-scale",
                f"parameter '{name}' is a percentage written as {raw}, which is "
                f"{ex.percent_text(raw)}",
                path + ("value",),
                f"did you mean {raw}%? write value: {raw}% (or {ex.percent_text(raw)} "
                "if that is meant)",
                said="param_percent_scale",
                values={"name": name, "value": raw, "percent": ex.percent_text(raw)},
                hint_said="param_percent_scale",
            )
        for bound in ("minimum", "maximum"):
            limit = spec.get(bound)
            if limit is None or not isinstance(value, int | Decimal):
                continue
            if value < limit if bound == "minimum" else value > limit:
                ctx.error(
                    "bad-parameter",
                    f"parameter '{name}' is {value}, beyond its {bound} {limit}",
                    path + ("value",),
                    said="param_beyond",
                    values={"name": name, "value": value, "bound": bound, "limit": limit},
                )
        source, cite = param_source(ctx, name, spec, path)
        params[name] = Parameter(
            name,
            value,
            t,
            label(spec.get("label")),
            label(spec.get("description")),
            ctx.at(path),
            source,
            cite,
        )
    return params


SOURCE_KINDS = ("company", "guide")
_SOURCE_HINT = (
    'write source: company (a setting the company chose) or source: {guide: "000 §商务规定及政策"} '
    "(where the sources give the number)"
)


def param_source(ctx: Context, name: str, spec: dict[str, Any], path: Path) -> tuple[str, Label]:
    """A parameter's ``source:`` as (kind, citation): ("company", no citation), ("guide",
    where the guide says it, one text or {en, zh}), or ("", none) when not said or refused
    (a value-less or unknown kind is an error)."""
    none = Label()
    if "source" not in spec:
        return "", none
    raw, at = spec["source"], path + ("source",)
    if ctx.is_bad(at):  # the schema has said what is wrong
        return "", none
    if raw == "company":
        return "company", none
    if isinstance(raw, str) and raw.strip():
        ctx.error(
            "bad-source",
            f"parameter '{name}': unknown source '{raw}'",
            at,
            suggest(raw, SOURCE_KINDS) or _SOURCE_HINT,
            said="unknown_source",
            values={"name": name, "value": raw, "close": closest(raw, SOURCE_KINDS)},
            hint_said="did_you_mean" if closest(raw, SOURCE_KINDS) else "source_forms",
        )
        return "", none
    if not isinstance(raw, dict) or not raw:
        ctx.error(
            "bad-source",
            f"parameter '{name}': source has no value",
            at,
            _SOURCE_HINT,
            said="source_no_value",
            values={"name": name},
            hint_said="source_forms",
        )
        return "", none
    unknown = [k for k in raw if k != "guide"]
    if unknown:
        kind = unknown[0]
        ctx.error(
            "bad-source",
            f"parameter '{name}': unknown source kind '{kind}'",
            at + (kind,),
            (
                "company takes no reference: write source: company"
                if kind == "company"
                else suggest(str(kind), ("guide",)) or _SOURCE_HINT
            ),
            key=True,
            said="unknown_source_kind",
            values={"name": name, "value": kind, "close": closest(str(kind), ("guide",))},
            hint_said="company_no_reference"
            if kind == "company"
            else ("did_you_mean" if closest(str(kind), ("guide",)) else "source_forms"),
        )
        return "", none
    cite = raw["guide"]
    texts = cite if isinstance(cite, dict) else {"en": cite, "zh": cite}
    other = next((k for k in texts if k not in ("en", "zh")), None)
    if other is not None:
        ctx.error(
            "bad-source",
            f"parameter '{name}': source guide has a text in '{other}', which is not a language "
            "of the playbook",
            at + ("guide", other),
            "write it in each language as {guide: {en: ..., zh: ...}}",
            key=True,
            said="guide_language",
            values={"name": name, "value": other},
            hint_said="guide_languages",
        )
        return "", none
    if not texts or not all(isinstance(t, str) and t.strip() for t in texts.values()):
        ctx.error(
            "bad-source",
            f"parameter '{name}': source guide does not say where the guide gives the number",
            at + ("guide",),
            'name the document and the place, e.g. {guide: "000 §商务规定及政策"}, or in each '
            "language: {guide: {en: ..., zh: ...}}",
            said="guide_where",
            values={"name": name},
            hint_said="guide_where",
        )
        return "", none
    return "guide", label({k: str(v).strip() for k, v in texts.items()})


@dataclass(frozen=True, slots=True)
class BadValue:
    """Why a parameter's value is refused: in English, and as words with their values."""

    message: str
    said: str
    values: dict[str, str] = field(default_factory=dict)


def _expected(want: str, raw: Any) -> BadValue:
    words = {"integer": "a whole number", "number": "a number", "boolean": "true or false"}
    said = f"expected {words.get(want, 'text')}, found {raw!r}"
    return BadValue(said, "param_expected", {"want": want, "value": repr(raw)})


def param_value(raw: Any, declared: str | None) -> tuple[Any, Type, BadValue | None]:
    """A parameter's YAML value as (value, type, why it is refused or None)."""
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
        return None, ANY, BadValue("has no value", "param_no_value")
    if kind == "percent":
        if isinstance(raw, str):
            p = percent(raw)
            if p is None:
                said = f"'{raw}' is not a percentage like \"15%\""
                return None, ANY, BadValue(said, "param_not_percent", {"value": raw})
            return p, PERCENT, None
        if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
            return Decimal(raw), PERCENT, None
        return None, ANY, BadValue('expected a percentage like "15%"', "param_want_percent")
    if kind == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw, INTEGER, None
        return None, ANY, _expected("integer", raw)
    if kind in ("number", "decimal", "money"):
        if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
            return Decimal(raw), SCALARS["money" if kind == "money" else "number"], None
        return None, ANY, _expected("number", raw)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw, BOOL, None
        return None, ANY, _expected("boolean", raw)
    if kind == "date":
        try:
            return date.fromisoformat(str(raw)), DATE, None
        except ValueError:
            said = f"'{raw}' is not a date (YYYY-MM-DD)"
            return None, ANY, BadValue(said, "param_not_date", {"value": str(raw)})
    if kind == "list":
        if not isinstance(raw, list):
            return None, ANY, BadValue("expected a list", "param_want_list")
        return tuple(raw), python_value_type(raw), None
    if not isinstance(raw, str):
        return None, ANY, _expected("string", raw)
    return raw, STRING, None


def number_or_param(
    ctx: Context, params: Mapping[str, Parameter], raw: Any, path: Path, what: str
) -> Decimal | None:
    """A literal number, "15%" or params.x, as a Decimal (None after an error)."""
    if isinstance(raw, bool):
        ctx.error(
            "bad-value",
            f"{what} must be a number",
            path,
            said="must_be_number",
            values={"what": what},
        )
        return None
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, str):
        p = percent(raw)
        if p is not None:
            return p
        m = PARAM_REF.match(raw.strip())
        if m:
            param = params.get(m.group(1))
            if param is None:
                close = closest(m.group(1), params)
                ctx.error(
                    "unknown-name",
                    f"unknown parameter '{m.group(1)}'",
                    path,
                    suggest(m.group(1), params) or "declare it under parameters:",
                    said="unknown",
                    values={"what": "parameter", "name": m.group(1), "close": close},
                    hint_said="did_you_mean" if close else "declare_parameter",
                )
                return None
            if isinstance(param.value, bool) or not isinstance(param.value, int | Decimal):
                wrong_value(ctx, param, path)
                return None
            return Decimal(param.value)
    ctx.error(
        "bad-value",
        f"{what}: expected a number, a percentage like \"15%\" or params.<name>, found '{raw}'",
        path,
        said="expected_bound",
        values={"what": what, "value": raw},
    )
    return None


def wrong_value(ctx: Context, param: Parameter, use: Path, days: bool = False) -> None:
    """A parameter's value of the wrong kind for a use: reported once, at the value in
    ``parameters:`` (what is wrong is there), with the line of the use in the hint."""
    if param.name in ctx.params_reported:
        return
    ctx.params_reported.add(param.name)
    line = str(ctx.at(use).line)
    shown = _shown(param.value)
    need = "a whole number of days" if days else "a number"
    said = "param_not_days" if days else "param_not_number"
    ctx.error(
        "type",
        f"parameter '{param.name}' is {shown}, not {need}",
        ("parameters", param.name, "value"),
        f"line {line} uses it as {need}",
        said=said,
        hint_said=said,
        values={"name": param.name, "value": shown, "line": line},
    )


def _shown(value: Any) -> str:
    """A parameter's value as written in a message: text quoted, numbers as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"'{value}'" if isinstance(value, str) else str(value)


def days(ctx: Context, params: Mapping[str, Parameter], raw: Any, path: Path) -> int:
    """A whole number of days, written as a number or params.<name>."""
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        m = PARAM_REF.match(raw)
        param = params.get(m.group(1)) if m else None
        if param is not None and isinstance(param.value, int) and not isinstance(param.value, bool):
            return param.value
        if param is not None:
            wrong_value(ctx, param, path, days=True)
            return 0
        ctx.error(
            "bad-value",
            f"'{raw}' is not a whole number of days",
            path,
            suggest(m.group(1), params) if m else "",
            said="not_whole_days",
            values={"value": raw, "close": closest(m.group(1), params) if m else ""},
            hint_said="did_you_mean" if m and closest(m.group(1), params) else "",
        )
    return 0
