"""The book's figures and its journal storage, off the GUI thread.

`BookWorker` lives in its own QThread. It keeps the newest market state the compute worker
hands on (`on_state`) and the inputs the desk gives (`set_inputs`: book, risk limit, hedge
target) and computes `signals.book.book_figures` when either changed, at most once per
`EVERY_S` wall seconds by its injected monotonic clock (a fast replay's boards are merged).
It also loads the stored book at start and saves each edited one as a new journal version.
Nothing here touches a widget: results leave through queued signals.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal, Slot

from deskapp.ui.workers import _Worker

log = logging.getLogger(__name__)


def _default_figures(book, frames, at, *, limit_pct: float, hedge_target: str, meta=None):
    from deskapp.signals.book import book_figures  # imported on first use, not at start-up

    return book_figures(book, frames, at, limit_pct=limit_pct, hedge_target=hedge_target,
                        meta=meta)


class BookWorker(_Worker):
    """Computes the book's figures and stores its versions (see the module docstring)."""

    sig_figures = Signal(object, int)  # BookFigures.as_dict() (or None), the inputs' serial
    sig_failed = Signal(str, int)  # one line: why there are no figures, the inputs' serial
    sig_loaded = Signal(object, int)  # the stored rows (list[dict]) or None, its version (0)
    sig_saved = Signal(int)  # the version the edited book was stored as
    sig_error = Signal(str)  # the journal refused a load or a save

    EVERY_S = 1.0  # at most one computation per this many wall seconds

    def __init__(self, journal, figures: Callable | None = None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.journal = journal
        self._figures = figures or _default_figures
        self._clock = clock
        self._state = None
        self._inputs = None  # (book, limit_pct, hedge_target, serial)
        self._done_key: tuple | None = None
        self._computed_at = float("-inf")
        self._timer: QTimer | None = None
        self.computed = 0  # how many times figures were computed (tests count them)

    @Slot()
    def load(self) -> None:
        """Read the newest stored book (the thread's start)."""
        try:
            stored = self.journal.book() if hasattr(self.journal, "book") else None
        except Exception as exc:  # a journal that cannot be read: the desk runs without a book
            log.warning("book not loaded: %s", exc)
            self.sig_error.emit(f"book not loaded: {exc}")
            self.sig_loaded.emit(None, 0)
            return
        if stored is None:
            self.sig_loaded.emit(None, 0)
        else:
            self.sig_loaded.emit(stored["rows"], int(stored["version"]))

    @Slot(object)
    def save(self, rows: list[dict]) -> None:
        """Store the edited book's rows as a new version."""
        try:
            version = self.journal.save_book(rows)
        except Exception as exc:
            self.sig_error.emit(f"book NOT saved: {exc}")
            return
        self.sig_saved.emit(int(version))

    @Slot(object)
    def on_state(self, state) -> None:
        """The market state of the newest board (frames, clock). The first one waits EVERY_S
        like any other: the desk's first board is painted before the book's figures take
        their share of the GIL."""
        if self._state is None and self._computed_at == float("-inf"):
            self._computed_at = self._clock()
        self._state = state
        self._schedule()

    @Slot(object, float, str, int)
    def set_inputs(self, book, limit_pct: float, hedge_target: str, serial: int) -> None:
        self._inputs = (book, float(limit_pct), hedge_target, int(serial))
        self._schedule()

    def _key(self) -> tuple | None:
        s, inputs = self._state, self._inputs
        if s is None or inputs is None or s.clock is None:
            return None
        return (inputs[3], s.source, s.dataset, s.clock, id(s.frames))

    def _schedule(self) -> None:
        key = self._key()
        if key is None or key == self._done_key:
            return
        if self._timer is None:  # created here, in the worker's thread
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._compute)
        wait_s = self.EVERY_S - (self._clock() - self._computed_at)
        if not self._timer.isActive():
            self._timer.start(int(max(0.0, wait_s) * 1000))

    def _compute(self) -> None:
        key = self._key()
        if key is None or key == self._done_key:
            return
        self._done_key = key
        self._computed_at = self._clock()
        book, limit, target, serial = self._inputs
        s = self._state
        self.computed += 1
        if not book.positions:
            self.sig_figures.emit(None, serial)
            return
        try:
            figures = self._figures(book, s.frames, s.clock, limit_pct=limit,
                                    hedge_target=target, meta=getattr(s, "meta", None))
            data = figures.as_dict() if hasattr(figures, "as_dict") else dict(figures)
        except Exception as exc:  # the book must never stop the desk
            log.exception("book figures failed at %s", s.clock)
            self.sig_failed.emit(f"book figures failed: {exc}", serial)
            return
        self.sig_figures.emit(data, serial)

    @Slot()
    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.journal = None
        self._finish()
