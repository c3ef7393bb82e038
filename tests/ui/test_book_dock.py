"""The Book dock: edits validated (a refusal changes nothing), CSV import with every bad row
said in one message, export round trip, figures computed off the GUI thread and dropped when
stale, the checklist's line and hedge choice, decisions that keep book, figures and hedge, and
the book across restarts. The figures are a fake here (signals/book.py has its own tests)."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, Qt

from deskapp.data.portfolio import Book, make_position, parse_book_csv
from deskapp.ui import book_worker
from deskapp.ui.book_dock import BookPanel
from deskapp.ui.book_state import BookState
from deskapp.ui.book_table import PositionsModel
from deskapp.ui.book_worker import BookWorker

BOOK = Book((make_position("QQQ", 100), make_position("BTC", 0.5),
             make_position("USD", notional_usd=20000.0)))


def fake_figures(book, frames, at, *, limit_pct, hedge_target, meta=None):
    """BookFigures.as_dict()'s shape (signals/book.py), with numbers worked from the inputs."""
    n = len(book.positions)
    return {
        "book_value_usd": 1000.0 * n, "beta_spx": 0.8, "beta_btc": 0.3,
        "vol": {"1y": 0.2, "3y": 0.18},
        "var": {"1y": {"var99_pct": -0.04, "es99_pct": -0.05}, "3y": {}},
        "positions": [{"symbol": p.symbol, "asset_class": p.asset_class, "price": 10.0,
                       "value_usd": 1000.0, "weight": 1 / n, "beta_spx": 1.0, "beta_btc": 0.1,
                       "note": None} for p in book.positions],
        "stress": [{"episode": "Brexit vote", "start": "2016-06-24", "pnl_pct": -0.02,
                    "pnl_usd": -60.0, "worst_day": "2016-06-24", "worst_day_pct": -0.02,
                    "peak_to_trough_pct": -0.02, "proxied": [], "partial": False},
                   {"episode": "COVID crash", "start": "2020-02-24", "pnl_pct": -0.23,
                    "pnl_usd": -230.0 * n, "worst_day": "2020-03-16", "worst_day_pct": -0.09,
                    "peak_to_trough_pct": -0.25, "proxied": ["QQQ"], "partial": False}],
        "hedges": [{"instrument": "MES", "unit": "contracts", "size": 2.6, "rounded": 3.0,
                    "residual": 0.4, "legs": [], "feasible": True, "stress_after_pct": -0.096,
                    "es99_after_pct": -0.02, "cost_usd_year": None, "cost": "no fee",
                    "basis_risk": "S&P vs QQQ"},
                   {"instrument": "MES+BTC_PERP", "unit": "beta-neutral", "size": 0.5,
                    "rounded": 0.5, "residual": 0.0, "feasible": True,
                    "legs": [{"instrument": "MES", "unit": "contracts", "rounded": 2.0},
                             {"instrument": "BTC_PERP", "unit": "BTC", "rounded": 0.4}],
                    "stress_after_pct": -0.095, "cost_usd_year": -120.0},
                   {"instrument": "SELL_CRYPTO", "unit": "fraction", "size": 1.0,
                    "rounded": 1.0, "feasible": False, "stress_after_pct": -0.18}],
        "reentry": {"text": "correlation 30d 0.67 ≥ 0.5: not yet", "ok": False},
        "summary_line": f"worst stress −23 % vs limit {limit_pct:g} % ({hedge_target}, "
                        f"{n} positions): short 3 MES brings it to −9.6 %",
        "notes": [],
    }


@dataclass(frozen=True)
class State:  # a MarketState's fields the worker reads
    frames: dict
    clock: object
    source: str = "replay"
    dataset: str = "t"
    meta: dict | None = None


# -- the table --------------------------------------------------------------------------------


