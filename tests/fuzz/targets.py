"""Fuzz input (bytes) in, nothing out: the four fuzz targets, each raising only on a finding.

A finding is an exception outside the engine's ``KamError`` tree, or two evaluators (or two
message writers) that disagree (``AssertionError``). Time and memory bounds are the
harness's (1 s of CPU per input), the fuzzer's (``tools/fuzz``: -timeout=10 as the backstop,
-rss_limit_mb=512) and the replay test's (a subprocess).

The expression and message targets put one text in a small skeleton playbook that is read
and schema-checked once (``load_skeleton``): each input pays for the checks, compilation and
evaluations that depend on its text, not for re-reading the same playbook.

The same functions serve atheris (``tests/fuzz/harness.py``) and the replay of kept crashers
(``tests/fuzz/test_replay.py``), so a crasher replays exactly what the fuzzer ran.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import engine
from engine.check import checker
from engine.compile.build import compile_model
from engine.errors import KamError
from engine.lang.schema import schema_problems
from engine.read.sourcemap import SourceMap
from engine.read.yaml import load_yaml
from engine.run.evaluate import Tracer, evaluate

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
AS_OF = date(2026, 3, 2)
LANGS = ("en", "zh")


def _text(data: bytes) -> str:
    """Bytes as text; lone surrogates kept (the Python API accepts any str), else bad UTF-8
    replaced as a text editor would."""
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


# -- 1. the playbook loader ----------------------------------------------------------------


def loader(data: bytes) -> None:
    """Playbook text (includes read from playbooks/) loads, or is refused with a KamError."""
    try:
        playbook = engine.loads_playbook(_text(data), "fuzz.yaml", folder=PLAYBOOKS)
    except KamError:
        return
    playbook.rules()  # the facade reads what it loaded
    str(playbook.hash)


# -- 2. deal decoding + evaluate compared with explain --------------------------------------


@cache
def _shipped() -> tuple[engine.Playbook, ...]:
    files = sorted(p for p in PLAYBOOKS.glob("*.yaml") if not p.name.endswith(".test.yaml"))
    return tuple(engine.load_playbook(p, cache=False) for p in files)


def deal(data: bytes) -> None:
    """Deal bytes decode and check, or are refused (DealError); an accepted deal gets the same
    result from the generated evaluator (evaluate) and the interpreter (explain)."""
    try:
        value = engine.loads_deal(data)
    except KamError:
        return
    lang = LANGS[len(data) % 2]
    category = value.get("category") if isinstance(value, dict) else None
    playbooks = _shipped()
    chosen = [p for p in playbooks if category in p.categories] or [playbooks[0]]
    for playbook in chosen[:1]:
        try:
            fast = playbook.evaluate(value, as_of=AS_OF, lang=lang)
        except KamError:
            continue
        slow = playbook.explain(value, as_of=AS_OF, lang=lang).result
        assert fast.to_dict() == slow.to_dict(), "evaluate and explain disagree"
        fast.to_json()


# -- 3. the expression compiler: generated code against the interpreter --------------------

_FIELDS: dict[str, Any] = {
    "a": {"type": "money"},
    "b": {"type": "money", "minimum": 0},
    "n": {"type": "integer"},
    "p": {"type": "percent"},
    "flag": {"type": "bool"},
    "on": {"type": "date"},
    "kind": {"type": "string"},
    "tags": {"type": "list", "items": {"type": "string"}},
    "lines": {
        "type": "list",
        "items": {
            "type": "object",
            "fields": {
                "price": {"type": "money"},
                "qty": {"type": "integer"},
                "note": {"type": "string"},
            },
        },
    },
}
# deals of that type: ordinary, absent values, boundaries, extremes the limits allow
_DEALS: list[dict[str, Any]] = [
    {
        "a": Decimal("1000.50"),
        "b": Decimal("0"),
        "n": 3,
        "p": Decimal("0.15"),
        "flag": True,
        "on": "2026-03-02",
        "kind": "big",
        "tags": ["x", "ＢＩＧ"],
        "lines": [{"price": Decimal("99.99"), "qty": 2, "note": "n"}, {"price": 0, "qty": 0}],
    },
    {},
    {
        "a": Decimal("-0.01"),
        "b": Decimal("999999999999.99"),
        "n": -7,
        "p": Decimal("-1"),
        "flag": False,
        "on": "0001-01-01",
        "kind": "",
        "tags": [],
        "lines": [{}],
    },
    {
        "a": Decimal("1E+15"),
        "n": 10**12,  # the largest integer field a deal may hold
        "p": Decimal("1"),
        "on": "9999-12-30",
        "kind": "li.na ",
        "lines": [{"price": Decimal("1E-10"), "qty": 10**9, "note": "\u0456"}],
    },
]


def _expression_doc(variant: int, expr: str) -> dict[str, Any]:
    """A small playbook with ``expr`` in one of the places a playbook writes conditions and
    values (the variant picks it)."""
    rules: list[dict[str, Any]] = []
    facts: dict[str, Any] = {}
    guard = "deal.flag"
    if variant == 0:
        rules.append({"id": "R", "title": "r", "when": expr, "then": "warn", "message": "m"})
    elif variant == 1:
        facts["f"] = {"type": "money", "value": expr}
        rules.append({"id": "R", "title": "r", "when": "facts.f > 100", "then": "block"})
    elif variant == 2:
        facts["f"] = {"type": "integer", "value": expr}
        rules.append({"id": "R", "title": "r", "when": "facts.f >= 2", "then": "warn"})
    elif variant == 3:
        rules.append(
            {"id": "R", "title": "r", "for_each": "deal.lines", "as": "line", "when": expr}
            | {"then": "approval", "role": "boss", "on_missing": "ask"}
        )
    elif variant == 4:
        facts["f"] = {"type": "string", "cases": [{"when": expr, "value": "'yes'"}]}
        facts["f"]["otherwise"] = "'no'"
        rules.append({"id": "R", "title": "r", "when": "facts.f == 'yes'", "then": "warn"})
    elif variant == 5:
        facts["f"] = {"type": "percent", "value": expr}
        rules.append({"id": "R", "title": "r", "when": "facts.f > 10%", "then": "warn"})
    else:
        guard = expr
    if rules:
        rules[0].setdefault("on_missing", ["skip", "warn", "block", "ask"][variant % 4])
    doc = {
        "kam": 1,
        "id": "fuzz",
        "version": "1",
        "title": "fuzz",
        "currency": "CNY",
        "roles": {"boss": "Boss"},
        "parameters": {"cap": {"value": "15%", "label": "cap"}, "lim": {"value": 500}},
        "fields": _FIELDS,
        "facts": facts,
        "categories": {"c": {"label": "C"}},
        "stages": {"open": {"label": "Open"}, "won": {"label": "Won", "terminal": True}},
        "transitions": [
            {"from": "open", "to": "won", "conditions": [{"id": "G", "title": "g", "when": guard}]}
        ],
        "rules": rules,
    }
    return doc


def _both_ways(playbook: engine.Playbook, values: dict[str, Any], lang: str) -> None:
    """The generated evaluator and the reference interpreter give the same result."""
    try:
        checked = playbook.check_deal({"id": "F", "category": "c", "stage": "open", **values})
    except KamError:
        return
    pb = playbook.compiled
    fast = evaluate(pb, checked, AS_OF, lang)
    slow = evaluate(pb, checked, AS_OF, lang, Tracer())
    assert fast.to_dict() == slow.to_dict(), "the generated code and the interpreter disagree"


# -- the skeleton playbooks: what does not depend on the fuzzed text is done once --------------
#
# The expression and message targets test one text in a fixed small playbook. Reading the
# whole playbook and checking it against the JSON Schema took about 80 % of each input's time
# and gives the same answer for every input but the one text, so each skeleton is loaded the
# full way once (``_skeleton_loads``) and, for each input, only the text is read (as the
# playbook reader reads it inside the skeleton's JSON) and held to its own part of the schema
# (a string of bounded length); every other check, the compilation and the evaluations run
# in full. ``tests/fuzz/test_targets.py`` holds the fast way to the full way on the seeds.

# the schema's bounds on the fuzzed text: an expression (``$defs/expression``), a message
# (``$defs/text``, the string form)
_TEXT_LENGTH = {"expression": (1, 1000), "message": (0, 4000)}


def _no_schema_problems(data: Any, smap: SourceMap, module: bool) -> tuple[list, list]:
    return [], []


@cache
def _skeleton_loads(kind: str, variant: int) -> None:
    """The skeleton, with any text in the fuzzed place, passes the playbook's JSON Schema
    (which asks of that text only that it is a string of bounded length)."""
    doc = _DOCS[kind](variant, "x")
    problems = schema_problems(doc, SourceMap("fuzz.yaml"))
    assert not problems, f"the {kind} skeleton {variant} breaks the schema: {problems}"


def _read_text(text: str) -> str | None:
    """The string the playbook reader makes of ``text`` written in the skeleton's JSON, or
    ``None`` where the reader refuses it (a character YAML does not allow)."""
    data, _, problems = load_yaml(json.dumps(text, ensure_ascii=False), "fuzz.yaml")
    return data if not problems and isinstance(data, str) else None


def load_skeleton(kind: str, variant: int, text: str) -> engine.Playbook | None:
    """What ``loads_playbook`` gives for the skeleton of ``kind`` with ``text`` in its place,
    without redoing the work that does not depend on ``text``; ``None``: refused."""
    _skeleton_loads(kind, variant)
    read = _read_text(text)
    low, high = _TEXT_LENGTH[kind]
    if read is None or not low <= len(read) <= high:
        return None  # the reader or the schema refuses the text
    doc = _DOCS[kind](variant, read)
    schema = checker._schema
    checker._schema = _no_schema_problems  # the skeleton passed it; the text's part is above
    try:
        model = checker.check_playbook(doc, SourceMap("fuzz.yaml"))
        return engine.Playbook(compile_model(model, doc))
    except KamError:
        return None
    finally:
        checker._schema = schema


def load_full(kind: str, variant: int, text: str) -> engine.Playbook | None:
    """The same playbook the full way (its text read, the schema checked); ``None``: refused."""
    text = json.dumps(_DOCS[kind](variant, text), ensure_ascii=False)
    try:
        return engine.loads_playbook(text)
    except KamError:
        return None


def expression(data: bytes) -> None:
    """Expression text compiles (both evaluators agree on every test deal) or is refused."""
    if not data:
        return
    playbook = load_skeleton("expression", data[0] % 7, _text(data[1:]))
    if playbook is None:
        return
    for i, values in enumerate(_DEALS):
        _both_ways(playbook, values, LANGS[i % 2])


# -- 4. the message renderer: plain writer against jinja2, evaluate against explain ----------


def _message_doc(variant: int, message: str) -> dict[str, Any]:
    """A small playbook whose one rule (of the kind the variant picks) says ``message``."""
    rule: dict[str, Any] = {"id": "R", "title": "r", "when": "deal.n >= 0", "message": message}
    if variant == 0:
        rule |= {"then": "warn"}
    elif variant == 1:
        rule |= {"then": "approval", "role": "boss"}
    elif variant == 2:
        rule |= {"then": "action", "action": {"id": "do", "assignee": "boss", "due_in_days": 2}}
    else:
        rule |= {"for_each": "deal.lines", "as": "line", "then": "block"}
    doc = _expression_doc(0, "deal.flag")
    doc["facts"] = {"total": {"type": "money", "value": "sum(l.price * l.qty for l in deal.lines)"}}
    doc["rules"] = [rule]
    return doc


def message(data: bytes) -> None:
    """A message template is refused at load, or every deal gets the same words from the plain
    writer and from jinja2, through evaluate and through explain."""
    if not data:
        return
    playbook = load_skeleton("message", data[0] % 4, _text(data[1:]))
    if playbook is None:
        return
    pb = playbook.compiled
    for i, values in enumerate(_DEALS[:2] + _DEALS[3:]):
        try:
            checked = playbook.check_deal({"id": "F", "category": "c", "stage": "open", **values})
        except KamError:
            continue
        lang = LANGS[i % 2]
        written = []
        for plain in (True, False):
            for tracer in (None, Tracer()):
                try:
                    written.append(evaluate(pb, checked, AS_OF, lang, tracer, plain).to_dict())
                except KamError:
                    written.append("refused")
        assert all(w == written[0] for w in written), "the message writers disagree"


_DOCS = {"expression": _expression_doc, "message": _message_doc}
TARGETS = {"loader": loader, "deal": deal, "expression": expression, "message": message}


def warm_up(name: str) -> None:
    """Do once what the first input would otherwise pay for (loading the shipped playbooks,
    importing jinja2), so the 1 s bound measures the input's own work."""
    if name == "deal":
        _shipped()
    for kind, variants in (("expression", 7), ("message", 4)):
        for variant in range(variants):
            _skeleton_loads(kind, variant)
    message(b"\x00{{ deal.id | upper }} {{ facts.total | money }}")
    expression(b"\x00deal.n > 2")
