"""Command line in, exit code out: ``kam lint | validate | explain | advance | batch | test ...``.

Thin on purpose: parse arguments, call the public API, print, and choose the exit code. This
is the only module that exits. Exit codes: 0 ok, 1 blocked (or move refused), 2 bad input or
bad playbook, 3 needs approval, 4 internal error, 5 needs information, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM). Either way every file being written is removed, never
left half-written, and batch workers are stopped.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import traceback
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from .errors import (
    EXIT_BAD_INPUT,
    EXIT_BLOCKED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NEEDS_APPROVAL,
    EXIT_NEEDS_INFORMATION,
    EXIT_OK,
    EXIT_TERMINATED,
    InputError,
    KamError,
)
from .lang.values import date_of_text
from .limits import MAX_BYTES
from .text import LANGUAGES

__all__ = ["entry", "main"]

F = TypeVar("F", bound=Callable[..., Any])
EPILOG = (
    "Exit codes: 0 ok · 1 blocked or move refused · 2 bad input or playbook · "
    "3 needs approval · 4 internal error · 5 needs information"
)
MAX_STDIN = MAX_BYTES  # a deal on standard input: the same limit as a deal file


def _guarded(fn: F) -> F:
    """Turn engine errors into messages and exit codes; no traceback reaches a user."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fmt = kwargs.get("fmt", "text")
        lang = _lang(kwargs.get("lang")) if "lang" in kwargs else "en"  # of its messages
        try:
            with _terminate_as_interrupt():
                code = fn(*args, **kwargs)
        except KamError as exc:
            if fmt == "json":
                from .jsontext import to_json

                click.echo(to_json(exc.to_dict()), nl=False)
            for line in exc.lines(lang):
                click.echo(line, err=True)
            code = exc.exit_code
        except Terminated:
            click.echo("terminated", err=True)
            code = EXIT_TERMINATED
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            code = EXIT_INTERRUPTED
        except BrokenPipeError:
            _quiet_stdout()
            code = EXIT_OK
        except Exception as exc:  # the engine's own bug: say so, never dump a traceback
            from .app.files import disk_full

            if disk_full(exc):  # standard output on a full disk: no room is not a bug
                _quiet_stdout()  # (the final flush would fail again)
                click.echo("cannot write the output: the disk is full", err=True)
                click.get_current_context().exit(EXIT_BAD_INPUT)
            if os.environ.get("KAM_DEBUG"):
                traceback.print_exc()
            if fmt == "json":
                from .jsontext import to_json

                click.echo(to_json({"error": "internal", "message": str(exc)}), nl=False)
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} "
                "(please report it; set KAM_DEBUG=1 for details)",
                err=True,
            )
            code = EXIT_INTERNAL
        click.get_current_context().exit(code or EXIT_OK)

    return wrapper  # type: ignore[return-value]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, as Ctrl-C is: every ``finally`` on the way out
    runs (a temporary file is removed, batch workers are stopped). The default action would
    end the process on the spot and leave both behind."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Any:
    def raise_terminated(signum: int, frame: Any) -> None:
        raise Terminated()

    try:
        before = signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread (an embedding program): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _quiet_stdout() -> None:
    # the reader went away (`kam ... | head`): silence the final flush
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()  # the one place the clock is read
    try:
        return date_of_text(value)
    except ValueError:
        raise InputError(f"--as-of: '{value}' is not a date (YYYY-MM-DD)") from None


def _read_deal(path: str) -> Any:
    from .run.deal import loads_deal, read_deal  # engine.read_deal / engine.loads_deal

    if path == "-":
        data = sys.stdin.buffer.read(MAX_STDIN + 1)
        if not data.strip():
            raise InputError("stdin: no deal was given on standard input")
        return loads_deal(data, source="stdin")
    return read_deal(path)


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Text for people, JSON for programs.",
)
LANG = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of messages (default: $KAM_LANG or en).",
)
AS_OF = click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="Evaluate as on this date (YYYY-MM-DD); default: today.",
)
# File and folder arguments are click paths so that the shell completes them (see README).
# They are not checked here: the engine's own messages say what is wrong with a path.
FILE = click.Path(allow_dash=True)
PLAYBOOK = click.option(
    "--playbook",
    "-p",
    "playbook",
    required=True,
    metavar="PATH",
    type=FILE,
    help="The playbook file, or a folder of versions (the one in force at --as-of is used).",
)


