"""compute_board on the real bundled data: no look-ahead, numbers recomputed independently from
the bundled CSV files (stdlib csv/gzip/statistics), the EPISODES.md facts, missing and stale data.
"""

from __future__ import annotations

import math
import re
import statistics
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from support import board_rows
from support.board_rows import log_returns, session_day

from deskapp.config import load_config
from deskapp.signals.board import NO_DATA, BoardInputs, BoardView, compute_board

DATASET = "2026-02-risk-off"
T = datetime(2026, 2, 10, 21, 0, tzinfo=UTC)
T_PD = pd.Timestamp("2026-02-10T21:00Z")
WARMUP = datetime(2024, 12, 1, tzinfo=UTC)  # the dataset's warmup_start
BASKET = load_config().ai_basket


@pytest.fixture(scope="module")
def ds(datasets):
    return datasets(DATASET)


def board(ds, asof, frames=None, **kw) -> BoardView:
    return compute_board(BoardInputs(frames=ds.frames if frames is None else frames,
                                     meta=ds.meta, asof=pd.Timestamp(asof), dataset=ds.info.name,
                                     ai_basket=BASKET, **kw))


# ---------------------------------------------------------------- independent readers
def known(key: str, column: str, asof: datetime) -> list[tuple[datetime, float]]:
    """Non-blank values of `column` stamped in [warm-up start, asof], in time order."""
    return board_rows.known(key, column, asof, WARMUP)


def btc_daily(asof: datetime) -> list[tuple[datetime, float]]:
    return board_rows.btc_daily(asof, WARMUP)


# ---------------------------------------------------------------- helpers
def assert_same_view(v1: BoardView, v2: BoardView) -> None:
    assert v1.panes.keys() == v2.panes.keys()
    r1, r2 = v1.readouts(), v2.readouts()
    assert r1.keys() == r2.keys()
    for k in r1:
        a, b = r1[k], r2[k]
        assert (a is None and b is None) or a == b or (math.isnan(a) and math.isnan(b)), k
    for name in v1.panes:
        p1, p2 = v1.panes[name], v2.panes[name]
        assert p1.missing == p2.missing, name
        assert p1.notes == p2.notes, name
        assert p1.curves.keys() == p2.curves.keys(), name
        for cid, c1 in p1.curves.items():
            c2 = p2.curves[cid]
            assert np.array_equal(c1.x, c2.x), (name, cid)
            assert np.array_equal(c1.y, c2.y, equal_nan=True), (name, cid)
            assert (c1.last_time, c1.stale, c1.source) == (c2.last_time, c2.stale, c2.source)


ASOFS = ["2026-02-10T21:00Z", "2026-02-05T14:30Z", "2026-01-31T12:00Z", "2026-01-12T21:30Z"]


# ---------------------------------------------------------------- (a) no look-ahead
@pytest.mark.parametrize("asof", ASOFS)
def test_no_look_ahead_full_frames_equal_frames_cut_at_asof(ds, asof):
    t = pd.Timestamp(asof)
    cut = {k: f.loc[f.index <= t] for k, f in ds.frames.items()}
    full_view = board(ds, t)
    assert_same_view(full_view, board(ds, t, frames=cut))
    # the board is not empty: this is a real comparison
    assert sum(v is not None for v in full_view.readouts().values()) >= 10


@pytest.mark.parametrize("asof", ASOFS)
def test_rows_after_asof_change_nothing(ds, asof):
    t = pd.Timestamp(asof)
    cut = {k: f.loc[f.index <= t] for k, f in ds.frames.items()}
    future = {}
    for k, f in cut.items():
        # absurd values one second, one hour and two days after asof
        extra = pd.DataFrame(1e9, columns=f.columns,
                             index=pd.DatetimeIndex([t + pd.Timedelta(s) for s in
                                                     ("1s", "1h", "2D")]).as_unit(f.index.unit))
        future[k] = extra if f.empty else pd.concat([f, extra])
    # and a series that only starts after asof
    future["fx.dxy"] = future["fx.dxy"].loc[future["fx.dxy"].index > t]
    cut["fx.dxy"] = cut["fx.dxy"].iloc[:0]
    assert_same_view(board(ds, t, frames=cut), board(ds, t, frames=future))


