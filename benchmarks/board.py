"""Full-board update cost in the GUI thread, 1920x1080: deskapp's way against the naive way.

Universe: every daily series of the bundled `history` dataset cut to the 3 years before the
board time, plus 120 days of S&P 500, Russell 2000 and BTC hourly bars from `2026-02-risk-off`.
The boards are computed beforehand (that is the compute worker's job, in its own thread).

A full-board update = `MainWindow.apply_board` (every pane given the new board) and then Qt's
paint of what changed, every posted event delivered (`sendPostedEvents`, as the desk's staged
path paints a pane; a single `processEvents` pass left what the paint posted to the next board's
pass). Where a following window steps on while the board's time is still in view, the step waits
for idle turns of its own, one pane a turn (`TimePane._follow_board`): those turns are drained
after each board and reported apart. Measured:

- one new hourly bar per board (60 boards): the board the desk draws most, every hour live and
  at every replay step;
- one new day per board (30 boards, 21:00 UTC): every daily series has a new close, so every
  pane changes (and every ~11 days the x axis steps, in the idle turns after the board);
- the desk's own path, `apply_board_staged` (one pane set and painted per event-loop turn): the
  time from the call until the last pane was painted, the longest single step, and how many
  plot areas were painted (each changed one on screen once: it was twice before 61e4220);
- the same boards with the whole window forced to repaint (`grab`: every pixel drawn again,
  whether it changed or not), for comparison;
- naive: the same curves in one PlotWidget per pane, `clear()` and `plot()` again on each
  board, then the same event-loop paint.

Usage: python benchmarks/board.py [hourly_steps]   (prints figures; asserts nothing)
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
from PySide6.QtCore import QCoreApplication, QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication, QGridLayout, QWidget  # noqa: E402

from deskapp.config import load_config  # noqa: E402
from deskapp.data.replay import load_dataset  # noqa: E402
from deskapp.journal.store import JournalStore  # noqa: E402
from deskapp.signals.board import BoardInputs, compute_board  # noqa: E402
from deskapp.ui import gui_steps  # noqa: E402
from deskapp.ui.main_window import MainWindow  # noqa: E402
from deskapp.ui.theme import apply_theme  # noqa: E402

HOURLY = ("idx.spx.1h", "idx.rut.1h", "crypto.btcusdt.1h")
FIRST = pd.Timestamp("2026-02-09T14:00Z")
TARGET_S = 0.016


def p95(values: list[float]) -> float:
    v = sorted(values)
    return v[int(0.95 * (len(v) - 1))]


def stats(values: list[float]) -> str:
    v = sorted(values)
    return (f"median {statistics.median(v) * 1e3:.1f} ms, p95 {p95(v) * 1e3:.1f}"
            f" ms, max {v[-1] * 1e3:.1f} ms")


def universe(first: pd.Timestamp) -> tuple[dict, dict]:
    hist, episode = load_dataset("history"), load_dataset("2026-02-risk-off")
    frames = {k: f.loc[first - pd.Timedelta(days=3 * 365 + 40):]
              for k, f in hist.frames.items()}
    for k in HOURLY:
        if k in episode.frames:
            frames[k] = episode.frames[k].loc[first - pd.Timedelta(days=160):]
    return frames, {**hist.meta, **episode.meta}


def boards_at(frames: dict, meta: dict, times, ai_basket) -> list:
    return [compute_board(BoardInputs(frames=frames, meta=meta, asof=t, view_days=3 * 365,
                                      ai_basket=ai_basket)) for t in times]


class PaintCounter(QObject):
    """Counts the paints of the panes' plot areas (how many panes a board redrew)."""

    def __init__(self, viewports):
        super().__init__()
        self.count = 0
        for viewport in viewports:
            viewport.installEventFilter(self)

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


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


class IdleTurns:
    """The idle turns that follow boards (a window's x step, one pane a turn): each drained
    and timed, per board."""

    def __init__(self, counter: PaintCounter):
        self.counter = counter
        self.longest: list[float] = []  # per board that had any: its longest turn
        self.totals: list[float] = []  # per board that had any: all its turns
        self.painted: list[int] = []  # per board that had any: plot areas they painted

    def drain(self, app) -> None:
        turns, count = [], self.counter.count
        while gui_steps.pending():
            t = time.perf_counter()
            app.processEvents()
            turns.append(time.perf_counter() - t)
        if turns and self.counter.count > count:  # turns that painted something (a step)
            self.longest.append(max(turns))
            self.totals.append(sum(turns))
            self.painted.append(self.counter.count - count)

    def report(self, boards: int) -> None:
        if not self.longest:
            print(f"    x steps after the board: none in {boards} boards")
            return
        print(f"    x steps after the board (idle turns, one pane a turn): {len(self.longest)} "
              f"of {boards} boards; longest turn {stats(self.longest)}; all turns "
              f"{stats(self.totals)}; plot areas painted: max {max(self.painted)}")


def settle(app) -> None:
    """Everything left, idle turns included (between runs)."""
    app.processEvents()
    while gui_steps.pending():
        app.processEvents()


def run(app, window, boards, counter, force_full: bool = False
        ) -> tuple[list, list, list, IdleTurns]:
    """(apply times, paint times, panes painted, idle turns after) for each board after the
    first."""
    window.apply_board(boards[0])
    settle(app)
    idle = IdleTurns(counter)
    applied, painted, panes = [], [], []
    for view in boards[1:]:
        counter.count = 0
        t0 = time.perf_counter()
        window.apply_board(view)
        t1 = time.perf_counter()
        if force_full:
            window.grab()
        else:
            QCoreApplication.sendPostedEvents()
        t2 = time.perf_counter()
        applied.append(t1 - t0)
        painted.append(t2 - t1)
        panes.append(counter.count)
        idle.drain(app)
    return applied, painted, panes, idle


