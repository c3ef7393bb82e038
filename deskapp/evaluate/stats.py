"""Distributions, Wilson intervals, the correlation-spike label and the lift with a block
bootstrap (docs/EVALUATE.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

SPIKE_RISE = 0.2
SPIKE_DAYS = 20
BLOCK = 20
BOOT = 1000


def distribution(values: pd.Series | np.ndarray) -> dict[str, float | int | None]:
    """n, median, 10th and 90th percentile (linear interpolation) of the finite values."""
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    if not len(v):
        return {"n": 0, "median": None, "p10": None, "p90": None}
    p10, med, p90 = np.percentile(v, [10, 50, 90])
    return {"n": int(len(v)), "median": float(med), "p10": float(p10), "p90": float(p90)}


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float | None, float | None]:
    """Wilson score interval for k successes in n trials (95% by default)."""
    if n <= 0:
        return None, None
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return centre - half, centre + half


def spike_label(corr30: pd.Series, rise: float = SPIKE_RISE, days: int = SPIKE_DAYS) -> pd.Series:
    """1.0 when the daily 30d correlation rises by `rise` or more above today's value at any of
    the next `days` steps, 0.0 when it does not, NaN when today's value is missing or fewer than
    `days` steps follow."""
    c = corr30.to_numpy(dtype="float64")
    out = np.full(len(c), np.nan)
    for i in range(len(c) - days):
        ahead = c[i + 1:i + 1 + days]
        if np.isfinite(c[i]) and np.isfinite(ahead).any():
            out[i] = float(np.nanmax(ahead) - c[i] >= rise - 1e-12)
    return pd.Series(out, index=corr30.index)


def _rates(groups: np.ndarray, label: np.ndarray, g: object) -> tuple[float, float]:
    base = label.mean() if len(label) else np.nan
    sel = label[groups == g]
    return (sel.mean() if len(sel) else np.nan), base


def lift_table(groups: pd.Series, label: pd.Series, block: int = BLOCK, boot: int = BOOT,
               seed: int = 0) -> list[dict]:
    """Per group value: n, hits, rate with its Wilson 95% interval, the base rate (all labelled
    days), lift = rate / base, and a 95% moving-block bootstrap interval of the lift (blocks of
    `block` consecutive days, resampled with replacement; overlapping windows make neighbouring
    days dependent, which the blocks keep together)."""
    ok = label.notna() & groups.notna()
    g = groups[ok].to_numpy()
    y = label[ok].to_numpy(dtype="float64")
    n_all = len(y)
    rng = np.random.default_rng(seed)
    starts_max = max(n_all - block + 1, 1)
    samples = []
    if n_all:
        nblocks = math.ceil(n_all / block)
        for _ in range(boot):
            st = rng.integers(0, starts_max, nblocks)
            idx = (st[:, None] + np.arange(min(block, n_all))[None, :]).ravel()[:n_all]
            samples.append(idx)
    out = []
    for value in sorted(set(g.tolist())):
        sel = g == value
        n, k = int(sel.sum()), int(y[sel].sum())
        rate, base = k / n, y.mean()
        lo, hi = wilson(k, n)
        lifts = []
        for idx in samples:
            r, b = _rates(g[idx], y[idx], value)
            if np.isfinite(r) and b > 0:
                lifts.append(r / b)
        l_lo, l_hi = (np.percentile(lifts, [2.5, 97.5]) if len(lifts) >= boot // 2
                      else (np.nan, np.nan))
        out.append({"group": value, "n": n, "hits": k, "rate": rate, "rate_lo": lo,
                    "rate_hi": hi, "base": float(base), "lift": rate / base if base > 0 else None,
                    "lift_lo": None if not np.isfinite(l_lo) else float(l_lo),
                    "lift_hi": None if not np.isfinite(l_hi) else float(l_hi)})
    return out
