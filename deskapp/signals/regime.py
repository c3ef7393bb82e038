"""The regime and the outlook scenario: explicit rules over the signals (docs/SIGNALS.md, "Regime").

Rules in priority order; the first that holds names the regime. "calm" is not a fall-through: it
needs evidence (a volatility reading below the stress line and the S&P 500's trend), and when that
evidence is missing the regime is "undetermined". A rule whose inputs are partly missing is decided
on what is there and says which inputs it lacked; it never reads an unknown as an all-clear.

Every threshold says where it came from: a quantile measured on 2014-2019 (the in-sample years;
`tools/calibrate_regime.py` prints them from the bundled `history`), the seed's text, or a
market convention. 2020-2026 is out of sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskapp.signals.words import num, trend_word, yes_no

# --- thresholds (docs/SIGNALS.md lists each with its source) ---------------------------------
CORR_STRESS = 0.7  # seed: correlation >= 0.7 is the stress zone
DELEVER = 0.10  # seed: a vol-target book cutting exposure by 10 points or more in 5 sessions
SPIKE = 1.5  # seed: RV(5)/RV(60) >= 1.5 is a volatility spike
VIX_STRESS = 20.5  # 90th percentile of VIX closes 2014-2019 (20.47)
SPX_RV20_STRESS = 0.205  # 90th percentile of S&P 500 RV(20) 2014-2019 (0.2055): VIX stand-in
VIX_JUMP = 3.0  # 90th percentile of the 5-session VIX change 2014-2019 (+3.01 points)
SPX_SHOCK_DAY = -0.025  # 1st percentile of S&P 500 daily log returns 2014-2019 (-2.53 %)
SPX_CORRECTION = -0.10  # convention: a 10 % correction (5th percentile 2014-2019: -9.4 %)
SPX_PULLBACK = -0.05  # convention: a 5 % pullback (15th percentile 2014-2019: -5.6 %)
VIX_ELEVATED = 17.5  # 80th percentile of VIX closes 2014-2019 (17.55)
SPX_RV20_ELEVATED = 0.164  # 80th percentile of S&P 500 RV(20) 2014-2019 (0.1639): VIX stand-in
BTC_CRASH_DAY = -0.08  # 3rd percentile of BTC daily log returns 2016-2019 (-8.05 %)
BTC_CRASH_WEEK = -0.20  # 3rd percentile of BTC 7-day log returns 2016-2019 (-19.6 %)
BTC_BEAR_DRAWDOWN = -0.30  # 20th percentile of BTC's 90-day drawdown 2016-2019 (-30.4 %)
HAWKISH_BP = 10.0
DOVISH_BP = -10.0

STRESS_REGIMES = ("liquidity shock", "trend break", "volatility event", "crypto stress")
REGIMES = (*STRESS_REGIMES, "risk-on rotation", "calm")
UNDETERMINED = "undetermined"  # calm could not be shown and no stress rule holds


@dataclass(frozen=True)
class RegimeInputs:
    macro: Any
    correlation: Any
    volatility: Any
    trends: Any
    smallcaps: Any
    chain: Any
    spx_close: float | None
    spx_sma50: float | None
    daily_30_5d_ago: float | None
    stress: Any = None  # StressSignals; None reads as "all stress readings missing"


@dataclass(frozen=True)
class RegimeCall:
    name: str
    evidence: tuple[tuple[str, bool | None, str], ...]
    scenario: str | None


def _all(*flags: bool | None) -> bool | None:
    """True if all True; False if any False; None (unknown) otherwise."""
    if any(f is False for f in flags):
        return False
    return None if any(f is None for f in flags) else True


def _any(*flags: bool | None) -> bool | None:
    """True if any True; False if all False; None (unknown) otherwise."""
    if any(f is True for f in flags):
        return True
    return None if any(f is None for f in flags) else False


def _at_most(value: float | None, line: float) -> bool | None:
    return None if value is None else value <= line


def _at_least(value: float | None, line: float) -> bool | None:
    return None if value is None else value >= line


def _stress_field(s: Any, name: str) -> float | None:
    return None if s is None else getattr(s, name, None)


def _trend_break(x: RegimeInputs) -> tuple[bool | None, str]:
    """ES and BTC trends down on every timeframe held (ES 1d required; BTC and 4h where the data
    holds them), and
    the S&P 500 below its 50-session SMA; or a 10 % correction below that SMA."""
    t = x.trends
    below50 = (None if x.spx_close is None or x.spx_sma50 is None
               else x.spx_close < x.spx_sma50)
    # ES's daily trend is required; BTC's and the 4h trends count where the data holds them
    held_trends = [t.es_1d] + [d for d in (t.btc_1d, t.btc_4h, t.es_4h) if d is not None]
    four = [d for d in (t.btc_4h, t.es_4h) if d is not None]
    frames = "4h and 1d" if len(four) == 2 else ("1d and part of 4h" if four else
                                                  "1d only: no 4h bars")
    if t.btc_1d is None:
        frames += "; no BTC trend"
    down = _all(*(None if d is None else d == -1 for d in held_trends))
    dd = _stress_field(x.stress, "spx_drawdown")
    correction = _at_most(dd, SPX_CORRECTION)
    held = _all(below50, _any(down, correction))
    ev = (f"trends ({frames}) BTC {trend_word(t.btc_4h)}/{trend_word(t.btc_1d)}, "
          f"ES {trend_word(t.es_4h)}/{trend_word(t.es_1d)}; S&P 500 {num(dd, '+.1%')} from its "
          f"1-year high (correction at {SPX_CORRECTION:.0%}); SPX {num(x.spx_close, ',.0f')} vs "
          f"50d SMA {num(x.spx_sma50, ',.0f')}")
    return held, ev


def _volatility_event(x: RegimeInputs, ratios: list[float]) -> tuple[bool | None, str]:
    """Implied volatility at stress levels, a shock day, a spike the VIX confirms, or a 5 %
    pullback while the VIX is elevated."""
    s = x.stress
    vix, vix_chg = _stress_field(s, "vix"), _stress_field(s, "vix_5d_change")
    rv20, day = _stress_field(s, "spx_rv20"), _stress_field(s, "spx_1d_ret")
    level = (_at_least(vix, VIX_STRESS) if vix is not None
             else _at_least(rv20, SPX_RV20_STRESS))
    spike = (max(ratios) >= SPIKE) if ratios else None
    confirmed = _all(spike, _at_least(vix_chg, VIX_JUMP)) if vix is not None else spike
    elevated = (_at_least(vix, VIX_ELEVATED) if vix is not None
                else _at_least(rv20, SPX_RV20_ELEVATED))
    dd = _stress_field(s, "spx_drawdown")
    pullback = _all(_at_most(dd, SPX_PULLBACK), elevated)
    held = _any(level, _at_most(day, SPX_SHOCK_DAY), confirmed, pullback)
    level_text = (f"VIX {num(vix, '.1f')} vs {VIX_STRESS}" if vix is not None else
                  f"no VIX: S&P 500 RV(20) {num(rv20, '.1%')} vs {SPX_RV20_STRESS:.1%}")
    elevated_text = (f"VIX vs {VIX_ELEVATED}" if vix is not None else
                     f"RV(20) vs {SPX_RV20_ELEVATED:.1%}")
    ev = (f"{level_text}; S&P 500 day {num(day, '+.1%')} vs {SPX_SHOCK_DAY:.1%}; max RV(5)/RV(60) "
          f"{num(max(ratios) if ratios else None)} vs {SPIKE} with VIX 5d "
          f"{num(vix_chg, '+.1f')} vs +{VIX_JUMP}; S&P 500 {num(dd, '+.1%')} from its 1-year "
          f"high vs {SPX_PULLBACK:.0%} with {elevated_text}")
    return held, ev


def _crypto_stress(x: RegimeInputs) -> tuple[bool | None, str]:
    """Crypto's own crash: a BTC day or week below its 3rd percentile, or a BTC vol spike in a
    downtrend far below its 3-month high. Equities may be calm (2021-05-19, 2025-10-10)."""
    s, v, t = x.stress, x.volatility, x.trends
    day, dd = _stress_field(s, "btc_1d_ret"), _stress_field(s, "btc_drawdown")
    week = _stress_field(s, "btc_7d_ret")
    spike = _at_least(v.btc_rv_ratio, SPIKE)
    bear = _all(spike, None if t.btc_1d is None else t.btc_1d == -1,
                _at_most(dd, BTC_BEAR_DRAWDOWN))
    held = _any(_at_most(day, BTC_CRASH_DAY), _at_most(week, BTC_CRASH_WEEK), bear)
    day_basis = _stress_field(s, "btc_day_basis") or "last daily bar"
    ev = (f"BTC day {num(day, '+.1%')} ({day_basis}) vs {BTC_CRASH_DAY:.0%}, 7 days "
          f"{num(week, '+.1%')} vs {BTC_CRASH_WEEK:.0%}; RV(5)/RV(60) "
          f"{num(v.btc_rv_ratio)} vs {SPIKE}, 1d trend {trend_word(t.btc_1d)}, "
          f"{num(dd, '+.0%')} from its 90-day high vs {BTC_BEAR_DRAWDOWN:.0%}")
    return held, ev


def _calm_evidence(x: RegimeInputs) -> tuple[bool, str]:
    """Calm needs a volatility reading below the stress line and the S&P 500's trend."""
    s = x.stress
    vix, rv20 = _stress_field(s, "vix"), _stress_field(s, "spx_rv20")
    has_vol = vix is not None or rv20 is not None
    has_trend = x.spx_close is not None and x.spx_sma50 is not None
    lacking = [w for w, ok in (("a volatility reading (VIX or S&P 500 RV(20))", has_vol),
                               ("the S&P 500 and its 50d SMA", has_trend)) if not ok]
    return not lacking, "; ".join(lacking)


