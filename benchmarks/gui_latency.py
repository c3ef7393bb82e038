"""GUI latency under a live-like load: a 10 ms heartbeat in the GUI thread while two live pollers
hammer a slow loopback server (80 ms per request, a new bar on every answer) and the board
recomputes and redraws. Prints the heartbeat's p50 / p99 / max gap (target: max under 50 ms).

Usage: python benchmarks/gui_latency.py [seconds]   (prints figures; asserts nothing)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DESKAPP_HOME", tempfile.mkdtemp())
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support.loopback

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import requests  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from deskapp.app import Desk, DeskOptions  # noqa: E402
from deskapp.config import load_config  # noqa: E402
from deskapp.data.errors import SourceError  # noqa: E402
from deskapp.data.instruments import LiveSeries  # noqa: E402
from deskapp.data.live import LiveSource  # noqa: E402
from deskapp.data.replay import load_dataset  # noqa: E402
from deskapp.ui.theme import apply_theme  # noqa: E402
from tests.support.loopback import Answer, LoopbackServer  # noqa: E402

KEYS = ("idx.spx.1h", "crypto.btcusdt.1h", "crypto.btc", "idx.spx", "rates.us10y")


class LoopbackAdapter:
    """Fetches each series from the loopback server over real HTTP (slow on purpose)."""

    def __init__(self, server: LoopbackServer | UpstreamProcess):
        self.server = server
        self.session = requests.Session()

    def due(self, now: float) -> bool:
        return True

    def fetch(self, series, since):
        frames, errors = {}, {}
        for s in series:
            try:
                rows = self.session.get(self.server.url(f"/bars/{s.key}"), timeout=5).json()
            except (requests.RequestException, ValueError) as exc:
                errors[s.key] = SourceError(str(exc), s.key)
                continue
            idx = pd.DatetimeIndex([pd.Timestamp(t) for t, _ in rows], name="time")
            column = "value" if s.key.startswith("rates.") else "close"
            frames[s.key] = pd.DataFrame({column: [v for _, v in rows]}, index=idx)
        return frames, errors

    def close(self):
        self.session.close()


def _bar(recorded: list[tuple[pd.Timestamp, float]], i: int) -> tuple[pd.Timestamp, float]:
    """Bar `i` of an endless series: the recorded bars, then the recorded values again, one
    bar period apart. Computed, not kept: the upstream's memory stays flat however long the
    run (the soak measures the desk's memory, not the simulator's)."""
    n = len(recorded)
    if i < n:
        return recorded[i]
    step = recorded[-1][0] - recorded[-2][0]
    return recorded[-1][0] + step * (i - n + 1), recorded[i % n][1]


def live_load(ds, own_process: bool = False
              ) -> tuple[LoopbackServer | UpstreamProcess, list[LoopbackAdapter], list[LiveSource]]:
    """A loopback server serving real recorded bars of KEYS, 80 ms an answer and one more bar in
    every answer, and two live sources polling it as fast as they can. Once the recorded bars
    run out, the series goes on with the recorded values again, one bar period apart, so new
    bars never stop however long the run (or however slow the machine).

    `own_process`: the server runs in a child process (`UpstreamProcess`), as an exchange's
    does, and its request threads take no share of the desk's GIL; for the timing figures."""
    served, counts = {}, {}
    for key in KEYS:
        col = "value" if key.startswith("rates.") else "close"
        f = ds.frames[key][col].dropna()
        served[key] = [(t, float(v)) for t, v in f.items()]
        counts[key] = len(f.loc[:"2026-02-10T21:00Z"])
    if own_process:
        server = UpstreamProcess(served, counts)
    else:
        server = LoopbackServer()
        add_routes(server, served, counts)
    series = [LiveSeries(k, "test", k, "bars", ds.meta[k]["freq"], k, "") for k in KEYS]
    adapters = [LoopbackAdapter(server), LoopbackAdapter(server)]
    sources = [LiveSource(f"loop{i}", a, series[i::2], None, refresh=pd.Timedelta(0))
               for i, a in enumerate(adapters)]
    return server, adapters, sources


def add_routes(server: LoopbackServer, served: dict[str, list], counts: dict[str, int]) -> None:
    """`/bars/<key>`: the last 400 bars of `served[key]`, one more each answer, 80 ms late."""
    # Routes match by prefix, newest first: register longer keys last so "/bars/idx.spx.1h"
    # is not answered by the "/bars/idx.spx" route.
    for key in sorted(served, key=len):
        def answer(_path, k=key):
            counts[k] += 1  # one more bar each time
            body = [(t.isoformat(), v) for t, v in
                    (_bar(served[k], i) for i in range(max(0, counts[k] - 400), counts[k]))]
            return Answer(body=json.dumps(body).encode(), delay_s=0.08)

        server.route(f"/bars/{key}", answer)


def _serve_upstream(conn, served: dict[str, list], counts: dict[str, int]) -> None:
    """The child of `UpstreamProcess`: serve until told to stop, then report the hits. At the
    lowest CPU priority: a remote exchange takes none of the desk machine's cores."""
    if hasattr(os, "nice"):
        os.nice(19)
    server = LoopbackServer()
    # Keep-alive: one server thread per poller for the whole run, not one per request.
    server.httpd.RequestHandlerClass.protocol_version = "HTTP/1.1"
    add_routes(server, served, counts)
    conn.send(server.port)
    conn.recv()  # the parent's close (or EOF if it died)
    conn.send(dict(server.hits))
    server.close()


class UpstreamProcess:
    """The loopback upstream in a process of its own (spawned): `url(path)`, `hits` (read at
    `close`). In the desk's process its request threads' Python competed with the GUI thread
    for the GIL (~1.2 s of CPU every 30 s in the soak), a load no remote exchange puts there."""

    def __init__(self, served: dict[str, list], counts: dict[str, int]) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve_upstream, args=(child, served, counts),
                                 name="loopback-upstream", daemon=True)
        self._proc.start()
        child.close()
        if not self._conn.poll(60):
            raise RuntimeError("the loopback upstream did not start within 60 s")
        self.port: int = self._conn.recv()
        self.hits: dict[str, int] = {}

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        if self._proc.is_alive():
            self._conn.send("close")
            if self._conn.poll(10):
                self.hits = self._conn.recv()
        self._proc.join(timeout=10)
        self._conn.close()


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)
    config = load_config()
    ds = load_dataset("2026-02-risk-off")
    server, adapters, sources = live_load(ds, own_process=True)
    home = Path(tempfile.mkdtemp())
    opts = DeskOptions(config=config, dataset=None, at=None, speed=0.0, size=(1600, 900),
                       journal=home / "j.sqlite3", source="live", engine_process=True)
    desk = Desk(opts, sources=sources, meta={k: ds.meta[k] for k in KEYS})
    boards, beats = [], []
    desk.window.sig_board_drawn.connect(boards.append)
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    loop = QEventLoop()
    desk.window.sig_board_drawn.connect(lambda _v: heartbeat.isActive() or heartbeat.start())
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    desk.start()
    desk.window.show()
    loop.exec()
    heartbeat.stop()
    desk.shutdown()
    for a in adapters:
        a.close()
    server.close()
    gaps = np.diff(np.array(beats)) * 1000
    print(f"{seconds:.0f} s: {len(beats)} beats, {len(boards)} boards drawn, "
          f"{sum(server.hits.values())} loopback requests; heartbeat gap p50 "
          f"{np.percentile(gaps, 50):.1f} ms, p99 {np.percentile(gaps, 99):.1f} ms, "
          f"max {gaps.max():.1f} ms")


if __name__ == "__main__":
    main()
