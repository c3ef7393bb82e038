"""A new day's board (every pane changes and the x axis steps) is drawn once per plot area, a
pane behind a tab takes it when raised, and the date axes lay out their ticks once for all
(docs/ARCHITECTURE.md, "Drawing a board"; the figures are in benchmarks/board.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from pyqtgraph.graphicsItems.DateAxisItem import (
    DAY_SPACING,
    HOUR_SPACING,
    MONTH_SPACING,
    YEAR_SPACING,
    ZoomLevel,
)
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication

from deskapp.signals.board import BoardView
from deskapp.ui import gui_steps
from deskapp.ui.panes import date_axis
from deskapp.ui.panes.base import RIGHT_MARGIN, right_edge
from deskapp.ui.panes.date_axis import DateAxis, UtcZoomLevel
from tests.support.event_count import EventCount

FRONT = ("macro", "leadership", "crypto", "correlation")


class Paints(QObject):
    """Paint events per pane key (its plot area, the graphics viewport)."""

    def __init__(self, panes: dict):
        super().__init__()
        self.count = dict.fromkeys(panes, 0)
        self.rectangles: list[int] = []  # how many rectangles each paint's region held
        self._key = {}
        for key, pane in panes.items():
            self._key[pane.graphics.viewport()] = key
            pane.graphics.viewport().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.count[self._key[obj]] += 1
            self.rectangles.append(event.region().rectCount())
        return False


def a_day_later(view: BoardView, days: float) -> BoardView:
    """The same board `days` later: every curve moved right (new data on every pane)."""
    shift = days * 86400.0
    panes = {key: dataclasses.replace(pane, curves={
        cid: dataclasses.replace(c, x=c.x + shift, y=c.y * 1.01) for cid, c in pane.curves.items()})
        for key, pane in view.panes.items()}
    return dataclasses.replace(view, asof=view.asof + pd.Timedelta(seconds=shift), panes=panes)


def x_range(pane) -> tuple[float, float]:
    lo, hi = pane.plots[0].getViewBox().viewRange()[0]
    return float(lo), float(hi)


@pytest.fixture
def desk_board(make_desk, qtbot):
    desk = make_desk("2026-02-risk-off", at="2026-02-10T21:00Z")
    window = desk.window
    qtbot.waitUntil(lambda: window.view is not None, timeout=60000)
    QApplication.processEvents()
    return window, window.view


def test_a_new_day_paints_each_plot_area_on_screen_once_and_the_same_board_none(desk_board,
                                                                               qtbot):
    window, first = desk_board
    later = a_day_later(first, 0.03 * first.view_days)  # 3 % of the span: the x axis steps
    before = {key: x_range(window.panes[key]) for key in FRONT}
    paints = Paints(window.panes)

    window.apply_board(later)
    qtbot.waitUntil(lambda: all(paints.count[k] for k in FRONT), timeout=60000)
    QApplication.processEvents()
    QApplication.processEvents()
    assert all(x_range(window.panes[k]) != before[k] for k in FRONT)  # the axis stepped
    # Once each: y ranges and threshold labels settled before the paint, not in it (a label
    # turned in the paint had the pane painted twice); the panes behind tabs not at all.
    assert paints.count == {k: (1 if k in FRONT else 0) for k in window.panes}
    # One rectangle a paint: clipped to a region of several, the raster engine drew the
    # correlation pane's grid lines up to 40x slower (benchmarks/board.py).
    assert paints.rectangles == [1] * len(FRONT)

    paints.count = dict.fromkeys(paints.count, 0)
    window.apply_board(later)  # the same board again: nothing changed, nothing painted
    QApplication.processEvents()
    QApplication.processEvents()
    assert paints.count == dict.fromkeys(window.panes, 0)


def test_a_staged_new_day_paints_each_plot_area_once_in_the_turn_that_sets_it(desk_board,
                                                                             qtbot):
    # The desk's own path: one pane set and painted per turn. Painting the whole plot area
    # there, and then the changed part again when the scene's posted update came, was two
    # paints of every pane a board.
    window, first = desk_board
    later = a_day_later(first, 0.03 * first.view_days)
    paints = Paints(window.panes)
    steps: list[set[str]] = []
    stage_step = window._stage_step  # noqa: SLF001 (each call is one turn's step)

    def recorded_step() -> None:
        before = dict(paints.count)
        stage_step()
        steps.append({k for k, n in paints.count.items() if n != before[k]})

    window._stage_step = recorded_step  # noqa: SLF001 (looked up by each turn's timer)
    with qtbot.waitSignal(window.sig_board_drawn, timeout=60000):
        window.apply_board_staged(later)
    QApplication.processEvents()
    QApplication.processEvents()
    assert paints.count == {k: (1 if k in FRONT else 0) for k in window.panes}
    assert all(len(painted) <= 1 for painted in steps)  # one pane a turn
    assert set().union(*steps) == set(FRONT)  # each painted in its own step, none after


def test_a_pane_behind_a_tab_takes_the_new_range_when_raised_not_before(desk_board, qtbot):
    window, first = desk_board
    pane, front, dock = window.panes["volatility"], window.panes["correlation"], \
        window.docks["volatility"]
    assert pane.visibleRegion().isEmpty()  # behind "Correlation" by default
    moves: list[tuple[float, float]] = []
    pane.plots[0].getViewBox().sigXRangeChanged.connect(
        lambda _vb, r: moves.append((float(r[0]), float(r[1]))))
    hidden_range = x_range(pane)

    later = a_day_later(first, 0.03 * first.view_days)
    window.apply_board(later)
    QApplication.processEvents()
    assert x_range(front) != hidden_range  # the panes on screen moved on
    assert moves == [] and x_range(pane) == hidden_range  # the tabbed one did not

    dock.raise_()
    qtbot.waitUntil(lambda: not pane.visibleRegion().isEmpty(), timeout=60000)
    qtbot.waitUntil(lambda: x_range(pane) == x_range(front), timeout=60000)
    assert moves[-1] == pytest.approx(x_range(front))  # the latest board's range
    expected = later.panes["volatility"].curves["btc_rv"]
    keep = np.isfinite(expected.y)
    x, y = pane.curve_data("btc_rv")
    np.testing.assert_array_equal(x, expected.x[keep])
    np.testing.assert_allclose(y, expected.y[keep])


def test_a_pane_raised_after_a_zoom_keeps_the_zoom(desk_board, qtbot):
    window, first = desk_board
    pane, front = window.panes["volatility"], window.panes["correlation"]
    window.apply_board(a_day_later(first, 0.03 * first.view_days))
    QApplication.processEvents()
    lo, hi = x_range(front)
    front.plots[0].getViewBox().setXRange(lo + (hi - lo) / 2, hi, padding=0)
    window.panes["macro"].group.on_manual_range()  # what a wheel zoom says: follow off
    zoomed = x_range(front)
    window.docks["volatility"].raise_()
    qtbot.waitUntil(lambda: not pane.visibleRegion().isEmpty(), timeout=60000)
    QApplication.processEvents()
    assert x_range(pane) == pytest.approx(zoomed)


def stepping_but_in_view(first: BoardView) -> BoardView:
    """A later board whose time is still inside the window shown, past the point where the
    following window steps on (right_edge: the edge moves when the room left is under a step)."""
    span = first.view_days * 86400.0
    step = span * RIGHT_MARGIN / 2.0
    asof = first.asof.value / 1e9
    shown_hi = right_edge(asof, span)
    return a_day_later(first, (shown_hi - step / 2.0 - asof) / 86400.0)


def following_range(view: BoardView) -> tuple[float, float]:
    span = view.view_days * 86400.0
    hi = right_edge(view.asof.value / 1e9, span)
    return hi - span * (1.0 + RIGHT_MARGIN), hi


def test_the_windows_step_waits_for_idle_turns_after_the_new_data_one_pane_a_turn(
        desk_board, qtbot):
    window, first = desk_board
    later = stepping_but_in_view(first)
    before = {key: x_range(window.panes[key]) for key in FRONT}
    assert following_range(later) != following_range(first)  # the window does step
    paints = Paints(window.panes)
    step_turns: list[set[str]] = []
    for key in FRONT:
        pane = window.panes[key]

        def recorded(pane=pane) -> None:
            counts = dict(paints.count)
            type(pane)._take_step(pane)
            step_turns.append({k for k, n in paints.count.items() if n != counts[k]})

        pane._take_step = recorded  # noqa: SLF001 (queued by the pane's apply)

    with qtbot.waitSignal(window.sig_board_drawn, timeout=60000):
        window.apply_board_staged(later)
    # The board is on screen (each pane painted once, its new data) in the window it had.
    assert paints.count == {k: (1 if k in FRONT else 0) for k in window.panes}
    assert {key: x_range(window.panes[key]) for key in FRONT} == before
    assert step_turns == []

    qtbot.waitUntil(lambda: gui_steps.pending() == 0, timeout=60000)
    QApplication.processEvents()
    # Then each pane on screen stepped on in a turn of its own, painted there, none after.
    assert sorted(map(sorted, step_turns)) == [[k] for k in sorted(FRONT)]
    assert paints.count == {k: (2 if k in FRONT else 0) for k in window.panes}
    for key in FRONT:  # where setting the range at once put it
        assert x_range(window.panes[key]) == pytest.approx(following_range(later), abs=1e-3)


def test_a_zoom_before_the_idle_step_keeps_the_traders_range(desk_board, qtbot):
    window, first = desk_board
    window.apply_board(stepping_but_in_view(first))
    QCoreApplication.sendPostedEvents()  # painted; the steps still queued
    front = window.panes["macro"]
    lo, hi = x_range(front)
    front.plots[0].getViewBox().setXRange(lo + (hi - lo) / 2, hi, padding=0)
    front.group.on_manual_range()  # what a wheel zoom says: follow off
    zoomed = x_range(front)
    qtbot.waitUntil(lambda: gui_steps.pending() == 0, timeout=60000)
    QApplication.processEvents()
    for key in FRONT:
        assert x_range(window.panes[key]) == pytest.approx(zoomed)


def test_a_jump_back_in_time_puts_every_pane_at_the_earlier_board_at_once(desk_board):
    """The panes take a board one by one; the first must not follow the others' later edge."""
    from deskapp.ui.panes.base import RIGHT_MARGIN, right_edge

    window, first = desk_board
    window.apply_board(a_day_later(first, 0.05 * first.view_days))
    QApplication.processEvents()
    window.apply_board(first)  # back (a replay jump, a day opened from the Track record)
    span = first.view_days * 86400.0
    hi = right_edge(first.asof.value / 1e9, span)
    for key in FRONT:
        assert x_range(window.panes[key]) == pytest.approx((hi - span * (1 + RIGHT_MARGIN), hi))


