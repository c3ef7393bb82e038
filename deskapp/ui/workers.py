"""Worker threads: one poller per source and one compute worker (DESIGN.md section 3).

What crosses threads, always through queued Qt signals: `FeedBatch` (feed -> compute and the
window), `Board` (panes and the typed, frozen Snapshot: compute -> window), the alerts a snapshot
fired and the count of outcomes filled (compute -> GUI), and a decision's record id (GUI ->
compute, to fill its outcomes). All are immutable or not touched again by the sender. The compute
worker's board rate and outcome throttle read an injected monotonic clock.
Every worker is a QObject moved to its own QThread; `WorkerThreads.shutdown()` stops and joins
them all, so closing the window never leaves a thread running.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import (
    QCoreApplication,
    QMetaObject,
    QObject,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from deskapp.config import Config
from deskapp.cpu_priority import lower_this_thread
from deskapp.data.feed import FeedBatch, FeedSource
from deskapp.data.hub import MarketState
from deskapp.engine_process import EngineGone
from deskapp.signals.alerts import AlertEngine
from deskapp.signals.engine import SignalCache, SignalSettings, compute
from deskapp.signals.snapshot import Snapshot
from deskapp.ui.gui_gate import GuiGate

log = logging.getLogger(__name__)


class _Worker(QObject):
    """Base: lives in a QThread. Subclasses define a `stop` slot that ends with `_finish()`."""

    def _finish(self) -> None:
        """In the worker's thread: hand the object back to the GUI thread and end the thread."""
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        QThread.currentThread().quit()


class FeedWorker(_Worker):
    """Polls a FeedSource on a timer in its own thread and emits what changed."""

    sig_batch = Signal(object)  # FeedBatch
    sig_error = Signal(str, str)  # key ("" for the whole source), message

    def __init__(self, source: FeedSource, interval_ms: int = 250):
        super().__init__()
        self.source = source
        self.interval_ms = interval_ms
        self._timer: QTimer | None = None

    @Slot()
    def start(self) -> None:
        self._timer = QTimer(self)
        self._timer.setInterval(self.interval_ms)
        self._timer.timeout.connect(self.poll)
        self._timer.start()
        self.poll()

    @Slot()
    def poll(self) -> None:
        try:
            batch = self.source.poll()
        except Exception as exc:  # a source must never take the desk down
            log.exception("source %s failed", self.source.name)
            self.sig_error.emit("", f"{self.source.name}: {exc}")
            return
        self.sig_batch.emit(batch)

    @Slot(float)
    def set_speed(self, speed: float) -> None:
        clock = getattr(self.source, "clock", None)
        if clock is not None:
            clock.set_speed(speed)
            self.poll()

    @Slot()
    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.source.close()
        self._finish()


