"""Decision outcomes (docs/SIGNALS.md, "Decision outcomes"): hand-worked cases, the bundled data
against a plain loop over the raw CSV rows, pending outcomes and the absence of look-ahead,
series fallback and missing data."""

from __future__ import annotations

import csv
import gzip
import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from deskapp.resources import replay_dir
from deskapp.signals.outcomes import (
    ASSETS,
    HORIZONS,
    SERIES,
    Outcome,
    decision_outcomes,
)

KEYS = [(a, h) for a in ASSETS for h in HORIZONS]
T0 = pd.Timestamp("2026-03-02T00:00Z")
H = pd.Timedelta(hours=1)
D = pd.Timedelta(days=1)


def frame(times: list[pd.Timestamp], closes: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"close": closes}, index=pd.DatetimeIndex(times, name="time"))


META = {k: {"freq": "1h" if k.endswith(".1h") else "1d"}
        for keys in SERIES.values() for k in keys}


# --- the definitions -------------------------------------------------------------------------

def test_constants_are_the_documented_ones():
    assert ASSETS == ("BTC", "SPX")
    assert list(HORIZONS) == ["1d", "1w"]
    assert HORIZONS["1d"] == pd.Timedelta(hours=24)
    assert HORIZONS["1w"] == pd.Timedelta(hours=7 * 24)
    assert SERIES["BTC"] == ("crypto.btcusdt.1h", "crypto.btc_yahoo.1h", "crypto.btc",
                              "crypto.btc.hist")
    assert SERIES["SPX"] == ("idx.spx.1h", "fut.es.1h", "idx.spx", "fut.es")


def test_naive_t0_is_refused():
    with pytest.raises(ValueError):
        decision_outcomes({}, {}, pd.Timestamp("2026-03-02T00:00"))


# --- 1. hand-worked ---------------------------------------------------------------------------

def test_hand_worked_daily_closes():
    # closes 100, 105, 98, 110, 99, 120 at t0 + 0, 1, 2, 3, 5, 7 days.
    # 1d: end = the close at t0 + 1d = 105: return 105/100 - 1 = +5%; the path (105) never
    #     falls below its running peak: drawdown 0; 1 bar.
    # 1w: end = the close at t0 + 7d = 120: return +20%. Path 105 98 110 99 120, running peak
    #     105 105 110 110 120: 98/105 - 1 = -6.67%, 99/110 - 1 = -10%: drawdown -10%; 5 bars.
    times = [T0 + k * D for k in (0, 1, 2, 3, 5, 7)]
    frames = {"crypto.btc": frame(times, [100, 105, 98, 110, 99, 120])}
    out = decision_outcomes(frames, META, T0)
    d, w = out[("BTC", "1d")], out[("BTC", "1w")]
    assert d == Outcome("BTC", "1d", "crypto.btc", "2026-03-02T00:00:00Z", 100.0,
                        "2026-03-03T00:00:00Z", 105.0, pytest.approx(0.05), 0.0, 1)
    assert w == Outcome("BTC", "1w", "crypto.btc", "2026-03-02T00:00:00Z", 100.0,
                        "2026-03-09T00:00:00Z", 120.0, pytest.approx(0.20),
                        pytest.approx(-0.10), 5)
    assert out[("SPX", "1d")] is None and out[("SPX", "1w")] is None

    # One hour later: P0 is still 100 (the last close at or before t0); the 1d end is the FIRST
    # close at or after t0 + 24h = day 2 (98): return -2%; path 105 98: drawdown 98/105 - 1.
    # 1w: t0 + 7d is one hour after the last bar: pending.
    later = decision_outcomes(frames, META, T0 + H)
    d = later[("BTC", "1d")]
    assert (d.start_price, d.end_price, d.end_time, d.bars) == (100.0, 98.0,
                                                                "2026-03-04T00:00:00Z", 2)
    assert d.ret == pytest.approx(-0.02)
    assert d.max_drawdown == pytest.approx(98 / 105 - 1)
    assert later[("BTC", "1w")] is None


