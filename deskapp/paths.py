"""Where the desk keeps its files: the platform's data and config folders (QStandardPaths).

$DESKAPP_HOME, when set, puts everything under one folder instead (tests, portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths

APP_NAME = "deskapp"


def _ensure_names() -> None:
    if QCoreApplication.applicationName() != APP_NAME:
        QCoreApplication.setApplicationName(APP_NAME)
        QCoreApplication.setOrganizationName(APP_NAME)


def _folder(kind: QStandardPaths.StandardLocation, sub: str) -> Path:
    home = os.environ.get("DESKAPP_HOME")
    if home:
        path = Path(home) / sub
    else:
        _ensure_names()
        path = Path(QStandardPaths.writableLocation(kind))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Journal, cache and logs."""
    return _folder(QStandardPaths.StandardLocation.AppDataLocation, "data")


def config_dir() -> Path:
    """config.toml and the saved window layouts."""
    return _folder(QStandardPaths.StandardLocation.AppConfigLocation, "config")


def journal_path() -> Path:
    return data_dir() / "journal.sqlite3"
