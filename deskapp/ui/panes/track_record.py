"""Track record pane: what followed days like today since 2014, beside all days, and the most
similar past days (double-click one to open the replay there).

The table is precomputed (`resources/track_record.json`, docs/EVALUATE.md) and read once in a
pool thread after the window is up, so it costs nothing at start-up.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from deskapp.signals.base_rates import HORIZON_WORDS, base_rates_now, table_range, what_followed
from deskapp.signals.track_record import TrackRecordError, load_table, similar_days
from deskapp.ui import theme
from deskapp.ui.panes.raised import DrawnWhenRaised
from deskapp.ui.quiet import set_text

log = logging.getLogger(__name__)

DAY_COLUMNS = ("date", "regime", "VIX", "corr 30d", "S&P next wk", "BTC next wk", "distance")


class _Loaded(QObject):
    sig_done = Signal(object, str)  # table dict or None, error text


class _LoadTable(QRunnable):
    def __init__(self, path: Path, done: _Loaded):
        super().__init__()
        self.path, self.done = path, done

    def run(self) -> None:
        try:
            self.done.sig_done.emit(load_table(self.path), "")
        except TrackRecordError as exc:
            self.done.sig_done.emit(None, f"track record unavailable: {exc}")


class TrackRecordPane(DrawnWhenRaised, QWidget):
    pane_key = "track_record"
    title = "Track record"
    description = (
        "what followed past days with the regime, early-warning count and flywheel stage on "
        "screen now (S&P 500 and BTC forward returns: median and 10th percentile, with N), "
        "beside all days, and the most similar past days."
    )
    sig_open_day = Signal(str)  # "YYYY-MM-DD": open the replay at that day's US close
    sig_loaded = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pane_track_record")
        self.setToolTip(f"{self.title}: {self.description}\n(docs/EVALUATE.md)")
        self.table: dict[str, Any] | None = None
        self._now: tuple | None = None
        self._board_day: str | None = None
        # Similar days wait while the tab is behind another (a search over every past day and
        # a table fill, each new day): features of the newest reading, or None when filled.
        self._days_due: dict[str, float | None] | None = None
        self._loader = _Loaded()
        self._loader.sig_done.connect(self._on_loaded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        self.range_label = QLabel("loading the track-record table…")
        self.range_label.setWordWrap(True)
        self.horizon = QComboBox()
        for key, words in HORIZON_WORDS.items():
            self.horizon.addItem(words, key)
        self.horizon.setCurrentIndex(1)
        self.horizon.setToolTip("forward horizon of the returns shown")
        self.horizon.currentIndexChanged.connect(self._redraw)
        top.addWidget(self.range_label, 1)
        top.addWidget(self.horizon)
        self.body = QLabel("")
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.similar_label = QLabel("<b>Most similar past days</b> (double-click to open)")
        self.similar_label.setTextFormat(Qt.TextFormat.RichText)
        self.days = QTableWidget(0, len(DAY_COLUMNS))
        self.days.setHorizontalHeaderLabels(list(DAY_COLUMNS))
        self.days.setToolTip("next wk: the S&P 500's and BTC's return over the week after that "
                             "day; '…' while that week had not ended at the board's time")
        self.days.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.days.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.days.verticalHeader().setVisible(False)
        self.days.horizontalHeader().setStretchLastSection(True)
        self.days.cellDoubleClicked.connect(self._open_row)
        rows = self.days.fontMetrics().height() + 4
        self.days.verticalHeader().setDefaultSectionSize(rows)
        self.days.verticalHeader().setMinimumSectionSize(rows)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.similar_label)
        lower_layout.addWidget(self.days, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.body)
        split = QSplitter(Qt.Orientation.Vertical)  # the trader drags the line between them
        split.addWidget(scroll)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([300, 300])  # half and half at first
        layout.addLayout(top)
        layout.addWidget(split, 1)

    # ------------------------------------------------------------------ table
    def load(self, path: Path, pool: QThreadPool | None = None) -> None:
        """Read the table in a pool thread; `sig_loaded` says when (and whether) it arrived."""
        (pool or QThreadPool.globalInstance()).start(_LoadTable(path, self._loader))

    def _on_loaded(self, table: dict[str, Any] | None, error: str) -> None:
        self.table = table
        if table is None:
            log.warning("%s", error)
            set_text(self.range_label, error)
        else:
            set_text(self.range_label, f"table {table_range(table)} · one row per US close")
            self.range_label.setToolTip(f"built by {table.get('built_from', 'unknown')} "
                                        "(python tools/build_track_record.py rebuilds it)")
        self._redraw()
        self.sig_loaded.emit(table is not None)

    # ------------------------------------------------------------------ snapshot
    def apply_reading(self, regime: str, early_warning: int, flywheel: int,
                      features: Mapping[str, float | None],
                      board_day: str | None = None) -> None:
        """What the desk reads now (and the board's day, YYYY-MM-DD); redrawn on a change."""
        self._board_day = board_day
        now = (regime, early_warning, flywheel, tuple(sorted(features.items())), board_day)
        if now != self._now:
            self._now = now
            self._redraw()

    def summary_line(self) -> str:
        """The regime's base rate in one line (for the checklist's execution step)."""
        if self.table is None or self._now is None:
            return ""
        regime, ew, stage, _, _ = self._now
        return base_rates_now(self.table, regime, ew, stage, self._horizon())[0].line

    def restyle(self) -> None:
        """Redraw in the current theme's colours (View ▸ Theme)."""
        self._redraw()

    def _horizon(self) -> str:
        return self.horizon.currentData() or "1w"

    def _redraw(self) -> None:
        if self.table is None or self._now is None:
            return
        regime, ew, stage, feats, _ = self._now
        rows = []
        rates = base_rates_now(self.table, regime, ew, stage, self._horizon())
        since = (self.table.get("range") or ["?"])[0][:4]
        muted = theme.text("MUTED")
        for rate in rates:
            if rate.n is None:
                rows.append(f"<p style='margin:2px 0'><b>{html.escape(rate.label)}</b> "
                            f"<span style='color:{muted}'>no such day since {since}</span></p>")
                continue
            rows.append(f"<p style='margin:2px 0'><b>{html.escape(rate.label)}</b> · "
                        f"{rate.n} days since {since}<br>{html.escape(rate.figures)}</p>")
        rows.append(f"<p style='margin:2px 0; color:{muted}'>"
                    f"{html.escape(rates[0].unconditional)}</p>")
        set_text(self.body, "".join(rows))
        self._days_due = dict(feats)
        # Behind its tab, or in a window not shown yet (a start-up board; behind the Regime by
        # default): filled when shown (_on_raised).
        if self.window().isVisible() and not self._hidden_in_window():
            self._fill_due_days()

    def _on_raised(self) -> None:  # shown, or its tab raised (panes/raised.py)
        self._fill_due_days()

    def _fill_due_days(self) -> None:
        if self._days_due is not None:
            features, self._days_due = self._days_due, None
            self._fill_days(features)

    def _fill_days(self, features: dict[str, float | None]) -> None:
        # only days before the board's own: a replay never shows what came after its clock
        found = similar_days(self.table, features, 8, exclude_after=self._board_day)
        self.days.setRowCount(len(found))
        for i, day in enumerate(found):
            f = day.get("features") or {}
            nxt = what_followed(day, self._board_day)
            after = ("…", "…") if nxt is None else (_fmt(nxt["spx_1w"], "+.1%"),
                                                     _fmt(nxt["btc_1w"], "+.1%"))
            cells = (day.get("date", ""), day.get("regime", ""), _fmt(f.get("vix"), ".1f"),
                     _fmt(f.get("corr30"), "+.2f"), *after, _fmt(day.get("distance"), ".2f"))
            for j, text in enumerate(cells):
                self.days.setItem(i, j, QTableWidgetItem(str(text)))
        self.days.resizeColumnsToContents()

    def _open_row(self, row: int, _column: int) -> None:
        item = self.days.item(row, 0)
        if item is not None and item.text():
            self.sig_open_day.emit(item.text())


def _fmt(x: Any, spec: str) -> str:
    return format(x, spec) if isinstance(x, int | float) else "n/a"

