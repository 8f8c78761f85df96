"""Playbook test files in, passed/failed cases and rule coverage out (``kam test``).

A test file (``kam_test: 1``) names a playbook, an ``as_of`` and a base deal; each case
changes the base deal a little and says what the result must and must not hold. Cases run
through the reference interpreter (as ``explain`` does), which records for every rule, table
row, move condition, required document and approval-chain step whether it fired; coverage is
"exercised both ways", grouped by the file that defines each item - so a policy module is
covered by the cases of every playbook that includes it.

A run ends as a ``Report``: JSON for programs (``schemas/test-report.schema.json``) or JUnit XML
for CI systems. ``check_test_file`` is what ``kam lint`` does with a test file.
"""

from __future__ import annotations

import copy
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import DealError, Diagnostic, InputError, KamError, Location, PlaybookError
from ..lang.schema import schema_diagnostics
from ..read.source import load_yaml
from ..results import Explanation, Result
from ..run.deal import read_deal
from ..text import fmt_number
from .library import Library
from .playbook import Playbook, load_playbook

EXIT = {"ok": 0, "blocked": 1, "needs_approval": 3}


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

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "message": self.lines[-1], "lines": list(self.lines)}


@dataclass
class Coverage:
    """Which outcomes each item of each playbook file was seen with."""

    declared: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> key -> label
    seen: dict[str, dict[str, set[bool]]] = field(default_factory=dict)  # file -> key -> {T, F}

    def declare(self, pb: Playbook) -> None:
        for file, key, label in items_of(pb):
            self.declared.setdefault(file, {})[key] = label

    def record(self, pb: Playbook, ex: Explanation) -> None:
        where = {key: file for file, key, _ in items_of(pb)}
        for key, fired in outcomes(ex):
            file = where.get(key)
            if file is not None:
                self.seen.setdefault(file, {}).setdefault(key, set()).add(fired)

    def missing(self) -> dict[str, list[str]]:
        """file -> items not exercised both ways (with what was missing)."""
        out: dict[str, list[str]] = {}
        for file, items in sorted(self.declared.items()):
            for key, label in items.items():
                seen = self.seen.get(file, {}).get(key, set())
                if seen == {True, False}:
                    continue
                lack = (
                    ("never fired" if False in seen else "never seen not firing")
                    if seen
                    else "never reached"
                )
                out.setdefault(file, []).append(f"{label}: {lack}")
        return out

    def totals(self) -> tuple[int, int]:
        total = sum(len(v) for v in self.declared.values())
        done = sum(
            1
            for file, items in self.declared.items()
            for key in items
            if self.seen.get(file, {}).get(key, set()) == {True, False}
        )
        return done, total


def items_of(pb: Playbook) -> Iterator[tuple[str, str, str]]:
    """(defining file, coverage key, label) of every rule, row, guard, document and step."""
    for file, key, label in _items(pb):
        yield _shown(file), key, label


def _shown(file: str) -> str:
    """One name per file however it was reached (relative to here when below here)."""
    real = os.path.realpath(file)
    here = os.path.realpath(os.getcwd())
    return os.path.relpath(real, here) if real.startswith(here + os.sep) else real


def _items(pb: Playbook) -> Iterator[tuple[str, str, str]]:
    m = pb.model
    for r in m.rules:
        yield r.location.file, f"rule:{r.id}", f"rule {r.id}"
    for t in m.tables:
        for row in t.rows:
            yield row.location.file, f"row:{row.id}", f"table {t.id} row {row.index + 1}"
    for c in m.chains:
        for s in c.steps:
            yield c.location.file, f"step:{c.id}:{s.role}", f"chain {c.id} step {s.role}"
    for t in m.transitions:
        for g in t.conditions:
            yield g.location.file, f"guard:{t.target}:{g.id}", f"move to {t.target}: {g.id}"
        for n in t.documents:
            yield (
                n.location.file,
                f"document:{t.target}:{n.document}",
                (f"move to {t.target}: document {n.document}"),
            )
    for cat in m.categories.values():
        for n in cat.documents:
            yield (
                n.location.file,
                f"document:{n.stage}:{n.document}@{cat.id}",
                f"move to {n.stage}: document {n.document} ({cat.id})",
            )


