"""Forward returns and maximum drawdowns from the raw bundled series (docs/EVALUATE.md).

S&P 500: horizons in sessions (rows of the index file). BTC: horizons in calendar days (the
close stamped exactly that many days after the start close). The start close P0 is the last close
stamped at or before the step time; the path is the closes after P0 up to the end close.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _start_rows(stamps: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Index of the last close stamped at or before each step (-1: none)."""
    return np.searchsorted(stamps, steps, side="right") - 1


def forward_table(closes: pd.Series, steps: pd.DatetimeIndex, horizons: dict[str, int],
                  calendar_days: bool, drawdown: str) -> pd.DataFrame:
    """Per step: `ret_<h>` = P_end / P0 - 1 for each horizon, and `dd_<drawdown>` = the most
    negative P_t / max(P0, max P_s, s <= t) - 1 over the path to that horizon's end (0 when the
    price never falls below its running peak). NaN where the end close does not exist.
    """
    s = closes.dropna()
    stamps = s.index.as_unit("ns").asi8
    v = s.to_numpy(dtype="float64")
    rows = _start_rows(stamps, steps.as_unit("ns").asi8)
    day = 86_400 * 10**9
    out: dict[str, np.ndarray] = {}
    ends: dict[str, np.ndarray] = {}
    for name, h in horizons.items():
        if calendar_days:
            j = np.searchsorted(stamps, stamps[np.maximum(rows, 0)] + h * day)
            ok = (rows >= 0) & (j < len(stamps))
            jj = np.minimum(j, len(stamps) - 1)
            ok &= stamps[jj] == stamps[np.maximum(rows, 0)] + h * day
        else:
            jj = np.minimum(rows + h, len(stamps) - 1)
            ok = (rows >= 0) & (rows + h < len(stamps))
        end = np.where(ok, jj, -1)
        ends[name] = end
        out[f"ret_{name}"] = np.where(ok, v[jj] / v[np.maximum(rows, 0)] - 1.0, np.nan)
    dd = np.full(len(rows), np.nan)
    for k, (i, e) in enumerate(zip(rows, ends[drawdown], strict=True)):
        if e < 0:
            continue
        path = v[i:e + 1]  # P0 then the path
        dd[k] = float(min(0.0, (path / np.maximum.accumulate(path) - 1.0).min()))
    out[f"dd_{drawdown}"] = dd
    return pd.DataFrame(out, index=steps)


MAX_PRICE_AGE = pd.Timedelta(days=1)  # a BTC price older than this at a sample time: no price


def last_price_series(series: list[pd.Series]) -> pd.Series:
    """Every close of `series` (in order of preference) on one time line: where two share a
    stamp, the first listed wins. Used for BTC: its daily closes and its intraday bars."""
    parts = [s.dropna() for s in series if s is not None and len(s.dropna())]
    if not parts:
        return pd.Series(dtype="float64")
    merged = pd.concat(parts)
    merged = merged[~merged.index.duplicated(keep="first")]
    return merged.sort_index().astype("float64")


def sampled_forward_table(prices: pd.Series, steps: pd.DatetimeIndex,
                          horizons_days: dict[str, int], drawdown: str,
                          max_age: pd.Timedelta = MAX_PRICE_AGE) -> pd.DataFrame:
    """Forward returns on a clock: P(t) = the last price stamped at or before t, no older than
    `max_age`. Per step t0: `ret_<h>` = P(t0 + h days) / P(t0) - 1 and `dd_<drawdown>` = the
    most negative P / running peak - 1 over P(t0 + k days), k = 0..h (NaN samples skipped).
    P(t0) is the price the desk could see at the step (BTC's intraday bars where held), so a
    move that happened before the step is never counted as what followed it."""
    stamps = prices.index.as_unit("ns").asi8
    v = prices.to_numpy(dtype="float64")
    day, age = 86_400 * 10**9, max_age.value
    t0 = steps.as_unit("ns").asi8

    def at(times: np.ndarray) -> np.ndarray:
        i = np.searchsorted(stamps, times, side="right") - 1
        ok = (i >= 0) & (times - stamps[np.maximum(i, 0)] <= age)
        return np.where(ok, v[np.maximum(i, 0)], np.nan)

    p0 = at(t0) if len(stamps) else np.full(len(t0), np.nan)
    out: dict[str, np.ndarray] = {}
    for name, h in horizons_days.items():
        end = at(t0 + h * day) if len(stamps) else np.full(len(t0), np.nan)
        out[f"ret_{name}"] = end / p0 - 1.0
    h = horizons_days[drawdown]
    if len(stamps):
        path = np.stack([at(t0 + k * day) for k in range(h + 1)], axis=1)
    else:
        path = np.full((len(t0), h + 1), np.nan)
    with np.errstate(invalid="ignore"):
        peak = np.fmax.accumulate(path, axis=1)
        worst = np.nanmin(np.where(np.isnan(path), np.inf, path / peak - 1.0), axis=1)
    ok = np.isfinite(path[:, 0]) & np.isfinite(path[:, -1])
    out[f"dd_{drawdown}"] = np.where(ok, np.minimum(0.0, worst), np.nan)
    return pd.DataFrame(out, index=steps)
