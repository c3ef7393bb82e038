"""Issue 14 section 2, the independent recomputation's findings: the RRP day of a holiday
Wednesday, the latest 8h funding print, BTC's UTC day so far at the US close, and what the
policy change measures. Each checked on a hand-worked frame and, where the data is bundled
(or in ../shared/data), against a plain loop over the raw files."""

from __future__ import annotations

import csv
import gzip
import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from support.shared import need_shared

from deskapp.resources import replay_dir
from deskapp.signals import macro
from deskapp.signals.board import BoardInputs, compute_board
from deskapp.signals.snapshot import compute_snapshot


def utc(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def series(points: dict[str, float], name: str = "value") -> pd.Series:
    return pd.Series(list(points.values()), index=pd.DatetimeIndex(
        [utc(t) for t in points]).as_unit("ns"), name=name)


def frame(points: dict[str, float], column: str) -> pd.DataFrame:
    return series(points, column).to_frame()


# ---------------------------------------------------------------- 1. the RRP of the Wednesday
# Weeks stamped at the H.4.1 release (Thursday 21:30 UTC); RRP at 18:15 UTC (13:15 New York).
WALCL = {"2024-12-26T21:30": 6900.0, "2025-01-02T21:30": 6850.0, "2025-01-09T21:30": 6860.0}
TGA = {"2024-12-26T21:30": 760.0, "2025-01-02T21:30": 720.0, "2025-01-09T21:30": 650.0}
RRP = {"2024-12-24T18:15": 181.0,  # Tue before Christmas; Wed 12-25 has no figure
       "2024-12-26T18:15": 197.0,  # Thu
       "2024-12-31T18:15": 473.0,  # Tue: the year-end spike; Wed 01-01 has no figure
       "2025-01-02T18:15": 240.0,  # Thu
       "2025-01-07T18:15": 208.0, "2025-01-08T18:15": 185.0, "2025-01-09T18:15": 168.0}


def test_a_holiday_wednesday_takes_the_next_days_rrp_never_the_day_before():
    table = macro.net_liquidity_table(series(WALCL), series(TGA), series(RRP))
    # by hand: WALCL - TGA - RRP(Wednesday, else Thursday)
    assert table["net"].tolist() == [6900 - 760 - 197, 6850 - 720 - 240, 6860 - 650 - 185]
    assert table["substituted"].tolist() == [True, True, False]
    assert [t.isoformat() for t in table["rrp_time"]] == [
        "2024-12-26T18:15:00+00:00", "2025-01-02T18:15:00+00:00", "2025-01-08T18:15:00+00:00"]
    assert macro.rrp_substitution_note(table, weeks=(1,)) == (
        "RRP of Thu 2025-01-02 used for the week of Wed 2025-01-01 (no figure that Wednesday)")
    assert macro.rrp_substitution_note(table.iloc[:1], weeks=()) == (
        "RRP of Thu 2024-12-26 used for the week of Wed 2024-12-25 (no figure that Wednesday)")
    assert macro.rrp_substitution_note(table, weeks=()) is None  # the last week: its Wednesday


def test_a_week_with_neither_figure_is_left_out_and_no_change_is_measured_against_it():
    rrp = {k: v for k, v in RRP.items() if not k.startswith("2025-01-02")}
    table = macro.net_liquidity_table(series(WALCL), series(TGA), series(rrp))
    assert [t.strftime("%m-%d") for t in table.index] == ["12-26", "01-09"]  # 01-02 is gone
    net = table["net"]
    assert macro.net_liquidity_change_last(net, 2) == (6860 - 650 - 185) - (6900 - 760 - 197)
    assert macro.net_liquidity_change_last(net.iloc[:1], 1) is None


def test_a_thursday_figure_published_after_the_release_is_not_used():
    """An RRP figure stamped after the H.4.1 release (a Friday's) would be look-ahead."""
    rrp = {"2024-12-27T18:15": 269.0}
    table = macro.net_liquidity_table(series(WALCL), series(TGA), series(rrp))
    assert table.empty


def raw_fred(name: str, column: str) -> dict[date, float]:
    """One upstream FRED file of ../shared/data/daily (the test skips without it)."""
    with open(need_shared() / "daily" / name, newline="") as fh:
        return {date.fromisoformat(r["date"]): float(r[column])
                for r in csv.DictReader(fh) if r[column]}


def test_net_liquidity_13w_on_2025_04_07_against_the_raw_fred_files(datasets):
    """2025-04-07: the last H.4.1 week is Wednesday 2025-04-02; 13 weeks before is Wednesday
    2025-01-01, a holiday with no RRP figure: Thursday 2025-01-02's figure (239.858 bn) is
    used, not Tuesday 2024-12-31's year-end 473.46 bn (which gave +517 bn)."""
    walcl = raw_fred("fed_total_assets_weekly_fred_walcl_2015_2026.csv", "walcl")
    tga = raw_fred("tga_weekly_fred_wtregen_2015_2025.csv", "wtregen")
    rrp = raw_fred("on_rrp_daily_fred_rrpontsyd_2015_2026.csv", "rrpontsyd")

    def net(wed: date) -> float:
        day = wed if wed in rrp else wed + timedelta(days=1)  # the rule, by a plain lookup
        return walcl[wed] / 1000 - tga[wed] / 1000 - rrp[day]

    now, then = date(2025, 4, 2), date(2025, 1, 1)
    assert then not in rrp and rrp[date(2024, 12, 31)] == 473.46
    want_13 = net(now) - net(then)
    want_4 = net(now) - net(now - timedelta(weeks=4))
    assert round(want_13, 3) == 283.878
    ds = datasets("history")
    asof = pd.Timestamp("2025-04-07T20:00Z")
    liq = compute_snapshot(ds.frames, asof, ds.meta).liquidity
    assert liq.net_liquidity_bn == pytest.approx(net(now), abs=1e-9)
    assert liq.net_liquidity_13w_bn == pytest.approx(want_13, abs=1e-9)
    assert liq.net_liquidity_4w_bn == pytest.approx(want_4, abs=1e-9)
    assert liq.rrp_note == ("RRP of Thu 2025-01-02 used for the week of Wed 2025-01-01 "
                            "(no figure that Wednesday)")
    pane = compute_board(BoardInputs(ds.frames, ds.meta, asof)).panes["liquidity"]
    assert pane.readouts["net_liquidity_13w_bn"] == liq.net_liquidity_13w_bn
    assert pane.readouts["net_liquidity_4w_bn"] == liq.net_liquidity_4w_bn
    assert liq.rrp_note in pane.notes


# ---------------------------------------------------------------- 2. the latest funding print
FUNDING_8H = {"2021-05-18T16:00": 0.00014723, "2021-05-19T00:00": 0.00021809,
              "2021-05-19T08:00": 0.00010000, "2021-05-19T16:00": -0.00089697}
FUNDING_DAY = {"2021-05-19T00:00": 0.00030392}  # the mean of the 8h prints of 05-18
META = {"deriv.btc_funding_8h": {"freq": "8h"}, "deriv.btc_funding_daily": {"freq": "1d"}}
US_CLOSE = utc("2021-05-19T20:00")


def funding_frames(**drop) -> dict[str, pd.DataFrame]:
    frames = {"deriv.btc_funding_8h": frame(FUNDING_8H, "rate"),
              "deriv.btc_funding_daily": frame(FUNDING_DAY, "rate")}
    return {k: v for k, v in frames.items() if k not in drop}


def test_funding_is_the_latest_8h_print_with_the_24h_mean_beside_it():
    cr = compute_snapshot(funding_frames(), US_CLOSE, META).crypto
    # by hand: -0.089697 % per 8h x 3 x 365 = -98.2 %/yr; the last three prints' mean x 1095
    assert cr.funding_annualised == pytest.approx(-0.00089697 * 1095, rel=1e-12)
    assert round(cr.funding_annualised, 3) == -0.982
    mean = (0.00021809 + 0.00010000 - 0.00089697) / 3
    assert cr.funding_annualised_1d_mean == pytest.approx(mean * 1095, rel=1e-12)
    assert cr.funding_basis == "8h print of 2021-05-19 16:00 UTC (deriv.btc_funding_8h)"
    pane = compute_board(BoardInputs(funding_frames(), META, US_CLOSE)).panes["crypto"]
    assert pane.readouts["funding_annualised_pct"] == pytest.approx(100 * cr.funding_annualised)
    assert pane.readouts["funding_1d_mean_pct"] == pytest.approx(
        100 * cr.funding_annualised_1d_mean)


def test_before_the_1600_print_the_latest_is_the_0800_one():
    cr = compute_snapshot(funding_frames(), utc("2021-05-19T15:59"), META).crypto
    assert cr.funding_annualised == pytest.approx(0.00010000 * 1095, rel=1e-12)


def test_without_a_current_8h_series_the_daily_mean_is_used_and_said():
    cr = compute_snapshot(funding_frames(**{"deriv.btc_funding_8h": 1}), US_CLOSE, META).crypto
    assert cr.funding_annualised == pytest.approx(0.00030392 * 1095, rel=1e-12)  # +33 %/yr
    assert cr.funding_annualised_1d_mean == cr.funding_annualised
    assert cr.funding_basis == ("daily mean of the 8h prints of 2021-05-18 "
                                "(deriv.btc_funding_daily): no current 8h series")
    # an 8h series more than 3 days old is not current either
    old = funding_frames()
    old["deriv.btc_funding_8h"] = old["deriv.btc_funding_8h"].iloc[:1]
    cr = compute_snapshot(old, utc("2021-05-22T00:00"), META).crypto
    assert cr.funding_basis.startswith("daily mean")


# ---------------------------------------------------------------- 4. BTC's UTC day so far
def btc_frames(hourly: dict[str, float] | None, key: str = "crypto.btcusdt.1h"
               ) -> dict[str, pd.DataFrame]:
    days = pd.date_range("2021-03-01", "2021-05-19", freq="D", tz="UTC")  # closes at 00:00
    rng = np.random.default_rng(7)
    closes = 50_000 * np.exp(np.cumsum(rng.normal(0, 0.03, len(days))))
    frames = {"crypto.btc": pd.DataFrame({"close": closes}, index=days.as_unit("ns"))}
    if hourly is not None:
        frames[key] = frame(hourly, "close")
    return frames


INTRADAY = {"2021-05-19T01:00": 1.00, "2021-05-19T12:00": 0.95, "2021-05-19T16:00": 0.90,
            "2021-05-19T21:00": 0.80}  # multiples of the last daily close (filled in below)


def scaled(frames: dict[str, pd.DataFrame], key: str) -> dict[str, pd.DataFrame]:
    last = float(frames["crypto.btc"]["close"].iloc[-1])
    out = dict(frames)
    out[key] = frames[key] * last
    return out


def rv_ratio(closes: list[float]) -> float:
    r = [math.log(b / a) for a, b in zip(closes, closes[1:], strict=False)]
    return float(np.std(r[-5:], ddof=1) / np.std(r[-60:], ddof=1))


@pytest.mark.parametrize("key,freq", [("crypto.btcusdt.1h", "1h"), ("crypto.btcusdt.4h", "4h")])
def test_the_day_so_far_is_the_provisional_last_daily_point(key, freq):
    frames = scaled(btc_frames(INTRADAY, key), key)
    meta = {"crypto.btc": {"freq": "1d"}, key: {"freq": freq}}
    daily = frames["crypto.btc"]["close"].tolist()
    asof = utc("2021-05-19T20:00")  # the US close: the 16:00 bar is the last of the day so far
    snap = compute_snapshot(frames, asof, meta)
    assert snap.crypto.btc_day_so_far_ret == pytest.approx(-0.10, abs=1e-12)  # 0.90 / 1 - 1
    assert snap.crypto.btc_provisional == (
        f"BTC daily: provisional point for 2021-05-19 = the {key} close of 16:00 UTC "
        "(-10.0% on the day so far)")
    with_today = daily + [0.90 * daily[-1]]
    assert snap.volatility.btc_rv_ratio == pytest.approx(rv_ratio(with_today), rel=1e-12)
    assert snap.volatility.btc_rv_ratio != pytest.approx(rv_ratio(daily), rel=1e-6)
    board = compute_board(BoardInputs(frames, meta, asof))
    assert board.panes["volatility"].readouts["btc_rv_ratio"] == snap.volatility.btc_rv_ratio
    assert board.panes["crypto"].readouts["btc_day_so_far_pct"] == pytest.approx(-10.0)
    assert snap.crypto.btc_provisional in board.panes["crypto"].notes


def test_no_provisional_point_before_noon_utc_or_without_a_bar_of_the_day():
    frames = scaled(btc_frames(INTRADAY), "crypto.btcusdt.1h")
    meta = {"crypto.btcusdt.1h": {"freq": "1h"}}
    midnight = compute_snapshot(frames, utc("2021-05-19T00:00"), meta).crypto
    assert midnight.btc_day_so_far_ret is None and midnight.btc_provisional is None
    assert "crypto.btc_day_so_far_ret" in compute_snapshot(
        frames, utc("2021-05-19T00:00"), meta).missing
    early = compute_snapshot(frames, utc("2021-05-19T00:30"), meta).crypto  # no bar yet
    assert early.btc_day_so_far_ret is None
    # a part day shorter than 12 hours does not stand for a day: the 01:00 bar is not used
    # before 12:00 UTC; at 12:00 the 12:00 bar is the day so far (0.95 / 1 - 1)
    assert compute_snapshot(frames, utc("2021-05-19T11:59"), meta).crypto.btc_day_so_far_ret \
        is None
    assert compute_snapshot(frames, utc("2021-05-19T12:00"), meta).crypto.btc_day_so_far_ret \
        == pytest.approx(-0.05, abs=1e-12)
    # the daily closes stop a day early: no point is made for a day whose start is unknown
    gap = dict(frames)
    gap["crypto.btc"] = frames["crypto.btc"].iloc[:-1]
    assert compute_snapshot(gap, utc("2021-05-19T20:00"), meta).crypto.btc_day_so_far_ret \
        is None


def bundled(key: str) -> list[tuple[datetime, float]]:
    with gzip.open(replay_dir() / "series" / f"{key}.csv.gz", "rt", newline="") as fh:
        return [(datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
                 float(r["close"])) for r in csv.DictReader(fh) if r["close"]]


def test_the_btc_crash_of_2026_02_05_is_seen_at_the_us_close(datasets):
    """2026-02-05 21:00 UTC (the US close): BTC's daily bar of that day closes at 00:00, but
    the replay holds Binance hourly bars; the day so far, from the replay's CSVs by hand."""
    asof = datetime(2026, 2, 5, 21, tzinfo=UTC)
    start = datetime(2026, 2, 5, tzinfo=UTC)
    daily = [(t, v) for t, v in bundled("crypto.btc") if t <= asof]
    hourly = [(t, v) for t, v in bundled("crypto.btcusdt.1h") if start < t <= asof]
    assert daily[-1][0] == start and hourly[-1][0] == asof
    want = hourly[-1][1] / daily[-1][1] - 1
    assert want < -0.12  # BTC -12.7 % on the day by the US close
    closes = [v for _, v in daily] + [hourly[-1][1]]
    ds = datasets("2026-02-risk-off")
    snap = compute_snapshot(ds.frames, pd.Timestamp(asof), ds.meta)
    assert snap.crypto.btc_day_so_far_ret == pytest.approx(want, rel=1e-12)
    assert snap.volatility.btc_rv_ratio == pytest.approx(rv_ratio(closes), rel=1e-9)
    assert snap.trend.btc_1d == -1


# ---------------------------------------------------------------- 3. the policy change
def test_policy_5d_on_2020_03_16_is_the_front_month_average_change(datasets):
    """The day after the 100 bp cut of Sunday 2020-03-15: 100 - ZQ=F moved -9.5 bp over 5
    sessions, because the front month (March) settles on the month's average rate and half of
    March was past. The number is what SIGNALS.md says it is, recomputed from the replay CSV."""
    asof = datetime(2020, 3, 16, 21, 30, tzinfo=UTC)
    zq = [v for t, v in bundled("rates.zq") if t <= asof]
    want = ((100 - zq[-1]) - (100 - zq[-6])) * 100
    assert round(want, 1) == -9.5
    ds = datasets("history")
    m = compute_snapshot(ds.frames, pd.Timestamp(asof), ds.meta).macro
    assert m.policy_5d_bp == pytest.approx(want, abs=1e-9)


def test_rest_of_month_rate_by_hand():
    """A 30-day month, 10 days fixed at 5.00 %, the future pricing a 4.50 % average: the 20
    days left are priced at (30 x 4.50 - 10 x 5.00) / 20 = 4.25 %."""
    dff = pd.Series(5.0, index=pd.date_range("2023-06-01", "2023-06-10", freq="D"))
    assert macro.rest_of_month_rate(4.50, pd.Timestamp("2023-06-11"), dff) == \
        pytest.approx(4.25, abs=1e-12)
    # a past day without an effective rate: no number; four days left: too few
    assert macro.rest_of_month_rate(4.50, pd.Timestamp("2023-06-11"), dff.drop(
        pd.Timestamp("2023-06-04"))) is None
    full = pd.Series(5.0, index=pd.date_range("2023-06-01", "2023-06-26", freq="D"))
    assert macro.rest_of_month_rate(4.9, pd.Timestamp("2023-06-27"), full) is None
    assert macro.rest_of_month_rate(4.9, pd.Timestamp("2023-06-26"), full) == \
        pytest.approx((30 * 4.9 - 25 * 5.0) / 5, abs=1e-12)


def fred_rate_frame(values: dict[date, float]) -> pd.DataFrame:
    """Stamped like the store's FRED rates: the observation date at 16:00 New York."""
    idx = pd.DatetimeIndex([pd.Timestamp(d).tz_localize("America/New_York")
                            + pd.Timedelta(hours=16) for d in values]).tz_convert("UTC")
    return pd.DataFrame({"value": list(values.values())}, index=idx.as_unit("ns"))


def test_with_the_effective_rate_the_cut_of_2020_03_15_shows(datasets):
    """With FRED DFF beside ZQ=F (DFF is not in the bundled store; here from ../shared), the
    rate implied for the rest of March fell 41.5 bp over the 5 sessions to 2020-03-16, against
    -9.5 bp for the monthly average; recomputed by hand from the raw files."""
    dff = raw_fred("fed_funds_effective_daily_fred_dff_2015_2025.csv", "dff")
    zq = raw_fred("zq_f_fed_funds_futures_daily_yahoo_2015_2025.csv", "close")

    def rest(day: date) -> float:
        past = [dff[date(2020, 3, d)] for d in range(1, day.day)]
        return (31 * (100 - zq[day]) - sum(past)) / (31 - len(past))

    ds = datasets("history")
    frames = {**ds.frames, "rates.dff": fred_rate_frame(dff)}
    asof = pd.Timestamp("2020-03-16T21:30Z")
    m = compute_snapshot(frames, asof, ds.meta).macro
    assert m.policy_rest_of_month_pct == pytest.approx(rest(date(2020, 3, 16)), abs=1e-9)
    want = (rest(date(2020, 3, 16)) - rest(date(2020, 3, 9))) * 100
    assert m.policy_rest_of_month_5d_bp == pytest.approx(want, abs=1e-9)
    assert round(want, 1) == -41.5 and round(m.policy_5d_bp, 1) == -9.5
    # early April: 5 sessions back is March, another contract: no change is measured
    april = compute_snapshot(frames, pd.Timestamp("2020-04-03T21:30Z"), ds.meta)
    assert april.macro.policy_rest_of_month_pct is not None
    assert april.macro.policy_rest_of_month_5d_bp is None
    assert "another month" in april.missing["macro.policy_rest_of_month_5d_bp"]
    # without DFF (the bundled store today) both are null, and say why
    plain = compute_snapshot(ds.frames, asof, ds.meta)
    assert plain.macro.policy_rest_of_month_pct is None
    assert plain.missing["macro.policy_rest_of_month_pct"] == \
        "no current FRED DFF (effective fed funds) in this data"


def test_the_stress_reading_says_the_btc_day_is_the_day_so_far(datasets):
    ds = datasets("2026-02-risk-off")
    snap = compute_snapshot(ds.frames, pd.Timestamp("2026-02-05T21:00Z"), ds.meta)
    assert snap.stress.btc_day_basis == "UTC day so far to 21:00, provisional"
    assert snap.stress.btc_1d_ret == pytest.approx(math.log1p(snap.crypto.btc_day_so_far_ret),
                                                   rel=1e-12)
    night = compute_snapshot(ds.frames, pd.Timestamp("2026-02-05T06:00Z"), ds.meta)
    assert night.stress.btc_day_basis == "last daily bar"


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_the_provisional_point_is_appended_as_pandas_concat_appends_it(unit):
    from deskapp.signals.provisional import DaySoFar, with_day_so_far

    index = pd.date_range("2021-05-10", periods=9, freq="D", tz="UTC", name="time")
    daily = pd.Series(np.linspace(1.0, 2.0, 9), index=index.as_unit(unit), name="close")
    at = utc("2021-05-19T15:00")
    point = DaySoFar(0.5, at, "crypto.btcusdt.1h", 2.0, at)
    want = pd.concat([daily, pd.Series([0.5], index=pd.DatetimeIndex([at]).as_unit(unit),
                                       name="close")])
    got = with_day_so_far(daily, point)
    pd.testing.assert_series_equal(got, want, check_exact=True)
    assert got.index[-1] == at and got.iloc[-1] == 0.5 and len(got) == 10
    assert with_day_so_far(daily, None) is daily