def VERSIONS(fn: Any) -> Any:
    fn = click.option("--id", "playbook_id", metavar="ID", help="With a folder: which playbook.")(
        fn
    )
    return click.option(
        "--version",
        "version",
        metavar="VERSION",
        help="Use this version instead of the one in force.",
    )(fn)


def _lang(value: str | None) -> str:
    if value:
        return value
    env = os.environ.get("KAM_LANG", "en")
    return env if env in LANGUAGES else "en"


def _status_code(status: str) -> int:
    return {
        "ok": EXIT_OK,
        "needs_approval": EXIT_NEEDS_APPROVAL,
        "needs_information": EXIT_NEEDS_INFORMATION,
    }.get(status, EXIT_BLOCKED)


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kam-engine", prog_name="kam")
@click.pass_context
def main(ctx: click.Context) -> None:
    """kam - key-account playbook engine: check deals against sales playbooks."""
    if no_colour_asked():
        ctx.color = False  # every command below inherits it; click.echo then drops the styles


def no_colour_asked() -> bool:
    """https://no-color.org: ``NO_COLOR`` set to anything but the empty string turns colour
    off. Otherwise click decides, and it colours only a terminal."""
    return bool(os.environ.get("NO_COLOR"))


@main.command(epilog=EPILOG)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...", type=FILE)
@FORMAT
@LANG
@_guarded
def lint(paths: tuple[str, ...], fmt: str, lang: str | None) -> int:
    """Check playbooks, modules and test files: files, folders (searched through, other YAML
    files skipped with the reason) or - for standard input (its includes resolve from the
    current folder). Prints every problem as FILE:LINE:COL and exits 2 if there are any
    (in the --lang language; JSON keeps the English message and the stable code)."""
    from .app.lint import lint_paths
    from .jsontext import to_json

    report = lint_paths(paths)
    problems = report.problems
    for file, why in report.skipped:
        click.echo(f"skipped {file}: {why}", err=True)
    if fmt == "json":
        diagnostics = [d.to_dict() for p in problems for d in p.diagnostics]
        diagnostics += [d.to_dict() for d in report.warnings]
        skipped = [{"file": f, "reason": why} for f, why in report.skipped]
        click.echo(
            to_json({"ok": not problems, "diagnostics": diagnostics, "skipped": skipped}),
            nl=False,
        )
    language = _lang(lang)
    for problem in problems:
        for line in problem.lines(language):
            click.echo(line, err=fmt == "json")
    for warning in report.warnings:  # said, but they do not fail the check
        click.echo(warning.format(language), err=fmt == "json")
    if not problems and fmt == "text":
        n = len(report.checked)
        skipped_note = f", {len(report.skipped)} skipped" if report.skipped else ""
        click.echo(f"ok: {n} file{'s' if n != 1 else ''} checked{skipped_note}")
    return EXIT_BAD_INPUT if problems else EXIT_OK


@main.command(epilog=EPILOG)
@click.argument("deal", metavar="DEAL", type=FILE)
@PLAYBOOK
@VERSIONS
@FORMAT
@AS_OF
@LANG
@_guarded
def validate(
    deal: str,
    playbook: str,
    playbook_id: str | None,
    version: str | None,
    fmt: str,
    as_of: str | None,
    lang: str | None,
) -> int:
    """Check one deal (JSON or YAML file, or - for stdin) against a playbook."""
    return _check(deal, playbook, playbook_id, version, fmt, as_of, lang, explain=False)


@main.command(epilog=EPILOG)
@click.argument("deal", metavar="DEAL", type=FILE)
@PLAYBOOK
@VERSIONS
@FORMAT
@AS_OF
@LANG
@_guarded
def explain(
    deal: str,
    playbook: str,
    playbook_id: str | None,
    version: str | None,
    fmt: str,
    as_of: str | None,
    lang: str | None,
) -> int:
    """Show every rule: fired or not, and the values it saw."""
    return _check(deal, playbook, playbook_id, version, fmt, as_of, lang, explain=True)


