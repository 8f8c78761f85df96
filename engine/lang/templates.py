"""Message template text in, compiled sandboxed template out; (template, values) in, text out.

Every template runs in jinja2's ``ImmutableSandboxedEnvironment`` with ``StrictUndefined``:
no attribute starting with ``_``, no mutation, no calls, ``**`` refused. The work of one
rendering is bounded, not just its text: only the filters and tests of the allow-lists exist
(so ``map('random')`` finds nothing), every filter argument that sets a size (a width, a
count, decimal places) is checked before the filter runs, every value a message builds (with
an operator, ``~``, a filter) is checked as it is built (``limits.py``: text, items, digits),
at most ``MAX_LOOKUPS`` value lookups are made, the time spent is checked at every step
(``MAX_RENDER_SECONDS``) and the output is cut at ``MAX_OUTPUT`` characters.
``deal.customer.items`` means the *field* ``items``: attribute lookups try the mapping key
first (jinja2 would otherwise return ``dict.items``).
Names used in a template are checked against the playbook when it is loaded, so a typo is
a lint error, not an empty string in front of a customer; so are filter and test names in
every place a filter or test can be named, and constant arguments over the limits.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import (
    StrictUndefined,
    TemplateSyntaxError,
    Undefined,
    nodes,
    pass_context,
    pass_environment,
)
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.filters import make_attrgetter
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import Values, values_of
from ..limits import (
    MAX_LOOKUPS,
    MAX_MESSAGE_DIGITS,
    MAX_MESSAGE_ITEMS,
    MAX_MESSAGE_NESTING,
    MAX_MESSAGE_PLACES,
    MAX_MESSAGE_TEXT,
    MAX_MESSAGE_WIDTH,
    MAX_RENDER_BUILT,
    MAX_RENDER_SECONDS,
    MAX_SORTED_TEXT,
    MAX_TEMPLATE_SOURCE,
)
from .formats import (
    FILTERS as FORMAT_FILTERS,
)
from .formats import (
    MAX_OUTPUT,
    PLAIN_FILTERS,
    Plain,
    RenderFailed,
    finalize,
    value_label,
)

MAX_SOURCE = MAX_TEMPLATE_SOURCE
# Filters a message may use. attr, format, xmlattr and friends are left out: they are how
# sandbox escapes have reached str.format (CVE-2016-10745, CVE-2024-56326, CVE-2025-27516).
FILTERS = frozenset(
    {
        "pct",
        "label",
        "money",
        "number",
        "date",
        "default",
        "d",
        "join",
        "upper",
        "lower",
        "title",
        "capitalize",
        "trim",
        "length",
        "count",
        "first",
        "last",
        "sort",
        "unique",
        "reject",
        "select",
        "selectattr",
        "rejectattr",
        "map",
        "list",
        "sum",
        "min",
        "max",
        "abs",
        "round",
        "int",
        "string",
        "replace",
        "truncate",
        "indent",
        "wordwrap",
        "center",
        "batch",
        "name_diff",
        "names_not_in",
    }
)


# Tests a message may use (``x is defined``, ``select('odd')``...): none that names a filter,
# a test or a callable.
TESTS = frozenset(
    {
        "defined",
        "undefined",
        "none",
        "boolean",
        "true",
        "false",
        "number",
        "integer",
        "float",
        "string",
        "mapping",
        "sequence",
        "iterable",
        "lower",
        "upper",
        "even",
        "odd",
        "divisibleby",
        "eq",
        "equalto",
        "ne",
        "lt",
        "lessthan",
        "le",
        "gt",
        "greaterthan",
        "ge",
        "in",
        "sameas",
    }
)
# Filters that name another filter (map) or a test (select...) by their first argument
# (selectattr and rejectattr by their second): the name must be on the allow-list too.
NAMES_FILTER = {"map": 0}
NAMES_TEST = {"select": 0, "reject": 0, "selectattr": 1, "rejectattr": 1}
# Filters that read an attribute of each item, and where they take its name (-1: keyword only).
ATTRIBUTE_ARGS = {
    "map": -1,
    "selectattr": 0,
    "rejectattr": 0,
    "join": 1,
    "sum": 0,
    "sort": 2,
    "unique": 1,
    "min": 1,
    "max": 1,
}
# Filters with an argument that sets the size of what they build: (position, keyword, most).
SIZE_ARGS: Mapping[str, tuple[tuple[int, str, int], ...]] = {
    "center": ((0, "width", MAX_MESSAGE_WIDTH),),
    "indent": ((0, "width", MAX_MESSAGE_WIDTH),),
    "wordwrap": ((0, "width", MAX_MESSAGE_WIDTH),),
    "truncate": ((0, "length", MAX_MESSAGE_TEXT), (3, "leeway", MAX_MESSAGE_WIDTH)),
    "number": ((0, "places", MAX_MESSAGE_PLACES),),
    "pct": ((0, "places", MAX_MESSAGE_PLACES),),
    "round": ((0, "precision", MAX_MESSAGE_PLACES),),
    "batch": ((0, "linecount", MAX_MESSAGE_ITEMS),),
    "replace": ((2, "count", MAX_MESSAGE_TEXT),),
}
# Filters that compare every item (and lower-case each text to compare it): the list's text
# is bounded by a deal's size, so one step stays short.
SORTING_FILTERS = frozenset({"sort", "unique", "min", "max"})
# Filters that write their value as text: a list must not become a gigabyte of text first.
TEXT_FILTERS = frozenset(
    {
        "center",
        "indent",
        "wordwrap",
        "truncate",
        "replace",
        "upper",
        "lower",
        "title",
        "capitalize",
        "trim",
        "string",
        "date",
        "number",
        "pct",
        "money",
    }
)
_LARGEST = 10**MAX_MESSAGE_DIGITS
_LARGEST_DECIMAL = Decimal(_LARGEST)
_SMALLEST_DECIMAL = Decimal(1).scaleb(-MAX_MESSAGE_DIGITS)
_LARGEST_FLOAT = float(_LARGEST)
_SMALLEST_FLOAT = float(f"1e-{MAX_MESSAGE_DIGITS}")


class _Budget(threading.local):
    """What the rendering running on this thread may still spend."""

    lookups = MAX_LOOKUPS
    built = MAX_RENDER_BUILT  # characters and list items left to build
    # time.thread_time() to stop at; None outside a rendering. The time this thread computes,
    # not the wall clock: a rendering cannot wait (no I/O, no locks), so all its time is CPU
    # time, and a machine busy with other work must not change what a message says.
    deadline: float | None = None
    steps = 0  # steps left before the clock is read again


_budget = _Budget()
# Reading this thread's CPU clock is a system call (about 1.3 us, against 0.1 us for a step);
# a message takes about ten steps, a deal's result about sixty, so the clock is read every
# CLOCK_EVERY steps. Each step is bounded by the lookup and size budgets, so a rendering past
# its time still fails within a few steps.
CLOCK_EVERY = 8


def _tick() -> None:
    """Counted at every step (a lookup, an operator, a filter, a loop item, an output), the
    clock read every ``CLOCK_EVERY``: a rendering past its time fails within that many steps,
    however the time was spent."""
    budget = _budget
    deadline = budget.deadline
    if deadline is None:
        return
    left = budget.steps - 1
    if left > 0:
        budget.steps = left
        return
    budget.steps = CLOCK_EVERY
    if time.thread_time() > deadline:
        raise SecurityError(
            f"the message took longer than {int(MAX_RENDER_SECONDS * 1000)} ms to write"
        )


def _spend() -> None:
    budget = _budget
    left = budget.lookups - 1
    if left < 0:
        raise SecurityError("the message reads too many values")
    budget.lookups = left
    if not left & 31:  # a lookup is quick: the clock every 32 of them
        _tick()


def _build(size: int) -> None:
    """Spend from what one rendering may build in all: one value is bounded by ``_checked``,
    this bounds them together (10,000 long texts each within the limit are still too many)."""
    left = _budget.built - size
    if left < 0:
        raise SecurityError(f"the message builds more than {MAX_RENDER_BUILT:,} characters in all")
    _budget.built = left


def _checked(value: Any) -> Any:
    """``value`` when it is within what a message may build; raises otherwise."""
    cls = value.__class__
    if cls is int:
        if value.bit_length() > 120 and abs(value) > _LARGEST:
            raise SecurityError(
                f"the message computes a number larger than 10**{MAX_MESSAGE_DIGITS}"
            )
    elif cls is Decimal:
        if not value.is_finite() or abs(value) > _LARGEST_DECIMAL:
            raise SecurityError(
                f"the message computes a number larger than 10**{MAX_MESSAGE_DIGITS}"
            )
        if value and abs(value) < _SMALLEST_DECIMAL:
            raise SecurityError(
                f"the message computes a number smaller than 10**-{MAX_MESSAGE_DIGITS}"
            )
    elif cls is float:
        if not math.isfinite(value) or abs(value) > _LARGEST_FLOAT:
            raise SecurityError(
                f"the message computes a number larger than 10**{MAX_MESSAGE_DIGITS}"
            )
        if value and abs(value) < _SMALLEST_FLOAT:
            raise SecurityError(
                f"the message computes a number smaller than 10**-{MAX_MESSAGE_DIGITS}"
            )
    elif isinstance(value, str):
        if len(value) > MAX_MESSAGE_TEXT:
            raise SecurityError(
                f"the message builds a text longer than {MAX_MESSAGE_TEXT:,} characters"
            )
        _build(len(value))
    elif isinstance(value, list | tuple | dict | set | frozenset):
        if len(value) > MAX_MESSAGE_ITEMS:
            raise SecurityError(
                f"the message builds a list of more than {MAX_MESSAGE_ITEMS:,} items"
            )
        _build(len(value))
    return value


def _text_size(value: Any, most: int) -> int:
    """About how long ``str(value)`` is, counted only until it passes ``most`` (so a list of
    10,000 references to one long text costs ``most`` steps, not its gigabyte)."""
    total = 0
    stack = [value]
    while stack and total <= most:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v) + 2
        elif isinstance(v, list | tuple | set | frozenset):
            total += 2 + 2 * len(v)
            stack.extend(v)
        elif isinstance(v, Mapping):
            total += 2 + 4 * len(v)
            stack.extend(v.keys())
            stack.extend(v.values())
        else:
            total += len(str(v))  # a number (its digits are bounded), a date, a flag
    return total


def _length(value: Any) -> int:
    """``len(str(value))``, or more than the text limit, without building a long text."""
    return len(value) if isinstance(value, str) else _text_size(value, MAX_MESSAGE_TEXT)


def _as_text(value: Any) -> Any:
    if not isinstance(value, str) and _length(value) > MAX_MESSAGE_TEXT:
        raise SecurityError(
            f"the message writes a value longer than {MAX_MESSAGE_TEXT:,} characters"
        )
    return value


def _sortable(value: Any) -> Any:
    """The items to sort (a generator becomes a list), refused when their text is longer
    than a deal's: sorting copies each text to compare it."""
    items = value if isinstance(value, str | list | tuple | Mapping) else list(value)
    if _text_size(items, MAX_SORTED_TEXT) > MAX_SORTED_TEXT:
        raise SecurityError(f"the message sorts more than {MAX_SORTED_TEXT:,} characters")
    return items


