"""A new deal (as the engine sees it), its playbook and a date in; how the deal could have
reached the stage it starts at out: the stages along the playbook's moves from its category's
first stage, each move's guards met by the deal as written (the judgement ``advance`` makes),
or the first move on the way that it could not make and what that move still needs. Pure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..app.playbook import Playbook


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where a new deal starts and how it got there: ``path`` runs from ``first`` to
    ``stage`` when it could have (empty when not); else ``stuck`` names the first move it
    could not make (from, to) and ``needs`` what that move still needs, in words."""

    stage: str
    first: str
    path: tuple[str, ...] = ()
    stuck: tuple[str, str] | None = None
    needs: tuple[str, ...] = ()

    @property
    def reached(self) -> bool:
        return bool(self.path)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stage": self.stage, "first_stage": self.first}
        if self.path:
            out["via"] = list(self.path)
        if self.stuck:
            out["stuck"] = {"from": self.stuck[0], "to": self.stuck[1], "needs": list(self.needs)}
        return out


def arrival(playbook: Playbook, deal: dict[str, Any], as_of: date) -> Arrival:
    """How ``deal`` could have reached its stage. Each stage is judged at most once (a
    breadth-first walk over the playbook's stages), so the work is bounded by their number."""
    result = playbook.evaluate(deal, as_of=as_of)  # a bad deal or stage is refused here
    stage, category = result.stage, result.category
    first = playbook.model.initials.get(category, playbook.model.initial)
    if stage == first:
        return Arrival(stage, first, (first,))
    came_from: dict[str, str] = {first: ""}
    blocked = []  # (from, Move), in the order the walk met them
    queue = deque([first])
    while queue:
        at = queue.popleft()
        judged = playbook.evaluate({**deal, "stage": at}, as_of=as_of)
        for move in judged.transitions:
            if move.to in came_from:
                continue
            if not move.allowed:
                blocked.append((at, move))
                continue
            came_from[move.to] = at
            if move.to == stage:
                return Arrival(stage, first, _path(came_from, stage))
            queue.append(move.to)
    toward = _leading_to(playbook, category, stage)
    for at, move in blocked:
        if move.to not in came_from and move.to in toward:
            # a need two guards share (one approval asked by two rules) is said once
            needs = tuple(dict.fromkeys(m.message for m in move.missing))
            return Arrival(stage, first, (), (at, move.to), needs)
    return Arrival(stage, first)  # no move of the playbook leads there at all


def _path(came_from: dict[str, str], stage: str) -> tuple[str, ...]:
    path = [stage]
    while came_from[path[-1]]:
        path.append(came_from[path[-1]])
    return tuple(reversed(path))


def _leading_to(playbook: Playbook, category: str, stage: str) -> set[str]:
    """The stages from which some move of the category leads (eventually) to ``stage``."""
    into: dict[str, set[str]] = {}
    for (cat, source), moves in playbook.compiled.moves.items():
        if cat == category:
            for m in moves:
                into.setdefault(m.transition.target, set()).add(source)
    found, todo = {stage}, [stage]
    while todo:
        for source in into.get(todo.pop(), ()):
            if source not in found:
                found.add(source)
                todo.append(source)
    return found