def test_a_refused_edit_changes_nothing_and_says_why(qtbot):
    model = PositionsModel()
    model.set_book(BOOK, None)
    accepted, refused = [], []
    model.sig_book.connect(accepted.append)
    model.sig_refused.connect(refused.append)
    qty = model.index(0, 2)
    for bad in ("abc", "nan", "1e12"):
        assert not model.setData(qty, bad)
    assert not model.setData(model.index(0, 4), "-5")  # negative multiplier
    assert not model.setData(model.index(1, 0), "QQQ")  # a duplicated symbol
    assert model.book == BOOK and accepted == [] and len(refused) == 5
    assert "not a number" in refused[0] and "multiplier" in refused[3]
    assert "in the book already" in refused[4]
    assert all("nothing changed" in r for r in refused)
    assert model.setData(qty, "250")
    assert accepted[-1].positions[0].quantity == 250.0
    assert accepted[-1].positions[1:] == BOOK.positions[1:]
    assert model.data(qty) == "250"


def test_a_new_symbol_takes_its_class_and_multiplier(qtbot):
    model = PositionsModel()
    model.set_book(BOOK, None)
    assert model.setData(model.index(0, 0), "mes")
    p = model.book.positions[0]
    assert (p.symbol, p.asset_class, p.multiplier, p.quantity) == ("MES", "future", 5.0, 100.0)
    assert model.flags(model.index(0, 6)) & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag(0)
    assert model.rowCount(QModelIndex()) == 3


# -- import / export --------------------------------------------------------------------------


@pytest.fixture
def panel(qtbot):
    state = BookState(10.0)
    p = BookPanel(state)
    qtbot.addWidget(p)
    return p


CSV = """symbol,quantity,notional_usd,asset_class,multiplier
QQQ,100,,,
NVDA,nan,,,
ES,1,,future,-50
BTC,0.5,,,
BTC,1,,,
IWM,1e12,,,
ZZZZ,10,,equity,
USD,,25000,cash,
"""


def test_import_keeps_the_good_rows_and_lists_every_bad_one_in_one_message(panel):
    panel.import_text(CSV, "mix.csv")
    book = panel.state.book
    assert [p.symbol for p in book.positions] == ["QQQ", "BTC", "ZZZZ", "USD"]
    message = panel.message_label.text()
    for row in ("row 3", "row 4", "row 6", "row 7", "row 8"):
        assert row in message, row
    assert "no price: add it to the universe" in message and "\n" not in message
    assert book == parse_book_csv(CSV)[0]  # what the parser alone makes of it


def test_an_import_without_a_good_row_changes_nothing(panel, tmp_path):
    panel.state.set_book(BOOK)
    serial = panel.state.serial
    panel.import_text("symbol,quantity\nNVDA,nan\nIWM,-\n", "bad.csv")
    assert panel.state.book == BOOK and panel.state.serial == serial
    assert panel.message_label.text().startswith("nothing imported from bad.csv")
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 2_000_000)
    panel.import_file(big)
    assert panel.state.book == BOOK and "not a book" in panel.message_label.text()
    panel.import_file(tmp_path / "missing.csv")
    assert panel.state.book == BOOK and "no such file" in panel.message_label.text()
    panel.import_file(tmp_path)  # a folder
    assert panel.state.book == BOOK and "not a regular file" in panel.message_label.text()
    long = tmp_path / "long.csv"  # parsing it would hold the GUI thread: refused unread
    long.write_text("symbol,quantity\n" + "".join(f"S{i},1\n" for i in range(600)))
    panel.import_file(long)
    assert panel.state.book == BOOK and "more than 500 lines" in panel.message_label.text()


def test_export_then_import_gives_the_same_book(panel, tmp_path):
    panel.state.set_book(BOOK)
    path = tmp_path / "out.csv"
    panel.export_file(path)
    other = BookPanel(BookState(10.0))
    other.import_file(path)
    assert other.state.book == BOOK
    other.deleteLater()


def test_add_and_remove_rows(panel):
    panel.symbol_edit.setText("eth")
    panel.amount_edit.setText("1e12")
    panel.add_position()
    assert panel.state.book.positions == () and "typo" in panel.message_label.text()
    panel.amount_edit.setText("2.5")
    panel.add_position()
    assert [(p.symbol, p.quantity) for p in panel.state.book.positions] == [("ETH", 2.5)]
    panel.table.selectRow(0)
    panel.remove_selected()
    assert panel.state.book.positions == ()


