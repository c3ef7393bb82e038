"""The daily risk-off checklist sidebar: five time-boxed steps and Hedge / Reduce / Wait buttons.

The panel only shows and emits; the main window records the decision and reports back.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.signals.checklist import NEUTRAL, STATUSES, suggest
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
        self.status_boxes: dict[str, QComboBox] = {}
        self.evidence_labels: dict[str, QLabel] = {}
        self.suggested: dict[str, str] = {}
        self.overridden: dict[str, bool] = {}
        for i, (name, minutes, hint) in enumerate(STEPS, start=1):
            box = QCheckBox(f"{i}. {name} · {minutes} min")
            box.setObjectName(f"step_{i}")
            box.setToolTip(hint)
            status = QComboBox()
            status.setObjectName(f"status_{i}")
            status.addItems(list(STATUSES))
            status.setCurrentText(NEUTRAL)
            status.setToolTip("Suggested from the snapshot; choose another to override it")
            status.activated.connect(lambda _i, n=name: self._on_status_chosen(n))
            row = QHBoxLayout()
            row.addWidget(box, 1)
            row.addWidget(status)
            note = QLabel(hint)
            note.setObjectName(f"evidence_{i}")
            note.setWordWrap(True)
            note.setTextFormat(Qt.TextFormat.RichText)
            note.setStyleSheet(f"color:{theme.MUTED}; margin-left:22px;")
            layout.addLayout(row)
            layout.addWidget(note)
            self.steps.append(box)
            self.status_boxes[name] = status
            self.evidence_labels[name] = note
            self.overridden[name] = False
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

    def apply_snapshot(self, snapshot: dict) -> None:
        """Pre-fill each step's evidence and suggested status; keep the trader's overrides."""
        for call in suggest(snapshot):
            self.suggested[call.step] = call.status
            box = self.status_boxes[call.step]
            if not self.overridden[call.step]:
                box.setCurrentText(call.status)
            self._show_evidence(call.step, call.evidence)

    def _on_status_chosen(self, step: str) -> None:
        chosen = self.status_boxes[step].currentText()
        self.overridden[step] = chosen != self.suggested.get(step, NEUTRAL)
        label = self.evidence_labels[step]
        self._show_evidence(step, label.property("evidence") or "")

    def _show_evidence(self, step: str, evidence: str) -> None:
        label = self.evidence_labels[step]
        label.setProperty("evidence", evidence)
        text = html.escape(evidence)
        if self.overridden[step]:
            text += (f" <span style='color:{theme.AMBER}'><b>override</b> (suggested "
                     f"{html.escape(self.suggested.get(step, NEUTRAL))})</span>")
        label.setText(text)

    def statuses(self) -> dict[str, dict]:
        """Per step: the status chosen, the one suggested, and whether it was overridden."""
        return {name: {"status": self.status_boxes[name].currentText(),
                       "suggested": self.suggested.get(name),
                       "override": self.overridden[name]}
                for name, _, _ in STEPS}

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