def test_start_price_is_the_first_peak():
    # Hourly-keyed S&P 500 closes 100, 95, 97, 101 at t0 + 0, 8, 16, 24 h. 1d: return +1%;
    # the running peak is still P0 = 100 at 95: drawdown 95/100 - 1 = -5% (not 95/97 - 1 or 0).
    # No data reaches t0 + 7d and none is past it: 1w pending.
    times = [T0 + k * H for k in (0, 8, 16, 24)]
    out = decision_outcomes({"idx.spx.1h": frame(times, [100, 95, 97, 101])}, META, T0)
    d = out[("SPX", "1d")]
    assert d.series == "idx.spx.1h"
    assert (d.ret, d.max_drawdown, d.bars) == (pytest.approx(0.01), pytest.approx(-0.05), 3)
    assert out[("SPX", "1w")] is None


def test_to_dict_holds_the_journal_columns():
    times = [T0 + k * D for k in (0, 1)]
    o = decision_outcomes({"crypto.btc": frame(times, [100.0, 90.0])}, META, T0)[("BTC", "1d")]
    assert o.to_dict() == {
        "asset": "BTC", "horizon": "1d", "series": "crypto.btc",
        "start_time": "2026-03-02T00:00:00Z", "start_price": 100.0,
        "end_time": "2026-03-03T00:00:00Z", "end_price": 90.0,
        "ret": pytest.approx(-0.1), "max_drawdown": pytest.approx(-0.1), "bars": 1}


# --- 2. the bundled data against a plain loop over the raw CSV ------------------------------

def raw_closes(key: str) -> list[tuple[datetime, float]]:
    """(bar close time, close) of the bundled series file, read with the csv module."""
    with gzip.open(replay_dir() / "series" / f"{key}.csv.gz", "rt", newline="") as fh:
        return [(datetime.fromisoformat(r["time"].replace("Z", "+00:00")),
                 float(r["close"]) if r["close"] else math.nan) for r in csv.DictReader(fh)]


def loop_outcome(rows: list[tuple[datetime, float]], t0: datetime, hours: int) -> tuple:
    """(start time, P0, end time, P_end, return, max drawdown, bars), one row at a time."""
    start = None
    for t, c in rows:
        if t <= t0 and not math.isnan(c):
            start = (t, c)
    end = None
    for t, c in rows:
        if t >= t0 + timedelta(hours=hours) and not math.isnan(c):
            end = (t, c)
            break
    peak, worst, bars = start[1], 0.0, 0
    for t, c in rows:
        if t0 < t <= end[0] and not math.isnan(c):
            bars += 1
            peak = max(peak, c)
            worst = min(worst, c / peak - 1)
    return start[0], start[1], end[0], end[1], end[1] / start[1] - 1, worst, bars


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def check_against_loop(o: Outcome, key: str, t0: str) -> None:
    hours = {"1d": 24, "1w": 168}[o.horizon]
    st, p0, et, pe, ret, dd, bars = loop_outcome(raw_closes(key), datetime.fromisoformat(t0),
                                                 hours)
    assert o.series == key
    assert (o.start_time, o.start_price, o.end_time, o.end_price) == (iso(st), p0, iso(et), pe)
    assert o.ret == pytest.approx(ret, rel=1e-12)
    assert o.max_drawdown == pytest.approx(dd, rel=1e-12, abs=1e-15)
    assert o.bars == bars


