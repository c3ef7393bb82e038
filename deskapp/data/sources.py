"""Which sources feed the desk in each mode: live (network + cache), cache only, or replay."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from deskapp.data.feed import FeedBatch
from deskapp.data.instruments import EXCHANGE, FRED, LIQUIDATIONS, UNIVERSE, YAHOO, LiveSeries
from deskapp.data.live import HEARTBEAT, LiveSource, MultiVenueAdapter, utc_now

VENUES = ("binanceusdm", "bybit", "okx")  # perpetuals: funding, open interest, liquidations
SPOT_VENUES = ("binance",)
# FRED publishes the H.4.1 weekly and the reverse repo once a day at most.
FRED_REFRESH = pd.Timedelta(minutes=30)


def universe_meta(series: tuple[LiveSeries, ...] = UNIVERSE + LIQUIDATIONS) -> dict[str, dict]:
    return {s.key: s.meta() for s in series}


def live_sources(cache, work_dir: Path, session_factory: Callable | None = None
                 ) -> list:
    """One LiveSource for Yahoo, one for the crypto venues, one for FRED, and the liquidation
    websockets, all writing to `cache`.

    `session_factory` gives each adapter its HTTP session (tests hand in a loopback one).
    The LiquidationStream starts its thread (and connects) only when first polled."""
    from deskapp.data.exchanges import ExchangeAdapter
    from deskapp.data.fred import FredAdapter
    from deskapp.data.liquidations import LiquidationStream, ccxt_pro_factory
    from deskapp.data.yahoo import YahooAdapter

    def session():
        return session_factory() if session_factory is not None else None

    yahoo = YahooAdapter(session=session(), tz_cache_dir=work_dir / "yfinance-tz")
    venues = MultiVenueAdapter({v: ExchangeAdapter(v, session=session())
                                for v in VENUES + SPOT_VENUES})
    return [LiveSource("yahoo", _YahooShim(yahoo), YAHOO, cache),
            LiveSource("crypto", venues, EXCHANGE, cache),
            LiveSource("fred", FredAdapter(session=session()), FRED, cache, refresh=FRED_REFRESH),
            LiquidationStream(VENUES, exchange_factory=ccxt_pro_factory, cache=cache)]


class _YahooShim:
    """Yahoo fetches one history start for a batch: the earliest any series needs."""

    def __init__(self, adapter):
        self.adapter = adapter

    def due(self, now: float) -> bool:
        return self.adapter.due(now)

    def fetch(self, series, since):
        starts = [t for t in since.values() if t is not None]
        return self.adapter.fetch(series, min(starts) if starts else None)


class CacheSource:
    """The cache alone (offline): hands on what it holds once, then only moves the clock."""

    kind = "cache"

    def __init__(self, cache, name: str = "cache",
                 clock: Callable[[], pd.Timestamp] = utc_now):
        self.cache = cache
        self.name = name
        self.clock = clock
        self._clock_sent: pd.Timestamp | None = None

    def poll(self) -> FeedBatch:
        now = self.clock()
        if self._clock_sent is None:
            self._clock_sent = now
            frames, _ = self.cache.get_all()
            return FeedBatch(source="cache", dataset=self.name, clock=now, frames=frames)
        if now - self._clock_sent >= HEARTBEAT:
            self._clock_sent = now
        return FeedBatch(source="cache", dataset=self.name, clock=self._clock_sent)

    def close(self) -> None:
        """Nothing to release."""
