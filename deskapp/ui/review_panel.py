"""The review dock: decision history with filters, one record's full evidence and outcome, and a
summary of outcomes by decision and regime with a plot.

Records are read from the journal in a pool thread (a journal of thousands of snapshots takes
longer than a frame to parse) and reach this widget through a queued signal.
"""

from __future__ import annotations

import html
import json
import logging

import pyqtgraph as pg
from PySide6.QtCore import QDate, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from deskapp.journal.book_outcome import book_outcome
from deskapp.journal.model import DECISIONS, PROFILES, JournalError, damage_line
from deskapp.journal.review import matches, outcome, summarise
from deskapp.ui import theme
from deskapp.ui.gui_steps import later

log = logging.getLogger(__name__)

ANY = "any"
HISTORY_COLUMNS = ("Market time", "Decision", "Profile", "Regime", "Risk %", "BTC 1d", "BTC 1w",
                   "SPX 1d", "SPX 1w", "Book 1w", "Hedged 1w", "Source", "Note")
SUMMARY_COLUMNS = ("Regime", "Decision", "n", "complete", "BTC ret", "SPX ret", "BTC max DD",
                   "SPX max DD")
# Theme colour names, resolved when drawn (theme.text): a theme switch recolours them.
DECISION_COLOURS = {"hedge": "VERMILLION", "reduce": "AMBER", "wait": "SKY"}


def pct(x: float | None, signed: bool = True) -> str:
    """A fraction as a percentage with one decimal; an en dash while pending."""
    if x is None:
        return "–"
    return f"{x:+.1%}" if signed else f"{x:.1%}"


ROWS_PER_STEP = 25  # history rows filled per GUI step after a reload (gui_steps.later)


def history_cells(r: dict) -> list[str]:
    """One record's row of the history table (HISTORY_COLUMNS), as text."""
    risk = r.get("risk_limit")
    cells = [(r.get("market_time") or r.get("created_utc") or "")[:16].replace("T", " "),
             r["decision"], r.get("profile") or "–", r.get("regime") or "unknown",
             "–" if risk is None else f"{risk:g}",
             pct(outcome(r, "BTC", "1d")), pct(outcome(r, "BTC", "1w")),
             pct(outcome(r, "SPX", "1d")), pct(outcome(r, "SPX", "1w")),
             *(pct(x) if r.get("book_figures") else "" for x in book_outcome(r, "1w")),
             f"{r['source']}:{r.get('dataset') or '-'}", r.get("notes") or ""]
    if r.get("damaged"):
        cells[-1] = f"⚠ damaged: {damage_line(r)}  {cells[-1]}"
    return cells


class _Loaded(QObject):
    sig_records = Signal(object, str)  # list[(record, its cells)], error message ("" when fine)


class _LoadRecords(QRunnable):
    """Read every record of the journal off the GUI thread."""

    def __init__(self, journal, done: _Loaded):
        super().__init__()
        self.journal = journal
        self.done = done

    def run(self) -> None:
        try:
            records = self.journal.records()
        except JournalError as exc:  # one line, shown in the dock
            log.error("journal records could not be read: %s", exc)
            self.done.sig_records.emit([], str(exc))
            return
        except Exception as exc:  # a journal error must show, not kill the pool thread
            log.exception("journal records could not be read")
            self.done.sig_records.emit([], str(exc))
            return
        self.done.sig_records.emit([(r, history_cells(r)) for r in records], "")


