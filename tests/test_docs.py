"""Playbooks point only at files that exist: every file a shipped playbook, module or test file
mentions (in a comment or a value) is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import PLAYBOOKS, ROOT

# A file name in a playbook: a path ending in a document or data extension.
MENTIONED = re.compile(
    r"(?<![\w/.-])([\w][\w./-]*\.(?:md|ya?ml|json|jsonl|html|txt|csv|pdf|docx?|xlsx?))\b"
)


def shipped_files() -> list[Path]:
    return sorted(p for p in PLAYBOOKS.rglob("*") if p.suffix in (".yaml", ".yml"))


@pytest.mark.parametrize("file", shipped_files(), ids=lambda p: str(p.relative_to(PLAYBOOKS)))
def test_every_file_a_playbook_mentions_exists(file):
    missing = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        for name in MENTIONED.findall(line):
            if not any((base / name).is_file() for base in (file.parent, ROOT)):
                missing.append(f"{file.relative_to(ROOT)}:{number}: {name}")
    assert not missing, "files that are not in the repository:\n" + "\n".join(missing)


def test_the_mention_check_sees_a_dangling_pointer(tmp_path):
    line = "# Rule ids follow shared/domain/key-account-rules.md and modules/credit-policy.yaml."
    assert MENTIONED.findall(line) == [
        "shared/domain/key-account-rules.md",
        "modules/credit-policy.yaml",
    ]
