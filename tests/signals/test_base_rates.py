"""Base-rate lines from a hand-made track-record table (deskapp/signals/base_rates.py)."""

from __future__ import annotations

from deskapp.signals.base_rates import base_rate, base_rates_now, table_range


def dist(median: float, p10: float) -> dict:
    return {"median": median, "p10": p10, "p90": median + 0.05}


TABLE = {
    "range": ["2014-01-02", "2026-02-13"],
    "groups": {
        "regime": {"trend break": {"n": 412, "spx": {"1w": dist(-0.003, -0.041)},
                                   "btc": {"1w": dist(0.004, -0.152)}}},
        "early_warning": {"1": {"n": 900, "spx": {"1w": dist(0.002, -0.02)},
                                "btc": {"1w": dist(0.01, -0.1)}}},
        "flywheel": {},
    },
    "unconditional": {"n": 3050, "spx": {"1w": dist(0.0031, -0.0204)},
                      "btc": {"1w": dist(0.012, -0.11)}},
}


def test_a_regime_line_has_n_median_and_tenth_percentile():
    rate = base_rate(TABLE, "regime", "trend break")
    assert rate.n == 412
    assert rate.line == ("trend break, 412 days since 2014: S&P 500 next week median -0.3 %, "
                         "10th pct -4.1 %; BTC next week median +0.4 %, 10th pct -15.2 %")
    assert rate.unconditional == ("all days (3050): S&P 500 next week median +0.3 %, 10th pct "
                                  "-2.0 %; BTC next week median +1.2 %, 10th pct -11.0 %")


def test_missing_groups_and_horizons_say_so():
    assert base_rate(TABLE, "flywheel", 4).n is None
    assert "no such day" in base_rate(TABLE, "flywheel", 4).line
    assert "S&P 500 n/a; BTC n/a" in base_rate(TABLE, "regime", "trend break", "1m").line
    assert base_rate(TABLE, "early_warning", 1).label == "1 early warning"
    assert base_rate(TABLE, "early_warning", 2).label == "2 early warnings"


def test_now_gives_regime_warnings_and_stage_in_that_order():
    rates = base_rates_now(TABLE, "trend break", 1, 0)
    assert [r.group for r in rates] == ["regime", "early_warning", "flywheel"]
    assert table_range(TABLE) == "2014-01-02 .. 2026-02-13"
    assert table_range({}) == "unknown range"


def test_what_followed_a_similar_day_is_shown_only_once_its_week_had_ended():
    from deskapp.signals.base_rates import what_followed

    day = {"date": "2020-03-06", "next": {"spx_1w": -0.0847, "btc_1w": None}}
    assert what_followed(day, "2020-03-13") is None  # its week ends on the board's day
    assert what_followed(day, "2020-03-14") == {"spx_1w": -0.0847, "btc_1w": None}
    assert what_followed(day, None) == {"spx_1w": -0.0847, "btc_1w": None}
    assert what_followed({"date": "2020-03-06"}, "2021-01-01") == {"spx_1w": None,
                                                                    "btc_1w": None}
