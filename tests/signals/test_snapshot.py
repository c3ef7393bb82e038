"""The signal snapshot (DESIGN.md section 5, docs/SIGNALS.md) on real bundled data and on small
hand-made frames: no look-ahead, the JSON contract, independent recomputation of a few numbers
straight from the bundled CSV files, episode sanity, and data edge cases."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import math
import random
import statistics
from datetime import datetime, timedelta

import pandas as pd
import pytest

from deskapp.data.feed import canonical
from deskapp.resources import replay_dir
from deskapp.signals.checklist import STATUSES, suggest
from deskapp.signals.engine import snapshot_from_dict
from deskapp.signals.snapshot import compute_snapshot

RISK_OFF_AT = pd.Timestamp("2026-02-05T22:00Z")
LIQ_AT = pd.Timestamp("2025-10-11T00:00Z")
REAL = [("2026-02-risk-off", RISK_OFF_AT), ("2025-10-liquidations", LIQ_AT)]
SIGNAL_SECTIONS = ("correlation", "trend", "macro", "volatility", "breadth", "crypto",
                   "smallcaps")

SPEC = {
    "correlation": {"daily_30", "daily_60", "daily_90", "h1_120", "h4_90", "zone", "trend_1h",
                    "trend_4h", "daily_windows", "h1_window", "h4_window"},
    "macro": {"us10y_5d_bp", "bill3m_5d_bp", "policy_5d_bp", "dxy_20d_ret", "dxy_20d_z",
              "dollar_strength_with_yields"},
    "volatility": {"ndx_rv_ratio", "spx_rv_ratio", "btc_rv_ratio", "ndx_delever_pressure",
                   "btc_delever_pressure"},
    "breadth": {"above_sma20", "above_sma50", "basket_minus_ndx_20d", "rsp_spy_20d",
                "smh_spy_20d", "igv_spy_20d"},
    "crypto": {"funding_annualised", "oi_24h_change", "oi_quadrant", "liq_long_z",
               "liq_short_z"},
    "flywheel": {"stage", "steps"},
    "early_warning": {"count", "flags"},
    "smallcaps": {"rut_breakout", "rut_252d_high", "iwm_volume_ratio", "iwm_spy_20d",
                  "leadlag_best_lag", "leadlag_best_corr"},
    "chain": {"links", "reached"},
    "regime": {"name", "evidence", "scenario"},
}


def snap(ds, at: pd.Timestamp, **kw):
    return compute_snapshot(ds.frames, at, ds.meta, **kw)


def read_csv_rows(key: str, upto: datetime) -> list[dict[str, str]]:
    """Rows of a bundled series file stamped at or before `upto` (plain csv + gzip)."""
    path = replay_dir() / "series" / f"{key}.csv.gz"
    with gzip.open(path, "rt", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        t = datetime.fromisoformat(row["time"].replace("Z", "+00:00"))
        if t <= upto:
            row["_t"] = t
            out.append(row)
    return out


def assert_every_none_has_a_reason(d: dict) -> None:
    for section in SIGNAL_SECTIONS:
        for key, value in d[section].items():
            if value is None:
                reason = d["missing"].get(f"{section}.{key}")
                assert isinstance(reason, str) and reason.strip(), f"{section}.{key}"
    for group, items in (("flywheel", d["flywheel"]["steps"]),
                         ("early_warning", d["early_warning"]["flags"]),
                         ("chain", d["chain"]["links"]), ("regime", d["regime"]["evidence"])):
        for item in items:
            assert set(item) == {"name", "lit", "evidence"}, group
            assert item["evidence"].strip(), (group, item["name"])


# ================================================================ (a) no look-ahead
def fake_future(frame: pd.DataFrame, at: pd.Timestamp, daily: bool) -> pd.DataFrame:
    """Rows after `at` with wild values (x5 and /5 of the last row; 1.0 when empty). Daily
    series get one row per later day (a second bar on a session date is not a daily series)."""
    if daily:
        times = [at + pd.Timedelta(days=k) for k in (1, 2, 3)]
    else:
        times = [at + pd.Timedelta(minutes=1), at + pd.Timedelta(hours=1),
                 at + pd.Timedelta(hours=4), at + pd.Timedelta(days=1),
                 at + pd.Timedelta(days=3)]
    if len(frame):
        last = frame.iloc[-1].to_numpy(dtype="float64")
        rows = [last * (5.0 if i % 2 else 0.2) for i in range(len(times))]
    else:
        rows = [[1.0] * len(frame.columns) for _ in times]
    fake = pd.DataFrame(rows, columns=frame.columns, index=pd.DatetimeIndex(times))
    return pd.concat([frame, fake])


def fake_all(frames, meta, at):
    return {k: fake_future(f, at, meta.get(k, {}).get("freq", "1d") in ("1d", "1w"))
            for k, f in frames.items()}


@pytest.mark.parametrize(("name", "at"), REAL)
def test_no_look_ahead(datasets, name, at):
    ds = datasets(name)
    full = snap(ds, at).to_dict()
    cut_frames = {k: f.loc[:at] for k, f in ds.frames.items()}
    cut = compute_snapshot(cut_frames, at, ds.meta).to_dict()
    assert cut == full
    faked = fake_all(cut_frames, ds.meta, at)
    assert compute_snapshot(faked, at, ds.meta).to_dict() == full
    # the fake rows are not inert: once they are in the past, the snapshot moves
    later = at + pd.Timedelta(days=3, hours=1)
    assert compute_snapshot(faked, later, ds.meta).to_dict() != \
        compute_snapshot(cut_frames, later, ds.meta).to_dict()


def test_no_look_ahead_in_the_middle_of_bars(datasets):
    # 13:59:59 on a session day: the 14:00 hourly bar and the daily bars have not closed
    ds = datasets("2026-02-risk-off")
    at = pd.Timestamp("2026-02-05T13:59:59Z")
    full = snap(ds, at).to_dict()
    cut = {k: f.loc[:at] for k, f in ds.frames.items()}
    assert compute_snapshot(cut, at, ds.meta).to_dict() == full
    faked = fake_all(cut, ds.meta, at)
    assert compute_snapshot(faked, at, ds.meta).to_dict() == full


# ================================================================ (b) the JSON contract
@pytest.mark.parametrize(("name", "at"), REAL)
def test_json_has_every_key_and_round_trips(datasets, name, at):
    s = snap(datasets(name), at)
    text = s.to_json()

    def no_constants(word):
        raise AssertionError(f"non-JSON constant {word} in the snapshot")

    d = json.loads(text, parse_constant=no_constants)
    assert d == s.to_dict()
    assert {"asof", "source", "missing"} <= set(d)
    assert d["asof"] == at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert d["source"] == "replay"
    assert isinstance(d["missing"], dict)
    for section, keys in SPEC.items():
        assert keys <= set(d[section]), (section, keys - set(d[section]))
    for step in d["flywheel"]["steps"]:
        assert {"name", "lit", "evidence"} <= set(step)
    assert len(d["flywheel"]["steps"]) == 5
    assert 0 <= d["flywheel"]["stage"] <= 5
    assert len(d["early_warning"]["flags"]) == 3
    assert d["early_warning"]["count"] == sum(1 for f in d["early_warning"]["flags"]
                                              if f["lit"] is True)
    assert [link["name"] for link in d["chain"]["links"]] == \
        ["bonds", "equities", "smallcaps", "crypto", "altcoins"]
    assert d["regime"]["name"] in {"liquidity shock", "trend break", "volatility event",
                                   "risk-on rotation", "calm"}
    assert d["regime"]["scenario"] in {None, "A", "B", "C"}
    assert_every_none_has_a_reason(d)
    assert json.loads(s.to_json(indent=None)) == d
    # the snapshot is frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.asof = "now"  # type: ignore[misc]
    # flat keys for tables
    flat = s.flat()
    assert flat["correlation.daily_30"] == d["correlation"]["daily_30"]
    assert flat["regime.name"] == d["regime"]["name"]
    assert flat["flywheel.steps.2"] == d["flywheel"]["steps"][1]["lit"]
    assert isinstance(flat["missing"], str)
    # the checklist reads the typed snapshot; a stored dict reads back as the same snapshot
    assert all(c.status in STATUSES for c in suggest(s))
    assert snapshot_from_dict(d) == s
    assert snapshot_from_dict(json.loads(s.to_json())).to_dict() == d


def test_known_missing_values_on_the_2026_episode(datasets):
    d = snap(datasets("2026-02-risk-off"), RISK_OFF_AT).to_dict()
    # no open-interest series reaches February 2026
    assert d["crypto"]["oi_24h_change"] is None
    assert d["missing"]["crypto.oi_24h_change"]
    assert d["crypto"]["oi_quadrant"] is None and d["missing"]["crypto.oi_quadrant"]
    # ZQ=F ends in October 2025
    last_zq = read_csv_rows("rates.zq", RISK_OFF_AT.to_pydatetime())[-1]["_t"]
    assert last_zq < datetime.fromisoformat("2025-11-01T00:00:00+00:00")
    assert d["macro"]["policy_5d_bp"] is None
    assert "ZQ" in d["missing"]["macro.policy_5d_bp"]
    # the flywheel steps that need OI say so instead of claiming "not lit"
    assert d["flywheel"]["steps"][0]["lit"] is None


# ================================================================ (c) independent numbers
def test_us10y_5d_bp_from_the_csv(datasets):
    d = snap(datasets("2026-02-risk-off"), RISK_OFF_AT).to_dict()
    rows = read_csv_rows("rates.us10y", RISK_OFF_AT.to_pydatetime())
    values = [float(r["value"]) for r in rows if r["value"].strip() not in ("", "nan", "NaN")]
    assert RISK_OFF_AT.to_pydatetime() - rows[-1]["_t"] < timedelta(days=6)  # current
    want = (values[-1] - values[-6]) * 100.0
    assert d["macro"]["us10y_5d_bp"] == pytest.approx(want, abs=1e-9)


def test_rut_252d_high_from_the_csv(datasets):
    d = snap(datasets("2026-02-risk-off"), RISK_OFF_AT).to_dict()
    rows = read_csv_rows("idx.rut", RISK_OFF_AT.to_pydatetime())
    closes = [float(r["close"]) for r in rows if r["close"].strip()]
    want = max(closes[-253:-1])
    assert d["smallcaps"]["rut_252d_high"] == want
    # and the breakout flag follows from it and the IWM volume ratio
    brk = closes[-1] > want and d["smallcaps"]["iwm_volume_ratio"] >= 1.5
    assert d["smallcaps"]["rut_breakout"] is brk


def test_liquidation_z_and_oi_change_from_the_csv(datasets):
    d = snap(datasets("2025-10-liquidations"), LIQ_AT).to_dict()
    t_at = LIQ_AT.to_pydatetime()
    # --- long liquidations, 24h sums at every 4h bar, baseline (t-31d, t-1d]
    rows = read_csv_rows("deriv.btc_liq_4h", t_at)
    pts = [(r["_t"], float(r["long_usd"])) for r in rows if r["long_usd"].strip()]
    pts = [p for p in pts if p[0] > t_at - timedelta(days=33)]
    t = pts[-1][0]
    assert t_at - t < timedelta(days=4)  # current

    def sum24(s):
        return sum(v for u, v in pts if s - timedelta(hours=24) < u <= s)

    base = [sum24(s) for s, _ in pts if t - timedelta(days=31) < s <= t - timedelta(days=1)]
    assert len(base) >= 170  # ~30 days of 4h bars
    want_z = (sum24(t) - statistics.mean(base)) / statistics.stdev(base)
    assert d["crypto"]["liq_long_z"] == pytest.approx(want_z, rel=1e-9)
    # --- open interest: now vs the last value at or before 24h earlier
    rows = read_csv_rows("deriv.btc_oi_4h", t_at)
    oi = [(r["_t"], float(r["oi_usd"])) for r in rows if r["oi_usd"].strip()]
    t_now, v_now = oi[-1]
    target = t_now - timedelta(hours=24)
    t_then, v_then = [p for p in oi if p[0] <= target][-1]
    assert target - t_then <= timedelta(days=1)
    assert d["crypto"]["oi_24h_change"] == pytest.approx(v_now / v_then - 1.0, rel=1e-12)
    # --- funding: the last 8h rate x 3 payments a day x 365
    rows = read_csv_rows("deriv.btc_funding_8h", t_at)
    rate = float([r for r in rows if r["rate"].strip()][-1]["rate"])
    assert d["crypto"]["funding_annualised"] == pytest.approx(rate * 3 * 365, rel=1e-12)


# ================================================================ (d) episode sanity
def test_liquidation_episode_reads_as_a_flywheel(datasets):
    d = snap(datasets("2025-10-liquidations"), LIQ_AT).to_dict()
    assert d["flywheel"]["stage"] >= 2
    assert d["crypto"]["liq_long_z"] >= 2.0
    assert d["flywheel"]["steps"][1]["lit"] is True


def test_flywheel_hours_after_the_flush_do_not_crash(datasets):
    # the OI flush bar (04:00) is newer than the last daily BTC close (00:00)
    ds = datasets("2025-10-liquidations")
    for hour in (1, 4, 8, 12, 20):
        d = snap(ds, LIQ_AT + pd.Timedelta(hours=hour)).to_dict()
        assert d["flywheel"]["stage"] >= 2
        assert_every_none_has_a_reason(d)


def test_no_risk_on_rotation_during_the_2026_risk_off(datasets):
    ds = datasets("2026-02-risk-off")
    for day in pd.date_range("2026-01-30", "2026-02-06", freq="D", tz="UTC"):
        for hour in (0, 6, 12, 18, 22):
            at = day + pd.Timedelta(hours=hour)
            assert snap(ds, at).regime.name != "risk-on rotation", at


# ================================================================ (e) hand-made frames
ASOF = pd.Timestamp("2025-06-03T22:00Z")  # a Tuesday, after the US close
SESSION_END = pd.Timestamp("2025-06-03T20:00Z")


def session_index(n: int, end: pd.Timestamp = SESSION_END):
    return pd.bdate_range(end=end, periods=n, freq="B")


def walk(n: int, seed: int, start: float, sd: float) -> list[float]:
    rng = random.Random(seed)
    x, out = start, []
    for _ in range(n):
        x *= math.exp(rng.gauss(0.0, sd))
        out.append(x)
    return out


def small_universe() -> dict[str, pd.DataFrame]:
    ten = [4.0 + 0.01 * ((i * 7) % 13) for i in range(40)]
    btc_days = pd.date_range(end="2025-06-03T00:00Z", periods=120, freq="D")
    return {
        "rates.us10y": pd.DataFrame({"value": ten}, index=session_index(40)),
        "fx.dxy": pd.DataFrame({"close": walk(300, 1, 100.0, 0.004)},
                               index=session_index(300, pd.Timestamp("2025-06-03T21:00Z"))),
        "idx.spx": pd.DataFrame({"close": walk(120, 2, 5000.0, 0.01)}, index=session_index(120)),
        "idx.ndx": pd.DataFrame({"close": walk(120, 3, 18000.0, 0.013)},
                                index=session_index(120)),
        "crypto.btc": pd.DataFrame({"close": walk(120, 4, 60000.0, 0.03),
                                    "volume": [1e9 + 1e7 * (i % 9) for i in range(120)]},
                                   index=btc_days),
    }


def test_small_universe_numbers_follow_the_definitions():
    frames = small_universe()
    d = compute_snapshot(frames, ASOF).to_dict()
    ten = frames["rates.us10y"]["value"].tolist()
    assert d["macro"]["us10y_5d_bp"] == pytest.approx((ten[-1] - ten[-6]) * 100, abs=1e-9)
    ndx = frames["idx.ndx"]["close"].tolist()
    r = [math.log(ndx[i] / ndx[i - 1]) for i in range(1, len(ndx))]
    assert d["volatility"]["ndx_rv_ratio"] == pytest.approx(
        statistics.stdev(r[-5:]) / statistics.stdev(r[-60:]), rel=1e-9)
    # roles this universe lacks are None with a reason; the desk still decides a regime
    assert d["crypto"]["funding_annualised"] is None
    assert d["breadth"]["above_sma20"] is None
    assert_every_none_has_a_reason(d)


def test_a_series_that_stops_is_none_with_a_reason():
    frames = small_universe()
    d = compute_snapshot(frames, ASOF).to_dict()
    assert d["macro"]["us10y_5d_bp"] is not None
    last = frames["rates.us10y"].index[-1]
    # six days after its last bar a daily series still counts; a minute later it does not
    ok = compute_snapshot(frames, last + pd.Timedelta(days=6)).to_dict()
    assert ok["macro"]["us10y_5d_bp"] == d["macro"]["us10y_5d_bp"]
    stale = compute_snapshot(frames, last + pd.Timedelta(days=6, minutes=1)).to_dict()
    assert stale["macro"]["us10y_5d_bp"] is None
    assert stale["missing"]["macro.us10y_5d_bp"]
    # a stopped BTC series takes its trend and vol ratio with it
    frames["crypto.btc"] = frames["crypto.btc"].iloc[:-10]
    d2 = compute_snapshot(frames, ASOF).to_dict()
    for key in ("volatility.btc_rv_ratio", "trend.btc_1d", "correlation.daily_30"):
        section, name = key.split(".")
        assert d2[section][name] is None, key
        assert d2["missing"][key], key
    assert_every_none_has_a_reason(d2)


def dirty(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rows, plus a late row (a stamp earlier than the row before it) in the middle
    and re-sent copies of three stamps with garbage values at the end."""
    late = frame.iloc[[len(frame) // 2]].copy() * 0.1
    late.index = late.index - pd.Timedelta(hours=1)  # a stamp the clean frame does not have
    garbage = frame.iloc[[2, 5, len(frame) - 1]] * 7.0
    middle = len(frame) - 3
    return pd.concat([frame.iloc[:middle], late, frame.iloc[middle:], garbage])


def test_duplicated_and_out_of_order_rows_go_through_canonical():
    clean = small_universe()
    messy = {k: dirty(f) for k, f in clean.items()}
    assert all(len(messy[k]) == len(clean[k]) + 4 for k in clean)
    fixed = {k: canonical(f, k) for k, f in messy.items()}
    for k in clean:
        pd.testing.assert_frame_equal(fixed[k], clean[k], check_freq=False)
    assert compute_snapshot(fixed, ASOF).to_dict() == compute_snapshot(clean, ASOF).to_dict()


def test_nan_inside_a_window_is_skipped():
    frames = small_universe()
    ten = frames["rates.us10y"].copy()
    ten.iloc[-3, 0] = float("nan")
    frames["rates.us10y"] = ten
    btc = frames["crypto.btc"].copy()
    btc.iloc[-2, 0] = float("nan")
    frames["crypto.btc"] = btc
    d = compute_snapshot(frames, ASOF).to_dict()
    v = [x for x in ten["value"].tolist() if not math.isnan(x)]
    assert d["macro"]["us10y_5d_bp"] == pytest.approx((v[-1] - v[-6]) * 100, abs=1e-9)
    c = [x for x in btc["close"].tolist() if not math.isnan(x)]
    r = [math.log(c[i] / c[i - 1]) for i in range(1, len(c))]
    assert d["volatility"]["btc_rv_ratio"] == pytest.approx(
        statistics.stdev(r[-5:]) / statistics.stdev(r[-60:]), rel=1e-9)
    json.loads(compute_snapshot(frames, ASOF).to_json())  # still valid JSON, no NaN


@pytest.mark.parametrize(("key", "column", "n_ok", "signal"), [
    ("rates.us10y", "value", 6, "macro.us10y_5d_bp"),
    ("idx.ndx", "close", 61, "volatility.ndx_rv_ratio"),
    ("idx.ndx", "close", 26, "volatility.ndx_delever_pressure"),
    ("fx.dxy", "close", 21, "macro.dxy_20d_ret"),
    ("fx.dxy", "close", 272, "macro.dxy_20d_z"),
])
def test_a_window_one_bar_too_short_gives_none(key, column, n_ok, signal):
    frames = small_universe()
    section, name = signal.split(".")
    frames[key] = frames[key].iloc[-n_ok:]
    assert compute_snapshot(frames, ASOF).to_dict()[section][name] is not None
    frames[key] = frames[key].iloc[-(n_ok - 1):]
    d = compute_snapshot(frames, ASOF).to_dict()
    assert d[section][name] is None
    assert d["missing"][signal]


def test_rut_high_needs_253_sessions_and_a_user_threshold_sets_the_level():
    frames = small_universe()
    rut = walk(253, 8, 2000.0, 0.01)
    rut[-1] = max(rut[:-1]) * 1.01  # a new high
    frames["idx.rut"] = pd.DataFrame({"close": rut}, index=session_index(253))
    vol = [1e7] * 50 + [2e7]  # last session at 2x the 50-day mean
    frames["etf.iwm_adj"] = pd.DataFrame({"close": [200.0] * 51, "volume": vol},
                                         index=session_index(51))
    d = compute_snapshot(frames, ASOF).to_dict()
    assert d["smallcaps"]["rut_252d_high"] == max(rut[:-1])
    assert d["smallcaps"]["iwm_volume_ratio"] == pytest.approx(2.0)
    assert d["smallcaps"]["rut_breakout"] is True
    assert d["regime"]["name"] in ("risk-on rotation", "liquidity shock", "trend break",
                                   "volatility event")
    above = compute_snapshot(frames, ASOF, rut_threshold=rut[-1] + 1.0).to_dict()
    assert above["smallcaps"]["rut_breakout"] is False
    frames["idx.rut"] = frames["idx.rut"].iloc[1:]
    short = compute_snapshot(frames, ASOF).to_dict()
    assert short["smallcaps"]["rut_252d_high"] is None
    assert short["missing"]["smallcaps.rut_252d_high"]
    # with a user level the breakout needs no 252-session high
    below = compute_snapshot(frames, ASOF, rut_threshold=rut[-1] - 1.0).to_dict()
    assert below["smallcaps"]["rut_breakout"] is True


def test_no_data_at_all():
    s = compute_snapshot({}, ASOF)
    d = json.loads(s.to_json())
    assert_every_none_has_a_reason(d)
    assert d["flywheel"]["stage"] == 0 and d["early_warning"]["count"] == 0
    assert all(e["lit"] is None for e in d["regime"]["evidence"][:4])
