"""Hedge / Reduce / Wait write one durable journal row each, with the evidence on screen.

The journal is read back with a fresh sqlite3 connection, never through deskapp's store.
"""

from __future__ import annotations

import json
import math
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt

from deskapp.journal.store import JournalStore
from deskapp.signals.board import BoardInputs, compute_board
from deskapp.ui.main_window import MainWindow

DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"


def rows(path: Path) -> list[dict]:
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM decisions")]


def no_nan(d: dict) -> dict:
    """JSON has no NaN: the journal stores it as null."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in d.items()}


def test_each_decision_button_commits_one_row_before_saying_saved(make_desk, qtbot, tmp_path,
                                                                  monkeypatch):
    journal = tmp_path / "decisions.sqlite3"
    desk = make_desk(DATASET, at=AT, journal=journal)
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000):
        pass
    w = desk.window
    panel = w.checklist
    assert "saved" not in panel.status.text()

    seen_at_show: dict[str, bool] = {}
    original = panel.show_saved

    def show_saved(decision, record_id, *args):
        # Whatever the label is about to say, the row must already be committed (new connection).
        seen_at_show[record_id] = any(r["id"] == record_id for r in rows(journal))
        original(decision, record_id, *args)

    monkeypatch.setattr(panel, "show_saved", show_saved)

    before: list[dict] = rows(journal)
    assert before == []
    for decision in ("hedge", "reduce", "wait"):
        view = w.view
        qtbot.mouseClick(panel.buttons[decision], Qt.MouseButton.LeftButton)
        after = rows(journal)
        new = [r for r in after if r["id"] not in {b["id"] for b in before}]
        assert len(after) == len(before) + 1 and len(new) == 1, decision
        row = new[0]
        assert row["decision"] == decision
        assert row["source"] == "replay"
        assert row["dataset"] == DATASET
        assert row["market_time"] == "2026-02-10T21:00:00Z"
        assert pd.Timestamp(row["market_time"]) == w.view.asof == view.asof
        evidence = json.loads(row["evidence_json"])
        assert evidence["readouts"] == no_nan(view.readouts())
        assert evidence["readouts"]["macro.us10y_pct"] == pytest.approx(4.16)
        assert seen_at_show == {row["id"]: True}, "said 'saved' before the row was committed"
        seen_at_show.clear()
        text = panel.status.text()
        assert "saved" in text and "NOT" not in text
        assert decision in text and row["id"] in text
        before = after

    with closing(sqlite3.connect(journal)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        assert db.execute("SELECT COUNT(DISTINCT id) FROM decisions").fetchone()[0] == 3


@pytest.fixture
def bare_window(qtbot, tmp_path):
    """A main window without feed or compute workers, on its own journal."""
    made = []

    def make(busy_timeout_ms: int = 5000) -> tuple[MainWindow, Path]:
        path = tmp_path / "bare.sqlite3"
        store = JournalStore(path, "test", busy_timeout_ms=busy_timeout_ms)
        window = MainWindow(store, None, 0.0, "test")
        qtbot.addWidget(window)
        window.resize(1000, 700)
        window.show()
        made.append(store)
        return window, path

    yield make
    for store in made:
        store.close()


def test_clicking_before_any_board_writes_nothing_and_says_so(bare_window, qtbot):
    window, path = bare_window()
    assert window.view is None
    qtbot.mouseClick(window.checklist.buttons["hedge"], Qt.MouseButton.LeftButton)
    assert rows(path) == []
    text = window.checklist.status.text()
    assert "NOT saved" in text and "no market data" in text


def test_a_locked_journal_is_reported_not_saved(bare_window, qtbot, datasets, config, tmp_path):
    window, path = bare_window(busy_timeout_ms=200)
    ds = datasets(DATASET)
    c = config.correlation
    view = compute_board(BoardInputs(frames=ds.frames, meta=ds.meta, asof=pd.Timestamp(AT),
                                     source="replay", dataset=DATASET, view_days=ds.info.view_days,
                                     ai_basket=config.ai_basket, daily_windows=c.daily_windows,
                                     h1_window=c.h1_window, h4_window=c.h4_window))
    window.apply_board(view)
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        qtbot.mouseClick(window.checklist.buttons["reduce"], Qt.MouseButton.LeftButton)
        other.execute("ROLLBACK")
    text = window.checklist.status.text()
    assert "NOT saved" in text and "✔ saved" not in text
    assert rows(path) == []
    # Once the lock is gone the next click is saved.
    qtbot.mouseClick(window.checklist.buttons["reduce"], Qt.MouseButton.LeftButton)
    assert [r["decision"] for r in rows(path)] == ["reduce"]
    assert "✔ saved" in window.checklist.status.text()
