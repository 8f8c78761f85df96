"""Messages: what the static check refuses and what the sandbox still stops at render time."""

from __future__ import annotations

import pytest

from engine.templates import MAX_OUTPUT, RenderFailed, compile_text, compiled, render


def _check(text: str) -> list[str]:
    _, problems = compile_text(text, lambda chain: None)
    return [p.message for p in problems]


@pytest.mark.parametrize(
    "text",
    [
        "{{ 'x' * 100000000 }}",
        "{{ 3 * 'ab' }}",
        "{{ [1, 2] * 100000000 }}",
    ],
)
def test_repeating_literal_text_is_refused_when_the_playbook_loads(text):
    assert _check(text) == ["messages cannot repeat text with '*'"]


def test_numbers_may_still_be_multiplied():
    assert _check("{{ deal.amount * 2 }}") == []


def test_one_problem_per_line_is_reported_once():
    assert _check("{{ f(1) }}{{ g(2) }}").count("messages cannot call functions") == 1


def test_a_deal_value_repeated_beyond_the_cap_fails_the_message_not_the_process():
    template = compiled("{{ deal.name * deal.times }}")
    with pytest.raises(RenderFailed, match="too long"):
        render(template, {"deal": {"name": "ab", "times": 10**8}})
    assert render(template, {"deal": {"name": "ab", "times": 3}}) == "ababab"


def test_output_is_cut_at_the_cap():
    template = compiled("{% for line in deal.lines %}{{ line }}{% endfor %}")
    out = render(template, {"deal": {"lines": ["x" * 1000] * 1000}})
    assert len(out) <= MAX_OUTPUT + 2
    assert out.endswith(" …")


def test_a_loop_inside_a_loop_is_refused():
    text = "{% for a in deal.lines %}{% for b in deal.lines %}{% endfor %}{% endfor %}"
    assert _check(text) == ["messages cannot have a loop inside a loop"]
    assert _check("{% for a in deal.lines %}{{ a.model }}{% endfor %}") == []


def test_a_filter_in_a_loop_is_stopped_by_the_lookup_budget():
    # n x n lookups that write nothing: the output cap alone would never stop them
    template = compiled(
        "{% for a in deal.lines %}{{ deal.lines | map(attribute='x') | select | join }}{% endfor %}"
    )
    lines = [{"x": ""}] * 5000
    with pytest.raises(RenderFailed, match="too many values"):
        render(template, {"deal": {"lines": lines}})
    assert render(template, {"deal": {"lines": lines[:100]}}) == ""  # 10,000 lookups are fine
