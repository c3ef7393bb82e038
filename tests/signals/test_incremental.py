"""The incremental board (signals/board_cache.py via engine.compute's SignalCache) is the cold
board: every pane, curve and snapshot field, hour by hour, across daily closes, late and
repeated bars, stale flags flipping and a change of settings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deskapp.signals import correlation as corr
from deskapp.signals.engine import SignalCache, SignalSettings, compute, cut_frames, same_rows

RISK_OFF = "2026-02-risk-off"


def assert_identical(a, b) -> None:
    """Board `a` is board `b`: pane by pane, curves and bars by array equality, the snapshot
    dataclasses field by field and as JSON."""
    assert (a.asof, a.source, a.dataset, a.view_days) == (b.asof, b.source, b.dataset,
                                                          b.view_days)
    assert list(a.panes) == list(b.panes)
    for name, pa in a.panes.items():
        pb = b.panes[name]
        assert list(pa.readouts) == list(pb.readouts), name
        for k, v in pa.readouts.items():
            w = pb.readouts[k]
            assert v == w or (v is not None and w is not None and np.isnan(v) and np.isnan(w)), \
                (name, k, v, w)
        assert list(pa.missing.items()) == list(pb.missing.items()), name
        assert (pa.notes, pa.checks) == (pb.notes, pb.checks), name
        assert list(pa.curves) == list(pb.curves), name
        for cid, ca in pa.curves.items():
            cb = pb.curves[cid]
            assert np.array_equal(ca.x, cb.x) and np.array_equal(ca.y, cb.y, equal_nan=True), \
                (name, cid)
            assert (ca.label, ca.source, ca.last_time, ca.stale, ca.max_gap_s, ca.freq) == \
                (cb.label, cb.source, cb.last_time, cb.stale, cb.max_gap_s, cb.freq), (name, cid)
        assert list(pa.bars) == list(pb.bars), name
        for bid, ba in pa.bars.items():
            bb = pb.bars[bid]
            assert np.array_equal(ba.x, bb.x) and np.array_equal(ba.y, bb.y, equal_nan=True)
            assert (ba.label, ba.source, ba.last_time, ba.highlight) == \
                (bb.label, bb.source, bb.last_time, bb.highlight), (name, bid)
    assert a.snapshot == b.snapshot
    assert a.snapshot.to_json() == b.snapshot.to_json()


def run(frames, meta, steps, cache: SignalCache, settings: SignalSettings | None = None,
        source: str = "replay") -> list:
    """Each step's incremental board, checked against a cold compute at the same asof."""
    boards = []
    for t in steps:
        warm = compute(frames, meta, t, settings, cache=cache, source=source)
        assert_identical(warm, compute(frames, meta, t, settings, source=source))
        boards.append(warm)
    return boards


def test_hourly_boards_across_daily_closes_equal_cold_ones(datasets):
    ds = datasets(RISK_OFF)
    cache = SignalCache()
    # Monday 10:00 UTC to Tuesday 06:00: before and after noon (BTC's provisional day so far
    # starts moving), the US close (daily equity bars), 00:00 UTC (BTC's daily bar); half-hour
    # steps: some see no new bar at all
    steps = pd.date_range("2026-02-09T10:00Z", "2026-02-10T06:00Z", freq="30min")
    run(ds.frames, ds.meta, steps, cache)
    # the daily panes were reused, and recomputed when a daily bar closed
    daily = cache.board.groups["daily"]
    assert cache.board.hits > len(steps)  # the groups were reused on many steps
    assert daily.key[0] != ()  # keyed on the daily series
    assert cache.hits > 0  # the snapshot's daily part too (before noon: no provisional point)


def test_a_stale_flag_flipping_between_two_hours_is_noticed(datasets):
    ds = datasets(RISK_OFF)
    frames = dict(ds.frames)
    # the 10y yield's last bar 2026-02-02 21:00: old (> 6 days) from 2026-02-08 21:00 on, a
    # Sunday evening without any new daily bar around it
    frames["rates.us10y"] = ds.frames["rates.us10y"].loc[:"2026-02-02"]
    cache = SignalCache()
    steps = pd.date_range("2026-02-08T18:00Z", "2026-02-08T23:00Z", freq="1h")
    boards = run(frames, ds.meta, steps, cache)
    stale = [b.panes["macro"].curves["us10y"].stale for b in boards]
    assert stale == [False, False, False, False, True, True]
    assert boards[-1].panes["macro"].readouts["us10y_pct"] is None
    assert cache.board.hits > 0


