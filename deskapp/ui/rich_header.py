"""A word-wrapped rich-text line that can change on every board without relaying the window.

A QLabel asks its parents' layouts to recompute on every `setText`, even when its size stays the
same; with a header on each of eight docks that cascaded up to the main window's dock layout and
was ~20 ms of every board at 1920x1080 (benchmarks/board.py). This widget repaints itself on a
new text and asks for a new layout only when the wrapped text needs a different height; a text
set while it cannot be seen (its pane is a tab behind another) is laid out when next shown.

A header keeps a line it no longer needs for HOLD_S (at the same width): BTC's day-so-far note
comes at 12:00 UTC and goes at midnight, and a replay played fast had the Crypto structure pane
jump a line up and down twice a second, every row laid out, every axis and curve drawn again
each time (~12 ms a flip here, 40-50 ms under the soak's load: benchmarks/soak.py).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSize
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QSizePolicy, QWidget

PAD_X, PAD_Y = 4, 2
HOLD_S = 600.0  # a line no longer needed is given back this long after it was last needed
_now = time.monotonic  # (tests move it)


class RichHeader(QWidget):
    """Rich text (Qt's HTML subset), wrapped to the widget's width, in `colour`."""

    def __init__(self, parent: QWidget | None = None, colour: str = "#dddddd"):
        super().__init__(parent)
        self._html = ""
        self._colour = QColor(colour)
        self._doc = QTextDocument(self)
        self._doc.setDocumentMargin(0)
        self._doc.setDefaultFont(self.font())
        self._heights: dict[int, int] = {}  # heightForWidth of the current text
        self._stale = False  # a text set while hidden, not laid out yet
        self._held: tuple[int, int, float] = (-1, 0, 0.0)  # width, tallest height, last needed
        self._height = self._text_height(self.width())
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # ------------------------------------------------------------------ text
    def text(self) -> str:
        """The HTML last set."""
        return self._html

    def plain_text(self) -> str:
        self._load()
        return self._doc.toPlainText()

    def setText(self, html: str) -> None:  # noqa: N802 (QLabel's name, so callers need not care)
        if html == self._html:
            return
        self._html = html
        self._stale = True
        if self.isVisible() and not self.visibleRegion().isEmpty():
            self._load()  # else when it is next painted or measured (a tab behind another)
            self.update()

    def _load(self) -> None:
        """Lay the last text out (parse, wrap, measure)."""
        if not self._stale:
            return
        self._stale = False
        self._heights.clear()
        self._doc.setHtml(self._html)
        self.setAccessibleName(self._doc.toPlainText())
        self._fit()

    def set_colour(self, colour: str) -> None:
        self._colour = QColor(colour)
        self.update()

    # ------------------------------------------------------------------ size
    def _text_height(self, width: int) -> int:
        self._doc.setTextWidth(max(1, width - 2 * PAD_X))
        return int(self._doc.size().height() + 0.999) + 2 * PAD_Y

    def _fit(self) -> None:
        """A new layout only when the wrapped text needs another height (a taller one at once,
        a shorter one once the taller is HOLD_S old)."""
        width = self.width()
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = self._text_height(width)
        if height >= self._held[1] or not self._holding(width):  # (another width: not held)
            self._held = (width, height, _now())
        height = self._with_held(width, height)
        if height != self._height:
            self._height = height
            self.updateGeometry()

    def _holding(self, width: int) -> bool:
        held_width, _held, since = self._held
        return width == held_width and _now() - since < HOLD_S

    def _with_held(self, width: int, height: int) -> int:
        """`height`, or the taller one held at this width."""
        return max(height, self._held[1]) if self._holding(width) else height

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt override)
        self._load()
        height = self._heights.get(width)  # layouts ask several times a pass
        if height is None:
            height = self._heights[width] = self._text_height(width)
            self._doc.setTextWidth(max(1, self.width() - 2 * PAD_X))  # back to the drawn width
        return self._with_held(width, height)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        self._load()
        return QSize(240, self._height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        # One line: the layouts give the wrapped height (heightForWidth) where there is room,
        # and a header never makes a window taller than its screen (as a QLabel's does not).
        return QSize(40, self.fontMetrics().height() + 2 * PAD_Y)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.type() == event.Type.FontChange:
            self._doc.setDefaultFont(self.font())
            self._held = (-1, 0, 0.0)  # a new font: the lines it needs, at once
            self._stale = True
            self._load()
        super().changeEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._doc.setTextWidth(max(1, self.width() - 2 * PAD_X))
            self._fit()

    # ------------------------------------------------------------------ paint
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        self._load()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.translate(PAD_X, PAD_Y)
        context = QAbstractTextDocumentLayout.PaintContext()
        palette = QPalette(self.palette())
        palette.setColor(QPalette.ColorRole.Text, self._colour)
        context.palette = palette
        self._doc.documentLayout().draw(painter, context)
        painter.end()

