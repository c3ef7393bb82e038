"""Alerts on screen: a banner in the menu bar's row, a tray notification, a log line and the Alert
history dock (DESIGN.md section 7). What fires, and when, is decided off the GUI thread by
`deskapp/signals/alerts.py` in the compute worker; this module only shows and keeps it.

The history survives restarts in `alerts.jsonl` (data folder, one JSON alert per line; a line
that cannot be read is moved to `alerts.jsonl.rejected` with one log line, never fatal).
"""

from __future__ import annotations

import html
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenuBar,
    QSizePolicy,
    QStyle,
    QSystemTrayIcon,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.signals.alerts import EASING, ESCALATION, Alert

log = logging.getLogger("deskapp.alerts")

# The message (which names the kind and the change) comes second: in the narrow default dock
# the time and the whole line are what shows; kind, change and source follow for sorting by eye.
COLUMNS = ("Market time (UTC)", "Message", "Kind", "Change", "Source")
MESSAGE = 1
MAX_ROWS = 1000  # the dock keeps the newest this many
FILE_KEEP = 1000  # alerts.jsonl is cut back to the newest this many when it holds twice as many


def _role(severity: str) -> str:
    """The theme colour name of a severity (resolved when drawn: a theme switch follows)."""
    return {ESCALATION: "AMBER", EASING: "SKY"}.get(severity, "MUTED")


def _colour(severity: str) -> str:
    from deskapp.ui import theme

    return theme.text(_role(severity))


def _origin(a: Alert) -> str:
    return f"{a.source} {a.dataset}".strip()


def lead(alerts: list[Alert]) -> Alert:
    """The one alert of a batch (one snapshot) the banner shows: the first escalation, else the
    first; within a batch the kinds come in order regime, early warning, zone, flywheel."""
    return next((a for a in alerts if a.severity == ESCALATION), alerts[0])


def headline(a: Alert) -> str:
    """Severity as a shape and a word, never colour alone: '▲ escalation'."""
    return f"{a.marker} {a.severity}"


# ------------------------------------------------------------------ the banner
MENU_GAP = 24  # px between the last menu title and the banner
# menu-bar events after which the banner is placed again
_BAR_EVENTS = (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.ActionAdded,
               QEvent.Type.ActionChanged, QEvent.Type.ActionRemoved, QEvent.Type.FontChange,
               QEvent.Type.StyleChange, QEvent.Type.LayoutRequest)


