"""The desk's worker threads (compute, feeds, book) run at a lower CPU priority than the GUI
thread: where both want the one free core, the GUI thread gets it (Linux: each thread's own
niceness; Qt's thread priorities do nothing under Linux's default scheduler)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from deskapp.cpu_priority import BACKGROUND_NICE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="a thread's own niceness is Linux's")


def _niceness_by_thread_name() -> dict[str, int]:
    """{OS thread name: niceness} of this process's threads (Qt names them after objectName)."""
    out = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            out[name] = os.getpriority(os.PRIO_PROCESS, int(task.name))
        except (OSError, ValueError):
            continue  # a thread that ended meanwhile
    return out


def test_worker_threads_yield_the_cpu_to_the_gui_thread(make_desk, qtbot):
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())  # before the desk
    desk = make_desk("2026-02-risk-off", at="2026-01-20T00:00Z")
    drawn = []
    desk.window.sig_board_drawn.connect(drawn.append)
    qtbot.waitUntil(lambda: len(drawn) >= 1, timeout=60000)  # every worker has started
    nice = _niceness_by_thread_name()
    workers = {t.objectName() for t in desk.threads.threads}
    assert workers == {"compute", "feed-replay", "book"}
    for name in workers:
        assert nice.get(name) == min(19, gui + BACKGROUND_NICE), (name, nice)
    # the lowering ran in each worker's own thread, never in the GUI thread
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui
