"""One queue of GUI-thread steps for the whole desk: one step per event-loop pass.

Staged work (a board drawn one pane per turn, a watch screen's pane built a part of a row a turn,
a theme switch one dock per turn) used `QTimer.singleShot(0, ...)`, which posts an event. Qt
delivers every posted event before it looks at its timers, so three such chains running at
once (the main window's draw, a watch screen's build and its draw) ran three steps between
two timer checks: ~40 ms of steps before any timer, the GUI heartbeat included, could fire
(benchmarks/soak.py). Here every step goes through one zero-interval QTimer that runs a single
step per pass, so a timer that is due waits at most one step, whatever the number of chains.

Work that can wait (a following window's x axis stepping on: the new data is already on screen)
goes in the second lane, `when_idle`: its steps run only when no ordinary step is waiting, so a
board is drawn whole before the axes move, one pane a turn as well.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer

_queue: _Steps | None = None


def later(owner: QObject, step: Callable[[], None]) -> None:
    """Run `step` in a later pass of the GUI event loop, after the steps queued before it;
    dropped if `owner` (a QObject) is deleted first. GUI thread only."""
    _steps().add(owner, step)


def when_idle(owner: QObject, step: Callable[[], None]) -> None:
    """Like `later`, but `step` waits until no step queued with `later` is left (the idle
    lane, in the order queued); dropped if `owner` is deleted first. GUI thread only."""
    _steps().add(owner, step, idle=True)


def _steps() -> _Steps:
    global _queue
    if _queue is None or not _alive(_queue):  # first use, or a new QApplication
        _queue = _Steps(QCoreApplication.instance())
    return _queue


def pending() -> int:
    """Steps waiting, both lanes (for tests and benchmarks)."""
    return len(_queue.steps) + len(_queue.idle) if _queue is not None else 0


def _alive(owner: QObject) -> bool:
    try:
        owner.signalsBlocked()  # any call: a deleted C++ object raises RuntimeError
    except RuntimeError:
        return False
    return True


class _Steps(QObject):
    def __init__(self, parent: QObject | None) -> None:
        super().__init__(parent)
        self.steps: deque[tuple[QObject, Callable[[], None]]] = deque()
        self.idle: deque[tuple[QObject, Callable[[], None]]] = deque()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)  # a real timer, served in turn with the other timers
        self.timer.timeout.connect(self._run_one)

    def add(self, owner: QObject, step: Callable[[], None], idle: bool = False) -> None:
        (self.idle if idle else self.steps).append((owner, step))
        if not self.timer.isActive():
            self.timer.start()

    def _run_one(self) -> None:
        try:
            for lane in (self.steps, self.idle):
                while lane:
                    owner, step = lane.popleft()
                    if _alive(owner):
                        step()
                        return
        finally:
            if (self.steps or self.idle) and not self.timer.isActive():
                self.timer.start()
