"""The compute worker makes at most one board per BOARD_EVERY_S: batches that arrive faster are
merged into the next board, which shows the newest of them (docs/ARCHITECTURE.md, Threads)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QApplication

from deskapp.config import load_config
from deskapp.data.feed import FeedBatch
from deskapp.ui.workers import ComputeWorker

T0 = pd.Timestamp("2026-02-10T14:00Z")


def batch(hours: int) -> FeedBatch:
    clock = T0 + pd.Timedelta(hours=hours)
    frame = pd.DataFrame({"close": [97.0 + hours]}, index=pd.DatetimeIndex([clock], name="time"))
    return FeedBatch("replay", "test", clock, frames={"fx.dxy": frame})


def test_batches_faster_than_the_board_rate_make_one_board_with_the_newest(qtbot):
    worker = ComputeWorker(load_config(), {"fx.dxy": {"freq": "1h"}}, view_days=30)
    # 3 s instead of 0.25 s between boards: the loop below must fit in one period, and a loaded
    # CI machine can stall this thread for more than 0.25 s (then batch 1 would be a board).
    worker.BOARD_EVERY_S = 3.0
    boards = []
    worker.sig_board.connect(boards.append)
    with qtbot.waitSignal(worker.sig_board, timeout=60000):
        worker.on_batch(batch(0))
    assert [b.asof for b in boards] == [T0]
    # Five more, the event loop turning after each (without the rate each would be a board):
    for h in range(1, 6):
        worker.on_batch(batch(h))
        QApplication.processEvents()
    assert len(boards) == 1 and worker._scheduled  # noqa: SLF001 (one board is due)
    # ... the next board comes once, and it is the newest state.
    with qtbot.waitSignal(worker.sig_board, timeout=60000):
        pass
    assert [b.asof for b in boards] == [T0, T0 + pd.Timedelta(hours=5)]
    assert not worker._scheduled  # noqa: SLF001 (nothing more is due)


def test_the_desk_hands_the_gil_back_quickly_and_freezes_its_startup_objects(make_desk, qtbot):
    import gc
    import sys

    from deskapp.app import GUI_SWITCH_INTERVAL_S

    desk = make_desk("2026-02-risk-off", at="2026-02-10T21:00Z")
    assert sys.getswitchinterval() == GUI_SWITCH_INTERVAL_S == 0.001
    qtbot.waitUntil(lambda: desk.window.view is not None, timeout=60000)
    assert gc.get_freeze_count() > 0  # the objects made up to the first board
