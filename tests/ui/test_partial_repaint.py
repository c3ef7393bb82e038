"""A new bar repaints the end of each curve, not the whole plot area, and what is on screen
afterwards is what a full repaint draws, pixel for pixel (deskapp/ui/panes/append_curve.py);
labels and titles are set again only when they change.

"On screen" is the window's backing store as the platform holds it (`QScreen.grabWindow`):
only the areas Qt repainted changed there. `QWidget.grab` renders the whole window again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QGraphicsView

from deskapp.journal.store import JournalStore
from deskapp.signals.board import BoardInputs, compute_board
from deskapp.ui.main_window import MainWindow
from deskapp.ui.panes.append_curve import CurveItem, unchanged_prefix
from deskapp.ui.panes.steady_range import SteadyViewBox

DAY = 86400.0


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8)
    return rows.reshape(image.height(), image.bytesPerLine()).copy()


def on_screen(widget) -> np.ndarray:
    return pixels(widget.screen().grabWindow(widget.winId()).toImage())


def repainted(widget) -> np.ndarray:
    return pixels(widget.grab().toImage())


class PaintRects(QObject):
    """The bounding rectangle of each paint of the watched widgets."""

    def __init__(self, widgets):
        super().__init__()
        self.rects: list[QRect] = []
        for w in widgets:
            w.installEventFilter(self)

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.rects.append(event.region().boundingRect())
        return False


# ---------------------------------------------------------------------- the common start
def test_unchanged_prefix_counts_equal_leading_points_with_nan_equal_to_nan():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([5.0, np.nan, 7.0, 8.0])
    assert unchanged_prefix(x, y, x, y) == 4
    assert unchanged_prefix(x, y, np.append(x, 5.0), np.append(y, 9.0)) == 4  # one appended
    assert unchanged_prefix(x, y, x, np.array([5.0, np.nan, 7.0, 8.5])) == 3  # last revised
    assert unchanged_prefix(x, y, x[1:], y[1:]) == 0  # the start moved
    assert unchanged_prefix(x, y, x[:2], y[:2]) == 2  # cut short
    assert unchanged_prefix(x[:0], y[:0], x, y) == 0


# ---------------------------------------------------------------------- one plot
@pytest.fixture
def plot(qtbot):
    """A plot area as the panes have it: one rectangle a repaint, fixed ranges."""
    widget = pg.PlotWidget(viewBox=SteadyViewBox(enableMenu=False))
    qtbot.addWidget(widget)
    widget.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
    widget.resize(600, 300)
    widget.setXRange(0.0, 130.0, padding=0)
    widget.setYRange(-2.0, 12.0, padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def settle(paints: PaintRects | None = None) -> None:
    """Run the event loop until `paints` sees no new paint for several passes (the scene's
    posted change, the paint it asks for, a first show's exposures); 3 passes without one."""
    passes, seen = 0, -1
    for _ in range(200):
        QApplication.processEvents()
        count = len(paints.rects) if paints is not None else 0
        passes = passes + 1 if count == seen else 0
        seen = count
        if passes >= 3:
            return


@pytest.mark.parametrize("style", ["line", "filled", "dashed"])
def test_appending_a_point_repaints_a_strip_and_the_screen_matches_a_full_repaint(plot, style):
    kw = {"pen": pg.mkPen("#ff8800", width=2)}
    if style == "filled":
        kw.update(fillLevel=0.0, brush=pg.mkBrush(80, 160, 255, 110))
    if style == "dashed":
        kw = {"pen": pg.mkPen("#44ddff", width=1, style=pg.QtCore.Qt.PenStyle.DashLine)}
    x = np.arange(100.0)
    y = 5.0 + 4.0 * np.sin(x / 7.0)
    item = CurveItem(x, y, **kw)
    paints = PaintRects([plot.viewport()])
    plot.addItem(item)
    settle(paints)
    paints.rects.clear()
    for n in range(101, 112):
        xs = np.arange(float(n))
        item.setData(xs, 5.0 + 4.0 * np.sin(xs / 7.0))
        settle(paints)
        assert paints.rects, "no repaint for a new point"
        assert max(r.width() for r in paints.rects) < plot.viewport().width() * 0.15
        np.testing.assert_array_equal(on_screen(plot), repainted(plot))
        paints.rects.clear()  # (grab's own paint too)


def test_a_revised_last_point_a_hole_and_a_moved_start_are_drawn_as_a_full_repaint_draws(plot):
    x = np.arange(100.0)
    y = 5.0 + 4.0 * np.cos(x / 9.0)
    item = CurveItem(x, y, pen=pg.mkPen("w", width=1), fillLevel=0.0,
                     brush=pg.mkBrush(255, 0, 0, 90))
    paints = PaintRects([plot.viewport()])
    plot.addItem(item)
    settle(paints)
    paints.rects.clear()
    steps = [
        (x, np.where(x == 99.0, 11.0, y)),  # the last bar revised
        (np.append(x, [100.0, 101.0]), np.append(np.where(x == 99.0, 11.0, y), [np.nan, 3.0])),
        (np.arange(5.0, 103.0), 5.0 + 4.0 * np.cos(np.arange(5.0, 103.0) / 9.0)),  # start moved
        (np.arange(5.0, 60.0), 5.0 + 4.0 * np.cos(np.arange(5.0, 60.0) / 9.0)),  # cut short
    ]
    widths = []
    for xs, ys in steps:
        item.setData(xs, ys)
        settle(paints)
        widths.append(max(r.width() for r in paints.rects))
        np.testing.assert_array_equal(on_screen(plot), repainted(plot))
        paints.rects.clear()  # (grab's own paint too)
    full = plot.viewport().width() * 0.9
    assert widths[0] < full and widths[1] < full  # the end only
    assert widths[2] >= full  # nothing in common: the whole curve


def test_a_style_change_repaints_the_whole_curve(plot):
    x = np.arange(100.0)
    item = CurveItem(x, np.sqrt(x), pen=pg.mkPen("w", width=1))
    paints = PaintRects([plot.viewport()])
    plot.addItem(item)
    settle(paints)
    paints.rects.clear()
    item.setPen(pg.mkPen("#00ff00", width=3))
    settle(paints)
    assert max(r.width() for r in paints.rects) >= plot.viewport().width() * 0.9
    np.testing.assert_array_equal(on_screen(plot), repainted(plot))


# ---------------------------------------------------------------------- the desk's panes
def test_a_run_of_new_days_and_hours_on_the_desk_is_on_screen_as_a_full_repaint_draws(
        qtbot, datasets, config, tmp_path):
    ds = datasets("2026-02-risk-off")
    start = pd.Timestamp("2026-02-02T21:00Z")
    times = [start + pd.Timedelta(days=k) for k in range(7)]
    times += [times[-1] + pd.Timedelta(hours=h) for h in range(1, 6)]
    boards = [compute_board(BoardInputs(frames=ds.frames, meta=ds.meta, asof=t, view_days=365,
                                        ai_basket=config.ai_basket)) for t in times]
    journal = JournalStore(str(tmp_path / "journal.sqlite3"), "test")
    window = MainWindow(journal, None, 0.0, "test")
    qtbot.addWidget(window)
    window.resize(1600, 900)
    window.show()
    qtbot.waitExposed(window)
    panes = [window.panes[k] for k in ("macro", "leadership", "crypto", "correlation")]
    paints = PaintRects([p.graphics.viewport() for p in panes])
    window.apply_board(boards[0])
    settle(paints)
    narrow = 0
    try:
        for view in boards[1:]:
            paints.rects.clear()
            window.apply_board(view)
            settle(paints)
            width = min(p.graphics.viewport().width() for p in panes)
            narrow += sum(r.width() < width * 0.2 for r in paints.rects)
            np.testing.assert_array_equal(on_screen(window), repainted(window),
                                          err_msg=f"board at {view.asof}")
            settle(paints)  # grab's own paints
    finally:
        window.close()
        journal.close()
    assert narrow >= len(boards) // 2  # most boards repainted the panes' ends only


# ---------------------------------------------------------------------- labels set again
def test_a_value_axis_sets_its_label_again_only_when_the_label_changes(qtbot):
    from deskapp.ui.panes.value_axis import ValueAxis

    axis = ValueAxis(orientation="left")
    axis.setLabel("corr")
    sets = []
    original = axis.label.setHtml
    axis.label.setHtml = lambda text: (sets.append(text), original(text))
    for k in range(5):
        axis.setRange(float(k), float(k) + 10.0)
    assert sets == []  # five new ranges, the same label
    assert axis.picture is None  # (the ticks are drawn again)
    axis.labelText = "ratio"  # a label text changed behind its back: set at the next range
    axis.setRange(1.0, 2.0)
    assert len(sets) == 1 and "ratio" in sets[0]
    assert "ratio" in axis.label.toPlainText()


def test_a_row_notice_sets_the_plot_title_once_and_the_row_height_when_it_changes(qtbot):
    from deskapp.ui.panes.notice import TITLE_PX, RowNotice

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = widget.addPlot()
    titles = []
    original = plot.setTitle
    plot.setTitle = lambda *a, **k: (titles.append(a), original(*a, **k))
    notice = RowNotice(plot, "Rolling correlation")
    assert len(titles) == 1
    notice.setText("1h: warming up: 100 of 120")
    notice.setText("1h: warming up: 101 of 120")
    assert len(titles) == 1  # the title is the same
    assert plot.layout.rowMinimumHeight(0) > TITLE_PX  # the message's line under it
    notice.setText("")
    assert plot.layout.rowMinimumHeight(0) == TITLE_PX
    assert not notice.label.isVisible()
