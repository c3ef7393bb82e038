"""Crypto derivatives structure and the liquidation flywheel (DESIGN.md section 5)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskapp.signals.returns import no_nan

DAY = pd.Timedelta(hours=24)
LIQ_BASELINE = pd.Timedelta(days=30)
FLUSH = -0.05  # 24h OI change at or below -5% = OI compressing
FLYWHEEL_LOOKBACK = pd.Timedelta(hours=72)

QUADRANTS = {
    (-1, 1): "trapped leverage",  # price down, OI up: warning
    (-1, -1): "flush / de-leveraging",  # price down, OI down
    (1, 1): "leveraged rally",  # price up, OI up
    (1, -1): "short covering",  # price up, OI down
}


def annualised_funding(rate: pd.Series | float, interval_hours: float = 8.0):
    """Funding annualised = rate x (24 / funding interval hours) x 365, as a fraction per year."""
    return rate * (24.0 / interval_hours) * 365.0


def funding_now_and_day(rate: pd.Series, interval_hours: float = 8.0
                        ) -> tuple[float | None, float | None]:
    """The latest print's rate annualised, and the mean of the prints of the 24h ending at it
    (the last three 8h prints) annualised. (None, None) without a print."""
    s = rate.dropna()
    if s.empty:
        return None, None
    day = s[s.index > s.index[-1] - DAY]
    return (float(annualised_funding(s.iloc[-1], interval_hours)),
            float(annualised_funding(day.mean(), interval_hours)))


def oi_weighted(rates: dict[str, float], oi: dict[str, float]) -> float | None:
    """Open-interest-weighted mean of per-venue annualised funding (venues lacking OI: equal)."""
    venues = [v for v in rates if rates[v] is not None and np.isfinite(rates[v])]
    if not venues:
        return None
    weights = np.array([oi.get(v, np.nan) for v in venues], dtype="float64")
    if not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        weights = np.ones(len(venues))
    return float(np.dot(weights, [rates[v] for v in venues]) / weights.sum())


def change_over(series: pd.Series, span: pd.Timedelta = DAY) -> float | None:
    """Relative change from the last value at or before (last time - span) to the last value.

    None when the series does not reach back that far (a gap longer than a bar is not bridged:
    the earlier value must be within one day of the target time)."""
    s = no_nan(series)
    if len(s) < 2:
        return None
    t = s.index[-1] - span
    pos = s.index.searchsorted(t, side="right") - 1
    if pos < 0 or t - s.index[pos] > DAY or s.iloc[pos] == 0:
        return None
    return float(s.iloc[-1] / s.iloc[pos] - 1.0)


def quadrant(price_change: float | None, oi_change: float | None) -> str | None:
    """OI vs price over 24h: trapped leverage / flush / leveraged rally / short covering."""
    if price_change is None or oi_change is None or price_change == 0 or oi_change == 0:
        return None
    return QUADRANTS[(int(np.sign(price_change)), int(np.sign(oi_change)))]


def rolling_24h_sum(notional: pd.Series) -> pd.Series:
    """Notional summed over the 24 hours ending at each bar (time-based window)."""
    return no_nan(notional).rolling(DAY).sum()


def liquidation_z(notional: pd.Series, baseline: pd.Timedelta = LIQ_BASELINE) -> float | None:
    """z-score of the last 24h liquidation notional against the 24h sums at every bar of the
    previous 30 days (the current window excluded). None without 30 days of history."""
    sums = rolling_24h_sum(notional)
    if len(sums) < 3 or sums.index[-1] - sums.index[0] < baseline + DAY:
        return None
    # a sum is a full 24h only once a day of bars lies behind it
    step = sums.index.to_series().diff().min()
    sums = sums[sums.index >= sums.index[0] + DAY - step]
    now, t = float(sums.iloc[-1]), sums.index[-1]
    base = sums[(sums.index > t - baseline - DAY) & (sums.index <= t - DAY)].to_numpy()
    if len(base) < 2:
        return None
    sd = float(np.std(base, ddof=1))
    return float((now - base.mean()) / sd) if sd > 0 else None


@dataclass(frozen=True)
class Step:
    name: str
    lit: bool | None  # None = cannot tell (data missing)
    evidence: str


def flywheel_stage(steps: list[Step]) -> int:
    """Stage 0-5 = the highest step lit (a cascade may skip steps, it never un-happens within
    the 72h look-back each step is evaluated over)."""
    lit = [i + 1 for i, s in enumerate(steps) if s.lit]
    return max(lit) if lit else 0
