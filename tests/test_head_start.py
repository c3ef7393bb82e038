"""The cache's first board computed in a helper process while Qt loads (startup_board.py): the
same board the compute worker makes from the cache, drawn first; without it the desk starts
as always."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deskapp.data.cache import MarketCache, read_all_read_only
from deskapp.data.feed import FeedBatch
from deskapp.data.hub import MarketState
from deskapp.data.instruments import UNIVERSE
from deskapp.data.sources import universe_meta
from deskapp.signals.engine import SignalSettings, compute
from deskapp.startup_board import HeadStart, cache_board

REPO = Path(__file__).resolve().parents[1]
CUT = "2026-02-10T21:00Z"


def fill_cache(path: Path, datasets) -> None:
    """The live universe's keys, real values from the bundled 2026-02 replay."""
    ds = datasets("2026-02-risk-off")
    with MarketCache(path) as cache:
        for s in UNIVERSE:
            if s.key in ds.frames:
                cache.put(s.key, ds.frames[s.key].loc[:CUT], s.meta())


def worker_board(path: Path, config, at: pd.Timestamp):
    """What the compute worker makes of CacheSource's first batch at `at`."""
    with MarketCache(path) as cache:
        frames, _ = cache.get_all()
    state = MarketState(meta=universe_meta()).apply(
        FeedBatch(source="cache", dataset="cache", clock=at, frames=frames))
    return compute(state.frames, state.meta, state.clock, SignalSettings.from_config(config),
                   source="cache", dataset="cache", view_days=120)


def same_board(a, b) -> None:
    assert a.asof == b.asof and a.source == b.source == "cache"
    assert a.readouts() == pytest.approx(b.readouts(), nan_ok=True)
    for key, pane in a.panes.items():
        for cid, curve in pane.curves.items():
            np.testing.assert_array_equal(curve.y, b.panes[key].curves[cid].y)


def test_the_read_only_reading_equals_the_caches_own(tmp_path, datasets):
    path = tmp_path / "cache.sqlite3"
    fill_cache(path, datasets)
    with MarketCache(path) as cache:
        want, _ = cache.get_all()
    got = read_all_read_only(path)
    assert got is not None and got.keys() == want.keys() and len(got) > 20
    for key in want:
        pd.testing.assert_frame_equal(got[key], want[key])


def test_the_read_only_reading_never_touches_a_file_that_is_not_a_cache(tmp_path):
    assert read_all_read_only(tmp_path / "missing.sqlite3") is None
    assert not (tmp_path / "missing.sqlite3").exists()
    text = tmp_path / "notes.sqlite3"
    text.write_bytes(b"my notes, not a database")
    assert read_all_read_only(text) is None
    assert text.read_bytes() == b"my notes, not a database"


def test_the_head_start_board_is_the_workers_board(tmp_path, datasets, config, monkeypatch):
    path = tmp_path / "cache.sqlite3"
    fill_cache(path, datasets)
    at = pd.Timestamp("2026-02-11T09:30Z")
    monkeypatch.setattr("deskapp.data.live.utc_now", lambda: at)
    board = cache_board(str(path), universe_meta(), SignalSettings.from_config(config), 120)
    same_board(board, worker_board(path, config, at))


def test_the_helper_process_sends_its_board(tmp_path, datasets, config):
    path = tmp_path / "cache.sqlite3"
    fill_cache(path, datasets)
    got: list = []
    arrived = threading.Event()
    head = HeadStart(path, universe_meta(), SignalSettings.from_config(config), 120,
                     on_result=lambda b: (got.append(b), arrived.set()))
    assert arrived.wait(120) and head.done.is_set()
    (board,) = got
    assert board is head.board and board.source == "cache"
    same_board(board, worker_board(path, config, board.asof))


def test_a_helper_that_cannot_read_sends_none(tmp_path, config):
    head = HeadStart(tmp_path / "nothing.sqlite3", universe_meta(),
                     SignalSettings.from_config(config), 120)
    assert head.done.wait(120)
    assert head.board is None


def test_the_desk_draws_the_head_start_board_first(tmp_path, datasets):
    """The real start: `deskapp --source cache` (its helper process forks before any thread)."""
    home = tmp_path / "home"
    fill_cache(home / "data" / "market-cache.sqlite3", datasets)
    png = tmp_path / "cache.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "deskapp", "--source", "cache", "--screenshot",
                           str(png), "--size", "1200x800"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert png.is_file()
    log = (home / "data" / "deskapp.log").read_text(encoding="utf-8")
    assert "first board from the head-start process" in log


