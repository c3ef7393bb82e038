"""Drawing a board redraws only what changed: curves whose data is the same are not set again,
the right edge moves in steps, the y range is kept while the data fits it, and a header's new
text does not relay the window unless it needs another height (docs/ARCHITECTURE.md,
"Drawing a board"; the figures are in benchmarks/board.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QVBoxLayout, QWidget

from deskapp.signals.board import Curve, PaneView
from deskapp.ui.panes.base import RIGHT_MARGIN, right_edge
from deskapp.ui.panes.macro import MacroPane
from deskapp.ui.panes.steady_range import nice_step, steady_range
from deskapp.ui.rich_header import RichHeader
from tests.support.event_count import EventCount

DAY, HOUR = 86400.0, 3600.0
T0 = pd.Timestamp("2026-02-10T21:00Z").value / 1e9


# ---------------------------------------------------------------------- y range (hand-worked)
@pytest.mark.parametrize(("raw", "step"), [(1.8, 2.0), (2.52, 5.0), (0.36, 0.5), (7.0, 10.0),
                                           (1.0, 1.0), (2.5, 2.5), (0.018, 0.02)])
def test_nice_step_is_the_smallest_1_2_2_5_5_step_at_least_the_raw_one(raw, step):
    assert nice_step(raw) == pytest.approx(step)


def test_steady_range_fits_pads_and_rounds_out_to_a_step():
    # height 10, pad 0.4: (10.8 / 6 = 1.8 -> step 2); 99.6 -> 98, 110.4 -> 112
    assert steady_range((100.0, 110.0), (0.0, 1.0)) == pytest.approx((98.0, 112.0))


def test_steady_range_keeps_a_range_the_data_still_fills():
    # 99..109 inside 98..112 and 10 >= 0.6 * 14: kept
    assert steady_range((99.0, 109.0), (98.0, 112.0)) is None
    assert steady_range((98.0, 112.0), (98.0, 112.0)) is None


def test_steady_range_refits_when_the_data_leaves_or_shrinks_inside_it():
    # out at the top: height 14, pad 0.56, 15.12 / 6 = 2.52 -> step 5; 98.44 -> 95, 113.56 -> 115
    assert steady_range((99.0, 113.0), (98.0, 112.0)) == pytest.approx((95.0, 115.0))
    # 2 of 14 filled: height 2, pad 0.08, 2.16 / 6 = 0.36 -> 0.5; 103.92 -> 103.5, 106.08 -> 106.5
    assert steady_range((104.0, 106.0), (98.0, 112.0)) == pytest.approx((103.5, 106.5))


def test_steady_range_of_one_value_is_a_band_around_it_and_nothing_is_not_a_range():
    # 5 flat: a 2 % band (4.95..5.05), pad 0.004, 0.108 / 6 = 0.018 -> 0.02: 4.94..5.06
    assert steady_range((5.0, 5.0), (0.0, 1.0)) == pytest.approx((4.94, 5.06))
    assert steady_range(None, (0.0, 1.0)) is None
    assert steady_range((math.nan, 1.0), (0.0, 1.0)) is None


# ---------------------------------------------------------------------- right edge
def test_the_right_edge_moves_in_steps_of_one_percent_of_the_span():
    span = 10 * DAY
    step = span * RIGHT_MARGIN / 2  # 2.4 hours
    edges = [right_edge(T0 + i * HOUR, span) for i in range(12)]
    for i, edge in enumerate(edges):
        newest = T0 + i * HOUR
        assert newest + step <= edge < newest + 2 * step
        assert edge / step == pytest.approx(round(edge / step))
    assert len(set(edges)) == 6  # 11 hours of new bars, 2.4 h a step: 5 moves, not 11


# ---------------------------------------------------------------------- what is set again
def curve(x: np.ndarray, y: np.ndarray) -> Curve:
    return Curve("c", x, y, "test", max_gap_s=None)


def macro_view(n_daily: int, n_dxy: int, revise: float | None = None) -> PaneView:
    days = T0 - DAY * np.arange(n_daily)[::-1]
    y10 = 4.0 + 0.01 * np.arange(n_daily)
    if revise is not None:
        y10 = y10.copy()
        y10[3] = revise
    dxy_x = T0 - HOUR * np.arange(n_dxy)[::-1]
    return PaneView(curves={
        "us10y": curve(days, y10),
        "bill3m": curve(days, np.full(n_daily, 3.7)),
        "dxy": curve(dxy_x, 97.0 + 0.001 * np.arange(n_dxy)),
    })


def test_a_new_board_sets_only_the_curves_that_changed(qtbot, monkeypatch):
    pane = MacroPane()
    qtbot.addWidget(pane)
    calls: list[str] = []
    for row in pane._rows:  # noqa: SLF001
        for cid, item in row.items.items():
            original = item.setData
            monkeypatch.setattr(item, "setData",
                                lambda *a, _cid=cid, _f=original, **k: (calls.append(_cid),
                                                                        _f(*a, **k))[1])
    assert pane.apply(macro_view(200, 100), T0, 365) is True
    assert sorted(calls) == ["bill3m", "dxy", "us10y"]

    calls.clear()  # the same data again (new arrays): nothing is set, nothing to paint
    assert pane.apply(macro_view(200, 100), T0, 365) is False
    assert calls == []

    calls.clear()  # one more DXY bar: only DXY
    pane.apply(macro_view(200, 101), T0, 365)
    assert calls == ["dxy"]

    calls.clear()  # a revised old 10y value (same length, same last point) is drawn
    pane.apply(macro_view(200, 101, revise=9.99), T0, 365)
    assert calls == ["us10y"]
    assert pane.curve_data("us10y")[1][3] == pytest.approx(9.99)

    calls.clear()  # a curve that goes missing is emptied
    view = macro_view(200, 101, revise=9.99)
    del view.curves["bill3m"]
    pane.apply(view, T0, 365)
    assert calls == ["bill3m"]
    assert len(pane.curve_data("bill3m")[0]) == 0


def test_the_y_axis_stays_put_while_new_bars_fit_and_moves_when_they_do_not(qtbot):
    pane = MacroPane()
    qtbot.addWidget(pane)
    pane.resize(800, 500)
    pane.show()
    vb = pane.plots[1].getViewBox()  # DXY

    def y_range() -> tuple[float, float]:
        pane.graphics.scene().prepareForPaint()  # what a paint does first (auto-range)
        lo, hi = vb.viewRange()[1]
        return float(lo), float(hi)

    pane.apply(macro_view(200, 100), T0, 365)
    first = y_range()
    assert first[0] <= 97.0 and first[1] >= 97.099
    pane.apply(macro_view(200, 101), T0, 365)  # 97.1: still inside
    assert y_range() == first
    view = macro_view(200, 101)
    view.curves["dxy"] = curve(view.curves["dxy"].x, view.curves["dxy"].y * 1.05)  # ~102
    pane.apply(view, T0, 365)
    lo, hi = y_range()
    assert (lo, hi) != first and hi >= 97.0 * 1.05 + 0.1 * 1.05


# ---------------------------------------------------------------------- header
def header_in_a_box(qtbot) -> tuple[QWidget, RichHeader]:
    """A RichHeader at the top of a 300 x 200 box, shown."""
    box = QWidget()
    qtbot.addWidget(box)
    layout = QVBoxLayout(box)
    header = RichHeader(box, "#ffffff")
    layout.addWidget(header)
    layout.addStretch(1)
    box.resize(300, 200)
    box.show()
    return box, header


def test_a_header_asks_for_a_new_layout_only_when_it_needs_another_height(qtbot):
    box, header = header_in_a_box(qtbot)
    header.setText("<b>BTC</b> 68,000 · data 1.0 h old")
    qtbot.waitUntil(lambda: header.height() >= header.heightForWidth(header.width()), timeout=60000)
    one_line = header.height()
    requests = EventCount(QEvent.Type.LayoutRequest, box)

    header.setText("<b>BTC</b> 68,100 · data 2.0 h old")  # same height
    qtbot.wait(0)
    assert requests.count == 0
    assert header.text() == "<b>BTC</b> 68,100 · data 2.0 h old"
    assert "68,100" in header.plain_text() and "68,100" in header.accessibleName()

    header.setText("a much longer line of readouts that cannot fit in three hundred pixels " * 3)
    qtbot.waitUntil(lambda: requests.count > 0, timeout=60000)
    qtbot.waitUntil(lambda: header.height() > 2 * one_line, timeout=60000)
    assert header.heightForWidth(1200) < header.heightForWidth(300)


def test_a_header_keeps_a_line_it_no_longer_needs_for_a_while(qtbot, monkeypatch):
    # BTC's day-so-far note comes at 12:00 UTC and goes at midnight: a fast replay had the
    # Crypto structure pane's plots jump a line up and down twice a second.
    from deskapp.ui import rich_header

    clock = [1000.0]
    monkeypatch.setattr(rich_header, "_now", lambda: clock[0])
    box, header = header_in_a_box(qtbot)
    short, long = "<b>BTC</b> 68,000", "a line of readouts that cannot fit in 300 pixels " * 3
    header.setText(short)
    qtbot.waitUntil(lambda: header.height() >= header.heightForWidth(header.width()), timeout=60000)
    one_line = header.height()
    header.setText(long)
    qtbot.waitUntil(lambda: header.height() > 2 * one_line, timeout=60000)
    tall = header.height()
    requests = EventCount(QEvent.Type.LayoutRequest, box)

    clock[0] += rich_header.HOLD_S - 1
    header.setText(short)  # the long text was needed HOLD_S - 1 s ago: the line is kept
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()
    assert requests.count == 0
    assert header.height() == tall and header.heightForWidth(header.width()) == tall
    assert header.plain_text() == "BTC 68,000"

    clock[0] += 2  # HOLD_S + 1 s after the long text was last needed
    header.setText(short + " ")
    qtbot.waitUntil(lambda: header.height() == one_line, timeout=60000)
    assert requests.count > 0

    header.setText(long)  # needed again: at once
    qtbot.waitUntil(lambda: header.height() == tall, timeout=60000)


class PaintedHeights(QObject):
    """The height of each paint a widget gets."""

    def __init__(self):
        super().__init__()
        self.heights: list[int] = []

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.heights.append(obj.height())
        return False


def test_a_header_that_wraps_onto_more_lines_is_laid_out_before_the_plots_paint(qtbot):
    # Else the plots paint at their old height now and again at the new one in a later turn.
    pane = MacroPane()
    qtbot.addWidget(pane)
    pane.resize(500, 600)
    pane.show()
    qtbot.waitExposed(pane)
    pane.header.setText("10y 4.10 %")
    QCoreApplication.sendPostedEvents()  # laid out with the one-line header
    QCoreApplication.processEvents()
    tall_before = pane.graphics.height()
    paints = PaintedHeights()
    pane.graphics.viewport().installEventFilter(paints)

    pane.header.setText("a long line of readouts that wraps onto several lines here " * 3)
    pane.paint_now()  # the board's paint, in this turn
    assert pane.graphics.height() < tall_before  # the header's new room was taken first
    assert pane.graphics.height() + pane.header.height() <= pane.height()
    assert paints.heights == [pane.graphics.viewport().height()]
    QCoreApplication.sendPostedEvents()  # the layout requests Qt would run in later turns
    QCoreApplication.processEvents()
    assert set(paints.heights) == {pane.graphics.viewport().height()}  # nothing moved after


# ---------------------------------------------------------------------- tabbed-away panes
def test_a_pane_behind_another_tab_draws_its_curves_when_its_tab_is_raised(make_desk, qtbot):
    desk = make_desk("2026-02-risk-off", at="2026-02-10T21:00Z")
    window = desk.window
    qtbot.waitUntil(lambda: window.view is not None, timeout=60000)
    pane, dock = window.panes["volatility"], window.docks["volatility"]
    assert pane.visibleRegion().isEmpty()  # a tab behind "Correlation" by default
    expected = window.view.panes["volatility"].curves["btc_rv"]
    assert pane._deferred is window.view.panes["volatility"]  # noqa: SLF001 (not drawn yet)
    assert "BTC" in pane.header.text()  # the header text is kept (laid out when shown)

    dock.raise_()
    qtbot.waitUntil(lambda: not pane.visibleRegion().isEmpty(), timeout=60000)
    qtbot.waitUntil(lambda: pane._deferred is None, timeout=60000)  # noqa: SLF001
    x, y = pane.curve_data("btc_rv")
    keep = np.isfinite(expected.y)
    np.testing.assert_array_equal(x, expected.x[keep])
    np.testing.assert_allclose(y, expected.y[keep])
    assert "BTC" in pane.header.plain_text()


# ---------------------------------------------------------------------- value axis
def test_large_axis_values_are_written_in_thousands_and_small_ones_as_they_are():
    from deskapp.ui.panes.value_axis import compact_ticks

    assert compact_ticks([60000.0, 80000.0, 100000.0], 20000.0) == ["60k", "80k", "100k"]
    assert compact_ticks([97500.0, 100000.0], 2500.0) == ["97.5k", "100.0k"]
    assert compact_ticks([10000.0, 10250.0], 250.0) == ["10.00k", "10.25k"]
    assert compact_ticks([2600.0, 2700.0], 100.0) is None  # the Russell 2000: as it is
    assert compact_ticks([], 1.0) is None


def test_a_small_ratio_axis_shows_its_values_not_an_si_scale_even_after_a_theme_change(qtbot):
    from deskapp.ui.panes.smallcaps import SmallCapsPane

    pane = SmallCapsPane()
    qtbot.addWidget(pane)
    plot = pane.plots[2]  # IWM/SPY, a ratio near 0.36
    pane.restyle()  # re-sets the axis label (pyqtgraph's setLabel resets SI settings)
    plot.setYRange(0.35, 0.37, padding=0)
    axis = plot.getAxis("left")
    assert axis.autoSIPrefixScale == 1.0
    assert "x0.001" not in axis.labelString()
    assert axis.tickStrings([0.35, 0.36], axis.autoSIPrefixScale, 0.01) == ["0.35", "0.36"]


def test_a_new_x_range_sets_no_axis_label_again(qtbot):
    """The axes with no label shown (the dates, the hidden top and right ones) never scale by
    an SI prefix: pyqtgraph set their label's HTML again (a text document parsed, laid out
    and resized) on every new range, ~3 per row on each x step."""
    pane = MacroPane()
    qtbot.addWidget(pane)
    calls: list[str] = []
    for plot in pane.plots:
        for side in ("top", "bottom", "right"):
            label = plot.getAxis(side).label
            label.setHtml = lambda html, side=side: calls.append(side)
    plot = pane.plots[0]
    plot.setXRange(T0 - 30 * DAY, T0, padding=0)
    plot.setXRange(T0 - 20 * DAY, T0 + DAY, padding=0)
    plot.setYRange(3.0, 5.0, padding=0)
    assert plot.getAxis("bottom").range == pytest.approx([T0 - 20 * DAY, T0 + DAY])  # followed
    assert calls == []
