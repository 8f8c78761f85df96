"""A JSON-lines file of deals in, one JSON line per deal and a summary out: ``kam batch``.

Every deal is checked against exactly the playbook the command loaded: worker processes are
handed the parent's checked model and content hash (through their own pipe, never a file),
so an edit to the playbook during a run changes nothing and a deleted playbook stops nothing.
Streams: memory stays flat whatever the file's size (a bounded number of chunks in flight,
lines read with a length cap), results come out in input order, and output files are written
whole or not at all (temp file + rename). A bad line never stops the batch: it becomes an
error line with its line number and the JSON path of the bad value, as ``kam validate`` says
(a line that meets a bug in kam becomes an ``internal`` error line, and the rest go on).
A worker that dies stops the batch with one line saying why, never a traceback; Ctrl-C or
SIGTERM (raised here by the CLI) ends the workers at once and leaves no output file. What the
results add up to is ``summary.py``; the progress bar is ``progress.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import stat
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from ..errors import EXIT_INTERRUPTED, DealError, DealProblem, InputError, KamError
from ..jsontext import to_json_line
from ..limits import MAX_BYTES
from ..read.decode import decode
from ..read.json import load_json
from .files import atomic, cannot_write, disk_full, same_file, writable
from .progress import Progress
from .summary import Notes, Summary, Tally, amount_fact

if TYPE_CHECKING:
    from ..check.model import PlaybookModel
    from ..compile.build import CompiledPlaybook
    from .playbook import Playbook

CHUNK = 1000  # deals per task: large enough to hide inter-process costs
MAX_LINE = MAX_BYTES  # the same limit as one deal file
Lines = list[tuple[int, bytes | None]]  # (line number, line; None: the line was too long)


class WorkerStopped(KamError):
    """A worker process was stopped by a signal (out of memory, or killed): the batch did
    not finish. Not a bug in the engine, so not exit 4."""

    exit_code = EXIT_INTERRUPTED
    kind = "interrupted"


@dataclass(frozen=True)
class Job:
    """What a worker needs: the parent's checked playbook (never its path) and settings."""

    model: PlaybookModel
    hash: str
    as_of: date
    lang: str
    full: bool
    name: str  # the deals file, as bad lines name it


# -- checking deals ----------------------------------------------------------------------------


class _Checker:
    """Checks chunks of lines against one compiled playbook (in this or a worker process)."""

    def __init__(self, compiled: CompiledPlaybook, job: Job) -> None:
        self.pb = compiled
        self.job = job
        self.amount = amount_fact(job.model)

    def chunk(self, lines: Lines) -> tuple[str, Tally]:
        """The result lines of a chunk (joined) and their tally."""
        notes = Notes(self.amount)
        return "".join([self.one(number, raw, notes) for number, raw in lines]), notes.tally()

    def one(self, number: int, raw: bytes | None, notes: Notes) -> str:
        from ..run.deal import check_deal
        from ..run.evaluate import evaluate

        try:
            data = _parse(raw, number, self.job.name)
            deal = check_deal(self.pb, data, f"line {number}")  # checked once, here
            result = evaluate(self.pb, deal, self.job.as_of, self.job.lang)
        except KamError as exc:
            notes.bad()
            return to_json_line({"line": number, **exc.to_dict()})
        except Exception as exc:  # a bug met on one line: that line says so, the rest go on
            notes.bad()
            message = f"internal error: {type(exc).__name__}: {exc} (please report it)"
            return to_json_line({"line": number, "error": "internal", "message": message})
        notes.add(result)
        if self.job.full:
            return to_json_line({"line": number, **result.to_dict()})
        summary = {
            "line": number,
            "deal": result.deal,
            "status": result.status,
            "violations": [[v.rule, v.severity] for v in result.violations],
            "approvals": [[a.rule, a.role, a.status] for a in result.approvals],
            "actions": [
                [a.rule, a.id, a.due.isoformat() if a.due else None, a.overdue]
                for a in result.actions
            ],
            "overdue_actions": sum(1 for a in result.actions if a.overdue),
        }
        # the summary form holds no money, so the stdlib's C encoder writes it
        return json.dumps(summary, ensure_ascii=False, separators=(",", ":")) + "\n"


def _parse(raw: bytes | None, number: int, name: str) -> Any:
    """One line through the guarded reader every deal goes through (``read/json.load_json``)."""
    if raw is None:
        raise InputError(f"line {number}: the line is longer than {MAX_LINE:,} bytes")
    text, problems = decode(raw, name)
    if text is None:
        p = problems[0]
        raise DealError(
            [DealProblem("$", f"{name}:{number}:{p.location.column}: {p.message}")],
            f"line {number}",
        )
    data, errors = load_json(text, name, line=number)
    if errors:
        raise DealError([DealProblem("$", e) for e in errors], f"line {number}")
    return data


