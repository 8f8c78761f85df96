"""The raw playbook, its source map and file lines in; located problems (one sink) out.

Every pass reads the playbook through this context, which skips what the JSON Schema found
broken, and reports through it. JSON paths stay tuples until a problem is written down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import Diagnostic, DiagnosticSink, Location, closest
from ..read.sourcemap import Path, SourceMap, json_path
from .model import Label

_PLURAL = {"category": "categories"}


class Context:
    def __init__(
        self,
        data: Any,
        smap: SourceMap,
        texts: Mapping[str, list[str]],
        module: bool = False,
        bad: Iterable[Path] = (),
        earlier: Iterable[Diagnostic] = (),
    ) -> None:
        self.data = data
        self.smap = smap
        self.texts = texts
        self.module = module  # a policy module: the including playbook declares the rest
        # elements the schema found broken: the passes skip them (a set: each look-up costs
        # the depth of the path, not the number of broken elements)
        self.bad = frozenset(bad)
        self.sink = DiagnosticSink()
        self.sink.items.extend(earlier)
        # parameters reported as a percentage on the wrong scale: each is reported once
        self.percent_reported: set[str] = set()
        # parameters whose value is refused (reported at the value): their uses say nothing
        # more, and a value of the wrong kind for a use is reported once, at the value
        self.params_reported: set[str] = set()

    def at(self, path: Path, key: bool = False) -> Location:
        return self.smap.at(path, key=key)

    def error(
        self,
        code: str,
        message: str,
        path: Path,
        hint: str = "",
        key: bool = False,
        location: Location | None = None,
        said: str = "",
        values: Mapping[str, Any] | None = None,
        hint_said: str = "",
    ) -> None:
        where = location or self.at(path, key=key)
        self.sink.add(
            code,
            message,
            where,
            json_path(path),
            hint,
            said=said,
            values=values,
            hint_said=hint_said,
        )

    def unknown(
        self, what: str, name: Any, path: Path, known: Iterable[str], hint: str = ""
    ) -> None:
        """``unknown <what> '<name>'`` with the nearest known name, else ``hint`` (where to
        declare it), else the known names (``stages: a, b``)."""
        known = list(known)
        close = closest(str(name), known)
        listed = f"{_PLURAL.get(what, what + 's')}: {', '.join(known)}"
        if close:
            hint, hint_said = f"did you mean '{close}'?", "did_you_mean"
        elif hint:
            hint_said = f"unknown-{what}"
        else:
            hint, hint_said = listed, f"known_{what}"
        self.error(
            f"unknown-{what}",
            f"unknown {what} '{name}'",
            path,
            hint,
            said="unknown",
            values={"what": what, "name": name, "close": close, "known": ", ".join(known)},
            hint_said=hint_said,
        )

    def is_bad(self, path: Path) -> bool:
        """Is ``path`` at or inside an element the schema found broken?"""
        return bool(self.bad) and any(path[:n] in self.bad for n in range(len(path) + 1))

    def get(self, path: Path) -> Any:
        cur = self.data
        for p in path:
            if isinstance(cur, dict) and isinstance(p, str):
                cur = cur.get(p)
            elif isinstance(cur, list) and isinstance(p, int) and p < len(cur):
                cur = cur[p]
            else:
                return None
        return cur

    def mapping(self, path: Path) -> dict[str, Any]:
        value = self.get(path)
        return value if isinstance(value, dict) and not self.is_bad(path) else {}

    def items(self, path: Path) -> list[tuple[Path, Any]]:
        value = self.get(path)
        if not isinstance(value, list) or (self.is_bad(path) and path in self.bad):
            return []
        return [(path + (i,), v) for i, v in enumerate(value) if not self.is_bad(path + (i,))]


def label(value: Any) -> Label:
    """A label as written: one text for both languages, or {en, zh}."""
    if isinstance(value, str):
        return Label(en=value, zh=value)
    if isinstance(value, dict):
        return Label(en=str(value.get("en", "")), zh=str(value.get("zh", "")))
    return Label()


def title(value: Any, name: str) -> Label:
    """A label as written, or the name itself when there is none."""
    return label(value) if value else Label(name, name)