# ---------------------------------------------------------------- (b) independent numbers
def test_daily_correlation_matches_independent_computation(ds):
    spx = {t.date(): v for t, v in known("idx.spx", "close", T)}  # 21:00 UTC = session date
    # a BTC UTC-day bar is stamped at the next 00:00 UTC: its day is the day before; 10 Feb's
    # bar is not closed at 21:00, so its day so far (the 21:00 hourly close) stands in for it
    btc = {session_day(t): v for t, v in btc_daily(T)}
    dates = sorted(set(spx) & set(btc))
    assert dates[-1].isoformat() == "2026-02-10"
    assert btc[dates[-1]] == dict(known("crypto.btcusdt.1h", "close", T))[T]
    view = board(ds, T).readouts()
    for w in (30, 60, 90):
        window = dates[-(w + 1):]
        assert max((b - a).days for a, b in zip(window, window[1:], strict=False)) <= 10
        ra = log_returns([spx[d] for d in window])
        rb = log_returns([btc[d] for d in window])
        assert len(ra) == w
        assert view[f"correlation.daily_{w}"] == pytest.approx(
            statistics.correlation(ra, rb), abs=1e-9), w


def test_hourly_correlation_matches_independent_computation(ds):
    spx = dict(known("idx.spx.1h", "close", T))
    btc = dict(known("crypto.btcusdt.1h", "close", T))
    times = sorted(set(spx) & set(btc))  # both grids close on the full hour
    window = times[-121:]
    assert max(b - a for a, b in zip(window, window[1:], strict=False)) <= timedelta(days=4)
    want = statistics.correlation(log_returns([spx[t] for t in window]),
                                  log_returns([btc[t] for t in window]))
    assert board(ds, T).readouts()["correlation.h1_120"] == pytest.approx(want, abs=1e-9)


def test_4h_correlation_warming_up_counts_returns_independently(ds):
    spx = dict(known("idx.spx.1h", "close", T))
    btc = dict(known("crypto.btcusdt.1h", "close", T))
    times = sorted(set(spx) & set(btc))
    # 4h bucket end: the next multiple of 4 hours (a close exactly on it stays in that bucket)
    buckets = set()
    for t in times:
        end = t.replace(minute=0, second=0) + timedelta(hours=(-t.hour) % 4)
        buckets.add(end)
    # a bucket that has not ended by T is a bar still forming: not counted
    ends = sorted(e for e in buckets if e <= T)
    # BTC hourly bars stop in Sep 2025 and resume on 2026-01-15: the return across that hole
    # does not count, only those after it
    hole = max(i for i in range(1, len(ends)) if ends[i] - ends[i - 1] > timedelta(days=4))
    assert ends[hole].date().isoformat() == "2026-01-15"
    fresh = len(ends) - 1 - hole
    view = board(ds, T)
    msg = view.panes["correlation"].missing["h4_90"]
    m = re.fullmatch(r"warming up: (\d+) of 90 aligned 4h returns", msg)
    assert m, msg
    assert int(m.group(1)) == fresh
    assert view.readouts()["correlation.h4_90"] is None


def test_macro_and_crypto_readouts_equal_last_values_at_or_before_asof(ds):
    r = board(ds, T).readouts()
    ten = [v for _, v in known("rates.us10y", "value", T)]
    assert r["macro.us10y_pct"] == ten[-1]
    assert r["macro.us10y_5d_bp"] == pytest.approx((ten[-1] - ten[-6]) * 100.0, abs=1e-9)
    assert r["macro.bill3m_pct"] == known("rates.us3m", "value", T)[-1][1]
    dxy = known("fx.dxy", "close", T)
    assert dxy[-1][0] < T  # DXY settles at 17:00 New York: 10 Feb's bar is not in yet
    assert r["macro.dxy"] == dxy[-1][1]

    funding = known("deriv.btc_funding_daily", "rate", T)[-1][1]
    assert r["crypto.funding_annualised_pct"] == pytest.approx(funding * 3 * 365 * 100, rel=1e-12)
    assert r["crypto.btc"] == known("crypto.btcusdt.1h", "close", T)[-1][1]


# ---------------------------------------------------------------- (c) EPISODES.md facts
def test_episode_hourly_correlation_near_point_six(ds):
    assert 0.5 <= board(ds, T).readouts()["correlation.h1_120"] <= 0.7


