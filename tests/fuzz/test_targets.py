"""The expression and message targets load their skeleton playbook the fast way (the text
read alone, the schema checked on the skeleton once): on every seed, every kept crasher and
texts at the reader's and the schema's edges, the fast way refuses exactly what
``loads_playbook`` refuses and builds a playbook that gives the same results."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path

import pytest

from engine.run.evaluate import evaluate
from tests.fuzz.targets import _DEALS, AS_OF, _text, load_full, load_skeleton

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = {"expression": 7, "message": 4}
# where the reader or the schema decides: characters YAML refuses, BOM, line breaks, the
# empty text, the expression's 1,000-character bound, NUL, a lone surrogate
EDGES = [
    "",
    "x",
    "\x7f",
    "\x85",
    "\x9f",
    "\ud800",
    "\ufeff",
    "\ufffe",
    "\x00",
    "\t",
    "deal.n >= 0\r\n",
    "deal.kind == '\u2028'",
    "deal.n" + " " * 994,
    "deal.n" + " " * 995,
    "{{ deal.kind }}" + "x" * 3985,
    "{{ deal.kind }}" + "x" * 3986,
    "deal.a * 1e999999 > 0",
]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    loader = importlib.machinery.SourceFileLoader("kam_fuzz_tool", str(ROOT / "tools" / "fuzz"))
    spec = importlib.util.spec_from_loader("kam_fuzz_tool", loader)
    tool = importlib.util.module_from_spec(spec)
    loader.exec_module(tool)
    out = {}
    for kind in VARIANTS:
        folder = tmp_path_factory.mktemp(kind)
        tool.write_seeds(kind, folder)
        crashers = ROOT / "tests" / "fuzz" / "crashers" / kind
        files = [*folder.iterdir(), *(crashers.iterdir() if crashers.is_dir() else ())]
        out[kind] = [f.read_bytes() for f in sorted(files)]
    return out


def _results(playbook):
    out = []
    for values in _DEALS:
        try:
            checked = playbook.check_deal({"id": "F", "category": "c", "stage": "open", **values})
        except Exception as exc:  # compared, not judged: both ways must refuse alike
            out.append(type(exc).__name__)
            continue
        out.append(evaluate(playbook.compiled, checked, AS_OF, "en").to_dict())
    return out


def _same(kind: str, variant: int, text: str) -> None:
    fast, full = load_skeleton(kind, variant, text), load_full(kind, variant, text)
    assert (fast is None) == (full is None), (kind, variant, text[:80], fast, full)
    if fast is not None:
        assert _results(fast) == _results(full), (kind, variant, text[:80])


@pytest.mark.parametrize("kind", sorted(VARIANTS))
def test_the_fast_way_refuses_and_builds_as_loads_playbook_does(kind, seeds):
    accepted = 0
    for data in filter(None, seeds[kind]):  # an empty input is returned from at once
        variant, text = data[0] % VARIANTS[kind], _text(data[1:])
        _same(kind, variant, text)
        accepted += load_skeleton(kind, variant, text) is not None
    assert accepted > 20  # the seeds reach the evaluators, not only the refusals


@pytest.mark.parametrize("kind", sorted(VARIANTS))
@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_the_fast_way_agrees_at_the_edges_of_the_reader_and_the_schema(kind, text):
    for variant in range(VARIANTS[kind]):
        _same(kind, variant, text)
