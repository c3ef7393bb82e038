"""A journal that is not readable is moved aside (never deleted) and a new one started, where
the caller allows it; a journal from a newer deskapp is refused and left untouched."""

from __future__ import annotations

import sqlite3

import pytest

from deskapp.journal.store import SCHEMA_VERSION, Decision, JournalError, JournalStore

GARBAGE = b"this is not a SQLite journal\x00" * 200


def test_garbage_is_moved_aside_with_its_bytes_and_a_new_journal_works(tmp_path):
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(GARBAGE)
    store = JournalStore(path, "t", recover=True)
    try:
        moved = store.recovered_from
        assert moved is not None and moved.name.startswith("journal.sqlite3.corrupt-")
        assert moved.read_bytes() == GARBAGE
        rid = store.record(Decision("hedge", "replay", None))
        assert store.count() == 1 and rid
    finally:
        store.close()


def test_without_recover_garbage_is_refused_and_not_touched(tmp_path):
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(GARBAGE)
    with pytest.raises(JournalError, match="cannot be opened"):
        JournalStore(path, "t")
    assert path.read_bytes() == GARBAGE


def test_a_newer_schema_is_refused_even_with_recover(tmp_path):
    path = tmp_path / "journal.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(JournalError, match="newer"):
        JournalStore(path, "t", recover=True)
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_the_desk_opens_on_a_corrupt_journal_and_says_where_it_went(qtbot, config, datasets,
                                                                    tmp_path):
    from deskapp.app import Desk, DeskOptions

    path = tmp_path / "journal.sqlite3"
    path.write_bytes(GARBAGE)
    ds = datasets("2024-08-carry-unwind")
    desk = Desk(DeskOptions(config=config, dataset=ds, at=ds.info.default_at, speed=0.0,
                            size=(1000, 700), journal=path))
    qtbot.addWidget(desk.window)
    try:
        message = desk.window.statusBar().currentMessage()
        assert "journal was unreadable" in message and str(desk.journal.recovered_from) in message
    finally:
        assert desk.shutdown()
