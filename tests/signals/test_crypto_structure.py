"""Crypto structure (DESIGN.md section 5): funding, OI change and quadrant, liquidation z,
the flywheel stage. Expected numbers are hand-worked or from plain loops."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from deskapp.signals import crypto

NAN = float("nan")


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def series(points: dict[str, float]) -> pd.Series:
    return pd.Series(list(points.values()), index=pd.DatetimeIndex([ts(t) for t in points]))


# ---------------------------------------------------------------- funding
def test_annualised_funding_hand_worked():
    # 0.01% per 8h: 3 payments a day, 365 days -> 10.95% a year
    assert crypto.annualised_funding(0.0001) == pytest.approx(0.1095, abs=1e-12)
    assert crypto.annualised_funding(0.0001, 8.0) == pytest.approx(0.1095, abs=1e-12)
    # hourly funding venue: 24 payments a day
    assert crypto.annualised_funding(0.0001, 1.0) == pytest.approx(0.876, abs=1e-12)
    assert crypto.annualised_funding(-0.0002, 4.0) == pytest.approx(-0.0002 * 6 * 365, abs=1e-12)
    s = pd.Series([0.0001, -0.00005])
    assert crypto.annualised_funding(s).tolist() == pytest.approx([0.1095, -0.05475], abs=1e-12)


def test_oi_weighted_funding():
    # 10% on a venue with 1bn OI, 30% on one with 3bn: (0.1*1 + 0.3*3) / 4 = 0.25
    assert crypto.oi_weighted({"a": 0.10, "b": 0.30}, {"a": 1e9, "b": 3e9}) == \
        pytest.approx(0.25, abs=1e-12)
    # a venue without OI: every venue weighs the same
    assert crypto.oi_weighted({"a": 0.10, "b": 0.30}, {"a": 1e9}) == pytest.approx(0.20, abs=1e-12)
    # venues without a rate are left out (their OI does not count)
    assert crypto.oi_weighted({"a": 0.10, "b": None, "c": NAN}, {"a": 1.0, "b": 9.0, "c": 9.0}) \
        == pytest.approx(0.10, abs=1e-12)
    assert crypto.oi_weighted({"a": None}, {"a": 1.0}) is None
    assert crypto.oi_weighted({}, {}) is None


# ---------------------------------------------------------------- change_over
def test_change_over_24h_exact_bar():
    oi = series({"2025-10-09 00:00": 100.0, "2025-10-09 12:00": 104.0,
                 "2025-10-10 00:00": 110.0, "2025-10-10 04:00": 90.0})
    # now 10-10 04:00 (90); 24h earlier = 10-09 04:00: last value at or before it = 100 (00:00)
    assert crypto.change_over(oi) == pytest.approx(90.0 / 100.0 - 1.0, abs=1e-12)
    # now 10-10 00:00 (110): 24h earlier exactly = 10-09 00:00 -> 100
    assert crypto.change_over(oi.iloc[:3]) == pytest.approx(0.10, abs=1e-12)


def test_change_over_uses_value_at_or_before_the_target():
    s = series({"2025-10-08 20:00": 50.0, "2025-10-09 02:00": 60.0, "2025-10-09 05:00": 70.0,
                "2025-10-10 03:00": 66.0})
    # target 10-09 03:00: at-or-before = 02:00 (60), not the later 05:00 (70)
    assert crypto.change_over(s) == pytest.approx(66.0 / 60.0 - 1.0, abs=1e-12)


def test_change_over_none_when_the_earlier_value_is_more_than_a_day_older():
    # target 10-10 12:00; the last value before it is 36h older -> a hole, not bridged
    s = series({"2025-10-09 00:00": 100.0, "2025-10-11 12:00": 120.0})
    assert crypto.change_over(s) is None
    # exactly one day older than the target still counts
    s2 = series({"2025-10-09 12:00": 100.0, "2025-10-11 12:00": 120.0})
    assert crypto.change_over(s2) == pytest.approx(0.20, abs=1e-12)
    # one minute more than a day: not
    s3 = series({"2025-10-09 11:59": 100.0, "2025-10-11 12:00": 120.0})
    assert crypto.change_over(s3) is None


def test_change_over_none_when_the_series_is_too_short_and_blanks_are_skipped():
    assert crypto.change_over(series({"2025-10-10 00:00": 1.0})) is None
    # the series starts less than 24h before its last value
    assert crypto.change_over(series({"2025-10-10 00:00": 1.0, "2025-10-10 20:00": 2.0})) is None
    # a blank last row: the last valid value is the one measured
    s = series({"2025-10-09 00:00": 100.0, "2025-10-10 00:00": 105.0, "2025-10-10 04:00": NAN})
    assert crypto.change_over(s) == pytest.approx(0.05, abs=1e-12)


# ---------------------------------------------------------------- quadrant
@pytest.mark.parametrize(("price", "oi", "want"), [
    (-0.02, 0.03, "trapped leverage"),
    (-0.02, -0.03, "flush / de-leveraging"),
    (0.02, 0.03, "leveraged rally"),
    (0.02, -0.03, "short covering"),
    (-1e-9, 5.0, "trapped leverage"),
    (0.0, 0.03, None), (0.02, 0.0, None), (0.0, 0.0, None),
    (None, 0.03, None), (-0.02, None, None), (None, None, None),
])
def test_quadrant(price, oi, want):
    assert crypto.quadrant(price, oi) == want


def test_quadrant_names_are_the_four_of_the_design():
    names = {crypto.quadrant(p, o) for p in (-1.0, 1.0) for o in (-1.0, 1.0)}
    assert names == {"trapped leverage", "flush / de-leveraging", "leveraged rally",
                     "short covering"}


# ---------------------------------------------------------------- liquidation_z
def four_hourly(n: int, start: datetime, drop: set[int] = frozenset()) -> list[datetime]:
    return [start + timedelta(hours=4 * i) for i in range(n) if i not in drop]


def hand_liq_z(times: list[datetime], values: list[float]) -> float | None:
    """24h sums at every bar: the bars in (s - 24h, s]; baseline: sums at bars in
    (t - 31d, t - 1d]; z = (now - mean) / stdev (ddof 1)."""
    def sum24(s: datetime) -> float:
        total = 0.0
        for t, v in zip(times, values, strict=True):
            if s - timedelta(hours=24) < t <= s:
                total += v
        return total

    t = times[-1]
    now = sum24(t)
    base = [sum24(s) for s in times if t - timedelta(days=31) < s <= t - timedelta(days=1)]
    return (now - statistics.mean(base)) / statistics.stdev(base)


def test_liquidation_z_by_hand_on_a_4h_series_with_a_gap():
    start = datetime(2025, 9, 1, 4, tzinfo=UTC)
    # 40 days of 4h bars, with a half-day hole (bars 100..102 missing) inside the baseline
    times = four_hourly(40 * 6, start, drop={100, 101, 102})
    values = [1e6 * (1 + (i * 7) % 11) for i in range(len(times))]
    values[-1] = 2.4e8  # the flush bar
    values[-2] = 6e7
    s = pd.Series(values, index=pd.DatetimeIndex(times))
    got = crypto.liquidation_z(s)
    want = hand_liq_z(times, values)
    assert got == pytest.approx(want, rel=1e-9)
    assert got > 2.0


def test_liquidation_z_excludes_the_current_day_from_the_baseline():
    # 1 per 4h bar for 35 days, 3 per bar over the last 24h (sum 18). Baseline window
    # (t-31d, t-1d] holds 180 bars whose 24h sums are all 6: stdev 0 -> no z. If the current
    # day leaked into the baseline it would not be flat.
    start = datetime(2025, 9, 1, 4, tzinfo=UTC)
    times = four_hourly(35 * 6, start)
    values = [1.0] * len(times)
    values[-6:] = [3.0] * 6
    s = pd.Series(values, index=pd.DatetimeIndex(times))
    assert crypto.liquidation_z(s) is None  # flat baseline: no z
    values[-40] = 7.0  # ~6.7 days back: the six 24h sums that hold it are 12 instead of 6
    s = pd.Series(values, index=pd.DatetimeIndex(times))
    base = [12.0] * 6 + [6.0] * (30 * 6 - 6)
    want = (18.0 - statistics.mean(base)) / statistics.stdev(base)
    assert crypto.liquidation_z(s) == pytest.approx(want, rel=1e-12)
    assert hand_liq_z(times, values) == pytest.approx(want, rel=1e-12)


def test_liquidation_z_none_without_31_days_of_history():
    start = datetime(2025, 9, 1, 4, tzinfo=UTC)
    times = four_hourly(30 * 6, start)  # 30 days
    values = [1e6 * (1 + (i * 5) % 7) for i in range(len(times))]
    assert crypto.liquidation_z(pd.Series(values, index=pd.DatetimeIndex(times))) is None
    assert crypto.liquidation_z(pd.Series([], dtype="float64",
                                          index=pd.DatetimeIndex([], tz="UTC"))) is None


# ---------------------------------------------------------------- flywheel stage
def steps(*lit: bool | None) -> list[crypto.Step]:
    return [crypto.Step(f"step {i}", v, "") for i, v in enumerate(lit, start=1)]


@pytest.mark.parametrize(("lit", "stage"), [
    ((False, False, False, False, False), 0),
    ((None, None, None, None, None), 0),
    ((True, False, False, False, False), 1),
    ((True, True, None, False, False), 2),
    ((True, False, True, None, False), 3),  # a cascade may skip a step
    ((False, True, False, True, False), 4),
    ((None, None, None, None, True), 5),
    ((True, True, True, True, True), 5),
])
def test_flywheel_stage_is_the_highest_lit_step(lit, stage):
    assert crypto.flywheel_stage(steps(*lit)) == stage
