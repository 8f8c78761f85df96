"""The names a playbook declares in; a warning for each two of one kind that differ only in
characters that look alike (``R-O1`` and ``R-01``, ``l`` and ``1``, case) out.

A reader who sees ``R-O1`` in a report and ``R-01`` in the playbook takes them for one rule;
so does an approver reading a role. Non-ASCII look-alikes never get this far: machine ids
are ASCII (the schema), and invisible or bidi characters are refused when the file is read.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import Location
from .context import Context

# each character, and the one it is read as: O and o as zero, l, I and | as one
_SAME = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1"})


def skeleton(name: str) -> str:
    """What ``name`` looks like to a hurried reader: case folded, look-alikes merged."""
    return name.casefold().translate(_SAME)


def check_lookalikes(ctx: Context, kind: str, names: Iterable[tuple[str, Location]]) -> None:
    """Warn at each later name that looks like an earlier one of the same ``kind``."""
    first: dict[str, tuple[str, Location]] = {}
    for name, where in names:
        seen = first.setdefault(skeleton(name), (name, where))
        if seen[0] != name:
            ctx.sink.add(
                "look-alike-names",
                f"{kind} '{name}' looks like {kind} '{seen[0]}' (line {seen[1].line}): they "
                "differ only in characters that look alike (O and 0, l and 1, case)",
                where,
                hint=f"rename one of them so that no one takes '{name}' for '{seen[0]}'",
                severity="warning",
                said="look_alike",
                values={"what": kind, "name": name, "other": seen[0], "line": seen[1].line},
                hint_said="look_alike",
            )
