"""The threat catalogue in, a check out: every row has its test here and its line in
docs/reliability.md (76 rows: P1-P22, D1-D16, C1-C8, H1-H8, S1-S9, K1-K7, A1-A6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TABLE = HERE.parents[1] / "docs" / "reliability.md"
FAMILIES = {"P": 22, "D": 16, "C": 8, "H": 8, "S": 9, "K": 7, "A": 6}
ROWS = [f"{family}{n}" for family, count in FAMILIES.items() for n in range(1, count + 1)]


# H3 (schemathesis) lives beside the service's other tests, where its fixtures are
FILES = [*sorted(HERE.glob("test_rows_*.py")), HERE.parent / "service" / "test_schemathesis.py"]
ALL_TESTS = "\n".join(p.read_text("utf-8") for p in FILES)


@pytest.mark.parametrize("row", ROWS)
def test_every_row_has_a_test_named_for_it(row):
    assert re.search(rf"^def test_{row}_", ALL_TESTS, re.M), f"no test_{row}_… in tests/hostile"


@pytest.mark.parametrize("row", ROWS)
def test_every_row_has_its_line_in_the_reliability_table(row):
    lines = [
        line for line in TABLE.read_text("utf-8").splitlines() if line.startswith(f"| {row} |")
    ]
    assert lines, f"docs/reliability.md has no line for {row}"
    assert all(line.count("|") >= 6 for line in lines)  # id, threat, what kam does, test, measured
