"""A refused store operation in, an engine exception with its exit code out.

The store never lets a driver's exception (sqlite3, psycopg) or SQL text reach a user: each
failure is one of these, under the engine's ``KamError`` tree.
"""

from __future__ import annotations

from typing import Any

from ..errors import EXIT_BAD_INPUT, EXIT_BLOCKED, EXIT_CONFLICT, KamError


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


class AlreadyExists(Refused):
    """A new deal, customer or user whose id is already in the store (HTTP 409)."""


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


class KeyReused(KamError):
    """An idempotency key already used for a different request."""

    exit_code = EXIT_CONFLICT
    kind = "idempotency_key_reused"
