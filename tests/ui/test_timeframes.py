"""Multi-timeframe time panes: each pane switches between 1h, 4h and 1d (window and curves),
the 1h / 4h / 1d trends of BTC and the S&P 500 are shown together, the choice is saved."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QRect, QSettings, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from deskapp.signals.snapshot import compute_snapshot
from deskapp.ui import gui_steps, layouts
from deskapp.ui.layouts import ScreenInfo
from deskapp.ui.main_window import MainWindow
from deskapp.ui.panes.base import RIGHT_MARGIN, TIMEFRAME_DAYS
from tests.support.event_count import EventCount

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise", extend=True)

DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"
DAY = 86400.0
SCREEN = ScreenInfo("DP-1", QRect(0, 0, 1920, 1080), QRect(0, 0, 1920, 1040))


@pytest.fixture
def desk(make_desk, qtbot):
    desk = make_desk(DATASET, at=AT, size=(1600, 900))
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000):
        pass
    return desk


def window_of(days: float, right: float) -> tuple[float, float]:
    """A following window of `days` with the newest data at `right`, by the rule in
    docs/ARCHITECTURE.md ("Drawing a board"): its right edge is the first multiple of
    span * RIGHT_MARGIN / 2 at least one such step right of the data, its width
    span * (1 + RIGHT_MARGIN)."""
    span = days * DAY
    step = span * RIGHT_MARGIN / 2
    hi = math.ceil((right + step) / step) * step
    assert right + step <= hi < right + 2 * step  # 1-2 % of the span is left of the edge
    return hi - span * (1 + RIGHT_MARGIN), hi


def legend_names(pane) -> list[str]:
    """The names in the legend of the pane's first row."""
    return [label.text for _sample, label in pane.plots[0].legend.items]


def x_range(pane) -> tuple[float, float]:
    lo, hi = pane.plots[0].getViewBox().viewRange()[0]
    return float(lo), float(hi)


def test_switching_a_pane_to_1h_shows_the_last_10_days_and_1d_restores_the_default(desk,
                                                                                    qtbot):
    w = desk.window
    crypto, macro = w.panes["crypto"], w.panes["macro"]
    right = pd.Timestamp(AT).value / 1e9  # the newest data at the replay clock
    default = window_of(w.view.view_days, right)
    assert x_range(crypto) == pytest.approx(default)
    assert crypto.timeframe == "1d" and crypto.timeframe_buttons["1d"].isChecked()

    qtbot.mouseClick(crypto.timeframe_buttons["1h"], Qt.MouseButton.LeftButton)
    assert crypto.timeframe == "1h" and crypto.timeframe_buttons["1h"].isChecked()
    assert TIMEFRAME_DAYS["1h"] == 10
    assert x_range(crypto) == pytest.approx(window_of(10, right))
    assert x_range(macro) == pytest.approx(default)  # the other panes keep theirs
    # the newest hourly close is at the right edge
    assert crypto.curve_data("btc_1h")[0][-1] == pytest.approx(right)

    assert legend_names(crypto) == ["BTC daily", "BTC hourly"]

    crypto.set_timeframe("4h")
    assert x_range(crypto) == pytest.approx(window_of(40, right))
    assert crypto.timeframe_buttons["4h"].isChecked()
    assert legend_names(crypto) == ["BTC daily", "BTC 4h"]  # the hourly line is not drawn

    qtbot.mouseClick(crypto.timeframe_buttons["1d"], Qt.MouseButton.LeftButton)
    assert x_range(crypto) == pytest.approx(default)
    assert x_range(macro) == pytest.approx(default)

    # A new board keeps each pane on its own timeframe window
    crypto.set_timeframe("1h")
    with qtbot.waitSignal(w.sig_board_drawn, timeout=60000):
        w.apply_board(w.view)
    assert x_range(crypto) == pytest.approx(window_of(10, right))
    assert x_range(macro) == pytest.approx(default)


def test_4h_shows_4h_closes_resampled_in_the_worker(desk, qtbot):
    crypto = desk.window.panes["crypto"]
    items = {cid: item for row in crypto._rows for cid, item in row.items.items()}  # noqa: SLF001
    assert items["btc_1h"].isVisible() and not items["btc_4h"].isVisible()
    crypto.set_timeframe("4h")
    assert items["btc_4h"].isVisible() and not items["btc_1h"].isVisible()
    x4, y4 = crypto.curve_data("btc_4h")
    x1, y1 = crypto.curve_data("btc_1h")
    assert len(x4) > 0 and all(x % (4 * 3600) == 0 for x in x4[-20:])
    assert x4[-1] <= pd.Timestamp(AT).value / 1e9
    # each 4h close is the last hourly close at or before the bucket end
    hourly = pd.Series(y1, index=x1)
    assert y4[-1] == hourly[hourly.index <= x4[-1]].iloc[-1]
    assert items["btc"].isVisible()  # the daily close is drawn on every timeframe
    shown = {c.cid for c, _unit, _value in crypto.values_at(x4[-1])}  # the crosshair's lines
    assert "btc_4h" in shown and "btc_1h" not in shown
    crypto.set_timeframe("1d")
    shown = {c.cid for c, _unit, _value in crypto.values_at(x4[-1])}
    assert "btc_1h" in shown and "btc_4h" not in shown


def test_keyboard_switches_the_timeframe(desk, qtbot):
    crypto = desk.window.panes["crypto"]
    button = crypto.timeframe_buttons["4h"]
    assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
    button.setFocus()
    with qtbot.waitSignal(crypto.sig_timeframe, timeout=60000) as blocker:
        qtbot.keyClick(button, Qt.Key.Key_Space)
    assert blocker.args == ["4h"] and crypto.timeframe == "4h"
    with qtbot.waitSignal(crypto.sig_timeframe, timeout=60000):
        qtbot.keyClick(crypto.timeframe_buttons["1d"], Qt.Key.Key_Space)
    assert crypto.timeframe == "1d"


