"""The price list (pricing's prices of each model, with their history); who keeps which
account field.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

``prices``: one row per model (keyed by the model as compared: spaces and case folded), money
exact. ``price_events``: append-only (triggers, as for events), chained by hash per model.
A deal created by a salesperson takes its lines' prices from here (engine/store/prices.py).
``account_keepers``: who sets which field of a customer account, as the playbooks that judged
the store's deals declare it (engine/store/accounts.py), so the guard is the store's own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.store.schema import Money

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prices",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("list_price", Money),
        sa.Column("floor_price", Money),
        sa.Column("retail_price", Money),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )
    op.create_table(
        "price_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.UniqueConstraint("model", "seq", name="uq_price_events_model"),
    )
    op.create_table(
        "account_keepers",
        sa.Column("field", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("playbook_hash", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER price_events_no_{verb.lower()} BEFORE {verb} ON "
                "price_events BEGIN SELECT RAISE(ABORT, 'price_events are append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER price_events_append_only BEFORE UPDATE OR DELETE ON price_events "
        "FOR EACH ROW EXECUTE FUNCTION kam_append_only()"
    )
    op.execute(
        "CREATE TRIGGER price_events_no_truncate BEFORE TRUNCATE ON price_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION kam_append_only()"
    )


def downgrade() -> None:
    op.drop_table("account_keepers")
    op.drop_table("price_events")
    op.drop_table("prices")
