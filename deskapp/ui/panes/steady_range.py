"""The y range of a time row: fitted to the visible data, then kept while it still fits well.

pyqtgraph's auto-range refits on every data change: each new bar moved the y axis a little, and a
moved axis has its ticks, labels and grid computed again (most of a pane's paint). Here the range
is padded and rounded out to a tick-like step, and kept as long as the visible data lies inside
it and fills at least KEEP_FILL of it; the axis then changes in visible steps, not on every bar.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QRectF

KEEP_FILL = 0.6  # refit when the data fills less than this share of the range
PAD = 0.04  # room above and below the data, as a share of its height


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least `raw` (> 0)."""
    exponent = math.floor(math.log10(raw))
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = mantissa * 10.0**exponent
        if step >= raw * (1 - 1e-12):
            return step
    return 10.0 ** (exponent + 1)


def steady_range(data: tuple[float, float] | None,
                 current: tuple[float, float]) -> tuple[float, float] | None:
    """The new (low, high) for visible data spanning `data`, or None to keep `current`."""
    if data is None or data[0] is None or data[1] is None:
        return None
    lo, hi = float(data[0]), float(data[1])
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    lo, hi = min(lo, hi), max(lo, hi)
    c_lo, c_hi = current
    height = hi - lo
    if c_lo <= lo and hi <= c_hi and c_hi > c_lo and height >= KEEP_FILL * (c_hi - c_lo):
        return None
    if height <= 0:  # one value (or a flat line): a band around it
        height = abs(hi) * 0.02 or 1.0
        lo, hi = lo - height / 2, hi + height / 2
    pad = height * PAD
    step = nice_step((height + 2 * pad) / 6.0)
    new = (math.floor((lo - pad) / step) * step, math.ceil((hi + pad) / step) * step)
    return None if new == (c_lo, c_hi) else new


class SteadyViewBox(pg.ViewBox):
    """A ViewBox whose y auto-range (the only one the time rows use) follows `steady_range`;
    any other auto-range is pyqtgraph's."""

    def updateAutoRange(self) -> None:  # noqa: N802 (pyqtgraph override)
        auto = self.state["autoRange"]
        if self._updatingRange or auto[0] or not auto[1]:
            super().updateAutoRange()
            return
        self._updatingRange = True
        try:
            x_range, y_range = self.viewRange()
            ortho = (None, x_range) if self.state["autoVisibleOnly"][1] else (None, None)
            bounds = self.childrenBounds(frac=(1.0, 1.0), orthoRange=ortho)[1]
            target = steady_range(bounds, (float(y_range[0]), float(y_range[1])))
            if target is not None:
                self.setRange(yRange=target, padding=0.0, disableAutoRange=False)
        finally:
            self._autoRangeNeedsUpdate = False
            self._updatingRange = False

    def queueUpdateAutoRange(self) -> None:  # noqa: N802 (pyqtgraph override)
        """Fit the range at the next paint, as pyqtgraph does, without marking the whole view
        for repaint (its `update()` here made every row repaint in full on a new bar, where
        the curves mark only their changed end: append_curve.py). A one-pixel rectangle at the
        top right corner, where a new bar repaints anyway, still brings that paint."""
        self._autoRangeNeedsUpdate = True
        rect = self.boundingRect()
        self.update(QRectF(rect.right() - 1.0, rect.top(), 1.0, 1.0))
