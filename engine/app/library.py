"""A folder in, its playbooks by id and version out: which version is in force on a date.

A folder may hold several versions of one playbook id, each with ``effective_from`` (and
maybe ``effective_to``). Evaluation takes the version in force at ``as_of`` - or one named
explicitly - and the result records the id, version and content hash used. Two versions of
one id whose periods overlap are refused by ``kam lint``.

``lint_folder`` is ``kam lint DIR``: it tells playbooks, modules and test files from other
YAML (CI configs, deals, ``.pre-commit-config.yaml``) by their top-level keys, checks the first
and says why it skipped the rest.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field
from datetime import date

from ..errors import Diagnostic, InputError, Location, PlaybookError, suggest
from ..read.assemble import read_file
from ..read.yaml import load_yaml
from .playbook import Playbook, load_playbook


@dataclass(frozen=True, slots=True)
class Entry:
    """What the header of one playbook file says."""

    file: str
    id: str
    version: str
    start: date
    end: date | None
    where_from: Location  # effective_from (or the top of the file)

    def in_force(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)

    def period(self) -> str:
        start = "the beginning" if self.start == date.min else self.start.isoformat()
        return f"{start} to {self.end.isoformat() if self.end else 'open end'}"


def playbook_files(folder: str) -> list[str]:
    """The playbook files directly in ``folder`` (modules, tests and examples live apart)."""
    out = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and name.endswith((".yaml", ".yml")):
            out.append(path)
    return out


def read_header(file: str) -> Entry | None:
    """id, version and period of a playbook file; None for a module or unreadable file."""
    text, _ = read_file(file)
    if text is None:
        return None
    data, smap, _problems = load_yaml(text, file)
    if not isinstance(data, dict) or "id" not in data or "module" in data or "kam_test" in data:
        return None
    return Entry(
        file,
        str(data.get("id")),
        str(data.get("version", "")),
        _date(data.get("effective_from")) or date.min,
        _date(data.get("effective_to")),
        smap.at(("effective_from",)) if "effective_from" in data else Location(file, 1, 1),
    )


def _date(value: object) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class Library:
    """The playbooks of one folder, loaded when first asked for."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = os.fspath(folder)
        self.entries = [e for f in playbook_files(self.folder) if (e := read_header(f))]
        self._loaded: dict[str, Playbook] = {}

    @property
    def ids(self) -> list[str]:
        return sorted({e.id for e in self.entries})

    def versions(self, playbook_id: str) -> list[Entry]:
        return sorted((e for e in self.entries if e.id == playbook_id), key=lambda e: e.start)

    def pick(self, playbook_id: str | None, on: date, version: str | None = None) -> Playbook:
        """The version in force ``on`` that date (or the named ``version``)."""
        if playbook_id is None:
            if len(self.ids) != 1:
                raise InputError(
                    f"{self.folder} holds playbooks {', '.join(self.ids) or '(none)'}: "
                    "say which with --id"
                )
            playbook_id = self.ids[0]
        candidates = self.versions(playbook_id)
        if not candidates:
            hint = suggest(playbook_id, self.ids)
            raise InputError(
                f"no playbook '{playbook_id}' in {self.folder}" + (f" ({hint})" if hint else "")
            )
        if version is not None:
            chosen = [e for e in candidates if e.version == version]
            if not chosen:
                known = ", ".join(e.version for e in candidates)
                raise InputError(f"{playbook_id} has no version '{version}' (versions: {known})")
        else:
            chosen = [e for e in candidates if e.in_force(on)]
            if not chosen:
                periods = "; ".join(f"{e.version}: {e.period()}" for e in candidates)
                raise InputError(
                    f"no version of {playbook_id} is in force on {on.isoformat()} ({periods})"
                )
        entry = chosen[-1]
        if entry.file not in self._loaded:
            self._loaded[entry.file] = load_playbook(entry.file)
        return self._loaded[entry.file]


def overlaps(entries: list[Entry]) -> list[Diagnostic]:
    """Two versions of one id in force on the same day, or one version label used twice."""
    out = []
    by_id: dict[str, list[Entry]] = {}
    for e in entries:
        by_id.setdefault(e.id, []).append(e)
    for playbook_id, versions in by_id.items():
        versions.sort(key=lambda e: (e.start, e.file))
        labels: dict[str, Entry] = {}
        for e in versions:
            if e.version in labels:
                out.append(
                    Diagnostic(
                        "duplicate-version",
                        f"{playbook_id} version {e.version} is also in {labels[e.version].file}",
                        e.where_from,
                        hint="give each published version its own label",
                    )
                )
            labels[e.version] = e
        for prev, nxt in itertools.pairwise(versions):
            if prev.end is None or prev.end >= nxt.start:
                out.append(
                    Diagnostic(
                        "versions-overlap",
                        f"{playbook_id} {nxt.version} ({nxt.period()}) overlaps "
                        f"{prev.version} in {prev.file} ({prev.period()})",
                        nxt.where_from,
                        hint=f"end {prev.version} with effective_to before {nxt.start.isoformat()}",
                    )
                )
    return out


# -- what a YAML file is to kam ------------------------------------------------------------

