"""Alerts in the desk: the compute worker fires, the banner, the history dock, the log and
alerts.jsonl show it; no tray offscreen; a seek back starts a new baseline (no storm)."""

from __future__ import annotations

import json
import logging

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon, QToolBar, QWidget

from deskapp.paths import data_dir
from deskapp.signals.alerts import Alert
from deskapp.ui.alerts import AlertBanner, AlertCenter, AlertHistory, load_history

BEFORE = pd.Timestamp("2026-02-05T20:00Z")  # crypto stress: BTC -8 % on the day so far
AFTER = pd.Timestamp("2026-02-05T21:30Z")  # trend break since the 21:00 S&P close


def board_at(qtbot, window, t: pd.Timestamp) -> None:
    qtbot.waitUntil(lambda: window.view is not None and window.view.asof == t, timeout=60000)


def test_a_regime_change_in_the_replay_shows_everywhere(make_desk, qtbot, caplog):
    caplog.set_level(logging.INFO, logger="deskapp.alerts")
    desk = make_desk("2026-02-risk-off", at=str(BEFORE))
    w = desk.window
    board_at(qtbot, w, BEFORE)
    assert not w.alert_banner.isVisible()  # start-up is only the baseline
    docks_before = {k: d.geometry() for k, d in w.docks.items()}
    assert w.alert_history.rows() == []
    # waited for on the GUI side: the worker's own signal fires in the compute thread
    with qtbot.waitSignal(desk.alerts.sig_shown, timeout=60000) as got:
        desk.source.seek(AFTER)
    alerts = got.args[0]
    board_at(qtbot, w, AFTER)  # the alerts are queued before their board
    assert [(a.kind, a.before, a.after, a.time) for a in alerts] == [
        ("regime", "crypto stress", "trend break", AFTER)]
    message = alerts[0].message
    assert message.startswith("Regime: crypto stress → trend break (trends (4h and 1d) BTC ")
    assert w.alert_banner.isVisible()
    # the banner: shape + word + time + the message; in the menu bar's row, right of the
    # menus: above every pane, and no pane moved to make room for it
    assert w.alert_banner.plain_text() == f"▲ escalation 2026-02-05 21:30 UTC {message}"
    assert message in w.alert_banner.text.toolTip()
    bar = w.menuBar()
    assert w.alert_banner.geometry().top() == bar.geometry().top()
    assert w.alert_banner.geometry().bottom() == bar.geometry().bottom()
    menus_end = max(bar.actionGeometry(a).right() for a in bar.actions())
    assert w.alert_banner.geometry().left() > bar.x() + menus_end
    banner_bottom = w.alert_banner.mapTo(w, w.alert_banner.rect().bottomLeft()).y()
    shown = [d for d in w.docks.values() if not d.visibleRegion().isEmpty()]
    assert len(shown) >= 5
    for dock in shown:
        if not dock.isFloating():
            assert dock.mapTo(w, dock.rect().topLeft()).y() > banner_bottom, dock.objectName()
    assert {k: d.geometry() for k, d in w.docks.items()} == docks_before
    # the history dock, newest first
    rows = w.alert_history.rows()
    assert rows == [("2026-02-05 21:30", f"▲ {message}", "Regime",
                     "▲ escalation: crypto stress → trend break", "replay 2026-02-risk-off")]
    assert w.docks["alerts"].objectName() == "dock_alerts"
    view_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&View")
    assert w.docks["alerts"].toggleViewAction() in view_menu.actions()
    # no tray offscreen, and no attempt to make one
    assert not QSystemTrayIcon.isSystemTrayAvailable()
    assert desk.alerts.tray_icon is None
    # a log line, and a line in alerts.jsonl
    assert any(message in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)
    lines = (data_dir() / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert [Alert.from_dict(json.loads(x)) for x in lines] == alerts
    # "History" raises the dock; dismiss hides the banner (the history keeps the alert)
    qtbot.mouseClick(w.alert_banner.history_button, Qt.MouseButton.LeftButton)
    assert w.docks["alerts"].isVisible()
    qtbot.mouseClick(w.alert_banner.close_button, Qt.MouseButton.LeftButton)
    assert not w.alert_banner.isVisible() and len(w.alert_history.rows()) == 1

    # a seek back: a new baseline, no alert (the board there is drawn after any alert it made)
    desk.source.seek(BEFORE)
    board_at(qtbot, w, BEFORE)
    assert len(w.alert_history.rows()) == 1 and not w.alert_banner.isVisible()
    # and forward again: the change plays again, once
    with qtbot.waitSignal(desk.alerts.sig_shown, timeout=60000) as again:
        desk.source.seek(AFTER)
    assert [a.after for a in again.args[0]] == ["trend break"]
    assert len(w.alert_history.rows()) == 2


def alert(n: int, severity: str = "escalation") -> Alert:
    t = pd.Timestamp("2026-01-21T21:00Z") + pd.Timedelta(hours=n)
    return Alert("regime", "calm", "trend break", t, t, severity,
                 f"Regime: calm → trend break (number {n})", "replay", "2026-02-risk-off")


def make_center(qtbot, path=None):
    window = QMainWindow()
    qtbot.addWidget(window)
    first = QToolBar("first", window)
    first.setObjectName("toolbar_first")
    window.addToolBar(first)
    banner = AlertBanner.install(window, first, hide_after_ms=60_000)
    history = AlertHistory()
    center = AlertCenter(banner, history, tray=True, history_file=path)
    window.show()
    return window, banner, history, center


def test_banner_sits_in_the_menu_row_and_moves_nothing(qtbot):
    """With a menu bar, the banner takes the bar's empty part: no pane or toolbar moves when it
    shows or hides (a row of its own relaid and repainted every pane, twice per alert), it
    covers no menu, and it follows the bar when the window is resized."""
    window = QMainWindow()
    qtbot.addWidget(window)
    for name in ("&File", "&View", "&Help"):
        window.menuBar().addMenu(name)
    first = QToolBar("first", window)
    window.addToolBar(first)
    central = QWidget()
    window.setCentralWidget(central)
    banner = AlertBanner.install(window, first, hide_after_ms=60_000)
    window.resize(900, 400)
    window.show()
    qtbot.waitExposed(window)
    bar = window.menuBar()
    before = (central.geometry(), first.geometry(), bar.geometry())
    banner.show_alert(alert(1))
    assert banner.isVisible() and window.findChildren(QToolBar) == [first]
    assert (central.geometry(), first.geometry(), bar.geometry()) == before

    def placed() -> bool:
        g, b = banner.geometry(), bar.geometry()
        menus_end = b.x() + max(bar.actionGeometry(a).right() for a in bar.actions())
        return (g.left() > menus_end and g.right() == b.right() and g.top() == b.top()
                and g.height() == b.height())

    assert placed()
    window.resize(1300, 400)
    qtbot.waitUntil(lambda: central.width() > 1000)
    assert placed()
    resized = central.geometry()
    banner.dismiss()
    assert not banner.isVisible() and central.geometry() == resized


def test_banner_hides_itself_and_cannot_be_shown_empty(qtbot):
    window, banner, history, center = make_center(qtbot)
    # no menu bar to sit in: a toolbar row of its own
    assert window.findChild(QToolBar, "toolbar_alert").isAncestorOf(banner)
    banner.setVisible(True)  # e.g. restoreState of a layout saved while an alert showed
    assert not banner.isVisible()
    # one snapshot's alerts: the banner leads with the (first) escalation
    center.on_alerts([alert(1, "easing"), alert(2)])
    assert banner.isVisible() and banner.plain_text().startswith("▲ escalation")
    assert "number 2" in banner.plain_text() and banner.more.text() == "+1 more"
    # a layout saved while the banner showed restores without it (it has no alert there)
    state = window.saveState(1)
    window2, banner2, _, _ = make_center(qtbot)
    assert window2.restoreState(state, 1) and not banner2.isVisible()
    assert [r[1] for r in history.rows()] == ["▲ Regime: calm → trend break (number 2)",
                                              "▼ Regime: calm → trend break (number 1)"]
    center.on_alerts([alert(3, "easing")])
    assert banner.plain_text().startswith("▼ easing") and not banner.more.isVisible()
    banner.hide_after_ms = 20
    center.on_alerts([alert(4)])
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=60000)
    assert len(history.rows()) == 4
    center.close()


