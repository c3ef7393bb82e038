"""The headless commands load no Qt, and find the same folders as the desk's QStandardPaths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deskapp.paths import standard_folder

ROOT = Path(__file__).resolve().parents[1]
# Runs `deskapp ARGS` in this process, then prints the PySide6 modules loaded, as JSON, last.
RUNNER = """
import json, runpy, sys
sys.argv = ["deskapp"] + sys.argv[1:]
code = 0
try:
    runpy.run_module("deskapp", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "qt": sorted(m for m in sys.modules if m.startswith("PySide6"))}))
"""


def run_headless(tmp_path: Path, *args: str) -> tuple[dict, str]:
    env = {**os.environ, "DESKAPP_HOME": str(tmp_path / "home"),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("QT_QPA_PLATFORM", None)
    out = subprocess.run([sys.executable, "-c", RUNNER, *args], capture_output=True, text=True,
                         env=env, timeout=300, cwd=tmp_path, check=False)
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1])


@pytest.mark.parametrize("args", [
    ("signals", "--replay", "2026-02-risk-off", "--at", "2026-02-05T21:00Z", "--json"),
    ("journal", "list"),
    ("journal", "add", "--decision", "wait", "--profile", "swing", "--replay",
     "2026-02-risk-off", "--at", "2026-02-05T21:00Z"),
])
def test_headless_commands_load_no_pyside6(tmp_path, args):
    result, stdout = run_headless(tmp_path, *args)
    assert result["code"] in (0, None)
    assert result["qt"] == []
    if args[0] == "signals":  # it did the work: a full snapshot
        assert json.loads(stdout)["asof"] == "2026-02-05T21:00:00Z"
    if args[1] == "add":  # the journal went to DESKAPP_HOME, found without Qt
        assert (tmp_path / "home" / "data" / "journal.sqlite3").is_file()


QT_PROBE = """
import json
from PySide6.QtCore import QCoreApplication, QStandardPaths
QCoreApplication.setApplicationName("deskapp")
QCoreApplication.setOrganizationName("deskapp")
L = QStandardPaths.StandardLocation
print(json.dumps([QStandardPaths.writableLocation(L.AppDataLocation),
                  QStandardPaths.writableLocation(L.AppConfigLocation)]))
"""


@pytest.mark.parametrize("xdg", [
    {},
    {"XDG_DATA_HOME": "{tmp}/xdg-data", "XDG_CONFIG_HOME": "{tmp}/xdg-config"},
    {"XDG_DATA_HOME": "relative/data", "XDG_CONFIG_HOME": "relative/config"},  # ignored
    {"XDG_DATA_HOME": "", "XDG_CONFIG_HOME": ""},
])
def test_folders_are_the_ones_qstandardpaths_gives(tmp_path, xdg):
    """On this machine, with and without XDG variables, and with another HOME."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "DESKAPP_HOME")}
    env["HOME"] = str(tmp_path / "user")
    env.update({k: v.format(tmp=tmp_path) for k, v in xdg.items()})
    out = subprocess.run([sys.executable, "-c", QT_PROBE], capture_output=True, text=True,
                         env=env, timeout=120, check=True)
    qt_data, qt_config = json.loads(out.stdout.strip().splitlines()[-1])
    assert standard_folder("data", env=env) == Path(qt_data)
    assert standard_folder("config", env=env) == Path(qt_config)


def test_other_platforms_follow_qt_rules():
    """Qt's rules elsewhere (qstandardpaths_mac.mm, qstandardpaths_win.cpp): macOS Application
    Support and Preferences, Windows roaming (data) and local (config) application data."""
    home = Path("/Users/ann")
    assert standard_folder("data", "darwin", {}, home) == \
        home / "Library/Application Support/deskapp/deskapp"
    assert standard_folder("config", "darwin", {}, home) == \
        home / "Library/Preferences/deskapp/deskapp"
    env = {"APPDATA": "C:/Users/ann/AppData/Roaming", "LOCALAPPDATA": "C:/Users/ann/AppData/Local"}
    assert standard_folder("data", "win32", env, home) == \
        Path("C:/Users/ann/AppData/Roaming/deskapp/deskapp")
    assert standard_folder("config", "win32", env, home) == \
        Path("C:/Users/ann/AppData/Local/deskapp/deskapp")
    assert standard_folder("config", "win32", {"USERPROFILE": "C:/Users/bob"}, home) == \
        Path("C:/Users/bob/AppData/Local/deskapp/deskapp")
    with pytest.raises(ValueError):
        standard_folder("cache")
