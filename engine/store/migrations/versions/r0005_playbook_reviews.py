"""A second person's review of each playbook version saved from the console (four eyes).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

``playbook_reviews``: one decision per saved version (approved, or declined with a reason),
who made it, when, and the version's hash they saw. From now on a saved version is only
proposed until another playbook editor (or an admin) approves it; only approved versions
are in force.

Versions saved before this revision took force when saved, with nobody's review. Their
deals are pinned to them, so they stay in force: each is recorded here as approved **by the
person who saved it, at the time it was saved**, with the reason saying the migration wrote
it. That is the truth of what happened (the saver alone put it in force), not a second
person's review; ``kam playbooks list`` shows it as such. Written once, like the versions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BEFORE_REVIEW = "in force before reviews existed (kam 0005): approved by its saver alone"


def upgrade() -> None:
    op.create_table(
        "playbook_reviews",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("playbook_id", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("reviewed_by", sa.Text, nullable=False),
        sa.Column("reviewed_at", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("playbook_id", "version", name="uq_playbook_reviews_version"),
        sa.ForeignKeyConstraint(
            ["playbook_id", "version"],
            ["playbook_versions.playbook_id", "playbook_versions.version"],
            name="fk_playbook_reviews_version",
        ),
    )
    op.execute(
        sa.text(
            "INSERT INTO playbook_reviews "
            "(playbook_id, version, hash, decision, reviewed_by, reviewed_at, reason) "
            "SELECT playbook_id, version, hash, 'approved', saved_by, saved_at, :reason "
            "FROM playbook_versions ORDER BY seq"
        ).bindparams(reason=BEFORE_REVIEW)
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER playbook_reviews_no_{verb.lower()} BEFORE {verb} "
                "ON playbook_reviews "
                "BEGIN SELECT RAISE(ABORT, 'playbook_reviews are append-only'); END"
            )
        return
    op.execute(  # kam_append_only() is made by 0002
        "CREATE TRIGGER playbook_reviews_append_only BEFORE UPDATE OR DELETE "
        "ON playbook_reviews FOR EACH ROW EXECUTE FUNCTION kam_append_only()"
    )
    op.execute(
        "CREATE TRIGGER playbook_reviews_no_truncate BEFORE TRUNCATE ON playbook_reviews "
        "FOR EACH STATEMENT EXECUTE FUNCTION kam_append_only()"
    )


def downgrade() -> None:
    op.drop_table("playbook_reviews")
