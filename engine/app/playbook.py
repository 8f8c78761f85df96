"""Playbook file in, reusable ``Playbook`` out: the facade that embedding programs use.

``load_playbook`` reads, checks and compiles once; ``Playbook`` is immutable and safe to
share between threads. ``evaluate`` and ``explain`` are pure; ``advance`` returns a new deal.
Arguments are checked at this door (dates are dates, languages exist) so a caller's mistake
is an ``InputError`` that says so, never a ``KeyError`` from deep inside.
"""

from __future__ import annotations

import contextlib
import copy
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..compile.build import CompiledPlaybook, compile_model
from ..errors import Diagnostic, InputError, Location, PlaybookError, TransitionRefused
from ..lang.values import date_of_text
from ..limits import DEFAULT_LIMITS, Limits
from ..results import Explanation, Result
from ..run.deal import check_deal
from ..run.evaluate import Tracer, check_language, evaluate, granted_roles

if TYPE_CHECKING:
    from ..read.assemble import Assembled


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """One rule, decision table or approval chain of a playbook, as a screen would list it.

    ``id`` is the id results name (``Violation.rule``, ``Approval.rule``...). ``kind`` is
    ``rule``, ``table`` or ``approval_chain``. ``outcomes`` are what it can produce
    (``block``, ``warn``, ``approval``, ``action``) and ``roles`` who it can ask to approve.
    ``categories`` and ``stages`` list every category and stage it applies to (all of the
    playbook's when it is not limited). ``mode`` is ``enforce`` or ``shadow`` (reported,
    never counted)."""

    id: str
    kind: str
    title: str
    description: str
    outcomes: tuple[str, ...]
    roles: tuple[str, ...]
    categories: tuple[str, ...]
    stages: tuple[str, ...]
    mode: str
    location: Location


class Playbook:
    """A checked, compiled playbook: evaluate deals against it as often as you like.

    Immutable and safe to share between threads; load it once (``load_playbook``) and keep
    it. ``evaluate``, ``explain`` and ``advance`` need the date to judge on (no hidden
    clock) and write messages in ``lang`` (one of ``languages``)."""

    def __init__(self, compiled: CompiledPlaybook, until: str | None = None) -> None:
        self._c = compiled
        # the last day in force as its library's succession says (a later version saved in
        # the store ends it though its own text has no effective_to); None: as written
        self._until = until

    @property
    def until(self) -> str | None:
        """The last day it is in force (YYYY-MM-DD), None for no end: its ``effective_to``,
        or the day before a successor starts (``Library.versions``)."""
        return self._until if self._until is not None else self._c.model.effective_to

    def ending(self, last: str | None) -> Playbook:
        """The same playbook, in force until ``last`` (its library knows its successor)."""
        return self if last is None or last == self.until else Playbook(self._c, last)

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

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages messages can be written in (``lang=``)."""
        return tuple(self._c.labels)

    def rules(self, lang: str = "en") -> tuple[RuleInfo, ...]:
        """Every rule, then every decision table, then every approval chain, in the order the
        playbook gives them, as ``RuleInfo`` values with titles in ``lang``."""
        check_language(self._c, lang)
        model = self._c.model
        every_category = tuple(model.categories)
        every_stage = self.stages

        def scope(ids: frozenset[str] | None, every: tuple[str, ...]) -> tuple[str, ...]:
            return every if ids is None else tuple(i for i in every if i in ids)

        out: list[RuleInfo] = []
        for r in model.rules:
            o = r.outcome
            out.append(
                RuleInfo(
                    r.id,
                    "rule",
                    r.title.get(lang),
                    r.description.get(lang),
                    () if o.kind == "none" else (o.kind,),
                    (o.role,) if o.role else (),
                    scope(r.categories, every_category),
                    scope(r.stages, every_stage),
                    r.mode,
                    r.location,
                )
            )
        for t in model.tables:
            kinds = [row.outcome.kind for row in t.rows if row.outcome.kind != "none"]
            roles = [row.outcome.role for row in t.rows if row.outcome.role]
            out.append(
                RuleInfo(
                    t.id,
                    "table",
                    t.title.get(lang),
                    t.description.get(lang),
                    tuple(dict.fromkeys(kinds)),
                    tuple(dict.fromkeys(roles)),
                    scope(t.categories, every_category),
                    scope(t.stages, every_stage),
                    t.mode,
                    t.location,
                )
            )
        for c in model.chains:
            out.append(
                RuleInfo(
                    c.id,
                    "approval_chain",
                    c.title.get(lang),
                    c.description.get(lang),
                    ("approval",),
                    tuple(dict.fromkeys(step.role for step in c.steps)),
                    scope(c.categories, every_category),
                    scope(c.stages, every_stage),
                    c.mode,
                    c.location,
                )
            )
        return tuple(out)

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
        """What blocks the deal, who must approve it, what is missing, which moves are open.

        ``as_of`` is a ``datetime.date``; ``lang`` one of ``languages``. A deal that does not
        fit raises ``DealError`` naming every bad value by its JSON path."""
        when = _as_date(as_of, "as_of")
        check_language(self._c, lang)
        checked = check_deal(self._c, deal, source)
        return evaluate(self._c, checked, when, lang)

    def explain(
        self, deal: Any, *, as_of: date, lang: str = "en", source: str = "deal"
    ) -> Explanation:
        """Like ``evaluate``, plus every rule's decision and the values it read."""
        when = _as_date(as_of, "as_of")
        check_language(self._c, lang)
        checked = check_deal(self._c, deal, source)
        tracer = Tracer(lang=lang)
        result = evaluate(self._c, checked, when, lang, tracer)
        return Explanation(result, tuple(tracer.steps))

    def advance(
        self, deal: Any, *, to: str, by: str, at: date, lang: str = "en", source: str = "deal"
    ) -> dict[str, Any]:
        """The deal moved to stage ``to`` with a history entry, or ``TransitionRefused``.

        ``at`` is the ``datetime.date`` of the move (written to the history)."""
        if not isinstance(by, str) or not by.strip():
            raise InputError("advance needs the name of who moves the deal (by)")
        at = _as_date(at, "at")
        check_language(self._c, lang)
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

    def record_decision(
        self,
        deal: Any,
        *,
        role: str,
        by: str,
        decision: str = "approved",
        on: date,
        comment: str | None = None,
        source: str = "deal",
    ) -> dict[str, Any]:
        """The deal with one approver's decision appended to its approvals, or
        ``DecisionRefused``. An approval records its basis (what is approved: the values the
        playbook binds the approval to, as the deal stands on ``on``), so a later change
        beyond it makes the approval stale. ``decision`` is approved or rejected."""
        from ..run.record import record_decision

        if not isinstance(by, str) or not by.strip():
            raise InputError("a decision needs the name of who decides (by)")
        if not isinstance(role, str):
            raise InputError("a decision needs the approver's role (role)")
        if comment is not None and not isinstance(comment, str):
            raise InputError("comment must be text")
        on = _as_date(on, "on")
        checked = check_deal(self._c, deal, source)
        return record_decision(
            self._c, deal, checked, role=role, by=by, decision=decision, on=on, comment=comment
        )

    def granted_roles(self, deal: Any) -> dict[str, str]:
        """Which roles have approved this deal (approvals by its owner do not count)."""
        return granted_roles(check_deal(self._c, deal))