def test_the_status_bars_new_time_relays_no_layout(desk_board, qtbot):
    window, first = desk_board
    later = a_day_later(first, 1.0)
    requests = EventCount(QEvent.Type.LayoutRequest, window.statusBar())
    shown = window.clock_label.geometry()
    window.apply_board(later)
    qtbot.waitUntil(lambda: f"{later.asof:%Y-%m-%d %H:%M} UTC" in window.clock_label.text(),
                    timeout=60000)
    QApplication.processEvents()
    QApplication.processEvents()
    assert requests.count == 0  # (a QLabel's setText had the status bar and window relaid)
    assert window.clock_label.geometry() == shown and window.clock_label.isVisible()


# ---------------------------------------------------------------------- date axis
@pytest.mark.parametrize(("spacing", "skip"), [(YEAR_SPACING, 1), (MONTH_SPACING, 1),
                                               (DAY_SPACING, 1), (DAY_SPACING, 5),
                                               (HOUR_SPACING, 6), (HOUR_SPACING, 1)])
def test_utc_ticks_are_pyqtgraphs_without_the_local_time_moves(spacing, skip):
    ticks = pd.date_range("2025-10-26", periods=40, freq="D", tz="UTC").asi8 / 1e9
    ours, theirs = UtcZoomLevel([], "MMM"), ZoomLevel([], "MMM")
    ours.utcOffset = theirs.utcOffset = 0
    np.testing.assert_array_equal(ours.moveTicksToLocalTimeCoords(ticks.copy(), spacing, skip),
                                  theirs.moveTicksToLocalTimeCoords(ticks.copy(), spacing, skip))


