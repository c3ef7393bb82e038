"""Help ▸ About: the version, from the package metadata like `deskapp --version` and the journal's
app_version (one source: pyproject.toml's [project] version, copied into the installed app's
metadata, also in the PyInstaller build), and what it runs on."""

from __future__ import annotations

import html
import platform
import sys

from PySide6.QtWidgets import QMessageBox, QWidget

from deskapp import __version__

TITLE = "About deskapp"


def build_kind() -> str:
    """'installed app' for a PyInstaller build, 'Python package' otherwise."""
    return "installed app" if getattr(sys, "frozen", False) else "Python package"


def about_text() -> str:
    """The About box's text (rich text)."""
    import PySide6
    from PySide6.QtCore import qVersion

    from deskapp.resources import resource_dir

    lines = [
        f"<h3>deskapp {html.escape(__version__)}</h3>",
        "<p>Cross-asset risk-off desk for traders who hold US equities and crypto.</p>",
        f"<p>{build_kind()}; Python {platform.python_version()}, Qt {qVersion()}, "
        f"PySide6 {PySide6.__version__}</p>",
        f"<p>Bundled data: {html.escape(str(resource_dir()))}</p>",
    ]
    return "\n".join(lines)


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, TITLE, about_text())
