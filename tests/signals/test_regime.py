"""The regime rules and the outlook scenario (DESIGN.md section 5, "Regime"), on hand-made inputs.

The baseline below is a quiet market where every input is known and no rule holds; each test
changes only what its rule needs.
"""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from deskapp.signals.regime import REGIMES, STRESS_REGIMES, RegimeInputs, decide_regime


def inputs(macro=None, correlation=None, volatility=None, trends=None, smallcaps=None,
           chain=None, stress=None, **top) -> RegimeInputs:
    m = dict(dollar_strength_with_yields=False, policy_5d_bp=0.0)
    c = dict(daily_30=0.2, h1_120=0.2, h4_90=0.2)
    v = dict(ndx_rv_ratio=1.1, spx_rv_ratio=1.1, btc_rv_ratio=1.1,
             ndx_delever_pressure=0.0, btc_delever_pressure=0.0)
    t = dict(btc_4h=1, btc_1d=1, es_4h=1, es_1d=1)
    s = dict(rut_breakout=False)
    ch = dict(reached=None, links=())
    st = dict(vix=14.0, vix_5d_change=0.5, spx_1d_ret=0.002, spx_drawdown=-0.01, spx_rv20=0.10,
              btc_1d_ret=0.01, btc_7d_ret=0.02, btc_drawdown=-0.05, btc_day_basis="day so far")
    base = dict(spx_close=5100.0, spx_sma50=5000.0, daily_30_5d_ago=0.2)
    for d, upd in ((m, macro), (c, correlation), (v, volatility), (t, trends), (s, smallcaps),
                   (ch, chain), (st, stress), (base, top)):
        d.update(upd or {})
    return RegimeInputs(macro=NS(**m), correlation=NS(**c), volatility=NS(**v), trends=NS(**t),
                        smallcaps=NS(**s), chain=NS(**ch), stress=NS(**st), **base)


SHOCK = dict(macro={"dollar_strength_with_yields": True},
             correlation={"daily_30": 0.75},
             volatility={"btc_delever_pressure": 0.12})
DOWN = {"btc_4h": -1, "btc_1d": -1, "es_4h": -1, "es_1d": -1}
BREAK = dict(trends=DOWN, spx_close=4900.0)
SPIKE = dict(volatility={"ndx_rv_ratio": 1.6}, stress={"vix_5d_change": 3.0})
ROTATION = dict(smallcaps={"rut_breakout": True})
NO_4H = {"trends": {"btc_4h": None, "es_4h": None}}


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


def name_of(**parts) -> str:
    return decide_regime(inputs(**parts)).name


def test_baseline_is_calm_and_every_rule_is_reported():
    call = decide_regime(inputs())
    assert call.name == "calm"
    assert [e[0] for e in call.evidence] == list(REGIMES)
    assert all(e[1] is False for e in call.evidence[:-1])
    assert rule(call, "calm")[1] is True
    assert rule(call, "calm")[2] == "no stress rule holds"
    assert all(isinstance(e[2], str) and e[2] for e in call.evidence)
    assert set(STRESS_REGIMES) < set(REGIMES) and "calm" not in STRESS_REGIMES


# ---------------------------------------------------------------- each rule on its own
def test_liquidity_shock_needs_all_three_conditions():
    assert name_of(**SHOCK) == "liquidity shock"
    # correlation stress from the 1h window alone, pressure from NDX alone
    alt = dict(macro={"dollar_strength_with_yields": True}, correlation={"h1_120": 0.7},
               volatility={"ndx_delever_pressure": 0.10})
    assert name_of(**alt) == "liquidity shock"
    for drop in ({"macro": {"dollar_strength_with_yields": False}},
                 {"correlation": {"daily_30": 0.69}},
                 {"volatility": {"btc_delever_pressure": 0.099}}):
        call = decide_regime(inputs(**merged(SHOCK, drop)))
        assert call.name == "calm"
        assert rule(call, "liquidity shock")[1] is False


def test_trend_break_needs_every_held_trend_down_and_spx_below_its_sma50():
    assert name_of(**BREAK) == "trend break"
    for key in DOWN:
        assert name_of(**merged(BREAK, {"trends": {key: 0}})) == "calm", key
    assert name_of(**merged(BREAK, {"spx_close": 5000.0})) == "calm"


