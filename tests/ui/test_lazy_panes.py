"""The panes behind tabs are built when first raised, read, or idle after the first board
(ui/lazy_panes.py), and always show the newest board when they appear."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deskapp.journal.store import JournalStore
from deskapp.signals.engine import SignalSettings, compute
from deskapp.ui import main_window as mw
from deskapp.ui.lazy_panes import PanePlaceholder
from tests.support.build_parts import row_parts

AT = pd.Timestamp("2026-02-10T21:00Z")
FRONT = {"macro", "leadership", "crypto", "correlation"}
BACK = {"liquidity", "smallcaps", "chain", "volatility"}


def board_at(datasets, config, at: pd.Timestamp):
    ds = datasets("2026-02-risk-off")
    frames = {k: f.loc[:at] for k, f in ds.frames.items()}
    return compute(frames, ds.meta, at, SignalSettings.from_config(config), source="replay",
                   dataset=ds.info.name, view_days=ds.info.view_days)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A main window on screen whose idle builder never comes (the test builds by hand)."""
    monkeypatch.setattr(mw, "IDLE_BUILD_DELAY_MS", 10**8)
    journal = JournalStore(tmp_path / "journal.sqlite3", "test")
    win = mw.MainWindow(journal, None, 0.0, "test")
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    journal.close()


def test_only_the_front_panes_are_built_at_start(window):
    assert set(window.panes.built()) == FRONT
    for key in BACK:
        assert isinstance(window.docks[key].widget(), PanePlaceholder)
    assert set(window.panes) == FRONT | BACK  # every key is still there to read
    # a watch screen can show every pane, built or not
    assert set(window.screens.catalogue()) >= FRONT | BACK


def test_raising_a_tab_builds_its_pane_with_the_newest_board(qtbot, window, datasets, config):
    old, new = (board_at(datasets, config, AT - pd.Timedelta(days=1)),
                board_at(datasets, config, AT))
    window.apply_board(old)
    window.apply_board(new)
    assert not window.panes.is_built("volatility")
    window.docks["volatility"].raise_()
    qtbot.waitUntil(lambda: window.panes.is_built("volatility"), timeout=10000)
    pane = window.docks["volatility"].widget()
    assert pane is window.panes["volatility"] and pane.pane_key == "volatility"
    want = new.panes["volatility"].curves["vix"]
    x, y = pane.curve_data("vix")
    np.testing.assert_array_equal(x, want.x[np.isfinite(want.y)])
    np.testing.assert_array_equal(y, want.y[np.isfinite(want.y)])
    assert pane in window.screens.group.panes  # linked with the window's other panes
    assert set(window.panes.built()) == FRONT | {"volatility"}


def test_reading_a_pane_builds_it_and_a_staged_board_reaches_it(qtbot, window, datasets,
                                                                config):
    view = board_at(datasets, config, AT)
    with qtbot.waitSignal(window.sig_board_drawn, timeout=10000):
        window.apply_board_staged(view)
    pane = window.panes["chain"]  # built on reading
    assert window.docks["chain"].widget() is pane
    want = view.panes["chain"].curves["btc"]
    x, _ = pane.curve_data("btc")
    assert x[-1] == want.x[np.isfinite(want.y)][-1]


def test_after_the_first_board_the_rest_are_built_when_idle(qtbot, tmp_path, datasets,
                                                            config, monkeypatch):
    monkeypatch.setattr(mw, "IDLE_BUILD_DELAY_MS", 0)
    journal = JournalStore(tmp_path / "journal.sqlite3", "test")
    win = mw.MainWindow(journal, None, 0.0, "test")
    qtbot.addWidget(win)
    try:
        assert set(win.panes.built()) == FRONT
        win.apply_board(board_at(datasets, config, AT))  # the first board drawn
        qtbot.waitUntil(lambda: set(win.panes.built()) == FRONT | BACK, timeout=10000)
        assert not any(isinstance(d.widget(), PanePlaceholder) for d in win.docks.values())
    finally:
        journal.close()


def test_a_pane_built_ahead_is_made_a_part_of_a_row_per_step_and_a_read_finishes_it(
        window, datasets, config, monkeypatch):
    """Idle building makes a pane a part of a plot row per event-loop turn (a whole pane held
    the GUI 30-70 ms); reading it half-made finishes it at once; a theme switched meanwhile is
    the one it ends in."""
    from deskapp.ui import theme

    view = board_at(datasets, config, AT)
    window.apply_board(view)
    panes = window.panes
    parts = row_parts(panes.classes["smallcaps"])
    # the pane, then a part of a row a step: all but the last part
    steps = [panes.prebuild_step("smallcaps") for _ in range(parts)]
    assert steps == [True] * parts and not panes.is_built("smallcaps")
    assert isinstance(window.docks["smallcaps"].widget(), PanePlaceholder)
    monkeypatch.setattr(theme, "current", theme.current)
    theme.set_colours("light")
    try:
        assert panes.prebuild_step("smallcaps") is True  # the last row's notice
        assert panes.prebuild_step("smallcaps") is False  # finished and placed
        pane = window.docks["smallcaps"].widget()
        assert panes.is_built("smallcaps") and pane is panes["smallcaps"] and pane.built
        assert pane.graphics.backgroundBrush().color().name() == theme.BACKGROUND.lower()
    finally:
        theme.set_colours("dark")
    assert panes.prebuild_step("smallcaps") is False  # nothing left to do
    assert panes.prebuild_step("chain") is True  # begun ...
    chain = panes["chain"]  # ... and finished by a read, with the board on it
    assert chain.built and window.docks["chain"].widget() is chain
    want = view.panes["chain"].curves["btc"]
    x, _ = chain.curve_data("btc")
    assert x[-1] == want.x[np.isfinite(want.y)][-1]
