"""Lint diagnostics and a deal's bad values in every language: every code the engine can emit
has words in each, the words of a key say in English exactly what the engine's message says
(so the values a key carries are the message's), and the Chinese of the broken fixtures is a
golden file (``--regen-goldens``)."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

from engine.app.lint import LintReport
from engine.errors import DealError, Diagnostic
from engine.text import LANGUAGES, WORDS

from .conftest import FIXTURES, ROOT

ENGINE = ROOT / "engine"
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))

# A code is the first text argument of a call that makes a diagnostic or an expression's
# problem, a ``code=`` argument, or ``unknown-<what>`` of ``Context.unknown``.
_CALL = re.compile(
    r'(?:\.error|Diagnostic|sink\.add|\bProblem|\breport|refuse|_stop|\bfail)\(\s*"([a-z][a-z0-9-]*)"'
)
_KEYWORD = re.compile(r'\bcode="([a-z][a-z0-9-]*)"')
_UNKNOWN = re.compile(r'\.unknown\(\s*"([a-z]+)"')
# codes given otherwise: the defaults of lang/schema.py's _Said ("schema") and of an
# expression's fail ("expression"), _Said's positional "bad-name", and scope_list's kinds
_OTHERS = {"schema", "expression", "bad-name", "unknown-category", "unknown-stage"}


def emitted_codes() -> set[str]:
    found = set(_OTHERS)
    for path in ENGINE.rglob("*.py"):
        if {"console", "store", "service"} & set(path.relative_to(ENGINE).parts):
            continue  # they refuse requests (words.py), they do not lint
        text = path.read_text(encoding="utf-8")
        found |= set(_CALL.findall(text)) | set(_KEYWORD.findall(text))
        found |= {f"unknown-{what}" for what in _UNKNOWN.findall(text)}
    return found


def test_the_walk_finds_the_codes_people_meet():
    codes = emitted_codes()
    assert len(codes) > 80
    assert {"unknown-role", "duplicate-key", "tiers-gap", "bad-parameter", "type"} <= codes


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_the_engine_can_emit_has_words(lang):
    words = WORDS[lang]["lint_codes"]
    lacking = sorted(c for c in emitted_codes() if not words.get(c, "").strip())
    assert not lacking, f"{lang} has no words for {lacking}"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize(
    "part", ["lint_codes", "lint", "lint_hints", "lint_words", "deal_problems"]
)
def test_each_language_words_the_same_keys_with_the_same_values(part):
    en = WORDS["en"][part]
    for lang in LANGUAGES:
        assert set(WORDS[lang][part]) == set(en), lang
        for key, text in WORDS[lang][part].items():
            assert _fields(text) == _fields(en[key]), (lang, part, key)


def _diagnostics() -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for playbook in INVALID:
        report = LintReport()
        report.check(str(playbook), "playbook", playbook.read_text(encoding="utf-8"))
        out += [d for p in report.problems for d in p.diagnostics] + list(report.warnings)
    return out


def test_the_english_words_of_a_key_are_the_engines_message():
    """Holds the values each key carries to the message: a value missing or wrong shows."""
    worded = 0
    for d in _diagnostics():
        if d.said:
            said = WORDS["en"]["lint"][d.said].format(**_english(dict(d.values)))
            assert said == d.message, d
            worded += 1
        if d.hint_said:
            assert WORDS["en"]["lint_hints"][d.hint_said].format(**dict(d.values)) == d.hint, d
    assert worded >= 10


def _english(values: dict[str, str]) -> dict[str, str]:
    from engine.text import _worded

    return _worded("en", values)


def test_a_zh_diagnostic_is_never_empty_nor_only_english():
    for d in _diagnostics():
        message, _ = d.words("zh")
        assert message.strip()
        assert re.search(r"[\u4e00-\u9fff]", message), d
        assert d.words("en") == (d.message, d.hint)


def test_chinese_lint_golden(regen):
    """The broken fixtures' problems as a zh page shows them (message, then hint)."""
    lines = []
    for d in sorted(_diagnostics(), key=lambda d: (d.location, d.code, d.message)):
        message, hint = d.words("zh")
        where = f"{Path(d.location.file).relative_to(ROOT)}:{d.location.line}:{d.location.column}"
        lines.append(f"{where}: {d.code}: {message}" + (f"\n    {hint}" if hint else ""))
    golden = FIXTURES / "words" / "lint.zh.expected"
    text = "\n".join(lines) + "\n"
    if regen:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


BAD_DEALS = [
    ({"lines": [{"model": "P7", "quantity": 1, "unit_price": "cheap"}]}, "$.lines[0].unit_price"),
    ({"stage": 7}, "$.stage"),
    ({"bogus": 1}, "$.bogus"),
    ({"customer": {"name": "x" * 20000}}, "$.customer.name"),
]