def outcomes(ex: Explanation) -> Iterator[tuple[str, bool]]:
    """(coverage key, fired?) for what one evaluation decided."""
    for s in ex.steps:
        if s.kind == "rule" and s.outcome in ("fired", "not fired"):
            yield f"rule:{s.id.split('[')[0]}", s.outcome == "fired"
        elif s.kind == "row" and s.outcome in ("fired", "not fired"):
            yield f"row:{s.id}", s.outcome == "fired"
        elif s.kind == "guard" and s.outcome in ("met", "not met"):
            yield f"guard:{s.id}", s.outcome == "not met"  # "fired" = the guard held the move
        elif s.kind == "document" and s.outcome in ("held", "missing"):
            yield f"document:{s.id}", s.outcome == "missing"
    for a in ex.result.approvals:
        if a.chain is not None:
            yield f"step:{a.chain}:{a.role}", a.status == "granted"


# -- running test files ---------------------------------------------------------------------


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
                    if (
                        name.endswith((".yaml", ".yml"))
                        and os.path.isfile(full)  # not a pipe, which would block the read
                        and is_test_file(full)
                    ):
                        out.append(full)
        else:
            out.append(path)
    return out


def is_test_file(path: str) -> bool:
    """A test file says ``kam_test:`` at the top level of its first lines."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return any(line.startswith("kam_test:") for line in head.splitlines())


def check_test_file(file: str, text: str | None = None, folder: str | None = None) -> None:
    """What ``kam lint`` checks in a test file without running it: its shape, that the
    playbook and base deal it names exist, that every case has a date and its own name.
    ``text`` already read (standard input) names its files relative to ``folder`` (default:
    the current one). Raises ``PlaybookError`` with every problem found."""
    from ..read.assemble import read_file

    problems: list[Diagnostic] = []
    from_stdin = text is not None  # kam lint -: paths start at the current folder
    if text is None:
        text, problems = read_file(file)
    if text is None:
        raise PlaybookError(problems)
    data, smap, problems = load_yaml(text, file)
    if data is not None:
        problems += schema_diagnostics(data, smap, "test")
    if problems or not isinstance(data, dict):
        raise PlaybookError(
            problems or [Diagnostic("empty", "the test file is empty", smap.at(()))]
        )
    here = (folder or ".") if from_stdin else os.path.dirname(file)
    for key, what in (("playbook", "playbook"), ("base", "base deal")):
        named = data.get(key)
        if isinstance(named, str) and not os.path.exists(os.path.join(here, named)):
            problems.append(
                Diagnostic(
                    "missing-file",
                    f"the {what} '{named}' does not exist",
                    smap.at((key,)),
                    hint="from standard input, paths start at the current folder"
                    if from_stdin
                    else "give its path relative to the test file",
                )
            )
    seen: dict[str, int] = {}
    for i, case in enumerate(data["cases"]):
        where = smap.at(("cases", i))
        name = str(case["name"])
        if name in seen:
            problems.append(
                Diagnostic(
                    "duplicate-case",
                    f"another case (line {seen[name]}) has the same name '{name}'",
                    smap.at(("cases", i, "name")),
                    hint="give each case its own name: reports and CI list cases by name",
                )
            )
        seen.setdefault(name, where.line)
        if "as_of" not in case and "as_of" not in data:
            problems.append(
                Diagnostic(
                    "missing-key",
                    "the case needs an as_of",
                    where,
                    hint="give as_of: in the file or the case",
                )
            )
    if problems:
        raise PlaybookError(problems)


class Runner:
    """Runs test files; playbooks are loaded once and shared between files."""

    def __init__(self) -> None:
        self.coverage = Coverage()
        self.errors: list[FileError] = []  # broken test files or playbooks
        self._playbooks: dict[str, Playbook] = {}
        self._libraries: dict[str, Library] = {}

    def run(self, file: str) -> list[CaseResult]:
        try:
            return self._run(file)
        except PlaybookError as exc:
            self.errors.append(FileError(file, tuple(exc.lines())))
        except KamError as exc:
            self.errors.append(FileError(file, (f"{file}: {exc}",)))
        return []

    def _run(self, file: str) -> list[CaseResult]:
        from ..read.assemble import read_file

        text, problems = read_file(file)  # missing, unreadable, too large: a located error
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
            deal = build_deal(base, case)
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


def build_deal(base: Any, case: dict[str, Any]) -> dict[str, Any]:
    """The base deal with the case's changes: ``deal`` merged in, ``set`` and ``unset``."""
    start = copy.deepcopy(base) if isinstance(base, dict) else {}
    deal: dict[str, Any] = _merge(start, copy.deepcopy(case.get("deal") or {}))
    for path, value in (case.get("set") or {}).items():
        parent, key = _walk(deal, str(path), create=True)
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


