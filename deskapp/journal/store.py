"""The decision journal in SQLite: WAL mode, synchronous=FULL, schema versioned with migrations.

`record()` returns only after the row is committed and fsynced, so the caller may say "saved".
Several processes may write the same file: every write is one short IMMEDIATE transaction and
waits up to the busy timeout for the others.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from deskapp.journal.model import (
    DECISION_COLUMNS,
    DECISIONS,
    OUTCOME_COLUMNS,
    PENDING_SQL,
    Decision,
    JournalError,
    group_outcomes,
    outcome_rows,
    pending_from_rows,
    record_from_row,
)
from deskapp.journal.model import decision_row as _decision_row

__all__ = ["DECISIONS", "SCHEMA_VERSION", "Decision", "JournalError", "JournalStore"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2

# Schema version -> the statements that bring the previous version to it. Never edit a released
# step: add a new one (and a test that migrates a file of every earlier version).
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE decisions (
        id            TEXT PRIMARY KEY,
        created_utc   TEXT NOT NULL,      -- wall-clock time of the click, ISO 8601 UTC
        market_time   TEXT,               -- replay or live market time, ISO 8601 UTC
        decision      TEXT NOT NULL CHECK (decision IN ('hedge', 'reduce', 'wait')),
        source        TEXT NOT NULL,      -- replay | live | cache
        dataset       TEXT,               -- replay dataset name
        profile       TEXT,
        notes         TEXT,
        evidence_json TEXT NOT NULL,      -- the numbers on screen when the decision was made
        app_version   TEXT NOT NULL
    );
    CREATE INDEX decisions_created ON decisions (created_utc);
    """,
    2: """
    ALTER TABLE decisions ADD COLUMN risk_limit REAL;        -- position risk limit, % of book
    ALTER TABLE decisions ADD COLUMN regime TEXT;
    ALTER TABLE decisions ADD COLUMN steps_json TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE decisions ADD COLUMN snapshot_json TEXT NOT NULL DEFAULT '{}';
    UPDATE decisions SET
        regime = json_extract(evidence_json, '$.snapshot.regime.name'),
        snapshot_json = COALESCE(json_extract(evidence_json, '$.snapshot'), '{}'),
        steps_json = COALESCE(json_extract(evidence_json, '$.step_status'), '{}')
        WHERE json_valid(evidence_json);
    CREATE INDEX decisions_market ON decisions (market_time);
    CREATE TABLE outcomes (
        decision_id   TEXT NOT NULL REFERENCES decisions (id),
        asset         TEXT NOT NULL,      -- BTC | SPX
        horizon       TEXT NOT NULL,      -- 1d | 1w
        series        TEXT NOT NULL,      -- the stored series the prices came from
        start_time    TEXT NOT NULL,
        start_price   REAL NOT NULL,
        end_time      TEXT NOT NULL,
        end_price     REAL NOT NULL,
        ret           REAL NOT NULL,      -- end / start - 1
        max_drawdown  REAL NOT NULL,      -- <= 0, from the running peak
        computed_utc  TEXT NOT NULL,
        PRIMARY KEY (decision_id, asset, horizon)
    );
    """,
}


class _Unreadable(Exception):
    """The file is not a readable SQLite journal (garbage, truncated, malformed)."""


