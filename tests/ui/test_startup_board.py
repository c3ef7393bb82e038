"""A replay's first board kept from the last start (startup_board.py): the next desk at the same
moment draws it before its workers start, and it is the board they then compute."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from PySide6.QtWidgets import QApplication

from deskapp.paths import data_dir

AT = "2026-02-10T21:00Z"


def boards_kept() -> list:
    return sorted((data_dir() / "cache").glob("board-*.pickle"))


def open_desk(qtbot, config, ds, tmp_path, at: str = AT):
    """A desk on `ds` at `at` and, in order, what it drew and how many worker threads ran
    when each board was drawn."""
    from deskapp.app import Desk, DeskOptions

    desk = Desk(DeskOptions(config=config, dataset=ds, at=pd.Timestamp(at), speed=0.0,
                            size=(1400, 850), journal=tmp_path / "journal.sqlite3"))
    qtbot.addWidget(desk.window)
    drawn: list[tuple[object, int]] = []
    desk.window.sig_board_drawn.connect(lambda v: drawn.append((v, len(desk.threads.threads))))
    desk.start()
    desk.window.show()
    return desk, drawn


def same_board(a, b) -> None:
    assert a.asof == b.asof and a.source == b.source and a.dataset == b.dataset
    assert a.readouts() == pytest.approx(b.readouts(), nan_ok=True)
    assert a.panes.keys() == b.panes.keys()
    for key, pane in a.panes.items():
        other = b.panes[key]
        assert pane.curves.keys() == other.curves.keys()
        for cid, curve in pane.curves.items():
            np.testing.assert_array_equal(curve.x, other.curves[cid].x)
            np.testing.assert_array_equal(curve.y, other.curves[cid].y)
        assert pane.checks == other.checks and pane.missing == other.missing
    assert a.snapshot == b.snapshot


def test_the_next_desk_draws_the_kept_board_before_its_workers_start(qtbot, config, datasets,
                                                                     tmp_path):
    ds = datasets("2026-02-risk-off")
    first, drawn1 = open_desk(qtbot, config, ds, tmp_path)
    try:
        assert first.first_board is None  # nothing kept yet: computed by the worker
        qtbot.waitUntil(lambda: bool(drawn1) and len(boards_kept()) == 1, timeout=30000)
        computed = drawn1[0][0]
        assert drawn1[0][1] == 3  # the compute, feed and book threads ran before the first board
    finally:
        assert first.shutdown()

    second, drawn2 = open_desk(qtbot, config, ds, tmp_path)
    try:
        assert second.first_board is not None
        # the worker's own board at the same moment follows: wait for it
        qtbot.waitUntil(lambda: len(drawn2) >= 2, timeout=30000)
        kept_view, threads_then = drawn2[0]
        assert threads_then == 0  # drawn before any worker thread started
        assert kept_view is second.first_board
        same_board(kept_view, computed)
        same_board(drawn2[1][0], kept_view)  # what the worker computed equals what was kept
        assert len(boards_kept()) == 1  # a hit stores nothing new
    finally:
        assert second.shutdown()


def test_another_moment_or_other_settings_are_not_served_the_kept_board(qtbot, config,
                                                                        datasets, tmp_path):
    ds = datasets("2026-02-risk-off")
    desk, drawn = open_desk(qtbot, config, ds, tmp_path)
    try:
        qtbot.waitUntil(lambda: bool(drawn) and len(boards_kept()) == 1, timeout=30000)
    finally:
        assert desk.shutdown()
    for cfg, at in ((config, "2026-02-10T20:00Z"),
                    (replace(config, rut_breakout_level=2600.0), AT)):
        other, _ = open_desk(qtbot, cfg, ds, tmp_path, at=at)
        try:
            assert other.first_board is None
        finally:
            assert other.shutdown()


def test_a_corrupt_kept_board_is_computed_again(qtbot, config, datasets, tmp_path):
    ds = datasets("2026-02-risk-off")
    desk, drawn = open_desk(qtbot, config, ds, tmp_path)
    try:
        qtbot.waitUntil(lambda: bool(drawn) and len(boards_kept()) == 1, timeout=30000)
    finally:
        assert desk.shutdown()
    (kept,) = boards_kept()
    kept.write_bytes(b"\x80\x05garbage")
    again, drawn = open_desk(qtbot, config, ds, tmp_path)
    try:
        assert again.first_board is None
        qtbot.waitUntil(lambda: bool(drawn), timeout=30000)
        assert drawn[0][1] == 3 and drawn[0][0].asof == pd.Timestamp(AT)
    finally:
        assert again.shutdown()


def test_the_kept_board_is_drawn_on_the_window_laid_out_as_a_computed_one(qtbot, config,
                                                                        datasets, tmp_path):
    """Drawn before the window was shown, the kept board gave the checklist's cards heights for
    another width (taller, with blank space) and the plots' y ranges another height: a second
    start's picture differed from the first's. Now it is drawn as the window shows."""
    ds = datasets("2026-02-risk-off")

    def looks(desk) -> tuple:
        w = desk.window
        return ([card.height() for card in w.checklist.cards],
                [tuple(np.round(p.getViewBox().viewRange()[1], 9)) for p in w.panes["macro"].plots])

    first_looks: list[tuple] = []
    for _ in range(2):  # computed, then kept
        desk, drawn = open_desk(qtbot, config, ds, tmp_path)
        try:
            qtbot.waitUntil(lambda d=drawn: bool(d) and len(boards_kept()) == 1, timeout=30000)
            for _ in range(20):  # the layouts the board's texts asked for
                QApplication.processEvents()
            first_looks.append(looks(desk))
        finally:
            assert desk.shutdown()
    assert desk.first_board is not None  # the second desk drew the kept board first
    assert first_looks[1] == first_looks[0], first_looks
