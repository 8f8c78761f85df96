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
from engine.lang.schema import bundled

from .conftest import AUTO_DEALER, PLAYBOOKS

EXAMPLES = sorted(
    p
    for p in (PLAYBOOKS / "examples").rglob("*")
    if p.suffix in (".json", ".yaml") and ".result." not in p.name
)
EXIT = {"ok": 0, "needs_approval": 3, "blocked": 1}


def test_there_are_enough_examples():
    dealer = [p for p in EXAMPLES if p.parent.name == "examples"]
    categories = {json.loads(_run_json(p)[0])["category"] for p in dealer}
    statuses = {json.loads(_run_json(p)[0])["status"] for p in dealer}
    assert len(dealer) >= 6
    assert categories == {"government_procurement", "system_purchasing", "direct_enterprise"}
    assert statuses == {"ok", "needs_approval", "blocked"}
    assert {p.parent.name for p in EXAMPLES} == {
        "examples",
        "enterprise-sales",
        "key-account-office",
    }


def playbook_of(example: Path) -> Path:
    """Examples of auto-dealer sit in examples/, the others in examples/<playbook id>/."""
    if example.parent.name == "examples":
        return AUTO_DEALER
    return PLAYBOOKS / f"{example.parent.name}.yaml"


def _run_json(path: Path) -> tuple[str, int]:
    from click.testing import CliRunner

    args = [
        "validate",
        str(path),
        "-p",
        str(playbook_of(path)),
        "--format",
        "json",
        "--as-of",
        "2026-03-02",
    ]
    result = CliRunner().invoke(main, args)
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
