"""The yardstick for start-up: the least a desk like ours must do before its first board is on disk.

It imports PySide6, pyqtgraph and pandas, builds a main window with 8 docked plot panes with a
date axis, each holding 3 curves of 3 years of daily values (one pandas frame read from memory),
paints once and writes the PNG. No data source, no signals, no journal, no settings: anything the
desk takes beyond this is the desk's own cost.

Usage: python benchmarks/floor.py OUT.png   (run as its own process; benchmarks/startup.py times it)
"""

from __future__ import annotations

import sys


def main(out: str) -> None:
    """Build, paint once and save the PNG to `out`."""
    import numpy as np
    import pandas as pd
    import pyqtgraph as pg
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

    app = QApplication(sys.argv[:1])
    days = pd.date_range("2023-01-01", periods=3 * 365, freq="D", tz="UTC")
    steps = np.random.default_rng(0).normal(0, 0.01, size=(len(days), 3))
    frame = pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=days,
                         columns=["a", "b", "c"])
    x = frame.index.asi8 / 1e9
    window = QMainWindow()
    window.resize(1600, 900)
    for n in range(8):
        plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        plot.showGrid(x=True, y=True, alpha=0.2)
        for k, column in enumerate(frame.columns):
            plot.plot(x, frame[column].to_numpy(), pen=pg.intColor(k, 3))
        dock = QDockWidget(f"pane {n}", window)
        dock.setWidget(plot)
        side = Qt.DockWidgetArea
        window.addDockWidget(side.LeftDockWidgetArea if n % 2 else side.RightDockWidgetArea, dock)
    window.show()
    app.processEvents()
    if not window.grab().save(out):
        raise SystemExit(f"floor: could not write {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "floor.png")
