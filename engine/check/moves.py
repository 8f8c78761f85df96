"""The ``transitions:`` section in; one ``Transition`` per move out (``from: [a, b]`` and
``from: any`` spread over their stages), each with its conditions, documents and approvals,
and whether every move named known stages (else the stage graph cannot be judged)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import Location
from ..read.sourcemap import Path, json_path
from .context import Context, label, title
from .documents import document_need
from .expressions import Lang
from .model import Guard, Stage, Transition
from .names import Declared


@dataclass(frozen=True, slots=True)
class Moves:
    transitions: tuple[Transition, ...]
    stages_known: bool  # False: a move named an unknown stage, so reachability would mislead


def check_moves(lang: Lang, declared: Declared, stages: tuple[Stage, ...]) -> Moves:
    ctx = lang.ctx
    terminal = {s.id for s in stages if s.terminal}
    by_id = {s.id: s for s in stages}
    stages_known = True

    def stage_ref(name: Any, path: Path) -> bool:
        nonlocal stages_known
        if name in declared.stages:
            return True
        stages_known = False
        known = declared.stages
        ctx.unknown("stage", name, path, known)
        return False

    def share(a: str, b: str) -> bool:
        ca, cb = by_id[a].categories, by_id[b].categories
        return ca is None or cb is None or bool(ca & cb)

    out: list[Transition] = []
    seen: dict[tuple[str, str], Location] = {}
    condition_ids: dict[str, Location] = {}
    for path, spec in ctx.items(("transitions",)):
        raw_from = spec.get("from")
        target = spec.get("to")
        ok = stage_ref(target, path + ("to",))
        if raw_from == "any":
            sources = [
                s.id
                for s in stages
                if not s.terminal and s.id != target and (not ok or share(s.id, target))
            ]
        else:
            listed = raw_from if isinstance(raw_from, list) else [raw_from]
            sources = []
            for i, name in enumerate(listed):
                p = path + ("from", i) if isinstance(raw_from, list) else path + ("from",)
                if stage_ref(name, p):
                    if name in terminal:
                        ctx.error(
                            "terminal-exit",
                            f"'{name}' is terminal: no move may leave it",
                            p,
                            f"remove the move, or take 'terminal' off '{name}'",
                            said="terminal_exit",
                            values={"name": name},
                            hint_said="terminal_exit",
                        )
                    if ok and not share(name, target):
                        ctx.error(
                            "bad-move",
                            f"no category uses both '{name}' and '{target}'",
                            p,
                            "check the categories of the two stages",
                            said="no_category_both",
                            values={"name": name, "other": target},
                            hint_said="check_categories",
                        )
                    sources.append(name)
        if not ok:
            continue
        rule = str(spec.get("rule") or f"MOVE:{target}")
        conditions = _conditions(lang, path, condition_ids)
        docs = []
        for dpath, raw in ctx.items(path + ("documents",)):
            need = document_need(lang, declared, raw, dpath, rule)
            if need is not None:
                docs.append(need)
        approvals = []
        for i, role in enumerate(spec.get("approvals") or []):
            if role not in declared.roles:
                ctx.unknown(
                    "role", role, path + ("approvals", i), declared.roles, "declare it under roles:"
                )
            else:
                approvals.append(str(role))
        if raw_from != "any" and not spec.get("all_clear") and not spec.get("allow_open_items"):
            _open_forward(ctx, by_id, sources, str(target), path)
        for source in sources:
            key = (source, str(target))
            if key in seen:
                ctx.error(
                    "duplicate-move",
                    f"the move {source} -> {target} is given twice "
                    f"(first at line {seen[key].line})",
                    path,
                    said="duplicate_move",
                    values={"name": source, "other": target, "line": seen[key].line},
                )
                continue
            if source == target:
                ctx.error(
                    "bad-move",
                    f"a move from '{source}' to itself",
                    path,
                    said="move_to_itself",
                    values={"name": source},
                )
                continue
            seen[key] = ctx.at(path)
            out.append(
                Transition(
                    source,
                    str(target),
                    label(spec.get("label")),
                    rule,
                    tuple(conditions),
                    tuple(docs),
                    tuple(approvals),
                    bool(spec.get("all_clear", False)),
                    ctx.at(path),
                    raw_from == "any",
                )
            )
    return Moves(tuple(out), stages_known)


def _open_forward(
    ctx: Context, by_id: dict[str, Stage], sources: list[str], target: str, path: Path
) -> None:
    """A warning for a move to a later stage that a block, a pending approval or an open
    question would not stop: without ``all_clear`` such a deal moves on as if nothing were
    wrong. Moves back (to an earlier stage) and ``from: any`` (lost, withdrawn) are exits."""
    if target not in by_id:
        return
    later = [s for s in sources if s in by_id and by_id[target].index > by_id[s].index]
    if not later:
        return
    ctx.sink.add(
        "open-items-move",
        f"the move {', '.join(later)} -> {target} goes to a later stage, but a blocked deal "
        "or one waiting for an approval may still make it",
        ctx.at(path),
        json_path(path),
        "add 'all_clear: true', or say why open items may go on: "
        'allow_open_items: "<the reason>"',
        severity="warning",
        said="open_items_move",
        values={"names": ", ".join(later), "name": target},
        hint_said="open_items_move",
    )


def _conditions(lang: Lang, path: Path, condition_ids: dict[str, Location]) -> list[Guard]:
    """A move's conditions; ``condition_ids`` are the ids taken by earlier moves."""
    ctx: Context = lang.ctx
    conditions = []
    for cpath, c in ctx.items(path + ("conditions",)):
        # tests, coverage and refused moves name a condition by its id alone
        cid = str(c.get("id"))
        if cid in condition_ids:
            ctx.error(
                "duplicate-condition",
                f"condition id '{cid}' is used twice (first at line {condition_ids[cid].line})",
                cpath + ("id",),
                "give each condition its own id; to put one condition on several "
                "moves, list their stages in one move: from: [a, b]",
                said="duplicate_condition",
                values={"name": cid, "line": condition_ids[cid].line},
                hint_said="duplicate_condition",
            )
        else:
            condition_ids[cid] = ctx.at(cpath + ("id",))
        when = lang.expr(c.get("when"), cpath + ("when",))
        message = lang.message(c.get("message"), cpath + ("message",))
        if when is None or (c.get("message") is not None and message is None):
            continue
        conditions.append(
            Guard(
                cid,
                when,
                message,
                title(c.get("title"), cid),
                str(c.get("on_missing", "refuse")),
                ctx.at(cpath),
            )
        )
    return conditions
