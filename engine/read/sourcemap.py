"""Paths in, locations out: where each value of a read document stands in its file, and
how a path is written in messages (``$.lines[2].unit_price``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Location

Path = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a document stands in its file."""

    file: str
    values: dict[Path, Location] = field(default_factory=dict)
    keys: dict[Path, Location] = field(default_factory=dict)

    def at(self, path: Path, key: bool = False) -> Location:
        """The closest known location for ``path`` (walking up to its parents)."""
        table = self.keys if key else self.values
        p = tuple(path)
        while True:
            if p in table:
                return table[p]
            if p in self.values:
                return self.values[p]
            if not p:
                return Location(self.file, 1, 1)
            p = p[:-1]

    def merge(self, other: SourceMap, prefix: Path = ()) -> None:
        for k, v in other.values.items():
            self.values[prefix + k] = v
        for k, v in other.keys.items():
            self.keys[prefix + k] = v


def json_path(path: Path) -> str:
    """``("lines", 2, "unit_price")`` -> ``$.lines[2].unit_price``."""
    out = "$"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out
