"""Cyclic garbage collection runs in the GUI thread only (deskapp/ui/gui_thread_gc.py): a Qt
object that died in a reference cycle is destroyed there, never by a worker that allocates."""

from __future__ import annotations

import gc
import threading

import pytest
from PySide6.QtCore import QObject, Qt

from deskapp.ui.gui_thread_gc import install, installed


class _InACycle(QObject):
    def __init__(self):
        super().__init__()
        self.me = self  # only the cyclic collector can free it


def _dropped_object(destroyed_in: list[int]) -> None:
    obj = _InACycle()
    # Direct: recorded in the thread that destroys it (a queued call never comes).
    obj.destroyed.connect(lambda *_: destroyed_in.append(threading.get_ident()),
                          Qt.ConnectionType.DirectConnection)


def _allocate_cyclic_garbage(n: int) -> None:
    for _ in range(n):
        a: list = []
        a.append(a)


def test_a_worker_allocating_never_destroys_a_qt_object_the_gui_thread_does(qtbot):
    collector = installed()
    assert collector is not None
    assert not gc.isenabled()
    destroyed_in: list[int] = []
    _dropped_object(destroyed_in)
    # Far past every threshold: Python's automatic collection would run in this thread.
    worker = threading.Thread(target=_allocate_cyclic_garbage,
                              args=(50 * collector.thresholds[0],))
    worker.start()
    worker.join()
    assert destroyed_in == []
    qtbot.waitUntil(lambda: bool(destroyed_in), timeout=10_000)  # the GUI thread's timer
    assert destroyed_in == [threading.get_ident()]


def test_passes_follow_pythons_schedule():
    """Thresholds (50, 2, 2): a young pass past 50 new objects; the middle generation's once
    its count (young passes since its last) is past 2, at the fourth; nothing below the first
    threshold (hand-worked)."""
    collector = installed()
    before = collector.thresholds
    install((50, 2, 2))
    try:
        gc.collect()
        assert collector.step() is None  # nothing new since
        keep = []
        done = []
        for _ in range(4):
            keep += [[] for _ in range(60)]  # 60 tracked objects that stay alive
            done.append(collector.step())
        assert done == [0, 0, 0, 1]
        assert gc.get_count()[1:] == (0, 1)  # the middle pass counted one for the oldest
    finally:
        install(before)
    del keep


def test_only_the_gui_thread_installs_it():
    errors = []

    def attempt():
        try:
            install((700, 10, 10))
        except RuntimeError as exc:
            errors.append(str(exc))

    worker = threading.Thread(target=attempt)
    worker.start()
    worker.join()
    assert errors and "GUI thread" in errors[0]


@pytest.mark.parametrize("grown, expected", [(0.1, 0), (0.5, 2)])
def test_a_full_pass_waits_until_the_old_generation_grew_by_a_quarter(grown, expected):
    collector = installed()
    before = collector.thresholds
    install((50, 1, 1))
    try:
        collector.collect_all()
        old = len(gc.get_objects(generation=2))
        keep = [[] for _ in range(int(old * grown))]
        gc.collect(1)  # into the oldest generation (and its count past 1; the middle one's 0)
        gc.collect(1)
        keep += [[] for _ in range(60)]
        assert gc.get_count()[2] > 1
        assert collector.step() == expected
    finally:
        install(before)
    del keep
