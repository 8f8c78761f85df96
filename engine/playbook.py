"""Playbook file in, reusable ``Playbook`` out: the facade that embedding programs use.

``load_playbook`` reads, checks and compiles once; ``Playbook`` is immutable and safe to
share between threads. ``evaluate`` and ``explain`` are pure; ``advance`` returns a new deal.
"""

from __future__ import annotations

import copy
import os
from datetime import date
from typing import TYPE_CHECKING, Any

from .compile import CompiledPlaybook, compile_model, content_hash
from .deal import check_deal
from .errors import Diagnostic, InputError, Location, PlaybookError, TransitionRefused
from .evaluate import Tracer, evaluate, granted_roles
from .results import Explanation, PlaybookRef, Result
from .source import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from .assemble import Assembled


class Playbook:
    """A checked, compiled playbook: evaluate deals against it as often as you like."""

    def __init__(self, compiled: CompiledPlaybook) -> None:
        self._c = compiled

    # -- what it is ---------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._c.model.id

    @property
    def version(self) -> str:
        return self._c.model.version

    @property
    def hash(self) -> str:
        """Content hash of the playbook: changes whenever its meaning changes."""
        return self._c.hash

    @property
    def file(self) -> str:
        return self._c.model.file

    @property
    def model(self) -> Any:
        return self._c.model

    @property
    def compiled(self) -> CompiledPlaybook:
        return self._c

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(s.id for s in self._c.model.stages)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self._c.model.categories)

    def deal_schema(self) -> dict[str, Any]:
        """The JSON Schema every deal must satisfy, derived from the declared fields."""
        return copy.deepcopy(self._c.deal_schema)

    def __repr__(self) -> str:
        return f"<Playbook {self.id} {self.version} {self.hash[:12]}>"

    # -- what it does ---------------------------------------------------------------------------
    def check_deal(self, deal: Any, source: str = "deal") -> dict[str, Any]:
        """The deal, validated and normalised; raises ``DealError`` listing every bad value."""
        return check_deal(self._c, deal, source)

    def evaluate(self, deal: Any, *, as_of: date, lang: str = "en", source: str = "deal") -> Result:
        """What blocks the deal, who must approve it, what is missing, which moves are open."""
        checked = check_deal(self._c, deal, source)
        return evaluate(self._c, checked, _as_date(as_of), lang)

    def explain(
        self, deal: Any, *, as_of: date, lang: str = "en", source: str = "deal"
    ) -> Explanation:
        """Like ``evaluate``, plus every rule's decision and the values it read."""
        checked = check_deal(self._c, deal, source)
        tracer = Tracer()
        result = evaluate(self._c, checked, _as_date(as_of), lang, tracer)
        return Explanation(result, tuple(tracer.steps))

    def advance(
        self, deal: Any, *, to: str, by: str, at: date, lang: str = "en", source: str = "deal"
    ) -> dict[str, Any]:
        """The deal moved to stage ``to`` with a history entry, or ``TransitionRefused``."""
        if not isinstance(by, str) or not by.strip():
            raise InputError("advance needs the name of who moves the deal (by)")
        at = _as_date(at)
        checked = check_deal(self._c, deal, source)
        current = checked["stage"]
        result = evaluate(self._c, checked, at, lang)
        targets = [m.to for m in result.transitions]
        move = next((m for m in result.transitions if m.to == to), None)
        if move is None:
            reason = (
                f"'{to}' is not a stage of this playbook"
                if to not in self.stages
                else f"the playbook has no move from {current} to {to}"
            )
            raise TransitionRefused(
                str(checked["id"]), current, to, reason=reason, allowed_targets=targets
            )
        if not move.allowed:
            raise TransitionRefused(
                str(checked["id"]),
                current,
                to,
                move.missing,
                allowed_targets=[m.to for m in result.transitions if m.allowed],
            )
        new_stage = self._c.machine.move(str(checked["id"]), current, to, guards_met=True)
        out: dict[str, Any] = copy.deepcopy(deal)
        out["stage"] = new_stage
        out["history"] = [
            *(deal.get("history") or []),
            {"from": current, "to": new_stage, "by": by, "at": at.isoformat()},
        ]
        return out

    def granted_roles(self, deal: Any) -> dict[str, str]:
        """Which roles have approved this deal (approvals by its owner do not count)."""
        return granted_roles(check_deal(self._c, deal))


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"as_of must be a date (YYYY-MM-DD), not {value!r}")


def loads_playbook(
    text: str, file: str = "<playbook>", limits: Limits = DEFAULT_LIMITS
) -> Playbook:
    """Check and compile playbook text (YAML); includes resolve from the current folder."""
    from .assemble import assemble_text

    return _build(assemble_text(text, file, limits))


def load_playbook(
    path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS, cache: bool = True
) -> Playbook:
    """Read, check and compile a playbook file (with what it includes or extends); raises
    ``PlaybookError`` with every problem found.

    With ``cache`` (the default) an unchanged playbook is not read and checked again: its
    checked model comes from the cache (see ``cache.py``) and only code generation runs."""
    file = os.fspath(path)
    if cache:
        from . import cache as store

        hit = store.lookup(file)
        if hit is not None:
            model, known = hit
            return Playbook(compile_model(model, None, known))
    from .assemble import assemble

    parts = assemble(file, limits)
    playbook = _build(parts)
    if cache:
        store.store(file, playbook.model, playbook.hash, parts.files)
    return playbook


def check_file(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> str:
    """Check a playbook or a policy module (``module:``) file; returns which it was.

    Raises ``PlaybookError`` with every problem found."""
    from .assemble import assemble

    parts = assemble(os.fspath(path), limits)
    check_assembled(parts)
    return "module" if is_module(parts) else "playbook"


def is_module(parts: Assembled) -> bool:
    """A policy module names itself with ``module:`` and has no playbook id."""
    return isinstance(parts.data, dict) and "module" in parts.data and "id" not in parts.data


def check_assembled(parts: Assembled) -> PlaybookRef:
    """Check a read playbook or module; raises ``PlaybookError``. A module's reference has
    the version "module" and the hash of its content."""
    if not is_module(parts):
        ref: PlaybookRef = _build(parts).compiled.ref
        return ref
    from .check import check_module

    _fatal(parts)
    check_module(parts.data, parts.smap, parts.texts, parts.problems)
    return PlaybookRef(str(parts.data["module"]), "module", content_hash(parts.data))


def _fatal(parts: Assembled) -> None:
    """Stop at problems that leave nothing to check (syntax errors, unsafe includes)."""
    file = parts.smap.file
    if parts.data is None or any(p.code not in ("duplicate-key",) for p in parts.problems):
        if parts.problems:
            raise PlaybookError(parts.problems)
        raise PlaybookError(
            [
                Diagnostic(
                    "empty",
                    "the playbook is empty",
                    Location(file, 1, 1),
                    hint="start with 'kam: 1', 'id: ...', 'version: ...'",
                )
            ]
        )


def _build(parts: Assembled) -> Playbook:
    from .check import check_playbook

    _fatal(parts)
    model = check_playbook(parts.data, parts.smap, parts.texts, parts.problems)
    return Playbook(compile_model(model, parts.data))
