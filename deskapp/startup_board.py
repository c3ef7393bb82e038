"""A replay's first board, kept from the last start at the same moment (data/derived_cache.py).

The compute worker stores the first board it computes at the replay's start time; the next
desk started on the same dataset, time, settings and signal code draws that board at once and
computes its own behind it (the same board: everything it depends on is in the key).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from deskapp.data import derived_cache
from deskapp.resources import replay_dir
from deskapp.signals.board import BoardView
from deskapp.signals.engine import SignalSettings

if TYPE_CHECKING:
    from deskapp.data.replay import ReplayDataset

log = logging.getLogger(__name__)
KIND = "board"


def board_key(dataset: ReplayDataset, at: pd.Timestamp, settings: SignalSettings,
              view_days: int) -> str:
    """Everything a replay's board at `at` depends on."""
    import deskapp.signals
    from deskapp.data.replay import dataset_key

    info = dataset.info
    package = Path(deskapp.signals.__file__).parent
    signal_code = sorted(f"deskapp.signals.{p.stem}" for p in package.glob("*.py"))
    for name in signal_code:  # a module not imported yet is stamped too
        importlib.import_module(name)
    return derived_cache.make_key(
        "replay", dataset_key(info, info.store or replay_dir()), at.value, repr(settings),
        view_days, derived_cache.code_stamp("deskapp.data.hub", *signal_code), pd.__version__)


def board_folder() -> Path:
    """<data folder>/cache: with the desk's own files ($DESKAPP_CACHE, shared parsed replays,
    does not move it: a board belongs to this desk home's settings and code)."""
    from deskapp.paths import data_dir

    return data_dir() / "cache"


def load_board(key: str) -> BoardView | None:
    """The stored board for `key`, else None."""
    view = derived_cache.load(KIND, key, board_folder())
    return view if isinstance(view, BoardView) else None


class FirstBoardKeeper:
    """Called by the compute worker (its thread) with each board; stores the first one that is
    at the replay's start time, once."""

    def __init__(self, key: str, at: pd.Timestamp):
        self.key, self.at = key, at
        self.done = False

    def __call__(self, view: BoardView) -> None:
        if self.done:
            return
        self.done = True
        if view.asof == self.at:
            derived_cache.store(KIND, self.key, view, board_folder(), keep=8)


def cache_board(cache_path: str, meta: dict[str, dict], settings: SignalSettings,
                view_days: int, name: str = "cache") -> BoardView | None:
    """The board the compute worker makes from `CacheSource`'s first batch: every cached frame
    at the wall clock's now (None when the cache cannot be read this way)."""
    from deskapp.data.cache import read_all_read_only
    from deskapp.data.feed import FeedBatch
    from deskapp.data.hub import MarketState
    from deskapp.data.live import utc_now
    from deskapp.signals.engine import compute

    frames = read_all_read_only(Path(cache_path))
    if frames is None:
        return None
    state = MarketState(meta=meta).apply(
        FeedBatch(source="cache", dataset=name, clock=utc_now(), frames=frames))
    return compute(state.frames, state.meta, state.clock, settings, source=state.source,
                   dataset=state.dataset, view_days=view_days)


def _head_start_child(conn, *args) -> None:
    try:
        board = cache_board(*args)
    except Exception:  # the desk computes its own board anyway
        board = None
    try:
        conn.send(board)
    finally:
        conn.close()


class HeadStart:
    """A first board from the market cache, computed in a helper process on another core while
    this process imports Qt and builds the window (the compute worker makes the same board
    again afterwards, as always). `on_result(board_or_None)` is called once, in a waiting
    thread of this process."""

    def __init__(self, cache_path: Path, meta: dict[str, dict], settings: SignalSettings,
                 view_days: int, on_result=None):
        import multiprocessing
        import threading

        # fork: the child already holds pandas and deskapp; only from a process with one
        # thread (a thread holding a lock at the fork would leave the child stuck on it).
        # Elsewhere a fresh interpreter, still on its own core.
        fork = (sys.platform.startswith("linux") and threading.active_count() == 1
                and "fork" in multiprocessing.get_all_start_methods())
        ctx = multiprocessing.get_context("fork" if fork else "spawn")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_head_start_child, name="deskapp-head-start",
                                 args=(send, str(cache_path), meta, settings, view_days),
                                 daemon=True)
        self._proc.start()
        send.close()
        self.on_result = on_result
        self.board: BoardView | None = None
        self.done = threading.Event()
        self._waiter = threading.Thread(target=self._wait, name="head-start-wait", daemon=True)
        self._waiter.start()

    def _wait(self) -> None:
        try:
            board = self._recv.recv()
        except Exception:  # the child died (EOFError) or sent something unreadable
            board = None
        self.board = board if isinstance(board, BoardView) else None
        self.done.set()
        callback = self.on_result
        if callback is not None:
            callback(self.board)
        self.close()

    def close(self) -> None:
        """Stop the helper process if it still runs."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=1.0)
        with contextlib.suppress(OSError):
            self._recv.close()
