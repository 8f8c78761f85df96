"""The first store: users and tokens, customers, deals, events, decisions, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

Written out rather than taken from schema.py, so that this step stays what it was when a
later one changes the tables. Events and decisions are append-only: the database refuses
UPDATE and DELETE (and TRUNCATE on PostgreSQL) with a trigger.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.store.schema import Money

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_name", sa.Text, sa.ForeignKey("users.name"), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("territory", sa.Text),
        sa.Column("state_organ", sa.Boolean),
        sa.Column("credit_limit", Money),
        sa.Column("credit_checked_on", sa.Text),
        sa.Column("credit_limit_approved_by", sa.Text),
        sa.Column("receivables", Money),
        sa.Column("overdue_days", sa.BigInteger),
        sa.Column("largest_batch_this_year", sa.BigInteger),
        sa.Column("class", sa.Text),
        sa.Column("extra", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )
    op.create_table(
        "deals",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("customer_id", sa.Text),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("playbook_id", sa.Text, nullable=False),
        sa.Column("playbook_version", sa.Text, nullable=False),
        sa.Column("playbook_hash", sa.Text, nullable=False),
        sa.Column("playbook_source", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("deal_id", sa.Text, sa.ForeignKey("deals.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("playbook_hash", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.UniqueConstraint("deal_id", "seq", name="uq_events_deal_id"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("deal_id", sa.Text, nullable=False),
        sa.Column("deal_version", sa.Integer, nullable=False),
        sa.Column("playbook_id", sa.Text, nullable=False),
        sa.Column("playbook_version", sa.Text, nullable=False),
        sa.Column("playbook_hash", sa.Text, nullable=False),
        sa.Column("input_digest", sa.Text, nullable=False),
        sa.Column("as_of", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("violations", sa.Text, nullable=False),
        sa.Column("approvals", sa.Text, nullable=False),
        sa.Column("actions", sa.Text, nullable=False),
    )
    op.create_index("ix_decisions_at", "decisions", ["at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("actor", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("response", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    for table in ("events", "decisions"):
        _append_only(table)


def _append_only(table: str) -> None:
    """The database itself refuses to change or remove a row of ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
            )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION kam_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '% are append-only', TG_TABLE_NAME; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION kam_append_only()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION kam_append_only()"
    )


def downgrade() -> None:
    for table in ("idempotency_keys", "decisions", "events", "deals", "customers", "tokens"):
        op.drop_table(table)
    op.drop_table("users")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS kam_append_only()")
