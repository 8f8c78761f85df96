"""Playbook path in, the checked model from an earlier run out (when no file it read changed).

Reading, assembling and checking a playbook costs tens of milliseconds; a CLI run or a
service restart should not pay it again for an unchanged playbook. Only code generation
runs again on a hit.

One entry per playbook *as it was asked for*: the checked model names its files as they
were given (in messages, coverage and handbooks), so the entry's name is made of the
playbook's resolved path, the path as given and the working folder. Inside, the entry lists
every file that went in (as given, resolved, and the sha256 of the bytes that were checked),
every include and extends as written with the file it led to, and the engine's version; a hit
needs all of them unchanged. So a symbolic link to a module, or to a folder of modules, that
now points elsewhere is a miss even when the file it used to point at is still there. Two
checkouts of the same playbook are two entries and never see each other's paths.

An entry is JSON, never a pickle: reading one only builds the engine's own model classes
from plain values, after checking that what code generation writes as names and operators
are names and operators. It opens with an HMAC of its content under a random key kept in
the cache folder, so a truncated, damaged or altered entry is not ours, and one moved to
another playbook's name is not this playbook's. (A process of the same user can read the
key - it could as well change the engine - and even then the checks above keep an entry
from becoming code.) The key, like every entry, is read only if it is a plain file (never
through a symbolic link) that this user owns and no one else may write; a key others may read
is not secret, so it is replaced (entries sealed with it are lost, never trusted).

The folder is the platform's cache folder (``platformdirs``: ``$XDG_CACHE_HOME/kam`` or
``~/.cache/kam`` on Linux) unless ``$KAM_CACHE_DIR`` names one; ``KAM_CACHE_DIR=off`` turns
caching off. A folder or file that another user owns or could write is never read. Entries
are written whole (a temporary file renamed into place), so processes writing the same entry
at once leave one whole entry. Any problem - a read-only folder, a bad entry - means a
normal load: the cache can only save time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..check import model
from ..errors import Diagnostic, Location
from ..lang import expressions, ir, types
from ..lang.messages import PLAIN_FILTERS, Message
from ..read.decode import decode
from .files import atomic

FORMAT = 3
_MAGIC = b"kam-cache 2\n"
_KEY_FILE = "key"
_KEY_SIZE = 32


def folder() -> Path | None:
    """The cache folder, or None when caching is off."""
    env = os.environ.get("KAM_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no") else Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("kam", appauthor=False))


def lookup(top: str) -> tuple[model.PlaybookModel, str] | None:
    """(model, content hash) stored for ``top``, if every file it was built from is unchanged."""
    root = folder()
    if root is None or not _trusted(root):
        return None
    try:
        key = _key(root, create=False)
        entry = _entry(top, root)
        data = _read_own(entry, secret=False) if key is not None else None
        payload = _unseal(key, data) if key is not None and data is not None else None
        if payload is None:
            return None
        data = json.loads(payload, object_pairs_hook=_no_objects)
        if (
            data.__class__ is not dict
            or data.get("engine") != _engine_version()
            or data.get("asked") != _asked(top)
            or not _unchanged(data.get("files"))
            or not _same_links(data.get("links"))
        ):
            return None
        found = _decode(data["model"])
        known = data["hash"]
    except (OSError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        return None
    if found.__class__ is not model.PlaybookModel or not _is_hash(known):
        return None
    return found, known


def store(
    top: str,
    checked: model.PlaybookModel,
    content_hash: str,
    read: Mapping[str, list[str]],
    links: Mapping[str, str] | None = None,
) -> None:
    """Remember the checked model of ``top``, built from ``read`` (each file's lines as it was
    read) through ``links`` (each include as written -> the file it led to). Silently does
    nothing when it cannot, or when a file changed since it was read."""
    root = folder()
    if root is None:
        return
    with contextlib.suppress(OSError, ValueError, TypeError, RecursionError):
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _trusted(root):
            return
        key = _key(root, create=True)
        if key is None:
            return
        listed = []
        for given, lines in read.items():
            with open(given, "rb") as fh:
                raw = fh.read()
            # the digest must be of what was checked: a file saved meanwhile is not stored
            text = decode(raw, given)[0]
            if text is None or text.splitlines() != lines:
                return
            listed.append([given, os.path.realpath(given), hashlib.sha256(raw).hexdigest()])
        entry = {
            "engine": _engine_version(),
            "asked": _asked(top),
            "files": listed,
            "links": sorted([k, v] for k, v in (links or {}).items()),
            "hash": content_hash,
            "model": _encode(checked),
        }
        payload = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
        _write(_entry(top, root), _seal(key, payload))


# -- which entry, and is it still true ------------------------------------------------------------


def _asked(top: str) -> list[str]:
    """The playbook as asked for: the same file reached another way is another entry."""
    return [os.path.realpath(top), top, os.getcwd()]


def _entry(top: str, root: Path) -> Path:
    name = hashlib.sha256("\0".join(_asked(top)).encode()).hexdigest()[:32]
    return root / f"playbook-{name}.json"


def _unchanged(files: Any) -> bool:
    """Every file still resolves where it did and holds the same bytes."""
    if files.__class__ is not list or not files:
        return False
    for item in files:
        if item.__class__ is not list or len(item) != 3:
            return False
        given, real, digest = item
        if not isinstance(given, str) or os.path.realpath(given) != real:
            return False
        if _digest(given) != digest:
            return False
    return True


def _same_links(links: Any) -> bool:
    """Every include as written still leads to the file it led to."""
    if links.__class__ is not list:
        return False
    for item in links:
        if item.__class__ is not list or len(item) != 2:
            return False
        written, led_to = item
        if not isinstance(written, str) or os.path.realpath(written) != led_to:
            return False
    return True


def _engine_version() -> str:
    """Changes whenever the engine's code does (its files' names, sizes and times)."""
    here = Path(__file__).resolve().parent.parent  # engine/, every sub-package
    parts = [str(FORMAT)]
    for path in sorted(here.rglob("*.py")) + sorted(here.rglob("*.j2")):
        info = path.stat()
        parts.append(f"{path.relative_to(here)}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and value.isascii() and value.isalnum()


# -- is it ours ---------------------------------------------------------------------------------


def _trusted(path: Path) -> bool:
    """Ours alone: owned by this user and not writable by group or others."""
    try:
        info = path.stat()
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _key(root: Path, create: bool) -> bytes | None:
    """The folder's secret for sealing entries: made once (the first process to link it in
    wins), and made again if it is damaged or not ours (entries sealed with it are then lost)."""
    path = root / _KEY_FILE
    key = _read_key(path)
    if key is None and create:
        secret = secrets.token_bytes(_KEY_SIZE)
        try:  # never replaces a key another process has just made
            with atomic(path, binary=True, private=True, exclusive=True, prefix=".tmp-") as fh:
                fh.write(secret)
        except FileExistsError:
            if _read_key(path) is None:
                _write(path, secret)
        key = _read_key(path)
    return key


def _read_key(path: Path) -> bytes | None:
    key = _read_own(path, secret=True)
    return key if key is not None and len(key) == _KEY_SIZE else None


_MAX_ENTRY = 256 << 20  # far above any entry a playbook within the limits makes


def _read_own(path: Path, secret: bool) -> bytes | None:
    """The bytes of a plain file of ours, opened without following a link (a link planted
    in the folder could lead anywhere) or blocking on a pipe, and checked once it is open
    (so it cannot be swapped between the check and the read). ``secret``: also readable by
    no one else; a key others can read seals nothing."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        others = stat.S_IWGRP | stat.S_IWOTH | (stat.S_IRGRP | stat.S_IROTH if secret else 0)
        if (
            not stat.S_ISREG(info.st_mode)
            or (hasattr(os, "getuid") and info.st_uid != os.getuid())
            or info.st_mode & others
            or info.st_size > _MAX_ENTRY
        ):
            return None
        return fh.read(_MAX_ENTRY + 1)


