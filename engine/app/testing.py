"""Playbook test files in, passed/failed cases and rule coverage out (``kam test``).

A test file (``kam_test: 1``) names a playbook, an ``as_of`` and a base deal; each case
changes the base deal a little and says what the result must and must not hold. Cases run
through the reference interpreter (as ``explain`` does), so coverage can record what each
one exercised. Here: finding test files, building each case's deal and running it. What a
result must hold is ``expectations.py``; coverage ``coverage.py``; the JSON and JUnit report
of a run ``testreport.py``; what ``kam lint`` checks in a test file ``lint.py``.
"""

from __future__ import annotations

import copy
import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import DealError, Diagnostic, InputError, KamError, Location, PlaybookError
from ..lang.schema import schema_diagnostics
from ..read.yaml import load_yaml
from ..run.deal import read_deal
from .coverage import Coverage
from .expectations import compare
from .library import Library, is_yaml_name
from .playbook import Playbook, load_playbook


@dataclass
class CaseResult:
    """One case: where it is written and every way its result differed from ``expect``."""

    file: str
    name: str
    failures: list[str] = field(default_factory=list)
    line: int = 1
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "name": self.name,
            "line": self.line,
            "passed": self.passed,
            "differences": list(self.failures),
        }


@dataclass(frozen=True)
class FileError:
    """A test file that could not run (broken itself, or its playbook is)."""

    file: str
    lines: tuple[str, ...]  # as a person reads them: located diagnostics, then a summary
    error: KamError | None = field(default=None, compare=False)  # for its words in a language
    shown_as: str = ""  # the name its problems are shown under, line by line ("": as located)

    def lines_in(self, lang: str) -> tuple[str, ...]:
        """``lines`` in ``lang`` (a broken playbook's or test file's problems have words)."""
        if lang == "en" or not isinstance(self.error, PlaybookError):
            return self.lines
        if self.shown_as:
            said = (d.words(lang)[0] for d in self.error.diagnostics)
            lines = zip(self.error.diagnostics, said, strict=True)
            return tuple(f"{self.shown_as}:{d.location.line}: {s}" for d, s in lines)
        return tuple(self.error.lines(lang))

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "message": self.lines[-1], "lines": list(self.lines)}


def discover(paths: Iterable[str]) -> list[str]:
    """Test files among ``paths`` (files, or folders searched recursively; hidden folders
    such as ``.git`` or ``.venv`` are not entered)."""
    out: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    if is_yaml_name(name) and is_test_file(full):
                        out.append(full)
        else:
            out.append(path)
    return out


