"""Builds the QApplication, config, data source, workers and main window; nothing else."""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from deskapp import __version__
from deskapp.config import Config
from deskapp.data.replay import ReplayClock, ReplayDataset, ReplaySource

log = logging.getLogger("deskapp")


@dataclass(frozen=True)
class DeskOptions:
    config: Config
    dataset: ReplayDataset
    at: pd.Timestamp
    speed: float
    screenshot: Path | None = None
    size: tuple[int, int] | None = None
    journal: Path | None = None


def _setup_logging(log_dir: Path) -> None:
    root = logging.getLogger()
    if root.handlers:
        return
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(fmt)
    root.addHandler(console)
    try:
        file = logging.FileHandler(log_dir / "deskapp.log", encoding="utf-8")
        file.setFormatter(fmt)
        root.addHandler(file)
    except OSError as exc:
        log.warning("no log file: %s", exc)


def _install_crash_net() -> None:
    """Log any exception that escapes a slot or thread instead of dying silently."""

    def hook(exc_type, exc, tb):
        log.critical("unhandled exception", exc_info=(exc_type, exc, tb))

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value, a.exc_traceback)


def run_desk(opts: DeskOptions) -> int:
    """Open the desk on a replay; returns the process exit code."""
    t_start = time.perf_counter()
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from deskapp.journal.store import JournalStore
    from deskapp.paths import config_dir, data_dir, journal_path
    from deskapp.ui.main_window import MainWindow
    from deskapp.ui.theme import apply_theme
    from deskapp.ui.workers import ComputeWorker, FeedWorker, WorkerThreads

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("deskapp")
    app.setOrganizationName("deskapp")
    app.setApplicationVersion(__version__)
    apply_theme(app)
    _setup_logging(data_dir())
    _install_crash_net()

    info = opts.dataset.info
    journal = JournalStore(opts.journal or journal_path(), __version__)
    settings = None
    if opts.screenshot is None:  # a screenshot always shows the default layout
        settings = QSettings(str(config_dir() / "deskapp.ini"), QSettings.Format.IniFormat)
    window = MainWindow(journal, settings, opts.speed, info.title)
    if opts.size:
        window.resize(*opts.size)
    elif settings is None or settings.value("window/geometry") is None:
        window.resize(1600, 950)

    source = ReplaySource(opts.dataset, ReplayClock(opts.at, opts.speed, info.start, info.end))
    feed = FeedWorker(source, interval_ms=250)
    compute = ComputeWorker(opts.config, opts.dataset.meta, info.view_days)
    feed.sig_batch.connect(compute.on_batch)
    feed.sig_error.connect(lambda _k, m: window.show_feed_error(m))
    compute.sig_error.connect(window.show_feed_error)
    compute.sig_board.connect(window.apply_board)
    window.sig_speed.connect(feed.set_speed)
    window.sig_board_drawn.connect(
        lambda _v: window.set_perf(f"compute {compute.last_compute_ms:.0f} ms"))

    threads = WorkerThreads()
    app.aboutToQuit.connect(threads.shutdown)
    threads.start(compute, "compute")
    threads.start(feed, "feed-replay", feed.start)

    result = {"code": 0}
    if opts.screenshot is not None:
        target = opts.screenshot

        def grab(_view) -> None:
            window.sig_board_drawn.disconnect(grab_slot[0])
            # After the events already queued (layout), render the window into an image.
            QTimer.singleShot(0, lambda: _save(window, target, result, t_start, app))

        grab_slot = [grab]
        window.sig_board_drawn.connect(grab)
    window.show()
    code = app.exec()
    threads.shutdown()
    journal.close()
    return result["code"] or code


def _save(window, target: Path, result: dict, t_start: float, app) -> None:
    image = window.grab().toImage()
    if not image.save(str(target), "PNG"):
        print(f"deskapp: could not write screenshot {target}", file=sys.stderr)
        result["code"] = 1
    else:
        log.info("screenshot %s written %.2f s after start", target, time.perf_counter() - t_start)
    app.quit()
