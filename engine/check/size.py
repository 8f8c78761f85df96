"""A merged raw playbook (or module) in; its size problems out, found by counting alone.

Runs before the schema and every other pass, so the work of checking is bounded by the
limits in ``limits.py`` whatever a check costs per stage, category or move.
"""

from __future__ import annotations

from typing import Any

from ..errors import Diagnostic, values_of
from ..limits import MAX_CATEGORIES, MAX_MOVES, MAX_RULES, MAX_STAGES
from ..read.sourcemap import SourceMap, json_path

_SECTIONS = (
    ("rules", MAX_RULES, "rules", "split the playbook by business line"),
    ("stages", MAX_STAGES, "stages", "a sales process has a handful of stages"),
    ("categories", MAX_CATEGORIES, "categories", "group customers into fewer categories"),
)
# the words of each section's problem and hint in every language, by its key
_SAID = {
    "rules": "too_many_rules",
    "stages": "too_many_stages",
    "categories": "too_many_categories",
    "transitions": "too_many_moves",
}


def size_problems(data: Any, smap: SourceMap) -> list[Diagnostic]:
    """One ``too-large`` problem per section over its limit (nothing is checked after)."""
    if not isinstance(data, dict):
        return []
    out = []
    for key, limit, what, hint in _SECTIONS:
        section = data.get(key)
        if isinstance(section, dict | list) and len(section) > limit:
            out.append(
                _too_large(smap, key, f"{len(section):,} {what}", limit, what, hint, len(section))
            )
    moves = _spread_moves(data)
    if moves > MAX_MOVES:
        out.append(
            _too_large(
                smap,
                "transitions",
                f"{moves:,} moves once 'from: any' and lists of stages are spread",
                MAX_MOVES,
                "moves",
                "a 'from: any' move counts once per stage: give the few stages a move "
                "really leaves from",
                moves,
            )
        )
    return out


def _spread_moves(data: dict[str, Any]) -> int:
    """Moves as the checker will spread them: ``from: any`` once per stage (an upper bound)."""
    moves = data.get("transitions")
    stages = data.get("stages")
    every = len(stages) if isinstance(stages, dict) else 0
    total = 0
    for move in moves if isinstance(moves, list) else ():
        source = move.get("from") if isinstance(move, dict) else None
        total += every if source == "any" else len(source) if isinstance(source, list) else 1
    return total


def _too_large(
    smap: SourceMap, key: str, found: str, limit: int, what: str, hint: str, count: int
) -> Diagnostic:
    return Diagnostic(
        "too-large",
        f"{found}; the limit is {limit:,} {what}",
        smap.at((key,), key=True),
        json_path((key,)),
        hint,
        said=_SAID[key],
        values=values_of({"count": f"{count:,}", "limit": f"{limit:,}"}),
        hint_said=_SAID[key],
    )
