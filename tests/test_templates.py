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
    # whichever bound comes first: the lookups or the time (a loaded machine is slower)
    with pytest.raises(RenderFailed, match=r"too many values|longer than 200 ms"):
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


# -- the work of a message is bounded, not just its text (issue 12) ------------------------------

from engine.lang import templates as tpl  # noqa: E402
from engine.limits import (  # noqa: E402
    MAX_MESSAGE_DIGITS,
    MAX_MESSAGE_ITEMS,
    MAX_MESSAGE_PLACES,
    MAX_MESSAGE_TEXT,
    MAX_MESSAGE_WIDTH,
)


def _doubled(step: str, times: int = 40, start: str = "deal.name") -> str:
    """A message that applies ``step`` to ``s`` ``times`` times, one {% set %} after another."""
    return (
        "{% set s = " + start + " %}" + ("{% set s = " + step + " %}") * times + "{{ s | length }}"
    )


def _fails(text: str, values: dict, match: str) -> None:
    assert _check(text) == [], "lint accepts it: the bound must hold when the message is written"
    with pytest.raises(RenderFailed, match=match):
        render(compiled(text), values)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (_doubled("s ~ s"), "text longer than 100,000"),
        (_doubled("s + s"), "too long"),
        (_doubled("s + s", start="[deal.name]"), "too long"),
        (_doubled("s * 2"), "too long"),
        (_doubled("s | replace('', s)", times=8), "text longer than"),
        (_doubled("s | indent(deal.width, true)", times=2), "width must be"),
        ("{% set n = deal.amount %}" + "{% set n = n * n %}" * 30 + "{{ n > 1 }}", "larger than"),
        ("{% set n = deal.count %}" + "{% set n = n * n %}" * 30 + "{{ n > 1 }}", "larger than"),
    ],
)
def test_values_a_message_builds_are_checked_as_they_are_built(text, match):
    values = {"deal": {"name": "ab", "amount": Decimal("1000000"), "count": 10**6, "width": 10**9}}
    _fails(text, values, match)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{{ deal.name | center(deal.n) }}", "width must be a whole number from 0 to 1,000"),
        ("{{ deal.name | indent(deal.n) }}", "width must be"),
        ("{{ deal.name | wordwrap(deal.n) }}", "width must be"),
        ("{{ deal.name | truncate(5, leeway=deal.n) }}", "leeway must be"),
        ("{{ deal.amount | number(deal.n) }}", "decimal places are a whole number from 0 to 20"),
        ("{{ deal.amount | pct(deal.n) }}", "decimal places"),
        ("{{ deal.amount | round(deal.n) }}", "precision must be"),
        ("{{ deal.lines | batch(deal.n, 'x') | list | length }}", "batch size must be"),
        ("{{ deal.name | replace('a', deal.name, deal.n) }}", "count must be"),
    ],
)
def test_filter_sizes_from_the_deal_are_checked_before_the_filter_runs(text, match):
    values = {"deal": {"name": "ab", "amount": Decimal("12.5"), "n": 10**9, "lines": [1]}}
    _fails(text, values, match)


@pytest.mark.parametrize(
    ("text", "fine", "refused"),
    [
        ("{{ deal.name | center(deal.n) }}", MAX_MESSAGE_WIDTH, MAX_MESSAGE_WIDTH + 1),
        ("{{ deal.amount | number(deal.n) }}", MAX_MESSAGE_PLACES, MAX_MESSAGE_PLACES + 1),
        ("{{ deal.amount | pct(deal.n) }}", MAX_MESSAGE_PLACES, MAX_MESSAGE_PLACES + 1),
        ("{{ deal.amount | pct(deal.n) }}", 0, -1),
    ],
)
def test_size_arguments_at_the_boundary(text, fine, refused):
    template = compiled(text)
    values = {"deal": {"name": "ab", "amount": Decimal("0.125")}}
    assert render(template, {"deal": {**values["deal"], "n": fine}})
    with pytest.raises(RenderFailed):
        render(template, {"deal": {**values["deal"], "n": refused}})


def test_text_and_lists_at_the_boundary():
    template = compiled("{{ (deal.a ~ deal.b) | length }}")
    longest = "x" * (MAX_MESSAGE_TEXT - 1)
    assert render(template, {"deal": {"a": longest, "b": "y"}}) == str(MAX_MESSAGE_TEXT)
    with pytest.raises(RenderFailed, match="text longer than 100,000 characters"):
        render(template, {"deal": {"a": longest, "b": "yz"}})
    template = compiled("{{ (deal.a + deal.b) | length }}")
    most = [0] * (MAX_MESSAGE_ITEMS - 1)
    assert render(template, {"deal": {"a": most, "b": [1]}}) == str(MAX_MESSAGE_ITEMS)
    with pytest.raises(RenderFailed):
        render(template, {"deal": {"a": most, "b": [1, 2]}})


