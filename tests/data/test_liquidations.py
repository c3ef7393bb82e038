"""LiquidationStream against fake async websocket streams (no network, no Qt).

Each fake venue plays a script per connection: a list is a batch of ccxt liquidation structures
returned by watch_liquidations, an exception is raised (a websocket drop), a threading.Event is
awaited (the test lets the stream go on), and after the script the watch stays pending. Waiting
is bounded: poll until a condition holds or a 5 s deadline passes.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections.abc import Callable

import ccxt
import pandas as pd
import pytest

from deskapp.data.feed import FeedBatch
from deskapp.data.instruments import EXCHANGE, LIQUIDATIONS
from deskapp.data.liquidations import (
    LiquidationStream,
    is_long,
    key_of,
    notional,
    unsupported_message,
)
from deskapp.signals.roles import ROLES

DEADLINE = 60.0  # a hang guard for waits on the stream thread, generous for a loaded CI box
SYMBOL = "BTC/USDT:USDT"


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


class Clock:
    def __init__(self, t: str):
        self.t = pd.Timestamp(t)

    def set(self, t: str) -> None:
        self.t = pd.Timestamp(t)

    def __call__(self) -> pd.Timestamp:
        return self.t


def liq(at: str, side: str, contracts: float, price: float, size: float = 1.0,
        quote: float | None = None, info: dict | None = None) -> dict:
    """A ccxt liquidation structure as ccxt.pro builds it (baseValue/quoteValue None)."""
    return {"info": info or {}, "symbol": SYMBOL, "side": side, "contracts": contracts,
            "contractSize": size, "price": price, "baseValue": None, "quoteValue": quote,
            "timestamp": int(pd.Timestamp(at).value // 1_000_000), "datetime": at}


class FakeExchange:
    def __init__(self, venue: FakeVenue, script: list):
        self.venue = venue
        self.has = {"watchLiquidations": venue.has}
        self.script = list(script)
        self.closed = False

    async def watch_liquidations(self, symbol: str) -> list:
        assert symbol == SYMBOL
        while self.script:
            step = self.script.pop(0)
            if isinstance(step, threading.Event):
                while not step.is_set():
                    await asyncio.sleep(0.005)
                continue
            if isinstance(step, BaseException):
                raise step
            return step
        self.venue.pending.set()
        await asyncio.Event().wait()  # a quiet websocket: pending until cancelled
        raise AssertionError("unreachable")

    async def close(self) -> None:
        self.closed = True


class FakeVenue:
    def __init__(self, *scripts: list, has=True):
        self.scripts = list(scripts)
        self.has = has
        self.made: list[FakeExchange] = []
        self.pending = threading.Event()

    def __call__(self) -> FakeExchange:
        exchange = FakeExchange(self, self.scripts.pop(0) if self.scripts else [])
        self.made.append(exchange)
        return exchange


def stream(venues: dict[str, FakeVenue], clock: Clock) -> LiquidationStream:
    return LiquidationStream(tuple(venues), exchange_factory=lambda v: venues[v](), clock=clock,
                             rng=random.Random(3), backoff_base=0.01)


def poll_until(s: LiquidationStream, done: Callable[[FeedBatch], bool]) -> list[FeedBatch]:
    """Poll until `done(batch)` holds for a batch; every batch seen. Fails after DEADLINE."""
    batches: list[FeedBatch] = []
    end = time.monotonic() + DEADLINE
    idle = threading.Event()
    while time.monotonic() < end:
        batch = s.poll()
        batches.append(batch)
        if done(batch):
            return batches
        idle.wait(0.01)
    raise AssertionError(f"condition not met within {DEADLINE} s; last batch {batches[-1]}")


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds, like qtbot.waitUntil; fails after DEADLINE."""
    end = time.monotonic() + DEADLINE
    idle = threading.Event()
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"condition not met within {DEADLINE} s")
        idle.wait(0.01)


def received(s: LiquidationStream, venue: str) -> int:
    with s._lock:
        return s._state[venue].received


# ------------------------------------------------------------------------------- side mapping
def test_long_short_mapping_per_venue_and_notional():
    # Binance: the forced order's side; a long is closed by a SELL.
    assert is_long("binanceusdm", liq("2026-02-05T11:00Z", "sell", 1, 1)) is True
    assert is_long("binanceusdm", liq("2026-02-05T11:00Z", "buy", 1, 1)) is False
    # Bybit: the liquidated position's side; "Buy" = a long was liquidated.
    assert is_long("bybit", liq("2026-02-05T11:00Z", "buy", 1, 1)) is True
    assert is_long("bybit", liq("2026-02-05T11:00Z", "sell", 1, 1)) is False
    # OKX: order side like Binance, but the raw posSide wins when given.
    assert is_long("okx", liq("2026-02-05T11:00Z", "sell", 1, 1)) is True
    short = liq("2026-02-05T11:00Z", "buy", 1, 1,
                info={"details": [{"posSide": "short", "side": "buy"}]})
    assert is_long("okx", short) is False
    assert is_long("okx", liq("2026-02-05T11:00Z", "buy", 1, 1,
                              info={"details": [{"posSide": "long"}]})) is True
    assert is_long("binanceusdm", liq("2026-02-05T11:00Z", "", 1, 1)) is None
    # notional: quoteValue, else contracts x contractSize x price (OKX: 0.01 BTC a contract)
    assert notional(liq("2026-02-05T11:00Z", "sell", 30, 70000.0, size=0.01)) == \
        pytest.approx(21000.0)
    assert notional(liq("2026-02-05T11:00Z", "sell", 1, 70000.0, quote=123.0)) == 123.0
    assert notional(liq("2026-02-05T11:00Z", "sell", 1, float("nan"))) is None
    assert notional({**liq("2026-02-05T11:00Z", "sell", 1, 70000.0), "contractSize": None}) is None


