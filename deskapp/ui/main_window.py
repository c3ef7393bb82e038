"""The main window: eight time panes (four in front, four as tabs behind them), the regime,
checklist, review and alert-history docks, a replay bar and a status bar.

Boards arrive from the compute worker (`apply_board_staged`, queued); decisions leave for the
journal writer's pool thread (`ui/journal_writer.py`) and come back as saved / failed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QToolBar,
    QWidget,
)

from deskapp.journal.model import Decision, JournalError
from deskapp.signals import track_record
from deskapp.signals.base_rates import features_of
from deskapp.signals.board import BoardView
from deskapp.ui import gui_steps, theme
from deskapp.ui.alerts import AlertBanner, AlertHistory
from deskapp.ui.book_state import BookState
from deskapp.ui.checklist_panel import ChecklistPanel
from deskapp.ui.gui_gate import GuiGate
from deskapp.ui.journal_writer import JournalWriter
from deskapp.ui.lazy_panes import LazyPanes, PanePlaceholder
from deskapp.ui.panes.base import TimePane, age_text
from deskapp.ui.panes.chain import ChainPane
from deskapp.ui.panes.correlation import CorrelationPane
from deskapp.ui.panes.crypto_structure import CryptoStructurePane
from deskapp.ui.panes.leadership import LeadershipPane
from deskapp.ui.panes.liquidity import LiquidityPane
from deskapp.ui.panes.macro import MacroPane
from deskapp.ui.panes.regime import RegimePane
from deskapp.ui.panes.smallcaps import SmallCapsPane
from deskapp.ui.panes.track_record import TrackRecordPane
from deskapp.ui.panes.volatility import VolatilityPane
from deskapp.ui.quiet import Boxed, set_style, set_text
from deskapp.ui.screens import ScreenManager

if TYPE_CHECKING:
    from deskapp.ui.review_panel import ReviewPanel

log = logging.getLogger(__name__)

PANES = (MacroPane, LeadershipPane, CryptoStructurePane, CorrelationPane, SmallCapsPane,
         ChainPane, LiquidityPane, VolatilityPane)
BEHIND = (("macro", "liquidity"), ("leadership", "smallcaps"), ("crypto", "chain"),
          ("correlation", "volatility"))  # (front pane, the pane tabbed behind it)
IDLE_BUILD_DELAY_MS = 300

LAYOUT_VERSION = 3  # 2: small caps, liquidity chain, dollar liquidity, volatility docks;
#                    3: track record


# label -> replay seconds per wall second
SPEEDS = (("paused", 0.0), ("1 min/s", 60.0), ("10 min/s", 600.0), ("1 h/s", 3600.0),
          ("4 h/s", 14400.0), ("1 day/s", 86400.0), ("1 week/s", 604800.0))


class MainWindow(QMainWindow):
    """Owns the widgets only; data arrives through `apply_board` (a queued slot)."""

    sig_board_drawn = Signal(object)  # BoardView, after every pane has been given it
    sig_speed = Signal(float)
    sig_decision_saved = Signal(str)  # the record's uuid, once committed
    sig_open_day = Signal(str)  # "YYYY-MM-DD" from the Track record: open the replay there

    def __init__(self, journal, settings: QSettings | None, speed: float,
                 dataset_title: str = "", replay: bool = True):
        super().__init__()
        self.setObjectName("main_window")
        self.setWindowTitle("deskapp — cross-asset risk-off desk")
        self.journal = journal
        self.settings = settings
        self.dataset_title = dataset_title
        self.view: BoardView | None = None
        self._latest: BoardView | None = None  # the newest board given (maybe still staging)
        self.is_replay = replay
        self._known_keys: set[str] = set()
        self.team_link = ""  # a team feed's link: "team" | "offline: why" (FeedBatch.link)
        self._staged: BoardView | None = None
        self._staging = False
        self.gate = GuiGate()  # held while a board is drawn: the compute worker waits
        self._stage_queue: list[str] = []
        self._stage_sidebars: list = []  # the sidebar steps left in a staged board
        self.feed_errors: dict[str, str] = {}  # series key -> what failed, since when
        # The four panes behind tabs are built when first raised or read, else one per idle
        # turn after the first board (ui/lazy_panes.py): start-up builds only the front four.
        self.panes = LazyPanes({p.pane_key: p for p in PANES}, eager={f for f, _ in BEHIND},
                               on_built=self._place_pane)
        self.docks: dict[str, QDockWidget] = {}
        for key, cls in self.panes.classes.items():
            widget = self.panes.built().get(key) or PanePlaceholder(cls)
            # Dock titles are also menu texts, where "&" is a mnemonic: double it.
            self.docks[key] = self._dock(key, cls.title.replace("&", "&&"), widget)
            if not self.panes.is_built(key):
                self.docks[key].visibilityChanged.connect(
                    lambda visible, k=key: self._build_pane(k) if visible else None)
        self.sig_board_drawn.connect(self._build_panes_when_idle)
        self.regime = RegimePane()
        self.docks["regime"] = self._dock("regime", "Regime", self.regime)
        self.checklist = ChecklistPanel(settings=settings)
        self.checklist.sig_decide.connect(self.on_decide)
        self.journal_writer = JournalWriter(journal, self)  # commits off the GUI thread
        self.journal_writer.saved.connect(self._on_decision_saved)
        self.journal_writer.failed.connect(self._on_decision_failed)
        self._deciding_at = ""  # the market time of the decision being written
        self.docks["checklist"] = self._dock("checklist", "Checklist", self.checklist)
        # The journal's review: built when its dock is first shown or `review` is read (a tab
        # behind the Regime, ~10 ms of start-up before anyone looks at it).
        self._review: ReviewPanel | None = None
        self.docks["review"] = self._dock("review", "Review", QWidget())
        self.docks["review"].visibilityChanged.connect(
            lambda visible: self.review if visible else None)
        self.alert_history = AlertHistory()  # filled by the desk's AlertCenter (ui/alerts.py)
        self.docks["alerts"] = self._dock("alerts", "Alerts", self.alert_history)
        self.track_record = TrackRecordPane()
        self.track_record.sig_loaded.connect(lambda _ok: self._show_track_record(self.view))
        self.track_record.sig_open_day.connect(self.sig_open_day)
        self.docks["track_record"] = self._dock("track_record", "Track record",
                                                self.track_record)
        # The trader's book: its state now (the checklist shows its line), its dock's widgets
        # when the dock is first shown (ui/book_dock.py; the book worker is wired by the Desk).
        self.book = BookState(self.checklist.risk_limit(), self)
        self.book_panel = None
        self.checklist.risk_spin.valueChanged.connect(self.book.set_limit)
        self.book.sig_changed.connect(
            lambda: self.checklist.set_book(self.book.summary_line(), self.book.hedge_choices()))
        self.docks["book"] = self._dock("book", "Book", QWidget())
        self.docks["book"].visibilityChanged.connect(
            lambda visible: self._build_book_panel() if visible else None)
        self.sig_decision_saved.connect(self.reload_review)
        self.setDockNestingEnabled(True)
        self._default_layout()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._build_replay_bar(speed)
        self.replay_bar.setVisible(replay)
        self._build_status_bar()
        self.screens = ScreenManager(self, settings)  # watch screens, layouts, theme (screens.py)
        self._build_menus()
        # shown with an alert, in the menu bar's row (so after the menus)
        self.alert_banner = AlertBanner.install(self, self.replay_bar)
        self._shown_once = False
        self._restored = settings is not None and self._restore_layout()

    # ------------------------------------------------------------------ lazy panes
    def _build_pane(self, key: str) -> None:
        self.panes[key]  # noqa: B018 (reading builds it)

    def _place_pane(self, key: str, pane: TimePane) -> None:
        """A pane just built: into its dock, its window's time group, the latest board."""
        dock = self.docks[key]
        placeholder = dock.widget()
        dock.setWidget(pane)
        if isinstance(placeholder, PanePlaceholder):
            if not dock.isVisible():
                pane.lay_out_hidden(placeholder.size())
            placeholder.deleteLater()
        screens = getattr(self, "screens", None)
        if screens is not None:
            screens.group.add(pane)
        pane.set_feed_errors(self.feed_errors)
        view = self._latest  # the newest board given to the window, drawn or being staged
        if view is not None and key in view.panes and pane.apply(
                view.panes[key], view.asof.value / 1e9, view.view_days, view.snapshot):
            pane.paint_now()

    def _build_panes_when_idle(self, _view=None) -> None:
        """After the first board, the panes not built yet, a plot row per event-loop turn (a
        whole pane was ~30 ms, more under load), a moment later so a screenshot or a first
        paint goes first."""
        self.sig_board_drawn.disconnect(self._build_panes_when_idle)
        QTimer.singleShot(IDLE_BUILD_DELAY_MS, self, self._build_next_pane)

    def _build_next_pane(self) -> None:
        rest = [k for k in self.panes if not self.panes.is_built(k)]
        if rest and (self.panes.prebuild_step(rest[0]) or len(rest) > 1):
            gui_steps.later(self, self._build_next_pane)

    @property
    def review(self) -> ReviewPanel:
        """The Review dock's panel, built (and the journal read into it) on first use."""
        if self._review is None:
            from deskapp.ui.review_panel import ReviewPanel

            self._review = self._fill_dock("review", ReviewPanel(self.journal))
            self._review.reload()
        return self._review

    def built_review(self) -> ReviewPanel | None:
        """The Review panel if it has been built, else None (nothing is built)."""
        return self._review

    @Slot()
    def reload_review(self) -> None:
        """Read the journal into the Review panel again; nothing until it is built (it reads
        the journal then)."""
        if self._review is not None:
            self._review.reload()

    def _build_book_panel(self) -> None:
        if self.book_panel is None:
            from deskapp.ui.book_dock import BookPanel

            self.book_panel = self._fill_dock("book", BookPanel(self.book))

    def _fill_dock(self, key: str, widget: QWidget) -> QWidget:
        """`widget` into dock `key` in place of the empty placeholder it was made with (a
        dock built when first shown); returns `widget`."""
        dock = self.docks[key]
        placeholder = dock.widget()
        dock.setWidget(widget)
        placeholder.deleteLater()
        return widget

    # ------------------------------------------------------------------ layout
    def _dock(self, key: str, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        return dock

    def _default_layout(self) -> None:
        d = self.docks
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        self.addDockWidget(left, d["macro"])
        self.splitDockWidget(d["macro"], d["leadership"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["macro"], d["crypto"], Qt.Orientation.Vertical)
        self.splitDockWidget(d["leadership"], d["correlation"], Qt.Orientation.Vertical)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["regime"])
        self.splitDockWidget(d["regime"], d["checklist"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(d["regime"], d["track_record"])
        self.tabifyDockWidget(d["regime"], d["review"])
        self.tabifyDockWidget(d["regime"], d["alerts"])
        self.tabifyDockWidget(d["regime"], d["book"])
        # Issue 7's panes as tabs behind the four they belong with (the board stays readable at
        # 1600x900; View menu or the tab raises them).
        for front, back in BEHIND:
            self.tabifyDockWidget(d[front], d[back])
        for dock in d.values():
            dock.show()
        for key in ("regime", "macro", "leadership", "crypto", "correlation"):
            d[key].raise_()
        self._size_docks()

    def _size_docks(self) -> None:
        """Board panes share the width; the checklist takes about a fifth."""
        d = self.docks
        width = max(self.width(), 800)
        self.resizeDocks([d["macro"], d["leadership"], d["checklist"]],
                         [int(width * 0.37), int(width * 0.37), int(width * 0.26)],
                         Qt.Orientation.Horizontal)
        height = max(self.height(), 600)
        self.resizeDocks([d["regime"], d["checklist"]], [int(height * 0.48), int(height * 0.52)],
                         Qt.Orientation.Vertical)
        # Crypto structure has four rows to macro's two: it takes the larger share.
        self.resizeDocks([d["macro"], d["crypto"]], [int(height * 0.4), int(height * 0.6)],
                         Qt.Orientation.Vertical)

    def _restore_layout(self) -> bool:
        """The saved windows and docks (ui/layouts.py); False (default layout kept, with a
        status-bar message when one was unusable) when none or unusable."""
        return self.screens.restore_saved()

    @Slot()
    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        self.docks["regime"].raise_()
        self.screens.reset()

    def _build_replay_bar(self, speed: float) -> None:
        bar = QToolBar("Replay", self)
        bar.setObjectName("toolbar_replay")
        self.replay_bar = bar
        self.addToolBar(bar)
        self.play_action = QAction("Play / pause (Space)", self)
        self.play_action.setShortcut(QKeySequence("Space"))
        self.play_action.triggered.connect(self.toggle_play)
        bar.addAction(self.play_action)
        self.speed_box = QComboBox(self)
        self.speed_box.setObjectName("replay_speed")
        for label, value in SPEEDS:
            self.speed_box.addItem(label, value)
        if self.speed_box.findData(speed) < 0:
            self.speed_box.addItem(f"{speed:g}x", speed)
        self.speed_box.setCurrentIndex(self.speed_box.findData(speed))
        self.speed_box.currentIndexChanged.connect(
            lambda _i: self.sig_speed.emit(float(self.speed_box.currentData())))
        self._last_running_speed = speed or 3600.0
        bar.addWidget(QLabel(" speed "))
        bar.addWidget(self.speed_box)

    @Slot()
    def toggle_play(self) -> None:
        current = float(self.speed_box.currentData())
        if current > 0:
            self._last_running_speed = current
            target = 0.0
        else:
            target = self._last_running_speed
        index = self.speed_box.findData(target)
        self.speed_box.setCurrentIndex(index if index >= 0 else 0)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.mode_label = QLabel(" REPLAY ")
        self.mode_label.setObjectName("status_mode")
        self.mode_label.setStyleSheet(
            f"background:{theme.AMBER}; color:{theme.ink_on(theme.AMBER)}; font-weight:bold;"
            " padding:1px 6px; border-radius:3px;")
        self.clock_label = QLabel("waiting for data…")
        self.clock_label.setObjectName("status_clock")
        self.perf_label = QLabel("")
        self.perf_label.setStyleSheet(f"color:{theme.MUTED}")
        bar.addWidget(self.mode_label)
        bar.addWidget(Boxed(self.clock_label), 1)  # its new text relays no layout
        bar.addPermanentWidget(self.perf_label)

    def _build_menus(self) -> None:
        from deskapp.ui.about import show_about

        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        reset = QAction("&Reset layout", self)
        reset.triggered.connect(self.reset_layout)
        view_menu.addAction(reset)
        self.screens.install(view_menu)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About deskapp", self)
        about.setObjectName("action_about")
        about.triggered.connect(lambda: show_about(self))  # deskapp/ui/about.py
        help_menu.addAction(about)

    # ------------------------------------------------------------------ data
    @Slot(object)
    def apply_board(self, view: BoardView) -> None:
        """Draw a new board (GUI thread): setData on every pane, then the status bar."""
        self.screens.apply_board(view)  # the watch screens draw it too
        self.view = self._latest = view
        asof_s = view.asof.value / 1e9
        for key, pane in self.panes.built().items():
            pane.apply(view.panes[key], asof_s, view.view_days, view.snapshot)
        if view.snapshot is not None:
            self.regime.apply_snapshot(view.snapshot)
            self._show_track_record(view)
            self.checklist.apply_snapshot(view.snapshot)
        self._show_mode(view)
        self.sig_board_drawn.emit(view)

    def redraw_board(self) -> None:
        """The board on screen drawn again (a theme switch): the sidebars now, the time
        panes one per event-loop turn."""
        view = self.view
        if view is None:
            return
        if view.snapshot is not None:
            self.regime.apply_snapshot(view.snapshot)
            self._show_track_record(view)
            self.checklist.apply_snapshot(view.snapshot)
        self._show_mode(view)
        self.apply_board_staged(view)

    @Slot(object)
    def apply_board_staged(self, view: BoardView) -> None:
        """`apply_board` spread over event-loop turns, one pane (set and painted) per turn, so
        no single turn of the GUI thread holds it for the whole board (the heartbeat test).
        A board in progress is finished (every pane shows the same board); a newer one that
        arrived meanwhile is drawn next, the ones between are skipped."""
        self.screens.apply_board(view)  # the watch screens draw it too
        self._staged = self._latest = view
        if not self._staging:
            self._start_stage()

    def _start_stage(self) -> None:
        self._staging = True
        self.gate.hold("board")
        self._stage_view = self._staged
        self._stage_queue = list(self.panes.built())
        self._stage_sidebars = [lambda v: self.regime.apply_snapshot(v.snapshot),
                                self._show_track_record,
                                lambda v: self.checklist.apply_snapshot(v.snapshot)]
        gui_steps.later(self, self._stage_step)  # dropped if the window is gone

    def _stage_step(self) -> None:
        view = self._stage_view
        if self._stage_queue:
            key = self._stage_queue.pop(0)
            pane = self.panes[key]
            changed = pane.apply(view.panes[key], view.asof.value / 1e9, view.view_days,
                                 view.snapshot)
            if changed:  # a pane whose plots did not change is not painted at all
                pane.paint_now()
            gui_steps.later(self, self._stage_step)  # dropped if the window is gone
            return
        if view.snapshot is not None and self._stage_sidebars:
            # The sidebars one per turn too: regime, track record, checklist.
            step = self._stage_sidebars.pop(0)
            step(view)
            gui_steps.later(self, self._stage_step)
            return
        self._staging = False
        self.gate.release("board")
        self.view = view
        self._show_mode(view)
        self.sig_board_drawn.emit(view)
        if self._staged is not view:  # a newer board came in meanwhile
            self._start_stage()

    def _show_mode(self, view: BoardView) -> None:
        """The status bar: what the data is (replay, live, cache), and its time."""
        title = f" — {self.dataset_title}" if self.dataset_title else ""
        failing = len(self.feed_errors)
        if view.source == "replay":
            mode, colour = "REPLAY", theme.AMBER
            speed = float(self.speed_box.currentData())
            state = "paused" if speed == 0 else f"playing {self.speed_box.currentText()}"
            text = (f"<b>{view.dataset}</b>{title} &nbsp;·&nbsp; replay time "
                    f"<b>{view.asof:%Y-%m-%d %H:%M} UTC</b> &nbsp;·&nbsp; {state} &nbsp;·&nbsp; "
                    "bundled real recorded data, not live")
        else:
            newest = self._newest_data(view)
            age = (f"newest data {age_text(view.asof - newest)} old" if newest is not None
                   else "no data yet")
            if view.source == "team":
                mode, colour, text = self._team_mode(view, age)
            elif view.source == "cache" or (failing and failing >= self._series_count()):
                mode, colour = "OFFLINE", theme.RED
                text = f"showing the cache{title}: {age}"
            else:
                mode, colour = "LIVE", theme.GREEN
                text = f"{self.dataset_title} &nbsp;·&nbsp; {view.asof:%Y-%m-%d %H:%M} UTC" \
                       f" &nbsp;·&nbsp; {age}"
            if failing:
                text += (f" &nbsp;·&nbsp; <span style='color:{theme.AMBER}'>⚠ {failing} series "
                         "failing (View ▸ hover the panes)</span>")
            if newest is None and view.source != "replay":
                text += " &nbsp;·&nbsp; no cached data and no answer from the network yet: " \
                        "<b>deskapp --replay 2026-02-risk-off</b> opens the bundled replay"
        set_text(self.mode_label, f" {mode} ")
        set_style(self.mode_label, f"background:{colour}; color:{theme.ink_on(colour)};"
                                   " font-weight:bold; padding:1px 6px; border-radius:3px;")
        set_text(self.clock_label, text)

    def _team_mode(self, view: BoardView, age: str) -> tuple[str, str, str]:
        """TEAM FEED with the collector's host, or OFFLINE (the database is unreachable: the
        local cache is shown while the source reconnects by itself)."""
        host = escape(view.dataset)
        if self.team_link.startswith("offline"):
            why = escape(self.team_link.partition(":")[2].strip())
            self.mode_label.setToolTip(why)
            last = f" &nbsp;·&nbsp; last collector {host}" if host else ""
            return ("OFFLINE", theme.RED, f"team feed unreachable, reconnecting: showing the "
                    f"local cache &nbsp;·&nbsp; {age}{last}")
        self.mode_label.setToolTip("")
        return ("TEAM FEED", theme.GREEN, f"collector <b>{host or 'not seen yet'}</b> "
                f"&nbsp;·&nbsp; "
                f"{view.asof:%Y-%m-%d %H:%M} UTC &nbsp;·&nbsp; {age}")

    def _newest_data(self, view: BoardView) -> pd.Timestamp | None:
        times = [c.last_time for p in view.panes.values() for c in p.curves.values()
                 if c.last_time is not None]
        return max(times) if times else None

    def _series_count(self) -> int:
        return max(1, len(self._known_keys))

    @Slot(object)
    def on_feed_batch(self, batch) -> None:
        """Track which series are failing (GUI thread: bookkeeping only)."""
        if batch.link and batch.link != self.team_link:
            self.team_link = batch.link
            if self.view is not None:
                self._show_mode(self.view)
        self._known_keys.update(batch.frames)
        self._known_keys.update(batch.errors)
        for key in batch.frames:
            self.feed_errors.pop(key, None)
        self.feed_errors.update(batch.errors)
        if batch.errors or batch.frames:
            for pane in self.panes.built().values():
                pane.set_feed_errors(self.feed_errors)
        if batch.errors:
            first = next(iter(batch.errors.items()))
            self.statusBar().showMessage(f"⚠ {first[0]}: {first[1]}", 15000)

    @Slot(str)
    def show_feed_error(self, message: str) -> None:
        self.statusBar().showMessage(f"⚠ {message}", 15000)

    @Slot(str)
    def on_decide(self, decision: str) -> None:
        """Commit the decision with the evidence on screen; say "saved" only after the commit."""
        view = self.view
        if view is None:
            self.checklist.show_error("no market data on screen yet")
            return
        fields = self.checklist.decision_fields()
        evidence = {
            "readouts": view.readouts(),
            "missing": {f"{p}.{k}": why for p, pv in view.panes.items()
                        for k, why in pv.missing.items()},
            "checklist": self.checklist.ticked(),
            "run": fields.get("run"),
        }
        market_time = view.asof.isoformat().replace("+00:00", "Z")
        try:
            record = Decision(
                decision=decision, source=view.source, market_time=market_time,
                profile=fields.get("profile"), risk_limit=fields.get("risk_limit"),
                steps=fields.get("steps") or {}, notes=fields.get("notes"),
                snapshot=view.snapshot.to_dict() if view.snapshot else {},
                evidence=evidence, dataset=view.dataset,
                **self.book.decision_fields(self.checklist.hedge_choice()))
        except (JournalError, ValueError) as exc:
            self.checklist.show_error(str(exc))
            return
        # Committed in a pool thread (a postgresql:// journal may wait seconds for a lock);
        # the checklist says "saved" in _on_decision_saved, after the commit returned.
        if not self.journal_writer.submit(record):  # one at a time; the buttons say so already
            self.statusBar().showMessage(
                f"⚠ {decision} NOT saved: still saving {self.journal_writer.pending}", 15000)
            return
        self._deciding_at = f"{view.asof:%Y-%m-%d %H:%M}"
        self.checklist.show_pending(decision)

    @Slot(str, str)
    def _on_decision_saved(self, rid: str, decision: str) -> None:
        now = datetime.now(UTC).strftime("%H:%M:%S")
        self.checklist.show_saved(decision, rid, now, self._deciding_at)
        self.sig_decision_saved.emit(rid)

    @Slot(str, str)
    def _on_decision_failed(self, _decision: str, reason: str) -> None:
        self.checklist.show_error(reason)

    def restyle(self) -> None:
        """The status bar's fixed style in the current theme (the mode follows the board)."""
        set_style(self.perf_label, f"color:{theme.MUTED}")

    # ------------------------------------------------------------------ track record
    def _show_track_record(self, view: BoardView | None) -> None:
        """Base rates of what the desk reads now: the Track record tab and the checklist."""
        if view is None or view.snapshot is None:
            return
        s = view.snapshot
        self.track_record.apply_reading(s.regime.name, s.early_warning.count, s.flywheel.stage,
                                        features_of(s), f"{view.asof:%Y-%m-%d}")
        self.checklist.set_base_rate(self.track_record.summary_line())

    def set_perf(self, text: str) -> None:
        self.perf_label.setText(text)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.track_record.load(track_record.bundled_path())  # read in a pool thread
            self.screens.show_all()
            if not self._restored:
                self._size_docks()

    # ------------------------------------------------------------------ shutdown
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self.isVisible():
            self.screens.save()  # every window, for these screens (ui/layouts.py)
        super().closeEvent(event)
        self.screens.close_all()
