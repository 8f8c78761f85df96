"""Playbook text being edited in; what an editor shows out: its lint problems by line, its tests
run against it, and whether it may be saved as the playbook's next version.

Used by the console's "edit a playbook" page; nothing here writes. The text stands in the
playbooks folder: its ``include:`` and ``extends:`` files are read from there (a module is
edited in the folder, not here). Lint is the very check ``kam lint`` and ``POST /v1/lint``
make. The tests of a draft are the test files that name the version it starts from, run with
the draft standing in for that file (``kam test``'s ``Runner``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..errors import Diagnostic, KamError, PlaybookError
from ..read.yaml import load_yaml
from .library import Entry, Library, header_of_text
from .lint import LintReport
from .playbook import Playbook, loads_playbook
from .testing import CaseResult, FileError, Runner, discover

RESERVED = ("edit",)  # labels the console's addresses use (/playbooks/ID/edit)


@dataclass(frozen=True, slots=True)
class Problem:
    """One lint finding, at its line of the edited text (line 0: in an included file)."""

    line: int
    column: int
    severity: str  # "error" or "warning"
    code: str
    message: str
    hint: str
    file: str  # the included file it is in, else ""


@dataclass(frozen=True, slots=True)
class TestRun:
    """The draft's tests: each case passed or failed, and test files that could not run."""

    target: str  # the file (name only) the tests name, which the draft stood in for
    cases: tuple[CaseResult, ...]
    broken: tuple[FileError, ...]

    @property
    def passed(self) -> bool:
        """Every case passed; no tests at all is not a pass (nothing was shown to hold)."""
        return bool(self.cases) and not self.broken and all(c.passed for c in self.cases)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a draft may not be saved as a new version: a word key and its values."""

    key: str
    values: tuple[tuple[str, str], ...] = ()


def lint_text(text: str, name: str, folder: str) -> tuple[Problem, ...]:
    """Every problem ``POST /v1/lint`` finds in the text, errors first, by line."""
    report = LintReport()
    report.check(name, "playbook", text, folder=folder)
    found = [d for p in report.problems for d in p.diagnostics] + list(report.warnings)
    out = [_problem(d, name) for d in found]
    return tuple(sorted(out, key=lambda p: (p.severity != "error", p.line == 0, p.line)))


def _problem(d: Diagnostic, name: str) -> Problem:
    own = d.location.file == name
    return Problem(
        d.location.line if own else 0,
        d.location.column if own else 0,
        d.severity,
        d.code,
        d.message,
        d.hint,
        "" if own else os.path.basename(d.location.file),
    )


def compile_text(text: str, name: str, folder: str) -> Playbook | None:
    """The draft checked and compiled, or None if lint finds an error in it."""
    try:
        return loads_playbook(text, name, folder=folder)
    except PlaybookError:
        return None


def tests_target(library: Library, base: Entry) -> str:
    """The file whose tests a draft starting from ``base`` must pass: ``base``'s own file, or,
    for a version saved in the store, the newest version of the folder (it descends from it)."""
    if base.text is None:
        return base.file
    folder = [e for e in library.entries if e.id == base.id and e.start <= base.start]
    return max(folder, key=lambda e: e.start).file if folder else base.file


def run_tests(playbook: Playbook, target: str, folder: str) -> TestRun:
    """The test files under ``folder`` that name ``target``, run with ``playbook`` in its place."""
    runner = Runner(stand_in={target: playbook})
    cases: list[CaseResult] = []
    for file in discover([folder]):
        if _names(file) == os.path.normpath(target):
            cases += runner.run(file)
    return TestRun(os.path.basename(target), tuple(cases), tuple(runner.errors))


def _names(test_file: str) -> str | None:
    """The playbook file a test file names (None if it cannot be read)."""
    try:
        with open(test_file, encoding="utf-8") as fh:
            data, _, _ = load_yaml(fh.read(), test_file)
    except (OSError, UnicodeDecodeError, KamError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("playbook"), str):
        return None
    return os.path.normpath(os.path.join(os.path.dirname(test_file), data["playbook"]))


def next_label(labels: list[str]) -> str:
    """The label after the newest (``2026.2`` -> ``2026.3``), never one already used."""
    taken = set(labels)
    last = labels[-1] if labels else "1"
    found = re.fullmatch(r"(.*?)(\d+)", last)
    stem, n = (found.group(1), int(found.group(2))) if found else (last + ".", 0)
    while True:
        n += 1
        label = f"{stem}{n}"
        if label not in taken:
            return label


def first_day(versions: list[Entry], today: date) -> date:
    """The earliest day a new version may start: today, and after the newest one starts."""
    newest = max((e.start for e in versions), default=date.min)
    return max(today, newest + timedelta(days=1)) if newest != date.min else today


def draft_of(text: str, label: str, start: date) -> str:
    """A version's text as the start of the next: its ``version`` and ``effective_from`` lines
    set to the new ones and its ``effective_to`` line dropped (the newest has no end)."""
    lines = [ln for ln in text.splitlines() if not re.match(r"effective_to\s*:", ln)]
    out, said_start = [], False
    for ln in lines:
        if re.match(r"version\s*:", ln):
            out.append(f'version: "{label}"')
            if not any(re.match(r"effective_from\s*:", x) for x in lines):
                out.append(f"effective_from: {start.isoformat()}")
                said_start = True
        elif re.match(r"effective_from\s*:", ln) and not said_start:
            out.append(f"effective_from: {start.isoformat()}")
            said_start = True
        else:
            out.append(ln)
    return "\n".join(out) + "\n"


def may_save(
    text: str, name: str, playbook_id: str, versions: list[Entry], today: date
) -> list[Refusal]:
    """Why the draft may not become ``playbook_id``'s next version (empty: it may): it names
    this playbook, a label not used yet, a start not in the past and after the newest
    version's, and no end."""
    head = header_of_text(text, name)
    if head is None:
        return [Refusal("save_not_playbook")]
    out = []
    if head.id != playbook_id:
        out.append(Refusal("save_other_id", (("given", head.id[:80]), ("playbook", playbook_id))))
    if not head.version or head.version in {e.version for e in versions}:
        out.append(Refusal("save_label_taken", (("version", head.version[:40]),)))
    elif head.version in RESERVED or "/" in head.version:  # a label is part of addresses
        out.append(Refusal("save_label_reserved", (("version", head.version[:40]),)))
    earliest = first_day(versions, today)
    if head.start == date.min:
        out.append(Refusal("save_no_start", (("earliest", earliest.isoformat()),)))
    elif head.start < earliest:
        values = (("given", head.start.isoformat()), ("earliest", earliest.isoformat()))
        out.append(Refusal("save_start_early", values))
    if head.end is not None:
        out.append(Refusal("save_has_end"))
    return out