def decide_regime(x: RegimeInputs) -> RegimeCall:
    m, c, v = x.macro, x.correlation, x.volatility
    corr_values = [c.daily_30, c.h1_120, c.h4_90]
    known = [val for val in corr_values if val is not None]
    stress = (max(known) >= CORR_STRESS) if known else None
    pressures = [p for p in (v.ndx_delever_pressure, v.btc_delever_pressure) if p is not None]
    delever = (max(pressures) >= DELEVER) if pressures else None
    shock = _all(m.dollar_strength_with_yields, stress, delever)
    trend_break, trend_ev = _trend_break(x)
    ratios = [r for r in (v.ndx_rv_ratio, v.spx_rv_ratio, v.btc_rv_ratio) if r is not None]
    vol_event, vol_ev = _volatility_event(x, ratios)
    crypto, crypto_ev = _crypto_stress(x)
    reached = x.chain.reached
    rotation = _any(x.smallcaps.rut_breakout, reached in ("crypto", "altcoins"))
    rules = (
        ("liquidity shock", shock,
         f"dollar strength with yields {yes_no(m.dollar_strength_with_yields)}; max correlation "
         f"(daily 30, 1h, 4h) {num(max(known) if known else None)} vs {CORR_STRESS}; max "
         f"de-leveraging pressure {num(max(pressures) if pressures else None)} vs {DELEVER}"),
        ("trend break", trend_break, trend_ev),
        ("volatility event", vol_event, vol_ev),
        ("crypto stress", crypto, crypto_ev),
        ("risk-on rotation", rotation,
         f"Russell 2000 breakout {yes_no(x.smallcaps.rut_breakout)}; chain reached "
         f"{reached or 'no link'}"),
    )
    name = next((r[0] for r in rules if r[1]), None)
    if name is None:
        enough, lacking = _calm_evidence(x)
        unknown = [r[0] for r in rules if r[1] is None]
        if enough:
            name = "calm"
            calm_ev = ("no stress rule holds" + (f"; not evaluable: {', '.join(unknown)}"
                                                 if unknown else ""))
        else:
            name = UNDETERMINED
            calm_ev = f"cannot show calm: missing {lacking}"
    else:
        calm_ev = f"{name} holds"
    evidence = (*rules, ("calm", name == "calm", calm_ev))
    return RegimeCall(name, evidence, _scenario(x, ratios, stress))


def _scenario(x: RegimeInputs, ratios: list[float], stress: bool | None) -> str | None:
    """A: vol normalisation; B: liquidity-tightening shock; C: policy-clarity reflation."""
    m, c = x.macro, x.correlation
    pol = m.policy_5d_bp
    if m.dollar_strength_with_yields or (pol is not None and pol >= HAWKISH_BP):
        return "B"
    falling_corr = (c.daily_30 is not None and x.daily_30_5d_ago is not None
                    and c.daily_30 < x.daily_30_5d_ago)
    if ratios and max(ratios) < 1.0 and falling_corr:
        return "A"
    equities_lit = any(e.name == "equities" and e.lit for e in x.chain.links)
    if pol is not None and pol <= DOVISH_BP and equities_lit:
        return "C"
    return None
