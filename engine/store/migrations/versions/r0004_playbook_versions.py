"""Playbook versions saved from the console's editor.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

``playbook_versions``: a version of a playbook written by a ``playbook_editor`` in the
console (its text, the text of the test files it passed, the content hash results record,
who saved it and when), so that every worker of a service sees it; the playbooks folder
stays the read-only base. Written once, never changed: a correction is a new version.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "playbook_versions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("playbook_id", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("tests", sa.Text, nullable=False),  # JSON [[path, text], ...]
        sa.Column("saved_by", sa.Text, nullable=False),
        sa.Column("saved_at", sa.Text, nullable=False),
        sa.UniqueConstraint("playbook_id", "version", name="uq_playbook_versions_playbook_id"),
    )
    # written once: UPDATE and DELETE refused by the database itself, as for events
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER playbook_versions_no_{verb.lower()} BEFORE {verb} "
                "ON playbook_versions "
                "BEGIN SELECT RAISE(ABORT, 'playbook_versions are append-only'); END"
            )
        return
    op.execute(  # kam_append_only() is made by 0002
        "CREATE TRIGGER playbook_versions_append_only BEFORE UPDATE OR DELETE "
        "ON playbook_versions FOR EACH ROW EXECUTE FUNCTION kam_append_only()"
    )
    op.execute(
        "CREATE TRIGGER playbook_versions_no_truncate BEFORE TRUNCATE ON playbook_versions "
        "FOR EACH STATEMENT EXECUTE FUNCTION kam_append_only()"
    )


def downgrade() -> None:
    op.drop_table("playbook_versions")
