"""A loopback Binance USD-M upstream whose BTC/USDT:USDT hourly bars grow on demand, and the
collector's sources talking to it over real HTTP (ccxt, requests, a real socket).

    up = BarUpstream(LoopbackServer(), bars=24)   # 24 closed hourly bars, ending in the past
    up.add_bars(1)                                # one more bar appears upstream
    sources = crypto_sources(up.server.port)      # for Collector(make_sources=...)

Bar i opens at `start + i h` (start ~100 days ago, so every bar is closed); its prices are
a function of i alone, so a test computes the expected frame independently (`expected_frame`).

Run as a script, it is a collector process on that upstream:
    python tests/support/bar_upstream.py URL PORT [--once] [--retry SECONDS] [--stale SECONDS]
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd

if __package__ in (None, ""):  # run as a script: tests/ on the path for `support`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.loopback import Answer, LoopbackServer  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KLINES = "/fapi/v1/klines"
HOUR_MS = 3_600_000
KEY = "crypto.btcusdt.1h"


def bar(i: int) -> list[float]:
    """open, high, low, close, volume of bar i."""
    o = 60_000.0 + 10.0 * i
    return [o, o + 7.5, o - 4.25, o + 2.5, 100.0 + i]


class BarUpstream:
    """Serves klines from startTime, `limit` at most, as Binance does; counts requests."""

    def __init__(self, server: LoopbackServer, bars: int = 24,
                 start: pd.Timestamp | None = None):
        self.server = server
        now = pd.Timestamp.now(tz="UTC").floor("h")
        self.start = start if start is not None else now - pd.Timedelta(days=100)
        self.start_ms = int(self.start.value // 1_000_000)
        self.count = bars
        self.requests: list[int | None] = []  # startTime of every klines request
        self._lock = threading.Lock()
        server.route(KLINES, self._klines)

    def add_bars(self, n: int = 1) -> None:
        with self._lock:
            self.count += n

    def _klines(self, path: str) -> Answer:
        q = parse_qs(urlsplit(path).query)
        since = int(q["startTime"][0]) if "startTime" in q else None
        limit = int(q.get("limit", ["500"])[0])
        with self._lock:
            self.requests.append(since)
            count = self.count
        first = 0 if since is None else max(0, -(-(since - self.start_ms) // HOUR_MS))
        if since is None:
            first = max(0, count - limit)
        rows = []
        for i in range(first, min(count, first + limit)):
            t = self.start_ms + i * HOUR_MS
            o, h, lo, c, v = bar(i)
            rows.append([t, str(o), str(h), str(lo), str(c), str(v), t + HOUR_MS - 1, "0", 0,
                         "0", "0", "0"])
        return Answer(body=json.dumps(rows).encode())

    def expected_frame(self, count: int | None = None) -> pd.DataFrame:
        """The bars upstream as the adapter stamps them (at the close), computed here."""
        n = self.count if count is None else count
        index = pd.DatetimeIndex([self.start + pd.Timedelta(hours=i + 1) for i in range(n)],
                                 name="time").as_unit("us")
        return pd.DataFrame([bar(i) for i in range(n)], index=index,
                            columns=["open", "high", "low", "close", "volume"])


def crypto_sources(port: int, stage) -> list:
    """One LiveSource for the hourly BTC bars of binanceusdm, over HTTP to the loopback port,
    asking every round (refresh 0), writing into `stage`."""
    from deskapp.data.exchanges import ExchangeAdapter
    from deskapp.data.instruments import EXCHANGE
    from deskapp.data.live import LiveSource
    from support.rewrite import loopback_session

    markets = json.loads((FIXTURES / "exchanges" / "markets.json").read_text())
    adapter = ExchangeAdapter("binanceusdm", session=loopback_session(port),
                              markets=markets["binanceusdm"], timeout_ms=5000)
    adapter.exchange.rateLimit = 1
    series = [s for s in EXCHANGE if s.key == KEY]
    return [LiveSource("crypto", adapter, series, cache=stage, refresh=pd.Timedelta(0))]


def main(argv: list[str]) -> int:
    """A collector process on the loopback upstream at PORT (for the standby tests)."""
    import logging
    import signal

    from deskapp.team.collector import Collector

    url, port = argv[0], int(argv[1])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(process)d %(name)s %(message)s")
    retry = float(argv[argv.index("--retry") + 1]) if "--retry" in argv else 0.2
    stale = float(argv[argv.index("--stale") + 1]) if "--stale" in argv else 180.0
    collector = Collector(url, lambda stage: crypto_sources(port, stage), interval_s=0.2,
                          once="--once" in argv, lock_retry_s=retry, stale_s=stale)
    signal.signal(signal.SIGTERM, lambda *_: collector.stop.set())
    return collector.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
