"""Closing the desk stops and joins every worker thread, with no Qt warning and no crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QThread

REPO = Path(__file__).resolve().parents[2]


def test_close_while_playing_joins_every_thread(make_desk, qtbot):
    desk = make_desk("2026-02-risk-off", at="2026-01-20T00:00Z", speed=3600 * 24)
    drawn = []
    desk.window.sig_board_drawn.connect(drawn.append)
    qtbot.waitUntil(lambda: len(drawn) >= 3, timeout=60000)
    assert drawn[-1].asof > drawn[0].asof  # it really was playing

    threads: list[QThread] = list(desk.threads.threads)
    assert {t.objectName() for t in threads} == {"compute", "feed-replay", "book"}
    assert all(t.isRunning() for t in threads)

    desk.window.close()
    assert desk.shutdown() is True
    for t in threads:
        assert t.isFinished() and not t.isRunning(), t.objectName()
    assert desk.threads.threads == []
    # The workers are handed back to the GUI thread, so nothing lives in a dead thread.
    main = QCoreApplication.instance().thread()
    assert desk.feed.thread() is main and desk.compute.thread() is main
    assert desk.book_worker.thread() is main
    assert desk.shutdown() is True  # idempotent (the fixture calls it again too)


def test_cli_run_exits_cleanly(tmp_path):
    """The real process: open a replay, draw, write the PNG, quit, join the threads."""
    home = tmp_path / "home"
    png = tmp_path / "carry.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "deskapp", "--replay", "2024-08-carry-unwind", "--speed", "86400",
         "--screenshot", str(png)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert png.is_file() and png.stat().st_size > 10_000
    for bad in ("QThread: Destroyed", "Traceback", "abort", "ERROR", "CRITICAL"):
        assert bad.lower() not in proc.stderr.lower(), proc.stderr
    # Anything else on stderr must be the offscreen plugin's known, harmless remark.
    unexpected = [line for line in proc.stderr.splitlines()
                  if line.strip() and "propagateSizeHints" not in line]
    assert unexpected == []
    log = (home / "data" / "deskapp.log").read_text(encoding="utf-8")
    assert "screenshot" in log and "written" in log
    assert " ERROR " not in log and " CRITICAL " not in log
