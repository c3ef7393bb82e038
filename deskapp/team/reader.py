"""Reading the team feed: the points a collector wrote after a `seq` watermark, as frames like
`MarketCache.get_all()` gives them; the per-series statuses; the active collector; and waiting
for the collector's NOTIFY. No Qt, no writes (a desk's role may only read the market tables).

Every call takes an open connection (`deskapp.team.schema.open_team_db(url, create=False)`);
psycopg errors pass through: the caller (deskapp/data/team_source.py) decides what a lost
connection means.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import pandas as pd
import psycopg

from deskapp.data.cache import _frame  # the same long -> wide reshaping as the local cache
from deskapp.team.schema import NOTIFY_CHANNEL

MIN_WAIT_S = 0.001


@dataclass(frozen=True)
class Points:
    """What was written after a watermark: the changed rows per key (only those rows), each
    key's meta, and the new watermark (the highest seq read; the old one when nothing new)."""

    frames: dict[str, pd.DataFrame]
    meta: dict[str, dict]
    seq: int


@dataclass(frozen=True)
class SeriesStatus:
    key: str
    source: str
    ok: bool
    message: str
    failing_since: pd.Timestamp | None


@dataclass(frozen=True)
class CollectorInfo:
    host: str
    pid: int
    last_commit: pd.Timestamp | None
    active: bool


def _ts(value) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value).tz_convert("UTC")


def read_points(conn: psycopg.Connection, after_seq: int = 0,
                keys: list[str] | None = None) -> Points:
    """Every point with seq > `after_seq` (of `keys` only, when given), one frame per key holding
    just those rows (columns in the order the collector recorded them)."""
    where, params = "seq > %s", [after_seq]
    if keys is not None:
        where += " AND key = ANY(%s)"
        params.append(list(keys))
    with conn.cursor(binary=True) as cur:
        cur.execute(f"SELECT key, t, col, value, seq FROM market_points WHERE {where} "  # noqa: S608
                    "ORDER BY key, t", params)
        rows = cur.fetchall()
        changed = sorted({r[0] for r in rows})
        series = {}
        if changed:
            cur.execute("SELECT key, meta_json, columns_json FROM market_series "
                        "WHERE key = ANY(%s)", [changed])
            series = {k: (m, c) for k, m, c in cur.fetchall()}
    frames: dict[str, pd.DataFrame] = {}
    metas: dict[str, dict] = {}
    top = after_seq
    for key, group in itertools.groupby(rows, key=lambda r: r[0]):
        group = list(group)
        top = max(top, max(r[4] for r in group))
        meta_json, columns_json = series.get(key, (None, None))
        meta = json.loads(meta_json) if meta_json else {}
        listed = meta.get("columns") if isinstance(meta, dict) else None
        columns = [c for c in listed if isinstance(c, str)] if isinstance(listed, list) else []
        columns += [c for c in (json.loads(columns_json) if columns_json else [])
                    if c not in columns]
        frames[key] = _frame([(r[1], r[2], r[3]) for r in group], columns)
        metas[key] = meta if isinstance(meta, dict) else {}
    return Points(frames, metas, top)


def max_seq(conn: psycopg.Connection) -> int:
    """The highest seq the database holds (0 when empty)."""
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM market_points").fetchone()[0])


def read_statuses(conn: psycopg.Connection) -> dict[str, SeriesStatus]:
    rows = conn.execute("SELECT key, source, ok, message, failing_since FROM series_status"
                        ).fetchall()
    return {k: SeriesStatus(k, s or "", bool(ok), m or "", _ts(f)) for k, s, ok, m, f in rows}


def failure_lines(statuses: dict[str, SeriesStatus]) -> dict[str, str]:
    """The failing series' lines as the desk's own live sources word them."""
    out = {}
    for key, s in statuses.items():
        if not s.ok:
            since = f" (since {s.failing_since:%H:%M} UTC)" if s.failing_since is not None else ""
            out[key] = f"{s.message or 'failing'}{since}"
    return out


def active_collector(conn: psycopg.Connection) -> CollectorInfo | None:
    """The collector that holds the lock (else the one that committed last), or None."""
    row = conn.execute("SELECT host, pid, last_commit, active FROM collectors "
                       "ORDER BY active DESC, last_commit DESC NULLS LAST LIMIT 1").fetchone()
    return None if row is None else CollectorInfo(row[0], int(row[1]), _ts(row[2]), bool(row[3]))


def listen(conn: psycopg.Connection) -> None:
    """Subscribe `conn` (switched to autocommit: notifications arrive between transactions)."""
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.rollback()
    conn.autocommit = True
    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")


@dataclass(frozen=True)
class Notice:
    seq: int | None
    keys: list[str] | None  # None: "read everything after seq"


def parse_notice(payload: str) -> Notice:
    """A NOTIFY payload {"seq": N, "keys": [...] | null}; anything unreadable means "read
    everything" (Notice(None, None))."""
    try:
        data = json.loads(payload)
        seq = data.get("seq")
        keys = data.get("keys")
        return Notice(int(seq) if seq is not None else None,
                      [str(k) for k in keys] if isinstance(keys, list) else None)
    except (ValueError, TypeError, AttributeError):
        return Notice(None, None)


def wait_notices(conn: psycopg.Connection, timeout_s: float) -> list[Notice]:
    """The notifications pending on `conn`, waiting up to `timeout_s` for the first one
    (at least a millisecond: with none psycopg does not read the socket, and would not notice
    that the server closed the connection)."""
    got = [parse_notice(n.payload)
           for n in conn.notifies(timeout=max(MIN_WAIT_S, timeout_s), stop_after=1)]
    if got:  # drain whatever else came with it
        got += [parse_notice(n.payload) for n in conn.notifies(timeout=MIN_WAIT_S)]
    return got
