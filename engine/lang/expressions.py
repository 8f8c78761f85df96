"""Condition text in, checked and typed expression tree (IR, ``ir.py``) out, or located problems.

The text is *parsed* with Python's ``ast`` module (never evaluated) and then rebuilt node by
node from an allow-list: field paths, literals, comparisons, ``and``/``or``/``not``,
arithmetic, ``x if c else y``, ``in``, one-``for`` generator expressions inside aggregate
functions, and the documented functions in ``FUNCTIONS``. Anything else - attributes starting
with ``_``, imports, lambdas, comprehensions, calls of other names, subscripts - is refused
with the column where it stands. Names are resolved against the playbook's declared deal
fields, facts and parameters, and types are checked, so most mistakes are found when the
playbook is loaded, not when a deal meets them.

This module handles the text as a whole (length, ``15%``, syntax errors, the expected type).
The node-by-node checker is one class in three files, each extending the one before:
``names.py`` (dispatch, literals, names and field paths; parameters are folded into
constants there), ``operators.py`` and ``functions.py``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import values_of
from ..limits import MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH
from .functions import CHAIN_STATES, FUNCTIONS, FunctionChecker, FunctionSpec
from .ir import Const, Node
from .names import Fail, Problem, Scope, char_offset
from .operators import is_percent, percent_text
from .types import Type, type_values

# The IR node classes live in ir.py; the checker and the tests also reach them from here.
__all__ = [
    "CHAIN_STATES",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Checked",
    "Const",
    "FunctionSpec",
    "Node",
    "Problem",
    "Scope",
    "check",
    "is_percent",
    "percent_text",
]

MAX_LENGTH = MAX_EXPRESSION_LENGTH
MAX_DEPTH = MAX_EXPRESSION_DEPTH


@dataclass
class Checked:
    """The result of checking one expression."""

    node: Node | None
    problems: list[Problem]
    facts_used: set[str]
    paths_used: set[str]
    # parameters above 1 (written without %) that are compared with a percentage, with what
    # they are compared with: the checker reports each once, at the parameter
    percent_params: list[tuple[str, str]] = field(default_factory=list)
    # people compared with == or != (warnings, not problems: the expression still works)
    person_compares: list[Problem] = field(default_factory=list)


_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)%")


def _rewrite_percent(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``15%`` -> ``0.15`` outside quoted text; returns the new text and offset shifts."""
    out, shifts, i, quote = [], [], 0, ""
    pos = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            i += 1
            continue
        m = (
            _PERCENT.match(text, i)
            if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "._"))
            else None
        )
        if m:
            value = format(Decimal(m.group(1)) / 100, "f")
            out.append(text[pos:i])
            out.append(value)
            shifts.append((i, len(value) - len(m.group())))
            i = m.end()
            pos = i
            continue
        i += 1
    out.append(text[pos:])
    return "".join(out), shifts


def check(text: str, scope: Scope, expect: Type | None = None) -> Checked:
    """Parse and check one expression; ``expect`` is the type it must have (e.g. BOOL)."""
    facts_used: set[str] = set()
    paths_used: set[str] = set()
    if not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_LENGTH:
        return Checked(
            None,
            [
                Problem(
                    "expression-too-long",
                    f"expression is {len(text)} characters; the limit is {MAX_LENGTH}",
                    0,
                    "split it into facts",
                    "expression_too_long",
                    values_of({"size": len(text), "limit": MAX_LENGTH}),
                    "split_into_facts",
                )
            ],
            facts_used,
            paths_used,
        )
    if not text.strip():
        return Checked(
            None,
            [Problem("expression-syntax", "the expression is empty", 0, said="expression_empty")],
            facts_used,
            paths_used,
        )
    source, shifts = _rewrite_percent(text)

    def back(offset: int) -> int:  # offset in the rewritten text -> offset in the original
        out = offset
        for at, delta in shifts:
            if at < offset - (delta if delta > 0 else 0):
                out -= delta
        return max(0, min(out, len(text)))

    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        return Checked(None, [_syntax_problem(text, source, exc, back)], facts_used, paths_used)
    except (ValueError, RecursionError, MemoryError) as exc:
        return Checked(
            None,
            [
                Problem(
                    "expression-syntax",
                    f"cannot read the expression: {exc}",
                    0,
                    said="cannot_read_expression",
                    values=values_of({"format": exc}),
                )
            ],
            facts_used,
            paths_used,
        )
    lead = len(source) - len(source.lstrip())
    depth_problem = _depth(tree.body)
    if depth_problem:
        return Checked(
            None,
            [
                Problem(
                    "expression-too-deep",
                    f"expression nests deeper than {MAX_DEPTH} levels",
                    0,
                    "split it into facts",
                    "expression_too_deep",
                    values_of({"limit": MAX_DEPTH}),
                    "split_into_facts",
                )
            ],
            facts_used,
            paths_used,
        )
    checker = FunctionChecker(source, lead, scope, facts_used, paths_used, back)
    checker.percent_literals = {at for at, _ in shifts}
    try:
        node = checker.visit(tree.body)
        if expect is not None and not _fits(node.type, expect):
            kinds = {**type_values("left", expect), **type_values("right", node.type)}
            raise Fail(
                Problem(
                    "type",
                    f"this should be {expect.describe()}, but it is {node.type.describe()}",
                    back(lead),
                    said="should_be",
                    values=values_of(kinds),
                )
            )
    except Fail as fail:
        return Checked(None, [fail.problem], facts_used, paths_used)
    return Checked(
        node, [], facts_used, paths_used, checker.percent_params, checker.person_compares
    )


