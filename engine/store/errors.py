"""A refused store operation in, an engine exception with its exit code out.

The store never lets a driver's exception (sqlite3, psycopg) or SQL text reach a user: each
failure is one of these, under the engine's ``KamError`` tree.
"""

from __future__ import annotations

from typing import Any

from ..errors import EXIT_BAD_INPUT, EXIT_BLOCKED, EXIT_CONFLICT, DealError, KamError


class StoreError(KamError):
    """The store cannot be used: unreachable, busy, written by a newer kam, not upgraded."""

    exit_code = EXIT_BAD_INPUT
    kind = "store"


class NotFound(KamError):
    """No deal, customer or user by that id."""

    exit_code = EXIT_BAD_INPUT
    kind = "not_found"


class Refused(KamError):
    """A change the store will not make: a field only commands may change, an approval by
    the deal's owner or by someone without the role, an inactive user."""

    exit_code = EXIT_BLOCKED
    kind = "refused"

    def __init__(self, message: str, *, code: str = "", **values: str) -> None:
        super().__init__(message)
        # stable across releases, so a page can say the refusal in its reader's language
        # (engine/console/words.py: "refused_<code>", filled with ``values``)
        self.code = code
        self.values = values

    def to_dict(self) -> dict[str, Any]:
        """As put on record: the stable ``code`` too, so a refusal is read by what it was."""
        return {**super().to_dict(), **({"code": self.code} if self.code else {})}


class NotInForce(Refused):
    """A deal pinned (when created or re-pinned) to a version not in force on its date: the
    version asked for is the mistake, so it exits as bad input does (2), naming the periods."""

    exit_code = EXIT_BAD_INPUT


class Conflict(KamError):
    """The deal changed since the caller read it: the change names a version that is no
    longer current. Nothing was written; read the deal again and decide again."""

    exit_code = EXIT_CONFLICT
    kind = "conflict"

    def __init__(self, subject: str, expected: int, current: int) -> None:
        self.subject = subject  # "deal DE-1", "customer C-7"
        self.expected = expected
        self.current = current
        super().__init__(
            f"{subject} is at version {current}, not {expected}: it changed since you "
            "read it; nothing was written (show it again and retry)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.kind,
            "message": str(self),
            "subject": self.subject,
            "expected_version": self.expected,
            "current_version": self.current,
        }


class AlreadyStored(Refused):
    """A deal, customer or user by that id is already in the store: nothing was written.
    A conflict with what is stored: exit 6, as a stale version (HTTP 409). A kind of
    ``Refused``, so a caller that knows only ``Refused`` still refuses it."""

    exit_code = EXIT_CONFLICT
    kind = "already_stored"


class AccountError(DealError):
    """A customer account with bad values; every one, by its JSON path (``$.credit_limit``),
    as a deal's (exit 2)."""

    kind = "customer"


class PriceError(DealError):
    """A price with bad values; every one, by its JSON path (``$.list_price``), as a deal's
    (exit 2)."""

    kind = "price"


class Contended(KamError):
    """A change that lost its race with other writers (a PostgreSQL serialization failure or
    deadlock) on every bounded, jittered retry. Nothing was written; a conflict (exit 6)."""

    exit_code = EXIT_CONFLICT
    kind = "contended"


class KeyReused(KamError):
    """An idempotency key already used for a different request."""

    exit_code = EXIT_CONFLICT
    kind = "idempotency_key_reused"