class ComputeWorker(_Worker):
    """Merges batches into the market state and recomputes the board, coalescing bursts."""

    sig_board = Signal(object)  # BoardView
    sig_error = Signal(str)
    sig_outcomes = Signal(int)  # how many decision outcomes were just filled in
    sig_alerts = Signal(list)  # [Alert]: what the new snapshot changed (signals/alerts.py)
    sig_state = Signal(object)  # MarketState of each board (immutable): the book worker's input

    # Outcomes are looked for at most this often (wall seconds), and after each decision.
    OUTCOME_EVERY_S = 2.0
    # At most one board per this many wall seconds: batches arriving faster (a fast replay,
    # busy websockets) are merged into the next board. A board costs ~0.1 s of Python in this
    # thread; computing them back to back kept the GIL from the GUI thread (heartbeat stalls
    # in benchmarks/gui_latency.py).
    BOARD_EVERY_S = 0.25

    def __init__(self, config: Config, meta: dict[str, dict], view_days: int, journal=None,
                 clock: Callable[[], float] = time.monotonic,
                 on_board: Callable[[object], None] | None = None,
                 gate: GuiGate | None = None, engine_process: bool = False):
        super().__init__()
        # With engine_process, boards are computed in a child process once it is ready
        # (deskapp/engine_process.py): no share of this process's GIL with the GUI thread.
        self._use_engine = engine_process
        self.engine = None  # EngineProcess, once started (at the first board)
        self.engine_boards = 0  # boards the engine process computed
        self.gate = gate  # a board waits between panes while the GUI thread holds it
        self._on_board = on_board  # called here, in the worker thread, with each board
        self.config = config
        self._clock = clock  # monotonic seconds: the board rate and the outcome throttle
        self._board_timer: QTimer | None = None
        self.journal = journal
        self._outcomes_at = float("-inf")
        self._outcome_timer_set = False
        self._outcome_mark: tuple = ()
        self._outcome_timer_obj: QTimer | None = None
        self.state = MarketState(meta=meta)
        self.view_days = view_days
        self._scheduled = False
        self._computed_at = float("-inf")  # monotonic start of the last board
        self._signal_cache = SignalCache()
        self.settings = SignalSettings.from_config(config)
        self.last_compute_ms = 0.0
        self.alerts = AlertEngine(config.alerts.cooldowns)

    @Slot(object)
    def on_batch(self, batch: FeedBatch) -> None:
        s = self.state
        # Nothing new: no rows, no errors, and a clock no later than the board's (several live
        # sources each report their own quiet clock; a paused replay repeats its moment).
        same = (not batch.frames and not batch.errors and s.clock is not None
                and batch.clock <= s.clock and batch.source == s.source)
        self.state = s.apply(batch)
        if self.engine is not None:
            try:
                self.engine.apply(batch)
            except EngineGone as exc:
                self._drop_engine(exc)
        if same:
            return  # a paused (or ended) replay polled the same moment again: the board is current
        # Every batch (re)arms the board timer for BOARD_EVERY_S after the last board began, by
        # the worker's clock; it runs after every batch already queued, so a burst costs one.
        if self._board_timer is None:  # created here, in the worker's thread
            self._board_timer = QTimer(self)
            self._board_timer.setSingleShot(True)
            self._board_timer.timeout.connect(self._compute)
        self._scheduled = True
        wait_s = self.BOARD_EVERY_S - (self._clock() - self._computed_at)
        self._board_timer.start(int(max(0.0, wait_s) * 1000))

    def _compute(self) -> None:
        self._scheduled = False
        s = self.state
        if s.clock is None:
            return
        self._computed_at = self._clock()
        if self._use_engine:  # its imports run on another core while this board is made here
            self._start_engine()
        t0 = time.perf_counter()
        pause = self.gate.pauser() if self.gate is not None else None
        try:
            view = self._engine_board(s, pause)
            if view is None:
                view = compute(s.frames, s.meta, s.clock, self.settings, source=s.source,
                               dataset=s.dataset, view_days=self.view_days,
                               cache=self._signal_cache, pause=pause)
        except Exception as exc:
            log.exception("board computation failed at %s", s.clock)
            self.sig_error.emit(f"computation failed: {exc}")
            return
        self.last_compute_ms = (time.perf_counter() - t0) * 1000
        self._alerts(view.snapshot, s)  # queued before the board: drawn implies delivered
        self.sig_board.emit(view)
        self.sig_state.emit(s)
        if self._on_board is not None:
            try:
                self._on_board(view)
            except Exception:  # e.g. the start-up board not kept: the desk runs on
                log.exception("board hook failed at %s", s.clock)
        self._outcomes_due()

    def _start_engine(self) -> None:
        """At the first board; until the child is ready, boards are made in this thread."""
        from deskapp.engine_process import EngineProcess

        self._use_engine = False  # once: a child that failed is not started again
        try:
            self.engine = EngineProcess(self.state.meta, self.settings)
        except Exception:  # cannot start a process here: compute in this thread
            log.exception("the engine process could not start; boards are computed here")

    def _engine_board(self, s: MarketState, pause) -> object | None:
        """The board from the engine process, or None when it is not ready (or gone)."""
        if self.engine is None:
            return None
        try:
            if not self.engine.ready:
                if not self.engine.poll_ready(s):
                    return None
                log.info("boards are computed in the engine process (pid %s)", self.engine.pid)
            view = self.engine.board(s.clock, self.view_days, before_read=pause)
            self.engine_boards += 1
            return view
        except EngineGone as exc:
            self._drop_engine(exc)
            return None

    def _drop_engine(self, exc: Exception) -> None:
        log.warning("%s; boards are computed in the desk's process from now on", exc)
        engine, self.engine = self.engine, None
        if engine is not None:
            engine.close(timeout_s=0.5)

    def _alerts(self, snapshot: Snapshot, s: MarketState) -> None:
        """Compare the new snapshot with the last ones; a replay seek back or another dataset
        starts a new baseline. Live sources each send their own clock (up to 30 s apart) and
        name: for them the alert clock only moves forward and the stream is just "live"."""
        replay = s.source == "replay"
        last = self.alerts.last_time
        at = s.clock if replay or last is None else max(s.clock, last)
        try:
            fired = self.alerts.update(snapshot, at, s.source, s.dataset if replay else "")
        except Exception:  # an alert must never stop the board
            log.exception("alerts not evaluated at %s", s.clock)
            return
        if fired:
            self.sig_alerts.emit(fired)

    def _outcomes_due(self) -> None:
        """Fill outcomes now, or once the throttle allows (never later than OUTCOME_EVERY_S)."""
        if self.journal is None or self._outcome_timer_set:
            return
        wait_s = self.OUTCOME_EVERY_S - (self._clock() - self._outcomes_at)
        if wait_s <= 0:
            self.fill_outcomes(force=False)
        else:
            self._outcome_timer_set = True
            if self._outcome_timer_obj is None:  # created here, in the worker's thread
                self._outcome_timer_obj = QTimer(self)
                self._outcome_timer_obj.setSingleShot(True)
                self._outcome_timer_obj.timeout.connect(self._outcome_timer)
            self._outcome_timer_obj.start(int(wait_s * 1000) + 1)

    def _outcome_timer(self) -> None:
        self._outcome_timer_set = False
        self.fill_outcomes(force=False)

    def _outcome_data_mark(self) -> tuple:
        """The newest bar of every series an outcome can be read from: unchanged, no outcome
        can have become complete since the last look."""
        from deskapp.signals.outcomes import SERIES

        frames = self.state.frames
        return tuple((k, frames[k].index[-1]) for keys in SERIES.values() for k in keys
                     if k in frames and len(frames[k]))

    @Slot(str)
    def decision_saved(self, _record_id: str) -> None:
        """A new decision: look for its outcomes now, whatever the data mark says."""
        self.fill_outcomes(force=True)

    def fill_outcomes(self, force: bool = True) -> None:
        """Store the outcomes of this market's decisions that the data now completes."""
        s = self.state
        if self.journal is None or s.clock is None:
            return
        from deskapp.journal.model import JournalError
        from deskapp.journal.outcome_fill import fill_outcomes

        mark = (s.source, s.dataset, self._outcome_data_mark())
        if not force and mark == self._outcome_mark:
            return
        self._outcome_mark = mark
        self._outcomes_at = self._clock()
        try:
            stored = fill_outcomes(self.journal, s.frames, s.meta, s.source, s.dataset,
                                   asof=s.clock)
        except (JournalError, ValueError) as exc:
            log.warning("decision outcomes not filled in: %s", exc)
            return
        if stored:
            log.info("filled in %d decision outcomes at %s", stored, s.clock)
            self.sig_outcomes.emit(stored)

    @Slot()
    def stop(self) -> None:
        for timer in (self._outcome_timer_obj, self._board_timer):
            if timer is not None:
                timer.stop()
        if self.engine is not None:
            self.engine.close()
            self.engine = None
        self.journal = None  # the desk closes it next; nothing here may touch it after stop
        self._finish()


