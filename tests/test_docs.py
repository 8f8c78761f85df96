"""The README and the tutorial say only true things, and playbooks point only at files that exist.

- Every ``kam`` command shown with its output (a block between ``<!-- begin: kam ... -->`` and
  ``<!-- end -->``) is run again in-process and must print exactly what is shown, with the exit
  code the marker states (``(exit 3)``; none stated means 0).
- Every YAML or JSON block of the tutorial is marked as the whole of a committed file
  (``<!-- whole file: PATH -->``) or a part of one (``<!-- part of: PATH -->``) and must be so.
- Every file a shipped playbook, module or test file mentions (in a comment or a value) exists.

``pytest tests/test_docs.py --regen-goldens`` rewrites the shown outputs and whole files after
an intended change; review the diff.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

from .conftest import PLAYBOOKS, ROOT

README = ROOT / "README.md"
TUTORIAL = ROOT / "docs" / "tutorial.md"
TUTORIAL_PLAYBOOK = PLAYBOOKS / "tutorial" / "courier-contracts.yaml"

SHOWN = re.compile(
    r"<!-- begin: (?P<cmd>kam [^\n]*?)(?: \(exit (?P<exit>\d+)\))? -->\n(?P<body>.*?)<!-- end -->",
    re.S,
)
FENCED = re.compile(
    r"(?:<!-- (?P<how>whole file|part of): (?P<path>\S+) -->\n)?```(?P<lang>yaml|json)\n(?P<body>.*?)```",
    re.S,
)
# A file name in a playbook: a path ending in a document or data extension.
MENTIONED = re.compile(
    r"(?<![\w/.-])([\w][\w./-]*\.(?:md|ya?ml|json|jsonl|html|txt|csv|pdf|docx?|xlsx?))\b"
)


def shown_block(cmd: str, output: str, exit_code: int) -> str:
    stated = f" (exit {exit_code})" if exit_code else ""
    return f"<!-- begin: {cmd}{stated} -->\n```console\n$ {cmd}\n{output}```\n<!-- end -->"


def run_shown(cmd: str) -> tuple[str, int]:
    """Run a shown ``kam ...`` command as a reader would, from the repository's root."""
    args = shlex.split(cmd)
    assert args[0] == "kam", cmd
    result = CliRunner().invoke(main, args[1:], env={"KAM_LANG": None, "NO_COLOR": None})
    assert "Traceback" not in result.output, result.output
    return result.output, result.exit_code


@pytest.fixture
def in_a_copy(tmp_path, monkeypatch):
    """Commands run in a copy of the repository's playbooks, so `-o FILE` writes nowhere real."""
    shutil.copytree(PLAYBOOKS, tmp_path / "playbooks")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("doc", [README, TUTORIAL], ids=lambda p: p.name)
def test_shown_commands_print_what_is_shown(doc, regen, in_a_copy):
    text = doc.read_text(encoding="utf-8")
    blocks = list(SHOWN.finditer(text))
    assert blocks, f"{doc.name} shows no kam command with its output"
    wrong = []

    def again(m: re.Match[str]) -> str:
        output, code = run_shown(m["cmd"])
        block = shown_block(m["cmd"], output, code)
        if block != m[0]:
            wrong.append(f"{m['cmd']}\n--- shown\n{m[0]}\n--- printed now\n{block}")
        return block

    fresh = SHOWN.sub(again, text)
    if regen:
        doc.write_text(fresh, encoding="utf-8")
    elif wrong:
        pytest.fail(
            f"{doc.name}: output differs (pytest --regen-goldens rewrites it):\n"
            + "\n\n".join(wrong)
        )


def test_the_readme_explains_the_exit_code_of_its_first_command():
    text = README.read_text(encoding="utf-8")
    first = SHOWN.search(text)
    assert first is not None
    assert first["exit"] == "3"
    # said in words right by the command, with a pointer to the list of exit codes
    around = text[max(0, first.start() - 600) : first.end() + 600]
    assert "exit code 3" in around
    assert "(#exit-codes)" in around
    assert '<a id="exit-codes"></a>' in text
    # and by the install-and-check command, which ends with the same check
    section = text[text.index("## The two commands") : text.index("Run the tests")]
    assert "exit code 3" in section
    assert "(#exit-codes)" in section


def test_the_readme_setup_command_checks_the_deal_shown():
    text = README.read_text(encoding="utf-8")
    first = SHOWN.search(text)
    assert first is not None
    setup = text[text.index("## The two commands") :].split("```sh\n", 1)[1].split("```")[0]
    shown = shlex.split(first["cmd"])[1:]
    ran = shlex.split(setup.split("&& .venv/bin/kam ", 1)[1])
    assert ran == shown


def test_every_tutorial_block_is_a_committed_file_or_part_of_one(regen):
    text = TUTORIAL.read_text(encoding="utf-8")
    blocks = list(FENCED.finditer(text))
    whole = {m["path"] for m in blocks if m["how"] == "whole file"}
    assert "playbooks/tutorial/courier-contracts.yaml" in whole
    assert "playbooks/tutorial/courier-contracts.test.yaml" in whole
    fresh = text
    for m in blocks:
        assert m["how"], f"a {m['lang']} block without a whole file/part of marker:\n{m['body']}"
        committed = (ROOT / m["path"]).read_text(encoding="utf-8")
        if m["how"] == "part of":
            # whole lines, in the file's order
            assert "\n" + m["body"] in "\n" + committed, f"not part of {m['path']}:\n{m['body']}"
        elif m["body"] != committed:
            if not regen:
                pytest.fail(f"the tutorial's copy of {m['path']} differs from the file")
            fresh = fresh.replace(m[0], m[0].replace(m["body"], committed))
    if regen and fresh != text:
        TUTORIAL.write_text(fresh, encoding="utf-8")


def test_the_tutorial_playbook_lints_clean_and_its_tests_cover_everything(runner):
    lint = runner.invoke(main, ["lint", str(TUTORIAL_PLAYBOOK)])
    assert lint.exit_code == 0, lint.output
    tested = runner.invoke(main, ["test", str(TUTORIAL_PLAYBOOK.parent), "--coverage"])
    assert tested.exit_code == 0, tested.output
    assert "coverage: 8 of 8 " in tested.output


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