def test_out_of_order_and_repeated_asofs_and_late_bars(datasets):
    ds = datasets(RISK_OFF)
    cache = SignalCache()
    t = pd.Timestamp
    # back in time across a daily close, the same asof twice, then forward again
    steps = [t("2026-02-10T15:00Z"), t("2026-02-10T01:00Z"), t("2026-02-09T23:00Z"),
             t("2026-02-09T23:00Z"), t("2026-02-10T16:00Z"), t("2026-02-10T16:00Z")]
    run(ds.frames, ds.meta, steps, cache)
    # a daily bar that arrives late (an older stamp inserted), and a bar delivered twice
    # (the data layer keeps one row per stamp: the frames are the same)
    at = t("2026-02-10T17:00Z")
    late = dict(ds.frames)
    for k in ("idx.spx", "crypto.btc", "crypto.sol"):  # each one's 10th last bar, before `at`
        f = ds.frames[k]
        late[k] = f.drop(f.index[-10])
        assert f.index[-10] < at
    run(late, ds.meta, [at], cache)
    before = cache.board.hits
    run(ds.frames, ds.meta, [at], cache)  # the late bars are in: recomputed
    assert cache.board.hits == before
    assert run(ds.frames, ds.meta, [at], cache)  # nothing new: the three groups reused
    assert cache.board.hits == before + 3
    # the same bars in new frame objects (a feed hands on a new frame at each poll): the cuts
    # hold the same rows, so the three groups are reused
    again = {k: f.copy() for k, f in ds.frames.items()}
    run(again, ds.meta, [at, at], cache)
    assert cache.board.hits == before + 9
    # a revised bar: the same stamp and row count, another close
    revised = dict(again)
    spx = again["idx.spx"].copy()
    spx.loc[t("2026-02-09T21:00Z"), "close"] *= 1.01
    revised["idx.spx"] = spx
    old, new = run(again, ds.meta, [at], cache) + run(revised, ds.meta, [at], cache)
    assert new.panes["volatility"].readouts["spx_rv20_pct"] != \
        old.panes["volatility"].readouts["spx_rv20_pct"]
    assert new.snapshot.volatility != old.snapshot.volatility


def test_a_daily_series_no_pane_reads_changes_nothing_one_that_appears_does(datasets):
    ds = datasets(RISK_OFF)
    cache = SignalCache()
    steps = pd.date_range("2026-02-10T15:00Z", periods=4, freq="30min")
    meta = {**ds.meta, "watch.extra": {**ds.meta["idx.spx"], "freq": "1d"}}
    spx = ds.frames["idx.spx"]
    groups = []
    for i, t in enumerate(steps):  # a watch list's daily series, one more bar at every poll
        frames = {**ds.frames, "watch.extra": spx.iloc[i: i + 300].copy()}
        run(frames, meta, [t], cache)
        groups.append(cache.board.groups["daily"])
    daily = groups[0]
    assert all(g is daily for g in groups)  # computed once, then reused at every step
    assert daily.reads is not None and "idx.spx" in daily.reads
    assert "watch.extra" not in daily.reads
    # a series a pane looks for and does not find (the repo rate), then found: recomputed
    t = steps[-1]
    without = {k: f for k, f in ds.frames.items() if k != "liq.rrp"}
    first = run(without, ds.meta, [t], cache)[0]
    assert "liq.rrp" in cache.board.groups["daily"].reads
    assert first.panes["liquidity"].readouts["rrp_bn"] is None
    stored = cache.board.groups["daily"]
    found = run(ds.frames, ds.meta, [t], cache)[0]
    assert cache.board.groups["daily"] is not stored
    assert found.panes["liquidity"].readouts["rrp_bn"] is not None


