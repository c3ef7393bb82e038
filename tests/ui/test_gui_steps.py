"""The desk's one queue of GUI steps (deskapp/ui/gui_steps.py): chains of staged work take turns
one step per event-loop pass, a due timer never waits behind more than one step, and the steps
of a deleted owner are dropped."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QTimer

from deskapp.ui import gui_steps


def test_chains_take_turns_one_step_per_pass_and_timers_run_between(qtbot):
    owner = QObject()
    ran: list[str] = []  # what happened, in order: a chain's step or a tick of the timer
    left = {"board": 4, "build": 4, "theme": 4}

    def step(chain: str) -> None:
        ran.append(chain)
        left[chain] -= 1
        if left[chain]:
            gui_steps.later(owner, lambda: step(chain))

    tick = QTimer()
    tick.setInterval(0)  # due at every pass, as a late heartbeat is
    tick.timeout.connect(lambda: ran.append("tick"))
    tick.start()
    for chain in left:
        gui_steps.later(owner, lambda c=chain: step(c))
    qtbot.waitUntil(lambda: not any(left.values()), timeout=10000)
    tick.stop()
    steps = [r for r in ran if r != "tick"]
    assert steps == ["board", "build", "theme"] * 4  # round robin, in the order queued
    # Between two ticks of the timer, at most one step: with one posted event per chain
    # (QTimer.singleShot(0)) Qt ran all three chains' steps before looking at any timer.
    first, last = ran.index("board"), len(ran) - 1 - ran[::-1].index("theme")
    run_lengths, n = [], 0
    for r in ran[first:last + 1]:
        n = 0 if r == "tick" else n + 1
        run_lengths.append(n)
    assert max(run_lengths) == 1 and ran.count("tick") >= 11


@pytest.mark.parametrize("lane", [gui_steps.later, gui_steps.when_idle],
                         ids=["ordinary", "idle"])
def test_a_deleted_owners_steps_are_dropped_and_the_rest_run(qtbot, lane):
    gone, kept = QObject(), QObject()
    ran: list[str] = []
    lane(gone, lambda: ran.append("gone"))
    lane(kept, lambda: ran.append("kept"))
    gone.deleteLater()
    qtbot.waitUntil(lambda: ran == ["kept"], timeout=10000)
    assert gui_steps.pending() == 0


def test_idle_steps_wait_until_no_ordinary_step_is_left(qtbot):
    owner = QObject()
    ran: list[str] = []
    left = {"board": 3}

    def board_step() -> None:
        ran.append("board")
        left["board"] -= 1
        if left["board"]:
            gui_steps.later(owner, board_step)  # queued after the idle steps below

    gui_steps.later(owner, board_step)
    gui_steps.when_idle(owner, lambda: ran.append("idle 1"))
    gui_steps.when_idle(owner, lambda: ran.append("idle 2"))
    qtbot.waitUntil(lambda: len(ran) == 5, timeout=10000)
    assert ran == ["board", "board", "board", "idle 1", "idle 2"]
    assert gui_steps.pending() == 0

