"""The compute worker makes at most one board per BOARD_EVERY_S: batches that arrive faster are
merged into the next board, which shows the newest of them (docs/ARCHITECTURE.md, Threads)."""

from __future__ import annotations

import pandas as pd
import pytest
from PySide6.QtWidgets import QApplication

from deskapp.config import load_config
from deskapp.data.feed import FeedBatch
from deskapp.ui.workers import ComputeWorker

T0 = pd.Timestamp("2026-02-10T14:00Z")


def batch(hours: int) -> FeedBatch:
    clock = T0 + pd.Timedelta(hours=hours)
    frame = pd.DataFrame({"close": [97.0 + hours]}, index=pd.DatetimeIndex([clock], name="time"))
    return FeedBatch("replay", "test", clock, frames={"fx.dxy": frame})


class Clock:
    """A monotonic clock that moves only when told (the worker's board rate reads it)."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_batches_faster_than_the_board_rate_make_one_board_with_the_newest(qtbot):
    clock = Clock()
    worker = ComputeWorker(load_config(), {"fx.dxy": {"freq": "1h"}}, view_days=30, clock=clock)
    worker.BOARD_EVERY_S = 60.0  # by the injected clock; no real wait can reach it
    boards = []
    worker.sig_board.connect(boards.append)
    with qtbot.waitSignal(worker.sig_board, timeout=60000):
        worker.on_batch(batch(0))
    assert [b.asof for b in boards] == [T0]
    # Five more within the minute, the event loop turning after each (without the rate each
    # would be a board):
    clock.t += 1.0
    for h in range(1, 6):
        worker.on_batch(batch(h))
        QApplication.processEvents()
    assert len(boards) == 1 and worker._scheduled  # noqa: SLF001 (one board is due)
    # The minute is up: the next batch makes the board at once, with everything merged.
    clock.t += 59.0
    with qtbot.waitSignal(worker.sig_board, timeout=10000):
        worker.on_batch(batch(6))
    assert [b.asof for b in boards] == [T0, T0 + pd.Timedelta(hours=6)]
    assert not worker._scheduled  # noqa: SLF001 (nothing more is due)
    QApplication.processEvents()
    assert len(boards) == 2


def test_the_desk_hands_the_gil_back_quickly_and_freezes_its_startup_objects(make_desk, qtbot):
    import gc
    import sys

    from deskapp.app import GUI_SWITCH_INTERVAL_S

    desk = make_desk("2026-02-risk-off", at="2026-02-10T21:00Z")
    assert sys.getswitchinterval() == pytest.approx(GUI_SWITCH_INTERVAL_S) == 0.0002
    qtbot.waitUntil(lambda: desk.window.view is not None, timeout=60000)
    assert gc.get_freeze_count() > 0  # the objects made up to the first board
