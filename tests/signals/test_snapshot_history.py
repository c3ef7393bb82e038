"""`history` holds the intraday series too: on an event's day it reads what the event replay reads.

Where no hourly BTC bars exist but 4h bars do (2020-10..2021-03), the 4h trend comes from them;
the 8h funding before the API file starts is the page export, re-stamped to the settlement time.
"""

from __future__ import annotations

import csv
import gzip
from datetime import datetime, timedelta

import pandas as pd
import pytest

from deskapp.resources import replay_dir
from deskapp.signals.snapshot import compute_snapshot

SECTIONS = ("correlation", "trend", "macro", "volatility", "breadth", "crypto", "flywheel",
            "early_warning", "smallcaps", "regime")


def snap(ds, at: str) -> dict:
    return compute_snapshot(ds.frames, pd.Timestamp(at), ds.meta).to_dict()


def closes_upto(key: str, col: str, upto: str) -> list[tuple[datetime, float]]:
    """(time, value) rows of a bundled series stamped at or before `upto` (plain csv + gzip)."""
    limit = datetime.fromisoformat(upto.replace("Z", "+00:00"))
    with gzip.open(replay_dir() / "series" / f"{key}.csv.gz", "rt", newline="") as fh:
        rows = [(datetime.fromisoformat(r["time"].replace("Z", "+00:00")), r[col])
                for r in csv.DictReader(fh)]
    return [(t, float(v)) for t, v in rows if t <= limit and v.strip()]


# Fields where `history` holds better data than the event replay, so they differ by design:
# 2024-08-05: the real ^NDX (long download) where the event replay has QQQ standing in, and
#   an adjusted SPY leg (etf.spy_adj) for RSP/SPY and SMH/SPY, which the event replay lacks;
# 2026-02-05: the latest Binance 8h funding (ccxt file) where it has only the daily mean.
NDX_FIELDS = {("volatility", "ndx_rv_ratio"), ("volatility", "ndx_delever_pressure"),
              ("breadth", "basket_minus_ndx_20d"), ("breadth", "rsp_spy_20d"),
              ("breadth", "smh_spy_20d"),
              ("early_warning", "flags")}  # the same flags lit; the NDX evidence quotes the ratio


@pytest.mark.parametrize(("at", "event", "field", "differs"), [
    ("2024-08-05T21:00Z", "2024-08-carry-unwind", ("correlation", "h1_120"), NDX_FIELDS),
    ("2025-10-10T21:00Z", "2025-10-liquidations", ("crypto", "liq_long_z"), set()),
    ("2026-02-05T21:00Z", "2026-02-risk-off", ("trend", "btc_4h"),
     {("crypto", "funding_annualised"), ("crypto", "funding_annualised_1d_mean"),
      ("crypto", "funding_basis")}),
])
def test_history_reads_what_the_event_replay_reads(datasets, at, event, field, differs):
    hist, ev = snap(datasets("history"), at), snap(datasets(event), at)
    assert hist[field[0]][field[1]] is not None  # an intraday field, now held by history
    for section in SECTIONS:
        for name in set(hist[section]) | set(ev[section]):
            if (section, name) == ("early_warning", "flags") and (section, name) in differs:
                assert [f["lit"] for f in hist[section][name]] == \
                    [f["lit"] for f in ev[section][name]]
            elif (section, name) in differs:
                assert hist[section][name] is not None
                assert hist[section][name] != ev[section][name]
            else:
                assert hist[section].get(name) == ev[section].get(name), (section, name)


def trend_by_hand(closes: list[float]) -> int:
    """sign(close - EMA20) when it agrees with the sign of EMA20's 5-bar slope, else 0."""
    a, e = 2.0 / 21.0, []
    for c in closes:
        e.append(c if not e else a * c + (1 - a) * e[-1])
    side = (closes[-1] > e[-1]) - (closes[-1] < e[-1])
    slope = (e[-1] > e[-6]) - (e[-1] < e[-6])
    return side if side == slope else 0


def four_hour_closes(key: str, upto: str) -> list[float]:
    """4h closes from finer bars, by hand: the last close in each UTC span (end - 4h, end],
    spans ended by `upto`."""
    by_end: dict[datetime, float] = {}
    for t, v in closes_upto(key, "close", upto):
        end = t if t.hour % 4 == 0 and t.minute == 0 else \
            t.replace(minute=0) + timedelta(hours=4 - t.hour % 4)
        by_end[end] = v  # rows are in time order: the last one wins
    return [by_end[e] for e in sorted(by_end)]


@pytest.mark.parametrize("at", ["2018-02-05T21:00Z", "2020-03-16T20:00Z", "2021-01-21T21:00Z",
                                "2021-05-19T20:00Z", "2022-05-12T20:00Z", "2023-03-13T20:00Z"])
