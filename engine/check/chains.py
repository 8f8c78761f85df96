"""The ``approval_chains:`` section in; ``ApprovalChain`` values out (known roles, each
once, with limits that rise from step to step and an amount to compare them with)."""

from __future__ import annotations

from ..lang.types import ANY, NUMBER
from .context import Context, label, title
from .expressions import Lang
from .model import ApprovalChain, ChainStep, Label
from .names import Declared, RuleIds, scope_list
from .parameters import number_or_param, param_named
from .rules import input_basis


def chain_ids(ctx: Context) -> tuple[str, ...]:
    """The ids chain_status() may name in rules, tables and moves."""
    return tuple(
        str(c.get("id")) for _, c in ctx.items(("approval_chains",)) if isinstance(c, dict)
    )


def check_chains(lang: Lang, declared: Declared, ids: RuleIds) -> tuple[ApprovalChain, ...]:
    ctx = lang.ctx
    out = []
    for path, spec in ctx.items(("approval_chains",)):
        cid = str(spec.get("id"))
        ids.claim(cid, path + ("id",))
        steps = []
        seen_roles: set[str] = set()
        for spath, step in ctx.items(path + ("steps",)):
            role = step.get("role")
            if role not in declared.roles:
                ctx.unknown(
                    "role", role, spath + ("role",), declared.roles, "declare it under roles:"
                )
                continue
            if role in seen_roles:
                ctx.error(
                    "duplicate-step",
                    f"'{role}' appears twice in chain '{cid}'",
                    spath + ("role",),
                    "each approver acts once per round",
                    said="duplicate_step",
                    values={"name": role, "chain": cid},
                    hint_said="once_per_round",
                )
            seen_roles.add(str(role))
            limit = None
            if step.get("limit") is not None:
                limit = number_or_param(
                    ctx, declared.params, step["limit"], spath + ("limit",), "limit"
                )
            steps.append(
                ChainStep(
                    str(role),
                    label(step.get("title")) if step.get("title") else Label(),
                    limit,
                    bool(step.get("always", False)),
                    param_named(step.get("limit")),
                )
            )
        limits = [s.limit for s in steps if s.limit is not None]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            ctx.error(
                "tiers-not-rising",
                f"chain '{cid}': the limits must rise from step to step",
                path + ("steps",),
                "a later approver approves more than an earlier one",
                said="chain_not_rising",
                values={"chain": cid},
                hint_said="later_approves_more",
            )
        amount = None
        if spec.get("amount") is not None:
            amount = lang.expr(spec["amount"], path + ("amount",), expect=NUMBER)
        elif limits:
            ctx.error(
                "missing-key",
                f"chain '{cid}' has limits but no amount to compare them with",
                path,
                "add amount: facts.amount (or another number)",
                said="chain_no_amount",
                values={"chain": cid},
                hint_said="add_amount",
            )
        when = lang.expr(spec["when"], path + ("when",)) if spec.get("when") else None
        message = lang.message(
            spec.get("message"), path + ("message",), {"step": ANY, "limit": ANY, "amount": ANY}
        )
        categories = scope_list(
            ctx, spec.get("categories"), path + ("categories",), declared.categories, "category"
        )
        stages = scope_list(ctx, spec.get("stages"), path + ("stages",), declared.stages, "stage")
        out.append(
            ApprovalChain(
                cid,
                title(spec.get("title"), cid),
                label(spec.get("description")),
                tuple(steps),
                ctx.at(path),
                when,
                amount,
                categories,
                stages,
                message,
                str(spec.get("mode", "enforce")),
                input_basis(amount, "amount"),
            )
        )
    return tuple(out)
