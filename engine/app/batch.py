"""A JSON-lines file of deals in, one JSON line per deal and a summary out: ``kam batch``.

Every deal is checked against exactly the playbook the command loaded: worker processes are
handed the parent's checked model and content hash (through their own pipe, never a file),
so an edit to the playbook during a run changes nothing and a deleted playbook stops nothing.
Streams: memory stays flat whatever the file's size (a bounded number of chunks in flight,
lines read with a length cap), results come out in input order, and output files are written
whole or not at all (temp file + rename). A bad line never stops the batch: it becomes an
error line with its line number and the JSON path of the bad value, as ``kam validate`` says.
A worker that dies stops the batch with one line saying why, never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact
from typing import IO, TYPE_CHECKING, Any

import simplejson

from ..errors import EXIT_INTERRUPTED, DealError, DealProblem, InputError, KamError
from ..read.source import DEFAULT_LIMITS, decode, load_json

if TYPE_CHECKING:
    from ..check.model import PlaybookModel
    from ..compile.build import CompiledPlaybook
    from ..results import PlaybookRef, Result
    from .playbook import Playbook

CHUNK = 1000  # deals per task: large enough to hide inter-process costs
MAX_LINE = DEFAULT_LIMITS.max_bytes  # the same limit as one deal file
AMOUNT_FACT = "amount"  # the money fact the weighted pipeline adds up, when a playbook has it
APPROVAL_STATES = ("pending", "granted", "waiting")

# Sums of amounts are exact: far more digits than any pipeline holds, and never rounded.
_EXACT = Context(prec=100, traps=[Inexact])
_ZERO = Decimal(0)

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


class Tally:
    """Counts and sums over checked deals; merged from every chunk into the summary."""

    __slots__ = (
        "actions",
        "amounts",
        "approvals",
        "deals",
        "rules",
        "shadow",
        "stages",
        "statuses",
    )

    def __init__(self) -> None:
        self.deals = 0
        self.statuses: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()  # rule -> deals it fired on
        self.shadow: Counter[str] = Counter()  # shadow-mode rule -> deals it would fire on
        self.approvals: Counter[tuple[str, str]] = Counter()  # (role, state) -> approvals
        self.actions: Counter[str] = Counter()  # assignee -> actions
        self.stages: Counter[str] = Counter()  # stage -> deals checked
        self.amounts: dict[str, tuple[Decimal, int]] = {}  # stage -> (known sum, unknown count)

    def merge(self, other: Tally) -> None:
        self.deals += other.deals
        self.statuses.update(other.statuses)
        self.rules.update(other.rules)
        self.shadow.update(other.shadow)
        self.approvals.update(other.approvals)
        self.actions.update(other.actions)
        self.stages.update(other.stages)
        for stage, (amount, unknown) in other.amounts.items():
            known, unknown_here = self.amounts.get(stage, (_ZERO, 0))
            self.amounts[stage] = (_EXACT.add(known, amount), unknown_here + unknown)


class _Notes:
    """What one chunk's deals gave, noted with cheap appends and counted once at its end:
    this runs for every deal, and Counter counts a list in C."""

    __slots__ = (
        "actions",
        "amount",
        "amounts",
        "approvals",
        "rules",
        "shadow",
        "stages",
        "statuses",
    )

    def __init__(self, amount: str | None) -> None:
        self.amount = amount
        self.statuses: list[str] = []
        self.stages: list[str] = []
        self.rules: list[str] = []  # each rule once per deal it fired on
        self.shadow: list[str] = []
        self.approvals: list[tuple[str, str]] = []
        self.actions: list[str] = []
        self.amounts: dict[str, tuple[Decimal, int]] = {}

    def bad(self) -> None:
        self.statuses.append("bad_input")

    def add(self, r: Result) -> None:
        self.statuses.append(r.status)
        self.stages.append(r.stage)
        if r.violations or r.approvals or r.actions:
            hit = {v.rule for v in r.violations}
            for a in r.approvals:
                hit.add(a.rule)
                self.approvals.append((a.role, a.status))
            for x in r.actions:
                hit.add(x.rule)
                self.actions.append(x.assignee)
            self.rules.extend(hit)
        if r.shadow:
            self.shadow.extend({s.rule for s in r.shadow})
        if self.amount is not None:
            value = r.facts.get(self.amount)
            known, unknown = self.amounts.get(r.stage, (_ZERO, 0))
            if isinstance(value, Decimal | int) and not isinstance(value, bool):
                self.amounts[r.stage] = (_EXACT.add(known, value), unknown)
            else:  # unknown is never counted as nothing: it is reported
                self.amounts[r.stage] = (known, unknown + 1)

    def tally(self) -> Tally:
        t = Tally()
        t.deals = len(self.statuses)
        t.statuses.update(self.statuses)
        t.stages.update(self.stages)
        t.rules.update(self.rules)
        t.shadow.update(self.shadow)
        t.approvals.update(self.approvals)
        t.actions.update(self.actions)
        t.amounts = self.amounts
        return t


def amount_fact(model: PlaybookModel) -> str | None:
    """The fact a deal's amount is read from: a money fact named ``amount``, if declared."""
    for fact in model.facts:
        if fact.name == AMOUNT_FACT and fact.type.kind == "money":
            return fact.name
    return None


