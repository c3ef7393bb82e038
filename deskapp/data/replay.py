"""Replay a recorded dataset through the same `FeedSource` interface the live feeds use.

A replay store is a folder with `catalog.json` (one entry per series: label, unit, source,
time rule), `datasets.json` (named windows over those series) and `series/<key>.csv.gz`
(first column `time`, the UTC bar-close time; then the value columns).
"""

from __future__ import annotations

import gzip
import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from deskapp.data import derived_cache
from deskapp.data.feed import FeedBatch, canonical
from deskapp.frames import head_rows
from deskapp.resources import replay_dir

log = logging.getLogger(__name__)


class DatasetError(Exception):
    """A replay dataset that is unknown, missing, or unreadable. The message is one line."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    holds: str
    start: pd.Timestamp
    end: pd.Timestamp
    warmup_start: pd.Timestamp | None
    default_at: pd.Timestamp
    default_speed: float
    view_days: int
    series: tuple[str, ...]
    store: Path | None = None  # the replay store folder that holds it

    def describe(self) -> str:
        """One line for `--list-replays`."""
        return (f"{self.name}  {self.start:%Y-%m-%d} .. {self.end:%Y-%m-%d}  "
                f"{self.title}: {self.holds}")


@dataclass(frozen=True)
class ReplayDataset:
    info: DatasetInfo
    frames: dict[str, pd.DataFrame]
    meta: dict[str, dict]  # catalog entries (label, unit, source ...) per key


def _ts(text: str | None) -> pd.Timestamp | None:
    return None if text is None else pd.Timestamp(text).tz_convert("UTC")


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"replay store file is missing: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"replay store file {path} is corrupt: {exc}") from None


def user_stores() -> list[Path]:
    """Replay stores the trader recorded (`deskapp record`): <data dir>/replays/<name>/."""
    from deskapp.paths import data_dir

    root = data_dir() / "replays"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "datasets.json").is_file())


def list_datasets(store: Path | None = None) -> list[DatasetInfo]:
    """The datasets of one replay store, or of the bundled store and every recorded one."""
    if store is None:
        out = list_datasets(replay_dir())
        for user in user_stores():
            try:
                out += list_datasets(user)
            except DatasetError as exc:  # one broken recording must not hide the others
                log.warning("skipping recorded replay %s: %s", user, exc)
        return out
    raw = _read_json(store / "datasets.json")
    try:
        return [
            DatasetInfo(
                name=d["name"], title=d["title"], holds=d["holds"], start=_ts(d["start"]),
                end=_ts(d["end"]), warmup_start=_ts(d.get("warmup_start")),
                default_at=_ts(d["default_at"]), default_speed=float(d["default_speed"]),
                view_days=int(d["view_days"]), series=tuple(d["series"]), store=store,
            )
            for d in raw  # type: ignore[union-attr]
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise DatasetError(f"{store / 'datasets.json'} is malformed: {exc!r}") from None


def find_dataset(name: str, store: Path | None = None) -> DatasetInfo:
    infos = list_datasets(store)
    for info in infos:
        if info.name == name:
            return info
    names = ", ".join(i.name for i in infos)
    raise DatasetError(f"unknown replay '{name}'; available: {names}")


def read_series(path: Path, key: str) -> pd.DataFrame:
    """Read one series file into a canonical frame. Raises DatasetError with one line."""
    try:
        frame = pd.read_csv(path, index_col="time", compression="gzip")
        frame.index = pd.to_datetime(frame.index, utc=True, format="ISO8601")
        frame = frame.astype("float64")
    except FileNotFoundError:
        raise DatasetError(f"series file is missing: {path}") from None
    except (OSError, EOFError, ValueError, KeyError, TypeError, zlib.error,
            gzip.BadGzipFile, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(f"series file {path} is corrupt: {msg}") from None
    if frame.empty:
        raise DatasetError(f"series file {path} holds no rows")
    frame = _without_bad_prices(frame, path)
    if frame.empty:
        raise DatasetError(f"series file {path} holds no usable rows (every price is infinite, "
                           "zero or negative)")
    return canonical(frame, key)


PRICE_COLUMNS = ("open", "high", "low", "close")  # > 0; rates and funding may be negative


def _without_bad_prices(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The frame without rows holding an infinite value or a price <= 0, said in one line."""
    bad = np.isinf(frame.to_numpy()).any(axis=1)
    prices = [c for c in PRICE_COLUMNS if c in frame.columns]
    if prices:
        bad |= (frame[prices] <= 0).any(axis=1).to_numpy()
    if bad.any():
        first = frame.index[bad][0]
        log.warning("series file %s: rejected %d rows with an infinite, zero or negative price "
                    "(the first at %s)", path, int(bad.sum()), f"{first:%Y-%m-%dT%H:%MZ}")
        frame = frame.loc[~bad]
    return frame


