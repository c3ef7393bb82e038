"""The Book dock: the positions table (edit in place, import / export CSV), the exposure bars,
the stress table (episodes x loss) and the hedge suggestions for the checklist's risk limit.

The panel only draws: the book and its figures live in `BookState` (book_state.py), the figures
are computed by the book worker (book_worker.py) in its own thread. The main window builds this
panel the first time its dock is shown (like the tabbed panes), so it costs nothing at start-up.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from deskapp.data.book_file import read_book_file
from deskapp.data.portfolio import Book, BookError, edit_position, make_position, parse_book_csv
from deskapp.ui import theme
from deskapp.ui.book_state import HEDGE_TARGETS, BookState, hedge_label, hedges
from deskapp.ui.book_table import PositionsModel, money, number

STRESS_COLUMNS = ("Episode", "From", "P&L %", "P&L $", "Worst day", "Peak→trough", "Proxied")
HEDGE_COLUMNS = ("Hedge", "Size", "Residual", "Stress after", "ES99 after", "Cost $/yr",
                 "Basis risk")
CLASS_COLOURS = {"equity": "BLUE", "etf": "SKY", "future": "PURPLE", "crypto_spot": "ORANGE",
                 "crypto_perp": "VERMILLION", "cash": "GREY"}


def pct(x: object, digits: int = 1) -> str:
    """A fraction as a signed percentage ('–' when missing)."""
    if not isinstance(x, int | float) or not math.isfinite(x):
        return "–"
    return f"{x * 100:+.{digits}f} %"


MAX_LISTED = 12  # refused rows named in the message; the rest are counted


def listed(messages: list[str]) -> str:
    """Row messages on one line: the first MAX_LISTED, then how many more."""
    more = len(messages) - MAX_LISTED
    return "; ".join(messages[:MAX_LISTED]) + (f"; … and {more} more" if more > 0 else "")


class BookPanel(QWidget):
    """Draws a BookState; edits and imports go back to it."""

    def __init__(self, state: BookState, parent: QWidget | None = None, *,
                 open_name: Callable[[QWidget], str] | None = None,
                 save_name: Callable[[QWidget], str] | None = None):
        super().__init__(parent)
        self.setObjectName("book_panel")
        self.state = state
        self._open_name = open_name or (lambda w: QFileDialog.getOpenFileName(
            w, "Import book CSV", "", "CSV (*.csv);;All files (*)")[0])
        self._save_name = save_name or (lambda w: QFileDialog.getSaveFileName(
            w, "Export book CSV", "book.csv", "CSV (*.csv)")[0])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("book_summary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.message_label = QLabel()
        self.message_label.setObjectName("book_message")
        self.message_label.setWordWrap(True)
        lay.addWidget(self.summary_label)
        lay.addLayout(self._build_bar())
        lay.addWidget(self.message_label)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("book_split")
        self.model = PositionsModel(self)
        self.model.sig_book.connect(self._edited)
        self.model.sig_refused.connect(self._refused)
        self.table = QTableView()
        self.table.setObjectName("book_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setResizeContentsPrecision(40)  # a long book stays quick
        self.table.horizontalHeader().setStretchLastSection(True)
        split.addWidget(self.table)
        middle = QSplitter(Qt.Orientation.Horizontal)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("book_exposure")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(y=True, alpha=0.25)
        self.plot.setLabel("left", "weight, % of book")
        self.plot.setMinimumHeight(170)
        self._bars: list[pg.GraphicsObject] = []
        middle.addWidget(self.plot)
        self.stress_table = self._table("book_stress", STRESS_COLUMNS)
        self.stress_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Interactive)  # long episode names are elided
        self.stress_table.setColumnWidth(0, 190)
        middle.addWidget(self.stress_table)
        middle.setSizes([260, 520])
        split.addWidget(middle)
        self.hedge_table = self._table("book_hedges", HEDGE_COLUMNS)
        split.addWidget(self.hedge_table)
        split.setSizes([190, 240, 150])
        lay.addWidget(split, 1)
        state.sig_changed.connect(self.refresh)
        self.refresh()

    def _build_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(4)
        self.import_button = QPushButton("&Import CSV…")
        self.import_button.clicked.connect(self.import_csv)
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.clicked.connect(self.export_csv)
        self.symbol_edit = QLineEdit()
        self.symbol_edit.setObjectName("book_new_symbol")
        self.symbol_edit.setPlaceholderText("symbol")
        self.symbol_edit.setMaximumWidth(90)
        self.amount_edit = QLineEdit()
        self.amount_edit.setObjectName("book_new_amount")
        self.amount_edit.setPlaceholderText("quantity (USD for cash)")
        self.amount_edit.setMaximumWidth(150)
        self.amount_edit.returnPressed.connect(self.add_position)
        add = QPushButton("&Add")
        add.clicked.connect(self.add_position)
        remove = QPushButton("&Remove")
        remove.clicked.connect(self.remove_selected)
        self.target_box = QComboBox()
        self.target_box.setObjectName("book_hedge_target")
        for key, label in HEDGE_TARGETS:
            self.target_box.addItem(f"hedge to the {label}", key)
        self.target_box.currentIndexChanged.connect(
            lambda _i: self.state.set_target(str(self.target_box.currentData())))
        for w in (self.import_button, self.export_button, self.symbol_edit, self.amount_edit,
                  add, remove):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.target_box)
        return row

    @staticmethod
    def _table(name: str, columns: tuple[str, ...]) -> QTableWidget:
        t = QTableWidget(0, len(columns))
        t.setObjectName(name)
        t.setHorizontalHeaderLabels(list(columns))
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.verticalHeader().setVisible(False)
        t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 6)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    # ------------------------------------------------------------------ edits
    def _edited(self, book: Book) -> None:
        self.state.message = ""
        self.state.set_book(book)

    def _refused(self, why: str) -> None:
        self.state.say(why)

    def add_position(self) -> None:
        symbol, text = self.symbol_edit.text().strip(), self.amount_edit.text().strip()
        if not symbol:
            self.state.say("type a symbol and a quantity (a USD amount for cash) to add")
            return
        try:
            amount = float(text.replace(",", "").replace("_", ""))
        except ValueError:
            self.state.say(f"{symbol}: '{text}' is not a number; nothing changed")
            return
        book = self.state.book
        book, problem = edit_position(book, len(book.positions), make_position(symbol, amount))
        if problem:
            self.state.say(f"{problem}; nothing changed")
            return
        self.symbol_edit.clear()
        self.amount_edit.clear()
        self.state.message = ""
        self.state.set_book(book)

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        if not rows:
            self.state.say("select a row to remove")
            return
        positions = list(self.state.book.positions)
        for r in rows:
            del positions[r]
        self.state.message = ""
        self.state.set_book(Book(tuple(positions)))

    def import_csv(self) -> None:
        name = self._open_name(self)
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        text, why = read_book_file(path)
        if text is None:
            self.state.say(f"nothing imported: {why}")
            return
        self.import_text(text, path.name)

    def import_text(self, text: str, name: str = "the file") -> None:
        """The good rows of a CSV become the book; every refused row is listed in one message.
        A file with no good row changes nothing."""
        try:
            book, messages = parse_book_csv(text)
        except (BookError, ValueError) as exc:
            self.state.say(f"nothing imported from {name}: {exc}")
            return
        if not book.positions:
            self.state.say(f"nothing imported from {name}: " + (listed(messages)
                                                                 or "no positions"))
            return
        self.state.message = (f"imported {len(book.positions)} positions from {name}"
                              + (f" — {len(messages)} note(s): " + listed(messages)
                                 if messages else ""))
        self.state.set_book(book)

    def export_csv(self) -> None:
        name = self._save_name(self)
        if name:
            self.export_file(Path(name))

    def export_file(self, path: Path) -> None:
        try:
            path.write_text(self.state.book.to_csv(), encoding="utf-8")
        except OSError as exc:
            self.state.say(f"book NOT exported to {path.name}: {exc.strerror or exc}")
            return
        self.state.say(f"exported {len(self.state.book.positions)} positions to {path}")

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        s, f = self.state, self.state.figures
        self.model.set_book(s.book, f)
        self.message_label.setText(s.message)
        self.message_label.setVisible(bool(s.message))
        self.message_label.setStyleSheet(f"color:{theme.AMBER}")
        self.summary_label.setText(self._summary_html(s, f))
        self._draw_bars(s.book, f)
        self._fill_stress(f)
        self._fill_hedges(f)

    @staticmethod
    def _summary_html(s: BookState, f: dict | None) -> str:
        version = f"version {s.version}" if s.version else "not stored yet"
        head = f"<b>{len(s.book.positions)} positions</b> · {version} · limit {s.limit_pct:g} %"
        if f is None:
            return f"{head}<br><span style='color:{theme.MUTED}'>{s.status}</span>"
        vol, var = f.get("vol") or {}, f.get("var") or {}
        parts = [f"value <b>${money(f.get('book_value_usd'))}</b>",
                 f"β S&P {number(f.get('beta_spx'))}", f"β BTC {number(f.get('beta_btc'))}"]
        for window in ("1y", "3y"):
            w = var.get(window) or {}
            if isinstance(vol.get(window), int | float):
                parts.append(f"{window}: vol {vol[window]:.0%}, VaR99 {pct(w.get('var99_pct'))},"
                             f" ES99 {pct(w.get('es99_pct'))}")
        lines = [head, " · ".join(parts)]
        if f.get("summary_line"):
            lines.append(f"<b>{html.escape(str(f['summary_line']))}</b>")
        reentry = f.get("reentry") or {}
        if isinstance(reentry, dict) and reentry.get("text"):
            lines.append(f"re-entry: {html.escape(str(reentry['text']))}")
        notes = f.get("notes") or []
        if notes:
            lines.append(f"<span style='color:{theme.AMBER}'>"
                         f"{html.escape('; '.join(map(str, notes)))}</span>")
        return "<br>".join(lines)

    def _draw_bars(self, book: Book, f: dict | None) -> None:
        for item in self._bars:
            self.plot.removeItem(item)
        self._bars = []
        rows = [r for r in (f or {}).get("positions") or []
                if isinstance(r.get("weight"), int | float) and math.isfinite(r["weight"])]
        ticks = []
        for i, r in enumerate(rows):
            colour = theme.curve_colour(getattr(theme, CLASS_COLOURS.get(
                str(r.get("asset_class")), "GREY")))
            bar = pg.BarGraphItem(x=[i], height=[r["weight"] * 100], width=0.7,
                                  brush=pg.mkBrush(colour), pen=pg.mkPen(None))
            self.plot.addItem(bar)
            self._bars.append(bar)
            ticks.append((i, str(r.get("symbol"))))
        self.plot.getAxis("bottom").setTicks([ticks])
        if rows:
            self.plot.setXRange(-0.6, len(rows) - 0.4, padding=0)

    def _fill_stress(self, f: dict | None) -> None:
        """Episodes, worst first."""
        rows = sorted((f or {}).get("stress") or [],
                      key=lambda r: r.get("pnl_pct") if isinstance(r.get("pnl_pct"), int | float)
                      else math.inf)
        t = self.stress_table
        t.setRowCount(len(rows))
        for i, r in enumerate(rows):
            proxied = r.get("proxied") or []
            name = str(r.get("episode") or "?") + (" (so far)" if r.get("partial") else "")
            cells = [name, str(r.get("start") or ""), pct(r.get("pnl_pct")),
                     money(r.get("pnl_usd")), pct(r.get("worst_day_pct")),
                     pct(r.get("peak_to_trough_pct")), ", ".join(map(str, proxied))]
            for j, text in enumerate(cells):
                t.setItem(i, j, self._item(text, 2 <= j <= 5))
            t.item(i, 0).setToolTip(name)
            t.item(i, 4).setToolTip(f"worst day {r.get('worst_day') or '–'}")

    def _fill_hedges(self, f: dict | None) -> None:
        rows = hedges(f)
        t = self.hedge_table
        t.setRowCount(len(rows))
        for i, h in enumerate(rows):
            unit = str(h.get("unit") or "")
            cells = [hedge_label(h), f"{number(h.get('size'), '{:,.3g}')} {unit}".strip(),
                     number(h.get("residual"), "{:+.3g}"), pct(h.get("stress_after_pct")),
                     pct(h.get("es99_after_pct")), money(h.get("cost_usd_year")),
                     str(h.get("basis_risk") or "")]
            for j, text in enumerate(cells):
                item = self._item(text, 1 <= j <= 5)
                if j in (5, 6):
                    item.setToolTip(str(h.get("cost") or "") if j == 5 else text)
                t.setItem(i, j, item)

    @staticmethod
    def _item(text: str, right: bool) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        if right:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def restyle(self) -> None:
        self.refresh()
