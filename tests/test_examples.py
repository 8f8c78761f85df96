"""The example deals under playbooks/examples/ give exactly their committed results.

Regenerate after an intended change with ``pytest tests/test_examples.py --regen-goldens``
and review the diff: the playbook hash changes with every change of meaning.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from engine.cli import main
from engine.schema import bundled

from .conftest import AUTO_DEALER, PLAYBOOKS

EXAMPLES = sorted(
    p
    for p in (PLAYBOOKS / "examples").iterdir()
    if p.suffix in (".json", ".yaml") and ".result." not in p.name
)
EXIT = {"ok": 0, "needs_approval": 3, "blocked": 1}


def test_there_are_enough_examples():
    categories = {json.loads(_run_json(p)[0])["category"] for p in EXAMPLES}
    statuses = {json.loads(_run_json(p)[0])["status"] for p in EXAMPLES}
    assert len(EXAMPLES) >= 6
    assert categories == {"government_procurement", "system_purchasing", "direct_enterprise"}
    assert statuses == {"ok", "needs_approval", "blocked"}


def _run_json(path: Path) -> tuple[str, int]:
    from click.testing import CliRunner

    result = CliRunner().invoke(
        main,
        [
            "validate",
            str(path),
            "-p",
            str(AUTO_DEALER),
            "--format",
            "json",
            "--as-of",
            "2026-03-02",
        ],
    )
    return result.stdout, result.exit_code


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_result(example, regen):
    out, code = _run_json(example)
    golden = example.with_name(example.stem + ".result.json")
    if regen:
        golden.write_text(out, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    assert json.loads(out) == json.loads(expected)
    assert out == expected  # byte for byte: output is deterministic
    data = json.loads(out)
    assert code == EXIT[data["status"]]
    Draft202012Validator(bundled("result"), format_checker=FormatChecker()).validate(data)
