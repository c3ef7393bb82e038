"""Log returns and the calendar keys used to align assets that trade on different clocks."""

from __future__ import annotations

import numpy as np
import pandas as pd


def log_returns(close: pd.Series) -> pd.Series:
    """ln(close_t / close_{t-1}) over consecutive rows (the first row has no return: dropped)."""
    return np.log(close).diff().iloc[1:]


def session_dates(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The calendar date a daily bar belongs to, from its UTC close time.

    An equity session closing 2026-02-05 21:00 UTC and a BTC UTC-day bar closing 2026-02-06 00:00
    both belong to 2026-02-05 (DESIGN.md section 5: a BTC daily bar's UTC date = the session date).
    """
    return (index - pd.Timedelta(seconds=1)).tz_localize(None).normalize()
