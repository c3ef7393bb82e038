"""One signal pass: everything the desk shows at one moment, from one cut of the frames.

`compute(frames, meta, asof, settings)` returns a `Board`: `board.snapshot` is the typed
`Snapshot` (DESIGN.md section 5; regime, alerts and the journal read it) and `board.panes` the
series behind its numbers. Both come from the same rows (closed at or before `asof`) and the same
`SignalSettings`, which `SignalSettings.from_config` builds from the user's config. The compute
worker, `deskapp signals`, `deskapp journal add` and the evaluation all call `compute`.

Pure pandas/numpy: no Qt, no I/O.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields, is_dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from deskapp.frames import head_rows
from deskapp.signals.board import BoardInputs, BoardView, board_from_cut
from deskapp.signals.board_cache import BoardCache
from deskapp.signals.provisional import btc_day_so_far
from deskapp.signals.returns import ns_index
from deskapp.signals.snapshot import (
    DAILY_WINDOWS,
    DEFAULT_BASKET,
    H1_WINDOW,
    H4_WINDOW,
    Snapshot,
    SnapshotCache,
    compute_snapshot,
)

Board = BoardView  # panes + the typed snapshot, as the worker hands it to the GUI thread


@dataclass(frozen=True)
class SignalSettings:
    """Every tunable of the signal pass (config: [universe], [correlation], [vol_target],
    [smallcaps]). The defaults are DESIGN.md section 5's."""

    basket: tuple[str, ...] = DEFAULT_BASKET  # AI leadership basket (tickers)
    vol_targets: tuple[float, float] = (0.15, 0.50)  # annualised: NDX, BTC
    rut_level: float | None = None  # Russell 2000 breakout level; None: prior 252d high
    daily_windows: tuple[int, int, int] = DAILY_WINDOWS  # behind daily_30/60/90
    h1_window: int = H1_WINDOW  # hourly bars behind h1_120
    h4_window: int = H4_WINDOW  # 4h bars behind h4_90

    @classmethod
    def from_config(cls, config: Any) -> SignalSettings:
        """The settings of a `deskapp.config.Config`."""
        c = config.correlation
        return cls(basket=tuple(config.ai_basket),
                   vol_targets=(config.vol_target_ndx, config.vol_target_btc),
                   rut_level=config.rut_breakout_level,
                   daily_windows=tuple(c.daily_windows), h1_window=c.h1_window,
                   h4_window=c.h4_window)

    @property
    def windows(self) -> tuple[tuple[int, ...], int, int]:
        return self.daily_windows, self.h1_window, self.h4_window


class SignalCache:
    """What successive `compute` calls may reuse when only intraday bars arrived since: the
    daily part of the snapshot (SnapshotCache) and the board's daily panes (BoardCache). Valid
    for one set of settings: other settings start it afresh."""

    def __init__(self) -> None:
        self.settings: SignalSettings | None = None
        self.snapshot = SnapshotCache()
        self.board = BoardCache()
        self.cuts: dict[str, tuple[pd.DataFrame, int, pd.DataFrame]] = {}

    @property
    def hits(self) -> int:
        return self.snapshot.hits

    def for_settings(self, settings: SignalSettings) -> SnapshotCache:
        if settings != self.settings:
            self.settings, self.snapshot, self.board = settings, SnapshotCache(), BoardCache()
        return self.snapshot


def utc(asof: Any) -> pd.Timestamp:
    t = pd.Timestamp(asof)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def cut_frames(frames: Mapping[str, pd.DataFrame], asof: pd.Timestamp,
               reuse: dict[str, tuple[pd.DataFrame, int, pd.DataFrame]] | None = None
               ) -> dict[str, pd.DataFrame]:
    """Every frame's rows stamped at or before `asof` (bar close times, sorted index).

    `reuse` (the previous call's cuts, updated): a frame cut to as many rows as before is that
    cut again when it is the same object or its first rows hold the same stamps and numbers, so
    what is cached per cut object (`ns_index`, the daily panes and snapshot keyed on its id)
    stays valid. A live feed hands on a new frame at each poll; while its new bars lie after
    `asof` (a replay under a live feed), or a poll brought nothing new, the daily work is not
    done again.
    """
    stamp = asof.as_unit("ns").value
    out = {}
    for k, f in frames.items():
        n = int(np.searchsorted(ns_index(f), stamp, side="right"))
        prev = reuse.get(k) if reuse is not None else None
        if prev is not None and prev[1] == n and (prev[0] is f or same_rows(prev[2], f, n)):
            out[k] = prev[2]
            reuse[k] = (f, n, prev[2])
            continue
        out[k] = head_rows(f, n)  # not a view of f (frames.py)
        if reuse is not None:
            reuse[k] = (f, n, out[k])
    return out


