"""A bar chart on a plain numeric x axis (e.g. correlation by lag), placed under a TimePane's
time rows. It is not a time row: no date axis, no x-link, no crosshair; items are created once
and updated with `setOpts` (never cleared and re-plotted)."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg

from deskapp.signals.board import Bars
from deskapp.ui import theme
from deskapp.ui.panes.lean_plot import LeanPlotItem
from deskapp.ui.panes.notice import RowNotice


def plain_axis(plot: pg.PlotItem) -> None:
    """Values on the left axis as they are: no SI prefix scaling (pyqtgraph shows a ratio of
    0.38 as "380" with "(x0.001)" otherwise)."""
    plot.getAxis("left").setSIPrefixEnableRanges(())


class BarsPlot:
    """One bar row: bars in `colour`; the highlighted bar outlined and marked "▲" (shape as
    well as colour)."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, row: int, title: str, unit: str,
                 x_label: str, colour: str, highlight_colour: str,
                 x_range: tuple[float, float], y_range: tuple[float, float] | None = None):
        self.title = title
        self.colour, self.highlight_colour = colour, highlight_colour
        plot = LeanPlotItem(viewBox=pg.ViewBox(enableMenu=False))
        graphics.addItem(plot, row=row, col=0)  # as GraphicsLayout.addPlot does
        self.plot = plot
        plot.hideButtons()  # (its menu: off already, a LeanPlotItem's)
        plot.getViewBox().setMouseEnabled(x=False, y=False)
        plot.getAxis("left").setWidth(52)
        plot.getAxis("left").setLabel(unit)
        plain_axis(plot)
        if x_label:
            plot.getAxis("bottom").setLabel(x_label)
        plot.setXRange(*x_range, padding=0)
        if y_range is not None:
            plot.setYRange(*y_range, padding=0)
        self.zero = pg.InfiniteLine(0, angle=0, pen=pg.mkPen(theme.MUTED, width=1))
        plot.addItem(self.zero)
        self.bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.7,
                                    brush=theme.curve_colour(colour), pen=None)
        plot.addItem(self.bars)
        self.mark = pg.TextItem("", anchor=(0.0, 1.0), color=theme.FOREGROUND)
        plot.addItem(self.mark)
        self.notice = RowNotice(plot, title)  # the title, and what cannot be drawn, above
        self.data: Bars | None = None
        self.missing: str | None = None

    def set(self, bars: Bars | None, missing: str | None, force: bool = False) -> bool:
        """Draw `bars` (or nothing, with `missing` said above the plot); the same
        bars again are not set (nor repainted) unless `force`. True when something was set."""
        if not force and missing == self.missing and _same_bars(self.data, bars):
            return False
        self.data, self.missing = bars, missing
        if bars is None or not len(bars.x):
            self.bars.setOpts(x=np.zeros(0), height=np.zeros(0), brushes=None, pens=None)
            self.mark.setText("")
            self.notice.setText(html.escape(missing or ""))
            return True
        n = len(bars.x)
        brushes = [pg.mkBrush(theme.curve_colour(self.colour))] * n
        pens = [pg.mkPen(None)] * n
        if bars.highlight is not None and 0 <= bars.highlight < n:
            i = bars.highlight
            brushes[i] = pg.mkBrush(theme.curve_colour(self.highlight_colour))
            pens[i] = pg.mkPen(theme.FOREGROUND, width=2)
            self.mark.setText(f"▲ best: {bars.x[i]:g}, {bars.y[i]:+.2f}")
            self.mark.setPos(float(bars.x[i]) - 0.35, float(max(bars.y[i], 0.0)))
        else:
            self.mark.setText("")
        self.bars.setOpts(x=np.asarray(bars.x, dtype="float64"),
                          height=np.asarray(bars.y, dtype="float64"), width=0.7,
                          brushes=brushes, pens=pens)
        self.notice.setText(html.escape(missing or ""))
        return True

    def restyle(self) -> None:
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen()
            axis.setTextPen()
        self.zero.setPen(pg.mkPen(theme.MUTED, width=1))
        self.mark.setColor(theme.FOREGROUND)
        self.notice.setText("")
        self.set(self.data, self.missing, force=True)


def _same_bars(old: Bars | None, new: Bars | None) -> bool:
    if old is new:
        return True
    if old is None or new is None:
        return False
    return (old.highlight == new.highlight and np.array_equal(old.x, new.x)
            and np.array_equal(old.y, new.y, equal_nan=True))
