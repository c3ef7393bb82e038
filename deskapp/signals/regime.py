"""The regime and the outlook scenario: explicit rules over the signals (DESIGN.md section 5).

Rules in priority order; the first that holds names the regime, "calm" when none does. Every
rule is reported with whether it holds and the numbers that decided it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskapp.signals.words import num, trend_word, yes_no

CORR_STRESS = 0.7
DELEVER = 0.10  # a vol-target book cutting exposure by 10 points or more in 5 sessions
SPIKE = 1.5
HAWKISH_BP = 10.0
DOVISH_BP = -10.0

REGIMES = ("liquidity shock", "trend break", "volatility event", "risk-on rotation", "calm")
UNDETERMINED = "undetermined"  # every rule's inputs are missing


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
    if any(f is True for f in flags):
        return True
    return None if any(f is None for f in flags) else False


def decide_regime(x: RegimeInputs) -> RegimeCall:
    m, c, v, t = x.macro, x.correlation, x.volatility, x.trends
    corr_values = [c.daily_30, c.h1_120, c.h4_90]
    known = [val for val in corr_values if val is not None]
    stress = (max(known) >= CORR_STRESS) if known else None
    pressures = [p for p in (v.ndx_delever_pressure, v.btc_delever_pressure) if p is not None]
    delever = (max(pressures) >= DELEVER) if pressures else None
    shock = _all(m.dollar_strength_with_yields, stress, delever)
    below50 = (None if x.spx_close is None or x.spx_sma50 is None
               else x.spx_close < x.spx_sma50)
    down = [None if d is None else d == -1 for d in (t.btc_4h, t.btc_1d, t.es_4h, t.es_1d)]
    trend_break = _all(*down, below50)
    ratios = [r for r in (v.ndx_rv_ratio, v.spx_rv_ratio, v.btc_rv_ratio) if r is not None]
    spike = (max(ratios) >= SPIKE) if ratios else None
    vol_event = _all(spike, None if trend_break is None else not trend_break)
    reached = x.chain.reached
    rotation = _any(x.smallcaps.rut_breakout, reached in ("crypto", "altcoins"))
    rules = (
        ("liquidity shock", shock,
         f"dollar strength with yields {yes_no(m.dollar_strength_with_yields)}; max correlation "
         f"(daily 30, 1h, 4h) {num(max(known) if known else None)} vs {CORR_STRESS}; max "
         f"de-leveraging pressure {num(max(pressures) if pressures else None)} vs {DELEVER}"),
        ("trend break", trend_break,
         f"4h/1d trends BTC {trend_word(t.btc_4h)}/{trend_word(t.btc_1d)}, "
         f"ES {trend_word(t.es_4h)}/{trend_word(t.es_1d)}; SPX "
         f"{num(x.spx_close, ',.0f')} vs 50d SMA {num(x.spx_sma50, ',.0f')}"),
        ("volatility event", vol_event,
         f"max RV(5)/RV(60) {num(max(ratios) if ratios else None)} vs {SPIKE}, "
         f"trend break {yes_no(trend_break)}"),
        ("risk-on rotation", rotation,
         f"Russell 2000 breakout {yes_no(x.smallcaps.rut_breakout)}; chain reached "
         f"{reached or 'no link'}"),
    )
    name = next((r[0] for r in rules if r[1]), "calm")
    if name == "calm" and all(r[1] is None for r in rules):
        # nothing could be evaluated: saying "calm" would be a guess
        name = UNDETERMINED
    evidence = (*rules, ("calm", name == "calm",
                         {"calm": "no other rule holds", UNDETERMINED:
                          "no rule could be evaluated: the data is missing"}.get(
                             name, f"{name} holds")))
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
