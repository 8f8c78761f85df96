"""Alembic's entry in, the store's migrations run on the connection kam hands it out.

kam runs Alembic from code (``engine/store/migrate.py``), never from an alembic.ini: the
connection comes in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from engine.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite has almost no ALTER TABLE
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