def load_dataset(name: str, store: Path | None = None) -> ReplayDataset:
    """Load every series of a dataset, cut to its warm-up start .. end.

    The parsed dataset is kept in the derived cache (data/derived_cache.py), keyed by the stamp
    of every file it is read from and of this parsing code: reading it back takes ~5 ms where
    parsing the CSV files takes ~120 ms (2026-02) to ~250 ms (history)."""
    info = find_dataset(name, store)
    store = info.store or replay_dir()
    key = dataset_key(info, store)
    cached = derived_cache.load(f"replay-{name}", key)
    if isinstance(cached, ReplayDataset) and cached.info == info:
        return cached
    dataset = _parse_dataset(name, info, store)
    derived_cache.store(f"replay-{name}", key, dataset, keep=2)
    return dataset


def dataset_key(info: DatasetInfo, store: Path) -> str:
    """What a parsed dataset depends on: its files and the code that parses them."""
    files = [store / "catalog.json", store / "datasets.json",
             *(store / "series" / f"{k}.csv.gz" for k in info.series)]
    return derived_cache.make_key(
        info, [derived_cache.file_stamp(p) for p in files],
        derived_cache.code_stamp(__name__, "deskapp.data.feed"), pd.__version__)


def _parse_dataset(name: str, info: DatasetInfo, store: Path) -> ReplayDataset:
    catalog = _read_json(store / "catalog.json")
    if not isinstance(catalog, dict):
        raise DatasetError(f"{store / 'catalog.json'} is malformed: expected an object")
    frames: dict[str, pd.DataFrame] = {}
    for key in info.series:
        if key not in catalog:
            raise DatasetError(f"dataset '{name}' names series '{key}', which catalog.json lacks")
        frame = read_series(store / "series" / f"{key}.csv.gz", key)
        lo = info.warmup_start if info.warmup_start is not None else frame.index[0]
        frame = frame.loc[(frame.index >= lo) & (frame.index <= info.end)]
        if not frame.empty:
            frames[key] = frame
    return ReplayDataset(info=info, frames=frames, meta={k: catalog[k] for k in info.series})


class ReplayClock:
    """Market time = start + (wall time elapsed) x speed, clamped to [lo, hi]. Speed 0 = paused."""

    def __init__(self, start: pd.Timestamp, speed: float, lo: pd.Timestamp, hi: pd.Timestamp,
                 wall: Callable[[], float] = time.monotonic):
        self._wall = wall
        self._lo, self._hi = lo, hi
        self._anchor = start
        self._wall0 = wall()
        self._speed = float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> pd.Timestamp:
        elapsed = (self._wall() - self._wall0) * self._speed
        t = self._anchor + pd.Timedelta(seconds=elapsed)
        return min(max(t, self._lo), self._hi)

    def start_running(self) -> None:
        """Count wall time from now (the anchor stays): a replay starts where it was asked to,
        however long the desk took to open."""
        self._wall0 = self._wall()

    def set_speed(self, speed: float) -> None:
        self._anchor, self._wall0 = self.now(), self._wall()
        self._speed = float(speed)

    def seek(self, t: pd.Timestamp) -> None:
        self._anchor, self._wall0 = min(max(t, self._lo), self._hi), self._wall()

    @property
    def at_end(self) -> bool:
        return self.now() >= self._hi


class ReplaySource:
    """Plays a dataset: each poll hands on every series cut at the replay clock."""

    kind = "replay"

    def __init__(self, dataset: ReplayDataset, clock: ReplayClock):
        self.dataset = dataset
        self.name = dataset.info.name
        self.clock = clock
        self._sent: dict[str, int] = {}
        self._polled = False
        # int64 nanoseconds since the epoch, UTC: searchsorted on plain integers is exact and fast.
        self._times = {k: f.index.as_unit("ns").asi8 for k, f in dataset.frames.items()}

    def poll(self) -> FeedBatch:
        if not self._polled:  # the first batch is at the start time exactly
            self._polled = True
            self.clock.start_running()
        now = self.clock.now()
        stamp = now.as_unit("ns").value
        changed: dict[str, pd.DataFrame] = {}
        for key, frame in self.dataset.frames.items():
            n = int(np.searchsorted(self._times[key], stamp, side="right"))
            if self._sent.get(key) != n:
                self._sent[key] = n
                changed[key] = head_rows(frame, n)  # not views: see frames.py
        return FeedBatch(source="replay", dataset=self.name, clock=now, frames=changed,
                         finished=self.clock.at_end)

    def seek(self, t: pd.Timestamp) -> None:
        """Jump the replay; the next poll re-sends every series that changed."""
        self.clock.seek(t)

    def close(self) -> None:
        self._sent.clear()
