"""Forward returns and maximum drawdowns from raw daily closes (docs/EVALUATE.md).

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
