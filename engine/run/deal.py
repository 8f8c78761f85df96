"""Deal text or mapping in, checked and normalised deal out (or ``DealError`` by JSON path).

A deal is JSON or YAML, read by the guarded readers (``read/json.py``, ``read/yaml.py``), then
checked and normalised by the playbook's generated checker (``compile/dealtype.py``) in one
step. Only a refused deal meets the value limits and jsonschema, which say why.
"""

from __future__ import annotations

import os
from typing import Any

from ..compile.build import CompiledPlaybook
from ..errors import DealError, DealProblem, InputError, values_of
from ..lang.schema import deal_problems
from ..lang.values import Unknown, computing
from ..limits import DEFAULT_LIMITS, Limits
from ..read.decode import decode
from ..read.json import check_values, load_json
from ..read.yaml import load_yaml

FORMATS = ("json", "yaml")


def parse_deal(
    text: str, source: str, limits: Limits = DEFAULT_LIMITS, format: str | None = None
) -> Any:
    """JSON or YAML text -> plain data. Without ``format``, JSON is told by the source's name
    (``.json``) or by its first character."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise DealError([DealProblem("$", "the deal is empty", "empty")], source)
    if format == "json" or (format is None and (source.endswith(".json") or stripped[:1] in "{[")):
        data, problems = load_json(stripped, source, limits)
        if problems:
            raise DealError([DealProblem("$", p) for p in problems], source)
        return data
    data, _, diagnostics = load_yaml(text, source, limits)
    if diagnostics:
        raise DealError(
            [
                DealProblem("$", f"line {d.location.line}, column {d.location.column}: {d.message}")
                for d in diagnostics
            ],
            source,
        )
    return data


def read_deal(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Any:
    """A deal file (JSON or YAML) as plain data, read the way ``kam validate`` reads it.

    Raises ``InputError`` when the file cannot be read or is too large, and ``DealError``
    (JSON path ``$`` with the line and column) when it is not valid JSON or YAML. Whether
    the values fit a playbook is checked by ``Playbook.evaluate`` (or ``check_deal``), which
    names every bad value by its JSON path. ("-" is not handled here: the CLI reads stdin.)"""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the deal: {exc.strerror or exc}") from None
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not a deal file")
    if size > limits.max_bytes:
        raise InputError(f"{path}: the deal is {size:,} bytes; the limit is {limits.max_bytes:,}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the deal: {exc.strerror or exc}") from None
    return parse_bytes(data, path, limits)


def loads_deal(
    text: str | bytes,
    format: str | None = None,
    *,
    source: str = "deal",
    limits: Limits = DEFAULT_LIMITS,
) -> Any:
    """Deal text (or the bytes of a request body) as plain data: the reader ``read_deal`` and
    the CLI use.

    ``format`` is ``"json"``, ``"yaml"`` or None to tell by the text (a deal that starts
    with ``{`` is JSON). Bytes must be UTF-8 (a BOM is dropped). ``source`` names the deal in
    messages. Bad text raises ``DealError`` (JSON path ``$``, with the line and column)."""
    if format not in (None, *FORMATS):
        raise InputError(f"format must be one of {', '.join(FORMATS)} (or None), not {format!r}")
    if isinstance(text, bytes | bytearray):
        return parse_bytes(bytes(text), source, limits, format)
    if not isinstance(text, str):
        raise InputError(f"a deal is read from text or bytes, not {type(text).__name__}")
    if len(text) > limits.max_bytes:
        raise InputError(f"{source}: the deal is more than {limits.max_bytes:,} characters")
    return parse_deal(text, source, limits, format)


def parse_bytes(
    data: bytes, source: str, limits: Limits = DEFAULT_LIMITS, format: str | None = None
) -> Any:
    if len(data) > limits.max_bytes:
        raise InputError(f"{source}: the deal is more than {limits.max_bytes:,} bytes")
    text, problems = decode(data, source)
    if text is None:
        p = problems[0]
        raise DealError([DealProblem("$", f"line {p.location.line}: {p.message}")], source)
    return parse_deal(text, source, limits, format)


def check_deal(pb: CompiledPlaybook, data: Any, source: str = "deal") -> dict[str, Any]:
    """Validate against the playbook's deal schema; returns the normalised deal.

    One path: the generated checker accepts and normalises (a few microseconds). A deal it
    refuses is only explained: the value limits, then jsonschema, name every bad value by its
    JSON path."""
    with computing():  # "12.5%" becomes 0.125 exactly, whatever its digits
        deal = pb.check(data)
    if deal is None:
        raise DealError(refusal(pb, data), source)
    if "category" not in deal:
        deal = {**deal, "category": derive_category(pb, deal, source)}
    if (deal["category"], deal["stage"]) not in pb.moves:
        problem = f"stage '{deal['stage']}' is not used by category '{deal['category']}'"
        values = (("stage", str(deal["stage"])), ("category", str(deal["category"])))
        raise DealError([DealProblem("$.stage", problem, "stage_not_in_category", values)], source)
    return deal


def category_tests(pb: CompiledPlaybook, deal: dict[str, Any]) -> list[tuple[str, Any]]:
    """Each category with a ``when``: True, False, or the ``Unknown`` that leaves it open.
    A category's ``when`` reads deal fields and params only (``kam lint`` holds it to that)."""
    out: list[tuple[str, Any]] = []
    for category, c in pb.category_when:
        try:
            out.append((category, bool(c.fn(deal, {}, {}, None, {}))))
        except Unknown as exc:
            out.append((category, exc))
    return out


def derive_category(pb: CompiledPlaybook, deal: dict[str, Any], source: str) -> str:
    """The one category whose ``when`` holds, when the deal gives none; never a guess: none,
    several, or one that an unknown value leaves open is the deal's problem at $.category."""
    tests = category_tests(pb, deal)
    holds = [c for c, t in tests if t is True]
    open_ = [(c, t) for c, t in tests if isinstance(t, Unknown)]
    if len(holds) == 1 and not open_:
        return holds[0]
    names = ", ".join(pb.model.categories)
    kind, values = "", {"fit": " and ".join(holds), "options": ", ".join(holds)}
    if len(holds) > 1:
        kind = "category_several"
        problem = (
            f"no category is given and {' and '.join(holds)} all fit this deal: "
            f"give the category (one of {', '.join(holds)})"
        )
    elif open_:
        why = "; ".join(f"{c}: {t.reason}" for c, t in open_)
        problem = (
            f"no category is given and it cannot be told ({why}): "
            f"give the category (one of {names}) or record what decides it"
        )
    else:
        ruled = " or ".join(c for c, _ in tests)
        kind, values = "category_none", {"ruled": ruled, "options": names}
        problem = (
            f"no category is given and the deal is not {ruled} by their conditions: "
            f"give the category (one of {names})"
        )
    raise DealError([DealProblem("$.category", problem, kind, values_of(values))], source)


def refusal(pb: CompiledPlaybook, data: Any) -> list[DealProblem]:
    """Why the generated checker refused ``data``: every problem, by JSON path."""
    if not isinstance(data, dict):
        said = "a deal must be an object ({...}) with id, category and stage"
        return [DealProblem("$", said, "not_an_object")]
    problems = check_values(data) or deal_problems(pb.validator, data)
    if problems:
        return problems
    # The checker and the schema agree on every JSON value (the differential tests); what is
    # left are Python values no JSON deal holds, such as a str or int subclass.
    return [
        DealProblem(
            "$",
            "holds a value that is not plain data: use dict, list, str, int, float, Decimal, "
            "bool or None (if it does, this is a bug in kam: please report it)",
        )
    ]
