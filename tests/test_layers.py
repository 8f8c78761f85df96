"""The engine's packages import one way: read -> lang -> check -> compile -> run -> present -> app -> store -> service -> console -> cli.

An ast walk over every module: a module may import from its own package, from the base modules
(errors, limits, text, results) and from packages earlier in the pipeline, never later. This
keeps the shape docs/architecture.md describes: the evaluator never calls the layers built on it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "engine"
ORDER = [
    "read",
    "lang",
    "check",
    "compile",
    "run",
    "present",
    "app",
    "store",
    "service",
    "console",
    "cli",
]
BASE = {"errors", "limits", "text", "problem_words", "results", "jsontext"}


def layer(module: str) -> int:
    """engine.X.Y -> its place in ORDER; base modules come first (-1)."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top in BASE:
        return -1
    if top in ORDER:
        return ORDER.index(top)
    return len(ORDER)  # the package's facade (engine/__init__.py, __main__.py)


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(ENGINE.rglob("*.py")):
        rel = path.relative_to(ENGINE.parent).with_suffix("")
        name = ".".join(rel.parts)
        out.append((name.removesuffix(".__init__"), path))
    return out


def imports(name: str, path: Path) -> list[tuple[str, int]]:
    """Every engine module this one imports, absolute, with its line (TYPE_CHECKING too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("engine"):
                if node.module is None or target.count(".") == 0:
                    found += [(f"{target}.{a.name}", node.lineno) for a in node.names]
                else:
                    found.append((target, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("engine")]
    return found


def test_the_packages_import_one_way():
    wrong = []
    for name, path in modules():
        if name in ("engine", "engine.__main__", "engine.cli") or name.startswith("engine.cli."):
            continue  # the public facade and the command line sit on top of everything
        own = layer(name)
        for target, line in imports(name, path):
            theirs = layer(target)
            same_package = target.split(".")[:2] == name.split(".")[:2]
            if own == -1 and theirs == -1:
                continue  # base modules may use each other
            if theirs > own or (own == -1 and theirs != -1 and not same_package):
                wrong.append(f"{path.relative_to(ENGINE.parent)}:{line}: {name} imports {target}")
    assert not wrong, "imports against the pipeline's direction:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("engine.read.yaml", 0),
        ("engine.errors", -1),
        ("engine.app.batch", 6),
        ("engine.store.store", 7),
        ("engine.service.app", 8),
        ("engine.console.app", 9),
        ("engine.cli", 10),
    ],
)
def test_layers_are_read_from_the_module_name(module, expected):
    assert layer(module) == expected


def test_the_architecture_page_names_every_module():
    """docs/architecture.md is the map a newcomer reads first: a new module goes on it."""
    page = (ENGINE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    unnamed = [
        str(path.relative_to(ENGINE))
        for path in sorted(ENGINE.rglob("*.py"))
        if not path.name.startswith("__") and f"{path.stem}.py" not in page
    ]
    assert not unnamed, f"modules docs/architecture.md does not mention: {unnamed}"
