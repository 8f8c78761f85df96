"""Nothing in, the store's tables out (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Money is exact on both: TEXT holding the Decimal's digits on SQLite (whose NUMERIC would
round ``1234567890123456.78`` through a float), NUMERIC without a scale on PostgreSQL.
Times are ISO 8601 UTC text (``2026-03-02T09:15:00.000000Z``): they sort as they read, and
the order of a deal's events is its ``seq``, never a clock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

# Named constraints: the same names on both backends, so a later migration can drop them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Money(TypeDecorator[Decimal]):
    """A Decimal kept digit for digit: TEXT on SQLite, NUMERIC on PostgreSQL."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(value)
        if not amount.is_finite():
            raise ValueError(f"money must be a finite number, not {value}")
        return str(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


users = Table(
    "users",
    metadata,
    Column("name", Text, primary_key=True),
    Column("roles", Text, nullable=False),  # JSON list of role ids
    Column("active", Boolean, nullable=False),
    Column("created_at", Text, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    # the sha256 of the token; the token itself is never kept
    Column("token_hash", Text, primary_key=True),
    Column("user_name", Text, ForeignKey("users.name"), nullable=False),
    Column("created_at", Text, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text),
    Column("territory", Text),
    Column("state_organ", Boolean),
    Column("credit_limit", Money),
    Column("credit_checked_on", Text),  # ISO date of the credit investigation
    Column("credit_limit_approved_by", Text),  # who approved the limit
    Column("receivables", Money),
    Column("overdue_days", BigInteger),
    Column("largest_batch_this_year", BigInteger),
    Column("class", Text),
    Column("extra", Text, nullable=False),  # JSON: any other field of the account
    Column("version", Integer, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
)

# A customer account's history (append-only, chained like events): who changed which field
# from what to what, and the whole account after, which must be the stored account.
customer_events = Table(
    "customer_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("customer_id", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", Text, nullable=False),  # created, updated, or recorded (when history began)
    Column("actor", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("version", Integer, nullable=False),  # the account's version after it
    Column("changes", Text, nullable=False),  # JSON: {field: {"before": ..., "after": ...}}
    Column("account", Text, nullable=False),  # JSON: the account after (replayed by verify)
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    UniqueConstraint("customer_id", "seq"),
)

# The price list (pricing's word): a model's list, floor and retail price. A deal created by a
# salesperson takes a line's prices from here; the deal then keeps them (frozen on it).
prices = Table(
    "prices",
    metadata,
    Column("key", Text, primary_key=True),  # the model as compared: spaces and case folded
    Column("model", Text, nullable=False),  # as first written
    Column("list_price", Money),
    Column("floor_price", Money),
    Column("retail_price", Money),
    Column("version", Integer, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
)

# Who keeps which field of a stored customer account, as the playbooks that judged the store's
# deals declare it (``customer.state_organ`` recorded_by ``[key_account_manager]``): kept, so
# the guard never depends on which playbook folder a caller names. Only ever added to.
account_keepers = Table(
    "account_keepers",
    metadata,
    Column("field", Text, primary_key=True),
    Column("role", Text, primary_key=True),
    Column("kind", Text, nullable=False),  # the field's kind there: bool, integer, money...
    Column("playbook_hash", Text, nullable=False),  # the first playbook that declared it
    Column("recorded_at", Text, nullable=False),
)

# A price's history (append-only, chained like events): who set which price from what to what.
price_events = Table(
    "price_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("model", Text, nullable=False),  # the price's key
    Column("seq", Integer, nullable=False),
    Column("kind", Text, nullable=False),  # created, updated
    Column("actor", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("changes", Text, nullable=False),  # JSON: {field: {"before": ..., "after": ...}}
    Column("entry", Text, nullable=False),  # JSON: the entry after (checked by verify)
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    UniqueConstraint("model", "seq"),
)

deals = Table(
    "deals",
    metadata,
    Column("id", Text, primary_key=True),
    Column("document", Text, nullable=False),  # canonical JSON, money exact
    Column("customer_id", Text),
    Column("category", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("status", Text, nullable=False),  # the last evaluation's status
    Column("owner", Text, nullable=False),
    Column("playbook_id", Text, nullable=False),
    Column("playbook_version", Text, nullable=False),
    Column("playbook_hash", Text, nullable=False),
    Column("playbook_source", Text, nullable=False),  # the path given when it was pinned
    Column("version", Integer, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("amount", Money),  # the amount as last judged (None: unknown): the pipeline's
)

# Append-only (triggers refuse UPDATE and DELETE); each event holds the hash of the one before.
events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("deal_id", Text, ForeignKey("deals.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("playbook_hash", Text, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: status and rule ids
    Column("data", Text, nullable=False),  # JSON: what changed (replayed by verify)
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    UniqueConstraint("deal_id", "seq"),
)

# Every evaluation made through the store; append-only as well.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("at", Text, nullable=False, index=True),
    Column("actor", Text, nullable=False),
    Column("deal_id", Text, nullable=False),
    Column("deal_version", Integer, nullable=False),
    Column("playbook_id", Text, nullable=False),
    Column("playbook_version", Text, nullable=False),
    Column("playbook_hash", Text, nullable=False),
    Column("input_digest", Text, nullable=False),  # sha256 of the deal as evaluated
    Column("as_of", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("violations", Text, nullable=False),  # JSON lists of rule ids
    Column("approvals", Text, nullable=False),
    Column("actions", Text, nullable=False),
)

# Every refused attempt to change a deal (append-only): not a change, so not an event, and
# replay never sees it; ``deal_version`` is the version it was refused at.
refusals = Table(
    "refusals",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("deal_id", Text, nullable=False, index=True),
    Column("deal_version", Integer, nullable=False),
    Column("command", Text, nullable=False),  # advance, approve, update, check, repin
    Column("actor", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("error", Text, nullable=False),  # the error's kind: transition_refused, conflict...
    Column("message", Text, nullable=False),
    Column("detail", Text, nullable=False),  # JSON: the request and the error's details
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("actor", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),  # sha256 of the request
    Column("response", Text),  # JSON of the first answer
    Column("created_at", Text, nullable=False),
)

APPEND_ONLY = ("events", "decisions", "refusals", "customer_events")
