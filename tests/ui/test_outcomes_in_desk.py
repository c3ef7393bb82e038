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
