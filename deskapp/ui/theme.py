"""Dark theme and a colour-blind-safe palette (Okabe-Ito) shared by every pane."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#15181d"
PANEL = "#1d2127"
FOREGROUND = "#d8dde3"
MUTED = "#8a939e"
GRID = "#2f3540"  # opaque grid lines, just above the background
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
ORANGE, SKY, GREEN, YELLOW = "#E69F00", "#56B4E9", "#009E73", "#F0E442"
BLUE, VERMILLION, PURPLE, GREY = "#0072B2", "#D55E00", "#CC79A7", "#BBBBBB"
AMBER = "#f0a020"
RED = "#e0503a"


def apply_theme(app: QApplication) -> None:
    """Fusion style with a dark palette; pyqtgraph set for fast, crisp dense lines."""
    pg.setConfigOptions(
        background=BACKGROUND, foreground=FOREGROUND, antialias=False, useOpenGL=False
    )
    app.setStyle("Fusion")
    pal = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, PANEL),
        (QPalette.ColorRole.WindowText, FOREGROUND),
        (QPalette.ColorRole.Base, BACKGROUND),
        (QPalette.ColorRole.AlternateBase, PANEL),
        (QPalette.ColorRole.Text, FOREGROUND),
        (QPalette.ColorRole.Button, "#2a3038"),
        (QPalette.ColorRole.ButtonText, FOREGROUND),
        (QPalette.ColorRole.Highlight, BLUE),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, PANEL),
        (QPalette.ColorRole.ToolTipText, FOREGROUND),
        (QPalette.ColorRole.PlaceholderText, MUTED),
    ):
        pal.setColor(role, QColor(colour))
    app.setPalette(pal)
