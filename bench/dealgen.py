"""Seeded, realistic deals for the auto-dealer playbook (benchmark section b and f).

The mix follows the playbook: all three categories, every stage, 1-5 order lines priced
around list (some below floor, a few above retail), cash and credit, documents partly
present, contacts, visits and approvals - so that typical deals fire a few rules each.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

CATEGORIES = ("government_procurement", "system_purchasing", "direct_enterprise")
STAGES = (
    "prospecting",
    "preparation",
    "visit",
    "needs_confirmed",
    "negotiation",
    "closing",
    "delivery",
    "follow_up",
    "retention",
)
DOCS = (
    "procurement_center_contract",
    "bid_award_notice",
    "purchase_list",
    "sales_invoice",
    "unified_purchase_contract",
    "contract",
    "vehicle_registrations",
)
ROLES = ("key_account_manager", "marketing_director", "general_manager", "finance", "manufacturer")
TERRITORIES = ("Chaoyang", "Haidian", "Tianjin")
AS_OF = date(2026, 3, 2)


def money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def deal(rng: random.Random, i: int, lines: int | None = None) -> dict[str, Any]:
    category = rng.choice(CATEGORIES)
    n = lines if lines is not None else rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
    order = []
    for j in range(n):
        list_price = money(rng, 80_000, 400_000)
        floor = (list_price * Decimal("0.85")).quantize(Decimal("0.01"))
        retail = (list_price * Decimal("1.05")).quantize(Decimal("0.01"))
        r = rng.random()
        unit = (list_price * Decimal(str(round(rng.uniform(0.80, 1.0), 3)))).quantize(
            Decimal("0.01")
        )
        if r < 0.05:
            unit = retail + 1000
        order.append(
            {
                "model": f"M{j}",
                "quantity": rng.choice((1, 2, 3, 5, 8, 12)),
                "unit_price": unit,
                "list_price": list_price,
                "floor_price": floor,
                "retail_price": retail,
            }
        )
    credit = rng.random() < 0.5
    customer: dict[str, Any] = {
        "name": f"Customer {i}",
        "territory": rng.choice(TERRITORIES),
        "state_organ": category != "direct_enterprise" and rng.random() < 0.6,
        "credit_limit": money(rng, 0, 5_000_000) if rng.random() < 0.9 else Decimal(0),
        "receivables": money(rng, 0, 2_000_000),
        "overdue_days": rng.choice((0, 0, 0, 15, 45, 90, 91, 120)),
        "largest_batch_this_year": rng.randint(0, 15),
    }
    if rng.random() < 0.85:
        customer["credit_checked_on"] = (AS_OF - timedelta(days=rng.randint(0, 500))).isoformat()
    out: dict[str, Any] = {
        "id": f"AD-{i:07d}",
        "category": category,
        "stage": rng.choice(STAGES),
        "owner": "li.na",
        "dealer_territory": "Chaoyang",
        "customer": customer,
        "lines": order,
        "payment": {"method": "credit" if credit else "cash"},
        "tender": rng.random() < 0.5,
        "documents": [d for d in DOCS if rng.random() < 0.5],
        "contacts": [
            {
                "name": "A",
                "role": rng.choice(("decision_maker", "user", "evaluator")),
                "attitude": rng.choice(("supporter", "neutral", "opponent")),
                "coach": rng.random() < 0.5,
            }
        ],
        "visits": [
            {
                "on": (AS_OF - timedelta(days=rng.randint(1, 60))).isoformat(),
                "record_filed": rng.random() < 0.7,
            }
            for _ in range(rng.randint(0, 3))
        ],
        "approvals": [
            {"role": rng.choice(ROLES), "by": "boss", "decision": "approved"}
            for _ in range(rng.randint(0, 2))
        ],
    }
    if category == "system_purchasing":
        out["subordinate_units"] = ["u1", "u2", "u3"]
        out["using_units"] = rng.sample(["u1", "u2", "u3", "u4"], 2)
    if category == "direct_enterprise":
        name = customer["name"]
        out.update(contract_customer=name, invoice_customer=name, registration_owners=[name])
    return out


def deals(n: int, seed: int = 20261122, lines: int | None = None) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [deal(rng, i, lines) for i in range(n)]
