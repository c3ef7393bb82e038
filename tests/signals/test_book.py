"""The book's figures (issue 17), each against an independent computation: betas against
numpy.linalg.lstsq, VaR/ES against a plain sorted-loss loop, stress P&L against a hand-worked
two-position book on the real episode data, hedge sizes against the closed form."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deskapp.data.portfolio import NO_PRICE, Book, parse_book_csv
from deskapp.evaluate.episodes import Episode
from deskapp.signals.book import book_figures, reentry_verdict
from deskapp.signals.book_risk import beta, covariance_vol, var_es
from deskapp.signals.engine import compute
from deskapp.signals.hedge import round_up, size_for_es, size_for_stress

AT = pd.Timestamp("2026-02-05T21:00Z")
SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample_book.csv"


def _book(text: str) -> Book:
    book, msgs = parse_book_csv("symbol,quantity,notional_usd\n" + text)
    assert [m for m in msgs if "kept," not in m] == []
    return book


def _frames(n: int = 400, seed: int = 7) -> tuple[dict, pd.DatetimeIndex]:
    """Synthetic closes: S&P 500 and NVDA on weekdays at 21:00 UTC, BTC every UTC day."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2024-01-01", periods=n, tz="UTC") + pd.Timedelta(hours=21)
    spx_r = rng.normal(0, 0.01, n)
    nvda_r = 1.6 * spx_r + rng.normal(0, 0.015, n)
    cal = pd.date_range(pd.Timestamp("2024-01-01", tz="UTC"), days[-1].normalize(), freq="D")
    btc_r = rng.normal(0, 0.03, len(cal))

    def frame(index, rets, p0):
        return pd.DataFrame({"close": p0 * np.cumprod(1 + rets)}, index=index.rename("time"))

    return {"idx.spx": frame(days, spx_r, 5000.0), "stk.NVDA": frame(days, nvda_r, 100.0),
            "crypto.btc": frame(cal + pd.Timedelta(days=1), btc_r, 40000.0)}, days


def _aligned_returns(frames: dict, days: pd.DatetimeIndex) -> pd.DataFrame:
    """The test's own alignment: each close on the equity session dates, simple returns."""
    out = {}
    for key, f in frames.items():
        c = f["close"]
        dates = (c.index - pd.Timedelta(seconds=1)).normalize()  # BTC's 00:00 bar: the day before
        out[key] = pd.Series(c.to_numpy(), index=dates).reindex(days.normalize())
    return pd.DataFrame(out).pct_change(fill_method=None).iloc[1:]


def test_beta_matches_lstsq_with_holes():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.01, 300)
    y = 0.3 + 1.4 * x + rng.normal(0, 0.02, 300)
    y[::17] = np.nan
    ok = np.isfinite(y)
    a = np.column_stack([x[ok], np.ones(ok.sum())])
    want = np.linalg.lstsq(a, y[ok], rcond=None)[0][0]
    assert beta(y, x) == pytest.approx(want, rel=1e-12)
    assert beta(y[:50], x[:50]) is None  # fewer than 60 observations


def _plain_var_es(pnl, level):
    losses = sorted((-p for p in pnl), reverse=True)
    k = max(1, int(len(losses) * (1 - level) + 1e-9))
    total = 0.0
    for i in range(k):
        total += losses[i]
    return losses[k - 1], total / k


@pytest.mark.parametrize("n", [252, 756, 99, 37])
def test_var_es_match_a_plain_sorted_loss_loop(n):
    pnl = np.random.default_rng(n).standard_t(3, n) * 1000
    for level in (0.95, 0.99):
        assert var_es(pnl, level) == pytest.approx(_plain_var_es(pnl, level))
    # 252 days: the 99 % tail is the 2 worst days, the 95 % tail the 12 worst
    if n == 252:
        worst = np.sort(-pnl)[::-1]
        assert var_es(pnl, 0.99) == pytest.approx((worst[1], worst[:2].mean()))
        assert var_es(pnl, 0.95)[0] == pytest.approx(worst[11])


def test_covariance_vol_is_the_std_of_the_pnl():
    r = np.random.default_rng(3).normal(0, 0.02, (252, 3))
    e = np.array([1e5, -3e4, 2e4])
    assert covariance_vol(r, e) == pytest.approx(np.std(r @ e, ddof=1) * math.sqrt(252))


