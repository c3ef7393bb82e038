"""Prices and daily returns of a book's symbols from the desk's frames (pure pandas).

A symbol is priced by a chain of store series (deskapp/data/portfolio.py SYMBOLS), best first.
Its price at `asof` is the last close of the first chain member that is current (its last
daily bar at most 6 days old, docs/SIGNALS.md conventions). Its daily returns are each member's
own close-to-close returns on the book's calendar, the first member's where it has one, else the
next member's: closes of two series are never chained (NVDA's older series is pre-split).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from deskapp.signals.returns import session_dates

STALE_DAILY = pd.Timedelta(days=6)
MAX_GAP_DAYS = 10  # two closes further apart than this have a hole between them: no return


def daily_closes(frames: Mapping[str, pd.DataFrame], key: str, asof: pd.Timestamp
                 ) -> pd.Series | None:
    """`key`'s closes at or before `asof`, indexed by session date (tz-naive); None if absent."""
    f = frames.get(key)
    if f is None or "close" not in f or f.empty:
        return None
    f = f.loc[:asof]
    c = f["close"].astype("float64")
    c = c[np.isfinite(c.to_numpy()) & (c.to_numpy() > 0)]
    if c.empty:
        return None
    s = pd.Series(c.to_numpy(), index=session_dates(c.index))
    return s[~s.index.duplicated(keep="last")]


def current_price(frames: Mapping[str, pd.DataFrame], keys: Sequence[str], asof: pd.Timestamp
                  ) -> tuple[float | None, str | None, str | None, pd.Timestamp | None]:
    """(price, series key, reason when None, time of the bar) at `asof`."""
    last_seen: pd.Timestamp | None = None
    for key in keys:
        f = frames.get(key)
        if f is None or "close" not in f:
            continue
        cut = f["close"].loc[:asof].dropna()
        if cut.empty:
            continue
        t = cut.index[-1]
        if asof - t <= STALE_DAILY:
            return float(cut.iloc[-1]), key, None, t
        last_seen = t if last_seen is None or t > last_seen else last_seen
    if last_seen is not None:
        return None, None, f"no price: no data since {last_seen:%Y-%m-%d}", None
    return None, None, None, None


def returns_on(calendar: pd.DatetimeIndex, closes: pd.Series) -> pd.Series:
    """Simple close-to-close returns on `calendar` dates; NaN where either close is missing or
    the two closes are more than MAX_GAP_DAYS apart (a crypto close on every calendar date, so a
    Monday's return spans the weekend)."""
    c = closes.reindex(calendar)
    r = c / c.shift(1) - 1.0
    gap = pd.Series(calendar, index=calendar).diff() > pd.Timedelta(days=MAX_GAP_DAYS)
    r[gap.to_numpy()] = np.nan
    return r


def chain_returns(frames: Mapping[str, pd.DataFrame], keys: Sequence[str], asof: pd.Timestamp,
                  calendar: pd.DatetimeIndex) -> pd.Series:
    """The chain's returns on `calendar`: the first member's, holes filled by the next ones."""
    out = pd.Series(np.nan, index=calendar)
    for key in keys:
        closes = daily_closes(frames, key, asof)
        if closes is not None:
            out = out.combine_first(returns_on(calendar, closes))
    return out


def calendar_of(frames: Mapping[str, pd.DataFrame], keys: Sequence[str], asof: pd.Timestamp
                ) -> pd.DatetimeIndex:
    """The book's daily calendar: the session dates of the S&P 500 chain (the first member with
    data), else of the next chain given (BTC)."""
    dates = pd.DatetimeIndex([])
    for key in keys:
        c = daily_closes(frames, key, asof)
        if c is not None:
            dates = dates.union(c.index)
    return dates
