"""Playbook versions saved in the store (on SQLite and PostgreSQL): written once with who
saved them, refused for anyone without the editor's role, and one label once per playbook."""

from __future__ import annotations

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
