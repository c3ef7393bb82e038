"""Builds the QApplication, config, data sources, workers and main window; nothing else.

Live by default (one feed worker per live source: Yahoo, the crypto venues, FRED, the
liquidation websockets; the local cache paints first), or one replay (`--replay`) or the cache
alone (`--source cache`). docs/ARCHITECTURE.md, Threads, says what runs where."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from deskapp import __version__
from deskapp.config import Config
from deskapp.malloc_tuning import tune_malloc

if TYPE_CHECKING:
    from deskapp.data.replay import ReplayDataset

log = logging.getLogger("deskapp")
CACHE_VIEW_DAYS = 120  # the live and cache sources' default span
GUI_SWITCH_INTERVAL_S = 0.0002  # sys.setswitchinterval for the desk (see Desk.__init__)
# gc thresholds once the start-up objects are frozen: a young generation of 10,000 objects,
# not Python's 700, so a full collection (25-60 ms with the GIL held) comes ~14x less often
# (_freeze_startup_objects; the passes run in the GUI thread, ui/gui_thread_gc.py).
GC_THRESHOLDS = (10_000, 10, 10)
OPEN_DAY_UTC = "21:00"  # a Track-record day opens at its US close (the table's step)


@dataclass(frozen=True)
class DeskOptions:
    config: Config
    dataset: ReplayDataset | None  # None for the live and cache sources
    at: pd.Timestamp | None
    speed: float
    screenshot: Path | None = None
    size: tuple[int, int] | None = None
    journal: str | None = None  # a file or a postgresql:// URL; else config, else data dir
    source: str = "replay"  # replay | live | cache | team
    screens: int | None = None  # --screens N: windows in all (main + watch screens)
    theme: str | None = None  # --theme dark|light (else the saved choice; dark by default)
    head_start: object | None = None  # startup_board.HeadStart: the cache's board, computing
    market_url: str | None = None  # source "team": the team feed's postgresql:// URL
    # Boards after the first computed in a child process (deskapp/engine_process.py); the
    # desk command turns it on, tests build desks without it unless they test it.
    engine_process: bool = False
    book: object | None = None  # --book FILE.csv: a portfolio.Book shown instead of the stored


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


_startup_frozen = False
STARTUP_GC_PAUSE_LIMIT_MS = 10_000


def _freeze_startup_objects(_view=None) -> None:
    """Once the first board is drawn, move every object made so far (modules, widgets, the
    replay's frames) out of the cyclic garbage collector's reach (`gc.freeze`). A full
    collection otherwise walked all of them: ~80 ms with the GIL held, in whichever thread
    it fell, a GUI stall (benchmarks/gui_latency.py); later collections walk only newer
    objects. Only the first call in a process does anything. It also turns collection back on
    (the command line pauses it for the start, cli._run) with GC_THRESHOLDS: a board makes
    thousands of short-lived objects, and at Python's default every ~10 s brought a full
    collection of the ~35,000 newer objects, 25-60 ms of GUI stall (benchmarks/soak.py).
    Collection comes back in the GUI thread only (ui/gui_thread_gc.py): Qt objects that die
    in a cycle must not be destroyed by a worker thread."""
    global _startup_frozen
    if not _startup_frozen:
        from deskapp.ui.gui_thread_gc import install

        _startup_frozen = True
        gc.freeze()
        install(GC_THRESHOLDS)


class Desk:
    """The running desk: journal, main window, replay feed and compute workers, wired together.

    Needs a QApplication. `start()` launches the worker threads; `shutdown()` stops and joins
    them and closes the journal (idempotent).
    """

    def __init__(self, opts: DeskOptions, sources: list | None = None,
                 meta: dict[str, dict] | None = None):
        from PySide6.QtCore import QSettings

        from deskapp.journal.locate import RefusedJournal, open_journal, resolve_location
        from deskapp.journal.model import JournalError
        from deskapp.paths import config_dir
        from deskapp.ui.main_window import MainWindow
        from deskapp.ui.workers import ComputeWorker, FeedWorker, WorkerThreads

        # The GUI thread gets the GIL back from a busy compute or feed thread within 0.2 ms,
        # not Python's default 5 ms: a paint or a new window's first layout crosses from C++
        # into Python hundreds of times, each a wait for the GIL (heartbeat max 60-80 ms ->
        # under 35 ms in benchmarks/gui_latency.py at 1 ms; a watch screen's opening in the
        # soak 828 ms at 1 ms -> 254 ms at 0.2 ms, as many boards drawn).
        sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
        tune_malloc()  # freed arrays go back to the system (a day-long desk stays flat)
        location = resolve_location(opts.journal, opts.config.journal_url)
        try:
            self.journal = open_journal(location, __version__, recover=True)
        except JournalError as exc:  # the desk runs and says why it records nothing
            log.warning("recording is off: %s", exc)
            self.journal = RefusedJournal(location, str(exc))
        settings = None
        if opts.screenshot is None:  # a screenshot always shows the default layout
            settings = QSettings(str(config_dir() / "deskapp.ini"), QSettings.Format.IniFormat)
        self.cache = None
        injected = sources
        if sources is not None:  # injected (load tests): live-like sources of the caller's
            meta, view_days, title, interval = meta or {}, 120, "injected sources", 200
        elif opts.source == "replay":
            from deskapp.data.replay import ReplayClock, ReplaySource

            info = opts.dataset.info
            sources = [ReplaySource(opts.dataset,
                                    ReplayClock(opts.at, opts.speed, info.start, info.end))]
            meta, view_days, title, interval = opts.dataset.meta, info.view_days, info.title, 250
        else:
            from deskapp.data.cache import MarketCache
            from deskapp.data.sources import CacheSource, live_sources, universe_meta
            from deskapp.paths import data_dir

            self.cache = MarketCache(data_dir() / "market-cache.sqlite3")
            meta, view_days, interval = universe_meta(), CACHE_VIEW_DAYS, 1000
            if opts.source == "team":  # each poll waits up to 0.2 s for the collector's NOTIFY
                from deskapp.data.team_source import TeamSource

                sources = [TeamSource(opts.market_url, cache=self.cache, wait_s=0.2)]
                interval = 10
            else:
                sources = (live_sources(self.cache, data_dir()) if opts.source == "live"
                           else [CacheSource(self.cache)])
            title = ("live: Yahoo Finance + Binance/Bybit/OKX + FRED" if opts.source == "live"
                     else "team feed (PostgreSQL)" if opts.source == "team"
                     else "cache only (offline)")
        self.window = MainWindow(self.journal, settings, opts.speed, title,
                                 replay=opts.source == "replay")
        if opts.size:
            self.window.resize(*opts.size)
        elif not self.window.screens.restored:
            self.window.resize(1600, 950)
        if opts.screens is not None:  # the saved layout if it has N windows, else distributed
            self.window.screens.ensure_count(opts.screens)
        if opts.size:
            for watch in self.window.screens.windows:
                watch.resize(*opts.size)
        self.sources = sources
        self.feeds = [FeedWorker(src, interval_ms=interval) for src in sources]
        self.feed = self.feeds[0]
        self.source = sources[0]
        self.first_board = None  # a board to draw before the workers start, and what it is
        self.first_board_note = ""
        self.head_start = opts.head_start if injected is None and opts.source == "cache" else None
        self._head_handled = False
        self._show_pending = None  # show_when_ready's window show, until the head start is in
        self._show_filter = None  # draws the kept first board as the window shows
        keeper = None
        if injected is None and opts.source == "replay" and opts.at is not None:
            from deskapp.signals.engine import SignalSettings
            from deskapp.startup_board import FirstBoardKeeper, board_key, load_board

            at = min(max(opts.at, opts.dataset.info.start), opts.dataset.info.end)
            key = board_key(opts.dataset, at, SignalSettings.from_config(opts.config), view_days)
            self.first_board = load_board(key)
            self.first_board_note = "board kept from the last start"
            keeper = None if self.first_board is not None else FirstBoardKeeper(key, at)
        self.compute = ComputeWorker(opts.config, meta, view_days, journal=self.journal,
                                     on_board=keeper, gate=self.window.gate,
                                     engine_process=opts.engine_process)
        w = self.window
        for feed in self.feeds:
            feed.sig_batch.connect(self.compute.on_batch)
            feed.sig_batch.connect(w.on_feed_batch)
            feed.sig_error.connect(w.show_feed_error)
        self.compute.sig_error.connect(w.show_feed_error)
        self.compute.sig_board.connect(w.apply_board_staged)
        self.compute.sig_outcomes.connect(w.reload_review)
        self.book_worker = _book_worker(w, self.journal, self.compute, opts.book)
        self.alerts = _alert_center(w, opts.config)
        self.compute.sig_alerts.connect(self.alerts.on_alerts)
        w.sig_decision_saved.connect(self.compute.decision_saved)
        w.sig_open_day.connect(self.open_day)
        w.sig_speed.connect(self.feed.set_speed)
        w.sig_board_drawn.connect(
            lambda v: w.set_perf(self.first_board_note if v is self.first_board
                                 else f"compute {self.compute.last_compute_ms:.0f} ms"))
        w.sig_board_drawn.connect(_freeze_startup_objects)
        if isinstance(self.journal, RefusedJournal):
            _recording_off(w, self.journal.reason, self.journal.location)
        if getattr(self.journal, "recovered_from", None) is not None:
            w.show_feed_error(f"the decision journal was unreadable and was moved aside to "
                              f"{self.journal.recovered_from}; a new journal was started")
        if self.cache is not None and getattr(self.cache, "recovered_from", None):
            w.show_feed_error(f"the market cache was unreadable and was moved aside to "
                              f"{self.cache.recovered_from}; a new one is being filled")
        self.threads = WorkerThreads()
        self._first_drawn = False
        self._closed = False
        self.opened_elsewhere: list[list[str]] = []  # desks started by open_day (arguments)

    def open_day(self, day: str) -> None:
        """Show the US close of `day` (a Track-record row): seek this replay when it holds that
        time, else open the bundled `history` replay there in a new desk process."""
        at = pd.Timestamp(f"{day}T{OPEN_DAY_UTC}Z")
        clock = getattr(self.source, "clock", None)
        info = getattr(getattr(self.source, "dataset", None), "info", None)
        if clock is not None and info is not None and info.start <= at <= info.end:
            self.source.seek(at)
            return
        args = ["--replay", "history", "--at", f"{day}T{OPEN_DAY_UTC}Z"]
        if getattr(sys, "frozen", False):  # the built app: its own binary takes the arguments
            program = sys.executable
        else:
            program, args = sys.executable, ["-m", "deskapp", *args]
        from PySide6.QtCore import QProcess

        if QProcess.startDetached(program, args)[0]:
            self.opened_elsewhere.append(args)
        else:
            self.window.show_feed_error(f"could not start a desk on history at {day}")

    def start(self) -> None:
        """Start the workers. With a kept first board, give it to the window first and start
        them a turn later (they would take the GUI thread's time while it paints)."""
        if self._closed:
            return
        if self.head_start is not None and not self._head_handled:
            self._await_head_start()
            return
        if self.first_board is not None and not self._first_drawn:
            from PySide6.QtCore import QTimer

            window = self.window

            def drawn(_view) -> None:
                window.sig_board_drawn.disconnect(drawn)
                self._first_drawn = True
                QTimer.singleShot(0, window, self.start)  # after what the paint queued

            window.sig_board_drawn.connect(drawn)
            # In one go, as the window shows (start comes before show): its first paint is the
            # whole board instead of empty panes filled one by one.
            self._draw_first_when_shown()
            return
        self.threads.start(self.compute, "compute")
        self.threads.start(self.book_worker, "book", self.book_worker.load)
        for src, feed in zip(self.sources, self.feeds, strict=True):
            name = "feed-replay" if src.kind == "replay" else f"feed-{src.name}"
            self.threads.start(feed, name, feed.start)
        self.window.reload_review()

    def _draw_first_when_shown(self) -> None:
        """Draw the kept first board in the window's show, once it is laid out and before
        its first paint. Drawn on a window not yet shown, the checklist's cards took heights
        for another width (taller, with blank space) and the plots' y ranges another height:
        a second start at the same moment did not look like the first. A window not shown by
        the end of this turn gets it hidden."""
        from PySide6.QtCore import QEvent, QObject, QTimer

        window, board = self.window, self.first_board
        if window.isVisible():
            window.apply_board(board)
            return

        class OnShow(QObject):
            def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
                if event.type() == QEvent.Type.Show and obj is window:
                    draw()
                return False

        def draw() -> None:
            if self._show_filter is None:
                return
            window.removeEventFilter(self._show_filter)
            self._show_filter = None
            window.apply_board(board)

        self._show_filter = OnShow(window)
        window.installEventFilter(self._show_filter)
        QTimer.singleShot(0, window, draw)

    HEAD_START_WAIT_MS = 3000  # the helper process's board, at most this long after start()
    SHOW_WAIT_MS = 400  # a window waiting for the head-start board shows at most this late

    def show_when_ready(self, show) -> None:
        """Call `show` (the window's) now, or, while the head-start board is on its way, once
        it is drawn in the window (at most SHOW_WAIT_MS later): the window's first paint is
        then the board, not empty panes painted again a moment later, as with a kept replay
        board. No window is on screen meanwhile, so nothing looks frozen."""
        if self.head_start is None or self._head_handled:
            show()
            return
        from PySide6.QtCore import QTimer

        shown: list[bool] = []

        def once() -> None:
            if not shown and not self._closed:
                shown.append(True)
                show()

        self._show_pending = once
        QTimer.singleShot(self.SHOW_WAIT_MS, self.window, once)

    def _await_head_start(self) -> None:
        """Start once the helper process's board is here (drawn first), or failed, or late."""
        from PySide6.QtCore import QObject, QTimer, Signal

        class Relay(QObject):
            sig = Signal(object)

        relay = self._head_relay = Relay(self.window)
        relay.sig.connect(self._on_head_start)
        self.head_start.on_result = relay.sig.emit  # from its waiting thread: queued here
        if self.head_start.done.is_set():
            self._on_head_start(self.head_start.board)
        QTimer.singleShot(self.HEAD_START_WAIT_MS, self.window, lambda: self._on_head_start(None))

    def _on_head_start(self, board) -> None:
        if self._head_handled:
            return
        self._head_handled = True
        if board is not None and self.window.view is None:
            self.first_board = board
            self.first_board_note = "first board computed beside start-up"
            log.info("first board from the head-start process, at %s", board.asof)
        else:
            log.info("no head-start board: the compute worker makes the first one")
        self.start()  # draws the head-start board first, in one go
        pending, self._show_pending = self._show_pending, None
        if pending is not None:
            pending()

    JOIN_TIMEOUT_MS = 5000  # how long shutdown waits for each thread (and the review's pool)

    def shutdown(self) -> bool:
        """Stop and join every worker thread, close the journal. True if all threads joined."""
        if self._closed:
            return True
        self._closed = True
        if self.head_start is not None:
            self.head_start.close()
        joined = self.threads.shutdown(self.JOIN_TIMEOUT_MS)
        self.alerts.close()
        review = self.window.built_review()
        if review is not None:
            joined = review.pool.waitForDone(self.JOIN_TIMEOUT_MS) and joined
        joined = self.window.journal_writer.wait(self.JOIN_TIMEOUT_MS) and joined  # in flight
        self.journal.close()
        if self.cache is not None:
            self.cache.close()
        return joined


def _book_worker(window, journal, compute, book):
    """The book worker (ui/book_worker.py), wired: the compute worker's market states and the
    window's book in, figures and stored versions out. A `book` given (--book) replaces the
    stored one once that is loaded (and is stored as a new version when it differs)."""
    from deskapp.ui.book_worker import BookWorker

    worker = BookWorker(journal)
    state = window.book
    compute.sig_state.connect(worker.on_state)
    state.sig_inputs.connect(worker.set_inputs)
    state.sig_save.connect(worker.save)
    worker.sig_figures.connect(state.on_figures)
    worker.sig_failed.connect(state.on_failed)
    worker.sig_saved.connect(state.on_saved)
    worker.sig_error.connect(state.on_error)
    worker.sig_loaded.connect(state.on_loaded)
    state.given = book
    return worker


BOOK_WAIT_MS = 60_000  # a screenshot waits at most this long for the book's figures


def _wait_for_book(window, waiting: set, drawn) -> None:
    """Screenshot with --book: raise the Book dock, give it half the window, and count its
    figures (or their failure) as one more thing to be drawn before the PNG is written."""
    from PySide6.QtCore import Qt, QTimer

    d = window.docks
    d["book"].raise_()
    waiting.add("book")
    state = window.book

    def check() -> None:
        if "book" in waiting and state.book.positions and (
                state.figures is not None or state.status.startswith("book figures failed")):
            width, height = window.width(), window.height()
            window.resizeDocks([d["macro"], d["leadership"], d["book"]],
                               [int(width * 0.26), int(width * 0.26), int(width * 0.48)],
                               Qt.Orientation.Horizontal)
            window.resizeDocks([d["book"], d["checklist"]],
                               [int(height * 0.62), int(height * 0.38)], Qt.Orientation.Vertical)
            checklist = window.checklist  # its execution step, where the book's line is
            checklist.scroll.ensureWidgetVisible(checklist.cards[-1])
            # The docks take their new sizes in the next turn; draw the book in them, then save.
            QTimer.singleShot(0, window, lambda: (window.book_panel and
                                                  window.book_panel.refresh(), drawn("book")))

    state.sig_changed.connect(check)
    QTimer.singleShot(BOOK_WAIT_MS, window, lambda: drawn("book") if "book" in waiting
                      else None)


def _recording_off(window, reason: str, location: str) -> None:
    """The status bar and the decision buttons say that nothing will be recorded, and why
    (the status bar in short: the file's name and the first clause; the tooltip in full)."""
    from PySide6.QtWidgets import QLabel

    from deskapp.ui import theme

    short = reason.split(";")[0]
    if "://" not in location:
        short = short.replace(location, Path(location).name or location)
    label = QLabel(f"⚠ recording is off: {short}")
    label.setObjectName("status_journal")
    label.setStyleSheet(f"color:{theme.RED}; font-weight:bold;")
    label.setToolTip(reason)
    window.statusBar().addPermanentWidget(label)
    window.checklist.set_recording_off(reason)


def _alert_center(window, config: Config):
    """Banner, history dock, tray and alerts.jsonl for the worker's alerts (ui/alerts.py)."""
    from deskapp.paths import data_dir
    from deskapp.ui.alerts import AlertCenter

    cfg = config.alerts
    window.alert_banner.hide_after_ms = cfg.banner_seconds * 1000
    return AlertCenter(window.alert_banner, window.alert_history, window.docks["alerts"],
                       tray=cfg.tray,
                       history_file=data_dir() / "alerts.jsonl" if cfg.history_file else None)


def run_desk(opts: DeskOptions) -> int:
    """Open the desk on a replay; returns the process exit code."""
    t_start = time.perf_counter()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from deskapp.paths import data_dir
    from deskapp.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("deskapp")
    app.setOrganizationName("deskapp")
    app.setApplicationVersion(__version__)
    apply_theme(app, _theme_name(opts))
    _setup_logging(data_dir())
    _install_crash_net()

    from deskapp.commands.checks import printable
    from deskapp.data.cache import CacheError
    from deskapp.journal.model import JournalError

    try:
        desk = Desk(opts)
    except (JournalError, CacheError) as exc:  # e.g. a newer journal, a cache path that is a
        print(f"deskapp: {printable(exc)}", file=sys.stderr)  # folder: refuse, touch nothing
        return 2
    window = desk.window
    app.aboutToQuit.connect(desk.shutdown)
    result = {"code": 0}
    if opts.screenshot is not None:
        target = opts.screenshot
        windows = window.screens.all_windows()  # main, then each watch screen
        waiting = set(range(len(windows)))

        def drawn(index: int) -> None:
            waiting.discard(index)
            if not waiting:
                # After the events already queued (layout), render every window to a PNG.
                QTimer.singleShot(0, lambda: _save(windows, target, result, t_start, app))

        for i, win in enumerate(windows):
            win.sig_board_drawn.connect(lambda _view, i=i: drawn(i))
        if opts.book is not None:  # the Book dock in front, and its figures in the picture
            _wait_for_book(window, waiting, drawn)
    _quit_on_signals(app, result)
    # Collection comes back with the first board; a desk whose first board never comes (no
    # data at all) must not run on without it.
    QTimer.singleShot(STARTUP_GC_PAUSE_LIMIT_MS, _freeze_startup_objects)
    desk.start()
    desk.show_when_ready(window.show)
    code = app.exec()
    desk.shutdown()
    if opts.screenshot is not None and not result.get("saved") and "signal" in result:
        name = signal.Signals(result["signal"]).name
        print(f"deskapp: stopped by {name} before the screenshot was written; no PNG",
              file=sys.stderr)
        return 128 + result["signal"]
    return result["code"] or code


def _quit_on_signals(app, result: dict) -> None:
    """Ctrl+C and SIGTERM close the desk cleanly (threads joined) instead of killing it; the
    signal is noted in `result` (a screenshot run it stops must not look like a success)."""
    from PySide6.QtCore import QTimer

    def stop(signum, _frame) -> None:
        result.setdefault("signal", signum)
        app.quit()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    # Python runs signal handlers only when it holds control: wake it up a few times a second.
    ticker = QTimer(app)
    ticker.timeout.connect(lambda: None)
    ticker.start(200)


def screenshot_paths(target: Path, count: int) -> list[Path]:
    """PATH.png for the main window, then PATH-screen2.png, PATH-screen3.png, ..."""
    return [target] + [target.with_name(f"{target.stem}-screen{i}{target.suffix}")
                       for i in range(2, count + 1)]


def write_png(image, path: Path) -> bool:
    """Save a QImage as PNG at `path`, whole or not at all: written to a temporary file in
    the same folder, then renamed over `path` (a kill mid-write leaves the previous file)."""
    from deskapp.commands.checks import temp_beside

    tmp = temp_beside(path)
    try:
        if image.save(str(tmp), "PNG"):
            os.replace(tmp, path)
            return True
    except OSError as exc:
        log.warning("screenshot %s not written: %s", path, exc)
    tmp.unlink(missing_ok=True)
    return False


def _save(windows: list, target: Path, result: dict, t_start: float, app) -> None:
    if result.get("saved"):
        return
    result["saved"] = True
    for window, path in zip(windows, screenshot_paths(target, len(windows)), strict=True):
        image = window.grab().toImage()  # device pixels: W x H times the scale factor
        if not write_png(image, path):
            from deskapp.commands.checks import output_problem, printable

            why = output_problem(path) or "the PNG could not be encoded"
            print(f"deskapp: could not write screenshot {printable(path)}: {why}",
                  file=sys.stderr)
            result["code"] = 1
        else:
            log.info("screenshot %s written %.2f s after start", path,
                     time.perf_counter() - t_start)
    app.quit()


def _theme_name(opts: DeskOptions) -> str:
    """--theme, else (not for screenshots, which always look the same) the saved choice."""
    from deskapp.ui import theme

    if opts.theme is not None:
        return opts.theme
    if opts.screenshot is not None:
        return theme.DEFAULT_THEME
    from PySide6.QtCore import QSettings

    from deskapp.paths import config_dir

    return theme.saved_theme(QSettings(str(config_dir() / "deskapp.ini"),
                                       QSettings.Format.IniFormat))