def _fits(size: int) -> None:
    if size > MAX_MESSAGE_TEXT:
        raise SecurityError(
            f"the message builds a text longer than {MAX_MESSAGE_TEXT:,} characters"
        )


def _size_arg(value: Any, name: str, most: int, least: int = 0) -> int:
    if value.__class__ is not int or not least <= value <= most:
        raise SecurityError(f"{name} must be a whole number from {least} to {most:,}")
    return int(value)


# The checks each filter makes of its arguments before it runs (the value comes first,
# after jinja2's context, environment or eval context).
def _center_args(value: Any, width: Any = 80) -> None:
    _size_arg(width, "the width", MAX_MESSAGE_WIDTH)


def _indent_args(s: Any, width: Any = 4, first: Any = False, blank: Any = False) -> None:
    text = str(s)
    w = len(width) if isinstance(width, str) else _size_arg(width, "the width", MAX_MESSAGE_WIDTH)
    _fits(len(text) + (text.count("\n") + 1) * w)


def _wordwrap_args(
    s: Any, width: Any = 79, long_words: Any = True, wrapstring: Any = None, *_: Any, **__: Any
) -> None:
    text = str(s)
    width = _size_arg(width, "the width", MAX_MESSAGE_WIDTH, least=1)
    wrap = 1 if wrapstring is None else len(str(wrapstring))
    _fits(len(text) + (len(text) // width + text.count("\n") + 1) * wrap)


def _truncate_args(
    s: Any, length: Any = 255, killwords: Any = False, end: Any = "...", leeway: Any = None
) -> None:
    _size_arg(length, "the length", MAX_MESSAGE_TEXT)
    if leeway is not None:
        _size_arg(leeway, "the leeway", MAX_MESSAGE_WIDTH)


def _replace_args(s: Any, old: Any, new: Any, count: Any = None) -> None:
    text, old, new = str(s), str(old), str(new)
    times = text.count(old) if old else len(text) + 1
    if count is not None:
        times = min(times, _size_arg(count, "the count", MAX_MESSAGE_TEXT))
    _fits(len(text) + times * max(0, len(new) - len(old)))


def _batch_args(value: Any, linecount: Any, fill_with: Any = None) -> None:
    _size_arg(linecount, "the batch size", MAX_MESSAGE_ITEMS, least=1)


def _round_args(value: Any, precision: Any = 0, method: Any = "common") -> None:
    _size_arg(precision, "the precision", MAX_MESSAGE_PLACES)


_ARG_CHECKS: Mapping[str, Callable[..., None]] = {
    "center": _center_args,
    "indent": _indent_args,
    "wordwrap": _wordwrap_args,
    "truncate": _truncate_args,
    "replace": _replace_args,
    "batch": _batch_args,
    "round": _round_args,
}


@pass_environment
def _join(environment: Any, value: Any, d: Any = "", attribute: Any = None) -> str:
    """jinja2's join (no autoescape), its size counted before the text is built."""
    if attribute is not None:
        value = map(make_attrgetter(environment, attribute), value)
    sep = str(d)
    parts: list[str] = []
    size = 0
    for item in value:
        _tick()
        size += _length(item) + (len(sep) if parts else 0)
        _fits(size)
        parts.append(str(item))
    return sep.join(parts)


@pass_environment
def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """jinja2's sum, each step through the checked ``+``."""
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    total = start
    for item in iterable:
        total = environment.call_binop(None, "+", total, item)
    return total


def _bounded(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter ``func`` with its arguments checked before it runs and its result after."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
    before = _ARG_CHECKS.get(name)
    text = name in TEXT_FILTERS
    sorting = name in SORTING_FILTERS

    @functools.wraps(func)  # keeps jinja2's pass_context/pass_environment mark
    def run(*args: Any, **kwargs: Any) -> Any:
        _tick()
        if text and len(args) > skip:
            _as_text(args[skip])
        if sorting and len(args) > skip:
            args = (*args[:skip], _sortable(args[skip]), *args[skip + 1 :])
        if before is not None:
            before(*args[skip:], **kwargs)
        found = func(*args, **kwargs)
        if isinstance(found, Iterator):  # select, map, reject...: the items, never a generator
            return _items(found)
        return _checked(found)

    return run


def _ticking(test: Callable[..., Any]) -> Callable[..., Any]:
    """A test that checks the clock first (``select('in', text)`` runs once per item)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        _tick()
        return test(*args, **kwargs)

    return run


class _CodeGenerator(CodeGenerator):
    """jinja2's code generator with two steps routed through the environment: ``a ~ b``
    (else a plain join nobody checks) and each item of a loop (a clock tick per item)."""

    _loop_sources: frozenset[int] = frozenset()

    def visit_For(self, node: nodes.For, frame: Any) -> None:
        self._loop_sources = self._loop_sources | {id(node.iter)}
        super().visit_For(node, frame)

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) in self._loop_sources:
            self.write("environment.loop_items(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None
        return super().visit(node, *args, **kwargs)

    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        self.write("environment.concat_values((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Environment(ImmutableSandboxedEnvironment):
    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "**":
            raise SecurityError("'**' is not allowed in messages")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("messages write values with filters, not with '%'")
        if operator == "*":
            for a, b in ((left, right), (right, left)):
                if isinstance(a, str | list | tuple) and isinstance(b, int):
                    most = MAX_MESSAGE_TEXT if isinstance(a, str) else MAX_MESSAGE_ITEMS
                    if len(a) * max(b, 0) > most:
                        raise SecurityError("repeated text would be too long")
        if (
            operator == "+"
            and isinstance(left, str | list | tuple)
            and isinstance(right, str | list | tuple)
        ):
            most = MAX_MESSAGE_TEXT if isinstance(left, str) else MAX_MESSAGE_ITEMS
            if len(left) + len(right) > most:
                raise SecurityError("the message builds a value too long to write")
        return _checked(super().call_binop(context, operator, left, right))

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        raise SecurityError("messages cannot call functions")  # lint refuses them too

    def concat_values(self, parts: tuple[Any, ...]) -> str:
        """``a ~ b ~ c``: the size of the text is known before it is built."""
        _tick()
        size = 0
        for part in parts:
            size += _length(part)
            _fits(size)
        return "".join(map(str, parts))

    def loop_items(self, items: Any) -> Any:
        for item in items:
            _tick()
            yield item

    def getattr(self, obj: Any, attribute: str) -> Any:
        _spend()
        # a deal is plain dicts: `customer.items` is the field, never dict.items
        if obj.__class__ is dict and attribute in obj:
            return obj[attribute]
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _spend()
        return super().getitem(obj, argument)


@pass_context
def _label(context: Any, value: Any, name: str = "") -> Any:
    return value_label(value, name, context.parent)


def _finalize(value: Any) -> Any:
    """Each ``{{ value }}``: unknown refused (``formats.finalize``), a list too long to
    write refused before it is written, the clock checked."""
    _tick()
    return _as_text(finalize(value))


def _items(value: Iterator[Any]) -> list[Any]:
    """What a lazy filter (``select``, ``map``, ``reject``...) yields, as a list: printed
    anywhere (alone, in a tuple, as a default) it reads as its items, never as ``<generator
    … at 0x…>``, a memory address that made one deal read differently on each run."""
    items = list(value)  # of a deal's values: bounded by the deal's own limits
    if _text_size(items, MAX_MESSAGE_TEXT) > MAX_MESSAGE_TEXT:
        raise SecurityError(
            f"the message writes a value longer than {MAX_MESSAGE_TEXT:,} characters"
        )
    return items


def _none(value: Any) -> bool:
    """``is none`` holds for a value the deal does not record as for an explicit null, as
    ``== null`` does in a condition: ``line.retail_price is not none`` then guards a line
    without one (jinja2's own test said "not none" of an absent value, and the comparison
    after it failed the whole message)."""
    return value is None or isinstance(value, Undefined)


def _make_env() -> _Environment:
    env = _Environment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        finalize=_finalize,  # an unknown value is never printed as if known
    )
    own = {**FORMAT_FILTERS, "label": _label, "join": _join, "sum": _sum}
    every = {**env.filters, **own}
    # only the allowed filters exist: map('random'), select('callable')... find nothing
    env.filters = {name: _bounded(name, every[name]) for name in sorted(FILTERS)}
    tests: dict[str, Any] = {**env.tests, "none": _none}
    env.tests = {name: _ticking(tests[name]) for name in sorted(TESTS)}
    env.globals.clear()  # no range(), dict(), lipsum(), cycler(), joiner(), namespace()
    return env


ENV = _make_env()


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    message: str
    line: int  # 1-based line inside the template text
    hint: str = ""
    name: str = ""  # the name path as written, so the checker can point at it
    said: str = ""  # its words in every language (errors.Diagnostic): key, values, hint key
    values: Values = ()
    hint_said: str = ""


def _problem(
    message: str, line: int, hint: str = "", said: str = "", hint_said: str = "", **values: Any
) -> TemplateProblem:
    return TemplateProblem(message, line, hint, "", said, values_of(values), hint_said)


@functools.lru_cache(maxsize=4096)
def compiled(text: str) -> Any:
    """The compiled sandboxed template of a (checked) message text."""
    try:
        return ENV.from_string(text)
    except (TemplateError, RecursionError) as exc:  # an unchecked text: a filter not allowed...
        raise RenderFailed(str(exc) or "the message nests too deeply") from None


def render(template: Any, values: Mapping[str, Any]) -> str:
    """Render within the budget (lookups, time) and the output cap; raises ``RenderFailed``
    instead of a jinja2 error."""
    out: list[str] = []
    size = 0
    _budget.lookups = MAX_LOOKUPS
    _budget.built = MAX_RENDER_BUILT
    _budget.deadline = time.thread_time() + MAX_RENDER_SECONDS
    _budget.steps = CLOCK_EVERY
    try:
        # a shared context: the values are not copied (the environment has no globals)
        context = template.new_context(values, shared=True)
        for chunk in template.root_render_func(context):
            _tick()
            size += len(chunk)
            if size > MAX_OUTPUT:
                out.append(" …")
                break
            out.append(chunk)
    # a filter given a value of the wrong kind (`() | wordwrap`, `1 | first`) fails the message,
    # as any other value it cannot write: jinja2 lets AttributeError and LookupError through
    except (
        TemplateError, ArithmeticError, TypeError, ValueError, AttributeError, LookupError
    ) as exc:  # fmt: skip
        raise RenderFailed(str(exc)) from None
    finally:
        _budget.deadline = None
    return " ".join("".join(out).split())


def compile_text(
    text: str,
    names: Callable[[list[str], Mapping[str, tuple[str, ...]]], TemplateProblem | None],
) -> tuple[str | None, list[TemplateProblem], Plain | None]:
    """Check one template; ``names`` checks each dotted name path it reads.

    ``names(chain, loops)`` returns the problem (its line is set here) or None; ``loops`` maps each
    ``{% for x in a.b %}`` variable to the path of its list, so ``x.typo`` can be checked
    against the fields of the list's items.

    Returns the text when it is fine (it is compiled when first rendered) and its plain form
    when it has one (see ``messages.py``)."""
    if len(text) > MAX_SOURCE:
        too_long = _problem(
            f"message is longer than {MAX_SOURCE} characters",
            1,
            said="message_too_long",
            limit=MAX_SOURCE,
        )
        return None, [too_long], None
    try:
        tree = ENV.parse(text)
    except RecursionError:  # jinja2's parser recurses once per bracket or sign
        return None, [_too_deep(1)], None
    except TemplateSyntaxError as exc:
        return (
            None,
            [
                _problem(
                    f"message template: {exc.message}",
                    exc.lineno or 1,
                    "templates use {{ value }} and {% if %}...{% endif %}",
                    "message_template",
                    "templates_use",
                    format=exc.message,
                )
            ],
            None,
        )
    deep = _deeper_than(tree, MAX_MESSAGE_NESTING)
    if deep is not None:  # every later step walks the tree recursively
        return None, [_too_deep(deep.lineno)], None
    problems: list[TemplateProblem] = []
    for node in tree.find_all(
        (
            nodes.Pow,
            nodes.Mul,
            nodes.Mod,
            nodes.Const,
            nodes.Call,
            nodes.Filter,
            nodes.Test,
            nodes.Macro,
            nodes.CallBlock,
            nodes.FilterBlock,
            nodes.AssignBlock,
            nodes.Import,
            nodes.FromImport,
            nodes.Include,
            nodes.Extends,
        )
    ):
        if isinstance(node, nodes.Const):
            if not _number_fits(node.value):
                problems.append(
                    _problem(
                        f"a number in a message lies within 10**-{MAX_MESSAGE_DIGITS} and "
                        f"10**{MAX_MESSAGE_DIGITS}",
                        node.lineno,
                        said="message_number",
                        limit=MAX_MESSAGE_DIGITS,
                    )
                )
        elif isinstance(node, nodes.Mod):
            # '%0999999999d' % 1 pads to a gigabyte; numbers may still be divided with rest
            if _is_text_literal(node.left):
                problems.append(
                    _problem(
                        "messages write values with filters, not with '%'",
                        node.lineno,
                        "{{ value | number(2) }}, {{ value | pct }}",
                        "message_percent_sign",
                        "message_filters",
                    )
                )
        elif isinstance(node, nodes.Test):
            problems.extend(_test_problems(node))
        elif isinstance(node, nodes.AssignBlock):
            problems.append(
                _problem(
                    "a {% set %} block is not allowed in messages",
                    node.lineno,
                    "set a value in one line: {% set name = deal.customer.name %}",
                    "message_set_block",
                    "set_in_one_line",
                )
            )
        elif isinstance(node, nodes.Pow):
            problems.append(
                _problem("'**' is not allowed in messages", node.lineno, said="message_power")
            )
        elif isinstance(node, nodes.Mul):
            # 'x' * 10**8 would be a 100 MB message; numbers may still be multiplied
            if any(_is_text_literal(side) for side in (node.left, node.right)):
                problems.append(
                    _problem(
                        "messages cannot repeat text with '*'", node.lineno, said="message_repeat"
                    )
                )
        elif isinstance(node, nodes.Call):
            problems.append(
                _problem(
                    "messages cannot call functions",
                    node.lineno,
                    "use filters instead: {{ value | pct }}",
                    "message_call",
                    "use_filters",
                )
            )
        elif isinstance(node, nodes.Filter):
            if node.name not in FILTERS:
                problems.append(
                    _problem(
                        f"the filter '{node.name}' is not allowed in messages",
                        node.lineno,
                        f"filters: {', '.join(sorted(FILTERS))}",
                        "message_filter",
                        "filters",
                        name=node.name,
                        known=", ".join(sorted(FILTERS)),
                    )
                )
            elif node.name == "names_not_in" and (len(node.args) != 1 or node.kwargs):
                problems.append(
                    _problem(
                        "names_not_in keeps the names of the list before it that are none "
                        "of one other list",
                        node.lineno,
                        "{{ deal.using_units | names_not_in(deal.subordinate_units) }}",
                        "names_not_in",
                        "names_not_in",
                    )
                )
            elif node.name == "name_diff" and (len(node.args) != 1 or node.kwargs):
                problems.append(
                    _problem(
                        "name_diff compares the name before it with one other name",
                        node.lineno,
                        "{{ deal.contract_customer | name_diff(deal.invoice_customer) }}",
                        "name_diff",
                        "name_diff",
                    )
                )
            else:
                problems.extend(_filter_problems(node))
        else:
            problems.append(
                _problem(
                    f"'{type(node).__name__.lower()}' is not allowed in messages",
                    node.lineno,
                    said="message_node",
                    name=type(node).__name__.lower(),
                )
            )
    for loop in tree.find_all(nodes.For):
        # one loop over a deal list is bounded by the list limit; loops inside loops are not
        inner = next(loop.find_all(nodes.For), None)
        if inner is not None:
            problems.append(
                _problem(
                    "messages cannot have a loop inside a loop",
                    inner.lineno,
                    "list the items of one list; say the rest in words",
                    "message_loops",
                    "one_list",
                )
            )
    bound: set[str] = set()  # names whose values the checker cannot know
    loops: dict[str, tuple[str, ...]] = {}
    for node in tree.find_all((nodes.For, nodes.Assign)):
        target = node.target  # type: ignore[attr-defined]
        source = _chain(node.iter, set()) if isinstance(node, nodes.For) else None
        if isinstance(target, nodes.Name) and source is not None and target.name not in bound:
            if loops.setdefault(target.name, tuple(source)) == tuple(source):
                continue
            del loops[target.name]  # one name over two lists: leave it unchecked
        targets = [target, *target.find_all(nodes.Name)]
        bound.update(t.name for t in targets if isinstance(t, nodes.Name))
        if isinstance(node, nodes.For):
            bound.add("loop")
    for name in bound:
        loops.pop(name, None)
    seen: set[int] = set()
    reported: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Name, nodes.Getitem)):
        if id(node) in seen:
            continue
        chain = _chain(node, seen)
        if chain is None:
            continue
        if chain[0].startswith("_") or any(part.startswith("_") for part in chain):
            problems.append(
                _problem(
                    "names starting with '_' are not allowed",
                    node.lineno,
                    said="message_underscore",
                )
            )
            continue
        if chain[0] in bound or chain[0] == "loop":
            continue
        why = names(chain, loops)
        if why and why.message not in reported:
            reported.add(why.message)
            problems.append(dataclasses.replace(why, line=node.lineno, name=".".join(chain)))
    if problems:
        return None, list(dict.fromkeys(problems)), None  # one call per line is enough to say
    return text, [], _plain_form(tree)


def _too_deep(line: int) -> TemplateProblem:
    return _problem(
        f"the message nests more than {MAX_MESSAGE_NESTING} brackets or operators deep",
        line,
        "set a part first: {% set share = deal.amount / params.budget %}",
        "message_too_deep",
        "set_a_part",
        limit=MAX_MESSAGE_NESTING,
    )


def _deeper_than(tree: nodes.Node, most: int) -> nodes.Node | None:
    """The first node deeper than ``most`` levels (walked without recursion), or None."""
    stack: list[tuple[nodes.Node, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > most:
            return node
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return None


def _number_fits(value: Any) -> bool:
    """A number a message writes lies within the bounds a computed one does (``_checked``)."""
    if value.__class__ not in (int, float):
        return True
    try:
        _checked(value)
    except SecurityError:
        return False
    return True


def _constant(node: nodes.Node | None) -> Any:
    """The value of a constant argument; ``_VARIES`` for anything computed."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.Neg) and isinstance(node.node, nodes.Const):
        value = node.node.value
        return -value if value.__class__ in (int, float) else _VARIES
    return _VARIES


_VARIES = object()


def _argument(node: nodes.Filter | nodes.Test, position: int, keyword: str) -> Any:
    """The argument at ``position`` or named ``keyword``; None when not given."""
    if 0 <= position < len(node.args):
        return node.args[position]
    return next((kw.value for kw in node.kwargs if kw.key == keyword), None)


def _filter_problems(node: nodes.Filter) -> list[TemplateProblem]:
    """What lint can tell of one allowed filter: the filter or test it names, the attribute
    it reads, a size argument over the limit."""
    name, line = node.name, node.lineno
    out: list[TemplateProblem] = []
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        out.append(
            _problem(
                f"{name}: messages pass filter arguments one by one, not with * or **",
                line,
                said="filter_arguments",
                name=name,
            )
        )
    named = [(p, FILTERS, "filter") for p in (NAMES_FILTER.get(name),) if p is not None]
    named += [(p, TESTS, "test") for p in (NAMES_TEST.get(name),) if p is not None]
    for position, allowed, kind in named:
        if position >= len(node.args):
            continue  # map(attribute=...), select() with no test: nothing named
        value = _constant(node.args[position])
        if not isinstance(value, str):
            out.append(
                _problem(
                    f"{name}: name the {kind} it applies as text, e.g. {name}('upper')"
                    if kind == "filter"
                    else f"{name}: name the {kind} it applies as text, e.g. {name}('defined')",
                    line,
                    said=f"name_the_{kind}",
                    name=name,
                )
            )
        elif value not in allowed:
            out.append(
                _problem(
                    f"{name}('{value}'): the {kind} '{value}' is not allowed in messages",
                    line,
                    f"{kind}s: {', '.join(sorted(allowed))}",
                    f"named_{kind}",
                    f"{kind}s",
                    name=name,
                    value=value,
                    known=", ".join(sorted(allowed)),
                )
            )
    where = ATTRIBUTE_ARGS.get(name)
    attribute = None if where is None else _argument(node, where, "attribute")
    if attribute is not None:
        value = _constant(attribute)
        if not isinstance(value, str | int) or isinstance(value, bool):
            out.append(
                _problem(
                    f"{name}: name the attribute as text",
                    line,
                    said="name_the_attribute",
                    name=name,
                )
            )
        elif isinstance(value, str) and any(p.startswith("_") for p in value.split(".")):
            out.append(
                _problem("names starting with '_' are not allowed", line, said="message_underscore")
            )
    for position, keyword, most in SIZE_ARGS.get(name, ()):
        value = _constant(_argument(node, position, keyword))
        if value is _VARIES or value is None:
            continue  # computed: checked when the message is written
        least = 1 if (name, keyword) in (("batch", "linecount"), ("wordwrap", "width")) else 0
        if value.__class__ is not int or not least <= value <= most:
            out.append(
                _problem(
                    f"{name}: the {keyword} is a whole number from {least} to {most:,}",
                    line,
                    f"messages are read by people: a {keyword} over {most:,} is never needed",
                    "size_argument",
                    "size_argument",
                    name=name,
                    keyword=keyword,
                    least=least,
                    most=f"{most:,}",
                )
            )
    return out


def _test_problems(node: nodes.Test) -> list[TemplateProblem]:
    if node.name not in TESTS:
        return [
            _problem(
                f"the test '{node.name}' is not allowed in messages",
                node.lineno,
                f"tests: {', '.join(sorted(TESTS))}",
                "message_test",
                "tests",
                name=node.name,
                known=", ".join(sorted(TESTS)),
            )
        ]
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        return [
            _problem(
                f"{node.name}: messages pass test arguments one by one",
                node.lineno,
                said="test_arguments",
                name=node.name,
            )
        ]
    return []


def _plain_form(tree: nodes.Template) -> Plain | None:
    """Text and ``{{ name.path | filter(constants) }}`` only, with filters the plain path
    knows; None for anything else (conditions, loops, expressions)."""
    parts: list[Any] = []
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            return None
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                parts.append(child.data)
                continue
            value = _plain_value(child)
            if value is None:
                return None
            parts.append(value)
    return tuple(parts)


def _plain_value(node: nodes.Node) -> Any:
    filters: list[tuple[str, tuple[Any, ...]]] = []
    while isinstance(node, nodes.Filter):
        if (
            node.name not in PLAIN_FILTERS
            or node.kwargs
            or node.dyn_args
            or node.dyn_kwargs
            or not all(isinstance(a, nodes.Const) for a in node.args)
        ):
            return None
        filters.append((node.name, tuple(a.value for a in node.args)))  # type: ignore[attr-defined]
        node = node.node  # type: ignore[assignment]
    path: list[str] = []
    while isinstance(node, nodes.Getattr):
        path.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name) or node.ctx != "load":
        return None
    path.append(node.name)
    return (tuple(reversed(path)), tuple(reversed(filters)))


def _is_text_literal(node: nodes.Node) -> bool:
    return isinstance(node, nodes.List | nodes.Tuple) or (
        isinstance(node, nodes.Const) and isinstance(node.value, str)
    )


ITEM = "[]"  # in a name path: one item of the list before it


def _chain(node: nodes.Node, seen: set[int]) -> list[str] | None:
    """``deal.customer.name`` as ["deal", "customer", "name"]; marks the inner nodes seen."""
    parts: list[str] = []
    cur: nodes.Node = node
    while True:
        seen.add(id(cur))
        if isinstance(cur, nodes.Getattr):
            parts.append(cur.attr)
            cur = cur.node
        elif (
            isinstance(cur, nodes.Getitem)
            and isinstance(cur.arg, nodes.Const)
            and isinstance(cur.arg.value, str)
        ):
            parts.append(cur.arg.value)
            cur = cur.node
        elif (
            isinstance(cur, nodes.Getitem)
            and isinstance(cur.arg, nodes.Const)
            and cur.arg.value.__class__ is int
        ):
            parts.append(ITEM)  # deal.lines[0].price: an item of the list, checked as one
            cur = cur.node
        elif isinstance(cur, nodes.Name):
            if cur.ctx != "load":
                return None
            parts.append(cur.name)
            parts.reverse()
            return parts
        else:
            return None
