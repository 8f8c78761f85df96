"""Two playbook files in, what changed between them out (``kam diff``): per parameter, rule,
table row, stage and move, with where the change stands in the newer file.

Both playbooks are fully checked first; the comparison runs on the merged playbook data
(includes and ``extends`` resolved), so a change made in a shared module shows up too.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ..compile.build import canonical_json
from ..errors import InputError
from ..read.assemble import Assembled, assemble
from ..read.sourcemap import SourceMap
from ..results import Change, PlaybookDiff

Path = tuple[str | int, ...]
FIRST = ("kam", "id", "version", "effective_from", "effective_to", "extends", "include")


def diff_playbooks(old: str | os.PathLike[str], new: str | os.PathLike[str]) -> PlaybookDiff:
    """Check both files (``PlaybookError`` if either is broken) and compare them: two
    playbooks, or two versions of a policy module."""
    return diff_assembled(assemble(os.fspath(old)), assemble(os.fspath(new)))


def diff_assembled(before: Assembled, after: Assembled) -> PlaybookDiff:
    """As ``diff_playbooks``, for playbooks already read: a version saved in the store is
    text, not a file."""
    from .lint import check_assembled, is_module

    if is_module(before) != is_module(after):
        raise InputError(f"{before.smap.file} and {after.smap.file}: a module and a playbook")
    old_ref, new_ref = check_assembled(before), check_assembled(after)
    changes = tuple(
        _with_source(c, before.data, after.data)
        for c in _Differ(before, after).walk(before.data, after.data, (), (), "")
    )
    return PlaybookDiff(old_ref, new_ref, changes)


def _with_source(change: Change, old: Any, new: Any) -> Change:
    """A change to a parameter carries where its number comes from (company setting or the
    guide), as the newer file says (the older one for a removed parameter), so a reviewer
    sees whether a number the guide gives is being changed."""
    parts = change.path.split(".")
    if len(parts) < 2 or parts[0] != "parameters":
        return change
    data = old if change.kind == "removed" else new
    spec = (data.get("parameters") or {}).get(parts[1]) if isinstance(data, dict) else None
    source = spec.get("source") if isinstance(spec, dict) else None
    if source is None:
        return change
    return replace(change, source=source)


class _Differ:
    def __init__(self, before: Assembled, after: Assembled) -> None:
        self.old_map: SourceMap = before.smap
        self.new_map: SourceMap = after.smap

    def walk(self, a: Any, b: Any, pa: Path, pb: Path, shown: str) -> Iterator[Change]:
        """Changes from ``a`` (at ``pa`` in the old data) to ``b`` (at ``pb`` in the new)."""
        if isinstance(a, dict) and isinstance(b, dict):
            keys = [*a, *(k for k in b if k not in a)]
            if not pa:  # which playbook and when it applies come first
                keys.sort(key=lambda k: FIRST.index(k) if k in FIRST else len(FIRST))
            for key in keys:
                name = f"{shown}.{key}" if shown else str(key)
                if key not in b:
                    yield self._removed(a[key], pa + (key,), name)
                elif key not in a:
                    yield self._added(b[key], pb + (key,), name)
                else:
                    yield from self.walk(a[key], b[key], pa + (key,), pb + (key,), name)
        elif isinstance(a, list) and isinstance(b, list) and _entries(a + b):
            yield from self._entries(a, b, pa, pb, shown)
        elif canonical_json(a) != canonical_json(b):
            yield Change("changed", shown, a, b, self.new_map.at(pb))

    def _entries(
        self, a: list[Any], b: list[Any], pa: Path, pb: Path, shown: str
    ) -> Iterator[Change]:
        """Lists of entries: matched by id (rules, tables), by from/to (moves), else aligned
        by content so that one inserted row is one addition, not a shift of every row."""
        ka, kb = _keys(a), _keys(b)
        if ka is not None and kb is not None:
            old_at, new_at = {k: i for i, k in enumerate(ka)}, {k: i for i, k in enumerate(kb)}
            for k, i in old_at.items():
                if k not in new_at:
                    yield self._removed(a[i], pa + (i,), f"{shown}[{k}]")
            for k, j in new_at.items():
                name = f"{shown}[{k}]"
                if k not in old_at:
                    yield self._added(b[j], pb + (j,), name)
                else:
                    yield from self.walk(a[old_at[k]], b[j], pa + (old_at[k],), pb + (j,), name)
            kept_old = [k for k in ka if k in new_at]
            kept_new = [k for k in kb if k in old_at]
            if kept_old != kept_new:  # order decides for first-hit tables and the handbook
                yield Change("reordered", shown, kept_old, kept_new, self.new_map.at(pb))
            return
        matcher = difflib.SequenceMatcher(
            a=[canonical_json(x) for x in a], b=[canonical_json(x) for x in b], autojunk=False
        )
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            if op == "replace":  # edited in place, then what is left over came or went
                n = min(i2 - i1, j2 - j1)
                for i, j in zip(range(i1, i1 + n), range(j1, j1 + n), strict=True):
                    yield from self.walk(a[i], b[j], pa + (i,), pb + (j,), f"{shown}[{j + 1}]")
                i1, j1 = i1 + n, j1 + n
            for i in range(i1, i2):
                yield self._removed(a[i], pa + (i,), f"{shown}[{i + 1}]")
            for j in range(j1, j2):
                yield self._added(b[j], pb + (j,), f"{shown}[{j + 1}]")

    def _added(self, value: Any, path: Path, shown: str) -> Change:
        return Change("added", shown, None, value, self.new_map.at(path, key=True))

    def _removed(self, value: Any, path: Path, shown: str) -> Change:
        return Change("removed", shown, value, None, self.old_map.at(path, key=True))


def _entries(items: list[Any]) -> bool:
    """Lists of mappings (rules, rows, moves; one side may be empty) are compared entry by entry."""
    return bool(items) and all(isinstance(v, dict) for v in items)


def _keys(items: list[Any]) -> list[str] | None:
    """The entries' names when every entry has a distinct one (id, or from → to)."""
    if all("id" in v for v in items):
        keys = [str(v["id"]) for v in items]
    elif all("from" in v and "to" in v for v in items):
        keys = [f"{_names(v['from'])} → {_names(v['to'])}" for v in items]
    else:
        return None
    return keys if len(set(keys)) == len(keys) else None


def _names(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
