"""A playbook version saved from the console in, and a second editor's review of it; the saved
versions (text, its tests, hash, who, when, and who approved or declined it) out.

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
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    exc,
    insert,
    select,
)

from ..errors import InputError
from ..lang.values import same_person
from . import accounts
from .accounts import EDITOR_ROLE, an_id
from .errors import AlreadyStored, NotFound, Refused
from .records import loads
from .schema import metadata, users

if TYPE_CHECKING:
    from .store import Database

EDITOR_ROLES = (EDITOR_ROLE, "admin")  # who may save a version, and review another's
APPROVED, DECLINED, PROPOSED = "approved", "declined", "proposed"
MAX_REASON = 2000  # characters of a decline's reason

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

# one decision per saved version, written once (migration 0005)
playbook_reviews = Table(
    "playbook_reviews",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("playbook_id", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("hash", Text, nullable=False),  # what the reviewer saw: the version's hash
    Column("decision", Text, nullable=False),  # approved | declined
    Column("reviewed_by", Text, nullable=False),
    Column("reviewed_at", Text, nullable=False),
    Column("reason", Text, nullable=False),  # why declined ("" for an approval)
    UniqueConstraint("playbook_id", "version", name="uq_playbook_reviews_version"),
    ForeignKeyConstraint(
        ["playbook_id", "version"],
        ["playbook_versions.playbook_id", "playbook_versions.version"],
        name="fk_playbook_reviews_version",
    ),
)


@dataclass(frozen=True, slots=True)
class Review:
    """The second person's decision on a saved version."""

    decision: str  # approved | declined
    by: str
    at: str
    hash: str
    reason: str = ""


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
    review: Review | None = None  # None: proposed, awaiting a second editor

    @property
    def state(self) -> str:
        """proposed, approved or declined: only an approved version can be in force."""
        return PROPOSED if self.review is None else self.review.decision


def _editor(conn: Any, by: str, doing: str) -> str:
    """The stored name of ``by``, an active user holding an editor's role (else refused)."""
    found = accounts.user(conn, by)
    if not any(role in found["roles"] for role in EDITOR_ROLES):
        raise Refused(
            f"{by} may not {doing}: that needs the role {' or '.join(EDITOR_ROLES)}",
            code="review_needs_editor",
            by=by,
        )
    return str(found["name"])


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
    """Store a new version, proposed (``db`` is a ``Store``); refused if ``by`` may not edit
    playbooks, or the version label is taken. One transaction: the role is checked where it
    is written. It takes force only once another editor approves it (``review_version``)."""
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
        # the label is unique across every saved version, declined ones too: a declined
        # label stays on record and is never reused for other text
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
        reviews = {
            (r.playbook_id, r.version): Review(
                r.decision, r.reviewed_by, r.reviewed_at, r.hash, r.reason
            )
            for r in conn.execute(select(playbook_reviews)).all()
        }
    return [_saved(r, reviews.get((r.playbook_id, r.version))) for r in rows]


def _one_start(conn: Any, row: Any) -> None:
    """Refused when an approved saved version of the playbook starts the same day: two
    versions in force from one day leave none in force (the library refuses the overlap)."""
    same = conn.execute(
        select(playbook_versions.c.version)
        .join(
            playbook_reviews,
            (playbook_reviews.c.playbook_id == playbook_versions.c.playbook_id)
            & (playbook_reviews.c.version == playbook_versions.c.version),
        )
        .where(
            playbook_versions.c.playbook_id == row.playbook_id,
            playbook_versions.c.effective_from == row.effective_from,
            playbook_reviews.c.decision == APPROVED,
        )
    ).first()
    if same is not None:
        raise Refused(
            f"{row.playbook_id} {same.version} is in force from {row.effective_from} already: "
            f"{row.version} starting that day too would leave no version in force; decline "
            "it, and save it again with a later effective_from",
            code="review_same_start",
            version=f"{row.playbook_id} {row.version}",
            other=str(same.version),
            start=str(row.effective_from),
        )


def _saved(r: Any, review: Review | None) -> SavedVersion:
    return SavedVersion(
        r.playbook_id,
        r.version,
        date.fromisoformat(r.effective_from),
        r.text,
        r.hash,
        r.saved_by,
        r.saved_at,
        tuple((str(p), str(t)) for p, t in json.loads(r.tests)),
        review,
    )


def review_version(
    db: Database,
    *,
    playbook_id: str,
    version: str,
    content_hash: str,
    by: str,
    decision: str,
    reason: str = "",
) -> SavedVersion:
    """Approve or decline a proposed version, as a second person: ``by`` holds an editor's
    role (or is an admin) and did not save it; ``content_hash`` is the hash of what they
    reviewed (the version check: refused if it is not the version's); a decline says why.
    One decision per version, in one transaction with the checks (two reviewers at once:
    the unique constraint refuses the second)."""
    if decision not in (APPROVED, DECLINED):
        raise InputError(f"a review is {APPROVED} or {DECLINED}, not {decision!r}")
    reason = " ".join(str(reason or "").split())
    if decision == DECLINED and not reason:
        raise Refused(
            f"declining {playbook_id} {version} needs a reason: the author reads it to "
            "correct the next version",
            code="review_needs_reason",
        )
    if len(reason) > MAX_REASON:
        raise InputError(f"the reason is {len(reason)} characters; at most {MAX_REASON}")
    at = db._stamp()
    with db._write() as conn:
        name = _editor(conn, by, "review playbook versions")
        # every version of the playbook locked (PostgreSQL; SQLite has one writer): two
        # approvals at once are decided one after the other, each seeing the other's
        # (no two versions in force from one day)
        rows = conn.execute(
            select(playbook_versions)
            .where(playbook_versions.c.playbook_id == playbook_id)
            .with_for_update()
        ).all()
        row = next((r for r in rows if r.version == version), None)
        if row is None:
            raise NotFound(f"no saved version {version} of {playbook_id}")
        done = conn.execute(
            select(playbook_reviews).where(
                playbook_reviews.c.playbook_id == playbook_id,
                playbook_reviews.c.version == version,
            )
        ).first()
        if done is not None:
            raise AlreadyStored(
                f"{playbook_id} {version} was already {done.decision} by {done.reviewed_by} "
                f"at {done.reviewed_at}: a decision is final (a correction is a new version)",
                code="review_done",
                version=f"{playbook_id} {version}",
                decision=done.decision,
                by=done.reviewed_by,
            )
        if same_person(name, row.saved_by):
            raise Refused(
                f"{name} saved {playbook_id} {version} and cannot review it: another "
                "playbook editor (or an admin) approves or declines it",
                code="review_own_version",
                by=name,
                version=f"{playbook_id} {version}",
            )
        if decision == APPROVED:
            _one_start(conn, row)
        if content_hash != row.hash:
            raise Refused(
                f"{playbook_id} {version} is not what was reviewed (hash "
                f"{content_hash[:12] or 'none'}, the version's is {row.hash[:12]}): show it "
                "again and review what is saved",
                code="review_other_hash",
                version=f"{playbook_id} {version}",
            )
        try:
            conn.execute(
                insert(playbook_reviews).values(
                    playbook_id=playbook_id,
                    version=version,
                    hash=row.hash,
                    decision=decision,
                    reviewed_by=name,
                    reviewed_at=at,
                    reason=reason,
                )
            )
        except exc.IntegrityError:  # another reviewer's decision committed in between
            raise AlreadyStored(
                f"{playbook_id} {version} was reviewed by someone else at the same moment: "
                "a decision is final; show it again"
            ) from None
    return _saved(row, Review(decision, name, at, row.hash, reason))
