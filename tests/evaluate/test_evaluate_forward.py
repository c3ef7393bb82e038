"""Forward returns and drawdowns: against a plain loop over the raw CSV, and hand-worked cases."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from support.raw_closes import merged_closes, plain_clock_forward
from support.raw_closes import plain_forward as _plain
from support.raw_closes import raw_closes as _raw

from deskapp.evaluate.forward import forward_table, last_price_series, sampled_forward_table
from deskapp.evaluate.run import BTC_PRICE_KEYS

STEPS = ["2015-08-24T21:00:00", "2018-02-05T21:00:00", "2020-03-16T21:00:00",
         "2022-11-09T21:00:00", "2024-08-05T21:00:00", "2025-04-07T21:00:00",
         "2026-01-02T21:00:00"]


@pytest.mark.parametrize(("key", "horizons", "calendar"), [
    ("idx.spx", {"1d": 1, "1w": 5, "1m": 21}, False),
    ("crypto.btc", {"1d": 1, "1w": 7, "1m": 30}, True),  # forward_table's calendar mode
])
def test_forward_returns_match_a_plain_loop_over_the_raw_csv(key, horizons, calendar):
    rows = _raw(key)
    closes = pd.Series([c for _, c in rows],
                       index=pd.DatetimeIndex([t for t, _ in rows], tz="UTC"))
    steps = pd.DatetimeIndex(pd.to_datetime(STEPS, utc=True))
    got = forward_table(closes, steps, horizons, calendar, "1m")
    checked = 0
    for k, s in enumerate(STEPS):
        step = datetime.fromisoformat(s)
        for name, h in horizons.items():
            ret, dd = _plain(rows, step, h, calendar)
            value = got[f"ret_{name}"].iloc[k]
            if ret is None:
                assert np.isnan(value)
                continue
            assert value == pytest.approx(ret, rel=1e-12, abs=1e-15)
            checked += 1
            if name == "1m":
                assert got["dd_1m"].iloc[k] == pytest.approx(dd, rel=1e-12, abs=1e-15)
    assert checked >= 3 * (len(STEPS) - 1)


def test_hand_worked_returns_and_drawdown():
    t = pd.date_range("2024-01-01T21:00Z", periods=6, freq="D")
    closes = pd.Series([100.0, 110.0, 99.0, 121.0, 90.0, 95.0], index=t)
    got = forward_table(closes, t[:2], {"1d": 1, "3d": 3}, False, "3d")
    # from 100: +10% after 1, +21% after 3; path 110, 99, 121: worst 99/110 - 1 = -10%
    assert got["ret_1d"].tolist() == pytest.approx([0.10, 99 / 110 - 1])
    assert got["ret_3d"].tolist() == pytest.approx([0.21, 90 / 110 - 1])
    assert got["dd_3d"].tolist() == pytest.approx([-0.10, 90 / 121 - 1])
    # the step sits between two stamps: the start is the last close at or before it
    late = forward_table(closes, pd.DatetimeIndex([t[0] + pd.Timedelta(hours=5)]),
                         {"1d": 1}, False, "1d")
    assert late["ret_1d"].iloc[0] == pytest.approx(0.10)
    # beyond the data: NaN, not a shorter horizon
    end = forward_table(closes, t[-2:], {"3d": 3}, False, "3d")
    assert end["ret_3d"].isna().all() and end["dd_3d"].isna().all()


def test_calendar_horizon_needs_the_close_exactly_that_many_days_later():
    t = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-04"], tz="UTC")
    closes = pd.Series([100.0, 90.0, 120.0], index=t)
    got = forward_table(closes, t[:2], {"1d": 1, "2d": 2}, True, "2d")
    assert got["ret_1d"].iloc[0] == pytest.approx(-0.10)
    assert np.isnan(got["ret_1d"].iloc[1])  # no close on 01-03: a hole, not bridged
    assert got["ret_2d"].iloc[1] == pytest.approx(120 / 90 - 1)
    assert np.isnan(got["ret_2d"].iloc[0])
    assert got["dd_2d"].iloc[1] == 0.0  # never below its running peak


def test_btc_on_the_steps_clock_matches_a_plain_loop(datasets):
    """BTC's forward returns start from the last price the desk could see at 21:00 UTC (its
    intraday bars where held), not from the UTC day's opening close."""
    frames = datasets("history").frames
    prices = last_price_series([frames[k]["close"] for k in BTC_PRICE_KEYS if k in frames])
    steps = pd.DatetimeIndex(pd.to_datetime(STEPS, utc=True))
    got = sampled_forward_table(prices, steps, {"1d": 1, "1w": 7, "1m": 30}, "1m")
    rows = merged_closes()
    checked = 0
    for k, s in enumerate(STEPS):
        step = datetime.fromisoformat(s)
        for name, h in (("1d", 1), ("1w", 7), ("1m", 30)):
            ret, dd = plain_clock_forward(rows, step, h)
            value = got[f"ret_{name}"].iloc[k]
            if ret is None:
                assert np.isnan(value), (s, name)
                continue
            assert value == pytest.approx(ret, rel=1e-12, abs=1e-15), (s, name)
            checked += 1
            if name == "1m":
                assert got["dd_1m"].iloc[k] == pytest.approx(dd, rel=1e-12, abs=1e-15)
    assert checked >= 3 * (len(STEPS) - 1)


def test_a_fall_before_the_step_is_not_what_followed_it():
    """Hand-worked: BTC closes the UTC day at 100, falls to 80 by 21:00 (hourly bar), and closes
    the next UTC day at 84. From the step, the next day is +5 %, not -16 %."""
    daily = pd.Series([100.0, 84.0], index=pd.to_datetime(
        ["2021-05-19T00:00Z", "2021-05-20T00:00Z"]))
    hourly = pd.Series([95.0, 80.0, 88.0, 84.0], index=pd.to_datetime(
        ["2021-05-19T12:00Z", "2021-05-19T21:00Z", "2021-05-20T12:00Z", "2021-05-20T21:00Z"]))
    prices = last_price_series([daily, hourly])
    step = pd.DatetimeIndex([pd.Timestamp("2021-05-19T21:00Z")])
    got = sampled_forward_table(prices, step, {"1d": 1}, "1d")
    assert got["ret_1d"].iloc[0] == pytest.approx(84 / 80 - 1)
    assert got["dd_1d"].iloc[0] == 0.0  # 80 then 84: never below its running peak
    # the daily close wins a shared stamp; no price within a day of a sample: NaN
    assert last_price_series([daily, pd.Series([1.0], index=daily.index[:1])]).iloc[0] == 100
    gap = sampled_forward_table(prices, pd.DatetimeIndex([pd.Timestamp("2021-05-25T21:00Z")]),
                                {"1d": 1}, "1d")
    assert gap["ret_1d"].isna().all() and gap["dd_1d"].isna().all()
