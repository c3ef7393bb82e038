"""AI-leadership breadth and relative strength (DESIGN.md section 5, "AI leadership breadth")."""

from __future__ import annotations

import pandas as pd

from deskapp.signals.returns import inner_values, no_nan


def share_above_sma(closes: dict[str, pd.Series], window: int) -> pd.DataFrame:
    """Per session: the share of basket members whose close is above their own `window`-day SMA.

    A member counts on a session only if it has a close that session and `window` closes of its own
    history up to it. Columns: `share` (0..1), `above`, `counted`.
    """
    flags = {}
    for name, close in closes.items():
        c = close.dropna()
        sma = c.rolling(window, min_periods=window).mean()
        valid = sma.notna()
        flags[name] = (c > sma).where(valid)
    if not flags:
        return pd.DataFrame(columns=["share", "above", "counted"], dtype="float64")
    table = pd.DataFrame(flags)
    counted = table.notna().sum(axis=1)
    above = (table == True).sum(axis=1)  # noqa: E712  (NaN must not count as True)
    share = (above / counted).where(counted > 0)
    out = pd.DataFrame({"share": share, "above": above, "counted": counted})
    return out[out["counted"] > 0]


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator on the sessions both have."""
    index, n, d = inner_values(numerator, denominator)
    return pd.Series(n / d, index=index)


def change_pct(series: pd.Series, periods: int = 20) -> pd.Series:
    """Percent change over `periods` rows: 100 x (x_t / x_{t-periods} - 1)."""
    s = series.dropna()
    return (100.0 * (s / s.shift(periods) - 1.0)).dropna()


def share_above_sma_last(closes: dict[str, pd.Series], window: int) -> tuple[float, int] | None:
    """`share_above_sma` at the latest session only (fast path for the snapshot).

    Members count only if their last close is on the latest session of the basket and they have
    `window` closes. Returns (share, members counted), or None when none counts.
    """
    series = {k: no_nan(c) for k, c in closes.items()}
    series = {k: c for k, c in series.items() if len(c)}
    if not series:
        return None
    last = max(c.index[-1] for c in series.values())
    above = counted = 0
    for c in series.values():
        if c.index[-1] != last or len(c) < window:
            continue
        v = c.to_numpy(dtype="float64")
        counted += 1
        above += int(v[-1] > v[-window:].mean())
    return (above / counted, counted) if counted else None
