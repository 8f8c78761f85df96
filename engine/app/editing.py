"""Playbook text being edited in; what an editor shows out: its lint problems by line, its tests
run against it, and whether it may be saved as the playbook's next version.

Used by the console's "edit a playbook" page; nothing here writes. The text stands in the
playbooks folder: its ``include:`` and ``extends:`` files are read from there (a module is
edited in the folder, not here). Lint is the very check ``kam lint`` and ``POST /v1/lint``
make. The tests of a draft are the test files that name the version it starts from, run with
the draft standing in for that file (``kam test``'s ``Runner``), each from its text as edited
beside the draft: a threshold change is saved with the expectations it changed, and a version
saved so carries its tests to the drafts that start from it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ..errors import Diagnostic, KamError, PlaybookError
from ..lang.schema import schema_diagnostics
from ..limits import MAX_PLAYBOOK_BYTES
from ..read.assemble import read_file
from ..read.yaml import load_yaml
from .library import Entry, Library, header_of_text
from .lint import LintReport
from .playbook import Playbook, loads_playbook
from .testing import CaseResult, FileError, Runner, discover

RESERVED = ("edit",)  # labels the console's addresses use (/playbooks/ID/edit)
MAX_TEST_FILES = 12  # test files shown beside one draft (a console form has few fields)
# cases in one edited test file: the shipped files have at most 60; the bound keeps the work of
# one "run the tests" (a request of the console) small, whatever text is posted
MAX_CASES = 500


@dataclass(frozen=True, slots=True)
class TestFile:
    """One test file of a draft: where it stands under the playbooks folder, and its text."""

    path: str  # relative to the playbooks folder: its playbook and base resolve from there
    text: str
    added: bool = False  # added beside this draft (not yet a file of any version)


# a test file added in the editor: a new .yaml under the folder's tests/, plain names only
TEST_NAME = re.compile(
    r"^tests/(?:[A-Za-z0-9_][A-Za-z0-9._-]{0,79}/){0,3}[A-Za-z0-9_][A-Za-z0-9._-]{0,79}\.yaml$"
)


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
    diagnostic: Diagnostic | None = field(default=None, compare=False)  # for its words

    def words(self, lang: str) -> tuple[str, str]:
        """(message, hint) in ``lang``."""
        if self.diagnostic is None:
            return self.message, self.hint
        return self.diagnostic.words(lang)


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
        d,
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


def tests_of(library: Library, base: Entry) -> tuple[TestFile, ...]:
    """The tests a draft starting from ``base`` must pass, as text: those a saved version was
    saved with, else the test files under the folder that name ``base``'s file."""
    if base.tests:
        return tuple(TestFile(p, t) for p, t in base.tests[:MAX_TEST_FILES])
    target = os.path.normpath(tests_target(library, base))
    out = []
    for file in discover([library.folder]):
        if _names(file) == target:
            text, _ = read_file(file)
            out.append(TestFile(os.path.relpath(file, library.folder), text or ""))
    return tuple(out[:MAX_TEST_FILES])


def new_test_file(
    name: str, files: tuple[TestFile, ...], target: str, folder: str
) -> TestFile | Refusal:
    """A test file added beside a draft, or why not: its name is a new ``.yaml`` under the
    folder's ``tests/`` (no ``..``, no absolute path, no file the folder or the draft has
    already, whatever the case of its letters); it starts naming the draft's playbook, with
    one case to write (which fails until it is written: an empty test is no pass)."""
    given = name.strip().replace("\\", "/")
    if not TEST_NAME.fullmatch(given) or ".." in given:
        return Refusal("con_test_name_bad", (("name", name[:80]),))
    taken = {f.path.lower() for f in files}
    if given.lower() in taken or os.path.lexists(os.path.join(folder, given)):
        return Refusal("con_test_name_taken", (("name", given),))
    if len(files) >= MAX_TEST_FILES:
        return Refusal("con_test_files_full", (("most", str(MAX_TEST_FILES)),))
    playbook = os.path.relpath(target, os.path.dirname(os.path.join(folder, given)))
    text = (
        "kam_test: 1\n"
        f"playbook: {playbook}\n"
        "cases:\n"
        "  - name: what this case shows\n"
        "    deal: {}  # the deal (or base: a deal file of the folder, and what differs)\n"
        "    expect: {status: ok}\n"
    )
    return TestFile(given, text, added=True)


