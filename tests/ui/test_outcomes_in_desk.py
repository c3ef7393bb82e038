"""A decision made during a replay gets its outcomes once the replay clock reaches them, and the
review dock shows them; none before (no peeking at the replay's future)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt

from deskapp.journal.store import JournalStore

T0 = "2026-02-05T21:00Z"


def test_outcomes_fill_in_as_the_replay_reaches_them(make_desk, qtbot, tmp_path):
    path = tmp_path / "j.sqlite3"
    desk = make_desk("2026-02-risk-off", at=T0, journal=path)
    w = desk.window
    with qtbot.waitSignal(w.sig_board_drawn, timeout=60000):
        pass
    with qtbot.waitSignal(w.sig_decision_saved, timeout=10000):
        qtbot.mouseClick(w.checklist.buttons["hedge"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.review.table.rowCount() == 1, timeout=10000)
    # the replay is paused at the decision: nothing after it exists yet
    probe = JournalStore(path, "probe")
    try:
        assert probe.records()[0]["outcomes"] == {}
        # two days on: the 1-day outcomes exist, the 1-week ones do not
        desk.source.seek(pd.Timestamp(T0) + pd.Timedelta(days=2))
        qtbot.waitUntil(lambda: len(probe.records()[0]["outcomes"].get("BTC", {})) == 1,
                        timeout=60000)
        rec = probe.records()[0]
        assert set(rec["outcomes"]["BTC"]) == {"1d"} and set(rec["outcomes"]["SPX"]) == {"1d"}
        assert pd.Timestamp(rec["outcomes"]["BTC"]["1d"]["end_time"]) <= \
            pd.Timestamp(T0) + pd.Timedelta(days=2)
        desk.source.seek(pd.Timestamp(T0) + pd.Timedelta(days=8))
        qtbot.waitUntil(lambda: len(probe.records()[0]["outcomes"].get("SPX", {})) == 2,
                        timeout=60000)
        btc_1w = probe.records()[0]["outcomes"]["BTC"]["1w"]["ret"]
    finally:
        probe.close()
    qtbot.waitUntil(lambda: w.review.table.item(0, 6).text() == f"{btc_1w:+.1%}", timeout=60000)


def test_the_review_is_built_when_its_tab_is_raised_and_shows_the_decisions(make_desk, qtbot,
                                                                            tmp_path):
    desk = make_desk("2026-02-risk-off", at=T0, journal=tmp_path / "j.sqlite3")
    w = desk.window
    with qtbot.waitSignal(w.sig_board_drawn, timeout=60000):
        pass
    with qtbot.waitSignal(w.sig_decision_saved, timeout=10000):
        qtbot.mouseClick(w.checklist.buttons["wait"], Qt.MouseButton.LeftButton)
    assert w.built_review() is None  # a tab behind the Regime: nothing built, nothing read
    w.docks["review"].raise_()
    qtbot.waitUntil(lambda: w.built_review() is not None, timeout=10000)
    assert w.docks["review"].widget() is w.built_review()
    qtbot.waitUntil(lambda: w.built_review().table.rowCount() == 1, timeout=10000)
    assert w.built_review().table.item(0, 1).text() == "wait"
    with qtbot.waitSignal(w.sig_decision_saved, timeout=10000):  # built: each decision reloads
        qtbot.mouseClick(w.checklist.buttons["hedge"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.review.table.rowCount() == 2, timeout=10000)
