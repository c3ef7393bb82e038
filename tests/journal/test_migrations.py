"""Schema migrations from every earlier version, and several processes on one journal file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from deskapp.journal.store import SCHEMA_VERSION, Decision, JournalStore

# The schema deskapp 0.1 (journal version 1) created, copied here as released: the test must
# not follow later edits of the code's migration text.
V1_DDL = """
CREATE TABLE decisions (
    id            TEXT PRIMARY KEY,
    created_utc   TEXT NOT NULL,
    market_time   TEXT,
    decision      TEXT NOT NULL CHECK (decision IN ('hedge', 'reduce', 'wait')),
    source        TEXT NOT NULL,
    dataset       TEXT,
    profile       TEXT,
    notes         TEXT,
    evidence_json TEXT NOT NULL,
    app_version   TEXT NOT NULL
);
CREATE INDEX decisions_created ON decisions (created_utc);
PRAGMA user_version = 1;
"""

# What version 1 of the desk wrote: the snapshot and the step statuses inside the evidence.
V1_EVIDENCE = {
    "readouts": {"macro.us10y_pct": 4.16},
    "checklist": {"Macro": True},
    "step_status": {"Macro": {"status": "risk-off", "suggested": "neutral", "override": True}},
    "snapshot": {"asof": "2026-02-10T21:00:00Z", "regime": {"name": "volatility_event"},
                 "correlation": {"h1_120": 0.589}},
}
V1_ROWS = [
    ("a1", "2026-02-11T09:00:00.000Z", "2026-02-10T21:00:00Z", "hedge", "replay",
     "2026-02-risk-off", "swing", "=cmd", json.dumps(V1_EVIDENCE), "0.1.0"),
    ("a2", "2026-02-11T09:05:00.000Z", None, "wait", "manual", None, "long-term", None,
     "{}", "0.1.0"),
]


def make_v1(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.executescript(V1_DDL)
        db.executemany("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?)", V1_ROWS)
        db.commit()


def user_version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_a_new_file_and_an_empty_file_get_the_current_schema(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")  # 0 bytes: what a crash during creation can leave
    for path in (tmp_path / "new.sqlite3", empty):
        s = JournalStore(path, "t")
        s.record(Decision("wait", "manual", None, profile="swing"))
        s.close()
        assert user_version(path) == SCHEMA_VERSION == 3


def test_version_1_is_migrated_keeping_every_row_and_lifting_its_evidence(tmp_path):
    path = tmp_path / "v1.sqlite3"
    make_v1(path)
    store = JournalStore(path, "2.0-test")
    try:
        assert user_version(path) == SCHEMA_VERSION
        rows = {r["id"]: r for r in store.records()}
        assert set(rows) == {"a1", "a2"}
        a1, a2 = rows["a1"], rows["a2"]
        # every v1 column is unchanged
        for col, value in zip(("id", "created_utc", "market_time", "decision", "source",
                               "dataset", "profile", "notes"), V1_ROWS[0][:8], strict=True):
            assert a1[col] == value
        assert a1["app_version"] == "0.1.0" and a1["evidence"] == V1_EVIDENCE
        # the v2 columns are filled from what v1 kept inside the evidence
        assert a1["regime"] == "volatility_event"
        assert a1["snapshot"] == V1_EVIDENCE["snapshot"]
        assert a1["steps"] == V1_EVIDENCE["step_status"]
        assert a1["risk_limit"] is None and a1["outcomes"] == {}
        assert a2["regime"] is None and a2["snapshot"] == {} and a2["steps"] == {}
        # and the migrated journal takes new records
        rid = store.record(Decision("reduce", "replay", "2026-02-12T21:00:00Z", profile="swing",
                                    risk_limit=1.5, snapshot={"regime": {"name": "calm"}}))
        assert {r["id"]: r for r in store.records()}[rid]["regime"] == "calm"
    finally:
        store.close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"decisions", "outcomes", "books"} <= tables


def test_version_2_is_migrated_to_books_keeping_every_row(tmp_path, monkeypatch):
    """A schema-2 journal (made by this code stopped at version 2) gains the books table and
    the decision's book columns; its records read back unchanged, with no book."""
    from deskapp.journal import store as store_mod

    path = tmp_path / "v2.sqlite3"
    make_v1(path)
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    JournalStore(path, "t").close()
    assert user_version(path) == 2
    monkeypatch.undo()
    store = JournalStore(path, "t")
    try:
        assert user_version(path) == 3
        rows = {r["id"]: r for r in store.records()}
        assert set(rows) == {"a1", "a2"} and rows["a1"]["regime"] == "volatility_event"
        assert rows["a1"]["book_version"] is None and rows["a1"]["hedge"] is None
        assert rows["a1"]["book_figures"] == {} and "damaged" not in rows["a1"]
        assert store.book() is None
        version = store.save_book([{"symbol": "BTC", "quantity": 1.0}])
        rid = store.record(Decision("hedge", "replay", None, book_version=version,
                                    book_figures={"book_value": 1.0}, hedge="short 1 MES"))
        rec = {r["id"]: r for r in store.records()}[rid]
        assert (rec["book_version"], rec["hedge"], rec["book_figures"]) == (
            1, "short 1 MES", {"book_value": 1.0})
    finally:
        store.close()


