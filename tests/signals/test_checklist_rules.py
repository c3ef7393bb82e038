"""The checklist's suggested status per step (DESIGN.md section 6, thresholds in docs/SIGNALS.md),
on hand-made snapshot dicts. The baseline is neutral on every step; each test moves one number
across a threshold."""

from __future__ import annotations

import copy

import pytest

from deskapp.signals.checklist import NEUTRAL, RISK_OFF, RISK_ON, STATUSES
from deskapp.signals.checklist import suggest as suggest_typed
from deskapp.signals.engine import snapshot_from_dict

STEPS = ("Macro", "Equity leadership", "Crypto structure", "Correlation", "Execution rule")


def base() -> dict:
    return {
        "macro": {"us10y_5d_bp": 5.0, "bill3m_5d_bp": 0.0, "policy_5d_bp": 0.0,
                  "dxy_20d_ret": 0.0, "dxy_20d_z": 0.0, "dollar_strength_with_yields": False},
        "breadth": {"above_sma20": 0.5, "above_sma50": 0.5, "basket_minus_ndx_20d": 0.0,
                    "rsp_spy_20d": 0.0, "smh_spy_20d": 0.0, "igv_spy_20d": 0.0},
        "crypto": {"funding_annualised": 0.20, "oi_24h_change": 0.01,
                   "oi_quadrant": "leveraged rally", "liq_long_z": 0.0, "liq_short_z": 0.0},
        "correlation": {"daily_30": 0.5, "daily_60": 0.5, "daily_90": 0.5, "h1_120": 0.5,
                        "h4_90": 0.5, "zone": "elevated", "trend_1h": "mixed",
                        "trend_4h": "mixed"},
        "trend": {"btc_1h": 1, "btc_4h": 1, "btc_1d": 1, "es_1h": 1, "es_4h": 1, "es_1d": 1},
        "flywheel": {"stage": 0, "steps": []},
        "early_warning": {"count": 0, "flags": []},
        "regime": {"name": "calm", "evidence": [], "scenario": None},
    }


def suggest(s: dict):
    """The checklist reads the typed snapshot: build it from the hand-made dict."""
    return suggest_typed(snapshot_from_dict(s))


def status(step: str, **changes) -> str:
    """Status of `step` with dotted-path changes, e.g. status('Macro', macro__us10y_5d_bp=15)."""
    s = copy.deepcopy(base())
    for path, value in changes.items():
        section, key = path.split("__")
        s[section][key] = value
    calls = suggest(s)
    return next(c.status for c in calls if c.step == step)


def test_baseline_is_neutral_everywhere_in_order_with_evidence():
    calls = suggest(base())
    assert [c.step for c in calls] == list(STEPS)
    assert [c.status for c in calls] == [NEUTRAL] * 5
    assert all(c.evidence for c in calls)
    assert set(STATUSES) == {RISK_OFF, NEUTRAL, RISK_ON}


# ---------------------------------------------------------------- 1. Macro
@pytest.mark.parametrize(("changes", "want"), [
    ({"macro__dollar_strength_with_yields": True}, RISK_OFF),
    ({"macro__dollar_strength_with_yields": None}, NEUTRAL),
    ({"macro__policy_5d_bp": 10.0}, RISK_OFF),
    ({"macro__policy_5d_bp": 9.9}, NEUTRAL),
    ({"macro__us10y_5d_bp": 15.0}, RISK_OFF),
    ({"macro__us10y_5d_bp": 14.9}, NEUTRAL),
    ({"macro__dxy_20d_z": -1.0, "macro__us10y_5d_bp": 0.0}, RISK_ON),
    ({"macro__dxy_20d_z": -2.0, "macro__us10y_5d_bp": -12.0}, RISK_ON),
    ({"macro__dxy_20d_z": -0.99, "macro__us10y_5d_bp": 0.0}, NEUTRAL),
    ({"macro__dxy_20d_z": -1.0, "macro__us10y_5d_bp": 0.1}, NEUTRAL),
    ({"macro__dxy_20d_z": None, "macro__us10y_5d_bp": -5.0}, NEUTRAL),
    ({"macro__dxy_20d_z": -1.5, "macro__us10y_5d_bp": None}, NEUTRAL),
    # risk-off beats risk-on
    ({"macro__dxy_20d_z": -1.5, "macro__us10y_5d_bp": -5.0, "macro__policy_5d_bp": 11.0},
     RISK_OFF),
    # unknowns never make it risk-off
    ({"macro__policy_5d_bp": None, "macro__us10y_5d_bp": None}, NEUTRAL),
])
def test_macro_step(changes, want):
    assert status("Macro", **changes) == want


