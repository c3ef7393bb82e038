"""Regime pane: the regime in large type, each rule with its evidence, early warnings, the
liquidation-flywheel stage and the outlook scenario - all from the signal snapshot."""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from deskapp.signals.snapshot import Evidence, Snapshot
from deskapp.ui import theme
from deskapp.ui.quiet import set_style, set_text
from deskapp.ui.rich_text_view import RichTextView

# Theme colour names, read when drawn (theme.text): a switch of theme recolours them.
REGIME_COLOURS = {
    "liquidity shock": "VERMILLION",
    "trend break": "VERMILLION",
    "volatility event": "AMBER",
    "crypto stress": "AMBER",
    "risk-on rotation": "SKY",
    "calm": "GREEN",
}
# Shape as well as colour: lit, unlit, unknown.
MARKS = {True: ("●", "AMBER"), False: ("○", "MUTED"), None: ("?", "MUTED")}
SCENARIOS = {
    "A": "A · vol normalisation",
    "B": "B · liquidity-tightening shock",
    "C": "C · policy-clarity reflation",
}


def _items(items: Iterable[Evidence]) -> str:
    rows = []
    for item in items:
        mark, colour = MARKS[item.lit]
        rows.append(
            f"<tr><td style='color:{theme.text(colour)}; padding-right:6px'>{mark}</td>"
            f"<td><b>{html.escape(item.name)}</b> <span style='color:{theme.text('MUTED')}'>"
            f"{html.escape(item.evidence)}</span></td></tr>"
        )
    return "<table cellspacing='0' cellpadding='1'>" + "".join(rows) + "</table>"


class RegimePane(QWidget):
    pane_key = "regime"
    title = "Regime"
    description = (
        "the regime named by the first rule that holds, the three early-warning flags, the "
        "liquidation-flywheel stage and the outlook scenario."
    )

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pane_regime")
        self.setToolTip(f"{self.title}: {self.description}\n(docs/SIGNALS.md)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.name_label = QLabel("—")
        self.name_label.setObjectName("regime_name")
        font = QFont(self.name_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setBold(True)
        self.name_label.setFont(font)
        self.scenario_label = QLabel("")
        self.scenario_label.setTextFormat(Qt.TextFormat.RichText)
        self.scenario_label.setWordWrap(True)
        # New text every board: laid out once, not as a label in a scroll area (rich_text_view).
        self.body = RichTextView("waiting for the first snapshot…")
        self.body.setObjectName("regime_body")
        layout.addWidget(self.name_label)
        layout.addWidget(self.scenario_label)
        layout.addWidget(self.body, 1)
        self.snapshot: Snapshot | None = None

    def restyle(self) -> None:
        """Redraw the last snapshot in the current theme's colours (View ▸ Theme)."""
        if self.snapshot is not None:
            self.apply_snapshot(self.snapshot)

    def apply_snapshot(self, s: Snapshot) -> None:
        self.snapshot = s
        reg = s.regime
        colour = theme.text(REGIME_COLOURS.get(reg.name, "FOREGROUND"))
        set_text(self.name_label, reg.name.upper())
        set_style(self.name_label, f"color:{colour}")
        scen = SCENARIOS.get(reg.scenario or "", "no scenario's conditions hold")
        set_text(self.scenario_label, f"Outlook: <b>{html.escape(scen)}</b>")
        ew, fly = s.early_warning, s.flywheel
        set_text(
            self.body,
            f"<b>Rules</b>{_items(reg.evidence)}"
            f"<br><b>Early warning {ew.count}/3</b>{_items(ew.flags)}"
            f"<br><b>Liquidation flywheel: stage {fly.stage}/5</b>{_items(fly.steps)}"
        )
