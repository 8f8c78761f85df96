"""kam - the key-account playbook engine.

Load a playbook once, evaluate deals against it many times::

    from datetime import date
    import engine

    playbook = engine.load_playbook("playbooks/auto-dealer.yaml")
    result = playbook.evaluate(deal, as_of=date(2026, 3, 1))
    result.status          # "ok" | "needs_approval" | "blocked"
    result.to_dict()       # the documented JSON (schemas/result.schema.json)

The names below are imported when first used, so ``kam --help`` does not load the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "EXIT_BAD_INPUT": "errors",
    "EXIT_BLOCKED": "errors",
    "EXIT_INTERNAL": "errors",
    "EXIT_NEEDS_APPROVAL": "errors",
    "EXIT_OK": "errors",
    "DealError": "errors",
    "DealProblem": "errors",
    "Diagnostic": "errors",
    "EngineBug": "errors",
    "InputError": "errors",
    "KamError": "errors",
    "Location": "errors",
    "PlaybookError": "errors",
    "TransitionRefused": "errors",
    "UnmetGuard": "errors",
    "Change": "diff",
    "PlaybookDiff": "diff",
    "diff_playbooks": "diff",
    "Playbook": "playbook",
    "load_playbook": "playbook",
    "loads_playbook": "playbook",
    "Action": "results",
    "Approval": "results",
    "Explanation": "results",
    "Move": "results",
    "Result": "results",
    "Step": "results",
    "Violation": "results",
}
__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BLOCKED",
    "EXIT_INTERNAL",
    "EXIT_NEEDS_APPROVAL",
    "EXIT_OK",
    "Action",
    "Approval",
    "Change",
    "DealError",
    "DealProblem",
    "Diagnostic",
    "EngineBug",
    "Explanation",
    "InputError",
    "KamError",
    "Location",
    "Move",
    "Playbook",
    "PlaybookDiff",
    "PlaybookError",
    "Result",
    "Step",
    "TransitionRefused",
    "UnmetGuard",
    "Violation",
    "diff_playbooks",
    "load_playbook",
    "loads_playbook",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:
    from .diff import Change, PlaybookDiff, diff_playbooks
    from .errors import (
        EXIT_BAD_INPUT,
        EXIT_BLOCKED,
        EXIT_INTERNAL,
        EXIT_NEEDS_APPROVAL,
        EXIT_OK,
        DealError,
        DealProblem,
        Diagnostic,
        EngineBug,
        InputError,
        KamError,
        Location,
        PlaybookError,
        TransitionRefused,
        UnmetGuard,
    )
    from .playbook import Playbook, load_playbook, loads_playbook
    from .results import Action, Approval, Explanation, Move, Result, Step, Violation
