"""Forward returns and drawdowns: against a plain loop over the raw CSV, and hand-worked cases."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from support.raw_closes import plain_forward as _plain
from support.raw_closes import raw_closes as _raw

from deskapp.evaluate.forward import forward_table

STEPS = ["2015-08-24T21:00:00", "2018-02-05T21:00:00", "2020-03-16T21:00:00",
         "2022-11-09T21:00:00", "2024-08-05T21:00:00", "2025-04-07T21:00:00",
         "2026-01-02T21:00:00"]


@pytest.mark.parametrize(("key", "horizons", "calendar"), [
    ("idx.spx", {"1d": 1, "1w": 5, "1m": 21}, False),
    ("crypto.btc", {"1d": 1, "1w": 7, "1m": 30}, True),
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