def test_problems(test: TestFile, target: str, folder: str) -> tuple[Problem, ...]:
    """What keeps an edited test file from running, at its line: YAML, the test file's
    schema, a playbook other than the draft's, or a base deal read from outside the folder."""
    name = os.path.join(folder, test.path)
    if len(test.text.encode("utf-8", "replace")) > MAX_PLAYBOOK_BYTES:
        too_big = f"the tests are over {MAX_PLAYBOOK_BYTES:,} bytes"
        return (Problem(1, 1, "error", "input", too_big, "split them into files", ""),)
    data, smap, found = load_yaml(test.text, name)
    if data is not None:
        found = found + schema_diagnostics(data, smap, "test")
    elif not found:
        said, hint = "the tests are empty", "a test file names its playbook and has cases"
        return (Problem(1, 1, "error", "not-a-test-file", said, hint, ""),)
    if not found and isinstance(data, dict):
        if len(data.get("cases") or ()) > MAX_CASES:
            said = f"{len(data['cases']):,} cases; the editor runs at most {MAX_CASES} a file"
            hint = "split them into test files in the folder and run them with kam test"
            found.append(Diagnostic("too-many-cases", said, smap.at(("cases",)), hint=hint))
        here = os.path.dirname(name)
        names = os.path.normpath(os.path.join(here, str(data.get("playbook", ""))))
        if names != os.path.normpath(target):
            said = f"these tests name {data.get('playbook')!r}, not the file the draft stands for"
            hint = f"playbook: {os.path.relpath(target, here)}"
            found.append(Diagnostic("test-playbook", said, smap.at(("playbook",)), hint=hint))
        base = data.get("base")
        if isinstance(base, str):
            path = os.path.realpath(os.path.join(here, base))
            inside = os.path.realpath(folder)
            if os.path.commonpath([path, inside]) != inside:
                said = "a base deal read from outside the playbooks folder"
                hint = "write the base deal in the tests, or keep its file in the folder"
                found.append(Diagnostic("test-base", said, smap.at(("base",)), hint=hint))
    return tuple(_problem(d, name) for d in found)


def run_tests(playbook: Playbook, target: str, folder: str, tests: tuple[TestFile, ...]) -> TestRun:
    """``tests`` (as edited) run with ``playbook`` standing in for ``target``; a test file
    with a problem is not run but reported."""
    where = {t.path: os.path.join(folder, t.path) for t in tests}
    runner = Runner(stand_in={target: playbook}, texts={where[t.path]: t.text for t in tests})
    cases: list[CaseResult] = []
    broken: list[FileError] = []
    for t in tests:
        bad = [p for p in test_problems(t, target, folder) if p.severity == "error"]
        if bad:
            lines = tuple(f"{t.path}:{p.line}: {p.message}" for p in bad)
            found = PlaybookError(p.diagnostic for p in bad if p.diagnostic is not None)
            broken.append(FileError(where[t.path], lines, found, t.path))
            continue
        cases += runner.run(where[t.path])
    # a person reads these in the console: name files as the editor does, never by the
    # server's folder
    shown = tuple(
        replace(e, file=_inside(e.file, folder), lines=tuple(_inside(x, folder) for x in e.lines))
        for e in broken + runner.errors
    )
    cases = [replace(c, file=_inside(c.file, folder)) for c in cases]
    return TestRun(os.path.basename(target), tuple(cases), shown)


def _inside(text: str, folder: str) -> str:
    """``text`` with the playbook folder's path left out of every file it names."""
    root = os.path.abspath(folder)
    return text.replace(root + os.sep, "").replace(root, ".")


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
