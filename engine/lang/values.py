"""The expression language's runtime values and helpers, shared by the generated code
(``compile/codegen.py``) and the reference interpreter (``run/reference.py``).

``Unknown`` is how an absent value travels: reading it raises, and the rule that asked
decides (its ``on_missing``). ``MissingFact`` stands in ``facts`` for a fact that could not be
computed. The arithmetic helpers are the language's own meaning of /, round(), min() ...
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import lru_cache
from typing import Any

from ..limits import COMPUTE_DIGITS, COMPUTE_EMAX, QUOTIENT_DIGITS
from ..text import fmt_quoted


class Unknown(Exception):
    """A value an expression needs is absent (or cannot be computed, like x / 0).

    ``path`` is the first absent value; ``paths`` every absent value the answer waited on
    (an ``or`` with two unknown sides waits on both): what to record (missing information)."""

    def __init__(
        self,
        reason: str,
        path: str = "",
        paths: tuple[str, ...] | None = None,
        zero: str = "",
        fact: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.paths = paths if paths is not None else ((path,) if path else ())
        # a division by zero: the divisor as read ("facts.list_amount"; "" when it is not one
        # value), and the fact it left unknown: what run/ words for people
        self.zero = zero
        self.fact = fact


@dataclass(frozen=True, slots=True)
class MissingFact:
    """Stands in ``facts`` for a fact that could not be computed for this deal."""

    reason: str
    path: str
    paths: tuple[str, ...] = ()
    zero: str = ""  # as Unknown.zero: the divisor that was 0


ROUNDING = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}

# The one arithmetic context: wide enough that sums of deal values are exact (Python's default
# of 28 digits made three lines of 6663.333333333333333333333333 sum to 19990), and every
# operation that would silently give infinity or NaN raises instead (limits.py says the domain).
NUMBERS = Context(
    prec=COMPUTE_DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emax=COMPUTE_EMAX,
    Emin=-COMPUTE_EMAX,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


_QUOTIENT = NUMBERS.copy()
_QUOTIENT.prec = QUOTIENT_DIGITS


def computing() -> Any:
    """``with computing():`` runs arithmetic in ``NUMBERS`` (per thread, as decimal is)."""
    return localcontext(NUMBERS)


def missing_reason(path: str) -> str:
    return f"{path} is missing"


def fact_unknown(name: str, fact: MissingFact) -> Unknown:
    """What reading an unknown fact raises (the same words on both evaluators)."""
    return Unknown(
        f"fact {name} is unknown because {fact.reason}",
        fact.path,
        fact.paths,
        fact.zero,
        name if fact.zero else "",
    )


# -- three-valued (Kleene) logic -------------------------------------------------------------
# A known true side decides 'or' (a known false side decides 'and') even when another side is
# unknown; otherwise the first Unknown is raised, carrying every absent path seen. Both
# evaluators call these with thunks (one per operand, read left to right); the generated code
# only falls back to them when its plain Python 'and'/'or' met an Unknown.


def kleene_or(thunks: Iterable[Callable[[], Any]]) -> bool:
    return _kleene(thunks, True)


def kleene_and(thunks: Iterable[Callable[[], Any]]) -> bool:
    return _kleene(thunks, False)


def _kleene(thunks: Iterable[Callable[[], Any]], decider: bool) -> bool:
    first: Unknown | None = None
    paths: list[str] = []
    for thunk in thunks:
        try:
            if bool(thunk()) is decider:
                return decider
        except Unknown as exc:
            if first is None:
                first = exc
            paths += [p for p in exc.paths if p not in paths]
    if first is not None:
        raise Unknown(first.reason, first.path, tuple(paths))
    return not decider


def kleene_item(fn: str, cond: Callable[[], Any] | None, elt: Callable[[], Any]) -> Any:
    """One item of ``any``/``all`` over a filtered loop: ``cond and elt`` for any,
    ``not cond or elt`` for all (an item the filter leaves out decides nothing)."""
    if cond is None:
        return elt
    if fn == "any":
        return lambda: kleene_and((cond, elt))
    return lambda: kleene_or((lambda: not cond(), elt))


show = fmt_quoted  # how the generated code and an explanation quote a value (text.py)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)


def date_of_text(text: str) -> date:
    """A date written YYYY-MM-DD and nothing else; ValueError otherwise. Python's
    ``fromisoformat`` also reads ``20260302`` and ``2026-W10-1``: a typo there would be a
    plausible date, and an as_of decides which approvals and deadlines count."""
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        raise ValueError(f"not a date YYYY-MM-DD: {text!r}")
    return date.fromisoformat(text)


def days_between(a: date, b: date) -> int:
    return (b - a).days


def due_date(d: date, n: int) -> date | None:
    """``d`` plus ``n`` days for an action's due date; None (no due date) past the calendar's
    end: --as-of 9999-12-31, or a playbook's large due_in_days, must not stop the run."""
    try:
        return d + timedelta(days=n)
    except OverflowError:
        return None


