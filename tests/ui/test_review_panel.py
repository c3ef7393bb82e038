"""The review dock: history with filters, one record's evidence and outcome, the summary."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from deskapp.journal.store import Decision, JournalStore
from deskapp.ui.review_panel import ReviewPanel


def outcome(asset, horizon, ret, dd):
    return {"asset": asset, "horizon": horizon, "series": "crypto.btcusdt.1h",
            "start_time": "2026-02-05T21:00:00Z", "start_price": 100.0,
            "end_time": "2026-02-06T21:00:00Z", "end_price": 100.0 * (1 + ret), "ret": ret,
            "max_drawdown": dd}


@pytest.fixture
def journal(tmp_path):
    j = JournalStore(tmp_path / "j.sqlite3", "t")
    a = j.record(Decision("hedge", "replay", "2026-02-05T21:00:00Z", profile="swing",
                          risk_limit=2.0, notes="dollar bid, vol up",
                          steps={"Macro": {"status": "risk-off", "suggested": "neutral",
                                           "override": True, "note": "DXY breakout"}},
                          snapshot={"regime": {"name": "liquidity shock"}}))
    b = j.record(Decision("hedge", "replay", "2026-02-06T21:00:00Z", profile="swing",
                          snapshot={"regime": {"name": "liquidity shock"}}))
    j.record(Decision("wait", "replay", "2026-01-10T21:00:00Z", profile="long-term",
                      snapshot={"regime": {"name": "calm"}}))
    j.save_outcomes(a, [outcome("BTC", "1w", -0.10, -0.15), outcome("SPX", "1w", -0.02, -0.03),
                        outcome("BTC", "1d", 0.01, -0.02)])
    j.save_outcomes(b, [outcome("BTC", "1w", 0.04, -0.05)])
    yield j
    j.close()


def loaded(qtbot, journal) -> ReviewPanel:
    panel = ReviewPanel(journal)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    with qtbot.waitSignal(panel.sig_loaded, timeout=60000):
        panel.reload()
    return panel


def cell(table, row, col):
    return table.item(row, col).text()


def test_history_newest_first_with_outcomes_and_evidence(qtbot, journal):
    panel = loaded(qtbot, journal)
    t = panel.table
    assert t.rowCount() == 3
    # newest market time first; pending outcomes shown as a dash
    assert [cell(t, i, 0) for i in range(3)] == ["2026-02-06 21:00", "2026-02-05 21:00",
                                                 "2026-01-10 21:00"]
    rows = {cell(t, i, 0): i for i in range(3)}
    first = rows["2026-02-05 21:00"]
    assert cell(t, first, 1) == "hedge" and cell(t, first, 4) == "2"
    assert cell(t, first, 5) == "+1.0%" and cell(t, first, 6) == "-10.0%"
    assert cell(t, first, 8) == "-2.0%" and cell(t, first, 7) == "–"
    t.selectRow(first)
    text = panel.detail.toPlainText()
    assert "dollar bid, vol up" in text and "DXY breakout" in text and "override" in text
    assert "-10.0% (max DD -15.0%)" in text and "pending" in text


def test_filters_and_summary(qtbot, journal):
    panel = loaded(qtbot, journal)
    assert sorted(panel.regime_box.itemText(i) for i in range(panel.regime_box.count())) == \
        ["any", "calm", "liquidity shock"]
    panel.decision_box.setCurrentText("hedge")
    assert panel.table.rowCount() == 2
    panel.regime_box.setCurrentText("calm")
    assert panel.table.rowCount() == 0
    panel.regime_box.setCurrentText("any")
    panel.decision_box.setCurrentText("any")
    # the (unused) date range spans the journal, ready to narrow
    assert panel.since.date().toString("yyyy-MM-dd") == "2026-01-10"
    assert panel.until.date().toString("yyyy-MM-dd") == "2026-02-06"
    panel.use_dates.setChecked(True)
    panel.since.setDate(panel.since.date().fromString("2026-02-01", "yyyy-MM-dd"))
    panel.until.setDate(panel.until.date().fromString("2026-02-05", "yyyy-MM-dd"))
    assert panel.table.rowCount() == 1 and cell(panel.table, 0, 0) == "2026-02-05 21:00"
    panel.use_dates.setChecked(False)
    s = panel.summary_table
    rows = {(cell(s, i, 0), cell(s, i, 1)): i for i in range(s.rowCount())}
    i = rows[("liquidity shock", "hedge")]
    # hand-worked: BTC 1w mean of -10 % and +4 % = -3 %; SPX only one complete: -2 %
    assert [cell(s, i, j) for j in range(2, 8)] == ["2", "2", "-3.0%", "-2.0%", "-10.0%",
                                                    "-3.0%"]
    # one BTC and one SPX bar, for that group; the calm wait has no complete outcome
    assert list(panel.btc_bars.opts["x"]) == pytest.approx([i - 0.18])
    assert list(panel.btc_bars.opts["height"]) == pytest.approx([-3.0])
    assert list(panel.spx_bars.opts["x"]) == pytest.approx([i + 0.18])
    assert list(panel.spx_bars.opts["height"]) == pytest.approx([-2.0])
    # the title's "solid BTC, hatched S&P 500" (pg.mkBrush took no style: both were solid)
    assert panel.btc_bars.opts["brushes"][0].style() == Qt.BrushStyle.SolidPattern
    assert panel.spx_bars.opts["brushes"][0].style() == Qt.BrushStyle.BDiagPattern


def test_reload_after_new_decision_and_unreadable_journal(qtbot, journal):
    panel = loaded(qtbot, journal)
    journal.record(Decision("reduce", "live", "2026-02-10T21:00:00Z", profile="swing"))
    with qtbot.waitSignal(panel.sig_loaded, timeout=60000):
        panel.reload()
    assert panel.table.rowCount() == 4
    journal.close()  # a journal that fails to read: a message, the old rows stay
    with qtbot.waitSignal(panel.sig_loaded, timeout=60000):
        panel.reload()
    assert "could not be read" in panel.message.text() and panel.table.rowCount() == 4


def test_a_decision_with_a_book_shows_its_outcome_hedged_and_unhedged(qtbot, tmp_path):
    j = JournalStore(tmp_path / "b.sqlite3", "t")
    figures = {"book_value_usd": 100_000.0, "summary_line": "worst stress −23 % vs limit 10 %",
               "positions": [{"symbol": "QQQ", "asset_class": "etf", "value_usd": 60_000.0,
                              "beta_spx": 1.0}],
               "hedge_chosen": {"instrument": "SH", "unit": "USD", "rounded": 20_000.0}}
    rid = j.record(Decision("hedge", "replay", "2026-02-05T21:00:00Z", book_version=1,
                            book_figures=figures, hedge="buy $20,000 SH"))
    j.save_outcomes(rid, [outcome("SPX", "1w", -0.05, -0.06)])
    try:
        panel = loaded(qtbot, j)
        # unhedged 0.6 x -5 % = -3 %; SH: -20k x -5 % / 100k = +1 %: hedged -2 %
        assert (cell(panel.table, 0, 9), cell(panel.table, 0, 10)) == ("-3.0%", "-2.0%")
        html = panel.detail.toHtml()
        assert "buy $20,000 SH" in html and "unhedged" in html and "version 1" in html
    finally:
        j.close()


def test_a_long_history_is_filled_newest_first_with_columns_sized_once(qtbot, tmp_path):
    """The columns used to size themselves at every setItem (1.1 s to fill a 60-minute soak's
    60 decisions, measured with its journal; 9 ms now): they are sized to their contents once,
    after the fill, and a trader can still widen them."""
    from PySide6.QtWidgets import QHeaderView

    j = JournalStore(tmp_path / "j.sqlite3", "t")
    for n in range(40):
        j.record(Decision(("wait", "reduce", "hedge")[n % 3], "replay",
                          f"2026-01-{1 + n % 28:02d}T{n // 28:02d}:00:00Z", profile="swing",
                          snapshot={"regime": {"name": "a very long regime name indeed"}}))
    try:
        panel = loaded(qtbot, j)
        panel.show()
        qtbot.waitExposed(panel)
        t = panel.table
        assert t.rowCount() == 40 and cell(t, 0, 0) == "2026-01-28 00:00"
        header = t.horizontalHeader()
        assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Interactive
        regime = next(c for c in range(t.columnCount())
                      if t.horizontalHeaderItem(c).text().lower().startswith("regime"))
        need = t.fontMetrics().horizontalAdvance("a very long regime name indeed")
        assert t.columnWidth(regime) >= need  # sized to its widest cell
    finally:
        j.close()


def test_a_reload_fills_a_long_history_in_steps_painted_once(qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    from deskapp.ui.review_panel import HISTORY_COLUMNS, ROWS_PER_STEP

    j = JournalStore(tmp_path / "long.sqlite3", "t")
    n = 3 * ROWS_PER_STEP + 5
    for i in range(n):
        j.record(Decision("wait", "replay", f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                          notes=f"n{i}"))
    panel = ReviewPanel(j)
    qtbot.addWidget(panel)
    try:
        ticks = [0]  # a due timer: it must get its turn between two slices
        timer = QTimer(panel)
        timer.setInterval(0)
        timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
        filled = []
        fill_rows = panel._fill_rows

        def spy(start, stop):
            filled.append((start, stop, panel.table.updatesEnabled(), ticks[0]))
            fill_rows(start, stop)

        panel._fill_rows = spy
        timer.start()
        with qtbot.waitSignal(panel.sig_loaded, timeout=60000) as got:
            panel.reload()
        timer.stop()
        assert got.args == [n]
        assert [(a, b) for a, b, _, _ in filled] == [
            (k, min(k + ROWS_PER_STEP, n)) for k in range(0, n, ROWS_PER_STEP)]
        seen = [t for _, _, _, t in filled]
        assert all(b > a for a, b in zip(seen, seen[1:], strict=False))  # event loop ran between
        assert not any(enabled for _, _, enabled, _ in filled)  # never painted half-filled
        assert panel.table.updatesEnabled()
        note = HISTORY_COLUMNS.index("Note")
        assert {panel.table.item(i, note).text() for i in range(n)} == {f"n{i}" for i in range(n)}
    finally:
        panel.pool.waitForDone(5000)
        j.close()