class _Checker:
    """Checks chunks of lines against one compiled playbook (in this or a worker process)."""

    def __init__(self, compiled: CompiledPlaybook, job: Job) -> None:
        self.pb = compiled
        self.job = job
        self.amount = amount_fact(job.model)

    def chunk(self, lines: Lines) -> tuple[str, Tally]:
        """The result lines of a chunk (joined) and their tally."""
        notes = _Notes(self.amount)
        return "".join([self.one(number, raw, notes) for number, raw in lines]), notes.tally()

    def one(self, number: int, raw: bytes | None, notes: _Notes) -> str:
        from ..run.deal import check_deal
        from ..run.evaluate import evaluate

        try:
            data = _parse(raw, number, self.job.name)
            deal = check_deal(self.pb, data, f"line {number}")  # checked once, here
            result = evaluate(self.pb, deal, self.job.as_of, self.job.lang)
        except KamError as exc:
            notes.bad()
            return _dumps({"line": number, **exc.to_dict()})
        notes.add(result)
        if self.job.full:
            return _dumps({"line": number, **result.to_dict()})
        summary = {
            "line": number,
            "deal": result.deal,
            "status": result.status,
            "violations": [[v.rule, v.severity] for v in result.violations],
            "approvals": [[a.rule, a.role, a.status] for a in result.approvals],
            "actions": [
                [a.rule, a.id, a.due.isoformat() if a.due else None] for a in result.actions
            ],
        }
        # the summary form holds no money, so the stdlib's C encoder writes it
        return json.dumps(summary, ensure_ascii=False, separators=(",", ":")) + "\n"


def _parse(raw: bytes | None, number: int, name: str) -> Any:
    """One line through the guarded reader every deal goes through (``source.load_json``)."""
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


def _dumps(data: dict[str, Any]) -> str:
    return (
        simplejson.dumps(
            data, ensure_ascii=False, use_decimal=True, separators=(",", ":"), default=str
        )
        + "\n"
    )


# -- worker processes --------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}  # per worker process: its checker, or why it has none


def _start_worker(job: Job) -> None:
    """Compile the parent's model in a worker. Never raises: the pool would print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
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
                emit(future.result(), at)
        while pending:
            future, at = pending.popleft()
            emit(future.result(), at)
    except BrokenProcessPool:
        pool.shutdown(wait=True, cancel_futures=True)
        raise _worker_died(seen) from None
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
        _writable(summary_json)
    if output is None:
        summary = run(playbook, source, sys.stdout, as_of, lang, workers, full, name=name,
                      progress=progress)  # fmt: skip
    else:
        with _atomic(output) as fh:
            try:
                summary = run(playbook, source, fh, as_of, lang, workers, full, name=name,
                              progress=progress)  # fmt: skip
            except WorkerStopped as exc:
                raise WorkerStopped(f"{exc}; {output} was not written") from None
    if summary_json is not None:
        from ..present.render import to_json

        with _atomic(summary_json) as fh:
            fh.write(to_json(summary.to_dict()))
    return summary


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


def _writable(path: str) -> None:
    """Refuse an output path that cannot be written before any deal is checked."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise InputError(f"{path}: is a folder; give a file name to write")
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise InputError(f"{path}: cannot write there (no such folder, or not allowed)")


