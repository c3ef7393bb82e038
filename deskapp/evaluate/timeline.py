"""The desk's read at the US close of each trading day, from the desk's own engine.

`desk_read` is the one place that calls the signal engine; everything else here only schedules
the steps (chunks of days, two processes where the platform forks) and adds price features.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from deskapp.signals.engine import SignalSettings, compute

STEP_UTC = pd.Timedelta(hours=21)  # after the 16:00 New York close in both EST (21:00) and EDT
# Every signal window fits in this tail (the longest: 252 DXY 20-session returns, 253 Russell
# sessions, 250 aligned IWM/BTC returns); frames are cut to it per chunk of steps, which changes
# no number (checked by tests/evaluate/test_timeline.py against uncut frames).
TAIL = pd.Timedelta(days=1100)
CHUNK = 40


# The engine's own settings (picklable for worker processes): SignalSettings.from_config(config).
Settings = SignalSettings


def desk_read(frames: dict[str, pd.DataFrame], meta: dict[str, dict], asof: pd.Timestamp,
              settings: Settings) -> dict:
    """What the desk showed at `asof`: regime, early-warning count and flags, flywheel stage and
    the numbers behind them. The only call into the signal engine (switch it here)."""
    s = compute(frames, meta, asof, settings, source="replay", panes=False).snapshot
    lit = "".join("abc"[i] for i, f in enumerate(s.early_warning.flags) if f.lit)
    stress = getattr(s, "stress", None)
    return {"regime": s.regime.name, "early_warning": s.early_warning.count,
            "early_warning_flags": lit, "flywheel": s.flywheel.stage,
            "corr30": s.correlation.daily_30, "spx_rv_ratio": s.volatility.spx_rv_ratio,
            "btc_rv_ratio": s.volatility.btc_rv_ratio, "ndx_rv_ratio": s.volatility.ndx_rv_ratio,
            "vix": getattr(stress, "vix", None),
            "spx_dd": getattr(stress, "spx_drawdown", None),
            "btc_dd": getattr(stress, "btc_drawdown", None)}


def trading_days(spx: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """One step per S&P 500 session in [start, end], at 21:00 UTC of the session date."""
    dates = (spx.index - pd.Timedelta(seconds=1)).tz_localize(None).normalize().unique()
    steps = pd.DatetimeIndex(dates).tz_localize("UTC") + STEP_UTC
    lo, hi = start.normalize(), end.normalize() + STEP_UTC
    return steps[(steps >= lo) & (steps <= hi)]


def _cut(frames: dict[str, pd.DataFrame], lo: pd.Timestamp, hi: pd.Timestamp):
    out = {}
    for k, f in frames.items():
        t = f.index
        out[k] = f.iloc[int(t.searchsorted(lo)):int(t.searchsorted(hi, side="right"))]
    return out


_STATE: dict = {}


def _run_chunk(steps: list[pd.Timestamp]) -> list[dict]:
    frames, meta, settings, tail = (_STATE["frames"], _STATE["meta"], _STATE["settings"],
                                    _STATE["tail"])
    if tail is not None:
        frames = _cut(frames, steps[0] - tail, steps[-1])
    return [{"time": t, **desk_read(frames, meta, t, settings)} for t in steps]


def run_desk(frames: dict[str, pd.DataFrame], meta: dict[str, dict], steps: pd.DatetimeIndex,
             settings: Settings, workers: int | None = None, tail: pd.Timedelta | None = TAIL,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """The desk's read at each step, one row per step (index = step time)."""
    _STATE.update(frames=frames, meta=meta, settings=settings, tail=tail)
    chunks = [list(steps[i:i + CHUNK]) for i in range(0, len(steps), CHUNK)]
    workers = workers or min(2, os.cpu_count() or 1)
    rows: list[dict] = []
    done = 0
    use_pool = (workers > 1 and len(chunks) > 3  # a short run costs less than starting a pool
                and "fork" in mp.get_all_start_methods())
    try:
        if use_pool:
            with mp.get_context("fork").Pool(workers) as pool:
                for part in pool.imap(_run_chunk, chunks):
                    rows += part
                    done += len(part)
                    if progress:
                        progress(done, len(steps))
                pool.close()
                pool.join()
        else:
            for chunk in chunks:
                part = _run_chunk(chunk)
                rows += part
                done += len(part)
                if progress:
                    progress(done, len(steps))
    finally:
        _STATE.clear()
    if not rows:
        return pd.DataFrame(columns=["regime", "early_warning", "flywheel"])
    return pd.DataFrame(rows).set_index("time")


def price_features(frames: dict[str, pd.DataFrame], steps: pd.DatetimeIndex) -> pd.DataFrame:
    """Per step, the S&P 500 and BTC closes known at the step (for the chart; null when the
    last close is older than 6 days)."""
    out = pd.DataFrame(index=steps)
    for name, key in (("spx", "idx.spx"), ("btc", "crypto.btc")):
        f = frames.get(key)
        if f is None or f.empty:
            out[name] = np.nan
            continue
        c = f["close"].dropna()
        i = np.maximum(c.index.searchsorted(steps, side="right") - 1, 0)
        age = steps.as_unit("ns").asi8 - c.index.as_unit("ns").asi8[i]
        ok = (c.index.searchsorted(steps, side="right") > 0) & (age <= pd.Timedelta(days=6).value)
        out[name] = np.where(ok, c.to_numpy()[i], np.nan)
    return out


def stderr_bar(label: str) -> Callable[[int, int], None]:
    """A one-line progress bar on stderr."""

    def show(done: int, total: int) -> None:
        width = 30
        fill = int(width * done / max(total, 1))
        end = "\n" if done >= total else "\r"  # each update is its own line in a log
        sys.stderr.write(f"{label} [{'#' * fill}{'.' * (width - fill)}] {done}/{total}{end}")
        sys.stderr.flush()

    return show
