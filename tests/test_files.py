"""Every file kam writes appears whole or not at all (engine/app/files.py)."""

from __future__ import annotations

import json
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


# -- kam docs -o, and any file kam writes, on hostile ground -------------------------------


def _docs(runner, output):
    from engine.cli import main

    from .conftest import PLAYBOOKS

    return runner.invoke(
        main, ["docs", str(PLAYBOOKS / "tutorial" / "courier-contracts.yaml"), "-o", str(output)]
    )


@pytest.mark.parametrize("planted", [".out.html.tmp", "out.html.tmp", ".out.html.x.tmp"])
def test_a_link_planted_beside_the_output_is_never_written_through(runner, tmp_path, planted):
    """`kam docs -o FILE` wrote through a planted `FILE.tmp` symlink, overwriting its target.
    The temporary name is unpredictable and opened with O_EXCL, so no link is followed."""
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / planted).symlink_to(victim)
    result = _docs(runner, tmp_path / "out.html")
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (tmp_path / "out.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not (tmp_path / "out.html").is_symlink()


def test_the_temporary_name_cannot_be_guessed(tmp_path):
    seen = set()
    for _ in range(3):
        with atomic(tmp_path / "out.txt") as fh:
            fh.write("x")
            (tmp,) = [p.name for p in tmp_path.iterdir() if p.name != "out.txt"]
            seen.add(tmp)
    assert len(seen) == 3


@pytest.mark.parametrize("where", ["folder", "no such folder", "under a file"])
def test_docs_into_a_folder_or_a_bad_path_is_bad_input_and_leaves_nothing(runner, tmp_path, where):
    target = {
        "folder": tmp_path,
        "no such folder": tmp_path / "no" / "out.html",
        "under a file": tmp_path / "file" / "out.html",
    }[where]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = _docs(runner, target)
    assert result.exit_code == 2, result.output
    assert str(target) in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize("stop", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_removes_its_temporary_file_on_every_kind_of_failure(tmp_path, stop):
    def write_then_stop() -> None:
        with atomic(tmp_path / "out.txt") as fh:
            fh.write("half")
            raise stop

    with pytest.raises(type(stop)):
        write_then_stop()
    assert list(tmp_path.iterdir()) == []


def _full_disk() -> None:
    """In the child: files may grow to 4 KB; beyond, a write fails as on a full disk."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def _kam_on_full_disk(*args, stdout=None):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "engine", *map(str, args)],
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_full_disk,
        timeout=120,
        check=False,
        env={**os.environ, "KAM_CACHE_DIR": "off"},
    )


@pytest.mark.parametrize("command", ["docs", "batch"])
def test_a_full_disk_is_bad_input_and_nothing_is_half_written(tmp_path, command):
    """A full disk gave exit 4 (an OSError from the write); it is the disk, not a bug."""
    from .conftest import PLAYBOOKS

    tutorial = PLAYBOOKS / "tutorial"
    out = tmp_path / "out"
    if command == "docs":
        args = ["docs", tutorial / "courier-contracts.yaml", "-o", out]
    else:
        deals = tmp_path / "deals.jsonl"
        deal = json.dumps(json.loads((tutorial / "quote-hx.json").read_text(encoding="utf-8")))
        deals.write_text((deal + "\n") * 200, encoding="utf-8")
        args = ["batch", deals, "-p", tutorial / "courier-contracts.yaml", "-o", out]
    done = _kam_on_full_disk(*args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode().splitlines()[-1] == (
        f"{out}: cannot write: the disk is full; nothing was written"
    )
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == (["deals.jsonl"] if command == "batch" else [])


def test_standard_output_on_a_full_disk_is_bad_input_not_a_crash(tmp_path):
    from .conftest import PLAYBOOKS

    with open("/dev/full", "wb") as full:
        done = _kam_on_full_disk(
            "docs", PLAYBOOKS / "tutorial" / "courier-contracts.yaml", stdout=full
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode() == "cannot write the output: the disk is full\n"
