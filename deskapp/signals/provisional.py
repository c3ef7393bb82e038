"""BTC's UTC day so far as a provisional last daily point (docs/SIGNALS.md, Conventions).

BTC's daily bar closes at 00:00 UTC, so at the US close (20:00/21:00 UTC) the last complete
daily BTC bar is the previous UTC day's: a same-day crash (2021-05-19, 2026-02-05) would not
reach the daily signals that compare BTC with the US session. Inside a UTC day, the last
intraday BTC close of the day so far (hourly where held, else 4h bars) is appended to the daily
closes as a provisional point stamped `asof`; its calendar date is the day in progress, so it
aligns with that day's equity session.

The point is made only from 12:00 UTC (`MIN_DAY_PART`): a shorter part day cannot stand for a
day; its small return would dilute the 5-day realised vol (on 2026-02-05 at 01:00 UTC a 1-hour
"day" took BTC's RV(5)/RV(60) from 2.0 to 1.3 in the middle of the crash). Before noon the
previous day's bar, closed at most 12 hours earlier, is the last daily point; by noon the US
session of the day is about to open (13:30 or 14:30 UTC), and the US close is at 20:00/21:00.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskapp.signals import roles
from deskapp.signals.returns import no_nan

INTRADAY_ROLES = ("btc_1h", "btc_4h")  # freshest first
MIN_DAY_PART = pd.Timedelta(hours=12)  # the day so far counts from 12:00 UTC


@dataclass(frozen=True)
class DaySoFar:
    price: float  # the last intraday close of the UTC day so far
    bar_time: pd.Timestamp  # that bar's close time
    source: str  # the intraday series it comes from
    prev_close: float  # the last complete daily close (the previous UTC day's)
    asof: pd.Timestamp  # the provisional point's stamp

    @property
    def ret(self) -> float:
        """Simple return of the day so far: price / previous daily close - 1."""
        return self.price / self.prev_close - 1.0

    def note(self) -> str:
        return (f"BTC daily: provisional point for {self.asof:%Y-%m-%d} = the {self.source} "
                f"close of {self.bar_time:%H:%M} UTC ({self.ret:+.1%} on the day so far)")


def day_so_far(daily: pd.Series | None, frames: Mapping[str, pd.DataFrame],
               meta: dict[str, dict], asof: pd.Timestamp) -> DaySoFar | None:
    """The provisional point at `asof`, or None: before 12:00 UTC (the daily bar closed less
    than `MIN_DAY_PART` ago), when the daily closes do not reach the start of the day (no
    complete previous day), or when no current intraday BTC series has a bar closed after 00:00
    and at or before asof. `frames` must already be cut at asof."""
    if daily is None:
        return None
    s = no_nan(daily)
    start = asof.floor("D")
    if s.empty or asof - start < MIN_DAY_PART or s.index[-1] != start:
        return None
    for role in INTRADAY_ROLES:
        key = roles.pick(frames, meta, role, asof, current_only=True)
        if key is None or "close" not in frames[key].columns:
            continue
        bars = no_nan(frames[key]["close"])
        bars = bars[(bars.index > start) & (bars.index <= asof)]
        if len(bars):
            return DaySoFar(float(bars.iloc[-1]), bars.index[-1], key, float(s.iloc[-1]), asof)
    return None


def btc_day_so_far(frames: Mapping[str, pd.DataFrame], meta: dict[str, dict],
                   asof: pd.Timestamp) -> DaySoFar | None:
    """The provisional point of the current daily BTC series (role `btc_1d`) at `asof`, or
    None (no current daily BTC series, or `day_so_far` gives none). Frames cut at asof."""
    key = roles.pick(frames, meta, "btc_1d", asof, current_only=True)
    return None if key is None else day_so_far(frames[key]["close"], frames, meta, asof)


def with_day_so_far(daily: pd.Series, point: DaySoFar | None) -> pd.Series:
    """The daily closes with the provisional point appended (stamped asof), or unchanged."""
    if point is None:
        return daily
    # what pd.concat([daily, one-row series]) gives (index unnamed), in a quarter of its time
    index = daily.index.append(pd.DatetimeIndex([point.asof]).as_unit(daily.index.unit))
    return pd.Series(np.append(daily.to_numpy(), point.price), index=index.rename(None),
                     name=daily.name)
