"""The daily risk-off checklist sidebar: five time-boxed steps and Hedge / Reduce / Wait buttons.

The panel only shows and emits; the main window records the decision and reports back.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.ui import theme

# (step, minutes, what to look at) - DESIGN.md section 6.
STEPS: tuple[tuple[str, int, str], ...] = (
    ("Macro", 2, "10y and bill yields, DXY: is the dollar strong while yields hold or rise?"),
    ("Equity leadership", 4, "AI basket above its SMAs, RSP/SPY, SMH/SPY: is leadership cracking?"),
    ("Crypto structure", 4, "Funding, open interest vs price, liquidations: is leverage trapped?"),
    ("Correlation", 3, "S&P 500 vs BTC, daily and intraday: is the sell-off systemic (>= 0.7)?"),
    ("Execution rule", 2, "Decide: hedge, reduce or wait, by your profile's playbook."),
)
DECISIONS = (("hedge", "&Hedge", theme.VERMILLION), ("reduce", "&Reduce", theme.AMBER),
             ("wait", "&Wait", theme.SKY))


class ChecklistPanel(QWidget):
    """Steps to tick and three decision buttons. Emits `sig_decide(decision)`."""

    sig_decide = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("checklist_panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        title = QLabel("Daily risk-off checklist · 15 min")
        font = QFont(title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        title.setFont(font)
        layout.addWidget(title)
        self.steps: list[QCheckBox] = []
        for i, (name, minutes, hint) in enumerate(STEPS, start=1):
            box = QCheckBox(f"{i}. {name} · {minutes} min")
            box.setObjectName(f"step_{i}")
            box.setToolTip(hint)
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setStyleSheet(f"color:{theme.MUTED}; margin-left:22px;")
            layout.addWidget(box)
            layout.addWidget(note)
            self.steps.append(box)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for col, (decision, text, colour) in enumerate(DECISIONS):
            button = QPushButton(text)
            button.setObjectName(f"decide_{decision}")
            button.setMinimumHeight(40)
            button.setShortcut(QKeySequence(f"Ctrl+{col + 1}"))
            button.setToolTip(f"Record '{decision}' in the journal (Ctrl+{col + 1})")
            button.setStyleSheet(
                f"QPushButton {{ border:2px solid {colour}; border-radius:4px; font-weight:bold;"
                f" padding:4px; }} QPushButton:pressed {{ background:{colour}; color:#000; }}")
            button.clicked.connect(lambda _=False, d=decision: self.sig_decide.emit(d))
            grid.addWidget(button, 0, col)
            self.buttons[decision] = button
        layout.addLayout(grid)
        self.status = QLabel("No decision recorded in this session yet.")
        self.status.setObjectName("decision_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def ticked(self) -> dict[str, bool]:
        """Which steps the trader has ticked, by step name."""
        return {name: box.isChecked() for (name, _, _), box in zip(STEPS, self.steps, strict=True)}

    def show_saved(self, decision: str, record_id: str, when_utc: str, market_time: str) -> None:
        self.status.setText(
            f"<span style='color:{theme.GREEN}'><b>✔ saved</b></span> {html.escape(decision)} at "
            f"{html.escape(when_utc)} UTC (market {html.escape(market_time)})<br>"
            f"<span style='color:{theme.MUTED}'>id {html.escape(record_id)}</span>")

    def show_error(self, message: str) -> None:
        self.status.setText(f"<span style='color:{theme.RED}'><b>✘ NOT saved:</b> "
                            f"{html.escape(message)}</span>")
