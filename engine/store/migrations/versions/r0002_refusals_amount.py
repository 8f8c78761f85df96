"""Refused attempts on record, and each deal's amount for the weighted pipeline.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

``refusals``: every refused advance, approval, rejection, update, check or re-pin (guards
unmet, self-approval, a role not held, a stale version...), append-only like events.
``deals.amount``: the deal's amount as its last judgement worked it out (NULL: unknown, or a
deal not judged since this revision), so ``kam deals list`` totals the pipeline without
judging every deal again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.store.schema import Money

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deals", sa.Column("amount", Money))
    op.create_table(
        "refusals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("deal_id", sa.Text, nullable=False),
        sa.Column("deal_version", sa.Integer, nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_refusals_deal_id", "refusals", ["deal_id"])
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER refusals_no_{verb.lower()} BEFORE {verb} ON refusals "
                "BEGIN SELECT RAISE(ABORT, 'refusals are append-only'); END"
            )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION kam_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '% are append-only', TG_TABLE_NAME; END $$"
    )
    op.execute(
        "CREATE TRIGGER refusals_append_only BEFORE UPDATE OR DELETE ON refusals "
        "FOR EACH ROW EXECUTE FUNCTION kam_append_only()"
    )
    op.execute(
        "CREATE TRIGGER refusals_no_truncate BEFORE TRUNCATE ON refusals "
        "FOR EACH STATEMENT EXECUTE FUNCTION kam_append_only()"
    )


def downgrade() -> None:
    op.drop_table("refusals")
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("amount")
