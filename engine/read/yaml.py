"""YAML text in, plain data and a source map out (or located diagnostics).

YAML is read from PyYAML's *event* stream by our own small, iterative composer, so that
- nothing but plain data is ever built (no tags beyond str/int/float/bool/null/seq/map);
- aliases and anchors are refused (an alias bomb never expands), nesting is capped before
  the C parser's recursive composer could overflow the stack (it segfaults at ~25,000);
- duplicate keys are errors (PyYAML keeps the last one silently);
- YAML 1.1 surprises do not happen: ``on/off/yes/no``, ``012``, ``12:30`` and ``.nan``
  stay strings, and numbers with a point become ``Decimal`` (money is never a float);
- every value's position is kept in a ``SourceMap`` keyed by its path, for diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, Location, values_of
from ..limits import DEFAULT_LIMITS, YAML_EXPONENTS, Limits
from .decode import invisible_characters
from .json import long_exponent
from .sourcemap import SourceMap

if TYPE_CHECKING:
    import yaml


def _yaml() -> Any:
    """PyYAML, imported when a YAML text is first read (a JSON deal never needs it)."""
    import yaml

    return yaml


def _loader(yaml: Any) -> Any:
    # libyaml's event parser is iterative; only its composer recurses, and we do not use it.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?\Z|[-+]?\.[0-9]+\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_TAG = "tag:yaml.org,2002:"
_KNOWN_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map"))


class _Stop(Exception):
    """Raised inside the composer to stop at the first structural problem."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def load_yaml(
    text: str, file: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[Any, SourceMap, list[Diagnostic]]:
    """Parse one YAML document into plain data; problems come back as diagnostics.

    Duplicate keys are reported without stopping (the first value is kept), so a caller may
    go on checking ``data`` and report everything at once; other problems return no data.
    """
    smap = SourceMap(file)
    if len(text) > limits.max_bytes:
        return (
            None,
            smap,
            [
                Diagnostic(
                    "too-large",
                    f"file is {len(text):,} characters; the limit is {limits.max_bytes:,}",
                    Location(file, 1, 1),
                    hint="split it into modules, or raise the limit",
                    said="file_too_large",
                    values=values_of({"size": f"{len(text):,}", "limit": f"{limits.max_bytes:,}"}),
                    hint_said="split_or_raise",
                )
            ],
        )
    problems = invisible_characters(text, file)
    if problems:
        return None, smap, problems
    yaml = _yaml()
    composer = _Composer(file, smap, limits, yaml)
    try:
        data = composer.compose(yaml.parse(text, Loader=_loader(yaml)))
    except _Stop as stop:
        return None, smap, [*composer.problems, stop.diagnostic]
    except yaml.MarkedYAMLError as exc:
        return None, smap, [*composer.problems, _yaml_problem(exc, file, text, limits)]
    except (yaml.reader.ReaderError, UnicodeEncodeError) as exc:
        return None, smap, [*composer.problems, _character_problem(exc, file, text)]
    except (yaml.YAMLError, ValueError, OverflowError, IndexError, RecursionError) as exc:
        return (
            None,
            smap,
            [
                Diagnostic(
                    "yaml-syntax",
                    f"cannot read YAML: {exc}",
                    Location(file, 1, 1),
                    said="cannot_read_yaml",
                    values=values_of({"problem": exc}),
                )
            ],
        )
    return data, smap, composer.problems


def _character_problem(exc: Exception, file: str, text: str) -> Diagnostic:
    """A character YAML does not allow (a control character such as NUL or ESC, a lone
    surrogate), found where it is: PyYAML's own words name "<unicode string>" and a byte
    offset (libyaml), which mean nothing to the person who wrote the file."""
    if isinstance(exc, UnicodeEncodeError):
        at = exc.start
    else:
        code = getattr(exc, "character", None)
        at = text.find(chr(code)) if isinstance(code, int) else -1
    if at < 0:
        at = 0
    before = text[:at]
    line = before.count("\n") + 1
    column = at - (before.rfind("\n") + 1) + 1
    char = text[at] if at < len(text) else ""
    what = f"character U+{ord(char):04X}" if char else "character"
    return Diagnostic(
        "yaml-syntax",
        f"{what} is not allowed in a YAML file (a control character or a broken one)",
        Location(file, line, column),
        hint="delete it; if the file came from another program, save it again as plain text",
        said="character_not_allowed" if char else "a_character_not_allowed",
        values=values_of({"code": f"{ord(char):04X}"} if char else None),
        hint_said="delete_character",
    )


