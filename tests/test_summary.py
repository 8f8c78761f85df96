"""The batch summary is pure: the same results give the same summary however they are chunked
and in whatever order the chunks are added up (engine/app/summary.py)."""

from __future__ import annotations

import json

from engine.app.summary import Notes, Summary, Tally, amount_fact

from .conftest import AS_OF, PLAYBOOKS


def results(playbook):
    deals = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((PLAYBOOKS / "examples").glob("*.json"))
        if ".result." not in p.name
    ]
    return [playbook.evaluate(d, as_of=AS_OF) for d in deals]


def tally(playbook, chunks) -> Tally:
    total = Tally()
    for chunk in chunks:
        notes = Notes(amount_fact(playbook.model))
        for r in chunk:
            notes.add(r)
        if not chunk:  # a chunk of one line that was not a deal
            notes.bad()
        total.merge(notes.tally())
    return total


def test_chunks_and_their_order_do_not_change_the_summary(auto_dealer):
    found = results(auto_dealer)
    assert len(found) > 2
    whole = Summary.of(tally(auto_dealer, [found]), auto_dealer, AS_OF)
    one_by_one = Summary.of(tally(auto_dealer, [[r] for r in reversed(found)]), auto_dealer, AS_OF)
    assert one_by_one == whole
    assert one_by_one.lines("zh") == whole.lines("zh")
    assert whole.deals == len(found)
    assert whole.line().startswith(f"{len(found)} deals: ")
    assert sum(n for _, n in whole.statuses) == len(found)


def test_a_bad_line_is_counted_as_bad_input(auto_dealer):
    summary = Summary.of(tally(auto_dealer, [[]]), auto_dealer, AS_OF)
    assert summary.to_dict()["statuses"] == {"bad_input": 1}
    assert summary.lines() == ["1 deals: bad_input 1"]
