"""The ``tables:`` section (and a fact's table) in; ``Table`` and ``Row`` values out, with
the tiers checked: they rise, and under hit: first they neither overlap nor leave gaps."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from ..lang import expressions as ex
from ..lang.types import NUMBER
from ..read.sourcemap import Path
from .context import Context, label, title
from .expressions import Lang, percent_text
from .messages import TABLE_NAMES
from .model import Basis, Expr, Outcome, Row, Table
from .names import Declared, RuleIds, scope_list
from .parameters import PARAM_REF, number_or_param
from .rules import check_ask, check_basis, input_basis, outcome


def check_tables(lang: Lang, declared: Declared, ids: RuleIds) -> tuple[Table, ...]:
    ctx = lang.ctx
    out = []
    for path, spec in ctx.items(("tables",)):
        tid = str(spec.get("id"))
        ids.claim(tid, path + ("id",))
        hit = str(spec.get("hit", "first"))
        source = lang.expr(spec.get("input"), path + ("input",), expect=NUMBER)
        when = lang.expr(spec["when"], path + ("when",)) if spec.get("when") else None
        table_kind = str(spec.get("then"))
        message = lang.message(spec.get("message"), path + ("message",), TABLE_NAMES)
        rows = check_rows(
            lang,
            declared,
            ids,
            tid,
            spec.get("rows") or [],
            path + ("rows",),
            hit,
            table_spec=spec,
            kind=table_kind,
            percent_input=percent_text(source),
            input_range=declared_range(source),
        )
        categories = scope_list(
            ctx, spec.get("categories"), path + ("categories",), declared.categories, "category"
        )
        stages = scope_list(ctx, spec.get("stages"), path + ("stages",), declared.stages, "stage")
        declared_basis = _declared_basis(lang, spec, path, tid, table_kind, source)
        if source is None or (spec.get("when") and when is None) or declared_basis is None:
            continue
        check_ask(lang, spec, path, tid, source.node, when.node if when else None)
        out.append(
            Table(
                tid,
                title(spec.get("title"), tid),
                label(spec.get("description")),
                source,
                hit,
                rows,
                str(spec.get("on_missing", "warn")),
                str(spec.get("mode", "enforce")),
                ctx.at(path),
                when,
                categories,
                stages,
                message,
                input_basis(source) + declared_basis,
            )
        )
    return tuple(out)


def _declared_basis(
    lang: Lang, spec: dict[str, Any], path: Path, tid: str, kind: str, source: Expr | None
) -> tuple[Basis, ...] | None:
    """What else a table's approval is bound to, beside its input (``basis:``); None after a
    problem. The input is always bound, under its own name."""
    raw = spec.get("basis")
    if raw is None:
        return ()
    if kind != "approval":
        lang.ctx.error(
            "bad-key",
            f"'{tid}' is not an approval table: basis says what an approval is bound to",
            path + ("basis",),
            key=True,
            hint="remove basis:, or make the table then: approval",
            said="table_not_approval",
            values={"name": tid},
            hint_said="table_not_approval",
        )
        return None
    made = check_basis(lang, raw, path + ("basis",), {})
    if made is None:
        return None
    taken = input_basis(source)
    for b in made:
        if any(t.name == b.name for t in taken):
            lang.ctx.error(
                "bad-basis",
                f"'{b.name}' is already the name the table's input is bound to",
                path + ("basis", b.name),
                hint="give this value another name",
                said="basis_taken",
                values={"name": b.name},
                hint_said="another_name",
            )
            return None
    return made


def check_rows(
    lang: Lang,
    declared: Declared,
    ids: RuleIds,
    tid: str,
    raw_rows: list[Any],
    path: Path,
    hit: str,
    table_spec: dict[str, Any] | None = None,
    kind: str = "none",
    fact: bool = False,
    percent_input: str = "",
    input_range: tuple[str, Decimal | None, Decimal | None] = ("", None, None),
) -> tuple[Row, ...]:
    """The rows of a table; ``percent_input`` is the input's text when it is a
    percentage, so that a bound written 15 where 15% was meant is caught; ``input_range``
    the input's text and the least and greatest value its field may hold, so that a row
    outside them (``below: -100`` for an amount) is caught."""
    ctx = lang.ctx
    rows: list[Row] = []
    scale_off = False  # a bound on the wrong scale: tier checks would only confuse
    for i, raw in enumerate(raw_rows):
        rpath = path + (i,)
        if not isinstance(raw, dict) or ctx.is_bad(rpath):
            continue
        rid = str(raw.get("id") or f"{tid}#{i + 1}")
        if "id" in raw:
            ids.claim(rid, rpath + ("id",))
        bounds = {}
        for key in ("above", "from", "up_to", "below"):
            if key in raw:
                value = number_or_param(ctx, declared.params, raw[key], rpath + (key,), f"'{key}'")
                if value is None:
                    break
                if percent_input and abs(value) > 1:
                    scale_off |= _percent_bound(
                        lang, tid, key, raw[key], value, rpath, percent_input
                    )
                bounds[key] = value
        else:
            if ("above" in bounds and "from" in bounds) or (
                "up_to" in bounds and "below" in bounds
            ):
                ctx.error(
                    "bad-row",
                    "a row has at most one lower bound (above or from) and "
                    "one upper bound (up_to or below)",
                    rpath,
                    said="row_bounds",
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
                ctx.error(
                    "bad-row",
                    f"row {i + 1} matches nothing: its range {_range_text(bounds)} is empty",
                    rpath,
                    said="row_empty",
                    values={"row": i + 1, "range": _range_text(bounds)},
                )
                continue
            outside = (
                None if scale_off else _outside(bounds, low, high, input_range, bool(percent_input))
            )
            if outside:
                ctx.error(
                    "bad-row",
                    f"row {i + 1} matches nothing: {outside[0]}",
                    rpath,
                    "check the sign and the scale of the bound, or the field's minimum and maximum",
                    said=f"row_{outside[1]}",
                    values={"row": i + 1, **outside[2]},
                    hint_said="check_bound",
                )
                continue
            if fact:
                if "value" not in raw:
                    ctx.error(
                        "missing-key",
                        "each row of a fact table needs a value",
                        rpath,
                        said="row_needs_value",
                    )
                    continue
                made: Outcome | None = Outcome("none")
            else:
                row_kind = str(raw.get("outcome") or kind)
                outcome_spec = dict(raw)
                inherited = None
                if "message" not in raw and table_spec is not None:
                    outcome_spec["message"] = table_spec.get("message")
                    inherited = path[:-1] + ("message",)  # checked (and reported) once
                made = outcome(
                    lang,
                    declared,
                    outcome_spec,
                    rpath,
                    rid,
                    row_kind,
                    {},
                    table=True,
                    message_path=inherited,
                )
            if made is None:
                continue
            rows.append(
                Row(
                    rid,
                    i,
                    low,
                    "from" in bounds,
                    high,
                    "up_to" in bounds,
                    made,
                    ctx.at(rpath),
                    raw.get("value"),
                    {k: str(raw[k]) for k in bounds},
                )
            )
    if not scale_off:
        _check_tiers(ctx, tid, rows, path, hit)
    return tuple(rows)


def declared_range(source: Expr | None) -> tuple[str, Decimal | None, Decimal | None]:
    """The input's text and the minimum and maximum its declared field allows."""
    if source is None:
        return ("", None, None)
    extra = dict(source.node.type.extra)

    def bound(key: str) -> Decimal | None:
        value = extra.get(key)
        return Decimal(str(value)) if isinstance(value, int | float | Decimal) else None

    return (source.text, bound("minimum"), bound("maximum"))


