"""The Track record tab: base rates of the reading on screen from the bundled table, the same
line in the checklist's execution step, similar days before the board's day only, and a
double-click that opens the replay at that day."""

from __future__ import annotations

import html
import json

import pandas as pd
from PySide6.QtCore import QProcess

from deskapp.signals import track_record
from deskapp.signals.base_rates import base_rate

AT = "2020-03-16T21:30Z"


def test_the_tab_shows_the_tables_base_rate_and_opens_similar_days(make_desk, qtbot):
    desk = make_desk("history", at=AT)
    w = desk.window
    pane = w.track_record
    qtbot.waitUntil(lambda: w.view is not None and pane.table is not None, timeout=60000)
    # behind the Regime tab the similar days wait (a search over every past day, each new day)
    assert pane.days.rowCount() == 0
    w.docks["track_record"].raise_()
    qtbot.waitUntil(lambda: pane.days.rowCount() > 0, timeout=30000)
    table = json.loads(track_record.bundled_path().read_text(encoding="utf-8"))
    snap = w.view.snapshot
    want = base_rate(table, "regime", snap.regime.name).line
    n = table["groups"]["regime"][snap.regime.name]["n"]
    assert want.startswith(f"{snap.regime.name}, {n} days since 2014: S&P 500 next week median")
    rate = base_rate(table, "regime", snap.regime.name)
    body = pane.body.text()
    assert f"<b>{html.escape(snap.regime.name)}</b> · {n} days since 2014" in body
    assert html.escape(rate.figures) in body and want.endswith(rate.figures)
    lo, hi = table["range"]
    assert f"table {lo} .. {hi}" in pane.range_label.text()
    # the checklist's execution step carries the same line
    card = w.checklist.cards[-1]
    assert card.evidence_label.text().endswith(want)
    # similar days come before the board's day (no peeking past the replay clock)
    dates = [pane.days.item(r, 0).text() for r in range(pane.days.rowCount())]
    assert dates and all(d < "2020-03-16" for d in dates)
    # what followed each: shown once its week had ended by the board's day, else "…"
    by_date = {d["date"]: d for d in table["days"]}
    for r, d in enumerate(dates):
        spx_cell, btc_cell = pane.days.item(r, 4).text(), pane.days.item(r, 5).text()
        if pd.Timestamp(d) + pd.Timedelta(days=7) >= pd.Timestamp("2020-03-16"):
            assert (spx_cell, btc_cell) == ("…", "…"), d
        else:
            assert spx_cell == f"{by_date[d]['next']['spx_1w']:+.1%}", d
    # the Track record is a tab beside Regime
    assert w.docks["track_record"] in w.tabifiedDockWidgets(w.docks["regime"])
    # a double-click opens that day's US close in this replay
    pane._open_row(0, 0)
    qtbot.waitUntil(lambda: w.view.asof == pd.Timestamp(f"{dates[0]}T21:00Z"), timeout=30000)


def test_a_day_outside_the_replay_opens_history_in_a_new_desk(make_desk, qtbot, monkeypatch):
    started = []
    monkeypatch.setattr(QProcess, "startDetached",
                        staticmethod(lambda program, args: started.append(args) or (True, 1)))
    desk = make_desk("2026-02-risk-off", at="2026-02-05T21:30Z")
    desk.open_day("2015-08-24")
    assert started[-1][-4:] == ["--replay", "history", "--at", "2015-08-24T21:00Z"]
    assert desk.opened_elsewhere == [started[-1]]


def test_an_unreadable_table_says_so_on_the_pane(qtbot, tmp_path):
    from deskapp.ui.panes.track_record import TrackRecordPane

    pane = TrackRecordPane()
    qtbot.addWidget(pane)
    bad = tmp_path / "track_record.json"
    bad.write_text("{", encoding="utf-8")
    with qtbot.waitSignal(pane.sig_loaded, timeout=60000) as got:
        pane.load(bad)
    assert got.args == [False] and pane.table is None
    assert pane.range_label.text().startswith(f"track record unavailable: track record '{bad}' "
                                              "is corrupt")


def test_similar_days_wait_for_the_window_to_be_shown_with_the_tab_in_front(qtbot):
    # A start-up board comes before the window's first show: the search waits for the show,
    # and runs then only if the tab is seen (by default it is behind the Regime: not at all).
    from PySide6.QtWidgets import QMainWindow

    from deskapp.ui.panes.track_record import TrackRecordPane

    window = QMainWindow()
    qtbot.addWidget(window)
    pane = TrackRecordPane()
    window.setCentralWidget(pane)
    table = json.loads(track_record.bundled_path().read_text(encoding="utf-8"))
    pane._on_loaded(table, "")  # noqa: SLF001 (what the loader thread hands over)
    march_16 = next(d for d in table["days"] if d["date"] == "2020-03-16")
    pane.apply_reading("crypto stress", 2, 3, march_16["features"], board_day="2020-03-16")
    assert "days since 2014" in pane.body.text()  # the base rates are drawn at once
    assert pane.days.rowCount() == 0
    window.show()
    qtbot.waitUntil(lambda: pane.days.rowCount() > 0, timeout=30000)
    assert all(pane.days.item(r, 0).text() < "2020-03-16" for r in range(pane.days.rowCount()))