def same_rows(cut: pd.DataFrame, frame: pd.DataFrame, n: int) -> bool:
    """Whether `cut` holds exactly the first `n` rows of `frame`: stamps, columns and numbers
    (NaN equal to NaN). Float frames only; any other is taken as different."""
    if len(cut) != n or list(cut.columns) != list(frame.columns) \
            or any(d != "float64" for d in (*cut.dtypes, *frame.dtypes)):
        return False
    if not np.array_equal(ns_index(cut), ns_index(frame)[:n]):
        return False
    return bool(np.array_equal(cut.to_numpy(), frame.to_numpy()[:n], equal_nan=True))


def compute(frames: Mapping[str, pd.DataFrame], meta: Mapping[str, dict], asof: Any,
            settings: SignalSettings | None = None, *, source: str = "replay",
            dataset: str = "", view_days: int = 120, cache: SignalCache | None = None,
            panes: bool = True, pause: Callable[[], None] | None = None) -> Board:
    """The snapshot and the board's panes at `asof`, from one cut of `frames`.

    `panes=False` computes the snapshot alone (`board.panes` is empty): timelines and the
    journal need no curves. With a `cache`, the daily part of the previous call is reused when
    no daily input changed, and so are the board's panes of daily bars (signals/board_cache.py).
    `pause` is called between the snapshot and each pane (the compute worker waits there while
    the GUI thread draws); it changes nothing computed.
    """
    settings = settings or SignalSettings()
    asof = utc(asof)
    meta = dict(meta)
    frames = (cut_frames(frames, asof, cache.cuts if cache is not None else None) if panes
              else dict(frames))
    if pause is not None:
        pause()
    # BTC's day so far: once for the snapshot and the panes (~0.6 ms a time)
    point = (btc_day_so_far(frames, meta, asof),) if panes else None
    snap = compute_snapshot(frames, asof, meta, source=source, basket=settings.basket,
                            vol_targets=settings.vol_targets, rut_threshold=settings.rut_level,
                            cache=cache.for_settings(settings) if cache is not None else None,
                            windows=settings.windows, day_so_far=point)
    if not panes:
        return Board(asof=asof, source=source, dataset=dataset, view_days=view_days, panes={},
                     snapshot=snap)
    inp = BoardInputs(
        frames=frames, meta=meta, asof=asof, source=source, dataset=dataset,
        view_days=view_days, ai_basket=settings.basket, daily_windows=settings.daily_windows,
        h1_window=settings.h1_window, h4_window=settings.h4_window,
        rut_level=settings.rut_level, vol_targets=settings.vol_targets, chain=snap.chain,
        pause=pause, scratch={"day_so_far": point[0]})
    view = board_from_cut(inp, cache.board.panes(inp) if cache is not None else None)
    return replace(view, snapshot=snap)


# ---------------------------------------------------------------- stored snapshots
def snapshot_from_dict(data: Mapping[str, Any]) -> Snapshot:
    """A typed Snapshot from `Snapshot.to_dict()` output, e.g. a journal record's JSON.

    Sections or fields an older record lacks take their defaults (an old record's correlation
    windows read as 30/60/90, 120 and 90, the only ones there were); unknown keys are ignored.
    """
    return _build(Snapshot, data)


def _build(cls: type, data: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        t = hints[f.name]
        if f.name in data:
            kwargs[f.name] = _value(t, data[f.name])
        elif f.default is MISSING and f.default_factory is MISSING:
            kwargs[f.name] = t() if is_dataclass(t) else None  # a section an old record lacks
    return cls(**kwargs)


def _value(t: Any, v: Any) -> Any:
    if is_dataclass(t) and isinstance(v, Mapping):
        return _build(t, v)
    origin = typing.get_origin(t)
    if origin is tuple and isinstance(v, list | tuple):
        args = typing.get_args(t)
        return tuple(_value(args[0] if args else Any, x) for x in v)
    if origin in (typing.Union, types.UnionType):
        for a in typing.get_args(t):
            if is_dataclass(a) and isinstance(v, Mapping):
                return _build(a, v)
    return v
