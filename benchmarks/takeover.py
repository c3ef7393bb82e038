"""Standby take-over gap: two collector processes on one PostgreSQL database (a throwaway server,
tests/support/postgres_server.py) and the loopback upstream (tests/support/bar_upstream.py);
the active one is SIGKILLed and we time until the standby has committed its first round.

    gap      = SIGKILL -> the standby's first commit seen in its collectors row (polled 10 ms)
    data gap = the killed collector's last commit -> the standby's first commit

The standby retries the lock every `--retry` seconds (the collector's default: 1 s).
Usage: python benchmarks/takeover.py [--runs N] [--retry S]   (prints figures only)
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import psycopg  # noqa: E402
from support.bar_upstream import BarUpstream  # noqa: E402
from support.loopback import LoopbackServer  # noqa: E402
from support.postgres_server import postgres_server  # noqa: E402

SCRIPT = REPO / "tests" / "support" / "bar_upstream.py"


def _rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute(sql, params).fetchall()
    except psycopg.Error:
        return []


def _until(condition, what: str, timeout_s: float = 120.0, step_s: float = 0.01):
    deadline = time.monotonic() + timeout_s
    while not (got := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(step_s)
    return got


def _spawn(url: str, port: int, retry: float, log) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(SCRIPT), url, str(port), "--retry", str(retry)],
                            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)


def one_run(url: str, port: int, retry: float, log) -> tuple[float, float]:
    active = _spawn(url, port, retry, log)
    standby = None
    try:
        _until(lambda: _rows(url, "SELECT 1 FROM collectors WHERE pid = %s AND active AND "
                                  "last_commit IS NOT NULL", (active.pid,)), "the active one")
        standby = _spawn(url, port, retry, log)
        _until(lambda: _rows(url, "SELECT 1 FROM collectors WHERE pid = %s AND NOT active",
                             (standby.pid,)), "the standby")
        time.sleep(1.0)  # let the standby settle into its lock retries (pacing, not syncing)
        last = _rows(url, "SELECT extract(epoch FROM last_commit) FROM collectors WHERE pid = %s",
                     (active.pid,))[0][0]
        killed = time.monotonic()
        active.send_signal(signal.SIGKILL)
        first = _until(lambda: _rows(url, "SELECT extract(epoch FROM last_commit) FROM "
                                          "collectors WHERE pid = %s AND active AND "
                                          "last_commit IS NOT NULL", (standby.pid,)),
                       "the take-over")[0][0]
        return time.monotonic() - killed, float(first) - float(last)
    finally:
        for proc in (active, standby):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--retry", type=float, default=1.0)
    args = ap.parse_args()
    server = LoopbackServer()
    upstream = BarUpstream(server, bars=48)
    gaps, data_gaps = [], []
    with postgres_server() as pg, tempfile.TemporaryFile("w+") as log:
        url = pg.create_database("takeover")
        for _ in range(args.runs):
            gap, data_gap = one_run(url, server.port, args.retry, log)
            upstream.add_bars(1)
            gaps.append(gap)
            data_gaps.append(data_gap)
    server.close()
    print(f"standby take-over after SIGKILL, lock retry {args.retry:g} s, {args.runs} runs:")
    print(f"  SIGKILL -> standby's first commit: median {statistics.median(gaps):.2f} s, "
          f"max {max(gaps):.2f} s")
    print(f"  last commit -> next commit (data gap): median {statistics.median(data_gaps):.2f} s, "
          f"max {max(data_gaps):.2f} s")


if __name__ == "__main__":
    main()
