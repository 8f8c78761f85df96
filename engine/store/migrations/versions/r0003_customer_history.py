"""A customer account's history: every change with who, when, each field before and after.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

``customer_events``: append-only (triggers, as for events), chained by hash per account.
Each account already stored gets one ``recorded`` event holding it as it is now (the changes
before this revision were not kept anywhere), so ``kam db verify`` can check every account.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.store.accounts import recorded_at_upgrade

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("customer_id", sa.Text, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.UniqueConstraint("customer_id", "seq", name="uq_customer_events_customer_id"),
    )
    recorded_at_upgrade(op.get_bind())  # before the triggers: nothing to refuse yet
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER customer_events_no_{verb.lower()} BEFORE {verb} ON "
                "customer_events BEGIN SELECT RAISE(ABORT, 'customer_events are append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER customer_events_append_only BEFORE UPDATE OR DELETE ON customer_events "
        "FOR EACH ROW EXECUTE FUNCTION kam_append_only()"
    )
    op.execute(
        "CREATE TRIGGER customer_events_no_truncate BEFORE TRUNCATE ON customer_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION kam_append_only()"
    )


def downgrade() -> None:
    op.drop_table("customer_events")