def _yaml_problem(exc: yaml.MarkedYAMLError, file: str, text: str, limits: Limits) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
    problem = (exc.problem or "syntax error").strip()
    if "maximum nesting" in problem:
        # Newer PyYAML refuses very deep flow nesting while scanning, before our composer
        # sees the events: the same problem, so the same code and words.
        return Diagnostic(
            "too-deep",
            f"nesting deeper than {limits.max_depth} levels",
            loc,
            hint="flatten the structure",
            said="too_deep",
            values=values_of({"limit": limits.max_depth}),
            hint_said="flatten",
        )
    hint, hint_said = "", ""
    values: dict[str, Any] = {"format": problem}
    if exc.context and exc.context_mark is not None:
        cm = exc.context_mark
        hint = f"{exc.context.strip()} at line {cm.line + 1}, column {cm.column + 1}"
        # PyYAML's words for what it was reading are a few fixed phrases: each has words in
        # every language (lint_words), like its problems below
        values.update(what=exc.context.strip(), line=cm.line + 1, column=cm.column + 1)
        hint_said = "yaml_context"
    lines = text.splitlines()
    if any(p in problem for p in _INDENT_PROBLEMS):
        moved = _moved_line(lines, loc.line)
        if moved is not None:
            line, column, should = moved
            return Diagnostic(
                "yaml-syntax",
                f"this line starts in column {column}, but the next one at its level "
                f"(line {loc.line}) starts in column {should}",
                Location(file, line, column),
                hint="the keys of one mapping (and the items of one list) start in the same "
                f"column: start this line in column {should}",
                said="indent",
                values=(("column", str(column)), ("line", str(loc.line)), ("should", str(should))),
                hint_said="indent",
            )
    bad_line = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
    if "\t" in bad_line[: loc.column]:
        hint, hint_said = "indent with spaces, not tabs", "no_tabs"
    elif "mapping values are not allowed" in problem:
        hint, hint_said = "check the indentation, or quote a value that contains ': '", "colon"
    elif "expected key" in problem or "expected <block end>" in problem:
        hint = "check the indentation: keys of one mapping must start in the same column"
        hint_said = "same_column"
    m = _FOUND.match(problem)
    if m:  # the fixed part is worded, the token it found is kept as PyYAML writes it
        values.update(format=m.group(1), token=m.group(3))
    return Diagnostic(
        "yaml-syntax",
        problem,
        loc,
        hint=hint,
        said=("yaml_got" if m.group(2) == ", but got" else "yaml_found") if m else "yaml_problem",
        values=values_of(values),
        hint_said=hint_said,
    )


# PyYAML's problems that name what it found ("expected <block end>, but found '-'"): the
# fixed part has words in every language (lint_words), the token is kept as written
_FOUND = re.compile(r"^(.*?)(, but found|, but got) (.+)$")


_INDENT_PROBLEMS = (
    "did not find expected key",
    "mapping values are not allowed",
    "expected <block end>",
    "did not find expected '-' indicator",
)
_COMMENT = re.compile(r"\s+#.*$")


def _moved_line(lines: list[str], bad: int) -> tuple[int, int, int] | None:
    """(line, column, column it belongs in) of the line that really moved, or None.

    PyYAML reports a wrongly indented *first* key of a mapping at the next key, because the
    first key sets the mapping's column. When the line before the reported one opens the
    block, is off the file's indentation step and the reported line is on it, the earlier
    line is the one that moved."""

    def content(n: int) -> bool:
        text = lines[n - 1].strip()
        return bool(text) and not text.startswith("#")

    def indent(n: int) -> int:
        return len(lines[n - 1]) - len(lines[n - 1].lstrip(" "))

    if not 1 < bad <= len(lines) or not content(bad):
        return None
    moved = next((n for n in range(bad - 1, 0, -1) if content(n)), 0)
    parent = next((n for n in range(moved - 1, 0, -1) if content(n)), 0)
    if not moved or not parent:
        return None
    if any("\t" in lines[n - 1][: indent(n) + 1] for n in (moved, parent, bad)):
        return None  # tabs get their own hint
    at, p_at, n_at = indent(moved), indent(parent), indent(bad)
    opens = _COMMENT.sub("", lines[parent - 1]).rstrip().endswith(":")
    if not (opens and p_at < at and p_at < n_at and at != n_at):
        return None
    step = _indent_step(lines, skip=(moved, bad))
    if n_at - p_at != step or at - p_at == step:
        return None
    return moved, at + 1, n_at + 1


def _indent_step(lines: list[str], skip: tuple[int, ...] = ()) -> int:
    """The file's usual indentation step: the most common increase from line to line,
    leaving out the lines in question (2 when it is a tie)."""
    counts: dict[int, int] = {}
    before = 0
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#") or n in skip:
            continue
        at = len(line) - len(line.lstrip(" "))
        if at > before:
            counts[at - before] = counts.get(at - before, 0) + 1
        before = at
    return max(counts, key=lambda k: (counts[k], k == 2, -k)) if counts else 2


