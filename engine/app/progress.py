"""Deals done and bytes read in, one line redrawn on a terminal out: the batch progress bar."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import IO


class Progress:
    """One line on a terminal, redrawn at most ten times a second: deals done, deals per
    second and, when the input's size is known, how far through it and the time left."""

    WIDTH = 24  # of the bar

    def __init__(
        self,
        stream: IO[str],
        total: int | None,
        clock: Callable[[], float] = time.monotonic,
        every: float = 0.1,
    ) -> None:
        self.stream = stream
        self.total = total or None
        self.clock = clock
        self.every = every
        self.start = clock()
        self.last = float("-inf")
        self.shown = False

    def update(self, deals: int, done: int) -> None:
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        self.stream.write("\r" + self.text(deals, done, now - self.start) + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def text(self, deals: int, done: int, seconds: float) -> str:
        rate = deals / seconds if seconds > 0 else 0.0
        counts = f"{deals:,} deals  {rate:,.0f}/s"
        if self.total is None:
            return counts
        part = min(done / self.total, 1.0)
        filled = int(part * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        eta = "--:--"
        if part > 0 and seconds > 0:
            eta = _clock(seconds * (1 - part) / part)
        line = f"{part:4.0%} [{bar}] {counts}  ETA {eta}"
        return line[: shutil.get_terminal_size().columns - 1]

    def close(self) -> None:
        if self.shown:  # leave the terminal as it was: the summary follows
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
