"""Team feed: one collector, N headless desk clients and one real offscreen desk on a throwaway
PostgreSQL server (tests/support/postgres_server.py), the loopback upstream of
tests/support/bar_upstream.py making a new bar every second.

For each N it prints
    upstream requests per minute (they must not grow with N: only the collector asks);
    latency from a bar appearing upstream to a client's new frame (TeamSource.poll, woken by
        NOTIFY) and to the real desk's painted board: p50 / p95 / max (target p95 <= 500 ms
        at N = 50);
and at the end the standby take-over gap after SIGKILL of the active collector (target <= 10 s;
benchmarks/takeover.py).

The collector, the clients (threads of one process) and the desk each run in their own process;
times are CLOCK_MONOTONIC, which all processes on a host share.
Usage: python benchmarks/team_feed.py [--n 1,5,20,50] [--seconds 20] [--takeover-runs 3]
(prints figures only)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

KEY = "crypto.btcusdt.1h"
HOUR_NS = 3_600 * 10**9


# --- the client and desk processes --------------------------------------------------------------

def run_clients(url: str, n: int, seconds: float) -> None:
    """N headless desk clients (TeamSource -> MarketState, the desk's data path without Qt) in
    threads; prints one JSON line: for each client, [newest bar time ns, monotonic s] per frame."""
    from deskapp.data.hub import MarketState
    from deskapp.data.sources import universe_meta
    from deskapp.data.team_source import TeamSource

    stop_at: list[float] = []
    ready = threading.Barrier(n + 1, action=lambda: stop_at.append(time.monotonic() + seconds))
    got: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    final: list[list[tuple[int, float]]] = [[] for _ in range(n)]

    def client(i: int) -> None:
        src = TeamSource(url, wait_s=0.5)
        state = MarketState(meta=universe_meta()).apply(src.poll())
        ready.wait()
        while time.monotonic() < stop_at[0]:
            batch = src.poll()
            now = time.monotonic()
            if KEY in batch.frames:
                state = state.apply(batch)
                got[i].append((int(state.frames[KEY].index[-1].value), now))
        src.close()
        frame = state.frames[KEY]
        final[i] = list(zip(frame.index.as_unit("ns").asi8.tolist(), frame["close"].tolist(),
                            strict=True))

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    ready.wait()
    print("ready", flush=True)
    for t in threads:
        t.join()
    print(json.dumps({"got": got, "final": final}), flush=True)


def run_desk(url: str, seconds: float) -> None:
    """A real offscreen desk on the team feed; prints one JSON line: [newest bar time ns,
    monotonic s of the batch, monotonic s of the first painted board that holds it]."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from deskapp.app import Desk, DeskOptions
    from deskapp.config import load_config

    app = QApplication([])
    home = tempfile.mkdtemp(prefix="team-feed-desk-")
    desk = Desk(DeskOptions(config=load_config(), dataset=None, at=None, speed=0.0,
                            size=(1600, 900), journal=str(Path(home) / "j.sqlite3"),
                            source="team", market_url=url))
    received: dict[int, tuple[float, object]] = {}
    painted: dict[int, float] = {}
    started: list[float] = []

    def on_batch(batch) -> None:
        if KEY in batch.frames and started:
            received.setdefault(int(batch.frames[KEY].index[-1].value),
                                (time.monotonic(), batch.clock))

    def on_drawn(view) -> None:
        now = time.monotonic()
        if not started:
            started.append(now)
            print("ready", flush=True)
            QTimer.singleShot(int(seconds * 1000), app.quit)
            return
        for bar, (_t, clock) in received.items():
            if bar not in painted and view.asof >= clock:
                painted[bar] = now

    desk.feed.sig_batch.connect(on_batch)
    desk.window.sig_board_drawn.connect(on_drawn)
    desk.start()
    desk.window.show()
    app.exec()
    desk.shutdown()
    print(json.dumps([[bar, t, painted.get(bar)] for bar, (t, _c) in sorted(received.items())]),
          flush=True)


# --- the driver -------------------------------------------------------------------------------

def _spawn(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
           "DESKAPP_HOME": tempfile.mkdtemp(prefix="team-feed-")}
    return subprocess.Popen([sys.executable, *args], env=env, cwd=REPO, text=True, **kw)


def _ready(proc: subprocess.Popen, what: str) -> None:
    line = proc.stdout.readline()
    if line.strip() != "ready":
        raise SystemExit(f"{what} did not start: {line!r}")


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _stats(ms: list[float]) -> str:
    if not ms:
        return "no samples"
    return (f"{statistics.median(ms):.0f} / {_pct(ms, 0.95):.0f} / {max(ms):.0f} ms "
            f"({len(ms)})")


def one_n(pg, n: int, seconds: float) -> dict:
    import psycopg
    from support.bar_upstream import BarUpstream
    from support.loopback import LoopbackServer

    url = pg.create_database(f"feed{n}")
    server = LoopbackServer()
    upstream = BarUpstream(server, bars=48)
    collector = _spawn(str(REPO / "tests" / "support" / "bar_upstream.py"), url,
                       str(server.port), "--retry", "1", stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    procs = [collector]
    try:
        deadline = time.monotonic() + 60
        while True:  # the collector's first commit: the history is in
            try:
                with psycopg.connect(url) as conn:
                    if conn.execute("SELECT count(*) FROM market_points").fetchone()[0]:
                        break
            except psycopg.Error:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the collector wrote nothing in 60 s")
            time.sleep(0.1)
        me = str(Path(__file__).resolve())
        clients = _spawn(me, "--clients", url, "--count", str(n), "--seconds", str(seconds + 2),
                         stdout=subprocess.PIPE)
        desk = _spawn(me, "--desk", url, "--seconds", str(seconds + 2),
                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        procs += [clients, desk]
        _ready(clients, "the clients")
        _ready(desk, "the desk")
        appeared: dict[int, float] = {}
        hits0 = len(upstream.requests)
        t0 = time.monotonic()
        for k in range(int(seconds)):  # a new bar every second
            time.sleep(max(0.0, t0 + k + 0.5 - time.monotonic()))
            upstream.add_bars(1)
            appeared[upstream.count - 1] = time.monotonic()
        requests = len(upstream.requests) - hits0
        span_min = (time.monotonic() - t0) / 60
        client_out = json.loads(clients.communicate(timeout=120)[0].strip().splitlines()[-1])
        desk_out = json.loads(desk.communicate(timeout=120)[0].strip().splitlines()[-1])
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(60)
        server.close()
    start_ns = upstream.start.value

    def bar_index(t_ns: int) -> int:
        return (t_ns - start_ns) // HOUR_NS - 1

    frame_ms = [(t - appeared[i]) * 1000 for got in client_out["got"] for t_ns, t in got
                if (i := bar_index(t_ns)) in appeared]
    desk_frame = [(t - appeared[i]) * 1000 for t_ns, t, _p in desk_out
                  if (i := bar_index(t_ns)) in appeared]
    desk_paint = [(p - appeared[i]) * 1000 for t_ns, _t, p in desk_out
                  if p is not None and (i := bar_index(t_ns)) in appeared]
    want = upstream.expected_frame()
    want = list(zip(want.index.as_unit("ns").asi8.tolist(), want["close"].tolist(), strict=True))
    wrong = sum(1 for final in client_out["final"] if [tuple(r) for r in final] != want)
    return {"n": n, "req_per_min": requests / span_min, "frame": frame_ms,
            "desk_frame": desk_frame, "desk_paint": desk_paint, "bars": len(appeared),
            "wrong": wrong}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", default="1,5,20,50")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--takeover-runs", type=int, default=3)
    ap.add_argument("--clients", metavar="URL")
    ap.add_argument("--desk", metavar="URL")
    ap.add_argument("--count", type=int, default=1)
    args = ap.parse_args()
    if args.clients:
        return run_clients(args.clients, args.count, args.seconds)
    if args.desk:
        return run_desk(args.desk, args.seconds)
    from support.postgres_server import postgres_server

    rows = []
    with postgres_server() as pg:
        for n in (int(x) for x in args.n.split(",")):
            r = one_n(pg, n, args.seconds)
            rows.append(r)
            if len(rows) == 1:
                print("| N | upstream req/min | bar -> client frame | bar -> desk frame | "
                      "bar -> desk painted board | clients not equal to upstream |")
                print("|---|---|---|---|---|---|")
            print(f"| {r['n']} | {r['req_per_min']:.0f} | {_stats(r['frame'])} | "
                  f"{_stats(r['desk_frame'])} | {_stats(r['desk_paint'])} | "
                  f"{r['wrong']} of {r['n']} |", flush=True)
    if args.takeover_runs:
        from benchmarks.takeover import main as takeover

        sys.argv = [sys.argv[0], "--runs", str(args.takeover_runs)]
        takeover()


if __name__ == "__main__":
    main()
