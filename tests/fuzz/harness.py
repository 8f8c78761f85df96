"""A target's name and libFuzzer's arguments in, an atheris fuzzing run out (tools/fuzz runs it).

Only the engine is instrumented (coverage feedback where the bugs we look for live), and all
of it is imported up front: the engine imports lazily, and a module first imported after the
instrumented block would give the fuzzer no feedback. The target functions are the ones the
replay test runs on kept crashers.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import atheris

# the app layers over the engine (the store, the HTTP service, the CLI) are not fuzz targets
_SKIP = ("engine.store", "engine.service", "engine.cli", "engine.__main__")

with atheris.instrument_imports(include=["engine"]):
    import engine

    for info in pkgutil.walk_packages(engine.__path__, "engine."):
        if not info.name.startswith(_SKIP):
            importlib.import_module(info.name)
    from tests.fuzz.targets import TARGETS, warm_up


# An input's own work is bounded in CPU seconds: on a shared 2-core machine a wall-clock
# bound (libFuzzer's -timeout) trips on other processes' load. -timeout stays as the backstop
# for a hang.
CPU_SECONDS = 1.0


class SlowInput(Exception):
    """An input took more than CPU_SECONDS of the process's CPU time: a finding."""


def keeping(target: Callable[[bytes], None], folder: Path) -> Callable[[bytes], None]:
    """The target, bounded in CPU time, writing an input that raised or ran long to ``folder``
    before atheris reports it (a signal arriving while libFuzzer writes its own artifact
    would otherwise lose it)."""

    def keep(kind: str, data: bytes) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{kind}-{hashlib.sha1(data).hexdigest()}").write_bytes(data)

    def one(data: bytes) -> None:
        started = time.process_time()
        try:
            target(data)
        except BaseException:
            keep("crash", data)
            traceback.print_exc()
            raise
        spent = time.process_time() - started
        if spent > CPU_SECONDS:
            keep("slow", data)
            raise SlowInput(f"{spent:.2f} s of CPU for one input ({len(data)} bytes)")

    return one


def main() -> None:
    name = sys.argv[1]
    warm_up(name)  # playbooks loaded and jinja2 imported before the first input's clock starts
    folder = Path(os.environ.get("KAM_FUZZ_ARTIFACTS", f"tests/fuzz/crashers/{name}"))
    atheris.Setup([sys.argv[0], *sys.argv[2:]], keeping(TARGETS[name], folder))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
