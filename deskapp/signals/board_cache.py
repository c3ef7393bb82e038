"""What a board reuses from the previous one (signals/engine.py's `SignalCache`).

A new hourly bar changes the intraday panes only, unless a daily bar closed. The panes fall in
three stored groups and the rest, by what they read:
- `DAILY`: daily and weekly bars only (macro, leadership, liquidity, the small caps pane but
  its lead-lag, the volatility pane's equities);
- `WITH_BTC_DAY`: daily bars and BTC's provisional day so far (signals/provisional.py), which
  moves with every hourly BTC bar from 12:00 UTC (chain; BTC's volatility and the VIX);
- `PAIRED_WITH_BTC_DAY`: daily bars, and BTC's day so far only where it pairs with an equity
  session of the same date (`correlation.align_daily`: the correlation pane's daily windows, the
  small caps lead-lag). Until a daily bar of the day in progress has closed (the US close,
  20:00/21:00 UTC) the point pairs with nothing: these panes are then those of the hour before,
  though the point moves. Only whether there is a point at all, and its value once it pairs,
  count;
- the rest is computed on every call (crypto; the correlation pane's 1h and 4h windows).

A stored group is reused when nothing it read can differ: the frame object, row count and last
stamp of each daily series its panes looked up (absent ones included: a series that appears
counts; `ReadLog` notes the lookups while the group is computed, and a computation that walks
every series reads them all), the meta, the settings, the provisional point (and the
snapshot's chain), and the same stale flags. A daily series no pane reads (a watch list's, a
live feed's extra symbols) changes nothing. A series or curve is old when `asof - last >
STALE_AFTER[freq]`, so a flag can flip only at some `last + STALE_AFTER[f]`; the group is reused
when no such moment lies between the stored asof and this one. Values of daily bars inside the
other panes (the alt basket's returns) are kept in `memo` the same way (board.py, `_reuse`).
Pure: no Qt, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from deskapp.signals import correlation, provisional
from deskapp.signals.board import (
    PANES,
    BoardInputs,
    PaneView,
    btc_day_so_far,
    compute_panes,
    correlation_daily,
    correlation_intraday,
    merge_panes,
    smallcaps_leadlag,
    smallcaps_levels,
    volatility_btc,
    volatility_equities,
)
from deskapp.signals.reads import ReadLog
from deskapp.signals.returns import ns_index
from deskapp.signals.roles import STALE_AFTER

DAILY_FREQS = ("1d", "1w")
DAILY: dict[str, Callable[[BoardInputs], PaneView]] = {
    **{n: PANES[n] for n in ("macro", "leadership", "liquidity")},
    "smallcaps_levels": smallcaps_levels, "volatility_equities": volatility_equities}
WITH_BTC_DAY: dict[str, Callable[[BoardInputs], PaneView]] = {
    "chain": PANES["chain"], "volatility_btc": volatility_btc}
PAIRED_WITH_BTC_DAY: dict[str, Callable[[BoardInputs], PaneView]] = {
    "smallcaps_leadlag": smallcaps_leadlag, "correlation_daily": correlation_daily}
# every length after which a series counts as old (roles.is_stale's default included)
_STALE_NS = np.unique([d.value for d in (*STALE_AFTER.values(), pd.Timedelta(days=6))])


def daily_identity(frames: dict[str, pd.DataFrame], meta: dict[str, dict],
                   keys: Iterable[str] | None = None) -> tuple:
    """Each daily or weekly series of `keys` (default: every series), as cut at asof: key, row
    count, last stamp (ns) and the frame object (its id: a feed hands on a new frame when a
    series changes, revisions too; the engine's cuts of unchanged rows are the same object).
    A key with no series here is (key, None, None, None)."""
    out = []
    for k in sorted(frames) if keys is None else keys:
        if meta.get(k, {}).get("freq", "1d") in DAILY_FREQS:
            f = frames.get(k)
            out.append((k, None, None, None) if f is None else
                       (k, len(f), int(ns_index(f)[-1]) if len(f) else None, id(f)))
    return tuple(out)


def _pairs(point: provisional.DaySoFar | None, frames: dict[str, pd.DataFrame],
           meta: dict[str, dict], keys: Iterable[str] | None) -> bool:
    """Whether BTC's day so far can pair with a daily bar of the series `keys` (None: all):
    one of them has a bar of the point's date (`correlation.align_daily`'s calendar date).
    Cut at asof, such a bar is the last; BTC's own daily bars are dated the day before."""
    if point is None:
        return False
    day = correlation.day_numbers(pd.DatetimeIndex([point.asof]))[0]
    for k in sorted(frames) if keys is None else keys:
        f = frames.get(k)
        if meta.get(k, {}).get("freq", "1d") in DAILY_FREQS and f is not None and len(f) \
                and correlation.day_numbers(f.index[-1:])[0] >= day:
            return True
    return False


