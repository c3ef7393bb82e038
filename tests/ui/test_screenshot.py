"""`deskapp --screenshot` renders a real board: right size, many colours, every pane drawn."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage

from deskapp.ui import theme

REPO = Path(__file__).resolve().parents[2]
DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"
# Curves each pane must show at AT (Okabe-Ito pen colours, drawn without antialiasing).
DRAWN = {
    "macro": ("ORANGE", "SKY", "GREEN"),  # 10y, 3m bill, DXY
    "leadership": ("ORANGE", "SKY", "GREEN", "PURPLE"),  # >20d, >50d, RSP/SPY, SMH/SPY
    "crypto": ("ORANGE", "YELLOW", "SKY"),  # BTC daily, BTC hourly, funding
    "correlation": ("ORANGE", "SKY", "GREEN"),  # daily 30/60/90 (1h starts only on 02-10)
}
# Colours whose series have nothing inside the visible span: only the legend sample shows.
# Crypto: open interest (its file ends in 2024) and liquidations (end in 2025-05).
LEGEND_ONLY = {"crypto": ("GREEN", "VERMILLION", "BLUE")}
DRAWN_MIN_PIXELS = 150  # a curve across a pane: hundreds of pixels of its exact colour
LEGEND_MAX_PIXELS = 100  # a legend sample alone (a filled one with its outline: ~64 px)


def rgb(image: QImage) -> np.ndarray:
    """The image as a (height, width) array of 0xRRGGBB."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height = image.width(), image.height()
    words = np.frombuffer(image.constBits(), dtype=np.uint32)
    return words.reshape(height, image.bytesPerLine() // 4)[:, :width] & 0xFFFFFF


def colour(name: str) -> int:
    return int(getattr(theme, name).lstrip("#"), 16)


def check_panes(pixels: np.ndarray, rects: dict[str, QRect], background: int) -> None:
    for key, r in rects.items():
        region = pixels[r.top():r.bottom() + 1, r.left():r.right() + 1]
        assert region.size > 100 * 100, f"{key} pane is tiny: {r}"
        assert len(np.unique(region)) > 50, f"{key} pane is (nearly) uniform"
        assert (region != background).mean() > 0.05, f"{key} pane is only background"
        for name in DRAWN[key]:
            n = int((region == colour(name)).sum())
            assert n >= DRAWN_MIN_PIXELS, f"{key}: {name} curve not drawn ({n} px)"
        for name in LEGEND_ONLY.get(key, ()):
            n = int((region == colour(name)).sum())
            assert n <= LEGEND_MAX_PIXELS, f"{key}: {name} drawn although it has no data ({n} px)"


def pane_rects(make_desk, qtbot) -> tuple[dict[str, QRect], np.ndarray]:
    """Each pane's rectangle in window coordinates, from the same board rendered in-process."""
    desk = make_desk(DATASET, at=AT, size=(1600, 900))
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000):
        pass
    w = desk.window
    assert (w.width(), w.height()) == (1600, 900)
    # The panes on screen (tabs behind another pane are checked in tests/ui/test_new_panes.py).
    rects = {key: QRect(pane.mapTo(w, QPoint(0, 0)), pane.size())
             for key, pane in w.panes.items() if not pane.visibleRegion().isEmpty()}
    assert set(rects) == set(DRAWN)
    return rects, rgb(w.grab().toImage())


def test_cli_screenshot_renders_every_pane(tmp_path, make_desk, qtbot):
    png = tmp_path / "board.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": str(tmp_path / "home")}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "deskapp", "--replay", DATASET, "--at", AT,
         "--screenshot", str(png), "--size", "1600x900"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - t0
    print(f"\n[timing] deskapp --screenshot subprocess: {wall:.2f} s wall")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert png.is_file()
    image = QImage(str(png))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1600, 900)
    pixels = rgb(image)
    assert len(np.unique(pixels)) > 200

    # Pane geometry from the same board rendered in-process (after the timed run, so the
    # subprocess does not share the CPUs with a second desk).
    rects, in_process = pane_rects(make_desk, qtbot)
    # The CLI applies the dark theme: the plots' background is theme.BACKGROUND.
    check_panes(pixels, rects, colour("BACKGROUND"))
    # The in-process render (no theme applied) draws the same curves in the same places.
    check_panes(in_process, rects, pg.mkColor(pg.getConfigOption("background")).rgb() & 0xFFFFFF)
