"""The one table of the engine's own words and the value formatters (engine/text.py)."""

from __future__ import annotations

import ast
import string
from datetime import date
from decimal import Decimal

import pytest

from engine import text

from .conftest import ROOT

OPTIONAL = {"values", "fields"}  # words for ids: an id without one is shown with spaces


def _fields(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}


@pytest.mark.parametrize("lang", text.LANGUAGES)
def test_every_language_has_every_word_with_the_same_fields(lang):
    en, other = text.WORDS["en"], text.WORDS[lang]
    assert set(other) == set(en)
    for part, entries in en.items():
        if part in OPTIONAL:
            continue
        assert set(other[part]) == set(entries), part
        for key, s in entries.items():
            assert _fields(other[part][key]) == _fields(s), (part, key)


def test_a_language_the_table_lacks_reads_english():
    assert text.words_of("xx", "result") is text.WORDS["en"]["result"]
    assert text.word("zh", "result", "blocked") == "已阻止"
    assert text.word("en", "result", "no such status") == "no such status"


def test_the_formatters_that_differ_on_purpose():
    # one deal's message rounds to cents; a batch total keeps every digit
    assert text.fmt_money(Decimal("1234.505")) == "1,234.50"
    assert text.fmt_money_exact(Decimal("1234.505")) == "1,234.505"
    assert text.fmt_money_exact(Decimal("1234.5")) == "1,234.50"
    # percentages: trimmed in messages and the handbook, one decimal on the result screen
    assert text.fmt_percent(Decimal("0.18")) == "18%"
    assert text.fmt_value(Decimal("0.18"), "percent") == "18.0%"
    # a reason quotes the value as written; a message shows it for people
    assert text.fmt_quoted(Decimal("1500.50")) == "1500.50"
    assert text.fmt_number(Decimal("1500.50")) == "1,500.5"
    assert text.fmt_quoted(date(2026, 3, 1)) == text.fmt_date(date(2026, 3, 1)) == "2026-03-01"
    assert text.fmt_one_line({"en": "a  b"}, 13) == '{"en": "a b"}'
    assert text.fmt_one_line("x" * 20, 10) == "x" * 9 + "…"
    assert text.fmt_one_line(None) == "(not set)"
    assert text.fmt_count(12345) == "12,345"


def _engine_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            yield "." * node.level + (node.module or "")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engine"):
            yield node.module


def test_text_is_a_base_module_and_render_does_not_reach_into_app():
    # text.py's only engine import at run time is its words for problems (a table that
    # imports nothing); errors.py names the types it words, for the type checker only
    assert list(_engine_imports(ROOT / "engine" / "problem_words.py")) == []
    assert sorted(_engine_imports(ROOT / "engine" / "text.py")) == [".errors", ".problem_words"]
    assert "if TYPE_CHECKING:\n    from .errors import" in (ROOT / "engine" / "text.py").read_text()
    for name in ("render.py", "handbook.py", "words.py", "diagram.py"):
        found = list(_engine_imports(ROOT / "engine" / "present" / name))
        assert not [m for m in found if m.startswith("..app")], (name, found)
