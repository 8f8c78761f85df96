"""Messages: what the static check refuses and what the sandbox still stops at render time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.lang.messages import MAX_OUTPUT, Message, RenderFailed, _Unsure, write_plain
from engine.lang.templates import compile_text, compiled, render


def _check(text: str) -> list[str]:
    _, problems, _ = compile_text(text, lambda chain, loops: None)
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


# -- plain forms: most messages are written without jinja2 -------------------------------------


def _plain(text):
    checked, problems, plain = compile_text(text, lambda chain, loops: None)
    assert checked == text
    assert problems == []
    return plain


def test_text_values_and_formatting_filters_have_a_plain_form():
    plain = _plain("discount {{ facts.discount | pct(1) }} for {{ deal.customer.name }}")
    assert plain == (
        "discount ",
        (("facts", "discount"), (("pct", (1,)),)),
        " for ",
        (("deal", "customer", "name"), ()),
    )
    values = {"facts": {"discount": Decimal("0.18")}, "deal": {"customer": {"name": "Acme"}}}
    assert write_plain(plain, values) == "discount 18.0% for Acme"
    assert write_plain(plain, values) == render(compiled(_TEXT), values)


_TEXT = "discount {{ facts.discount | pct(1) }} for {{ deal.customer.name }}"


@pytest.mark.parametrize(
    "text",
    [
        "{% if deal.x %}a{% endif %}",
        "{% for a in deal.lines %}{{ a }}{% endfor %}",
        "{{ deal.x + 1 }}",
        "{{ deal.x | upper }}",
        "{{ deal.x | pct(deal.places) }}",
        "{{ deal['x'] }}",
        "{{ 'literal' }}",
    ],
)
def test_anything_else_is_left_to_jinja2(text):
    assert _plain(text) is None


@pytest.mark.parametrize(
    "values",
    [
        {},  # the value is missing: jinja2 says why
        {"facts": {}, "deal": {"customer": {"name": "Acme"}}},
        {"facts": {"discount": 1}, "deal": {"customer": "not a mapping"}},
    ],
)
def test_where_the_plain_path_is_unsure_jinja2_decides(values):
    message = Message({"en": _TEXT}, {"en": _plain(_TEXT)})
    with pytest.raises(_Unsure):
        write_plain(message.plain["en"], values)
    with pytest.raises(RenderFailed):
        message.render("en", values)


def test_join_of_a_list_is_plain():
    plain = _plain("units {{ deal.units | join(', ') }}")
    assert write_plain(plain, {"deal": {"units": ["u1", 2]}}) == "units u1, 2"
    with pytest.raises(_Unsure):
        write_plain(plain, {"deal": {"units": "u1"}})  # jinja2 joins the characters
