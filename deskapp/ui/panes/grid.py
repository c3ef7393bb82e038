"""The time rows' grid: pyqtgraph's GridItem, its lines computed with plain floats.

A new x range (a following window steps every ~1 % of the span) has every row's grid drawn
again in the same paint. pyqtgraph computes each line with two-element numpy arrays, a few
microseconds of numpy overhead per line; here the same lines, in the same order and with the same
pens, cost a fraction of that. Only grids without labels (textPen None, as the time rows use).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6.QtCore import QLineF
from PySide6.QtGui import QPainter, QPicture


class Grid(pg.GridItem):
    """A GridItem for the time rows (no labels)."""

    def generatePicture(self) -> None:  # noqa: N802 (pyqtgraph API)
        if self.opts["textPen"] is not None:
            super().generatePicture()
            return
        lvr = self.boundingRect()
        device_transform = self.deviceTransform_()
        if lvr.isNull() or device_transform is None:
            return
        vr = self.getViewWidget().rect()
        dim = (vr.width(), vr.height())
        ul = [lvr.left(), lvr.top()]
        br = [lvr.right(), lvr.bottom()]
        if ul[1] > br[1]:
            ul[1], br[1] = br[1], ul[1]
        if not all(math.isfinite(v) for v in ul + br) or br[0] <= ul[0] or br[1] <= ul[1]:
            super().generatePicture()  # (pyqtgraph's, for what it makes of such a rect)
            return
        self.picture = QPicture()
        p = QPainter()
        p.begin(self.picture)
        lastd: list[float | None] = [None, None]
        for i in range(self.grid_depth - 1, -1, -1):
            nl_target = 10.0**i
            d = [10.0 ** math.floor(math.log10(abs((br[ax] - ul[ax]) / nl_target)) + 0.5)
                 for ax in (0, 1)]
            for ax in (0, 1):
                ts = self.opts["tickSpacing"][ax]
                if i < len(ts) and ts[i] is not None:
                    d[ax] = ts[i]
                lastd[ax] = d[ax]
            ul1 = [math.floor(ul[ax] / d[ax]) * d[ax] for ax in (0, 1)]
            br1 = [math.ceil(br[ax] / d[ax]) * d[ax] for ax in (0, 1)]
            nl = [(br1[ax] - ul1[ax]) / d[ax] + 0.5 for ax in (0, 1)]
            for ax in (0, 1):
                if i >= len(self.opts["tickSpacing"][ax]) or d[ax] < lastd[ax]:
                    continue
                ppl = dim[ax] / nl[ax]
                alpha = int(fn.clip_scalar(5 * (ppl - 3), 0, 50))
                pen = self.opts["pen"]
                colour = pen.color()
                colour.setAlpha(alpha)
                pen.setColor(colour)
                pen.setCosmetic(True)
                p.setPen(pen)
                lo, hi = min(ul[ax], br[ax]), max(ul[ax], br[ax])
                lines = []
                for k in range(int(nl[ax])):
                    v = ul1[ax] + k * d[ax]
                    if v < lo or v > hi:  # no lines out of bounds
                        continue
                    if ax == 0:
                        lines.append(QLineF(v, ul[1], v, br[1]))
                    else:
                        lines.append(QLineF(ul[0], v, br[0], v))
                if lines:
                    p.drawLines(lines)  # one call a level and axis: same lines, same order
        p.setWorldTransform(fn.invertQTransform(device_transform))
        p.end()
