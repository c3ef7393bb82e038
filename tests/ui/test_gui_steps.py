"""The desk's one queue of GUI steps (deskapp/ui/gui_steps.py): chains of staged work take turns
one step per event-loop pass, a due timer never waits behind more than one step, and the steps
of a deleted owner are dropped."""

from __future__ import annotations

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


def test_a_deleted_owners_steps_are_dropped_and_the_rest_run(qtbot):
    gone, kept = QObject(), QObject()
    ran: list[str] = []
    gui_steps.later(gone, lambda: ran.append("gone"))
    gui_steps.later(kept, lambda: ran.append("kept"))
    gone.deleteLater()
    qtbot.waitUntil(lambda: ran == ["kept"], timeout=10000)
    assert gui_steps.pending() == 0
