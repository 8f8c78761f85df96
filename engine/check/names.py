"""Declared sections (roles, documents, categories, stages, parameters) in; what the other
parts may name out: ``Declared``, the ``Names`` an expression may read at each step of the
check, and ``RuleIds`` (each rule, table, row and chain id used once)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Location
from ..lang import expressions as ex
from ..lang.types import BOOL, PERCENT, STRING, Type, object_of
from ..read.sourcemap import Path
from .context import Context, label
from .model import Label, Parameter


@dataclass(frozen=True, slots=True)
class Declared:
    """The names a playbook declares, which the other parts refer to."""

    params: Mapping[str, Parameter]
    roles: Mapping[str, Label]
    documents: Mapping[str, Label]
    categories: list[str]
    stages: list[str]


def read_declared(ctx: Context, params: Mapping[str, Parameter]) -> Declared:
    return Declared(
        params,
        {k: label(v) for k, v in ctx.mapping(("roles",)).items()},
        {k: label(v) for k, v in ctx.mapping(("documents",)).items()},
        list(ctx.mapping(("categories",))),
        list(ctx.mapping(("stages",))),
    )


def stage_type(stages: list[str]) -> Type:
    """What ``stage`` is in an expression."""
    return object_of(
        {
            "id": Type("string", values=tuple(stages)),
            "label": STRING,
            "win_probability": PERCENT,
            "terminal": BOOL,
        }
    )


@dataclass(frozen=True, slots=True)
class Names:
    """What an expression or message may read at one step of the check.

    ``chains`` is None while facts and chains themselves are checked: chain_status() is for
    rules, tables and moves only. ``facts`` grows while the facts are checked in order."""

    deal: Type
    stage: Type
    params: Mapping[str, Parameter]
    facts: Mapping[str, Type]
    chains: tuple[str, ...] | None = None
    value_labels: Mapping[str, Mapping[str, Label]] = field(default_factory=dict)

    def scope(
        self,
        extra: Mapping[str, Type] | None = None,
        fact_filter: Callable[[str], str | None] | None = None,
    ) -> ex.Scope:
        return ex.Scope(
            deal=self.deal,
            facts=self.facts,
            params={k: (p.value, p.type) for k, p in self.params.items()},
            stage=self.stage,
            fact_filter=fact_filter,
            extra=dict(extra or {}),
            chains=self.chains,
        )


class RuleIds:
    """Rule, table, row and chain ids: each may be used once in a playbook."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.first: dict[str, Location] = {}

    def claim(self, rid: str, path: Path) -> None:
        if rid in self.first:
            self.ctx.error(
                "duplicate-rule",
                f"rule id '{rid}' is used twice (first at line {self.first[rid].line})",
                path,
                "every rule and table needs its own id",
                said="duplicate_rule",
                values={"name": rid, "line": self.first[rid].line},
                hint_said="duplicate_rule",
            )
        else:
            self.first[rid] = self.ctx.at(path)


def scope_list(
    ctx: Context, raw: Any, path: Path, known: list[str], what: str
) -> frozenset[str] | None:
    """The categories or stages a rule, table or chain is limited to (None: all of them)."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        raw = [raw]
    # an item that is not a name (a mapping, a list) is the schema's to report at its line
    names = [name for name in raw if isinstance(name, str)]
    if ctx.module:  # the including playbook declares its categories and stages
        return frozenset(names)
    for i, name in enumerate(raw):
        if isinstance(name, str) and name not in known:
            ctx.unknown(what, name, path + (i,), known)
    return frozenset(names)
