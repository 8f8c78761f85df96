"""The bundled JSON Schemas, as an editor and a CI job see them: in sync with their generator,
valid for their draft, named on the first line of every shipped file, and agreeing with the
engine - checked by a third-party validator (check-jsonschema, its console script), which reads
the raw files the way an editor does, before any ``extends`` or ``include`` is merged."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from engine.app.playbook import load_playbook
from engine.cli import main
from engine.errors import DealError

from .conftest import AUTO_DEALER, BASE_DEAL, PLAYBOOKS, ROOT

SCHEMAS = ROOT / "schemas"
NEXT = PLAYBOOKS / "auto-dealer-2026-2.yaml"
SHIPPED_KINDS = ("playbook", "module", "test")


def kind_of(path: Path) -> str:
    """What a shipped YAML file is, from its top-level keys (deals are examples: no schema)."""
    keys = {line.split(":", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()}
    if "kam_test" in keys:
        return "test"
    if "module" in keys:
        return "module"
    if "kam" in keys or "extends" in keys:
        return "playbook"
    return "deal"


SHIPPED = {
    kind: sorted(p for p in PLAYBOOKS.rglob("*.yaml") if kind_of(p) == kind)
    for kind in SHIPPED_KINDS
}


def check_jsonschema(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the check-jsonschema console script installed beside this Python (the test extra)."""
    script = shutil.which("check-jsonschema", path=sysconfig.get_path("scripts"))
    if script is None:
        pytest.fail("check-jsonschema is not installed: pip install -e '.[test]'")
    return subprocess.run(
        [script, *map(str, args)], capture_output=True, text=True, timeout=300, check=False
    )


def schema_line(path: Path, kind: str) -> str:
    target = os.path.relpath(SCHEMAS / f"{kind}.schema.json", path.parent)
    return f"# yaml-language-server: $schema={Path(target).as_posix()}"


# -- the schema files themselves ----------------------------------------------------------------


def test_committed_schemas_are_what_the_generator_writes():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_schemas.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"run: python tools/gen_schemas.py\n{done.stdout}"


def test_schemas_are_valid_for_the_draft_they_declare(tmp_path):
    files = sorted(SCHEMAS.glob("*.schema.json"))
    assert len(files) == 5  # playbook, module, result, test, test-report
    for f in files:
        declared = json.loads(f.read_text(encoding="utf-8"))["$schema"]
        assert declared == "https://json-schema.org/draft/2020-12/schema", f.name
    done = check_jsonschema("--check-metaschema", *files)
    assert done.returncode == 0, done.stdout + done.stderr
    # and the check can fail: a misspelt type is not a valid schema
    broken = tmp_path / "broken.schema.json"
    broken.write_text(
        json.dumps({"$schema": json.loads(files[0].read_text())["$schema"], "type": "strin"})
    )
    done = check_jsonschema("--check-metaschema", broken)
    assert done.returncode == 1, done.stdout + done.stderr


