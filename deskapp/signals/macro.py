"""Macro signals: yields, the policy path and the dollar (DESIGN.md section 5, "Macro")."""

from __future__ import annotations

import numpy as np
import pandas as pd

SESSIONS = 5
DXY_WINDOW = 20
DXY_Z_YEAR = 252


def change_bp(level_pct: pd.Series, sessions: int = SESSIONS) -> float | None:
    """Change in basis points over the last `sessions` sessions (blank days are not sessions)."""
    v = level_pct.dropna().to_numpy(dtype="float64")
    if len(v) <= sessions:
        return None
    return float((v[-1] - v[-1 - sessions]) * 100.0)


def policy_change_bp(zq_price: pd.Series, sessions: int = SESSIONS) -> float | None:
    """Implied fed funds = 100 - ZQ price; its change over 5 sessions in bp (up = hawkish)."""
    return change_bp(100.0 - zq_price, sessions)


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


def net_liquidity(walcl_bn: pd.Series, tga_bn: pd.Series, rrp_bn: pd.Series) -> pd.Series:
    """Weekly net liquidity in USD bn = Fed total assets - Treasury General Account - overnight
    reverse repo, on the H.4.1 weeks both weekly series have; RRP is taken on the Wednesday
    (the last RRP value at or before the Wednesday, within 4 days)."""
    weekly = pd.concat({"walcl": walcl_bn, "tga": tga_bn}, axis=1, join="inner").dropna()
    if weekly.empty:
        return pd.Series(dtype="float64")
    wednesday = pd.DataFrame({"t": weekly.index - pd.Timedelta(days=1)}, index=weekly.index)
    rrp = rrp_bn.dropna().rename("rrp").to_frame()
    rrp["t"] = rrp.index
    joined = pd.merge_asof(wednesday.reset_index(), rrp.reset_index(drop=True), on="t",
                           direction="backward", tolerance=pd.Timedelta(days=4))
    joined.index = weekly.index
    net = weekly["walcl"] - weekly["tga"] - joined["rrp"]
    return net.dropna()


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
