"""Curves that repaint only what a new bar changed.

On a new bar, pyqtgraph repaints a curve's whole bounding rectangle: its data bounds change (the
curve reaches one bar further right), so it calls `prepareGeometryChange` and `update()` on
every `setData`, and Qt paints every row of the pane again, grid, axes and all the other curves
under it. Between two steps of the x range (`base.right_edge`) a new bar changes only the end
of a curve: the points before it are the same numbers at the same place on screen.

`AppendCurve` keeps a bounding rectangle that does not move on such a bar (the visible area
of its view, which clips it there anyway, whatever its data) and, when the new
data starts with the old data's points, marks only the rectangle of the points from the last
unchanged one on (the segment into it included, and the fill down to its level) for repaint.
Anything else (a different start, a style, a new view range) repaints the whole curve, as
pyqtgraph does. Such a strip is then painted from the points in it (`paint`), not by drawing
the whole curve clipped to it. `tests/ui/test_partial_repaint.py` compares what is on screen
after a run of new days with a full repaint of the same boards, pixel for pixel.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGraphicsItem

PAD_PX = 3.0  # around the changed points, past the pen's width (pixels)
EDGE_PX = 12.0  # the kept rectangle reaches this far past the visible area (pixels)
MIN_POINTS_CUT, CUT_SHARE = 32, 0.25  # a curve is painted in part from 32 points, a quarter


def unchanged_prefix(old_x: np.ndarray, old_y: np.ndarray,
                     new_x: np.ndarray, new_y: np.ndarray) -> int:
    """How many leading points `new` shares with `old` (equal numbers, NaN equal to NaN)."""
    n = min(len(old_x), len(new_x))
    if n == 0:
        return 0
    ox, oy, nx, ny = old_x[:n], old_y[:n], new_x[:n], new_y[:n]
    with np.errstate(invalid="ignore"):
        same = ((ox == nx) | (np.isnan(ox) & np.isnan(nx))) & \
               ((oy == ny) | (np.isnan(oy) & np.isnan(ny)))
    if same.all():
        return n
    return int(np.argmin(same))


class AppendCurve(pg.PlotCurveItem):
    """A PlotCurveItem whose data-only updates repaint the changed end (module docstring)."""

    def __init__(self, *args, **kwargs):
        self._sticky: QRectF | None = None
        self._pixel: tuple[float, float] | None = None
        self._data_only = False  # set by CurveItem around a setData of new numbers only
        self._quiet = False  # inside such an update: pyqtgraph's full repaints held back
        super().__init__(*args, **kwargs)
        # The paint's option then carries the exposed rectangle (`paint`).
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    # Qt asks often. Its view clips it (ViewBox: ItemClipsChildrenToShape), so the visible area
    # and a margin hold every pixel it can show, whatever its data: no data bounds to compute.
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        if self._sticky is None:
            view, pixel = self.viewRect(), self._pixel_size()
            if view is None or pixel is None:
                return super().boundingRect()  # (not in a view yet: pyqtgraph's)
            dx, dy = pixel[0] * EDGE_PX, pixel[1] * EDGE_PX
            self._sticky = view.adjusted(-dx, -dy, dx, dy)
        return self._sticky

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph hook)
        self._sticky = None  # a new view range: a new visible area, the curve drawn again
        # (PlotCurveItem's override skips GraphicsItem's, which forgets the cached view rect.)
        self._cachedView = None
        self._pixel = None
        super().viewTransformChanged()

    def prepareGeometryChange(self) -> None:  # noqa: N802 (Qt method, held back when quiet)
        if not self._quiet:
            super().prepareGeometryChange()

    def update(self, *args) -> None:
        if not self._quiet:
            super().update(*args)

    def updateData(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph method)
        if not self._data_only or self.xData is None or self._sticky is None:
            super().updateData(*args, **kwargs)
            return
        old_x, old_y, before = self.xData, self.yData, self._sticky
        self._quiet = True
        try:
            super().updateData(*args, **kwargs)
        finally:
            self._quiet = False
        changed = self._changed_rect(old_x, old_y)
        if changed is None:  # nothing in common with the old points: all of it
            super().update()
        else:  # the changed points' rectangle, where the view shows it (nothing if off view)
            visible = changed.intersected(before)
            if not visible.isEmpty():
                super().update(visible)

    def _changed_rect(self, old_x: np.ndarray, old_y: np.ndarray) -> QRectF | None:
        """The rectangle (item coordinates) that holds every pixel the update can change, an
        empty one if nothing changed; None when the new data do not start with the old."""
        new_x, new_y = self.xData, self.yData
        if self.opts.get("stepMode") or len(old_x) != len(old_y) or len(new_x) != len(new_y):
            return None
        k = unchanged_prefix(old_x, old_y, new_x, new_y)
        if k == len(old_x) == len(new_x):
            return QRectF()
        if k == 0:
            return None
        # From the last unchanged point (the segment out of it changes) to both ends.
        xs = np.concatenate((old_x[k - 1:], new_x[k - 1:]))
        ys = np.concatenate((old_y[k - 1:], new_y[k - 1:]))
        level = self.opts.get("fillLevel")
        if level is not None and self.opts.get("brush") is not None:
            ys = np.append(ys, level)
        xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
        if len(xs) == 0 or len(ys) == 0:
            return None
        pixel = self._pixel_size()
        if pixel is None:
            return None
        dx, dy = pixel[0] * self._pad_px(), pixel[1] * self._pad_px()
        x0, x1, y0, y1 = float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max())
        return QRectF(x0 - dx, y0 - dy, x1 - x0 + 2 * dx, y1 - y0 + 2 * dy)

    def paint(self, p, opt, widget) -> None:
        """pyqtgraph's paint, of the points in the exposed area only when that is a narrow
        strip (a new bar's repaint): the path, its fill and their drawing cost the points
        drawn, not the whole curve clipped. Pixels inside the strip are the same: the strip
        is widened by the pen, and one point past each side keeps the segments crossing it."""
        part = self._exposed_part(opt.exposedRect)
        if part is None:
            super().paint(p, opt, widget)
            return
        kept = (self.xData, self.yData, self.path, self.fillPath, self._fillPathList)
        self.xData, self.yData = kept[0][part], kept[1][part]
        self.path = self.fillPath = self._fillPathList = None
        self._lineSegmentsRendered = False
        try:
            super().paint(p, opt, widget)
        finally:
            self.xData, self.yData, self.path, self.fillPath, self._fillPathList = kept
            self._lineSegmentsRendered = False  # (its buffer holds the strip's segments)

    def _exposed_part(self, exposed: QRectF) -> slice | None:
        """The points to paint for `exposed` (item coordinates), None for all of them."""
        x, pen = self.xData, self.opts["pen"]
        if (x is None or len(x) < MIN_POINTS_CUT or exposed.isEmpty() or self.opts["stepMode"]
                or (pen is not None and pen.style() != Qt.PenStyle.SolidLine)  # dash phase
                or self.opts["shadowPen"] is not None or not x[0] <= x[-1]
                or isinstance(self.opts["connect"], np.ndarray)):  # (not cut with the points)
            return None
        pixel = self._pixel_size()
        if pixel is None:
            return None
        pad = pixel[0] * self._pad_px()
        lo = max(int(np.searchsorted(x, exposed.left() - pad, side="left")) - 1, 0)
        hi = min(int(np.searchsorted(x, exposed.right() + pad, side="right")) + 1, len(x))
        if hi - lo > len(x) * CUT_SHARE:
            return None
        return slice(lo, hi)

    def _construct_finite_segment_FillPathList(self, x, y, baseline, chunksize):  # noqa: N802
        """One fill path per unbroken run of points, not one per 50: pyqtgraph's chunks help
        Qt with 100,000-point fills; at a few thousand points they cost ~20 paths to build
        (~0.7 ms a filled curve on every new view range) and draw the same pixels."""
        return super()._construct_finite_segment_FillPathList(
            x, y, baseline, max(chunksize, len(x)))

    def _pad_px(self) -> float:
        """How far (pixels) past the changed or exposed points a repaint must reach."""
        pen = self.opts["pen"]
        return PAD_PX + (pen.widthF() if pen is not None else 0.0)

    def _pixel_size(self) -> tuple[float, float] | None:
        """A device pixel's width and height in item coordinates (kept until the view moves)."""
        if self._pixel is None:
            px, py = self.pixelVectors()
            if px is None or py is None:
                return None
            self._pixel = (abs(px.x()) + abs(py.x()), abs(px.y()) + abs(py.y()))
        return self._pixel


class CurveItem(pg.PlotDataItem):
    """A PlotDataItem drawn by an `AppendCurve`: its `setData` of new numbers (same style)
    repaints only the end that changed.

    No dynamic range limit by default: pyqtgraph clips a curve whose data reach more than
    ~6e6 view heights past the view (Qt's trouble with huge coordinates), and to check, it
    rebuilt the curve's display data and path on every new y range. The desk's rows fit y to
    their data, their y zoom is off, fixed ranges hold bounded measures: that clip never
    applies."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("dynamicRangeLimit", None)
        super().__init__(*args, **kwargs)
        plain, self.curve = self.curve, AppendCurve()
        plain.sigClicked.disconnect(self.sigClicked)
        plain.setParentItem(None)
        self.curve.setParentItem(self)
        self.curve.sigClicked.connect(self.sigClicked)
        self.curve.setZValue(plain.zValue())
        self.updateItems(styleUpdate=True)

    def setData(self, *args, **kwargs) -> None:  # noqa: N802 (pyqtgraph method)
        self.curve._data_only = not kwargs  # noqa: SLF001 (numbers only: x, y)
        try:
            super().setData(*args, **kwargs)
        finally:
            self.curve._data_only = False  # noqa: SLF001