def test_numbers_at_the_boundary():
    template = compiled("{{ (deal.a * deal.b) > 0 }}")
    largest = 10**MAX_MESSAGE_DIGITS
    assert render(template, {"deal": {"a": largest, "b": 1}}) == "True"
    with pytest.raises(RenderFailed, match="larger than 10\\*\\*40"):
        render(template, {"deal": {"a": largest + 1, "b": 1}})
    assert render(template, {"deal": {"a": Decimal(largest), "b": 1}}) == "True"
    with pytest.raises(RenderFailed, match="larger than"):
        render(template, {"deal": {"a": Decimal(largest), "b": Decimal("1.1")}})
    smallest = Decimal(1).scaleb(-MAX_MESSAGE_DIGITS)
    assert render(template, {"deal": {"a": smallest, "b": 1}}) == "True"
    with pytest.raises(RenderFailed, match="smaller than"):
        render(template, {"deal": {"a": smallest, "b": Decimal("0.1")}})


def test_a_long_list_is_not_written_as_one_huge_text():
    # 8,192 references to one 100,000-character text: writing it would be 800 MB
    text = "{% set l = [deal.name] %}" + "{% set l = l + l %}" * 13
    values = {"deal": {"name": "x" * 100_000}}
    for tail in ("{{ l }}", "{{ l | upper }}", "{{ l | join }}", "{{ l ~ '' }}", "{{ l | sort }}"):
        with pytest.raises(RenderFailed, match=r"longer than|sorts more than"):
            render(compiled(text + tail), values)


def test_all_a_message_builds_is_bounded_together():
    text = (
        "{% set l = [deal.name] %}"
        + "{% set l = l + l %}" * 13
        + "{{ l | map('upper') | list | length }}"
    )
    with pytest.raises(RenderFailed, match="builds more than 4,000,000 characters in all"):
        render(compiled(text), {"deal": {"name": "x" * 100_000}})


def test_the_time_a_message_computes_is_checked_while_it_runs():
    # every step is small and allowed; together they would run for seconds
    text = "{% set l = [deal.name] %}" + "{% set l = l + l %}" * 13
    text += "{{ l | select('in', deal.name) | list | length }}" * 20
    with pytest.raises(RenderFailed, match="longer than 200 ms"):
        render(compiled(text), {"deal": {"name": "x" * 100_000}})


def test_percent_formatting_of_text_is_refused():
    assert _check("{{ '%0999999999d' % 1 }}") == [
        "messages write values with filters, not with '%'"
    ]
    with pytest.raises(RenderFailed, match="not with '%'"):
        render(compiled("{{ deal.f % 1 }}"), {"deal": {"f": "%0999999999d"}})
    assert render(compiled("{{ deal.n % 7 }}"), {"deal": {"n": 23}}) == "2"


# -- every way to name a filter or a test goes through one allow-list ----------------------------


def test_only_allowed_filters_and_tests_exist_when_a_message_is_written():
    assert set(tpl.ENV.filters) == tpl.FILTERS
    assert set(tpl.ENV.tests) == tpl.TESTS
    assert not {"random", "format", "attr", "xmlattr", "groupby", "dictsort"} & set(tpl.ENV.filters)
    assert not {"callable", "filter", "test"} & set(tpl.ENV.tests)


@pytest.mark.parametrize(
    "text",
    [
        "{{ deal.lines | map('random') | join }}",
        "{{ ['%s'] | map('format', deal.name) | join }}",
        "{{ deal.lines | map('attr', 'x') | join }}",
        "{{ deal.lines | select('callable') | list }}",
        "{{ deal.lines | reject('filter') | list }}",
        "{{ deal.lines | selectattr('x', 'test') | list }}",
        "{{ deal.lines | rejectattr('x', 'callable') | list }}",
        "{% if deal.name is callable %}x{% endif %}",
        "{{ deal.lines | groupby('x') | list }}",
        "{{ deal.name | attr('upper') }}",
        "{{ deal.name | random }}",
    ],
)
def test_a_filter_or_test_off_the_allow_list_is_refused_wherever_it_is_named(text):
    problems = _check(text)
    assert problems
    assert all("not allowed in messages" in p for p in problems), problems
    with pytest.raises(RenderFailed, match=r"No (filter|test) named"):
        render(compiled(text), {"deal": {"name": "ab", "lines": [{"x": 1}, {"x": 2}]}})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{ deal.lines | map(deal.f) | join }}", "map: name the filter it applies as text"),
        ("{{ deal.lines | select(deal.t) | list }}", "select: name the test it applies as text"),
        ("{{ deal.lines | map(*deal.args) | join }}", "not with * or **"),
        ("{{ deal.lines | sort(attribute='__class__') | join }}", "names starting with '_'"),
        ("{{ deal.lines | map(attribute='x.__class__') | join }}", "names starting with '_'"),
        ("{{ deal.lines | sort(attribute=deal.f) | join }}", "name the attribute as text"),
    ],
)
def test_names_given_to_filters_are_checked_at_lint(text, problem):
    assert any(problem in p for p in _check(text)), _check(text)