@contextlib.contextmanager
def _atomic(path: str) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` whole, or not at all."""
    _writable(path)
    fd, tmp = tempfile.mkstemp(
        dir=os.path.dirname(os.path.abspath(path)), prefix=".kam-batch-", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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


# -- progress ----------------------------------------------------------------------------------


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


# -- the summary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTotal:
    """Deals in one stage, their amount and the amount weighted by the stage's win probability."""

    stage: str
    deals: int
    amount: Decimal | None  # None: the playbook has no amount fact
    amount_unknown: int  # deals whose amount could not be worked out (not in ``amount``)
    win_probability: Decimal | None  # None: the playbook's stages have no win probabilities
    weighted: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "deals": self.deals,
            "amount": self.amount,
            "amount_unknown": self.amount_unknown,
            "win_probability": self.win_probability,
            "weighted": self.weighted,
        }


@dataclass(frozen=True)
class Summary:
    """What a batch found, in all: counts by status, rule, approving role and assignee, and
    the pipeline per stage (amount times the stage's win probability)."""

    playbook: PlaybookRef
    as_of: date
    deals: int
    statuses: tuple[tuple[str, int], ...]
    rules: tuple[tuple[str, int], ...]
    shadow_rules: tuple[tuple[str, int], ...]
    approvals: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    actions: tuple[tuple[str, int], ...]
    amount_fact: str | None
    stages: tuple[StageTotal, ...]
    total: StageTotal

    @classmethod
    def of(cls, tally: Tally, playbook: Playbook, as_of: date) -> Summary:
        from ..run.evaluate import playbook_ref

        model = playbook.model
        fact = amount_fact(model)
        weighs = any(s.win_probability for s in model.stages)
        stages = []
        for s in model.stages:
            amount, unknown = tally.amounts.get(s.id, (Decimal(0), 0))
            p = s.win_probability if weighs else None
            stages.append(
                StageTotal(
                    s.id,
                    tally.stages.get(s.id, 0),
                    amount if fact else None,
                    unknown,
                    p,
                    _EXACT.multiply(amount, p) if fact and p is not None else None,
                )
            )
        total = StageTotal(
            "total",
            sum(s.deals for s in stages),
            _sum(s.amount for s in stages) if fact else None,
            sum(s.amount_unknown for s in stages),
            None,
            _sum(s.weighted for s in stages) if fact and weighs else None,
        )
        roles: dict[str, dict[str, int]] = {}
        for (role, state), n in tally.approvals.items():
            roles.setdefault(role, dict.fromkeys(APPROVAL_STATES, 0))[state] = n
        return cls(
            playbook_ref(playbook.compiled),
            as_of,
            tally.deals,
            tuple(sorted(tally.statuses.items())),
            _most_first(tally.rules),
            _most_first(tally.shadow),
            tuple(
                (role, tuple(states.items()))
                for role, states in sorted(
                    roles.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])
                )
            ),
            _most_first(tally.actions),
            fact,
            tuple(stages),
            total,
        )

    def line(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in self.statuses)
        return f"{self.deals} deals: {parts or 'none'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook.to_dict(),
            "as_of": self.as_of.isoformat(),
            "deals": self.deals,
            "statuses": dict(self.statuses),
            "rules": dict(self.rules),
            "shadow_rules": dict(self.shadow_rules),
            "approvals": {role: dict(states) for role, states in self.approvals},
            "actions": dict(self.actions),
            "pipeline": {
                "amount": f"facts.{self.amount_fact}" if self.amount_fact else None,
                "stages": [s.to_dict() for s in self.stages],
                "total": self.total.to_dict(),
            },
        }

    def lines(self, lang: str = "en") -> list[str]:
        """The summary as text for a person (stderr): the status line, then one small table
        per count; empty tables are left out."""
        t = _UI.get(lang, _UI["en"])
        out = [self.line()]
        if self.rules:
            out += _table([t["rules"], t["deals"]], [[r, _int(n)] for r, n in self.rules])
        if self.shadow_rules:
            out += _table([t["shadow"], t["deals"]], [[r, _int(n)] for r, n in self.shadow_rules])
        if self.approvals:
            heads = [t["approvals"]] + [t[s] for s in APPROVAL_STATES]
            rows = [[role, *(_int(dict(states).get(s, 0)) for s in APPROVAL_STATES)]
                    for role, states in self.approvals]  # fmt: skip
            out += _table(heads, rows)
        if self.actions:
            out += _table([t["actions"], t["count"]], [[a, _int(n)] for a, n in self.actions])
        used = [s for s in self.stages if s.deals]
        if used:
            heads = [t["pipeline"], t["deals"]]
            if self.amount_fact:
                heads.append(t["amount"])
                if self.total.weighted is not None:
                    heads += [t["win"], t["weighted"]]
            rows = [self._row(s, len(heads)) for s in [*used, self.total]]
            rows[-1][0] = t["total"]
            out += _table(heads, rows)
            unknown = self.total.amount_unknown
            if self.amount_fact and unknown:
                out.append(t["unknown"].format(n=_int(unknown), fact=self.amount_fact))
        return out

    @staticmethod
    def _row(s: StageTotal, width: int) -> list[str]:
        from ..lang.messages import fmt_percent

        row = [s.stage, _int(s.deals)]
        if width > 2:
            row.append(_money(s.amount))
        if width > 3:
            row.append("" if s.win_probability is None else fmt_percent(s.win_probability))
            row.append(_money(s.weighted))
        return row


_UI = {
    "en": {
        "rules": "Rules hit",
        "shadow": "Shadow rules hit",
        "deals": "deals",
        "approvals": "Approvals by role",
        "pending": "pending",
        "granted": "granted",
        "waiting": "waiting",
        "actions": "Actions by assignee",
        "count": "actions",
        "pipeline": "Pipeline by stage",
        "amount": "amount",
        "win": "win",
        "weighted": "weighted",
        "total": "total",
        "unknown": "{n} deals have no known {fact}: they are counted, not added up",
    },
    "zh": {
        "rules": "触发的规则",
        "shadow": "观察中的规则",
        "deals": "交易数",
        "approvals": "各角色审批",
        "pending": "待审批",
        "granted": "已批准",
        "waiting": "等待前序",
        "actions": "各负责人待办",
        "count": "待办数",
        "pipeline": "各阶段销售管道",
        "amount": "金额",
        "win": "赢率",
        "weighted": "加权金额",
        "total": "合计",
        "unknown": "{n} 笔交易的 {fact} 未知：已计数，未计入金额",
    },
}


def _sum(values: Any) -> Decimal:
    total = Decimal(0)
    for v in values:
        total = _EXACT.add(total, v)
    return total


def _most_first(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _int(n: int) -> str:
    return f"{n:,}"


def _money(value: Decimal | None) -> str:
    """Exact, with thousands separators and at least two decimals (never rounded)."""
    from ..lang.messages import fmt_number

    if value is None:
        return ""
    trimmed = fmt_number(value)
    places = len(trimmed.partition(".")[2])
    return fmt_number(value, max(2, places))


def _table(heads: list[str], rows: list[list[str]]) -> list[str]:
    """Heads over indented rows; the first column left-aligned, the others right-aligned."""
    body = [[f"  {r[0]}", *r[1:]] for r in rows]
    widths = [max(_width(r[i]) for r in [heads, *body]) for i in range(len(heads))]

    def line(cells: list[str]) -> str:
        first = cells[0] + " " * (widths[0] - _width(cells[0]))
        rest = [" " * (w - _width(c)) + c for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(heads), *(line(r) for r in body)]


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
