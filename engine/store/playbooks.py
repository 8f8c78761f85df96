"""A playbook version saved from the console in; the saved versions (text, its tests, hash, who,
when) out.

The playbooks folder stays the read-only base; a version saved by a ``playbook_editor`` lives
here so that every worker of a team's service (PostgreSQL, several processes) sees it. Rows
are written once and never changed: a correction is a new version. The text is kept as the
editor wrote it, with the text of the test files it passed (a later draft starting from it
runs those), and is read back through the same safe reader and bounds as any playbook
file (``engine.app.library``); whether it was fit to save (lint and tests) is decided above
the store, by the console, which calls ``save_version`` only then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Column, Integer, Table, Text, UniqueConstraint, insert, select

from .accounts import EDITOR_ROLE, an_id
from .errors import AlreadyStored, Refused
from .records import loads
from .schema import metadata, users

if TYPE_CHECKING:
    from .store import Database

EDITOR_ROLES = (EDITOR_ROLE, "admin")  # who may save a version

playbook_versions = Table(
    "playbook_versions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("playbook_id", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("effective_from", Text, nullable=False),  # YYYY-MM-DD
    Column("text", Text, nullable=False),
    Column("hash", Text, nullable=False),  # the content hash results record
    # the test files it passed, as saved: JSON [[path under the playbooks folder, text], ...]
    Column("tests", Text, nullable=False),
    Column("saved_by", Text, nullable=False),
    Column("saved_at", Text, nullable=False),
    UniqueConstraint("playbook_id", "version"),
)


@dataclass(frozen=True, slots=True)
class SavedVersion:
    """One saved version: its text as written, and who saved it when."""

    playbook_id: str
    version: str
    effective_from: date
    text: str
    hash: str
    saved_by: str
    saved_at: str
    tests: tuple[tuple[str, str], ...] = ()  # (path under the playbooks folder, text)


def save_version(
    db: Database,
    *,
    playbook_id: str,
    version: str,
    effective_from: date,
    text: str,
    content_hash: str,
    by: str,
    tests: tuple[tuple[str, str], ...] = (),
) -> SavedVersion:
    """Store a new version (``db`` is a ``Store``); refused if ``by`` may not edit playbooks,
    or the version label is taken. One transaction: the role is checked where it is written."""
    an_id(playbook_id, "playbook id")
    an_id(version, "version")
    at = db._stamp()
    row = SavedVersion(
        playbook_id,
        version,
        effective_from,
        text,
        content_hash,
        an_id(by, "user name"),
        at,
        tuple((str(p), str(t)) for p, t in tests),
    )
    # two editors saving one label at once: the unique constraint refuses the second
    with db._write() as conn:
        found = conn.execute(select(users).where(users.c.name == by)).first()
        roles = loads(found.roles) if found is not None and found.active else []
        if not any(role in roles for role in EDITOR_ROLES):
            raise Refused(
                f"{by} may not save playbook versions: that needs the role "
                f"{' or '.join(EDITOR_ROLES)}"
            )
        taken = conn.execute(
            select(playbook_versions.c.seq).where(
                playbook_versions.c.playbook_id == playbook_id,
                playbook_versions.c.version == version,
            )
        ).first()
        if taken is not None:
            raise AlreadyStored(f"{playbook_id} version {version} is already saved")
        conn.execute(
            insert(playbook_versions).values(
                playbook_id=playbook_id,
                version=version,
                effective_from=effective_from.isoformat(),
                text=text,
                hash=content_hash,
                tests=json.dumps([list(pair) for pair in row.tests], ensure_ascii=False),
                saved_by=by,
                saved_at=at,
            )
        )
    return row


def saved_versions(db: Database) -> list[SavedVersion]:
    """Every saved version, oldest first (few: one per change a company makes to its rules)."""
    with db._read() as conn:
        rows = conn.execute(select(playbook_versions).order_by(playbook_versions.c.seq)).all()
    return [
        SavedVersion(
            r.playbook_id,
            r.version,
            date.fromisoformat(r.effective_from),
            r.text,
            r.hash,
            r.saved_by,
            r.saved_at,
            tuple((str(p), str(t)) for p, t in json.loads(r.tests)),
        )
        for r in rows
    ]
