"""Python's cyclic garbage collection, run in the GUI thread only.

Left automatic, a collection runs in whichever thread passes the threshold and frees there
every object that died in a reference cycle, Qt objects included: a closed window with its
panes, timers and thread pools, destroyed by a worker computing a board while the GUI thread
paints. Qt widgets may only be destroyed in the GUI thread; the test run crashed that way (a
worker's stack read `Garbage-collecting`, another run ended in `free(): invalid next size`).

pyqtgraph ships the remedy (`pyqtgraph.util.garbage_collector`): automatic collection off,
the passes run from a timer in the GUI thread. This collector keeps Python's own schedule
(a young pass past the first threshold, an older generation past its count, a full pass only
when the old generation grew by a quarter since the last one, as CPython 3.11 decides), so its
pauses are no longer and no more frequent than before, only in the right thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

INTERVAL_MS = 100  # how often the counts are looked at (a look costs ~1 microsecond)
_NAME = "deskapp-gui-thread-gc"


class GuiThreadCollector(QObject):
    """Turns automatic collection off and runs Python's passes from a GUI-thread timer."""

    def __init__(self, thresholds: tuple[int, int, int], parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName(_NAME)
        self.thresholds = thresholds
        self._old_total = len(gc.get_objects(generation=2))
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.step)
        self._timer.start(INTERVAL_MS)
        self.take_over()

    def take_over(self) -> None:
        """Automatic collection off (again: a command line call turns it back on)."""
        gc.set_threshold(*self.thresholds)
        gc.disable()

    def step(self) -> int | None:
        """The pass Python would have run by now, if any; returns its generation."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return None
        for generation in (2, 1):
            if counts[generation] > self.thresholds[generation]:
                if generation == 2 and not self._old_generation_grew():
                    continue
                return self._collect(generation)
        return self._collect(0)

    def collect_all(self) -> int:
        """A full pass now (the end of a test session)."""
        return self._collect(2)

    def _collect(self, generation: int) -> int:
        gc.collect(generation)
        if generation == 2:
            self._old_total = len(gc.get_objects(generation=2))
        return generation

    def _old_generation_grew(self) -> bool:
        return len(gc.get_objects(generation=2)) - self._old_total > self._old_total // 4


def install(thresholds: tuple[int, int, int]) -> GuiThreadCollector:
    """The application's collector, made on the first call (from the GUI thread, with a
    QCoreApplication); a later call sets its thresholds and turns automatic collection off
    again."""
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("the GUI-thread collector is installed from the GUI thread")
    collector = installed()
    if collector is None:
        collector = GuiThreadCollector(thresholds, parent=app)
    else:
        collector.thresholds = thresholds
        collector.take_over()
    return collector


def installed() -> GuiThreadCollector | None:
    """The application's collector, if one was installed."""
    app = QCoreApplication.instance()
    return None if app is None else app.findChild(GuiThreadCollector, _NAME)
