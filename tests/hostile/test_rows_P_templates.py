"""Catalogue rows P11-P13 (message templates): each row as the user meets it, through the
``kam`` command in a real process with a bound on its time and memory (the bombs are the
crash-prone rows): the exact exit code, the engine's own message, no traceback."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .peak import PRELUDE

TIME_BOUND = 20.0  # seconds: a bound on a hostile run, not a speed claim (bench/ measures speed)
RSS_BOUND_MB = 300  # the process, Python and jinja2 included
AS_OF = "2026-03-02"

PLAYBOOK = """
kam: 1
id: messages
version: "1"
title: Messages
currency: CNY
roles:
  manager: Manager
categories:
  direct: {{label: Direct}}
fields:
  amount: {{type: money}}
  discount: {{type: percent}}
  name: {{type: string}}
  width: {{type: integer}}
  lines:
    type: list
    items:
      type: object
      fields:
        note: {{type: string}}
rules:
  - id: BIG
    title: a big deal
    when: deal.amount > 1000
    then: approval
    role: manager
    message: {message}
stages:
  open: {{}}
  done: {{terminal: true}}
transitions:
  - {{from: open, to: done}}
"""

DEAL = {
    "id": "D-1",
    "category": "direct",
    "stage": "open",
    "amount": 5000,
    "discount": 0.05,
    "name": "x" * 5_000,
    "width": 10**9,
    "lines": [{"note": "y" * 100} for _ in range(2000)],
}


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    rss_mb: float


def run_kam(args: list[str], cwd: Path) -> Run:
    """``python -m engine ARGS`` in its own process, killed past ``TIME_BOUND``, its address
    space capped at 2 GB (a bomb fails there instead of taking the machine)."""
    cap = 2 * 1024**3

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    out_path, err_path, peak = cwd / "out.txt", cwd / "err.txt", cwd / "peak.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", PRELUDE, *args],
            stdout=out,
            stderr=err,
            cwd=cwd,
            preexec_fn=limit,
            env={**os.environ, "KAM_LANG": "en", "NO_COLOR": "1", "KAM_PEAK_FILE": str(peak)},
        )
        timer = threading.Timer(TIME_BOUND, proc.kill)
        timer.start()
        _, status = os.waitpid(proc.pid, 0)
        timer.cancel()
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        proc.returncode,
        out_path.read_text(encoding="utf-8", errors="replace"),
        err_path.read_text(encoding="utf-8", errors="replace"),
        seconds,
        float(peak.read_text()) if peak.exists() else float("inf"),  # killed: no figure
    )


def _files(tmp_path: Path, message: str) -> tuple[Path, Path]:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(PLAYBOOK.format(message=json.dumps(message)), encoding="utf-8")
    deal = tmp_path / "deal.json"
    deal.write_text(json.dumps(DEAL), encoding="utf-8")
    return playbook, deal


def _bounded(run: Run) -> None:
    assert "Traceback" not in run.out + run.err
    assert run.seconds < TIME_BOUND, run
    assert run.rss_mb < RSS_BOUND_MB, run


# -- P11: server-side template injection -------------------------------------------------------

P11 = [
    "{{ cycler.__init__.__globals__.os }}",
    "{{ ('{0.__class__}' | attr('format'))(1) }}",
    "{{ deal.name.__class__.__mro__ }}",
    "{{ deal['__class__'] }}",
    "{{ deal.lines | map(attribute='__class__') | list }}",
    "{{ deal.lines | sort(attribute='__class__.__name__') | first }}",
    "{{ deal.lines | map('attr', '__class__') | list }}",
    "{{ lipsum.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ deal.name.format(deal) }}",
]


@pytest.mark.parametrize("message", P11)
def test_P11_template_injection_is_refused_at_lint(tmp_path, message):
    playbook, _ = _files(tmp_path, message)
    run = run_kam(["lint", str(playbook)], tmp_path)
    _bounded(run)
    assert run.code == 2, run
    assert f"{playbook}:" in run.out + run.err  # located: FILE:LINE:COL
    assert "message" in (run.out + run.err).lower()


def test_P11_rendering_is_sandboxed_even_for_an_unchecked_text():
    # lint stands in front of rendering; the sandbox holds without it
    from engine.lang.messages import RenderFailed
    from engine.lang.templates import compiled, render

    for message in P11:
        with pytest.raises(RenderFailed):
            render(compiled(message), {"deal": {"name": "n", "lines": [{"x": 1}]}})


# -- P12: template bombs -----------------------------------------------------------------------


def _doubling(step: str, times: int = 60) -> str:
    return "{% set s = deal.name %}" + ("{% set s = " + step + " %}") * times + "{{ s | length }}"


P12_AT_LINT = {
    "power": "{{ 10 ** 10000000 }}",
    "nested range loops": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "repeated literal text": "{{ 'x' * 10**8 }}",
    "repeated literal text, no power": "{{ 'x' * 100000000 }}",
    "constant width": "{{ deal.name | center(1000000000) }}",
    "constant indent": "{{ deal.name | indent(1000000000) }}",
    "constant places": "{{ deal.amount | number(1000000000) }}",
    "constant pct places": "{{ deal.discount | pct(100000) }}",
    "percent formatting": "{{ '%0999999999d' % 1 }}",
    "random": "{{ deal.lines | map('random') | list }}",
    "format through map": "{{ ['%s'] | map('format', deal.name) | join }}",
    "a set block doubling": "{% set s %}{{ deal.name }}{{ deal.name }}{% endset %}{{ s }}",
    "huge constant": "{{ deal.amount * 1e999999 }}",
}


@pytest.mark.parametrize("message", P12_AT_LINT.values(), ids=P12_AT_LINT.keys())
def test_P12_template_bombs_lint_can_see_are_refused_at_lint(tmp_path, message):
    playbook, _ = _files(tmp_path, message)
    run = run_kam(["lint", str(playbook)], tmp_path)
    _bounded(run)
    assert run.code == 2, run
    assert f"{playbook}:" in run.out + run.err


P12_AT_EVALUATION = {
    "doubling with ~": _doubling("s ~ s"),
    "doubling with +": _doubling("s + s"),
    "squaring a number": "{% set n = deal.width %}" + "{% set n = n * n %}" * 60 + "{{ n }}",
    "width from the deal": "{{ deal.name | center(deal.width) }}",
    "indent from the deal": "{{ deal.name | indent(deal.width) }}",
    "places from the deal": "{{ deal.amount | number(deal.width) }}",
    "pct places from the deal": "{{ deal.discount | pct(deal.width) }}",
    "chained replace": "{{ deal.name" + " | replace('x', deal.name)" * 6 + " | length }}",
    "list doubling written out": "{% set l = [deal.name] %}"
    + "{% set l = l + l %}" * 13
    + "{{ l }}",
    "quadratic loop": "{% for a in deal.lines %}{{ deal.lines | map(attribute='note') | join | length }}{% endfor %}",
    "sort in a loop": "{% for a in deal.lines %}{{ deal.lines | sort(attribute='note') | length }}{% endfor %}",
}


@pytest.mark.parametrize("message", P12_AT_EVALUATION.values(), ids=P12_AT_EVALUATION.keys())
def test_P12_template_bombs_are_stopped_when_the_message_is_written(tmp_path, message):
    playbook, deal = _files(tmp_path, message)
    lint = run_kam(["lint", str(playbook)], tmp_path)
    assert lint.code == 0, lint  # nothing to see before a deal: the bound holds at evaluation
    run = run_kam(
        ["validate", "-p", str(playbook), str(deal), "--as-of", AS_OF, "--format", "json"],
        tmp_path,
    )
    _bounded(run)
    assert run.code == 3, run  # the verdict stands: needs approval
    result = json.loads(run.out)
    (approval,) = result["approvals"]
    # the message is replaced by the rule's title, as for a value the deal lacks
    assert len(approval["message"]) <= 64 * 1024 + 2


# -- P13: a field the playbook does not declare --------------------------------------------------


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("{{ deal.discont | pct }}", "deal has no field 'discont'"),
        ("{{ deal.lines[0].nte }}", "has no field 'nte'"),
        ("{% for l in deal.lines %}{{ l.nte }}{% endfor %}", "has no field 'nte'"),
        ("{{ facts.nothing }}", "unknown fact 'nothing'"),
        ("{{ dael.amount }}", "unknown name 'dael'"),
    ],
)
def test_P13_an_undefined_field_is_a_lint_error(tmp_path, message, problem):
    playbook, _ = _files(tmp_path, message)
    run = run_kam(["lint", str(playbook)], tmp_path)
    _bounded(run)
    assert run.code == 2, run
    text = run.out + run.err
    assert problem in text, text
    assert f"{playbook}:" in text
