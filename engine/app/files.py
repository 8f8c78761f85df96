"""A path and content in, a file that appears whole or not at all out: every file kam writes.

Batch results and summaries, handbooks (``kam docs -o``), JUnit reports and compile-cache
entries are all written to a temporary file beside the target and renamed into place, so a
reader, a crash or a second writer at the same moment never sees half a file. The temporary
name is unpredictable and made with O_EXCL|O_NOFOLLOW, so a file or link planted beside the
target is never opened, let alone written through; the data is on disk (fsync) before the
rename; any failure, Ctrl-C or SIGTERM removes the temporary file. A full disk is bad input
("the disk is full"), never a crash.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any, Literal, overload

from ..errors import InputError


def writable(path: str) -> None:
    """Refuse a path that cannot be written, before any work is done for it."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; give a file name to write")
    if os.path.exists(path) and not os.path.isfile(path):
        # a pipe or a device (/dev/stdout): the rename that makes a file appear whole would
        # put a plain file in its place (as root, even in /dev) instead of writing into it
        raise InputError(f"{path}: is not a plain file (a pipe or a device); give a file name")
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise InputError(f"{path}: cannot write there (no such folder, or not allowed)")


def not_an_input(path: str, inputs: Iterable[str], what: str = "an input") -> None:
    """Refuse writing over a file the command reads (the playbook, a test file, the deals):
    a careless ``-o`` would replace it with the output, without a word."""
    for source in inputs:
        if source != "-" and same_file(path, source):
            raise InputError(f"{path}: is {what} of this command; write to another file")


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (also through links); a missing one names no file."""
    if os.path.abspath(a) == os.path.abspath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def disk_full(exc: BaseException) -> bool:
    """Whether a failed write means no room is left (disk, quota or file size limit)."""
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL


def cannot_write(path: str, exc: OSError) -> InputError:
    """The error for a file kam could not write, in the words a person needs."""
    if disk_full(exc):
        return InputError(f"{path}: cannot write: the disk is full; nothing was written")
    return InputError(f"{path}: cannot write: {exc.strerror or exc}")


@overload
def atomic(
    path: str | os.PathLike[str],
    *,
    binary: Literal[False] = False,
    private: bool = False,
    exclusive: bool = False,
    prefix: str | None = None,
) -> contextlib.AbstractContextManager[IO[str]]: ...


@overload
def atomic(
    path: str | os.PathLike[str],
    *,
    binary: Literal[True],
    private: bool = False,
    exclusive: bool = False,
    prefix: str | None = None,
) -> contextlib.AbstractContextManager[IO[bytes]]: ...


def atomic(
    path: str | os.PathLike[str],
    *,
    binary: bool = False,
    private: bool = False,
    exclusive: bool = False,
    prefix: str | None = None,
) -> contextlib.AbstractContextManager[Any]:
    """A file (UTF-8 text, or ``binary``) that appears at ``path`` when the block ends
    without an exception, and not at all otherwise.

    ``private``: only its owner may read it (0600; otherwise the umask decides, as for any
    new file). ``exclusive``: never replace a file already there (``FileExistsError``).
    ``prefix`` names the temporary file (default ``.<name>.``), so tests can look for one
    left behind."""
    return _atomic(os.fspath(path), binary, private, exclusive, prefix)


@contextlib.contextmanager
def _atomic(
    path: str, binary: bool, private: bool, exclusive: bool, prefix: str | None
) -> Iterator[IO[str] | IO[bytes]]:
    folder, name = os.path.split(os.path.abspath(path))
    fd, tmp = _temporary(folder, prefix if prefix is not None else f".{name}.", private)
    placed = False
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, encoding=None if binary else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())  # on disk before it has the name: a crash leaves old or new
        if exclusive:
            os.link(tmp, path)  # fails, rather than replaces, when the file exists
        else:
            os.replace(tmp, path)
            placed = True
    finally:
        if not placed:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _temporary(folder: str, prefix: str, private: bool) -> tuple[int, str]:
    """A new file with a name no other writer picks, with the mode the finished file gets (a
    rename keeps it): 0600 for a private file, else what a plain ``open`` would give."""
    if private:
        return tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f"{prefix}{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def write_atomically(path: str, content: bytes) -> None:
    """Write a whole file or nothing; a path that cannot be written is ``InputError``."""
    writable(path)
    try:
        with atomic(path, binary=True) as fh:
            fh.write(content)
    except OSError as exc:
        raise cannot_write(path, exc) from None