class FakeHeadStart:
    """A head start whose result the test decides (none: it never comes)."""

    def __init__(self, board=None, done: bool = True):
        self.board, self.on_result, self.closed = board, None, False
        self.done = threading.Event()
        if done:
            self.done.set()

    def close(self) -> None:
        self.closed = True


def open_cache_desk(qtbot, config, tmp_path, head):
    from deskapp.app import Desk, DeskOptions

    desk = Desk(DeskOptions(config=config, dataset=None, at=None, speed=0.0, size=(1200, 800),
                            journal=tmp_path / "j.sqlite3", source="cache", head_start=head))
    qtbot.addWidget(desk.window)
    drawn: list[tuple[object, int]] = []
    desk.window.sig_board_drawn.connect(lambda v: drawn.append((v, len(desk.threads.threads))))
    desk.start()
    desk.window.show()
    return desk, drawn


def test_a_head_start_board_is_drawn_before_the_workers_start(qtbot, config, tmp_path, datasets,
                                                              monkeypatch):
    from deskapp.paths import data_dir

    path = data_dir() / "market-cache.sqlite3"
    fill_cache(path, datasets)
    board = worker_board(path, config, pd.Timestamp("2026-02-11T09:30Z"))
    head = FakeHeadStart(board)
    desk, drawn = open_cache_desk(qtbot, config, tmp_path, head)
    try:
        qtbot.waitUntil(lambda: len(drawn) >= 2, timeout=60000)  # then the worker's own
        assert drawn[0] == (board, 0)
        assert drawn[1][0].source == "cache" and drawn[1][1] == 3  # compute, feed, book
    finally:
        assert desk.shutdown()
    assert head.closed


@pytest.mark.parametrize("done", [True, False], ids=["failed", "never-came"])
def test_without_a_head_start_board_the_desk_starts_as_always(qtbot, config, tmp_path, done,
                                                              monkeypatch):
    from deskapp.app import Desk

    monkeypatch.setattr(Desk, "HEAD_START_WAIT_MS", 50)
    desk, drawn = open_cache_desk(qtbot, config, tmp_path, FakeHeadStart(None, done=done))
    try:
        qtbot.waitUntil(lambda: bool(drawn), timeout=60000)
        assert drawn[0][1] == 3  # computed by the worker (compute, feed, book threads)
    finally:
        assert desk.shutdown()


def cache_desk(qtbot, config, tmp_path, head):
    from deskapp.app import Desk, DeskOptions

    desk = Desk(DeskOptions(config=config, dataset=None, at=None, speed=0.0, size=(1200, 800),
                            journal=tmp_path / "j.sqlite3", source="cache", head_start=head))
    qtbot.addWidget(desk.window)
    return desk


def test_the_window_shows_once_the_head_start_board_is_drawn_in_it(qtbot, config, tmp_path,
                                                                     datasets):
    """Its first paint is the board, not empty panes painted again a moment later: the board
    is drawn as the window shows (laid out, before any paint)."""
    from deskapp.paths import data_dir

    path = data_dir() / "market-cache.sqlite3"
    fill_cache(path, datasets)
    board = worker_board(path, config, pd.Timestamp("2026-02-11T09:30Z"))
    head = FakeHeadStart(board, done=False)  # its board arrives later
    desk = cache_desk(qtbot, config, tmp_path, head)
    shown_with: list = []

    def show() -> None:
        desk.window.show()
        shown_with.append(desk.window.view)  # what the show drew, before any paint

    try:
        desk.start()
        desk.show_when_ready(show)
        assert shown_with == []  # the board is on its way: no window yet
        head.on_result(board)  # the helper process's answer (queued to the GUI thread)
        qtbot.waitUntil(lambda: bool(shown_with), timeout=10000)
        assert shown_with == [board]  # shown once, with the board drawn
    finally:
        assert desk.shutdown()


def test_a_late_head_start_still_shows_the_window(qtbot, config, tmp_path, monkeypatch):
    from deskapp.app import Desk

    monkeypatch.setattr(Desk, "SHOW_WAIT_MS", 50)
    desk = cache_desk(qtbot, config, tmp_path, FakeHeadStart(None, done=False))
    shown: list = []
    try:
        desk.start()
        desk.show_when_ready(lambda: shown.append(desk.window.view))
        qtbot.waitUntil(lambda: bool(shown), timeout=10000)
        assert shown == [None]  # shown empty, the board to follow: never waits for ever
    finally:
        assert desk.shutdown()
    # Without a head start the window is shown at once.
    plain: list = []
    (tmp_path / "b").mkdir()
    desk2 = cache_desk(qtbot, config, tmp_path / "b", None)
    try:
        desk2.start()
        desk2.show_when_ready(lambda: plain.append(True))
        assert plain == [True]
    finally:
        assert desk2.shutdown()
