"""Watch screens: more top-level windows of board panes, fed from the same BoardView.

A pane lives in one window, so a watch screen does not borrow the main window's docks: it holds
its own *instances* of the pane classes (any dock of the main window whose widget is a
`TimePane`, or a snapshot pane with a `pane_key` such as the regime; a class may say
`watchable = True / False`). The main window forwards every board it receives; each watch
screen applies it one pane per event-loop turn, like the main window, then emits
`sig_board_drawn`. The trader picks a screen's panes from its Panes menu.

`ScreenManager` (one per main window) opens and closes watch screens, puts the panes across N
windows (`--screens N`), installs the View menu items (watch screen, full screen, follow live,
layouts, theme), and saves / restores every window through `layouts.LayoutStore`.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QPoint,
    QSettings,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QWidget,
)

from deskapp.signals.board import BoardView
from deskapp.ui import gui_steps, layouts, theme
from deskapp.ui.gui_gate import GuiGate
from deskapp.ui.layouts import LayoutError, LayoutStore
from deskapp.ui.panes.base import TimeGroup, TimePane

log = logging.getLogger(__name__)

MAX_SCREENS = 6  # windows in all, the main one included (--screens 1..6)
FULL_SCREEN_KEY = "F11"
FOLLOW_KEY = "End"
NEW_SCREEN_KEY = "Ctrl+Shift+N"
DOCK_FEATURES = (QDockWidget.DockWidgetFeature.DockWidgetMovable
                 | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                 | QDockWidget.DockWidgetFeature.DockWidgetClosable)


def is_watchable(widget: QWidget) -> bool:
    """Can a watch screen show its own instance of this dock's widget?"""
    flag = getattr(type(widget), "watchable", None)
    if flag is not None:
        return bool(flag)
    return isinstance(widget, TimePane) or (hasattr(widget, "apply_snapshot")
                                            and bool(getattr(type(widget), "pane_key", "")))


def feed(pane: QWidget, view: BoardView, feed_errors: dict[str, str] | None = None) -> bool:
    """Give a pane instance the board: `apply_board(view)` when it has one, else the time
    pane's PaneView, else the snapshot. True when a time pane's plots changed."""
    if hasattr(pane, "apply_board"):
        pane.apply_board(view)
    elif isinstance(pane, TimePane):
        if feed_errors is not None:
            pane.set_feed_errors(feed_errors)
        pane_view = view.panes.get(pane.pane_key)
        if pane_view is not None:
            return pane.apply(pane_view, view.asof.value / 1e9, view.view_days, view.snapshot)
    elif view.snapshot is not None and hasattr(pane, "apply_snapshot"):
        pane.apply_snapshot(view.snapshot)
    return False


