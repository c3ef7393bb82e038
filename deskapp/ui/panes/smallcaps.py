"""Small-cap leadership pane: the Russell 2000 with its prior 252-session high and breakouts,
IWM volume against its 50-day mean, IWM/SPY relative strength, and the IWM -> BTC lead-lag."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

from deskapp.signals.board import PaneView
from deskapp.signals.smallcaps import MAX_LAG, VOLUME_BREAKOUT
from deskapp.signals.snapshot import Snapshot
from deskapp.ui import theme
from deskapp.ui.panes.bars import BarsPlot
from deskapp.ui.panes.base import CurveSpec, RowSpec, TimePane, badge, fmt

VOLUME_ROW = "IWM volume / its 50-session mean"


class SmallCapsPane(TimePane):
    pane_key = "smallcaps"
    title = "Small-cap leadership"
    description = (
        "Russell 2000 (^RUT) close with its prior 252-session high; a breakout is a close above "
        "that high (or above the user level [smallcaps] breakout_level) with IWM volume at least "
        "1.5x its 50-session mean (filled star; a close above it without that volume is a hollow "
        "circle). IWM/SPY: ratio of adjusted closes, 20d = its 20-session change. Lead-lag: "
        "correlation of IWM daily log returns with BTC's k days later, k = 0..10, over the last "
        "250 aligned returns; the best lag is marked."
    )
    error_prefixes = ("idx.rut", "etf.iwm", "etfpool.iwm", "etfpool.spy", "crypto.btc")
    rows = (
        RowSpec(
            "Russell 2000, prior 252-session high, breakouts",
            "index",
            (
                CurveSpec("rut", "Russell 2000", theme.ORANGE, 1.0),
                CurveSpec("rut_high", "prior 252d high", theme.SKY, 1.0, dash=True),
                CurveSpec("breaks", "close above, volume under 1.5x", theme.YELLOW, 1.0, symbol="o",
                          hollow=True),
                CurveSpec("breakouts", "breakout (volume ≥ 1.5x)", theme.GREEN, 1.0,
                          symbol="star"),
            ),
            stretch=4,
            legend_offset=(4, 2),
        ),
        RowSpec(VOLUME_ROW, "x", (CurveSpec("iwm_volume_ratio", "IWM volume ratio", theme.BLUE,
                                            1.0, fill=True),), stretch=1),
        RowSpec("IWM/SPY relative strength (adjusted closes)", "ratio",
                (CurveSpec("iwm_spy", "IWM/SPY", theme.GREEN, 1.0),), stretch=2),
    )

    def finish_rows(self) -> None:
        self.plots[0].legend.setColumnCount(2)
        # the user's breakout level ([smallcaps] breakout_level), when set
        self.level_line = pg.InfiniteLine(
            0.0, angle=0, pen=pg.mkPen(theme.PURPLE, width=1, style=Qt.PenStyle.DashLine),
            label="", labelOpts={"position": 0.05, "color": theme.text("PURPLE")})
        self.level_line.text_colour = "PURPLE"  # TimePane.restyle recolours the label
        self.level_line.hide()
        self.plots[0].addItem(self.level_line, ignoreBounds=True)
        row = len(self.rows)
        self.leadlag = BarsPlot(
            self.graphics, row, "IWM → BTC lead-lag: correlation with BTC k days later (last "
            "250 aligned returns)", "corr", "", theme.SKY, theme.ORANGE,
            x_range=(-0.6, MAX_LAG + 0.6), y_range=(-0.4, 0.85))
        self.graphics.ci.layout.setRowStretchFactor(row, 2)

    def decorate(self, plot: pg.PlotItem, spec: RowSpec) -> None:
        if spec.title == VOLUME_ROW:
            plot.addItem(pg.InfiniteLine(
                VOLUME_BREAKOUT, angle=0,
                pen=pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DotLine),
                label="1.5x", labelOpts={"position": 0.6, "color": theme.MUTED}))

    def apply(self, view: PaneView, asof_s: float, view_days: int,
              snapshot: Snapshot | None = None) -> bool:
        if not self.built:  # staged: its rows (and the lead-lag plot) are still being made
            return False
        changed = super().apply(view, asof_s, view_days, snapshot)
        level = view.readouts.get("rut_level")
        if level is None:
            changed |= self.level_line.isVisible()
            self.level_line.hide()
        elif level != self.level_line.value() or not self.level_line.isVisible():
            self.level_line.setValue(level)
            self.level_line.label.setFormat(f"level {level:,.0f}")
            self.level_line.show()
            changed = True
        changed |= self.leadlag.set(
            view.bars.get("leadlag"),
            f"lead-lag: {view.missing['leadlag']}" if "leadlag" in view.missing else None)
        return changed

    def restyle(self) -> None:
        super().restyle()
        if self.built:
            self.leadlag.restyle()

    def missing_text(self, cid: str) -> str:
        if cid == "leadlag":
            return self.leadlag.notice.text if self.built else ""
        return super().missing_text(cid)

    def readout_parts(self, view: PaneView) -> list[str]:
        r = view.readouts
        brk, above = r.get("rut_breakout"), r.get("rut_above_level")
        if brk is None:
            state = badge("? breakout unknown", theme.MUTED)
        elif brk:
            state = badge("★ BREAKOUT", theme.GREEN)
        elif above:
            state = badge("◐ above the level, volume not confirmed", theme.AMBER)
        else:
            state = badge("○ no breakout", theme.MUTED)
        level = r.get("rut_level")
        parts = [
            state,
            f"RUT {fmt(r.get('rut'), ',.2f')}",
            f"252d high {fmt(r.get('rut_252d_high'), ',.2f')}",
        ]
        if level is not None:
            parts.append(f"level {fmt(level, ',.0f')}")
        lag, corr = r.get("leadlag_best_lag"), r.get("leadlag_best_corr")
        parts += [
            f"IWM vol {fmt(r.get('iwm_volume_ratio'), '.2f', 'x')}",
            f"IWM/SPY 20d {fmt(r.get('iwm_spy_20d_pct'), '+.2f', '%')}",
            f"lead-lag best {fmt(lag, '.0f', ' d')} r {fmt(corr, '+.2f')}",
        ]
        return parts
