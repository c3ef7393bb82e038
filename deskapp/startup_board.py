"""A replay's first board, kept from the last start at the same moment (data/derived_cache.py).

The compute worker stores the first board it computes at the replay's start time; the next
desk started on the same dataset, time, settings and signal code draws that board at once and
computes its own behind it (the same board: everything it depends on is in the key).
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import pandas as pd

from deskapp.data import derived_cache
from deskapp.data.replay import ReplayDataset, dataset_key
from deskapp.resources import replay_dir
from deskapp.signals.board import BoardView
from deskapp.signals.engine import SignalSettings

log = logging.getLogger(__name__)
KIND = "board"


def board_key(dataset: ReplayDataset, at: pd.Timestamp, settings: SignalSettings,
              view_days: int) -> str:
    """Everything a replay's board at `at` depends on."""
    import deskapp.signals

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
