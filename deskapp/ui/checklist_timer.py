"""The checklist run's time keeping: which step is current and how long each step has taken.

No Qt: the panel's 1 s timer only repaints labels from `ChecklistRun`, which reads an injected
monotonic clock, so tests move time by hand. A step's time accumulates only while it is the
current step of a running run; running over a time box is reported, never enforced.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

IDLE, RUNNING, FINISHED = "idle", "running", "finished"


def clock_text(seconds: float) -> str:
    """Whole seconds as m:ss (e.g. 150 -> '2:30', 900 -> '15:00'), rounded up."""
    s = max(0, math.ceil(seconds - 1e-9))
    return f"{s // 60}:{s % 60:02d}"


def countdown(elapsed_s: float, box_s: float) -> tuple[str, bool]:
    """('1:30 left', False) within the box, ('+0:30 over', True) past it."""
    if elapsed_s > box_s:
        return f"+{clock_text(elapsed_s - box_s)} over", True
    return f"{clock_text(box_s - elapsed_s)} left", False


class ChecklistRun:
    """One pass through the time-boxed steps.

    States: idle (not started), running (one step is current and its time runs), finished
    (times frozen, e.g. once a decision is recorded). Steps can be visited in any order while
    running; `done` marks the steps the trader confirmed."""

    def __init__(self, time_boxes_s: Sequence[float],
                 clock: Callable[[], float] = time.monotonic):
        if not time_boxes_s:
            raise ValueError("a checklist run needs at least one step")
        self.time_boxes_s: tuple[float, ...] = tuple(float(b) for b in time_boxes_s)
        self._clock = clock
        self.state = IDLE
        self.current: int | None = None
        self.done: list[bool] = [False] * len(self.time_boxes_s)
        self._banked: list[float] = [0.0] * len(self.time_boxes_s)
        self._since: float | None = None  # clock reading when the current step's time resumed

    # ------------------------------------------------------------------ state
    @property
    def started(self) -> bool:
        return self.state != IDLE

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def total_box_s(self) -> float:
        return sum(self.time_boxes_s)

    def __len__(self) -> int:
        return len(self.time_boxes_s)

    def _bank(self) -> None:
        """Move the current step's running time into its account."""
        if self.running and self.current is not None and self._since is not None:
            now = self._clock()
            self._banked[self.current] += max(0.0, now - self._since)
            self._since = now

    def start(self, at: int = 0) -> None:
        """A fresh run: every time and 'done' cleared, step `at` current, its time running."""
        self._check(at)
        self._banked = [0.0] * len(self)
        self.done = [False] * len(self)
        self.state = RUNNING
        self.current = at
        self._since = self._clock()

    def go_to(self, index: int) -> bool:
        """Make step `index` current (revisiting is allowed). False when not running."""
        self._check(index)
        if not self.running:
            return False
        self._bank()
        self.current = index
        return True

    def advance(self) -> bool:
        """Mark the current step done and move to the next one. False (the step still marked
        done) on the last step or when not running."""
        if not self.running or self.current is None:
            return False
        self.done[self.current] = True
        if self.current + 1 < len(self):
            return self.go_to(self.current + 1)
        return False

    def back(self) -> bool:
        """Back to the previous step. False on the first step or when not running."""
        if not self.running or not self.current:
            return False
        return self.go_to(self.current - 1)

    def finish(self) -> None:
        """Stop the clock: times are frozen as they are now."""
        if self.running:
            self._bank()
            self.state = FINISHED
            self._since = None

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self):
            raise IndexError(f"step index {index} out of range 0..{len(self) - 1}")

    # ------------------------------------------------------------------ times
    def elapsed(self, index: int) -> float:
        """Seconds step `index` has been current, including the running part."""
        total = self._banked[index]
        if self.running and index == self.current and self._since is not None:
            total += max(0.0, self._clock() - self._since)
        return total

    def total_elapsed(self) -> float:
        """Seconds since the run started (the sum of the steps' times)."""
        return sum(self.elapsed(i) for i in range(len(self)))

    def overrun(self, index: int) -> bool:
        return self.elapsed(index) > self.time_boxes_s[index]

    def total_overrun(self) -> bool:
        return self.total_elapsed() > self.total_box_s
