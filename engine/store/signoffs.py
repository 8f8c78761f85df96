"""A deal type and a stored deal before and after a change in; the sign-offs it adds out (pure).

A sign-off (a field of type ``sign_off``, or any record shaped like one: ``by``, a ``role``
from the playbook's roles, ``on``) is a signature: who checked the visit record, who reviewed
the expense claim. The engine counts it as evidence, so on a stored deal it is written only by
the person it names, holding the role it names (or an admin), and never by the deal's owner:
otherwise the owner types "checked by chen.jie" into their own request and the check passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..jsontext import to_canonical_json
from ..lang.types import Type
from ..lang.values import person_key


@dataclass(frozen=True, slots=True)
class SignOff:
    """One sign-off a change writes: where, who it names, in which role."""

    path: str  # JSON path in the deal: $.visit.checked_by, $.expense.reviews[2]
    by: str
    role: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "by": self.by, "role": self.role}


def added(deal_type: Type, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[SignOff]:
    """The sign-offs ``after`` holds that ``before`` did not: compared by where they are (a
    list's order aside), who, which role and when."""
    known = {_key(path, value) for path, value in _walk(deal_type, before, "$")}
    return [
        SignOff(path, str(value.get("by")), str(value.get("role")))
        for path, value in _walk(deal_type, after, "$")
        if _key(path, value) not in known
    ]


def without(deal_type: Type, document: Mapping[str, Any]) -> str:
    """The deal with its sign-offs taken out, as canonical JSON: what is left is the owner's."""
    return to_canonical_json(_strip(deal_type, document))


def _is_sign_off(t: Type) -> bool:
    names = set(t.field_names())
    role = t.field("role")
    return (
        t.kind == "object"
        and {"by", "role"} <= names <= {"by", "role", "on"}
        and role is not None
        and bool(role.values)
    )


def _walk(t: Type, value: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if _is_sign_off(t):
        if isinstance(value, Mapping):
            yield path, value
    elif t.kind == "object" and isinstance(value, Mapping):
        for name, ft in t.fields:
            if name in value:
                yield from _walk(ft, value[name], f"{path}.{name}")
    elif t.kind == "list" and t.item is not None and isinstance(value, list):
        for n, item in enumerate(value):
            yield from _walk(t.item, item, f"{path}[{n}]")


def _strip(t: Type, value: Any) -> Any:
    if t.kind == "object" and isinstance(value, Mapping):
        kinds = dict(t.fields)
        out = {}
        for k, v in value.items():
            if k in kinds and _is_sign_off(kinds[k]):
                continue
            kept = _strip(kinds[k], v) if k in kinds else v
            if kept not in ({}, []):  # a group that held only sign-offs is as if absent
                out[k] = kept
        return out
    if t.kind == "list" and t.item is not None and isinstance(value, list):
        if _is_sign_off(t.item):
            return []
        return [_strip(t.item, v) for v in value]
    return value


def _key(path: str, value: Mapping[str, Any]) -> tuple[str, str, str, str]:
    by = value.get("by")
    return (
        re.sub(r"\[\d+\]", "[]", path),
        person_key(by) if isinstance(by, str) else repr(by),
        str(value.get("role")),
        str(value.get("on")),
    )
