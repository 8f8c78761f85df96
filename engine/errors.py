"""Problems in, exceptions out: Location, Diagnostic and the engine's one exception tree.

Violations, approvals and actions are *results* (see ``results.py``); the classes here are
for a broken playbook, a broken deal, a refused move or a broken engine. Each exception
owns its CLI exit code, but nothing here imports click: ``cli.py`` is the only place that
turns them into a process exit.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

# Documented exit codes (README, `kam --help`).
EXIT_OK = 0
EXIT_BLOCKED = 1
EXIT_BAD_INPUT = 2
EXIT_NEEDS_APPROVAL = 3
EXIT_INTERNAL = 4
EXIT_NEEDS_INFORMATION = 5  # missing information: record it, then check again
EXIT_CONFLICT = 6  # the store: a stale version or a reused idempotency key
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM: 128 + 15, as a shell reports a process it ended


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a source file; line and column are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# The values a message names (a name, a line, a limit), for wording it in another language:
# ``text.WORDS[lang]["lint"]`` (diagnostics) and ``["deal_problems"]`` (a deal's bad values)
# have a sentence for each key with these values as its ``{fields}``.
Values = tuple[tuple[str, str], ...]


def values_of(values: Mapping[str, Any] | None) -> Values:
    return tuple((k, str(v)) for k, v in (values or {}).items())


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a playbook, with where it is and how to fix it.

    ``message`` and ``hint`` are English (the CLI and JSON); ``said`` and ``hint_said`` key
    their words in every language and ``values`` fill them in (``text.diagnostic_words``);
    without ``said`` another language says the sentence for the code with the English text."""

    code: str
    message: str
    location: Location
    path: str = ""
    hint: str = ""
    severity: str = "error"
    said: str = ""
    values: Values = ()
    hint_said: str = ""

    def words(self, lang: str) -> tuple[str, str]:
        """(message, hint) in ``lang``: English as written; another language from the words
        for ``said`` with the values, else its words for the code with the English text."""
        from .text import diagnostic_words

        return diagnostic_words(self, lang)

    def format(self, lang: str = "en") -> str:
        """``FILE:LINE:COL: error[code]: message`` plus an indented hint line, in ``lang``."""
        if lang == "en":
            message, hint, hint_line = self.message, self.hint, "hint: {hint}"
        else:
            from .text import words_of

            message, hint = self.words(lang)
            hint_line = words_of(lang, "lint_codes")["_hint"]
        text = f"{self.location}: {self.severity}[{self.code}]: {message}"
        if hint:
            text += "\n    " + hint_line.format(hint=hint)
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "location": {
                "file": self.location.file,
                "line": self.location.line,
                "column": self.location.column,
            },
            "path": self.path,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class DealProblem:
    """One bad value in a deal, named by its JSON path (``$.lines[2].unit_price``)."""

    path: str
    message: str
    kind: str = ""  # the key of its words in every language (text.WORDS "deal_problems")
    values: Values = ()

    def format(self) -> str:
        return f"{self.path}: {self.message}"

    def words(self, lang: str) -> str:
        """The problem in ``lang`` (English: ``message`` as written)."""
        from .text import deal_problem_words

        return deal_problem_words(self, lang)

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class KamError(Exception):
    """Base of every error the engine raises on purpose: catch this to catch us."""

    exit_code: ClassVar[int] = EXIT_BAD_INPUT
    kind: ClassVar[str] = "error"

    def lines(self, lang: str = "en") -> list[str]:
        """The message as the lines a person reads on stderr (in ``lang`` where this kind of
        error has words in it: a broken playbook, a deal's bad values)."""
        return [str(self)]

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.kind, "message": str(self)}


class InputError(KamError):
    """A file or stream could not be read (missing, too large, not text, not a mapping)."""

    kind = "input"


class PlaybookError(KamError):
    """A playbook is broken; carries every diagnostic found, sorted by place."""

    kind = "playbook"

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(
            sorted(diagnostics, key=lambda d: (d.location, d.code, d.message))
        )
        super().__init__(self._summary())

    def _summary(self, lang: str = "en") -> str:
        errors = sum(1 for d in self.diagnostics if d.severity == "error")
        files = sorted({d.location.file for d in self.diagnostics})
        if lang != "en":
            from .text import words_of

            said = words_of(lang, "lint_codes")["_summary"]
            return said.format(errors=errors, files=", ".join(files))
        noun = "error" if errors == 1 else "errors"
        return f"{errors} {noun} in {', '.join(files)}"

    def lines(self, lang: str = "en") -> list[str]:
        return [d.format(lang) for d in self.diagnostics] + [self._summary(lang)]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.kind,
            "message": self._summary(),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


