"""The ``stages:`` section in; ``Stage`` values in the written order out (the moves between
them are ``moves.py``, whether each can be reached is ``graph.py``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..read.sourcemap import Path
from .context import Context, label, title
from .model import Stage
from .names import Declared, scope_list
from .parameters import number_or_param, param_named

RESERVED_STAGE_NAMES = frozenset({"any"})


def check_stages(ctx: Context, declared: Declared) -> tuple[Stage, ...]:
    out = []
    for index, (name, spec) in enumerate(ctx.mapping(("stages",)).items()):
        path: Path = ("stages", name)
        if name in RESERVED_STAGE_NAMES:
            ctx.error(
                "reserved-name",
                f"'{name}' cannot be a stage name",
                path,
                key=True,
                hint="'any' is used in transitions to mean every open stage",
                said="reserved_stage",
                values={"name": name},
                hint_said="any_means",
            )
        spec = spec if isinstance(spec, dict) and not ctx.is_bad(path) else {}
        win = _win_probability(
            ctx, declared, spec.get("win_probability"), path + ("win_probability",)
        )
        cats = scope_list(
            ctx, spec.get("categories"), path + ("categories",), declared.categories, "category"
        )
        out.append(
            Stage(
                name,
                title(spec.get("label"), name),
                label(spec.get("description")),
                index,
                bool(spec.get("terminal", False)),
                win,
                ctx.at(path, key=True),
                cats,
                param_named(spec.get("win_probability")),
            )
        )
    return tuple(out)


def _win_probability(ctx: Context, declared: Declared, raw: Any, path: Path) -> Decimal:
    if raw is None:
        return Decimal(0)
    value = number_or_param(ctx, declared.params, raw, path, "win probability")
    if value is None:
        return Decimal(0)
    if not 0 <= value <= 1:
        ctx.error(
            "bad-value",
            f"win probability {value} is not between 0% and 100%",
            path,
            f"did you mean {value}%?" if 1 < value <= 100 else "",
            said="win_probability",
            values={"value": value},
            hint_said="percent_meant" if 1 < value <= 100 else "",
        )
    return value
