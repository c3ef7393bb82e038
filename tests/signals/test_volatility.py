"""Realised volatility, the vol-spike ratio and vol-target de-leveraging pressure (DESIGN.md §5).

Expected numbers: statistics.stdev over plain-Python log returns, or closed forms worked by hand.
"""

from __future__ import annotations

import math
import statistics

import pandas as pd
import pytest

from deskapp.signals import volatility

NAN = float("nan")


def daily(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2025-01-01 21:00", periods=len(values),
                                                freq="D", tz="UTC"))


def path(returns: list[float], start: float = 100.0) -> list[float]:
    out = [start]
    for r in returns:
        out.append(out[-1] * math.exp(r))
    return out


def log_rets(closes: list[float]) -> list[float]:
    return [math.log(closes[i] / closes[i - 1]) for i in range(1, len(closes))]


def hand_rv(closes: list[float], n: int, periods: float) -> float:
    r = log_rets(closes)[-n:]
    return statistics.stdev(r) * math.sqrt(periods)


def wavy(n: int, amp: float, period: int = 7) -> list[float]:
    """A deterministic, non-constant return stream."""
    return [amp * math.sin(1.3 * i) + amp * 0.3 * ((i % period) - period / 2) / period
            for i in range(n)]


# ---------------------------------------------------------------- realised_vol
def test_realised_vol_alternating_returns_closed_form():
    # 20 returns alternating +1%, -1%: mean 0, sample variance = 20 * 0.0001 / 19
    closes = path([0.01, -0.01] * 10)
    want = math.sqrt(20 * 0.0001 / 19) * math.sqrt(252)
    assert volatility.realised_vol(daily(closes), 20, 252) == pytest.approx(want, rel=1e-12)


def test_realised_vol_uses_only_the_last_window_returns_and_skips_blank_closes():
    closes = path(wavy(40, 0.02))
    closes[-12] = NAN  # a blank close: the return spans it
    valid = [c for c in closes if not math.isnan(c)]
    for n, periods in ((5, 252), (10, 365), (20, 24 * 365)):
        got = volatility.realised_vol(daily(closes), n, periods)
        assert got == pytest.approx(hand_rv(valid, n, periods), rel=1e-12)


def test_realised_vol_none_when_too_short():
    closes = path(wavy(5, 0.01))  # 6 closes = 5 returns
    assert volatility.realised_vol(daily(closes), 5, 252) is not None
    assert volatility.realised_vol(daily(closes[1:]), 5, 252) is None
    assert volatility.realised_vol(daily(closes), 1, 252) is None  # no stdev from one return


# ---------------------------------------------------------------- spike_ratio
def test_spike_ratio_hand_worked_quiet_then_loud():
    # 55 returns of +/-1% then 5 of +/-3%: RV5 from the last five, RV60 from all sixty.
    rets = [0.01, -0.01] * 27 + [0.01] + [-0.03, 0.03, -0.03, 0.03, -0.03]
    closes = path(rets)
    want = statistics.stdev(rets[-5:]) / statistics.stdev(rets)
    got = volatility.spike_ratio(daily(closes))
    assert got == pytest.approx(want, rel=1e-12)
    assert got >= volatility.SPIKE  # loud enough to be a spike


def test_spike_ratio_is_the_same_for_any_annualisation_and_none_when_short():
    closes = path(wavy(60, 0.015))  # 61 closes: just enough for RV(60)
    a = volatility.spike_ratio(daily(closes), periods_per_year=252)
    b = volatility.spike_ratio(daily(closes), periods_per_year=365)
    want = statistics.stdev(log_rets(closes)[-5:]) / statistics.stdev(log_rets(closes))
    assert a == pytest.approx(want, rel=1e-12) and b == pytest.approx(want, rel=1e-12)
    assert volatility.spike_ratio(daily(closes[1:])) is None  # 60 closes, 59 returns
    assert volatility.spike_ratio(daily([100.0] * 61)) is None  # RV60 = 0: no ratio


def test_spike_ratio_series_last_value_matches_the_hand_ratio():
    closes = path(wavy(80, 0.02))
    series = volatility.spike_ratio_series(daily(closes))
    r = log_rets(closes)
    assert len(series) == len(r) - 60 + 1
    assert series.iloc[-1] == pytest.approx(statistics.stdev(r[-5:]) / statistics.stdev(r[-60:]),
                                            rel=1e-12)
    assert series.iloc[0] == pytest.approx(statistics.stdev(r[55:60]) / statistics.stdev(r[:60]),
                                           rel=1e-12)


