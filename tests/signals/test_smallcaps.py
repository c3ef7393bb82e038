"""Small-cap leadership, the IWM-BTC lead-lag and the liquidity chain (DESIGN.md section 5).

Expected numbers are hand-worked or from plain loops (numpy.corrcoef per lag for the lead-lag).
"""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from deskapp.signals import smallcaps

NAN = float("nan")


def sessions(values: list[float], start: str = "2025-01-06 21:00") -> pd.Series:
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values), freq="B", tz="UTC"))


# ---------------------------------------------------------------- prior_high
def test_prior_high_excludes_the_last_close_and_anything_older_than_252_sessions():
    closes = [100.0 + (i % 17) for i in range(300)]
    closes[-254] = 5000.0  # 253 sessions before the last: outside the window
    closes[-252] = 300.0  # the oldest session inside the window
    closes[-1] = 9999.0  # the last close itself never counts
    got = smallcaps.prior_high(sessions(closes))
    assert got == 300.0
    assert got == max(closes[-253:-1])
    closes[-252] = 100.0
    assert smallcaps.prior_high(sessions(closes)) == 116.0  # 100 + 16, the cycle's top


def test_prior_high_needs_253_closes():
    closes = [float(i) for i in range(1, 254)]
    assert smallcaps.prior_high(sessions(closes)) == 252.0
    assert smallcaps.prior_high(sessions(closes[1:])) is None
    closes[5] = NAN  # 253 rows, 252 valid
    assert smallcaps.prior_high(sessions(closes)) is None


# ---------------------------------------------------------------- volume_ratio
def test_volume_ratio_excludes_the_last_session_from_the_mean():
    vol = [1e9] + [100.0] * 50 + [300.0]  # the 1e9 is 51 sessions back: outside the 50
    assert smallcaps.volume_ratio(sessions(vol)) == pytest.approx(3.0, abs=1e-12)
    # a hand mean: sessions 1..50 before the last alternate 80/120 -> mean 100
    vol = [80.0, 120.0] * 25 + [150.0]
    assert smallcaps.volume_ratio(sessions(vol)) == pytest.approx(1.5, abs=1e-12)


def test_volume_ratio_needs_51_sessions_and_a_positive_mean():
    assert smallcaps.volume_ratio(sessions([100.0] * 50)) is None
    assert smallcaps.volume_ratio(sessions([100.0] * 51)) == pytest.approx(1.0)
    assert smallcaps.volume_ratio(sessions([0.0] * 50 + [10.0])) is None


# ---------------------------------------------------------------- breakout
@pytest.mark.parametrize(("close", "high", "vr", "threshold", "want"), [
    (2610.0, 2600.0, 1.5, None, True),  # above the high with volume at 1.5x
    (2610.0, 2600.0, 1.49, None, False),  # volume too light
    (2600.0, 2600.0, 2.0, None, False),  # at the high is not above it
    (2590.0, 2600.0, 2.0, None, False),
    (2590.0, 2600.0, 2.0, 2580.0, True),  # a user level below the high
    (2610.0, 2600.0, 2.0, 2650.0, False),  # a user level above the close
    (2590.0, None, 2.0, 2580.0, True),  # the user level works without a 252d high
    (None, 2600.0, 2.0, None, None),
    (2610.0, None, 2.0, None, None),
    (2610.0, 2600.0, None, None, None),
    (2610.0, 2600.0, None, 2500.0, None),
])
def test_breakout_truth_table(close, high, vr, threshold, want):
    assert smallcaps.breakout(close, high, vr, threshold) is want


# ---------------------------------------------------------------- lead_lag
def synthetic_iwm_btc(n: int, delay: int, seed: int):
    """IWM sessions close 21:00 UTC; BTC has a UTC-day bar for each session date, closing at the
    next 00:00. BTC's log return on aligned row i = IWM's on row i - delay plus a little noise."""
    rng = random.Random(seed)
    r_iwm = [rng.gauss(0.0, 0.012) for _ in range(n)]
    r_btc = [rng.gauss(0.0, 0.02) if i < delay else r_iwm[i - delay] + rng.gauss(0.0, 0.003)
             for i in range(n)]
    iwm, btc = [200.0], [60000.0]
    for a, b in zip(r_iwm, r_btc, strict=True):
        iwm.append(iwm[-1] * math.exp(a))
        btc.append(btc[-1] * math.exp(b))
    days = pd.bdate_range("2024-01-02", periods=n + 1, freq="B")
    iwm_s = pd.Series(iwm, index=(days + pd.Timedelta(hours=21)).tz_localize("UTC"))
    btc_s = pd.Series(btc, index=(days + pd.Timedelta(days=1)).tz_localize("UTC"))
    return iwm_s, btc_s, r_iwm, r_btc


