"""Playbook path in, the checked model from an earlier run out (when no file changed).

Reading, assembling and checking a playbook costs tens of milliseconds; a CLI run or a
service restart should not pay it again for an unchanged playbook. The checked model is
stored under the sha256 of every file it was built from (the playbook, its modules, the
version it extends) and of the engine's version; any change to any of them misses.

The cache is a folder of the user's own (``$KAM_CACHE_DIR``, else ``$XDG_CACHE_HOME/kam``,
else ``~/.cache/kam``; ``KAM_CACHE_DIR=off`` turns it off). Entries are pickles the engine
wrote itself; a folder or file that another user owns or could write is never read. Any
problem with the cache falls back to a normal load: the cache can only save time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import stat
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1


def _engine_version() -> str:
    """Changes whenever the engine's code does (its files' names, sizes and times)."""
    here = Path(__file__).resolve().parent
    parts = []
    for path in sorted(here.glob("*.py")) + sorted(here.glob("*.j2")):
        info = path.stat()
        parts.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def folder() -> Path | None:
    """The cache folder, or None when caching is off."""
    env = os.environ.get("KAM_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kam"


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _trusted(path: Path) -> bool:
    """Ours alone: owned by this user and not writable by group or others."""
    try:
        info = path.stat()
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _index(top: str, root: Path) -> Path:
    # the model names files as they were given (in messages, coverage and handbooks), so the
    # same playbook reached by another path or from another folder is another entry
    key = "\0".join((os.path.realpath(top), top, os.getcwd()))
    return root / f"index-{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def lookup(top: str) -> tuple[Any, str] | None:
    """(model, content hash) stored for ``top``, if every file it was built from is unchanged."""
    root = folder()
    if root is None or not _trusted(root):
        return None
    index = _index(top, root)
    try:
        if not _trusted(index):
            return None
        entry = json.loads(index.read_text(encoding="utf-8"))
        if entry.get("format") != FORMAT or entry.get("engine") != _engine_version():
            return None
        for path, digest in entry["files"].items():
            if _digest(path) != digest:
                return None
        blob = root / entry["model"]
        if not _trusted(blob):
            return None
        with open(blob, "rb") as fh:
            model, content_hash = pickle.load(fh)  # noqa: S301 - our own file, checked above
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        EOFError,
        pickle.UnpicklingError,
        AttributeError,
        ImportError,
    ):
        return None
    return model, content_hash


def store(top: str, model: Any, content_hash: str, files: list[str]) -> None:
    """Remember the checked model of ``top`` (silently does nothing when it cannot)."""
    root = folder()
    if root is None:
        return
    with contextlib.suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(root):
            return
        digests = {os.path.realpath(f): _digest(f) for f in files}
        if None in digests.values():
            return
        name = f"model-{content_hash[:32]}-{FORMAT}.pickle"
        _write(root / name, pickle.dumps((model, content_hash), protocol=pickle.HIGHEST_PROTOCOL))
        entry = {"format": FORMAT, "engine": _engine_version(), "files": digests, "model": name}
        _write(_index(top, root), json.dumps(entry, indent=1).encode())


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all (a crash never leaves half an entry)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
