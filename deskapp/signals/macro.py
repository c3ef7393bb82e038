"""Macro signals: yields, the policy path and the dollar (DESIGN.md section 5, "Macro")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deskapp.signals.returns import session_dates
from deskapp.signals.stress import change

SESSIONS = 5
DXY_WINDOW = 20
DXY_Z_YEAR = 252


def change_bp(level_pct: pd.Series, sessions: int = SESSIONS) -> float | None:
    """Change in basis points over the last `sessions` sessions (blank days are not sessions)."""
    points = change(level_pct, sessions)
    return None if points is None else points * 100.0


def policy_change_bp(zq_price: pd.Series, sessions: int = SESSIONS) -> float | None:
    """100 - front-month ZQ price = the market's average effective fed funds rate for the
    contract's calendar month (not the rate after the next meeting: days already past are
    fixed); its change over 5 sessions in bp (up = hawkish)."""
    return change_bp(100.0 - zq_price, sessions)


MIN_DAYS_LEFT = 5  # fewer days left in the month: a price tick moves the rate > 1.5 bp


def rest_of_month_rate(avg_pct: float, session: pd.Timestamp, dff_pct: pd.Series,
                       min_days_left: int = MIN_DAYS_LEFT) -> float | None:
    """The fed funds rate the front-month future implies for the days of its month not yet
    fixed, in percent: (N x average - sum of the effective rates of the days before
    `session`) / (days left), N = days in `session`'s month (the continuous front month is
    that month's contract until its last trading day). `dff_pct` is indexed by observation
    date (midnight, naive). None when a past day of the month has no effective rate, or fewer
    than `min_days_left` days are left."""
    day = pd.Timestamp(session).normalize()
    n = day.days_in_month
    past = pd.date_range(day.replace(day=1), periods=day.day - 1, freq="D")
    left = n - len(past)
    if left < min_days_left:
        return None
    known = dff_pct.reindex(past)
    if known.isna().any():
        return None
    return float((n * avg_pct - known.sum()) / left)


def policy_rest_of_month(zq_price: pd.Series, dff_pct: pd.Series, sessions: int = SESSIONS
                         ) -> tuple[float | None, float | None]:
    """`rest_of_month_rate` at the last ZQ session, and its change over `sessions` sessions in
    bp when both sessions fall in the same month (the same contract, the same days ahead of
    it); (None, None) when the level cannot be had. Only effective rates of the days before
    each session are used: a day's DFF is published the next morning."""
    z = zq_price.dropna()
    if z.empty:
        return None, None
    dates = session_dates(z.index)
    rates = pd.Series(dff_pct.dropna().to_numpy(dtype="float64"),
                      index=session_dates(dff_pct.dropna().index))
    rates = rates[~rates.index.duplicated(keep="last")]
    now = rest_of_month_rate(100.0 - float(z.iloc[-1]), dates[-1], rates)
    if now is None or len(z) <= sessions:
        return now, None
    then_day = dates[-1 - sessions]
    if (then_day.year, then_day.month) != (dates[-1].year, dates[-1].month):
        return now, None
    then = rest_of_month_rate(100.0 - float(z.iloc[-1 - sessions]), then_day, rates)
    return now, None if then is None else (now - then) * 100.0


def dxy_return_and_z(dxy: pd.Series, window: int = DXY_WINDOW,
                     year: int = DXY_Z_YEAR) -> tuple[float | None, float | None]:
    """DXY 20-session simple return, and its z-score against the last 252 20-session returns
    (the current one included; stdev ddof=1). z is None without a full year of returns."""
    v = dxy.dropna().to_numpy(dtype="float64")
    if len(v) <= window:
        return None, None
    rets = v[window:] / v[:-window] - 1.0
    ret = float(rets[-1])
    if len(rets) < year:
        return ret, None
    tail = rets[-year:]
    sd = float(np.std(tail, ddof=1))
    return ret, (float((ret - tail.mean()) / sd) if sd > 0 else None)


def dollar_strength_with_yields(dxy_z: float | None, us10y_5d_bp: float | None) -> bool | None:
    """DXY 20d z >= 1 and the 10y 5-session change >= 0."""
    if dxy_z is None or us10y_5d_bp is None:
        return None
    return dxy_z >= 1.0 and us10y_5d_bp >= 0.0


