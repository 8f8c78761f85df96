"""A playbook's deal type and a stored deal in, the edit form's controls out; the posted form
in, a JSON merge patch (RFC 7396) of what changed out, or each bad value by its JSON path.

The form is generated from the playbook's declared deal fields (``model.deal_type``), so a new
field in a playbook is a new control without touching the console. Every control is named by
the JSON path of its value (``lines[0].unit_price``), the same path the store's refusals and
the deal schema's problems use, so an error lands beside the control it is about.

Unknown is never false: a yes/no field is a choice of yes, no or "not recorded", and an empty
control removes the value rather than writing 0 or false.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import DealProblem
from ..lang.types import Type
from ..lang.values import date_of_text
from ..present.words import Book
from ..store.store import ONLY_BY_COMMANDS
from ..text import fmt_value
from .words import say

# What the store changes only through its own commands (a move, a decision) or never (the
# id): shown, not edited. The store is the authority (it refuses a patch of any of them).
READ_ONLY = frozenset(ONLY_BY_COMMANDS) | {"id"}


def company(recorded: Collection[str], path: str) -> bool:
    """Whether a control's path is company data (a field the playbook declares ``recorded_by``:
    a line's prices, an inline customer's terms, the funds released): shown, never the
    owner's to change here (the store refuses the owner's change; store/reference.py)."""
    return re.sub(r"\[\d+\]", "[]", path) in recorded


PREFIX = "f:"  # a control of the deal (other fields of the form: csrf, version, key)
ROWS = "n:"  # how many rows a repeatable group was drawn with (its blank row included)
DROP = "x:"  # "remove this row" of a repeatable group
MAX_ROWS = 500  # a form never makes more rows than a deal may hold (limits: lines 500)
NUMBER_TEXT = re.compile(r"^[-+]?[0-9]{1,15}(?:\.[0-9]{1,15})?$")
PERCENT_TEXT = re.compile(r"^([-+]?[0-9]{1,15}(?:\.[0-9]{1,15})?)\s*%$")


@dataclass(frozen=True)
class Control:
    """One control of the form (or a group of them: an object's fields, a list's rows)."""

    path: str  # JSON path without "$.": customer.credit_limit, lines[0].unit_price
    label: str
    kind: str  # money number integer percent date bool enum text texts choices group rows fixed
    value: str = ""  # as the control shows it
    options: tuple[tuple[str, str], ...] = ()  # (value, label) of an enumeration
    chosen: tuple[str, ...] = ()  # the ticked values of a list of an enumeration
    children: tuple[Control, ...] = ()  # a group's controls
    rows: tuple[tuple[Control, ...], ...] = ()  # a repeatable group's rows (last one blank)
    error: str = ""
    hint: str = ""

    @property
    def name(self) -> str:
        return PREFIX + self.path

    @property
    def ident(self) -> str:
        """An HTML id for the control (a path has brackets and dots)."""
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.path)


@dataclass(frozen=True)
class Posted:
    """A posted form read against the deal type: the merge patch, or the bad values."""

    patch: dict[str, Any]
    problems: tuple[DealProblem, ...] = field(default=())


def controls(
    model: Any,
    document: dict[str, Any],
    lang: str,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
) -> tuple[Control, ...]:
    """Every top-level field of the deal as a control, in the playbook's order; ``posted``
    (a refused form) wins over the stored values so nothing typed is lost."""
    book = Book(model, lang)
    form = _Form(book, lang, errors or {}, posted, frozenset(model.recorded_by))
    return tuple(
        form.control(name, t, document.get(name), name) for name, t in model.deal_type.fields
    )


class _Form:
    def __init__(
        self,
        book: Book,
        lang: str,
        errors: dict[str, str],
        posted: dict[str, str] | None,
        recorded: frozenset[str],
    ) -> None:
        self.book = book
        self.recorded = recorded
        self.lang = lang
        self.errors = errors
        self.posted = posted

    def label(self, path: str) -> str:
        return self.book.field(re.sub(r"\[\d+\]", "[]", path)).split(" › ")[-1]

    def control(self, name: str, t: Type, value: Any, path: str) -> Control:
        label = self.label(path)
        error = self.errors.get(path, "")
        # id, stage, …; prices, terms, funds released
        if (name == path and name in READ_ONLY) or company(self.recorded, path):
            return Control(path, label, "fixed", self.shown(name, t, value), error=error)
        if t.kind == "object":
            kids = tuple(
                self.control(k, ft, (value or {}).get(k) if isinstance(value, dict) else None,
                             f"{path}.{k}")
                for k, ft in t.fields
            )  # fmt: skip
            if isinstance(value, dict) and "id" in value and not t.field("id"):
                # a reference to the store's account: its values are the store's, not the deal's
                kids = tuple(
                    Control(k.path, k.label, "fixed", self.shown(k.path, ft, value.get(ft_name)))
                    for k, (ft_name, ft) in zip(kids, t.fields, strict=True)
                )
            return Control(path, label, "group", children=kids, error=error)
        if t.kind == "list":
            return self.listed(path, label, t, value, error)
        return self.scalar(path, label, t, value, error)

    def listed(self, path: str, label: str, t: Type, value: Any, error: str) -> Control:
        item = t.item or Type("any")
        items = value if isinstance(value, list) else []
        if item.values:  # a list of an enumeration: a box per value
            chosen = self._posted_choices(path) if self.posted is not None else items
            options = tuple((v, self.book.value_of(path, v)) for v in item.values)
            return Control(path, label, "choices", options=options,
                           chosen=tuple(str(c) for c in chosen), error=error)  # fmt: skip
        if item.kind == "object":
            count = len(items) + 1  # one blank row to add one
            if self.posted is not None:
                count = _count(self.posted.get(ROWS + path), count)
            rows = []
            for i in range(count):
                here = f"{path}[{i}]"
                row_value = items[i] if i < len(items) else {}
                rows.append(
                    tuple(
                        self.control(k, ft, row_value.get(k) if isinstance(row_value, dict)
                                     else None, f"{here}.{k}")
                        for k, ft in item.fields
                    )
                )  # fmt: skip
            return Control(path, label, "rows", rows=tuple(rows), error=error,
                           value=str(count))  # fmt: skip
        if item.kind in ("string", "date") or item.numeric:  # one value a line
            text = "\n".join(_text(v) for v in items)
            if self.posted is not None:
                text = self.posted.get(PREFIX + path, "")
            return Control(
                path, label, "texts", text, error=error, hint=say(self.lang, "one_a_line")
            )
        return Control(path, label, "fixed", self.shown(path, t, value), error=error)

    def scalar(self, path: str, label: str, t: Type, value: Any, error: str) -> Control:
        shown = _text(value)
        if self.posted is not None:
            shown = self.posted.get(PREFIX + path, "")
        if t.values:
            options = tuple((v, self.book.value_of(path.split(".")[-1], v)) for v in t.values)
            return Control(path, label, "enum", shown, options=options, error=error)
        if t.kind == "bool":
            if self.posted is None:
                shown = "" if value is None else ("true" if value else "false")
            options = (("true", say(self.lang, "yes")), ("false", say(self.lang, "no")))
            return Control(path, label, "bool", shown, options=options, error=error)
        if t.kind in ("money", "number", "integer", "percent", "date", "string"):
            kind = "text" if t.kind == "string" else t.kind
            if t.kind == "percent" and isinstance(value, Decimal) and self.posted is None:
                shown = _percent(value)
            return Control(path, label, kind, shown, error=error)
        return Control(path, label, "fixed", self.shown(path, t, value), error=error)

    def shown(self, name: str, t: Type, value: Any) -> str:
        """A value as the page shows it read-only: labels, yes/no, money; "not recorded"."""
        if value == [] or value == {} or (value is None and t.kind == "list"):
            return say(self.lang, "nothing")
        if value is None:
            return say(self.lang, "not_recorded")
        if isinstance(value, bool):
            return say(self.lang, "yes" if value else "no")
        if isinstance(value, str) and name == "stage":
            return self.book.stage(value)
        if isinstance(value, str):
            return self.book.value_of(name.split(".")[-1], value)
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return say(self.lang, "n_entries", n=str(len(value)))
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False, default=str)[:300]
        return fmt_value(value, t.kind)

    def _posted_choices(self, path: str) -> list[str]:
        assert self.posted is not None
        prefix = PREFIX + path + "="
        return [k[len(prefix) :] for k, v in self.posted.items() if k.startswith(prefix) and v]


def paths(form: tuple[Control, ...]) -> set[str]:
    """Every path the form shows an error at (its controls, groups and rows)."""
    found: set[str] = set()
    for c in form:
        found.add(c.path)
        found |= paths(c.children)
        for row in c.rows:
            found |= paths(row)
    return found


def posted_again(form: tuple[Control, ...], names: set[str]) -> list[tuple[str, str]]:
    """What a browser posts for the controls of the top-level fields ``names`` as drawn: a
    form of hidden fields that sends those values again (each field whole, so a value left
    alone goes back as drawn, never as absent)."""
    return [pair for c in form if c.path in names for pair in _posted(c)]


def _posted(c: Control) -> list[tuple[str, str]]:
    if c.kind == "fixed":
        return []
    if c.kind == "group":
        return [pair for k in c.children for pair in _posted(k)]
    if c.kind == "rows":
        kids = [pair for row in c.rows for k in row for pair in _posted(k)]
        return [(ROWS + c.path, c.value), *kids]
    if c.kind == "choices":
        return [(ROWS + c.path, "1"), *((f"{PREFIX}{c.path}={v}", "1") for v in c.chosen)]
    return [(c.name, c.value)]


def read(model: Any, document: dict[str, Any], fields: dict[str, str], lang: str) -> Posted:
    """The posted controls read against the deal type: each value parsed by its type (an
    empty control is "not recorded"), compared with the stored document, and what differs
    as a merge patch. A control that is not a field of the deal is ignored (read-only ones
    included: the store refuses them anyway)."""
    problems: list[DealProblem] = []
    patch: dict[str, Any] = {}
    for name, t in model.deal_type.fields:
        if name in READ_ONLY:
            continue
        before = document.get(name)
        if t.kind == "object" and isinstance(before, dict) and "id" in before and not t.field("id"):
            continue  # an account the store holds: not the deal's to change
        after = _value(name, t, before, fields, problems, lang, frozenset(model.recorded_by))
        if after is _UNSEEN:
            continue
        change = _diff(before, after)
        if change is not _SAME:
            patch[name] = change
        if (
            after is None
            and name in model.deal_type.required
            and f"$.{name}" not in {p.path for p in problems}
        ):
            problems.append(_said(f"$.{name}", say(lang, "required")))
    return Posted(patch, tuple(problems))


def _said(path: str, message: str) -> DealProblem:
    """A bad value of the form, said in the page's language already (the console's words)."""
    return DealProblem(path, message, "form", (("text", message),))


class _Unseen:
    """A value the form did not carry (another form's post, or a control it never had)."""


_UNSEEN: Any = _Unseen()
_SAME: Any = object()


def _value(
    path: str,
    t: Type,
    before: Any,
    fields: dict[str, str],
    out: list[DealProblem],
    lang: str,
    recorded: frozenset[str],
) -> Any:
    if t.kind == "object":
        old = before if isinstance(before, dict) else {}
        got = {
            k: _value(f"{path}.{k}", ft, old.get(k), fields, out, lang, recorded)
            for k, ft in t.fields
            if not company(recorded, f"{path}.{k}")
        }
        got = {k: v for k, v in got.items() if v is not _UNSEEN}
        if (
            not got
            and (ROWS + path) not in fields
            and not any(k.startswith(PREFIX + path + ".") for k in fields)
        ):
            return _UNSEEN
        # keep what the form had no control for (values of fields it does not declare)
        kept = {
            k: v for k, v in old.items() if t.field(k) is None or company(recorded, f"{path}.{k}")
        }
        whole = {**kept, **{k: v for k, v in got.items() if v is not None}}
        if whole:  # an entry begun must be whole: what it needs, at each missing control
            said = {p.path for p in out}  # a value refused already: that is what to fix
            for k in t.required:
                if k not in whole and f"$.{path}.{k}" not in said:
                    out.append(_said(f"$.{path}.{k}", say(lang, "required")))
        return whole or None
    if t.kind == "list":
        return _list(path, t, before, fields, out, lang, recorded)
    key = PREFIX + path
    if key not in fields:
        return _UNSEEN
    return _scalar(path, t, fields[key].strip(), out, lang)


def _list(
    path: str,
    t: Type,
    before: Any,
    fields: dict[str, str],
    out: list[DealProblem],
    lang: str,
    recorded: frozenset[str],
) -> Any:
    item = t.item or Type("any")
    if item.values:
        prefix = PREFIX + path + "="
        if (ROWS + path) not in fields:
            return _UNSEEN
        ticked = {k[len(prefix) :] for k, v in fields.items() if k.startswith(prefix) and v}
        chosen = [v for v in item.values if v in ticked]
        return chosen or None
    if item.kind == "object":
        if (ROWS + path) not in fields:
            return _UNSEEN
        count = _count(fields.get(ROWS + path), 0)
        old = before if isinstance(before, list) else []
        rows: list[Any] = []
        for i in range(count):
            here = f"{path}[{i}]"
            if fields.get(DROP + here):
                continue
            row = _value(here, item, old[i] if i < len(old) else None, fields, out, lang, recorded)
            if row is not _UNSEEN and row:
                rows.append(row)
        return rows or None
    key = PREFIX + path
    if key not in fields:
        return _UNSEEN
    values = []
    for n, line in enumerate(x.strip() for x in fields[key].splitlines()):
        if line:
            values.append(_scalar(f"{path}[{n}]", item, line, out, lang))
    return values or None


def _scalar(path: str, t: Type, text: str, out: list[DealProblem], lang: str) -> Any:
    """A control's text as the deal's value: "" is no value (the key is removed)."""
    if text == "":
        return None

    def bad(key: str) -> None:
        out.append(_said("$." + path, f"{text[:60]!r}: {say(lang, key)}"))

    if t.values:
        if text not in t.values:
            bad("bad_choice")
        return text
    if t.kind == "bool":
        if text not in ("true", "false"):
            bad("bad_choice")
        return text == "true"
    limits = dict(t.extra)
    if t.kind in ("money", "number", "integer", "percent"):
        m = PERCENT_TEXT.match(text) if t.kind == "percent" else None
        plain = text.replace(",", "").replace("，", "").replace(" ", "")
        if m is None and not NUMBER_TEXT.match(plain):
            bad("bad_number")
            return None
        number = Decimal(m.group(1)).scaleb(-2) if m else Decimal(plain)
        if t.kind == "integer" and number != number.to_integral_value():
            bad("bad_whole")
            return None
        # the deal schema's bounds, said here in the reader's language (the store checks too)
        low, high = limits.get("minimum"), limits.get("maximum")
        if low is not None and number < Decimal(str(low)):
            out.append(_said("$." + path, say(lang, "too_small", limit=_text(low))))
            return None
        if high is not None and number > Decimal(str(high)):
            out.append(_said("$." + path, say(lang, "too_big", limit=_text(high))))
            return None
        return int(number) if t.kind == "integer" else number
    if t.kind == "date":
        try:  # YYYY-MM-DD only, as <input type=date> sends it (never 20260302, 2026-W10-1)
            return date_of_text(text).isoformat()
        except ValueError:
            bad("bad_date")
            return None
    longest = limits.get("maxLength")
    if isinstance(longest, int) and len(text) > longest:
        out.append(_said("$." + path, say(lang, "too_long", limit=str(longest))))
        return None
    return text


def _diff(before: Any, after: Any) -> Any:
    """The merge patch turning ``before`` into ``after`` (``_SAME`` when nothing changed)."""
    if isinstance(before, dict) and isinstance(after, dict):
        patch = {}
        for k in before.keys() | after.keys():
            change = _diff(before.get(k), after.get(k))
            if change is not _SAME:
                patch[k] = change
        return patch or _SAME
    if _same(before, after):
        return _SAME
    return after  # a list is replaced whole; None removes the key


def _same(a: Any, b: Any) -> bool:
    if a in (None, [], {}) and b in (None, [], {}):
        return True  # nothing recorded either way: no change worth a version
    if isinstance(a, str) and (m := PERCENT_TEXT.match(a)) and isinstance(b, Decimal):
        return Decimal(m.group(1)).scaleb(-2) == b  # "12%" as the deal wrote it, 0.12 as typed
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | Decimal | float) and isinstance(b, int | Decimal | float):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except InvalidOperation:
            return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _count(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and int(text) <= MAX_ROWS else default


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _percent(value: Decimal) -> str:
    """0.18 as "18%" (exact: the control shows what the deal holds)."""
    shown = format(value.scaleb(2).normalize(), "f")
    return f"{shown}%"
