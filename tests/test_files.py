"""Every file kam writes appears whole or not at all (engine/app/files.py)."""

from __future__ import annotations

import os
import stat

import pytest

from engine.app.files import atomic, writable, write_atomically
from engine.errors import InputError


def test_a_file_appears_only_when_its_block_ends(tmp_path):
    target = tmp_path / "out.txt"
    with atomic(target) as fh:
        fh.write("half")
        assert not target.exists()
    assert target.read_text(encoding="utf-8") == "half"


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")

    def write_then_fail() -> None:
        with atomic(target) as fh:
            fh.write("new")
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_private_files_are_the_owners_and_others_follow_the_umask(tmp_path):
    with atomic(tmp_path / "private", binary=True, private=True) as fh:
        fh.write(b"x")
    assert stat.S_IMODE(os.stat(tmp_path / "private").st_mode) == 0o600
    write_atomically(str(tmp_path / "shared"), b"x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "shared").st_mode) == 0o666 & ~mask


def test_an_exclusive_file_never_replaces_one_already_there(tmp_path):
    target = tmp_path / "key"
    target.write_bytes(b"first")
    with pytest.raises(FileExistsError), atomic(target, binary=True, exclusive=True) as fh:
        fh.write(b"second")
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]


def test_paths_that_cannot_be_written_are_bad_input(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        writable(str(tmp_path))
    with pytest.raises(InputError, match="no such folder"):
        writable(str(tmp_path / "no" / "such.json"))
    with pytest.raises(InputError, match="cannot write"):
        write_atomically(str(tmp_path / "no" / "such.json"), b"x")


@pytest.mark.parametrize("command", ["batch", "docs", "junit"])
def test_a_pipe_as_the_output_is_refused_not_replaced(runner, tmp_path, command):
    """`-o /dev/stdout` (or a named pipe) was replaced by a plain file by the final rename,
    so nothing reached the pipe (and as root, /dev/stdout itself was replaced)."""
    import json

    from engine.cli import main

    from .conftest import PLAYBOOKS

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    tutorial = PLAYBOOKS / "tutorial"
    if command == "batch":
        deals = tmp_path / "deals.jsonl"
        deals.write_text(json.dumps(json.loads((tutorial / "quote-hx.json").read_text())) + "\n")
        args = [
            "batch",
            str(deals),
            "-p",
            str(tutorial / "courier-contracts.yaml"),
            "-o",
            str(pipe),
        ]
    elif command == "docs":
        args = ["docs", str(tutorial / "courier-contracts.yaml"), "-o", str(pipe)]
    else:
        args = ["test", str(tutorial), "--junit-xml", str(pipe)]
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"{pipe}: is not a plain file (a pipe or a device); give a file name" in result.stderr
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
