"""The contract every market-data source follows, replay and live alike.

A source is polled from one worker thread. `poll()` returns a `FeedBatch` with the frames that
changed since the previous poll. Frames are canonical (see `canonical`) and are never mutated
after they are handed on: consumers may keep references without copying.
Timestamps are the UTC time the bar closed, i.e. when its values became known.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedBatch:
    """What one poll produced."""

    source: str  # "replay" | "live" | "cache"
    dataset: str  # replay dataset name, or the live venue set
    clock: pd.Timestamp  # market time the batch is valid at (UTC)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    finished: bool = False  # a replay that reached its end
    link: str = ""  # a team feed's database link: "team" (connected) | "offline: <why>"


class FeedSource(Protocol):
    """A market-data source. Called from a single worker thread; must not block for long."""

    name: str
    kind: str

    def poll(self) -> FeedBatch:
        """Frames that changed since the last poll (all frames on the first call)."""
        ...

    def close(self) -> None:
        """Release sockets/files. Idempotent."""
        ...


def canonical(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Sorted, unique, UTC-indexed frame. Duplicated and out-of-order rows are dropped and logged.

    The first occurrence of a timestamp wins. Values are never filled.
    """
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex):
        raise TypeError(f"{key}: index must be a DatetimeIndex, got {type(idx).__name__}")
    if idx.tz is None:
        frame = frame.tz_localize("UTC")
    elif str(idx.tz) != "UTC":
        frame = frame.tz_convert("UTC")
    dup = frame.index.duplicated(keep="first")
    if dup.any():
        log.warning("%s: dropped %d duplicated rows", key, int(dup.sum()))
        frame = frame[~dup]
    if not frame.index.is_monotonic_increasing:
        # A row stamped earlier than the one before it arrived out of order: drop it.
        running_max = frame.index.to_series().cummax()
        late = frame.index.to_numpy() < running_max.to_numpy()
        log.warning("%s: dropped %d out-of-order rows", key, int(late.sum()))
        frame = frame[~late]
    return frame
