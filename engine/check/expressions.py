"""An expression or message as written, and where, in; its checked form out (``Expr``,
``Message``) or its problems reported with the column they start at."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..errors import Location
from ..lang import expressions as ex
from ..lang.messages import Message
from ..lang.types import BOOL, Type
from ..read.sourcemap import Path, json_path
from .context import Context
from .messages import check_message
from .model import Expr
from .names import Names


class Lang:
    """Checks expressions and messages against what ``names`` lets them read."""

    def __init__(self, ctx: Context, names: Names) -> None:
        self.ctx = ctx
        self.names = names
        # a message is checked once per place: table rows that inherit their table's
        # message reuse its result instead of reporting its problems once per row
        self.messages_seen: dict[Path, Message | None] = {}

    def expr(
        self,
        raw: Any,
        path: Path,
        expect: Type | None = BOOL,
        extra: Mapping[str, Type] | None = None,
        fact_filter: Callable[[str], str | None] | None = None,
    ) -> Expr | None:
        if isinstance(raw, bool | int | Decimal) and expect is not BOOL:
            raw = str(raw).lower() if isinstance(raw, bool) else str(raw)
        if not isinstance(raw, str):
            if isinstance(raw, bool):
                raw = "true" if raw else "false"
            else:
                self.ctx.error(
                    "type", "expected an expression (text)", path, said="expected_expression"
                )
                return None
        checked = ex.check(raw, self.names.scope(extra, fact_filter), expect)
        loc = self.ctx.at(path)
        if checked.problems:
            for p in checked.problems:
                self.ctx.sink.add(
                    p.code,
                    p.message,
                    self.column(loc, raw, p.start),
                    json_path(path),
                    p.hint,
                    said=p.said,
                    values=dict(p.values),
                    hint_said=p.hint_said,
                )
            return None
        assert checked.node is not None
        for p in checked.person_compares:
            self.ctx.sink.add(
                p.code,
                p.message,
                self.column(loc, raw, p.start),
                json_path(path),
                p.hint,
                severity="warning",
                said=p.said,
                values=dict(p.values),
                hint_said=p.hint_said,
            )
        for param, what in checked.percent_params:
            self.percent_param(param, f"line {loc.line} compares it with {what}")
        node = checked.node
        if expect is not None and expect.kind == "percent" and isinstance(node, ex.Const):
            what = (
                f"the value of percentage fact '{path[1]}'"
                if path[:1] == ("facts",)
                else ("a percentage")
            )
            self.percent_value(node.value, node.param, raw, path, what)
        return Expr(raw, node, loc, frozenset(checked.facts_used), frozenset(checked.paths_used))

    def message(
        self, raw: Any, path: Path, extra: Mapping[str, Type] | None = None
    ) -> Message | None:
        """A checked message; ``extra`` are the names it may use besides the usual ones."""
        if raw is None:
            return None
        if path not in self.messages_seen:
            self.messages_seen[path] = check_message(self.ctx, self.names, raw, path, extra)
        return self.messages_seen[path]

    def percent_param(self, name: str, place: str) -> None:
        """A parameter written as a bare number above 1 and compared with a percentage:
        reported once, at the parameter's value, whatever uses it."""
        param = self.names.params.get(name)
        if param is None or name in self.ctx.percent_reported:
            return
        value = param.value
        if param.type.kind == "percent" or isinstance(value, bool):
            return
        if not isinstance(value, int | Decimal) or abs(Decimal(value)) <= 1:
            return
        self.ctx.percent_reported.add(name)
        self.ctx.error(
            "percent-scale",
            f"parameter '{name}' is {value}, but {place}: {value} would mean "
            f"{ex.percent_text(value)}",
            ("parameters", name, "value"),
            f"did you mean {value}%? write value: {value}%",
            said="param_used_as_percent",
            values={
                "name": name,
                "value": value,
                "place": place,
                "percent": ex.percent_text(value),
            },
            hint_said="write_percent",
        )

    def percent_value(self, value: Any, param: str, raw: Any, path: Path, what: str) -> None:
        """A bare number above 1 where a percentage is meant (a fact's value, a bound)."""
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return
        if abs(Decimal(value)) <= 1:
            return
        if param:
            self.percent_param(param, f"line {self.ctx.at(path).line} gives it as {what}")
            return
        if isinstance(raw, str) and "%" in raw:
            return  # written as a percentage: 150% is meant
        self.ctx.error(
            "percent-scale",
            f"{value} is {what}, so it would mean {ex.percent_text(value)}",
            path,
            f"did you mean {value}%?",
            # ``what`` is "a percentage" or names the percentage fact: its words by the key
            said="fact_percent_scale" if path[:1] == ("facts",) else "value_percent_scale",
            values={
                "value": value,
                "what": what,
                "name": path[1] if len(path) > 1 else "",
                "percent": ex.percent_text(value),
            },
            hint_said="percent_meant",
        )

    def column(self, loc: Location, raw: str, offset: int) -> Location:
        """Location of character ``offset`` of an expression written at ``loc``."""
        lines = self.ctx.texts.get(loc.file, [])
        if "\n" in raw or not (0 < loc.line <= len(lines)):
            return loc
        line = lines[loc.line - 1]
        start = loc.column - 1
        if start < len(line) and line[start] in "'\"":
            start += 1
        elif start < len(line) and line[start] in "|>":
            return loc
        return Location(loc.file, loc.line, start + offset + 1)


def percent_text(source: Expr | None) -> str:
    """The text of a table's input when it reads a percentage, else ""."""
    return source.text if source is not None and ex.is_percent(source.node) else ""
