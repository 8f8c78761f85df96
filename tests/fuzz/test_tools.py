"""tools/fuzz builds what libFuzzer reads: a dictionary whose every line is a quoted token in
libFuzzer's escaping (a malformed line makes libFuzzer refuse the whole run), and a non-empty
seed corpus for every target, each seed within the target's length limit."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_LINE = re.compile(r'^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\x[0-9A-F]{2})+"$')


@pytest.fixture(scope="module")
def fuzz_tool():
    loader = importlib.machinery.SourceFileLoader("kam_fuzz_tool", str(ROOT / "tools" / "fuzz"))
    spec = importlib.util.spec_from_loader("kam_fuzz_tool", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.parametrize("target", ["loader", "deal", "expression", "message"])
def test_each_target_gets_a_well_formed_dictionary_and_seeds(fuzz_tool, target, tmp_path):
    dictionary = tmp_path / "tokens.dict"
    fuzz_tool.write_dictionary(target, dictionary)
    lines = dictionary.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 50
    bad = [line for line in lines if not _LINE.match(line)]
    assert not bad, bad[:5]
    assert '"1e99999999999999999999"' in lines  # the hostile values are there
    count = fuzz_tool.write_seeds(target, tmp_path / "seeds")
    seeds = list((tmp_path / "seeds").iterdir())
    assert count == len(seeds) > 10
    assert all(s.stat().st_size <= fuzz_tool.MAX_LEN[target] for s in seeds)


def test_a_token_outside_printable_ascii_is_escaped_byte_by_byte(fuzz_tool):
    assert fuzz_tool._dict_entry('a"b\\c') == '"a\\x22b\\x5Cc"'
    assert fuzz_tool._dict_entry("\u0456") == '"\\xD1\\x96"'
    assert fuzz_tool._dict_entry("\x00") == '"\\x00"'


def test_runs_are_split_over_the_jobs_and_add_up(fuzz_tool):
    assert fuzz_tool.shares(1_000_000, 2) == [500_000, 500_000]
    assert fuzz_tool.shares(7, 3) == [3, 2, 2]
    assert sum(fuzz_tool.shares(999_999, 4)) == 999_999
    assert fuzz_tool.shares(5, 1) == [5]


def test_a_log_gives_its_final_executions_and_last_edge_count(fuzz_tool):
    log = (
        "#2\tINITED cov: 1500 ft: 2000 corp: 30/4Kb exec/s: 0 rss: 90Mb\n"
        "#4096\tpulse  cov: 1783 ft: 2727 corp: 91/29Kb exec/s: 209 rss: 103Mb\n"
        "Done 5000 runs in 24 second(s)\n"
        "stat::number_of_executed_units: 5000\n"
        "stat::peak_rss_mb: 110\n"
    )
    assert fuzz_tool.stats(log) == (5000, 1783)
    # a process stopped before its final stats counts nothing rather than a guess
    assert fuzz_tool.stats("#2\tINITED cov: 1500 ft: 2000\n") == (0, 1500)
    assert fuzz_tool.stats("") == (0, None)


def test_the_first_finding_stops_the_other_processes(fuzz_tool):
    import subprocess
    import sys
    import time

    finder = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(77)"])
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = time.monotonic()
    assert fuzz_tool._wait_all([sleeper, finder]) == [0, 77]
    assert time.monotonic() - started < 30
    assert sleeper.poll() is not None  # stopped, not left running


def test_an_interrupted_run_is_neither_a_finding_nor_a_pass(fuzz_tool):
    assert fuzz_tool.outcome([], False) == "clean"
    assert fuzz_tool.outcome([72], False) == "interrupted"  # libFuzzer signalled from outside
    assert fuzz_tool.outcome([72, 72], False) == "interrupted"
    assert fuzz_tool.outcome([72], True) == "finding"  # an input was kept: it is a finding
    assert fuzz_tool.outcome([77, 72], False) == "finding"  # an uncaught exception
    assert fuzz_tool.outcome([], True) == "finding"