@pytest.mark.parametrize(("change", "path"), BAD_DEALS)
def test_a_deals_bad_value_in_both_languages(auto_dealer, change, path):
    import json

    deal = json.loads((ROOT / "playbooks" / "examples" / "needs-approvals.json").read_text())
    deal.update(change)
    with pytest.raises(DealError) as caught:
        auto_dealer.evaluate(deal, as_of=date(2026, 6, 30))
    problem = next(p for p in caught.value.problems if p.path == path)
    english = WORDS["en"]["deal_problems"][problem.kind].format(**_english(dict(problem.values)))
    assert problem.message.startswith(english)  # then the hint in brackets, if any
    assert problem.words("en") == problem.message
    zh = problem.words("zh")
    assert re.search(r"[\u4e00-\u9fff]", zh)
    assert "expected" not in zh
    assert "not" not in zh


def test_kam_lint_and_validate_say_problems_in_the_lang_asked(runner, monkeypatch, tmp_path):
    """``--lang`` (default $KAM_LANG) words the text; JSON keeps the engine's English."""
    from engine.cli import main

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("KAM_LANG", raising=False)
    fixture = "tests/fixtures/invalid/worded.yaml"
    zh = runner.invoke(main, ["lint", "--lang", "zh", fixture])
    assert zh.exit_code == 2
    assert (
        f"{fixture}:40:11: error[unknown-role]: 未知的角色「manger」\n    提示：是不是「manager」？\n"
        in zh.output
    )
    assert zh.output.endswith(f"{fixture} 中有 15 个错误\n")
    en = runner.invoke(main, ["lint", fixture])
    assert en.output == (FIXTURES / "invalid" / "worded.expected").read_text(encoding="utf-8")
    monkeypatch.setenv("KAM_LANG", "zh")
    assert runner.invoke(main, ["lint", fixture]).output == zh.output
    as_json = runner.invoke(main, ["lint", "--lang", "zh", "--format", "json", fixture])
    assert "unknown role 'manger'" in as_json.stdout
    deal = tmp_path / "deal.json"
    deal.write_text('{"id": "X", "category": "direct_enterprise", "stage": 5, "bogus": 1}')
    said = runner.invoke(
        main,
        [
            "validate",
            str(deal),
            "--playbook",
            "playbooks/auto-dealer.yaml",
            "--as-of",
            "2026-03-02",
        ],
    )
    assert said.exit_code == 2
    assert f"{deal}: $.bogus: 本手册没有这个字段" in said.output
    assert "not a field" not in said.output


# Every call that raises a lint diagnostic in these layers names the words of its message
# (``said``): without them another language shows the code's sentence and the English text.
# Positional forms: where ``said`` sits in each maker's arguments (0-based).
_MAKERS = {
    "error": None,
    "add": None,
    "Diagnostic": 6,
    "fail": None,
    "Problem": 4,
    "_problem": 3,
    "TemplateProblem": 4,
    "_stop": None,
    "refuse": None,
    "report": 4,
    "_Said": 5,
}
_LAYERS = ("check", "lang", "read")


def _unsaid_calls() -> list[str]:
    import ast

    found = []
    for layer in _LAYERS:
        for path in sorted((ENGINE / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name not in _MAKERS or (name == "add" and "sink" not in ast.unparse(func)):
                    continue
                at = _MAKERS[name]
                keywords = {k.arg for k in node.keywords}
                if "said" in keywords or None in keywords:  # said=..., or **said
                    continue
                if name == "refuse" or (at is not None and len(node.args) > at):
                    continue  # read/assemble's refuse keys the words by its code
                if name == "Problem" and path.name != "names.py" and len(node.args) > at:
                    continue
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_diagnostic_raised_names_its_words():
    assert not _unsaid_calls()


def _literal_keys(keyword: str) -> set[str]:
    found = set()
    for layer in _LAYERS:
        for path in (ENGINE / layer).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            found |= set(re.findall(rf'\b{keyword}="([a-z][A-Za-z0-9_-]*)"', text))
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_the_engine_names_has_words(lang):
    deal_only = set(WORDS[lang]["deal_problems"])  # lang/schema's _Said words deals too
    lacking = sorted(_literal_keys("said") - set(WORDS[lang]["lint"]) - deal_only)
    assert not lacking, f"{lang} has no lint words for {lacking}"
    hints = sorted(_literal_keys("hint_said") - set(WORDS[lang]["lint_hints"]))
    assert not hints, f"{lang} has no hint words for {hints}"


ZH_SPREAD = FIXTURES / "invalid" / "zh-spread.yaml"


def test_a_spread_of_problems_has_no_english_words_in_chinese():
    """Each diagnostic of the spread is worded (en: exactly its message) and its Chinese
    keeps no English words but ids, field names and values from the playbook."""
    report = LintReport()
    report.check(str(ZH_SPREAD), "playbook", ZH_SPREAD.read_text(encoding="utf-8"))
    found = [d for p in report.problems for d in p.diagnostics]
    assert len(found) >= 20
    english = re.compile(r"\b(?:is|are|not|the|must|needs?|cannot|only|with|and|or)\b")
    for d in found:
        assert d.said, d
        assert d.hint_said or not d.hint, d
        assert WORDS["en"]["lint"][d.said].format(**_english(dict(d.values))) == d.message
        message, hint = d.words("zh")
        quoted = re.compile(r"'[^']*'")  # code and ids as written in the playbook
        assert not english.search(quoted.sub("", message)), message
        assert not english.search(quoted.sub("", hint)), hint
