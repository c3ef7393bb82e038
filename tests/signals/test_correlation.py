"""Correlation gauge (DESIGN.md section 5): alignment, rolling windows, holes, 4h bars, zones.

Expected numbers come from plain-Python log returns and numpy.corrcoef / statistics.correlation
on hand-aligned lists, never from the module under test.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from deskapp.signals import correlation as corr


def utc(*stamps: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([pd.Timestamp(s, tz="UTC") for s in stamps])


def hand_returns(xs: list[float]) -> list[float]:
    return [math.log(xs[i] / xs[i - 1]) for i in range(1, len(xs))]


def wiggle(n: int, seed: int) -> list[float]:
    """A positive price path with some noise (deterministic)."""
    rng = np.random.default_rng(seed)
    return list(100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n))))


# ---------------------------------------------------------------- align_daily
def test_align_daily_pairs_btc_utc_day_with_equity_session_and_drops_weekend():
    # NYSE sessions Thu 5, Fri 6, Mon 9 Feb 2026, closing 16:00 New York = 21:00 UTC (winter).
    equity = pd.Series([6900.0, 6950.0, 6800.0],
                       index=utc("2026-02-05 21:00", "2026-02-06 21:00", "2026-02-09 21:00"))
    # BTC UTC-day bars for Thu..Mon, each stamped when it closes: the next 00:00 UTC.
    btc = pd.Series([70000.0, 71000.0, 69000.0, 68000.0, 66000.0],
                    index=utc("2026-02-06", "2026-02-07", "2026-02-08", "2026-02-09",
                              "2026-02-10"))
    pairs = corr.align_daily(equity, btc)

    assert list(pairs.index) == list(equity.index)  # indexed by the equity close time
    assert pairs["a"].tolist() == [6900.0, 6950.0, 6800.0]
    # Thu bar (closes Fri 00:00), Fri bar (closes Sat 00:00), Mon bar (closes Tue 00:00);
    # the Saturday and Sunday bars (69000, 68000) have no session and drop out.
    assert pairs["b"].tolist() == [70000.0, 71000.0, 66000.0]

    # The Fri -> Mon return spans the weekend for both assets.
    rets = corr.paired_returns(pairs, corr.DAILY_MAX_GAP)
    assert rets["a"].iloc[-1] == pytest.approx(math.log(6800.0 / 6950.0), abs=1e-12)
    assert rets["b"].iloc[-1] == pytest.approx(math.log(66000.0 / 71000.0), abs=1e-12)


def test_align_daily_summer_session_closes_at_20_utc():
    # 16:00 New York in July = 20:00 UTC; the BTC bar of the same date closes at 00:00 next day.
    equity = pd.Series([6200.0, 6250.0], index=utc("2025-07-01 20:00", "2025-07-02 20:00"))
    btc = pd.Series([105000.0, 108000.0], index=utc("2025-07-02", "2025-07-03"))
    pairs = corr.align_daily(equity, btc)
    assert pairs["b"].tolist() == [105000.0, 108000.0]
    assert list(pairs.index) == list(equity.index)


def test_align_daily_holiday_and_missing_btc_day_drop_out():
    # Mon 19 Jan 2026 is a US holiday: no session, so BTC's Monday drops out.
    # BTC has no bar for Wed 21 Jan: the equity Wednesday drops out too.
    equity = pd.Series([100.0, 101.0, 102.0, 103.0],
                       index=utc("2026-01-16 21:00", "2026-01-20 21:00", "2026-01-21 21:00",
                                 "2026-01-22 21:00"))
    btc = pd.Series([10.0, 11.0, 12.0, 13.0, 14.0, 15.0],
                    index=utc("2026-01-17", "2026-01-18", "2026-01-19", "2026-01-20",
                              "2026-01-21", "2026-01-23"))
    # BTC dates: Fri16, Sat17, Sun18, Mon19, Tue20, Thu22.
    pairs = corr.align_daily(equity, btc)
    assert list(pairs.index) == list(utc("2026-01-16 21:00", "2026-01-20 21:00",
                                         "2026-01-22 21:00"))
    assert pairs["a"].tolist() == [100.0, 101.0, 103.0]
    assert pairs["b"].tolist() == [10.0, 14.0, 15.0]


# ---------------------------------------------------------------- rolling_correlation
def daily_pairs(n: int, seed: int = 7) -> pd.DataFrame:
    idx = pd.bdate_range("2025-01-06 21:00", periods=n, freq="B", tz="UTC")
    return pd.DataFrame({"a": wiggle(n, seed), "b": wiggle(n, seed + 1)}, index=idx)


def test_rolling_correlation_equals_numpy_corrcoef_on_last_n_returns():
    n_rows, window = 45, 20
    pairs = daily_pairs(n_rows)
    a, b = pairs["a"].tolist(), pairs["b"].tolist()
    ra, rb = hand_returns(a), hand_returns(b)  # ra[k-1] = return ending at row k

    got = corr.rolling_correlation(pairs, window)
    assert list(got.index) == list(pairs.index[1:])  # the first row has no return
    for k in range(1, n_rows):
        value = got.loc[pairs.index[k]]
        if k < window:  # fewer than `window` returns so far
            assert math.isnan(value), k
        else:
            want = np.corrcoef(ra[k - window:k], rb[k - window:k])[0, 1]
            assert value == pytest.approx(want, abs=1e-9), k
    # and once more with the stdlib, on the last window
    assert got.iloc[-1] == pytest.approx(
        statistics.correlation(ra[-window:], rb[-window:]), abs=1e-9)


def test_rolling_correlation_all_nan_with_fewer_than_window_returns():
    pairs = daily_pairs(20)  # 19 returns
    got = corr.rolling_correlation(pairs, 20)
    assert len(got) == 19 and got.isna().all()
    assert corr.rolling_correlation(pairs.iloc[:1], 5).empty


def test_hole_longer_than_max_gap_breaks_the_window():
    window = 5
    values = wiggle(20, 3), wiggle(20, 4)
    # rows 0..9 on consecutive days, then a 12-day hole, then rows 10..19 on consecutive days
    first = pd.date_range("2025-03-03 21:00", periods=10, freq="D", tz="UTC")
    second = pd.date_range(first[-1] + pd.Timedelta(days=12), periods=10, freq="D")
    idx = first.append(second)
    pairs = pd.DataFrame({"a": values[0], "b": values[1]}, index=idx)
    ra, rb = hand_returns(values[0]), hand_returns(values[1])

    got = corr.rolling_correlation(pairs, window, max_gap=pd.Timedelta(days=10))
    # Before the hole: values from row 5 on.
    assert not math.isnan(got.loc[idx[9]])
    # Row 10's return spans the hole; rows 10..14 have < 5 fresh returns after it.
    for k in range(10, 15):
        assert math.isnan(got.loc[idx[k]]), k
    # Row 15: exactly 5 fresh returns (rows 11..15).
    want = np.corrcoef(ra[10:15], rb[10:15])[0, 1]
    assert got.loc[idx[15]] == pytest.approx(want, abs=1e-9)
    assert corr.trailing_returns(pairs.iloc[:14], pd.Timedelta(days=10)) == 3
    assert corr.trailing_returns(pairs, pd.Timedelta(days=10)) == 9


def test_gap_equal_to_max_gap_is_not_a_hole():
    idx = pd.date_range("2025-03-03", periods=8, freq="D", tz="UTC")
    idx = idx[:4].append(idx[4:] + pd.Timedelta(days=3))  # one 4-day gap
    pairs = pd.DataFrame({"a": wiggle(8, 11), "b": wiggle(8, 12)}, index=idx)
    ra, rb = hand_returns(pairs["a"].tolist()), hand_returns(pairs["b"].tolist())
    kept = corr.rolling_correlation(pairs, 6, max_gap=pd.Timedelta(days=4))
    assert kept.iloc[-1] == pytest.approx(np.corrcoef(ra[-6:], rb[-6:])[0, 1], abs=1e-9)
    broken = corr.rolling_correlation(pairs, 6, max_gap=pd.Timedelta(days=4) - pd.Timedelta("1min"))
    assert broken.isna().all()


def test_trailing_returns_small_cases():
    assert corr.trailing_returns(daily_pairs(1), corr.DAILY_MAX_GAP) == 0
    assert corr.trailing_returns(daily_pairs(2), corr.DAILY_MAX_GAP) == 1
    assert corr.trailing_returns(daily_pairs(12), corr.DAILY_MAX_GAP) == 11


# ---------------------------------------------------------------- align_intraday
def test_align_intraday_yahoo_half_hour_grid_vs_crypto_on_the_hour():
    # Yahoo SPY bars close at :30, the session's last bar at the 16:00 NY close (20:00 UTC, EDT).
    equity = pd.Series([1.0, 2.0, 3.0, 4.0],
                       index=utc("2025-07-01 14:30", "2025-07-01 15:30", "2025-07-01 16:30",
                                 "2025-07-01 20:00"))
    # Crypto on the hour; 16:00 is missing, so the 16:30 equity bar has no partner within 30 min.
    crypto = pd.Series([10.0, 11.0, 12.0, 13.0, 14.0, 15.0],
                       index=utc("2025-07-01 13:00", "2025-07-01 14:00", "2025-07-01 15:00",
                                 "2025-07-01 17:00", "2025-07-01 19:00", "2025-07-01 20:00"))
    pairs = corr.align_intraday(equity, crypto)
    assert list(pairs.index) == list(utc("2025-07-01 14:30", "2025-07-01 15:30",
                                         "2025-07-01 20:00"))
    assert pairs["a"].tolist() == [1.0, 2.0, 4.0]
    # 14:30 takes the 14:00 close (exactly 30 min earlier: inside the tolerance), never 15:00
    assert pairs["b"].tolist() == [11.0, 12.0, 15.0]


def test_align_intraday_never_takes_a_later_crypto_close():
    equity = pd.Series([1.0], index=utc("2025-07-01 14:30"))
    crypto = pd.Series([10.0, 11.0], index=utc("2025-07-01 13:59", "2025-07-01 14:31"))
    assert corr.align_intraday(equity, crypto).empty  # 31 min before, or after: no partner


def test_align_intraday_exact_hour_grid():
    # IBKR S&P bars close on the full hour, like crypto: pairs are exact.
    hours = pd.date_range("2026-02-10 15:00", "2026-02-10 21:00", freq="h", tz="UTC")
    equity = pd.Series(np.arange(1.0, 8.0), index=hours)
    crypto_idx = pd.date_range("2026-02-10 00:00", "2026-02-10 23:00", freq="h", tz="UTC")
    crypto = pd.Series(np.arange(100.0, 124.0), index=crypto_idx).drop(
        pd.Timestamp("2026-02-10 17:00", tz="UTC"))
    pairs = corr.align_intraday(equity, crypto)
    want_times = [t for t in hours if t.hour != 17]  # 16:00 is 60 min before 17:00: too old
    assert list(pairs.index) == want_times
    assert pairs["b"].tolist() == [100.0 + t.hour for t in want_times]
    assert pairs["a"].tolist() == [1.0 + (t.hour - 15) for t in want_times]


def test_align_intraday_mixed_index_resolutions():
    # Live adapters may hand over different datetime resolutions (ns, us, ms); pairing must work.
    eq_idx = utc("2025-07-01 14:30", "2025-07-01 15:30").as_unit("us")
    cr_idx = utc("2025-07-01 14:00", "2025-07-01 15:00").as_unit("ms")
    equity = pd.Series([1.0, 2.0], index=eq_idx)
    crypto = pd.Series([10.0, 11.0], index=cr_idx)
    pairs = corr.align_intraday(equity, crypto)
    assert pairs["a"].tolist() == [1.0, 2.0]
    assert pairs["b"].tolist() == [10.0, 11.0]


def test_align_intraday_empty_side():
    equity = pd.Series([1.0], index=utc("2025-07-01 14:30"))
    empty = pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype="float64")
    assert corr.align_intraday(equity, empty).empty
    assert corr.align_intraday(empty, equity).empty


# ---------------------------------------------------------------- to_4h
def test_to_4h_takes_last_pair_in_each_utc_bucket_stamped_at_bucket_end():
    times = utc("2026-02-10 01:00", "2026-02-10 02:00", "2026-02-10 04:00", "2026-02-10 05:00",
                "2026-02-10 08:00", "2026-02-10 09:00", "2026-02-10 23:00")
    pairs = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 6, 7], "b": [10.0, 20, 30, 40, 50, 60, 70]},
                         index=times)
    bars = corr.to_4h(pairs)
    # (00,04] -> 04:00 holds the 04:00 pair; (04,08] -> 08:00; (08,12] -> 12:00; (20,24] -> 00:00
    assert list(bars.index) == list(utc("2026-02-10 04:00", "2026-02-10 08:00",
                                        "2026-02-10 12:00", "2026-02-11 00:00"))
    assert bars["a"].tolist() == [3.0, 5.0, 6.0, 7.0]
    assert bars["b"].tolist() == [30.0, 50.0, 60.0, 70.0]
    assert corr.to_4h(pairs.iloc[:0]).empty


# ---------------------------------------------------------------- zone
@pytest.mark.parametrize(("value", "want"), [
    (-0.5, "decoupled"), (0.0, "decoupled"), (0.2999999, "decoupled"), (0.3, "elevated"),
    (0.5, "elevated"), (0.6999999, "elevated"), (0.7, "stress"), (0.95, "stress"),
    (1.0, "stress"), (None, None), (float("nan"), None),
])
def test_zone_boundaries(value, want):
    assert corr.zone(value) == want


def _merge_asof_pairs(equity: pd.Series, crypto: pd.Series, tolerance: str) -> pd.DataFrame:
    """The pairs as pandas.merge_asof makes them (the independent computation)."""
    left, right = equity.dropna().rename("a").to_frame(), crypto.dropna().rename("b").to_frame()
    left.index, right.index = left.index.as_unit("ns"), right.index.as_unit("ns")
    return pd.merge_asof(left, right, left_index=True, right_index=True, direction="backward",
                         tolerance=pd.Timedelta(tolerance)).dropna()


@pytest.mark.parametrize("tolerance", ["30min", "1h", "0min"])
def test_align_intraday_pairs_as_merge_asof_on_real_bars_and_awkward_ones(datasets, tolerance):
    ds = datasets("2026-02-risk-off")
    spx, btc = ds.frames["idx.spx.1h"]["close"], ds.frames["crypto.btcusdt.1h"]["close"]
    # a Yahoo-like grid (:30), blanks on both sides, a crypto stamp repeated (the later row
    # counts), exact ties with the tolerance; the S&P bars begin months before the BTC ones
    yahoo = spx.set_axis(spx.index - pd.Timedelta("30min")).copy()
    yahoo.iloc[::17] = np.nan
    holed = btc.drop(btc.index[5::7]).copy()
    holed.iloc[::11] = np.nan
    repeated = pd.concat([holed.iloc[:40], holed.iloc[39:40] * 1.01, holed.iloc[40:]])
    sizes = []
    for equity, crypto in ((spx, btc), (yahoo, holed), (spx, repeated), (yahoo, repeated)):
        want = _merge_asof_pairs(equity, crypto, tolerance)
        got = corr.align_intraday(equity, crypto, tolerance)
        pd.testing.assert_frame_equal(got, want, check_exact=True, check_freq=False)
        sizes.append(len(want))
    assert min(sizes[0], sizes[2]) > 500  # real pairs compared, not empty frames
    assert (sizes[1] > 500) == (tolerance != "0min")  # the :30 grid pairs within 30 min
