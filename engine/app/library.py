"""A folder in, its playbooks by id and version out: which version is in force on a date.

A folder may hold several versions of one playbook id, each with ``effective_from`` (and
maybe ``effective_to``). Evaluation takes the version in force at ``as_of`` - or one named
explicitly - and the result records the id, version and content hash used. Two versions of
one id whose periods overlap, or one version label in two files, are refused (``overlaps``):
by ``kam lint``, and by every command that picks a version from the folder.

Versions saved from the console's editor (kept in the store) join the folder's with
``use_saved``: a saved version ends the one before it the day before it starts, so the
version in force on a date is the one with the latest ``effective_from`` on or before it.
Their text is read with the same safe reader and bounds as a file, its includes from the
folder. Only an *approved* saved version is in force (four eyes: another editor reviewed
it); a proposed one is kept beside the succession, picked only when asked for by name for
review (``pick(..., proposed=True)``: try a deal, diff, handbook), never for a deal's pin.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..errors import Diagnostic, InputError, KamError, Location, PlaybookError, suggest
from ..read.assemble import read_file
from ..read.yaml import load_yaml
from .playbook import Playbook, load_playbook, loads_playbook


@dataclass(frozen=True, slots=True)
class Entry:
    """What the header of one playbook file says."""

    file: str
    id: str
    version: str
    start: date
    end: date | None
    where_from: Location  # effective_from (or the top of the file)
    text: str | None = None  # a version saved in the store: its text (``file`` is its name)
    tests: tuple[tuple[str, str], ...] = ()  # and the test files it passed (path, text)
    review: str = "approved"  # a saved version: approved, proposed or declined (a file: approved)

    def in_force(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)

    def period(self) -> str:
        start = "the beginning" if self.start == date.min else self.start.isoformat()
        return f"{start} to {self.end.isoformat() if self.end else 'open end'}"


def is_yaml_name(name: str) -> bool:
    """A YAML file by its name, in any case: ``Pricing.YAML`` saved on Windows or macOS is
    a playbook too, and a folder check that skipped it would pass without reading it."""
    return name.lower().endswith((".yaml", ".yml"))


def playbook_files(folder: str) -> list[str]:
    """The playbook files directly in ``folder`` (modules, tests and examples live apart)."""
    out = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and is_yaml_name(name):
            out.append(path)
    return out


def read_header(file: str) -> Entry | None:
    """id, version and period of a playbook file; None for a module or unreadable file."""
    text, _ = read_file(file)
    if text is None:
        return None
    return header_of_text(text, file)


def header_of_text(text: str, file: str) -> Entry | None:
    """id, version and period of playbook text read as the file ``file``; None for a
    module or a test file, or text that is no mapping."""
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
        if not os.path.isdir(self.folder):
            raise InputError(f"{self.folder}: no such folder of playbooks")
        self.entries = [e for f in playbook_files(self.folder) if (e := read_header(f))]
        self.saved: list[Entry] = []  # versions saved in the store (``use_saved``)
        self._loaded: dict[str, Playbook] = {}

    @property
    def ids(self) -> list[str]:
        return sorted({e.id for e in self.entries})

    def use_saved(self, saved: list[Entry]) -> None:
        """The versions saved in the store, beside the folder's (each with its ``text``)."""
        self.saved = list(saved)

    def versions(self, playbook_id: str) -> list[Entry]:
        """Every version of ``playbook_id`` that is or was in force (the folder's and the
        approved saved ones), oldest first; a version followed by a saved one ends the day
        before that one starts."""
        found = [*self.entries, *self.saved]
        return self._succession(
            [e for e in found if e.id == playbook_id and e.review == "approved"]
        )

    def proposals(self, playbook_id: str) -> list[Entry]:
        """The saved versions of ``playbook_id`` awaiting review, oldest first, each with the
        end it would have if approved now (not in force: ``versions`` leaves them out)."""
        approved = self.versions(playbook_id)
        out: list[Entry] = []
        for p in self.saved:
            if p.id == playbook_id and p.review == "proposed":
                out.extend(e for e in self._succession([*approved, p]) if e.file == p.file)
        return out

    def _succession(self, entries: list[Entry]) -> list[Entry]:
        found = sorted(entries, key=lambda e: (e.start, e.text is not None))
        out = []
        for e, nxt in itertools.zip_longest(found, found[1:]):
            if nxt is not None and nxt.text is not None and nxt.start > e.start:
                last = nxt.start - timedelta(days=1)
                if e.end is None or e.end > last:
                    e = replace(e, end=last)
            out.append(e)
        return out

    def roles(self) -> set[str]:
        """Every role any version of any playbook here names (a user's roles are checked
        against them: a mistyped role would never be asked for)."""
        found: set[str] = set()
        for entry in self.entries:
            found.update(self._load(entry).model.roles)
        return found

    def recorded_by(self) -> dict[str, tuple[str, ...]]:
        """Every deal field any version of any playbook here declares ``recorded_by``, with
        every role that any of them names for it (the store guards stored accounts with them)."""
        found: dict[str, tuple[str, ...]] = {}
        for entry in [*self.entries, *(e for e in self.saved if e.review == "approved")]:
            try:
                playbook = self._load(entry)
            except KamError:  # a version that does not load judges no deal: it keeps nothing
                continue
            for name, roles in playbook.model.recorded_by.items():
                found[name] = tuple(dict.fromkeys((*found.get(name, ()), *roles)))
        return found

    def pick(
        self,
        playbook_id: str | None,
        on: date,
        version: str | None = None,
        proposed: bool = False,
    ) -> Playbook:
        """The version in force ``on`` that date (or the named ``version``); a version
        awaiting review only when named and ``proposed`` (to review it, never to pin a deal)."""
        if playbook_id is None:
            if not self.ids:  # a folder given for a playbook file, or an empty library
                raise InputError(
                    f"{self.folder}: is a folder with no playbooks in it; "
                    "give a playbook file, or the folder of its versions"
                )
            if len(self.ids) != 1:
                raise InputError(
                    f"{self.folder} holds playbooks {', '.join(self.ids)}: say which with --id"
                )
            playbook_id = self.ids[0]
        candidates = self.versions(playbook_id)
        clash = overlaps(candidates)
        if clash:  # which file would be used is not for kam to guess: refused as lint does
            raise PlaybookError(clash)
        if not candidates:
            hint = suggest(playbook_id, self.ids)
            raise InputError(
                f"no playbook '{playbook_id}' in {self.folder}" + (f" ({hint})" if hint else "")
            )
        if version is not None:
            chosen = [e for e in candidates if e.version == version]
            waiting = [e for e in self.proposals(playbook_id) if e.version == version]
            if not chosen and waiting and proposed:
                chosen = waiting
            elif not chosen and waiting:
                raise InputError(
                    f"{playbook_id} {version} is awaiting review: it takes force once another "
                    "playbook editor approves it (kam playbooks approve)"
                )
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
        # "in force on a date" has one home, here: a successor ends it, so a deal pinned to
        # it by name after that is refused (``store.in_force``) as one pinned by date is
        return self._load(entry).ending(entry.end.isoformat() if entry.end else None)

    def _load(self, entry: Entry) -> Playbook:
        if entry.file not in self._loaded:
            if entry.text is not None:  # saved in the store: user-written, read as a file is
                self._loaded[entry.file] = loads_playbook(
                    entry.text, entry.file, folder=self.folder
                )
            else:
                self._loaded[entry.file] = load_playbook(entry.file)
        return self._loaded[entry.file]


