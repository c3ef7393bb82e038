"""What followed a trading decision: BTC and S&P 500 return and maximum drawdown 1 day and 1 week
after the decision's market time. Definitions: docs/SIGNALS.md, "Decision outcomes".

Pure pandas/numpy, no Qt, no I/O. It runs in the compute worker on every update for each
decision still pending, so each series is read with a few binary searches on its close times
and only the few bars of the outcome's own path are touched.

An outcome is complete once its end bar exists; until then it is None (pending). Frames cut at
any time give either None or exactly the outcome the full data gives: stored once, it is final.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from deskapp.signals.returns import ns_index
from deskapp.signals.roles import ROLES, STALE_AFTER

ASSETS = ("BTC", "SPX")
HORIZONS: dict[str, pd.Timedelta] = {"1d": pd.Timedelta(hours=24), "1w": pd.Timedelta(days=7)}
# Series candidates per asset, in order of preference: hourly first (a finer drawdown path).
SERIES: dict[str, tuple[str, ...]] = {
    "BTC": ROLES["btc_1h"] + ROLES["btc_1d"],  # hourly BTC keys, crypto.btc, crypto.btc.hist
    "SPX": ("idx.spx.1h", "fut.es.1h") + ROLES["spx"],  # then idx.spx, fut.es
}


@dataclass(frozen=True)
class Outcome:
    asset: str  # "BTC" or "SPX"
    horizon: str  # "1d" or "1w"
    series: str  # the series key the prices come from
    start_time: str  # ISO UTC close time of the start bar (the last close at or before t0)
    start_price: float
    end_time: str  # ISO UTC close time of the end bar (the first close at or after t0 + horizon)
    end_price: float
    ret: float  # end_price / start_price - 1
    max_drawdown: float  # <= 0: the deepest fall below the running peak (start price included)
    bars: int  # closes in the path (t0, end], the end bar included

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Series:
    key: str
    times: np.ndarray  # int64 UTC nanoseconds of the bar close times, sorted
    close: np.ndarray  # float64
    bound: int  # staleness bound of the series' bar length, in nanoseconds


def _series(frames: dict[str, pd.DataFrame], meta: dict[str, dict], key: str) -> _Series | None:
    frame = frames.get(key)
    if frame is None or frame.empty or "close" not in frame.columns:
        return None
    freq = meta.get(key, {}).get("freq", "1d")
    bound = STALE_AFTER.get(freq, STALE_AFTER["1d"])
    return _Series(key, ns_index(frame), frame["close"].to_numpy(dtype="float64", copy=False),
                   bound.value)


def _iso(ns: int) -> str:
    return pd.Timestamp(int(ns), tz="UTC").isoformat().replace("+00:00", "Z")


def _start(s: _Series, t0: int) -> int | None:
    """Row of the last valid close at or before t0, if no older than the series' bound."""
    lo = int(np.searchsorted(s.times, t0 - s.bound, side="left"))
    hi = int(np.searchsorted(s.times, t0, side="right"))
    ok = np.flatnonzero(np.isfinite(s.close[lo:hi]))
    return lo + int(ok[-1]) if ok.size else None


def _outcome(s: _Series, asset: str, horizon: str, t0: int, i0: int, i1: int) -> Outcome:
    p0 = float(s.close[i0])
    path = s.close[int(np.searchsorted(s.times, t0, side="right")):i1 + 1]
    path = path[np.isfinite(path)]  # the end bar is in it, and valid
    peak = np.maximum(np.maximum.accumulate(path), p0)
    drawdown = min(float(np.min(path / peak)) - 1.0, 0.0)
    end = float(s.close[i1])
    return Outcome(asset=asset, horizon=horizon, series=s.key, start_time=_iso(s.times[i0]),
                   start_price=p0, end_time=_iso(s.times[i1]), end_price=end,
                   ret=end / p0 - 1.0, max_drawdown=drawdown + 0.0, bars=int(path.size))


def _asset_outcomes(frames: dict[str, pd.DataFrame], meta: dict[str, dict], asset: str,
                    t0: int) -> dict[str, Outcome | None]:
    found = [s for s in (_series(frames, meta, k) for k in SERIES[asset]) if s is not None]
    # The newest bar of any candidate: once it is past a candidate's end window, that window
    # is over for every candidate (frames are cut at one time), so a missing end bar is final.
    latest = max((int(s.times[-1]) for s in found), default=None)
    current = [(s, i0) for s in found if (i0 := _start(s, t0)) is not None]
    out: dict[str, Outcome | None] = {}
    for horizon, span in HORIZONS.items():
        target = t0 + span.value
        out[horizon] = None
        for s, i0 in current:
            a = int(np.searchsorted(s.times, target, side="left"))
            b = int(np.searchsorted(s.times, target + s.bound, side="right"))
            ok = np.flatnonzero(np.isfinite(s.close[a:b]))
            if ok.size:  # complete on this series
                out[horizon] = _outcome(s, asset, horizon, t0, i0, a + int(ok[0]))
                break
            if latest is not None and latest > target + s.bound:
                continue  # this series has no close near the target (data ended or a hole)
            break  # its end bar may still come: pending, never a later candidate's numbers
    return out


def decision_outcomes(frames: dict[str, pd.DataFrame], meta: dict[str, dict],
                      t0: pd.Timestamp) -> dict[tuple[str, str], Outcome | None]:
    """Outcomes of a decision made at market time `t0` (tz-aware), keyed (asset, horizon) for
    every asset in ASSETS and horizon in HORIZONS; None where pending or without data."""
    if t0.tzinfo is None:
        raise ValueError("t0 must be a tz-aware timestamp")
    stamp = int(t0.tz_convert("UTC").as_unit("ns").value)
    out: dict[tuple[str, str], Outcome | None] = {}
    for asset in ASSETS:
        for horizon, outcome in _asset_outcomes(frames, meta, asset, stamp).items():
            out[(asset, horizon)] = outcome
    return out
