"""The decision journal: durable SQLite settings, rows read back independently, bad input/files."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from deskapp.journal.store import SCHEMA_VERSION, Decision, JournalError, JournalStore


@pytest.fixture
def store(tmp_path: Path):
    s = JournalStore(tmp_path / "j" / "journal.sqlite3", app_version="9.9.9-test")
    yield s
    s.close()


def read_rows(path: Path) -> list[dict]:
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM decisions ORDER BY created_utc")]


def test_wal_mode_and_synchronous_full(store):
    db = store._db  # the store's own connection
    assert db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # 2 = FULL
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # WAL is a property of the file: a fresh connection sees it too
    with closing(sqlite3.connect(store.path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


def test_record_is_readable_from_another_connection(store):
    evidence = {"correlation.h1_120": 0.589, "macro.dxy": 96.82, "steps": ["risk-off", "neutral"]}
    rid = store.record(Decision(decision="hedge", source="replay",
                                market_time="2026-02-10T21:00:00Z", evidence=evidence,
                                dataset="2026-02-risk-off", profile="swing", notes="=SUM(A1)"))
    rows = read_rows(store.path)  # before close: the commit is visible to other readers
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == rid
    assert row["decision"] == "hedge" and row["source"] == "replay"
    assert row["market_time"] == "2026-02-10T21:00:00Z"
    assert row["dataset"] == "2026-02-risk-off" and row["profile"] == "swing"
    assert row["notes"] == "=SUM(A1)"
    assert row["app_version"] == "9.9.9-test"
    assert row["created_utc"].endswith("Z") and "T" in row["created_utc"]
    assert json.loads(row["evidence_json"]) == evidence
    assert store.count() == 1


def test_invalid_decision_raises_and_writes_nothing(store):
    with pytest.raises(ValueError, match="decision must be one of"):
        store.record(Decision(decision="buy-the-dip", source="replay", market_time=None))
    assert read_rows(store.path) == []
    assert store.count() == 0


def test_nan_and_infinity_in_evidence_are_stored_as_null(store):
    store.record(Decision(decision="wait", source="live", market_time=None,
                          evidence={"a": float("nan"), "b": [1.0, float("inf")],
                                    "c": {"d": float("-inf"), "e": 2.5}}))
    raw = read_rows(store.path)[0]["evidence_json"]
    assert "NaN" not in raw and "Infinity" not in raw
    assert json.loads(raw) == {"a": None, "b": [1.0, None], "c": {"d": None, "e": 2.5}}


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "journal.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
        db.commit()
    with pytest.raises(JournalError) as err:
        JournalStore(path, app_version="t")
    msg = str(err.value)
    assert str(path) in msg and "newer" in msg and "\n" not in msg


def test_garbage_file_is_refused_with_one_line(tmp_path):
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"this is not a database, just some text\n" * 200)
    with pytest.raises(JournalError) as err:
        JournalStore(path, app_version="t")
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg
    assert path.read_bytes().startswith(b"this is not a database")  # left as it was


def test_two_stores_on_one_file_both_write(tmp_path):
    path = tmp_path / "journal.sqlite3"
    a = JournalStore(path, app_version="a")
    b = JournalStore(path, app_version="b")
    try:
        ra = a.record(Decision(decision="reduce", source="replay", market_time=None))
        rb = b.record(Decision(decision="wait", source="replay", market_time=None))
        ra2 = a.record(Decision(decision="hedge", source="replay", market_time=None))
    finally:
        a.close()
        b.close()
    rows = read_rows(path)
    assert {r["id"]: (r["decision"], r["app_version"]) for r in rows} == {
        ra: ("reduce", "a"), rb: ("wait", "b"), ra2: ("hedge", "a")}


def test_reopening_keeps_rows_and_schema(tmp_path):
    path = tmp_path / "journal.sqlite3"
    s = JournalStore(path, app_version="t")
    s.record(Decision(decision="wait", source="replay", market_time=None))
    s.close()
    s = JournalStore(path, app_version="t")
    try:
        assert s.count() == 1
    finally:
        s.close()


@pytest.mark.parametrize("broken", ["garbage", "newer"])
def test_refused_journal_closes_its_connection(tmp_path, monkeypatch, broken):
    path = tmp_path / "journal.sqlite3"
    if broken == "garbage":
        path.write_bytes(b"not sqlite" * 500)
    else:
        with closing(sqlite3.connect(path)) as db:
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
            db.commit()
    opened: list[sqlite3.Connection] = []
    real_connect = sqlite3.connect

    def spy(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        opened.append(conn)
        return conn

    monkeypatch.setattr(sqlite3, "connect", spy)
    with pytest.raises(JournalError):
        JournalStore(path, app_version="t")
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError):  # closed, not left holding the file
        opened[0].execute("SELECT 1")
