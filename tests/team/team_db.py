"""Test helpers for the team feed: write points as the collector does (the schema's contract:
upsert with a new seq, then NOTIFY), and restart a test server in place."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import psycopg

from deskapp.team.schema import NOTIFY_CHANNEL

# The test servers' password: ':' and '/' must be escaped in a URL, and never shown.
PASSWORD = "s3cret:pa/ss"


def write(conn: psycopg.Connection, frames: dict[str, pd.DataFrame],
          meta: dict[str, dict] | None = None, notify: bool = True) -> int:
    """Upsert `frames` in one transaction (a value that changes takes a new seq), NOTIFY the
    keys; returns the highest seq committed."""
    with conn.transaction():
        for key, frame in frames.items():
            cols = [str(c) for c in frame.columns]
            times = frame.index.as_unit("ns").asi8
            rows = [(key, int(t), c, float(v)) for t, vals in zip(times, frame.to_numpy(),
                                                                   strict=True)
                    for c, v in zip(cols, vals, strict=True) if not np.isnan(v)]
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO market_points (key, t, col, value) VALUES (%s,%s,%s,%s) "
                    "ON CONFLICT (key, t, col) DO UPDATE SET value = excluded.value, "
                    "seq = nextval('market_points_seq'), written_at = now() "
                    "WHERE market_points.value IS DISTINCT FROM excluded.value", rows)
            conn.execute("INSERT INTO market_series (key, meta_json, columns_json) "
                         "VALUES (%s,%s,%s) ON CONFLICT (key) DO UPDATE SET "
                         "meta_json = excluded.meta_json, columns_json = excluded.columns_json,"
                         " updated_at = now()",
                         (key, json.dumps((meta or {}).get(key, {})), json.dumps(cols)))
        top = conn.execute("SELECT coalesce(max(seq), 0) FROM market_points").fetchone()[0]
        if notify:
            conn.execute("SELECT pg_notify(%s, %s)",
                         (NOTIFY_CHANNEL, json.dumps({"seq": top, "keys": sorted(frames)})))
    return int(top)


def set_status(conn: psycopg.Connection, key: str, ok: bool, message: str = "",
               since: str | None = None) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO series_status (key, source, ok, message, failing_since) "
                     "VALUES (%s, 'crypto', %s, %s, %s) ON CONFLICT (key) DO UPDATE SET "
                     "ok = excluded.ok, message = excluded.message, "
                     "failing_since = excluded.failing_since, updated_at = now()",
                     (key, ok, message or None, since))
        conn.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, json.dumps(
            {"seq": 0, "keys": [key]})))


def set_collector(conn: psycopg.Connection, host: str, pid: int = 1) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO collectors (host, pid, last_commit, active) "
                     "VALUES (%s, %s, now(), true) ON CONFLICT (host, pid) DO UPDATE "
                     "SET last_commit = now(), active = true", (host, pid))


def bars(start: str, n: int, freq: str = "1h", base: float = 100.0) -> pd.DataFrame:
    """n OHLCV bars with values worked out by hand from their position."""
    idx = pd.date_range(start, periods=n, freq=freq, tz="UTC", name="time").as_unit("us")
    close = base + np.arange(n, dtype=float)
    return pd.DataFrame({"open": close - 0.5, "high": close + 1, "low": close - 1,
                         "close": close, "volume": 10.0 * (1 + np.arange(n))}, index=idx)


def stop_server(pg) -> None:
    """Stop a tests/support/postgres_server.py server, keeping its data (fast shutdown)."""
    proc = pg._proc  # noqa: SLF001 (the support module has no restart of its own)
    pg._run(pg.binaries["pg_ctl"], "stop", "-D", str(pg.data), "-m", "fast", "-w", "-t", "30")
    proc.wait(timeout=30)
    pg._proc = None


def start_server(pg) -> None:
    """Start it again on the same port, with the same data."""
    if not pg._launch(pg.port):  # noqa: SLF001
        raise RuntimeError(f"port {pg.port} was taken while the server was down")
