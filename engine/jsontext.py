"""Plain data in, exact JSON text out: every JSON kam writes that may hold money (the only
module that imports simplejson, which writes Decimal as exact JSON numbers; the stdlib cannot).
Output with no Decimal in it (a batch line's short form, reports) may use the stdlib's faster
C encoder."""

from __future__ import annotations

from datetime import date
from typing import Any

import simplejson


def to_json(data: Any) -> str:
    """Indented JSON for a person or a program to read: ``kam ... --format json``."""
    return (
        simplejson.dumps(
            data, ensure_ascii=False, indent=2, use_decimal=True, default=_json_default
        )
        + "\n"
    )


def to_json_line(data: Any) -> str:
    """One compact line of JSON: a ``kam batch`` result line."""
    return (
        simplejson.dumps(
            data, ensure_ascii=False, use_decimal=True, separators=(",", ":"), default=str
        )
        + "\n"
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_canonical_json(data: Any) -> str:
    """One line with sorted keys and no spaces: the text the store hashes and keeps (a deal's
    document, an event), so the same data always gives the same digest, money exact."""
    return simplejson.dumps(
        data,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        use_decimal=True,
        default=_json_default,
    )
