"""Stress replays: the book as it is now through the real moves of each stress episode.

Each holding moves by its own cumulative return from the close before the episode's first day
(the anchor) to each calendar day of the episode, where a series of its chain covers the episode;
else by its beta to its index (BTC for crypto, the S&P 500 otherwise) times the index's move,
marked as proxied. Closes are carried over days without a bar (weekends for equities).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from deskapp.signals.book_series import STALE_DAILY, daily_closes


@dataclass(frozen=True)
class EpisodeSpan:
    name: str
    start: pd.Timestamp  # first day (UTC midnight)
    end: pd.Timestamp  # last day (UTC midnight)


@dataclass
class EpisodeRun:
    """One episode: each holding's cumulative return path and the book's P&L path (USD)."""
    span: EpisodeSpan
    grid: pd.DatetimeIndex  # anchor day, then every calendar day to the last one
    partial: bool
    paths: dict[str, pd.Series] = field(default_factory=dict)  # symbol -> cumulative return
    proxied: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    pnl: pd.Series | None = None


def grid_of(span: EpisodeSpan, asof: pd.Timestamp) -> tuple[pd.DatetimeIndex, bool] | None:
    """Calendar days from the anchor (the day before the start) to the end, cut at the last day
    that has begun at `asof`; partial when the end day is not over at `asof`. None if the episode
    starts after `asof`."""
    day = asof.tz_convert("UTC").tz_localize(None).normalize()
    start, end = span.start.tz_localize(None), span.end.tz_localize(None)
    if start > day:
        return None
    last = min(end, day)
    return pd.date_range(start - pd.Timedelta(days=1), last, freq="D"), asof < span.end + \
        pd.Timedelta(days=1)


def own_path(frames: Mapping[str, pd.DataFrame], keys: Sequence[str], grid: pd.DatetimeIndex,
             asof: pd.Timestamp) -> pd.Series | None:
    """Cumulative return on `grid` from the first chain member with a close at most 6 days
    before the anchor and one at most 6 days before the last grid day; None if none has."""
    anchor, last = grid[0], grid[-1]
    for key in keys:
        c = daily_closes(frames, key, asof)
        if c is None:
            continue
        c = c[c.index <= last]
        before = c[c.index <= anchor]
        if before.empty or anchor - before.index[-1] > STALE_DAILY:
            continue
        if c.index[-1] <= anchor or last - c.index[-1] > STALE_DAILY:
            continue
        on_grid = c.reindex(c.index.union(grid)).ffill().reindex(grid)
        return on_grid / on_grid.iloc[0] - 1.0
    return None


def run_episode(frames: Mapping[str, pd.DataFrame], span: EpisodeSpan, asof: pd.Timestamp,
                holdings: Sequence[tuple[str, Sequence[str], float, str, float | None]],
                index_chains: Mapping[str, Sequence[str]]) -> EpisodeRun | None:
    """`holdings`: (symbol, chain, exposure USD, proxy index name, beta to that index). Cash
    has an empty chain and no index (it does not move)."""
    g = grid_of(span, asof)
    if g is None:
        return None
    grid, partial = g
    run = EpisodeRun(span, grid, partial)
    index_paths = {name: own_path(frames, chain, grid, asof) for name, chain in
                   index_chains.items()}
    pnl = pd.Series(0.0, index=grid)
    for symbol, chain, exposure, index, b in holdings:
        if index is None:  # cash
            path = pd.Series(0.0, index=grid)
        else:
            path = own_path(frames, chain, grid, asof) if chain else None
            if path is None:
                ip = index_paths.get(index)
                if ip is None:
                    run.uncovered.append(symbol)
                    continue
                path = (1.0 if b is None else b) * ip
                run.proxied.append(symbol)
        run.paths[symbol] = path
        pnl = pnl + exposure * path
    run.pnl = pnl
    run.paths.update({f"index:{k}": v for k, v in index_paths.items() if v is not None})
    return run


def inverse_etf_path(index_path: pd.Series) -> pd.Series:
    """Cumulative return of a -1x daily-rebalanced ETF, from the index's cumulative path: the
    product of (1 - daily index return) minus 1 (fees left out: see the hedge's cost)."""
    level = 1.0 + index_path
    daily = (level / level.shift(1) - 1.0).fillna(0.0)
    return (1.0 - daily).cumprod() - 1.0


def drawdown(values: np.ndarray) -> float:
    """Largest fall from a running peak, as a fraction (<= 0) of that peak."""
    peak = np.maximum.accumulate(values)
    return float(np.min(values / peak - 1.0))


def stress_row(run: EpisodeRun, nav: float) -> dict:
    """The row of the stress table: the P&L (negative: a loss) over the episode (last day vs
    the anchor), the worst day and the peak-to-trough of the book's value, in % of the book
    value and USD."""
    pnl = run.pnl
    assert pnl is not None
    steps = pnl.diff().iloc[1:]
    worst_i = int(np.argmin(steps.to_numpy())) if len(steps) else None
    value = nav + pnl.to_numpy()
    return {
        "episode": run.span.name,
        "start": f"{run.span.start:%Y-%m-%d}", "end": f"{run.span.end:%Y-%m-%d}",
        "partial": bool(run.partial),
        "pnl_usd": float(pnl.iloc[-1]), "pnl_pct": float(pnl.iloc[-1] / nav),
        "worst_day": None if worst_i is None else f"{steps.index[worst_i]:%Y-%m-%d}",
        "worst_day_pct": None if worst_i is None else float(steps.iloc[worst_i] / nav),
        "peak_to_trough_pct": drawdown(value) if (value > 0).all() else None,
        "proxied": list(run.proxied), "uncovered": list(run.uncovered),
    }