def add_days(d: date, n: int) -> date:
    try:
        return d + timedelta(days=n)
    except OverflowError:
        raise Unknown("the date is out of range") from None


def divide(a: Any, b: Any, divisor: str = "") -> Decimal:
    """``a / b`` to 28 significant digits, rounded half-even: a quotient is rarely exact, and
    28 digits (Python's own default) is what results have always shown; sums and products
    keep every digit (``NUMBERS``). ``divisor`` names ``b`` when it is one value read."""
    if not b:
        raise Unknown("division by zero", zero=divisor or "0")
    out: Decimal = _QUOTIENT.divide(a if isinstance(a, Decimal) else Decimal(a), b)
    return out


def round_to(x: Any, places: int, mode: str) -> Decimal:
    return Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=mode)


def smallest(values: Iterable[Any]) -> Any:
    out = min(values, default=_EMPTY)
    if out is _EMPTY:
        raise Unknown("min() of an empty list")
    return out


def largest(values: Iterable[Any]) -> Any:
    out = max(values, default=_EMPTY)
    if out is _EMPTY:
        raise Unknown("max() of an empty list")
    return out


_EMPTY = object()


# -- names and people, compared as a person compares them ---------------------------------
# One home for both: same_name() in rules, name_diff in messages, and who counts as the
# deal's owner (approvals, approval chains, sign-offs) all go through these.

# Bracket styles a name may be written with, after NFKC (which already turns （）［］｛｝
# into ()[]{}): all read as round brackets, so （北京） and (北京) and 【北京】 are one name.
_OPEN = "([{【〔〖〘⦅⦗"
_CLOSE = ")]}】〕〗〙⦆⦘"
_BRACKETS = {**{c: "(" for c in _OPEN}, **{c: ")" for c in _CLOSE}}
# Middle dots separate the parts of transliterated names (玛丽·居里, マリー・キュリー):
# with or without them, the same name.
_DOTS = frozenset("·・‧•∙")


@lru_cache(maxsize=65536)  # names repeat their characters: 5,000 names folded in 0.16 s -> 0.03 s
def _fold(c: str) -> str:
    """One character as names compare it: NFKC (full/half width), case-folded, brackets
    unified; spaces and middle dots count as nothing."""
    out = []
    for x in unicodedata.normalize("NFKC", c).casefold():
        if x.isspace() or x in _DOTS or unicodedata.category(x) == "Cf":
            continue
        out.append(_BRACKETS.get(x, x))
    return "".join(out)


def _folded(name: str) -> tuple[str, list[str], list[int]]:
    """``name`` (composed, NFC) with, per folded character, the index of the character it
    came from: what lets name_diff mark the differing spans in the name as written."""
    shown = unicodedata.normalize("NFC", name)
    chars: list[str] = []
    origin: list[int] = []
    for i, c in enumerate(shown):
        for x in _fold(c):
            chars.append(x)
            origin.append(i)
    return shown, chars, origin


def name_key(name: str) -> str:
    """A name as people compare it: full-width and half-width brackets, spaces and case
    give the same key; a name differing in one real character does not."""
    return "".join(_fold(c) for c in unicodedata.normalize("NFC", name))


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)


# The names last looked up in, folded: a rule checking every name of one list against another
# (V-SP: each using unit against the subordinate units) folds the other list once, not once per
# name - 5,000 x 5,000 names took minutes. Checked against the list by content (identity first,
# in C) on every call, so a list changed in place is folded again; replaced whole, never
# mutated, so threads may share it.
_FOLDED: tuple[list[str], dict[str, int]] = ([], {})