# Checked by hand on the printed rows:
# t0 = 2026-02-05 21:00Z (Thursday, after the S&P close)
#   BTC 1d (crypto.btcusdt.1h): 63775.67 -> 70000.13 (02-06 21:00), +9.7599%; drawdown from the
#       65714.96 peak (02-06 02:00) to 64168.33 (04:00) = -2.3535%; 24 bars.
#   BTC 1w: -> 65428.56 (02-12 21:00), +2.5917%; 71514.77 (02-08 14:00) -> 65413.99
#       (02-12 18:00) = -8.5308%; 168 bars.
#   SPX 1d (idx.spx.1h): 6799.99 -> 6930.27 (02-06 21:00), +1.9159%; the seven closes of 02-06
#       rise 6868.99 .. 6930.27: drawdown 0; 7 bars.
#   SPX 1w: -> 6833.54 (02-12 21:00), +0.4934%; 6978.78 (02-10 15:00) -> 6833.54 = -2.0812%;
#       5 sessions x 7 bars = 35.
# t0 = 2026-01-30 21:00Z (Friday, at the S&P close)
#   BTC 1d: 83906.34 -> 77999.03 (01-31 21:00), -7.0404%; 84273.70 (01-30 22:00) -> 77750.01
#       (01-31 20:00) = -7.7411%.  BTC 1w: -> 70000.13 (02-06 21:00), -16.5735%; 84273.70 ->
#       62909.86 (02-06 00:00) = -25.3505%.
#   SPX 1d: the first close at or after Saturday 21:00 is Monday 02-02 15:00 (the session's
#       first hourly bar): 6937.50 -> 6949.30, +0.1701%, drawdown 0, 1 bar.
#   SPX 1w: -> 6930.27 (02-06 21:00), -0.1042%; 6987.56 (02-02 19:00) -> 6793.34
#       (02-05 16:00) = -2.7795%; 35 bars.
REAL = {
    ("2026-02-05T21:00+00:00", "BTC", "1d"): (0.097599, -0.023535, "2026-02-06T21:00:00Z"),
    ("2026-02-05T21:00+00:00", "BTC", "1w"): (0.025917, -0.085308, "2026-02-12T21:00:00Z"),
    ("2026-02-05T21:00+00:00", "SPX", "1d"): (0.019159, 0.0, "2026-02-06T21:00:00Z"),
    ("2026-02-05T21:00+00:00", "SPX", "1w"): (0.004934, -0.020812, "2026-02-12T21:00:00Z"),
    ("2026-01-30T21:00+00:00", "BTC", "1d"): (-0.070404, -0.077411, "2026-01-31T21:00:00Z"),
    ("2026-01-30T21:00+00:00", "BTC", "1w"): (-0.165735, -0.253505, "2026-02-06T21:00:00Z"),
    ("2026-01-30T21:00+00:00", "SPX", "1d"): (0.001701, 0.0, "2026-02-02T15:00:00Z"),
    ("2026-01-30T21:00+00:00", "SPX", "1w"): (-0.001042, -0.027795, "2026-02-06T21:00:00Z"),
}


@pytest.mark.parametrize("t0", ["2026-02-05T21:00+00:00", "2026-01-30T21:00+00:00"])
def test_real_data_matches_a_plain_loop(datasets, t0):
    ds = datasets("2026-02-risk-off")
    out = decision_outcomes(ds.frames, ds.meta, pd.Timestamp(t0))
    assert set(out) == set(KEYS)
    for (asset, horizon), o in out.items():
        assert (o.asset, o.horizon) == (asset, horizon)
        key = {"BTC": "crypto.btcusdt.1h", "SPX": "idx.spx.1h"}[asset]
        check_against_loop(o, key, t0)
        ret, dd, end = REAL[(t0, asset, horizon)]
        assert (round(o.ret, 6), round(o.max_drawdown, 6), o.end_time) == (ret, dd, end)


def test_friday_spx_decision_ends_on_monday(datasets):
    ds = datasets("2026-02-risk-off")
    o = decision_outcomes(ds.frames, ds.meta, pd.Timestamp("2026-01-30T21:00Z"))[("SPX", "1d")]
    end = pd.Timestamp(o.end_time)
    assert end.day_name() == "Monday" and end.date().isoformat() == "2026-02-02"
    spx = ds.frames["idx.spx.1h"]["close"]
    # No bar between the Friday start and the end: it is the first close after the weekend.
    assert spx[(spx.index > pd.Timestamp(o.start_time)) & (spx.index < end)].empty
    assert o.start_time == "2026-01-30T21:00:00Z" and o.bars == 1


# --- 3. pending, and no look-ahead ------------------------------------------------------------

def test_pending_near_the_end_of_the_data(datasets):
    ds = datasets("2026-02-risk-off")  # BTC hourly to 02-17 00:00, S&P 500 to Fri 02-13 21:00
    out = decision_outcomes(ds.frames, ds.meta, pd.Timestamp("2026-02-12T12:00Z"))
    assert out[("BTC", "1d")].end_time == "2026-02-13T12:00:00Z"
    assert out[("SPX", "1d")].end_time == "2026-02-13T15:00:00Z"
    assert out[("BTC", "1w")] is None and out[("SPX", "1w")] is None
    # 02-16 12:00: BTC needs 02-17 12:00, the S&P 500 a close after the data's last: all pending.
    late = decision_outcomes(ds.frames, ds.meta, pd.Timestamp("2026-02-16T12:00Z"))
    assert all(late[k] is None for k in KEYS)


