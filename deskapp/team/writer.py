"""The collector's writes: bars, series meta and per-series status into the team database, one
transaction per round, then NOTIFY with the keys that changed.

Points are upserted on (key, t, col): a revised bar overwrites, the same bar written twice is one
row, and a value written again unchanged keeps its `seq` (readers are not woken for nothing).
NaN cells are not stored, as in the SQLite cache. No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import psycopg

from deskapp.data.cache import _frame
from deskapp.data.feed import canonical
from deskapp.team.schema import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

MAX_PAYLOAD = 7900  # bytes; PostgreSQL refuses NOTIFY payloads of 8000 and more


@dataclass(frozen=True)
class Status:
    """One series' health as the collector last saw it."""

    key: str
    source: str
    ok: bool
    message: str | None = None
    failing_since: datetime | None = None


@dataclass(frozen=True)
class Written:
    """What one commit changed: the highest seq of a changed point (None: no point changed),
    the keys whose points or status changed, and the number of point values sent."""

    seq: int | None
    keys: tuple[str, ...]
    points: int


def point_rows(key: str, frame: pd.DataFrame) -> list[tuple[str, int, str, float]]:
    """(key, t ns, col, value) for every non-NaN cell of a frame."""
    frame = canonical(frame, key)
    columns = [str(c) for c in frame.columns]
    values = frame.to_numpy(dtype=np.float64)
    times = frame.index.as_unit("ns").asi8
    keep = ~np.isnan(values).ravel()
    return list(zip([key] * int(keep.sum()),
                    np.repeat(times, len(columns))[keep].tolist(),
                    np.tile(np.array(columns, dtype=object), len(frame))[keep].tolist(),
                    values.ravel()[keep].tolist(), strict=True))


def payload(seq: int | None, keys: list[str]) -> str:
    """The NOTIFY payload; `keys` null when the list would not fit."""
    text = json.dumps({"seq": seq, "keys": sorted(keys)}, separators=(",", ":"))
    if len(text.encode()) > MAX_PAYLOAD:
        text = json.dumps({"seq": seq, "keys": None}, separators=(",", ":"))
    return text


def read_frames(conn: psycopg.Connection, keys: list[str] | None = None
                ) -> dict[str, pd.DataFrame]:
    """The stored frames (as the SQLite cache gives them), for `keys` or all. Reads in the
    current transaction; the caller commits."""
    series = conn.execute("SELECT key, meta_json, columns_json FROM market_series "
                          + ("WHERE key = ANY(%s) " if keys is not None else "")
                          + "ORDER BY key", (keys,) if keys is not None else ()).fetchall()
    out: dict[str, pd.DataFrame] = {}
    for key, meta_json, columns_json in series:
        meta = json.loads(meta_json) if meta_json else {}
        listed = meta.get("columns") if isinstance(meta, dict) else None
        columns = [c for c in listed if isinstance(c, str)] if isinstance(listed, list) else []
        columns += [c for c in json.loads(columns_json) if c not in columns]
        rows = conn.execute("SELECT t, col, value FROM market_points WHERE key = %s ORDER BY t",
                            (key,)).fetchall()
        if rows:
            out[key] = _frame(rows, columns)
    return out