# ---------------------------------------------------------------- 2. Equity leadership
@pytest.mark.parametrize(("changes", "want"), [
    ({"breadth__above_sma50": 0.39}, RISK_OFF),
    ({"breadth__above_sma50": 0.40}, NEUTRAL),
    ({"breadth__basket_minus_ndx_20d": -0.03}, RISK_OFF),
    ({"breadth__basket_minus_ndx_20d": -0.029}, NEUTRAL),
    ({"breadth__smh_spy_20d": -0.05}, RISK_OFF),
    ({"breadth__smh_spy_20d": -0.049}, NEUTRAL),
    ({"breadth__above_sma50": 0.6, "breadth__rsp_spy_20d": 0.0}, RISK_ON),
    ({"breadth__above_sma50": 0.9, "breadth__rsp_spy_20d": 0.02}, RISK_ON),
    ({"breadth__above_sma50": 0.59, "breadth__rsp_spy_20d": 0.02}, NEUTRAL),
    ({"breadth__above_sma50": 0.8, "breadth__rsp_spy_20d": -0.001}, NEUTRAL),
    ({"breadth__above_sma50": 0.8, "breadth__rsp_spy_20d": None}, NEUTRAL),
    ({"breadth__above_sma50": None, "breadth__rsp_spy_20d": 0.05}, NEUTRAL),
    # off beats on
    ({"breadth__above_sma50": 0.8, "breadth__rsp_spy_20d": 0.01,
      "breadth__smh_spy_20d": -0.06}, RISK_OFF),
    ({"breadth__above_sma50": None, "breadth__basket_minus_ndx_20d": None,
      "breadth__smh_spy_20d": None}, NEUTRAL),
])
def test_equity_leadership_step(changes, want):
    assert status("Equity leadership", **changes) == want


# ---------------------------------------------------------------- 3. Crypto structure
@pytest.mark.parametrize(("changes", "want"), [
    ({"flywheel__stage": 2}, RISK_OFF),
    ({"flywheel__stage": 5}, RISK_OFF),
    ({"flywheel__stage": 1}, NEUTRAL),
    ({"crypto__oi_quadrant": "trapped leverage"}, RISK_OFF),
    ({"crypto__oi_quadrant": "flush / de-leveraging"}, NEUTRAL),
    ({"crypto__funding_annualised": 0.30}, RISK_OFF),
    ({"crypto__funding_annualised": 0.2999}, NEUTRAL),
    ({"crypto__funding_annualised": 0.15}, RISK_ON),  # stage 0, btc 1d up in the baseline
    ({"crypto__funding_annualised": 0.0}, RISK_ON),
    ({"crypto__funding_annualised": 0.1501}, NEUTRAL),
    ({"crypto__funding_annualised": -0.01}, NEUTRAL),
    ({"crypto__funding_annualised": None}, NEUTRAL),
    ({"crypto__funding_annualised": 0.10, "trend__btc_1d": 0}, NEUTRAL),
    ({"crypto__funding_annualised": 0.10, "trend__btc_1d": None}, NEUTRAL),
    ({"crypto__funding_annualised": 0.10, "flywheel__stage": 1}, NEUTRAL),
    ({"crypto__funding_annualised": 0.10, "crypto__oi_quadrant": "trapped leverage"}, RISK_OFF),
])
def test_crypto_structure_step(changes, want):
    assert status("Crypto structure", **changes) == want


# ---------------------------------------------------------------- 4. Correlation
@pytest.mark.parametrize(("changes", "want"), [
    ({"correlation__daily_30": 0.7}, RISK_OFF),
    ({"correlation__h1_120": 0.7}, RISK_OFF),
    ({"correlation__h4_90": 0.81}, RISK_OFF),
    ({"correlation__h4_90": 0.69}, NEUTRAL),
    ({"correlation__daily_90": 0.95}, NEUTRAL),  # the 60/90-day windows do not decide
    ({"correlation__trend_4h": "both down"}, RISK_OFF),
    ({"correlation__trend_1h": "both down"}, NEUTRAL),
    ({"correlation__trend_4h": "both up"}, NEUTRAL),
    ({"correlation__daily_30": 0.29}, RISK_ON),
    ({"correlation__daily_30": 0.30}, NEUTRAL),
    ({"correlation__daily_30": 0.1, "correlation__h1_120": 0.75}, RISK_OFF),
    ({"correlation__daily_30": 0.1, "correlation__trend_4h": "both down"}, RISK_OFF),
    ({"correlation__daily_30": None, "correlation__h1_120": None,
      "correlation__h4_90": None, "correlation__trend_4h": None}, NEUTRAL),
])
def test_correlation_step(changes, want):
    assert status("Correlation", **changes) == want


# ---------------------------------------------------------------- 5. Execution rule
@pytest.mark.parametrize(("regime", "want"), [
    ("liquidity shock", RISK_OFF),
    ("trend break", RISK_OFF),
    ("volatility event", NEUTRAL),
    ("risk-on rotation", RISK_ON),
    ("calm", NEUTRAL),
])
def test_execution_step_follows_the_regime(regime, want):
    assert status("Execution rule", regime__name=regime) == want


def test_evidence_quotes_the_numbers():
    s = base()
    s["macro"]["us10y_5d_bp"] = -7.0
    s["crypto"]["funding_annualised"] = 0.125
    s["flywheel"]["stage"] = 3
    calls = {c.step: c for c in suggest(s)}
    assert "-7 bp" in calls["Macro"].evidence
    assert "+12.5%/yr" in calls["Crypto structure"].evidence
    assert "3/5" in calls["Crypto structure"].evidence
    s["macro"]["us10y_5d_bp"] = None
    assert "n/a" in suggest(s)[0].evidence
