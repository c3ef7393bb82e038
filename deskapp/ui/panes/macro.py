"""Macro pane: US 10y and 3m yields, and the dollar index, on one date axis."""

from __future__ import annotations

from deskapp.signals.board import PaneView
from deskapp.ui import theme
from deskapp.ui.panes.base import CurveSpec, RowSpec, TimePane, fmt


class MacroPane(TimePane):
    pane_key = "macro"
    title = "Macro: rates and the dollar"
    description = (
        "US 10-year yield (FRED DGS10) and 3-month bill yield (FRED DGS3MO, standing in for the "
        "13-week bill ^IRX), in percent; the US Dollar Index (DX-Y.NYB). 10y 5d = change over the "
        "last 5 sessions in basis points."
    )
    error_prefixes = ("rates.", "fx.")
    rows = (
        RowSpec(
            "Treasury yields",
            "%",
            (
                CurveSpec("us10y", "10y", theme.ORANGE, 1.0),
                CurveSpec("bill3m", "3m bill", theme.SKY, 1.0),
            ),
            stretch=3,
        ),
        RowSpec(
            "Dollar index (DXY)", "index", (CurveSpec("dxy", "DXY", theme.GREEN, 1.0),), stretch=2
        ),
    )

    def readout_parts(self, view: PaneView) -> list[str]:
        r = view.readouts
        return [
            f"10y {fmt(r.get('us10y_pct'), '.2f', '%')}",
            f"3m {fmt(r.get('bill3m_pct'), '.2f', '%')}",
            f"DXY {fmt(r.get('dxy'), '.2f')}",
            f"10y 5d {fmt(r.get('us10y_5d_bp'), '+.0f', ' bp')}",
        ]