def _check(
    deal: str,
    playbook: str,
    playbook_id: str | None,
    version: str | None,
    fmt: str,
    as_of: str | None,
    lang: str | None,
    explain: bool,
) -> int:
    from .app.library import open_playbook
    from .jsontext import to_json
    from .present.render import explanation_text, result_text

    when, language = _as_of(as_of), _lang(lang)
    pb = open_playbook(playbook, playbook_id, version, when, dated=True)
    data = _read_deal(deal)
    source = deal if deal != "-" else "stdin"
    if explain:
        ex = pb.explain(data, as_of=when, lang=language, source=source)
        result = ex.result
        out = to_json(ex.to_dict()) if fmt == "json" else explanation_text(ex, pb.model)
    else:
        result = pb.evaluate(data, as_of=when, lang=language, source=source)
        out = to_json(result.to_dict()) if fmt == "json" else result_text(result, pb.model)
    click.echo(out, nl=False)
    return _status_code(result.status)


@main.command(epilog=EPILOG)
@click.argument("deal", metavar="DEAL", type=FILE)
@click.option("--to", "to", required=True, metavar="STAGE", help="The stage to move to.")
@click.option("--by", "by", required=True, metavar="USER", help="Who moves the deal.")
@PLAYBOOK
@VERSIONS
@AS_OF
@LANG
@_guarded
def advance(
    deal: str,
    to: str,
    by: str,
    playbook: str,
    playbook_id: str | None,
    version: str | None,
    as_of: str | None,
    lang: str | None,
    fmt: str = "text",
) -> int:
    """Move a deal to another stage; prints the updated deal as JSON on stdout."""
    from .app.library import open_playbook
    from .jsontext import to_json

    when = _as_of(as_of)
    pb = open_playbook(playbook, playbook_id, version, when, dated=True)
    source = deal if deal != "-" else "stdin"
    moved = pb.advance(_read_deal(deal), to=to, by=by, at=when, lang=_lang(lang), source=source)
    click.echo(to_json(moved), nl=False)
    return EXIT_OK


@main.command(epilog=EPILOG)
@click.argument("deal", metavar="DEAL", type=FILE)
@click.option("--role", "role", required=True, metavar="ROLE", help="The approver's role.")
@click.option("--by", "by", required=True, metavar="PERSON", help="Who decides.")
@click.option("--reject", is_flag=True, help="Record a rejection (default: an approval).")
@click.option("--comment", metavar="TEXT", help="A comment kept with the decision.")
@click.option(
    "--output",
    "-o",
    "output",
    metavar="FILE",
    help="Write the updated deal here (whole or not at all).",
)
@click.option("--in-place", is_flag=True, help="Write the updated deal over DEAL itself.")
@PLAYBOOK
@VERSIONS
@AS_OF
@_guarded
def approve(
    deal: str,
    role: str,
    by: str,
    reject: bool,
    comment: str | None,
    output: str | None,
    in_place: bool,
    playbook: str,
    playbook_id: str | None,
    version: str | None,
    as_of: str | None,
    fmt: str = "text",
) -> int:
    """Record an approver's decision on a deal, with what is approved (its basis); prints the
    updated deal as JSON, or writes it with -o (or over DEAL with --in-place)."""
    from .app.files import not_an_input, same_file, write_atomically
    from .app.library import open_playbook
    from .jsontext import to_json

    if in_place and (output or deal == "-"):
        raise InputError("--in-place writes over DEAL: give no -o, and a file, not stdin")
    target = deal if in_place else output
    when = _as_of(as_of)
    pb = open_playbook(playbook, playbook_id, version, when, dated=True)
    if output:
        if deal != "-" and same_file(output, deal):
            raise InputError(
                f"{output}: is the deal this command reads; write to another file, "
                "or update the deal itself with --in-place"
            )
        not_an_input(output, (playbook, pb.file), "the playbook")
    source = deal if deal != "-" else "stdin"
    decided = pb.record_decision(
        _read_deal(deal),
        role=role,
        by=by,
        decision="rejected" if reject else "approved",
        on=when,
        comment=comment,
        source=source,
    )
    text = to_json(decided)
    if target:
        write_atomically(target, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)
    return EXIT_OK


