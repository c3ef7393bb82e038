"""Trend on a timeframe (DESIGN.md section 5, "Trend"): EMA20 sign vs its 5-bar slope.

Expected values come from a plain-Python EMA loop (alpha = 2/21, seeded with the first close),
never from the module under test.
"""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest

from deskapp.signals import trend

NAN = float("nan")
ALPHA = 2.0 / 21.0


def ema_loop(closes: list[float], alpha: float = ALPHA) -> list[float]:
    out = [closes[0]]
    for x in closes[1:]:
        out.append(alpha * x + (1.0 - alpha) * out[-1])
    return out


def ema_adjusted_loop(closes: list[float], alpha: float = ALPHA) -> list[float]:
    """Another EMA (weights renormalised, pandas adjust=True), to show the test can tell."""
    out = []
    for n in range(1, len(closes) + 1):
        w = [(1.0 - alpha) ** (n - 1 - i) for i in range(n)]
        out.append(sum(wi * xi for wi, xi in zip(w, closes[:n], strict=True)) / sum(w))
    return out


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


def expected_trend(closes: list[float], ema_fn=ema_loop) -> int | None:
    c = [x for x in closes if not math.isnan(x)]
    if len(c) < 25:
        return None
    e = ema_fn(c)
    side, slope = sign(c[-1] - e[-1]), sign(e[-1] - e[-6])
    return side if side == slope and side != 0 else 0


def hourly(values: list[float], start: str = "2026-02-02 01:00") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="1h", tz="UTC"))


# ---------------------------------------------------------------- hand-made cases
def test_steady_rise_is_up():
    closes = [100.0 + i for i in range(30)]
    # the EMA lags a rising line: close above it, and the EMA itself rising
    e = ema_loop(closes)
    assert closes[-1] > e[-1] and e[-1] > e[-6]
    assert trend.trend(hourly(closes)) == 1


def test_steady_fall_is_down():
    closes = [200.0 - 2 * i for i in range(40)]
    assert trend.trend(hourly(closes)) == -1


def test_close_below_a_still_rising_ema_is_no_trend():
    # 29 bars rising by 1 (to 128), then 110: the close falls below the EMA, whose 5-bar slope
    # is still up -> the two disagree -> 0.
    closes = [100.0 + i for i in range(29)] + [110.0]
    e = ema_loop(closes)
    assert closes[-1] < e[-1] and e[-1] > e[-6]
    assert trend.trend(hourly(closes)) == 0


def test_flat_series_is_no_trend():
    assert trend.trend(hourly([50.0] * 30)) == 0


def test_hand_worked_ema_on_a_short_step():
    # 25 closes: 24 at 10, then 31. EMA seeded at 10 stays 10 until the last bar:
    # EMA_last = 10 + (2/21)(31 - 10) = 12; five bars earlier it was 10 -> slope up; close above.
    closes = [10.0] * 24 + [31.0]
    assert ema_loop(closes)[-1] == pytest.approx(12.0, abs=1e-12)
    assert trend.trend(hourly(closes)) == 1
    # ... and the mirror image is down
    assert trend.trend(hourly([10.0] * 24 + [9.0])) == -1  # EMA 10 - 2/21 > 9, falling


def test_needs_25_closes_and_nan_do_not_count():
    closes = [100.0 + i for i in range(25)]
    assert trend.trend(hourly(closes[:24])) is None
    assert trend.trend(hourly(closes)) == 1
    with_gap = closes[:10] + [NAN] + closes[10:24]  # 25 rows, 24 valid closes
    assert trend.trend(hourly(with_gap)) is None
    assert trend.trend(pd.Series([], dtype="float64")) is None


def test_matches_the_ema_loop_on_random_paths_and_the_seed_matters():
    rng = random.Random(20260205)
    differs_from_adjusted = 0
    seen = set()
    for _ in range(300):
        n = rng.randint(25, 45)
        x, closes = 100.0, []
        for _ in range(n):
            x *= math.exp(rng.gauss(0.0, 0.01))
            closes.append(x)
        want = expected_trend(closes)
        seen.add(want)
        assert trend.trend(hourly(closes)) == want
        if expected_trend(closes, ema_adjusted_loop) != want:
            differs_from_adjusted += 1
    assert seen == {-1, 0, 1}
    # the seeding rule is really exercised: an adjusted EMA would have failed on some paths
    assert differs_from_adjusted > 0


# ---------------------------------------------------------------- agreement
@pytest.mark.parametrize(("a", "b", "want"), [
    (-1, -1, "both down"), (1, 1, "both up"), (1, -1, "mixed"), (-1, 1, "mixed"),
    (0, -1, "mixed"), (0, 0, "mixed"), (1, 0, "mixed"),
    (None, -1, None), (-1, None, None), (None, None, None),
])
def test_agreement(a, b, want):
    assert trend.agreement(a, b) == want


# ---------------------------------------------------------------- resample_last
def test_resample_last_takes_last_close_per_bucket_and_leaves_out_a_forming_bar():
    # hourly closes stamped 01:00 .. 06:00 (bar-close times), values 1..6
    s = hourly([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    out = trend.resample_last(s, "4h", pd.Timestamp("2026-02-02 06:00", tz="UTC"))
    # bucket (00:00, 04:00] holds 01..04 -> last = 4 stamped 04:00; bucket (04:00, 08:00] has not
    # ended at 06:00 -> left out
    assert list(out.index) == [pd.Timestamp("2026-02-02 04:00", tz="UTC")]
    assert out.tolist() == [4.0]


def test_resample_last_keeps_the_bucket_once_it_has_ended():
    s = hourly([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, NAN, 8.0])  # 01:00 .. 08:00, 07:00 blank
    out = trend.resample_last(s, "4h", pd.Timestamp("2026-02-02 08:00", tz="UTC"))
    assert list(out.index) == [pd.Timestamp("2026-02-02 04:00", tz="UTC"),
                               pd.Timestamp("2026-02-02 08:00", tz="UTC")]
    assert out.tolist() == [4.0, 8.0]
    # a close stamped exactly at 00:00 belongs to the bucket ending 00:00
    s0 = pd.Series([7.0, 9.0], index=pd.DatetimeIndex(
        [pd.Timestamp("2026-02-02 00:00", tz="UTC"), pd.Timestamp("2026-02-02 01:00", tz="UTC")]))
    out0 = trend.resample_last(s0, "4h", pd.Timestamp("2026-02-02 04:00", tz="UTC"))
    assert out0.to_dict() == {pd.Timestamp("2026-02-02 00:00", tz="UTC"): 7.0,
                              pd.Timestamp("2026-02-02 04:00", tz="UTC"): 9.0}


def test_resample_last_with_a_gap_has_no_bar_for_the_empty_bucket():
    idx = pd.DatetimeIndex([pd.Timestamp(t, tz="UTC") for t in
                            ("2026-02-02 01:00", "2026-02-02 03:00", "2026-02-02 13:00")])
    out = trend.resample_last(pd.Series([1.0, 2.0, 3.0], index=idx), "4h",
                              pd.Timestamp("2026-02-02 16:00", tz="UTC"))
    assert out.to_dict() == {pd.Timestamp("2026-02-02 04:00", tz="UTC"): 2.0,
                             pd.Timestamp("2026-02-02 16:00", tz="UTC"): 3.0}
