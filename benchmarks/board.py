"""Board update costs: compute (worker thread) and apply + full render (GUI thread), 1920x1080.

Usage: python benchmarks/board.py   (prints figures; asserts nothing)
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
from PySide6.QtWidgets import QApplication  # noqa: E402

from deskapp.config import load_config  # noqa: E402
from deskapp.data.replay import load_dataset  # noqa: E402
from deskapp.journal.store import JournalStore  # noqa: E402
from deskapp.signals.board import BoardInputs, compute_board  # noqa: E402
from deskapp.ui.main_window import MainWindow  # noqa: E402
from deskapp.ui.theme import apply_theme  # noqa: E402


def ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1e3:.1f} ms, "
            f"p95 {sorted(values)[int(0.95 * (len(values) - 1))] * 1e3:.1f} ms, "
            f"max {max(values) * 1e3:.1f} ms")


def main() -> None:
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    cfg = load_config()
    for name in ("2026-02-risk-off", "2025-10-liquidations", "2024-08-carry-unwind", "history"):
        t0 = time.perf_counter()
        ds = load_dataset(name)
        load_s = time.perf_counter() - t0
        info = ds.info
        steps = pd.date_range(info.start, info.end, periods=40)
        views, compute = [], []
        for at in steps:
            t0 = time.perf_counter()
            views.append(compute_board(BoardInputs(
                frames=ds.frames, meta=ds.meta, asof=at, dataset=name, view_days=info.view_days,
                ai_basket=cfg.ai_basket)))
            compute.append(time.perf_counter() - t0)
        journal = JournalStore(os.path.join(os.environ["DESKAPP_HOME"], f"{name}.sqlite3"), "b")
        window = MainWindow(journal, None, 0.0, info.title)
        window.resize(1920, 1080)
        window.show()
        app.processEvents()
        apply_t, paint_t = [], []
        for i in range(120):
            view = views[i % len(views)]
            t0 = time.perf_counter()
            window.apply_board(view)
            t1 = time.perf_counter()
            # grab() renders the whole window synchronously; QWidget.repaint() would skip the
            # pyqtgraph views (they paint through their own viewports).
            window.grab()
            t2 = time.perf_counter()
            apply_t.append(t1 - t0)
            paint_t.append(t2 - t1)
        print(f"{name}: load {load_s * 1e3:.0f} ms | compute_board (worker) {ms(compute)} | "
              f"apply_board (GUI) {ms(apply_t)} | full render 1920x1080 {ms(paint_t)}")
        window.close()
        journal.close()


if __name__ == "__main__":
    main()
