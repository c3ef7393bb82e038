"""Dark (default) and light themes and a colour-blind-safe palette (Okabe-Ito) for every pane.

The module-level names are the current theme's colours: code reads `theme.X` when it draws, so
`apply_theme(app, "light")` before the widgets are built gives a fully light desk, and a switch at
run time recolours the palette, the plots and every header on the next board (`TimePane.restyle`).
Curve colours (Okabe-Ito) are the same in both themes: the palette is made for either background.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
ORANGE, SKY, GREEN, YELLOW = "#E69F00", "#56B4E9", "#009E73", "#F0E442"
BLUE, VERMILLION, PURPLE, GREY = "#0072B2", "#D55E00", "#CC79A7", "#BBBBBB"

THEMES: dict[str, dict[str, str]] = {
    "dark": {
        "BACKGROUND": "#15181d", "PANEL": "#1d2127", "FOREGROUND": "#d8dde3",
        "MUTED": "#8a939e",
        "GRID": "#2f3540",  # opaque grid lines, just above the background
        "BUTTON": "#2a3038", "CURRENT_BG": "#232b35", "FOCUS_BG": "#2f3742",
        "AMBER": "#f0a020", "RED": "#e0503a", "LEGEND_BG": "#15181daa",
    },
    "light": {  # text colours keep >= 4.5:1 contrast on the panel background
        "BACKGROUND": "#ffffff", "PANEL": "#eef0f3", "FOREGROUND": "#1b1f24",
        "MUTED": "#56606b",
        "GRID": "#e1e5ea",
        "BUTTON": "#dde1e6", "CURRENT_BG": "#dceaf6", "FOCUS_BG": "#cfd6de",
        "AMBER": "#a86400", "RED": "#c0341f", "LEGEND_BG": "#ffffffcc",
    },
}
# Curve colours that a theme draws differently: Okabe-Ito yellow has almost no contrast on white.
CURVE_SUBSTITUTES: dict[str, dict[str, str]] = {"light": {YELLOW: "#a38c00"}}
DEFAULT_THEME = "dark"
SETTINGS_KEY = "ui/theme"

current = DEFAULT_THEME
BACKGROUND = PANEL = FOREGROUND = MUTED = GRID = BUTTON = CURRENT_BG = FOCUS_BG = ""
AMBER = RED = LEGEND_BG = ""


def set_colours(name: str) -> None:
    """Make `name`'s colours the module's (no widget touched). Unknown names: the default."""
    global current
    current = name if name in THEMES else DEFAULT_THEME
    globals().update(THEMES[current])


set_colours(DEFAULT_THEME)


def curve_colour(colour: str) -> str:
    """A curve's colour in the current theme."""
    return CURVE_SUBSTITUTES.get(current, {}).get(colour, colour)


def apply_theme(app: QApplication, name: str = DEFAULT_THEME) -> None:
    """Fusion style with the theme's palette; pyqtgraph set for fast, crisp dense lines."""
    set_colours(name)
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
        (QPalette.ColorRole.Button, BUTTON),
        (QPalette.ColorRole.ButtonText, FOREGROUND),
        (QPalette.ColorRole.Highlight, BLUE),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, PANEL),
        (QPalette.ColorRole.ToolTipText, FOREGROUND),
        (QPalette.ColorRole.PlaceholderText, MUTED),
    ):
        pal.setColor(role, QColor(colour))
    app.setPalette(pal)


def saved_theme(settings) -> str:
    """The theme saved in QSettings (View ▸ Theme), else the default."""
    if settings is None:
        return DEFAULT_THEME
    value = settings.value(SETTINGS_KEY, DEFAULT_THEME)
    return value if isinstance(value, str) and value in THEMES else DEFAULT_THEME
