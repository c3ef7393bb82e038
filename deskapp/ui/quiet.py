"""Setters that leave a widget alone when nothing changes: a QLabel's setText always asks the
layouts above it to recompute, and a setStyleSheet restyles the widget, even for the same value;
on every board of a full desk that added up (benchmarks/board.py)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QWidget


def set_text(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def set_style(widget: QWidget, css: str) -> None:
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)


class Boxed(QWidget):
    """`widget` (a QLabel whose text changes every board) in a box of its own, laid out as the
    widget would be (the box takes its size hints and policy). A QLabel's new text asks the
    layout above it to recompute; in the status bar that relaid the main window, ~1-2 ms of
    every board (benchmarks/board.py). Here it reaches the box, which keeps its size."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.widget = widget
        widget.setParent(self)
        self.setSizePolicy(widget.sizePolicy())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.widget.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self.widget.minimumSizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.widget.setGeometry(self.rect())
        super().resizeEvent(event)