def cut(frames: dict[str, pd.DataFrame], t: pd.Timestamp) -> dict[str, pd.DataFrame]:
    return {k: f.loc[f.index <= t] for k, f in frames.items()}


@pytest.mark.parametrize("t0", ["2026-02-05T21:00Z", "2026-01-30T21:00Z", "2026-02-06T13:30Z"])
def test_cut_frames_give_pending_or_the_full_result(datasets, t0):
    ds = datasets("2026-02-risk-off")
    t0 = pd.Timestamp(t0)
    full = decision_outcomes(ds.frames, ds.meta, t0)
    assert all(full[k] is not None for k in KEYS)
    seen = set()
    for step in range(-2, 8 * 24 + 2):  # every hour from just before t0 to past the week
        t = t0 + step * H
        out = decision_outcomes(cut(ds.frames, t), ds.meta, t0)
        for k in KEYS:
            if out[k] is None:
                # pending exactly until the end bar exists
                assert t < pd.Timestamp(full[k].end_time), (k, t)
            else:
                assert out[k] == full[k], (k, t)
                assert t >= pd.Timestamp(full[k].end_time)
                seen.add(k)
    assert seen == set(KEYS)


def test_nothing_after_the_end_bar_is_read(datasets):
    ds = datasets("2026-02-risk-off")
    t0 = pd.Timestamp("2026-02-05T21:00Z")
    full = decision_outcomes(ds.frames, ds.meta, t0)
    last_end = max(pd.Timestamp(o.end_time) for o in full.values())
    # Every close after the last end bar scrambled (bars kept): the outcomes cannot change.
    poisoned = {}
    for k, f in ds.frames.items():
        g = f.copy()
        g.loc[g.index > last_end, "close"] = np.where(
            np.arange((g.index > last_end).sum()) % 2, 1e9, np.nan)
        poisoned[k] = g
    assert decision_outcomes(poisoned, ds.meta, t0) == full


# --- 4. fallback, missing series, NaN closes --------------------------------------------------

def test_daily_fallback_when_no_hourly_series_is_current(datasets):
    ds = datasets("2026-02-risk-off")
    # BTC hourly has no bars from 2025-09-21 03:00 to 2026-01-15: on 2025-12-01 it is not
    # current, so the daily series is used (start: the UTC-day bar closing 12-01 00:00).
    out = decision_outcomes(ds.frames, ds.meta, pd.Timestamp("2025-12-01T12:00Z"))
    for h in HORIZONS:
        check_against_loop(out[("BTC", h)], "crypto.btc", "2025-12-01T12:00+00:00")
    assert out[("BTC", "1d")].start_time == "2025-12-01T00:00:00Z"
    assert out[("BTC", "1d")].end_time == "2025-12-03T00:00:00Z"
    # The S&P 500 hourly bars start 2025-01-02: before that the daily index is used.
    out = decision_outcomes(ds.frames, ds.meta, pd.Timestamp("2024-12-10T21:00Z"))
    for h in HORIZONS:
        check_against_loop(out[("SPX", h)], "idx.spx", "2024-12-10T21:00+00:00")


def test_hourly_data_ending_before_the_end_falls_back_to_daily(datasets):
    ds = datasets("2026-02-risk-off")
    # On 2025-09-20 12:00 BTC hourly is current but ends on 09-21 03:00, before t0 + 1d, and the
    # daily bars run past t0 + 1d + 4 days: the daily series gives both outcomes.
    out = decision_outcomes(ds.frames, ds.meta, pd.Timestamp("2025-09-20T12:00Z"))
    for h in HORIZONS:
        check_against_loop(out[("BTC", h)], "crypto.btc", "2025-09-20T12:00+00:00")


def test_preferred_series_still_expected_means_pending():
    # Hourly closes up to t0 + 20h only; the daily series already has its end bar (t0 + 1d).
    # The hourly end bar may still come: pending, not the daily numbers. Once the data is past
    # t0 + 1d + 4 days (the 1h bound) without an hourly close there, the daily series is used.
    hourly = frame([T0 + k * H for k in range(21)], [100.0 + k for k in range(21)])
    days = [T0 + k * D for k in range(7)]
    daily = frame(days, [100.0, 90.0, 95.0, 96.0, 97.0, 98.0, 99.0])
    early = {"crypto.btcusdt.1h": hourly, "crypto.btc": daily.loc[daily.index <= T0 + 5 * D]}
    assert decision_outcomes(early, META, T0)[("BTC", "1d")] is None
    both = {"crypto.btcusdt.1h": hourly, "crypto.btc": daily}
    d = decision_outcomes(both, META, T0)[("BTC", "1d")]
    assert (d.series, d.end_price, d.ret) == ("crypto.btc", 90.0, pytest.approx(-0.1))
    # With the hourly end bar present, the hourly series wins again.
    filled = frame([T0 + k * H for k in range(25)], [100.0 + k for k in range(25)])
    d = decision_outcomes({"crypto.btcusdt.1h": filled, "crypto.btc": daily}, META, T0)
    assert (d[("BTC", "1d")].series, d[("BTC", "1d")].end_price) == ("crypto.btcusdt.1h", 124.0)


