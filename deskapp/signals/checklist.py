"""The checklist's pre-filled evidence and suggested status per step (DESIGN.md section 6).

Each step reads the snapshot and suggests risk-off / neutral / risk-on with the numbers behind
it; the trader confirms or overrides. Thresholds are in docs/SIGNALS.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from deskapp.signals.snapshot import Snapshot
from deskapp.signals.words import num

RISK_OFF, NEUTRAL, RISK_ON = "risk-off", "neutral", "risk-on"
STATUSES = (RISK_OFF, NEUTRAL, RISK_ON)


@dataclass(frozen=True)
class StepCall:
    step: str
    status: str
    evidence: str


def _ge(x: float | None, level: float) -> bool:
    return x is not None and x >= level


def _le(x: float | None, level: float) -> bool:
    return x is not None and x <= level


def suggest(s: Snapshot) -> list[StepCall]:
    """Suggested status and evidence for the five steps, from the typed snapshot."""
    m, b, c, cr = s.macro, s.breadth, s.correlation, s.crypto
    fly, reg = s.flywheel, s.regime
    out = []
    # 1. Macro
    off = (m.dollar_strength_with_yields is True or _ge(m.policy_5d_bp, 10)
           or _ge(m.us10y_5d_bp, 15))
    on = _le(m.dxy_20d_z, -1) and _le(m.us10y_5d_bp, 0)
    out.append(StepCall("Macro", RISK_OFF if off else RISK_ON if on else NEUTRAL,
                        f"10y 5d {num(m.us10y_5d_bp, '+.0f')} bp · bill 5d "
                        f"{num(m.bill3m_5d_bp, '+.0f')} bp · policy (front-month avg) 5d "
                        f"{num(m.policy_5d_bp, '+.0f')} bp · DXY 20d "
                        f"{num(m.dxy_20d_ret, '+.1%')} (z {num(m.dxy_20d_z, '+.1f')})"))
    # 2. Equity leadership
    off = (_le(b.above_sma50, 0.4 - 1e-12) or _le(b.basket_minus_ndx_20d, -0.03)
           or _le(b.smh_spy_20d, -0.05))
    on = _ge(b.above_sma50, 0.6) and _ge(b.rsp_spy_20d, 0.0)
    out.append(StepCall("Equity leadership", RISK_OFF if off else RISK_ON if on else NEUTRAL,
                        f"above 20d/50d SMA {num(b.above_sma20, '.0%')}/"
                        f"{num(b.above_sma50, '.0%')} · basket−NDX 20d "
                        f"{num(b.basket_minus_ndx_20d, '+.1%')} · RSP/SPY "
                        f"{num(b.rsp_spy_20d, '+.1%')} · SMH/SPY {num(b.smh_spy_20d, '+.1%')}"
                        f" · IGV/SPY {num(b.igv_spy_20d, '+.1%')}"))
    # 3. Crypto structure
    off = (fly.stage >= 2 or cr.oi_quadrant == "trapped leverage"
           or _ge(cr.funding_annualised, 0.30))
    on = (fly.stage == 0 and cr.funding_annualised is not None
          and 0 <= cr.funding_annualised <= 0.15 and s.trend.btc_1d == 1)
    out.append(StepCall("Crypto structure", RISK_OFF if off else RISK_ON if on else NEUTRAL,
                        f"funding {num(cr.funding_annualised, '+.1%')}/yr · OI 24h "
                        f"{num(cr.oi_24h_change, '+.1%')} ({cr.oi_quadrant or 'n/a'}) · "
                        f"long-liq z {num(cr.liq_long_z, '.1f')} · flywheel stage "
                        f"{fly.stage}/5"))
    # 4. Correlation
    values = [v for v in (c.daily_30, c.h1_120, c.h4_90) if v is not None]
    off = (values and max(values) >= 0.7) or c.trend_4h == "both down"
    on = c.daily_30 is not None and c.daily_30 < 0.3
    out.append(StepCall("Correlation", RISK_OFF if off else RISK_ON if on else NEUTRAL,
                        f"daily {'/'.join(map(str, c.daily_windows))} "
                        f"{num(c.daily_30, '.2f')}/{num(c.daily_60, '.2f')}/"
                        f"{num(c.daily_90, '.2f')} · 1h {num(c.h1_120, '.2f')} · 4h "
                        f"{num(c.h4_90, '.2f')} · trends 1h {c.trend_1h or 'n/a'}, 4h "
                        f"{c.trend_4h or 'n/a'}"))
    # 5. Execution rule: the regime
    status = {"liquidity shock": RISK_OFF, "trend break": RISK_OFF, "crypto stress": RISK_OFF,
              "risk-on rotation": RISK_ON}.get(reg.name, NEUTRAL)
    out.append(StepCall("Execution rule", status,
                        f"regime {reg.name} · scenario {reg.scenario or 'none clear'} · "
                        f"early warnings {s.early_warning.count}/3"))
    return out