# Keys only a playbook has (besides ``kam:``): with an ``id`` they mark a playbook whose
# ``kam: 1`` line was forgotten. Generic keys (id, version, title, include) prove nothing:
# a GitLab CI file has ``stages`` and ``include``, a compose file ``version``.
PLAYBOOK_KEYS = frozenset(
    {"stages", "transitions", "rules", "tables", "parameters", "categories", "extends"}
)
NOT_OURS = "not a playbook, module or test file (no kam:, module: or kam_test: at the top)"
_TOP_KEY = re.compile(r"""^(["']?)([A-Za-z_][\w-]*)\1[ \t]*:(?:[ \t]+(.*))?$""", re.MULTILINE)


def kind_of(top: dict[str, object]) -> str | None:
    """ "test", "module" or "playbook" from a file's top-level keys and values; None: not a
    kam file."""
    keys = set(top)
    if "kam_test" in keys:
        return "test"
    if "module" in keys and "id" not in keys:
        return "module"
    if "kam" in keys or ("id" in keys and keys & PLAYBOOK_KEYS) or _extension(top):
        return "playbook"
    return None


def _extension(top: dict[str, object]) -> bool:
    """A new version that ``extends: base.yaml`` and says only what changed (no kam: or id).
    yamllint and ESLint configs have ``extends`` and ``rules`` too: theirs are not a YAML
    file beside it with nothing but playbook keys, and their rules are a mapping."""
    from ..lang.schema import bundled

    base = top.get("extends")
    return (
        isinstance(base, str)
        and base.endswith((".yaml", ".yml"))
        and set(top) <= set(bundled("playbook")["properties"])
        and not isinstance(top.get("rules"), dict)
    )


def classify(file: str, text: str | None = None, named: bool = False) -> tuple[str | None, str]:
    """What ``file`` is: ("playbook" | "module" | "test", "") or (None, why it is skipped).

    A file named on the command line (``named``) is skipped only when it is well-formed YAML
    that is plainly something else; anything kam cannot read is then checked and reported.
    In a folder, a file that does not parse is a kam file only if its text has kam's keys at
    the top, so a broken playbook is reported and a broken CI config is left alone."""
    if text is None:
        text, problems = read_file(file)
        if text is None:
            if named:
                return "playbook", ""  # the check says what is wrong with it
            kind = kind_of(_keys_in_text(file))
            return (kind, "") if kind else (None, problems[0].message)
    data, _smap, problems = load_yaml(text, file)
    if isinstance(data, dict):
        kind = kind_of({str(k): v for k, v in data.items()})
        return (kind, "") if kind else (None, NOT_OURS)
    if named:
        return "playbook", ""
    if data is None and not problems:
        return None, "empty"
    kind = kind_of(_keys_in_text(file, text))
    if kind:
        return kind, ""
    if problems:
        return None, "not a playbook, module or test file (and not YAML kam can read)"
    return None, f"not a playbook, module or test file (the top level is {_shape(data)})"


def _keys_in_text(file: str, text: str | None = None) -> dict[str, object]:
    """Keys written at the start of a line, with the rest of their line: the top-level keys
    of YAML that does not parse."""
    if text is None:
        try:
            with open(file, "rb") as fh:
                text = fh.read(65536).decode("utf-8", errors="replace")
        except OSError:
            return {}
    out: dict[str, object] = {}
    for m in _TOP_KEY.finditer(text):
        value = (m.group(3) or "").split(" #")[0].strip().strip("'\"")
        out.setdefault(m.group(2), value or None)
    return out


def _shape(data: object) -> str:
    return "a list" if isinstance(data, list) else "a single value"


@dataclass
class LintReport:
    """What ``kam lint`` found: files checked, problems, and files skipped with the reason."""

    checked: list[str] = field(default_factory=list)
    problems: list[PlaybookError] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)

    def check(
        self, file: str, kind: str, text: str | None = None, folder: str | None = None
    ) -> None:
        """Check one playbook, module or test file. ``text``: already read (standard input);
        then its includes and the paths a test file names resolve from ``folder``, and
        without a folder an include is a located problem."""
        from pathlib import Path as FsPath

        from ..read.assemble import assemble_text
        from .playbook import check_assembled, check_file
        from .testing import check_test_file

        self.checked.append(file)
        try:
            if kind == "test":
                check_test_file(file, text, folder)
            elif text is None:
                check_file(file)
            else:
                where = FsPath(folder) if folder is not None else None
                check_assembled(assemble_text(text, file, folder=where))
        except PlaybookError as exc:
            self.problems.append(exc)


def lint_folder(folder: str, report: LintReport | None = None) -> LintReport:
    """Every playbook, module and test file under ``folder`` checked, plus version overlaps
    among the playbooks of each folder; other YAML files are skipped with the reason.
    Hidden folders (``.git``, ``.venv``) are not entered."""
    report = report if report is not None else LintReport()
    headers: dict[str, list[Entry]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.endswith((".yaml", ".yml")):
                continue
            file = os.path.join(dirpath, name)
            if not os.path.isfile(file):  # a pipe or socket would block the read
                report.skipped.append((file, "not a regular file"))
                continue
            kind, why = classify(file)
            if kind is None:
                report.skipped.append((file, why))
                continue
            report.check(file, kind)
            if kind == "playbook" and (entry := read_header(file)):
                headers.setdefault(dirpath, []).append(entry)
    for entries in headers.values():
        clash = overlaps(entries)
        if clash:
            report.problems.append(PlaybookError(clash))
    return report