def arrange_grid(window: QMainWindow, docks: list[QDockWidget]) -> None:
    """Docks in a grid filled column by column: 1 | 2 side by side | 2+1 | 2x2 | ..."""
    if not docks:
        return
    cols = math.ceil(math.sqrt(len(docks)))
    per_col = math.ceil(len(docks) / cols)
    columns = [docks[i:i + per_col] for i in range(0, len(docks), per_col)]
    for dock in docks:
        dock.setFloating(False)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, columns[0][0])
    for prev, col in zip(columns, columns[1:], strict=False):
        window.splitDockWidget(prev[0], col[0], Qt.Orientation.Horizontal)
    for col in columns:
        for above, below in zip(col, col[1:], strict=False):
            window.splitDockWidget(above, below, Qt.Orientation.Vertical)
    for dock in docks:
        dock.show()
    width = max(window.width(), 400)
    window.resizeDocks([c[0] for c in columns], [width // len(columns)] * len(columns),
                       Qt.Orientation.Horizontal)


def split_even(items: list[str], parts: int) -> list[list[str]]:
    """`items` in `parts` runs, in order, the shorter runs first."""
    base, extra = divmod(len(items), parts)
    sizes = [base + (1 if i >= parts - extra else 0) for i in range(parts)]
    out, start = [], 0
    for size in sizes:
        out.append(items[start:start + size])
        start += size
    return out


def distribution(pool: list[str], extra: list[str], n: int) -> list[list[str]]:
    """Which time panes each of n windows shows (index 0 = the main window, which also keeps
    regime, checklist and review): as even as possible, the main window the lightest; with
    fewer panes than watch screens, the extra screens show `extra` panes (the regime) and
    then the time panes again."""
    if n <= 1:
        return [list(pool)]
    if len(pool) >= n:
        return split_even(pool, n)
    if len(pool) >= n - 1:
        return [[], *split_even(pool, n - 1)]
    cycle = extra + pool
    return [[], *[[p] for p in pool], *[[cycle[i % len(cycle)]]
                                         for i in range(n - 1 - len(pool))]]


def toggle_full_screen(window: QMainWindow, on: bool) -> None:
    """Full screen on the monitor the window is on (F11), or back."""
    if on == window.isFullScreen():
        return
    if on:
        window._was_maximized = window.isMaximized()  # noqa: SLF001
        handle = window.windowHandle()
        screen = QApplication.screenAt(window.geometry().center())
        if handle is not None and screen is not None:
            handle.setScreen(screen)
        window.showFullScreen()
    elif getattr(window, "_was_maximized", False):
        window.showMaximized()
    else:
        window.showNormal()


def full_screen_action(window: QMainWindow) -> QAction:
    action = QAction("&Full screen", window)
    action.setObjectName("action_full_screen")
    action.setCheckable(True)
    action.setShortcut(QKeySequence(FULL_SCREEN_KEY))
    action.setToolTip(f"Full screen on this monitor ({FULL_SCREEN_KEY})")
    action.toggled.connect(lambda on: toggle_full_screen(window, on))
    return action


def follow_action(window: QWidget, group: TimeGroup) -> QAction:
    action = QAction("⇥ Follow live", window)
    action.setObjectName("action_follow_live")
    action.setCheckable(True)
    action.setChecked(group.follow)
    action.setShortcut(QKeySequence(FOLLOW_KEY))
    action.setToolTip("Keep the newest data at the right edge of every time pane "
                      f"({FOLLOW_KEY}); zooming or panning a pane turns it off")
    action.toggled.connect(group.set_follow)
    group.sig_follow.connect(action.setChecked)
    return action


class WatchScreen(QMainWindow):
    """A top-level window of pane instances; the trader fills it from its Panes menu."""

    sig_board_drawn = Signal(object)  # BoardView, once every pane of this screen drew it
    sig_closed = Signal(object)  # self, when the trader closes it

    def __init__(self, manager: ScreenManager, number: int):
        super().__init__()
        self.manager = manager
        self.number = number
        self.setObjectName(f"watch_screen_{number}")
        self.setWindowTitle(f"deskapp — watch screen {number}")
        self.setDockNestingEnabled(True)
        self.panes: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.group = TimeGroup(self)
        self.view: BoardView | None = None
        self._staged: BoardView | None = None
        self._queue: list[str] = []
        self._drawn: dict[str, BoardView] = {}  # pane key -> the board it shows
        self._staging = False
        self._building: list[TimePane] = []  # staged time panes, made a part of a row per turn
        self._closing_all = False
        self._paint_held = False  # repaints held for a turn of their own (add_pane)
        self._build()

    def _build(self) -> None:
        menu = self.menuBar().addMenu("&Panes")
        menu.setObjectName("menu_panes")
        self.pane_menu = menu
        menu.aboutToShow.connect(self._fill_pane_menu)
        window_menu = self.menuBar().addMenu("&Window")
        self.full_screen = full_screen_action(self)
        self.follow = follow_action(self, self.group)
        arrange = QAction("&Arrange panes in a grid", self)
        arrange.triggered.connect(self.arrange)
        close = QAction("&Close watch screen", self)
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        for action in (self.full_screen, self.follow, arrange, close):
            window_menu.addAction(action)
        self.addActions([self.full_screen, self.follow])  # shortcuts work with the menu hidden
        bar = QToolBar("Watch screen", self)
        bar.setObjectName("toolbar_watch")
        bar.addAction(self.follow)
        bar.addAction(self.full_screen)
        self.addToolBar(bar)
        self.status_label = QLabel("waiting for data…")
        self.status_label.setObjectName("status_clock")
        self.statusBar().addWidget(self.status_label, 1)
        self._fill_pane_menu()

    def _fill_pane_menu(self) -> None:
        self.pane_menu.clear()
        for key, (title, _cls) in self.manager.catalogue().items():
            action = QAction(title, self.pane_menu)
            action.setCheckable(True)
            action.setChecked(key in self.docks and not self.docks[key].isHidden())
            action.toggled.connect(lambda on, k=key: self.set_pane_shown(k, on))
            self.pane_menu.addAction(action)

    # ------------------------------------------------------------------ panes
    def add_pane(self, key: str, arrange: bool = True,
                 staged: bool = True) -> QDockWidget | None:
        """This screen's instance of pane `key` (made on first use), shown; the board is drawn
        on it in a later event-loop turn. `staged`: a time pane is made a part of a row per turn
        (the trader's Panes menu); not staged, in this call (a layout restored, `--screens`:
        its saved range and timeframes are set on the panes next)."""
        if key in self.docks:
            self.docks[key].show()
            return self.docks[key]
        entry = self.manager.catalogue().get(key)
        if entry is None:
            log.info("watch screen %s: no pane %r here any more", self.number, key)
            return None
        title, cls = entry
        # A time pane is made a part of a plot row per event-loop turn (_build_next), not in one.
        pane = cls(staged=True) if staged and issubclass(cls, TimePane) else cls()
        if isinstance(pane, TimePane) and not pane.built:
            # Not painted half-made (a paint of the rows so far after every step): once, when
            # its first board is drawn on it (_step) or, with no board yet, once built.
            pane.setUpdatesEnabled(False)
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(pane)
        dock.setFeatures(DOCK_FEATURES)
        self.panes[key], self.docks[key] = pane, dock
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        dock.show()
        if arrange:
            self.arrange()
        if self.isVisible():
            # Laid out now, the panes already shown included: the screen's repaint for the
            # new dock, already posted, painted them at their old size first and again at
            # the new one in the same turn (~12 ms each, a watch screen's second pane).
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            # Its repaint at the new layout in a turn of its own: in the next pass, it came
            # before any timer, with this turn's ~12 ms of making the pane (~30 ms together).
            # (Held on the docks: a top-level window whose updates were held painted nothing
            # after, offscreen, even when let through.)
            for held in self.docks.values():
                held.setUpdatesEnabled(False)
            if not self._paint_held:
                self._paint_held = True
                gui_steps.later(self, self._paint_now)
        if isinstance(pane, TimePane) and not pane.built:
            self._building.append(pane)
            if len(self._building) == 1:
                self.manager.gate.hold(self._job("build"))
                gui_steps.later(self, self._build_next)  # dropped if the window is gone
        else:
            self._pane_ready(pane)
        return dock

    def _build_next(self) -> None:
        """One more row of the first staged time pane per turn; once built, it joins the
        screen's time group and is drawn (in later turns), and the next one is built."""
        if not self._building:
            return
        pane = self._building[0]
        if not pane.build_step():
            self._building.pop(0)
            self._pane_ready(pane)
        if self._building:
            gui_steps.later(self, self._build_next)
        else:
            self.manager.gate.release(self._job("build"))

    def _paint_now(self) -> None:
        """Let the screen's repaints through, held since a pane was added, and paint it."""
        self._paint_held = False
        for dock in self.docks.values():
            dock.setUpdatesEnabled(True)
        QCoreApplication.sendPostedEvents(self, QEvent.Type.UpdateRequest)

    def _first_paint(self, pane: TimePane, rows: list | None = None) -> None:
        """A pane built in steps, fed its first board in the turn before: its first paint,
        its header and first row in this turn and one more row in each of the next ones;
        then the board goes on to the next pane."""
        if rows is None:
            rows = pane.hold_rows()
            pane.setUpdatesEnabled(True)
            pane.paint_now()
            QCoreApplication.sendPostedEvents(self, QEvent.Type.UpdateRequest)
        else:
            pane.show_row(rows.pop(0))
        if rows:
            gui_steps.later(self, lambda: self._first_paint(pane, rows))
        else:
            gui_steps.later(self, self._step)

    def _job(self, what: str) -> str:
        """This screen's name for a GUI job holding the gate (deskapp/ui/gui_gate.py)."""
        return f"watch{self.number}.{what}"

    def _pane_ready(self, pane: QWidget) -> None:
        if isinstance(pane, TimePane):
            self.group.add(pane)
        view = self.view or self.manager.main.view
        if view is not None:  # drawn in a turn of its own: building the pane took this one
            self.apply_board(view)
        else:
            pane.setUpdatesEnabled(True)

    def set_pane_shown(self, key: str, on: bool) -> None:
        if on:
            self.add_pane(key)
        elif key in self.docks:
            self.docks[key].hide()

    def shown_panes(self) -> list[str]:
        return [k for k, d in self.docks.items() if not d.isHidden()]

    @Slot()
    def arrange(self) -> None:
        """Every shown pane in a grid (the default arrangement)."""
        arrange_grid(self, [self.docks[k] for k in self.shown_panes()])

    # ------------------------------------------------------------------ data
    def apply_board(self, view: BoardView) -> None:
        """Draw `view` one pane per event-loop turn; a newer board replaces one in progress."""
        self._staged = view
        if not self._staging:
            self._staging = True
            self._queue = list(self.panes)
            self.manager.gate.hold(self._job("draw"))
            gui_steps.later(self, self._step)

    def _step(self) -> None:
        view = self._staged
        if not self._queue:  # panes given an older board during this round get the newest
            self._queue = [k for k, p in self.panes.items() if self._drawn.get(k) is not view
                           and getattr(p, "built", True)]
        if self._queue:
            key = self._queue.pop(0)
            pane = self.panes.get(key)
            if pane is not None and getattr(pane, "built", True):  # a staged one: when built
                changed = feed(pane, view, self.manager.main.feed_errors)
                self._drawn[key] = view
                if _held_until_fed(pane):
                    # Built in steps: its first paint, with a board, in the next turns (~20 ms
                    # the Crypto-structure pane's whole; with its feed, ~30 ms in one turn).
                    gui_steps.later(self, lambda p=pane: self._first_paint(p))
                    return
                if changed:
                    pane.paint_now()
            gui_steps.later(self, self._step)
            return
        self._staging = False
        self.manager.gate.release(self._job("draw"))
        self.view = view
        self.status_label.setText(f"watch screen {self.number} · {view.source} · "
                                  f"{view.asof:%Y-%m-%d %H:%M} UTC · {view.dataset}")
        if not self._building:  # every pane shows it (a staged one draws it once built)
            self.sig_board_drawn.emit(view)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        super().closeEvent(event)
        if event.isAccepted():
            for what in ("show", "build", "draw"):  # its queued turns never come now
                self.manager.gate.release(self._job(what))
            if not self._closing_all:
                self.sig_closed.emit(self)


class ScreenManager(QObject):
    """The main window's watch screens, full screen, follow live, layouts and theme."""

    sig_message = Signal(str)
    sig_theme_done = Signal(str)  # a theme switch has recoloured and repainted every window

    def __init__(self, main: QMainWindow, settings: QSettings | None,
                 screens: Callable[[], list[layouts.ScreenInfo]] | None = None):
        super().__init__(main)
        self.main = main
        # the GUI thread's hold on the compute worker while it draws (deskapp/ui/gui_gate.py)
        self.gate: GuiGate = getattr(main, "gate", None) or GuiGate()
        self.settings = settings
        self.store = LayoutStore(settings, screens) if settings is not None else None
        self._screens_fn = screens
        self.windows: list[WatchScreen] = []
        self.group = TimeGroup(main)
        self.restored = False
        self.message = ""  # the last layout message (also shown in the status bar)
        self._theme_run: object | None = None  # the theme switch in progress, if any

    def screens(self) -> list[layouts.ScreenInfo]:
        return (self._screens_fn or layouts.qt_screens)()

    # ------------------------------------------------------------------ panes
    def catalogue(self) -> dict[str, tuple[str, type]]:
        """Pane key -> (title, class) for every watchable dock of the main window."""
        out = {}
        for key, dock in self.main.docks.items():
            widget = dock.widget()
            cls = getattr(widget, "pane_class", None)  # a pane not built yet (lazy_panes.py)
            if cls is not None:
                out[key] = (dock.windowTitle(), cls)
            elif widget is not None and is_watchable(widget):
                out[key] = (dock.windowTitle(), type(widget))
        return out

    def sync_group(self) -> TimeGroup:
        """The main window's time panes in one group (panes added later join here)."""
        for dock in self.main.docks.values():
            widget = dock.widget()
            if isinstance(widget, TimePane) and widget.group is not self.group:
                self.group.add(widget)
        return self.group

    # ------------------------------------------------------------------ menus
    def install(self, view_menu: QMenu) -> None:
        """View menu items and the main window's view toolbar."""
        main = self.main
        self.sync_group()
        view_menu.addSeparator()
        new = QAction("&New watch screen", main)
        new.setObjectName("action_new_watch_screen")
        new.setShortcut(QKeySequence(NEW_SCREEN_KEY))
        new.triggered.connect(lambda: self.open_screen())
        self.full_screen = full_screen_action(main)
        self.follow = follow_action(main, self.group)
        for action in (new, self.full_screen, self.follow):
            view_menu.addAction(action)
        self.layouts_menu = view_menu.addMenu("&Layouts")
        self.layouts_menu.setObjectName("menu_layouts")
        self.layouts_menu.aboutToShow.connect(self._fill_layouts_menu)
        self._fill_layouts_menu()
        theme_menu = view_menu.addMenu("&Theme")
        theme_menu.setObjectName("menu_theme")
        self.theme_actions = QActionGroup(main)
        for name in theme.THEMES:
            action = QAction(name.capitalize(), main)
            action.setObjectName(f"action_theme_{name}")
            action.setCheckable(True)
            action.setChecked(name == theme.current)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self.theme_actions.addAction(action)
            theme_menu.addAction(action)
        bar = QToolBar("View", main)
        bar.setObjectName("toolbar_view")
        bar.addAction(self.follow)
        main.addToolBar(bar)
        main.addAction(self.full_screen)

    def _fill_layouts_menu(self) -> None:
        menu = self.layouts_menu
        menu.clear()
        save = menu.addAction("&Save as…")
        save.setObjectName("action_save_layout")
        save.triggered.connect(self._ask_save_named)
        names = self.store.names() if self.store is not None else []
        if names:
            menu.addSeparator()
        for name in names:
            action = menu.addAction(name)
            action.triggered.connect(lambda _=False, n=name: self.switch_named(n))
        if names:
            delete = menu.addMenu("&Delete")
            for name in names:
                action = delete.addAction(name)
                action.triggered.connect(lambda _=False, n=name: self.store.delete_named(n))
        save.setEnabled(self.store is not None)

    def _ask_save_named(self) -> None:
        name, ok = QInputDialog.getText(self.main, "Save layout", "Name of this layout:")
        if ok and name.strip():
            self.save_named(name.strip())

    # ------------------------------------------------------------------ windows
    def open_screen(self, panes: list[str] | None = None, show: bool | None = None) -> WatchScreen:
        """A new watch screen with `panes` (none: the trader picks from its Panes menu)."""
        used = {w.number for w in self.windows}
        number = next(n for n in range(2, 100) if n not in used)
        window = WatchScreen(self, number)
        window.sig_closed.connect(self._on_closed)
        self.windows.append(window)
        window.resize(self.main.size() if self.main.width() > 200 else window.size())
        offset = 40 * len(self.windows)
        window.move(self.main.geometry().topLeft() + QPoint(offset, offset))
        for key in panes or []:
            window.add_pane(key, arrange=False, staged=False)
        window.arrange()
        if self.main.view is not None:
            window.apply_board(self.main.view)
        if show if show is not None else self.main.isVisible():
            # Its first layout and paint come in the next turns: the workers wait meanwhile.
            self.gate.hold(window._job("show"))  # noqa: SLF001
            window.show()
            gui_steps.later(window, lambda: self.gate.release(window._job("show")))  # noqa: SLF001
        return window

    def _on_closed(self, window: WatchScreen) -> None:
        if window in self.windows:
            self.windows.remove(window)
        for pane in window.panes.values():
            if isinstance(pane, TimePane):
                pane.release()
        window.panes.clear()
        window._building.clear()  # noqa: SLF001
        # Deleted in one turn, the window and its panes (~1,300 objects each) held the GUI
        # thread 60-80 ms under the soak's load: its docks go one per step, then the window.
        for dock in window.docks.values():
            gui_steps.later(dock, dock.deleteLater)
        window.docks.clear()
        gui_steps.later(window, window.deleteLater)

    def close_all(self) -> None:
        for window in list(self.windows):
            window._closing_all = True  # noqa: SLF001
            window.close()
            window.deleteLater()
        self.windows.clear()

    def show_all(self) -> None:
        """Show watch screens opened before the main window was (layout restored at start)."""
        for window in self.windows:
            if not window.isVisible():
                window.show()

    def apply_board(self, view: BoardView) -> None:
        for window in self.windows:
            window.apply_board(view)

    def all_windows(self) -> list[QMainWindow]:
        return [self.main, *self.windows]

    def distribute(self, n: int) -> None:
        """Default layout over n windows: the main one keeps the decision docks and the
        lightest share of the time panes; each watch screen one screen (when there are that
        many), else cascaded over the main window."""
        n = max(1, min(MAX_SCREENS, n))
        self.close_all()
        self.main.reset_layout()
        catalogue = self.catalogue()
        pool = [k for k in catalogue if issubclass(catalogue[k][1], TimePane)]
        extra = [k for k in catalogue if k not in pool]
        shares = distribution(pool, extra, n)
        for key in pool:
            if key not in shares[0]:
                self.main.docks[key].hide()
        screens = self.screens()
        for i, panes in enumerate(shares[1:], start=1):
            window = self.open_screen(panes)
            if len(screens) > i:
                window.setGeometry(screens[i].available)

    def ensure_count(self, n: int) -> None:
        """`--screens N`: keep a restored layout with N windows, else distribute."""
        if self.restored and len(self.windows) == n - 1:
            return
        if self.restored:
            self.say(f"the saved layout has {len(self.windows) + 1} window(s), not {n}: "
                     f"panes put across {n} windows")
        self.distribute(n)

    # ------------------------------------------------------------------ layouts
    def capture(self) -> dict:
        """Every window of the desk as a layout (see layouts.py)."""
        from deskapp.ui.main_window import LAYOUT_VERSION

        screens = self.screens()
        self.sync_group()
        windows = [layouts.window_entry(self.main, "main", self.main.saveState(LAYOUT_VERSION),
                                        screens, time=self.group.state())]
        for w in self.windows:
            windows.append(layouts.window_entry(
                w, "watch", w.saveState(LAYOUT_VERSION), screens, panes=list(w.docks),
                shown=w.shown_panes(), time=w.group.state()))
        return {"format": layouts.LAYOUT_FORMAT, "dock_version": LAYOUT_VERSION,
                "windows": windows}

    def apply(self, layout: dict) -> None:
        """Open the windows of `layout` (already parsed). Raises LayoutError, leaving the
        default layout, when a window's docks cannot be restored."""
        from deskapp.ui.main_window import LAYOUT_VERSION

        screens = self.screens()
        self.close_all()
        main_entry, *watch = layout["windows"]
        try:
            self._apply_window(self.main, main_entry, screens, LAYOUT_VERSION)
            self.sync_group().restore(main_entry.get("time") or {})
            for entry in watch:
                window = self.open_screen(entry["panes"], show=False)
                shown = entry.get("shown", entry["panes"])
                for key in entry["panes"]:
                    if key not in shown and key in window.docks:
                        window.docks[key].hide()
                self._apply_window(window, entry, screens, LAYOUT_VERSION)
                window.group.restore(entry.get("time") or {})
                if self.main.isVisible():
                    window.show()
        except LayoutError:
            self.close_all()
            raise

    @staticmethod
    def _apply_window(window: QMainWindow, entry: dict, screens, version: int) -> None:
        rect = layouts.place(entry, screens)
        if not window.restoreState(layouts.decode_state(entry["state"]), version):
            raise LayoutError("its docks were saved by another version of deskapp")
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.setGeometry(rect)
        floating = entry.get("floating") if isinstance(entry.get("floating"), dict) else {}
        for dock in window.findChildren(QDockWidget):
            if not dock.isFloating():
                continue
            saved = floating.get(dock.objectName())
            try:  # its monitor, or clamped onto one that exists
                rect = layouts.place(saved, screens) if isinstance(saved, dict) else None
            except LayoutError:
                rect = None
            dock.setGeometry(rect or layouts.clamp_rect(dock.geometry(), screens))
        if entry.get("full_screen"):
            window.setWindowState(Qt.WindowState.WindowFullScreen)
            window._was_maximized = bool(entry.get("maximized"))  # noqa: SLF001
        elif entry.get("maximized"):
            window.setWindowState(Qt.WindowState.WindowMaximized)

    def save(self) -> None:
        """The layout of every window, for the connected screens (on exit)."""
        if self.store is not None:
            self.store.save(self.capture())

    def restore_saved(self) -> bool:
        """The layout saved for these screens (else the latest one, clamped); the default
        layout with a message when it cannot be restored. True when a layout was restored."""
        if self.store is None:
            return False
        try:
            layout = self.store.load()
            if layout is None:
                return self._restore_legacy()
            self.apply(layout)
        except LayoutError as exc:
            log.warning("saved window layout not restored: %s", exc)
            self.main.reset_layout()
            self.say(f"the saved window layout could not be restored ({exc}); "
                     "showing the default layout")
            return False
        self.restored = True
        return True

    def _restore_legacy(self) -> bool:
        """deskapp before watch screens kept window/geometry and window/state."""
        from deskapp.ui.main_window import LAYOUT_VERSION

        state = self.settings.value("window/state")
        if state is None:
            return False
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.main.restoreGeometry(geometry)
        if not self.main.restoreState(state, LAYOUT_VERSION):
            raise LayoutError("its docks were saved by another version of deskapp")
        self.restored = True
        return True

    def save_named(self, name: str) -> None:
        if self.store is not None:
            self.store.save_named(name, self.capture())
            self.say(f"layout '{name}' saved")

    def switch_named(self, name: str) -> bool:
        try:
            self.apply(self.store.load_named(name))
        except LayoutError as exc:
            self.main.reset_layout()
            self.say(f"layout '{name}' could not be restored ({exc}); showing the default "
                     "layout")
            return False
        self.say(f"layout '{name}'")
        return True

    def reset(self) -> None:
        """Reset layout: default span and following in every window, watch screens in a grid."""
        self.sync_group().reset()
        for window in self.windows:
            window.arrange()
            window.group.reset()

    def say(self, message: str) -> None:
        self.message = message
        self.main.statusBar().showMessage(message, 30000)
        self.sig_message.emit(message)

    # ------------------------------------------------------------------ theme
    def set_theme(self, name: str) -> None:
        """Switch theme (palette, plots, headers) and remember it.

        The palette and the menus change now; then each dock is recoloured and repainted in its
        own event-loop turn (its repaints held until then), the rest of each window after them,
        and the board is drawn again: a whole-desk repaint in one turn held the GUI thread
        ~100-200 ms (benchmarks/soak.py). `sig_theme_done` when every window is done; a second
        switch meanwhile takes over the first's remaining work."""
        windows = self.all_windows()
        docks = [d for w in windows for d in w.findChildren(QDockWidget)]
        outside = {w: _outside_docks(w) for w in windows}
        # Before the palette changes: nothing repaints in this turn (the toolbars, menu bar,
        # status bar and tab bars were ~5 ms of it idle), each part in a turn of its own.
        for widget in [*docks, *(part for parts in outside.values() for part in parts)]:
            widget.setUpdatesEnabled(False)
        theme.apply_theme(QApplication.instance(), name)
        for action in self.theme_actions.actions():
            action.setChecked(action.objectName() == f"action_theme_{theme.current}")
        steps: list[Callable[[], None]] = []
        # Each dock recoloured in two turns (its widgets' own colours; then the plots' axes and
        # the style sheets polished again) and painted in a third: the checklist's recolouring
        # was 11-13 ms in one turn idle, ~40 ms under the soak's load.
        for dock in docks:
            steps += [lambda d=dock: _restyle_dock(d, recolour_widgets),
                      lambda d=dock: _restyle_dock(d, polish_widgets),
                      lambda d=dock: _paint_dock(d)]
        steps += [lambda w=w, p=parts: _restyle_outside_docks(w, p)
                  for w, parts in outside.items()]
        # Remembered at the end: the settings file is written in the turn after (~1.5 ms).
        steps += [self.main.redraw_board, self._remember_theme,
                  lambda: self.sig_theme_done.emit(theme.current)]
        self._theme_run = run = object()
        self.gate.hold("theme")
        gui_steps.later(self, lambda: self._theme_step(run, steps))

    def _remember_theme(self) -> None:
        if self.settings is not None:
            self.settings.setValue(theme.SETTINGS_KEY, theme.current)

    def _theme_step(self, run: object, steps: list[Callable[[], None]]) -> None:
        if run is not self._theme_run:
            return  # a newer switch restyles everything again
        try:
            steps[0]()
        except RuntimeError as exc:  # a watch screen closed since the switch began
            if "already deleted" not in str(exc):
                raise
        if steps[1:]:
            gui_steps.later(self, lambda: self._theme_step(run, steps[1:]))
        else:
            self._theme_run = None
            self.gate.release("theme")


def _restyle_dock(dock: QDockWidget, part: Callable[[list[QWidget]], None]) -> None:
    """`part` of the current theme (`recolour_widgets` or `polish_widgets`) on one dock's
    widgets, its repaints still held (set_theme held them)."""
    try:
        part(dock.findChildren(QWidget))
    except BaseException:
        dock.setUpdatesEnabled(True)
        raise


def _held_until_fed(pane: QWidget) -> bool:
    """A pane built in steps whose own repaints add_pane held (not a dock's hold around it,
    which `updatesEnabled()` reports as well): painted first once fed a board."""
    return pane.testAttribute(Qt.WidgetAttribute.WA_ForceUpdatesDisabled)


def _paint_dock(dock: QDockWidget) -> None:
    """Let one restyled dock's repaints through and paint it now, in this turn: left to Qt,
    the paint came in the next pass with whatever step ran there."""
    dock.setUpdatesEnabled(True)
    for view in dock.findChildren(pg.GraphicsView):  # the plots' changed items reach the view
        if view.scene() is not None:
            QCoreApplication.sendPostedEvents(view.scene(), 0)
    QCoreApplication.sendPostedEvents(dock.window(), QEvent.Type.UpdateRequest)


def _outside_docks(window: QWidget) -> list[QWidget]:
    """The window's own parts that no dock holds: menu bar, toolbars, status bar, the docks'
    tab bars, the central widget."""
    own = window.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return [w for w in own if not isinstance(w, QDockWidget) and not w.isWindow()]


def _restyle_outside_docks(window: QWidget, held: list[QWidget]) -> None:
    """What no dock holds, in the current theme; its repaints (held by set_theme) let
    through and painted in this turn."""
    try:
        restyle_window(window, outside_docks=True)
    finally:
        for part in held:
            # (deleted meanwhile: a tab bar goes when its docks are split up)
            with contextlib.suppress(RuntimeError):
                part.setUpdatesEnabled(True)
    QCoreApplication.sendPostedEvents(window, QEvent.Type.UpdateRequest)


def _in_dock(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QDockWidget):
            return True
        parent = parent.parentWidget()
    return False


def restyle_window(window: QWidget, outside_docks: bool = False) -> None:
    """Recolour a window for the current theme: every widget that has a `restyle` (the board
    panes, regime, checklist, review dock, main window) redraws in the theme's colours.
    `outside_docks`: only what no dock holds (toolbars, status bar; set_theme does each dock
    in a turn of its own)."""
    widgets = window.findChildren(QWidget)
    if outside_docks:
        widgets = [w for w in widgets if not isinstance(w, QDockWidget) and not _in_dock(w)]
    restyle_widgets(widgets)
    if callable(getattr(window, "restyle", None)):
        window.restyle()


def restyle_widgets(widgets: list[QWidget]) -> None:
    """`recolour_widgets`, then `polish_widgets`."""
    recolour_widgets(widgets)
    polish_widgets(widgets)


def recolour_widgets(widgets: list[QWidget]) -> None:
    """`restyle()` each widget that has one (the panes, headers, checklist...)."""
    for widget in widgets:
        if isinstance(widget, TimePane) or callable(getattr(widget, "restyle", None)):
            widget.restyle()


def polish_widgets(widgets: list[QWidget]) -> None:
    """The plots' background and axes in the theme, and each widget with a style sheet
    polished again (it keeps the palette it was polished with otherwise: the decision
    buttons, the step names)."""
    for view in widgets:
        if not isinstance(view, pg.GraphicsView):
            continue
        view.setBackground(theme.BACKGROUND)
        scene = view.scene()
        if scene is None:
            continue
        for item in scene.items():
            if isinstance(item, pg.AxisItem):
                item.setPen()
                item.setTextPen()
    for widget in widgets:
        if widget.styleSheet():
            widget.style().unpolish(widget)
            widget.style().polish(widget)
            widget.update()
