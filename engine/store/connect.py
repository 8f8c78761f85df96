"""A database URL (or nothing) in, a configured SQLAlchemy engine out, and driver errors
turned into the store's own.

SQLite: a file (``kam.db`` in the working folder unless ``--db``/``KAM_DB`` says otherwise),
WAL, a 5-second busy timeout, ``synchronous=FULL`` (a committed change survives a power cut,
not only a crash; ``?synchronous=normal`` on the URL trades that for speed), foreign keys on,
and ``BEGIN IMMEDIATE`` for every transaction: writers queue at the start instead of failing
halfway. PostgreSQL: ``postgresql+psycopg://``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from .errors import StoreError

DEFAULT_FILE = "kam.db"
BUSY_TIMEOUT_MS = 5000
# sqlite:///kam.db?synchronous=normal trades the last commits on a power cut (never the
# file's soundness: WAL) for commits without an fsync each; full is the default
SYNC_MODES = ("full", "normal")


def database_url(given: str | None = None) -> str:
    """``--db`` as given, else ``$KAM_DB``, else ``kam.db`` here; a bare path is a SQLite file."""
    url = given or os.environ.get("KAM_DB") or DEFAULT_FILE
    if "://" not in url:
        return f"sqlite:///{url}"
    return url


def make_engine(url: str) -> Engine:
    """The engine for ``url``; refuses anything but a SQLite file or PostgreSQL."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise StoreError(f"--db: '{url}' is not a database URL") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise StoreError("--db: the store needs a file (sqlite:///kam.db), not memory")
        folder = os.path.dirname(os.path.abspath(parsed.database))
        if not os.path.isdir(folder):
            raise StoreError(f"--db: the folder {folder} does not exist")
        sync = parsed.query.get("synchronous", "full")
        if sync not in SYNC_MODES:
            raise StoreError(
                f"--db: synchronous={sync} is not one of {', '.join(SYNC_MODES)} "
                "(full: a commit survives a power cut; normal: it survives a crash of kam)"
            )
        parsed = parsed.difference_update_query(["synchronous"])
        engine = create_engine(parsed.set(drivername="sqlite+pysqlite"))
        event.listen(engine, "connect", _sqlite_pragmas(str(sync).upper()))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":  # always through psycopg 3, whatever driver the URL names
        return create_engine(
            parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True, pool_size=2
        )
    raise StoreError(f"--db: kam stores deals in SQLite or PostgreSQL, not '{backend}'")


def _sqlite_pragmas(sync: str) -> Callable[[Any, Any], None]:
    def connected(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {sync}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return connected


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_retryable(error: exc.DBAPIError) -> bool:
    """A PostgreSQL serialization failure or deadlock: the transaction may simply run again."""
    return getattr(error.orig, "sqlstate", None) in ("40001", "40P01")


@contextlib.contextmanager
def driver_errors() -> Iterator[None]:
    """Driver and SQLAlchemy errors out as ``StoreError`` with one plain line: no SQL text,
    no parameters, no traceback."""
    try:
        yield
    except exc.DBAPIError as error:
        raise StoreError(_plain(error)) from None
    except exc.SQLAlchemyError as error:
        raise StoreError(f"the store failed: {type(error).__name__}") from None


def _plain(error: exc.DBAPIError) -> str:
    text = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
    low = text.lower()
    if "database is locked" in low or "database is busy" in low:
        return (
            f"the store is busy: another kam held it for more than "
            f"{BUSY_TIMEOUT_MS / 1000:g} s; nothing was written, try again"
        )
    if "not a database" in low or "malformed" in low:
        return "the store file is damaged or is not a kam store (not a SQLite database)"
    if "could not decode to utf-8" in low:  # a page's bytes changed under SQLite's structure
        return (
            "the store file is damaged: a stored value is no longer text (restore it from a "
            "backup; kam db verify names what it can read)"
        )
    if "disk is full" in low or "no space left" in low:
        return "the store's disk is full: nothing was written (make room, then try again)"
    if "readonly" in low or "read-only" in low:
        return "the store is read-only: nothing was written"
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        return f"cannot use the store: {text}"
    if isinstance(error, exc.IntegrityError):
        return "the store refused the change (a record with that id already exists)"
    return f"the store refused the operation: {text}"