def _walk(deal: Any, path: str, create: bool) -> tuple[Any, Any]:
    parts: list[Any] = [int(p) if p.isdigit() else p for p in path.split(".")]
    cur = deal
    for p in parts[:-1]:
        if isinstance(cur, dict) and p not in cur and create:
            cur[p] = {}
        cur = cur[p]
    return cur, parts[-1]


# -- expectations ------------------------------------------------------------------------------


def compare(expect: dict[str, Any], r: Result) -> list[str]:
    """Every way the result differs from the expectations, as lines a person reads."""
    out: list[str] = []
    if "status" in expect and expect["status"] != r.status:
        out.append(f"status: expected {expect['status']}, got {r.status}")
    if "exit_code" in expect and expect["exit_code"] != EXIT[r.status]:
        out.append(f"exit code: expected {expect['exit_code']}, got {EXIT[r.status]}")
    lists = {
        "violations": r.violations,
        "approvals": r.approvals,
        "actions": r.actions,
        "shadow": r.shadow,
    }
    for key, actual in lists.items():
        items = [_plain(a) for a in actual]
        for want in expect.get(key) or ():
            if not any(_matches(want, a) for a in items):
                out.append(f"{key}: expected {_show(want)}")
                out.append(f"    got {_list(items)}")
        for unwanted in expect.get(f"no_{key}") or ():
            hits = [a for a in items if _matches(unwanted, a)]
            if hits:
                out.append(f"{key}: expected no {_show(unwanted)}")
                out.append(f"    got {_list(hits)}")
    for name, want in (expect.get("facts") or {}).items():
        if name not in r.facts:
            out.append(f"facts.{name}: no such fact")
        elif not _equal(want, r.facts[name]):
            out.append(f"facts.{name}: expected {_value(want)}, got {_value(r.facts[name])}")
    moves = {m.to: m for m in r.transitions}
    for stage in expect.get("allowed") or ():
        m = moves.get(stage)
        if m is None or not m.allowed:
            why = "no such move" if m is None else "; ".join(g.id for g in m.missing)
            out.append(f"move to {stage}: expected allowed, got refused ({why})")
    refused = expect.get("refused") or ()
    for stage in refused:
        m = moves.get(stage)
        if m is not None and m.allowed:
            out.append(f"move to {stage}: expected refused, got allowed")
        if isinstance(refused, dict) and m is not None:
            want_ids = sorted(str(x) for x in refused[stage])
            got_ids = sorted(g.id for g in m.missing)
            if want_ids != got_ids:
                out.append(f"move to {stage}: expected missing {want_ids}, got {got_ids}")
        if m is None and not isinstance(refused, dict):
            pass  # no move at all is refused too
    return out


def _plain(item: Any) -> dict[str, Any]:
    d: dict[str, Any] = item.to_dict()
    if "kind" not in d:
        d["kind"] = type(item).__name__.lower()
    return d


def _matches(want: Any, actual: dict[str, Any]) -> bool:
    if isinstance(want, str):
        return bool(actual.get("rule") == want)
    for k, v in want.items():
        if k == "message_contains":
            if str(v) not in str(actual.get("message", "")):
                return False
        elif not _equal(v, actual.get(k)):
            return False
    return True


def _equal(want: Any, got: Any) -> bool:
    from decimal import Decimal, InvalidOperation

    if isinstance(got, date):
        got = got.isoformat()
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    if isinstance(want, int | Decimal | float) and isinstance(got, int | Decimal):
        return Decimal(str(want)) == Decimal(got)
    if isinstance(want, str) and want.endswith("%") and isinstance(got, Decimal | int):
        try:
            return Decimal(want[:-1]) / 100 == Decimal(got)
        except InvalidOperation:
            return False
    return bool(want == got)