# ---------------------------------------------------------------- delever_pressure
def hand_pressure(closes: list[float], target: float, periods: float) -> float:
    r = log_rets(closes)
    n = len(r)

    def exposure(end: int) -> float:
        rv = statistics.stdev(r[end - 20:end]) * math.sqrt(periods)
        return min(1.0, target / rv)

    return max(0.0, exposure(n - 5) - exposure(n))


def test_delever_pressure_hand_worked_vol_jump():
    # 20 returns of +/-0.5% (RV = 0.005 * sqrt(20/19) * sqrt(252) = 8.1% < 15%: exposure 1),
    # then 5 returns of +/-3%: the last 20 returns are 15 quiet + 5 loud.
    quiet = [0.005, -0.005] * 10
    loud = [0.03, -0.03, 0.03, -0.03, 0.03]
    closes = path(quiet + loud)
    rv_then = 0.005 * math.sqrt(20 / 19) * math.sqrt(252)
    assert rv_then < 0.15
    last20 = (quiet + loud)[-20:]
    rv_now = statistics.stdev(last20) * math.sqrt(252)
    want = 1.0 - 0.15 / rv_now
    got = volatility.delever_pressure(daily(closes), 0.15, 252)
    assert got == pytest.approx(want, rel=1e-12)
    assert 0.0 < got < 1.0


def test_delever_pressure_is_zero_when_vol_falls():
    closes = path([0.04, -0.04] * 10 + [0.001, -0.001, 0.001, -0.001, 0.001])
    assert hand_pressure(closes, 0.15, 252) == 0.0  # exposure rose: floored at 0
    assert volatility.delever_pressure(daily(closes), 0.15, 252) == 0.0


def test_delever_pressure_matches_the_loop_on_many_paths_and_stays_in_0_1():
    for seed in range(25):
        amp = 0.005 + 0.004 * seed
        rets = wavy(30 + seed, amp, period=3 + seed % 5)
        rets[-3:] = [x * (1 + seed % 4) for x in rets[-3:]]
        closes = path(rets)
        for target, periods in ((0.15, 252), (0.50, 365)):
            got = volatility.delever_pressure(daily(closes), target, periods)
            assert got == pytest.approx(hand_pressure(closes, target, periods), abs=1e-12)
            assert 0.0 <= got <= 1.0


def test_delever_pressure_none_when_too_short():
    closes = path(wavy(25, 0.02))  # 26 closes = 25 returns = RV window 20 + look-back 5
    assert volatility.delever_pressure(daily(closes), 0.15, 252) is not None
    assert volatility.delever_pressure(daily(closes[1:]), 0.15, 252) is None
    with_blank = closes[:10] + [NAN] + closes[11:]  # 26 rows, 25 valid closes
    assert volatility.delever_pressure(daily(with_blank), 0.15, 252) is None


@pytest.mark.parametrize("key", ["crypto.btc", "idx.spx"])
def test_the_series_are_the_pandas_expressions_they_stand_for(key, datasets):
    """spike_ratio_series and delever_pressure_series do in numpy what these pandas expressions
    do; the numbers must be the same to the bit, flat stretches (a zero RV: inf and NaN) and
    a lookback longer than the series included."""
    close = datasets("2026-02-risk-off").frames[key]["close"].copy()
    close.iloc[100:170] = close.iloc[100]  # 70 unchanged closes: RV(5) and RV(60) reach 0
    r = volatility.log_return_series(close)
    want_ratio = (r.rolling(5, min_periods=5).std() / r.rolling(60, min_periods=60).std()
                  ).dropna()
    got_ratio = volatility.spike_ratio_series(close)
    pd.testing.assert_series_equal(got_ratio, want_ratio, check_exact=True, check_freq=False)
    rv = volatility.realised_vol_series(close, 20, 365.0)
    assert (rv == 0.0).any()  # the flat stretch: target / 0 = inf, clipped to full exposure
    for target, lookback in ((0.5, 5), (0.15, 5), (0.5, len(rv) + 3)):
        exposure = (target / rv).clip(upper=1.0)
        want = (exposure.shift(lookback) - exposure).clip(lower=0.0).dropna()
        got = volatility.delever_pressure_series(close, target, 365.0, lookback=lookback)
        pd.testing.assert_series_equal(got, want, check_exact=True, check_freq=False)
    assert (got_ratio > 1.5).any() and len(want_ratio) > 200
