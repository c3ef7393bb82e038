"""A time pane: stacked pyqtgraph plots on one UTC date axis, drawn from a `PaneView`.

Subclasses only declare their rows and curves (vnpy's declarative-monitor habit); this base
creates every plot item once and afterwards only calls `setData` (never clear-and-replot).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from deskapp.signals.board import PaneView, data_age
from deskapp.ui import theme


@dataclass(frozen=True)
class CurveSpec:
    cid: str  # the curve id in PaneView.curves
    label: str
    colour: str
    width: float = 1.0
    dash: bool = False
    fill: bool = False  # fill down to zero (bars-like series)


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
    notice: pg.LabelItem | None = None


class TimePane(QWidget):
    """Base of every time-series pane."""

    pane_key = ""
    title = ""
    description = ""  # the tooltip: what is drawn and from which definition
    rows: tuple[RowSpec, ...] = ()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"pane_{self.pane_key}")
        self.setToolTip(f"{self.title}: {self.description}\n(docs/SIGNALS.md)")
        self.header = QLabel(self)
        self.header.setObjectName("pane_header")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setStyleSheet(f"color:{theme.FOREGROUND}; padding:2px 4px;")
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.ci.setSpacing(0)
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.graphics, 1)
        self._rows: list[_Row] = []
        self.view: PaneView | None = None
        self.asof: pd.Timestamp | None = None
        self.feed_errors: dict[str, str] = {}
        first: pg.PlotItem | None = None
        for i, spec in enumerate(self.rows):
            axis = pg.DateAxisItem(orientation="bottom", utcOffset=0)
            plot = self.graphics.addPlot(row=i, col=0, axisItems={"bottom": axis})
            self.graphics.ci.layout.setRowStretchFactor(i, spec.stretch)
            self._setup_plot(plot, spec, is_last=i == len(self.rows) - 1)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            self._rows.append(
                _Row(spec, plot, self._make_items(plot, spec), self._make_notice(plot))
            )

    # ------------------------------------------------------------------ setup
    def _setup_plot(self, plot: pg.PlotItem, spec: RowSpec, is_last: bool) -> None:
        # A GridItem in the view, not the axes' grid: the axis-drawn horizontal grid cost ~5 ms
        # per plot per frame here (benchmarks/board.py), the GridItem well under 1 ms.
        grid = pg.GridItem(pen=pg.mkPen(theme.GRID), textPen=None)
        grid.setZValue(-20)
        plot.addItem(grid, ignoreBounds=True)
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.getAxis("left").setWidth(52)
        plot.getAxis("left").setLabel(spec.unit)
        if not is_last:
            plot.getAxis("bottom").setStyle(showValues=False)
        vb = plot.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        if spec.y_range is not None:
            plot.setYRange(*spec.y_range, padding=0)
        else:
            vb.enableAutoRange(axis="y")
            vb.setAutoVisible(y=True)
        if spec.zero_line:
            plot.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen(theme.MUTED, width=1)))
        plot.setTitle(
            f"<span style='color:{theme.MUTED}'>{html.escape(spec.title)}</span>", size="8pt"
        )
        legend = plot.addLegend(offset=spec.legend_offset, labelTextSize="8pt", verSpacing=-6)
        legend.setBrush(pg.mkBrush(21, 24, 29, 170))
        self.decorate(plot, spec)

    def decorate(self, plot: pg.PlotItem, spec: RowSpec) -> None:
        """Hook for fixed items (zones, reference lines)."""

    @staticmethod
    def _make_notice(plot: pg.PlotItem) -> pg.LabelItem:
        """Text fixed in the middle of the plot (a child of the view, so it never widens it)."""
        notice = pg.LabelItem("", size="8pt", color=theme.AMBER)
        notice.setParentItem(plot.getViewBox())
        notice.anchor(itemPos=(0.5, 0.5), parentPos=(0.5, 0.5))
        return notice

    def _make_items(self, plot: pg.PlotItem, spec: RowSpec) -> dict[str, pg.PlotDataItem]:
        items = {}
        for c in spec.curves:
            style = Qt.PenStyle.DashLine if c.dash else Qt.PenStyle.SolidLine
            pen = pg.mkPen(c.colour, width=c.width, style=style)
            kw = {}
            if c.fill:
                colour = pg.mkColor(c.colour)
                colour.setAlpha(110)
                kw = {"fillLevel": 0.0, "brush": pg.mkBrush(colour)}
            item = plot.plot([], [], pen=pen, name=c.label, **kw)
            items[c.cid] = item
        return items

    # ------------------------------------------------------------------ update
    def apply(self, view: PaneView, asof_s: float, view_days: int) -> None:
        """Draw `view` (GUI thread; setData only)."""
        self.view = view
        self.asof = pd.Timestamp(asof_s, unit="s", tz="UTC")
        for row in self._rows:
            missing = []
            for c in row.spec.curves:
                curve = view.curves.get(c.cid)
                item = row.items[c.cid]
                if curve is None:
                    item.setData([], [])
                else:
                    item.setData(*_break_at_holes(curve.x, curve.y, curve.max_gap_s))
                if c.cid in view.missing:
                    missing.append(f"{c.label}: {view.missing[c.cid]}")
            row.notice.setText("<br>".join(html.escape(m) for m in missing))
            drawn = any(c.cid in view.curves for c in row.spec.curves)
            # An empty row keeps a quiet fixed scale instead of autoscaling on nothing.
            row.plot.getAxis("left").setStyle(showValues=drawn)
            if not drawn and row.spec.y_range is None:
                row.plot.setYRange(0.0, 1.0, padding=0)
            elif drawn and row.spec.y_range is None:
                row.plot.getViewBox().enableAutoRange(axis="y")
        right = asof_s
        newest = [float(c.x[-1]) for c in view.curves.values() if len(c.x)]
        if newest and max(newest) < asof_s - view_days * 86400.0 * 0.5:
            right = max(newest)  # only old data (offline): show it rather than an empty window
        lo = right - view_days * 86400.0
        self._rows[0].plot.setXRange(lo, right + view_days * 86400.0 * 0.02, padding=0)
        self.header.setText(self.header_html(view))

    # series-key prefixes whose feed errors show on this pane
    error_prefixes: tuple[str, ...] = ()
    AMBER_AFTER, RED_AFTER = 2.0, 5.0  # poll intervals

    def set_feed_errors(self, errors: dict[str, str]) -> None:
        """Remember the failing series that feed this pane (shown on the next draw)."""
        self.feed_errors = {k: v for k, v in errors.items() if k.startswith(self.error_prefixes)}
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

    def missing_text(self, cid: str) -> str:
        """What the pane says about a curve it cannot draw ('' when it is drawn)."""
        for row in self._rows:
            if cid in row.items:
                return row.notice.text if row.notice is not None else ""
        raise KeyError(cid)

    # ------------------------------------------------------------------ test helpers
    def curve_data(self, cid: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) arrays currently set on curve `cid` (tests read these back)."""
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


def fmt(value: float | None, spec: str = ".2f", suffix: str = "") -> str:
    """A readout number, or an em dash when there is none."""
    if value is None or not np.isfinite(value):
        return f"<span style='color:{theme.MUTED}'>—</span>"
    return f"{value:{spec}}{suffix}"


def badge(text: str, colour: str) -> str:
    return f"<span style='color:{colour}'><b>{html.escape(text)}</b></span>"
