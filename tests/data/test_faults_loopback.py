"""The feed's fault list over real HTTP: the real adapters (ccxt, yfinance) and LiveSource talk to a
LoopbackServer on 127.0.0.1 through a transport that rewrites the venues' URLs (see
tests/support/rewrite.py). Happy-path bodies are the fixtures of tests/fixtures/exchanges and
tests/fixtures/yahoo; the faults are made by the server (status, delay, body).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest
import requests
from support.loopback import Answer, LoopbackServer
from support.rewrite import FIXTURES, YahooRoutes, closed_port, fixture_answer, loopback_session

from deskapp.data.cache import MarketCache
from deskapp.data.exchanges import ExchangeAdapter
from deskapp.data.instruments import EXCHANGE, YAHOO
from deskapp.data.live import LiveSource, MultiVenueAdapter
from deskapp.data.sources import _YahooShim
from deskapp.data.yahoo import YahooAdapter

MARKETS = json.loads((FIXTURES / "exchanges" / "markets.json").read_text())
BY_KEY = {s.key: s for s in (*EXCHANGE, *YAHOO)}
BARS, FUNDING = BY_KEY["crypto.btcusdt.1h"], BY_KEY["deriv.btc_funding_8h.binanceusdm"]
BYBIT_BARS = replace(BARS, key="crypto.btcusdt.1h.bybit", venue="bybit")
SPX, DXY, VIX, IWM = (BY_KEY[k] for k in ("idx.spx", "fx.dxy", "idx.vix", "etfpool.iwm"))
KLINES, FUNDING_PATH = "/fapi/v1/klines", "/fapi/v1/fundingRate"
CRYPTO_CLOCK = pd.Timestamp("2026-02-05T07:30Z")  # after the Binance 1h fixture's last close
YAHOO_CLOCK = pd.Timestamp("2024-03-16T00:00Z")  # after the 2024-03 daily fixtures
SINCE = "(since 07:30 UTC)"


class Wall:
    """A settable monotonic clock shared by the adapter (backoff) and LiveSource (due)."""

    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class Rig:
    server: LoopbackServer
    session: requests.Session
    wall: Wall


@pytest.fixture
def rig() -> Iterator[Rig]:
    server = LoopbackServer()
    session = loopback_session(server.port)
    yield Rig(server, session, Wall())
    session.close()
    server.close()


def binance_ok(server: LoopbackServer) -> None:
    server.route(KLINES, fixture_answer("exchanges/binanceusdm/klines_1h.json"))
    server.route(FUNDING_PATH, fixture_answer("exchanges/binanceusdm/fundingRate.json"))


def binance(rig: Rig, venue: str = "binanceusdm", timeout_ms: int = 30000,
            session: requests.Session | None = None,
            clock: pd.Timestamp = CRYPTO_CLOCK) -> ExchangeAdapter:
    adapter = ExchangeAdapter(venue, session=session or rig.session, markets=MARKETS[venue],
                              timeout_ms=timeout_ms, clock=lambda: clock, wall=rig.wall,
                              rng=random.Random(7))
    adapter.exchange.rateLimit = 1  # ccxt's throttle stays on, without real spacing
    return adapter


def crypto_source(adapter, series=(BARS, FUNDING), wall: Wall | None = None) -> LiveSource:
    src = LiveSource("crypto", adapter, series, clock=lambda: CRYPTO_CLOCK,
                     refresh=pd.Timedelta(0), **({"wall": wall} if wall else {}))
    first = src.poll()  # the cache (none): no request
    assert first.frames == {} and first.errors == {}
    return src


def one_line(message: str) -> None:
    assert message and "\n" not in message and len(message) < 300, message


# ------------------------------------------------------------------ crypto: ccxt over HTTP
def test_happy_path_over_real_http(rig):
    binance_ok(rig.server)
    src = crypto_source(binance(rig), wall=rig.wall)
    batch = src.poll()
    assert batch.errors == {}
    assert set(batch.frames) == {BARS.key, FUNDING.key}
    assert len(batch.frames[BARS.key]) == 7  # the 8th bar is still forming at 07:30
    assert batch.frames[BARS.key].index[-1] == pd.Timestamp("2026-02-05T07:00Z")
    assert rig.server.hits[KLINES] == 1 and rig.server.hits[FUNDING_PATH] >= 1


def test_429_with_retry_after_throttles_the_venue(rig):
    binance_ok(rig.server)
    rig.server.route(KLINES, fixture_answer("exchanges/binanceusdm/error_too_many_requests.json",
                                            429, **{"Retry-After": "30"}))
    adapter = binance(rig)
    src = crypto_source(adapter, wall=rig.wall)
    batch = src.poll()
    assert batch.frames == {}
    err = src.errors
    assert "rate limited" in err[BARS.key][0] and "Too many requests" in err[BARS.key][0]
    assert "not asked" in err[FUNDING.key][0]  # nobody hammers a venue that throttles
    assert FUNDING_PATH not in rig.server.hits
    assert adapter.next_allowed_at >= rig.wall.t + 30 and not adapter.due(rig.wall.t)
    for key in (BARS.key, FUNDING.key):
        one_line(batch.errors[key])
        assert batch.errors[key].endswith(SINCE)
    # not due: the next poll asks nothing and says nothing new
    hits = dict(rig.server.hits)
    assert src.poll().errors == {} and rig.server.hits == hits


@pytest.mark.parametrize("status", [500, 502])
def test_server_errors_are_transient_and_spare_the_other_series(rig, status):
    binance_ok(rig.server)
    rig.server.route(KLINES, Answer(status=status, body=b"<html><body>Bad Gateway</body></html>",
                                    headers={"Content-Type": "text/html"}))
    adapter = binance(rig)
    frames, errors = adapter.fetch([BARS, FUNDING], {BARS.key: None, FUNDING.key: None})
    assert set(errors) == {BARS.key} and set(frames) == {FUNDING.key}
    error = errors[BARS.key]
    assert error.transient and error.key == BARS.key
    assert str(error).startswith("binanceusdm BTC/USDT:USDT bars: venue unavailable: ")
    assert str(status) in str(error) and "http" not in str(error).lower().replace("http ", "")
    one_line(str(error))
    assert not adapter.due(rig.wall.t)  # the venue backs off


def test_slow_answer_beyond_the_timeout_is_a_timeout(rig):
    binance_ok(rig.server)
    rig.server.route(KLINES, Answer(body=(FIXTURES / "exchanges/binanceusdm/klines_1h.json")
                                    .read_bytes(), delay_s=1.0))
    src = crypto_source(binance(rig, timeout_ms=300), wall=rig.wall)
    batch = src.poll()
    assert set(batch.frames) == {FUNDING.key}
    assert batch.errors[BARS.key] == ("binanceusdm BTC/USDT:USDT bars: timed out after 300 ms "
                                      f"{SINCE}")
    assert FUNDING.key not in batch.errors


def test_connection_refused_is_a_transient_network_error(rig):
    session = loopback_session(closed_port())
    try:
        adapter = binance(rig, session=session)
        frames, errors = adapter.fetch([BARS, FUNDING], {BARS.key: None, FUNDING.key: None})
    finally:
        session.close()
    assert frames == {} and set(errors) == {BARS.key, FUNDING.key}
    for error in errors.values():
        assert error.transient
        # ccxt's text is urllib3's "Max retries exceeded ... (Caused by NewConnectionError(...";
        # the message keeps the reason at its end, not the pool and URL before it
        assert "network error: " in str(error) and "Connection refused" in str(error)
        one_line(str(error))
    assert not adapter.due(rig.wall.t)


@pytest.mark.parametrize(("body", "expect"), [
    (b"\x00\x17 garbage {{", "garbage response"),
    ((FIXTURES / "exchanges/binanceusdm/klines_1h.json").read_bytes()[:500], "garbage response"),
    (b"[]", "no data (empty response)"),
], ids=["garbage", "truncated", "empty"])
def test_unusable_bodies_fail_only_their_series(rig, body, expect):
    binance_ok(rig.server)
    rig.server.route(KLINES, Answer(body=body))
    src = crypto_source(binance(rig), wall=rig.wall)
    batch = src.poll()
    assert set(batch.frames) == {FUNDING.key} and set(batch.errors) == {BARS.key}
    message = batch.errors[BARS.key]
    assert message.startswith("binanceusdm BTC/USDT:USDT bars: ") and expect in message
    assert message.endswith(SINCE)
    one_line(message)


def test_a_delisted_symbol_is_not_transient(rig):
    binance_ok(rig.server)
    rig.server.route(KLINES, fixture_answer("exchanges/binanceusdm/error_invalid_symbol.json", 400))
    adapter = binance(rig)
    frames, errors = adapter.fetch([BARS, FUNDING], {BARS.key: None, FUNDING.key: None})
    assert set(frames) == {FUNDING.key}
    error = errors[BARS.key]
    assert not error.transient
    assert "symbol rejected (delisted or unknown)" in str(error) and "Invalid symbol" in str(error)
    assert adapter.due(rig.wall.t)  # a series' own trouble: the venue is not backed off


def test_one_venue_down_leaves_the_other_venues_answering(rig):
    late = pd.Timestamp("2026-02-05T23:30Z")  # every bar of both fixtures has closed
    rig.server.route(KLINES, Answer(status=502, body=b"Bad Gateway"))
    rig.server.route("/v5/market/kline", fixture_answer("exchanges/bybit/kline_1h.json"))
    venues = MultiVenueAdapter({"binanceusdm": binance(rig, clock=late),
                                "bybit": binance(rig, venue="bybit", clock=late)})
    src = LiveSource("crypto", venues, [BARS, BYBIT_BARS], clock=lambda: late,
                     refresh=pd.Timedelta(0))
    src.poll()
    batch = src.poll()
    assert set(batch.frames) == {BYBIT_BARS.key} and len(batch.frames[BYBIT_BARS.key]) == 8
    assert set(batch.errors) == {BARS.key}
    assert batch.errors[BARS.key].startswith("binanceusdm BTC/USDT:USDT bars: venue unavailable")
    assert "502" in batch.errors[BARS.key] and batch.errors[BARS.key].endswith("(since 23:30 UTC)")
    assert not venues.adapters["binanceusdm"].due(rig.wall.t)
    assert venues.adapters["bybit"].due(rig.wall.t)


def test_the_same_source_recovers_once_the_venue_answers_again(rig):
    binance_ok(rig.server)
    rig.server.route(KLINES, Answer(status=502, body=b"Bad Gateway"))
    adapter = binance(rig)
    src = crypto_source(adapter, wall=rig.wall)
    batch = src.poll()
    assert set(batch.errors) == {BARS.key} and batch.errors[BARS.key].endswith(SINCE)
    assert not adapter.due(rig.wall.t)

    binance_ok(rig.server)  # the venue is back
    rig.wall.t += 1.0
    if not adapter.due(rig.wall.t):  # still inside the backoff: nothing is asked
        hits = rig.server.hits[KLINES]
        assert src.poll().frames == {} and rig.server.hits[KLINES] == hits
    rig.wall.t = adapter.next_allowed_at
    batch = src.poll()
    assert BARS.key in batch.frames and len(batch.frames[BARS.key]) == 7
    assert batch.errors == {} and src.errors == {}
    assert adapter.failures == 0 and adapter.due(rig.wall.t)


# ------------------------------------------------------------------ Yahoo: yfinance over HTTP
@pytest.fixture
def yahoo_rig(rig: Rig, tmp_path: Path):
    routes = YahooRoutes(rig.server)

    def make(timeout: float = 30.0) -> tuple[YahooAdapter, LiveSource]:
        adapter = YahooAdapter(session=rig.session, tz_cache_dir=tmp_path / "yf",
                               timeout=timeout, clock=lambda: YAHOO_CLOCK, wall=rig.wall,
                               rng=random.Random(7))
        src = LiveSource("yahoo", _YahooShim(adapter), [SPX, DXY, VIX], clock=lambda: YAHOO_CLOCK,
                         wall=rig.wall, refresh=pd.Timedelta(0))
        assert src.poll().frames == {}
        return adapter, src

    return routes, make


def chart_hits(rig: Rig) -> dict[str, int]:
    return {p: n for p, n in rig.server.hits.items() if p.startswith("/v8/finance/chart/")}


def test_yahoo_happy_path_over_real_http(rig, yahoo_rig):
    _, make = yahoo_rig
    _, src = make()
    batch = src.poll()
    assert batch.errors == {} and set(batch.frames) == {SPX.key, DXY.key, VIX.key}
    assert len(batch.frames[SPX.key]) == 10
    assert batch.frames[SPX.key].index[-1] == pd.Timestamp("2024-03-15T20:00Z")
    assert len(chart_hits(rig)) == 3


def test_yahoo_429_with_retry_after(rig, yahoo_rig):
    routes, make = yahoo_rig
    routes.charts["^GSPC"] = Answer(status=429, body=b"Too Many Requests",
                                    headers={"Retry-After": "120", "Content-Type": "text/plain"})
    adapter, src = make()
    batch = src.poll()
    assert batch.frames == {}
    assert batch.errors[SPX.key] == "^GSPC: rate limited by Yahoo (HTTP 429) (since 00:00 UTC)"
    assert batch.errors[DXY.key].startswith("not fetched after ^GSPC: rate limited")
    assert adapter.next_allowed_at >= rig.wall.t + 120
    assert list(chart_hits(rig)) == ["/v8/finance/chart/%5EGSPC"]


@pytest.mark.parametrize("status", [500, 502])
def test_yahoo_server_errors(rig, yahoo_rig, status):
    routes, make = yahoo_rig
    routes.charts["^GSPC"] = Answer(status=status, body=b"<html>Bad Gateway</html>",
                                    headers={"Content-Type": "text/html"})
    adapter, src = make()
    batch = src.poll()
    assert batch.errors[SPX.key] == f"^GSPC: Yahoo server error (HTTP {status}) (since 00:00 UTC)"
    assert set(batch.errors) == {SPX.key, DXY.key, VIX.key}  # an outage stops the batch
    assert not adapter.due(rig.wall.t)


def test_yahoo_slow_answer_is_a_timeout(rig, yahoo_rig):
    routes, make = yahoo_rig
    routes.charts["^GSPC"] = Answer(body=(FIXTURES / "yahoo/GSPC_1d.json").read_bytes(),
                                    delay_s=1.0)
    _, src = make(timeout=0.3)
    batch = src.poll()
    assert batch.errors[SPX.key] == "^GSPC: no answer from Yahoo within 0.3 s (since 00:00 UTC)"
    assert src.errors[SPX.key][0] == "^GSPC: no answer from Yahoo within 0.3 s"


def test_yahoo_connection_refused(tmp_path):
    session = loopback_session(closed_port())
    wall = Wall()
    try:
        adapter = YahooAdapter(session=session, tz_cache_dir=tmp_path / "yf", timeout=30.0,
                               clock=lambda: YAHOO_CLOCK, wall=wall, rng=random.Random(7))
        frames, errors = adapter.fetch([SPX, DXY], None)
    finally:
        session.close()
    assert frames == {} and set(errors) == {SPX.key, DXY.key}
    assert str(errors[SPX.key]) == ("^GSPC: network error (Failed to establish a new connection: "
                                    "[Errno 111] Connection refused)")
    assert all(e.transient for e in errors.values()) and not adapter.due(wall.t)
    one_line(str(errors[SPX.key]))


@pytest.mark.parametrize("body", [
    b"\x00\x17garbage", (FIXTURES / "yahoo/GSPC_1d.json").read_bytes()[:700],
], ids=["garbage", "truncated"])
def test_yahoo_malformed_json_fails_only_its_symbol(rig, yahoo_rig, body):
    routes, make = yahoo_rig
    routes.charts["^GSPC"] = Answer(body=body)
    adapter, src = make()
    batch = src.poll()
    assert set(batch.errors) == {SPX.key} and set(batch.frames) == {DXY.key, VIX.key}
    assert batch.errors[SPX.key].startswith("^GSPC: malformed response from Yahoo (not JSON: ")
    assert batch.errors[SPX.key].endswith("(since 00:00 UTC)")
    one_line(batch.errors[SPX.key])
    assert adapter.due(rig.wall.t)


@pytest.mark.parametrize(("body", "expect"), [
    ((FIXTURES / "yahoo/empty_result.json").read_bytes(), "^GSPC: Yahoo returned no bars"),
    (b"[]", "^GSPC: "),
], ids=["empty-result", "empty-list"])
def test_yahoo_empty_answers_fail_only_their_symbol(rig, yahoo_rig, body, expect):
    routes, make = yahoo_rig
    routes.charts["^GSPC"] = Answer(body=body)
    _, src = make()
    batch = src.poll()
    assert set(batch.errors) == {SPX.key} and set(batch.frames) == {DXY.key, VIX.key}
    assert batch.errors[SPX.key].startswith(expect)
    one_line(batch.errors[SPX.key])


def test_yahoo_delisted_symbol_is_not_transient(rig, yahoo_rig):
    routes, make = yahoo_rig
    routes.charts["^GSPC"] = fixture_answer("yahoo/unknown_symbol.json", 404)
    adapter, _ = make()
    frames, errors = adapter.fetch([SPX, DXY], None)
    assert set(frames) == {DXY.key}
    assert str(errors[SPX.key]) == ("^GSPC: unknown to Yahoo (No data found, symbol may be "
                                    "delisted)")
    assert not errors[SPX.key].transient and adapter.due(rig.wall.t)


def test_yahoo_recovers_in_the_same_source(rig, yahoo_rig):
    routes, make = yahoo_rig
    good = routes.charts["^GSPC"]
    routes.charts["^GSPC"] = Answer(status=502, body=b"Bad Gateway")
    adapter, src = make()
    batch = src.poll()
    assert set(batch.errors) == {SPX.key, DXY.key, VIX.key} and batch.frames == {}
    assert not adapter.due(rig.wall.t)

    routes.charts["^GSPC"] = good
    rig.wall.t = adapter.next_allowed_at
    batch = src.poll()
    assert set(batch.frames) == {SPX.key, DXY.key, VIX.key}
    assert batch.errors == {} and src.errors == {}
    assert adapter.failures == 0


# ------------------------------------------------------------------ a corrupt cache
def test_a_corrupt_cache_is_moved_aside_and_a_fresh_one_works(tmp_path):
    path = tmp_path / "market-cache.sqlite3"
    garbage = b"this is not a database\x00\xff" * 64
    path.write_bytes(garbage)
    cache = MarketCache(path)
    try:
        moved = cache.recovered_from
        assert moved is not None and moved != path
        assert moved.name.startswith(path.name + ".corrupt-")
        assert moved.read_bytes() == garbage  # never deleted, never changed
        assert cache.get_all() == ({}, {})
    finally:
        cache.close()
    with sqlite3.connect(path) as db:  # the new file is a real SQLite database
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    db.close()


def test_the_desk_says_where_a_corrupt_cache_went(qtbot, config, _isolated_home):
    from deskapp.app import Desk, DeskOptions

    data = _isolated_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    garbage = b"\x13garbage, not SQLite\n" * 100
    (data / "market-cache.sqlite3").write_bytes(garbage)
    desk = Desk(DeskOptions(config=config, dataset=None, at=None, speed=0.0, size=(1200, 800),
                            journal=_isolated_home / "journal.sqlite3", source="cache"))
    qtbot.addWidget(desk.window)
    try:
        with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000):
            desk.start()
            desk.window.show()
        moved = desk.cache.recovered_from
        assert moved is not None and moved.read_bytes() == garbage
        message = desk.window.statusBar().currentMessage()
        assert "moved aside" in message and str(moved) in message
        assert desk.window.mode_label.text().strip() == "OFFLINE"
    finally:
        assert desk.shutdown()


def test_recovery_with_unchanged_bars_still_clears_the_error_downstream(rig):
    """Answer, fail, answer the same bars: the frame is handed on again so consumers (the
    window clears a key's error on its frame) drop the error."""
    binance_ok(rig.server)
    adapter = binance(rig)
    src = crypto_source(adapter, series=(BARS,), wall=rig.wall)
    first = src.poll().frames[BARS.key]
    rig.server.route(KLINES, Answer(status=502, body=b"Bad Gateway"))
    assert set(src.poll().errors) == {BARS.key}
    binance_ok(rig.server)
    rig.wall.t = adapter.next_allowed_at
    batch = src.poll()
    assert src.errors == {} and batch.errors == {}
    pd.testing.assert_frame_equal(batch.frames[BARS.key], first)
    assert src.poll().frames == {}  # and only once: nothing new after that