def test_trend_break_falls_back_to_daily_trends_and_says_so():
    call = decide_regime(inputs(**merged(BREAK, NO_4H)))
    assert call.name == "trend break"
    assert "1d only: no 4h bars" in rule(call, "trend break")[2]
    # one 4h trend held: it counts
    part = merged(BREAK, {"trends": {"btc_4h": None, "es_4h": 1}})
    call = decide_regime(inputs(**part))
    assert call.name == "calm" and "part of 4h" in rule(call, "trend break")[2]
    # no BTC at all (before 2016): decided on the S&P 500's trend, and said so
    call = decide_regime(inputs(**merged(BREAK, NO_4H, {"trends": {"btc_1d": None}})))
    assert call.name == "trend break" and "no BTC trend" in rule(call, "trend break")[2]
    # ES's daily trend is required
    call = decide_regime(inputs(**merged(BREAK, {"trends": {"es_1d": None}})))
    assert rule(call, "trend break")[1] is None


def test_a_correction_below_the_sma50_is_a_trend_break_even_without_down_trends():
    corr = dict(trends={"btc_1d": 0, "es_1d": 0}, spx_close=4900.0,
                stress={"spx_drawdown": -0.10})
    assert name_of(**corr) == "trend break"
    assert name_of(**merged(corr, {"stress": {"spx_drawdown": -0.099}})) == "calm"
    assert name_of(**merged(corr, {"spx_close": 5001.0})) == "calm"  # recovering above SMA


def test_volatility_event_from_vix_level_shock_day_or_confirmed_spike():
    assert name_of(stress={"vix": 20.5}) == "volatility event"
    assert name_of(stress={"vix": 20.4}) == "calm"
    assert name_of(stress={"spx_1d_ret": -0.025}) == "volatility event"
    assert name_of(stress={"spx_1d_ret": -0.0249}) == "calm"
    for key in ("ndx_rv_ratio", "spx_rv_ratio", "btc_rv_ratio"):
        assert name_of(volatility={key: 1.5}, stress={"vix_5d_change": 3.0}) == \
            "volatility event", key
    # a spike the VIX does not confirm is not an event (ordinary after a quiet stretch)
    assert name_of(volatility={"spx_rv_ratio": 2.0}, stress={"vix_5d_change": 2.9}) == "calm"
    # no VIX: the S&P 500's RV(20) stands in for the level, and a spike stands alone
    no_vix = {"vix": None, "vix_5d_change": None}
    assert name_of(stress={**no_vix, "spx_rv20": 0.205}) == "volatility event"
    assert name_of(stress={**no_vix, "spx_rv20": 0.2}) == "calm"
    assert name_of(stress=no_vix, volatility={"spx_rv_ratio": 1.5}) == "volatility event"


def test_a_pullback_with_an_elevated_vix_is_a_volatility_event():
    pull = {"spx_drawdown": -0.05, "vix": 17.5}
    call = decide_regime(inputs(stress=pull))
    assert call.name == "volatility event"
    assert "-5.0% from its 1-year high vs -5% with VIX vs 17.5" in rule(call, "volatility event")[2]
    assert name_of(stress={**pull, "spx_drawdown": -0.049}) == "calm"
    assert name_of(stress={**pull, "vix": 17.4}) == "calm"
    # no VIX: the S&P 500's RV(20) says whether volatility is elevated
    no_vix = {"vix": None, "vix_5d_change": None, "spx_drawdown": -0.06}
    assert name_of(stress={**no_vix, "spx_rv20": 0.164}) == "volatility event"
    assert name_of(stress={**no_vix, "spx_rv20": 0.163}) == "calm"


def test_crypto_stress_registers_while_equities_are_calm():
    call = decide_regime(inputs(stress={"btc_1d_ret": -0.08}))
    assert call.name == "crypto stress"
    assert "day so far" in rule(call, "crypto stress")[2]
    assert name_of(stress={"btc_1d_ret": -0.079}) == "calm"
    assert name_of(stress={"btc_7d_ret": -0.20}) == "crypto stress"
    assert name_of(stress={"btc_7d_ret": -0.199}) == "calm"
    bear = dict(volatility={"btc_rv_ratio": 1.5}, trends={"btc_1d": -1},
                stress={"btc_drawdown": -0.30, "vix_5d_change": 0.0})
    assert name_of(**bear) == "crypto stress"
    assert name_of(**merged(bear, {"stress": {"btc_drawdown": -0.299}})) == "calm"
    assert name_of(**merged(bear, {"trends": {"btc_1d": 0}})) == "calm"


