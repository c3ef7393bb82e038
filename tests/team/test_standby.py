"""Standby and restarts, with real processes and a real PostgreSQL server: a standby collector
takes over after the active one is SIGKILLed, and a collector survives a database restart; in
both cases the database ends up holding exactly the upstream's bars (none lost, none twice)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from support.bar_upstream import KEY, BarUpstream, crypto_sources
from support.loopback import LoopbackServer
from support.polling import wait_for
from support.postgres_server import postgres_server, require_binaries

from deskapp.team.collector import Collector
from deskapp.team.writer import read_frames

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "support" / "bar_upstream.py"


@pytest.fixture
def pg():
    with postgres_server(require_binaries(), password="pw") as server:
        yield server


@pytest.fixture
def upstream():
    server = LoopbackServer()
    yield BarUpstream(server, bars=10)
    server.close()


def stop_all(*procs, resume: bool = False) -> None:
    """SIGTERM each collector still running (SIGCONT first for one that may be stopped),
    SIGKILL one that does not end within 30 s."""
    for proc in procs:
        if proc is not None and proc.poll() is None:
            if resume:
                proc.send_signal(signal.SIGCONT)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute(sql, params).fetchall()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return []  # the server is down, or no collector has created the tables yet


def point_count(url: str) -> int:
    rows = query(url, "SELECT count(*) FROM market_points WHERE key = %s", (KEY,))
    return rows[0][0] if rows else -1


def active_pid(url: str) -> int | None:
    rows = query(url, "SELECT pid FROM collectors WHERE active AND last_commit IS NOT NULL")
    return rows[0][0] if len(rows) == 1 else None


def spawn(url: str, port: int, log: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with log.open("w") as err:  # a file, not a pipe: nobody must read it for the child to go on
        return subprocess.Popen([sys.executable, str(SCRIPT), url, str(port), *extra], env=env,
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)


class Grower:
    """Adds one bar upstream every `every_s` until stopped (the market goes on)."""

    def __init__(self, upstream: BarUpstream, every_s: float = 0.1):
        self.upstream, self.every_s = upstream, every_s
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(self.every_s):  # pacing the upstream, not synchronising
            self.upstream.add_bars(1)

    def stop(self) -> int:
        self.done.set()
        self.thread.join(10)
        return self.upstream.count


def test_standby_takes_over_after_sigkill_with_no_bar_lost_or_doubled(pg, upstream, tmp_path):
    url = pg.create_database()
    logs = tmp_path / "first.log", tmp_path / "second.log"
    first = spawn(url, upstream.server.port, logs[0])
    second = None
    try:
        wait_for(lambda: active_pid(url) == first.pid, "the first collector to be active")
        second = spawn(url, upstream.server.port, logs[1])
        wait_for(lambda: query(url, "SELECT 1 FROM collectors WHERE pid = %s AND NOT active",
                               (second.pid,)), "the second collector to stand by")
        grower = Grower(upstream)
        wait_for(lambda: point_count(url) >= 5 * (upstream.count - 2), "bars while growing")
        killed_at = time.monotonic()
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        wait_for(lambda: active_pid(url) == second.pid, "the standby to take over")
        gap = time.monotonic() - killed_at
        wait_for(lambda: point_count(url) >= 5 * (upstream.count - 2), "bars after the switch")
        final = grower.stop()
        wait_for(lambda: point_count(url) == 5 * final, "every bar")
        with psycopg.connect(url) as conn:
            frame = read_frames(conn)[KEY]
            rows, distinct = conn.execute(
                "SELECT count(*), count(DISTINCT (t, col)) FROM market_points").fetchone()
        assert frame.equals(upstream.expected_frame(final))
        assert rows == distinct == 5 * final
        print(f"standby take-over gap after SIGKILL: {gap:.2f} s ({final} bars)")
    finally:
        stop_all(first, second)
    assert second.returncode == 0, logs[1].read_text()
    second_log = logs[1].read_text()
    assert "standby: another collector" in second_log and "active on" in second_log
    assert "Traceback" not in second_log


def test_a_hung_active_collector_is_ended_by_the_standby(pg, upstream, tmp_path):
    """SIGSTOP keeps the active collector's session (and lock) alive: the standby sees no
    commit for --stale seconds, ends that session, takes over; the hung one, resumed, finds
    its session gone and stands by."""
    url = pg.create_database()
    logs = tmp_path / "first.log", tmp_path / "second.log"
    first = spawn(url, upstream.server.port, logs[0], "--stale", "2")
    second = None
    try:
        wait_for(lambda: active_pid(url) == first.pid, "the first collector to be active")
        second = spawn(url, upstream.server.port, logs[1], "--stale", "2")
        wait_for(lambda: query(url, "SELECT 1 FROM collectors WHERE pid = %s AND NOT active",
                               (second.pid,)), "the second collector to stand by")
        first.send_signal(signal.SIGSTOP)
        upstream.add_bars(3)
        wait_for(lambda: active_pid(url) == second.pid, "the standby to take over")
        wait_for(lambda: point_count(url) == 5 * upstream.count, "the bars after the hang")
        first.send_signal(signal.SIGCONT)
        wait_for(lambda: "standby: another collector" in logs[0].read_text(),
                 "the resumed one to stand by")
        upstream.add_bars(2)
        wait_for(lambda: point_count(url) == 5 * upstream.count, "the bars after the resume")
        assert active_pid(url) == second.pid
        with psycopg.connect(url) as conn:
            assert read_frames(conn)[KEY].equals(upstream.expected_frame(15))
    finally:
        stop_all(first, second, resume=True)
    assert "has not committed for" in logs[1].read_text()
    resumed = logs[0].read_text()
    assert "unreachable" in resumed and "standby: another collector" in resumed
    assert first.returncode == 0 and second.returncode == 0


def test_database_restart_under_a_running_collector_loses_nothing(pg, upstream, caplog):
    caplog.set_level(logging.INFO, logger="deskapp.collector")
    url = pg.create_database()
    c = Collector(url, lambda stage: crypto_sources(upstream.server.port, stage),
                  interval_s=0.05, lock_retry_s=0.05, host="test-host", pid=77)
    thread = threading.Thread(target=c.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: point_count(url) == 5 * upstream.count, "the first bars")
        rounds = c.rounds
        pg._run(pg.binaries["pg_ctl"], "stop", "-D", str(pg.data), "-m", "fast", "-w")  # noqa: SLF001
        pg._proc.wait(30)  # noqa: SLF001
        upstream.add_bars(3)  # the market moves while the database is down
        wait_for(lambda: "unreachable" in caplog.text, "the collector to notice")
        for _attempt in range(50):
            if pg._launch(pg.port):  # noqa: SLF001
                break
        upstream.add_bars(2)
        wait_for(lambda: point_count(url) == 5 * upstream.count, "every bar after the restart")
        assert c.rounds > rounds
        assert "reconnected to" in caplog.text
    finally:
        c.stop.set()
        thread.join(60)
    assert not thread.is_alive()
    with psycopg.connect(url) as conn:
        assert read_frames(conn)[KEY].equals(upstream.expected_frame(15))
        assert conn.execute("SELECT count(*) FROM collectors").fetchone()[0] == 0
    assert "pw@" not in caplog.text
