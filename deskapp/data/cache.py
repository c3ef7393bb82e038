"""The market-data cache: SQLite, so a restart paints at once and the desk works offline.

Values are kept in long format, one row per (series key, bar-close time, column), with the time
as UTC nanoseconds since the epoch. A NaN cell is not stored, so a missing value stays missing
and never erases a value stored earlier (a row with no value at all does not come back).
WAL mode with synchronous=NORMAL: a crash may lose the last writes, never the file, and
everything here can be fetched again.

A file that is not a usable cache (damaged, a newer schema, some other database) is moved aside
to `<name>.corrupt-<UTC time>`, never deleted, and a fresh cache is started; `recovered_from`
says where the old file went. No Qt here.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from deskapp.data.feed import canonical

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

# The values table is called `points`: VALUES is an SQL keyword.
_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE points (
        key   TEXT    NOT NULL,   -- series key, as in deskapp.data.instruments
        t     INTEGER NOT NULL,   -- bar close, UTC nanoseconds since the epoch
        col   TEXT    NOT NULL,   -- column name: open, high, low, close, volume, value ...
        value REAL    NOT NULL,
        PRIMARY KEY (key, t, col)
    ) WITHOUT ROWID;
    CREATE TABLE series (
        key          TEXT PRIMARY KEY,
        meta_json    TEXT,                       -- the meta dict last given to put()
        columns_json TEXT NOT NULL DEFAULT '[]', -- column names in first-seen order
        updated_utc  TEXT NOT NULL               -- wall-clock time of the last put, ISO 8601 UTC
    );
    """,
}
# What a file at SCHEMA_VERSION must hold to be taken for a market cache.
_TABLES = {"points": {"key", "t", "col", "value"},
           "series": {"key", "meta_json", "columns_json", "updated_utc"}}
# Frames come back in pandas' default resolution, as the replay store and the adapters give them.
_UNIT = "us"
# SQLite's words for "this file is damaged or not a database at all".
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}

T = TypeVar("T")


class CacheError(Exception):
    """The cache cannot be created, opened or written. The message is one line."""


class _Unusable(Exception):
    """The file is no cache of ours (damaged, newer, foreign): move it aside and start afresh."""


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _utc_iso(now: datetime) -> str:
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _frame(rows: list[tuple[int, str, float]], columns: list[str]) -> pd.DataFrame:
    """Canonical frame from (t, col, value) rows sorted by t."""
    n = len(rows)
    ts = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    vals = np.fromiter((r[2] for r in rows), dtype=np.float64, count=n)
    names = [r[1] for r in rows]
    columns = columns + sorted(set(names).difference(columns))  # never drop a stored value
    where = {c: i for i, c in enumerate(columns)}
    times, t_pos = np.unique(ts, return_inverse=True)
    c_pos = np.fromiter((where[c] for c in names), dtype=np.intp, count=n)
    out = np.full((len(times), len(columns)), np.nan)
    out[t_pos, c_pos] = vals
    index = pd.DatetimeIndex(pd.to_datetime(times, unit="ns", utc=True).as_unit(_UNIT),
                             name="time")
    return pd.DataFrame(out, index=index, columns=columns)


def read_all_read_only(path: Path) -> dict[str, pd.DataFrame] | None:
    """Every cached frame, as `MarketCache.get_all` gives it, read through a read-only
    connection that never creates, migrates or moves the file; None when the file is missing,
    not a market cache at this app's schema, or unreadable (the caller's slow path decides)."""
    path = Path(path)
    try:
        if path.stat().st_size == 0:
            return None
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return None
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=1.0)
    except (OSError, sqlite3.Error):
        return None
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            return None
        db.execute("BEGIN")
        frames = {}
        for (key,) in db.execute("SELECT key FROM series ORDER BY key").fetchall():
            got = MarketCache._read_series(db, key)  # noqa: SLF001 (the same reading)
            if got is not None:
                frames[key] = got[0]
        db.execute("COMMIT")
        return frames
    except (sqlite3.Error, ValueError, TypeError, KeyError):
        return None
    finally:
        db.close()


