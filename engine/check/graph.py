"""Stages and moves in; per category, the stage its deals start in out, with the stage
graph judged: some stage ends a deal, every stage can be reached, every stage that is
not terminal has a way out, and from every stage some terminal stage can be reached.

Categories that use the same stages share one judgement, and each walk of the graph is
linear, so the work grows with stages x moves at worst, never with categories."""

from __future__ import annotations

from ..limits import MAX_CYCLE_NAMES
from .context import Context
from .model import Stage, Transition


def check_graph(
    ctx: Context,
    categories: list[str],
    stages: tuple[Stage, ...],
    transitions: tuple[Transition, ...],
    moves_complete: bool,
) -> dict[str, str]:
    """Per category: where its deals start, and that every stage it uses is reachable
    and has a way out unless terminal. Returns category -> initial stage.

    ``moves_complete`` is False when some moves were left out (one named an unknown stage,
    or the schema refused the section): then only the starting stages are worked out."""
    if not stages:
        return {}
    if not any(s.terminal for s in stages):
        ctx.error(
            "no-terminal",
            "no stage is terminal: a deal could never end",
            ("stages",),
            "mark the end stages (won, lost...) with terminal: true",
            said="no_terminal",
            hint_said="no_terminal",
        )
    initials: dict[str, str] = {}
    flagged: set[tuple[str, str]] = set()
    # the stages each category uses, found in one pass over the stages that name some
    named: dict[str, list[int]] = {}
    for i, s in enumerate(stages):
        for c in s.categories or ():
            named.setdefault(c, []).append(i)
    judged: dict[tuple[int, ...], str] = {}  # stages used -> the start they were judged from
    for category in categories or [""]:
        if category:
            mine = set(named.get(category, ()))
            own = [s for i, s in enumerate(stages) if s.categories is None or i in mine]
        else:
            own = list(stages)
        if not own:
            ctx.error(
                "no-stages",
                f"no stage is used by category '{category}'",
                ("categories", category),
                key=True,
                said="no_stages",
                values={"category": category},
            )
            continue
        marked = [s for s in own if (ctx.mapping(("stages", s.id)) or {}).get("initial")]
        if len(marked) > 1 and ("two-initial", marked[1].id) not in flagged:
            flagged.add(("two-initial", marked[1].id))
            ctx.error(
                "two-initial",
                f"more than one initial stage ('{marked[0].id}' and '{marked[1].id}')",
                ("stages", marked[1].id),
                key=True,
                said="two_initial",
                values={"name": marked[0].id, "other": marked[1].id},
            )
        start = (marked or own)[0].id
        initials[category] = start
        used = tuple(s.index for s in own)
        if not moves_complete or judged.get(used) == start:
            continue  # the same stages were judged for another category
        judged[used] = start
        ids = {s.id for s in own}
        outgoing: dict[str, list[str]] = {}
        for t in transitions:
            if t.source in ids and t.target in ids:
                outgoing.setdefault(t.source, []).append(t.target)
        reached, todo = {start}, [start]
        while todo:
            for nxt in outgoing.get(todo.pop(), []):
                if nxt not in reached:
                    reached.add(nxt)
                    todo.append(nxt)
        whose = (
            f" for category '{category}'"
            if len(categories) > 1 and any(s.categories is not None for s in stages)
            else ""
        )
        _report_unreachable(ctx, own, start, reached, outgoing, whose, flagged)
        for s in own:
            if not s.terminal and not outgoing.get(s.id) and ("dead", s.id) not in flagged:
                flagged.add(("dead", s.id))
                ctx.error(
                    "no-way-out",
                    f"stage '{s.id}' has no move out and is not terminal{whose}",
                    ("stages", s.id),
                    "add a move out of it, or mark it terminal: true",
                    key=True,
                    said="no_way_out_for" if whose else "no_way_out",
                    values={"name": s.id, "category": category},
                    hint_said="no_way_out",
                )
        _report_trapped(ctx, own, reached, outgoing, whose, flagged)
    return initials


