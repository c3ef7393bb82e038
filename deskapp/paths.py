"""Where the desk keeps its files: the platform's data and config folders.

No Qt here, so the headless commands (`deskapp signals`, `journal`, `record`, `evaluate`) never
load PySide6. The folders are the ones Qt's QStandardPaths gives the desk (organisation and
application name "deskapp"), so the window and the commands share one journal, cache and config:

- data (AppDataLocation): $XDG_DATA_HOME (if absolute, else ~/.local/share)/deskapp/deskapp on
  Linux; ~/Library/Application Support/deskapp/deskapp on macOS; %APPDATA%\\deskapp\\deskapp
  (the roaming profile) on Windows.
- config (AppConfigLocation): $XDG_CONFIG_HOME (if absolute, else ~/.config)/deskapp/deskapp on
  Linux; ~/Library/Preferences/deskapp/deskapp on macOS; %LOCALAPPDATA%\\deskapp\\deskapp on
  Windows.

tests/test_paths.py checks these against QStandardPaths on this machine.
$DESKAPP_HOME, when set, puts everything under one folder instead (tests, portable installs).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "deskapp"
ORG_NAME = "deskapp"


def _env_dir(env: Mapping[str, str], name: str, default: Path) -> Path:
    """An XDG base folder: the variable when it is an absolute path, else the default (Qt and
    the XDG spec ignore relative values)."""
    value = env.get(name, "")
    return Path(value) if value and os.path.isabs(value) else default


def standard_folder(kind: str, platform: str | None = None,
                    env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """The folder QStandardPaths.writableLocation gives for `kind` ("data" = AppDataLocation,
    "config" = AppConfigLocation) with organisation and application "deskapp"."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = home or Path(env.get("HOME") or Path.home())
    if kind not in ("data", "config"):
        raise ValueError(f"kind {kind!r}: 'data' or 'config'")
    if platform == "darwin":
        lib = home / "Library"
        base = lib / "Application Support" if kind == "data" else lib / "Preferences"
    elif platform.startswith("win"):
        var, sub = ("APPDATA", "Roaming") if kind == "data" else ("LOCALAPPDATA", "Local")
        base = Path(env[var]) if env.get(var) else Path(env.get("USERPROFILE") or home) / \
            "AppData" / sub
    elif kind == "data":
        base = _env_dir(env, "XDG_DATA_HOME", home / ".local" / "share")
    else:
        base = _env_dir(env, "XDG_CONFIG_HOME", home / ".config")
    return base / ORG_NAME / APP_NAME


def _folder(kind: str, sub: str) -> Path:
    home = os.environ.get("DESKAPP_HOME")
    path = Path(home) / sub if home else standard_folder(kind)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Journal, cache and logs."""
    return _folder("data", "data")


def config_dir() -> Path:
    """config.toml and the saved window layouts."""
    return _folder("config", "config")


def journal_path() -> Path:
    return data_dir() / "journal.sqlite3"
