"""Market-stress readings the regime decides on (docs/SIGNALS.md, "Stress").

Pure functions over closes (bars stamped at their close, already cut at `asof`). Each returns None
when the series is too short, so a missing reading is never mistaken for a calm one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from deskapp.signals.returns import no_nan

SPX_HIGH_WINDOW = 252  # sessions: the S&P 500's one-year high
BTC_HIGH_WINDOW = 90  # daily bars: BTC's three-month high
VIX_CHANGE_SESSIONS = 5
BTC_WEEK_BARS = 7  # daily bars: BTC's last week


def last_value(close: pd.Series | None) -> float | None:
    """The newest finite close, or None."""
    if close is None:
        return None
    c = no_nan(close)
    return float(c.iloc[-1]) if len(c) else None


def change(close: pd.Series | None, sessions: int = VIX_CHANGE_SESSIONS) -> float | None:
    """Level now minus the level `sessions` bars earlier (points, not percent)."""
    if close is None:
        return None
    c = no_nan(close)
    if len(c) <= sessions:
        return None
    return float(c.iloc[-1] - c.iloc[-1 - sessions])


def last_log_return(close: pd.Series | None, bars: int = 1) -> float | None:
    """Log return of the last bar against the one `bars` bars before it."""
    if close is None:
        return None
    c = no_nan(close)
    if len(c) <= bars or c.iloc[-1 - bars] <= 0 or c.iloc[-1] <= 0:
        return None
    return float(math.log(c.iloc[-1] / c.iloc[-1 - bars]))


def drawdown(close: pd.Series | None, window: int) -> float | None:
    """Last close over the highest close of the last `window` bars (the last one included),
    minus 1: 0 at a new high, -0.10 ten percent below it. None with fewer than `window` bars."""
    if close is None:
        return None
    c = no_nan(close).to_numpy(dtype="float64")
    if len(c) < window:
        return None
    return float(c[-1] / np.max(c[-window:]) - 1.0)