# -- the worker -------------------------------------------------------------------------------


def test_figures_are_computed_once_per_change_and_stale_ones_dropped(qtbot):
    t = [100.0]
    worker = BookWorker(journal=None, figures=fake_figures, clock=lambda: t[0])
    state = BookState(10.0)
    state.sig_inputs.connect(worker.set_inputs)
    worker.sig_figures.connect(state.on_figures)
    state.set_book(BOOK, save=False)
    frames = {"x": 1}
    with qtbot.waitSignal(worker.sig_figures, timeout=5000):
        worker.on_state(State(frames, 1))
    assert worker.computed == 1 and state.figures["book_value_usd"] == 3000.0
    worker.on_state(State(frames, 1))  # the same moment again: nothing to do
    assert worker._timer is None or not worker._timer.isActive()
    # A result for an older serial is not this book's: dropped.
    state.on_figures({"summary_line": "old"}, state.serial - 1)
    assert state.summary_line().startswith("worst stress −23 % vs limit 10 %")
    state.set_limit(5.0)  # within EVERY_S of the last computation: waits for the throttle
    assert state.figures is None
    t[0] += worker.EVERY_S
    qtbot.waitUntil(lambda: state.figures is not None, timeout=5000)
    assert worker.computed == 2 and "limit 5 %" in state.summary_line()
    assert state.hedge_choices() == ["none", "short 3 MES", "short 2 MES + short 0.4 BTC perp",
                                     "sell 100% of the crypto (not enough)"]


def test_a_failing_computation_is_one_line_on_the_dock(qtbot, panel):
    def broken(*_a, **_kw):
        raise ZeroDivisionError("no prices")

    worker = BookWorker(journal=None, figures=broken, clock=lambda: 0.0)
    panel.state.sig_inputs.connect(worker.set_inputs)
    worker.sig_failed.connect(panel.state.on_failed)
    panel.state.set_book(BOOK, save=False)
    with qtbot.waitSignal(worker.sig_failed, timeout=5000):
        worker.on_state(State({}, 1))
    assert panel.state.figures is None
    assert "book figures failed: no prices" in panel.summary_label.text()


def test_the_dock_draws_the_figures(panel):
    panel.state.set_book(BOOK, save=False)
    panel.state.on_figures(fake_figures(BOOK, {}, None, limit_pct=10.0, hedge_target="stress"),
                           panel.state.serial)
    assert panel.stress_table.rowCount() == 2  # worst first
    assert [panel.stress_table.item(0, j).text() for j in range(7)] == [
        "COVID crash", "2020-02-24", "-23.0 %", "-690", "-9.0 %", "-25.0 %", "QQQ"]
    assert panel.stress_table.item(1, 0).text() == "Brexit vote"
    assert panel.hedge_table.rowCount() == 3
    assert panel.hedge_table.item(0, 0).text() == "short 3 MES"
    assert panel.hedge_table.item(0, 3).text() == "-9.6 %"
    assert panel.hedge_table.item(1, 5).text() == "-120"
    text = panel.summary_label.text()
    assert "value <b>$3,000</b>" in text and "1y: vol 20%, VaR99 -4.0 %, ES99 -5.0 %" in text
    assert "re-entry: correlation 30d 0.67 ≥ 0.5: not yet" in text
    assert len(panel._bars) == 3
    assert panel.model.data(panel.model.index(0, 7)) == "33.3 %"
    assert "short 3 MES brings it to −9.6 %" in panel.summary_label.text()


# -- in the desk ------------------------------------------------------------------------------


def _stored_books(path) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT version, positions_json FROM books ORDER BY version").fetchall()