class _ElidedLabel(QLabel):
    """A bold prefix and a plain text cut with "…" to the label's width (re-cut on resize);
    it never asks for more width than it has, so a long message cannot widen the window."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._prefix, self._plain = "", ""

    def set_parts(self, prefix: str, plain: str) -> None:
        self._prefix, self._plain = prefix, plain
        self._cut()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._cut()

    def _cut(self) -> None:
        fm = self.fontMetrics()
        bold = self.font()
        bold.setBold(True)
        from PySide6.QtGui import QFontMetrics

        room = self.width() - QFontMetrics(bold).horizontalAdvance(self._prefix + "  ") - 12
        text = fm.elidedText(self._plain, Qt.TextElideMode.ElideRight, max(room, 40))
        self.setText(f"<b>{html.escape(self._prefix)}</b>&nbsp; {html.escape(text)}")


class AlertBanner(QFrame):
    """The latest alert on one line: severity, time, the message (cut to fit; whole in the
    tooltip), "+N more", a button to the history and a dismiss button. It hides itself after
    `hide_after_ms` and can only be visible while it holds an alert.

    `install` puts it in the window's menu-bar row, right of the menus, on the bar's empty part:
    it covers no pane and no menu, and showing or hiding it moves nothing. (On a row of its own,
    every alert moved each chart down a row and back 30 s later, and each move laid out and
    repainted every pane in one GUI turn: ~35 ms on an idle desk, 50-60 ms beside the compute
    worker, benchmarks/soak.py.) Where the menu bar is the system's (macOS) or the window has
    none, it takes a toolbar row of its own above `before` instead.
    """

    sig_history = Signal()

    def __init__(self, parent: QWidget | None = None, hide_after_ms: int = 30_000):
        super().__init__(parent)
        self.setObjectName("alert_banner")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.hide_after_ms = hide_after_ms
        self.alert: Alert | None = None
        self._menu_bar: QMenuBar | None = None  # the row it sits in (install), else None
        self._row: _BannerRow | None = None  # its own toolbar row, where there is no menu bar
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 0, 2, 0)
        row.setSpacing(8)
        self.marker = QLabel(self)
        self.marker.setObjectName("alert_marker")
        self.text = _ElidedLabel(self)  # the whole line is in its tooltip
        self.text.setObjectName("alert_text")
        self.more = QLabel(self)
        self.history_button = QToolButton(self)
        self.history_button.setText("History")
        self.history_button.setAutoRaise(True)
        self.history_button.setToolTip("Show the Alert history dock")
        self.history_button.clicked.connect(self.sig_history)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("alert_dismiss")
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss (the alert stays in the history)")
        self.close_button.clicked.connect(self.dismiss)
        row.addWidget(self.marker)
        row.addWidget(self.text, 1)
        row.addWidget(self.more)
        row.addWidget(self.history_button)
        row.addWidget(self.close_button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.dismiss)
        super().setVisible(False)

    @classmethod
    def install(cls, window: QMainWindow, before: QToolBar, hide_after_ms: int = 30_000
                ) -> AlertBanner:
        """Put the banner in `window`'s menu-bar row (build the menus first), or, with no
        menu bar drawn in the window, on a toolbar row of its own above the toolbar `before`
        (toolbars added later join their rows, never the banner's)."""
        banner = cls(window, hide_after_ms)
        bar = window.menuWidget()
        if isinstance(bar, QMenuBar) and not bar.isNativeMenuBar() and bar.actions():
            banner._menu_bar = bar
            bar.installEventFilter(banner)
        else:
            banner._row = _BannerRow(banner, window)
            window.insertToolBar(before, banner._row)
            window.insertToolBarBreak(before)
            super(_BannerRow, banner._row).setVisible(False)
        return banner

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt override)
        visible = visible and self.alert is not None
        if visible and self._menu_bar is not None:
            self._place()
        super().setVisible(visible)
        if self._row is not None:
            try:
                self._row.setVisible(visible)  # (Qt ignores a call that changes nothing)
            except RuntimeError:  # the row's C++ side is gone: the window is being deleted
                self._row = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """The menu bar moved, resized or changed its menus: follow it."""
        if watched is self._menu_bar and event.type() in _BAR_EVENTS and self.isVisible():
            self._place()
        return False

    def _place(self) -> None:
        """Over the menu bar's empty part: from past the last menu to the bar's right end."""
        bar = self._menu_bar
        menus_end = max((bar.actionGeometry(a).right() for a in bar.actions() if a.isVisible()),
                        default=0)
        left = menus_end + MENU_GAP
        self.setGeometry(bar.x() + left, bar.y(), max(bar.width() - left, 0), bar.height())
        self.raise_()

    def show_alert(self, a: Alert, more: int = 0) -> None:
        self.alert = a
        self.restyle()
        self.marker.setToolTip(a.severity)
        self.text.setToolTip(f"{a.time:%Y-%m-%d %H:%M} UTC — {a.message}\n({_origin(a)})")
        self.text.set_parts(f"{a.time:%Y-%m-%d %H:%M} UTC", a.message)
        self.more.setText(f"+{more} more" if more else "")
        self.more.setVisible(bool(more))
        self.setVisible(True)
        self.timer.start(self.hide_after_ms)

    @Slot()
    def dismiss(self) -> None:
        self.timer.stop()
        self.alert = None
        self.setVisible(False)

    def restyle(self) -> None:
        """The banner's colours in the current theme (on show, and on View ▸ Theme)."""
        from deskapp.ui import theme

        a = self.alert
        if a is None:
            return
        colour = _colour(a.severity)
        # CURRENT_BG: a background every text colour of the theme reads on (>= 4.5:1).
        sheet = (f"QFrame#alert_banner {{ background:{theme.CURRENT_BG}; border-left:5px solid "
                 f"{colour}; }} QLabel {{ color:{theme.FOREGROUND}; }}")
        if sheet != self.styleSheet():  # a new sheet re-polishes the banner and its labels
            self.setStyleSheet(sheet)
        self.marker.setText(f"<b style='color:{colour}'>{a.marker} {a.severity.upper()}</b>")

    def plain_text(self) -> str:
        """What the banner says, without markup (tests, accessibility)."""
        a = self.alert
        return "" if a is None else f"{headline(a)} {a.time:%Y-%m-%d %H:%M} UTC {a.message}"


class _BannerRow(QToolBar):
    """The banner's own toolbar row, where the window has no menu bar to sit in. It can only
    be visible while the banner holds an alert (a restored window state cannot show it empty)."""

    def __init__(self, banner: AlertBanner, window: QMainWindow):
        super().__init__("Alert", window)
        self.setObjectName("toolbar_alert")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # not offered in the toolbar menu
        self.banner = banner
        holder = QWidget(self)  # the toolbar shows and hides this; the banner shows itself
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(holder)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(banner)
        self.addWidget(holder)

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt override)
        super().setVisible(visible and self.banner.alert is not None)


