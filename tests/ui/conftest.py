"""Fixtures of the UI tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def restore_theme():
    """Put the default theme, pyqtgraph's options and the app's palette and style back after a
    test that switches the theme."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from deskapp.ui import theme

    app = QApplication.instance()
    saved = ({k: pg.getConfigOption(k) for k in ("background", "foreground", "antialias")},
             app.palette(), app.style().name())
    yield
    theme.set_colours(theme.DEFAULT_THEME)
    pg.setConfigOptions(**saved[0])
    app.setPalette(saved[1])
    app.setStyle(saved[2])
