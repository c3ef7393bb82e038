"""Small-cap leadership, the IWM-BTC lead-lag and the liquidity chain (DESIGN.md section 5)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from deskapp.signals.correlation import align_daily
from deskapp.signals.memo import same_inputs
from deskapp.signals.returns import inner_values, no_nan

HIGH_WINDOW = 252
VOLUME_WINDOW = 50
VOLUME_BREAKOUT = 1.5
LEADLAG_WINDOW = 250
MAX_LAG = 10


def prior_high(close: pd.Series, window: int = HIGH_WINDOW) -> float | None:
    """Highest close of the `window` sessions before the last one (the last excluded)."""
    c = no_nan(close).to_numpy(dtype="float64")
    if len(c) < window + 1:
        return None
    return float(c[-1 - window:-1].max())


def prior_high_series(close: pd.Series, window: int = HIGH_WINDOW) -> pd.Series:
    """`prior_high` at every session: the highest close of the `window` sessions before it."""
    c = no_nan(close)
    return c.shift(1).rolling(window, min_periods=window).max().dropna()


def volume_ratio(volume: pd.Series, window: int = VOLUME_WINDOW) -> float | None:
    """Last session's volume / the mean volume of the `window` sessions before it."""
    v = no_nan(volume).to_numpy(dtype="float64")
    if len(v) < window + 1:
        return None
    base = v[-1 - window:-1].mean()
    return float(v[-1] / base) if base > 0 else None


def volume_ratio_series(volume: pd.Series, window: int = VOLUME_WINDOW) -> pd.Series:
    """`volume_ratio` at every session (sessions whose base volume is 0 are left out)."""
    v = no_nan(volume)
    base = v.shift(1).rolling(window, min_periods=window).mean()
    return (v / base.where(base > 0)).dropna()


def breakout(close: float | None, high: float | None, vol_ratio: float | None,
             threshold: float | None = None) -> bool | None:
    """Close above the prior 252-session high (or above `threshold`, when set) with volume at
    least 1.5x its 50-session average."""
    level = threshold if threshold is not None else high
    if close is None or level is None or vol_ratio is None:
        return None
    return close > level and vol_ratio >= VOLUME_BREAKOUT


def lead_lag(leader_close: pd.Series, follower_close: pd.Series, window: int = LEADLAG_WINDOW,
             max_lag: int = MAX_LAG) -> tuple[int | None, float | None, dict[int, float]]:
    """Cross-correlation of the leader's daily log returns with the follower's k days later,
    k = 0..max_lag, over the last `window` aligned returns (pairs with t+k inside the window).

    Returns (best lag, its correlation, {lag: corr}); best = the highest correlation.
    """
    best, corr, table = _lead_lag_of_pairs(align_daily(leader_close, follower_close), window,
                                           max_lag)
    return best, corr, dict(table)  # the kept result's table stays as it was


@same_inputs(4)  # BTC's day so far moves hourly but pairs with no session until the US close
def _lead_lag_of_pairs(pairs: pd.DataFrame, window: int, max_lag: int
                       ) -> tuple[int | None, float | None, dict[int, float]]:
    if len(pairs) < window + 1:
        return None, None, {}
    rets = np.diff(np.log(np.column_stack([pairs["a"].to_numpy(dtype="float64"),
                                           pairs["b"].to_numpy(dtype="float64")])),
                   axis=0)[-window:]
    out: dict[int, float] = {}
    for k in range(max_lag + 1):  # Pearson, as numpy.corrcoef: deviations from each mean
        a = rets[: window - k, 0] - rets[: window - k, 0].mean()
        b = rets[k:, 1] - rets[k:, 1].mean()
        saa, sbb = float(a @ a), float(b @ b)
        if saa > 0 and sbb > 0:
            out[k] = min(1.0, max(-1.0, float(a @ b) / math.sqrt(saa * sbb)))
    if not out:
        return None, None, out
    best = max(out, key=out.get)
    return best, out[best], out


def rs_change(numerator: pd.Series, denominator: pd.Series, sessions: int = 20) -> float | None:
    """Relative strength: the ratio numerator/denominator's change over `sessions` sessions
    (fraction), on the sessions both have."""
    _, n, d = inner_values(numerator, denominator)
    if len(n) <= sessions:
        return None
    r = n / d
    return float(r[-1] / r[-1 - sessions] - 1.0)


def basket_return(closes: dict[str, pd.Series], sessions: int = 20) -> float | None:
    """Equal-weight basket return over `sessions` sessions: mean of members' simple returns
    (members with fewer closes are left out)."""
    rets = []
    for c in closes.values():
        v = c.to_numpy(dtype="float64")
        v = v[~np.isnan(v)]
        if len(v) > sessions and v[-1 - sessions] > 0:
            rets.append(v[-1] / v[-1 - sessions] - 1.0)
    return float(np.mean(rets)) if rets else None


def relative_return_series(closes: dict[str, pd.Series], benchmark: pd.Series,
                           sessions: int = 20, basket: pd.Series | None = None) -> pd.Series:
    """`basket_return` minus the benchmark's own `sessions`-return, at every benchmark bar:
    the mean of the simple returns of the members that have a close at that bar (each over its
    own last `sessions` closes), minus the benchmark's. Bars without a member are left out.
    `basket`: `basket_return_series(closes, sessions)` when known already."""
    bench = no_nan(benchmark)
    b_ret = bench / bench.shift(sessions) - 1.0
    if basket is None:
        basket = basket_return_series(closes, sessions)
    if basket is None:
        return pd.Series(dtype="float64")
    index, a, b = inner_values(basket, b_ret)  # (basket - b_ret).dropna(), without its union
    return pd.Series(a - b, index=index, name=basket.name if basket.name == b_ret.name else None)


def basket_return_series(closes: dict[str, pd.Series], sessions: int = 20) -> pd.Series | None:
    """At every bar of any member, the mean `sessions`-return of the members with a close
    there (each over its own closes); None without members."""
    members = []
    for c in closes.values():
        v = no_nan(c)
        members.append((v / v.shift(sessions) - 1.0).rename(len(members)))
    return pd.concat(members, axis=1, sort=True).mean(axis=1) if members else None


CHAIN = ("bonds", "equities", "smallcaps", "crypto", "altcoins")


def chain_reached(lit: dict[str, bool | None]) -> str | None:
    """How far the chain has travelled: the last link of the unbroken lit run from bonds."""
    reached = None
    for link in CHAIN:
        if not lit.get(link):
            break
        reached = link
    return reached
