"""The playbook's ``recorded_by`` fields and a stored deal before and after a change in; the
company data the change touches out (pure).

Some values decide what a deal needs approved but are the company's word, not the
salesperson's: a line's list, floor and retail prices (pricing), an inline customer's credit
terms (the supervisor), the funds finance released for a visit (finance). The playbook says so
on the field (``recorded_by: [role, ...]``, kept in ``PlaybookModel.recorded_by``); on a stored
deal such a value is then written only by who holds one of those roles, never by the deal's
owner: otherwise raising a list price makes a discount fall under its tier and the approvals
it needed vanish. The owner's own terms (unit price, quantity, lines dropped) stay theirs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import DealProblem
from ..jsontext import to_canonical_json
from ..lang.types import Type
from ..read.json import check_values

# The deal field the store replaces by a stored account's values when it names one (``id``):
# the account's terms are then the company's from the store (accounts.py), not the deal's.
ACCOUNT_FIELD = "customer"


@dataclass(frozen=True, slots=True)
class ReferenceChange:
    """One value of company data a change would set: where, whose word, before and after."""

    path: str  # JSON path in the deal: $.lines[0].list_price, $.expense.funds_released
    field: str  # the field as the playbook declares it: lines[].list_price
    roles: tuple[str, ...]  # its recorded_by: who may write it (besides an admin)
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "field": self.field,
            "recorded_by": list(self.roles),
            "before": self.before,
            "after": self.after,
        }


def changes(
    recorded: Mapping[str, tuple[str, ...]],
    deal_type: Type,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    stored_account: bool,
) -> list[ReferenceChange]:
    """The company data ``after`` sets, changes or removes against ``before`` (both as the
    engine judges them), for each field the playbook declares ``recorded_by``.

    A field of a list's items (``lines[].list_price``) is compared by the item it belongs to,
    named by the item's first required text field (a line by its model): an item may be
    dropped, its own values changed or such a value taken away (then unknown: asked for, never
    a pass), but a value the deal did not already carry for that item (a changed price, or a
    model new to the deal, which would otherwise be a way round) is a change. Any other field
    changes when its value does, removed included. While the deal names a stored account, the
    account's fields are the store's and are not the deal's change."""
    found: list[ReferenceChange] = []
    for name, roles in recorded.items():
        steps = _steps(name)
        if stored_account and steps[0] == ACCOUNT_FIELD:
            continue
        if "[]" in steps:
            found += _by_item(name, roles, steps, deal_type, before, after)
        else:
            was, now = _at(before, steps), _at(after, steps)
            if not _same(was, now):
                found.append(ReferenceChange("$." + name, name, roles, was, now))
    return found


