"""800 board repaints with changing data, painted synchronously.

Guards the Qt binding pin: PySide6 6.12.0 aborts inside pyqtgraph's AxisItem.paint within a few
hundred repaints (../shared/STYLE.md). An upgrade that brings that back kills this test.

Note: `window.repaint()` does not paint the pyqtgraph scenes (their viewports are painted on their
own), so each iteration repaints a pane's graphics viewport, and the test counts the
`AxisItem.paint` calls to prove the axes really were painted.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from deskapp.journal.store import JournalStore
from deskapp.signals.board import BoardInputs, compute_board
from deskapp.ui.main_window import MainWindow

DATASET = "2026-02-risk-off"
ITERATIONS = 800  # 6.12.0 aborted within a few hundred; 8 panes make each ~3x dearer than 4
N_VIEWS = 40


@pytest.fixture(scope="module")
def views(datasets, config) -> list:
    """40 real boards, 19 market hours apart (so every one differs from the one before)."""
    ds = datasets(DATASET)
    c = config.correlation
    start = pd.Timestamp("2026-01-15T00:00Z")
    return [
        compute_board(BoardInputs(
            frames=ds.frames, meta=ds.meta, asof=start + pd.Timedelta(hours=19 * i),
            source="replay", dataset=DATASET, view_days=ds.info.view_days,
            ai_basket=config.ai_basket, daily_windows=c.daily_windows,
            h1_window=c.h1_window, h4_window=c.h4_window))
        for i in range(N_VIEWS)
    ]


def test_800_repaints_with_changing_data(views, qtbot, tmp_path, monkeypatch):
    painted = {"axis": 0}
    axis_paint = pg.AxisItem.paint

    def counting_paint(self, *args):
        painted["axis"] += 1
        return axis_paint(self, *args)

    # Installed before the window exists: PySide resolves Python overrides per instance.
    monkeypatch.setattr(pg.AxisItem, "paint", counting_paint)
    journal = JournalStore(tmp_path / "journal.sqlite3", "test")
    try:
        window = MainWindow(journal, None, 0.0, "stress")
        qtbot.addWidget(window)
        window.resize(1000, 700)
        window.show()
        qtbot.waitExposed(window, timeout=60000)
        panes = list(window.panes.values())
        t0 = time.perf_counter()
        for i in range(ITERATIONS):
            window.apply_board(views[i % N_VIEWS])
            panes[i % len(panes)].graphics.viewport().repaint()  # synchronous paint
            if i % 50 == 49:
                QApplication.processEvents()  # deferred deletes and queued updates, as in life
        wall = time.perf_counter() - t0
        print(f"\n[timing] {ITERATIONS} board repaints: {wall:.1f} s "
              f"({1000 * wall / ITERATIONS:.1f} ms each), {painted['axis']} AxisItem.paint calls")

        # Every pane was painted hundreds of times, each with at least its bottom axis.
        assert painted["axis"] >= ITERATIONS
        assert window.isVisible()
        last = views[(ITERATIONS - 1) % N_VIEWS]
        assert window.view is last
        for key, pane in window.panes.items():
            for cid, curve in last.panes[key].curves.items():
                x, y = pane.curve_data(cid)
                np.testing.assert_array_equal(x, curve.x, err_msg=f"{key}.{cid}")
                np.testing.assert_array_equal(y, curve.y, err_msg=f"{key}.{cid}")
        us10y = last.panes["macro"].readouts["us10y_pct"]
        assert f"10y {us10y:.2f}%" in window.panes["macro"].header.text()
        assert f"{last.asof:%Y-%m-%d %H:%M} UTC" in window.clock_label.text()
    finally:
        journal.close()
