"""Layouts: saved per screen configuration, restored with every window, clamped onto the
screens that exist, default layout (with a message) when unusable, named layouts."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QRect, QSettings

from deskapp.ui import layouts
from deskapp.ui.layouts import LayoutStore, ScreenInfo, clamp_rect, screen_key
from deskapp.ui.main_window import MainWindow

# Floating docks raise() their window; the offscreen platform plugin says it cannot.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise", extend=True)

DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"
LEFT = ScreenInfo("DP-1", QRect(0, 0, 1920, 1080), QRect(0, 0, 1920, 1040))
RIGHT = ScreenInfo("HDMI-1", QRect(1920, 0, 2560, 1440), QRect(1920, 0, 2560, 1400))


@pytest.fixture
def screens(monkeypatch):
    """The connected screens, as the desk sees them; tests change the list."""
    connected = [LEFT, RIGHT]
    monkeypatch.setattr(layouts, "qt_screens", lambda: list(connected))
    return connected


@pytest.fixture
def board(make_desk, qtbot):
    """A real board (and a journal) from a running desk."""
    desk = make_desk(DATASET, at=AT, size=(1600, 900))
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000):
        pass
    return desk


def open_window(board, settings, qtbot) -> MainWindow:
    window = MainWindow(board.journal, settings, 0.0, "layout test")
    qtbot.addWidget(window)
    if not window.screens.restored:
        window.setGeometry(100, 80, 1500, 900)
    window.show()
    window.apply_board(board.window.view)
    for watch in window.screens.windows:
        qtbot.waitUntil(lambda w=watch: w.view is not None, timeout=60000)
    return window


def on_screen(rect: QRect, screen: ScreenInfo) -> bool:
    return screen.geometry.contains(rect)


def test_layout_round_trip(board, screens, tmp_path, qtbot):
    settings = QSettings(str(tmp_path / "deskapp.ini"), QSettings.Format.IniFormat)
    first = open_window(board, settings, qtbot)
    # The trader's layout: a pane floated onto the right monitor, one closed, two watch
    # screens (one on each monitor, one full screen), zoomed time axes.
    corr = first.docks["correlation"]
    corr.setFloating(True)
    corr.setGeometry(2200, 300, 700, 450)
    first.docks["review"].hide()
    a = first.screens.open_screen(["macro", "crypto"])
    a.setGeometry(1980, 60, 1400, 900)
    b = first.screens.open_screen(["regime", "leadership"])
    b.setGeometry(200, 150, 1000, 700)
    b.docks["regime"].hide()
    qtbot.waitUntil(lambda: a.view is not None, timeout=60000)  # its panes drawn, turn by turn
    macro = a.panes["macro"]
    lo, hi = macro.plots[0].viewRange()[0]
    macro.plots[0].setXRange(lo + 20 * 86400, hi - 5 * 86400, padding=0)
    a.group.set_follow(False)
    zoomed = macro.plots[0].viewRange()[0]
    main_group = first.screens.group
    main_group.set_follow(False)
    first.panes["macro"].plots[0].setXRange(lo + 40 * 86400, hi, padding=0)
    main_group.set_follow(True)  # following, at the zoomed span
    span = main_group.span_s
    assert span < (hi - lo) * 0.8
    b.full_screen.trigger()
    qtbot.waitUntil(b.isFullScreen, timeout=60000)
    first.close()
    assert first.screens.windows == [] and not a.isVisible()

    second = open_window(board, settings, qtbot)
    assert second.screens.restored
    assert second.screens.message == ""
    assert second.geometry() == QRect(100, 80, 1500, 900)
    assert second.docks["correlation"].isFloating()
    assert on_screen(second.docks["correlation"].geometry(), RIGHT)
    assert second.docks["review"].isHidden()
    assert not second.docks["macro"].isHidden() and not second.docks["macro"].isFloating()
    assert second.screens.group.follow and second.screens.group.span_s == pytest.approx(span)
    lo2, hi2 = second.panes["macro"].plots[0].viewRange()[0]
    assert hi2 - lo2 == pytest.approx(span * 1.02)
    a2, b2 = second.screens.windows
    assert list(a2.docks) == ["macro", "crypto"] and a2.shown_panes() == ["macro", "crypto"]
    assert a2.geometry() == QRect(1980, 60, 1400, 900)
    assert not a2.group.follow
    assert a2.panes["macro"].plots[0].viewRange()[0] == pytest.approx(zoomed)
    assert a2.panes["crypto"].plots[0].viewRange()[0] == pytest.approx(zoomed)  # linked
    assert list(b2.docks) == ["regime", "leadership"] and b2.shown_panes() == ["leadership"]
    qtbot.waitUntil(b2.isFullScreen, timeout=60000)
    assert b2.full_screen.isChecked() or b2.isFullScreen()
    second.close()


def test_a_monitor_that_is_gone_brings_its_windows_onto_one_that_exists(board, screens,
                                                                        tmp_path, qtbot):
    settings = QSettings(str(tmp_path / "deskapp.ini"), QSettings.Format.IniFormat)
    first = open_window(board, settings, qtbot)
    right = first.screens.open_screen(["macro"])
    right.setGeometry(2500, 400, 1600, 900)  # on the right monitor
    first.docks["crypto"].setFloating(True)
    first.docks["crypto"].setGeometry(3000, 900, 800, 500)
    first.close()
    before = settings.allKeys()

    screens.remove(RIGHT)  # unplugged
    second = open_window(board, settings, qtbot)
    assert second.screens.restored
    (watch,) = second.screens.windows
    assert on_screen(watch.geometry(), LEFT), watch.geometry()
    assert watch.size().width() == 1600  # it fits: same size, moved
    assert on_screen(second.docks["crypto"].geometry(), LEFT)
    assert second.geometry() == QRect(100, 80, 1500, 900)  # it was on the left one already
    second.close()
    # This screen configuration now has a layout of its own; the two-monitor one is kept.
    after = [k for k in settings.allKeys() if k.startswith("layouts/current/")]
    assert len(after) == 2 and set(before) <= set(settings.allKeys())

    screens.append(RIGHT)  # plugged back in: its own layout again
    third = open_window(board, settings, qtbot)
    assert third.screens.windows[0].geometry() == QRect(2500, 400, 1600, 900)
    third.close()


def test_a_monitor_that_moved_keeps_its_windows(screens):
    window = {"geometry": [2000, 100, 800, 600], "screen": "HDMI-1",
              "screen_geometry": [1920, 0, 2560, 1440]}
    screens[1] = ScreenInfo("HDMI-1", QRect(-2560, 0, 2560, 1440), QRect(-2560, 0, 2560, 1400))
    assert layouts.place(window, screens) == QRect(-2480, 100, 800, 600)


@pytest.mark.parametrize("garbage", [
    b"\x00\xff\xfe garbage \x01",
    "{not json",
    json.dumps({"format": 1, "windows": [{"id": "main", "geometry": [0, 0, 10, 10],
                                          "state": "AAAA/w=="}]}),  # a dock state Qt refuses
    json.dumps({"format": 99, "windows": []}),
    json.dumps([1, 2, 3]),
], ids=["bytes", "text", "bad dock state", "newer format", "list"])
def test_a_corrupt_layout_falls_back_to_the_default_with_a_message(board, screens, tmp_path,
                                                                   qtbot, garbage):
    settings = QSettings(str(tmp_path / "deskapp.ini"), QSettings.Format.IniFormat)
    first = open_window(board, settings, qtbot)
    first.docks["macro"].setFloating(True)
    first.screens.open_screen(["macro"])
    first.close()
    keys = [k for k in settings.allKeys() if k.startswith("layouts/current/")]
    assert keys
    for key in keys:
        settings.setValue(key, garbage)
    settings.sync()

    second = open_window(board, settings, qtbot)
    assert not second.screens.restored
    message = second.statusBar().currentMessage()
    assert "could not be restored" in message and "default layout" in message
    assert second.screens.windows == []
    assert not second.docks["macro"].isFloating()
    assert all(not d.isHidden() for d in second.docks.values())
    second.close()
    # The next exit writes a good layout over the bad one.
    third = open_window(board, settings, qtbot)
    assert third.screens.restored and third.screens.message == ""
    third.close()


def test_garbage_in_the_settings_file_itself(board, screens, tmp_path, qtbot):
    ini = tmp_path / "deskapp.ini"
    slot = LayoutStore(QSettings(str(ini), QSettings.Format.IniFormat))._slot(
        screen_key(screens))
    ini.write_bytes(b"[layouts]\ncurrent\\" + slot.encode() + b"=\x00\x9f\xff@ByteArray(\x01\n"
                    b"last=" + slot.encode() + b"\n")
    second = open_window(board, QSettings(str(ini), QSettings.Format.IniFormat), qtbot)
    assert not second.screens.restored
    assert "could not be restored" in second.statusBar().currentMessage()
    second.close()


def test_legacy_layout_keys_still_restore(board, screens, tmp_path, qtbot):
    """deskapp before watch screens saved window/geometry and window/state."""
    from deskapp.ui.main_window import LAYOUT_VERSION

    settings = QSettings(str(tmp_path / "deskapp.ini"), QSettings.Format.IniFormat)
    first = open_window(board, settings, qtbot)
    first.docks["review"].hide()
    settings.setValue("window/geometry", first.saveGeometry())
    settings.setValue("window/state", first.saveState(LAYOUT_VERSION))
    first.hide()  # not saved the new way
    second = open_window(board, settings, qtbot)
    assert second.screens.restored and second.docks["review"].isHidden()
    second.close()


def test_named_layouts_save_and_switch(board, screens, tmp_path, qtbot):
    settings = QSettings(str(tmp_path / "deskapp.ini"), QSettings.Format.IniFormat)
    window = open_window(board, settings, qtbot)
    window.screens.open_screen(["macro", "correlation"])
    window.screens.save_named("morning")
    window.screens.close_all()
    window.docks["checklist"].hide()
    window.screens.save_named("review only")
    menu = window.screens.layouts_menu
    window.screens._fill_layouts_menu()
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "&Save as…" and "morning" in texts and "review only" in texts

    assert window.screens.switch_named("morning")
    assert [w.shown_panes() for w in window.screens.windows] == [["macro", "correlation"]]
    assert not window.docks["checklist"].isHidden()
    assert window.screens.switch_named("review only")
    assert window.screens.windows == [] and window.docks["checklist"].isHidden()
    window.screens.store.delete_named("review only")
    assert window.screens.store.names() == ["morning"]
    assert not window.screens.switch_named("review only")
    assert "could not be restored" in window.statusBar().currentMessage()
    window.close()


def test_reset_layout_from_the_view_menu(board, screens, tmp_path, qtbot):
    settings = QSettings(str(tmp_path / "deskapp.ini"), QSettings.Format.IniFormat)
    window = open_window(board, settings, qtbot)
    window.screens.distribute(3)
    assert any(d.isHidden() for d in window.docks.values())
    reset = next(a for a in window.menuBar().actions()[1].menu().actions()
                 if a.text() == "&Reset layout")
    reset.trigger()
    assert all(not d.isHidden() for d in window.docks.values())
    assert window.screens.group.follow and window.screens.group.span_s is None
    window.close()


def test_clamp_rect_and_screen_key():
    assert screen_key([RIGHT, LEFT]) == screen_key([LEFT, RIGHT]) \
        == "DP-1@0,0,1920x1080|HDMI-1@1920,0,2560x1440"
    inside = QRect(100, 100, 800, 600)
    assert clamp_rect(inside, [LEFT]) == inside
    # Mostly off the only screen: pulled onto its available area, same size.
    assert clamp_rect(QRect(1800, 900, 800, 600), [LEFT]) == QRect(1120, 440, 800, 600)
    # Far away: onto the first (primary) screen, shrunk to fit.
    assert clamp_rect(QRect(9000, 9000, 2500, 1500), [LEFT, RIGHT]) == QRect(0, 0, 1920, 1040)
    # Overlapping the right screen most: there.
    assert clamp_rect(QRect(1700, -500, 1000, 800), [LEFT, RIGHT]).intersects(RIGHT.available)