def run_staged(app, window, boards, counter) -> tuple[list, list, list, IdleTurns]:
    """The desk's own path, `apply_board_staged` (one pane set and painted per event-loop turn):
    (time from the call until the last pane was painted, the longest single step, plot areas
    painted) per board, and the idle turns after."""
    window.apply_board(boards[0])
    settle(app)
    idle = IdleTurns(counter)
    steps: list[float] = []
    done: list[float] = []
    stage_step = window._stage_step  # noqa: SLF001 (timed, each call one GUI-thread step)

    def timed_step() -> None:
        t = time.perf_counter()
        stage_step()
        steps.append(time.perf_counter() - t)

    window._stage_step = timed_step  # noqa: SLF001 (looked up by each turn's timer)
    window.sig_board_drawn.connect(lambda _view: done.append(time.perf_counter()))
    totals, longest, painted = [], [], []
    for view in boards[1:]:
        steps.clear()
        done.clear()
        counter.count = 0
        t0 = time.perf_counter()
        window.apply_board_staged(view)
        while not done:
            app.processEvents()
        totals.append(done[0] - t0)
        longest.append(max(steps))
        QCoreApplication.sendPostedEvents()  # what is left (status bar, side panels)
        painted.append(counter.count)
        idle.drain(app)
    del window._stage_step  # noqa: SLF001
    return totals, longest, painted, idle


def report_staged(name: str, totals: list, longest: list, painted: list,
                  idle: IdleTurns) -> None:
    print(f"{name}: call to last pane painted {stats(totals)}\n"
          f"    longest single GUI-thread step {stats(longest)} (must stay < 16 ms); "
          f"plot areas painted per board: median {statistics.median(painted):.0f}, "
          f"max {max(painted)}")
    idle.report(len(totals))


def report(name: str, applied: list, painted: list, panes: list,
           idle: IdleTurns) -> list[float]:
    total = [a + p for a, p in zip(applied, painted, strict=True)]
    print(f"{name}: full update {stats(total)}\n"
          f"    apply_board {stats(applied)}; paint {stats(painted)}; "
          f"plot areas painted per board: median {statistics.median(panes):.0f}, "
          f"max {max(panes)}")
    idle.report(len(total))
    return total


def main(steps: int = 60) -> None:
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    cfg = load_config()
    frames, meta = universe(FIRST)
    btc = frames["crypto.btcusdt.1h"]
    hours = btc.index[btc.index >= FIRST][: steps + 1]
    days = [FIRST.normalize() - pd.Timedelta(days=30 - k) + pd.Timedelta(hours=21)
            for k in range(31)]
    t0 = time.perf_counter()
    hourly = boards_at(frames, meta, hours, cfg.ai_basket)
    compute_s = (time.perf_counter() - t0) / len(hourly)
    daily = boards_at(frames, meta, days, cfg.ai_basket)
    rows = sum(len(f.loc[:FIRST]) for f in frames.values())
    print(f"universe: {len(frames)} series, {rows} rows; compute_board (worker thread) mean "
          f"{compute_s * 1e3:.0f} ms")

    journal = JournalStore(os.path.join(os.environ["DESKAPP_HOME"], "bench.sqlite3"), "bench")
    window = MainWindow(journal, None, 0.0, "benchmark")
    window.resize(1920, 1080)
    window.show()
    app.processEvents()
    counter = PaintCounter([p.graphics.viewport() for p in window.panes.values()])
    shown = sum(not p.visibleRegion().isEmpty() for p in window.panes.values())
    print(f"deskapp: {len(window.panes)} time panes ({shown} on screen, the rest tabbed), "
          "1920x1080")
    hourly_total = report(f"  one new hourly bar ({len(hourly) - 1} boards)",
                          *run(app, window, hourly, counter))
    daily_run = run(app, window, daily, counter)
    daily_total = report(f"  one new day ({len(daily) - 1} boards)", *daily_run)
    daily_steps = daily_run[3].longest
    report_staged("  staged (apply_board_staged), one new hourly bar",
                  *run_staged(app, window, hourly, counter))
    report_staged("  staged (apply_board_staged), one new day",
                  *run_staged(app, window, daily, counter))
    report("  one new hourly bar, whole window forced to repaint (grab)",
           *run(app, window, hourly, counter, force_full=True))
    window.close()
    journal.close()

    naive = NaiveBoard(list(window.panes))
    naive.resize(1920, 1080)
    naive.show()
    app.processEvents()
    naive.apply(hourly[0])
    app.processEvents()
    naive_t = []
    for view in hourly[1:]:
        t0 = time.perf_counter()
        naive.apply(view)
        QCoreApplication.sendPostedEvents()
        naive_t.append(time.perf_counter() - t0)
    print(f"naive (clear + re-plot every curve, same curves), one new hourly bar: full update "
          f"{stats(naive_t)}")
    ratio = statistics.median(naive_t) / statistics.median(hourly_total)
    met = "met" if p95(hourly_total) < TARGET_S else "NOT met"
    # A new day is inside one frame when the board is (p95) and so is each idle turn of its
    # x step after it.
    steps_ok = not daily_steps or p95(daily_steps) <= TARGET_S
    met_day = "met" if p95(daily_total) <= TARGET_S and steps_ok else "NOT met"
    print(f"ratio naive / deskapp (median, one new hourly bar): {ratio:.1f}x; "
          f"target p95 < 16 ms per full-board update (one new hourly bar): {met}; "
          f"(one new day, issue 15, and each turn of its x step): {met_day}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
