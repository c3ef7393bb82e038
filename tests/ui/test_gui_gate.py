"""The GUI gate (deskapp/ui/gui_gate.py): the compute worker waits between the panes of a board
while the GUI thread draws a board, builds a watch screen or switches the theme, never longer
than its budget, and what it computes is the same."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QApplication

from deskapp.config import load_config
from deskapp.data.feed import FeedBatch
from deskapp.signals.board import PANES
from deskapp.signals.engine import SignalCache, compute
from deskapp.ui.gui_gate import GuiGate
from deskapp.ui.workers import ComputeWorker

DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"
T0 = pd.Timestamp("2026-02-10T14:00Z")


def one_bar() -> FeedBatch:
    frame = pd.DataFrame({"close": [97.0]}, index=pd.DatetimeIndex([T0], name="time"))
    return FeedBatch("replay", "test", T0, frames={"fx.dxy": frame})


def test_a_pause_waits_while_the_gate_is_held_and_goes_on_when_released(qtbot):
    gate = GuiGate()
    gate.hold("board")
    pause = gate.pauser(budget_s=60.0)
    worker = threading.Thread(target=pause)
    worker.start()
    qtbot.waitUntil(lambda: gate.waits == 1, timeout=5000)  # it found the gate held
    assert worker.is_alive()  # and waits (its budget is a minute)
    gate.release("board")
    worker.join(timeout=10)
    assert not worker.is_alive()


def test_the_gate_is_open_only_when_every_job_released_it():
    gate = GuiGate()
    assert not gate.held
    gate.hold("board")
    gate.hold("watch2.build")
    gate.release("board")
    assert gate.held  # the watch screen still builds
    gate.release("theme")  # a job that never held it changes nothing
    assert gate.held
    gate.release("watch2.build")
    assert not gate.held
    gate.pauser()()  # open: no wait
    assert gate.waits == 0


def test_a_board_waits_at_most_its_budget_in_all():
    gate = GuiGate()
    gate.hold("board")  # never released: a GUI that stays busy
    pause = gate.pauser(budget_s=0.02)
    pause()  # waits the 20 ms, then gives up
    assert gate.waits == 1
    for _ in range(5):
        pause()  # the budget is spent: the board goes on without waiting
    assert gate.waits == 1


def _curves(view) -> dict:
    return {(p, c): (x.x, x.y) for p, pane in view.panes.items()
            for c, x in pane.curves.items()}


def test_compute_pauses_between_panes_and_computes_the_same(datasets):
    ds = datasets(DATASET)
    calls = []
    plain = compute(ds.frames, ds.meta, AT)
    paused = compute(ds.frames, ds.meta, AT, pause=lambda: calls.append(1))
    assert len(calls) >= len(PANES) + 1  # before the snapshot, and before each pane
    assert paused.snapshot.to_dict() == plain.snapshot.to_dict()
    a, b = _curves(plain), _curves(paused)
    assert a.keys() == b.keys() and len(a) > 20
    assert all(np.array_equal(a[k][0], b[k][0]) and np.array_equal(a[k][1], b[k][1],
                                                                   equal_nan=True) for k in a)
    # With the cache (the compute worker's path) the groups computed afresh pause too.
    cache, calls = SignalCache(), []
    cached = compute(ds.frames, ds.meta, AT, cache=cache, pause=lambda: calls.append(1))
    assert len(calls) >= len(PANES) + 1
    assert cached.snapshot.to_dict() == plain.snapshot.to_dict()


def test_a_held_gate_delays_a_board_but_never_stops_it(qtbot):
    gate = GuiGate()
    worker = ComputeWorker(load_config(), {"fx.dxy": {"freq": "1h"}}, view_days=30, gate=gate)
    gate.hold("board")  # and never released
    with qtbot.waitSignal(worker.sig_board, timeout=60000) as got:
        worker.on_batch(one_bar())
    assert got.args[0].asof == T0
    assert gate.waits == 1  # it waited once (its whole budget), then went on


def test_the_main_window_holds_the_gate_while_it_draws_a_board(make_desk, qtbot):
    desk = make_desk(DATASET, at=AT)
    main = desk.window
    assert desk.compute.gate is main.gate and main.screens.gate is main.gate
    with qtbot.waitSignal(main.sig_board_drawn, timeout=60000):
        pass
    qtbot.waitUntil(lambda: not main.gate.held, timeout=10000)  # paused replay: it goes idle
    with qtbot.waitSignal(main.sig_board_drawn, timeout=10000):
        main.apply_board_staged(main.view)
        assert main.gate.held  # from the first turn of the draw
    assert not main.gate.held  # released with the last pane drawn


def test_a_watch_screen_holds_the_gate_while_it_builds_and_a_close_releases_it(make_desk,
                                                                               qtbot):
    desk = make_desk(DATASET, at=AT)
    main = desk.window
    with qtbot.waitSignal(main.sig_board_drawn, timeout=60000):
        pass
    qtbot.waitUntil(lambda: not main.gate.held, timeout=10000)
    watch = main.screens.open_screen()
    watch.add_pane("crypto")
    assert main.gate.held
    with qtbot.waitSignal(watch.sig_board_drawn, timeout=60000):
        pass
    qtbot.waitUntil(lambda: not main.gate.held, timeout=10000)  # built and drawn: open
    # Closed in the middle of building a pane: its queued turns never come, the gate opens.
    watch.add_pane("macro")
    QApplication.processEvents()
    assert main.gate.held and not watch.panes["macro"].built
    watch.close()
    assert not main.gate.held


def test_a_theme_switch_holds_the_gate_until_it_is_done(make_desk, qtbot, restore_theme):
    desk = make_desk(DATASET, at=AT)
    main = desk.window
    with qtbot.waitSignal(main.sig_board_drawn, timeout=60000):
        pass
    with qtbot.waitSignal(main.screens.sig_theme_done, timeout=10000):
        main.screens.set_theme("light")
        assert main.gate.held
    qtbot.waitUntil(lambda: not main.gate.held, timeout=10000)  # and the board redrawn


def test_pause_is_not_part_of_what_the_board_cache_compares(datasets):
    """Two boards that differ only in their pause function are the same inputs."""
    ds = datasets(DATASET)
    cache = SignalCache()
    compute(ds.frames, ds.meta, AT, cache=cache, pause=lambda: None)
    hits = cache.board.hits
    compute(ds.frames, ds.meta, pd.Timestamp(AT), cache=cache, pause=lambda: None)
    assert cache.board.hits == hits + 3  # the three stored groups reused