class MarketCache:
    """One SQLite cache file. Thread-safe: one connection guarded by a lock. Several instances
    (or processes) may share a file: writes take SQLite's write lock and wait `busy_timeout_ms`.
    """

    def __init__(self, path: Path, busy_timeout_ms: int = 5000):
        self.path = Path(path)
        self.busy_timeout_ms = int(busy_timeout_ms)
        self.recovered_from: Path | None = None
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"market cache {self.path} cannot be created: "
                             f"{_one_line(exc)}") from None
        self._db: sqlite3.Connection | None = self._open()

    # --- opening, checking, recovering -------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            return self._open_checked()
        except _Unusable as exc:
            self._move_aside(str(exc))
        try:
            return self._open_checked()
        except _Unusable as exc:  # a file we just made is unusable: nothing more to try
            raise CacheError(f"market cache {self.path} cannot be created: {exc}") from None

    def _open_checked(self) -> sqlite3.Connection:
        self._probe()
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                 timeout=self.busy_timeout_ms / 1000)
        except sqlite3.Error as exc:
            raise CacheError(f"market cache {self.path} cannot be opened: "
                             f"{_one_line(exc)}") from None
        try:
            db.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise CacheError(f"market cache {self.path}: WAL mode refused (got {mode})")
            db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(db)
            self._inode = os.stat(self.path).st_ino
        except BaseException as exc:
            db.close()  # a refused file must not be kept open
            if isinstance(exc, sqlite3.DatabaseError):
                if exc.sqlite_errorname in _DAMAGED:
                    raise _Unusable(f"damaged ({_one_line(exc)})") from None
                raise CacheError(f"market cache {self.path} cannot be opened: "
                                 f"{_one_line(exc)}") from None
            if isinstance(exc, OSError):
                raise CacheError(f"market cache {self.path} cannot be opened: "
                                 f"{_one_line(exc)}") from None
            raise
        return db

    def _probe(self) -> None:
        """Raise _Unusable if an existing file is not a cache this app can use.

        Read-only, so a file that is not ours is left exactly as it was.
        """
        try:
            if self.path.stat().st_size == 0:
                return  # SQLite's empty database: fresh
        except FileNotFoundError:
            return
        except OSError as exc:
            raise CacheError(f"market cache {self.path} cannot be read: "
                             f"{_one_line(exc)}") from None
        try:
            with open(self.path, "rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise CacheError(f"market cache {self.path} cannot be read: "
                             f"{_one_line(exc)}") from None
        if header != b"SQLite format 3\x00":
            # Checked here, before SQLite sees the file: it would rewrite a stray -shm.
            raise _Unusable("not an SQLite database")
        try:
            db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True,
                                 timeout=self.busy_timeout_ms / 1000)
        except sqlite3.Error as exc:
            raise CacheError(f"market cache {self.path} cannot be read: "
                             f"{_one_line(exc)}") from None
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master")]
            tables = {name: {r[0] for r in db.execute(
                "SELECT name FROM pragma_table_info(?)", (name,))} for name in _TABLES}
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorname in _DAMAGED:
                raise _Unusable(f"damaged ({_one_line(exc)})") from None
            raise CacheError(f"market cache {self.path} cannot be read: "
                             f"{_one_line(exc)}") from None
        finally:
            db.close()
        if version > SCHEMA_VERSION:
            raise _Unusable(f"schema {version} is newer than this app's {SCHEMA_VERSION}")
        if version == 0 and names:
            raise _Unusable(f"not a market cache (holds {', '.join(sorted(names)[:5])})")
        if version == SCHEMA_VERSION and any(not need <= tables[t] for t, need in _TABLES.items()):
            raise _Unusable(f"not a market cache (user_version {version}, other tables)")

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read inside the write lock: another instance may have just created the schema.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise _Unusable(f"schema {version} is newer than this app's {SCHEMA_VERSION}")
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in filter(str.strip, _MIGRATIONS[v].split(";")):
                    db.execute(stmt)
                db.execute(f"PRAGMA user_version={v}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _move_aside(self, reason: str) -> None:
        """Rename the file (and its -wal/-shm) to `<name>.corrupt-<UTC time>`; never delete."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for n in itertools.count(1):
            if not any(Path(f"{target}{s}").exists() for s in ("", "-wal", "-shm")):
                break
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            os.rename(self.path, target)
            for suffix in ("-wal", "-shm"):
                side = Path(f"{self.path}{suffix}")
                if side.exists():
                    os.rename(side, f"{target}{suffix}")
        except OSError as exc:
            raise CacheError(f"market cache {self.path} is unusable ({reason}) and cannot be "
                             f"moved aside: {_one_line(exc)}") from None
        self.recovered_from = target
        log.warning("market cache %s was unusable (%s): moved aside to %s, starting empty",
                    self.path, reason, target.name)

    def _call(self, what: str, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` under the lock; a file found damaged now is moved aside and replaced."""
        with self._lock:
            if self._db is None:
                raise CacheError(f"market cache {self.path} is closed")
            db = self._db
            try:
                return work(db)
            except BaseException as exc:
                if db.in_transaction:  # the error being handled is the one worth reporting
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                if not isinstance(exc, sqlite3.DatabaseError):
                    raise
                if exc.sqlite_errorname not in _DAMAGED:
                    raise CacheError(f"market cache {self.path}: {what} failed: "
                                     f"{_one_line(exc)}") from None
                self._db = None
                db.close()
                reason = f"damaged ({_one_line(exc)})"
                try:
                    same_file = os.stat(self.path).st_ino == self._inode
                except FileNotFoundError:
                    same_file = False
                if same_file:  # not already moved aside by another instance
                    self._move_aside(reason)
                self._db = self._open()
                raise CacheError(f"market cache {self.path}: {what} failed, the file was "
                                 f"{reason}; moved aside to {self.recovered_from}, "
                                 f"started empty") from None

    # --- writing -----------------------------------------------------------------------------

    def put(self, key: str, frame: pd.DataFrame, meta: dict | None = None) -> int:
        """Upsert `frame` under `key` in one transaction; returns the number of values written.

        Rows at times already stored replace the stored values cell by cell; NaN cells are
        skipped. `meta`, when given, replaces the stored meta dict. The frame is made canonical
        first (see `feed.canonical`): a naive index is taken as UTC.
        """
        frame = canonical(frame, key)
        columns = [str(c) for c in frame.columns]
        if len(set(columns)) != len(columns):
            raise ValueError(f"{key}: duplicated column names {columns}")
        try:
            values = frame.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{key}: columns must be numeric: {_one_line(exc)}") from None
        times = frame.index.as_unit("ns").asi8
        keep = ~np.isnan(values).ravel()
        rows = zip(itertools.repeat(key),
                   np.repeat(times, len(columns))[keep].tolist(),
                   np.tile(np.array(columns, dtype=object), len(frame))[keep].tolist(),
                   values.ravel()[keep].tolist(), strict=False)
        meta_json = None if meta is None else json.dumps(meta, default=str)
        written = int(keep.sum())

        def write(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT columns_json FROM series WHERE key=?", (key,)).fetchone()
            known = json.loads(row[0]) if row else []
            known += [c for c in columns if c not in known]
            db.executemany("INSERT OR REPLACE INTO points (key, t, col, value) VALUES (?,?,?,?)",
                           rows)
            db.execute("INSERT INTO series (key, meta_json, columns_json, updated_utc) "
                       "VALUES (?,?,?,?) ON CONFLICT (key) DO UPDATE SET "
                       "meta_json=coalesce(excluded.meta_json, meta_json), "
                       "columns_json=excluded.columns_json, updated_utc=excluded.updated_utc",
                       (key, meta_json, json.dumps(known), _utc_iso(datetime.now(UTC))))
            db.execute("COMMIT")
            return written

        return self._call(f"writing {key}", write)

    # --- reading -----------------------------------------------------------------------------

    @staticmethod
    def _read_series(db: sqlite3.Connection, key: str) -> tuple[pd.DataFrame, dict] | None:
        """The frame and meta of one key; None if the key is unknown. Call inside a read
        transaction so the two queries see the same state."""
        row = db.execute("SELECT meta_json, columns_json FROM series WHERE key=?",
                         (key,)).fetchone()
        if row is None:
            return None
        meta = json.loads(row[0]) if row[0] else {}
        listed = meta.get("columns") if isinstance(meta, dict) else None
        columns = [c for c in listed if isinstance(c, str)] if isinstance(listed, list) else []
        columns += [c for c in json.loads(row[1]) if c not in columns]
        points = db.execute("SELECT t, col, value FROM points WHERE key=? ORDER BY t",
                            (key,)).fetchall()
        return _frame(points, columns), meta

    def _read(self, what: str, work: Callable[[sqlite3.Connection], T]) -> T:
        def in_snapshot(db: sqlite3.Connection) -> T:
            db.execute("BEGIN")
            out = work(db)
            db.execute("COMMIT")
            return out

        return self._call(what, in_snapshot)

    def get(self, key: str) -> pd.DataFrame | None:
        """The cached frame (UTC index named `time`, float columns), or None for an unknown key.

        Columns come in the order of meta['columns'] when the meta has one, then in the order
        put() first saw them.
        """
        got = self._read(f"reading {key}", lambda db: self._read_series(db, key))
        return None if got is None else got[0]

    def get_all(self) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
        """Every cached frame, and every key's meta dict ({} when none was given)."""
        def read(db: sqlite3.Connection) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
            frames, metas = {}, {}
            for (key,) in db.execute("SELECT key FROM series ORDER BY key").fetchall():
                frames[key], metas[key] = self._read_series(db, key)
            return frames, metas

        return self._read("reading all series", read)

    def keys(self) -> list[str]:
        return self._call("listing keys", lambda db: [
            r[0] for r in db.execute("SELECT key FROM series ORDER BY key")])

    def last_time(self, key: str) -> pd.Timestamp | None:
        """The latest bar-close time cached for `key` (UTC), or None."""
        t = self._call(f"reading {key}", lambda db: db.execute(
            "SELECT max(t) FROM points WHERE key=?", (key,)).fetchone()[0])
        return None if t is None else pd.Timestamp(t, unit="ns", tz="UTC").as_unit(_UNIT)

    def meta(self, key: str) -> dict | None:
        """The meta dict last given for `key` ({} if none was), or None for an unknown key."""
        row = self._call(f"reading {key}", lambda db: db.execute(
            "SELECT meta_json FROM series WHERE key=?", (key,)).fetchone())
        return None if row is None else (json.loads(row[0]) if row[0] else {})

    def updated(self, key: str) -> pd.Timestamp | None:
        """Wall-clock time (UTC) of the last put() for `key`, or None for an unknown key."""
        row = self._call(f"reading {key}", lambda db: db.execute(
            "SELECT updated_utc FROM series WHERE key=?", (key,)).fetchone())
        return None if row is None else pd.Timestamp(row[0]).tz_convert("UTC")

    def close(self) -> None:
        """Idempotent."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> MarketCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
