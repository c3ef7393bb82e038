"""The decision journal: SQLite in WAL mode with synchronous=FULL, schema versioned.

`record()` returns only after the row is committed and fsynced, so the caller may say "saved".
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DECISIONS = ("hedge", "reduce", "wait")

_MIGRATIONS: dict[int, str] = {
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
}


class JournalError(Exception):
    """The journal cannot be opened or written. The message is one line."""


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


@dataclass(frozen=True)
class Decision:
    decision: str
    source: str
    market_time: str | None
    evidence: dict = field(default_factory=dict)
    dataset: str | None = None
    profile: str | None = None
    notes: str | None = None


def _json_safe(value: object) -> object:
    """NaN and infinities become null: JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


class JournalStore:
    """One SQLite journal file. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: Path, app_version: str, busy_timeout_ms: int = 5000,
                 recover: bool = False):
        """Open (or create) the journal. With `recover`, a file that is not a readable SQLite
        journal is moved aside (never deleted) and a fresh journal started; `recovered_from`
        then names where it went. A journal of a newer schema is always refused."""
        self.path = Path(path)
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
                raise JournalError(f"journal {self.path} has schema {version}, newer than this "
                                   f"app's {SCHEMA_VERSION}; upgrade deskapp")
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
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(f"journal {self.path} has schema {version}, newer than this "
                               f"app's {SCHEMA_VERSION}; upgrade deskapp")
        for v in range(version + 1, SCHEMA_VERSION + 1):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for stmt in filter(str.strip, _MIGRATIONS[v].split(";")):
                    self._db.execute(stmt)
                self._db.execute(f"PRAGMA user_version={v}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def record(self, d: Decision) -> str:
        """Commit one decision; returns its uuid once it is durably on disk."""
        if d.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, got {d.decision!r}")
        rid = str(uuid.uuid4())
        row = (rid, datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
               d.market_time, d.decision, d.source, d.dataset, d.profile, d.notes,
               json.dumps(_json_safe(d.evidence), sort_keys=True, allow_nan=False),
               self.app_version)
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?)", row)
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise JournalError(f"journal {self.path}: the decision was NOT saved: {exc}") \
                    from None
        return rid

    def records(self) -> list[dict]:
        """Every decision, oldest first, with its evidence parsed and the regime pulled out."""
        with self._lock:
            cur = self._db.execute("SELECT * FROM decisions ORDER BY created_utc, id")
            cols = [c[0] for c in cur.description]
            rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        for row in rows:
            evidence = json.loads(row.pop("evidence_json") or "{}")
            snapshot = evidence.get("snapshot") or {}
            row["regime"] = (snapshot.get("regime") or {}).get("name")
            row["evidence"] = evidence
        return rows

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
