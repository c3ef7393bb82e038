"""Trend on a timeframe (DESIGN.md section 5, "Trend")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deskapp.signals.memo import same_inputs
from deskapp.signals.returns import last_per_bucket, no_nan

EMA_SPAN = 20
SLOPE_BARS = 5
MIN_BARS = EMA_SPAN + SLOPE_BARS  # never a trend from fewer bars than the EMA and its slope need


@same_inputs(12)  # the 4h bars (S&P, BTC) and the S&P's hourly bars often repeat
def trend(close: pd.Series) -> int | None:
    """+1 up, -1 down, 0 none: sign(close - EMA20) when it agrees with the sign of EMA20's 5-bar
    slope, else 0. None with fewer than 25 valid closes. EMA20 = exponential mean, span 20
    (alpha = 2/21), started at the first close of the series given.
    """
    c = no_nan(close).astype("float64")
    if len(c) < MIN_BARS:
        return None
    e = ema(c).to_numpy()
    side = np.sign(c.iloc[-1] - e[-1])
    slope = np.sign(e[-1] - e[-1 - SLOPE_BARS])
    return int(side) if side == slope and side != 0 else 0


@same_inputs(4)  # the ETH/BTC ratio's: BTC's day so far pairs with no ETH bar
def ema(close: pd.Series, span: int = EMA_SPAN) -> pd.Series:
    """The trend's EMA at every bar: alpha = 2 / (span + 1), started at the first close."""
    return no_nan(close).astype("float64").ewm(alpha=2.0 / (span + 1.0), adjust=False).mean()


def agreement(a: int | None, b: int | None) -> str | None:
    """Trend agreement of two assets: 'both down' (confirmed risk-off), 'both up', or 'mixed'."""
    if a is None or b is None:
        return None
    if a == b == -1:
        return "both down"
    if a == b == 1:
        return "both up"
    return "mixed"


@same_inputs(4)  # BTC's 4h bars: for the snapshot's trend and the crypto pane, once a board
def resample_last(close: pd.Series, rule: str, asof: pd.Timestamp) -> pd.Series:
    """Bars of `rule` (e.g. '4h') from finer closes: the last close in each UTC bucket, stamped at
    the bucket end; buckets not yet ended at `asof` are left out (a bar still forming)."""
    return last_per_bucket(close, rule, asof)