def test_risk_on_rotation_from_a_breakout_or_the_chain_reaching_crypto():
    assert name_of(**ROTATION) == "risk-on rotation"
    assert name_of(chain={"reached": "crypto"}) == "risk-on rotation"
    assert name_of(chain={"reached": "altcoins"}) == "risk-on rotation"
    assert name_of(chain={"reached": "smallcaps"}) == "calm"


# ---------------------------------------------------------------- priority
def test_priority_order():
    everything = merged(SHOCK, BREAK, SPIKE, ROTATION, {"stress": {"btc_1d_ret": -0.1}})
    assert name_of(**everything) == "liquidity shock"
    assert name_of(**merged(BREAK, SPIKE, ROTATION)) == "trend break"
    assert name_of(**merged(SPIKE, ROTATION, {"stress": {"btc_1d_ret": -0.1}})) == \
        "volatility event"
    assert name_of(**merged(ROTATION, {"stress": {"btc_1d_ret": -0.1}})) == "crypto stress"
    call = decide_regime(inputs(**merged(BREAK, SPIKE)))
    # both hold; the first in priority names the regime and both are reported lit
    assert call.name == "trend break" and rule(call, "volatility event")[1] is True
    assert rule(call, "calm")[1] is False


# ---------------------------------------------------------------- unknown inputs
def test_unknown_inputs_never_fire_a_rule_and_never_block_another():
    call = decide_regime(inputs(**merged(SHOCK, {"macro": {"dollar_strength_with_yields": None}})))
    assert call.name == "calm" and rule(call, "liquidity shock")[1] is None
    assert "not evaluable: liquidity shock" in rule(call, "calm")[2]
    unknown_corr = {"correlation": {"daily_30": None, "h1_120": None, "h4_90": None}}
    assert name_of(**merged(SHOCK, unknown_corr)) == "calm"
    # the March 2020 failure: an unknown 4h trend must not hide the spike or the VIX
    march = merged(BREAK, NO_4H, SPIKE, {"stress": {"vix": 82.7}}, {"trends": {"btc_1d": None}})
    assert name_of(**march) == "trend break"
    march_no_sma = merged(march, {"spx_sma50": None})
    call = decide_regime(inputs(**march_no_sma))
    assert call.name == "volatility event" and rule(call, "trend break")[1] is None


def test_calm_needs_evidence_else_undetermined():
    no_vol = {"stress": {"vix": None, "spx_rv20": None}}
    call = decide_regime(inputs(**no_vol))
    assert call.name == "undetermined"
    assert "volatility reading" in rule(call, "calm")[2] and rule(call, "calm")[1] is False
    call = decide_regime(inputs(spx_sma50=None))
    assert call.name == "undetermined" and "50d SMA" in rule(call, "calm")[2]
    # a stress rule needs no calm evidence
    assert name_of(**merged(no_vol, {"stress": {"btc_1d_ret": -0.2}})) == "crypto stress"


def test_all_unknown_is_undetermined_not_calm():
    none = dict(
        macro={"dollar_strength_with_yields": None, "policy_5d_bp": None},
        correlation={"daily_30": None, "h1_120": None, "h4_90": None},
        volatility={k: None for k in ("ndx_rv_ratio", "spx_rv_ratio", "btc_rv_ratio",
                                      "ndx_delever_pressure", "btc_delever_pressure")},
        trends={k: None for k in DOWN}, smallcaps={"rut_breakout": None},
        stress={k: None for k in ("vix", "vix_5d_change", "spx_1d_ret", "spx_drawdown",
                                  "spx_rv20", "btc_1d_ret", "btc_7d_ret", "btc_drawdown",
                                  "btc_day_basis")},
        spx_close=None, spx_sma50=None, daily_30_5d_ago=None)
    call = decide_regime(inputs(**none))
    assert call.name == "undetermined"  # calling it "calm" would be a guess
    assert [e[1] for e in call.evidence[:-1]] == [None] * 5
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
