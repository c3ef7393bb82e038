"""Watch screens, --screens N screenshots, crosshair, linked x-axes, follow live, full screen,
theme."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QPointF, QRect, Qt, QTimer
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QTabBar, QToolBar, QWidget

from deskapp.app import screenshot_paths
from deskapp.ui import screens, theme
from deskapp.ui.checklist_panel import ChecklistPanel
from deskapp.ui.panes.base import CURVES_PER_STEP, TimePane
from deskapp.ui.screens import WatchScreen, distribution, split_even
from tests.support.build_parts import row_turns
from tests.support.event_count import EventCount

REPO = Path(__file__).resolve().parents[2]
DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"


def rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    words = np.frombuffer(image.constBits(), dtype=np.uint32)
    return words.reshape(image.height(), image.bytesPerLine() // 4)[:, :image.width()] & 0xFFFFFF


def drawn_desk(make_desk, qtbot, screens: int = 1):
    desk = make_desk(DATASET, at=AT, size=(1600, 900))
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000):
        pass
    if screens > 1:
        desk.window.screens.ensure_count(screens)
        for watch in desk.window.screens.windows:
            watch.resize(1600, 900)
        qtbot.waitUntil(lambda: all(w.view is not None for w in desk.window.screens.windows),
                        timeout=60000)
    return desk


def visible_time_panes(window) -> dict[str, TimePane]:
    return {key: dock.widget() for key, dock in window.docks.items()
            if isinstance(dock.widget(), TimePane) and dock.isVisible()}


def wheel(pane: TimePane, steps: int = 1) -> None:
    """A real mouse-wheel turn over the pane's first plot."""
    viewport = pane.graphics.viewport()
    centre = pane.plots[0].sceneBoundingRect().center()
    pos = QPointF(pane.graphics.mapFromScene(centre))
    event = QWheelEvent(pos, QPointF(viewport.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


# ---------------------------------------------------------------------- distribution
def test_split_and_distribution_cover_every_pane_once():
    assert split_even(list("abcd"), 3) == [["a"], ["b"], ["c", "d"]]
    pool = ["macro", "leadership", "crypto", "correlation"]
    assert distribution(pool, ["regime"], 1) == [pool]
    assert distribution(pool, ["regime"], 2) == [["macro", "leadership"], ["crypto", "correlation"]]
    assert distribution(pool, ["regime"], 3) == [["macro"], ["leadership"],
                                                  ["crypto", "correlation"]]
    assert distribution(pool, ["regime"], 5) == [[], ["macro"], ["leadership"], ["crypto"],
                                                 ["correlation"]]
    six = distribution(pool, ["regime"], 6)
    assert len(six) == 6 and all(six[1:]) and six[5] == ["regime"]
    eight = [f"p{i}" for i in range(8)]  # the board with the other four panes
    shares = distribution(eight, ["regime"], 3)
    assert [len(s) for s in shares] == [2, 3, 3]
    assert sum(shares, []) == eight


def test_screens_3_puts_the_panes_across_three_windows(make_desk, qtbot):
    desk = drawn_desk(make_desk, qtbot, screens=3)
    main = desk.window
    windows = main.screens.all_windows()
    assert len(windows) == 3 and all(isinstance(w, WatchScreen) for w in windows[1:])
    assert all(w.isVisible() for w in windows)
    pool = [k for k in main.docks if k in main.panes]  # every time pane, built or not yet
    assert {"macro", "leadership", "crypto", "correlation"} <= set(pool)
    shown = [sorted(visible_time_panes(w)) for w in windows]
    assert shown == [sorted(s) for s in distribution(pool, ["regime"], 3)]
    assert all(shown)
    # Every time pane of the board is on one window, and the decision docks stay on the main.
    assert sorted(sum(shown, [])) == sorted(pool)
    assert main.docks["checklist"].isVisible() and main.docks["regime"].isVisible()
    # The watch screens' own instances drew the same board as the main window would.
    holder = next(w for w in windows[1:] if "crypto" in w.panes)
    crypto = holder.panes["crypto"]
    assert crypto is not main.panes["crypto"]
    x, y = crypto.curve_data("btc")
    mx, my = main.panes["crypto"].curve_data("btc")
    assert len(x) > 10 and np.array_equal(x, mx) and np.array_equal(y, my)
    assert windows[1].view is main.view


def test_new_watch_screen_from_the_view_menu(make_desk, qtbot):
    desk = drawn_desk(make_desk, qtbot)
    main = desk.window
    action = main.findChild(pg.QtGui.QAction, "action_new_watch_screen")
    assert action.shortcut().toString() == "Ctrl+Shift+N"
    action.trigger()
    assert len(main.screens.windows) == 1
    watch = main.screens.windows[0]
    assert watch.isVisible() and watch.docks == {}
    # The Panes menu offers every board pane of the main window (panes added later too).
    watch._fill_pane_menu()
    offered = [a.text() for a in watch.pane_menu.actions()]
    assert set(offered) == {main.docks[k].windowTitle() for k in main.screens.catalogue()}
    assert "Checklist" not in offered and "Review" not in offered
    assert {"macro", "leadership", "crypto", "correlation", "regime"} <= set(
        main.screens.catalogue())
    regime = next(a for a in watch.pane_menu.actions() if a.text() == "Regime")
    with qtbot.waitSignal(watch.sig_board_drawn, timeout=10000):  # in the next turns
        regime.setChecked(True)  # the trader ticks it
    assert watch.docks["regime"].isVisible()
    assert watch.panes["regime"].name_label.text() == main.regime.name_label.text() != "—"
    # Closing the watch screen forgets it.
    watch.close()
    assert main.screens.windows == []


def test_watch_screens_follow_new_boards_and_close_with_the_main_window(make_desk, qtbot):
    desk = make_desk(DATASET, at="2026-02-01T00:00Z", speed=86400 * 2)
    main = desk.window
    watch = main.screens.open_screen(["macro"])
    boards = []
    watch.sig_board_drawn.connect(boards.append)
    qtbot.waitUntil(lambda: len(boards) >= 2, timeout=60000)
    assert boards[-1].asof > boards[0].asof
    pane = watch.panes["macro"]
    x, _y = pane.curve_data("us10y")
    # (the pane keeps the time as float seconds: equal to the microsecond)
    assert pane.asof >= boards[-1].asof - pd.Timedelta("1ms")
    assert x[-1] <= pane.asof.value / 1e9
    main.close()
    assert main.screens.windows == [] and not watch.isVisible()


def test_a_closed_watch_screens_panes_are_freed(make_desk, qtbot):
    """Each close used to leave its panes alive (~1,300 objects each, every close in a soak)."""
    desk = drawn_desk(make_desk, qtbot)
    main = desk.window
    refs = []
    for _ in range(3):
        watch = main.screens.open_screen()
        watch.add_pane("macro")
        watch.add_pane("crypto")
        refs += [weakref.ref(p) for p in watch.panes.values()]
        watch.close()
        del watch
    assert len(refs) == 6
    def all_gone() -> bool:
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the deleteLater
        gc.collect()
        return all(r() is None for r in refs)

    qtbot.waitUntil(all_gone, timeout=10000)
    assert main.screens.windows == []


# ---------------------------------------------------------------------- --screens screenshots
@pytest.mark.parametrize("scale", ["1", "2"])
def test_cli_screens_3_screenshot_writes_one_png_per_window(tmp_path, make_desk, qtbot, scale):
    png = tmp_path / "desk.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": str(tmp_path / "home"),
           "QT_SCALE_FACTOR": scale}
    proc = subprocess.run(
        [sys.executable, "-m", "deskapp", "--replay", DATASET, "--at", AT, "--screens", "3",
         "--screenshot", str(png), "--size", "1200x800"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    paths = screenshot_paths(png, 3)
    assert [p.name for p in paths] == ["desk.png", "desk-screen2.png", "desk-screen3.png"]
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(p.name for p in paths)
    s = int(scale)
    images = [rgb(QImage(str(p))) for p in paths]
    for p, pixels in zip(paths, images, strict=True):
        # Each window is 1200x800; the PNG has its device pixels (crisp at scale 2).
        assert pixels.shape == (800 * s, 1200 * s), p.name
        assert len(np.unique(pixels)) > 200, f"{p.name} is (nearly) uniform"
        assert pixels.std() > 1000, p.name
    assert not np.array_equal(images[1], images[2])

    # Each PNG shows its panes: the same windows built in-process put them here.
    desk = drawn_desk(make_desk, qtbot, screens=3)
    background = int(theme.THEMES["dark"]["BACKGROUND"].lstrip("#"), 16)
    for window, pixels in zip(desk.window.screens.all_windows(), images, strict=True):
        window.resize(1200, 800)
        panes = visible_time_panes(window)
        assert panes, window.windowTitle()
        for key, pane in panes.items():
            top_left = pane.mapTo(window, QPoint(0, 0)) * s
            r = QRect(top_left, pane.size() * s)
            region = pixels[r.top():r.bottom() + 1, r.left():r.right() + 1]
            assert region.size > 100 * 100 * s * s, f"{key}: {r}"
            assert len(np.unique(region)) > 50, f"{key} pane is (nearly) uniform"
            assert (region == background).mean() > 0.3, f"{key} has no plot background"
            first = pane.rows[0].curves[0].colour  # e.g. the 10y yield, BTC daily
            n = int((region == int(first.lstrip("#"), 16)).sum())
            assert n > 100 * s, f"{key}: its first curve is not drawn ({n} px)"


# ---------------------------------------------------------------------- crosshair
def test_crosshair_shows_the_date_and_each_value_under_the_mouse(make_desk, qtbot):
    desk = drawn_desk(make_desk, qtbot)
    pane = desk.window.panes["macro"]
    x, y = pane.curve_data("us10y")
    i = len(x) - 10
    vb = pane.plots[0].getViewBox()
    scene = vb.mapViewToScene(QPointF(float(x[i]) + 60.0, float(y[i])))
    pane.on_mouse_moved(scene)
    text = pane.crosshair_text()
    when = pd.Timestamp(x[i], unit="s", tz="UTC")
    assert f"{when:%Y-%m-%d}" in text
    assert f"10y {y[i]:.3f} %" in text
    _dx, dy = pane.curve_data("dxy")
    assert "DXY " in text and "3m bill " in text
    assert all(r.vline.isVisible() and abs(r.vline.value() - (x[i] + 60)) < 3600
               for r in pane._rows)
    # Outside every plot the crosshair goes away.
    pane.on_mouse_moved(QPointF(-50, -50))
    assert pane.crosshair_text() == ""
    assert not any(r.vline.isVisible() for r in pane._rows)


def test_crosshair_follows_a_real_mouse_move(make_desk, qtbot):
    desk = drawn_desk(make_desk, qtbot)
    pane = desk.window.panes["correlation"]
    x, y = pane.curve_data("daily_30")
    vb = pane.plots[0].getViewBox()
    target = pane.graphics.mapFromScene(vb.mapViewToScene(QPointF(float(x[-5]), 0.0)))
    qtbot.mouseMove(pane.graphics.viewport(), target)
    qtbot.waitUntil(lambda: pane.crosshair_text() != "", timeout=60000)
    assert f"daily 30d {y[-5]:.3f}" in pane.crosshair_text()


# ---------------------------------------------------------------------- x axes, follow live
def test_x_axes_are_linked_across_the_time_panes_of_a_window(make_desk, qtbot):
    desk = drawn_desk(make_desk, qtbot, screens=2)
    main = desk.window
    panes = list(main.panes.values())
    ranges = {tuple(np.round(p.plots[0].viewRange()[0])) for p in panes}
    assert len(ranges) == 1  # one span for the whole window
    lo, hi = panes[0].plots[0].viewRange()[0]
    panes[2].plots[0].setXRange(lo + 86400 * 30, hi - 86400 * 10, padding=0)
    for pane in panes:
        for plot in pane.plots:  # every row of every pane
            a, b = plot.viewRange()[0]
            assert abs(a - (lo + 86400 * 30)) < 1 and abs(b - (hi - 86400 * 10)) < 1
    # Watch screens have their own time axis.
    watch = main.screens.windows[0]
    assert watch.group is not main.screens.group
    wa, _wb = next(iter(watch.panes.values())).plots[0].viewRange()[0]
    assert abs(wa - lo) < 1


def test_follow_live_turns_off_on_a_wheel_zoom_and_back_on_from_the_toolbar(make_desk, qtbot):
    desk = make_desk(DATASET, at="2026-02-01T00:00Z", speed=0.0)
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000):
        pass
    main = desk.window
    group, action = main.screens.group, main.screens.follow
    assert group.follow and action.isChecked()
    assert action.shortcut().toString() == "End"
    macro = main.panes["macro"]
    before = macro.plots[0].viewRange()[0]
    wheel(macro)
    after = macro.plots[0].viewRange()[0]
    assert after[1] - after[0] < before[1] - before[0]  # zoomed in, x only
    assert not group.follow and not action.isChecked()
    assert main.panes["crypto"].plots[0].viewRange()[0] == pytest.approx(after)

    # A new board leaves the trader's view alone while not following ...
    main.speed_box.setCurrentIndex(main.speed_box.findData(86400.0))
    boards = []
    main.sig_board_drawn.connect(boards.append)
    qtbot.waitUntil(lambda: len(boards) >= 2, timeout=60000)
    main.speed_box.setCurrentIndex(main.speed_box.findData(0.0))
    assert macro.plots[0].viewRange()[0] == pytest.approx(after)
    # ... and "Follow live" brings the newest data back to the right edge at the zoomed span.
    action.trigger()
    assert group.follow
    lo, hi = macro.plots[0].viewRange()[0]
    assert hi - lo == pytest.approx(after[1] - after[0], rel=1e-6)
    assert lo < main.view.asof.value / 1e9 < hi
    # Reset layout: the default span again.
    main.reset_layout()
    lo, hi = macro.plots[0].viewRange()[0]
    assert hi - lo == pytest.approx(main.view.view_days * 86400 * 1.02, rel=1e-6)


# ---------------------------------------------------------------------- full screen
def test_f11_full_screen_per_window(make_desk, qtbot):
    desk = drawn_desk(make_desk, qtbot, screens=2)
    main = desk.window
    watch = main.screens.windows[0]
    assert watch.full_screen.shortcut().toString() == "F11"
    watch.full_screen.trigger()
    qtbot.waitUntil(watch.isFullScreen, timeout=60000)
    assert not main.isFullScreen()
    qtbot.waitUntil(lambda: watch.geometry() == watch.screen().geometry(), timeout=60000)
    watch.full_screen.trigger()
    qtbot.waitUntil(lambda: not watch.isFullScreen(), timeout=60000)
    main.screens.full_screen.trigger()
    qtbot.waitUntil(main.isFullScreen, timeout=60000)
    main.screens.full_screen.trigger()
    qtbot.waitUntil(lambda: not main.isFullScreen(), timeout=60000)


# ---------------------------------------------------------------------- theme
def test_theme_switch_recolours_every_window_and_is_remembered(make_desk, qtbot,
                                                               restore_theme):
    desk = drawn_desk(make_desk, qtbot, screens=2)
    main = desk.window
    light = main.findChild(pg.QtGui.QAction, "action_theme_light")
    assert main.findChild(pg.QtGui.QAction, "action_theme_dark").isChecked()
    with qtbot.waitSignal(main.screens.sig_theme_done, timeout=10000):
        light.trigger()
    assert theme.current == "light" and light.isChecked()
    assert main.settings.value(theme.SETTINGS_KEY) == "light"
    white = pg.mkColor(theme.THEMES["light"]["BACKGROUND"])
    for window in main.screens.all_windows():
        for pane in window.findChildren(TimePane):
            assert pane.graphics.backgroundBrush().color() == white
    # Light theme: the Okabe-Ito yellow becomes a darker one that reads on white.
    pen = main.panes["crypto"]._rows[0].items["btc_1h"].opts["pen"]
    assert pen.color() == pg.mkColor(theme.curve_colour(theme.YELLOW)) != pg.mkColor(theme.YELLOW)
    # Legend names take the light theme's dark text colour (they kept the dark theme's pale
    # grey, unreadable on white, before).
    _sample, label = main.panes["macro"].plots[0].legend.items[0]
    assert f"color:{pg.mkColor(theme.FOREGROUND).name()}" in label.item.toHtml().lower()
    assert theme.saved_theme(main.settings) == "light"
    with qtbot.waitSignal(main.screens.sig_theme_done, timeout=10000):
        main.findChild(pg.QtGui.QAction, "action_theme_dark").trigger()
    assert theme.current == "dark"


def test_a_theme_switch_repaints_one_dock_per_turn(make_desk, qtbot, restore_theme):
    """The palette changes at once, but every dock's repaint is held until its own turn, and
    the switch ends (signal) with every dock painting again: no turn repaints the whole desk."""
    desk = drawn_desk(make_desk, qtbot, screens=2)
    main = desk.window
    docks = [d for w in main.screens.all_windows() for d in w.findChildren(QDockWidget)]
    assert len(docks) >= 10
    released: list[int] = []  # docks painting again, counted at each later turn
    timer = QTimer()
    timer.timeout.connect(lambda: released.append(sum(d.updatesEnabled() for d in docks)))
    with qtbot.waitSignal(main.screens.sig_theme_done, timeout=10000):
        main.screens.set_theme("light")
        assert not any(d.updatesEnabled() for d in docks)  # held: nothing repainted yet
        timer.start(0)
    timer.stop()
    assert all(d.updatesEnabled() for d in docks)
    # Seen from a zero timer (its turns and the switch's posted steps interleave, so a pass
    # may hold two steps): the docks come back a few at a time, never all in one turn.
    steps = [b - a for a, b in zip([0, *released[:-1]], released, strict=True) if b != a]
    assert max(steps) <= 2 and len(steps) >= len(docks) // 2, released
    assert theme.current == "light"
    # A second switch before the first is done takes over; the desk ends in the second theme.
    with qtbot.waitSignal(main.screens.sig_theme_done, timeout=10000) as done:
        main.screens.set_theme("dark")
        main.screens.set_theme("light")
    assert done.args == ["light"] and theme.current == "light"
    assert all(d.updatesEnabled() for d in docks)


def paint_count(widget: QWidget) -> EventCount:
    """Paints a widget or any of its children receives."""
    return EventCount(QEvent.Type.Paint, widget, *widget.findChildren(QWidget))


def test_a_theme_switch_recolours_a_dock_and_paints_it_in_turns_of_their_own(make_desk, qtbot,
                                                                            restore_theme):
    """A dock is recoloured in one turn, held, and let through and painted in a later one,
    in that turn (not in a later pass with whatever step runs there): each turn holds one of
    the two, ~10-17 ms each, not both."""
    desk = drawn_desk(make_desk, qtbot)
    docks = [d for d in desk.window.findChildren(QDockWidget)  # on screen, not behind a tab
             if d.isVisible() and not d.visibleRegion().isEmpty()
             and isinstance(d.widget(), TimePane)]
    assert len(docks) >= 3
    paints = {d: paint_count(d) for d in docks}
    dark = docks[0].widget().graphics.backgroundBrush().color().name()

    def recoloured(dock) -> bool:
        return dock.widget().graphics.backgroundBrush().color().name() != dark

    seen: list[tuple[int, int, int]] = []  # at each turn: recoloured and held, let through,
    timer = QTimer()                          # painted
    timer.timeout.connect(lambda: seen.append(
        (sum(recoloured(d) and not d.updatesEnabled() for d in docks),
         sum(d.updatesEnabled() for d in docks), sum(paints[d].count > 0 for d in docks))))
    with qtbot.waitSignal(desk.window.screens.sig_theme_done, timeout=10000):
        desk.window.screens.set_theme("light")
        timer.start(0)
    timer.stop()
    assert all(recoloured(d) for d in docks) and seen[-1][1] == len(docks)
    assert max(held for held, _let, _painted in seen) == 1, seen  # one turn: recoloured only
    assert all(let <= painted for _held, let, painted in seen), seen  # let through: painted


def test_a_theme_switch_recolours_and_polishes_a_dock_in_turns_of_their_own(
        make_desk, qtbot, restore_theme, monkeypatch):
    """A dock's widgets' own colours in one turn, its plots' axes and style sheets polished
    in a later one (the checklist's were 11-13 ms together idle, ~40 ms under the soak's
    load), each of its widgets both."""
    desk = drawn_desk(make_desk, qtbot)
    turn = [0]
    done: dict[str, list[tuple[str, int]]] = {}

    def spy(kind, original):
        def run(widgets):
            name = next((type(w).__name__ for w in widgets
                         if isinstance(w, TimePane | ChecklistPanel)), None)
            done.setdefault(name, []).append((kind, turn[0]))
            original(widgets)
        return run

    monkeypatch.setattr(screens, "recolour_widgets", spy("recolour", screens.recolour_widgets))
    monkeypatch.setattr(screens, "polish_widgets", spy("polish", screens.polish_widgets))
    timer = QTimer()
    timer.timeout.connect(lambda: turn.__setitem__(0, turn[0] + 1))
    with qtbot.waitSignal(desk.window.screens.sig_theme_done, timeout=10000):
        desk.window.screens.set_theme("light")
        timer.start(0)
    timer.stop()
    assert "ChecklistPanel" in done and len(done) >= 4, done
    for name, calls in done.items():
        if name is None:
            continue
        (first, t1), (second, t2) = calls
        assert (first, second) == ("recolour", "polish") and t2 > t1, (name, calls)


def test_a_theme_switch_paints_the_toolbars_and_tab_bars_in_a_turn_of_their_own(
        make_desk, qtbot, restore_theme):
    """The turn that changes the palette paints nothing outside the docks either: the menu
    bar, toolbars, status bar and the docks' tab bars repaint in a later step (~5 ms of that
    turn idle), and the settings file is written at the end, not in the turn after it."""
    desk = drawn_desk(make_desk, qtbot, screens=2)
    main = desk.window
    windows = main.screens.all_windows()
    parts = [w for window in windows for w in window.findChildren(QWidget)
             if w.isVisible() and not isinstance(w, QDockWidget)
             and not any(isinstance(p, QDockWidget) for p in ancestors(w))]
    assert any(isinstance(w, QToolBar) for w in parts) and any(isinstance(w, QTabBar)
                                                               for w in parts)
    paints = {w: paint_count(w) for w in parts}
    writes = EventCount(QEvent.Type.UpdateRequest, main.settings)  # QSettings' sync
    with qtbot.waitSignal(main.screens.sig_theme_done, timeout=10000):
        main.screens.set_theme("light")
        QCoreApplication.sendPostedEvents()  # the rest of the switch's own turn
        assert sum(p.count for p in paints.values()) == 0
        assert writes.count == 0 and main.settings.value(theme.SETTINGS_KEY) != "light"
    toolbars = [w for w in parts if isinstance(w, QToolBar)]
    assert all(paints[w].count > 0 for w in toolbars)  # let through and painted by the end
    assert all(w.updatesEnabled() for w in parts)
    assert main.settings.value(theme.SETTINGS_KEY) == "light"


def ancestors(widget: QWidget) -> list[QWidget]:
    out, parent = [], widget.parentWidget()
    while parent is not None:
        out.append(parent)
        parent = parent.parentWidget()
    return out


def test_status_is_never_colour_alone(make_desk, qtbot):
    """Risk-off vs risk-on and the regime read without colour: a shape or a word goes with it."""
    from deskapp.ui.checklist_panel import STATUS_TEXT
    from deskapp.ui.panes.correlation import ZONE_MARKS
    from deskapp.ui.panes.regime import MARKS

    assert {t.split()[0] for t in STATUS_TEXT.values()} == {"▼", "■", "▲"}
    assert len({m for m, _c in MARKS.values()}) == len(MARKS)
    assert all(m.split()[-1].isupper() and m.split()[0] for m in ZONE_MARKS.values())
    desk = drawn_desk(make_desk, qtbot)
    assert desk.window.regime.name_label.text().isupper()  # the regime is named in words


def test_docks_can_float(make_desk, qtbot):
    desk = drawn_desk(make_desk, qtbot, screens=2)
    for window in desk.window.screens.all_windows():
        for dock in window.findChildren(QDockWidget):
            assert dock.features() & QDockWidget.DockWidgetFeature.DockWidgetFloatable


def test_a_watch_screen_closed_during_a_theme_switch_is_skipped(make_desk, qtbot, restore_theme):
    desk = drawn_desk(make_desk, qtbot)
    main = desk.window
    watch = main.screens.open_screen(["macro"])
    qtbot.waitUntil(lambda: watch.view is not None, timeout=60000)
    with qtbot.waitSignal(main.screens.sig_theme_done, timeout=10000):
        main.screens.set_theme("light")
        watch.close()  # its docks are deleted before their turn comes
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert theme.current == "light" and main.screens.windows == []
    assert all(d.updatesEnabled() for d in main.findChildren(QDockWidget))


def test_a_watch_screen_builds_a_time_pane_a_part_of_a_row_per_turn(make_desk, qtbot,
                                                                   monkeypatch):
    """A 4-row pane made in one event-loop turn held the GUI 35-70 ms (the soak's stall at
    every watch screen opened), a row's curves 35 ms under the soak's load: the screen makes a
    part of a row per turn, then draws the board on it; the pane it ends with is the one a
    single-turn build makes, and shows the board."""
    desk = drawn_desk(make_desk, qtbot)
    main = desk.window
    turns: list[int] = []  # rows in existence at each build step, one step per turn
    original = TimePane.build_step

    def counted(self):
        turns.append(len(self._rows))  # noqa: SLF001
        return original(self)

    monkeypatch.setattr(TimePane, "build_step", counted)
    watch = main.screens.open_screen()
    watch.add_pane("crypto")
    pane = watch.panes["crypto"]
    assert not pane.built and pane.plots == [] and turns == []  # nothing built in this turn
    assert pane.apply(main.view.panes["crypto"], main.view.asof.value / 1e9,
                      main.view.view_days) is False  # nothing to draw on yet
    with qtbot.waitSignal(watch.sig_board_drawn, timeout=60000):
        pass
    rows = len(type(pane).rows)
    # a part of a row a call (its plot; placed in the pane; its curves, a few at a time; its
    # notice), then the finish
    assert rows >= 3 and turns == row_turns(type(pane)) + [rows]
    assert max(len(r.curves) for r in type(pane).rows) > CURVES_PER_STEP  # curves in parts
    assert pane.built and pane.group is watch.group and pane in watch.group.panes
    whole = type(pane)()  # built in one go, as the main window's panes are
    qtbot.addWidget(whole)
    assert whole.built and [r.spec for r in whole._rows] == [r.spec for r in pane._rows]  # noqa: SLF001
    assert [list(r.items) for r in whole._rows] == [list(r.items) for r in pane._rows]  # noqa: SLF001
    main_pane = main.panes["crypto"]
    for cid in ("btc", "btc_1h", "funding", "oi"):
        drawn, expected = pane.curve_data(cid), main_pane.curve_data(cid)
        assert len(expected[0]) > 10, cid  # the replay has it: a real comparison
        assert np.array_equal(drawn[0], expected[0]) and np.array_equal(drawn[1], expected[1])
    watch.close()


def test_a_pane_built_in_steps_is_first_painted_with_its_board(make_desk, qtbot):
    """Painted after each build step, a half-made pane cost a paint per row; it is painted
    once, when its first board is drawn on it."""
    desk = drawn_desk(make_desk, qtbot)
    watch = desk.window.screens.open_screen()
    watch.add_pane("crypto")
    pane = watch.panes["crypto"]
    assert not pane.updatesEnabled()
    # Polled until its board is on it: the pane can be built and drawn between two polls (no
    # signal is left to wait for then), so each poll records what it saw.
    seen: list[tuple[bool, bool]] = []

    def drawn() -> bool:
        done = watch._drawn.get("crypto") is not None  # noqa: SLF001
        seen.append((done, pane.updatesEnabled()))
        return done

    qtbot.waitUntil(drawn, timeout=60000)
    assert all(not painting for done, painting in seen if not done), seen
    # Fed in one turn, let through and painted in the next (a poll can fall between them).
    qtbot.waitUntil(pane.updatesEnabled, timeout=60000)
    assert pane.built and watch._drawn["crypto"] is watch.view  # noqa: SLF001
    assert len(pane.curve_data("btc")[0]) > 10  # the board is on it
    watch.close()
