"""Issue 13, item 7: a screenshot run stopped by SIGTERM does not exit 0 without its PNG, and
a kill in the middle of writing never leaves a truncated PNG over the previous one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtGui import QColor, QImage

REPO = Path(__file__).resolve().parents[2]
# Printed by Qt's offscreen platform plugin itself in every headless run, not by deskapp.
QT_NOISE = {"This plugin does not support propagateSizeHints()"}

# Runs the real CLI; once the event loop runs, the process sends itself SIGTERM (no timing).
SIGTERM_DRIVER = textwrap.dedent("""
    import os, signal, sys
    from PySide6.QtCore import QTimer
    from deskapp import app
    start = app.Desk.start
    def start_then_terminate(self):
        start(self)
        QTimer.singleShot(0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    app.Desk.start = start_then_terminate
    from deskapp.cli import main
    sys.exit(main(sys.argv[1:]))
""")

# Writes a PNG through the desk's writer with an image whose save() writes half a file and
# then the process is killed (SIGKILL: no handler, no cleanup). Before the fix the desk saved
# straight to the target, which is what the fallback does.
SIGKILL_DRIVER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    try:
        from deskapp.app import write_png
    except ImportError:  # the desk before the fix: image.save(str(path), "PNG")
        def write_png(image, path):
            return image.save(str(path), "PNG")
    class KilledMidWrite:
        def save(self, name, fmt):
            with open(name, "wb") as fh:
                fh.write(b"\\x89PNG\\r\\n\\x1a\\n" + b"\\0" * 100)
                fh.flush()
                os.kill(os.getpid(), signal.SIGKILL)
    write_png(KilledMidWrite(), Path(sys.argv[1]))
""")


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": str(tmp_path / "home"),
            "PYTHONPATH": str(REPO)}


def test_sigterm_during_a_screenshot_run_is_not_a_silent_success(tmp_path):
    png = tmp_path / "board.png"
    proc = subprocess.run([sys.executable, "-c", SIGTERM_DRIVER, "--replay", "2026-02-risk-off",
                           "--at", "2026-02-05T14:00Z", "--screenshot", str(png)],
                          cwd=REPO, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:  # finishing the PNG is allowed: then it must be there, whole
        assert not QImage(str(png)).isNull()
    else:
        assert not png.exists()
        lines = [line for line in proc.stderr.strip().splitlines() if line not in QT_NOISE]
        assert len(lines) == 1 and "SIGTERM" in lines[0] and "no PNG" in lines[0], proc.stderr
        assert proc.returncode == 128 + 15
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == (
        ["board.png"] if png.exists() else [])  # no temporary file left beside it


def test_sigkill_mid_write_leaves_the_previous_png_whole(tmp_path):
    png = tmp_path / "board.png"
    previous = QImage(40, 30, QImage.Format.Format_RGB32)
    previous.fill(QColor("teal"))
    assert previous.save(str(png), "PNG")
    before = png.read_bytes()
    proc = subprocess.run([sys.executable, "-c", SIGKILL_DRIVER, str(png)], cwd=REPO,
                          env=_env(tmp_path), capture_output=True, timeout=300)
    assert proc.returncode == -9, proc.stderr  # it really died in the middle of the write
    assert png.read_bytes() == before
    assert QImage(str(png)).pixelColor(5, 5) == QColor("teal")


def test_write_png_replaces_the_file_and_leaves_no_temporary(tmp_path):
    from deskapp.app import write_png

    png = tmp_path / "board.png"
    png.write_bytes(b"old")
    image = QImage(20, 10, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert write_png(image, png)
    assert QImage(str(png)).size() == image.size()
    assert [p.name for p in tmp_path.iterdir() if p.name != "deskapp-home"] == ["board.png"]
    assert not write_png(image, tmp_path / "gone" / "x.png")  # a folder that vanished: False
