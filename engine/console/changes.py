"""A playbook's deal type and two versions of a deal in, what differs field by field in words out
(labels, money and percentages as the handbook writes them, "not recorded"); and a deal's
stored events in, the document as it stood at one version (the store's own replay)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..lang.types import Type
from ..present.words import Book
from ..store.chain import apply, merge_patch
from ..text import fmt_value
from . import dealform
from .signing import is_sign_off
from .words import say

SHOWN = 4  # lines of one change on the timeline; the rest "and N more"


@dataclass(frozen=True)
class Changed:
    """One value that differs: where (its JSON path without ``$.``), its label, before, after."""

    path: str
    label: str
    before: str
    after: str


def document_at(events: list[dict[str, Any]], version: int) -> dict[str, Any] | None:
    """The deal as it stood at ``version`` (events are numbered by the version they wrote);
    None when the history does not reach it."""
    document: dict[str, Any] | None = None
    for e in events:
        if e["seq"] > version:
            break
        document = apply(document, e["kind"], e["data"])
    return document if events and events[0]["seq"] <= version else None


@dataclass(frozen=True)
class Typed:
    """A stale edit form's changes: each as typed beside the value stored now, and the form
    fields that apply them to the version stored now (the rest as stored now)."""

    rows: tuple[tuple[str, str, str], ...]  # label, as typed, stored now
    fields: tuple[tuple[str, str], ...]


def typed_again(
    model: Any,
    events: list[dict[str, Any]],
    seen: int | None,
    now: dict[str, Any],
    fields: dict[str, str],
    lang: str,
) -> Typed | None:
    """What the person changed on a form drawn from version ``seen`` (read against that
    version, not against what is stored now, so another person's change to a field left
    alone is never taken for theirs); None when nothing, or the version is not in history."""
    before = document_at(events, seen) if seen else None
    if before is None:
        return None
    posted = dealform.read(model, before, fields, lang)
    if not posted.patch:
        return None
    mine = changed(model, before, merge_patch(before, posted.patch), lang)
    rows = tuple((c.label, c.after, shown_at(model, now, c.path, lang)) for c in mine)
    form = dealform.controls(model, merge_patch(now, posted.patch), lang)
    return Typed(rows, tuple(dealform.posted_again(form, set(posted.patch))))


def changed(model: Any, before: Any, after: Any, lang: str) -> list[Changed]:
    """Every value of the deal's declared fields that differs between ``before`` and
    ``after``, in the playbook's order (a list of entries compared entry by entry when it
    kept its length, else as a count; a value the playbook does not declare is left out)."""
    out: list[Changed] = []
    _walk(model.deal_type, before or {}, after or {}, "", Book(model, lang), lang, out)
    return out


def shown_at(model: Any, document: Any, path: str, lang: str) -> str:
    """The value at ``path`` (as ``Changed.path`` names it) in ``document``, in words."""
    t: Type | None = model.deal_type
    value: Any = document
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        if t is None:
            return say(lang, "not_recorded")
        if index:
            t = t.item
            value = (
                value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
            )
        else:
            t = t.field(name)
            value = value.get(name) if isinstance(value, dict) else None
    return _words(t or Type("any"), value, path, Book(model, lang), lang)


def _walk(
    t: Type, before: Any, after: Any, path: str, book: Book, lang: str, out: list[Changed]
) -> None:
    if (
        t.kind == "object"
        and not is_sign_off(t)
        and (isinstance(before, dict) or isinstance(after, dict))
    ):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        for name, ft in t.fields:
            here = f"{path}.{name}" if path else name
            _walk(ft, old.get(name), new.get(name), here, book, lang, out)
        return
    if (
        t.kind == "list"
        and t.item is not None
        and t.item.kind == "object"
        and isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
    ):
        for n, (a, b) in enumerate(zip(before, after, strict=True)):
            _walk(t.item, a, b, f"{path}[{n}]", book, lang, out)
        return
    if _same(before, after):
        return
    label = book.field(re.sub(r"\[\d+\]", "[]", path))
    out.append(
        Changed(
            path, label, _words(t, before, path, book, lang), _words(t, after, path, book, lang)
        )
    )


def _words(t: Type, value: Any, path: str, book: Book, lang: str) -> str:
    if value is None or value == [] or value == {}:
        return say(lang, "not_recorded")
    if isinstance(value, bool):
        return say(lang, "yes" if value else "no")
    if is_sign_off(t) and isinstance(value, dict):
        role = book.role(str(value.get("role", "")))
        on = f" {value['on']}" if value.get("on") else ""
        return f"{value.get('by', '')} ({role}){on}"
    if isinstance(value, list):
        if t.item is not None and t.item.kind == "object" and not is_sign_off(t.item):
            return say(lang, "n_entries", n=str(len(value)))
        item = t.item or Type("any")
        return ", ".join(_words(item, v, path, book, lang) for v in value)
    if isinstance(value, dict):
        return say(lang, "n_entries", n=str(len(value)))
    if isinstance(value, str) and t.values:
        return book.value_of(path.rsplit(".", 1)[-1].split("[")[0], value)
    if t.kind in ("money", "percent", "number", "integer") and isinstance(value, int | float):
        value = Decimal(str(value))
    return fmt_value(value, t.kind)


def _same(a: Any, b: Any) -> bool:
    if a in (None, [], {}) and b in (None, [], {}):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)
