"""Live sources: poll an adapter (yfinance or ccxt), merge into the cache, hand on what changed.

A `LiveSource` follows the same `FeedSource` contract as the replay. Its first poll hands on the
cached frames at once (the desk paints from the cache before any network call); later polls
fetch only what is newer than what it has, when the adapter is due (backoff after failures).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Protocol

import pandas as pd

from deskapp.data.errors import SourceError
from deskapp.data.feed import FeedBatch, canonical
from deskapp.data.instruments import LiveSeries

log = logging.getLogger(__name__)

# How long after its last bar a series is worth asking again (bar length, at least a minute).
REFRESH = {"1h": pd.Timedelta(minutes=1), "4h": pd.Timedelta(minutes=5),
           "8h": pd.Timedelta(minutes=10), "1d": pd.Timedelta(minutes=5),
           "1w": pd.Timedelta(minutes=30)}
OVERLAP = {"1h": pd.Timedelta(hours=3), "4h": pd.Timedelta(hours=12), "8h": pd.Timedelta(days=1),
           "1d": pd.Timedelta(days=5), "1w": pd.Timedelta(days=21)}
FIRST_HISTORY = {"1h": pd.Timedelta(days=120), "4h": pd.Timedelta(days=120),
                 "8h": pd.Timedelta(days=400), "1d": pd.Timedelta(days=3 * 365),
                 "1w": pd.Timedelta(days=3 * 365)}


# The clock (and so the staleness badges) moves at least this often, news or not.
HEARTBEAT = pd.Timedelta(seconds=30)


class Adapter(Protocol):
    def fetch(self, series: list[LiveSeries], since: dict[str, pd.Timestamp | None]
              ) -> tuple[dict[str, pd.DataFrame], dict[str, SourceError]]: ...

    def due(self, now: float) -> bool: ...


class CacheLike(Protocol):
    def get_all(self) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]: ...

    def put(self, key: str, frame: pd.DataFrame, meta: dict | None = None) -> int: ...


def utc_now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


def merge(old: pd.DataFrame | None, new: pd.DataFrame, key: str) -> pd.DataFrame:
    """Append newer rows and replace re-sent ones (a venue may revise its last bars)."""
    if old is None or old.empty:
        return canonical(new, key)
    kept = old[~old.index.isin(new.index)]
    return canonical(pd.concat([kept, new]).sort_index(), key)


class LiveSource:
    """One source kind (e.g. Yahoo, or the crypto venues) feeding the desk."""

    kind = "live"

    def __init__(self, name: str, adapter: Adapter, series: Iterable[LiveSeries],
                 cache: CacheLike | None = None, clock: Callable[[], pd.Timestamp] = utc_now,
                 wall: Callable[[], float] = time.monotonic,
                 refresh: pd.Timedelta | None = None):
        self.name = name
        self.adapter = adapter
        self.series = {s.key: s for s in series}
        self.meta = {k: s.meta() for k, s in self.series.items()}
        self.cache = cache
        self.clock = clock
        self.wall = wall
        self.refresh = refresh  # overrides REFRESH (load tests poll as fast as they can)
        self.frames: dict[str, pd.DataFrame] = {}
        self.errors: dict[str, tuple[str, pd.Timestamp]] = {}  # key -> (message, since when)
        self._asked: dict[str, pd.Timestamp] = {}
        self._first = True
        self._sent_errors: dict[str, str] = {}
        self._sent_clock: pd.Timestamp | None = None

    def _load_cache(self) -> dict[str, pd.DataFrame]:
        if self.cache is None:
            return {}
        try:
            frames, _meta = self.cache.get_all()
        except Exception as exc:  # a broken cache must not stop the feed
            log.warning("%s: cache unreadable: %s", self.name, exc)
            return {}
        return {k: f for k, f in frames.items() if k in self.series and len(f)}

    def _wanted(self, now: pd.Timestamp) -> list[LiveSeries]:
        out = []
        for key, s in self.series.items():
            asked = self._asked.get(key)
            every = self.refresh if self.refresh is not None else REFRESH.get(
                s.timeframe, pd.Timedelta(minutes=5))
            if asked is None or now - asked >= every:
                out.append(s)
        return out

    def poll(self) -> FeedBatch:
        now = self.clock()
        if self._first:
            self._first = False
            self.frames = self._load_cache()
            return FeedBatch(source="live", dataset=self.name, clock=now, frames=dict(self.frames))
        changed: dict[str, pd.DataFrame] = {}
        errors: dict[str, str] = {}
        wanted = self._wanted(now) if self.adapter.due(self.wall()) else []
        if wanted:
            since = {}
            for s in wanted:
                have = self.frames.get(s.key)
                since[s.key] = (have.index[-1] - OVERLAP.get(s.timeframe, pd.Timedelta(days=1))
                                if have is not None and len(have)
                                else now - FIRST_HISTORY.get(s.timeframe, pd.Timedelta(days=365)))
            try:
                fresh, failed = self.adapter.fetch(wanted, since)
            except SourceError as exc:  # the whole request failed
                fresh, failed = {}, {s.key: exc for s in wanted}
            except Exception as exc:  # an adapter bug must not take the desk down
                log.exception("%s: fetch failed", self.name)
                fresh = {}
                failed = {s.key: SourceError(f"{type(exc).__name__}: {exc}") for s in wanted}
            for s in wanted:
                self._asked[s.key] = now
            recovered = [s.key for s in wanted if s.key in self.errors and s.key not in failed]
            for key, frame in fresh.items():
                merged = merge(self.frames.get(key), frame, key)
                if key not in self.frames or not merged.equals(self.frames[key]):
                    self.frames[key] = merged
                    changed[key] = merged
                    if self.cache is not None:
                        try:
                            self.cache.put(key, frame, self.meta.get(key))
                        except Exception as exc:
                            log.warning("%s: could not cache %s: %s", self.name, key, exc)
                self.errors.pop(key, None)
            for key in recovered:  # it answered again, maybe with nothing new
                self.errors.pop(key, None)
                if key not in changed and key in self.frames:
                    # Hand the (unchanged) frame on: consumers clear a key's error on its frame.
                    changed[key] = self.frames[key]
            for key, exc in failed.items():
                since_when = self.errors.get(key, (None, now))[1]
                self.errors[key] = (str(exc), since_when)
            if failed:  # one line per poll, not one per series
                key, exc = next(iter(failed.items()))
                more = f" (and {len(failed) - 1} more series)" if len(failed) > 1 else ""
                log.warning("%s: %s failed%s: %s", self.name, key, more, exc)
        for key, (message, since_when) in self.errors.items():
            errors[key] = f"{message} (since {since_when:%H:%M} UTC)"
        if errors == self._sent_errors:
            errors = {}  # nothing new to say
        else:
            self._sent_errors = dict(errors)
        # Move the clock only with news, or every HEARTBEAT: a quiet feed costs no recompute.
        if changed or errors or self._sent_clock is None or now - self._sent_clock >= HEARTBEAT:
            self._sent_clock = now
        return FeedBatch(source="live", dataset=self.name, clock=self._sent_clock,
                         frames=changed, errors=errors)

    def close(self) -> None:
        """Nothing to release: adapters hold plain HTTP sessions."""


class MultiVenueAdapter:
    """Routes each series to its venue's adapter (one per ccxt exchange) and merges the answers.

    A venue that fails is marked in the errors; the others still answer."""

    def __init__(self, adapters: dict[str, Adapter]):
        self.adapters = adapters

    def due(self, now: float) -> bool:
        return any(a.due(now) for a in self.adapters.values())

    def fetch(self, series: list[LiveSeries], since: dict[str, pd.Timestamp | None]
              ) -> tuple[dict[str, pd.DataFrame], dict[str, SourceError]]:
        frames: dict[str, pd.DataFrame] = {}
        errors: dict[str, SourceError] = {}
        now = time.monotonic()
        for venue, adapter in self.adapters.items():
            mine = [s for s in series if s.venue == venue]
            if not mine or not adapter.due(now):
                continue
            try:
                got, failed = adapter.fetch(mine, {s.key: since.get(s.key) for s in mine})
            except SourceError as exc:
                got, failed = {}, {s.key: exc for s in mine}
            frames.update(got)
            errors.update(failed)
        return frames, errors
