"""A desk started as the `deskapp` command starts it computes its boards after the first in the
engine process (deskapp/engine_process.py), draws them, and goes on computing them itself if
that process dies; closing the desk ends the process."""

from __future__ import annotations

import logging
import os
import signal

import pytest

pytestmark = pytest.mark.usefixtures("qapp")
SPEED = 7200.0  # two replay hours a second: a new hourly bar every half second


def alive(pid: int) -> bool:
    """Whether `pid` is a running (not reaped, not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_boards_come_from_the_engine_process_and_from_the_desk_when_it_dies(
        qtbot, make_desk, caplog):
    desk = make_desk(speed=SPEED, engine_process=True)
    worker = desk.compute
    qtbot.waitUntil(lambda: worker.engine_boards >= 3, timeout=90_000)
    drawn: list = []
    desk.window.sig_board_drawn.connect(drawn.append)
    qtbot.waitUntil(lambda: len(drawn) >= 2, timeout=30_000)
    assert all(len(v.panes) >= 6 and v.snapshot is not None for v in drawn)
    pid = worker.engine.pid
    caplog.set_level(logging.WARNING, logger="deskapp.ui.workers")
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: worker.engine is None, timeout=30_000)
    assert any("computed in the desk's process" in r.getMessage() for r in caplog.records)
    from_engine = worker.engine_boards
    n = len(drawn)
    qtbot.waitUntil(lambda: len(drawn) >= n + 3, timeout=30_000)  # the desk computes them
    assert worker.engine_boards == from_engine
    assert drawn[-1].asof > drawn[n - 1].asof


def test_closing_the_desk_ends_the_engine_process(qtbot, make_desk):
    desk = make_desk(speed=SPEED, engine_process=True)
    qtbot.waitUntil(lambda: desk.compute.engine_boards >= 1, timeout=90_000)
    pid = desk.compute.engine.pid
    assert alive(pid)
    assert desk.shutdown()
    assert not alive(pid)


def test_a_desk_without_it_starts_no_process(qtbot, make_desk):
    desk = make_desk(speed=SPEED)
    drawn: list = []
    desk.window.sig_board_drawn.connect(drawn.append)
    qtbot.waitUntil(lambda: len(drawn) >= 3, timeout=30_000)
    assert desk.compute.engine is None and desk.compute.engine_boards == 0