# ------------------------------------------------------------------ the history dock
class _AlertRow:
    """One alert as the table shows it: its cells, tooltip and severity colour role."""

    __slots__ = ("cells", "tip", "role", "earlier")

    def __init__(self, a: Alert, earlier: bool):
        self.cells = (f"{a.time:%Y-%m-%d %H:%M}", f"{a.marker} {a.message}", a.title,
                      f"{a.marker} {a.severity}: {a.change}", _origin(a))
        tip = f"{headline(a)}: {a.message}" + (
            "" if a.since == a.time else f"\n(first seen {a.since:%Y-%m-%d %H:%M} UTC)")
        self.tip = tip + ("\nfrom an earlier session" if earlier else "")
        self.role = "MUTED" if earlier else _role(a.severity)
        self.earlier = earlier


class AlertModel(QAbstractTableModel):
    """The newest MAX_ROWS alerts, newest first. Qt asks only for the cells it paints: adding
    an alert costs the same with 10 rows or 1,000 (a QTableWidget with columns sized to their
    contents read every cell of the column at each insert, a stall growing with the session)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: list[_AlertRow] = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tip
        if role == Qt.ItemDataRole.ForegroundRole and (row.earlier or index.column() == 3):
            from deskapp.ui import theme  # looked up when painted: a theme switch follows

            return _qcolour(theme.text(row.role))
        return None

    def prepend(self, rows: list[_AlertRow]) -> None:
        """`rows` oldest first: the last ends up on top; the oldest beyond MAX_ROWS go."""
        if not rows:
            return
        rows = rows[::-1][:MAX_ROWS]
        self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
        self._rows[:0] = rows
        self.endInsertRows()
        if len(self._rows) > MAX_ROWS:
            self.beginRemoveRows(QModelIndex(), MAX_ROWS, len(self._rows) - 1)
            del self._rows[MAX_ROWS:]
            self.endRemoveRows()

    def cells(self) -> list[tuple[str, ...]]:
        return [r.cells for r in self._rows]


class AlertHistory(QWidget):
    """Every alert of the session (and earlier ones from alerts.jsonl), newest first."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("alert_history")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.summary = QLabel("no alerts yet: they fire when the regime, the early-warning "
                              "count, the correlation zone or the flywheel stage changes")
        self.summary.setWordWrap(True)
        self.model = AlertModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("alert_table")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        # Every row one line high, known without asking the model (no per-row size hints).
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # Columns widen to the widest text added (measured once per new row, never rescanned).
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for i, name in enumerate(COLUMNS):
            self.table.setColumnWidth(i, self._text_width(name) + 16)
        self.table.setColumnWidth(MESSAGE, 560)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.session = 0
        self.earlier = 0

    def _text_width(self, text: str) -> int:
        return self.table.fontMetrics().horizontalAdvance(text) + 12

    def restyle(self) -> None:
        """Recolour the rows for the current theme (View ▸ Theme): the model looks colours up
        when cells are painted, so a repaint is all it needs, however many rows."""
        self.table.viewport().update()

    def add(self, alerts: Iterable[Alert], earlier: bool = False) -> None:
        """Insert at the top, in order (the last given ends up first)."""
        rows = [_AlertRow(a, earlier) for a in alerts]
        if not rows:
            return
        self.model.prepend(rows)
        for col in range(len(COLUMNS)):
            if col != MESSAGE:
                widest = max(self._text_width(r.cells[col]) for r in rows[-MAX_ROWS:])
                if widest > self.table.columnWidth(col):
                    self.table.setColumnWidth(col, widest)
        if earlier:
            self.earlier += len(rows)
        else:
            self.session += len(rows)
        self.summary.setText(f"{self.session} alert{'s' if self.session != 1 else ''} this "
                             f"session" + (f", {self.earlier} earlier (grey)" if self.earlier
                                           else "") + "; newest first")

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, top row first (tests)."""
        return self.model.cells()


def _qcolour(name: str):
    from PySide6.QtGui import QColor

    return QColor(name)


# ------------------------------------------------------------------ the file
def rejected_path(path: Path) -> Path:
    """Where unreadable lines of the history are kept: alerts.jsonl.rejected beside it."""
    return path.with_name(path.name + ".rejected")


def _keep_aside(path: Path, lines: list[bytes]) -> bool:
    """Append unreadable lines, byte for byte, to the rejected file; False if it failed."""
    try:
        with rejected_path(path).open("ab") as fh:
            fh.write(b"".join(line + b"\n" for line in lines))
        return True
    except OSError as exc:
        log.warning("alert history %s: unreadable lines not kept aside (%s)", path, exc)
        return False


def load_history(path: Path, limit: int = 200) -> list[Alert]:
    """The newest `limit` alerts of the file, oldest first. Unreadable lines are moved, byte
    for byte, to alerts.jsonl.rejected (said once, in one log line), never dropped. Cuts the
    file back when it has grown to twice FILE_KEEP lines."""
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("alert history %s not read: %s", path, exc)
        return []
    alerts, bad = [], []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            alerts.append(Alert.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError):  # incl. UnicodeDecodeError
            bad.append((n, line))
    kept = bool(bad) and _keep_aside(path, [line for _, line in bad])
    if bad:
        numbers = [n for n, _ in bad]
        log.warning("alert history %s: skipped %d unreadable line%s (line %s)%s", path, len(bad),
                    "s" if len(bad) > 1 else "", ", ".join(map(str, numbers[:5]))
                    + (", ..." if len(bad) > 5 else ""),
                    f"; kept in {rejected_path(path)}" if kept else "")
    if len(lines) >= 2 * FILE_KEEP and (kept or not bad):
        _rewrite(path, alerts[-FILE_KEEP:])
    elif kept:  # the bad lines are safe aside: the history keeps the readable ones
        _rewrite(path, alerts)
    return alerts[-limit:]


def _rewrite(path: Path, alerts: list[Alert]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text("".join(json.dumps(a.to_dict()) + "\n" for a in alerts), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("alert history %s not cut back: %s", path, exc)


def append_history(path: Path, alerts: Iterable[Alert]) -> None:
    with path.open("a", encoding="utf-8") as fh:
        for a in alerts:
            fh.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")


# ------------------------------------------------------------------ the controller
class AlertCenter(QObject):
    """Receives the compute worker's alerts (queued, GUI thread) and shows them everywhere:
    a log line each, the history dock, the file, the banner and a tray notification."""

    sig_shown = Signal(list)  # the alerts just shown (GUI thread)

    def __init__(self, banner: AlertBanner, history: AlertHistory, dock=None,
                 tray: bool = True, history_file: Path | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.banner, self.history, self.dock = banner, history, dock
        self.history_file = history_file
        self.tray_icon: QSystemTrayIcon | None = None
        self.tray_wanted = tray
        banner.sig_history.connect(self.show_history)
        if history_file is not None:
            earlier = load_history(history_file)
            if earlier:
                history.add(earlier, earlier=True)

    @Slot(list)
    def on_alerts(self, alerts: list) -> None:
        if not alerts:
            return
        for a in alerts:
            log.info("alert %s at %s UTC (%s): %s", headline(a), f"{a.time:%Y-%m-%d %H:%M}",
                     _origin(a) or "?", a.message)
        self.history.add(alerts)
        self._persist(alerts)
        self.banner.show_alert(lead(alerts), more=len(alerts) - 1)
        self._notify(alerts)
        self.sig_shown.emit(list(alerts))

    def _persist(self, alerts: list[Alert]) -> None:
        if self.history_file is None:
            return
        try:
            append_history(self.history_file, alerts)
        except OSError as exc:
            log.warning("alert history %s not written (%s); alerts stay in this session only",
                        self.history_file, exc)
            self.history_file = None

    def _tray(self) -> QSystemTrayIcon | None:
        """The tray icon, created on first use; None where the desktop has no tray."""
        if self.tray_icon is None and self.tray_wanted:
            if not QSystemTrayIcon.isSystemTrayAvailable():
                self.tray_wanted = False  # offscreen, headless, or a desktop without a tray
                log.info("no system tray: alerts show in the window only")
                return None
            app = QApplication.instance()
            icon = app.windowIcon() if app is not None else None
            if icon is None or icon.isNull():
                icon = self.banner.style().standardIcon(
                    QStyle.StandardPixmap.SP_MessageBoxWarning)
            self.tray_icon = QSystemTrayIcon(icon, self)
            self.tray_icon.setToolTip("deskapp alerts")
            self.tray_icon.messageClicked.connect(self.show_history)
            self.tray_icon.show()
        return self.tray_icon

    def _notify(self, alerts: list[Alert]) -> None:
        tray = self._tray()
        if tray is None or not tray.supportsMessages():
            return
        first = lead(alerts)
        title = f"{headline(first)}: {first.title}"
        rest = [a for a in alerts if a is not first]
        body = "\n".join(f"{a.time:%m-%d %H:%M} {a.message}" for a in [first, *rest][:3])
        icon = (QSystemTrayIcon.MessageIcon.Warning if first.severity == ESCALATION
                else QSystemTrayIcon.MessageIcon.Information)
        tray.showMessage(title, body, icon, 10_000)

    @Slot()
    def show_history(self) -> None:
        if self.dock is not None:
            self.dock.show()
            self.dock.raise_()

    def close(self) -> None:
        """Take the tray icon away (shutdown)."""
        tray, self.tray_icon = self.tray_icon, None
        if tray is not None:
            try:
                tray.hide()
                tray.deleteLater()
            except RuntimeError:  # already deleted with its parent
                pass
