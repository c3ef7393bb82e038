"""The decision journal in SQLite: WAL mode, synchronous=FULL, schema versioned with migrations.

`record()` returns only after the row is committed and fsynced, so the caller may say "saved".
Several processes may write the same file: every write is one short IMMEDIATE transaction and
waits up to the busy timeout for the others.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from deskapp.journal.model import (
    BOOK_COLUMNS,
    DECISION_COLUMNS,
    DECISIONS,
    OUTCOME_COLUMNS,
    PENDING_SQL,
    BadText,
    Decision,
    JournalError,
    book_record,
    book_text,
    group_outcomes,
    outcome_rows,
    pending_from_rows,
    record_from_row,
    utc_now_iso,
)
from deskapp.journal.model import decision_row as _decision_row

__all__ = ["DECISIONS", "SCHEMA_VERSION", "Decision", "JournalError", "JournalStore"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3

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
    3: """
    CREATE TABLE books (
        version        INTEGER PRIMARY KEY,  -- 1, 2, ...: each saved change of the book
        created_utc    TEXT NOT NULL,
        positions_json TEXT NOT NULL,        -- portfolio.Book.as_rows(), canonical JSON
        app_version    TEXT NOT NULL
    );
    ALTER TABLE decisions ADD COLUMN book_version INTEGER;   -- the book the decision saw
    ALTER TABLE decisions ADD COLUMN book_figures_json TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE decisions ADD COLUMN hedge TEXT;             -- the hedge chosen, or 'none'
    """,
}


class _Damaged(Exception):
    """SQLite says the file is damaged (not a database, malformed, failed its quick check)."""


SQLITE_MAGIC = b"SQLite format 3\x00"
# SQLite's primary result codes for a damaged file; nothing else may move a journal aside.
_DAMAGE_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_READONLY, _CANTOPEN, _FULL, _IOERR = 8, 14, 13, 10
# Columns a deskapp journal's `decisions` table has in every schema version.
_OWN_COLUMNS = {"id", "created_utc", "market_time", "decision", "source", "evidence_json",
                "app_version"}


def _code(exc: sqlite3.Error) -> int:
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


def _text(raw: bytes) -> str:
    """SQLite text as str; text that is not UTF-8 comes back marked (a damaged cell, not an
    error that hides every other row)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return BadText(raw.decode("utf-8", "replace"))