def test_date_axes_with_the_same_range_and_size_lay_their_ticks_out_once(qtbot, monkeypatch):
    date_axis._pictures.clear()  # noqa: SLF001
    drawn: list[DateAxis] = []
    draw = DateAxis._draw_picture  # noqa: SLF001
    monkeypatch.setattr(DateAxis, "_draw_picture", lambda self: (drawn.append(self), draw(self)))
    plots = []
    for _ in range(3):
        w = pg.PlotWidget(axisItems={"bottom": DateAxis(orientation="bottom", utcOffset=0)})
        qtbot.addWidget(w)
        w.resize(700, 200)
        w.show()
        qtbot.waitExposed(w, timeout=60000)
        plots.append(w)
    for w in plots:
        w.grab()
    axes = [w.getPlotItem().getAxis("bottom") for w in plots]
    lo, hi = (pd.Timestamp(d, tz="UTC").timestamp() for d in ("2023-02-01", "2026-02-12"))
    drawn.clear()
    images = []
    for w in plots:
        w.setXRange(lo, hi, padding=0)
        images.append(w.grab().toImage())
    assert drawn and all(a is axes[0] for a in drawn)  # the others played its picture
    assert images[1] == images[0] and images[2] == images[0]  # the same pixels
    date_axis._pictures.clear()  # noqa: SLF001
    axes[2].picture = None  # drawn again, on its own: the same pixels
    assert plots[2].grab().toImage() == images[0]
    assert drawn[-1] is axes[2]


# ---------------------------------------------------------------------- grid
@pytest.mark.parametrize(("x_range", "y_range"), [
    (("2023-02-01", "2026-02-12"), (94.0, 101.0)),
    (("2026-01-20", "2026-02-12"), (-1.0, 1.0)),
    (("2025-10-01", "2026-02-12"), (-400.0, 450.0)),
    (("2024-06-30", "2026-02-12"), (0.0, 0.36)),
])
def test_the_grid_draws_pyqtgraphs_lines(qtbot, x_range, y_range):
    """The same pixels as pyqtgraph's GridItem (with the desk's two levels, no labels)."""
    from deskapp.ui.panes.grid import Grid

    images = []
    for cls in (pg.GridItem, Grid):
        w = pg.PlotWidget()
        qtbot.addWidget(w)
        w.resize(640, 240)
        grid = cls(pen=pg.mkPen("#5a6270"), textPen=None)
        grid.setTickSpacing(x=[None, None], y=[None, None])
        w.addItem(grid)
        w.show()
        qtbot.waitExposed(w, timeout=60000)
        lo, hi = (pd.Timestamp(d, tz="UTC").timestamp() for d in x_range)
        w.setRange(xRange=(lo, hi), yRange=y_range, padding=0)
        images.append(w.grab().toImage())
        assert grid.picture is not None  # drawn
    assert images[1] == images[0]