def test_book_betas_vol_and_var_against_independent_computation():
    frames, days = _frames()
    at = days[-1] + pd.Timedelta(hours=4)  # after the last BTC day closed too
    book = _book("NVDA,300,\nBTC,2,\nUSD,,50000\n")
    fig = book_figures(book, frames, at, limit_pct=10, episodes=[])
    rets = _aligned_returns(frames, days)
    rows = {r["symbol"]: r for r in fig.positions}
    p_nvda = frames["stk.NVDA"]["close"].iloc[-1]
    p_btc = frames["crypto.btc"]["close"].iloc[-1]
    assert rows["NVDA"]["value_usd"] == pytest.approx(300 * p_nvda)
    assert rows["BTC"]["value_usd"] == pytest.approx(2 * p_btc)
    nav = 300 * p_nvda + 2 * p_btc + 50000
    assert fig.book_value_usd == pytest.approx(nav)
    assert rows["USD"]["weight"] == pytest.approx(50000 / nav)

    tail = rets.iloc[-252:]

    def ols(y, x):
        a = np.column_stack([x, np.ones(len(x))])
        return np.linalg.lstsq(a, y, rcond=None)[0][0]

    assert rows["NVDA"]["beta_spx"] == pytest.approx(ols(tail["stk.NVDA"], tail["idx.spx"]))
    assert rows["NVDA"]["beta_btc"] == pytest.approx(ols(tail["stk.NVDA"], tail["crypto.btc"]))
    assert rows["BTC"]["beta_btc"] == pytest.approx(1.0)
    pnl = (tail["stk.NVDA"] * 300 * p_nvda + tail["crypto.btc"] * 2 * p_btc).to_numpy()
    assert fig.beta_spx == pytest.approx(ols(pnl / nav, tail["idx.spx"].to_numpy()))
    assert fig.vol["1y"] == pytest.approx(np.std(pnl, ddof=1) * math.sqrt(252) / nav)
    v99, e99 = _plain_var_es(pnl, 0.99)
    assert fig.var["1y"]["var99_usd"] == pytest.approx(v99)
    assert fig.var["1y"]["es99_pct"] == pytest.approx(-e99 / nav)
    assert fig.var["1y"]["days"] == 252
    assert fig.var["3y"]["days"] == len(rets)  # fewer than 756 days of data: said in the notes
    assert any("3y risk on" in n for n in fig.notes)


def test_unknown_symbol_is_said_on_its_row_and_not_valued_at_zero(datasets):
    ds = datasets("history")
    fig = book_figures(_book("NVDA,10,\nZZZQ,5,\n"), ds.frames, AT, limit_pct=10)
    rows = {r["symbol"]: r for r in fig.positions}
    assert rows["ZZZQ"]["note"] == NO_PRICE and rows["ZZZQ"]["value_usd"] is None
    assert fig.book_value_usd == pytest.approx(rows["NVDA"]["value_usd"])
    json.dumps(fig.as_dict(), allow_nan=False)  # JSON-safe


def _close_on(frames, key, day: str) -> float:
    """The close of the bar stamped on UTC date `day` (the test reads the store directly)."""
    c = frames[key]["close"]
    return float(c[c.index.strftime("%Y-%m-%d") == day].iloc[-1])