def test_the_desk_computes_records_and_keeps_the_book(make_desk, qtbot, tmp_path, monkeypatch):
    in_gui_thread: list[bool] = []

    def figures(*args, **kw):
        in_gui_thread.append(threading.current_thread() is threading.main_thread())
        return fake_figures(*args, **kw)

    monkeypatch.setattr(book_worker, "_default_figures", figures)
    journal = tmp_path / "j.sqlite3"
    desk = make_desk("2026-02-risk-off", at="2026-02-10T21:00Z", journal=journal)
    w = desk.window
    assert w.book_panel is None  # lazy: built when its dock is first shown
    with qtbot.waitSignal(w.sig_board_drawn, timeout=60000):
        pass
    w.book.set_book(BOOK)
    qtbot.waitUntil(lambda: w.book.figures is not None and w.book.version == 1, timeout=30000)
    assert len(_stored_books(journal)) == 1
    assert in_gui_thread and not any(in_gui_thread)  # computed in the book worker's thread
    execution = w.checklist.cards[-1].evidence_label.text()
    assert "worst stress −23 % vs limit" in execution
    w.checklist.hedge_box.setCurrentIndex(w.checklist.hedge_box.findData("short 3 MES"))
    with qtbot.waitSignal(w.sig_decision_saved, timeout=30000):
        qtbot.mouseClick(w.checklist.buttons["hedge"], Qt.MouseButton.LeftButton)
    with closing(sqlite3.connect(journal)) as db:
        version, figures, hedge = db.execute(
            "SELECT book_version, book_figures_json, hedge FROM decisions").fetchone()
    assert (version, hedge) == (1, "short 3 MES") and "short 3 MES brings it" in figures
    assert json.loads(figures)["hedge_chosen"]["rounded"] == 3.0  # what the review values
    w.docks["book"].raise_()
    qtbot.waitUntil(lambda: w.book_panel is not None, timeout=5000)
    assert w.book_panel.model.rowCount() == 3
    # The next desk on the same journal opens with the stored book.
    assert desk.shutdown()
    again = make_desk("2026-02-risk-off", at="2026-02-10T21:00Z", journal=journal)
    qtbot.waitUntil(lambda: again.window.book.version == 1, timeout=30000)
    assert again.window.book.book == BOOK and len(_stored_books(journal)) == 1


def test_the_real_figures_of_the_sample_book_reach_the_dock(qtbot, panel, datasets):
    """signals.book.book_figures (imported by the worker on first use) on the history replay:
    the dock shows every stress row and hedge it gives, and the checklist gets its line."""
    import pandas as pd

    from deskapp.resources import resource_dir

    text = (resource_dir() / "sample_book.csv").read_text()
    book, messages = parse_book_csv(text)
    assert messages == [] and len(book.positions) == 6
    worker = BookWorker(journal=None, clock=lambda: 0.0)
    panel.state.sig_inputs.connect(worker.set_inputs)
    worker.sig_figures.connect(panel.state.on_figures)
    panel.state.set_book(book, save=False)
    with qtbot.waitSignal(worker.sig_figures, timeout=60000):
        ds = datasets("history")
        worker.on_state(State(ds.frames, pd.Timestamp("2020-03-16T21:00Z"), meta=ds.meta))
    f = panel.state.figures
    assert f["summary_line"].startswith("worst stress −")
    assert panel.stress_table.rowCount() == len(f["stress"]) > 10
    assert panel.hedge_table.rowCount() == len(f["hedges"]) > 0
    assert any(c.startswith("short ") and "MES" in c for c in panel.state.hedge_choices())
    losses = [panel.stress_table.item(i, 2).text() for i in range(3)]
    assert losses[0] == f"{min(r['pnl_pct'] for r in f['stress']) * 100:+.1f} %"
    # the same figures as `deskapp book` prints headless (the desk's frames and meta)
    from deskapp.signals.book import book_figures

    alone = book_figures(book, ds.frames, pd.Timestamp("2020-03-16T21:00Z"), limit_pct=10.0,
                         meta=ds.meta).as_dict()
    assert f == alone


def test_many_refused_rows_are_one_message_naming_the_first_ones(panel):
    rows = "".join(f"X{i},nan\n" for i in range(20))
    panel.import_text("symbol,quantity\nQQQ,10\n" + rows, "many.csv")
    message = panel.message_label.text()
    assert [p.symbol for p in panel.state.book.positions] == ["QQQ"]
    assert "20 note(s)" in message and "row 3:" in message and "row 14:" in message
    assert "row 15:" not in message and message.endswith("… and 8 more")
