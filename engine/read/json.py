"""JSON text in, plain data out: the one guarded decoder of deals (files, requests, batch
lines), and the walk that names, by JSON path, the values no rule may ever see.

``json`` accepts NaN, Infinity, 5,000-digit numbers and duplicate keys silently; the hooks
here turn floats into ``Decimal`` and mark the others, so that ``check_values`` can report
each one where it stands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import DealProblem
from ..limits import (
    DEAL_EXPONENTS,
    DEFAULT_LIMITS,
    MAX_AMOUNT,
    MAX_EXPONENT_DIGITS,
    MAX_NUMBER_DIGITS,
    MAX_NUMBER_TEXT,
    SMALLEST_FLOAT,
    Limits,
)
from .decode import INVISIBLE, NOT_TEXT
from .sourcemap import Path, json_path


class DuplicateKeys(dict[str, Any]):
    """A JSON object that held the same key twice (the keys are remembered)."""

    duplicates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _BadNumber:
    text: str


def _bad_number(text: str) -> str:
    """Why a number was not read. A number written too long is not shown cut short: its
    first digits alone are another, smaller number, and the reader would look for that."""
    if text in ("NaN", "Infinity", "-Infinity"):
        return f"{text} is not an allowed number"
    if long_exponent(text):
        return (
            f"a number with an exponent of more than {MAX_EXPONENT_DIGITS} digits; "
            f"kam reads numbers between 1e{DEAL_EXPONENTS[0]} and 1e{DEAL_EXPONENTS[1]}"
        )
    if any(c in text for c in ".eE"):
        return (
            f"a number written with {len(text):,} characters; at most {MAX_NUMBER_TEXT} are allowed"
        )
    digits = len(text.lstrip("-"))
    return f"a number of {digits:,} digits; at most {MAX_NUMBER_DIGITS} are allowed"


def is_bad_number(value: Any) -> bool:
    """A number the reader refused to read (NaN, Infinity, written too long)."""
    return isinstance(value, _BadNumber)


def bad_number_why(value: Any) -> str:
    return _bad_number(value.text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d: dict[str, Any] = {}
    dups: list[str] = []
    for k, v in pairs:
        if k in d:
            dups.append(k)
        d[k] = v
    if dups:
        out = DuplicateKeys(d)
        out.duplicates = tuple(dups)
        return out
    return d


def long_exponent(text: str) -> bool:
    """Whether a written number's exponent has more digits than any number kam reads needs:
    checked on the text, because ``Decimal("1e99999999999999999999")`` raises and
    ``Decimal("1e999999")`` is a number no rule may see (YAML and JSON both ask this)."""
    _, e, exponent = text.lower().partition("e")
    return bool(e) and len(exponent.lstrip("+-").lstrip("0")) > MAX_EXPONENT_DIGITS


def _float(text: str) -> Any:
    if len(text) > MAX_NUMBER_TEXT or long_exponent(text):
        return _BadNumber(text)
    return Decimal(text)


def _int(text: str) -> Any:
    if len(text) > MAX_NUMBER_DIGITS and len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        return _BadNumber(text)
    return int(text)


_JSON = json.JSONDecoder(
    parse_float=_float, parse_int=_int, parse_constant=_BadNumber, object_pairs_hook=_pairs
)  # built once: ``kam batch`` parses a million lines through it


def load_json(
    text: str, file: str, limits: Limits = DEFAULT_LIMITS, line: int = 1
) -> tuple[Any, list[str]]:
    """Parse JSON text; floats become Decimal. Returns (data, syntax problems).

    ``line``: where the text starts in ``file`` (a line of a JSON-lines file), for messages."""
    if len(text) > limits.max_bytes:
        return None, [f"{file} is {len(text):,} characters; the limit is {limits.max_bytes:,}"]
    try:
        data = _JSON.decode(text)
    except json.JSONDecodeError as exc:
        return None, [f"{file}:{exc.lineno + line - 1}:{exc.colno}: not valid JSON: {exc.msg}"]
    except RecursionError:
        return None, [f"{file}: nesting deeper than {limits.max_depth} levels"]
    return data, []


def check_values(data: Any, limits: Limits = DEFAULT_LIMITS, depth: int = 0) -> list[DealProblem]:
    """Walk parsed data (iteratively) for values no rule may ever see.

    NaN/Infinity, numbers beyond any real amount, duplicate keys, absurd nesting and
    invisible characters are reported by JSON path, before any schema check. ``depth``: how
    deep ``data`` stands in its deal (the generated checker walks a list of any values).
    """
    problems: list[DealProblem] = []
    stack: list[tuple[Any, Path, int]] = [(data, (), depth)]
    while stack and len(problems) < 50:
        value, path, depth = stack.pop()
        if depth > limits.max_depth:
            problems.append(
                DealProblem(json_path(path), f"nesting deeper than {limits.max_depth} levels")
            )
            continue
        if isinstance(value, dict):
            for k in getattr(value, "duplicates", ()):
                problems.append(
                    DealProblem(json_path(path + (k,)), "duplicate key", "duplicate_key")
                )
            if len(value) > limits.max_items:
                problems.append(DealProblem(json_path(path), "too many entries"))
                continue
            for k, v in value.items():
                if not isinstance(k, str):  # only from Python: JSON and YAML keys are text
                    problems.append(DealProblem(json_path(path), f"key {k!r} is not text"))
                    continue
                if INVISIBLE.search(k):
                    problems.append(
                        DealProblem(json_path(path), "key holds an invisible character")
                    )
                elif NOT_TEXT.search(k):
                    problems.append(DealProblem(json_path(path), _NOT_TEXT))
                    continue
                stack.append((v, path + (k,), depth + 1))
        elif isinstance(value, list):
            if len(value) > limits.max_items:
                problems.append(
                    DealProblem(json_path(path), f"more than {limits.max_items:,} items")
                )
                continue
            for i, v in enumerate(value):
                stack.append((v, path + (i,), depth + 1))
        elif isinstance(value, _BadNumber):
            problems.append(DealProblem(json_path(path), _bad_number(value.text)))
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")) or abs(value) > MAX_AMOUNT:
                problems.append(DealProblem(json_path(path), f"{value} is not an allowed number"))
            elif value and abs(value) < SMALLEST_FLOAT:  # 1e-105: as a Decimal would be
                problems.append(
                    DealProblem(json_path(path), f"{value} is out of the allowed range")
                )
        elif isinstance(value, Decimal):
            low, high = DEAL_EXPONENTS
            if not value.is_finite() or not low <= value.adjusted() <= high:
                problems.append(
                    DealProblem(json_path(path), f"{_short(value)} is out of the allowed range")
                )
            elif len(value.as_tuple().digits) > MAX_NUMBER_DIGITS:
                problems.append(
                    DealProblem(
                        json_path(path),
                        f"a number of {len(value.as_tuple().digits):,} significant digits; "
                        f"at most {MAX_NUMBER_DIGITS} are allowed",
                    )
                )
        elif isinstance(value, str):
            if len(value) > limits.max_string:
                problems.append(DealProblem(json_path(path), "text is too long", "text_long"))
            elif NOT_TEXT.search(value):
                problems.append(DealProblem(json_path(path), _NOT_TEXT))
            elif INVISIBLE.search(value):
                problems.append(
                    DealProblem(
                        json_path(path),
                        "holds an invisible or direction-changing character",
                    )
                )
        elif isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > MAX_AMOUNT:
                problems.append(DealProblem(json_path(path), f"{_short(value)} is out of range"))
    problems.sort(key=lambda p: p.path)
    return problems


_NOT_TEXT = "holds a NUL character or half of a surrogate pair (\\u0000, \\ud800-\\udfff): not text"


def _short(value: Any) -> str:
    """A number as a message shows it: a huge one by its size, not its 5,000 digits (which
    Python would refuse to write anyway)."""
    if isinstance(value, int) and value.bit_length() > 100:
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"
    if isinstance(value, Decimal) and len(value.as_tuple().digits) > MAX_NUMBER_DIGITS:
        return f"a number of {len(value.as_tuple().digits):,} digits"
    return str(value)