def record_decision(
    playbook: Playbook,
    deal: Any,
    *,
    role: str,
    by: str,
    decision: str = "approved",
    on: date,
    comment: str | None = None,
) -> dict[str, Any]:
    """``playbook.record_decision(...)``: the deal with one approver's decision recorded
    (with its basis), or ``DecisionRefused``. What ``kam approve`` and the store call."""
    return playbook.record_decision(
        deal, role=role, by=by, decision=decision, on=on, comment=comment
    )


def _as_date(value: Any, name: str) -> date:
    """A ``datetime.date`` and nothing else: text would have to be guessed at (03/02 is two
    days), and a datetime's day depends on a time zone only the caller knows."""
    if isinstance(value, datetime):
        raise InputError(
            f"{name} must be a date, not a datetime ({value.isoformat()}): "
            f"pass {name}=<the datetime>.date(), taken in your sales office's time zone"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            hint = f"date.fromisoformat({date_of_text(value).isoformat()!r})"
        except ValueError:
            hint = "datetime.date(year, month, day)"
        raise InputError(f"{name} must be a date, not the text {value!r}: pass {name}={hint}")
    raise InputError(f"{name} must be a date (datetime.date), not {type(value).__name__}")


def loads_playbook(
    text: str,
    file: str = "<playbook>",
    limits: Limits = DEFAULT_LIMITS,
    *,
    folder: str | os.PathLike[str] | None = None,
) -> Playbook:
    """Check and compile playbook text (YAML), as ``load_playbook`` does for a file.

    ``file`` is the name diagnostics give the text (``FILE:LINE:COL``). ``folder`` is where
    the text stands: its ``include:`` and ``extends:`` files are read from there and may not
    leave it. The current folder is never used; without ``folder``, a playbook that
    includes anything is refused with a located problem for each include. Raises
    ``PlaybookError`` with every problem found, ``InputError`` if ``folder`` is not one."""
    from ..read.assemble import assemble_text

    if not isinstance(text, str):
        raise InputError(f"loads_playbook reads text (str), not {type(text).__name__}")
    where = None
    if folder is not None:
        where = Path(folder)
        if not where.is_dir():
            raise InputError(f"folder {os.fspath(folder)!r} is not a folder")
    return build_playbook(assemble_text(text, file, limits, where))


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
            # a cached model that does not compile is ignored; a fresh load says what is wrong
            with contextlib.suppress(Exception):
                return Playbook(compile_model(model, None, known))
    from ..read.assemble import assemble

    parts = assemble(file, limits)
    playbook = build_playbook(parts)
    if cache:
        store.store(file, playbook.model, playbook.hash, parts.texts, parts.links)
    return playbook


def stop_if_unreadable(parts: Assembled) -> None:
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


def build_playbook(parts: Assembled) -> Playbook:
    """Check and compile a read playbook; raises ``PlaybookError`` with every problem."""
    from ..check.checker import check_playbook

    stop_if_unreadable(parts)
    model = check_playbook(parts.data, parts.smap, parts.texts, parts.problems)
    return Playbook(compile_model(model, parts.data))