# ------------------------------------------------------------------------------ (a) hour bars
def test_completed_hour_is_handed_on_with_long_and_short_sums_forming_hour_held_back():
    clock = Clock("2026-02-05T10:30Z")  # connected at 10:30: the first whole hour is 11:00
    venues = {
        "binanceusdm": FakeVenue([
            [liq("2026-02-05T11:05Z", "sell", 0.5, 70000.0),  # long 35 000
             liq("2026-02-05T11:20Z", "buy", 0.2, 70100.0)],  # short 14 020
            [liq("2026-02-05T11:59:59.900Z", "sell", 0.1, 1.0, quote=12345.5)],  # long
            [liq("2026-02-05T12:01Z", "sell", 1.0, 69000.0)],  # forming hour: held back
        ]),
        "bybit": FakeVenue([[liq("2026-02-05T11:30Z", "buy", 0.1, 70000.0)]]),  # long 7 000
        "okx": FakeVenue([[liq("2026-02-05T11:40Z", "buy", 30, 70000.0, size=0.01,
                               info={"details": [{"posSide": "short"}]})]]),  # short 21 000
    }
    s = stream(venues, clock)
    try:
        first = s.poll()
        assert first.frames == {} and first.errors == {}
        wait_for(lambda: received(s, "binanceusdm") == 4 and received(s, "bybit") == 1
                 and received(s, "okx") == 1)
        assert s.poll().frames == {}  # 11:00-12:00 is not over at 10:30
        clock.set("2026-02-05T12:30Z")
        batch = s.poll()
    finally:
        s.close()
    close = pd.Timestamp("2026-02-05T12:00Z")
    expected = {"binanceusdm": (35000.0 + 12345.5, 14020.0), "bybit": (7000.0, 0.0),
                "okx": (0.0, 21000.0)}
    assert set(batch.frames) == {key_of(v) for v in expected}
    for venue, (long_usd, short_usd) in expected.items():
        frame = batch.frames[key_of(venue)]
        assert list(frame.columns) == ["long_usd", "short_usd"]
        assert list(frame.index) == [close]  # stamped at the close; 12:00-13:00 held back
        assert frame.loc[close, "long_usd"] == pytest.approx(long_usd)
        assert frame.loc[close, "short_usd"] == pytest.approx(short_usd)
    assert batch.errors == {}
    assert all(e.closed for v in venues.values() for e in v.made)


def test_hours_complete_one_after_another_and_each_is_handed_on_once():
    clock = Clock("2026-02-05T10:59Z")
    venue = FakeVenue([[liq("2026-02-05T11:10Z", "sell", 1.0, 70000.0),
                        liq("2026-02-05T12:10Z", "buy", 2.0, 70000.0)]])
    s = stream({"binanceusdm": venue}, clock)
    key = key_of("binanceusdm")
    try:
        s.poll()
        wait_for(lambda: received(s, "binanceusdm") == 2)
        clock.set("2026-02-05T12:00:01Z")
        assert s.poll().frames == {}  # within the grace after the close
        clock.set("2026-02-05T12:00:06Z")
        one = s.poll().frames[key]
        assert s.poll().frames == {}
        clock.set("2026-02-05T14:00:06Z")  # 12-13 with data, 13-14 heard and quiet: zeros
        two = s.poll().frames[key]
    finally:
        s.close()
    assert one["long_usd"].tolist() == [70000.0] and one["short_usd"].tolist() == [0.0]
    assert list(two.index) == list(pd.to_datetime(
        ["2026-02-05T12:00Z", "2026-02-05T13:00Z", "2026-02-05T14:00Z"], utc=True))
    assert two["short_usd"].tolist() == [0.0, 140000.0, 0.0]