# -- worker processes --------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}  # per worker process: its checker, or why it has none


def _start_worker(job: Job) -> None:
    """Compile the parent's model in a worker. Never raises: the pool would print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler (fork copies it)
    try:
        from ..compile.build import compile_model

        _WORKER["checker"] = _Checker(compile_model(job.model, None, job.hash), job)
    except Exception as exc:  # reported with the first chunk, as the engine's own bug
        _WORKER["failed"] = f"{type(exc).__name__}: {exc}"


def _worker_chunk(lines: Lines) -> tuple[str, Tally]:
    checker = _WORKER.get("checker")
    if checker is None:
        raise RuntimeError(f"a worker could not compile the playbook: {_WORKER.get('failed')}")
    result: tuple[str, Tally] = checker.chunk(lines)
    return result


def _in_workers(
    job: Job, chunks: Iterator[tuple[Lines, int]], workers: int, emit: Callable[..., None]
) -> None:
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(job,))
    seen: dict[int, Any] = {}  # every worker process, to say how one ended
    pending: deque[tuple[Future[tuple[str, Tally]], int]] = deque()
    try:
        for lines, end in chunks:
            pending.append((pool.submit(_worker_chunk, lines), end))
            # the pool names no dead worker; its process table (private, so read with care)
            # still says how each one ended, which is what a person needs to know
            seen.update(getattr(pool, "_processes", None) or {})
            while len(pending) >= 2 * workers:  # bounded: memory does not grow with the file
                future, at = pending.popleft()
                emit(_result(future, seen), at)
        while pending:
            future, at = pending.popleft()
            emit(_result(future, seen), at)
    except BrokenProcessPool:
        _stop(pool, seen)
        raise _worker_died(seen) from None
    except BaseException:
        # Ctrl-C, SIGTERM or an error here: end the workers now rather than let them finish
        # chunks nobody will read (or, were this process to die, run on without it)
        _stop(pool, seen)
        raise
    pool.shutdown(wait=True)


def _result(future: Future[tuple[str, Tally]], seen: dict[int, Any]) -> tuple[str, Tally]:
    """A chunk's result; a worker found dead while it is awaited breaks the pool. The pool
    says so itself, except when the worker died while sending a result: its thread then
    waits for the rest of that result, and the batch would wait with it for ever."""
    while True:
        try:
            return future.result(timeout=1)
        except FutureTimeout:
            if any(p.exitcode is not None for p in list(seen.values())):
                raise BrokenProcessPool("a worker process ended") from None


def _stop(pool: ProcessPoolExecutor, seen: dict[int, Any]) -> None:
    """End every worker now, then the pool."""
    processes = {**seen, **(getattr(pool, "_processes", None) or {})}.values()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.terminate()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            process.join(5)
            if process.exitcode is None:  # stopped (SIGSTOP) or ignoring SIGTERM
                process.kill()
                process.join(5)
    # a worker that ended while sending a result left half a message in the pool's result
    # pipe, and the pool's own thread waits for the rest for ever (Ctrl-C hung the batch
    # about once in twenty). This process never writes there: with every worker gone,
    # closing its end lets that thread read the end of the pipe and stop.
    with contextlib.suppress(OSError, AttributeError):
        pool._result_queue._writer.close()  # type: ignore[attr-defined]
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_died(seen: dict[int, Any]) -> Exception:
    """Why the pool broke: the signal that stopped a worker (the pool itself ends the
    others with SIGTERM, so any other signal is the cause), or its exit code."""
    codes = [p.exitcode for p in seen.values() if p.exitcode]
    signals = [-c for c in codes if c < 0]
    if signals:
        first = next((s for s in signals if s != signal.SIGTERM), signals[0])
        try:
            name = signal.Signals(first).name
        except ValueError:
            name = f"signal {first}"
        why = "out of memory, or killed" if first == signal.SIGKILL else "stopped from outside"
        return WorkerStopped(f"a worker process was stopped by {name} ({why})")
    if codes:
        return RuntimeError(f"a worker process exited with code {codes[0]}")
    return WorkerStopped("a worker process stopped unexpectedly (out of memory, or killed?)")


# -- the run -----------------------------------------------------------------------------------


def _lines(source: IO[bytes]) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, bytes read, the line stripped or None when too long); a line is never
    held beyond ``MAX_LINE`` bytes, so one endless line cannot fill the memory."""
    number = 0
    while True:
        raw = source.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        size = len(raw)
        if size > MAX_LINE and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = source.readline(1 << 20)
                size += len(raw)
            yield number, size, None
            continue
        yield number, size, raw.strip()