def test_allowed_names_pass():
    for text in (
        "{{ deal.lines | map('upper') | join(', ') }}",
        "{{ deal.lines | map(attribute='model') | join(', ') }}",
        "{{ deal.lines | selectattr('qty', 'gt', 2) | list | length }}",
        "{{ deal.lines | sort(attribute='qty') | first }}",
        "{% if deal.name is defined %}{{ deal.name }}{% endif %}",
        "{{ deal.lines | select('odd') | sum }}",
    ):
        assert _check(text) == [], text


def test_a_random_choice_cannot_make_two_runs_differ():
    text = "{{ deal.lines | map('random') | join }}"
    outs = set()
    for _ in range(5):
        try:
            outs.add(render(compiled(text), {"deal": {"lines": ["ab", "cd", "ef"]}}))
        except RenderFailed as exc:
            outs.add(str(exc))
    assert len(outs) == 1


@pytest.mark.parametrize(
    "text",
    [
        "{{ deal.lines | selectattr }}",  # found by the message fuzzer: "<generator … at 0x…>"
        "{{ deal.lines | select }}",
        "{{ deal.lines | reject('none') }}",
        "{{ deal.lines | map('upper') }}",
        "{{ deal.lines | reject | d, }}",  # inside a tuple (the fuzzer's second finding)
        "{{ (deal.lines | select, 1) }}",
        "{{ () | wordwrap }}",  # AttributeError in jinja2's filter (the fuzzer's third finding)
        "{{ deal.lines | dictsort }}",
        "{{ {} | first }}",
    ],
)
def test_a_filtered_sequence_is_written_as_its_items_never_as_a_generator(text):
    outs = set()
    for _ in range(3):
        try:
            outs.add(render(compiled(text), {"deal": {"lines": ["ab", "cd"]}}))
        except RenderFailed as exc:  # selectattr with no attribute: cannot be written
            outs.add(f"refused: {exc}")
    (out,) = outs  # the same words on every run: no memory address
    assert "generator" not in out
    assert "0x" not in out


# -- what lint refuses before any deal is seen ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{{ deal.name | center(1001) }}", "center: the width is a whole number from 0 to 1,000"),
        ("{{ deal.name | indent(10**9) }}", "'**' is not allowed"),
        ("{{ deal.name | indent(1000000000) }}", "indent: the width"),
        ("{{ deal.name | wordwrap(width=5000) }}", "wordwrap: the width"),
        ("{{ deal.amount | number(21) }}", "number: the places is a whole number from 0 to 20"),
        ("{{ deal.amount | pct(-1) }}", "pct: the places"),
        ("{{ deal.amount | round(1000) }}", "round: the precision"),
        ("{{ deal.lines | batch(100000000, 'x') | list }}", "batch: the linecount"),
        ("{{ deal.name | replace('a', 'b', 10**12) }}", "'**' is not allowed"),
        ("{{ deal.name | truncate(1000000) }}", "truncate: the length"),
        ("{{ deal.amount * 1e999 }}", "a number in a message lies within"),
        ("{{ deal.amount * 100000000000000000000000000000000000000000000 }}", "lies within"),
        ("{% set s %}{{ deal.name }}{{ deal.name }}{% endset %}{{ s }}", "{% set %} block"),
        ("{{ " + "(" * 1900 + "1" + ")" * 1900 + " }}", "nests more than 64"),
        ("{{ " + "1 + " * 900 + "1 }}", "nests more than 64"),
        ("{{ " + "-" * 3000 + "1 }}", "nests more than 64"),
    ],
)
def test_sizes_and_shapes_lint_can_see_are_refused_at_lint(text, problem):
    problems = _check(text)
    assert any(problem in p for p in problems), problems


def test_a_batch_of_nothing_is_refused_at_lint():
    assert _check("{{ deal.lines | batch(0) | list }}") == [
        "batch: the linecount is a whole number from 1 to 10,000"
    ]


def test_constant_sizes_at_the_boundary_pass_lint():
    assert _check("{{ deal.name | center(1000) }}{{ deal.amount | number(20) }}") == []
    assert _check("{{ deal.name | truncate(100000) }}{{ deal.lines | batch(10000) }}") == []