def _by_item(
    name: str,
    roles: tuple[str, ...],
    steps: list[str],
    deal_type: Type,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> list[ReferenceChange]:
    # each (item, value) the deal carried, as a set: the work stays linear in its items
    known: dict[tuple[str, ...], set[str]] = {}
    shown: dict[tuple[str, ...], Any] = {}
    for _, key, value in _walk(before, steps, deal_type, "$", ()):
        known.setdefault(key, set()).add(_value_key(value))
        shown.setdefault(key, value)
    return [
        ReferenceChange(path, name, roles, shown.get(key), value)
        for path, key, value in _walk(after, steps, deal_type, "$", ())
        if _value_key(value) not in known.get(key, ())
    ]


def _walk(
    value: Any, steps: list[str], t: Type | None, path: str, key: tuple[str, ...]
) -> Iterator[tuple[str, tuple[str, ...], Any]]:
    """Each value present at ``steps`` (``[]`` for every item of a list): its JSON path, the
    names of the items it belongs to, and the value."""
    if not steps:
        if value is not None:
            yield path, key, value
        return
    step, rest = steps[0], steps[1:]
    if step == "[]":
        if isinstance(value, list):
            item_t = t.item if t is not None else None
            namer = item_name(item_t)
            for n, item in enumerate(value):
                yield from _walk(item, rest, item_t, f"{path}[{n}]", (*key, _name_of(item, namer)))
    elif isinstance(value, Mapping) and step in value:
        yield from _walk(value[step], rest, t.field(step) if t else None, f"{path}.{step}", key)


def item_name(t: Type | None) -> str | None:
    """The field that names an item of a list: its first required text field (a line's model)."""
    if t is None or t.kind != "object":
        return None
    for name in t.required:
        ft = t.field(name)
        if ft is not None and ft.kind == "string":
            return name
    return None


def _name_of(item: Any, namer: str | None) -> str:
    if namer is None or not isinstance(item, Mapping):
        return ""  # no name: a value is known if any item carried it
    name = item.get(namer)
    return name_key(name) if isinstance(name, str) else repr(name)


def name_key(name: str) -> str:
    """An item's name as compared: ``Pickup  P7`` and ``pickup p7`` are one model."""
    return " ".join(name.split()).casefold()


def _steps(name: str) -> list[str]:
    """``lines[].list_price`` -> ``["lines", "[]", "list_price"]``."""
    out: list[str] = []
    for part in name.split("."):
        bare = part.removesuffix("[]")
        out.append(bare)
        out += ["[]"] * ((len(part) - len(bare)) // 2)
    return out


def _at(document: Mapping[str, Any], steps: list[str]) -> Any:
    value: Any = document
    for step in steps:
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal as values: 150000 and 150000.00 are one price; a flag is not a number."""
    return _value_key(a) == _value_key(b)


def _value_key(value: Any) -> str:
    """A value as compared: a number by its value (150000 is 150000.00), anything else by its
    canonical JSON (so ``true`` is not 1)."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
        if number.is_finite():
            return "n:" + str(number.normalize())
    return "j:" + to_canonical_json(value)


def without_reference(recorded: Mapping[str, tuple[str, ...]], document: Mapping[str, Any]) -> str:
    """The deal with its company data taken out, as canonical JSON: what is left is the owner's."""
    out: Any = dict(document)
    for name in recorded:
        out = _strip(out, _steps(name))
    return to_canonical_json(out)


def _strip(value: Any, steps: list[str]) -> Any:
    step, rest = steps[0], steps[1:]
    if step == "[]":  # each item's field, or (a list of plain values) the items themselves
        if not isinstance(value, list):
            return value
        return [_strip(v, rest) for v in value] if rest else []
    if not isinstance(value, Mapping) or step not in value:
        return value
    if not rest:
        return {k: v for k, v in value.items() if k != step}
    inner = _strip(value[step], rest)
    if inner == {} and value[step] != {}:  # an object that held only company data: theirs too
        return {k: v for k, v in value.items() if k != step}
    return {**value, step: inner}


def account_keepers(recorded: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Who records each field of a stored customer account: the roles the playbooks declare
    on their deal's customer (``customer.state_organ`` recorded_by ``[key_account_manager]``
    keeps ``state_organ`` of every account). Only an account's own fields, not nested ones."""
    found: dict[str, tuple[str, ...]] = {}
    for name, roles in recorded.items():
        steps = _steps(name)
        if len(steps) == 2 and steps[0] == ACCOUNT_FIELD:
            found[steps[1]] = tuple(dict.fromkeys((*found.get(steps[1], ()), *roles)))
    return found


def account_kinds(
    recorded: Mapping[str, tuple[str, ...]], deal_type: Type
) -> dict[str, tuple[tuple[str, ...], str]]:
    """``account_keepers`` with each field's kind in the playbook (bool, integer, money...),
    so an account value a deal could not take is refused where it is written."""
    customer = deal_type.field(ACCOUNT_FIELD)
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    for name, roles in account_keepers(recorded).items():
        t = customer.field(name) if customer is not None else None
        out[name] = (roles, t.kind if t is not None else "any")
    return out


def beyond_a_deal(values: Mapping[str, Any], named: list[DealProblem]) -> list[DealProblem]:
    """The values of company data (a price, an account) that no deal could take: a number out
    of a deal's range, an invisible character, nesting too deep, each by its JSON path, but
    for the paths ``named`` already has a problem at. A deal takes these values as its own, so
    they are refused where they are written, not on every deal that takes them later."""
    seen = {p.path for p in named}
    return [p for p in check_values(values) if p.path not in seen]


def same_value(a: Any, b: Any) -> bool:
    """Equal as values: 150000 and 150000.00 are one price; a flag is not a number."""
    return _same(a, b)


def in_words(found: list[ReferenceChange]) -> str:
    """The changes as a person reads them: ``$.lines[0].list_price 150000.00 to 180000``."""
    return "; ".join(
        f"{c.path} {'(none)' if c.before is None else c.before} to "
        f"{'(none)' if c.after is None else c.after}"
        for c in found
    )


def roles_of(found: list[ReferenceChange]) -> tuple[str, ...]:
    """Every role the changes name, once, in order."""
    return tuple(dict.fromkeys(r for c in found for r in c.roles))