def test_btc_4h_trend_from_2h_bars_where_no_hourly_bars_exist(datasets, at):
    d = snap(datasets("history"), at)
    assert d["trend"]["btc_1h"] is None  # no hourly BTC bars before 2024
    bars = four_hour_closes("crypto.btcusdt.2h", at)
    assert len(bars) >= 25
    assert d["trend"]["btc_4h"] == trend_by_hand(bars)


def test_the_2h_bars_give_the_4h_file_its_closes():
    """Where both exist the 4h file and the 4h closes of the 2h bars are the same numbers."""
    at = "2021-03-31T04:00Z"
    four = [v for _, v in closes_upto("crypto.btcusdt.4h", "close", at)]
    from_2h = four_hour_closes("crypto.btcusdt.2h", at)
    assert from_2h[-len(four):] == four


BASKET = ("NVDA", "MSFT", "AVGO", "AMD", "TSM", "META", "GOOGL", "AMZN", "ORCL", "MU", "PLTR",
          "CRM", "NOW", "ADBE", "ANET")


@pytest.mark.parametrize("at", ["2015-08-24T20:30Z", "2020-03-16T20:30Z", "2022-05-12T20:30Z"])
def test_breadth_and_ndx_from_the_long_downloads(datasets, at):
    """Before the bundled AI-leader series start (2024), breadth reads each member's 2024-03
    download (stk.T.hist) and NDX the long ^NDX download, each member against its own averages."""
    d = snap(datasets("history"), at)["breadth"]
    members = {t: [v for _, v in closes_upto(f"stk.{t}.hist", "close", at)] for t in BASKET}
    members = {t: v for t, v in members.items() if v}
    last = max(closes_upto(f"stk.{t}.hist", "close", at)[-1][0] for t in members)
    current = {t: v for t, v in members.items()
               if closes_upto(f"stk.{t}.hist", "close", at)[-1][0] == last}
    for w, name in ((20, "above_sma20"), (50, "above_sma50")):
        counted = [v for v in current.values() if len(v) >= w]
        above = sum(v[-1] > sum(v[-w:]) / w for v in counted)
        assert d[name] == pytest.approx(above / len(counted), abs=1e-12)
    ndx = [v for _, v in closes_upto("idx.ndx.hist", "close", at)]
    rets = [v[-1] / v[-21] - 1 for v in current.values() if len(v) > 20]
    want = sum(rets) / len(rets) - (ndx[-1] / ndx[-21] - 1)
    assert d["basket_minus_ndx_20d"] == pytest.approx(want, rel=1e-9)


def test_funding_on_2021_05_19_is_the_latest_8h_rate(datasets):
    """At the US close of 2021-05-19 the latest Binance settlement is 16:00 UTC (-0.089697 %/8h),
    -98 %/yr; the page export's own stamp put it at 2021-05-20 00:00, after the close."""
    at = "2021-05-19T20:00Z"
    d = snap(datasets("history"), at)
    t, rate = closes_upto("deriv.btc_funding_8h_export", "rate", at)[-1]
    assert t.isoformat() == "2021-05-19T16:00:00+00:00"
    assert rate == pytest.approx(-0.00089697, abs=1e-12)
    assert d["crypto"]["funding_annualised"] == pytest.approx(rate * 3 * 365, rel=1e-12)


@pytest.mark.parametrize(("at", "name", "num"), [
    ("2020-03-16T20:30Z", "rsp_spy_20d", "etf.rsp_adj"),
    ("2018-02-05T21:30Z", "rsp_spy_20d", "etf.rsp_adj"),
    ("2020-03-16T20:30Z", "smh_spy_20d", "etf.smh_adj.hist"),
])
def test_relative_strength_from_adjusted_legs_before_the_pool_download(datasets, at, name, num):
    """Before 2025-08 the adjusted SPY leg is the RSP/IWM download's SPY (etf.spy_adj): the
    ratio's 20-session change on the sessions both legs have."""
    d = snap(datasets("history"), at)["breadth"]
    a, b = dict(closes_upto(num, "close", at)), dict(closes_upto("etf.spy_adj", "close", at))
    common = sorted(a.keys() & b.keys())
    r = [a[t] / b[t] for t in common]
    assert d[name] == pytest.approx(r[-1] / r[-21] - 1, rel=1e-9)


@pytest.mark.parametrize("at", ["2015-08-24T20:00Z", "2018-02-05T21:00Z", "2020-03-16T20:00Z",
                                "2022-05-12T20:00Z", "2023-03-13T20:00Z"])
def test_equity_trends_from_the_hourly_cfd_before_2024(datasets, at):
    """No hourly S&P 500 bars before 2024 but the SPX500 CFD's: es_1h on its closes, es_4h on
    the last close of each UTC 4h span."""
    d = snap(datasets("history"), at)["trend"]
    hourly = [v for _, v in closes_upto("cfd.spx500.1h", "close", at)]
    assert d["es_1h"] == trend_by_hand(hourly)
    assert d["es_4h"] == trend_by_hand(four_hour_closes("cfd.spx500.1h", at))
