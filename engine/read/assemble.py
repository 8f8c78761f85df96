"""Playbook path in, one merged raw mapping + SourceMap out: ``include`` and ``extends`` resolved.

``include: [modules/credit-policy.yaml]`` merges policy modules into a playbook;
``extends: auto-dealer.yaml`` builds a new version on a previous one. Both merge the same way:
mappings key by key, lists of entries (rules, tables, moves) appended, and the including file
wins for single values and value lists - so a
playbook overrides a module's parameter by giving its value under ``parameters:``. Every
value keeps the location of the file it came from, so diagnostics name the right file.

Includes are resolved relative to the including file and may not leave the top playbook's
folder: no absolute paths, no URLs, no ``..`` (or symlink) escape, no cycles, at most
``MAX_INCLUDE_DEPTH`` levels, at most ``MAX_INCLUDES`` entries followed in all (every
occurrence counts, so ten modules each including the next ten times stop at once) and
``MAX_PLAYBOOK_BYTES`` read in all; a file included twice is read and parsed once. An
included file's content never appears in a message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from ..errors import Diagnostic, Location, values_of
from ..limits import DEFAULT_LIMITS, MAX_INCLUDE_DEPTH, MAX_INCLUDES, MAX_PLAYBOOK_BYTES, Limits
from .decode import decode
from .sourcemap import Path, SourceMap
from .yaml import load_yaml

MODULE_KEYS = frozenset({"kam", "module", "title", "description", "include"})


@dataclass
class Assembled:
    """A playbook with everything it includes merged in."""

    data: Any
    smap: SourceMap
    texts: dict[str, list[str]] = field(default_factory=dict)  # file -> lines, for columns
    files: list[str] = field(default_factory=list)  # every file read, top first
    # each include or extends as written (from the including file's folder) -> the file it
    # led to: a link retargeted later leads elsewhere, which the compile cache must notice
    links: dict[str, str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    followed: int = 0  # include and extends entries followed so far (MAX_INCLUDES)
    read_bytes: int = 0  # bytes of the distinct files read so far (MAX_PLAYBOOK_BYTES)
    parsed: dict[str, tuple[Any, SourceMap]] = field(default_factory=dict)  # file -> parsed


def read_file(file: str, limits: Limits = DEFAULT_LIMITS) -> tuple[str | None, list[Diagnostic]]:
    """A playbook or module file as text; unreadable, too large or not UTF-8 -> a diagnostic."""

    def fail(
        message: str, said: str, values: Any = None, hint: str = "", hint_said: str = ""
    ) -> tuple[None, list[Diagnostic]]:
        diagnostic = Diagnostic(
            "input",
            message,
            Location(file, 1, 1),
            hint=hint,
            said=said,
            values=values_of(values),
            hint_said=hint_said,
        )
        return None, [diagnostic]

    if os.path.isdir(file):
        return fail("is a folder, not a playbook file", said="is_a_folder")
    try:
        size = os.path.getsize(file)
        if size > limits.max_bytes:
            return fail(
                f"the file is {size:,} bytes; the limit is {limits.max_bytes:,}",
                said="file_bytes",
                values={"size": f"{size:,}", "limit": f"{limits.max_bytes:,}"},
                hint="split it into modules",
                hint_said="split_modules",
            )
        with open(file, "rb") as fh:
            raw = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        why = exc.strerror or exc
        return fail(f"cannot read the file: {why}", said="cannot_read_file", values={"format": why})
    return decode(raw, file)


def assemble(path: str, limits: Limits = DEFAULT_LIMITS) -> Assembled:
    """Read ``path`` and everything it includes or extends, merged into one mapping."""
    root = FsPath(path).resolve().parent
    out = Assembled(None, SourceMap(path))
    data, smap = _load(path, root, [], out, limits, text=None)
    out.data = data
    out.smap = smap
    return out


def assemble_text(
    text: str, file: str, limits: Limits = DEFAULT_LIMITS, folder: FsPath | None = None
) -> Assembled:
    """Like ``assemble`` for text that is not (yet) a file, standing in ``folder``: its
    includes resolve from there and may not leave it. Without a folder (never the current
    one: a server cannot change it safely) every include is a located problem."""
    out = Assembled(None, SourceMap(file))
    root = folder.resolve() if folder is not None else None
    at = root / FsPath(file).name if root is not None else None
    data, smap = _load(file, root, [], out, limits, text=text, at=at)
    out.data = data
    out.smap = smap
    return out


def _load(
    file: str,
    root: FsPath | None,
    stack: list[FsPath],
    out: Assembled,
    limits: Limits,
    text: str | None,
    at: FsPath | None = None,
) -> tuple[Any, SourceMap]:
    if file in out.parsed:  # read once, however often it is included
        data, smap = out.parsed[file]
    else:
        if text is None:
            text, problems = read_file(file, limits)
            out.problems.extend(problems)
            if text is None:
                return None, SourceMap(file)
        out.read_bytes += len(text)
        if out.read_bytes > MAX_PLAYBOOK_BYTES:
            out.problems.append(
                Diagnostic(
                    "too-large",
                    f"the playbook and its modules hold more than {MAX_PLAYBOOK_BYTES:,} "
                    "characters in all",
                    Location(file, 1, 1),
                    hint="a playbook with its modules is a few thousand lines at most",
                    said="playbook_too_large",
                    values=values_of({"limit": f"{MAX_PLAYBOOK_BYTES:,}"}),
                    hint_said="few_thousand_lines",
                )
            )
            return None, SourceMap(file)
        out.texts[file] = text.splitlines()
        out.files.append(file)
        data, smap, problems = load_yaml(text, file, limits)
        out.problems.extend(problems)
        out.parsed[file] = (data, smap)
    if not isinstance(data, dict):
        return data, smap
    here = at or FsPath(file).resolve()  # ``at``: where text that is not a file stands
    stack = [*stack, here]
    base: Any = None
    base_map = SourceMap(file)
    extends = data.get("extends")
    if isinstance(extends, str):
        loaded = _child(extends, ("extends",), here, smap, root, stack, out, limits)
        if loaded is not None:
            base, base_map = loaded
            if isinstance(base, dict):
                # the version label and period belong to the version being extended
                own_keys = ("extends", "version", "effective_from", "effective_to")
                base = {k: v for k, v in base.items() if k not in own_keys}
    includes = data.get("include")
    if isinstance(includes, list):
        for i, entry in enumerate(includes):
            if not isinstance(entry, str):
                continue  # the schema reports it
            loaded = _child(entry, ("include", i), here, smap, root, stack, out, limits)
            if loaded is None:
                continue
            module, module_map = loaded
            if not isinstance(module, dict):
                continue
            if "module" not in module:
                out.problems.append(
                    Diagnostic(
                        "not-a-module",
                        f"'{entry}' is not a policy module (it has no 'module:' key)",
                        smap.at(("include", i)),
                        hint="a playbook version is built on another with 'extends:', "
                        "not 'include:'",
                        said="not_a_module",
                        values=values_of({"name": entry}),
                        hint_said="extends_not_include",
                    )
                )
                continue
            module = {k: v for k, v in module.items() if k not in MODULE_KEYS}
            if base is None:
                base, base_map = module, module_map
            else:
                merged_map = SourceMap(file)
                base = merge(base, base_map, (), module, module_map, (), merged_map, ())
                base_map = merged_map
    if base is None:
        return data, smap
    own = {k: v for k, v in data.items() if k != "extends"}
    merged_map = SourceMap(file)
    merged = merge(base, base_map, (), own, smap, (), merged_map, ())
    return merged, merged_map


def _child(
    entry: str,
    where: Path,
    here: FsPath,
    smap: SourceMap,
    root: FsPath | None,
    stack: list[FsPath],
    out: Assembled,
    limits: Limits,
) -> tuple[Any, SourceMap] | None:
    """Resolve and load one included (or extended) file, refusing anything unsafe."""
    loc = smap.at(where)

    def refuse(code: str, message: str, hint: str = "", hint_said: str = "", **values: Any) -> None:
        # the code keys the words: one refusal per code, each names the entry as written
        said = code.replace("-", "_")
        values = {"name": entry, **values}
        out.problems.append(
            Diagnostic(
                code,
                message,
                loc,
                hint=hint,
                said=said,
                values=values_of(values),
                hint_said=hint_said,
            )
        )

    if "://" in entry or entry.startswith(("\\\\", "//")):
        refuse("include-url", f"'{entry}' is a URL; only files beside the playbook can be used")
        return None
    if FsPath(entry).is_absolute() or (len(entry) > 1 and entry[1] == ":"):
        refuse(
            "include-absolute",
            f"'{entry}' is an absolute path",
            "give the path relative to this file, inside the playbook folder",
            "relative_path",
        )
        return None
    if root is None:
        refuse(
            "include-no-folder",
            f"'{entry}' cannot be read: the playbook was given as text, with no folder to "
            "read it from",
            "pass loads_playbook(text, folder=...) the folder its includes are relative to, "
            "or use load_playbook(path)",
            "pass_folder",
        )
        return None
    try:
        target = (here.parent / entry).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a NUL, a name too long
        refuse(
            "include-unreadable",
            f"'{entry}' cannot be read: {_why(exc)}",
            _CHECK_PATH,
            "check_path",
            format=_why(exc),
        )
        return None
    if not target.is_relative_to(root):
        refuse(
            "include-escape",
            f"'{entry}' leads outside the playbook folder",
            f"modules must live under {root.name}/",
            "modules_under",
            folder=root.name,
        )
        return None
    if target in stack:
        chain = " -> ".join(p.name for p in [*stack[stack.index(target) :], target])
        refuse(
            "include-cycle",
            f"include cycle: {chain}",
            "remove one of the includes",
            "remove_include",
            chain=chain,
        )
        return None
    if len(stack) > MAX_INCLUDE_DEPTH:
        refuse(
            "include-depth",
            f"includes nest deeper than {MAX_INCLUDE_DEPTH} levels",
            limit=MAX_INCLUDE_DEPTH,
        )
        return None
    out.followed += 1
    if out.followed > MAX_INCLUDES:
        if out.followed == MAX_INCLUDES + 1:  # said once; the rest are not followed
            refuse(
                "include-limit",
                f"more than {MAX_INCLUDES} includes in all (every include of every module "
                "counts, also of a file included before)",
                "include each module once, from the playbook",
                "include_once",
                limit=MAX_INCLUDES,
            )
        return None
    try:
        found = target.is_file()
    except (OSError, ValueError) as exc:  # is_file() lets ENAMETOOLONG, EACCES... through
        refuse(
            "include-unreadable",
            f"'{entry}' cannot be read: {_why(exc)}",
            _CHECK_PATH,
            "check_path",
            format=_why(exc),
        )
        return None
    if not found:
        refuse("include-missing", f"'{entry}' does not exist", _CHECK_PATH, "check_path")
        return None
    shown = (
        os.path.relpath(target, FsPath.cwd())
        if target.is_relative_to(FsPath.cwd())
        else (str(target))
    )
    out.links[str(here.parent / entry)] = str(target)
    return _load(shown, root, stack, out, limits, text=None)


_CHECK_PATH = "check the path and its case"


def _why(exc: BaseException) -> str:
    """An operating system's refusal in words, without the server's paths."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    if isinstance(exc, RuntimeError):
        return "a symbolic link leads back to itself"
    return "the path holds a character no file name can"


