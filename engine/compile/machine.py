"""Stages and moves in, one ``transitions`` state machine out: the only module that imports it.

The machine is built once per playbook. It is used when a deal actually moves
(``Playbook.advance``), never to answer "which moves are allowed" per evaluation - that is a
plain precomputed mapping in ``compile/build.py``. ``transitions.Machine`` is not thread-safe, so
moves go through one lock; the machine's errors are translated into ``TransitionRefused``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from transitions import Machine, MachineError

from ..errors import TransitionRefused


class _Token:
    """The throw-away model a move is made on (the deal itself is never handed over)."""

    state: str


def _guards_met(event: Any) -> bool:
    return bool(event.kwargs.get("guards_met", False))


class StageMachine:
    """A playbook's stage graph as a ``transitions`` machine."""

    def __init__(
        self,
        stages: Iterable[str],
        moves: Iterable[tuple[str, str]],
        initial: str,
        terminal: Iterable[str],
    ) -> None:
        self._lock = threading.Lock()
        stage_list = list(stages)
        self._machine = Machine(
            model=None,
            states=stage_list,
            initial=initial or (stage_list[0] if stage_list else None),
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for source, target in moves:
            self._machine.add_transition(
                trigger=self.trigger(target),
                source=source,
                dest=target,
                conditions=[_guards_met],
            )
        self.final = frozenset(terminal)

    @staticmethod
    def trigger(target: str) -> str:
        return f"move_to_{target}"

    def move(self, deal_id: str, current: str, target: str, guards_met: bool) -> str:
        """Move from ``current`` to ``target``; returns the new stage or raises."""
        token = _Token()
        with self._lock:
            self._machine.add_model(token, initial=current)
            try:
                moved = token.trigger(self.trigger(target), guards_met=guards_met)  # type: ignore[attr-defined]
            except (MachineError, AttributeError) as exc:
                raise TransitionRefused(
                    deal_id,
                    current,
                    target,
                    reason=f"the playbook has no move from {current} to {target}",
                ) from exc
            finally:
                self._machine.remove_model(token)
        if not moved:
            raise TransitionRefused(deal_id, current, target)
        return token.state