def _in_force(path: str, pb: Playbook, on: date) -> None:
    entry = read_header(path)
    if entry is None or entry.in_force(on):
        return
    folder = os.path.dirname(path) or "."
    try:
        versions = Library(folder).versions(entry.id)
    except InputError:
        versions = [entry]
    periods = "; ".join(f"{e.version}: {e.period()}" for e in versions)
    instead = [e for e in versions if e.in_force(on)]
    hint = (
        f"{instead[0].version} is in force then: give the folder (-p {folder} --id {entry.id}) "
        f"or {instead[0].file}; to judge by {pb.version}, give --as-of a date in its period"
        if instead
        else "give --as-of a date within one of these periods"
    )
    raise InputError(
        f"{path} ({pb.id} {pb.version}) is not in force on {on.isoformat()} "
        f"(versions: {periods}); {hint}"
    )


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


def open_playbook(
    path: str, playbook_id: str | None, version: str | None, on: date, dated: bool = False
) -> Playbook:
    """A playbook file as given, or from a folder the version in force ``on`` that date (or
    the named ``version``); ``playbook_id`` and ``version`` must match what a file is. With
    ``dated`` (a deal is judged on that date, today's included), a file not in force on it is
    refused, naming the versions beside it and their periods: a deal is never judged by
    rules not in force. (A stored deal is opened undated: it stays with its pinned version.)"""
    if os.path.isdir(path):
        return Library(path).pick(playbook_id, on, version)
    pb = load_playbook(path)
    if dated and version is None:
        _in_force(path, pb, on)
    if playbook_id is not None and playbook_id != pb.id:
        raise InputError(f"{path} is playbook '{pb.id}', not '{playbook_id}'")
    if version is not None and version != pb.version:
        raise InputError(
            f"{path} is version {pb.version} of {pb.id}, not {version}; "
            "give the folder to choose among versions"
        )
    return pb
