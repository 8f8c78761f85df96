"""A target's name and input files in, one JSON line per file out: whether the target took
the input without a finding, how long it took (wall and CPU) and the process's peak memory.

Run in a subprocess by test_replay.py, so that an input that once hung or exhausted memory
is bounded by that process, not by the test run: ``python -m tests.fuzz.replay TARGET FILE...``
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback

from tests.fuzz.targets import TARGETS, warm_up


def main() -> None:
    name, files = sys.argv[1], sys.argv[2:]
    warm_up(name)
    for file in files:
        with open(file, "rb") as f:
            data = f.read()
        started, cpu = time.perf_counter(), time.process_time()
        try:
            TARGETS[name](data)
            error = ""
        except BaseException:
            error = traceback.format_exc(limit=-3)
        row = {
            "file": file,
            "error": error,
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        print(json.dumps(row))


if __name__ == "__main__":
    main()
