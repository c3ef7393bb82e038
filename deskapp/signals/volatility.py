"""Realised volatility, the vol-spike ratio and vol-target de-leveraging pressure (DESIGN.md §5)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from deskapp.signals.returns import no_nan

EQUITY_DAYS = 252.0
CRYPTO_DAYS = 365.0
SPIKE = 1.5
DELEVER_RV_WINDOW = 20
DELEVER_LOOKBACK = 5


def _log_returns(close: pd.Series) -> np.ndarray:
    c = close.to_numpy(dtype="float64")
    c = c[~np.isnan(c)]
    return np.diff(np.log(c)) if len(c) > 1 else np.empty(0)


def realised_vol(close: pd.Series, window: int, periods_per_year: float) -> float | None:
    """Annualised stdev (ddof=1) of the last `window` log returns; None with fewer returns."""
    r = _log_returns(close)
    if len(r) < window or window < 2:
        return None
    return float(np.std(r[-window:], ddof=1) * math.sqrt(periods_per_year))


def log_return_series(close: pd.Series) -> pd.Series:
    """Log returns of the closes without blanks (the first is NaN), as the series below take
    them (`returns=`: computed once for several)."""
    return np.log(no_nan(close)).diff()


def realised_vol_series(close: pd.Series, window: int, periods_per_year: float,
                        returns: pd.Series | None = None) -> pd.Series:
    """`realised_vol` at every bar (annualised stdev, ddof=1, of the last `window` returns)."""
    r = log_return_series(close) if returns is None else returns
    return (r.rolling(window, min_periods=window).std() * math.sqrt(periods_per_year)).dropna()


def spike_ratio(close: pd.Series, short: int = 5, long: int = 60,
                periods_per_year: float = EQUITY_DAYS) -> float | None:
    """RV(short) / RV(long): >= 1.5 is a vol spike. None when either is unavailable or zero."""
    a = realised_vol(close, short, periods_per_year)
    b = realised_vol(close, long, periods_per_year)
    if a is None or b is None or b == 0:
        return None
    return a / b


def spike_ratio_series(close: pd.Series, short: int = 5, long: int = 60,
                       returns: pd.Series | None = None) -> pd.Series:
    """The spike ratio at every bar (annualisation cancels)."""
    r = log_return_series(close) if returns is None else returns
    a = r.rolling(short, min_periods=short).std().to_numpy()
    b = r.rolling(long, min_periods=long).std().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):  # as pandas divides (inf, NaN)
        ratio = a / b
    keep = ~np.isnan(ratio)  # the pandas expression's dropna(), in numpy
    return pd.Series(ratio[keep], index=r.index[keep], name=r.name)


def delever_pressure(close: pd.Series, target: float, periods_per_year: float,
                     rv_window: int = DELEVER_RV_WINDOW,
                     lookback: int = DELEVER_LOOKBACK) -> float | None:
    """A vol-targeting book holds exposure min(1, target / RV20). Pressure = how much that exposure
    fell over the last 5 bars, floored at 0: in [0, 1]. None without rv_window + lookback returns.
    """
    r = _log_returns(close)
    if len(r) < rv_window + lookback:
        return None
    scale = math.sqrt(periods_per_year)

    def exposure(end: int) -> float:  # exposure held with the returns up to index `end`
        rv = float(np.std(r[end - rv_window:end], ddof=1) * scale)
        return 1.0 if rv <= target else target / rv

    return max(0.0, exposure(len(r) - lookback) - exposure(len(r)))


def delever_pressure_series(close: pd.Series, target: float, periods_per_year: float,
                            rv_window: int = DELEVER_RV_WINDOW,
                            lookback: int = DELEVER_LOOKBACK,
                            rv: pd.Series | None = None) -> pd.Series:
    """`delever_pressure` at every bar: exposure min(1, target / RV20) `lookback` bars earlier
    minus exposure now, floored at 0. `rv`: `realised_vol_series(close, rv_window, ...)` when
    computed already."""
    if rv is None:
        rv = realised_vol_series(close, rv_window, periods_per_year)
    # (target / rv).clip(upper=1), its shift(lookback) minus it, clip(lower=0), dropna(): the
    # same operations on the array (clip leaves NaN as it is)
    v = rv.to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        exposure = target / v
    exposure = np.where((exposure <= 1.0) | np.isnan(exposure), exposure, 1.0)
    before = np.full(len(v), np.nan)
    if lookback < len(v):
        before[lookback:] = exposure[:len(v) - lookback]
    fall = before - exposure
    fall = np.where((fall >= 0.0) | np.isnan(fall), fall, 0.0)
    keep = ~np.isnan(fall)
    return pd.Series(fall[keep], index=rv.index[keep], name=rv.name)