def _seal(key: bytes, payload: bytes) -> bytes:
    return _MAGIC + hmac.new(key, payload, hashlib.sha256).hexdigest().encode() + b"\n" + payload


def _unseal(key: bytes, data: bytes) -> bytes | None:
    """The payload, if the entry is whole and was sealed with this folder's key."""
    if not data.startswith(_MAGIC):
        return None
    mac, _, payload = data[len(_MAGIC) :].partition(b"\n")
    expected = hmac.new(key, payload, hashlib.sha256).hexdigest().encode()
    return payload if hmac.compare_digest(mac, expected) else None


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all (a crash or a second writer never leaves half an entry)."""
    with atomic(path, binary=True, private=True, prefix=".tmp-") as fh:
        fh.write(data)


# -- the checked model as JSON ----------------------------------------------------------------
# Plain JSON values stand for themselves; everything else is a list whose first item says what
# it is: ["T", ...] tuple, ["L", ...] list, ["F", ...] frozenset, ["M", k, v, ...] dict,
# ["D", "1.50"] Decimal, ["Y", "2026-03-02"] date, ["Rule", field, ...] one of our classes
# (its fields in declaration order), ["S", i] the i-th shared value. Types and labels repeat
# by the hundred (every expression node has a type), so each is written once among the shared
# values; this halves reading time. Nothing else can be written or read.

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for module in (model, ir)
    for cls in vars(module).values()
    if isinstance(cls, type)
    and dataclasses.is_dataclass(cls)
    and cls.__module__ == module.__name__
    and (module is model or (issubclass(cls, ir.Node) and cls is not ir.Node))
}
_CLASSES.update(
    {"Type": types.Type, "Location": Location, "Message": Message, "Diagnostic": Diagnostic}
)  # a model keeps its warnings (Diagnostic): a playbook with a warning is cached too
_FIELDS = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in _CLASSES.items()}
_SHARED = frozenset({"Type", "Label"})
_TAGS = ("T", "L", "F", "M", "D", "Y", "S")
assert not set(_TAGS) & set(_CLASSES)


class _Unsupported(TypeError):
    """A value the cache does not write (the playbook is then simply not cached)."""


def _encode(top: Any) -> dict[str, Any]:
    """``{"shared": [...], "value": ...}``: ``top`` as JSON values."""
    shared: list[Any] = []
    seen: dict[str, int] = {}

    def enc(value: Any) -> Any:
        cls = value.__class__
        if value is None or cls in (bool, int, str, float):
            return value
        if cls is tuple:
            return ["T", *map(enc, value)]
        if cls is list:
            return ["L", *map(enc, value)]
        if cls is frozenset:
            return ["F", *map(enc, value)]
        if cls is dict:
            out: list[Any] = ["M"]
            for k, v in value.items():
                out += [enc(k), enc(v)]
            return out
        if cls is Decimal:
            return ["D", str(value)]
        if cls is date:
            return ["Y", value.isoformat()]
        name = cls.__name__
        if _CLASSES.get(name) is not cls:
            raise _Unsupported(name)
        written = [name, *(enc(getattr(value, f)) for f in _FIELDS[name])]
        if name not in _SHARED:
            return written
        # shared by what is written, not by ==: a type's limits do not take part in ==
        text = json.dumps(written)
        if text not in seen:
            seen[text] = len(shared)
            shared.append(written)
        return ["S", seen[text]]

    value = enc(top)
    return {"shared": shared, "value": value}


def _decode(data: Any) -> Any:
    """What ``_encode`` wrote, built again; raises ValueError (or a lookup error) otherwise.

    ``data`` comes from ``json.loads`` with ``_no_objects``, so anything that is not a list
    is a plain value (this is the hot path of a cache hit: scalars are not even looked at)."""
    shared: list[Any] = []

    def dec(value: list[Any]) -> Any:
        tag = value[0]
        args = [dec(v) if v.__class__ is list else v for v in value[1:]]
        if tag == "S":
            (i,) = args
            if i.__class__ is not int or i < 0:
                raise ValueError("not a shared value")
            return shared[i]
        if tag == "T":
            return tuple(args)
        made = _MAKERS.get(tag)
        if made is not None:
            cls, arity, check = made
            if len(args) != arity:
                raise ValueError(f"{tag} has other fields")
            out = cls(*args)
            if check is not None and not check(out):
                raise ValueError(f"{tag} is not one the checker could have made")
            return out
        if tag == "L":
            return args
        if tag == "F":
            return frozenset(args)
        if tag == "M":
            return dict(zip(args[::2], args[1::2], strict=True))
        if tag == "D":
            return Decimal(_text(*args))
        if tag == "Y":
            return date.fromisoformat(_text(*args))
        raise ValueError("not a cache value")

    for item in data["shared"]:
        if item.__class__ is not list or item[0] not in _SHARED:
            raise ValueError("only types and labels are shared")
        shared.append(dec(item))
    top = data["value"]
    return dec(top) if top.__class__ is list else top


def _no_objects(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Only the entry itself and its model are JSON objects; the model is all lists."""
    out = dict(pairs)
    if out.keys() not in (_ENTRY_KEYS, _MODEL_KEYS):
        raise ValueError("not a cache entry")
    return out


