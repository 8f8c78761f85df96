"""kam - the key-account playbook engine.

Load a playbook once, evaluate deals against it many times::

    from datetime import date
    import engine

    playbook = engine.load_playbook("playbooks/auto-dealer.yaml")
    result = playbook.evaluate(deal, as_of=date(2026, 3, 1))
    result.status          # "ok" | "needs_approval" | "blocked"
    result.to_dict()       # the documented JSON (schemas/result.schema.json)
"""

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

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BLOCKED",
    "EXIT_INTERNAL",
    "EXIT_NEEDS_APPROVAL",
    "EXIT_OK",
    "Action",
    "Approval",
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
    "PlaybookError",
    "Result",
    "Step",
    "TransitionRefused",
    "UnmetGuard",
    "Violation",
    "load_playbook",
    "loads_playbook",
]