def name_index(name: Callable[[], str], names: list[str]) -> int | None:
    """The index of the first of ``names`` that is the same name as ``name`` (None: none
    is), each name folded once. ``name`` is read only when there are names to compare with,
    as a loop over them would read it."""
    global _FOLDED
    if not names:
        return None
    seen, keys = _FOLDED
    if seen != names:
        keys = {}
        for i, n in enumerate(names):
            keys.setdefault(name_key(n), i)
        _FOLDED = (list(names), keys)
    return keys.get(name_key(name()))


def name_in(name: Callable[[], str], names: list[str]) -> bool:
    """``any(same_name(name, n) for n in names)``, each name folded once (``name_index``)."""
    return name_index(name, names) is not None


# Letters of other scripts that look like Latin letters (after case-folding), read as the
# Latin letter: an owner ``li.na`` approving as ``lі.na`` (Cyrillic і) is still the owner.
# A short table of the look-alikes in the Cyrillic and Greek blocks, not all of Unicode's
# confusables: it only ever makes two spellings one person, which can only stop an
# approval from counting, never let one count.
_LOOK_ALIKES = str.maketrans(
    "авеѐёкмнорстухѕіїјӏһԁԛԝүɑɡɩıαβεηικνορτυχωϲϳμζ",
    "abeeekmhopctyxsiijlhdqwyagiiabenikvoptuxwcjmz",
)


def person_key(person: str) -> str:
    """Who a recorded person is: NFKC, case-folded, accents and invisible characters dropped,
    look-alike letters of other scripts read as Latin, spaces trimmed and collapsed, so the
    approver ``Zhang.Wei ``, ``zhāng.wei`` or ``zh\u0430ng.wei`` (a Cyrillic a) is the owner
    ``zhang.wei``."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", person).casefold())
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Mn", "Cf"))
    return " ".join(kept.translate(_LOOK_ALIKES).split())


def same_person(a: Any, b: Any) -> bool:
    """True when both are recorded and name one person; an absent name is nobody."""
    return isinstance(a, str) and isinstance(b, str) and person_key(a) == person_key(b)


def signed_off(sign: Any, role: str, owner: Any) -> bool:
    """A sign-off ``{by, role, on}`` counts when it is given in ``role`` by someone other
    than the deal's owner (separation of duties, like approvals)."""
    by = sign.get("by")
    if not isinstance(by, str) or not by.strip():
        raise Unknown("the sign-off names nobody (by is empty)")
    return sign.get("role") == role and not same_person(by, owner)


Runs = list[tuple[str, bool]]  # (text, differs) in the order written


def name_spans(a: str, b: str, limit: int) -> tuple[Runs, Runs]:
    """Both names as written (each cut at ``limit`` characters), split into runs marked
    True where they differ from the other name once both are folded: width, case, spaces
    and bracket style are never a difference."""
    sides = []
    for name in (a, b):
        shown, chars, origin = _folded(name)
        kept = [(x, i) for x, i in zip(chars, origin, strict=True) if i < limit]
        sides.append((shown, kept))
    matcher = difflib.SequenceMatcher(
        None, [x for x, _ in sides[0][1]], [x for x, _ in sides[1][1]], autojunk=False
    )
    same: tuple[set[int], set[int]] = (set(), set())
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            same[0].add(sides[0][1][block.a + k][1])
            same[1].add(sides[1][1][block.b + k][1])
    out = []
    for (shown, kept), keep in zip(sides, same, strict=True):
        counted = {i for _, i in kept}
        marks = [None if i not in counted else i not in keep for i in range(min(limit, len(shown)))]
        # a character that folds to nothing (a space) is marked only inside a marked span
        for i, m in enumerate(marks):
            if m is None:
                before = next((x for x in reversed(marks[:i]) if x is not None), False)
                after = next((x for x in marks[i + 1 :] if x is not None), False)
                marks[i] = bool(before and after)
        runs: Runs = []
        for c, differs in zip(shown, marks, strict=False):
            if runs and runs[-1][1] == differs:
                runs[-1] = (runs[-1][0] + c, bool(differs))
            else:
                runs.append((c, bool(differs)))
        if len(shown) > limit:
            runs.append(("…", False))
        out.append(runs)
    return out[0], out[1]