def _fits(actual: Type, expected: Type) -> bool:
    if actual.kind == "any" or expected.kind == "any":
        return True
    if expected.numeric and actual.numeric:
        return not (expected.kind == "integer" and actual.kind != "integer")
    if expected.kind == "list" and actual.kind == "list":
        return expected.item is None or actual.item is None or _fits(actual.item, expected.item)
    return actual.kind == expected.kind


def _depth(node: ast.AST) -> bool:
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        if d > MAX_DEPTH:
            return True
        stack.extend((c, d + 1) for c in ast.iter_child_nodes(n))
    return False


def _syntax_problem(
    text: str, source: str, exc: SyntaxError, back: Callable[[int], int]
) -> Problem:
    stripped = text.rstrip()
    for word in (
        " and",
        " or",
        " not",
        "+",
        "-",
        "*",
        "/",
        "==",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        " in",
    ):
        if stripped.endswith(word):
            return Problem(
                "expression-syntax",
                f"the expression ends after '{word.strip()}'; something must follow it",
                len(stripped) - len(word.strip()),
                "complete or remove the last part",
                said="ends_after",
                values=((("word", word.strip()),)),
                hint_said="ends_after",
            )
    msg = exc.msg or "invalid syntax"
    said, values = _python_said(msg)
    hint_said = ""
    if "never closed" in msg or "unexpected EOF" in msg:
        hint = "check that every '(' and '[' is closed and every quote is closed"
        hint_said = "not_closed"
    elif msg.startswith("invalid syntax"):
        msg = "this is not a valid expression"
        hint = "compare with '==', join conditions with 'and' / 'or'; text goes in quotes"
        said = hint_said = "not_an_expression"
        values = {}
    else:
        hint = ""
    offset = max(0, (exc.offset or 1) - 1)
    if exc.lineno and exc.lineno > 1:
        offset += sum(len(line) + 1 for line in source.strip().split("\n")[: exc.lineno - 1])
    lead = len(source) - len(source.lstrip())
    start = back(char_offset(source.strip(), offset) + lead)
    return Problem("expression-syntax", msg, start, hint, said, values_of(values), hint_said)


# Python's words for an expression it cannot read, the common ones: each keys words in every
# language, with the bracket or character it names; any other is said as Python says it
_PYTHON = (
    (re.compile(r"^'(?P<token>.)' was never closed$"), "never_closed"),
    (re.compile(r"^unmatched '(?P<token>.)'$"), "unmatched"),
    (
        re.compile(
            r"^closing parenthesis '(?P<token>.)' does not match opening parenthesis "
            r"'(?P<other>.)'$"
        ),
        "mismatched",
    ),
    (
        re.compile(
            r"^closing parenthesis '(?P<token>.)' does not match opening parenthesis "
            r"'(?P<other>.)' on line (?P<line>[0-9]+)$"
        ),
        "mismatched_line",
    ),
    (re.compile(r"^unterminated string literal \(detected at line (?P<line>[0-9]+)\)$"), "quote"),
    (
        re.compile(
            r"^unterminated triple-quoted string literal \(detected at line (?P<line>[0-9]+)\)$"
        ),
        "triple_quote",
    ),
    (re.compile(r"^invalid character '(?P<token>.)' \(U\+(?P<code>[0-9A-F]+)\)$"), "bad_char"),
    (re.compile(r"^invalid (?P<format>decimal|hexadecimal|octal|binary) literal$"), "literal"),
    (
        re.compile(
            r"^leading zeros in decimal integer literals are not permitted; "
            r"use an 0o prefix for octal integers$"
        ),
        "zeros",
    ),
    (re.compile(r"^unexpected EOF while parsing$"), "unexpected_end"),
)


def _python_said(msg: str) -> tuple[str, dict[str, str]]:
    for pattern, said in _PYTHON:
        m = pattern.match(msg)
        if m:
            return f"python_{said}", {"format": msg, **m.groupdict()}
    return "python_other", {"format": msg}
