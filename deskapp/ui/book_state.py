"""The trader's book as the desk holds it (GUI thread): the positions, their journal version,
the risk limit and hedge target, and the newest figures the book worker computed.

Every change of the book or its inputs gets a new serial; figures computed for an older serial
are dropped, so the screen never shows figures of a book that is no longer the one on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from deskapp.data.portfolio import Book, BookError

HEDGE_TARGETS = (("stress", "worst stress loss"), ("es99", "99 % expected shortfall"))
NO_HEDGE = "none"


class BookState(QObject):
    """Book, version, inputs and figures; the worker's results come in through its slots."""

    sig_inputs = Signal(object, float, str, int)  # book, limit %, hedge target, serial
    sig_save = Signal(object)  # the book's rows, to be stored as a new version
    sig_changed = Signal()  # the book, its version, its figures or the message changed

    def __init__(self, limit_pct: float, parent: QObject | None = None):
        super().__init__(parent)
        self.book = Book()
        self.version = 0  # the journal's version of `book`; 0 while not stored
        self.limit_pct = float(limit_pct)
        self.target = "stress"
        self.serial = 0
        self.figures: dict | None = None  # BookFigures.as_dict() for the current serial
        self.status = "no book yet: import a CSV or add a position"
        self.message = ""  # the last refusal or journal error, one line
        self.loaded = False
        self.given: Book | None = None  # a book the desk was opened with (--book): it wins

    # -------------------------------------------------------------- changes from the desk
    def set_book(self, book: Book, save: bool = True) -> None:
        """A new book on screen (an edit or an import); stored as a new version."""
        if book == self.book and self.loaded:
            return
        self.book = book
        self.version = 0
        self.loaded = True
        if save:
            self.sig_save.emit(book.as_rows())
        self._inputs_changed()

    def set_limit(self, limit_pct: float) -> None:
        if float(limit_pct) != self.limit_pct:
            self.limit_pct = float(limit_pct)
            self._inputs_changed()

    def set_target(self, target: str) -> None:
        if target != self.target and target in dict(HEDGE_TARGETS):
            self.target = target
            self._inputs_changed()

    def say(self, message: str) -> None:
        self.message = message
        self.sig_changed.emit()

    def _inputs_changed(self) -> None:
        self.serial += 1
        self.figures = None
        self.status = ("computing the book's figures…" if self.book.positions
                       else "no positions: import a CSV or add a position")
        self.sig_inputs.emit(self.book, self.limit_pct, self.target, self.serial)
        self.sig_changed.emit()

    # -------------------------------------------------------------- from the book worker
    @Slot(object, int)
    def on_loaded(self, rows: list[dict] | None, version: int) -> None:
        """The stored book (None: there is none); a book given at start replaces it."""
        if self.given is not None:
            self.set_book(self.given)
            return
        if rows is None:
            self.loaded = True
            self._inputs_changed()
            return
        try:
            book = Book.from_rows(rows)
        except BookError as exc:
            self.message = f"stored book version {version} not used: {exc}"
            book, version = Book(), 0
        self.set_book(book, save=False)
        self.version = version
        self.sig_changed.emit()

    @Slot(int)
    def on_saved(self, version: int) -> None:
        self.version = version
        self.sig_changed.emit()

    @Slot(object, int)
    def on_figures(self, figures: dict | None, serial: int) -> None:
        if serial != self.serial:
            return  # an older book or limit: its figures are not this one's
        self.figures = figures
        self.status = "" if figures is not None else "no positions"
        self.sig_changed.emit()

    @Slot(str, int)
    def on_failed(self, reason: str, serial: int) -> None:
        if serial == self.serial:
            self.figures = None
            self.status = reason
            self.sig_changed.emit()

    @Slot(str)
    def on_error(self, message: str) -> None:
        self.say(message)

    # -------------------------------------------------------------- for the journal
    def summary_line(self) -> str:
        return str((self.figures or {}).get("summary_line") or "")

    def hedge_choices(self) -> list[str]:
        """'none' and each suggested hedge's label, for the checklist's chooser."""
        return [NO_HEDGE] + [hedge_label(h) for h in hedges(self.figures)]

    def decision_fields(self, hedge: str | None) -> dict:
        """What a decision records of the book: version, figures and the hedge chosen (None
        for all three when there is no book)."""
        if not self.book.positions:
            return {"book_version": None, "book_figures": {}, "hedge": None}
        figures = dict(self.figures or {})
        figures.setdefault("positions_on_screen", self.book.as_rows())
        chosen = [h for h in hedges(self.figures) if hedge_label(h) == hedge]
        if chosen:  # the review values the hedge from this (journal/book_outcome.py)
            figures["hedge_chosen"] = chosen[0]
        return {"book_version": self.version or None, "book_figures": figures,
                "hedge": hedge or NO_HEDGE}


# -- reading BookFigures.as_dict() (signals/book.py): every field read goes through here ------
def hedges(figures: dict | None) -> list[dict]:
    return list((figures or {}).get("hedges") or [])


def _leg_text(h: dict) -> str:
    """One instrument of a hedge as an order: 'short 9 MES', 'short 1.312 BTC perp',
    'buy $861,834 SH', 'sell 100 % of the crypto'."""
    size = h.get("rounded", h.get("size"))
    if not isinstance(size, int | float):
        return f"{h.get('instrument', '?')}: no size"
    instrument, unit = str(h.get("instrument", "?")), h.get("unit")
    if unit == "USD":
        return f"buy ${size:,.0f} {instrument}"
    if unit == "fraction":
        return f"sell {size:.0%} of the crypto"
    if instrument.endswith("_PERP"):
        return f"short {size:g} {instrument.removesuffix('_PERP')} perp"
    return f"short {size:g} {instrument}"


def hedge_label(h: dict) -> str:
    """A hedge suggestion as the order it takes ('short 9 MES + short 1.312 BTC perp')."""
    legs = h.get("legs") or []
    text = h.get("text") or (" + ".join(_leg_text(leg) for leg in legs) if legs
                             else _leg_text(h))  # the signals' own wording when given
    return text if h.get("feasible", True) else f"{text} (not enough)"
