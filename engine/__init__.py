"""kam - the key-account playbook engine: YAML playbooks in, verdicts on deals out.

Load a playbook once, then evaluate deals against it as often as you like (a ``Playbook``
is immutable and safe to share between threads)::

    from datetime import date
    import engine

    playbook = engine.load_playbook("playbooks/auto-dealer.yaml")
    deal = engine.read_deal("deal.json")         # or engine.loads_deal(request_body)
    result = playbook.evaluate(deal, as_of=date(2026, 3, 1), lang="en")
    result.status        # "ok" | "needs_approval" | "needs_information" | "blocked"
    result.to_json()     # the JSON `kam validate --format json` prints, numbers exact

Reading: load_playbook(path), loads_playbook(text, folder=...), read_deal(path),
    loads_deal(text), diff_playbooks(old, new). Deciding: record_decision(playbook, deal, ...).
A Playbook: evaluate, explain, advance, record_decision, check_deal, deal_schema,
    rules() (RuleInfo), stages, categories, languages.
Results (frozen, with to_dict()): Result (and to_json()), Violation, Approval, Action,
    MissingInformation, Move, Explanation, Step, PlaybookDiff, Change.
Errors, one tree under KamError (each has exit_code, lines(), to_dict()):
    PlaybookError (.diagnostics: Diagnostic, Location), DealError (.problems: DealProblem,
    by JSON path), InputError (a bad argument, file or date), TransitionRefused (.unmet:
    UnmetGuard), DecisionRefused (an approval decision the deal cannot take), EngineBug
    (a bug in kam: please report it).
Exit codes for programs that wrap kam: EXIT_OK, EXIT_BLOCKED, EXIT_BAD_INPUT,
    EXIT_NEEDS_APPROVAL, EXIT_INTERNAL, EXIT_NEEDS_INFORMATION.

help(engine.Playbook) - or any name above - shows it in full; docs/python-api.md is the
guide. The names are imported when first used, so ``kam --help`` does not load the engine,
and help(engine) lists the functions only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "EXIT_BAD_INPUT": "errors",
    "EXIT_BLOCKED": "errors",
    "EXIT_INTERNAL": "errors",
    "EXIT_NEEDS_APPROVAL": "errors",
    "EXIT_NEEDS_INFORMATION": "errors",
    "EXIT_OK": "errors",
    "DealError": "errors",
    "DealProblem": "errors",
    "Diagnostic": "errors",
    "DecisionRefused": "errors",
    "EngineBug": "errors",
    "InputError": "errors",
    "KamError": "errors",
    "Location": "errors",
    "PlaybookError": "errors",
    "TransitionRefused": "errors",
    "UnmetGuard": "errors",
    "diff_playbooks": "app.diff",
    "Playbook": "app.playbook",
    "RuleInfo": "app.playbook",
    "load_playbook": "app.playbook",
    "record_decision": "app.playbook",
    "loads_playbook": "app.playbook",
    "loads_deal": "run.deal",
    "read_deal": "run.deal",
    "Action": "results",
    "Approval": "results",
    "Change": "results",
    "Explanation": "results",
    "Move": "results",
    "MissingInformation": "results",
    "PlaybookDiff": "results",
    "Result": "results",
    "Step": "results",
    "Violation": "results",
}
__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BLOCKED",
    "EXIT_INTERNAL",
    "EXIT_NEEDS_APPROVAL",
    "EXIT_NEEDS_INFORMATION",
    "EXIT_OK",
    "Action",
    "Approval",
    "Change",
    "DealError",
    "DealProblem",
    "DecisionRefused",
    "Diagnostic",
    "EngineBug",
    "Explanation",
    "InputError",
    "KamError",
    "Location",
    "MissingInformation",
    "Move",
    "Playbook",
    "PlaybookDiff",
    "PlaybookError",
    "Result",
    "RuleInfo",
    "Step",
    "TransitionRefused",
    "UnmetGuard",
    "Violation",
    "diff_playbooks",
    "load_playbook",
    "loads_deal",
    "loads_playbook",
    "read_deal",
    "record_decision",
]
# What dir() and help(engine) show: the functions and exit codes. Listing every class too
# made help(engine) 1,500 lines of dataclass and exception boilerplate; each class is one
# help(engine.NAME) away and all of them are in __all__ (for import * and type checkers).
_LISTED = frozenset(name for name in __all__ if name.startswith("EXIT_") or name[0].islower())


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    hooks = ("__dir__", "__getattr__")
    return sorted({*(n for n in globals() if n.startswith("__") and n not in hooks), *_LISTED})


if TYPE_CHECKING:
    from .app.diff import diff_playbooks
    from .app.playbook import (
        Playbook,
        RuleInfo,
        load_playbook,
        loads_playbook,
        record_decision,
    )
    from .errors import (
        EXIT_BAD_INPUT,
        EXIT_BLOCKED,
        EXIT_INTERNAL,
        EXIT_NEEDS_APPROVAL,
        EXIT_NEEDS_INFORMATION,
        EXIT_OK,
        DealError,
        DealProblem,
        DecisionRefused,
        Diagnostic,
        EngineBug,
        InputError,
        KamError,
        Location,
        PlaybookError,
        TransitionRefused,
        UnmetGuard,
    )
    from .results import (
        Action,
        Approval,
        Change,
        Explanation,
        MissingInformation,
        Move,
        PlaybookDiff,
        Result,
        Step,
        Violation,
    )
    from .run.deal import loads_deal, read_deal
