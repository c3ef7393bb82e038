"""A date axis whose finer labels keep clear of the coarser ones, and that is quick to redraw.

pyqtgraph's DateAxisItem drops a day tick only where it falls exactly on a month tick, so a day
two days after the first of the month prints on top of the month's label ("Dec03"). Here a tick
closer than half its own level's step (the distance between its ticks; pyqtgraph reports the
day level's spacing as one day even when it labels every 5th) to a coarser tick is left out.

Speed (a following window steps its x range every ~1 % of the span, and then every pane's date
axis is laid out again in the same paint; benchmarks/board.py):
- on UTC (utcOffset=0) the ticks are not moved to local time tick by tick (two QDateTime
  conversions per tick that add 0);
- the drawn axis (its QPicture) is shared by the axes that would draw the very same picture: the
  time panes of one column have the same width and the same range.
"""

from __future__ import annotations

from collections import OrderedDict

import pyqtgraph as pg
from pyqtgraph.graphicsItems.DateAxisItem import HOUR_SPACING, ZoomLevel
from PySide6.QtGui import QPainter, QPicture

PICTURES_KEPT = 8  # distinct axis pictures remembered (a board draws at most a few)
_pictures: OrderedDict[tuple, tuple[QPicture, float | None]] = OrderedDict()


class UtcZoomLevel(ZoomLevel):
    """pyqtgraph's zoom level; on UTC its ticks need no move to local time."""

    def moveTicksToLocalTimeCoords(self, ticks, spacing, skipFactor):  # noqa: N802, N803
        if self.utcOffset == 0 and (spacing > HOUR_SPACING
                                    or (spacing == HOUR_SPACING and skipFactor > 1)):
            return ticks  # pyqtgraph adds applyOffsetToUtc(tick, 0) == 0 to each
        return super().moveTicksToLocalTimeCoords(ticks, spacing, skipFactor)


class DateAxis(pg.DateAxisItem):
    """Bottom date axis for the time panes (UTC)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zoomLevels = OrderedDict(
            (spacing, UtcZoomLevel(level.tickSpecs, level.exampleText))
            for spacing, level in self.zoomLevels.items())

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph API)
        kept: list[float] = []
        levels = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            step = min((b - a for a, b in zip(values, values[1:], strict=False)), default=spacing)
            clear = [v for v in values if all(abs(v - k) >= 0.5 * step for k in kept)]
            levels.append((spacing, clear))
            kept.extend(clear)
        return levels

    def paint(self, p, opt, widget):
        if self.picture is None:
            key = self._picture_key()
            shared = _pictures.get(key) if key is not None else None
            if shared is None:
                self._text_size = None
                self._draw_picture()
                if key is not None:
                    _pictures[key] = (self.picture, self._text_size)
                    while len(_pictures) > PICTURES_KEPT:
                        _pictures.popitem(last=False)
            else:
                _pictures.move_to_end(key)
                picture, text_size = shared
                if text_size is not None:  # what drawing it would have told the layout
                    self._updateMaxTextSize(text_size)  # (may set self.picture = None)
                self.picture = picture
        self.picture.play(p)

    def _updateMaxTextSize(self, x):  # noqa: N802 (pyqtgraph API)
        self._text_size = x
        super()._updateMaxTextSize(x)

    def _draw_picture(self) -> None:
        """pyqtgraph's AxisItem.paint without the playing: sets self.picture."""
        picture = QPicture()
        painter = QPainter(picture)
        try:
            if self.style["tickFont"]:
                painter.setFont(self.style["tickFont"])
            specs = self.generateDrawSpecs(painter)
            if specs is not None:
                self.drawPicture(painter, *specs)
        finally:
            painter.end()
        self.picture = picture

    def _picture_key(self) -> tuple | None:
        """Everything the picture is drawn from (None: do not share it)."""
        view = self.linkedView()
        if (view is None or self._tickLevels is not None or self.grid is not False
                or not hasattr(self, "fontMetrics")):  # (set by its first own drawing)
            return None
        bounds = self.mapRectFromParent(self.geometry())
        widget = self.getViewWidget()
        if widget is None:
            return None
        scale, zoom = self.sceneTransform(), widget.transform()  # the pixels per unit
        font = self.style["tickFont"]
        style = repr(sorted((k, v) for k, v in self.style.items() if k != "tickFont"))
        pen, tick_pen, text_pen = self.pen(), self.tickPen(), self.textPen()
        return (float(self.range[0]), float(self.range[1]),
                bounds.getRect(),  # (the view's rect counts only for a grid)
                *((t.m11(), t.m12(), t.m21(), t.m22()) for t in (scale, zoom)),
                style, font.toString() if font is not None else self.font().toString(),
                *((q.color().rgba(), q.widthF(), q.style().value) for q in (pen, tick_pen)),
                text_pen.color().rgba(), self.autoSIPrefixScale, self.scale,
                self.textHeight, self.textWidth, self.labelText)