def is_test_file(path: str) -> bool:
    """A plain file that says ``kam_test:`` at the top level of its first lines. Anything
    else (a pipe, a socket, a device) is never read: its first read could wait forever. The
    check is on the file opened (without waiting), so it cannot be swapped in between."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        try:
            head = fh.read(4096).decode("utf-8", errors="replace")
        except OSError:
            return False
    return any(line.startswith("kam_test:") for line in head.splitlines())


class Runner:
    """Runs test files; playbooks are loaded once and shared between files."""

    def __init__(
        self,
        stand_in: dict[str, Playbook] | None = None,
        texts: dict[str, str] | None = None,
    ) -> None:
        """``stand_in``: playbooks that answer for the file a test names (the console's
        editor runs a file's tests against the text being edited); ``texts``: test files'
        text as edited there, read in place of the file (paths in it resolve from the file)."""
        self.coverage = Coverage()
        self.errors: list[FileError] = []  # broken test files or playbooks
        self._playbooks: dict[str, Playbook] = {
            os.path.normpath(k): v for k, v in (stand_in or {}).items()
        }
        self._libraries: dict[str, Library] = {}
        self._texts = {os.path.normpath(k): v for k, v in (texts or {}).items()}

    def run(self, file: str) -> list[CaseResult]:
        try:
            return self._run(file)
        except PlaybookError as exc:
            self.errors.append(FileError(file, tuple(exc.lines()), exc))
        except KamError as exc:
            self.errors.append(FileError(file, (f"{file}: {exc}",)))
        return []

    def _run(self, file: str) -> list[CaseResult]:
        from ..read.assemble import read_file

        text: str | None = self._texts.get(os.path.normpath(file))
        problems: list[Diagnostic] = []
        if text is None:  # not edited: missing, unreadable, too large are a located error
            text, problems = read_file(file)
        if text is None:
            raise PlaybookError(problems)
        data, smap, problems = load_yaml(text, file)
        if isinstance(data, dict) and "kam_test" not in data:
            what = "a policy module" if "module" in data else "a playbook" if "kam" in data else ""
            raise PlaybookError(
                [
                    Diagnostic(
                        "not-a-test-file",
                        f"this is {what}, not a test file" if what else "this is not a test file",
                        Location(file, 1, 1),
                        hint="test files start with 'kam_test: 1'; "
                        "give kam test them, or the folder that holds them",
                    )
                ]
            )
        if data is not None:
            problems += schema_diagnostics(data, smap, "test")
        elif not problems:  # an empty file (or only comments): nothing to run is no pass
            problems.append(
                Diagnostic(
                    "not-a-test-file",
                    "the test file is empty",
                    Location(file, 1, 1),
                    hint="a test file starts with 'kam_test: 1', names a playbook and has cases",
                )
            )
        if problems:
            raise PlaybookError(problems)
        here = os.path.dirname(file)
        target = os.path.normpath(os.path.join(here, data["playbook"]))
        base: Any = data.get("base") or {}
        if isinstance(base, str):
            base = read_deal(os.path.normpath(os.path.join(here, base)))
        results = []
        for i, case in enumerate(data["cases"]):
            result = CaseResult(file, str(case["name"]), line=smap.at(("cases", i)).line)
            results.append(result)
            started = time.perf_counter()
            as_of_text = case.get("as_of") or data.get("as_of")
            if as_of_text is None:
                loc = smap.at(("cases", i))
                raise PlaybookError(
                    [
                        Diagnostic(
                            "missing-key",
                            "the case needs an as_of",
                            loc,
                            hint="give as_of: in the file or the case",
                        )
                    ]
                )
            as_of = date.fromisoformat(str(as_of_text))
            pb = self.playbook(target, data.get("id"), case.get("version"), as_of)
            self.coverage.declare(pb)
            try:
                deal = build_deal(base, case)
            except BadSetPath as exc:
                raise PlaybookError([_set_problem(smap, i, exc)]) from None
            expect = case["expect"]
            try:
                ex = pb.explain(deal, as_of=as_of, source=f"{file} case {case['name']!r}")
            except DealError as exc:
                if expect.get("exit_code") != 2:
                    result.failures.append(f"the deal was refused: {exc}")
                elif expect.get("error_contains") and expect["error_contains"] not in str(exc):
                    result.failures.append(
                        f"error: expected to contain {expect['error_contains']!r}, got {exc}"
                    )
                result.seconds = time.perf_counter() - started
                continue
            self.coverage.record(pb, ex)
            result.failures += compare(expect, ex.result)
            result.seconds = time.perf_counter() - started
        return results

    def playbook(
        self, path: str, playbook_id: str | None, version: str | None, on: date
    ) -> Playbook:
        if os.path.isdir(path):
            lib = self._libraries.setdefault(path, Library(path))
            return lib.pick(playbook_id, on, version)
        if path not in self._playbooks:
            self._playbooks[path] = load_playbook(path)
        pb = self._playbooks[path]
        if version is not None and version != pb.version:
            raise InputError(f"{path} is version {pb.version}, not {version}")
        return pb


def _set_problem(smap: Any, i: int, exc: BadSetPath) -> Diagnostic:
    """Where the case's failing ``set:`` path is written, and why it leads nowhere."""
    return Diagnostic(
        "bad-set-path",
        f"cannot set '{exc.path}': {exc}",
        smap.at(("cases", i, "set", exc.path)),
        hint="set a field of an object (customer.name) or an existing item of a list by "
        "its number (lines.0.quantity); to replace a whole value, set it higher up",
    )


def build_deal(base: Any, case: dict[str, Any]) -> dict[str, Any]:
    """The base deal with the case's changes: ``deal`` merged in, ``set`` and ``unset``."""
    start = copy.deepcopy(base) if isinstance(base, dict) else {}
    deal: dict[str, Any] = _merge(start, copy.deepcopy(case.get("deal") or {}))
    for path, value in (case.get("set") or {}).items():
        try:
            parent, key = _walk(deal, str(path), create=True)
        except BadSetPath as exc:
            exc.path = path
            raise
        parent[key] = copy.deepcopy(value)
    for path in case.get("unset") or ():
        try:
            parent, key = _walk(deal, str(path), create=False)
            del parent[key]
        except (KeyError, IndexError, TypeError):
            pass
    return deal


def _merge(base: Any, top: Any) -> Any:
    if isinstance(base, dict) and isinstance(top, dict):
        out = dict(base)
        for k, v in top.items():
            out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return top  # lists and values are replaced


class BadSetPath(ValueError):
    """A ``set:`` path that leads nowhere in the deal (through text, or past a list's end)."""

    path: Any = None


def _walk(deal: Any, path: str, create: bool) -> tuple[Any, Any]:
    # only ASCII digits are an item's number ('²' is a key; int() would refuse it), and no
    # more of them than any list could need (int() refuses 4,300 digits)
    parts: list[Any] = [
        int(p) if p.isascii() and p.isdigit() and len(p) <= 18 else p for p in path.split(".")
    ]
    cur = deal
    for n, p in enumerate(parts[:-1]):
        if isinstance(cur, dict):
            p = str(p)  # a deal's keys are text, as in JSON: customer.5 is the field "5"
            if p not in cur and create:
                cur[p] = {}
        cur = cur[p]
        if create:
            _settable(cur, parts[n + 1], ".".join(map(str, parts[: n + 1])))
    return cur, str(parts[-1]) if isinstance(cur, dict) else parts[-1]


def _settable(container: Any, key: Any, name: str) -> None:
    """Refuse, in words, a step a ``set:`` path cannot take: Python would say TypeError."""
    if isinstance(container, dict):
        return
    if isinstance(container, list):
        if isinstance(key, int) and key < len(container):
            return
        items = f"{len(container)} item{'' if len(container) == 1 else 's'}"
        raise BadSetPath(
            f"'{name}' is a list of {items}; "
            + (f"item {key} is not one of them" if isinstance(key, int) else f"'{key}' is no item")
        )
    raise BadSetPath(f"'{name}' is {_what(container)}, which has no '{key}'")


def _what(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool) or value is None:
        return "true/false" if isinstance(value, bool) else "empty (null)"
    return "a number"