def test_stale_start_gives_no_outcome():
    # The only BTC close before t0 is 7 days old (daily bound 6 days): no outcome, even though
    # closes after t0 exist.
    f = frame([T0 - 7 * D, T0 + D, T0 + 8 * D], [100.0, 110.0, 120.0])
    out = decision_outcomes({"crypto.btc": f}, META, T0)
    assert out[("BTC", "1d")] is None and out[("BTC", "1w")] is None


def test_missing_series_give_none_without_error(datasets):
    ds = datasets("2026-02-risk-off")
    t0 = pd.Timestamp("2026-02-05T21:00Z")
    no_btc = {k: f for k, f in ds.frames.items() if k not in SERIES["BTC"]}
    out = decision_outcomes(no_btc, ds.meta, t0)
    assert out[("BTC", "1d")] is None and out[("BTC", "1w")] is None
    assert out[("SPX", "1d")] == decision_outcomes(ds.frames, ds.meta, t0)[("SPX", "1d")]
    odd = {"crypto.btcusdt.1h": ds.frames["crypto.btcusdt.1h"].iloc[0:0],
           "crypto.btc": ds.frames["crypto.btc"].drop(columns="close")}
    assert all(v is None for v in decision_outcomes(odd, {}, t0).values())
    assert all(v is None for v in decision_outcomes({}, {}, t0).values())


def test_nan_closes_are_skipped_not_filled():
    # Daily closes at t0 - 1d .. t0 + 3d: 100, NaN (t0), 104, NaN (t0 + 2d), 96 (t0 + 3d).
    # P0 = 100 (the last VALID close at or before t0, at t0 - 1d). 1d: the close at t0 + 1d is
    # 104: +4%, no drawdown, 1 bar (the NaN at t0 is not in (t0, end]).
    times = [T0 + k * D for k in (-1, 0, 1, 2, 3)]
    out = decision_outcomes({"crypto.btc": frame(times, [100, np.nan, 104, np.nan, 96])},
                            META, T0)
    d = out[("BTC", "1d")]
    assert (d.start_time, d.start_price, d.end_price, d.bars) == ("2026-03-01T00:00:00Z",
                                                                  100.0, 104.0, 1)
    assert (d.ret, d.max_drawdown) == (pytest.approx(0.04), 0.0)
    # NaN at t0 + 1d too: the end is the first VALID close at or after t0 + 1d, 96 at t0 + 3d:
    # -4%; the path holds that one valid close: drawdown 96/100 - 1 = -4%, 1 bar.
    out = decision_outcomes({"crypto.btc": frame(times, [100, np.nan, np.nan, np.nan, 96])},
                            META, T0)
    d = out[("BTC", "1d")]
    assert (d.end_time, d.end_price, d.bars) == ("2026-03-05T00:00:00Z", 96.0, 1)
    assert (d.ret, d.max_drawdown) == (pytest.approx(-0.04), pytest.approx(-0.04))
    # Closes 100, 110, NaN, 99, 100, 101, 102, 103 at t0 + 0..7d. 1w path: 110 NaN 99 100 101
    # 102 103: 6 valid bars, end 103; peak 110 then 99: drawdown 99/110 - 1 = -10%.
    times = [T0 + k * D for k in (0, 1, 2, 3, 4, 5, 6, 7)]
    out = decision_outcomes(
        {"crypto.btc": frame(times, [100, 110, np.nan, 99, 100, 101, 102, 103])}, META, T0)
    w = out[("BTC", "1w")]
    assert (w.bars, w.end_price) == (6, 103.0)
    assert w.max_drawdown == pytest.approx(-0.10)
