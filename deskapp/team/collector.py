"""The collector: the desk's live adapters, polled in rounds, written into the team database.

Standby without an election: every collector connects and asks for a PostgreSQL session advisory
lock (COLLECTOR_LOCK_KEY) every `lock_retry_s`; the one that holds it polls and writes, the
others wait. When the active one dies (SIGKILL, its host gone) the server ends its session and
the lock is free: a standby takes it on its next try and resumes from what the database holds.

Each round polls every source once (an adapter asks upstream only when due: refresh interval,
backoff), collects the fresh frames the sources hand their cache (`DbStage`), and commits them
with the per-series statuses in one transaction that ends with NOTIFY. A round that cannot be
committed is kept and written after reconnecting: nothing fetched is lost. One log line per
series that starts failing and per recovery. `stop` (SIGTERM) ends the loop between commits.
No Qt here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime

import pandas as pd
import psycopg

from deskapp.team.schema import COLLECTOR_LOCK_KEY, TeamDbError, one_line, open_team_db, safe_url
from deskapp.team.writer import Status, TeamWriter, read_frames

log = logging.getLogger("deskapp.collector")

RECONNECT_MAX_S = 10.0
# An active collector that holds the lock but has not committed for this long is hung (stopped,
# swapping, deadlocked): a standby ends its session so that the lock is free. Long enough for a
# first round that fetches years of history.
STALE_S = 180.0
HOLDER_SQL = ("SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
              "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1 "
              "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")


class DbStage:
    """The cache the collector's sources see: `get_all()` gives what the database held at the
    take-over (so each series' `since` follows the database's newest bar), `put()` stages the
    fresh frames for the round's commit."""

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.frames = frames
        self.pending: list[tuple[str, pd.DataFrame, dict | None]] = []

    def get_all(self) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
        return dict(self.frames), {}

    def put(self, key: str, frame: pd.DataFrame, meta: dict | None = None) -> int:
        self.pending.append((key, frame, meta))
        return len(frame)

    def take(self) -> list[tuple[str, pd.DataFrame, dict | None]]:
        out, self.pending = self.pending, []
        return out


def _series_keys(source) -> list[str]:
    series = getattr(source, "series", None)
    return list(series if series is not None else getattr(source, "meta", {}))


def _errors(source) -> dict[str, tuple[str, pd.Timestamp]]:
    """key -> (message, failing since) of a LiveSource or a LiquidationStream."""
    return {k: (" ".join(str(m).split()), since)
            for k, (m, since) in dict(getattr(source, "errors", {})).items()}