def _report_trapped(
    ctx: Context,
    own: list[Stage],
    reached: set[str],
    outgoing: dict[str, list[str]],
    whose: str,
    flagged: set[tuple[str, str]],
) -> None:
    """Stages that can be reached and have moves out, but from which no terminal stage
    can be reached (a loop with no way out): one problem naming them all, at the first."""
    into: dict[str, list[str]] = {}
    for source, targets in outgoing.items():
        for target in targets:
            into.setdefault(target, []).append(source)
    ends = [s.id for s in own if s.terminal]
    # a stage with no move out is reported as such: what leads only to it is not said again
    dead = [s.id for s in own if not s.terminal and not outgoing.get(s.id)]
    can_end, todo = {*ends, *dead}, [*ends, *dead]
    while todo:
        for before in into.get(todo.pop(), []):
            if before not in can_end:
                can_end.add(before)
                todo.append(before)
    trapped = [
        s.id for s in own if s.id in reached and s.id not in can_end and outgoing.get(s.id) and ends
    ]
    if not trapped or ("trapped", trapped[0]) in flagged:
        return
    flagged.add(("trapped", trapped[0]))
    shown = [f"'{t}'" for t in trapped[:MAX_CYCLE_NAMES]]
    if len(trapped) > MAX_CYCLE_NAMES:
        shown.append(f"{len(trapped) - MAX_CYCLE_NAMES:,} more")
    names = _and(shown)
    listed = [
        *shown[:MAX_CYCLE_NAMES],
        *([f"+{len(trapped) - MAX_CYCLE_NAMES:,}"] if len(trapped) > MAX_CYCLE_NAMES else []),
    ]
    ctx.error(
        "no-way-to-end",
        f"no terminal stage can be reached from {'stage' if len(trapped) == 1 else 'stages'} "
        f"{names}{whose}: a deal there could never end",
        ("stages", trapped[0]),
        f"add a move from one of them to a terminal stage, e.g. - {{from: {trapped[-1]}, "
        f"to: {ends[0]}}}",
        key=True,
        # the words differ by one stage or several, and by a category named or not
        said=f"no_way_to_end{'_one' if len(trapped) == 1 else ''}{'_for' if whose else ''}",
        values={
            "names_list": "\n".join(listed),
            "category": _category(whose),
            "name": trapped[-1],
            "other": ends[0],
        },
        hint_said="no_way_to_end",
    )


def _report_unreachable(
    ctx: Context,
    own: list[Stage],
    start: str,
    reached: set[str],
    outgoing: dict[str, list[str]],
    whose: str,
    flagged: set[tuple[str, str]],
) -> None:
    """One problem per missing link, not one per stage behind it: a stage that can be
    reached only through another unreachable stage is named in that stage's problem,
    with the move that would most likely connect it (from the nearest reachable stage
    before it in the written order)."""
    lost = [s.id for s in own if s.id not in reached]
    walked: dict[str, set[str]] = {}

    def behind_set(first: str) -> set[str]:
        """The unreachable stages reached only through ``first`` (each walk done once)."""
        if first not in walked:
            seen, todo = {first}, [first]
            while todo:
                for nxt in outgoing.get(todo.pop(), []):
                    if nxt not in seen and nxt not in reached:
                        seen.add(nxt)
                        todo.append(nxt)
            seen.discard(first)
            walked[first] = seen
        return walked[first]

    def behind(first: str) -> list[str]:
        ahead = behind_set(first)
        return [s for s in lost if s in ahead]

    covered: set[str] = set()
    # a stage no other unreachable stage leads to (or the first of a closed loop of them)
    fed = {
        s
        for s in lost
        if any(s in behind_set(o) and o not in behind_set(s) for o in lost if o != s)
    }
    for sid in lost:
        if sid in covered or sid in fed:
            continue
        after = behind(sid)
        covered.update(after)
        if ("unreachable", sid) in flagged:
            continue
        flagged.add(("unreachable", sid))
        order = {s.id: i for i, s in enumerate(own)}
        before = [
            s.id for s in own if s.id in reached and not s.terminal and order[s.id] < order[sid]
        ] or [s.id for s in own if s.id in reached and not s.terminal]
        into = [t for t, targets in outgoing.items() if sid in targets]
        why = (
            f"only moves from stages that cannot be reached lead to stage '{sid}'"
            if into
            else f"no move leads to stage '{sid}'"
        )
        also = (
            f" (nor can {_and([repr(a) for a in after])}, reached only through it)" if after else ""
        )
        # the words differ by how it cannot be reached, by a category named or not, and by
        # the stages reached only through it
        said = "unreachable" + "_into" * bool(into) + "_for" * bool(whose) + "_also" * bool(after)
        ctx.error(
            "unreachable-stage",
            f"{why}, so it cannot be reached from '{start}'{whose}{also}",
            ("stages", sid),
            f"add a move from '{before[-1]}' to '{sid}'? e.g. - {{from: {before[-1]}, to: {sid}}}"
            if before
            else "add a move into it, or remove it",
            key=True,
            said=said,
            values={
                "name": sid,
                "start": start,
                "category": _category(whose),
                "also_list": "\n".join(repr(a) for a in after),
                "other": before[-1] if before else "",
            },
            hint_said="add_move_from" if before else "add_move_into",
        )


def _category(whose: str) -> str:
    """`` for category 'x'`` -> "x" ("" when no category is named)."""
    return whose.split("'")[1] if whose else ""


def _and(items: list[str]) -> str:
    """['a', 'b', 'c'] -> "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