def test_cuts_of_new_frames_with_the_same_rows_are_the_same_object(datasets):
    ds = datasets(RISK_OFF)
    reuse: dict = {}
    at = pd.Timestamp("2026-02-09T22:00Z")
    first = cut_frames({"spx": ds.frames["idx.spx"]}, at, reuse)["spx"]
    # a new frame from the next poll: the same rows up to asof, a newer bar after it
    polled = ds.frames["idx.spx"].copy()
    assert cut_frames({"spx": polled}, at, reuse)["spx"] is first
    # a revision before asof: another cut
    revised = polled.copy()
    revised.iloc[-30, revised.columns.get_loc("close")] += 1.0
    assert revised.index[-30] <= at
    second = cut_frames({"spx": revised}, at, reuse)["spx"]
    assert second is not first and second["close"].equals(revised["close"].loc[:at])
    assert not same_rows(first, revised, len(first))
    assert same_rows(first, polled, len(first))


def test_a_settings_change_starts_the_cache_afresh(datasets):
    ds = datasets(RISK_OFF)
    cache = SignalCache()
    steps = pd.date_range("2026-02-10T08:00Z", periods=3, freq="1h")
    custom = SignalSettings(basket=("NVDA", "MSFT", "AMD"), vol_targets=(0.10, 0.40),
                            rut_level=2500.0, daily_windows=(20, 45, 90), h1_window=60,
                            h4_window=50)
    default = run(ds.frames, ds.meta, steps, cache)
    other = run(ds.frames, ds.meta, steps, cache, custom)
    # the new settings reach the reused panes (not the previous settings' views)
    assert other[0].panes["smallcaps"].readouts["rut_level"] == 2500.0
    assert default[0].panes["smallcaps"].readouts["rut_level"] is None
    assert other[0].panes["volatility"].readouts["ndx_target_pct"] == 10.0
    # and back; a live source only rewords what is missing
    run(ds.frames, ds.meta, steps, cache)
    run(ds.frames, ds.meta, steps, cache, source="live")


def test_paired_returns_are_the_pandas_log_returns_with_holes_blanked(datasets):
    """correlation.paired_returns (numpy) gives exactly what pandas' log returns and mask give,
    on daily and hourly pairs with holes, so every correlation curve kept its values."""
    ds = datasets(RISK_OFF)
    daily = corr.align_daily(ds.frames["idx.spx"]["close"], ds.frames["crypto.btc"]["close"])
    hourly = corr.align_intraday(ds.frames["idx.spx.1h"]["close"],
                                 ds.frames["crypto.btcusdt.1h"]["close"])
    blanked = 0
    for pairs, gap in ((daily, corr.DAILY_MAX_GAP), (daily, pd.Timedelta(days=1)),
                       (hourly, pd.Timedelta(days=4)), (corr.to_4h(hourly), pd.Timedelta(hours=8))):
        rets = pd.DataFrame({c: np.log(pairs[c]).diff().iloc[1:] for c in ("a", "b")})
        holes = pd.Series(pairs.index.to_series().diff().iloc[1:].to_numpy() > gap,
                          index=rets.index)
        want = rets.mask(holes, axis=0)
        blanked += int(holes.sum())
        pd.testing.assert_frame_equal(corr.paired_returns(pairs, gap), want, check_exact=True)
    assert blanked > 0  # the cases have holes to blank


def test_the_paired_panes_wait_for_the_day_so_far_to_pair_with_a_session(datasets):
    """BTC's day so far moves every hour from 12:00 UTC, but the correlation pane's daily
    windows and the lead-lag align BTC with equity sessions by date: until the US close brings
    the day's session bar (21:00 UTC in February) the point pairs with nothing and those panes
    stay the hour before's; from then on each new point is paired and they follow it."""
    ds = datasets(RISK_OFF)
    cache = SignalCache()
    steps = pd.date_range("2026-02-09T13:00Z", "2026-02-09T23:00Z", freq="1h")
    groups, points, pairs = [], [], []
    for t in steps:
        (board,) = run(ds.frames, ds.meta, [t], cache)
        groups.append(cache.board.groups["paired"])
        points.append(board.snapshot.crypto.btc_day_so_far_ret)
        pairs.append(len(board.panes["correlation"].curves["daily_30"].y))
    new = [i == 0 or groups[i] is not groups[i - 1] for i in range(len(steps))]
    hours = [t.hour for t in steps]
    assert dict(zip(hours, new, strict=True)) == {
        13: True, 14: False, 15: False, 16: False, 17: False, 18: False, 19: False, 20: False,
        21: True, 22: True, 23: True}
    assert len(set(points[1:8])) == 7  # the point moved every hour meanwhile
    assert pairs[:8] == [pairs[0]] * 8 and pairs[8] == pairs[0] + 1  # the session's pair