def test_each_schema_has_a_stable_id_that_nothing_downloads(runner, monkeypatch):
    for name in ("playbook", "module", "result", "test", "test-report"):
        schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
        # one name for every kam version: no version number, no placeholder domain
        assert schema["$id"] == f"https://kam-engine.dev/schemas/{name}.schema.json"
        assert "not a download address" in schema["$comment"]
        shown = runner.invoke(main, ["schema", name])
        assert json.loads(shown.stdout)["$id"] == schema["$id"]

    # the engine checks playbooks and deals with its bundled copies, never over the network
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("kam tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    playbook = load_playbook(NEXT, cache=False)
    assert (
        playbook.deal_schema()["$id"]
        == "https://kam-engine.dev/schemas/deal/auto-dealer.schema.json"
    )
    with pytest.raises(DealError) as refused:  # a refused deal is explained by jsonschema
        playbook.check_deal({**BASE_DEAL, "lines": "not a list"})
    assert [p.path for p in refused.value.problems] == ["$.lines"]


# -- the shipped files ----------------------------------------------------------------------


def test_every_shipped_file_names_its_schema_on_its_first_line():
    assert all(SHIPPED[k] for k in SHIPPED_KINDS), SHIPPED
    for kind, files in SHIPPED.items():
        for f in files:
            first = f.read_text(encoding="utf-8").splitlines()[0]
            assert first == schema_line(f, kind), f"{f.relative_to(ROOT)}: {first}"
            target = (f.parent / first.split("$schema=", 1)[1]).resolve()
            assert target == SCHEMAS / f"{kind}.schema.json"


@pytest.mark.parametrize("kind", SHIPPED_KINDS)
def test_check_jsonschema_accepts_every_shipped_file(kind):
    done = check_jsonschema("--schemafile", SCHEMAS / f"{kind}.schema.json", *SHIPPED[kind])
    assert done.returncode == 0, done.stdout + done.stderr


# -- the schema says what the engine says ----------------------------------------------------


def folder_with(tmp_path: Path, name: str, text: str) -> Path:
    """``text`` as playbook ``name`` beside a copy of the auto-dealer playbook and its modules."""
    shutil.copy(AUTO_DEALER, tmp_path / AUTO_DEALER.name)
    shutil.copytree(PLAYBOOKS / "modules", tmp_path / "modules")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def both_verdicts(runner, path: Path) -> tuple[int, str, int]:
    """(check-jsonschema's exit code, its output, kam lint's exit code) for one playbook:
    the editor's view of the raw file and the engine's of the merged playbook."""
    editor = check_jsonschema("--schemafile", SCHEMAS / "playbook.schema.json", path)
    engine = runner.invoke(main, ["lint", str(path)])
    return editor.returncode, editor.stdout + editor.stderr, engine.exit_code


# An extension that only refines what it extends: a field's label, a nested field with no
# type of its own, a parameter's label, when missing documents are due.
REFINING = """\
extends: auto-dealer.yaml
version: "2026.3"
fields:
  dealer_territory:
    label: {en: Dealer's sales territory}
  customer:
    fields:
      vip: {type: bool}
parameters:
  discount_gm:
    label: {en: General manager's discount tier}
document_actions:
  due_in_days: 9
"""


def test_an_extension_needs_only_its_version_and_what_it_changes(runner, tmp_path):
    code, out, kam = both_verdicts(runner, folder_with(tmp_path, "next.yaml", REFINING))
    assert (code, kam) == (0, 0), out


def test_an_extension_without_its_own_version_is_refused_by_both(runner, tmp_path):
    text = REFINING.replace('version: "2026.3"\n', "")
    code, out, kam = both_verdicts(runner, folder_with(tmp_path, "next.yaml", text))
    assert (code, kam) == (1, 2)
    assert "'version' is a required property" in out


def test_a_complete_playbook_still_needs_every_key_and_whole_fields(runner, tmp_path):
    # the same refinements without `extends` are a broken playbook, for the editor and for kam
    text = "kam: 1\nid: auto-dealer\n" + REFINING.replace("extends: auto-dealer.yaml\n", "")
    code, out, kam = both_verdicts(runner, folder_with(tmp_path, "broken.yaml", text))
    assert (code, kam) == (1, 2)
    for problem in (
        "$: 'title' is a required property",
        "$: 'stages' is a required property",
        "$.fields.dealer_territory: 'type' is a required property",
        "$.fields.customer: 'type' is a required property",
        "$.parameters.discount_gm: 'value' is a required property",
        "$.document_actions: 'assignee' is a required property",
    ):
        assert problem in out
    assert "vip" not in out  # the nested field gives its type


def test_check_jsonschema_rejects_a_broken_shipped_playbook(tmp_path):
    # the shipped reference playbook with a rule that says nothing about its outcome
    text = AUTO_DEALER.read_text(encoding="utf-8").replace("    then: block\n", "", 1)
    broken = folder_with(tmp_path, "broken.yaml", text)
    done = check_jsonschema("--schemafile", SCHEMAS / "playbook.schema.json", broken)
    assert done.returncode == 1
    assert "'then' is a required property" in done.stdout
