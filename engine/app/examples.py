"""A playbook and the test files beside it in, worked examples out: each rule's, decision
table's and approval chain's message as kam writes it for the first test deal that makes it
fire (``kam docs`` shows them in the handbook).

This runs the playbook on deals, so it lives with the other commands in ``app/``; the
handbook (``present/handbook.py``) only shows the ``Example`` values it is given.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from ..errors import KamError
from ..present.handbook import Example

if TYPE_CHECKING:
    from .playbook import Playbook


def worked_examples(playbook: Playbook, lang: str) -> dict[str, Example]:
    """For each rule, decision table and approval chain: its message for the first deal
    among the playbook's test cases (``tests/`` beside the playbook) that makes it fire.

    Each deal is evaluated against *this* playbook, so the text is exactly what kam says
    for that deal. A broken test file or a deal this playbook refuses is passed over."""
    model = playbook.model
    row_table = {row.id: t.id for t in model.tables for row in t.rows}
    chains = {c.id for c in model.chains if c.message is not None}
    titles = {r.id: r.title for r in model.rules} | {t.id: t.title for t in model.tables}
    found: dict[str, Example] = {}
    for deal, as_of in _test_deals(playbook.file, model.id):
        try:
            explained = playbook.explain(deal, as_of=as_of, lang=lang)
        except KamError:
            continue
        fired = set()
        for s in explained.steps:
            if s.outcome == "fired" and s.kind == "rule":
                fired.add(s.id.split("[")[0])
            elif s.outcome == "fired" and s.kind == "row" and s.id in row_table:
                fired.add(row_table[s.id])
        r = explained.result
        for item in (*r.violations, *r.approvals, *r.actions, *r.shadow):
            key = item.rule
            if key in found or (key not in fired and key not in chains):
                continue
            text = item.message
            title = titles.get(key)
            if title is not None and text == title.get(lang):
                continue  # the message could not be written for this deal: its title stood in
            found[key] = Example(str(deal.get("id", "")), text)
    return found


def _test_deals(file: str, playbook_id: str) -> Iterator[tuple[dict[str, Any], date]]:
    """(deal, as_of) of every case of the test files in ``tests/`` beside the playbook that
    test this playbook (by its file, or by its id in a folder), in file and case order."""
    from ..lang.schema import schema_diagnostics
    from ..read.yaml import load_yaml
    from ..run.deal import read_deal
    from .testing import build_deal, discover

    if not file or not os.path.isfile(file):
        return  # read from standard input or text: no folder to look in
    folder = os.path.join(os.path.dirname(file) or ".", "tests")
    if not os.path.isdir(folder):
        return
    me = os.path.realpath(file)
    for path in discover([folder]):
        try:
            with open(path, encoding="utf-8") as fh:
                data, smap, problems = load_yaml(fh.read(), path)
        except (OSError, UnicodeDecodeError, KamError):
            continue
        if problems or not isinstance(data, dict) or schema_diagnostics(data, smap, "test"):
            continue
        here = os.path.dirname(path)
        target = os.path.realpath(os.path.join(here, str(data["playbook"])))
        if target != me and not (os.path.isdir(target) and data.get("id") == playbook_id):
            continue
        base: Any = data.get("base") or {}
        if isinstance(base, str):
            try:
                base = read_deal(os.path.normpath(os.path.join(here, base)))
            except KamError:
                continue
        for case in data["cases"]:
            try:
                as_of = date.fromisoformat(str(case.get("as_of") or data.get("as_of")))
                deal = build_deal(base, case)
            except (ValueError, KeyError, IndexError, TypeError):
                continue
            yield deal, as_of