class Collector:
    """`run()` until `stop` is set (or one round with `once`). `make_sources(stage)` builds the
    sources writing into `stage` (deskapp.data.sources.live_sources in production)."""

    def __init__(self, url: str, make_sources: Callable[[DbStage], list], *,
                 interval_s: float = 1.0, once: bool = False, lock_retry_s: float = 1.0,
                 stale_s: float = STALE_S, host: str | None = None, pid: int | None = None,
                 stop: threading.Event | None = None):
        self.url = url
        self.location = safe_url(url)
        self.make_sources = make_sources
        self.interval_s = interval_s
        self.once = once
        self.lock_retry_s = lock_retry_s
        self.stale_s = stale_s
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.stop = stop or threading.Event()
        self.conn: psycopg.Connection | None = None
        self.writer: TeamWriter | None = None
        self.active = False
        self.sources: list | None = None
        self.stage: DbStage | None = None
        self.pending: list[tuple[str, pd.DataFrame, dict | None]] = []
        self.rounds = 0  # committed rounds
        self._failing: dict[str, tuple[str, str, pd.Timestamp]] = {}  # key -> (source, msg, since)
        self._seen_ok: set[str] = set()
        self._standby_said = False

    # -- connection and lock ----------------------------------------------------------------

    def open(self) -> None:
        """Connect (creating the schema on first use). TeamDbError when it cannot."""
        self.conn = open_team_db(self.url, create=True, application_name="deskapp-collector")
        self.writer = TeamWriter(self.conn, self.host, self.pid)

    def _drop(self) -> None:
        conn, self.conn, self.writer, self.active = self.conn, None, None, False
        if conn is not None:
            # Ends the session, which releases the lock; a broken connection is gone anyway.
            with contextlib.suppress(Exception):
                conn.close()

    def _try_lock(self) -> bool:
        assert self.conn is not None and self.writer is not None
        got = bool(self.conn.execute("SELECT pg_try_advisory_lock(%s)",
                                     (COLLECTOR_LOCK_KEY,)).fetchone()[0])
        self.conn.commit()
        if not got:
            if self.sources is not None:  # we were active, and another took over meanwhile
                self._close_sources()
                if self.pending:
                    log.info("another collector took over: %d fetched series left to it",
                             len(self.pending))
                self.pending = []
            self._end_hung_holder()
            if not self._standby_said:
                self.writer.register(active=False)
                row = self.conn.execute("SELECT host, pid FROM collectors WHERE active "
                                        "ORDER BY last_commit DESC NULLS LAST LIMIT 1").fetchone()
                self.conn.commit()
                who = f" ({row[0]} pid {row[1]})" if row else ""
                log.info("standby: another collector%s holds the lock on %s; waiting", who,
                         self.location)
                self._standby_said = True
            return False
        self.active = True
        self._standby_said = False
        self.writer.register(active=True)
        self.writer.load_columns()
        if self.sources is None:
            frames = read_frames(self.conn)
            self.conn.commit()
            self.stage = DbStage(frames)
            self.sources = self.make_sources(self.stage)
            for src in self.sources:  # first poll: each source takes the database's frames
                src.poll()
            self.stage.take()
            newest = max((f.index[-1] for f in frames.values() if len(f)), default=None)
            log.info("active on %s: resuming from %d series (newest bar %s)", self.location,
                     len(frames), "none" if newest is None else f"{newest:%Y-%m-%d %H:%M}Z")
        else:
            log.info("active again on %s", self.location)
        return True

    def _end_hung_holder(self) -> None:
        """End the session of an active collector that has not committed for `stale_s`."""
        assert self.conn is not None
        row = self.conn.execute(
            "SELECT host, pid, extract(epoch FROM now() - coalesce(last_commit, started_at)) "
            "FROM collectors WHERE active").fetchone()
        if row is None or float(row[2]) < self.stale_s:
            self.conn.commit()
            return
        holders = [r[0] for r in self.conn.execute(
            HOLDER_SQL, (COLLECTOR_LOCK_KEY >> 32, COLLECTOR_LOCK_KEY & 0xFFFFFFFF))]
        for backend in holders:
            log.warning("the active collector (%s pid %s) has not committed for %.0f s: ending "
                        "its database session", row[0], row[1], float(row[2]))
            self.conn.execute("SELECT pg_terminate_backend(%s)", (backend,))
        # Not again for the same hang: its row is no longer the active one.
        self.conn.execute("UPDATE collectors SET active = false WHERE host = %s AND pid = %s",
                          (row[0], row[1]))
        self.conn.commit()

    # -- one round ----------------------------------------------------------------------------

    def _statuses(self) -> list[Status]:
        """Every series' status; logs one line per series that starts failing or recovers."""
        assert self.sources is not None
        out: list[Status] = []
        now_failing: dict[str, tuple[str, str, pd.Timestamp]] = {}
        for src in self.sources:
            errors = _errors(src)
            for key in _series_keys(src):
                if key in errors:
                    message, since = errors[key]
                    now_failing[key] = (src.name, message, since)
                    out.append(Status(key, src.name, False, message, _dt(since)))
                elif key in self._seen_ok or key in self._failing:
                    out.append(Status(key, src.name, True))
        for key, (name, message, _since) in now_failing.items():
            if key not in self._failing:
                log.warning("%s %s failing: %s", name, key, message)
        for key, (name, _message, since) in self._failing.items():
            if key not in now_failing:
                log.info("%s %s recovered (failing since %s UTC)", name, key,
                         f"{since:%Y-%m-%d %H:%M}")
                self._seen_ok.add(key)
        self._failing = now_failing
        return out

    def round(self) -> None:
        """Poll every source once and commit what they fetched. psycopg.Error passes (the
        round's frames stay pending)."""
        assert self.sources is not None and self.stage is not None and self.writer is not None
        for src in self.sources:
            try:
                src.poll()
            except Exception:  # a source bug must not stop the collector
                log.exception("%s: poll failed", getattr(src, "name", src))
        fresh = self.stage.take()
        self.pending += fresh
        self._seen_ok.update(k for k, _f, _m in fresh)
        statuses = self._statuses()
        written = self.writer.commit(self.pending, statuses)
        self.pending = []
        self.rounds += 1
        if written.keys:
            log.debug("round %d: seq %s, %d values, keys %s", self.rounds, written.seq,
                      written.points, ", ".join(written.keys))

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> int:
        """Until `stop` (or one round with `once`). The first connection's failure raises
        TeamDbError; later ones are logged and retried with backoff."""
        if self.conn is None:
            self.open()
        delay = 1.0
        try:
            while not self.stop.is_set():
                try:
                    if self.conn is None:
                        self.open()
                        log.info("reconnected to %s", self.location)
                    if not self.active and not self._try_lock():
                        if self.once:
                            log.info("--once: another collector is active; nothing to do")
                            return 0
                        self.stop.wait(self.lock_retry_s)
                        continue
                    self.round()
                    delay = 1.0
                    if self.once:
                        return 0
                    self.stop.wait(self.interval_s)
                except (psycopg.Error, TeamDbError) as exc:
                    conn = self.conn
                    if conn is not None and not conn.closed and not conn.broken:
                        try:  # a failed statement, the session (and lock) still there
                            conn.rollback()
                            log.warning("team database %s: round not committed (%s); kept "
                                        "for the next round", self.location,
                                        one_line(exc, self.url))
                            self.stop.wait(delay)
                            delay = min(delay * 2, RECONNECT_MAX_S)
                            continue
                        except psycopg.Error:
                            pass
                    log.warning("team database %s unreachable (%s); retrying in %.0f s",
                                self.location, one_line(exc, self.url), delay)
                    self._drop()
                    self.stop.wait(delay)
                    delay = min(delay * 2, RECONNECT_MAX_S)
            return 0
        finally:
            self.close()

    def _close_sources(self) -> None:
        """Stop polling: the sources (and the liquidation websockets) are closed; a later
        take-over builds them again from what the database then holds."""
        for src in self.sources or []:
            try:
                src.close()
            except Exception:  # noqa: BLE001 (closing must go on)
                log.exception("closing %s failed", getattr(src, "name", src))
        self.sources = self.stage = None

    def close(self) -> None:
        """Close the sources, mark this collector gone, release the lock. Idempotent."""
        self._close_sources()
        if self.conn is not None and not self.conn.closed and not self.conn.broken:
            try:
                self.conn.rollback()
                self.conn.execute("DELETE FROM collectors WHERE host = %s AND pid = %s",
                                  (self.host, self.pid))
                self.conn.commit()
            except psycopg.Error:
                pass
        if self.pending:
            log.warning("stopped with %d series not written (the next collector fetches "
                        "them again)", len(self.pending))
        self._drop()


def _dt(t: pd.Timestamp | None) -> datetime | None:
    return None if t is None else pd.Timestamp(t).to_pydatetime()
