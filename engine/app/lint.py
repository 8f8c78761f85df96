"""Files and folders in, every problem found (and what was skipped, and why) out: ``kam lint``.

Linting checks without evaluating: a playbook is read, checked and compiled, a policy module
read and checked, a test file checked for its shape and the files it names. In a folder, kam
files are told from other YAML (CI configs, deals, ``.pre-commit-config.yaml``) by their
top-level keys; the others are skipped with the reason. Versions of one playbook id in one
folder must not be in force on the same day. ``kam diff`` checks its two files here too.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..compile.build import content_hash
from ..errors import Diagnostic, InputError, PlaybookError
from ..lang.schema import schema_diagnostics
from ..limits import DEFAULT_LIMITS, Limits
from ..read.assemble import Assembled, read_file
from ..read.decode import decode
from ..read.yaml import load_yaml
from ..results import PlaybookRef
from .library import Entry, is_yaml_name, overlaps, read_header
from .playbook import build_playbook, stop_if_unreadable


def lint_paths(paths: Iterable[str]) -> LintReport:
    """``kam lint PATH...``: files, folders (searched through, other YAML files skipped with
    the reason) and ``-`` for standard input (its includes resolve from the current folder)."""
    report = LintReport()
    for path in paths:
        if path == "-":
            text = _stdin_text("<stdin>")
            kind, why = classify("<stdin>", text, named=True)
            if kind is None:
                report.skipped.append(("<stdin>", why))
            else:
                # the user chose where they stand: includes resolve from there
                report.check("<stdin>", kind, text, folder=os.getcwd())
        elif os.path.isdir(path):
            lint_folder(path, report)
        else:
            kind, why = classify(path, named=True)
            if kind is None:
                report.skipped.append((path, why))
            else:
                report.check(path, kind)
    return report


def _stdin_text(name: str) -> str:
    """Standard input as text, within the size limit a playbook file has."""
    raw = sys.stdin.buffer.read(DEFAULT_LIMITS.max_bytes + 1)
    if len(raw) > DEFAULT_LIMITS.max_bytes:
        raise InputError(
            f"{name}: more than {DEFAULT_LIMITS.max_bytes:,} bytes; split it into modules"
        )
    text, problems = decode(raw, name)
    if text is None:
        raise PlaybookError(problems)
    return text


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
    warnings: list[Diagnostic] = field(default_factory=list)  # of playbooks without errors

    def check(
        self, file: str, kind: str, text: str | None = None, folder: str | None = None
    ) -> None:
        """Check one playbook, module or test file. ``text``: already read (standard input);
        then its includes and the paths a test file names resolve from ``folder``, and
        without a folder an include is a located problem."""
        from pathlib import Path as FsPath

        from ..read.assemble import assemble_text

        self.checked.append(file)
        try:
            if kind == "test":
                check_test_file(file, text, folder)
            elif text is None:
                check_file(file, warnings=self.warnings)
            else:
                where = FsPath(folder) if folder is not None else None
                check_assembled(assemble_text(text, file, folder=where), self.warnings)
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
            if not is_yaml_name(name):
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


# -- checking one file ----------------------------------------------------------------------


def check_file(
    path: str | os.PathLike[str],
    limits: Limits = DEFAULT_LIMITS,
    warnings: list[Diagnostic] | None = None,
) -> str:
    """Check a playbook or a policy module (``module:``) file; returns which it was.

    Raises ``PlaybookError`` with every problem found; adds its warnings to ``warnings``."""
    from ..read.assemble import assemble

    parts = assemble(os.fspath(path), limits)
    check_assembled(parts, warnings)
    return "module" if is_module(parts) else "playbook"


def is_module(parts: Assembled) -> bool:
    """A policy module names itself with ``module:`` and has no playbook id."""
    return isinstance(parts.data, dict) and "module" in parts.data and "id" not in parts.data


def check_assembled(parts: Assembled, warnings: list[Diagnostic] | None = None) -> PlaybookRef:
    """Check a read playbook or module; raises ``PlaybookError``, else adds what the check
    warns about to ``warnings``. A module's reference has the version "module" and the hash
    of its content."""
    said = warnings if warnings is not None else []
    if not is_module(parts):
        compiled = build_playbook(parts).compiled
        said.extend(compiled.model.warnings)
        ref: PlaybookRef = compiled.ref
        return ref
    from ..check.checker import check_module

    stop_if_unreadable(parts)
    said.extend(check_module(parts.data, parts.smap, parts.texts, parts.problems))
    return PlaybookRef(str(parts.data["module"]), "module", content_hash(parts.data))


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