@main.command(epilog=EPILOG)
@click.argument(
    "which", type=click.Choice(["deal", "playbook", "module", "result", "test", "test-report"])
)
@click.option(
    "--playbook",
    "-p",
    "playbook",
    metavar="PATH",
    type=FILE,
    help="For 'deal': the playbook whose deal schema to print.",
)
@VERSIONS
@AS_OF
@_guarded
def schema(
    which: str,
    playbook: str | None,
    playbook_id: str | None,
    version: str | None,
    as_of: str | None,
    fmt: str = "json",
) -> int:
    """Print a JSON Schema: a playbook's deals, the playbook language, modules, results,
    playbook tests or the report of kam test --format json."""
    from .app.library import open_playbook
    from .jsontext import to_json
    from .lang.schema import bundled

    if which == "deal":
        if not playbook:
            raise InputError("kam schema deal needs --playbook PATH")
        pb = open_playbook(playbook, playbook_id, version, _as_of(as_of))
        click.echo(to_json(pb.deal_schema()), nl=False)
    else:
        click.echo(to_json(bundled(which)), nl=False)
    return EXIT_OK


@main.command(epilog=EPILOG)
@click.argument("playbook", metavar="PLAYBOOK", type=FILE)
@VERSIONS
@AS_OF
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the handbook (default: $KAM_LANG or en).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md"]),
    default="html",
    show_default=True,
    help="One self-contained HTML file, or Markdown.",
)
@click.option(
    "--output",
    "-o",
    "output",
    metavar="FILE",
    type=FILE,
    help="Write to FILE (default: standard output).",
)
@_guarded
def docs(
    playbook: str,
    playbook_id: str | None,
    version: str | None,
    as_of: str | None,
    lang: str | None,
    fmt: str,
    output: str | None,
) -> int:
    """Render a playbook as a handbook a sales manager can read without YAML."""
    from .app.examples import worked_examples
    from .app.library import open_playbook
    from .present.handbook import render_html, render_markdown

    pb = open_playbook(playbook, playbook_id, version, _as_of(as_of))
    if output:
        from .app.files import not_an_input

        not_an_input(output, (playbook, pb.file), "the playbook")
    render = render_html if fmt == "html" else render_markdown
    chosen = _lang(lang)
    # each message as it reads for a deal of the playbook's own test files
    text = render(pb.model, chosen, pb.hash, worked_examples(pb, chosen))
    if output:
        from .app.files import write_atomically

        write_atomically(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)
    return EXIT_OK


BATCH_EPILOG = (
    "Exit codes: 0 every deal was checked (the verdicts are in the results, each line's status) · "
    "2 bad input: the playbook, the file, or not one line could be read as a deal · "
    "4 internal error"
)


@main.command(epilog=BATCH_EPILOG)
@click.argument("deals", metavar="DEALS.jsonl")
@PLAYBOOK
@VERSIONS
@AS_OF
@LANG
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes checking deals (1: in this process).",
)
@click.option(
    "--output",
    "-o",
    "output",
    metavar="FILE",
    help="Write the results here (default: standard output).",
)
@click.option("--full", is_flag=True, help="Whole results with messages, not the summary form.")
@click.option(
    "--summary-json",
    "summary_json",
    metavar="FILE",
    help="Also write the summary (counts, pipeline by stage) as JSON to FILE.",
)
@_guarded
def batch(
    deals: str,
    playbook: str,
    playbook_id: str | None,
    version: str | None,
    as_of: str | None,
    lang: str | None,
    workers: int,
    output: str | None,
    full: bool,
    summary_json: str | None,
) -> int:
    """Check a JSON-lines file of deals (one deal per line); one result line per deal, then a
    summary on standard error: counts by status, rule, approving role and assignee, and the
    pipeline by stage (the playbook's `amount` fact times each stage's win probability).
    A progress bar shows on a terminal."""
    from .app.batch import open_deals, refuse_one_file_twice, run_to_file
    from .app.library import open_playbook

    refuse_one_file_twice(deals, output, summary_json)
    when = _as_of(as_of)
    language = _lang(lang)
    # bad playbook, or one not in force on the date: exit 2 here
    pb = open_playbook(playbook, playbook_id, version, when, dated=True)
    # a progress bar only on a terminal, and not when results scroll past on the same one
    bar = sys.stderr.isatty() and (output is not None or not sys.stdout.isatty())
    with open_deals(deals) as source:
        summary = run_to_file(
            pb,
            source,
            output,
            when,
            language,
            workers,
            full,
            name="stdin" if deals == "-" else deals,
            progress=sys.stderr if bar else None,
            summary_json=summary_json,
        )
    for line in summary.lines(language):
        click.echo(line, err=True)
    # a run in which not one line was a deal checked nothing: say so to the script that ran it
    if summary.deals and dict(summary.statuses).get("bad_input", 0) == summary.deals:
        return EXIT_BAD_INPUT
    return EXIT_OK


