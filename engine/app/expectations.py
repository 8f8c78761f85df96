"""A test case's ``expect:`` and a result in, every way they differ out (as lines a person reads).

Statuses, exit codes, violations, approvals, actions and shadow hits (expected and not
expected), fact values (numbers compared exactly, ``5%`` as 0.05) and moves allowed or
refused with the conditions missing.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ..text import fmt_number

if TYPE_CHECKING:
    from ..results import Result

EXIT = {"ok": 0, "blocked": 1, "needs_approval": 3, "needs_information": 5}


def compare(expect: dict[str, Any], r: Result) -> list[str]:
    """Every way the result differs from the expectations, as lines a person reads."""
    out: list[str] = []
    if "status" in expect and expect["status"] != r.status:
        out.append(f"status: expected {expect['status']}, got {r.status}")
    if "exit_code" in expect and expect["exit_code"] != EXIT[r.status]:
        out.append(f"exit code: expected {expect['exit_code']}, got {EXIT[r.status]}")
    lists = {
        "violations": r.violations,
        "approvals": r.approvals,
        "actions": r.actions,
        "shadow": r.shadow,
        "missing_information": r.missing_information,
    }
    for key, actual in lists.items():
        items = [_plain(a) for a in actual]
        for want in expect.get(key) or ():
            if not any(_matches(want, a) for a in items):
                out.append(f"{key}: expected {_show(want)}")
                out.append(f"    got {_list(items)}")
        for unwanted in expect.get(f"no_{key}") or ():
            hits = [a for a in items if _matches(unwanted, a)]
            if hits:
                out.append(f"{key}: expected no {_show(unwanted)}")
                out.append(f"    got {_list(hits)}")
    for name, want in (expect.get("facts") or {}).items():
        if name not in r.facts:
            out.append(f"facts.{name}: no such fact")
        elif not _equal(want, r.facts[name]):
            out.append(f"facts.{name}: expected {_value(want)}, got {_value(r.facts[name])}")
    moves = {m.to: m for m in r.transitions}
    for stage in expect.get("allowed") or ():
        m = moves.get(stage)
        if m is None or not m.allowed:
            why = "no such move" if m is None else "; ".join(g.id for g in m.missing)
            out.append(f"move to {stage}: expected allowed, got refused ({why})")
    refused = expect.get("refused") or ()
    for stage in refused:
        m = moves.get(stage)
        if m is not None and m.allowed:
            out.append(f"move to {stage}: expected refused, got allowed")
        if isinstance(refused, dict) and m is not None:
            want_ids = sorted(str(x) for x in refused[stage])
            got_ids = sorted(g.id for g in m.missing)
            if want_ids != got_ids:
                out.append(f"move to {stage}: expected missing {want_ids}, got {got_ids}")
        if m is None and not isinstance(refused, dict):
            pass  # no move at all is refused too
    return out


def _plain(item: Any) -> dict[str, Any]:
    d: dict[str, Any] = item.to_dict()
    if "kind" not in d:
        name = type(item).__name__
        d["kind"] = "missing_information" if name == "MissingInformation" else name.lower()
    return d


def _matches(want: Any, actual: dict[str, Any]) -> bool:
    if isinstance(want, str):
        return bool(actual.get("rule") == want)
    for k, v in want.items():
        if k == "message_contains":
            if str(v) not in str(actual.get("message", "")):
                return False
        elif not _equal(v, actual.get(k)):
            return False
    return True


def _equal(want: Any, got: Any) -> bool:
    from decimal import Decimal, InvalidOperation

    if isinstance(got, date):
        got = got.isoformat()
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got
    if isinstance(want, int | Decimal | float) and isinstance(got, int | Decimal):
        return Decimal(str(want)) == Decimal(got)
    if isinstance(want, str) and want.endswith("%") and isinstance(got, Decimal | int):
        try:
            return Decimal(want[:-1]) / 100 == Decimal(got)
        except InvalidOperation:
            return False
    return bool(want == got)


def _show(want: Any) -> str:
    if isinstance(want, str):
        return f"rule {want}"
    return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in want.items()) + "}"


def _value(v: Any) -> str:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool) or v is None:
        return "true" if v is True else "false" if v is False else "null"
    if isinstance(v, int | float) or type(v).__name__ == "Decimal":
        return fmt_number(v).replace(",", "")
    return str(v)


def _list(items: list[dict[str, Any]]) -> str:
    if not items:
        return "nothing"
    parts = []
    for a in items:
        bits = [a.get("rule", "")]
        for k in ("severity", "role", "status", "id", "due"):
            if a.get(k) is not None:
                bits.append(str(a[k]))
        if a.get("overdue"):
            bits.append("overdue")
        parts.append(" ".join(bits))
    return "; ".join(parts)
