"""Volatility pane: realised vol of NDX, SPX and BTC with the VIX, the RV(5)/RV(60) spike ratio
against its 1.5 line, and the vol-target de-leveraging pressure."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

from deskapp.signals.board import PaneView
from deskapp.signals.volatility import SPIKE
from deskapp.ui import theme
from deskapp.ui.panes.base import CurveSpec, RowSpec, TimePane, fmt

SPIKE_ROW = "Vol spike: RV(5) / RV(60)"


class VolatilityPane(TimePane):
    pane_key = "volatility"
    title = "Volatility and de-leveraging"
    description = (
        "Realised volatility RV(20): annualised stdev of the last 20 daily log returns "
        "(sqrt(252) for NDX and SPX, sqrt(365) for BTC); the CBOE VIX in the same unit. Vol "
        "spike = RV(5)/RV(60); >= 1.5 is a spike. De-leveraging pressure: a vol-targeting book "
        "holds exposure min(1, target / RV(20)); pressure = the fall of that exposure over the "
        "last 5 days, in percentage points (targets 15% NDX, 50% BTC by default, [vol_target])."
    )
    error_prefixes = ("idx.ndx", "etf.qqq", "idx.spx", "fut.es", "crypto.btc", "idx.vix")
    rows = (
        RowSpec("Equities: realised vol RV(20) and VIX", "% / yr",
                (CurveSpec("ndx_rv", "NDX", theme.ORANGE, 1.0),
                 CurveSpec("spx_rv", "SPX", theme.SKY, 1.0),
                 CurveSpec("vix", "VIX (implied)", theme.GREY, 1.0, dash=True)),
                stretch=2),
        RowSpec("BTC: realised vol RV(20)", "% / yr",
                (CurveSpec("btc_rv", "BTC", theme.YELLOW, 1.0),), stretch=2),
        RowSpec(SPIKE_ROW, "ratio",
                (CurveSpec("ndx_ratio", "NDX", theme.ORANGE, 1.0),
                 CurveSpec("spx_ratio", "SPX", theme.SKY, 1.0),
                 CurveSpec("btc_ratio", "BTC", theme.YELLOW, 1.0)),
                stretch=2),
        RowSpec("Vol-target de-leveraging pressure (5-day fall of exposure)", "pp",
                (CurveSpec("ndx_pressure", "NDX", theme.ORANGE, 1.0, fill=True),
                 CurveSpec("btc_pressure", "BTC", theme.YELLOW, 1.0, fill=True)),
                stretch=2, legend_offset=(4, 2)),
    )

    def finish_rows(self) -> None:
        for i, plot in enumerate(self.plots):
            if i < len(self.plots) - 1:
                plot.legend.setColumnCount(3)

    def decorate(self, plot: pg.PlotItem, spec: RowSpec) -> None:
        if spec.title == SPIKE_ROW:
            for level, text in ((SPIKE, "spike ≥ 1.5"), (1.0, None)):
                plot.addItem(pg.InfiniteLine(
                    level, angle=0,
                    pen=pg.mkPen(theme.MUTED, width=1, style=Qt.PenStyle.DotLine),
                    label=text, labelOpts={"position": 0.5, "color": theme.MUTED,
                                           "anchors": [(0.5, 1), (0.5, 1)]}))

    def readout_parts(self, view: PaneView) -> list[str]:
        r = view.readouts

        def ratio(name: str) -> str:
            v = r.get(f"{name}_rv_ratio")
            spike = " ▲spike" if v is not None and v >= SPIKE else ""
            return f"{fmt(v, '.2f')}{spike}"

        def pressure(name: str) -> str:
            target = r.get(f"{name}_target_pct")
            tgt = f" (target {target:.0f}%)" if target is not None else ""
            return f"{fmt(r.get(f'{name}_delever_pp'), '.1f', ' pp')}{tgt}"

        return [
            f"RV20 NDX {fmt(r.get('ndx_rv20_pct'), '.1f', '%')}"
            f" SPX {fmt(r.get('spx_rv20_pct'), '.1f', '%')}"
            f" BTC {fmt(r.get('btc_rv20_pct'), '.1f', '%')}",
            f"VIX {fmt(r.get('vix'), '.2f')}",
            f"RV5/60 NDX {ratio('ndx')} SPX {ratio('spx')} BTC {ratio('btc')}",
            f"de-lever NDX {pressure('ndx')} BTC {pressure('btc')}",
        ]