def _flips(times: Iterable[int]) -> np.ndarray:
    """Sorted moments (ns) at which `asof - t > STALE_AFTER[...]` may change for a t in times."""
    t = np.fromiter(times, dtype="int64")
    return np.unique((t[:, None] + _STALE_NS[None, :]).ravel())


def _last_times(panes: Iterable[PaneView]) -> list[int]:
    return [x.last_time.value for p in panes for x in (*p.curves.values(), *p.bars.values())
            if x.last_time is not None]


class _Group:
    """One group's panes at the stored asof, with what they were computed from: `reads`, the
    series looked up (None: all), and `key`, their identity with the group's other inputs."""

    def __init__(self, key: tuple, reads: tuple[str, ...] | None, panes: dict[str, PaneView],
                 times: list[int], asof: int, frames: dict[str, pd.DataFrame]):
        self.key, self.reads, self.panes = key, reads, panes
        self.alive = dict(frames)  # the frames whose ids the key holds: no id is reused
        self.flips = _flips(times)
        self.side = int(np.searchsorted(self.flips, asof, side="left"))

    def valid(self, inp: BoardInputs, rest: tuple, asof: int) -> bool:
        return (rest == self.key[1]
                and daily_identity(inp.frames, inp.meta, self.reads) == self.key[0]
                and int(np.searchsorted(self.flips, asof, side="left")) == self.side)


class BoardCache:
    """The last board's `DAILY`, `PAIRED_WITH_BTC_DAY` and `WITH_BTC_DAY` panes; `panes(inp)`
    reuses each group when valid. `hits` counts reused groups."""

    def __init__(self) -> None:
        self.groups: dict[str, _Group] = {}
        self.hits = 0
        self.memo: dict = {}  # BoardInputs.memo: values of daily bars inside the other panes

    def panes(self, inp: BoardInputs) -> dict[str, PaneView]:
        """Every pane's view at `inp.asof` (frames cut at asof), as `board_from_cut` builds."""
        inp = replace(inp, memo=self.memo)
        base = ({k: dict(v) for k, v in inp.meta.items()}, inp.ai_basket,
                inp.daily_windows, inp.rut_level, inp.vol_targets)
        asof = inp.asof.value
        point = btc_day_so_far(inp)
        daily = self._group("daily", base, DAILY, inp, asof)
        paired = self._group(
            "paired", lambda reads: (*base, point is not None,
                                     point if _pairs(point, inp.frames, inp.meta, reads)
                                     else None), PAIRED_WITH_BTC_DAY, inp, asof)
        btc = self._group("btc", (*base, point, inp.chain), WITH_BTC_DAY, inp, asof)
        out = {**daily, **paired, **btc,
               **compute_panes(inp, {"crypto": PANES["crypto"],
                                     "correlation_intraday": correlation_intraday})}
        out["correlation"] = merge_panes(out.pop("correlation_daily"),
                                         out.pop("correlation_intraday"))
        out["smallcaps"] = merge_panes(out.pop("smallcaps_levels"), out.pop("smallcaps_leadlag"))
        out["volatility"] = merge_panes(out.pop("volatility_equities"), out.pop("volatility_btc"))
        return {n: out[n] for n in PANES}

    def _group(self, name: str, rest: tuple | Callable[[tuple[str, ...] | None], tuple],
               fns: dict[str, Callable[[BoardInputs], PaneView]], inp: BoardInputs,
               asof: int) -> dict[str, PaneView]:
        """The group's panes, stored or computed. `rest`: the inputs besides the daily series
        read, or a function of those series' keys (None: all) that gives them."""
        g = self.groups.get(name)
        if g is not None and g.valid(inp, rest(g.reads) if callable(rest) else rest, asof):
            self.hits += 1
            return g.panes
        reads = ReadLog(inp.frames)
        # a scratch of its own: a value another group left there would hide what it read
        # (BTC's day so far may cross: its value is in the key, and the group still reads
        # the series it comes from, board.btc_day_so_far)
        scratch = {k: inp.scratch[k] for k in ("day_so_far",) if k in inp.scratch}
        panes = compute_panes(replace(inp, frames=reads, scratch=scratch), fns)
        keys = reads.read()
        ident = daily_identity(inp.frames, inp.meta, keys)
        times = [t for _, _, t, _ in ident if t is not None] + _last_times(panes.values())
        self.groups[name] = _Group((ident, rest(keys) if callable(rest) else rest), keys, panes,
                                   times, asof, inp.frames)
        return panes