@main.command(epilog=EPILOG)
@click.argument("old", metavar="OLD", type=FILE)
@click.argument("new", metavar="NEW", type=FILE)
@FORMAT
@click.option(
    "--exit-code",
    "exit_code",
    is_flag=True,
    help="Exit 1 when the two differ in meaning (for scripts and CI).",
)
@_guarded
def diff(old: str, new: str, fmt: str, exit_code: bool) -> int:
    """Show what changed between two playbook files: parameters, rules, table rows, stages
    and moves, each with where it stands. Both files are checked first."""
    from .app.diff import diff_playbooks
    from .jsontext import to_json
    from .present.render import diff_text

    d = diff_playbooks(old, new)
    click.echo(to_json(d.to_dict()) if fmt == "json" else diff_text(d), nl=False)
    return EXIT_BLOCKED if exit_code and not d.same_meaning else EXIT_OK


@main.command("test", epilog=EPILOG)
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=FILE)
@click.option(
    "--coverage",
    is_flag=True,
    help="List every rule, table row, move guard and chain step not exercised both ways "
    "(fired and not fired); exit 1 unless coverage is full.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Text for people; JSON for programs: every case with its file, line, passed and "
    "differences, and the totals (kam schema test-report).",
)
@click.option(
    "--junit-xml",
    "junit_xml",
    type=FILE,
    metavar="FILE",
    help="Also write the results as JUnit XML, which CI systems show as test results.",
)
@_guarded
def test_command(paths: tuple[str, ...], coverage: bool, fmt: str, junit_xml: str | None) -> int:
    """Run playbook test files (kam_test: 1) found in PATHs (default: the current folder)."""
    from .app.testing import Runner, discover
    from .app.testreport import Report
    from .jsontext import to_json

    text = fmt == "text"
    files = discover(paths or (".",))
    if junit_xml:  # before running: a test file named as the report would be replaced by it
        from .app.files import not_an_input

        not_an_input(junit_xml, map(str, files), "a test file")
    runner = Runner()
    results = []
    for file in files:
        found = runner.run(file)
        results += found
        if text:
            marks = "".join("." if r.passed else click.style("F", fg="red") for r in found)
            click.echo(f"{file} {marks}")
    report = Report(
        tuple(files), tuple(results), tuple(runner.errors), runner.coverage if coverage else None
    )
    data = report.to_dict()
    if text:
        _test_text(report)
    else:
        click.echo(to_json(data), nl=False)
    if junit_xml:  # after the report: a file that cannot be written does not hide the results
        from .app.files import write_atomically

        write_atomically(junit_xml, report.junit_xml())
    if runner.errors:
        return EXIT_BAD_INPUT
    return EXIT_OK if data["ok"] else EXIT_BLOCKED


def _test_text(report: Any) -> None:
    for r in report.failed:
        click.echo(click.style(f"FAILED {r.file}::{r.name}", fg="red"))
        for line in r.failures:
            click.echo(f"    {line}")
    for error in report.errors:
        click.echo(click.style(f"ERROR {error.lines[0]}", fg="red"))
        for line in error.lines[1:]:
            click.echo(f"    {line.strip()}")
    if report.coverage is not None:
        done, total = report.coverage.totals()
        click.echo(f"coverage: {done} of {total} rules, rows, guards and steps exercised both ways")
        for file, items in report.coverage.missing().items():
            click.echo(f"  {file}: {len(items)} not covered")
            for item in items:
                click.echo(f"    - {item}")
    totals = report.totals()
    if not report.files:
        click.echo("no test files found (they start with 'kam_test: 1')")
    if report.errors:
        click.echo(f"{totals['errors']} error{'s' if totals['errors'] != 1 else ''}")
    click.echo(f"{totals['passed']} passed, {totals['failed']} failed")


def entry() -> None:
    """The ``kam`` console script: click's standalone mode turns usage errors into exit 2."""
    for stream in (sys.stdout, sys.stderr):
        # a terminal that cannot show Chinese gets escapes, not a UnicodeEncodeError
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    main(prog_name="kam")


from . import cli_demo, cli_serve, cli_store  # noqa: E402, F401  (kam demo, serve; db, users, customers, deals)
