"""The GUI thread's right of way over the compute worker's Python (the GIL).

CPython runs one thread's Python at a time. The GUI thread lets the GIL go at every call into
Qt, and a staged draw or a new window's first layout and paint crosses from C++ into Python
hundreds of times; while the compute worker is busy, each crossing waits for it to hand the
GIL back (up to the switch interval). A watch screen's opening took 0.25-0.8 s that way in
the soak (benchmarks/soak.py), where alone it takes ~50 ms.

So the GUI thread holds the gate while it draws a board, builds a watch screen or switches the
theme, and the compute worker waits at its next pause point (between two panes of a board;
`signals.engine.compute(pause=...)`) until the gate opens again, for at most `MAX_WAIT_S` per
board: a GUI that stays busy delays a board, it never stops the boards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_WAIT_S = 0.3  # the longest a board waits, in all, for the GUI thread


class GuiGate:
    """Held by GUI-thread jobs (each by its own name); open when none holds it."""

    def __init__(self) -> None:
        self._holders: set[str] = set()
        self._open = threading.Event()
        self._open.set()
        self.waits = 0  # pause points that found the gate held (for tests and benchmarks)

    @property
    def held(self) -> bool:
        return not self._open.is_set()

    def hold(self, job: str) -> None:
        """GUI thread: `job` starts; workers wait at their next pause point."""
        self._holders.add(job)
        self._open.clear()

    def release(self, job: str) -> None:
        """GUI thread: `job` is done (a job not holding it is ignored)."""
        self._holders.discard(job)
        if not self._holders:
            self._open.set()

    def pauser(self, budget_s: float = MAX_WAIT_S,
               clock: Callable[[], float] = time.monotonic) -> Callable[[], None]:
        """A pause function for one board: each call waits while the gate is held, until
        `budget_s` has been spent waiting in all."""
        left = [budget_s]

        def pause() -> None:
            if self._open.is_set() or left[0] <= 0:
                return
            self.waits += 1
            t0 = clock()
            self._open.wait(left[0])
            left[0] -= clock() - t0

        return pause