def _show(want: Any) -> str:
    if isinstance(want, str):
        return f"rule {want}"
    return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in want.items()) + "}"


def _value(v: Any) -> str:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool) or v is None:
        return "true" if v is True else "false" if v is False else "null"
    if isinstance(v, int | float) or type(v).__name__ == "Decimal":
        return fmt_number(v).replace(",", "")
    return str(v)


def _list(items: list[dict[str, Any]]) -> str:
    if not items:
        return "nothing"
    parts = []
    for a in items:
        bits = [a.get("rule", "")]
        for k in ("severity", "role", "status", "id", "due"):
            if a.get(k) is not None:
                bits.append(str(a[k]))
        parts.append(" ".join(bits))
    return "; ".join(parts)


# -- reports for programs and CI systems ---------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A whole ``kam test`` run: every case, every file that could not run, and coverage."""

    files: tuple[str, ...]
    cases: tuple[CaseResult, ...]
    errors: tuple[FileError, ...]
    coverage: Coverage | None = None

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if not c.passed)

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "cases": len(self.cases),
            "passed": len(self.cases) - len(self.failed),
            "failed": len(self.failed),
            "errors": len(self.errors),
        }

    def to_dict(self) -> dict[str, Any]:
        """The shape of ``kam test --format json`` (schemas/test-report.schema.json)."""
        out: dict[str, Any] = {
            "kam_test_report": 1,
            "ok": not self.failed and not self.errors and bool(self.files),
            "totals": self.totals(),
            "cases": [c.to_dict() for c in self.cases],
            "errors": [e.to_dict() for e in self.errors],
        }
        if self.coverage is not None:
            done, total = self.coverage.totals()
            missing = self.coverage.missing()
            out["coverage"] = {"exercised": done, "total": total, "missing": missing}
            out["ok"] = out["ok"] and not missing
        return out

    def junit_xml(self) -> bytes:
        """JUnit XML as CI systems read it: a testsuite per test file, a testcase per case,
        a failure (the first difference as its message, all of them as its text) per failed
        case, and an error per file that could not run."""
        import xml.etree.ElementTree as ET

        by_file: dict[str, list[CaseResult]] = {f: [] for f in self.files}
        for c in self.cases:
            by_file.setdefault(c.file, []).append(c)
        broken = {e.file: e for e in self.errors}
        root = ET.Element("testsuites", name="kam test")
        for file, cases in by_file.items():
            error = broken.get(file)
            suite = ET.SubElement(
                root,
                "testsuite",
                name=_xml_text(file),
                tests=str(len(cases) + (1 if error else 0)),
                failures=str(sum(1 for c in cases if not c.passed)),
                errors=str(1 if error else 0),
                skipped="0",
                time=f"{sum(c.seconds for c in cases):.3f}",
            )
            for c in cases:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=_classname(file),
                    name=_xml_text(c.name),
                    file=_xml_text(file),
                    line=str(c.line),
                    time=f"{c.seconds:.3f}",
                )
                if not c.passed:
                    failure = ET.SubElement(
                        case, "failure", message=_xml_text(c.failures[0]), type="expectation"
                    )
                    failure.text = _xml_text("\n".join(c.failures))
            if error:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=_classname(file),
                    name="(the test file)",
                    file=_xml_text(file),
                    time="0.000",
                )
                fault = ET.SubElement(
                    case, "error", message=_xml_text(error.lines[-1]), type="file-error"
                )
                fault.text = _xml_text("\n".join(error.lines))
        totals = self.totals()
        root.set("tests", str(totals["cases"] + totals["errors"]))
        root.set("failures", str(totals["failed"]))
        root.set("errors", str(totals["errors"]))
        root.set("time", f"{sum(c.seconds for c in self.cases):.3f}")
        ET.indent(root)
        xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return xml + b"\n"


# XML 1.0 cannot hold most control characters, and YAML can: drop them rather than write a
# file the CI system refuses.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _classname(file: str) -> str:
    """``playbooks/tests/pricing.yaml`` -> ``playbooks.tests.pricing`` (how CI groups cases)."""
    stem = os.path.splitext(os.path.normpath(file))[0]
    return _xml_text(stem.replace(os.sep, ".").lstrip("."))
