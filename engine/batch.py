"""A JSON-lines file of deals in, one JSON line per deal out: ``kam batch``.

Streams: memory stays flat whatever the file's size (the reader keeps a bounded number of
chunks in flight), results come out in input order, and the output file is written whole or
not at all (temp file + rename). A bad line never stops the batch: it becomes an error line.
With ``workers`` > 1 the deals are checked in that many processes, each of which loads the
playbook once (from the compile cache).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

import simplejson

from .errors import KamError
from .source import _BadNumber, _pairs

CHUNK = 1000  # deals per task: large enough to hide inter-process costs
MAX_LINE = 1_000_000


@dataclass
class Summary:
    deals: int = 0
    statuses: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return f"{self.deals} deals: {parts or 'none'}"


_STATE: dict[str, Any] = {}  # per worker process: the playbook and settings


def _init(playbook: str, as_of: str, lang: str, full: bool) -> None:
    from .playbook import load_playbook

    _STATE.update(pb=load_playbook(playbook), as_of=date.fromisoformat(as_of), lang=lang, full=full)


_DECODER = json.JSONDecoder(
    parse_float=Decimal, parse_constant=_BadNumber, object_pairs_hook=_pairs
)  # built once, not per line


def _parse(text: bytes) -> Any:
    return _DECODER.decode(text.decode("utf-8"))


def _one(number: int, raw: bytes) -> tuple[str, str]:
    """(status, output line) for one input line."""
    from .deal import check_deal
    from .evaluate import evaluate

    pb = _STATE["pb"]
    try:
        if len(raw) > MAX_LINE:
            raise ValueError(f"the line is longer than {MAX_LINE:,} bytes")
        data = _parse(raw)
    except (ValueError, RecursionError) as exc:
        return "bad_input", _dumps({"line": number, "error": "input", "message": str(exc)[:200]})
    try:
        deal = check_deal(pb.compiled, data, f"line {number}")  # checked once, here
        result = evaluate(pb.compiled, deal, _STATE["as_of"], _STATE["lang"])
    except KamError as exc:
        return "bad_input", _dumps({"line": number, **exc.to_dict()})
    if _STATE["full"]:
        return result.status, _dumps({"line": number, **result.to_dict()})
    summary = {
        "line": number,
        "deal": result.deal,
        "status": result.status,
        "violations": [[v.rule, v.severity] for v in result.violations],
        "approvals": [[a.rule, a.role, a.status] for a in result.approvals],
        "actions": [[a.rule, a.id, a.due.isoformat() if a.due else None] for a in result.actions],
    }
    # the summary form holds no money, so the stdlib's C encoder writes it
    return result.status, json.dumps(summary, ensure_ascii=False, separators=(",", ":"))


def _dumps(data: dict[str, Any]) -> str:
    return simplejson.dumps(
        data, ensure_ascii=False, use_decimal=True, separators=(",", ":"), default=str
    )


def _chunk(lines: list[tuple[int, bytes]]) -> list[tuple[str, str]]:
    return [_one(number, raw) for number, raw in lines]


def _chunks(lines: Iterable[bytes]) -> Iterator[list[tuple[int, bytes]]]:
    """Chunks of (line number in the file, line); blank lines are skipped."""
    buf: list[tuple[int, bytes]] = []
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not stripped:
            continue
        buf.append((number, stripped))
        if len(buf) >= CHUNK:
            yield buf
            buf = []
    if buf:
        yield buf


def run(
    playbook: str,
    source: IO[bytes],
    out: IO[str],
    as_of: date,
    lang: str = "en",
    workers: int = 1,
    full: bool = False,
) -> Summary:
    """Check every deal of ``source`` (JSON lines); write one result line per deal."""
    summary = Summary()

    def emit(results: list[tuple[str, str]]) -> None:
        for status, line in results:
            summary.deals += 1
            summary.statuses[status] += 1
            out.write(line)
            out.write("\n")

    if workers <= 1:
        _init(playbook, as_of.isoformat(), lang, full)
        for lines in _chunks(source):
            emit(_chunk(lines))
        return summary
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init, initargs=(playbook, as_of.isoformat(), lang, full)
    ) as pool:
        pending: deque[Future[list[tuple[str, str]]]] = deque()
        for lines in _chunks(source):
            pending.append(pool.submit(_chunk, lines))
            while len(pending) >= 2 * workers:  # bounded: memory does not grow with the file
                emit(pending.popleft().result())
        while pending:
            emit(pending.popleft().result())
    return summary


def run_to_file(
    playbook: str,
    source: IO[bytes],
    output: str | None,
    as_of: date,
    lang: str = "en",
    workers: int = 1,
    full: bool = False,
) -> Summary:
    """``run`` writing to ``output`` whole or not at all (stdout when None)."""
    if output is None:
        return run(playbook, source, sys.stdout, as_of, lang, workers, full)
    folder = os.path.dirname(os.path.abspath(output))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".kam-batch-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            summary = run(playbook, source, fh, as_of, lang, workers, full)
        os.replace(tmp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return summary