class _Composer:
    """Builds plain data from parser events, with an explicit stack (never recursion)."""

    def __init__(self, file: str, smap: SourceMap, limits: Limits, yaml: Any) -> None:
        self.yaml = yaml
        self.file = file
        self.smap = smap
        self.limits = limits
        self.nodes = 0
        self.problems: list[Diagnostic] = []

    def _loc(self, event: Any) -> Location:
        m = event.start_mark
        return Location(self.file, m.line + 1, m.column + 1)

    def _stop(
        self,
        code: str,
        message: str,
        event: Any,
        hint: str = "",
        said: str = "",
        values: dict[str, Any] | None = None,
        hint_said: str = "",
    ) -> _Stop:
        return _Stop(
            Diagnostic(
                code,
                message,
                self._loc(event),
                hint=hint,
                said=said,
                values=values_of(values),
                hint_said=hint_said,
            )
        )

    def compose(self, events: Iterator[Any]) -> Any:
        documents = 0
        root: Any = None
        # stack entries: [container, path, pending_key, key_locations]
        stack: list[list[Any]] = []
        for event in events:
            if isinstance(event, self.yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self._stop(
                        "multiple-documents",
                        "the file holds more than one YAML document",
                        event,
                        hint="keep one document per file (remove the second '---')",
                        said="multiple_documents",
                        hint_said="one_document",
                    )
                continue
            if isinstance(
                event,
                (self.yaml.StreamStartEvent, self.yaml.StreamEndEvent, self.yaml.DocumentEndEvent),
            ):
                continue
            if isinstance(event, self.yaml.AliasEvent):
                raise self._stop(
                    "alias",
                    f"aliases (*{event.anchor}) are not allowed",
                    event,
                    hint="write the value out in full",
                    said="alias",
                    values={"name": event.anchor},
                    hint_said="write_out",
                )
            if isinstance(event, (self.yaml.MappingEndEvent, self.yaml.SequenceEndEvent)):
                container, path, _, _ = stack.pop()
                value = container
                if not stack:
                    root = value
                continue
            # a node starts: scalar, mapping or sequence
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise self._stop(
                    "alias",
                    f"anchors (&{anchor}) are not allowed",
                    event,
                    hint="write the value out in full",
                    said="anchor",
                    values={"name": anchor},
                    hint_said="write_out",
                )
            self.nodes += 1
            if self.nodes > self.limits.max_nodes:
                raise self._stop(
                    "too-large",
                    f"more than {self.limits.max_nodes:,} values",
                    event,
                    said="too_many_values",
                    values={"limit": f"{self.limits.max_nodes:,}"},
                )
            if stack:
                parent = stack[-1]
                container = parent[0]
                if isinstance(container, dict) and parent[2] is _NO_KEY:
                    # this node is a mapping key
                    if not isinstance(event, self.yaml.ScalarEvent):
                        raise self._stop(
                            "bad-key", "a mapping key must be plain text", event, said="key_plain"
                        )
                    key = self._scalar(event)
                    if isinstance(key, bool) or key is None or not isinstance(key, str | int):
                        raise self._stop(
                            "bad-key",
                            f"key {event.value!r} is not text",
                            event,
                            hint=f"quote it: '{event.value}'",
                            said="key_not_text",
                            values={"name": repr(event.value), "value": event.value},
                            hint_said="quote_key",
                        )
                    key = str(key)
                    if key in container:
                        # report it and read on, so the rest of the file is checked too
                        first = parent[3][key]
                        self.problems.append(
                            Diagnostic(
                                "duplicate-key",
                                f"duplicate key '{key}' (first given at line {first.line})",
                                self._loc(event),
                                hint="each key may appear once; remove or rename one of them",
                                said="duplicate_key",
                                values=(("name", key), ("line", str(first.line))),
                                hint_said="duplicate_key",
                            )
                        )
                        parent[2] = _DUPLICATE
                        continue
                    if len(container) >= self.limits.max_items:
                        raise self._stop(
                            "too-large",
                            f"more than {self.limits.max_items:,} entries in one mapping",
                            event,
                            said="too_many_entries",
                            values={"limit": f"{self.limits.max_items:,}"},
                        )
                    parent[2] = key
                    loc = self._loc(event)
                    parent[3][key] = loc
                    self.smap.keys[parent[1] + (key,)] = loc
                    continue
                if isinstance(container, dict):
                    path = parent[1] + ("<duplicate>" if parent[2] is _DUPLICATE else parent[2],)
                else:
                    if len(container) >= self.limits.max_items:
                        raise self._stop(
                            "too-large",
                            f"more than {self.limits.max_items:,} items in one list",
                            event,
                            said="too_many_items",
                            values={"limit": f"{self.limits.max_items:,}"},
                        )
                    path = parent[1] + (len(container),)
            else:
                path = ()
            self.smap.values[path] = self._loc(event)
            if isinstance(event, self.yaml.ScalarEvent):
                value = self._scalar(event)
                self._attach(stack, value)
                if not stack:
                    root = value
                continue
            if len(stack) >= self.limits.max_depth:
                raise self._stop(
                    "too-deep",
                    f"nesting deeper than {self.limits.max_depth} levels",
                    event,
                    hint="flatten the structure",
                    said="too_deep",
                    values={"limit": self.limits.max_depth},
                    hint_said="flatten",
                )
            if isinstance(event, self.yaml.MappingStartEvent):
                self._check_tag(event, "map")
                new: Any = {}
            else:
                self._check_tag(event, "seq")
                new = []
            self._attach(stack, new)
            stack.append([new, path, _NO_KEY, {}])
        if documents == 0:
            return None
        return root

    def _attach(self, stack: list[list[Any]], value: Any) -> None:
        if not stack:
            return
        parent = stack[-1]
        container = parent[0]
        if isinstance(container, dict):
            if parent[2] is not _DUPLICATE:  # the second value of a duplicate key is dropped
                container[parent[2]] = value
            parent[2] = _NO_KEY
        else:
            container.append(value)

    def _check_tag(self, event: Any, kind: str) -> None:
        tag = event.tag
        if tag is None or tag in ("!", _TAG + kind):
            return
        raise self._stop(
            "unknown-tag",
            f"unknown tag {tag}",
            event,
            hint="tags are not allowed in playbooks and deals; remove it",
            said="unknown_tag",
            values={"name": tag},
            hint_said="no_tags",
        )

    def _scalar(self, event: Any) -> Any:
        value: str = event.value
        if len(value) > self.limits.max_string:
            raise self._stop(
                "too-large",
                f"text longer than {self.limits.max_string:,} characters",
                event,
                said="text_too_long",
                values={"limit": f"{self.limits.max_string:,}"},
            )
        tag = event.tag
        if tag is not None and tag != "!":
            if tag not in _KNOWN_TAGS:
                raise self._stop(
                    "unknown-tag",
                    f"unknown tag {tag}",
                    event,
                    hint="tags are not allowed in playbooks and deals; remove it",
                    said="unknown_tag",
                    values={"name": tag},
                    hint_said="no_tags",
                )
            kind = tag[len(_TAG) :]
            if kind == "str":
                return value
            resolved = self._resolve(value, event)
            expect = {"int": int, "float": Decimal, "bool": bool, "null": type(None)}[kind]
            if kind == "float" and isinstance(resolved, int) and not isinstance(resolved, bool):
                resolved = Decimal(resolved)
            if not isinstance(resolved, expect) or (kind == "int" and isinstance(resolved, bool)):
                raise self._stop(
                    "bad-value",
                    f"{value!r} is not a valid !!{kind}",
                    event,
                    said="not_valid_tagged",
                    values={"value": repr(value), "kind": kind},
                )
            return resolved
        if event.style or not event.implicit[0]:
            return value  # quoted or block text: always a string
        return self._resolve(value, event)

    def _resolve(self, value: str, event: Any) -> Any:
        if value in _NULLS:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        if _INT.match(value):
            if len(value.lstrip("+-")) > self.limits.max_number_digits:
                raise self._stop(
                    "bad-number",
                    f"number {value[:20]}... is too long",
                    event,
                    said="number_too_long",
                    values={"value": value[:20]},
                )
            return int(value)
        if _DECIMAL.match(value):
            digits = sum(c.isdigit() for c in value.split("e")[0].split("E")[0])
            if long_exponent(value):  # Decimal() of a 20-digit exponent raises
                raise self._stop(
                    "bad-number",
                    f"number {value[:20]} is out of range",
                    event,
                    said="number_out_of_range",
                    values={"value": value[:20]},
                )
            number = Decimal(value)
            if (
                digits > self.limits.max_number_digits
                or not YAML_EXPONENTS[0] <= number.adjusted() <= YAML_EXPONENTS[1]
            ):
                raise self._stop(
                    "bad-number",
                    f"number {value[:20]} is out of range",
                    event,
                    said="number_out_of_range",
                    values={"value": value[:20]},
                )
            return number
        return value


_NO_KEY = object()
_DUPLICATE = object()
