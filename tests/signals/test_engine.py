"""signals/engine.py: one pass gives the snapshot and the panes from one cut and one set of
settings; the config's correlation windows reach both; the cache changes nothing."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from deskapp.config import Config, CorrelationConfig
from deskapp.signals import correlation as corr
from deskapp.signals.board import BoardInputs, compute_board
from deskapp.signals.engine import SignalCache, SignalSettings, compute, snapshot_from_dict
from deskapp.signals.snapshot import compute_snapshot

# bundled replays, at several moments each (US close, mid-session, a weekend, an old day)
TIMES = [
    ("2026-02-risk-off", "2026-01-15T00:00Z"),
    ("2026-02-risk-off", "2026-02-05T21:00Z"),
    ("2026-02-risk-off", "2026-02-10T14:30Z"),
    ("2026-02-risk-off", "2026-02-14T12:00Z"),
    ("2024-08-carry-unwind", "2024-08-05T20:00Z"),
    ("2025-10-liquidations", "2025-10-10T22:00Z"),
    ("history", "2020-03-16T21:30Z"),
    ("history", "2022-05-12T21:00Z"),
]
CUSTOM = SignalSettings(basket=("NVDA", "MSFT", "AMD"), vol_targets=(0.10, 0.40),
                        rut_level=2500.0, daily_windows=(20, 45, 90), h1_window=60,
                        h4_window=50)


def separate(ds, at: pd.Timestamp, s: SignalSettings, name: str):
    """The board and the snapshot as the desk computed them before the engine: two calls."""
    view = compute_board(BoardInputs(
        frames=ds.frames, meta=ds.meta, asof=at, dataset=name, ai_basket=s.basket,
        daily_windows=s.daily_windows, h1_window=s.h1_window, h4_window=s.h4_window,
        rut_level=s.rut_level, vol_targets=s.vol_targets))
    snap = compute_snapshot(ds.frames, at, ds.meta, basket=s.basket, vol_targets=s.vol_targets,
                            rut_threshold=s.rut_level, windows=s.windows)
    return view, snap


def assert_same_panes(a, b) -> None:
    assert a.panes.keys() == b.panes.keys()
    for name in a.panes:
        pa, pb = a.panes[name], b.panes[name]
        assert pa.readouts == pb.readouts, name
        assert pa.missing == pb.missing, name
        assert pa.notes == pb.notes and pa.checks == pb.checks, name
        assert pa.curves.keys() == pb.curves.keys(), name
        for cid, ca in pa.curves.items():
            cb = pb.curves[cid]
            assert np.array_equal(ca.x, cb.x) and np.array_equal(ca.y, cb.y, equal_nan=True)
            assert (ca.label, ca.source, ca.last_time, ca.stale) == \
                (cb.label, cb.source, cb.last_time, cb.stale), (name, cid)
        assert pa.bars.keys() == pb.bars.keys(), name


@pytest.mark.parametrize("settings", [SignalSettings(), CUSTOM], ids=["defaults", "custom"])
@pytest.mark.parametrize(("name", "at"), TIMES)
def test_one_pass_equals_the_two_separate_functions(datasets, name, at, settings):
    ds, at = datasets(name), pd.Timestamp(at)
    board = compute(ds.frames, ds.meta, at, settings, dataset=name)
    view, snap = separate(ds, at, settings, name)
    assert board.snapshot == snap
    assert board.snapshot.to_dict() == snap.to_dict()
    assert_same_panes(board, view)
    assert (board.asof, board.dataset, board.source) == (at, name, "replay")
    # the snapshot alone (timelines, the journal) is the same snapshot
    alone = compute(ds.frames, ds.meta, at, settings, dataset=name, panes=False)
    assert alone.snapshot == snap and alone.panes == {}


def pearson_last(x: pd.Series, y: pd.Series, n: int) -> float:
    """Plain Pearson correlation of the last n log returns (an independent computation)."""
    rx, ry = np.diff(np.log(x.to_numpy()))[-n:], np.diff(np.log(y.to_numpy()))[-n:]
    dx, dy = rx - rx.mean(), ry - ry.mean()
    return float((dx * dy).sum() / math.sqrt((dx * dx).sum() * (dy * dy).sum()))


def test_config_correlation_windows_reach_snapshot_panes_and_regime(datasets):
    """[correlation] h1_window = 60 (and daily 20/45/90): the snapshot's h1_120 slot, the pane's
    readout and curve, and the regime all use the 60-bar correlation."""
    ds, at = datasets("2026-02-risk-off"), pd.Timestamp("2026-02-12T20:00Z")
    cfg = Config(ai_basket=("NVDA",), correlation=CorrelationConfig((20, 45, 90), 60, 50))
    settings = SignalSettings.from_config(cfg)
    assert (settings.daily_windows, settings.h1_window, settings.h4_window) == \
        ((20, 45, 90), 60, 50)
    board = compute(ds.frames, ds.meta, at, settings)
    c = board.snapshot.correlation
    assert (c.daily_windows, c.h1_window, c.h4_window) == ((20, 45, 90), 60, 50)
    eq = ds.frames["idx.spx.1h"]["close"].loc[:at]
    btc = ds.frames["crypto.btcusdt.1h"]["close"].loc[:at]
    pairs = corr.align_intraday(eq, btc)
    want_60 = pearson_last(pairs.iloc[:, 0], pairs.iloc[:, 1], 60)
    want_120 = pearson_last(pairs.iloc[:, 0], pairs.iloc[:, 1], 120)
    assert c.h1_120 == pytest.approx(want_60, abs=1e-9)
    assert abs(want_60 - want_120) > 1e-3  # the window matters here
    pane = board.panes["correlation"]
    assert pane.readouts["h1_120"] == pytest.approx(want_60, abs=1e-9)
    assert pane.curves["h1_120"].label == "1h, 60 bars"
    assert pane.curves["h1_120"].y[-1] == pytest.approx(want_60, abs=1e-9)
    assert not any(k.startswith("h1_") and k != "h1_120" for k in pane.readouts)
    # daily: the first slot holds the 20-day correlation, and the zone follows it
    daily = corr.align_daily(ds.frames["idx.spx"]["close"].loc[:at],
                             ds.frames["crypto.btc"]["close"].loc[:at])
    want_20 = pearson_last(daily.iloc[:, 0], daily.iloc[:, 1], 20)
    assert c.daily_30 == pytest.approx(want_20, abs=1e-9)
    assert pane.readouts["daily_30"] == pytest.approx(want_20, abs=1e-9)
    assert c.zone == corr.zone(c.daily_30)
    # the default settings read the 120-bar correlation in the same slot
    default = compute(ds.frames, ds.meta, at, SignalSettings(basket=("NVDA",)), panes=False)
    assert default.snapshot.correlation.h1_120 == pytest.approx(want_120, abs=1e-9)
    assert default.snapshot.correlation.h1_window == 120


def test_the_cache_changes_nothing_and_follows_the_settings(datasets):
    ds = datasets("2026-02-risk-off")
    # half-hour steps: between two hourly BTC bars nothing daily (nor BTC's day so far) moves
    times = pd.date_range("2026-02-10T15:00Z", periods=8, freq="30min")
    cache = SignalCache()
    for t in times:
        cached = compute(ds.frames, ds.meta, t, CUSTOM, cache=cache, panes=False).snapshot
        assert cached == compute(ds.frames, ds.meta, t, CUSTOM, panes=False).snapshot
    assert cache.hits >= 3  # the daily part was reused at the steps that brought no bar
    # other settings: the daily part is computed afresh, not served from the old settings
    t = times[-1]
    other = compute(ds.frames, ds.meta, t, SignalSettings(), cache=cache, panes=False)
    assert cache.hits == 0
    assert other.snapshot == compute(ds.frames, ds.meta, t, SignalSettings(),
                                     panes=False).snapshot
    assert other.snapshot.volatility != compute(ds.frames, ds.meta, t, CUSTOM,
                                                panes=False).snapshot.volatility


def test_an_old_journal_snapshot_reads_with_the_windows_of_its_time(datasets):
    ds = datasets("2026-02-risk-off")
    snap = compute(ds.frames, ds.meta, "2026-02-05T21:00Z", panes=False).snapshot
    old = snap.to_dict()
    for k in ("daily_windows", "h1_window", "h4_window"):
        del old["correlation"][k]  # written before the windows were recorded
    read = snapshot_from_dict(old)
    assert read == snap
    assert (read.correlation.h1_window, read.correlation.daily_windows) == (120, (30, 60, 90))
    assert read.regime.evidence[0] == snap.regime.evidence[0]  # typed Evidence, not dicts
    assert dataclasses.is_dataclass(read.regime.evidence[0])