def _why(exc: sqlite3.Error, path: Path) -> str:
    """SQLite's message, with what a user can act on for a full or read-only disk."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if _code(exc) in (_FULL, _IOERR):
        try:
            free = shutil.disk_usage(path.parent).free
        except OSError:
            return text
        full = _code(exc) == _IOERR and free < 256 * 1024
        text += f" ({'the disk is full: ' if full else ''}{free // 1024} KiB free on that disk)"
    elif _code(exc) == _READONLY:
        text += " (the file or its folder is read-only)"
    return text


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


def _look(path: Path) -> bool:
    """Whether there is a file to open (False: nothing there yet, or an empty file). A folder,
    a device or a file that cannot be read is refused before SQLite touches it."""
    try:
        there = path.exists()
    except OSError as exc:  # a name too long for the file system, a loop of links, ...
        raise JournalError(f"journal {path}: {exc.strerror or exc}; nothing was changed") \
            from None
    if not there:
        if path.is_symlink():
            raise JournalError(f"journal {path} is a broken link; nothing was changed")
        return False
    if path.is_dir():
        raise JournalError(f"journal {path} is a folder, not a journal file; it was left "
                           "untouched (give a file name, e.g. journal.sqlite3)")
    if not path.is_file():
        raise JournalError(f"journal {path} is not a regular file; it was left untouched")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise JournalError(f"journal {path} cannot be read: {exc.strerror or exc}; it was "
                           "left untouched") from None
    return bool(head)


class JournalStore:
    """One SQLite journal file. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: Path, app_version: str, busy_timeout_ms: int = 5000,
                 recover: bool = False, read_only: bool = False):
        """Open (or create) the journal. Anything that is neither empty nor a deskapp journal
        is refused untouched. With `recover`, a file SQLite calls damaged is moved aside (never
        deleted) and a fresh journal started; `recovered_from` then names where it went. A
        journal of a newer schema is always refused. `read_only` never writes: not the file,
        not its folder (a journal not there yet reads as empty; an older schema is migrated
        in memory)."""
        self.path = Path(path)
        self.location = str(self.path)
        self.app_version = app_version
        self.read_only = read_only
        self.recovered_from: Path | None = None
        self._lock = threading.Lock()
        try:
            self._open(busy_timeout_ms)
        except _Damaged as exc:
            if not recover or read_only:
                raise JournalError(f"journal {self.path} cannot be opened: it is damaged "
                                   f"({exc}); the file was left untouched") from None
            try:
                self.recovered_from = _move_aside(self.path)
            except OSError as err:
                raise JournalError(f"journal {self.path} is damaged ({exc}) and cannot be "
                                   f"moved aside: {err.strerror or err}") from None
            log.warning("journal %s is damaged (%s): moved aside to %s, starting a new one",
                        self.path, exc, self.recovered_from)
            try:
                self._open(busy_timeout_ms)
            except _Damaged as again:
                raise JournalError(f"journal {self.path} cannot be opened: {again}") from None

    def _open(self, busy_timeout_ms: int) -> None:
        exists = _look(self.path)
        if self.read_only:
            self._db = self._open_reader(exists, busy_timeout_ms)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JournalError(f"journal {self.path}: folder {self.path.parent} cannot be "
                               f"made: {exc.strerror or exc}") from None
        if exists:  # look through a read-only connection: even closing a read-write one
            look = self._connect_reader(busy_timeout_ms)  # may write (a checkpoint)
            try:
                self._inspect(look)
            except sqlite3.Error as exc:
                raise self._error(exc) from None
            finally:
                look.close()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                       timeout=busy_timeout_ms / 1000)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            self._db.text_factory = _text
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise JournalError(f"journal {self.path}: WAL mode refused (got {mode})")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
            self._probe_write()
        except BaseException as exc:
            self._db.close()  # a refused journal must not keep the file open
            if isinstance(exc, sqlite3.Error):
                raise self._error(exc) from None
            raise

    def _connect_reader(self, busy_timeout_ms: int, warn: bool = False) -> sqlite3.Connection:
        """The file through a connection that cannot write: mode=ro, else (a read-only folder
        or a full disk leaves no room for the -shm file WAL readers need) immutable."""
        uri = self.path.resolve().as_uri()
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            db = None
            try:
                db = sqlite3.connect(uri + query, uri=True, isolation_level=None,
                                     check_same_thread=False, timeout=busy_timeout_ms / 1000)
                db.text_factory = _text
                db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
                db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                if db is not None:
                    db.close()
                if _code(exc) not in (_CANTOPEN, _IOERR) or "immutable" in query:
                    raise self._error(exc) from None
                continue
            wal = self.path.with_name(self.path.name + "-wal")
            if warn and "immutable" in query and wal.exists() and wal.stat().st_size:
                log.warning("journal %s read without its -wal file (no room for a reader "
                            "here): the newest records may be missing", self.path)
            return db
        raise AssertionError("unreachable")

    def _open_reader(self, exists: bool, busy_timeout_ms: int) -> sqlite3.Connection:
        """A connection that cannot write: the file with mode=ro (immutable where a read-only
        folder or a full disk has no room for the -shm file WAL readers need), or an empty
        journal in memory."""
        db = self._connect_reader(busy_timeout_ms, warn=True) if exists else None
        try:
            version = self._inspect(db) if db is not None else 0
            if db is not None and version == SCHEMA_VERSION:
                return db
            # Not there yet, empty, or an older schema: the current schema in memory.
            mem = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            mem.text_factory = _text
            if db is not None:
                db.backup(mem)
                db.close()
                db = None
            self._db = mem
            self._migrate()
            return mem
        except BaseException as exc:
            if db is not None:
                db.close()
            if isinstance(exc, sqlite3.Error):
                raise self._error(exc) from None
            raise

    def _inspect(self, db: sqlite3.Connection) -> int:
        """Look before writing: the schema version of a deskapp journal (0 for an empty file);
        anything else is refused. A file that fails SQLite's quick check is damaged."""
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {name: sql for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and not tables:
            return 0
        columns = {r[1] for r in db.execute("PRAGMA table_info(decisions)")}
        if not columns >= _OWN_COLUMNS or version == 0:
            shown = ", ".join(sorted(tables)[:5]) or "none"
            raise JournalError(f"journal {self.path} is not a deskapp journal (schema "
                               f"{version}, tables: {shown}); it was left untouched")
        if version > SCHEMA_VERSION:
            raise _newer(self.path, version)
        check = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if check != "ok":
            raise _Damaged(" ".join(str(check).split()))
        return version

    def _probe_write(self) -> None:
        """Fail now, not at the first decision, where the file cannot be written (a read-only
        file or mount): rewrite the schema version inside a transaction that is rolled back."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            self._db.execute(f"PRAGMA user_version={int(version)}")
        finally:
            self._rollback()

    def _rollback(self) -> None:
        """Roll back if a transaction is open; SQLite may have done so itself (a full disk)
        and the error that led here is the one to report."""
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    def _error(self, exc: sqlite3.Error) -> Exception:
        """A SQLite error at open as what it means: damage (may be moved aside), a lock, or a
        one-line refusal that leaves the file as it is."""
        if _code(exc) in _DAMAGE_CODES:
            return _Damaged(" ".join(str(exc).split()))
        if _code(exc) == 5 or "locked" in str(exc):  # SQLITE_BUSY
            return JournalError(f"journal {self.path} is locked: {exc}")
        if _code(exc) == _READONLY or (_code(exc) == _CANTOPEN and not self.read_only
                                       and not os.access(self.path.parent, os.W_OK)):
            return JournalError(f"journal {self.path} is in a read-only place ({exc}); nothing "
                                "can be recorded there and nothing was changed")
        return JournalError(f"journal {self.path} cannot be opened: {_why(exc, self.path)}")

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
                if version and not self.read_only:
                    log.info("journal %s migrated from schema %d to %d", self.path, v - 1, v)
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _write(self, sql: str, rows: list[tuple]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(sql, rows)
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise JournalError(f"journal {self.path}: NOT saved: "
                                   f"{_why(exc, self.path)}") from None

    def record(self, d: Decision) -> str:
        """Commit one decision; returns its uuid once it is durably on disk."""
        row = _decision_row(d, self.app_version)
        marks = ",".join("?" * len(DECISION_COLUMNS))
        self._write(f"INSERT INTO decisions ({','.join(DECISION_COLUMNS)}) VALUES ({marks})",
                    [tuple(row[c] for c in DECISION_COLUMNS)])
        return row["id"]

    def _query(self, sql: str, params: tuple = ()) -> list[dict]:
        with self._lock:
            try:
                cur = self._db.execute(sql, params)
                cols = [c[0] for c in cur.description]
                return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
            except sqlite3.Error as exc:
                raise JournalError(f"journal {self.path} cannot be read: "
                                   f"{_why(exc, self.path)}") from None

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
        return int(self._query("SELECT COUNT(*) AS n FROM decisions")[0]["n"])

    def save_book(self, rows: list[dict]) -> int:
        """Store the book's rows as a new version, or return the newest version when it holds
        exactly these rows already (nothing written). One IMMEDIATE transaction: two desks
        saving at once get two versions, never one number twice."""
        text = book_text(rows)
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                last = self._db.execute("SELECT version, positions_json FROM books "
                                        "ORDER BY version DESC LIMIT 1").fetchone()
                if last is not None and last[1] == text:
                    self._db.execute("COMMIT")
                    return int(last[0])
                version = 1 if last is None else int(last[0]) + 1
                self._db.execute(f"INSERT INTO books ({','.join(BOOK_COLUMNS)}) "
                                 "VALUES (?,?,?,?)",
                                 (version, utc_now_iso(), text, self.app_version))
                self._db.execute("COMMIT")
                return version
            except sqlite3.Error as exc:
                self._rollback()
                raise JournalError(f"journal {self.path}: book NOT saved: "
                                   f"{_why(exc, self.path)}") from None

    def book(self, version: int | None = None) -> dict | None:
        """A stored book {version, created_utc, app_version, rows} (the newest without a
        version), None when there is none."""
        where, params = ("WHERE version = ?", (int(version),)) if version is not None else ("", ())
        rows = self._query(f"SELECT {','.join(BOOK_COLUMNS)} FROM books {where} "
                           "ORDER BY version DESC LIMIT 1", params)
        return book_record(rows[0]) if rows else None

    def close(self) -> None:
        with self._lock:
            self._db.close()