class DealError(KamError):
    """A deal does not fit the playbook's deal schema; every bad value, by JSON path."""

    kind = "deal"

    def __init__(self, problems: Sequence[DealProblem], source: str = "deal") -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.path, p.message)))
        self.source = source
        super().__init__("; ".join(p.format() for p in self.problems))

    def lines(self, lang: str = "en") -> list[str]:
        return [f"{self.source}: {p.path}: {p.words(lang)}" for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.kind,
            "message": f"{len(self.problems)} problem(s) in {self.source}",
            "problems": [p.to_dict() for p in self.problems],
        }


class Text:
    """A message written when it is first read: most callers of ``evaluate`` only look at
    the status, and a message costs more to write than the rest of an evaluation."""

    __slots__ = ("_make", "_value")

    def __init__(self, value: str | None = None, make: Callable[[], str] | None = None) -> None:
        self._value = value
        self._make = make

    def __str__(self) -> str:
        if self._value is None:
            assert self._make is not None
            self._value = self._make()
            self._make = None
        return self._value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Text | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return repr(str(self))


@dataclass(frozen=True, slots=True)
class UnmetGuard:
    """One thing a stage move still needs (a document, an approval, a condition...)."""

    kind: str
    id: str
    rule: str
    text: Text  # the message, written when first read (``message``)

    @property
    def message(self) -> str:
        return str(self.text)

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "rule": self.rule, "message": self.message}


class TransitionRefused(KamError):
    """A stage move was refused: not a move the playbook has, or guards are unmet."""

    exit_code = EXIT_BLOCKED
    kind = "transition_refused"

    def __init__(
        self,
        deal_id: str,
        from_stage: str,
        to_stage: str,
        unmet: Sequence[UnmetGuard] = (),
        reason: str = "",
        allowed_targets: Sequence[str] = (),
    ) -> None:
        self.deal_id = deal_id
        self.from_stage = from_stage
        self.to_stage = to_stage
        self.unmet = tuple(unmet)
        self.allowed_targets = tuple(allowed_targets)
        self.reason = reason or "guards not met"
        super().__init__(
            f"deal {deal_id}: cannot move from {from_stage} to {to_stage}: {self.reason}"
        )

    def lines(self, lang: str = "en") -> list[str]:
        out = [str(self)]
        out += [f"  - {u.message} [{u.rule}]" for u in self.unmet]
        if self.allowed_targets:
            out.append(f"  moves from {self.from_stage}: {', '.join(self.allowed_targets)}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.kind,
            "message": str(self),
            "deal": self.deal_id,
            "from": self.from_stage,
            "to": self.to_stage,
            "missing": [u.to_dict() for u in self.unmet],
            "allowed_targets": list(self.allowed_targets),
        }


class DecisionRefused(KamError):
    """An approval decision the deal cannot take: a role it does not ask, the owner deciding
    on their own deal, one person on two steps of a chain, a value not known to approve."""

    kind = "decision_refused"

    def __init__(self, deal_id: str, role: str, reason: str) -> None:
        self.deal_id = deal_id
        self.role = role
        self.reason = reason
        super().__init__(f"deal {deal_id}: cannot record a decision as {role}: {reason}")

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.kind, "message": str(self), "deal": self.deal_id, "role": self.role}


class EngineBug(KamError):
    """Something inside the engine went wrong; never the user's fault."""

    exit_code = EXIT_INTERNAL
    kind = "internal"


def closest(name: str, candidates: Iterable[str]) -> str:
    """The candidate nearest to ``name``, or "" when nothing is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else ""


def suggest(name: str, candidates: Iterable[str]) -> str:
    """A "did you mean ...?" hint, or "" when nothing is close."""
    close = closest(name, candidates)
    return f"did you mean '{close}'?" if close else ""


@dataclass
class DiagnosticSink:
    """Collects diagnostics while a playbook is checked, so all are reported at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        location: Location,
        path: str = "",
        hint: str = "",
        severity: str = "error",
        said: str = "",
        values: Mapping[str, Any] | None = None,
        hint_said: str = "",
    ) -> None:
        self.items.append(
            Diagnostic(
                code, message, location, path, hint, severity, said, values_of(values), hint_said
            )
        )

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise PlaybookError(self.items)
