"""Background work yields the CPU to the GUI thread.

Where the GUI thread and a worker want the same core, the GUI thread should get it: a turn of
12 ms of its own work otherwise took 30-45 ms while it waited for a core (benchmarks/soak.py,
its run-queue time in /proc/<pid>/task/<tid>/schedstat). The desk's worker threads and its
engine process run BACKGROUND_NICE above the GUI's niceness; no I/O, no Qt.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

BACKGROUND_NICE = 10  # added to a worker thread's or the engine process's niceness


def lower_this_thread() -> None:
    """The calling thread's niceness, its own, raised by BACKGROUND_NICE (Linux, where a
    thread's niceness is its own and Qt's thread priorities do nothing under the default
    scheduler; elsewhere `QThread.Priority.LowPriority` at start does the work)."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, now + BACKGROUND_NICE))
    except OSError as exc:  # a sandbox may refuse: the thread keeps its priority
        log.info("worker thread priority unchanged: %s", exc)