def test_episode_short_hourly_window_spikes(ds):
    # EPISODES.md: a 35-bar window reached 0.81 on 02-09 and 0.72 on 02-10 (the 1h slot's id
    # stays h1_120 whatever its window: docs/SIGNALS.md)
    r9 = board(ds, "2026-02-09T21:00Z", h1_window=35).readouts()["correlation.h1_120"]
    r10 = board(ds, "2026-02-10T21:00Z", h1_window=35).readouts()["correlation.h1_120"]
    assert round(r9, 2) == 0.81
    assert round(r10, 2) == 0.72


def test_episode_daily_30d_correlation_elevated_not_stress(ds):
    sessions = ["2026-01-28", "2026-01-29", "2026-01-30", "2026-02-02", "2026-02-03",
                "2026-02-04", "2026-02-05", "2026-02-06"]
    values = []
    for day in sessions:
        # the session's pair is complete when BTC's UTC day closes: the next 00:00 UTC
        asof = pd.Timestamp(day, tz="UTC") + pd.Timedelta(days=1)
        values.append(board(ds, asof).readouts()["correlation.daily_30"])
    rounded = [round(v, 2) for v in values]
    assert all(0.42 <= v <= 0.67 for v in rounded), rounded
    assert min(rounded) == 0.42 and max(rounded) == 0.67


# ---------------------------------------------------------------- (d) missing and stale
def test_missing_series_give_none_with_a_reason(ds):
    frames = {k: f for k, f in ds.frames.items()
              if k not in ("fx.dxy", "crypto.btc", "idx.spx.1h")}
    view = board(ds, T, frames=frames)
    r = view.readouts()
    assert r["macro.dxy"] is None
    assert view.panes["macro"].missing["dxy"] == NO_DATA
    for w in (30, 60, 90):
        assert r[f"correlation.daily_{w}"] is None
        assert view.panes["correlation"].missing[f"daily_{w}"] == NO_DATA
    assert r["correlation.h1_120"] is None and r["correlation.h4_90"] is None
    assert view.panes["correlation"].missing["h1_120"] == \
        "no intraday S&P and BTC bars in this replay"
    # the hourly BTC close still feeds the BTC readout; the rest of the board is unaffected
    assert r["crypto.btc"] == known("crypto.btcusdt.1h", "close", T)[-1][1]
    assert r["macro.us10y_pct"] is not None


def test_stale_series_is_drawn_but_its_value_is_not_current(ds):
    frames = dict(ds.frames)
    frames["rates.us10y"] = frames["rates.us10y"].loc[:"2026-01-30T23:59Z"]
    view = board(ds, T, frames=frames)
    macro = view.panes["macro"]
    assert macro.readouts["us10y_pct"] is None
    assert macro.readouts["us10y_5d_bp"] is None
    assert macro.missing["us10y"] == "no data since 2026-01-30"
    curve = macro.curves["us10y"]  # still drawn where its data lies
    assert curve.stale and curve.last_time == pd.Timestamp("2026-01-30T21:00Z")
    # in the real data the Binance liquidations end in May 2025
    crypto = view.panes["crypto"]
    assert crypto.readouts["liq_long_usd_m"] is None
    assert crypto.missing["liq_long"] == "no data since 2025-05-12"


def test_hourly_pairs_inside_one_unfinished_4h_bucket_say_so(ds):
    """A 60-minute soak's board failed (IndexError) when the hourly S&P and BTC bars at hand
    all fell in a 4h bucket that had not ended: the 4h window then has no bar at all."""
    asof = pd.Timestamp("2026-02-10T19:00Z")  # the 16:00-20:00 UTC bucket is still open
    frames = dict(ds.frames)
    for key in ("idx.spx.1h", "crypto.btcusdt.1h"):
        f = frames[key]
        frames[key] = f[(f.index > asof - pd.Timedelta(hours=3)) & (f.index <= asof)]
        assert len(frames[key]) >= 2, key  # 17:00, 18:00, 19:00: pairs, but no 4h bar
    pane = board(ds, asof, frames=frames).panes["correlation"]
    assert pane.missing["h4_90"] == "no complete 4h bar yet"
    assert "h4_90" not in pane.curves and pane.readouts["h4_90"] is None
    assert pane.missing["h1_120"].startswith("warming up")  # the hourly window has its bars
