"""Risk figures of a book's daily P&L: betas, volatility, historical VaR and expected shortfall.

Definitions in docs/SIGNALS.md ("The book"). Pure numpy; the callers hand in aligned daily
simple returns (NaN where a holding has none on a date).
"""

from __future__ import annotations

import math

import numpy as np

WINDOWS = {"1y": 252, "3y": 756}  # daily returns (S&P 500 sessions)
MIN_BETA_OBS = 60
LEVELS = (0.95, 0.99)


def beta(y: np.ndarray, x: np.ndarray, min_obs: int = MIN_BETA_OBS) -> float | None:
    """OLS slope of y on x with an intercept, on the dates where both are finite; None with
    fewer than `min_obs` such dates or a constant x."""
    ok = np.isfinite(y) & np.isfinite(x)
    if ok.sum() < min_obs:
        return None
    xs, ys = x[ok], y[ok]
    xc = xs - xs.mean()
    den = float(xc @ xc)
    if den == 0:
        return None
    return float(xc @ (ys - ys.mean()) / den)


def tail_count(n: int, level: float) -> int:
    """How many of n daily losses are the tail beyond `level`: max(1, floor(n * (1 - level)))."""
    return max(1, math.floor(n * (1 - level) + 1e-9))


def var_es(pnl: np.ndarray, level: float) -> tuple[float, float]:
    """Historical VaR and expected shortfall (as positive losses) of daily P&L at `level`:
    with the losses sorted largest first and k = tail_count(n, level), VaR is the k-th largest
    loss and ES the mean of the k largest."""
    losses = np.sort(-pnl)[::-1]
    k = tail_count(len(losses), level)
    return float(losses[k - 1]), float(losses[:k].mean())


def risk_table(pnl: np.ndarray) -> dict:
    """VaR/ES at 95 % and 99 % of a daily P&L series (USD), and how many days it holds."""
    out: dict = {"days": int(len(pnl))}
    for level in LEVELS:
        v, e = var_es(pnl, level)
        tag = f"{round(level * 100)}"
        out[f"var{tag}_usd"], out[f"es{tag}_usd"] = v, e
    return out


def covariance_vol(returns: np.ndarray, exposures: np.ndarray, periods: int = 252) -> float:
    """Annualised volatility, in USD, of the P&L `returns @ exposures`: sqrt(e' C e * periods)
    with C the sample covariance (ddof 1) of the daily returns."""
    if returns.shape[0] < 2:
        return float("nan")
    c = np.atleast_2d(np.cov(returns, rowvar=False, ddof=1))
    return float(math.sqrt(max(float(exposures @ c @ exposures), 0.0) * periods))