_ENTRY_KEYS = {"engine", "asked", "files", "links", "hash", "model"}
_MODEL_KEYS = {"shared", "value"}


def _text(value: Any) -> str:
    if value.__class__ is not str:
        raise ValueError("not text")
    return value


# Code generation writes these strings into Python source (the checker vouches for them on a
# fresh load); from the cache they must still be plain names and operators, so even an entry
# sealed by someone else could never become code.


def _name(value: Any) -> bool:
    return value.__class__ is str and value.isidentifier() and value.isascii()


def _limits(t: types.Type) -> bool:
    return all(
        k.__class__ is str and v.__class__ in (int, bool, float, Decimal) for k, v in t.extra
    )


def _plain(m: Message) -> bool:
    return all(
        isinstance(part, str) or all(f in PLAIN_FILTERS for f, _ in part[1])
        for parts in m.plain.values()
        for part in parts
    )


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "Compare": lambda n: n.op in ("==", "!=", "<", "<=", ">", ">="),
    "BoolOp": lambda n: n.op in ("and", "or"),
    "Arith": lambda n: n.op in ("+", "-", "*", "/"),
    "Get": lambda n: (
        _name(n.root)
        and all(p.__class__ is str for p in n.path)
        and (n.root != "facts" or _name(n.path[0]))
    ),
    "Aggregate": lambda n: n.var == "" or _name(n.var),
    "Call": lambda n: n.fn in expressions.FUNCTIONS,
    "Rule": lambda r: _name(r.item),
    "Type": _limits,
    "Message": _plain,
}

_MAKERS: dict[str, tuple[type, int, Callable[[Any], bool] | None]] = {
    name: (cls, len(_FIELDS[name]), _CHECKS.get(name)) for name, cls in _CLASSES.items()
}
