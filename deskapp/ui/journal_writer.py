"""Journal writes off the GUI thread.

A decision is committed in a pool thread (a `postgresql://` journal can wait up to its lock
timeout, or its statement timeout, on a busy server; SQLite up to its busy timeout). `saved`
or `failed` arrives in the GUI thread only after `journal.record` has returned, so whatever
says "saved" on screen is said after the commit. One write at a time: `submit` refuses a second
while one is pending (the checklist disables its decision buttons meanwhile).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from deskapp.journal.model import Decision, JournalError

log = logging.getLogger(__name__)


class JournalWriter(QObject):
    """Commits one `Decision` at a time in its own pool thread (lives in the GUI thread)."""

    saved = Signal(str, str)  # record id, decision: after the commit returned
    failed = Signal(str, str)  # decision, one-line reason: nothing was saved
    _done = Signal(str, str, str)  # from the pool thread: record id ("" on failure), decision,
    #                                reason

    def __init__(self, journal, parent: QObject | None = None):
        super().__init__(parent)
        self.journal = journal
        self.pending: str | None = None  # the decision being written, if any
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._done.connect(self._finished)  # queued: emitted in the pool thread

    def submit(self, decision: Decision) -> bool:
        """Start writing `decision`; False (nothing started) while another write is pending."""
        if self.pending is not None:
            return False
        self.pending = decision.decision
        self.pool.start(lambda: self._write(decision))
        return True

    def _write(self, decision: Decision) -> None:
        """In the pool thread: the commit, and nothing that touches a widget."""
        try:
            rid = self.journal.record(decision)
        except (JournalError, ValueError) as exc:
            self._done.emit("", decision.decision, str(exc))
            return
        except Exception as exc:  # a broken journal must say NOT saved, not kill the thread
            log.exception("decision %s not saved", decision.decision)
            self._done.emit("", decision.decision, f"{type(exc).__name__}: {exc}")
            return
        self._done.emit(rid, decision.decision, "")

    @Slot(str, str, str)
    def _finished(self, rid: str, decision: str, reason: str) -> None:
        self.pending = None
        if rid:
            log.info("decision %s saved as %s", decision, rid)
            self.saved.emit(rid, decision)
        else:
            log.error("decision %s not saved: %s", decision, reason)
            self.failed.emit(decision, reason)

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until the write in flight (if any) returned: before the journal is closed."""
        return self.pool.waitForDone(timeout_ms)
