"""The snapshot cache (reusing the daily part between hourly bars) never changes a number."""

from __future__ import annotations

import pandas as pd

from deskapp.signals.snapshot import SnapshotCache, compute_snapshot


def test_cached_snapshots_equal_fresh_ones_hour_by_hour(datasets):
    ds = datasets("2026-02-risk-off")
    cache = SnapshotCache()
    # 40 hours in half-hour steps across a US session close and a UTC day boundary (daily bars
    # close); each new hourly BTC bar moves BTC's provisional daily point (the day so far)
    steps = pd.date_range("2026-02-09T12:00Z", periods=80, freq="30min")
    for t in steps:
        cached = compute_snapshot(ds.frames, t, ds.meta, cache=cache).to_dict()
        fresh = compute_snapshot(ds.frames, t, ds.meta).to_dict()
        assert cached == fresh, t
    # reused between hourly BTC bars (the :30 steps), recomputed when one closed
    assert 0 < cache.hits < len(steps)


def test_cache_notices_a_series_going_stale_without_new_bars(datasets):
    ds = datasets("2026-02-risk-off")
    cache = SnapshotCache()
    # DGS10 has a bar every session; six days after the last one it is no longer current
    frames = dict(ds.frames)
    frames["rates.us10y"] = ds.frames["rates.us10y"].loc[:"2026-02-02"]
    early = compute_snapshot(frames, pd.Timestamp("2026-02-03T00:00Z"), ds.meta, cache=cache)
    late = compute_snapshot(frames, pd.Timestamp("2026-02-10T00:00Z"), ds.meta, cache=cache)
    assert early.macro.us10y_5d_bp is not None
    assert late.macro.us10y_5d_bp is None
    assert "macro.us10y_5d_bp" in late.missing


def test_a_daily_series_the_snapshot_does_not_read_changes_nothing(datasets):
    ds = datasets("2026-02-risk-off")
    cache = SnapshotCache()
    meta = {**ds.meta, "watch.extra": {**ds.meta["idx.spx"], "freq": "1d"}}
    spx = ds.frames["idx.spx"]
    t = pd.Timestamp("2026-02-10T15:30Z")
    for i in range(3):  # a watch list's daily series: one more bar at every poll
        frames = {**ds.frames, "watch.extra": spx.iloc[i: i + 300].copy()}
        cached = compute_snapshot(frames, t, meta, cache=cache).to_dict()
        assert cached == compute_snapshot(frames, t, meta).to_dict()
    assert cache.hits == 2
    assert cache.reads is not None and "idx.spx" in cache.reads
    assert "watch.extra" not in cache.reads


def test_a_series_the_snapshot_looked_for_and_then_finds_is_computed_afresh(datasets):
    ds = datasets("2026-02-risk-off")
    cache = SnapshotCache()
    t = pd.Timestamp("2026-02-10T15:30Z")
    without = {k: f for k, f in ds.frames.items() if k != "liq.rrp"}
    first = compute_snapshot(without, t, ds.meta, cache=cache)
    assert "liq.rrp" in cache.reads and "liq.rrp" in cache.free_reads
    found = compute_snapshot(ds.frames, t, ds.meta, cache=cache)
    assert cache.hits == 0
    assert found.to_dict() == compute_snapshot(ds.frames, t, ds.meta).to_dict()
    assert found.liquidity != first.liquidity
