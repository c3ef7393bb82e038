"""The outcome summary by decision and regime, and the review filter, on hand-worked records."""

from __future__ import annotations

import pytest

from deskapp.journal.review import matches, outcome, summarise


def rec(decision, regime, btc_1w=None, spx_1w=None, dd=None, when="2026-02-05T21:00:00Z",
        profile="swing"):
    outs = {}
    if btc_1w is not None:
        outs["BTC"] = {"1w": {"ret": btc_1w, "max_drawdown": dd}}
    if spx_1w is not None:
        outs["SPX"] = {"1w": {"ret": spx_1w, "max_drawdown": -0.01}}
    return {"decision": decision, "regime": regime, "outcomes": outs, "market_time": when,
            "created_utc": "2026-11-01T00:00:00Z", "profile": profile}


def test_means_by_decision_and_regime_over_complete_outcomes_only():
    records = [rec("hedge", "liquidity shock", -0.10, -0.04, -0.12),
               rec("hedge", "liquidity shock", 0.02, 0.01, -0.05),
               rec("hedge", "liquidity shock"),  # week not complete yet
               rec("wait", "liquidity shock", -0.06, None, -0.08),
               rec("hedge", None, 0.05, 0.02, 0.0)]
    rows = {(s.regime, s.decision): s for s in summarise(records, "1w")}
    assert list(rows) == [("liquidity shock", "hedge"), ("liquidity shock", "wait"),
                          ("unknown", "hedge")]
    h = rows[("liquidity shock", "hedge")]
    assert (h.n, h.n_complete) == (3, 2)
    assert h.btc_ret == pytest.approx((-0.10 + 0.02) / 2)  # -4 %
    assert h.spx_ret == pytest.approx((-0.04 + 0.01) / 2)  # -1.5 %
    assert h.btc_dd == pytest.approx((-0.12 - 0.05) / 2)
    w = rows[("liquidity shock", "wait")]
    assert w.btc_ret == pytest.approx(-0.06) and w.spx_ret is None and w.n_complete == 1
    assert summarise(records, "1d")[0].btc_ret is None  # no 1-day outcomes stored


def test_outcome_reads_one_value_or_none():
    r = rec("hedge", "calm", 0.03, None, -0.02)
    assert outcome(r, "BTC", "1w") == 0.03 and outcome(r, "BTC", "1w", "max_drawdown") == -0.02
    assert outcome(r, "SPX", "1w") is None and outcome(r, "BTC", "1d") is None


def test_filter_by_dates_decision_regime_profile():
    r = rec("reduce", "trend break", when="2026-02-05T21:00:00Z", profile="long-term")
    assert matches(r)
    assert matches(r, since="2026-02-05", until="2026-02-05")  # the whole day is inside
    assert not matches(r, since="2026-02-06") and not matches(r, until="2026-02-04")
    assert matches(r, decision="reduce") and not matches(r, decision="hedge")
    assert matches(r, regime="trend break") and not matches(r, regime="calm")
    assert matches(r, profile="long-term") and not matches(r, profile="swing")
    assert matches(rec("wait", None), regime="unknown")
    no_market = dict(r, market_time=None)  # a decision without market time: its UTC date
    assert matches(no_market, since="2026-11-01") and not matches(no_market, until="2026-10-31")
