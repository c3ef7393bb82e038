"""Render the pictures in docs/screenshots from the bundled replays (offscreen, no network).

- board-2026-02-10.png, board-2026-02-10-screen2.png: `deskapp --screens 2 --size 1920x1080`,
  the main window and one watch screen, as a trader with two monitors sees them;
- board-hidpi.png: the main window at QT_SCALE_FACTOR=2 (1280x720 logical, 2560x1440 pixels);
- light-theme.png: `--theme light`;
- crosshair.png, alert-2026-02-05.png, liquidity-chain-2026-02-10.png,
  track-record-2020-03-16.png: rendered in-process
  (the mouse over a pane; the alert banner after the 2026-01-21 regime change; a tabbed pane
  raised);
- book-2026-02-05.png, book-2020-03-16.png: `deskapp --replay history --book
  resources/sample_book.csv --size 1920x1080` (the Book dock with its figures).

Usage: python tools/screenshots.py [OUT_DIR]   (default docs/screenshots)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"


def cli(out: Path, name: str, *args: str, scale: str | None = None,
        replay: tuple[str, str] = (DATASET, AT)) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "DESKAPP_HOME": tempfile.mkdtemp(prefix="deskapp-shots-")}
    if scale:
        env["QT_SCALE_FACTOR"] = scale
    cmd = [sys.executable, "-m", "deskapp", "--replay", replay[0], "--at", replay[1],
           "--screenshot", str(out / name), *args]
    subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True, timeout=120)
    print("wrote", out / name)


def in_process(out: Path) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["DESKAPP_HOME"] = tempfile.mkdtemp(prefix="deskapp-shots-")
    import pandas as pd
    from PySide6.QtCore import QEventLoop, QPointF, QTimer
    from PySide6.QtWidgets import QApplication

    from deskapp.app import Desk, DeskOptions
    from deskapp.config import load_config
    from deskapp.data.replay import load_dataset
    from deskapp.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)

    def wait(until, timeout_s: float = 30.0) -> None:
        loop, poll = QEventLoop(), QTimer()
        poll.timeout.connect(lambda: until() and loop.quit())
        poll.start(20)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
        poll.stop()
        if not until():
            raise TimeoutError("the desk did not get there in time")

    def desk_at(at: str, size=(1600, 900), dataset: str = DATASET) -> Desk:
        desk = Desk(DeskOptions(config=load_config(), dataset=load_dataset(dataset),
                                at=pd.Timestamp(at), speed=0.0, size=size,
                                journal=Path(tempfile.mkdtemp()) / "j.sqlite3"))
        desk.start()
        desk.window.show()
        wait(lambda: desk.window.view is not None and desk.window.view.asof == pd.Timestamp(at))
        return desk

    # Crosshair: the mouse over the correlation pane, a third of the way from its right edge.
    desk = desk_at(AT)
    pane = desk.window.panes["correlation"]
    vb = pane.plots[0].getViewBox()
    rect = vb.sceneBoundingRect()
    pane.on_mouse_moved(QPointF(rect.left() + rect.width() * 0.66, rect.center().y()))
    app.processEvents()
    desk.window.grab().save(str(out / "crosshair.png"))
    print("wrote", out / "crosshair.png")
    # The liquidity chain: its tab raised.
    desk.window.docks["chain"].raise_()
    chain = desk.window.panes["chain"]
    wait(lambda: not chain.visibleRegion().isEmpty())
    app.processEvents()
    desk.window.docks["chain"].grab().save(str(out / "liquidity-chain-2026-02-10.png"))
    print("wrote", out / "liquidity-chain-2026-02-10.png")
    desk.shutdown()
    desk.window.close()

    # An alert: the regime turns from crypto stress to trend break at the 2026-02-05 close.
    desk = desk_at("2026-02-05T20:00Z")
    desk.source.seek(pd.Timestamp("2026-02-05T21:30Z"))
    wait(lambda: desk.window.alert_banner.isVisible()
         and desk.window.view.asof == pd.Timestamp("2026-02-05T21:30Z"))
    app.processEvents()
    desk.window.grab().save(str(out / "alert-2026-02-05.png"))
    print("wrote", out / "alert-2026-02-05.png")
    desk.shutdown()
    desk.window.close()

    # The Track record tab on history at the 2020-03-16 close.
    desk = desk_at("2020-03-16T21:30Z", dataset="history")
    track = desk.window.track_record
    desk.window.docks["track_record"].raise_()  # its similar days fill once it is in front
    wait(lambda: track.table is not None and track.days.rowCount() > 0)
    wait(lambda: not track.visibleRegion().isEmpty())
    app.processEvents()
    desk.window.grab().save(str(out / "track-record-2020-03-16.png"))
    print("wrote", out / "track-record-2020-03-16.png")
    desk.shutdown()
    desk.window.close()


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    cli(out, "board-2026-02-10.png", "--screens", "2", "--size", "1920x1080")
    cli(out, "board-hidpi.png", "--size", "1280x720", scale="2")
    cli(out, "light-theme.png", "--theme", "light", "--size", "1600x900")
    for day in ("2026-02-05", "2020-03-16"):
        cli(out, f"book-{day}.png", "--book", str(REPO / "resources" / "sample_book.csv"),
            "--size", "1920x1080", replay=("history", f"{day}T21:00Z"))
    in_process(out)


if __name__ == "__main__":
    main()