class TeamWriter:
    """Writes rounds into one connection (autocommit off). Not thread-safe: the collector's
    loop is its only caller."""

    def __init__(self, conn: psycopg.Connection, host: str, pid: int):
        self.conn = conn
        self.host = host
        self.pid = pid
        self._columns: dict[str, list[str]] = {}
        self._statuses: dict[str, tuple[bool, str | None]] = {}
        self.seq = 0  # the highest seq this writer knows to be committed

    def load_columns(self) -> None:
        """The known columns of every series (kept in first-seen order, as the cache does)."""
        self._columns = {k: json.loads(c) for k, c in self.conn.execute(
            "SELECT key, columns_json FROM market_series").fetchall()}
        self._statuses = {k: (ok, msg) for k, ok, msg in self.conn.execute(
            "SELECT key, ok, message FROM series_status").fetchall()}
        self.seq = int(self.conn.execute(
            "SELECT coalesce(max(seq), 0) FROM market_points").fetchone()[0])
        self.conn.commit()

    def register(self, active: bool) -> None:
        """This collector's row in `collectors`; the active one marks every other inactive."""
        with self.conn.transaction():
            if active:
                self.conn.execute("UPDATE collectors SET active = false WHERE active")
            self.conn.execute(
                "INSERT INTO collectors (host, pid, active) VALUES (%s, %s, %s) "
                "ON CONFLICT (host, pid) DO UPDATE SET active = excluded.active",
                (self.host, self.pid, active))

    def commit(self, frames: list[tuple[str, pd.DataFrame, dict | None]],
               statuses: list[Status]) -> Written:
        """One transaction: upsert the points, the series, the statuses that changed, this
        collector's last_commit; NOTIFY when any point or status changed. Raises psycopg.Error
        (nothing is written then)."""
        rows: list[tuple[str, int, str, float]] = []
        series: dict[str, tuple[str | None, list[str]]] = {}
        for key, frame, meta in frames:
            rows += point_rows(key, frame)
            known = list(series[key][1] if key in series else self._columns.get(key, []))
            known += [str(c) for c in frame.columns if str(c) not in known]
            meta_json = (json.dumps(meta, default=str) if meta is not None
                         else series.get(key, (None, []))[0])
            series[key] = (meta_json, known)
        new_status = [s for s in statuses if self._statuses.get(s.key) != (s.ok, s.message)]
        conn = self.conn
        changed: set[str] = set()
        seq: int | None = None
        try:
            if rows:
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS incoming (key TEXT, t BIGINT, "
                             "col TEXT, value DOUBLE PRECISION) ON COMMIT DELETE ROWS")
                with conn.cursor() as cur:
                    with cur.copy("COPY incoming (key, t, col, value) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    cur.execute(
                        "INSERT INTO market_points AS p (key, t, col, value) "
                        "SELECT DISTINCT ON (key, t, col) key, t, col, value FROM incoming "
                        "ORDER BY key, t, col "
                        "ON CONFLICT (key, t, col) DO UPDATE SET value = excluded.value, "
                        "seq = nextval('market_points_seq'), written_at = now() "
                        "WHERE p.value IS DISTINCT FROM excluded.value "
                        "RETURNING key, seq")
                    for key, s in cur.fetchall():
                        changed.add(key)
                        seq = s if seq is None else max(seq, s)
            for key, (meta_json, known) in series.items():
                conn.execute(
                    "INSERT INTO market_series (key, meta_json, columns_json, updated_at) "
                    "VALUES (%s, %s, %s, now()) ON CONFLICT (key) DO UPDATE SET "
                    "meta_json = coalesce(excluded.meta_json, market_series.meta_json), "
                    "columns_json = excluded.columns_json, updated_at = now()",
                    (key, meta_json, json.dumps(known)))
            for s in new_status:
                conn.execute(
                    "INSERT INTO series_status AS s (key, source, ok, message, failing_since, "
                    "last_ok, updated_at) VALUES (%s, %s, %s, %s, %s, "
                    "CASE WHEN %s THEN now() END, now()) ON CONFLICT (key) DO UPDATE SET "
                    "source = excluded.source, ok = excluded.ok, message = excluded.message, "
                    "failing_since = excluded.failing_since, "
                    "last_ok = coalesce(excluded.last_ok, s.last_ok), updated_at = now()",
                    (s.key, s.source, s.ok, s.message, None if s.ok else s.failing_since,
                     s.ok))
                changed.add(s.key)
            conn.execute("UPDATE collectors SET last_commit = now() WHERE host = %s AND pid = %s",
                         (self.host, self.pid))
            if changed:
                conn.execute("SELECT pg_notify(%s, %s)",
                             (NOTIFY_CHANNEL, payload(max(seq or 0, self.seq),
                                                      sorted(changed))))
            conn.commit()
        except BaseException:
            if not conn.closed and not conn.broken:
                with contextlib.suppress(psycopg.Error):
                    conn.rollback()
            raise
        for key, (_meta, known) in series.items():
            self._columns[key] = known
        for s in new_status:
            self._statuses[s.key] = (s.ok, s.message)
        self.seq = max(seq or 0, self.seq)
        return Written(seq, tuple(sorted(changed)), len(rows))