MARK = {1: "▲ up", -1: "▼ down", 0: "■ flat", None: "?"}


def expected(label: str, prefix: str, trends: dict) -> str:
    return f"{label} trend " + " ".join(f"{tf} {MARK[trends[f'{prefix}_{tf}']]}"
                                        for tf in ("1h", "4h", "1d"))


def test_trend_readout_matches_the_snapshot(desk, datasets):
    ds = datasets(DATASET)
    trends = compute_snapshot(ds.frames, pd.Timestamp(AT), ds.meta).to_dict()["trend"]
    assert dataclasses.asdict(desk.window.view.snapshot.trend) == trends
    btc = expected("BTC", "btc", trends)
    spx = expected("S&P 500", "es", trends)
    crypto, corr = desk.window.panes["crypto"], desk.window.panes["correlation"]
    assert crypto.trend_text() == btc
    assert corr.trend_text() == f"{spx} · {btc}"
    header = QTextDocument()
    header.setHtml(crypto.header.text())
    assert btc in " ".join(header.toPlainText().split())  # shown in the pane's header
    assert desk.window.panes["macro"].trend_text() == ""


def test_timeframes_are_saved_in_the_layout(desk, monkeypatch, tmp_path, qtbot):
    monkeypatch.setattr(layouts, "qt_screens", lambda: [SCREEN])
    settings = QSettings(str(tmp_path / "deskapp.ini"), QSettings.Format.IniFormat)

    def open_window() -> MainWindow:
        window = MainWindow(desk.journal, settings, 0.0, "timeframe test")
        qtbot.addWidget(window)
        window.setGeometry(100, 80, 1500, 900)
        window.show()
        window.apply_board(desk.window.view)
        for watch in window.screens.windows:
            qtbot.waitUntil(lambda w=watch: w.view is not None, timeout=60000)
        return window

    first = open_window()
    first.panes["crypto"].set_timeframe("1h")
    watch = first.screens.open_screen(["correlation", "macro"])
    qtbot.waitUntil(lambda: watch.view is not None, timeout=60000)
    watch.panes["correlation"].set_timeframe("4h")
    assert first.screens.group.state()["timeframes"] == {"crypto": "1h"}
    first.close()

    second = open_window()
    right = pd.Timestamp(AT).value / 1e9
    assert second.panes["crypto"].timeframe == "1h"
    assert second.panes["crypto"].timeframe_buttons["1h"].isChecked()
    assert second.panes["macro"].timeframe == "1d"
    assert x_range(second.panes["crypto"]) == pytest.approx(window_of(10, right))
    (watch2,) = second.screens.windows
    assert watch2.panes["correlation"].timeframe == "4h"
    assert watch2.panes["macro"].timeframe == "1d"
    assert x_range(watch2.panes["correlation"]) == pytest.approx(window_of(40, right))
    second.close()


def test_a_timeframe_click_paints_the_pane_once(desk, qtbot):
    """The rows' y ranges fit the new window in the click: fitted in the paint, they had the
    pane painted a second time (the crypto pane: ~9 ms a paint, the soak's click windows)."""
    for key in ("crypto", "macro"):
        pane = desk.window.panes[key]
        qtbot.waitUntil(lambda p=pane: not p.visibleRegion().isEmpty(), timeout=60000)
        for tf in ("1h", "4h", "1d"):
            paints = EventCount(QEvent.Type.Paint, pane.graphics.viewport())
            pane.timeframe_buttons[tf].click()
            qtbot.waitUntil(lambda p=paints: p.count > 0, timeout=60000)
            for _ in range(20):  # a second paint, if any, comes in the turns after the first
                QApplication.processEvents()
            assert paints.count == 1, (key, tf, paints.count)


def test_a_timeframe_click_paints_in_a_turn_after_its_own(desk, qtbot):
    """The click sets the new window, curves and legend; the paint comes in the next GUI
    step, not in the click's own events (together 50-68 ms under the soak's load)."""
    pane = desk.window.panes["crypto"]
    qtbot.waitUntil(lambda: not pane.visibleRegion().isEmpty(), timeout=60000)
    qtbot.waitUntil(lambda: gui_steps.pending() == 0, timeout=60000)
    for tf in ("4h", "1d", "1h"):
        paints = EventCount(QEvent.Type.Paint, pane.graphics.viewport())
        before = x_range(pane)
        pane.timeframe_buttons[tf].click()
        QCoreApplication.sendPostedEvents()  # the rest of the click's turn
        QCoreApplication.sendPostedEvents()
        assert x_range(pane) != before and paints.count == 0, tf  # set, not painted yet
        qtbot.waitUntil(lambda p=paints: p.count > 0, timeout=60000)
        assert pane.graphics.updatesEnabled()


def test_the_legend_is_made_again_only_when_its_curves_change(desk):
    crypto = desk.window.panes["crypto"]
    labels = [label for _sample, label in crypto.plots[0].legend.items]
    crypto.set_timeframe("1h")  # the hourly close on 1d and on 1h: the same legend
    assert [label for _sample, label in crypto.plots[0].legend.items] == labels
    crypto.set_timeframe("4h")
    assert "BTC 4h" in legend_names(crypto) and "BTC hourly" not in legend_names(crypto)
    crypto.set_timeframe("1d")
    assert "BTC hourly" in legend_names(crypto) and "BTC 4h" not in legend_names(crypto)
