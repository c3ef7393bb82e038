"""The regime rules and the outlook scenario (DESIGN.md section 5, "Regime"), on hand-made inputs.

The baseline below is a quiet market where every input is known and no rule holds; each test
changes only what its rule needs.
"""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from deskapp.signals.regime import REGIMES, RegimeInputs, decide_regime


def inputs(macro=None, correlation=None, volatility=None, trends=None, smallcaps=None,
           chain=None, **top) -> RegimeInputs:
    m = dict(dollar_strength_with_yields=False, policy_5d_bp=0.0)
    c = dict(daily_30=0.2, h1_120=0.2, h4_90=0.2)
    v = dict(ndx_rv_ratio=1.1, spx_rv_ratio=1.1, btc_rv_ratio=1.1,
             ndx_delever_pressure=0.0, btc_delever_pressure=0.0)
    t = dict(btc_4h=1, btc_1d=1, es_4h=1, es_1d=1)
    s = dict(rut_breakout=False)
    ch = dict(reached=None, links=())
    base = dict(spx_close=5100.0, spx_sma50=5000.0, daily_30_5d_ago=0.2)
    for d, upd in ((m, macro), (c, correlation), (v, volatility), (t, trends), (s, smallcaps),
                   (ch, chain), (base, top)):
        d.update(upd or {})
    return RegimeInputs(macro=NS(**m), correlation=NS(**c), volatility=NS(**v), trends=NS(**t),
                        smallcaps=NS(**s), chain=NS(**ch), **base)


SHOCK = dict(macro={"dollar_strength_with_yields": True},
             correlation={"daily_30": 0.75},
             volatility={"btc_delever_pressure": 0.12})
DOWN = {"btc_4h": -1, "btc_1d": -1, "es_4h": -1, "es_1d": -1}
BREAK = dict(trends=DOWN, spx_close=4900.0)
SPIKE = dict(volatility={"ndx_rv_ratio": 1.6})
ROTATION = dict(smallcaps={"rut_breakout": True})


def merged(*parts: dict) -> dict:
    out: dict = {}
    for p in parts:
        for k, v in p.items():
            if isinstance(v, dict):
                out[k] = {**out.get(k, {}), **v}
            else:
                out[k] = v
    return out


def rule(call, name):
    return next(e for e in call.evidence if e[0] == name)


def test_baseline_is_calm_and_every_rule_is_reported():
    call = decide_regime(inputs())
    assert call.name == "calm"
    assert [e[0] for e in call.evidence] == list(REGIMES)
    assert all(e[1] is False for e in call.evidence[:-1])
    assert rule(call, "calm")[1] is True
    assert all(isinstance(e[2], str) and e[2] for e in call.evidence)


# ---------------------------------------------------------------- each rule on its own
def test_liquidity_shock_needs_all_three_conditions():
    assert decide_regime(inputs(**SHOCK)).name == "liquidity shock"
    # correlation stress from the 1h window alone, pressure from NDX alone
    alt = dict(macro={"dollar_strength_with_yields": True}, correlation={"h1_120": 0.7},
               volatility={"ndx_delever_pressure": 0.10})
    assert decide_regime(inputs(**alt)).name == "liquidity shock"
    for drop in ({"macro": {"dollar_strength_with_yields": False}},
                 {"correlation": {"daily_30": 0.69}},
                 {"volatility": {"btc_delever_pressure": 0.099}}):
        call = decide_regime(inputs(**merged(SHOCK, drop)))
        assert call.name == "calm"
        assert rule(call, "liquidity shock")[1] is False


def test_trend_break_needs_all_four_trends_down_and_spx_below_its_sma50():
    assert decide_regime(inputs(**BREAK)).name == "trend break"
    for key in DOWN:
        call = decide_regime(inputs(**merged(BREAK, {"trends": {key: 0}})))
        assert call.name == "calm", key
    assert decide_regime(inputs(**merged(BREAK, {"spx_close": 5000.0}))).name == "calm"


def test_volatility_event_is_a_spike_without_a_trend_break():
    for key in ("ndx_rv_ratio", "spx_rv_ratio", "btc_rv_ratio"):
        assert decide_regime(inputs(volatility={key: 1.5})).name == "volatility event", key
    assert decide_regime(inputs(volatility={"ndx_rv_ratio": 1.49})).name == "calm"


def test_risk_on_rotation_from_a_breakout_or_the_chain_reaching_crypto():
    assert decide_regime(inputs(**ROTATION)).name == "risk-on rotation"
    assert decide_regime(inputs(chain={"reached": "crypto"})).name == "risk-on rotation"
    assert decide_regime(inputs(chain={"reached": "altcoins"})).name == "risk-on rotation"
    assert decide_regime(inputs(chain={"reached": "smallcaps"})).name == "calm"


# ---------------------------------------------------------------- priority
def test_priority_order():
    everything = merged(SHOCK, BREAK, SPIKE, ROTATION)
    assert decide_regime(inputs(**everything)).name == "liquidity shock"
    assert decide_regime(inputs(**merged(BREAK, SPIKE, ROTATION))).name == "trend break"
    assert decide_regime(inputs(**merged(SPIKE, ROTATION))).name == "volatility event"
    call = decide_regime(inputs(**merged(BREAK, SPIKE)))
    # a trend break with a spike is a trend break, and the vol-event rule says it does not hold
    assert call.name == "trend break" and rule(call, "volatility event")[1] is False
    assert rule(call, "calm")[1] is False


