"""Safe reading of YAML and JSON: hostile inputs are refused quickly, with a location."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from engine.read.decode import decode
from engine.read.json import check_values, load_json
from engine.read.yaml import load_yaml


def codes(text):
    _, _, problems = load_yaml(text, "f.yaml")
    return [p.code for p in problems]


def test_plain_scalars_follow_yaml_1_2_core_without_surprises():
    data, _, problems = load_yaml(
        "a: [on, off, yes, no, NO, y, 1.10, 012345, 12:30, .nan, .inf, 5%, 0x1F, -3, 0.05, "
        "true, False, null, ~, 2026-01-01]\n",
        "f.yaml",
    )
    assert problems == []
    assert data["a"] == [
        "on",
        "off",
        "yes",
        "no",
        "NO",
        "y",
        Decimal("1.10"),
        "012345",
        "12:30",
        ".nan",
        ".inf",
        "5%",
        "0x1F",
        -3,
        Decimal("0.05"),
        True,
        False,
        None,
        None,
        "2026-01-01",
    ]


def test_numbers_with_a_point_are_exact_decimals():
    data, _, _ = load_yaml("x: 0.1\ny: 19.99\n", "f.yaml")
    assert data["x"] + Decimal("0.2") == Decimal("0.3")
    assert isinstance(data["y"], Decimal)


def test_source_map_points_at_values_and_keys():
    _, smap, _ = load_yaml("a:\n  b: [1, 2]\n  'c': x\n", "f.yaml")
    assert (smap.at(("a", "b", 1)).line, smap.at(("a", "b", 1)).column) == (2, 10)
    assert (smap.at(("a", "c"), key=True).line, smap.at(("a", "c"), key=True).column) == (3, 3)
    assert smap.at(("a", "nothing")).line == 2  # falls back to the parent mapping


def test_duplicate_keys_at_any_depth_are_reported_and_reading_goes_on():
    data, _, problems = load_yaml("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "f.yaml")
    assert [(p.code, p.location.line) for p in problems] == [
        ("duplicate-key", 4),
        ("duplicate-key", 5),
    ]
    assert data == {"a": 1, "b": {"c": 1}}  # the first value is kept
    assert "first given at line 3" in problems[0].message


def test_alias_bomb_is_refused_fast():
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    start = time.perf_counter()
    assert codes(bomb) == ["alias"]
    assert time.perf_counter() - start < 0.1


def test_self_referential_alias_is_refused():
    assert codes("&a [*a]\n") == ["alias"]


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['touch pwned']\n",
        "a: !!python/name:os.system\n",
        "a: !custom 1\n",
        "a: !!binary aGVsbG8=\n",
        "!!set {a, b}\n",
    ],
)
def test_tags_are_refused(text):
    assert codes(text) == ["unknown-tag"]


def test_standard_tags_are_plain_data():
    data, _, problems = load_yaml("a: !!str 012\nb: !!int '5'\nc: !!float 1\n", "f.yaml")
    assert problems == []
    assert data == {"a": "012", "b": 5, "c": Decimal(1)}


def test_deep_nesting_is_refused_before_it_can_crash():
    start = time.perf_counter()
    assert codes("[" * 25000 + "]" * 25000) == ["too-deep"]
    assert codes("a:\n" + "".join(" " * i + "b:\n" for i in range(1, 200))) == ["too-deep"]
    assert time.perf_counter() - start < 1


def test_deep_nesting_in_a_subprocess_exits_2_not_139(tmp_path):
    # PyYAML's own C loader segfaults on this input; the CLI must exit 2.
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 25000 + "]" * 25000)
    out = subprocess.run(
        [sys.executable, "-m", "engine", "lint", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # The promise, whichever layer refuses it: exit 2, one located line, no traceback.
    assert out.returncode == 2
    problems = [line for line in out.stdout.splitlines() if ": error[" in line]
    assert len(problems) == 1
    assert re.match(
        rf"{re.escape(str(path))}:1:\d+: error\[too-deep\]: nesting deeper than 64 levels",
        problems[0],
    )
    assert "Traceback" not in out.stdout + out.stderr


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", None),
        ("# only a comment\n", None),
        ("a: 1\n---\nb: 2\n", "multiple-documents"),
        ("a:\n\tb: 1\n", "yaml-syntax"),
        ("a: [1, 2\n", "yaml-syntax"),
        ('key: "x\u202ey"\n', "invisible-character"),
        ("ent\u200berprise: 1\n", "invisible-character"),
    ],
)
def test_odd_documents(text, code):
    data, _, problems = load_yaml(text, "f.yaml")
    if code is None:
        assert data is None
        assert problems == []
    else:
        assert [p.code for p in problems] == [code]


def test_tab_indentation_gets_a_hint():
    _, _, problems = load_yaml("a:\n\tb: 1\n", "f.yaml")
    assert problems[0].hint == "indent with spaces, not tabs"
    assert (problems[0].location.line, problems[0].location.column) == (2, 1)


def test_size_limit():
    assert codes("a: " + "x" * 1_000_001) == ["too-large"]


def test_encodings():
    assert decode(b"\xef\xbb\xbfa: 1\r\n", "f") == ("a: 1\r\n", [])
    text, problems = decode("a: 1\n".encode("utf-16"), "f")
    assert text == "a: 1\n"
    assert problems == []
    text, problems = decode(b"a: 1\nb: caf\xe9\n", "f")
    assert text is None
    assert (problems[0].location.line, problems[0].location.column) == (2, 7)
    data, _, problems = load_yaml("\ufeffa: 1\r\nb: 2\r\n", "f.yaml")
    assert data == {"a": 1, "b": 2}
    assert problems == []


def test_json_hooks_mark_what_json_accepts_silently():
    data, problems = load_json('{"a": NaN, "b": -Infinity, "c": 1.5, "d": 1e400, "a": 2}', "d")
    assert problems == []
    found = {p.path: p.message for p in check_values(data)}
    assert found["$.a"] == "duplicate key"
    assert "not an allowed number" in found["$.b"]
    assert "out of the allowed range" in found["$.d"]
    assert data["c"] == Decimal("1.5")


def test_json_huge_integer_is_refused_not_a_crash():
    data, problems = load_json('{"n": ' + "9" * 5000 + "}", "d")
    assert problems == []
    assert check_values(data)[0].path == "$.n"


def test_json_depth():
    data, problems = load_json("[" * 100000 + "]" * 100000, "d")
    assert data is None
    assert "nesting" in problems[0]
    data, problems = load_json("[" * 70 + "]" * 70, "d")
    assert [p.message for p in check_values(data)] == ["nesting deeper than 64 levels"]


@pytest.mark.parametrize(
    ("text", "where", "char"),
    [
        ("id: a\x00\n", (1, 6), "U+0000"),
        ("kam: 1\nid: \u00e9t\u00e9\x1b[31m\n", (2, 8), "U+001B"),  # after 2-byte characters
        ("a: 1\nb: \ud800\n", (2, 4), "U+D800"),  # only through the API: files are UTF-8
    ],
)
def test_a_character_yaml_forbids_is_located_in_words(text, where, char):
    """It used to say 'cannot read YAML: ... in "<unicode string>", position 5' at 1:1."""
    data, _, problems = load_yaml(text, "f.yaml")
    assert data is None
    (problem,) = problems
    assert problem.code == "yaml-syntax"
    assert (problem.location.line, problem.location.column) == where
    assert char in problem.message
    assert "unicode string" not in problem.message
    assert problem.hint
