"""A plot row's title and its "no data" message, laid out above the plot (never over it)."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import Qt

from deskapp.ui import theme

TITLE_PX = 30  # pyqtgraph's height of a plot's title row
LINE_GAP_PX = 9  # the message starts this far above the bottom of the title's row


class RowNotice:
    """A row's title and, under it, what the row cannot draw ("daily 90d: no data in this
    replay"). The title's row of the plot's layout grows to hold the message, so the message
    sits above the view box: it never covers the legend or a curve. The message's label is a
    child of the plot, not a layout item: a long one never widens the row (nor the pane)."""

    def __init__(self, plot: pg.PlotItem, title: str):
        self.plot = plot
        self.title = title
        self.text = ""
        self._title_html = ""
        self._height = -1
        self.label = pg.LabelItem("", size="8pt")
        self.label.setParentItem(plot)
        self.label.anchor(itemPos=(0.5, 0.0), parentPos=(0.5, 0.0),
                          offset=(0, TITLE_PX - LINE_GAP_PX))
        plot.layout.setAlignment(plot.titleLabel,
                                 Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self._show()

    def setText(self, text: str, color: str | None = None) -> None:  # noqa: N802 (LabelItem's)
        """The message (HTML, lines joined by <br>; "" for none). `color` is ignored: the title
        and the message take the current theme's colours, read now."""
        self.text = text
        self._show()

    def _show(self) -> None:
        # Each set again only when it changed: a title set again, or the row's height, has the
        # plot laid out and its title row repainted (a warming-up count changes every bar).
        title = f"<span style='color:{theme.MUTED}'>{html.escape(self.title)}</span>"
        if title != self._title_html:
            self._title_html = title
            self.plot.setTitle(title, size="8pt")  # (it sets the row's height to its own)
            self._height = -1
        height = TITLE_PX
        if self.text:
            self.label.setText(self.text, color=theme.AMBER)
            height += int(self.label.item.boundingRect().height()) - LINE_GAP_PX
        else:
            self.label.setText("")
        self.label.setVisible(bool(self.text))
        if height != self._height:
            self._height = height
            self.plot.layout.setRowFixedHeight(0, height)
