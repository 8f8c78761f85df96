"""A stored deal before and after a change in; the company data it changes out (pure).

Reference data decides what a deal needs approved but is the company's word, not the
salesperson's: a line's list, floor and retail prices (the price list) and a customer's credit
terms. On a stored deal it is changed only by who owns that data, never by the deal's owner:
otherwise raising a list price makes a discount fall under its tier and the approvals it
needed vanish. The owner's own terms (unit price, quantity, lines dropped) stay theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..jsontext import to_canonical_json

# The price list's fields on a line, and who sets them (besides an admin)
LINE_PRICES = ("list_price", "floor_price", "retail_price")
PRICING_ROLE = "pricing"
# An inline customer's credit terms (a stored account's are guarded in accounts.py)
CUSTOMER_TERMS = (
    "credit_limit",
    "credit_limit_approved_by",
    "credit_checked_on",
    "receivables",
    "overdue_days",
)


@dataclass(frozen=True, slots=True)
class ReferenceChange:
    """One value of company data a change would set: where, what it was and what it becomes."""

    path: str  # JSON path in the deal: $.lines[0].list_price, $.customer.credit_limit
    kind: str  # "price" or "credit"
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "before": self.before, "after": self.after}


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any], *, stored_account: bool
) -> list[ReferenceChange]:
    """Company data ``after`` holds that ``before`` did not (both as the engine judges them).

    A line's prices are the price list's for its model: a line may be dropped or its quantity
    and unit price changed, but a price the deal did not already carry for that model (a
    changed price, or a model new to the deal, which would otherwise be a way round) is a
    change. A customer's terms change unless the deal now names a stored account (whose terms
    are the company's, from the store)."""
    found = _line_prices(before, after)
    if not stored_account:
        found += _customer_terms(before, after)
    return found


def _line_prices(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[ReferenceChange]:
    # each (model, price) the deal carried, as a set: the work stays linear in its lines
    known: dict[tuple[str, str], set[str]] = {}
    shown: dict[tuple[str, str], Any] = {}
    for line in _lines(before):
        for name in LINE_PRICES:
            value = line.get(name)
            if value is not None:
                known.setdefault((_model(line), name), set()).add(_value_key(value))
                shown.setdefault((_model(line), name), value)
    found = []
    for n, line in enumerate(_lines(after)):
        for name in LINE_PRICES:
            value = line.get(name)
            if value is None:  # a price taken away is unknown, asked for, never a pass
                continue
            key = (_model(line), name)
            if _value_key(value) not in known.get(key, ()):
                found.append(
                    ReferenceChange(f"$.lines[{n}].{name}", "price", shown.get(key), value)
                )
    return found


def _customer_terms(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[ReferenceChange]:
    was, now = _customer(before), _customer(after)
    return [
        ReferenceChange(f"$.customer.{name}", "credit", was.get(name), now.get(name))
        for name in CUSTOMER_TERMS
        if now.get(name) is not None and not _same(was.get(name), now.get(name))
    ]


def _lines(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    lines = document.get("lines")
    return [x for x in lines if isinstance(x, Mapping)] if isinstance(lines, list) else []


def _customer(document: Mapping[str, Any]) -> Mapping[str, Any]:
    customer = document.get("customer")
    return customer if isinstance(customer, Mapping) else {}


def _model(line: Mapping[str, Any]) -> str:
    model = line.get("model")
    return " ".join(model.split()).casefold() if isinstance(model, str) else repr(model)


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


def without_reference(document: Mapping[str, Any]) -> dict[str, Any]:
    """The deal with its company data taken out: what is left is the owner's."""
    out = dict(document)
    if isinstance(out.get("lines"), list):
        out["lines"] = [
            {k: v for k, v in line.items() if k not in LINE_PRICES}
            if isinstance(line, Mapping)
            else line
            for line in out["lines"]
        ]
    if isinstance(out.get("customer"), Mapping):
        out["customer"] = {k: v for k, v in out["customer"].items() if k not in CUSTOMER_TERMS}
    return out


def in_words(found: list[ReferenceChange]) -> str:
    """The changes as a person reads them: ``$.lines[0].list_price 150000.00 to 180000``."""
    return "; ".join(
        f"{c.path} {'(none)' if c.before is None else c.before} to {c.after}" for c in found
    )