class WorkerThreads:
    """Owns worker threads: start them, and stop + join them all on shutdown."""

    def __init__(self) -> None:
        self._items: list[tuple[QThread, _Worker]] = []

    def start(self, worker: _Worker, name: str, start_slot=None) -> None:
        """`worker` in a new thread named `name`, at a lower CPU priority than the GUI thread
        (deskapp/cpu_priority.py); `start_slot` runs first in it."""
        thread = QThread()
        thread.setObjectName(name)
        worker.moveToThread(thread)
        thread.started.connect(lower_this_thread, Qt.ConnectionType.DirectConnection)
        if start_slot is not None:
            thread.started.connect(start_slot)
        self._items.append((thread, worker))
        thread.start(QThread.Priority.LowPriority)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Ask every worker to stop in its own thread (it then quits the thread); join them all.

        True when every thread ended within the timeout.
        """
        ok = True
        for thread, worker in reversed(self._items):
            if thread.isRunning():
                QMetaObject.invokeMethod(worker, "stop", Qt.ConnectionType.QueuedConnection)
                ok = thread.wait(timeout_ms) and ok
        if not ok:
            log.error("a worker thread did not stop within %d ms", timeout_ms)
        self._items.clear()
        return ok

    @property
    def threads(self) -> list[QThread]:
        return [t for t, _ in self._items]
