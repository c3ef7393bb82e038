"""Hedge / Reduce / Wait write one durable journal row each, with the evidence on screen.

The journal is read back with a fresh sqlite3 connection, never through deskapp's store.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt, QTimer

from deskapp.journal.model import JournalError
from deskapp.journal.store import JournalStore
from deskapp.signals.engine import SignalSettings, compute
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
        with qtbot.waitSignal(w.sig_decision_saved, timeout=10000):
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
    view = compute(ds.frames, ds.meta, pd.Timestamp(AT), SignalSettings.from_config(config),
                   source="replay", dataset=DATASET, view_days=ds.info.view_days)
    window.apply_board(view)
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        with qtbot.waitSignal(window.journal_writer.failed, timeout=10000):
            qtbot.mouseClick(window.checklist.buttons["reduce"], Qt.MouseButton.LeftButton)
        other.execute("ROLLBACK")
    text = window.checklist.status.text()
    assert "NOT saved" in text and "✔ saved" not in text
    assert rows(path) == []
    # Once the lock is gone the next click is saved.
    with qtbot.waitSignal(window.sig_decision_saved, timeout=10000):
        qtbot.mouseClick(window.checklist.buttons["reduce"], Qt.MouseButton.LeftButton)
    assert [r["decision"] for r in rows(path)] == ["reduce"]
    assert "✔ saved" in window.checklist.status.text()


class SlowJournal:
    """A journal whose write blocks until the test releases it (or raises `error`)."""

    def __init__(self, error: Exception | None = None):
        self.release = threading.Event()
        self.entered = threading.Event()
        self.error = error
        self.written: list = []
        self.threads: list[str] = []

    def record(self, decision) -> str:
        self.threads.append(threading.current_thread().name)
        self.entered.set()
        assert self.release.wait(30), "the test never released the write"
        if self.error is not None:
            raise self.error
        self.written.append(decision)
        return f"rid-{len(self.written)}"

    def records(self) -> list[dict]:
        return []


@pytest.fixture
def board_view(datasets, config):
    ds = datasets(DATASET)
    return compute(ds.frames, ds.meta, pd.Timestamp(AT), SignalSettings.from_config(config),
                   source="replay", dataset=DATASET, view_days=ds.info.view_days)


def slow_window(qtbot, journal, view) -> MainWindow:
    window = MainWindow(journal, None, 0.0, "test")
    qtbot.addWidget(window)
    window.apply_board(view)
    return window


def test_a_slow_write_keeps_the_gui_turning_and_says_saved_only_after_the_commit(
        qtbot, board_view):
    journal = SlowJournal()
    window = slow_window(qtbot, journal, board_view)
    panel = window.checklist
    saved: list[str] = []
    window.sig_decision_saved.connect(saved.append)
    beats: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(lambda: beats.append(len(beats)))
    heartbeat.start()
    try:
        qtbot.mouseClick(panel.buttons["hedge"], Qt.MouseButton.LeftButton)  # returns at once
        assert journal.entered.wait(10)  # the write has begun, and blocks ...
        start = len(beats)
        qtbot.waitUntil(lambda: len(beats) >= start + 5, timeout=10000)  # ... the GUI turns
        assert saved == [] and journal.written == []
        text = panel.status.text()
        assert "saving" in text and "hedge" in text and "✔ saved" not in text
        assert not any(b.isEnabled() for b in panel.buttons.values())  # pending: no double
        panel.decide("wait")  # a stray call while pending: refused, not queued
        assert "still saving hedge" in window.statusBar().currentMessage()
        assert "saving" in panel.status.text() and "hedge" in panel.status.text()
        assert not any(b.isEnabled() for b in panel.buttons.values())
        with qtbot.waitSignal(window.journal_writer.saved, timeout=10000) as got:
            journal.release.set()
    finally:
        heartbeat.stop()
        journal.release.set()
        assert window.journal_writer.wait(10000)
    assert got.args == ["rid-1", "hedge"]
    assert saved == ["rid-1"] and [d.decision for d in journal.written] == ["hedge"]
    assert journal.threads and threading.main_thread().name not in journal.threads
    assert "✔ saved" in panel.status.text() and "rid-1" in panel.status.text()
    assert all(b.isEnabled() for b in panel.buttons.values())


@pytest.mark.parametrize("error, shown", [
    (JournalError("journal j.sqlite3: decision NOT saved: disk I/O error"), "disk I/O error"),
    (RuntimeError("connection object went away"), "RuntimeError: connection object went away"),
])
def test_a_failed_write_says_not_saved_and_frees_the_buttons(qtbot, board_view, error, shown):
    journal = SlowJournal(error)
    journal.release.set()
    window = slow_window(qtbot, journal, board_view)
    panel = window.checklist
    saved: list[str] = []
    window.sig_decision_saved.connect(saved.append)
    with qtbot.waitSignal(window.journal_writer.failed, timeout=10000) as got:
        qtbot.mouseClick(panel.buttons["reduce"], Qt.MouseButton.LeftButton)
    assert got.args[0] == "reduce" and shown in got.args[1]
    assert saved == [] and journal.written == []
    text = panel.status.text()
    assert "NOT saved" in text and shown in text and "✔ saved" not in text
    assert all(b.isEnabled() for b in panel.buttons.values())
    assert window.journal_writer.pending is None
