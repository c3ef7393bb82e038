"""`deskapp` without a replay runs on the cache and the live feeds; offline it still opens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[1]


def run(args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "deskapp", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_replay_options_do_not_mix_with_the_live_source(tmp_path):
    done = run(["--source", "live", "--at", "2026-02-05"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == ("deskapp: --at applies to replays; drop it or use --source "
                                   "replay")


def test_offline_with_an_empty_cache_still_opens_and_says_so(tmp_path, qtbot):
    png = tmp_path / "offline.png"
    done = run(["--source", "cache", "--screenshot", str(png), "--size", "1200x800"], tmp_path)
    assert done.returncode == 0, done.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1200, 800)
    # the cache file now exists in the data folder (created empty, ready for the live feeds)
    assert (tmp_path / "data" / "market-cache.sqlite3").is_file()


def test_offline_board_text(qtbot, config, tmp_path):
    from deskapp.app import Desk, DeskOptions

    desk = Desk(DeskOptions(config=config, dataset=None, at=None, speed=0.0, size=(1200, 800),
                            journal=tmp_path / "j.sqlite3", source="cache"))
    qtbot.addWidget(desk.window)
    try:
        with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000):
            desk.start()
            desk.window.show()
        assert desk.window.mode_label.text().strip() == "OFFLINE"
        status = desk.window.clock_label.text()
        assert "no cached data" in status and "--replay 2026-02-risk-off" in status
        assert "no data received yet" in desk.window.panes["macro"].missing_text("us10y")
    finally:
        assert desk.shutdown()
