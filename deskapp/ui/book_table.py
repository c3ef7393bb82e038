"""The Book dock's positions table: an editable QAbstractTableModel over a `portfolio.Book`.

Symbol, class, quantity, notional and multiplier are edited in place; every edit goes through
`portfolio.edit_position`, so a refused value leaves the book as it was and says why
(`sig_refused`). Price, value, weight and betas come from the newest figures.
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from deskapp.data.portfolio import ASSET_CLASSES, Book, edit_position, make_position

COLUMNS = ("Symbol", "Class", "Quantity", "Notional $", "Mult.", "Price", "Value $", "Weight",
           "β S&P", "β BTC", "Note")
EDITABLE = {0, 1, 2, 3, 4}

Index = QModelIndex | QPersistentModelIndex


def money(x: object) -> str:
    return f"{x:,.0f}" if isinstance(x, int | float) and math.isfinite(x) else "–"


def number(x: object, fmt: str = "{:.2f}") -> str:
    return fmt.format(x) if isinstance(x, int | float) and math.isfinite(x) else "–"


def figure_rows(figures: dict | None) -> dict[str, dict]:
    """Per-position figures by symbol."""
    return {str(r.get("symbol")): r for r in (figures or {}).get("positions") or []}


class PositionsModel(QAbstractTableModel):
    """Rows of the book; edits validated by portfolio.edit_position."""

    sig_book = Signal(object)  # the edited Book, accepted
    sig_refused = Signal(str)  # why an edit was refused (the book is unchanged)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.book = Book()
        self._figures: dict[str, dict] = {}

    def set_book(self, book: Book, figures: dict | None) -> None:
        self.beginResetModel()
        self.book = book
        self._figures = figure_rows(figures)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.book.positions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in EDITABLE else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        p = self.book.positions[index.row()]
        f = self._figures.get(p.symbol, {})
        col = index.column()
        if role == Qt.ItemDataRole.EditRole:
            return [p.symbol, p.asset_class, "" if p.quantity is None else f"{p.quantity:g}",
                    "" if p.notional_usd is None else f"{p.notional_usd:g}",
                    f"{p.multiplier:g}"][col] if col in EDITABLE else None
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= col <= 9:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == 10:
            return self._note(p, f) or None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        weight = f.get("weight")
        return [p.symbol, p.asset_class,
                "" if p.quantity is None else f"{p.quantity:g}",
                "" if p.notional_usd is None else money(p.notional_usd),
                f"{p.multiplier:g}", number(f.get("price"), "{:,.2f}"), money(f.get("value_usd")),
                number(None if weight is None else weight * 100, "{:.1f} %"),
                number(f.get("beta_spx")), number(f.get("beta_btc")), self._note(p, f)][col]

    @staticmethod
    def _note(p, f: dict) -> str:
        if p.asset_class == "cash":
            return ""
        return str(f.get("note") or "")

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or index.column() not in EDITABLE:
            return False
        row, col, text = index.row(), index.column(), str(value).strip()
        p = self.book.positions[row]
        try:
            if col == 0:  # a new symbol: its class and multiplier follow it
                new = make_position(text, p.quantity, p.notional_usd)
            elif col == 1:
                new = replace(p, asset_class=text.lower())
            elif col == 2:
                new = replace(p, quantity=float(text) if text else None)
            elif col == 3:
                new = replace(p, notional_usd=float(text.replace(",", "")) if text else None)
            else:
                new = replace(p, multiplier=float(text))
        except ValueError:
            self.sig_refused.emit(f"{p.symbol}: '{text}' is not a number; nothing changed")
            return False
        book, problem = edit_position(self.book, row, new)
        if problem:
            self.sig_refused.emit(f"{problem}; nothing changed")
            return False
        self.book = book
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.sig_book.emit(book)
        return True


CLASS_CHOICES = ASSET_CLASSES
