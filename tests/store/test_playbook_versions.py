"""Playbook versions saved in the store (on SQLite and PostgreSQL): written once with who
saved them, refused for anyone without the editor's role, and one label once per playbook."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from engine.store import AlreadyStored, Refused, save_version, saved_versions

TEXT = 'kam: 1\nid: key-account-office\nversion: "2026.2"\neffective_from: 2026-04-01\n'
TESTS = 'kam_test: 1\nplaybook: ../../key-account-office.yaml\n# 拜访 \\ "quoted"\n'


def save(store, by: str, version: str = "2026.2"):
    return save_version(
        store,
        playbook_id="key-account-office",
        version=version,
        effective_from=date(2026, 4, 1),
        text=TEXT,
        content_hash="ab" * 32,
        by=by,
        tests=(("tests/key-account-office/visits.yaml", TESTS),),
    )


def test_a_saved_version_is_read_back_as_written_with_who_saved_it(store):
    store.add_user("sun.min", ["playbook_editor"])
    saved = save(store, "sun.min")
    assert saved_versions(store) == [saved]
    assert saved.saved_by == "sun.min"
    assert saved.text == TEXT
    # with the tests it passed, as written (a later draft starts from them)
    assert saved_versions(store)[0].tests == (("tests/key-account-office/visits.yaml", TESTS),)
    assert saved.effective_from == date(2026, 4, 1)


def test_only_a_playbook_editor_or_an_admin_saves(store):
    with pytest.raises(Refused, match="needs the role playbook_editor or admin"):
        save(store, "li.na")
    store.add_user("boss", ["admin"])
    save(store, "boss")
    store.add_user("gone", ["playbook_editor"])
    store.disable_user("gone")
    with pytest.raises(Refused):
        save(store, "gone", "2026.3")
    assert [v.version for v in saved_versions(store)] == ["2026.2"]


def test_one_label_is_saved_once(store):
    store.add_user("sun.min", ["playbook_editor"])
    save(store, "sun.min")
    with pytest.raises(AlreadyStored, match=r"2026\.2 is already saved"):
        save(store, "sun.min")
    assert len(saved_versions(store)) == 1


def test_a_saved_version_is_never_changed_nor_deleted(store):
    from sqlalchemy import text

    from engine.store import StoreError

    store.add_user("sun.min", ["playbook_editor"])
    save(store, "sun.min")
    for sql in ("UPDATE playbook_versions SET text = 'x'", "DELETE FROM playbook_versions"):
        with pytest.raises(StoreError), store._write() as conn:
            conn.execute(text(sql))
    assert saved_versions(store)[0].text == TEXT


# -- four eyes: a saved version is proposed until a second editor reviews it -------------------
from engine.store import review_version  # noqa: E402


def review(store, by: str, decision: str = "approved", version: str = "2026.2", **kw):
    return review_version(
        store,
        playbook_id="key-account-office",
        version=version,
        content_hash=kw.pop("content_hash", "ab" * 32),
        by=by,
        decision=decision,
        **kw,
    )


@pytest.fixture
def editors(store):
    store.add_user("sun.min", ["playbook_editor"])
    store.add_user("qian.li", ["playbook_editor"])
    store.add_user("audit.admin", ["admin"])
    return store


def test_a_saved_version_is_proposed_until_another_editor_approves_it(editors):
    store = editors
    assert save(store, "sun.min").state == "proposed"
    assert saved_versions(store)[0].review is None
    approved = review(store, "qian.li")
    assert approved.state == "approved"
    (found,) = saved_versions(store)
    assert found == approved
    assert (found.review.by, found.review.hash, found.review.reason) == ("qian.li", "ab" * 32, "")
    assert found.review.at >= found.saved_at


def test_an_admin_approves_too_but_nobody_without_the_role(editors):
    store = editors
    save(store, "sun.min")
    with pytest.raises(Refused, match="needs the role playbook_editor or admin") as refused:
        review(store, "li.na")
    assert refused.value.code == "review_needs_editor"
    assert saved_versions(store)[0].state == "proposed"
    assert review(store, "audit.admin").review.by == "audit.admin"


@pytest.mark.parametrize("who", ["sun.min", "Sun.Min ", "sün.min", "sun.m\u0456n"])
def test_the_author_never_reviews_their_own_version(editors, who):
    # the same person however the name is written (case, accents, a Cyrillic look-alike):
    # the store finds one user for every spelling, and compares the names as people do
    store = editors
    save(store, "sun.min")
    with pytest.raises(Refused, match="cannot review it") as refused:
        review(store, who)
    assert refused.value.code == "review_own_version"
    with pytest.raises(Refused):
        review(store, who, "declined", reason="no")
    assert saved_versions(store)[0].state == "proposed"


def test_an_admin_who_saved_a_version_needs_another_person_too(editors):
    store = editors
    save(store, "audit.admin")
    with pytest.raises(Refused, match="cannot review it"):
        review(store, "audit.admin")
    assert review(store, "sun.min").state == "approved"


def test_a_decline_says_why_and_is_final(editors):
    store = editors
    save(store, "sun.min")
    for blank in ("", "   \n"):
        with pytest.raises(Refused, match="needs a reason") as refused:
            review(store, "qian.li", "declined", reason=blank)
        assert refused.value.code == "review_needs_reason"
    declined = review(store, "qian.li", "declined", reason="overdue  block\nswitched off")
    assert declined.state == "declined"
    assert declined.review.reason == "overdue block switched off"
    # one decision per version: neither a second approval nor the same decline again
    with pytest.raises(AlreadyStored, match=r"already declined by qian\.li") as again:
        review(store, "audit.admin")
    assert again.value.code == "review_done"
    assert saved_versions(store)[0] == declined


def test_the_reviewer_names_the_hash_they_saw(editors):
    store = editors
    save(store, "sun.min")
    with pytest.raises(Refused, match="is not what was reviewed") as refused:
        review(store, "qian.li", content_hash="cd" * 32)
    assert refused.value.code == "review_other_hash"
    assert saved_versions(store)[0].state == "proposed"


def test_a_review_of_a_version_never_saved_or_a_bad_decision(editors):
    from engine.errors import InputError
    from engine.store import NotFound

    store = editors
    with pytest.raises(NotFound, match=r"no saved version 2026\.9"):
        review(store, "qian.li", version="2026.9")
    save(store, "sun.min")
    with pytest.raises(InputError, match="approved or declined"):
        review(store, "qian.li", "maybe")
    with pytest.raises(InputError, match="at most 2000"):
        review(store, "qian.li", "declined", reason="x" * 2001)
    assert saved_versions(store)[0].state == "proposed"


def test_a_version_starting_the_day_an_approved_one_does_is_not_approved(editors):
    # two saved versions in force from one day would leave the playbook with no version in
    # force at all (the library refuses overlapping versions): the second one is refused
    store = editors
    save(store, "sun.min")
    review(store, "qian.li")
    save(store, "sun.min", "2026.3")
    with pytest.raises(Refused, match=r"2026\.2 is in force from 2026-04-01 already") as refused:
        review(store, "qian.li", version="2026.3")
    assert refused.value.code == "review_same_start"
    review(store, "qian.li", "declined", version="2026.3", reason="same day as 2026.2")


def test_a_review_is_never_changed_nor_deleted(editors):
    from sqlalchemy import text

    from engine.store import StoreError

    store = editors
    save(store, "sun.min")
    review(store, "qian.li")
    for sql in (
        "UPDATE playbook_reviews SET decision = 'declined'",
        "DELETE FROM playbook_reviews",
    ):
        with pytest.raises(StoreError), store._write() as conn:
            conn.execute(text(sql))
    assert saved_versions(store)[0].state == "approved"


def test_an_upgrade_records_each_version_saved_before_reviews_as_approved_by_its_saver(store_url):
    # before 0005 a saved version was in force when saved: it stays so, on record as what
    # happened (its saver alone approved it), and the next one saved needs a second person
    from alembic import command
    from sqlalchemy import insert

    from engine.store import migrate, open_store
    from engine.store.connect import make_engine
    from engine.store.playbooks import playbook_versions

    eng = make_engine(store_url)
    with eng.begin() as conn:
        command.downgrade(migrate._config(conn), "0004")
        conn.execute(
            insert(playbook_versions).values(
                playbook_id="key-account-office", version="2026.2", effective_from="2026-04-01",
                text=TEXT, hash="ab" * 32, tests="[]", saved_by="sun.min",
                saved_at="2026-11-02T09:00:00.000000Z",
            )
        )  # fmt: skip
    assert migrate.upgrade(eng) == ("0004", migrate.HEAD)
    eng.dispose()
    with open_store(store_url) as store:
        (old,) = saved_versions(store)
        assert old.state == "approved"
        assert (old.review.by, old.review.at) == ("sun.min", "2026-11-02T09:00:00.000000Z")
        assert "approved by its saver alone" in old.review.reason
        store.add_user("sun.min", ["playbook_editor"])
        assert save(store, "sun.min", "2026.3").state == "proposed"


def test_the_library_counts_only_an_approved_version_in_force():
    # auto-dealer 2026.3 saved from 2027-01-01: proposed, 2026.2 stays in force and a deal
    # cannot be pinned to 2026.3 even by name; review pages pick it by name; approved, it is
    # in force and ends 2026.2
    import os

    from engine.app.library import Entry, Library
    from engine.errors import InputError, Location

    from ..conftest import AUTO_DEALER

    lib = Library(os.path.dirname(AUTO_DEALER))
    with open(os.path.join(lib.folder, "auto-dealer-2026-2.yaml"), encoding="utf-8") as fh:
        text = fh.read().replace('version: "2026.2"', 'version: "2026.3"')
    text = text.replace("effective_from: 2026-07-01", "effective_from: 2027-01-01")
    name = os.path.join(lib.folder, "auto-dealer@2026.3.saved.yaml")
    entry = Entry(name, "auto-dealer", "2026.3", date(2027, 1, 1), None, Location(name, 1, 1), text)
    on = date(2027, 1, 5)
    for state in ("proposed", "declined"):
        lib.use_saved([replace(entry, review=state)])
        assert [e.version for e in lib.versions("auto-dealer")][-1] == "2026.2"
        assert lib.pick("auto-dealer", on).version == "2026.2"
        assert lib.pick("auto-dealer", on).until is None
    lib.use_saved([replace(entry, review="proposed")])
    assert [(e.version, e.end) for e in lib.proposals("auto-dealer")] == [("2026.3", None)]
    with pytest.raises(InputError, match=r"2026\.3 is awaiting review"):
        lib.pick("auto-dealer", on, "2026.3")
    assert lib.pick("auto-dealer", on, "2026.3", proposed=True).version == "2026.3"
    lib.use_saved([replace(entry, review="declined")])
    assert lib.proposals("auto-dealer") == []
    with pytest.raises(InputError, match=r"has no version '2026\.3'"):
        lib.pick("auto-dealer", on, "2026.3", proposed=True)
    lib.use_saved([entry])  # approved
    assert lib.pick("auto-dealer", on).version == "2026.3"
    assert lib.pick("auto-dealer", on, "2026.2").until == "2026-12-31"


def test_two_approvals_at_once_of_versions_starting_one_day_leave_one_in_force(editors, store_url):
    # each approver in its own connection, released together: the second waits for the
    # first (the versions are locked) and then sees its approval
    import threading

    from engine.errors import KamError
    from engine.store import open_store

    store = editors
    save(store, "sun.min")
    save(store, "sun.min", "2026.3")
    gate = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(version: str) -> None:
        with open_store(store_url) as own:
            gate.wait()
            try:
                review(own, "qian.li", version=version)
                outcomes[version] = "approved"
            except KamError as refused:
                outcomes[version] = type(refused).__name__

    threads = [threading.Thread(target=approve, args=(v,)) for v in ("2026.2", "2026.3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2
    assert list(outcomes.values()).count("approved") == 1
    assert [v.state for v in saved_versions(store)].count("approved") == 1
