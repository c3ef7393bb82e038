"""Setters that leave a widget alone when nothing changes: a QLabel's setText always asks the
layouts above it to recompute, and a setStyleSheet restyles the widget, even for the same value;
on every board of a full desk that added up (benchmarks/board.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def set_text(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def set_style(widget: QWidget, css: str) -> None:
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)
