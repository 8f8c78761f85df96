"""A child kam's arguments in, its own peak memory out: the hostile rows bound what kam used.

``ru_maxrss`` of a child is not that: Linux carries the parent's peak across fork and exec,
so after a test that loaded a browser or a server, every child "peaked" at the test runner's
size. ``VmHWM`` in /proc belongs to the process's own memory map, which exec starts afresh.
"""

from __future__ import annotations

# Python run first in the child (``python -c PRELUDE``): at exit it writes its own peak to
# the file named by $KAM_PEAK_FILE, then runs ``python -m engine`` with the given arguments.
PRELUDE = """\
import atexit, os, runpy, sys
def _peak():
    with open("/proc/self/status") as fh:
        kb = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:"))
    with open(os.environ["KAM_PEAK_FILE"], "w") as fh:
        fh.write(str(kb // 1024))
atexit.register(_peak)
sys.argv = ["kam", *sys.argv[1:]]
runpy.run_module("engine", run_name="__main__")
"""