def test_history_survives_a_restart_and_skips_corrupt_lines(qtbot, tmp_path, caplog):
    path = tmp_path / "alerts.jsonl"
    window, _, _, center = make_center(qtbot, path)
    center.on_alerts([alert(1)])
    center.on_alerts([alert(2)])
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
        fh.write(json.dumps({"kind": "regime"}) + "\n")  # fields missing
        fh.write("\n")
    center.on_alerts([alert(3)])
    with caplog.at_level(logging.WARNING, logger="deskapp.alerts"):
        assert [a.message for a in load_history(path)] == [
            alert(n).message for n in (1, 2, 3)]
    assert any("skipped 2 unreadable lines (line 3, 4)" in r.getMessage()
               for r in caplog.records)
    window2, _, history, _ = make_center(qtbot, path)  # the next session
    rows = history.rows()
    assert [r[1] for r in rows] == [f"▲ {alert(n).message}" for n in (3, 2, 1)]
    assert history.session == 0 and history.earlier == 3


def test_history_colours_follow_the_theme_and_a_full_table_stays_cheap(qtbot, monkeypatch):
    """Severity and earlier-session rows take their colour from the theme when painted; adding
    an alert to a full dock reads a screenful of cells, not every row (a table whose columns
    sized to their contents read all 1,000 rows at each insert: a stall that grew all day)."""
    from deskapp.ui import theme
    from deskapp.ui.alerts import MAX_ROWS, AlertModel

    reads: list[int] = []

    class Counted(AlertModel):
        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            reads.append(index.row())
            return super().data(index, role)

    history = AlertHistory()
    qtbot.addWidget(history)
    history.model = Counted(history)
    history.table.setModel(history.model)
    history.resize(900, 400)
    history.show()
    history.add([alert(n) for n in range(5)], earlier=True)
    history.add([alert(n, "easing") for n in range(5, MAX_ROWS + 10)])
    model = history.model
    assert model.rowCount() == MAX_ROWS and history.rows()[0][1].endswith("(number 1009)")
    fg = Qt.ItemDataRole.ForegroundRole
    monkeypatch.setattr(theme, "current", theme.current)
    try:
        for name in ("dark", "light"):
            theme.set_colours(name)
            assert model.data(model.index(0, 3), fg).name() == theme.text("SKY").lower()
            assert model.data(model.index(0, 1), fg) is None  # the palette's text colour
        history.model.prepend([])  # nothing to add: nothing changes
        history.add([alert(1), alert(2)], earlier=True)  # grey, whatever the severity
        assert model.data(model.index(0, 2), fg).name() == theme.text("MUTED").lower()
        assert model.rowCount() == MAX_ROWS
    finally:
        theme.set_colours("dark")
    qtbot.waitExposed(history)
    reads.clear()
    history.add([alert(2000)])
    qtbot.waitUntil(lambda: len(reads) > 0)  # the view lays the new row out, then paints
    visible = history.table.rowAt(history.table.viewport().height() - 1) + 1 or MAX_ROWS
    assert reads and max(reads) <= visible + 1, (len(reads), max(reads), visible)


def test_banner_sets_its_style_sheet_only_when_the_colours_change(qtbot, monkeypatch):
    """A new style sheet re-polishes the banner and its labels: an alert of the severity already
    shown keeps the sheet; another severity, or another theme, sets a new one."""
    from PySide6.QtWidgets import QApplication

    from deskapp.ui import theme

    _window, banner, _history, center = make_center(qtbot)
    sheets = []
    real = banner.setStyleSheet
    monkeypatch.setattr(banner, "setStyleSheet", lambda s: sheets.append(s) or real(s))
    center.on_alerts([alert(1)])
    center.on_alerts([alert(2)])
    assert len(sheets) == 1 and theme.CURRENT_BG in sheets[0]
    center.on_alerts([alert(3, "easing")])
    assert len(sheets) == 2 and sheets[1] != sheets[0]
    try:
        theme.apply_theme(QApplication.instance(), "light")
        banner.restyle()
        assert len(sheets) == 3 and theme.CURRENT_BG in sheets[2]
    finally:
        theme.apply_theme(QApplication.instance(), theme.DEFAULT_THEME)
    center.close()