def test_stress_two_position_book_hand_worked_on_covid(datasets):
    """100 QQQ + 1 BTC at 2026-02-05 through the COVID crash (2020-02-24 .. 2020-03-23):
    anchor = the close before the first day: QQQ's Friday 2020-02-21 session, BTC's UTC day
    2020-02-23 (its bar stamped 2020-02-24 00:00); end = QQQ's 2020-03-23 session and BTC's UTC
    day 2020-03-23 (stamped 2020-03-24 00:00). QQQ before 2025-08 is the unadjusted etf.qqq."""
    f = datasets("history").frames
    covid = Episode("stress", pd.Timestamp("2020-02-24", tz="UTC"),
                    pd.Timestamp("2020-03-23", tz="UTC"), "COVID crash", "")
    fig = book_figures(_book("QQQ,100,\nBTC,1,\n"), f, AT, limit_pct=10, episodes=[covid])
    qqq_now = float(f["etfpool.qqq"]["close"].loc[:AT].iloc[-1])
    btc_now = float(f["crypto.btc"]["close"].loc[:AT].iloc[-1])
    r_qqq = _close_on(f, "etf.qqq", "2020-03-23") / _close_on(f, "etf.qqq", "2020-02-21") - 1
    r_btc = _close_on(f, "crypto.btc", "2020-03-24") / _close_on(f, "crypto.btc",
                                                                 "2020-02-24") - 1
    assert -0.30 < r_qqq < -0.20 and -0.45 < r_btc < -0.25  # the crash as remembered
    want = 100 * qqq_now * r_qqq + 1 * btc_now * r_btc
    (row,) = fig.stress
    assert row["pnl_usd"] == pytest.approx(want)
    assert row["pnl_pct"] == pytest.approx(want / (100 * qqq_now + btc_now))
    assert row["proxied"] == [] and row["uncovered"] == [] and row["partial"] is False
    assert row["worst_day"] == "2020-03-12"  # BTC -40 % and the Nasdaq -9 % that day
    assert row["peak_to_trough_pct"] <= row["pnl_pct"] < 0


def test_stress_proxies_a_holding_without_data_by_beta_times_btc(datasets):
    """ETH's daily series ends 2025-12-01: through the 2026 risk-off it moves as beta x BTC."""
    f = datasets("history").frames
    ep = Episode("stress", pd.Timestamp("2026-01-28", tz="UTC"),
                 pd.Timestamp("2026-02-03", tz="UTC"), "risk-off", "")
    fig = book_figures(_book("ETH,,50000\n"), f, AT, limit_pct=10, episodes=[ep])
    (row,) = fig.stress
    b = fig.positions[0]["beta_btc"]
    assert 0.5 < b < 3 and row["proxied"] == ["ETH"]
    r_btc = _close_on(f, "crypto.btc", "2026-02-04") / _close_on(f, "crypto.btc",
                                                                 "2026-01-28") - 1
    assert row["pnl_usd"] == pytest.approx(50000 * b * r_btc)


def test_stress_sizes_hedge_to_the_closed_form():
    # one episode: P = -230, one MES short gains 50 in it; limit 100 -> x = 130 / 50 = 2.6
    x, ok = size_for_stress(np.array([-230.0]), np.array([50.0]), -100.0)
    assert ok and x == pytest.approx(2.6) and round_up(x, 1.0) == 3.0
    # a second episode where the short loses (equities up): x <= (40 + 100) / 20 = 7
    x, ok = size_for_stress(np.array([-230.0, 40.0]), np.array([50.0, -20.0]), -100.0)
    assert ok and x == pytest.approx(2.6)
    # the binding episode is the one needing most: max((100 - ...)): 130/50 vs 60/10 = 6
    x, ok = size_for_stress(np.array([-230.0, -160.0]), np.array([50.0, 10.0]), -100.0)
    assert ok and x == pytest.approx(6.0)
    # no size works: the best worst episode, where the two lines cross
    x, ok = size_for_stress(np.array([-230.0, 0.0]), np.array([50.0, -50.0]), -100.0)
    assert not ok and x == pytest.approx(2.3)
    assert size_for_stress(np.array([-50.0]), np.array([50.0]), -100.0) == (0.0, True)
    assert round_up(0.0012, 0.001) == pytest.approx(0.002)


def test_es_sizing_matches_a_grid_search():
    rng = np.random.default_rng(5)
    hedge = rng.normal(0, 1000, 252)
    pnl = -0.8 * hedge + rng.normal(0, 300, 252)  # a book the short hedge offsets
    x, ok = size_for_es(pnl, hedge, 1500.0, 3.0)
    grid = np.linspace(0, 3, 30001)
    es = [var_es(pnl + g * hedge, 0.99)[1] for g in grid]
    first = grid[next(i for i, v in enumerate(es) if v <= 1500.0)]
    assert ok and x == pytest.approx(first, abs=2e-4)