def test_lead_lag_finds_a_three_day_delay():
    iwm, btc, r_iwm, r_btc = synthetic_iwm_btc(320, 3, seed=5)
    lag, best, table = smallcaps.lead_lag(iwm, btc)
    # the loop: the last 250 returns of each; IWM at t vs BTC at t + k
    a_all, b_all = r_iwm[-250:], r_btc[-250:]
    want = {}
    for k in range(11):
        want[k] = float(np.corrcoef(a_all[:250 - k], b_all[k:])[0, 1])
    assert max(want, key=want.get) == 3
    assert lag == 3
    assert best == pytest.approx(want[3], abs=1e-9)
    assert best > 0.9
    assert set(table) == set(range(11))
    for k in range(11):
        assert table[k] == pytest.approx(want[k], abs=1e-9)


def test_lead_lag_with_no_delay_and_needs_251_aligned_closes():
    iwm, btc, _, _ = synthetic_iwm_btc(260, 0, seed=9)
    assert smallcaps.lead_lag(iwm, btc)[0] == 0
    lag, corr, table = smallcaps.lead_lag(iwm.iloc[-250:], btc.iloc[-250:])  # 249 returns
    assert (lag, corr, table) == (None, None, {})
    lag, _, _ = smallcaps.lead_lag(iwm.iloc[-251:], btc.iloc[-251:])
    assert lag is not None


# ---------------------------------------------------------------- rs_change / basket_return
def test_rs_change_on_common_sessions():
    num = [100.0 + i for i in range(25)]
    den = [50.0 + 0.5 * i for i in range(25)]
    num[-3] = 999.0  # IWM has this session, SPY does not: it drops out
    n, d = sessions(num), sessions(den).drop(sessions(den).index[-3])
    common_n = [x for i, x in enumerate(num) if i != len(num) - 3]
    common_d = [x for i, x in enumerate(den) if i != len(den) - 3]
    ratio = [a / b for a, b in zip(common_n, common_d, strict=True)]
    assert smallcaps.rs_change(n, d) == pytest.approx(ratio[-1] / ratio[-21] - 1.0, rel=1e-12)


def test_rs_change_hand_worked_and_too_short():
    # ratio 2.0 twenty sessions ago -> 2.2 now: +10%
    num = [200.0] + [210.0] * 19 + [242.0]
    den = [100.0] + [100.0] * 19 + [110.0]
    assert smallcaps.rs_change(sessions(num), sessions(den)) == pytest.approx(0.10, abs=1e-12)
    den[-1] = 100.0  # SPY flat: 242 / 100 = 2.42 vs 2.0 -> +21%
    assert smallcaps.rs_change(sessions(num), sessions(den)) == pytest.approx(0.21, abs=1e-12)
    assert smallcaps.rs_change(sessions(num[1:]), sessions(den[1:])) is None


def test_basket_return_is_the_mean_of_member_returns():
    a = [100.0] + [101.0] * 19 + [110.0]  # +10%
    b = [50.0] + [49.0] * 19 + [45.0]  # -10%
    c = [10.0] + [10.0] * 19 + [13.0]  # +30%
    short = [1.0] * 20  # 20 closes: no 20-session return, left out
    got = smallcaps.basket_return({"a": sessions(a), "b": sessions(b), "c": sessions(c),
                                   "short": sessions(short)})
    assert got == pytest.approx((0.10 - 0.10 + 0.30) / 3, abs=1e-12)
    assert smallcaps.basket_return({"short": sessions(short)}) is None
    assert smallcaps.basket_return({}) is None
    # five sessions instead of twenty
    assert smallcaps.basket_return({"a": sessions(a)}, sessions=5) == \
        pytest.approx(110.0 / 101.0 - 1.0, abs=1e-12)


# ---------------------------------------------------------------- chain
@pytest.mark.parametrize(("lit", "want"), [
    ({}, None),
    ({"bonds": False, "equities": True, "smallcaps": True}, None),
    ({"bonds": True}, "bonds"),
    ({"bonds": True, "equities": True, "smallcaps": None, "crypto": True}, "equities"),
    ({"bonds": True, "equities": True, "smallcaps": True, "crypto": True}, "crypto"),
    ({"bonds": True, "equities": True, "smallcaps": True, "crypto": True, "altcoins": True},
     "altcoins"),
    ({"bonds": True, "equities": True, "smallcaps": True, "crypto": False, "altcoins": True},
     "smallcaps"),
])
def test_chain_reached_is_the_end_of_the_unbroken_run(lit, want):
    assert smallcaps.chain_reached(lit) == want


def test_relative_return_series_is_the_pandas_difference_of_basket_and_benchmark(datasets):
    ds = datasets("2026-02-risk-off")
    alts = {k: ds.frames[k]["close"] for k in ("crypto.eth", "crypto.sol", "crypto.xrp")
            if k in ds.frames}
    btc = ds.frames["crypto.btc"]["close"]
    holed = btc.drop(btc.index[::13])
    for bench in (btc, holed, btc.set_axis(btc.index.as_unit("ns"))):
        basket = smallcaps.basket_return_series(alts)
        b = bench / bench.shift(20) - 1.0
        want = (basket - b).dropna()
        got = smallcaps.relative_return_series(alts, bench)
        pd.testing.assert_series_equal(got, want, check_exact=True, check_freq=False)
        assert len(got) > 100
