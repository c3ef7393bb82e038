"""The small-cap, liquidity-chain, dollar-liquidity and volatility panes of compute_board on the
real bundled data, every number recomputed here independently from the bundled CSV files with
the stdlib (csv, gzip, math, statistics) and plain loops; nothing of deskapp makes the expected
values. Plus: no look-ahead, missing and old data said, and the breakout of 2026-01-08."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from support import board_rows
from support.board_rows import log_returns, session_day

from deskapp.signals import volatility
from deskapp.signals.board import NO_DATA, BoardInputs, BoardView, compute_board
from deskapp.signals.snapshot import compute_snapshot

DATASET = "2026-02-risk-off"
T = datetime(2026, 2, 10, 21, 0, tzinfo=UTC)
JAN9 = datetime(2026, 1, 9, 21, 0, tzinfo=UTC)
WARMUP = datetime(2024, 10, 1, tzinfo=UTC)  # the dataset's warmup_start
ALTS = ("sol", "xrp", "doge", "ada", "avax", "link")


@pytest.fixture(scope="module")
def ds(datasets):
    return datasets(DATASET)


def board(ds, asof, frames=None, **kw) -> BoardView:
    return compute_board(BoardInputs(frames=ds.frames if frames is None else frames,
                                     meta=ds.meta, asof=pd.Timestamp(asof),
                                     dataset=ds.info.name, **kw))


# ---------------------------------------------------------------- independent readers
def known(key: str, column: str, asof: datetime, since: datetime | None = WARMUP
          ) -> list[tuple[datetime, float]]:
    return board_rows.known(key, column, asof, since)


def btc_daily(asof: datetime) -> list[tuple[datetime, float]]:
    return board_rows.btc_daily(asof, WARMUP)


def vals(rows) -> list[float]:
    return [v for _, v in rows]


def ts(t: datetime) -> float:
    return t.timestamp()


def curve_points(view: BoardView, pane: str, cid: str) -> dict[float, float]:
    c = view.panes[pane].curves[cid]
    return dict(zip(c.x.tolist(), c.y.tolist(), strict=True))


# ---------------------------------------------------------------- small caps
def test_russell_high_volume_ratio_and_breakout_state(ds):
    view = board(ds, T)
    r = view.panes["smallcaps"].readouts
    rut = known("idx.rut", "close", T)
    closes = vals(rut)
    assert r["rut"] == closes[-1] == 2679.77
    assert r["rut_252d_high"] == max(closes[-253:-1]) == 2718.77
    # the drawn prior high: at every session, the highest of the 252 closes before it
    high = curve_points(view, "smallcaps", "rut_high")
    want = {ts(rut[i][0]): max(closes[i - 252:i]) for i in range(252, len(rut))}
    assert high == want
    vol = vals(known("etf.iwm_adj", "volume", T))
    assert r["iwm_volume_ratio"] == pytest.approx(vol[-1] / statistics.fmean(vol[-51:-1]),
                                                  rel=1e-12)
    assert r["rut_above_level"] == 0.0 and r["rut_breakout"] == 0.0  # 2679.77 < 2718.77
    assert r["rut_level"] is None


def test_break_markers_are_closes_above_the_prior_high_split_by_volume(ds):
    view = board(ds, T)
    rut = known("idx.rut", "close", T)
    vol = dict(known("etf.iwm_adj", "volume", T))
    vol_times = sorted(vol)
    closes = vals(rut)
    above, confirmed = set(), set()
    for i in range(252, len(rut)):
        t, c = rut[i]
        if c > max(closes[i - 252:i]):
            j = vol_times.index(t)
            ratio = vol[t] / statistics.fmean(vol[u] for u in vol_times[j - 50:j]) \
                if j >= 50 else float("nan")
            (confirmed if ratio >= 1.5 else above).add(ts(t))
    assert above and not confirmed  # no volume-confirmed breakout in this window
    pane = view.panes["smallcaps"]
    assert set(pane.curves["breaks"].x.tolist()) == above
    assert "breakouts" not in pane.curves
    assert ts(datetime(2026, 1, 8, 21, tzinfo=UTC)) in above  # the 2026-01-08 break


def test_iwm_spy_ratio_and_its_20_session_change(ds):
    view = board(ds, T)
    iwm, spy = dict(known("etfpool.iwm", "close", T)), dict(known("etfpool.spy", "close", T))
    common = sorted(set(iwm) & set(spy))
    ratio = {ts(t): iwm[t] / spy[t] for t in common}
    assert curve_points(view, "smallcaps", "iwm_spy") == pytest.approx(ratio, rel=1e-12)
    r = view.panes["smallcaps"].readouts
    rs = [iwm[t] / spy[t] for t in common]
    assert r["iwm_spy_20d_pct"] == pytest.approx(100 * (rs[-1] / rs[-21] - 1), rel=1e-9)
    assert round(r["iwm_spy_20d_pct"], 2) == 2.23


@pytest.mark.parametrize("asof", [T, JAN9])
def test_lead_lag_bars_match_plain_cross_correlation(ds, asof):
    iwm = {t.date(): v for t, v in known("etf.iwm_adj", "close", asof)}
    # a BTC UTC-day bar closes at the next 00:00 UTC: its session date is the day before
    btc = {session_day(t): v for t, v in btc_daily(asof)}
    days = sorted(set(iwm) & set(btc))
    ra, rb = log_returns([iwm[d] for d in days]), log_returns([btc[d] for d in days])
    ra, rb = ra[-250:], rb[-250:]
    want = [statistics.correlation(ra[:250 - k], rb[k:]) for k in range(11)]
    bars = board(ds, asof).panes["smallcaps"].bars["leadlag"]
    assert bars.x.tolist() == list(range(11))
    np.testing.assert_allclose(bars.y, want, rtol=0, atol=1e-12)
    best = max(range(11), key=lambda k: want[k])
    assert bars.highlight == best == 0
    r = board(ds, asof).panes["smallcaps"].readouts
    assert r["leadlag_best_lag"] == best and r["leadlag_best_corr"] == pytest.approx(want[best])


def test_russell_2000_breakout_on_2026_01_08_above_2600(datasets):
    """`history`: the first close above 2600 ever, 2026-01-08 (2603.91), above its prior
    252-session high too; IWM volume was 0.93x its 50-day mean, so no confirmed breakout."""
    hist = datasets("history")
    day = datetime(2026, 1, 8, 21, tzinfo=UTC)
    rut = known("idx.rut", "close", day, since=None)
    assert rut[-1] == (day, 2603.91)
    assert max(vals(rut)[:-1]) < 2600 < rut[-1][1]  # the first close above 2600 in the data
    vol = vals(known("etf.iwm_adj", "volume", day, since=None))
    ratio = vol[-1] / statistics.fmean(vol[-51:-1])
    assert round(ratio, 2) == 0.93
    view = compute_board(BoardInputs(frames=hist.frames, meta=hist.meta,
                                     asof=pd.Timestamp(day), rut_level=2600.0))
    r = view.panes["smallcaps"].readouts
    assert r["rut_level"] == 2600.0
    assert r["rut_above_level"] == 1.0 and r["rut_breakout"] == 0.0
    assert r["iwm_volume_ratio"] == pytest.approx(ratio, rel=1e-12)
    assert r["rut_252d_high"] == max(vals(rut)[-253:-1]) == 2590.61
    assert ts(day) in view.panes["smallcaps"].curves["breaks"].x
    assert "breakout level: 2600" in view.panes["smallcaps"].notes[0]
    snap = compute_snapshot(hist.frames, pd.Timestamp(day), hist.meta, rut_threshold=2600.0)
    assert snap.smallcaps.rut_breakout is False
    # the same day with IWM volume doubled would have been a confirmed breakout
    frames = dict(hist.frames)
    iwm = frames["etf.iwm_adj"].copy()
    iwm.loc[pd.Timestamp(day), "volume"] *= 2.0
    frames["etf.iwm_adj"] = iwm
    view = compute_board(BoardInputs(frames=frames, meta=hist.meta, asof=pd.Timestamp(day),
                                     rut_level=2600.0))
    assert view.panes["smallcaps"].readouts["rut_breakout"] == 1.0
    assert view.panes["smallcaps"].curves["breakouts"].x[-1] == ts(day)


# ---------------------------------------------------------------- liquidity chain
@pytest.mark.parametrize("asof", [T, JAN9, datetime(2026, 1, 30, 21, tzinfo=UTC)])
def test_chain_links_are_the_snapshot_links(ds, asof):
    at = pd.Timestamp(asof)
    view = board(ds, at)
    snap = compute_snapshot(ds.frames, at, ds.meta).to_dict()["chain"]
    pane = view.panes["chain"]
    assert [(c.name, c.lit, c.evidence) for c in pane.checks] == \
        [(e["name"], e["lit"], e["evidence"]) for e in snap["links"]]
    order = ["bonds", "equities", "smallcaps", "crypto", "altcoins"]
    run = 0
    for name in order:
        if not next(c.lit for c in pane.checks if c.name == name):
            break
        run += 1
    assert pane.readouts["reached_links"] == run
    assert (order[run - 1] if run else None) == snap["reached"]


def test_chain_bonds_and_equities_evidence_recomputed(ds):
    pane = board(ds, T).panes["chain"]
    ten = vals(known("rates.us10y", "value", T))
    changes = [b - a for a, b in zip(ten, ten[1:], strict=False)]
    now, before = statistics.stdev(changes[-20:]), statistics.stdev(changes[-25:-5])
    bonds = next(c for c in pane.checks if c.name == "bonds")
    assert bonds.lit is (now < before) is False
    assert f"{now * 100:.1f} bp vs {before * 100:.1f} bp" in bonds.evidence
    spx = vals(known("idx.spx", "close", T))
    gap = spx[-1] / max(spx[-252:]) - 1
    equities = next(c for c in pane.checks if c.name == "equities")
    assert equities.lit is (gap >= -0.02) is True
    assert f"{gap:+.1%}" in equities.evidence
    assert pane.readouts["link_bonds"] == 0.0 and pane.readouts["link_equities"] == 1.0


def test_alt_basket_minus_btc_and_eth_btc(ds):
    view = board(ds, JAN9)
    pane = view.panes["chain"]
    btc = vals(known("crypto.btc", "close", JAN9))
    rets = []
    for a in ALTS:
        rows = known(f"crypto.{a}", "close", JAN9)
        if rows and JAN9 - rows[-1][0] <= timedelta(days=6) and len(rows) > 20:
            rets.append(rows[-1][1] / rows[-21][1] - 1)
    assert len(rets) == 4  # AVAX and DOGE end in 2025-08
    want = 100 * (statistics.fmean(rets) - (btc[-1] / btc[-21] - 1))
    assert pane.readouts["alt_minus_btc_20d_pct"] == pytest.approx(want, rel=1e-9)
    assert pane.readouts["alt_minus_btc_20d_pct"] == pytest.approx(4.52, abs=0.005)
    # the drawn line at 2026-01-09 (BTC's UTC day closing 01-09 00:00): same members
    x = ts(datetime(2026, 1, 9, tzinfo=UTC))
    assert curve_points(view, "chain", "alt_btc")[x] == pytest.approx(want, rel=1e-9)
    eth, btcd = dict(known("crypto.eth", "close", JAN9)), dict(known("crypto.btc", "close", JAN9))
    ratio = {ts(t): eth[t] / btcd[t] for t in sorted(set(eth) & set(btcd))}
    assert curve_points(view, "chain", "eth_btc") == pytest.approx(ratio, rel=1e-12)
    assert pane.missing["eth_btc"] == "no data since 2025-12-01"  # ETH's file ends there
    assert pane.readouts["eth_btc"] is None
    late = board(ds, T).panes["chain"]
    assert late.missing["alt_btc"] == "no data since 2026-01-13"
    assert late.readouts["alt_minus_btc_20d_pct"] is None


# ---------------------------------------------------------------- dollar liquidity
def net_liquidity(asof: datetime) -> dict[datetime, float]:
    """WALCL - TGA - RRP on the H.4.1 weeks both weeklies have; RRP of the Wednesday (stamped
    in the 24h up to the Wednesday's stamp), else the next figure up to the release."""
    walcl, tga = dict(known("liq.walcl", "value", asof)), dict(known("liq.tga", "value", asof))
    rrp = known("liq.rrp", "value", asof)
    out = {}
    for t in sorted(set(walcl) & set(tga)):
        wednesday = t - timedelta(days=1)
        cands = [v for u, v in rrp if wednesday - timedelta(days=1) < u <= wednesday]
        cands = cands or [v for u, v in rrp if wednesday < u <= t][:1]
        if cands:
            out[t] = walcl[t] - tga[t] - cands[-1]
    return out


def change(net: dict[datetime, float], t: datetime, weeks: int) -> float | None:
    target = t - timedelta(days=7 * weeks)
    near = [u for u in net if abs(u - target) <= timedelta(days=1)]
    return net[t] - net[near[0]] if near else None


def test_net_liquidity_and_its_changes(ds):
    view = board(ds, T)
    pane = view.panes["liquidity"]
    net = net_liquidity(T)
    assert curve_points(view, "liquidity", "net") == pytest.approx(
        {ts(t): v for t, v in net.items()}, rel=1e-12)
    last = max(net)
    r = pane.readouts
    assert last == datetime(2026, 2, 5, 21, 30, tzinfo=UTC)  # Wednesday 02-04's H.4.1
    assert r["net_liquidity_bn"] == pytest.approx(net[last]) == pytest.approx(5680.453)
    for w in (4, 13):
        assert r[f"net_liquidity_{w}w_bn"] == pytest.approx(change(net, last, w), rel=1e-12)
        series = curve_points(view, "liquidity", f"net_{w}w")
        want = {ts(t): c for t in net if (c := change(net, t, w)) is not None}
        assert series == pytest.approx(want, rel=1e-12)
    assert round(r["net_liquidity_4w_bn"], 3) == -51.261
    assert round(r["net_liquidity_13w_bn"], 3) == 61.514
    assert r["rising"] == 0.0
    assert r["walcl_bn"] == known("liq.walcl", "value", T)[-1][1]
    assert r["tga_bn"] == known("liq.tga", "value", T)[-1][1]
    assert r["rrp_bn"] == known("liq.rrp", "value", T)[-1][1]
    assert pane.missing == {"etf_dv": NO_DATA + " (the live Yahoo feed brings IBIT and FBTC)"}
    assert r["btc_etf_dollar_volume_bn"] is None


def test_a_change_across_the_hole_in_the_tga_data_is_not_made_up(ds):
    """No TGA rows 2025-11-26..2025-12-31: on 2026-01-09 the week 4 weeks back is missing."""
    pane = board(ds, JAN9).panes["liquidity"]
    net = net_liquidity(JAN9)
    last = max(net)
    assert change(net, last, 4) is None and change(net, last, 13) is not None
    assert pane.readouts["net_liquidity_4w_bn"] is None and pane.readouts["rising"] is None
    assert pane.missing["net_4w"] == \
        "the week 4 weeks before 2026-01-08 is missing in the data"
    assert pane.readouts["net_liquidity_13w_bn"] == pytest.approx(change(net, last, 13))
    snap = compute_snapshot(ds.frames, pd.Timestamp(JAN9), ds.meta).liquidity
    assert snap.net_liquidity_4w_bn is None
    assert snap.net_liquidity_13w_bn == pytest.approx(change(net, last, 13))


def test_spot_bitcoin_etf_dollar_volume_when_there_are_etf_bars(ds):
    idx = pd.DatetimeIndex(["2026-02-09T21:00Z", "2026-02-10T21:00Z"], name="time")
    ibit = pd.DataFrame({"close": [38.5, 37.9], "volume": [61.2e6, 80.4e6]}, index=idx)
    view = board(ds, T, frames={**ds.frames, "etf.ibit": ibit})
    pane = view.panes["liquidity"]
    assert pane.readouts["btc_etf_dollar_volume_bn"] == pytest.approx(37.9 * 80.4e6 / 1e9)
    assert "etf_dv" not in pane.missing
    snap = compute_snapshot({**ds.frames, "etf.ibit": ibit}, pd.Timestamp(T), ds.meta)
    assert snap.liquidity.btc_etf_dollar_volume == pytest.approx(37.9 * 80.4e6)


# ---------------------------------------------------------------- volatility
def rv(closes: list[float], n: int, days: float) -> float:
    return statistics.stdev(log_returns(closes)[-n:]) * math.sqrt(days)


def exposure(closes: list[float], target: float, days: float) -> float:
    return min(1.0, target / rv(closes, 20, days))


@pytest.mark.parametrize("asof", [T, JAN9])
def test_realised_vol_spike_ratio_and_pressure(ds, asof):
    view = board(ds, asof)
    r = view.panes["volatility"].readouts
    for name, key, days in (("ndx", "idx.ndx", 252), ("spx", "idx.spx", 252),
                            ("btc", "crypto.btc", 365)):
        c = vals(btc_daily(asof) if name == "btc" else known(key, "close", asof))
        assert r[f"{name}_rv20_pct"] == pytest.approx(100 * rv(c, 20, days), rel=1e-9), name
        assert r[f"{name}_rv_ratio"] == pytest.approx(rv(c, 5, days) / rv(c, 60, days),
                                                      rel=1e-9), name
        if name != "spx":
            target = {"ndx": 0.15, "btc": 0.50}[name]
            want = max(0.0, exposure(c[:-5], target, days) - exposure(c, target, days))
            assert r[f"{name}_delever_pp"] == pytest.approx(100 * want, abs=1e-9), name
    assert r["vix"] == known("idx.vix", "close", asof)[-1][1]


def test_volatility_readouts_on_the_episode(ds):
    r = board(ds, T).panes["volatility"].readouts
    assert round(r["ndx_rv_ratio"], 2) == 1.55 and round(r["spx_rv_ratio"], 2) == 1.61
    # BTC's vol spike of February: at 21:00 on 10 Feb the day so far is the last point, so
    # the -14 % of 5 Feb has left the 5-return window (3.03 on the complete days to 9 Feb)
    assert round(r["btc_rv_ratio"], 2) == 1.80
    assert round(r["ndx_delever_pp"], 1) == 16.9 and round(r["btc_delever_pp"], 1) == 13.8
    assert r["vix"] == 17.36 and r["ndx_target_pct"] == 15.0 and r["btc_target_pct"] == 50.0
    snap = compute_snapshot(ds.frames, pd.Timestamp(T), ds.meta).volatility
    assert r["ndx_rv_ratio"] == snap.ndx_rv_ratio and r["btc_rv_ratio"] == snap.btc_rv_ratio
    assert r["ndx_delever_pp"] == pytest.approx(100 * snap.ndx_delever_pressure, abs=1e-12)


def test_volatility_curves_at_every_bar(ds):
    view = board(ds, T)
    ndx = known("idx.ndx", "close", T)
    c = vals(ndx)
    want = {ts(ndx[i][0]): 100 * rv(c[:i + 1], 20, 252) for i in range(20, len(c))}
    assert curve_points(view, "volatility", "ndx_rv") == pytest.approx(want, rel=1e-9)
    ratio = {ts(ndx[i][0]): rv(c[:i + 1], 5, 252) / rv(c[:i + 1], 60, 252)
             for i in range(60, len(c))}
    assert curve_points(view, "volatility", "ndx_ratio") == pytest.approx(ratio, rel=1e-9)
    pressure = {ts(ndx[i][0]): 100 * max(0.0, exposure(c[:i - 4], 0.15, 252)
                                         - exposure(c[:i + 1], 0.15, 252))
                for i in range(25, len(c))}
    assert curve_points(view, "volatility", "ndx_pressure") == pytest.approx(pressure, abs=1e-9)


def test_the_pressure_series_is_the_pressure_at_every_bar(ds):
    btc = ds.frames["crypto.btc"]["close"].loc[:T]
    series = volatility.delever_pressure_series(btc, 0.5, 365)
    for n in range(30, len(btc), 17):
        got = series.loc[: btc.index[n - 1]]
        assert got.iloc[-1] == pytest.approx(
            volatility.delever_pressure(btc.iloc[:n], 0.5, 365), abs=1e-12)


def test_vol_targets_come_from_the_inputs(ds):
    r = board(ds, T, vol_targets=(0.20, 0.80)).panes["volatility"].readouts
    c = vals(btc_daily(T))
    want = max(0.0, exposure(c[:-5], 0.80, 365) - exposure(c, 0.80, 365))
    assert r["btc_delever_pp"] == pytest.approx(100 * want, abs=1e-9)
    assert r["ndx_target_pct"] == 20.0 and r["btc_target_pct"] == 80.0


# ---------------------------------------------------------------- no look-ahead, missing data
NEW = ("smallcaps", "chain", "liquidity", "volatility")


@pytest.mark.parametrize("asof", ["2026-02-10T21:00Z", "2026-01-09T21:00Z", "2026-01-31T12:00Z"])
def test_rows_after_asof_change_nothing_on_the_new_panes(ds, asof):
    t = pd.Timestamp(asof)
    cut = {k: f.loc[f.index <= t] for k, f in ds.frames.items()}
    future = {}
    for k, f in cut.items():
        extra = pd.DataFrame(1e9, columns=f.columns,
                             index=pd.DatetimeIndex([t + pd.Timedelta(s) for s in
                                                     ("1s", "1h", "2D")]).as_unit(f.index.unit))
        future[k] = pd.concat([f, extra]) if len(f) else extra
    a, b = board(ds, t, frames=cut), board(ds, t, frames=future)
    for name in NEW:
        pa, pb = a.panes[name], b.panes[name]
        assert pa.readouts == pb.readouts, name
        assert pa.missing == pb.missing and pa.notes == pb.notes and pa.checks == pb.checks
        assert pa.curves.keys() == pb.curves.keys()
        for cid in pa.curves:
            np.testing.assert_array_equal(pa.curves[cid].x, pb.curves[cid].x)
            np.testing.assert_array_equal(pa.curves[cid].y, pb.curves[cid].y)
        assert pa.bars.keys() == pb.bars.keys()
        for bid in pa.bars:
            np.testing.assert_array_equal(pa.bars[bid].y, pb.bars[bid].y)


def test_missing_series_are_said_per_curve(ds):
    gone = ("idx.rut", "idx.rut_yahoo", "liq.tga", "idx.vix", "crypto.eth")
    frames = {k: f for k, f in ds.frames.items() if k not in gone}
    view = board(ds, T, frames=frames)
    sc, liq, vol, ch = (view.panes[k] for k in NEW[:1] + ("liquidity", "volatility", "chain"))
    assert sc.missing["rut"] == NO_DATA and sc.readouts["rut"] is None
    assert sc.readouts["rut_breakout"] is None and "rut_high" not in sc.curves
    assert sc.readouts["iwm_volume_ratio"] is not None  # the rest still works
    assert liq.missing["tga"] == NO_DATA
    assert liq.missing["net"] == f"{NO_DATA}: needs TGA" and liq.readouts["net_liquidity_bn"] \
        is None
    assert liq.readouts["walcl_bn"] is not None
    assert vol.missing["vix"] == NO_DATA and vol.readouts["vix"] is None
    assert vol.readouts["ndx_rv20_pct"] is not None
    assert ch.missing["eth_btc"] == NO_DATA


def test_old_data_is_drawn_but_not_current(ds):
    frames = dict(ds.frames)
    frames["idx.ndx"] = frames["idx.ndx"].loc[:"2026-01-30T23:00Z"]
    frames["etf.qqq"] = frames["etf.qqq"].loc[:"2026-01-30T23:00Z"]
    frames["liq.walcl"] = frames["liq.walcl"].loc[:"2026-01-20"]
    view = board(ds, T, frames=frames)
    vol, liq = view.panes["volatility"], view.panes["liquidity"]
    assert vol.missing["ndx_rv"] == "no data since 2026-01-30"
    assert vol.readouts["ndx_rv20_pct"] is None and vol.readouts["ndx_delever_pp"] is None
    assert vol.curves["ndx_rv"].stale
    assert liq.missing["walcl"] == "no data since 2026-01-15"
    assert liq.missing["net"] == "no data since 2026-01-15"
    assert liq.readouts["net_liquidity_bn"] is None and liq.readouts["net_liquidity_4w_bn"] \
        is None


def test_live_boards_say_received_yet(ds):
    view = compute_board(BoardInputs(frames={}, meta={}, asof=pd.Timestamp(T), source="live"))
    assert view.panes["liquidity"].missing["etf_dv"] == \
        "no data received yet (the live Yahoo feed brings IBIT and FBTC)"
    assert view.panes["smallcaps"].missing["rut"] == "no data received yet"
    assert all(c.lit is None for c in view.panes["chain"].checks)