def wednesday_rrp(week_stamps: pd.DatetimeIndex, rrp_bn: pd.Series) -> pd.DataFrame:
    """The overnight reverse repo figure of each H.4.1 week's Wednesday.

    `week_stamps` are the weeks' release stamps (Thursday 16:30 New York); the Wednesday is
    the day before. The Wednesday's figure is the RRP value stamped in (Wednesday - 24h,
    Wednesday]; when the Wednesday has none (a holiday: 2025-01-01, 2024-12-25), the next
    business day's figure is used: the first value stamped after the Wednesday and at or before
    the week's release (Thursday 13:15 New York, published before the H.4.1 at 16:30). An
    earlier day's figure is never used: the Tuesday before a year end carries the year-end
    spike (2024-12-31: 473 bn against 240 bn on 2025-01-02). Neither day: no row.
    Columns `rrp` (USD bn), `rrp_time` (the stamp of the figure used), `substituted` (True
    where it is not the Wednesday's); index = the week stamps that have a figure."""
    s = rrp_bn.dropna()
    out = pd.DataFrame({"rrp": np.nan, "rrp_time": pd.NaT, "substituted": False},
                       index=week_stamps)
    if s.empty or not len(week_stamps):
        return out.iloc[:0]
    t = s.index.as_unit("ns").asi8
    v = s.to_numpy(dtype="float64")
    week = week_stamps.as_unit("ns").asi8
    wed = week - 86_400 * 10**9
    at = np.searchsorted(t, wed, side="right") - 1  # last figure at or before the Wednesday
    on_wed = (at >= 0) & (wed - t[np.maximum(at, 0)] < 86_400 * 10**9)
    nxt = np.minimum(at + 1, len(t) - 1)  # first figure after the Wednesday
    on_next = ~on_wed & (at + 1 < len(t)) & (t[nxt] > wed) & (t[nxt] <= week)
    pos = np.where(on_wed, at, nxt)
    ok = on_wed | on_next
    out = pd.DataFrame({"rrp": v[pos[ok]], "rrp_time": s.index[pos[ok]],
                        "substituted": on_next[ok]}, index=week_stamps[ok])
    return out


def net_liquidity_table(walcl_bn: pd.Series, tga_bn: pd.Series,
                        rrp_bn: pd.Series) -> pd.DataFrame:
    """Weekly net liquidity in USD bn = Fed total assets - Treasury General Account - overnight
    reverse repo, on the H.4.1 weeks both weekly series have and whose Wednesday RRP figure
    exists (`wednesday_rrp`). Columns walcl, tga, rrp, rrp_time, substituted, net."""
    weekly = pd.concat({"walcl": walcl_bn, "tga": tga_bn}, axis=1, join="inner").dropna()
    rrp = wednesday_rrp(weekly.index, rrp_bn)
    table = weekly.join(rrp, how="inner")
    table["net"] = table["walcl"] - table["tga"] - table["rrp"]
    return table


def net_liquidity(walcl_bn: pd.Series, tga_bn: pd.Series, rrp_bn: pd.Series) -> pd.Series:
    """Weekly net liquidity in USD bn (`net_liquidity_table`'s `net` column)."""
    return net_liquidity_table(walcl_bn, tga_bn, rrp_bn)["net"].astype("float64")


def rrp_substitution_note(table: pd.DataFrame, weeks: tuple[int, ...] = (4, 13)) -> str | None:
    """Which of the weeks a reading rests on (the last week and the weeks `weeks` before it)
    took the RRP figure of the day after a Wednesday with none; None when none did."""
    if table.empty:
        return None
    last = table.index[-1]
    wanted = [last] + [last - pd.Timedelta(days=7 * w) for w in weeks]
    notes = []
    for t, row in table[table["substituted"]].iterrows():
        if any(abs(t - u) <= pd.Timedelta(days=1) for u in wanted):
            wed = (t - pd.Timedelta(days=1))
            notes.append(f"RRP of {row['rrp_time']:%a %Y-%m-%d} used for the week of "
                         f"{wed:%a %Y-%m-%d} (no figure that Wednesday)")
    return "; ".join(notes) if notes else None


def net_liquidity_change(net: pd.Series, weeks: int) -> pd.Series:
    """Change of weekly net liquidity over `weeks` H.4.1 weeks, at every week: the value now
    minus the value of the week exactly `weeks` x 7 days earlier (matched within a day, as the
    UTC stamp moves an hour with daylight saving). Weeks whose earlier week is missing from the
    data (a hole) are left out, never measured against another week."""
    s = net.dropna()
    if s.empty:
        return pd.Series(dtype="float64")
    t = s.index.as_unit("ns").asi8
    v = s.to_numpy(dtype="float64")
    target = t - weeks * 7 * 86_400 * 10**9
    i = np.clip(np.searchsorted(t, target), 1, len(t) - 1) if len(t) > 1 else np.zeros_like(t)
    # the nearer of the two neighbours of each target time
    before = np.maximum(i - 1, 0)
    j = np.where(np.abs(t[before] - target) <= np.abs(t[i] - target), before, i)
    ok = np.abs(t[j] - target) <= 86_400 * 10**9
    return pd.Series(v[ok] - v[j[ok]], index=s.index[ok])


def net_liquidity_change_last(net: pd.Series, weeks: int) -> float | None:
    """`net_liquidity_change` at the last week, or None (too short, or that week is missing)."""
    s = net.dropna()
    chg = net_liquidity_change(s.iloc[-(weeks + 2):], weeks) if len(s) else s
    if chg.empty or chg.index[-1] != s.index[-1]:
        return None
    return float(chg.iloc[-1])
