"""Binance spot bars (BTC/USDT) through ccxt's own request and parse path, offline."""

from __future__ import annotations

import pandas as pd
import pytest
import requests

from deskapp.data.exchanges import ExchangeAdapter
from deskapp.data.instruments import EXCHANGE
from tests.data.test_exchanges import FIX, Replay, Wall, fixture, source_csv

SPOT_MARKET = {"id": "BTCUSDT", "symbol": "BTC/USDT", "base": "BTC", "quote": "USDT",
               "baseId": "BTC", "quoteId": "USDT", "type": "spot", "spot": True, "margin": False,
               "swap": False, "future": False, "option": False, "contract": False,
               "active": True, "precision": {"amount": 0.00001, "price": 0.01},
               "info": {"symbol": "BTCUSDT"}}


@pytest.fixture
def replay():
    r = Replay()
    yield r
    assert r.unmatched == [], f"requests without a fixture: {r.unmatched}"


def test_spot_hourly_bars_round_trip(replay):
    # The fixture's klines are Binance spot BTCUSDT klines (api/v3/klines shape), real values.
    assert (FIX / "binanceusdm/klines_1h.json").is_file()
    replay.add("https://api.binance.com/api/v3/klines", fixture("binanceusdm/klines_1h.json"))
    session = requests.Session()
    session.mount("https://", replay)
    adapter = ExchangeAdapter("binance", session=session, markets=[SPOT_MARKET],
                              clock=lambda: pd.Timestamp("2026-02-05T07:30Z"), wall=Wall())
    s = next(x for x in EXCHANGE if x.key == "crypto.btc_spot.1h")
    frames, errors = adapter.fetch([s], {s.key: None})
    session.close()
    assert errors == {}
    src = source_csv("btcusdt_1h_binance_spot_2026.csv")
    opened = pd.to_datetime(src["time_utc"], utc=True)
    src = src[opened.dt.hour.isin(range(0, 8))].iloc[:-1]  # the 07:00 bar is still forming
    got = frames[s.key]
    assert got["close"].tolist() == src["close"].astype(float).tolist()
    assert list(got.index) == list(pd.to_datetime(src["time_utc"], utc=True)
                                   + pd.Timedelta(hours=1))
    assert adapter.supports()["fetchOHLCV"] is True