def _outside(
    bounds: dict[str, Decimal],
    low: Decimal | None,
    high: Decimal | None,
    input_range: tuple[str, Decimal | None, Decimal | None],
    percent: bool,
) -> tuple[str, str, dict[str, str]] | None:
    """Why a row's range lies wholly outside what its input can be (None if it does not):
    the English, the key of its words and their values."""
    text, least, most = input_range

    def show(value: Decimal) -> str:
        return f"{_fmt(value * 100)}%" if percent else _fmt(value)

    if high is not None and least is not None:
        if high < least or (high == least and "below" in bounds):
            said = f"{text} is never below {show(least)} (the least its field allows)"
            return said, "never_below", {"input": text, "limit": show(least)}
    if low is not None and most is not None:
        if low > most or (low == most and "above" in bounds):
            said = f"{text} is never above {show(most)} (the most its field allows)"
            return said, "never_above", {"input": text, "limit": show(most)}
    return None


def _percent_bound(
    lang: Lang, tid: str, key: str, raw: Any, value: Decimal, rpath: Path, percent_input: str
) -> bool:
    """Report a bound above 1 that was not written as a percentage; True if it was."""
    m = PARAM_REF.match(raw.strip()) if isinstance(raw, str) else None
    if m:
        param = lang.names.params.get(m.group(1))
        if param is None or param.type.kind == "percent":
            return False
        lang.percent_param(
            m.group(1), f"table '{tid}' compares it with a percentage ({percent_input})"
        )
        return True
    if not isinstance(raw, str):
        lang.ctx.error(
            "percent-scale",
            f"{key}: {raw} is compared with a percentage ({percent_input}): "
            f"{raw} would mean {ex.percent_text(value)}",
            rpath + (key,),
            f"did you mean {raw}%?",
            said="bound_percent_scale",
            values={
                "key": key,
                "value": raw,
                "input": percent_input,
                "percent": ex.percent_text(value),
            },
            hint_said="percent_meant",
        )
        return True
    return False


