"""A time pane: stacked pyqtgraph plots on one UTC date axis, drawn from a `PaneView`.

Subclasses only declare their rows and curves (vnpy's declarative-monitor habit); this base
creates every plot item once and afterwards only calls `setData` (never clear-and-replot).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent, QTextDocument
from PySide6.QtWidgets import (
    QButtonGroup,
    QDockWidget,
    QGraphicsView,
    QHBoxLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.signals.board import Curve, PaneView, data_age
from deskapp.signals.snapshot import Snapshot
from deskapp.ui import gui_steps, theme
from deskapp.ui.keys import KeepSpace
from deskapp.ui.panes.append_curve import CurveItem
from deskapp.ui.panes.date_axis import DateAxis
from deskapp.ui.panes.grid import Grid
from deskapp.ui.panes.lean_plot import LeanPlotItem
from deskapp.ui.panes.notice import RowNotice
from deskapp.ui.panes.raised import DrawnWhenRaised
from deskapp.ui.panes.steady_range import SteadyViewBox
from deskapp.ui.panes.value_axis import ValueAxis
from deskapp.ui.rich_header import RichHeader

# A pane's timeframe (its header's "1h 4h 1d" buttons): the visible window ends at the newest
# data and spans TIMEFRAME_DAYS (1d = the group's span, by default the board's view_days), and
# curves that belong to another timeframe only (CurveSpec.timeframes) are hidden.
TIMEFRAMES = ("1h", "4h", "1d")
DEFAULT_TIMEFRAME = "1d"
TIMEFRAME_DAYS = {"1h": 10, "4h": 40}
TREND_MARKS = {1: ("▲", "up"), -1: ("▼", "down"), 0: ("■", "flat")}


@dataclass(frozen=True)
class CurveSpec:
    cid: str  # the curve id in PaneView.curves
    label: str
    colour: str
    width: float = 1.0
    dash: bool = False
    fill: bool = False  # fill down to zero (bars-like series)
    symbol: str | None = None  # markers only, no line (events): a pyqtgraph symbol, e.g. "o"
    hollow: bool = False  # markers drawn as outlines
    timeframes: tuple[str, ...] = ()  # shown only on these pane timeframes (empty = on all)


@dataclass(frozen=True)
class RowSpec:
    title: str
    unit: str
    curves: tuple[CurveSpec, ...]
    stretch: int = 1
    y_range: tuple[float, float] | None = None
    zero_line: bool = False
    legend_offset: tuple[int, int] = (4, 2)  # negative = from the right / bottom edge


@dataclass
class _Row:
    spec: RowSpec
    plot: pg.PlotItem
    items: dict[str, pg.PlotDataItem] = field(default_factory=dict)
    notice: RowNotice | None = None
    vline: pg.InfiniteLine | None = None  # the crosshair
    drawn: dict[str, Curve | None] = field(default_factory=dict)  # cid -> the Curve last set
    has_data: bool | None = None  # whether any curve of the row was drawn (None: no board yet)


class TimeGroup(QObject):
    """The time panes of one window: x-axes linked, one "follow live" switch, one span.

    Following, every new board puts the newest data at the right edge and keeps the visible
    span (`span_s`; None = the board's view_days). A manual zoom or pan (mouse wheel, drag)
    turns following off; `set_follow(True)` brings the latest data back with the current span.

    The x-axes are kept equal by copying the range (not `ViewBox.setXLink`, which lines views
    up by their screen position: a narrower pane under a wider one would then miss the newest
    data). Rows inside a pane are linked with setXLink: they share one width.
    """

    sig_follow = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.panes: list[TimePane] = []
        self.follow = True
        self.span_s: float | None = None
        self.ranged = False  # an x range was set (by a board or a restored layout)
        self._syncing = False

    def add(self, pane: TimePane) -> None:
        if pane.group is not None and pane.group is not self and pane in pane.group.panes:
            pane.group.panes.remove(pane)
        pane.group = self
        if pane not in self.panes:
            self.panes.append(pane)
            if self.ranged and len(self.panes) > 1:
                x_range = (self.x_range() if pane.timeframe == DEFAULT_TIMEFRAME
                           else self.latest_range(pane))
                if x_range is not None:
                    pane.plots[0].setXRange(*x_range, padding=0)

    def x_range(self) -> tuple[float, float]:
        """The group's range: a pane's on the default timeframe first, one whose range is
        current (not behind a tab with its range still due) before the others."""
        for pane in sorted(self.panes, key=lambda p: (p.timeframe != DEFAULT_TIMEFRAME,
                                                      p._follow_due)):  # noqa: SLF001
            if pane.plots:
                lo, hi = pane.plots[0].getViewBox().viewRange()[0]
                return float(lo), float(hi)
        return 0.0, 1.0

    def on_x_changed(self, source: TimePane, lo: float, hi: float) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for pane in self.panes:  # a pane on another timeframe keeps its own window
                if pane is not source and pane.plots and pane.timeframe == source.timeframe:
                    pane.plots[0].setXRange(lo, hi, padding=0)
        finally:
            self._syncing = False

    def on_manual_range(self) -> None:
        self.set_follow(False)

    def set_follow(self, on: bool) -> None:
        if on == self.follow:
            return
        self.follow = on
        if on:
            if self.ranged:  # keep the trader's zoom: same width, newest data at the right
                lo, hi = self.x_range()
                self.span_s = (hi - lo) / (1.0 + RIGHT_MARGIN)
            self.follow_latest()
        self.sig_follow.emit(on)

    def latest_range(self, pane: TimePane | None = None) -> tuple[float, float] | None:
        """The newest data of the panes' last boards at the right edge, at the span: one edge
        for the whole group, so panes never pull the shared axis back and forth. A `pane` on
        1h or 4h gets its timeframe's window (TIMEFRAME_DAYS) instead of the span."""
        # The panes given the same board as `pane` (a board reaches the panes one by one: the
        # others still hold the previous one, a later one unless the replay jumped back).
        asof = pane._asof_s if pane is not None else None  # noqa: SLF001
        rights = [p._right for p in self.panes if p._right is not None  # noqa: SLF001
                  and (asof is None or p._asof_s == asof)]  # noqa: SLF001
        if not rights:
            return None
        days = max(p._view_days for p in self.panes)  # noqa: SLF001
        tf_days = TIMEFRAME_DAYS.get(pane.timeframe) if pane is not None else None
        span = tf_days * 86400.0 if tf_days else self.span_s or days * 86400.0
        hi = right_edge(max(rights), span)
        return hi - span * (1.0 + RIGHT_MARGIN), hi

    def set_range(self, panes: list[TimePane], x_range: tuple[float, float]) -> None:
        """Set `panes` (not the others: a staged board sets each pane in its own turn)."""
        self.ranged = True
        self._syncing = True
        try:
            for pane in panes:
                shown = pane.plots[0].getViewBox().viewRange()[0] if pane.plots else None
                if shown is not None and not same_range(shown, x_range):
                    pane.plots[0].setXRange(*x_range, padding=0)
        finally:
            self._syncing = False

    def follow_latest(self) -> None:
        for pane in self.panes:
            x_range = self.latest_range(pane)
            if x_range is not None:
                self.set_range([pane], x_range)

    def on_timeframe(self, pane: TimePane) -> bool:
        """`pane` switched timeframe: its window ends at the newest data (1h, 4h), or it takes
        the range of the other panes on 1d again (the default span when following)."""
        x_range = self.latest_range(pane)
        if pane.timeframe == DEFAULT_TIMEFRAME and self.ranged and not self.follow:
            peers = [p for p in self.panes if p is not pane and p.plots
                     and p.timeframe == DEFAULT_TIMEFRAME]
            if peers:
                lo, hi = peers[0].plots[0].getViewBox().viewRange()[0]
                x_range = (float(lo), float(hi))
        if x_range is None:
            return False  # no board yet: the pane's first board sets it
        self.set_range([pane], x_range)
        return True

    def reset(self) -> None:
        """Default span, following."""
        self.span_s = None
        self.follow = True
        self.follow_latest()
        self.sig_follow.emit(True)

    def state(self) -> dict:
        """What a saved layout keeps: follow, span, and the x range when not following."""
        return {"follow": self.follow, "span_s": self.span_s,
                "x_range": list(self.x_range()) if self.ranged and not self.follow else None,
                "timeframes": {p.pane_key: p.timeframe for p in self.panes
                               if p.timeframe != DEFAULT_TIMEFRAME}}

    def restore(self, state: dict) -> None:
        span = state.get("span_s")
        self.span_s = float(span) if isinstance(span, int | float) and span > 0 else None
        self.follow = bool(state.get("follow", True))
        timeframes = state.get("timeframes")
        timeframes = timeframes if isinstance(timeframes, dict) else {}
        for pane in self.panes:
            chosen = timeframes.get(pane.pane_key, DEFAULT_TIMEFRAME)
            pane.set_timeframe(chosen if chosen in TIMEFRAMES else DEFAULT_TIMEFRAME)
        x_range = state.get("x_range")
        daily = [p for p in self.panes if p.plots and p.timeframe == DEFAULT_TIMEFRAME]
        if not self.follow and isinstance(x_range, list) and len(x_range) == 2 and daily:
            lo, hi = (float(v) for v in x_range)
            if hi > lo:
                self.ranged = True
                daily[0].plots[0].setXRange(lo, hi, padding=0)
        if self.follow:
            self.follow_latest()
        self.sig_follow.emit(self.follow)


def same_range(a: Sequence[float], b: Sequence[float]) -> bool:
    """Two x ranges equal to within a microsecond of time (set_range leaves such a one)."""
    return abs(a[0] - b[0]) + abs(a[1] - b[1]) <= 1e-6


CURVES_PER_STEP = 1  # a row's curves made per build step (each with its legend entry, ~2-3 ms)
RIGHT_MARGIN = 0.02  # room right of the newest data, as a share of the span (at most)


def right_edge(newest: float, span: float) -> float:
    """The right edge of a following window of `span` seconds whose newest data is at
    `newest`: the first multiple of span * RIGHT_MARGIN / 2 at least that far right of it, so
    the room left of the edge is 1-2 % of the span. The edge moves in those steps, not on every
    bar: between steps a new bar changes only the curves, and the axes, grid and the panes
    whose data did not change are not drawn again (benchmarks/board.py)."""
    step = span * RIGHT_MARGIN / 2.0
    if step <= 0:
        return newest
    return float(np.ceil((newest + step) / step) * step)


class TimePane(DrawnWhenRaised, QWidget):
    """Base of every time-series pane."""

    pane_key = ""
    title = ""
    description = ""  # the tooltip: what is drawn and from which definition
    rows: tuple[RowSpec, ...] = ()
    # (snapshot trend prefix, label): the header shows their 1h 4h 1d trends together
    trend_assets: tuple[tuple[str, str], ...] = ()

    sig_timeframe = Signal(str)

    def __init__(self, parent: QWidget | None = None, staged: bool = False):
        super().__init__(parent)
        self.setObjectName(f"pane_{self.pane_key}")
        self.setToolTip(f"{self.title}: {self.description}\n(docs/SIGNALS.md)")
        self.header = RichHeader(self, theme.FOREGROUND)
        self.header.setObjectName("pane_header")
        # Opaque (the window's colour, as before): its new text every board repaints the header
        # alone, not the dock, the pane and the main window behind it.
        self.header.setAutoFillBackground(True)
        self.timeframe = DEFAULT_TIMEFRAME
        self._timeframe_pending = False  # chosen before any board: its window is still due
        self.trends: dict[str, int | None] = {}  # snapshot trend.* of the last board
        header_row = self._header_row = QWidget(self)
        row_layout = QHBoxLayout(header_row)
        row_layout.setContentsMargins(0, 0, 2, 0)
        row_layout.setSpacing(0)
        row_layout.addWidget(self.header, 1)
        self.timeframe_buttons: dict[str, QToolButton] = {}
        self._timeframe_group = QButtonGroup(self)
        self._timeframe_group.setExclusive(True)
        self._space_to_button = KeepSpace(self)
        for tf in TIMEFRAMES:
            button = QToolButton(header_row)
            button.setText(tf)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setChecked(tf == DEFAULT_TIMEFRAME)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab, then Space
            button.installEventFilter(self._space_to_button)
            button.setObjectName(f"timeframe_{tf}")
            button.setAccessibleName(f"{self.title}: {tf} timeframe")
            days = TIMEFRAME_DAYS.get(tf)
            button.setToolTip(f"{tf} timeframe: the last {days} days" if days else
                              "1d timeframe: the default span, linked with the other panes")
            button.clicked.connect(lambda _checked=False, tf=tf: self.set_timeframe(tf))
            self._timeframe_group.addButton(button)
            self.timeframe_buttons[tf] = button
            row_layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.ci.setSpacing(0)
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        # One rectangle a paint, around everything that changed. pyqtgraph asks for the exact
        # changed region; a new day's region is a few rectangles (the curves, a threshold
        # label, the header's row) and Qt's raster engine draws lines and paths clipped to such
        # a region up to 40x slower than to one rectangle: the correlation pane's grid, ~30
        # lines, took 2-5 ms a board instead of 0.1 (benchmarks/board.py).
        self.graphics.setViewportUpdateMode(
            QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header_row)
        layout.addWidget(self.graphics, 1)
        self._rows: list[_Row] = []
        self.view: PaneView | None = None
        self._deferred: PaneView | None = None  # a board whose curves wait for a show
        self._follow_due = False  # boards came behind a tab: its x range waits for a show
        self._step_due = False  # the x step of a following window, queued for an idle turn
        self._dock: QDockWidget | None = None  # the dock holding the pane (its tab raised)
        self.asof: pd.Timestamp | None = None
        self.feed_errors: dict[str, str] = {}
        self.group: TimeGroup | None = None
        self._right: float | None = None  # newest time of the last board (x of the right edge)
        self._asof_s: float | None = None  # the last board's time
        self._view_days = 0
        # The crosshair's date and values: in the scene, over the rows (a row would clip it).
        self._readout = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(theme.LEGEND_BG),
                                    border=pg.mkPen(theme.GRID))
        self._readout.setZValue(1000)
        self._readout.hide()
        self.graphics.scene().addItem(self._readout)
        self._grids: list[pg.GridItem] = []
        self._mouse_proxy: pg.SignalProxy | None = None
        self.built = False  # every row made and the pane finished (build_step)
        # The next row's plot while it is made (build_step): in the pane once in its scene;
        # and its curves made so far.
        self._row_plot: pg.PlotItem | None = None
        self._row_items: dict[str, pg.PlotDataItem] = {}
        self._made_in_theme = theme.current
        if not staged:
            while self.build_step():
                pass

    def build_step(self) -> bool:
        """Make a part of the next plot row (its plot and axes; then placed in the pane, its
        grid and legend; then its curves, CURVES_PER_STEP at a time; then its notice and
        crosshair), or after the last row finish the pane (x link, time group, the mouse, the
        subclass's `finish_rows`). True while there is more to do. A pane built in one go
        took one event-loop turn of 35-70 ms (4 rows); a row's curves made in one step, 3-10
        ms idle and up to 35 ms under the soak's load; a watch screen calls this once per
        turn (`TimePane(staged=True)`), a pane built for the main window loops."""
        if self.built:
            return False
        i = len(self._rows)
        if i < len(self.rows):
            spec, plot = self.rows[i], self._row_plot
            if plot is None:
                self._row_plot = self._new_plot()
            elif plot.scene() is None:
                self._place_plot(i, spec, plot)
            elif len(self._row_items) < len(spec.curves):
                made = len(self._row_items)
                self._row_items.update(
                    self._make_items(plot, spec.curves[made:made + CURVES_PER_STEP]))
            else:
                items, self._row_plot, self._row_items = self._row_items, None, {}
                self._fill_row(spec, plot, items)
            return True
        first = self._rows[0].plot if self._rows else None
        if first is not None:
            first.getViewBox().sigXRangeChanged.connect(self._on_x_range)
        self._show_timeframe_curves()
        TimeGroup(self).add(self)  # alone until a window puts it in its group
        # Crosshair: at most 60 updates a second however fast the mouse moves.
        self._mouse_proxy = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=60,
                                           slot=lambda args: self.on_mouse_moved(args[0]))
        self.finish_rows()
        self.built = True
        if self._made_in_theme != theme.current:  # the theme was switched while it was made
            self.restyle()
        return False

    @staticmethod
    def _new_plot() -> pg.PlotItem:
        """A row's plot and axes, not yet in the pane (the first part of a row)."""
        return LeanPlotItem(axisItems={"bottom": DateAxis(orientation="bottom", utcOffset=0),
                                       "left": ValueAxis(orientation="left")},
                            viewBox=SteadyViewBox(enableMenu=False))

    def _place_plot(self, i: int, spec: RowSpec, plot: pg.PlotItem) -> None:
        """Row i's plot into the pane, with its grid, axes' style and legend (the second)."""
        self.graphics.ci.addItem(plot, row=i, col=0)  # as GraphicsLayout.addPlot does
        self.graphics.ci.layout.setRowStretchFactor(i, spec.stretch)
        self._setup_plot(plot, spec, is_last=i == len(self.rows) - 1)

    def _fill_row(self, spec: RowSpec, plot: pg.PlotItem,
                  items: dict[str, pg.PlotDataItem]) -> None:
        """The row, its curves `items` made: its notice and crosshair (the last part)."""
        if self._rows:
            plot.setXLink(self._rows[0].plot)
        self._rows.append(
            _Row(spec, plot, items, self._make_notice(plot, spec), self._make_crosshair(plot))
        )
        plot.getViewBox().sigRangeChangedManually.connect(self._on_manual_range)

    def finish_rows(self) -> None:
        """Hook: what a pane adds once all its rows exist (extra items, legend columns)."""

    def release(self) -> None:
        """Let go of what outlives a closed pane: its crosshair's SignalProxy (pyqtgraph keeps
        the proxy and, through its slot, the whole pane alive after Qt deleted the widgets)
        and its time group's list. A watch screen's panes, ~1,300 objects each, piled up at
        every close (benchmarks/soak.py)."""
        if self._mouse_proxy is not None:
            self._mouse_proxy.disconnect()
            self._mouse_proxy = None
        if self.group is not None and self in self.group.panes:
            self.group.panes.remove(self)

    # ------------------------------------------------------------------ setup
    def _setup_plot(self, plot: pg.PlotItem, spec: RowSpec, is_last: bool) -> None:
        # A GridItem in the view, not the axes' grid: the axis-drawn horizontal grid cost ~5 ms
        # per plot per frame here (benchmarks/board.py), the GridItem well under 1 ms.
        grid = Grid(pen=pg.mkPen(theme.GRID), textPen=None)
        # Two levels of lines, not pyqtgraph's three: the finest (~100 lines per axis, drawn
        # almost transparent) was 90% of the grid's cost, 4 ms a row on every range change.
        grid.setTickSpacing(x=[None, None], y=[None, None])
        grid.setZValue(-20)
        plot.addItem(grid, ignoreBounds=True)
        self._grids.append(grid)  # restyle() recolours it
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.hideButtons()  # (its menu: off already, a LeanPlotItem's)
        plot.getAxis("left").setWidth(52)
        for side in ("bottom", "top", "right"):  # no label shown: never scaled (SI prefix)
            # pyqtgraph set each one's label HTML again (parse, lay out, resize) on every new
            # range, the hidden ones too: ~3 per row on each x step of a board.
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.getAxis("left").setLabel(spec.unit)
        if not is_last:  # the rows share x: one date axis, under the last row, is enough
            plot.hideAxis("bottom")
        vb = plot.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        if spec.y_range is not None:
            plot.setYRange(*spec.y_range, padding=0)
        else:
            vb.enableAutoRange(axis="y")
            vb.setAutoVisible(y=True)
        if spec.zero_line:
            plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen(theme.MUTED, width=1)))
        legend = plot.addLegend(offset=spec.legend_offset, labelTextSize="8pt", verSpacing=-6)
        legend.setBrush(pg.mkBrush(theme.LEGEND_BG))
        self.decorate(plot, spec)

    def decorate(self, plot: pg.PlotItem, spec: RowSpec) -> None:
        """Hook for fixed items (zones, reference lines)."""

    @staticmethod
    def _make_notice(plot: pg.PlotItem, spec: RowSpec) -> RowNotice:
        """The row's title, and under it what the row cannot draw (above the plot)."""
        return RowNotice(plot, spec.title)

    @staticmethod
    def _make_crosshair(plot: pg.PlotItem) -> pg.InfiniteLine:
        vline = pg.InfiniteLine(angle=90, movable=False,
                                pen=pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DashLine))
        vline.setZValue(50)
        vline.hide()
        plot.addItem(vline, ignoreBounds=True)
        return vline

    @staticmethod
    def _make_items(plot: pg.PlotItem, curves: Sequence[CurveSpec]) -> dict[str, pg.PlotDataItem]:
        """`curves` of a row, each with its legend entry, in the row's order."""
        items = {}
        for c in curves:
            if c.symbol is not None:  # markers: shape and fill, never colour alone
                items[c.cid] = plot.plot(
                    [], [], pen=None, symbol=c.symbol, symbolSize=9, name=c.label,
                    **_symbol_style(c))
                continue
            style = Qt.PenStyle.DashLine if c.dash else Qt.PenStyle.SolidLine
            pen = pg.mkPen(theme.curve_colour(c.colour), width=c.width, style=style)
            kw = {}
            if c.fill:
                colour = pg.mkColor(theme.curve_colour(c.colour))
                colour.setAlpha(110)
                kw = {"fillLevel": 0.0, "brush": pg.mkBrush(colour)}
            # Drawn by an AppendCurve: a new bar repaints the curve's end, not the row.
            item = CurveItem([], [], pen=pen, name=c.label, **kw)
            plot.addItem(item)
            items[c.cid] = item
        return items

    # ------------------------------------------------------------------ timeframe
    def set_timeframe(self, tf: str) -> None:
        """Show the pane on `tf` (1h, 4h or 1d): its window and its curves (GUI only; the
        curves of every timeframe come with the board)."""
        if tf not in TIMEFRAMES:
            raise ValueError(f"timeframe {tf!r}, not one of {', '.join(TIMEFRAMES)}")
        self.timeframe_buttons[tf].setChecked(True)
        if tf == self.timeframe:
            return
        self.timeframe = tf
        self._show_timeframe_curves()
        self._timeframe_pending = self.group is None or not self.group.on_timeframe(self)
        if self.built and not self._hidden_in_window():
            # The rows' y ranges fit to the new window now: left to the paint, they changed
            # there and had the pane painted a second time, in a turn of its own.
            self._settle_y()
            # The new window is painted in the next turn, not in this one's events: a new
            # range, legend and curves then a paint in one turn were 50-68 ms under the
            # soak's load (~9 ms the Crypto-structure pane's paint alone, idle).
            self.graphics.setUpdatesEnabled(False)
            gui_steps.later(self, self._paint_held)
        self.sig_timeframe.emit(tf)

    def _paint_held(self) -> None:
        """Let the plots' repaints through (a timeframe click held them) and paint now."""
        if self.graphics.updatesEnabled():
            return  # (a second click's step: the first painted it)
        self.graphics.setUpdatesEnabled(True)
        self.paint_now()
        QCoreApplication.sendPostedEvents(self.window(), QEvent.Type.UpdateRequest)

    def _show_timeframe_curves(self) -> None:
        """Show the curves of the pane's timeframe; the legend lists only those."""
        for row in self._rows:
            curves = row.spec.curves
            shown = [c for c in curves if not c.timeframes or self.timeframe in c.timeframes]
            for c in curves:
                row.items[c.cid].setVisible(c in shown)
            legend = row.plot.legend
            if legend is None or not any(c.timeframes for c in curves):
                continue
            listed = [sample.item for sample, _label in legend.items]
            if listed != [row.items[c.cid] for c in shown]:  # made again only when it changes
                legend.clear()
                for c in shown:
                    legend.addItem(row.items[c.cid], c.label)

    def trend_html(self) -> str:
        """'BTC trend 1h ▲ up 4h ▼ down 1d ? ' for each of `trend_assets`: shape and word."""
        parts = []
        for prefix, label in self.trend_assets:
            bits = []
            for tf in TIMEFRAMES:
                value = self.trends.get(f"{prefix}_{tf}")
                mark, word = TREND_MARKS.get(value, ("?", ""))
                colour = theme.text({1: "GREEN", -1: "RED"}.get(value, "MUTED"))
                bits.append(f"{tf} <span style='color:{colour}'><b>{mark}</b></span>"
                            + (f" {word}" if word else ""))
            parts.append(f"{html.escape(label)} trend " + " ".join(bits))
        return " &nbsp;·&nbsp; ".join(parts)

    def trend_text(self) -> str:
        """The trend readout as plain text (tests)."""
        text = QTextDocument()
        text.setHtml(self.trend_html())
        return " ".join(text.toPlainText().split())

    # ------------------------------------------------------------------ update
    def apply(self, view: PaneView, asof_s: float, view_days: int,
              snapshot: Snapshot | None = None) -> bool:
        """Draw `view` (GUI thread; setData only); `snapshot` (the board's) gives the trends.
        True when a plot changed (a curve or the x range), i.e. the graphics need a paint.
        A pane still being built (staged) draws nothing: its window feeds it once built."""
        if not self.built:
            return False
        self.view = view
        changed = False
        x_before = self.plots[0].getViewBox().viewRange()[0] if self._rows else None
        if snapshot is not None:
            self.trends = asdict(snapshot.trend)
        self.asof = pd.Timestamp(asof_s, unit="s", tz="UTC")
        hidden = self._hidden_in_window()
        if hidden:
            self._deferred = view  # drawn when the pane is shown (a tab raised, a dock opened)
        else:
            self._deferred = None
            changed = self._draw_curves(view)
        right = asof_s
        newest = [float(c.x[-1]) for c in view.curves.values() if len(c.x)]
        if newest and max(newest) < asof_s - view_days * 86400.0 * 0.5:
            right = max(newest)  # only old data (offline): show it rather than an empty window
        self._right, self._view_days, self._asof_s = right, view_days, asof_s
        if hidden and self.group.follow and self.group.ranged:
            # A new x range moves every curve, grid and axis of the pane (clip, downsample,
            # tick layout): done once when the pane is shown, not on every board behind a tab.
            self._follow_due = True
        elif self.group.follow or not self.group.ranged:
            self._follow_due = False
            self._follow_board()
            self._timeframe_pending = False
        elif self._timeframe_pending:
            self._timeframe_pending = not self.group.on_timeframe(self)
        if not hidden:
            self._settle_y()
        self.header.setText(self.header_html(view))  # relaid out only on a new height
        return changed or (x_before is not None
                           and self.plots[0].getViewBox().viewRange()[0] != x_before)

    def _settle_y(self) -> None:
        """What pyqtgraph does at the start of a paint, done now: fit the rows' y ranges, and
        turn the text items (threshold labels) to the new view. Changed in the paint, these
        have the plots painted a second time (a new x range moves both)."""
        self.graphics.scene().prepareForPaint()

    def _draw_curves(self, view: PaneView) -> bool:
        """setData on the curves that changed, the rows' notices and scales; True if any."""
        changed = False
        for row in self._rows:
            missing = []
            for c in row.spec.curves:
                curve = view.curves.get(c.cid)
                if not _same_curve(row.drawn.get(c.cid), curve):
                    # Only what changed is set (and so repainted): a new hourly bar leaves
                    # the daily curves as they were.
                    item = row.items[c.cid]
                    if curve is None:
                        item.setData([], [])
                    else:
                        item.setData(*_break_at_holes(curve.x, curve.y, curve.max_gap_s))
                    row.drawn[c.cid] = curve
                    changed = True
                if c.cid in view.missing:
                    missing.append(f"{self.curve_label(c)}: {view.missing[c.cid]}")
            notice = "<br>".join(html.escape(m) for m in missing)
            if notice != row.notice.text:
                row.notice.setText(notice)
            drawn = any(c.cid in view.curves for c in row.spec.curves)
            if drawn == row.has_data:
                continue
            row.has_data = drawn
            changed = True
            # An empty row keeps a quiet fixed scale instead of autoscaling on nothing.
            row.plot.getAxis("left").setStyle(showValues=drawn)
            if not drawn and row.spec.y_range is None:
                row.plot.setYRange(0.0, 1.0, padding=0)
            elif drawn and row.spec.y_range is None:
                row.plot.getViewBox().enableAutoRange(axis="y")
        return changed

    def _draw_deferred(self) -> None:
        if self._deferred is not None:
            view, self._deferred = self._deferred, None
            self._draw_curves(view)
        if self._follow_due:
            self._follow_due = False
            if self.group.follow:  # (a zoom since then set every pane's range already)
                self.follow_latest()
                self._timeframe_pending = False

    def _on_raised(self) -> None:  # shown, or its tab raised (panes/raised.py)
        self._draw_deferred()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        # A dock dragged open from zero height shows no visibilityChanged either.
        if ((self._deferred is not None or self._follow_due)
                and not self.visibleRegion().isEmpty()):
            self._draw_deferred()

    def lay_out_hidden(self, size: QSize) -> None:
        """Lay the pane out at `size` while nobody sees it (a pane built behind a tab or in a
        closed dock): Qt would wait for a show, and until then its rows, linked on x, would
        disagree on the x range (pyqtgraph scales a linked range by each view's width)."""
        self.resize(size)
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.graphics.resizeEvent(QResizeEvent(self.graphics.size(), QSize()))

    def paint_now(self) -> None:
        """Paint what changed in the plots in this event-loop turn (a staged board paints one
        pane a turn, not all in one); nothing for a pane nobody sees (a tab behind another
        paints when raised).

        The scene hands its changes to the view in a call it posts to itself; delivered here,
        that call paints the changed areas (Qt sends the view's update request at once). A
        `repaint()` of the whole plot area painted every pane twice a board: once here, then
        the changed areas again when the posted call came in the next turn.

        A header that needs a new height (its text wrapped to more or fewer lines) is laid out
        first: else the plots were painted at their old height here and, once Qt had laid the
        pane out in a later turn, all of them again at the new one (a watch screen's first
        Crypto-structure board: two full paints of ~11 ms each, in two turns)."""
        if not self.visibleRegion().isEmpty():
            self._header_row.layout().activate()  # its new height reaches the pane's layout
            self.layout().activate()  # the plots take the room left (nothing if nothing moved)
            QCoreApplication.sendPostedEvents(self.graphics.scene(), 0)

    def hold_rows(self) -> list[pg.PlotItem]:
        """Make every plot row but the first transparent, i.e. not painted, until
        `show_row`: a pane's first paint a row a turn (~4 ms each) rather than whole (~15-20
        ms, the Crypto-structure pane's). The rows held, top to bottom."""
        held = [row.plot for row in self._rows[1:]]
        for plot in held:
            plot.setOpacity(0.0)
        return held

    def show_row(self, plot: pg.PlotItem) -> None:
        """A row `hold_rows` held, painted now (its area only)."""
        plot.setOpacity(1.0)
        self.paint_now()

    def follow_latest(self) -> None:
        """Put the newest data at the right edge, at the group's span (TimeGroup): this pane
        only; the others take the same range when their turn comes."""
        x_range = self.group.latest_range(self)
        if x_range is not None:
            self.group.set_range([self], x_range)

    def _follow_board(self) -> None:
        """A board's `follow_latest`, except a step that can wait: the window moves on in steps
        (`right_edge`), and on the board where it steps every curve, grid and axis of the pane
        is drawn again (3x a new day's other work, benchmarks/board.py). While the board's time
        is still inside the range shown, the new data goes on screen now and the step follows
        in an idle turn of its own (gui_steps.when_idle): the picture once it has run is the
        same as before. A new span, a first board, the board's time out of the range shown
        (a jump), a step back, or a pane nobody sees: the range is set at once."""
        x_range = self.group.latest_range(self)
        if x_range is None:
            return
        if self._step_can_wait(x_range):
            if not self._step_due:
                self._step_due = True
                gui_steps.when_idle(self, self._take_step)
            return
        self._step_due = False
        self.group.set_range([self], x_range)

    def _step_can_wait(self, x_range: tuple[float, float]) -> bool:
        if (not self.group.ranged or not self.plots or self._right is None
                or self.visibleRegion().isEmpty()):
            return False
        lo, hi = self.plots[0].getViewBox().viewRange()[0]
        span = x_range[1] - x_range[0]
        if same_range((lo, hi), x_range):
            return False  # no step: set_range leaves it as it is
        same_span = abs((hi - lo) - span) <= 1e-9 * span
        # Forward only: a jump back in time (a replay sought back, a day opened) is shown at once.
        return same_span and x_range[1] > hi and lo <= self._right <= hi

    def _take_step(self) -> None:
        """The step `_follow_board` left for an idle turn: set, and painted in this turn."""
        if not self._step_due:
            return  # a later board set the range already
        self._step_due = False
        if not self.group.follow or not self.built:
            return  # a zoom since: the trader's range stays
        if self._hidden_in_window():
            self._follow_due = True  # behind a tab since: taken when raised
            return
        x_before = self.plots[0].getViewBox().viewRange()[0]
        self.follow_latest()
        if self.plots[0].getViewBox().viewRange()[0] != x_before:
            self._settle_y()
            self.paint_now()

    def _on_x_range(self, _vb, x_range) -> None:
        self.group.on_x_changed(self, float(x_range[0]), float(x_range[1]))

    def _on_manual_range(self, _mask) -> None:
        self.group.on_manual_range()

    # ------------------------------------------------------------------ crosshair
    def on_mouse_moved(self, scene_pos: QPointF) -> None:
        """Crosshair at the mouse: a dashed line in every row and, in the pane's tallest row,
        the date and each curve's value at that time (the last bar closed at or before it)."""
        row = next((r for r in self._rows
                    if r.plot.sceneBoundingRect().contains(scene_pos)), None)
        if row is None:
            self.hide_crosshair()
            return
        x = float(row.plot.getViewBox().mapSceneToView(scene_pos).x())
        for r in self._rows:
            r.vline.setPos(x)
            r.vline.show()
        readout = self._readout
        readout.setHtml(self.crosshair_html(x))
        area = self.graphics.sceneRect()
        right_half = scene_pos.x() > area.center().x()
        readout.setAnchor((1, 0) if right_half else (0, 0))
        readout.setPos(scene_pos.x() + (-8 if right_half else 8),
                       self._rows[0].plot.getViewBox().sceneBoundingRect().top() + 2)
        readout.show()

    def hide_crosshair(self) -> None:
        for r in self._rows:
            r.vline.hide()
        self._readout.hide()

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.hide_crosshair()
        super().leaveEvent(event)

    def values_at(self, x: float) -> list[tuple[CurveSpec, str, float | None]]:
        """(curve, unit, value at time x) for every curve: the last point at or before x, None
        in a hole, before the first point or long after the last one."""
        out = []
        for row in self._rows:
            for c in row.spec.curves:
                if c.timeframes and self.timeframe not in c.timeframes:
                    continue  # not drawn on this timeframe
                out.append((c, row.spec.unit, self._value_at(row.items[c.cid], c.cid, x)))
        return out

    def _value_at(self, item: pg.PlotDataItem, cid: str, x: float) -> float | None:
        self._draw_deferred()
        xs, ys = item.getOriginalDataset()
        if xs is None or len(xs) == 0:
            return None
        i = int(np.searchsorted(xs, x, side="right")) - 1
        if i < 0 or not np.isfinite(ys[i]):
            return None
        curve = self.view.curves.get(cid) if self.view is not None else None
        step = float(np.median(np.diff(xs[-50:]))) if len(xs) > 1 else 86400.0
        limit = max(3.0 * step, (curve.max_gap_s or 0.0) if curve is not None else 0.0)
        if x - float(xs[i]) > limit:
            return None
        return float(ys[i])

    def crosshair_html(self, x: float) -> str:
        """The date, then each curve's value, one a line."""
        when = pd.Timestamp(x, unit="s", tz="UTC")
        lines = [f"<b>{when:%Y-%m-%d %H:%M} UTC</b>"]
        for c, unit, value in self.values_at(x):
            shown = "—" if value is None else _value_text(value, unit)
            mark = ("○" if c.hollow else "●") if c.symbol else "┅" if c.dash else "━"
            lines.append(f"<span style='color:{theme.curve_colour(c.colour)}'>{mark}</span> "
                         f"{html.escape(self.curve_label(c))} <b>{html.escape(shown)}</b>")
        return (f"<div style='color:{theme.FOREGROUND}; font-size:8pt'>"
                + "<br>".join(lines) + "</div>")

    def crosshair_text(self) -> str:
        """The crosshair readout as plain text ('' when hidden)."""
        if not self._readout.isVisible():
            return ""
        return self._readout.textItem.toPlainText()

    # ------------------------------------------------------------------ theme
    def restyle(self) -> None:
        """Recolour for the current theme (View ▸ Theme); the header follows on the next draw."""
        self.graphics.setBackground(theme.BACKGROUND)
        self.header.set_colour(theme.FOREGROUND)
        for row, grid in zip(self._rows, self._grids, strict=True):
            plot = row.plot
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen()
                axis.setTextPen()
            plot.getAxis("left").setLabel(row.spec.unit)
            grid.setPen(pg.mkPen(theme.GRID))
            if plot.legend is not None:
                plot.legend.setBrush(pg.mkBrush(theme.LEGEND_BG))
                plot.legend.setLabelTextColor(theme.FOREGROUND)
                for _sample, label in plot.legend.items:  # the colour is used on the next text
                    label.setText(label.text)
            row.notice.setText(row.notice.text, color=theme.AMBER)
            for item in plot.items:  # threshold lines' labels: MUTED unless they say otherwise
                label = getattr(item, "label", None) if isinstance(item, pg.InfiniteLine) else None
                if label is not None:
                    label.setColor(theme.text(getattr(item, "text_colour", "MUTED")))
            row.vline.setPen(pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DashLine))
            for c in row.spec.curves:
                item, colour = row.items[c.cid], theme.curve_colour(c.colour)
                if c.symbol is not None:
                    style = _symbol_style(c)
                    item.setSymbolPen(style["symbolPen"])
                    item.setSymbolBrush(style["symbolBrush"])
                    continue
                dash = Qt.PenStyle.DashLine if c.dash else Qt.PenStyle.SolidLine
                item.setPen(pg.mkPen(colour, width=c.width, style=dash))
                if c.fill:
                    fill = pg.mkColor(colour)
                    fill.setAlpha(110)
                    item.setBrush(pg.mkBrush(fill))
        self._readout.fill = pg.mkBrush(theme.LEGEND_BG)
        self._readout.border = pg.mkPen(theme.GRID)
        if self.view is not None:
            self.header.setText(self.header_html(self.view))

    # series-key prefixes whose feed errors show on this pane
    error_prefixes: tuple[str, ...] = ()
    AMBER_AFTER, RED_AFTER = 2.0, 5.0  # poll intervals

    def set_feed_errors(self, errors: dict[str, str]) -> None:
        """Remember the failing series that feed this pane and show them in its header; nothing
        to do when they are the ones it shows (every feed batch calls this: a live desk's come
        many times a second, and the header was built again for each, 8 panes a batch)."""
        mine = {k: v for k, v in errors.items() if k.startswith(self.error_prefixes)}
        if mine == self.feed_errors:
            return
        self.feed_errors = mine
        if self.view is not None:
            self.header.setText(self.header_html(self.view))

    def staleness_badge(self, view: PaneView) -> str:
        """● age of the newest data: amber past 2 poll intervals, red past 5."""
        if self.asof is None:
            return ""
        aged = data_age(view.curves, self.asof)
        if aged is None:
            return badge("● no data", theme.RED)
        age, intervals = aged
        colour = (theme.RED if intervals > self.RED_AFTER else
                  theme.AMBER if intervals > self.AMBER_AFTER else theme.MUTED)
        return f"<span style='color:{colour}'>● data {age_text(age)} old</span>"

    def header_html(self, view: PaneView) -> str:
        """Staleness and feed errors, the readouts, then the notes."""
        parts = [self.staleness_badge(view)] + self.readout_parts(view)
        if self.trend_assets:
            parts.append(self.trend_html())
        if self.feed_errors:
            key, message = next(iter(self.feed_errors.items()))
            more = f" (+{len(self.feed_errors) - 1} more)" if len(self.feed_errors) > 1 else ""
            parts.insert(1, badge(f"⚠ {key}: {message}{more}", theme.RED))
        text = " &nbsp;·&nbsp; ".join(p for p in parts if p)
        if view.notes:
            notes = html.escape(" · ".join(view.notes))
            text += f"<br><span style='color:{theme.MUTED}'>{notes}</span>"
        return text

    def readout_parts(self, view: PaneView) -> list[str]:
        return []

    def curve_label(self, spec: CurveSpec) -> str:
        """The name a curve goes by in notices and the crosshair (a pane may say more)."""
        return spec.label

    def missing_text(self, cid: str) -> str:
        """What the pane says about a curve it cannot draw ('' when it is drawn)."""
        self._draw_deferred()
        for row in self._rows:
            if cid in row.items:
                return row.notice.text if row.notice is not None else ""
        raise KeyError(cid)

    # ------------------------------------------------------------------ test helpers
    def curve_data(self, cid: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) arrays currently set on curve `cid` (tests read these back)."""
        self._draw_deferred()
        for row in self._rows:
            if cid in row.items:
                x, y = row.items[cid].getOriginalDataset()
                if x is None:
                    return np.array([]), np.array([])
                x, y = np.asarray(x), np.asarray(y)
                keep = np.isfinite(y)  # NaN points only mark the holes where the line breaks
                return x[keep], y[keep]
        raise KeyError(cid)

    def segments(self, cid: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """The connected pieces of curve `cid` as drawn (split where the line breaks)."""
        self._draw_deferred()
        for row in self._rows:
            if cid in row.items:
                x, y = row.items[cid].getOriginalDataset()
                if x is None or len(x) == 0:
                    return []
                x, y = np.asarray(x), np.asarray(y)
                breaks = np.flatnonzero(~np.isfinite(y))
                pieces = zip(np.r_[0, breaks + 1], np.r_[breaks, len(x)], strict=True)
                return [(x[a:b], y[a:b]) for a, b in pieces if b > a]
        raise KeyError(cid)

    @property
    def plots(self) -> list[pg.PlotItem]:
        return [r.plot for r in self._rows]


def _same_curve(old, new) -> bool:
    """Whether two board curves (or None) would draw the same line."""
    if old is new:
        return True
    if old is None or new is None:
        return False
    return (len(old.x) == len(new.x) and old.max_gap_s == new.max_gap_s
            and np.array_equal(old.x, new.x) and np.array_equal(old.y, new.y, equal_nan=True))


def _break_at_holes(x: np.ndarray, y: np.ndarray,
                    max_gap_s: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Insert a NaN point into every gap wider than `max_gap_s`: pyqtgraph then breaks the line
    (and its fill) there instead of drawing a straight line across a hole in the data."""
    if max_gap_s is None or len(x) < 2:
        return x, y
    holes = np.flatnonzero(np.diff(x) > max_gap_s) + 1
    if holes.size == 0:
        return x, y
    mid = (x[holes - 1] + x[holes]) / 2.0
    return np.insert(x, holes, mid), np.insert(np.asarray(y, dtype="float64"), holes, np.nan)


def age_text(delta: pd.Timedelta) -> str:
    """A data age for people: seconds, minutes, hours or days."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _symbol_style(c: CurveSpec) -> dict:
    colour = theme.curve_colour(c.colour)
    return {"symbolPen": pg.mkPen(colour, width=c.width),
            "symbolBrush": pg.mkBrush(None if c.hollow else colour)}


def _value_text(value: float, unit: str) -> str:
    """A crosshair value: a precision that suits its size, then the row's unit."""
    size = abs(value)
    text = (f"{value:,.0f}" if size >= 1000 else f"{value:.2f}" if size >= 10
            else f"{value:.3f}")
    return text if unit in ("index", "corr", "") else f"{text} {unit}"


def fmt(value: float | None, spec: str = ".2f", suffix: str = "") -> str:
    """A readout number, or an em dash when there is none."""
    if value is None or not np.isfinite(value):
        return f"<span style='color:{theme.MUTED}'>—</span>"
    return f"{value:{spec}}{suffix}"


def badge(text: str, colour: str) -> str:
    """Bold text in `colour` (a theme name or hex), readable on the current theme."""
    return f"<span style='color:{theme.text(colour)}'><b>{html.escape(text)}</b></span>"
