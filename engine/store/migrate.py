"""A store's engine in, its schema at the revision this kam knows out (``kam db upgrade``).

Alembic runs from code with the migrations shipped in the package (``engine/store/
migrations``). A new SQLite file is upgraded when first opened; any other store that is
behind must be upgraded on purpose, and one written by a newer kam is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from .connect import driver_errors
from .errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "0006"  # the newest migration; tests/test_store.py checks it against the scripts
KNOWN = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
)  # every revision this kam can read, oldest first


def _config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "engine.store:migrations")
    config.attributes["connection"] = connection
    return config


def script_head() -> str | None:
    """The head as the shipped migration scripts say it (for the test that keeps HEAD true)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "engine.store:migrations")
    return ScriptDirectory.from_config(config).get_current_head()


def current(connection: Connection) -> str | None:
    """The store's schema revision (Alembic's table, read without loading Alembic: every
    command asks this)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    revisions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    found = sorted(revisions)
    if len(found) > 1:
        raise StoreError(f"the store has more than one schema revision: {', '.join(found)}")
    return found[0] if found else None


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate to HEAD; returns (revision before, revision after). Refuses a newer store."""
    with driver_errors(), engine.begin() as connection:
        before = current(connection)
        _refuse_newer(before)
        if before != HEAD:
            from alembic import command

            command.upgrade(_config(connection), "head")
    return before, HEAD


def status(engine: Engine) -> dict[str, str | None]:
    with driver_errors(), engine.connect() as connection:
        revision = current(connection)
    return {"revision": revision, "head": HEAD, "state": _state(revision)}


def _state(revision: str | None) -> str:
    if revision == HEAD:
        return "current"
    if revision is None:
        return "empty"
    return "behind" if revision in KNOWN else "newer"


def _refuse_newer(revision: str | None) -> None:
    if revision is not None and revision not in KNOWN:
        raise StoreError(
            f"this store was written by a newer kam (schema revision {revision}; this kam "
            f"knows up to {HEAD}): upgrade kam"
        )


def ensure_current(engine: Engine) -> None:
    """Before any use: a new SQLite file gets the schema; anything else must be current."""
    with driver_errors(), engine.connect() as connection:
        revision = current(connection)
        empty = revision is None and not inspect(connection).get_table_names()
    _refuse_newer(revision)
    if revision == HEAD:
        return
    if empty and engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    if revision is None and not empty:
        raise StoreError("this database holds tables but is not a kam store")
    raise StoreError(
        f"the store's schema is at {revision or 'nothing'}, this kam needs {HEAD}: "
        "run kam db upgrade"
    )