def test_a_failed_migration_leaves_the_old_version_intact(tmp_path, monkeypatch):
    from deskapp.journal import store as store_mod

    path = tmp_path / "v1.sqlite3"
    make_v1(path)
    broken = dict(store_mod.MIGRATIONS)
    broken[2] = store_mod.MIGRATIONS[2] + "; CREATE TABLE decisions (x)"  # fails at the end
    monkeypatch.setattr(store_mod, "MIGRATIONS", broken)
    with pytest.raises(Exception):  # noqa: B017 - any error, the point is what is left behind
        JournalStore(path, "t")
    assert user_version(path) == 1
    with closing(sqlite3.connect(path)) as db:
        cols = [r[1] for r in db.execute("PRAGMA table_info(decisions)")]
        assert "regime" not in cols and db.execute("SELECT COUNT(*) FROM decisions"
                                                   ).fetchone()[0] == 2


OPENER = """
import sys
from deskapp.journal.store import Decision, JournalStore
store = JournalStore(sys.argv[1], "proc")
ids = [store.record(Decision("hedge", "replay", None, profile="swing", notes=sys.argv[2]))
       for _ in range(int(sys.argv[3]))]
store.close()
print("\\n".join(ids))
"""


def _writers(path: Path, n_procs: int, each: int) -> list[str]:
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(path), f"p{i}", str(each)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy()) for i in range(n_procs)]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        ids += out.split()
    return ids


def test_two_desks_writing_one_journal_both_succeed(tmp_path):
    path = tmp_path / "shared.sqlite3"
    JournalStore(path, "t").close()
    ids = _writers(path, n_procs=2, each=150)
    assert len(ids) == len(set(ids)) == 300
    with closing(sqlite3.connect(path)) as db:
        stored = {r[0] for r in db.execute("SELECT id FROM decisions")}
        by_proc = dict(db.execute("SELECT notes, COUNT(*) FROM decisions GROUP BY notes"))
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert stored == set(ids) and by_proc == {"p0": 150, "p1": 150}


def test_two_desks_opening_an_old_journal_at_once_migrate_it_once(tmp_path):
    path = tmp_path / "v1.sqlite3"
    make_v1(path)
    ids = _writers(path, n_procs=3, each=5)
    assert user_version(path) == SCHEMA_VERSION
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 2 + len(ids) == 17
        assert db.execute("SELECT regime FROM decisions WHERE id='a1'").fetchone()[0] == \
            "volatility_event"