# ------------------------------------------------------------------------- (b) drop, reconnect
def test_dropped_websocket_is_reported_with_since_when_reconnects_and_resumes(caplog):
    clock = Clock("2026-02-05T10:30Z")
    gate = threading.Event()
    venue = FakeVenue(
        [[liq("2026-02-05T11:10Z", "sell", 1.0, 70000.0)],
         ccxt.NetworkError("binanceusdm Connection closed by remote server, closing code 1006")],
        [gate, [liq("2026-02-05T11:50Z", "sell", 0.5, 70000.0)]],
    )
    s = stream({"binanceusdm": venue}, clock)
    key = key_of("binanceusdm")
    try:
        batches = poll_until(s, lambda b: key in b.errors)
        message = batches[-1].errors[key]
        assert "websocket dropped" in message and "Connection closed" in message
        assert message.endswith("(since 10:30 UTC)")
        with s._lock:
            error, since = s.errors[key]
        assert error.transient and since == pd.Timestamp("2026-02-05T10:30Z")
        # (the stream's thread logs just after it files the error: wait for it, do not race it)
        wait_for(lambda: any("stream dropped" in r.getMessage() and "reconnecting" in r.getMessage()
                             for r in caplog.records))
        wait_for(lambda: s.connections("binanceusdm") == 2)
        assert len(venue.made) == 2 and venue.made[0].closed  # the dropped one was closed
        gate.set()
        wait_for(lambda: received(s, "binanceusdm") == 2)  # data resumes
        with s._lock:
            assert key not in s.errors  # error cleared
        clock.set("2026-02-05T12:30Z")
        frames = poll_until(s, lambda b: key in b.frames)[-1].frames
    finally:
        s.close()
    assert frames[key]["long_usd"].tolist() == [105000.0]  # both sides of the drop


def test_refused_subscription_is_not_retried():
    venue = FakeVenue([ccxt.BadSymbol("binanceusdm does not have market symbol BTC/USDT:USDT")])
    s = stream({"binanceusdm": venue}, Clock("2026-02-05T10:30Z"))
    key = key_of("binanceusdm")
    try:
        batch = poll_until(s, lambda b: key in b.errors)[-1]
        wait_for(lambda: not s.alive or venue.made[0].closed)
        with s._lock:
            assert s.errors[key][0].transient is False
    finally:
        s.close()
    assert "refused" in batch.errors[key]
    assert len(venue.made) == 1


# --------------------------------------------------------------------------- (c) unsupported
@pytest.mark.parametrize("has", [False, None, "emulated"])
def test_unsupported_venue_is_one_non_transient_error(has):
    clock = Clock("2026-02-05T10:30Z")
    venues = {"binanceusdm": FakeVenue(), "kraken": FakeVenue(has=has)}
    s = stream(venues, clock)
    key = key_of("kraken")
    try:
        batches = poll_until(s, lambda b: key in b.errors)
        batches += [s.poll() for _ in range(3)]
        with s._lock:
            error = s.errors[key][0]
    finally:
        s.close()
    said = [b.errors[key] for b in batches if key in b.errors]
    assert said == [f"{unsupported_message('kraken')} (since 10:30 UTC)"]
    assert said[0].startswith("liquidations not available on kraken through ccxt.pro")
    assert error.transient is False
    assert len(venues["kraken"].made) == 1 and venues["kraken"].made[0].closed  # no retries
    assert all(key_of("binanceusdm") not in b.errors for b in batches)


def test_okx_emulated_watch_counts_as_supported():
    venue = FakeVenue(has="emulated")
    s = stream({"okx": venue}, Clock("2026-02-05T10:30Z"))
    try:
        s.poll()
        assert venue.pending.wait(DEADLINE)
        assert s.poll().errors == {}
    finally:
        s.close()


# ------------------------------------------------------------------------------ (d) close
def test_close_joins_the_thread_while_a_watch_is_pending():
    venues = {"binanceusdm": FakeVenue(), "bybit": FakeVenue()}
    s = stream(venues, Clock("2026-02-05T10:30Z"))
    s.poll()
    assert venues["binanceusdm"].pending.wait(DEADLINE)
    assert venues["bybit"].pending.wait(DEADLINE)
    thread = s._thread
    assert thread is not None and thread.is_alive()
    s.close()
    assert not thread.is_alive()
    assert all(e.closed for v in venues.values() for e in v.made)
    s.close()  # idempotent
    s.poll()  # a poll after close does not start it again
    assert s._thread is thread and not thread.is_alive()


def test_close_before_the_first_poll_starts_nothing():
    s = stream({"binanceusdm": FakeVenue()}, Clock("2026-02-05T10:30Z"))
    s.close()
    assert s._thread is None


# ------------------------------------------------------------------------------ wiring
def test_liquidation_series_are_declared_apart_from_the_rest_series():
    keys = [s.key for s in LIQUIDATIONS]
    assert keys == [f"deriv.btc_liq_1h.{v}" for v in ("binanceusdm", "bybit", "okx")]
    assert all(s.kind == "liquidations" and s.timeframe == "1h" and s.source == "exchange"
               for s in LIQUIDATIONS)
    assert not set(keys) & {s.key for s in EXCHANGE}
    assert ROLES["liquidations"][0] == "deriv.btc_liq_1h.binanceusdm"


def test_live_sources_include_the_liquidation_stream_without_connecting(tmp_path):
    from deskapp.data.sources import live_sources, universe_meta

    sources = live_sources(None, tmp_path)
    try:
        streams = [s for s in sources if isinstance(s, LiquidationStream)]
        assert len(streams) == 1 and streams[0]._thread is None
        assert streams[0].venues == ("binanceusdm", "bybit", "okx")
        assert universe_meta()["deriv.btc_liq_1h.bybit"]["freq"] == "1h"
    finally:
        for s in sources:
            s.close()
