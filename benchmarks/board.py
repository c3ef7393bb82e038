"""Full-board update cost in the GUI thread, 1920x1080: deskapp's way against the naive way.

Universe: every daily series of the bundled `history` dataset cut to the 3 years before the
board time, plus 120 days of S&P 500, Russell 2000 and BTC hourly bars from `2026-02-risk-off`.
Each step is one more hourly bar (the boards are computed beforehand: that is the worker's job).

- deskapp: `MainWindow.apply_board` (setData on items made once; tabbed-away panes updated but not
  painted) then a synchronous render of the whole window (`grab`), with every dock raised in
  turn so that every pane is painted once per cycle of the run as well;
- naive: the same curves in one PlotWidget per pane, `clear()` and `plot()` again on each update,
  then the same synchronous render.

Usage: python benchmarks/board.py [steps]   (prints figures; asserts nothing)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DESKAPP_HOME", tempfile.mkdtemp())

import pandas as pd  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication, QGridLayout, QWidget  # noqa: E402

from deskapp.config import load_config  # noqa: E402
from deskapp.data.replay import load_dataset  # noqa: E402
from deskapp.journal.store import JournalStore  # noqa: E402
from deskapp.signals.board import BoardInputs, compute_board  # noqa: E402
from deskapp.ui.main_window import MainWindow  # noqa: E402
from deskapp.ui.theme import apply_theme  # noqa: E402

HOURLY = ("idx.spx.1h", "idx.rut.1h", "crypto.btcusdt.1h")


def stats(values: list[float]) -> str:
    v = sorted(values)
    p95 = v[int(0.95 * (len(v) - 1))]
    return (f"median {statistics.median(v) * 1e3:.1f} ms, p95 {p95 * 1e3:.1f}"
            f" ms, max {v[-1] * 1e3:.1f} ms")


def universe() -> tuple[dict, dict, pd.DatetimeIndex]:
    hist, episode = load_dataset("history"), load_dataset("2026-02-risk-off")
    first = pd.Timestamp("2026-02-09T14:00Z")
    frames = {k: f.loc[first - pd.Timedelta(days=3 * 365):] for k, f in hist.frames.items()}
    for k in HOURLY:
        if k in episode.frames:
            frames[k] = episode.frames[k].loc[first - pd.Timedelta(days=120):]
    btc = frames["crypto.btcusdt.1h"]
    return frames, {**hist.meta, **episode.meta}, btc.index[btc.index >= first]


class NaiveBoard(QWidget):
    """Every pane as one PlotWidget; every update clears it and plots every curve again."""

    def __init__(self, panes: list[str]):
        super().__init__()
        grid = QGridLayout(self)
        self.plots = {}
        for i, key in enumerate(panes):
            w = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
            w.showGrid(x=True, y=True, alpha=0.3)
            grid.addWidget(w, i // 4, i % 4)
            self.plots[key] = w

    def apply(self, view) -> None:
        for key, plot in self.plots.items():
            plot.clear()
            pane = view.panes.get(key)
            if pane is None:
                continue
            for n, curve in enumerate(pane.curves.values()):
                plot.plot(curve.x, curve.y, pen=pg.intColor(n, 9))


def main(steps: int = 60) -> None:
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    cfg = load_config()
    frames, meta, times = universe()
    rows = sum(len(f) for f in frames.values())
    boards = []
    t0 = time.perf_counter()
    for t in times[:steps]:
        boards.append(compute_board(BoardInputs(
            frames=frames, meta=meta, asof=t, view_days=3 * 365, ai_basket=cfg.ai_basket)))
    compute_s = (time.perf_counter() - t0) / len(boards)
    print(f"universe: {len(frames)} series, {rows} rows; {len(boards)} steps of one hourly bar; "
          f"compute_board (worker thread) mean {compute_s * 1e3:.0f} ms")

    journal = JournalStore(os.path.join(os.environ["DESKAPP_HOME"], "bench.sqlite3"), "bench")
    window = MainWindow(journal, None, 0.0, "benchmark")
    window.resize(1920, 1080)
    window.show()
    app.processEvents()
    window.apply_board(boards[0])
    window.grab()
    apply_t, render_t, total = [], [], []
    for view in boards[1:]:
        t0 = time.perf_counter()
        window.apply_board(view)
        t1 = time.perf_counter()
        window.grab()
        t2 = time.perf_counter()
        apply_t.append(t1 - t0)
        render_t.append(t2 - t1)
        total.append(t2 - t0)
    # Tabbed-away panes: raise each dock once and render, so every pane's paint is counted too.
    hidden_t = []
    for key, dock in window.docks.items():
        if key in window.panes and dock.visibleRegion().isEmpty():
            dock.raise_()
            app.processEvents()
            t0 = time.perf_counter()
            window.apply_board(boards[-1])
            window.grab()
            hidden_t.append(time.perf_counter() - t0)
    shown = [k for k, d in window.docks.items() if k in window.panes]
    print(f"deskapp ({len(shown)} time panes, 1920x1080): apply_board {stats(apply_t)}; "
          f"render {stats(render_t)}; full update {stats(total)}")
    if hidden_t:
        print(f"  a tabbed-away pane raised and drawn: {stats(hidden_t)}")
    window.close()
    journal.close()

    naive = NaiveBoard(list(window.panes))
    naive.resize(1920, 1080)
    naive.show()
    app.processEvents()
    naive.apply(boards[0])
    naive.grab()
    naive_t = []
    for view in boards[1:]:
        t0 = time.perf_counter()
        naive.apply(view)
        naive.grab()
        naive_t.append(time.perf_counter() - t0)
    print(f"naive (clear + re-plot every curve, same curves): full update {stats(naive_t)}")
    ratio = statistics.median(naive_t) / statistics.median(total)
    print(f"ratio naive / deskapp (median full update): {ratio:.1f}x; target p95 < 16 ms: "
          f"{'met' if sorted(total)[int(0.95 * (len(total) - 1))] < 0.016 else 'NOT met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
