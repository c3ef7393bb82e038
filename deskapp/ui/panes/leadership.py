"""AI-leadership breadth pane: basket share above its SMAs, RSP/SPY and SMH/SPY."""

from __future__ import annotations

from deskapp.signals.board import PaneView
from deskapp.ui import theme
from deskapp.ui.panes.base import CurveSpec, RowSpec, TimePane, fmt


class LeadershipPane(TimePane):
    pane_key = "leadership"
    title = "AI leadership breadth"
    description = (
        "share of the AI/semis/software basket whose close is above its own 20- and 50-day SMA; "
        "RSP/SPY and SMH/SPY ratios as 20-session % change (both legs dividend-adjusted)."
    )
    error_prefixes = ("stk.", "etfpool.", "etf.rsp")
    rows = (
        RowSpec(
            "Basket members above their SMA",
            "% of basket",
            (
                CurveSpec("above_sma20", "above 20d SMA", theme.ORANGE, 1.0),
                CurveSpec("above_sma50", "above 50d SMA", theme.SKY, 1.0, dash=True),
            ),
            stretch=3,
            y_range=(-2.0, 102.0),
        ),
        RowSpec(
            "Relative strength, 20-session change",
            "%",
            (
                CurveSpec("rsp_spy", "RSP/SPY (equal vs cap weight)", theme.GREEN, 1.0),
                CurveSpec("smh_spy", "SMH/SPY (semis vs market)", theme.PURPLE, 1.0),
            ),
            stretch=2,
            zero_line=True,
        ),
    )

    def readout_parts(self, view: PaneView) -> list[str]:
        r = view.readouts
        n20 = r.get("above_sma20_counted")
        counted = f" of {int(n20)}" if n20 else ""
        return [
            f"&gt;20d SMA {fmt(r.get('above_sma20_pct'), '.0f', '%')}{counted}",
            f"&gt;50d SMA {fmt(r.get('above_sma50_pct'), '.0f', '%')}",
            f"RSP/SPY 20d {fmt(r.get('rsp_spy_20d_pct'), '+.2f', '%')}",
            f"SMH/SPY 20d {fmt(r.get('smh_spy_20d_pct'), '+.2f', '%')}",
        ]