def _chunks(source: IO[bytes]) -> Iterator[tuple[Lines, int]]:
    """Chunks of (line number, line) and the bytes read up to their end; blank lines are
    skipped."""
    buf: Lines = []
    done = 0
    for number, size, raw in _lines(source):
        done += size
        if raw is not None and not raw:
            continue
        buf.append((number, raw))
        if len(buf) >= CHUNK:
            yield buf, done
            buf = []
    if buf:
        yield buf, done


def run(
    playbook: Playbook,
    source: IO[bytes],
    out: IO[str],
    as_of: date,
    lang: str = "en",
    workers: int = 1,
    full: bool = False,
    *,
    name: str = "deals",
    progress: IO[str] | None = None,
) -> Summary:
    """Check every deal of ``source`` (JSON lines); write one result line per deal.

    ``progress``: a terminal to draw a progress bar on (nothing is drawn without one)."""
    job = Job(playbook.model, playbook.hash, as_of, lang, full, name)
    tally = Tally()
    bar = Progress(progress, _size_left(source)) if progress is not None else None

    def emit(chunk: tuple[str, Tally], at: int) -> None:
        text, part = chunk
        out.write(text)
        tally.merge(part)
        if bar is not None:
            bar.update(tally.deals, at)

    try:
        if workers <= 1:
            checker = _Checker(playbook.compiled, job)
            for lines, at in _chunks(source):
                emit(checker.chunk(lines), at)
        else:
            _in_workers(job, _chunks(source), workers, emit)
    except WorkerStopped as exc:
        raise WorkerStopped(f"{exc}; the batch stopped after {tally.deals:,} deals") from None
    finally:
        if bar is not None:
            bar.close()
    return Summary.of(tally, playbook, as_of)


def run_to_file(
    playbook: Playbook,
    source: IO[bytes],
    output: str | None,
    as_of: date,
    lang: str = "en",
    workers: int = 1,
    full: bool = False,
    *,
    name: str = "deals",
    progress: IO[str] | None = None,
    summary_json: str | None = None,
) -> Summary:
    """``run`` writing to ``output`` whole or not at all (stdout when None), and the summary
    as JSON to ``summary_json`` (also whole or not at all, once the batch is done)."""
    if summary_json is not None:
        writable(summary_json)
    if output is None:
        summary = run(playbook, source, sys.stdout, as_of, lang, workers, full, name=name,
                      progress=progress)  # fmt: skip
    else:
        writable(output)
        # private (0600): results name customers and their amounts
        with _writing(output) as fh:
            try:
                summary = run(playbook, source, fh, as_of, lang, workers, full, name=name,
                              progress=progress)  # fmt: skip
            except WorkerStopped as exc:
                raise WorkerStopped(f"{exc}; {output} was not written") from None
    if summary_json is not None:
        from ..jsontext import to_json

        writable(summary_json)
        with _writing(summary_json) as fh:
            fh.write(to_json(summary.to_dict()))
    return summary


def refuse_one_file_twice(deals: str, output: str | None, summary_json: str | None) -> None:
    """Refuse two of the deals, the results and the summary naming one file: the later write
    would replace the earlier one (the user's deals, or every result line) without a word."""
    paths = [(p, what) for p, what in ((deals, "the deals"), (output, "-o"),
             (summary_json, "--summary-json")) if p and p != "-"]  # fmt: skip
    for i, (path, what) in enumerate(paths):
        for other, other_what in paths[:i]:
            if same_file(path, other):
                raise InputError(
                    f"{path}: {what} and {other_what} name the same file; give each its own"
                )


@contextlib.contextmanager
def _writing(path: str) -> Iterator[IO[str]]:
    """``atomic`` for a results or summary file; the folder refusing the write (read-only
    file system, a special folder, the disk full at the rename) is bad input, not a crash.
    Only the opening and the final rename are guarded: an error while checking deals is
    not this file's fault."""
    inside = False
    try:
        with atomic(path, private=True, prefix=".kam-batch-") as fh:
            inside = True
            yield fh
            inside = False
    except OSError as exc:
        if inside and not disk_full(exc):
            raise
        raise cannot_write(path, exc) from None


def open_deals(path: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    """The deals file ("-": standard input) to read as bytes; unreadable -> ``InputError``."""
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder, not a file of deals")
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _size_left(source: IO[bytes]) -> int | None:
    """Bytes left to read in a regular file (a pipe has no size: no percent, no ETA)."""
    try:
        fd = source.fileno()
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        return max(info.st_size - os.lseek(fd, 0, os.SEEK_CUR), 0)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None