def merge(
    base: Any,
    base_map: SourceMap,
    base_path: Path,
    top: Any,
    top_map: SourceMap,
    top_path: Path,
    out: SourceMap,
    out_path: Path,
) -> Any:
    """Deep merge: mappings key by key, lists of entries appended, otherwise ``top`` wins.

    Locations are copied node by node into ``out`` so every value keeps its own file.
    """
    if isinstance(base, dict) and isinstance(top, dict):
        _record(top_map, top_path, out, out_path)
        result: dict[str, Any] = {}
        for key in [*base, *(k for k in top if k not in base)]:
            if key in top and key in base:
                result[key] = merge(
                    base[key],
                    base_map,
                    base_path + (key,),
                    top[key],
                    top_map,
                    top_path + (key,),
                    out,
                    out_path + (key,),
                )
            elif key in top:
                result[key] = _take(top[key], top_map, top_path + (key,), out, out_path + (key,))
            else:
                result[key] = _take(base[key], base_map, base_path + (key,), out, out_path + (key,))
        return result
    if isinstance(base, list) and isinstance(top, list) and _entries(base) and _entries(top):
        _record(top_map, top_path, out, out_path)
        items = [
            _take(v, base_map, base_path + (i,), out, out_path + (i,)) for i, v in enumerate(base)
        ]
        items += [
            _take(v, top_map, top_path + (j,), out, out_path + (len(base) + j,))
            for j, v in enumerate(top)
        ]
        return items
    return _take(top, top_map, top_path, out, out_path)


def _entries(items: list[Any]) -> bool:
    """Lists of mappings (rules, tables, moves) are appended; lists of values replaced."""
    return all(isinstance(v, dict) for v in items)


def _record(src: SourceMap, src_path: Path, out: SourceMap, out_path: Path) -> None:
    if src_path in src.values:
        out.values[out_path] = src.values[src_path]
    if src_path in src.keys:
        out.keys[out_path] = src.keys[src_path]


def _take(value: Any, src: SourceMap, src_path: Path, out: SourceMap, out_path: Path) -> Any:
    """``value`` as it is, with the locations of it and everything inside it."""
    stack = [(value, src_path, out_path)]
    while stack:
        v, sp, op = stack.pop()
        _record(src, sp, out, op)
        if isinstance(v, dict):
            stack.extend((child, sp + (k,), op + (k,)) for k, child in v.items())
        elif isinstance(v, list):
            stack.extend((child, sp + (i,), op + (i,)) for i, child in enumerate(v))
    return value