def _move_aside(path: Path) -> Path:
    """Rename a journal (and its -wal/-shm) to <name>.corrupt-<UTC stamp>; never delete it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def _newer(location: object, version: int) -> JournalError:
    return JournalError(f"journal {location} has schema {version}, newer than this app's "
                        f"{SCHEMA_VERSION}; upgrade deskapp (the file was left untouched)")


class JournalStore:
    """One SQLite journal file. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: Path, app_version: str, busy_timeout_ms: int = 5000,
                 recover: bool = False):
        """Open (or create) the journal. With `recover`, a file that is not a readable SQLite
        journal is moved aside (never deleted) and a fresh journal started; `recovered_from`
        then names where it went. A journal of a newer schema is always refused."""
        self.path = Path(path)
        self.location = str(self.path)
        self.app_version = app_version
        self.recovered_from: Path | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._open(busy_timeout_ms)
        except _Unreadable as exc:
            if not recover:
                raise JournalError(f"journal {self.path} cannot be opened: {exc}") from None
            self.recovered_from = _move_aside(self.path)
            log.warning("journal %s unreadable (%s): moved aside to %s, starting a new one",
                        self.path, exc, self.recovered_from)
            try:
                self._open(busy_timeout_ms)
            except _Unreadable as again:
                raise JournalError(f"journal {self.path} cannot be opened: {again}") from None

    def _open(self, busy_timeout_ms: int) -> None:
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                       timeout=busy_timeout_ms / 1000)
        except sqlite3.DatabaseError as exc:
            raise _Unreadable(str(exc)) from None
        try:
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            # A journal from a newer deskapp is refused before anything is written to it
            # (switching to WAL would already rewrite its header).
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise _newer(self.path, version)
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise JournalError(f"journal {self.path}: WAL mode refused (got {mode})")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except BaseException as exc:
            self._db.close()  # a refused journal must not keep the file open
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise JournalError(f"journal {self.path} is locked: {exc}") from None
            if isinstance(exc, sqlite3.DatabaseError):
                raise _Unreadable(str(exc)) from None
            raise

    def _migrate(self) -> None:
        """Bring the file to SCHEMA_VERSION in one transaction. The version is read inside the
        write lock, so two desks opening an old journal at once migrate it exactly once."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise _newer(self.path, version)
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in filter(str.strip, MIGRATIONS[v].split(";")):
                    self._db.execute(stmt)
                self._db.execute(f"PRAGMA user_version={v}")
                if version:
                    log.info("journal %s migrated from schema %d to %d", self.path, v - 1, v)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _write(self, sql: str, rows: list[tuple]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(sql, rows)
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise JournalError(f"journal {self.path}: NOT saved: {exc}") from None

    def record(self, d: Decision) -> str:
        """Commit one decision; returns its uuid once it is durably on disk."""
        row = _decision_row(d, self.app_version)
        marks = ",".join("?" * len(DECISION_COLUMNS))
        self._write(f"INSERT INTO decisions ({','.join(DECISION_COLUMNS)}) VALUES ({marks})",
                    [tuple(row[c] for c in DECISION_COLUMNS)])
        return row["id"]

    def _query(self, sql: str, params: tuple = ()) -> list[dict]:
        with self._lock:
            cur = self._db.execute(sql, params)
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def records(self) -> list[dict]:
        """Every decision, oldest first: JSON parsed, regime and outcomes attached."""
        rows = self._query(f"SELECT {','.join(DECISION_COLUMNS)} FROM decisions "
                           "ORDER BY created_utc, id")
        outcomes = group_outcomes(self._query(f"SELECT {','.join(OUTCOME_COLUMNS)} "
                                              "FROM outcomes"))
        return [record_from_row(r, outcomes.get(r["id"])) for r in rows]

    def pending_outcomes(self) -> list[dict]:
        """Decisions with a market time whose outcomes are not all filled in, oldest first:
        [{id, market_time, source, dataset, missing: [(asset, horizon), ...]}]."""
        return pending_from_rows(self._query(PENDING_SQL))

    def save_outcomes(self, decision_id: str, outcomes: list[dict]) -> None:
        """Store complete outcomes (dicts with the outcome columns but the decision id and
        computed time); one already stored is kept as it is."""
        rows = outcome_rows(decision_id, outcomes)
        marks = ",".join("?" * len(OUTCOME_COLUMNS))
        self._write(f"INSERT OR IGNORE INTO outcomes ({','.join(OUTCOME_COLUMNS)}) "
                    f"VALUES ({marks})", rows)

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