# ---------------------------------------------------------------- unknown inputs
def test_unknown_inputs_never_fire_a_rule():
    # shock with the dollar unknown
    call = decide_regime(inputs(**merged(SHOCK, {"macro": {"dollar_strength_with_yields": None}})))
    assert call.name == "calm" and rule(call, "liquidity shock")[1] is None
    # shock with no correlation known at all, or no pressure known
    unknown_corr = {"correlation": {"daily_30": None, "h1_120": None, "h4_90": None}}
    assert decide_regime(inputs(**merged(SHOCK, unknown_corr))).name == "calm"
    unknown_p = {"volatility": {"btc_delever_pressure": None, "ndx_delever_pressure": None}}
    assert decide_regime(inputs(**merged(SHOCK, unknown_p))).name == "calm"
    # trend break with one trend unknown, or the SMA unknown
    call = decide_regime(inputs(**merged(BREAK, {"trends": {"es_4h": None}})))
    assert call.name == "calm" and rule(call, "trend break")[1] is None
    assert decide_regime(inputs(**merged(BREAK, {"spx_sma50": None}))).name == "calm"
    # a spike while the trend break cannot be decided (three trends down, one unknown) is not
    # called a vol event; with one trend known up there is no break and the spike counts
    spike_unknown = merged(BREAK, SPIKE, {"trends": {"btc_1d": None}})
    call = decide_regime(inputs(**spike_unknown))
    assert call.name == "calm" and rule(call, "volatility event")[1] is None
    assert rule(call, "trend break")[1] is None
    known_up = merged(SPIKE, {"trends": {"btc_1d": None}})
    assert decide_regime(inputs(**known_up)).name == "volatility event"
    # no ratio known: no spike
    no_ratio = {"volatility": {"ndx_rv_ratio": None, "spx_rv_ratio": None, "btc_rv_ratio": None}}
    assert rule(decide_regime(inputs(**no_ratio)), "volatility event")[1] is None
    # breakout unknown and the chain short of crypto
    call = decide_regime(inputs(smallcaps={"rut_breakout": None}))
    assert call.name == "calm" and rule(call, "risk-on rotation")[1] is None


def test_all_unknown_is_undetermined_not_calm():
    none = dict(
        macro={"dollar_strength_with_yields": None, "policy_5d_bp": None},
        correlation={"daily_30": None, "h1_120": None, "h4_90": None},
        volatility={k: None for k in ("ndx_rv_ratio", "spx_rv_ratio", "btc_rv_ratio",
                                      "ndx_delever_pressure", "btc_delever_pressure")},
        trends={k: None for k in DOWN}, smallcaps={"rut_breakout": None},
        spx_close=None, spx_sma50=None, daily_30_5d_ago=None)
    call = decide_regime(inputs(**none))
    assert call.name == "undetermined"  # calling it "calm" would be a guess
    assert [e[1] for e in call.evidence[:-1]] == [None, None, None, None]
    assert rule(call, "calm")[1] is False
    assert call.scenario is None


# ---------------------------------------------------------------- scenarios
def test_scenario_b_liquidity_tightening():
    assert decide_regime(inputs(macro={"dollar_strength_with_yields": True})).scenario == "B"
    assert decide_regime(inputs(macro={"policy_5d_bp": 10.0})).scenario == "B"
    assert decide_regime(inputs(macro={"policy_5d_bp": 9.9})).scenario is None


def test_scenario_a_vol_normalisation():
    calm_vol = {"ndx_rv_ratio": 0.8, "spx_rv_ratio": 0.9, "btc_rv_ratio": 0.99}
    assert decide_regime(inputs(volatility=calm_vol, correlation={"daily_30": 0.4},
                                daily_30_5d_ago=0.5)).scenario == "A"
    # correlation not falling, or one ratio at 1, or the earlier correlation unknown: no A
    assert decide_regime(inputs(volatility=calm_vol, correlation={"daily_30": 0.5},
                                daily_30_5d_ago=0.5)).scenario is None
    assert decide_regime(inputs(volatility={**calm_vol, "btc_rv_ratio": 1.0},
                                correlation={"daily_30": 0.4},
                                daily_30_5d_ago=0.5)).scenario is None
    assert decide_regime(inputs(volatility=calm_vol, correlation={"daily_30": 0.4},
                                daily_30_5d_ago=None)).scenario is None
    # B comes before A
    assert decide_regime(inputs(volatility=calm_vol, correlation={"daily_30": 0.4},
                                daily_30_5d_ago=0.5,
                                macro={"policy_5d_bp": 12.0})).scenario == "B"


@pytest.mark.parametrize(("policy", "equities_lit", "want"), [
    (-10.0, True, "C"),
    (-25.0, True, "C"),
    (-9.9, True, None),
    (-10.0, False, None),
    (-10.0, None, None),
    (None, True, None),
])
def test_scenario_c_policy_clarity_reflation(policy, equities_lit, want):
    links = (NS(name="bonds", lit=True), NS(name="equities", lit=equities_lit))
    call = decide_regime(inputs(macro={"policy_5d_bp": policy}, chain={"links": links}))
    assert call.scenario == want
