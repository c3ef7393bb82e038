"""Dark (default) and light themes and a colour-blind-safe palette (Okabe-Ito) for every pane.

The module-level names are the current theme's colours: code reads `theme.X` when it draws (never
into a module-level constant, which would keep the theme of import time), so `apply_theme(app,
"light")` before the widgets are built gives a fully light desk, and a switch at run time
recolours the palette, the plots, every header and the docks (`screens.restyle_window` calls each
widget's `restyle`). Curve colours (Okabe-Ito) are the same in both themes; used as *text*, a
colour goes through `text(...)`, which gives its variant with >= 4.5:1 contrast (WCAG AA) on the
theme's backgrounds (tests/ui/test_theme_contrast.py computes every pair).
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
        "AMBER": "#f0a020", "RED": "#e67362", "LEGEND_BG": "#15181daa",
    },
    "light": {  # text colours keep >= 4.5:1 contrast on every background text is drawn on
        "BACKGROUND": "#ffffff", "PANEL": "#eef0f3", "FOREGROUND": "#1b1f24",
        "MUTED": "#56606b",
        "GRID": "#e1e5ea",
        "BUTTON": "#dde1e6", "CURRENT_BG": "#dceaf6", "FOCUS_BG": "#cfd6de",
        "AMBER": "#915600", "RED": "#bc331e", "LEGEND_BG": "#ffffffcc",
    },
}
# Curve colours that a theme draws differently: Okabe-Ito yellow has almost no contrast on white.
CURVE_SUBSTITUTES: dict[str, dict[str, str]] = {"light": {YELLOW: "#a38c00"}}
# Okabe-Ito colours used as text: the same hue, lighter (dark theme) or darker (light theme) until
# it reaches 4.5:1 on BACKGROUND, PANEL and CURRENT_BG (HLS lightness steps of 0.005).
TEXT_SUBSTITUTES: dict[str, dict[str, str]] = {
    "dark": {GREEN: "#00ab7c", VERMILLION: "#f46c00", BLUE: "#009bf2"},
    "light": {GREEN: "#007353", SKY: "#146b9c", VERMILLION: "#a74a00", ORANGE: "#855c00",
              PURPLE: "#a53f78", YELLOW: "#6d6609", BLUE: "#006aa5",
              GREY: "#646464"},
}
# The backgrounds text is drawn on (plots, docks, the checklist's current step).
TEXT_BACKGROUNDS = ("BACKGROUND", "PANEL", "CURRENT_BG")
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


def text(colour: str) -> str:
    """`colour` as text in the current theme: a theme name ("AMBER", "MUTED", "SKY") or a hex,
    resolved now (so a name kept in a table follows a theme switch), then its readable variant."""
    value = colour if colour.startswith("#") else globals()[colour]
    return TEXT_SUBSTITUTES.get(current, {}).get(value.upper(), value)


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(fill: str) -> str:
    """Black or white, whichever reads better on a coloured `fill` (the status bar's badge)."""
    lum = _luminance(fill)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def apply_theme(app: QApplication, name: str = DEFAULT_THEME) -> None:
    """Fusion style with the theme's palette; pyqtgraph set for fast, crisp dense lines."""
    set_colours(name)
    pg.setConfigOptions(
        background=BACKGROUND, foreground=FOREGROUND, antialias=False, useOpenGL=False
    )
    if app.style().name().lower() != "fusion":  # setting it again re-polishes every widget
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