def _show(row: Row, low: bool, bare: bool = False) -> str:
    """A row's bound as written (with its value when it names a parameter)."""
    keys = ("above", "from") if low else ("up_to", "below")
    raw = next((row.bounds_text[k] for k in keys if k in row.bounds_text), None)
    value = _fmt(row.low if low else row.high)
    if raw is None or raw == value or bare:
        return raw or value
    return f"{raw} (= {value})" if raw.startswith("params.") else raw


def _check_tiers(ctx: Context, tid: str, rows: list[Row], path: Path, hit: str) -> None:
    for prev, row in itertools.pairwise(rows):
        rpath = path + (row.index,)
        if (
            prev.low is not None
            and row.low is not None
            and row.low <= prev.low
            and not (row.low == prev.low and not row.low_inclusive and prev.low_inclusive)
        ):
            ctx.error(
                "tiers-not-rising",
                f"table '{tid}': row {row.index + 1} starts at "
                f"{_show(row, True)}, not above row "
                f"{prev.index + 1} ({_show(prev, True)})",
                rpath,
                "list the tiers from the lowest to the highest",
                said="tiers_not_rising",
                values={
                    "table": tid,
                    "row": row.index + 1,
                    "at": _show(row, True),
                    "prev": prev.index + 1,
                    "prev_at": _show(prev, True),
                },
                hint_said="tiers_not_rising",
            )
            continue
        if hit != "first":
            continue
        if prev.high is None:
            ctx.error(
                "tiers-overlap",
                f"table '{tid}': row {prev.index + 1} has no upper "
                f"bound, so it overlaps row {row.index + 1}",
                path + (prev.index,),
                f"give row {prev.index + 1} an up_to or below",
                said="tiers_open_above",
                values={"table": tid, "row": prev.index + 1, "next": row.index + 1},
                hint_said="tiers_open_above",
            )
            continue
        if row.low is None:
            ctx.error(
                "tiers-overlap",
                f"table '{tid}': row {row.index + 1} has no lower "
                f"bound, so it overlaps row {prev.index + 1}",
                rpath,
                f"start it where row {prev.index + 1} ends",
                said="tiers_open_below",
                values={"table": tid, "row": row.index + 1, "prev": prev.index + 1},
                hint_said="tiers_open_below",
            )
            continue
        if row.low < prev.high or (
            row.low == prev.high and prev.high_inclusive and row.low_inclusive
        ):
            start = "above" if prev.high_inclusive else "from"
            ctx.error(
                "tiers-overlap",
                f"table '{tid}': rows {prev.index + 1} and "
                f"{row.index + 1} overlap at {_show(row, True)}",
                rpath,
                f"start row {row.index + 1} with {start}: {_show(prev, False, bare=True)}",
                said="tiers_overlap",
                values={
                    "table": tid,
                    "prev": prev.index + 1,
                    "row": row.index + 1,
                    "at": _show(row, True),
                    "start": start,
                    "bound": _show(prev, False, bare=True),
                },
                hint_said="tiers_start",
            )
        elif row.low > prev.high or (
            row.low == prev.high and not prev.high_inclusive and not row.low_inclusive
        ):
            point = row.low == prev.high
            what = (
                f"the value {_show(row, True)} itself matches"
                if point
                else f"values between {_show(prev, False)} and {_show(row, True)} match"
            )
            start = "above" if prev.high_inclusive else "from"
            ctx.error(
                "tiers-gap",
                f"table '{tid}': {what} no row",
                rpath,
                f"start row {row.index + 1} with {start}: {_show(prev, False, bare=True)}",
                said="tiers_gap_at" if point else "tiers_gap",
                values={
                    "table": tid,
                    "low": _show(prev, False),
                    "high": _show(row, True),
                    "row": row.index + 1,
                    "start": start,
                    "bound": _show(prev, False, bare=True),
                },
                hint_said="tiers_start",
            )


def _fmt(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


def _range_text(bounds: dict[str, Decimal]) -> str:
    return ", ".join(f"{k} {_fmt(v)}" for k, v in bounds.items())