def test_book_hedge_is_the_closed_form_on_real_episodes(datasets):
    """QQQ only, MES only: x = max over episodes where a short gains of (-L*NAV - P_e) / h_e,
    h_e = -5 x S&P 500 now x the S&P 500's own move in the episode; rounded up to contracts."""
    f = datasets("history").frames
    eps = [Episode("stress", pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC"), n, "")
           for a, b, n in (("2020-02-24", "2020-03-23", "covid"),
                           ("2022-05-05", "2022-05-12", "luna"),
                           ("2025-04-02", "2025-04-09", "tariffs"))]
    fig = book_figures(_book("QQQ,1000,\n"), f, AT, limit_pct=10, instruments=("MES",),
                       episodes=eps)
    nav = fig.book_value_usd
    spx_now = float(f["idx.spx"]["close"].loc[:AT].iloc[-1])
    anchors, ends = ("2020-02-21", "2022-05-04", "2025-04-01"), ("2020-03-23", "2022-05-12",
                                                                 "2025-04-09")
    h = [-5 * spx_now * (_close_on(f, "idx.spx", e) / _close_on(f, "idx.spx", a) - 1)
         for a, e in zip(anchors, ends, strict=True)]
    p = [r["pnl_usd"] for r in fig.stress]
    want = max(0.0, *((-0.1 * nav - pe) / he for pe, he in zip(p, h, strict=True) if he > 0))
    (mes,) = fig.hedges
    assert mes["instrument"] == "MES" and mes["feasible"]
    assert mes["size"] == pytest.approx(want)
    assert mes["rounded"] == math.ceil(want) and mes["residual"] == pytest.approx(
        math.ceil(want) - want)
    after = min(pe + mes["rounded"] * he for pe, he in zip(p, h, strict=True)) / nav
    assert mes["stress_after_pct"] == pytest.approx(after) and after >= -0.1
    assert "MES" in fig.summary_line and "vs limit 10 %" in fig.summary_line


def test_sample_book_figures_and_summary(datasets):
    ds = datasets("history")
    book, msgs = parse_book_csv(SAMPLE.read_text(encoding="utf-8"))
    assert msgs == []
    fig = book_figures(book, ds.frames, AT, limit_pct=10, meta=ds.meta)
    d = fig.as_dict()
    json.dumps(d, allow_nan=False)
    names = [r["episode"] for r in d["stress"]]
    for want in ("COVID crash", "Terra/LUNA collapse", "FTX collapse", "Yen carry unwind",
                 "Tariff shock", "Record crypto liquidations", "The seed's risk-off"):
        assert want in names
    worst = min(d["stress"], key=lambda r: r["pnl_pct"])
    assert d["summary_line"].startswith(f"worst stress −{-worst['pnl_pct'] * 100:.1f} % "
                                        f"({worst['episode']}) vs limit 10 %")
    combo = d["hedges"][0]
    assert combo["instrument"] == "MES+BTC_PERP" and [leg["instrument"] for leg in
                                                      combo["legs"]] == ["MES", "BTC_PERP"]
    assert combo["stress_after_pct"] >= -0.10
    assert combo["text"] in d["summary_line"] and combo["text"].startswith("short ")
    perp = next(h for h in d["hedges"] if h["instrument"] == "BTC_PERP")
    assert "funding" in perp["cost"] and perp["cost_usd_year"] is not None


def test_reentry_verdict_reads_the_boards_numbers(datasets):
    ds = datasets("history")
    snap = compute(ds.frames, ds.meta, AT, panes=False).snapshot
    v = reentry_verdict(ds.frames, AT, ds.meta)
    assert v["correlation_30d"] == pytest.approx(snap.correlation.daily_30)
    assert v["btc_rv_ratio"] == pytest.approx(snap.volatility.btc_rv_ratio)
    assert v["ok"] is False and v["text"].endswith(": not yet")
    assert v["text"].startswith(f"correlation 30d {snap.correlation.daily_30:.2f} ")


def test_summary_names_the_best_hedge_when_none_reaches_the_limit(datasets):
    ds = datasets("history")
    book = parse_book_csv(SAMPLE.read_text(encoding="utf-8"))[0]
    fig = book_figures(book, ds.frames, AT, limit_pct=0.5, instruments=("SELL_CRYPTO",),
                       episodes=None)
    (sell,) = fig.hedges
    assert not sell["feasible"] and sell["rounded"] == 1.0  # all of the crypto, still outside
    assert fig.summary_line.endswith("vs limit 0.5 %: no allowed hedge brings it inside; the "
                                     "best, sell 100 % of the crypto, brings it to "
                                     f"−{-sell['stress_after_pct'] * 100:.1f} %")
