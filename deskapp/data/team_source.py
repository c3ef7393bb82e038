"""The desk on the team feed: market data a collector (`deskapp collect`) wrote into PostgreSQL.

`TeamSource` follows the `FeedSource` contract of the live and cache sources. Its first poll
hands on everything the database holds (or, when it cannot be reached, the local cache); later
polls read only the points written after the last `seq` seen, when the collector's NOTIFY says
there is news or every FALLBACK_POLL (a lost notification costs at most that long). What it
receives is also written into the desk's local SQLite cache, so a desk that loses the database
keeps its data: it then says `offline` (FeedBatch.link) and reconnects by itself with backoff.
The per-series failures are the collector's (table series_status). Nothing is polled upstream.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

import pandas as pd
import psycopg

from deskapp.data.feed import FeedBatch, canonical
from deskapp.data.live import HEARTBEAT, utc_now
from deskapp.team import reader

log = logging.getLogger(__name__)

FALLBACK_POLL_S = 10.0  # read after the watermark this often even without a NOTIFY
RECONNECT_FIRST_S = 1.0  # backoff after a lost connection: 1, 2, 4 ... RECONNECT_MAX_S
RECONNECT_MAX_S = 30.0


def merge_cells(old: pd.DataFrame | None, new: pd.DataFrame, key: str) -> pd.DataFrame:
    """`new`'s cells over `old`'s (a revised bar overwrites; a cell `new` lacks is kept),
    columns in `old`'s order then `new`'s."""
    if old is None or old.empty:
        return canonical(new, key)
    columns = list(old.columns) + [c for c in new.columns if c not in old.columns]
    merged = new.combine_first(old).reindex(columns=columns)
    merged.index.name = old.index.name
    return canonical(merged, key)


class TeamSource:
    """Frames from a team database. `connect()` returns an open connection (by default
    `open_team_db(url, create=False)`); `cache` is the desk's local MarketCache (or None)."""

    kind = "team"

    def __init__(self, url: str, cache=None, connect: Callable[[], psycopg.Connection] | None
                 = None, clock: Callable[[], pd.Timestamp] | None = None,
                 wall: Callable[[], float] = time.monotonic, wait_s: float = 0.0,
                 name: str = "team"):
        from deskapp.team.schema import safe_url

        self.url = url
        self.location = safe_url(url)
        self.name = name
        self.cache = cache
        self._connect = connect or self._open
        self.clock = clock or (lambda: utc_now())  # looked up at each call (tests pin it)
        self.wall = wall
        self.wait_s = wait_s  # how long a poll may wait for a NOTIFY (or, offline, idle)
        self._closing = threading.Event()
        self.idle = self._closing.wait  # offline: a poll rests wait_s (close() ends the rest)
        self.conn: psycopg.Connection | None = None
        self.frames: dict[str, pd.DataFrame] = {}
        self.seq = 0
        self.host = ""  # the active collector's host
        self.last_commit: pd.Timestamp | None = None
        self.link = "connecting"  # "team" (connected) | "offline"
        self.problem = ""  # why it is offline, one line without the password
        self.reconnects = 0
        self._failures = 0
        self._retry_at = float("-inf")
        self._read_at = float("-inf")
        self._first = True
        self._errors: dict[str, str] = {}  # the collector's failure lines, last read
        self._sent_errors: dict[str, str] = {}
        self._sent_clock: pd.Timestamp | None = None
        self._sent_link = ""

    def _open(self) -> psycopg.Connection:
        from deskapp.team.schema import open_team_db

        return open_team_db(self.url, create=False, autocommit=True,
                            application_name="deskapp-desk")

    # --- connection --------------------------------------------------------------------------

    def _ensure_connected(self) -> bool:
        if self.conn is not None and not self.conn.closed:
            return True
        if self.wall() < self._retry_at:
            return False
        try:
            conn = self._connect()
            reader.listen(conn)
        except Exception as exc:  # TeamDbError, psycopg.Error, OSError: offline, try later
            self._lost(exc)
            return False
        self.conn = conn
        if self._failures:
            self.reconnects += 1
            log.warning("team feed %s: reconnected", self.location)
        self._failures = 0
        self._read_at = float("-inf")  # read at once: news may have come while away
        return True

    def _lost(self, exc: BaseException) -> None:
        from deskapp.team.schema import one_line as hidden

        if self.conn is not None:
            with contextlib.suppress(Exception):  # a dead connection may fail to close
                self.conn.close()
        self.conn = None
        message = hidden(exc, self.url)
        if self.location not in message:
            message = f"team database {self.location}: {message}"
        if self._failures == 0 or message != self.problem:  # one line per new reason
            log.warning("team feed offline: %s", message)
        self.problem = message
        self._failures += 1
        delay = min(RECONNECT_MAX_S, RECONNECT_FIRST_S * 2 ** (self._failures - 1))
        self._retry_at = self.wall() + delay
        self.link = "offline"

    # --- reading -----------------------------------------------------------------------------

    def _read(self, wait_s: float) -> tuple[dict[str, pd.DataFrame], dict[str, str] | None]:
        """Changed full frames, and the collector's failure lines (None: not read now)."""
        conn = self.conn
        notices = reader.wait_notices(conn, 0.0 if self._first else wait_s)
        now = self.wall()
        if not notices and now - self._read_at < FALLBACK_POLL_S:
            return {}, None
        self._read_at = now
        top = reader.max_seq(conn)
        if top < self.seq:  # a database restored from an older backup: start over
            log.warning("team feed %s: seq went back (%d < %d); reading everything",
                        self.location, top, self.seq)
            self.seq = 0
        points = reader.read_points(conn, self.seq)
        statuses = reader.read_statuses(conn)
        collector = reader.active_collector(conn)
        if collector is not None:
            self.host, self.last_commit = collector.host, collector.last_commit
        changed = {}
        for key, delta in points.frames.items():
            merged = merge_cells(self.frames.get(key), delta, key)
            self.frames[key] = changed[key] = merged
            if self.cache is not None:
                try:
                    self.cache.put(key, delta, points.meta.get(key) or None)
                except Exception as exc:  # noqa: BLE001 (the feed goes on without the cache)
                    log.warning("team feed: could not cache %s: %s", key, exc)
        self.seq = points.seq
        return changed, reader.failure_lines(statuses)

    def _local(self) -> dict[str, pd.DataFrame]:
        if self.cache is None:
            return {}
        try:
            frames, _meta = self.cache.get_all()
        except Exception as exc:  # noqa: BLE001
            log.warning("team feed: local cache unreadable: %s", exc)
            return {}
        return {k: f for k, f in frames.items() if len(f)}

    def poll(self) -> FeedBatch:
        now = self.clock()
        first, self._first = self._first, False
        changed: dict[str, pd.DataFrame] = {}
        errors: dict[str, str] | None = None
        if self._ensure_connected():
            try:
                self._first = first  # the first read waits for nothing
                changed, errors = self._read(self.wait_s)
                self._first = False
                self.link = "team"
                self.problem = ""
            except psycopg.Error as exc:
                self._first = False
                self._lost(exc)
        elif self.wait_s > 0 and not first:  # offline: a fast poll loop would only spin
            self.idle(self.wait_s)
        if first and self.link == "offline" and not self.frames:
            self.frames = self._local()  # paint from what this desk kept
            changed = dict(self.frames)
        if errors is not None:
            self._errors = errors
        out_errors: dict[str, str] = {}
        for key in set(self._sent_errors) - set(self._errors):  # recovered: hand its frame on
            del self._sent_errors[key]
            if key not in changed and key in self.frames:
                changed[key] = self.frames[key]
        for key, line in self._errors.items():
            # A batch's frames clear their keys' errors: an error goes out in a batch without
            # its key's frame (the next poll, if need be).
            if self._sent_errors.get(key) != line and key not in changed:
                out_errors[key] = self._sent_errors[key] = line
        link = f"offline: {self.problem}" if self.link == "offline" else self.link
        link_changed = link != self._sent_link
        self._sent_link = link
        if (changed or out_errors or link_changed or self._sent_clock is None
                or now - self._sent_clock >= HEARTBEAT):
            self._sent_clock = now
        return FeedBatch(source="team", dataset=self.host, clock=self._sent_clock,
                         frames=changed, errors=out_errors, link=link)

    def close(self) -> None:
        """Idempotent."""
        self._closing.set()
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
