"""The GUI never freezes: a 10 ms heartbeat in the GUI thread while two live pollers hammer a
slow loopback server (80 ms an answer, a new bar in every answer) and the board recomputes and
redraws. Every poll runs outside the GUI thread, and each poll is held until the GUI thread has
beaten three times since it began: a poll made in the GUI thread (or one that blocked it) could
never be released. Order and counts only, no durations (the latency itself, p50/p99/max, is
measured by benchmarks/gui_latency.py: 30-41 ms max here)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer

from benchmarks.gui_latency import KEYS, live_load
from deskapp.app import Desk, DeskOptions


def test_gui_thread_never_polls_and_keeps_beating_while_pollers_hammer_a_slow_server(
        qtbot, datasets, config, tmp_path):
    ds = datasets("2026-02-risk-off")
    server, adapters, sources = live_load(ds)
    polled_in: set[str] = set()
    beats: list[int] = []
    beat = threading.Condition()
    gate = {"on": False, "held": 0, "stuck": 0}

    def on_beat() -> None:
        with beat:
            beats.append(len(beats))
            beat.notify_all()

    for src in sources:
        def poll(original=src.poll):
            polled_in.add(threading.current_thread().name)
            with beat:
                if gate["on"]:
                    start = len(beats)
                    # The liveness guard only: a frozen GUI thread never gets here in time.
                    if beat.wait_for(lambda s=start: len(beats) >= s + 3 or not gate["on"],
                                     timeout=20):
                        gate["held"] += 1
                    else:
                        gate["stuck"] += 1
            return original()
        src.poll = poll
    opts = DeskOptions(config=config, dataset=None, at=None, speed=0.0, size=(1200, 800),
                       journal=tmp_path / "j.sqlite3", source="live")
    desk = Desk(opts, sources=sources, meta={k: ds.meta[k] for k in KEYS})
    qtbot.addWidget(desk.window)
    boards: list = []
    desk.window.sig_board_drawn.connect(boards.append)
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(on_beat)
    try:
        desk.start()
        desk.window.show()
        # steady state: the window's first layout and paint happen once, before the beats
        qtbot.waitUntil(lambda: len(boards) >= 1, timeout=60000)
        drawn_before = len(boards)
        heartbeat.start()
        with beat:
            gate["on"] = True
        try:
            qtbot.waitUntil(lambda: len(beats) >= 300 and len(boards) >= drawn_before + 2
                            and gate["held"] >= 10, timeout=30000)
        except qtbot.TimeoutError:
            raise AssertionError(f"{len(beats)} beats, {len(boards) - drawn_before} boards, "
                                 f"{gate}, server hits {server.hits}") from None
    finally:
        with beat:
            gate["on"] = False
            beat.notify_all()
        heartbeat.stop()
        assert desk.shutdown()
        for a in adapters:
            a.close()
        server.close()
    assert sum(server.hits.values()) >= 20, server.hits  # the pollers really were hammering
    assert polled_in and threading.main_thread().name not in polled_in, polled_in
    # Every poll made while the gate was on saw the GUI thread beat during it.
    assert gate["held"] >= 10 and gate["stuck"] == 0, gate