class ReviewPanel(QWidget):
    """History, evidence and outcome summary of the decision journal."""

    sig_loaded = Signal(int)  # how many records are shown after a reload

    def __init__(self, journal, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("review_panel")
        self.journal = journal
        self.records: list[dict] = []
        self.shown: list[dict] = []
        self._loading = False
        self._again = False
        self._cells: dict[int, list[str]] = {}  # id(record): its history row, made off-thread
        self._fill = 0  # the current fill of the history table (a newer one stops an older)
        self._loaded = _Loaded(self)
        self._loaded.sig_records.connect(self._on_records)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._build_filters())
        tabs = QTabWidget()
        tabs.setObjectName("review_tabs")
        tabs.addTab(self._build_history(), "&History")
        tabs.addTab(self._build_summary(), "&Summary")
        self.tabs = tabs
        layout.addWidget(tabs, 1)
        self.message = QLabel("")
        self.message.setObjectName("review_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.restyle()

    def restyle(self) -> None:
        """Styles, table colours and plot in the current theme (built here, View ▸ Theme)."""
        for label in (self.message, self.summary_note):
            label.setStyleSheet(f"color:{theme.MUTED}")
        self.zero_line.setPen(pg.mkPen(theme.MUTED))
        if self.records:
            self.apply_filters()

    # ------------------------------------------------------------------ widgets
    def _build_filters(self) -> QVBoxLayout:
        rows = QVBoxLayout()
        row = QHBoxLayout()
        self.use_dates = QCheckBox("From")
        self.use_dates.setObjectName("review_use_dates")
        self.since = QDateEdit(QDate.currentDate().addMonths(-3))
        self.until = QDateEdit(QDate.currentDate())
        for name, edit in (("review_since", self.since), ("review_until", self.until)):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(self.apply_filters)
        self.use_dates.toggled.connect(self.since.setEnabled)
        self.use_dates.toggled.connect(self.until.setEnabled)
        self.use_dates.toggled.connect(self.apply_filters)
        row.addWidget(self.use_dates)
        row.addWidget(self.since)
        row.addWidget(QLabel("to"))
        row.addWidget(self.until)
        row.addStretch(1)
        rows.addLayout(row)
        top = row
        row = QHBoxLayout()
        self.decision_box = self._combo("review_decision", (ANY, *DECISIONS))
        self.regime_box = self._combo("review_regime", (ANY,))
        self.profile_box = self._combo("review_profile", (ANY, *PROFILES))
        for label, box in (("Decision", self.decision_box), ("Profile", self.profile_box),
                           ("Regime", self.regime_box)):
            if box is self.regime_box:  # regime names are long: a row of their own
                row.addStretch(1)
                rows.addLayout(row)
                row = QHBoxLayout()
            row.addWidget(QLabel(label))
            row.addWidget(box, 1 if box is self.regime_box else 0)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
        reload_button = QPushButton("Reload")
        reload_button.setObjectName("review_reload")
        reload_button.setToolTip("Read the journal again (it also reloads after each decision "
                                 "and when outcomes are filled in)")
        reload_button.clicked.connect(self.reload)
        top.addWidget(reload_button)
        rows.addLayout(row)
        return rows

    def _combo(self, name: str, items: tuple[str, ...]) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        box.addItems(list(items))
        box.currentTextChanged.connect(self.apply_filters)
        return box

    def _build_history(self) -> QWidget:
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("review_history_split")
        self.table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.table.setObjectName("review_table")
        self.table.setHorizontalHeaderLabels(list(HISTORY_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # Columns sized to their contents once per fill (_fill_history), not by the header at
        # every setItem: that re-measured every row each time, 1.1 s for 60 decisions.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumWidth(200)  # scrolls sideways in a narrow dock
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.detail = QTextBrowser()
        self.detail.setObjectName("review_detail")
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText("Select a decision to see its evidence and outcome.")
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([300, 260])
        return split

    def _build_summary(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 4, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("Outcome after"))
        self.horizon_box = QComboBox()
        self.horizon_box.setObjectName("review_horizon")
        self.horizon_box.addItems(["1w", "1d"])
        self.horizon_box.currentTextChanged.connect(self._show_summary)
        top.addWidget(self.horizon_box)
        note = QLabel("means over the decisions whose outcome is complete")
        note.setWordWrap(True)
        self.summary_note = note
        top.addWidget(note, 1)
        top.addStretch(1)
        lay.addLayout(top)
        self.summary_table = QTableWidget(0, len(SUMMARY_COLUMNS))
        self.summary_table.setObjectName("review_summary")
        self.summary_table.setHorizontalHeaderLabels(list(SUMMARY_COLUMNS))
        self.summary_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary_table.verticalHeader().setVisible(False)
        self.summary_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive)  # sized once per fill, as the history
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("review_plot")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(y=True, alpha=0.25)
        self.zero_line = self.plot.addLine(y=0, pen=pg.mkPen(theme.MUTED))
        self.plot.getAxis("bottom").setHeight(40)  # two-line labels: decision, then regime
        self.btc_bars, self.spx_bars = (pg.BarGraphItem(x=[], height=[], width=0.34)
                                        for _ in range(2))
        for bars in (self.btc_bars, self.spx_bars):
            self.plot.addItem(bars)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.summary_table)
        split.addWidget(self.plot)
        split.setSizes([220, 260])
        lay.addWidget(split, 1)
        return box

    # ------------------------------------------------------------------ data
    @Slot()
    def reload(self) -> None:
        """Read the journal again in the pool thread (coalesces overlapping requests)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        self.message.setText("reading the journal…")
        self.pool.start(_LoadRecords(self.journal, self._loaded))

    @Slot(object, str)
    def _on_records(self, loaded: list[tuple[dict, list[str]]], error: str) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.reload()
            return
        if error:
            self.message.setText(f"⚠ the journal could not be read: {error}")
            self.sig_loaded.emit(len(self.shown))
            return
        self.records = [r for r, _ in loaded]
        self._cells = {id(r): cells for r, cells in loaded}
        self._refresh_regimes()
        self._default_dates()
        self._filter()
        self._fill_in_steps()  # a journal of hundreds of rows is more than a frame's work

    def _default_dates(self) -> None:
        """While the date filter is off, its range spans the journal (ready to narrow)."""
        if self.use_dates.isChecked() or not self.records:
            return
        days = sorted((r.get("market_time") or r.get("created_utc") or "")[:10]
                      for r in self.records)
        for edit, day in ((self.since, days[0]), (self.until, days[-1])):
            date = QDate.fromString(day, "yyyy-MM-dd")
            if date.isValid():
                edit.blockSignals(True)
                edit.setDate(date)
                edit.blockSignals(False)

    def _refresh_regimes(self) -> None:
        current = self.regime_box.currentText()
        regimes = sorted({r.get("regime") or "unknown" for r in self.records})
        self.regime_box.blockSignals(True)
        self.regime_box.clear()
        self.regime_box.addItems([ANY, *regimes])
        self.regime_box.setCurrentText(current if current in regimes else ANY)
        self.regime_box.blockSignals(False)

    def filters(self) -> dict:
        """The filter as `journal.review.matches` takes it."""
        def chosen(box: QComboBox) -> str | None:
            return None if box.currentText() == ANY else box.currentText()

        dates = self.use_dates.isChecked()
        return {"since": self.since.date().toString("yyyy-MM-dd") if dates else None,
                "until": self.until.date().toString("yyyy-MM-dd") if dates else None,
                "decision": chosen(self.decision_box), "regime": chosen(self.regime_box),
                "profile": chosen(self.profile_box)}

    @Slot()
    def apply_filters(self) -> None:
        """The records matching the filters, in the table and the summary (all at once: the
        user asked; a reload fills in steps)."""
        self._filter()
        self._fill += 1  # a fill in steps still running stops
        self._fill_rows(0, len(self.shown))
        self._filled(reloaded=False)

    def _filter(self) -> None:
        f = self.filters()
        self.shown = sorted((r for r in self.records if matches(r, **f)), reverse=True,
                            key=lambda r: (r.get("market_time") or r.get("created_utc") or "",
                                           r.get("created_utc") or ""))  # newest first
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.shown))

    def _fill_in_steps(self) -> None:
        """The history table ROWS_PER_STEP rows per GUI step (gui_steps: a due timer, the
        heartbeat of the desk's other panes, runs between two), painted once, when full; then
        the summary. `sig_loaded` when done; a newer fill or reload stops this one."""
        self._fill += 1
        fill = self._fill
        self.table.setUpdatesEnabled(False)

        def step(start: int) -> None:
            if fill != self._fill:
                return
            stop = min(start + ROWS_PER_STEP, len(self.shown))
            self._fill_rows(start, stop)
            if stop < len(self.shown):
                later(self, lambda: step(stop))
            else:
                later(self, finish)

        def finish() -> None:
            if fill == self._fill:
                self._filled(reloaded=True)

        step(0)

    def _fill_rows(self, start: int, stop: int) -> None:
        t = self.table
        for i in range(start, stop):
            r = self.shown[i]
            cells = self._cells.get(id(r)) or history_cells(r)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 1:
                    item.setForeground(pg.mkColor(theme.text(DECISION_COLOURS.get(text,
                                                                                  "FOREGROUND"))))
                if 5 <= j <= 10:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(i, j, item)

    def _filled(self, reloaded: bool) -> None:
        """The table is full: columns sized, newest selected, summary, message (and after a
        reload, `sig_loaded`)."""
        t = self.table
        t.resizeColumnsToContents()
        t.setUpdatesEnabled(True)
        if self.shown:
            t.selectRow(0)
        else:
            self.detail.clear()
        self._show_summary()
        self.message.setText(f"{len(self.shown)} of {len(self.records)} decisions · outcomes "
                             "fill in as the data reaches 1 day and 1 week after each decision")
        if reloaded:
            self.sig_loaded.emit(len(self.shown))

    @Slot()
    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.shown):
            return
        self.detail.setHtml(evidence_html(self.shown[rows[0].row()]))

    @Slot()
    def _show_summary(self) -> None:
        horizon = self.horizon_box.currentText()
        rows = summarise(self.shown, horizon)
        t = self.summary_table
        t.setRowCount(len(rows))
        for i, s in enumerate(rows):
            for j, text in enumerate((s.regime, s.decision, str(s.n), str(s.n_complete),
                                      pct(s.btc_ret), pct(s.spx_ret), pct(s.btc_dd),
                                      pct(s.spx_dd))):
                t.setItem(i, j, QTableWidgetItem(text))
        t.resizeColumnsToContents()
        self._plot_summary(rows, horizon)

    def _plot_summary(self, rows, horizon: str) -> None:
        """Bars of the mean BTC (solid) and S&P 500 (hatched) return per regime and decision:
        two bar items, set again (not items removed and added per bar at every reload)."""
        for item, offset, field, style in (
                (self.btc_bars, -0.18, "btc_ret", Qt.BrushStyle.SolidPattern),
                (self.spx_bars, 0.18, "spx_ret", Qt.BrushStyle.BDiagPattern)):
            shown = [(i, getattr(s, field), theme.text(DECISION_COLOURS.get(s.decision, "GREY")))
                     for i, s in enumerate(rows) if getattr(s, field) is not None]
            # (no empty `pens` list: pyqtgraph 0.13's BarGraphItem fails on one)
            item.setOpts(x=[i + offset for i, _, _ in shown],
                         height=[v * 100 for _, v, _ in shown], width=0.34,
                         brushes=[QBrush(pg.mkColor(c), style) for _, _, c in shown] or None,
                         pens=[pg.mkPen(c) for _, _, c in shown] or None)
            item.setVisible(bool(shown))
        ticks = [(i, f"{s.decision}\n{s.regime}") for i, s in enumerate(rows)]
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.setLabel("left", f"mean {horizon} return", units="%")
        self.plot.setTitle(f"mean return {horizon} after the decision · solid BTC, hatched "
                           "S&amp;P 500", size="9pt")
        if rows:
            self.plot.setXRange(-0.6, len(rows) - 0.4, padding=0)


def evidence_html(r: dict) -> str:
    """One record in full: decision, steps with overrides and notes, outcomes, snapshot."""
    e = html.escape
    risk = r.get("risk_limit")
    parts = [f"<h3>{e(r['decision'].upper())} · {e(r.get('profile') or '–')} · regime "
             f"{e(r.get('regime') or 'unknown')}</h3>",
             f"<p>market time {e(r.get('market_time') or '–')} · recorded "
             f"{e(r.get('created_utc') or '')} UTC · {e(r['source'])}:"
             f"{e(r.get('dataset') or '-')} · risk limit "
             f"{'–' if risk is None else f'{risk:g}%'} · "
             f"app {e(r.get('app_version') or '')}<br>id {e(r['id'])}</p>"]
    if r.get("damaged"):
        parts.append(f"<p><b>⚠ damaged in the journal:</b> {e(damage_line(r))}</p>")
    if r.get("notes"):
        parts.append(f"<p><b>Note:</b> {e(r['notes'])}</p>")
    parts.append("<h4>Outcome</h4><table cellspacing=6><tr><th></th><th>1 day</th>"
                 "<th>1 week</th></tr>")
    for asset, label in (("BTC", "BTC"), ("SPX", "S&amp;P 500")):
        cells = []
        for h in ("1d", "1w"):
            o = (r.get("outcomes", {}).get(asset) or {}).get(h)
            cells.append("pending" if o is None else
                         f"{pct(o['ret'])} (max DD {pct(o['max_drawdown'])})<br>"
                         f"<small>{e(o['start_time'][:16])} {o['start_price']:,.2f} → "
                         f"{e(o['end_time'][:16])} {o['end_price']:,.2f} · {e(o['series'])}"
                         f"</small>")
        parts.append(f"<tr><td><b>{label}</b></td><td>{cells[0]}</td><td>{cells[1]}</td></tr>")
    parts.append("</table>")
    parts.append(book_html(r))
    steps = r.get("steps") or {}
    if steps:
        parts.append("<h4>Checklist</h4><ul>")
        for name, st in steps.items():
            if not isinstance(st, dict):
                continue
            over = (f" <b style='color:{theme.text('AMBER')}'>override</b> (suggested "
                    f"{e(str(st.get('suggested')))})" if st.get("override") else "")
            note = f" — {e(st['note'])}" if st.get("note") else ""
            parts.append(f"<li>{e(name)}: <b>{e(str(st.get('status')))}</b>{over}{note}</li>")
        parts.append("</ul>")
    snap = r.get("snapshot") or {}
    if snap:
        parts.append("<h4>Snapshot</h4><pre>"
                     + e(json.dumps(snap, indent=1, sort_keys=True)[:20000]) + "</pre>")
    return "".join(parts)


def book_html(r: dict) -> str:
    """The decision's book: its line, the hedge chosen, and the book's outcome unhedged and
    hedged side by side (estimated from the betas: journal/book_outcome.py)."""
    e = html.escape
    figures = r.get("book_figures") or {}
    if not figures:
        return ""
    rows = {h: book_outcome(r, h) for h in ("1d", "1w")}
    version = r.get("book_version")
    parts = [f"<h4>Book{f' (version {version})' if version else ''}</h4>",
             f"<p>{e(str(figures.get('summary_line') or ''))}<br>hedge chosen: "
             f"<b>{e(str(r.get('hedge') or 'none'))}</b></p>",
             "<table cellspacing=6><tr><th></th><th>1 day</th><th>1 week</th></tr>"]
    for i, label in ((0, "unhedged"), (1, "hedged")):
        cells = ["pending" if rows[h][i] is None else pct(rows[h][i]) for h in ("1d", "1w")]
        parts.append(f"<tr><td><b>{label}</b></td><td>{cells[0]}</td><td>{cells[1]}</td></tr>")
    parts.append("</table><p><small>estimated: each holding moves its beta times its index "
                 "(S&amp;P 500 or BTC) over the outcome window; the hedge at its rounded "
                 "size</small></p>")
    return "".join(parts)
