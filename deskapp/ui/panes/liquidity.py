"""Dollar-liquidity pane: net liquidity (WALCL - TGA - RRP) with its components and 4/13-week
changes, and spot bitcoin ETF dollar volume."""

from __future__ import annotations

import pyqtgraph as pg

from deskapp.signals.board import PaneView
from deskapp.ui import theme
from deskapp.ui.panes.base import CurveSpec, RowSpec, TimePane, badge, fmt


class LiquidityPane(TimePane):
    pane_key = "liquidity"
    title = "Dollar liquidity"
    description = (
        "Net liquidity = Fed total assets (FRED WALCL) - Treasury General Account (FRED "
        "WTREGEN) - overnight reverse repo (FRED RRPONTSYD), USD billions, on the H.4.1 weeks; "
        "its change over 4 and 13 weeks (rising = supportive). Spot bitcoin ETF dollar volume = "
        "close x volume (IBIT, else FBTC), the institutional-demand proxy."
    )
    error_prefixes = ("liq.", "etf.ibit", "etf.fbtc")
    rows = (
        RowSpec("Net liquidity and Fed total assets", "USD bn",
                (CurveSpec("net", "net liquidity", theme.ORANGE, 2.0),
                 CurveSpec("walcl", "Fed total assets (WALCL)", theme.SKY, 1.0, dash=True)),
                stretch=3, legend_offset=(4, -4)),
        RowSpec("Treasury General Account and reverse repo", "USD bn",
                (CurveSpec("tga", "TGA", theme.GREEN, 1.0),
                 CurveSpec("rrp", "RRP", theme.PURPLE, 1.0)),
                stretch=2),
        RowSpec("Net liquidity change", "USD bn",
                (CurveSpec("net_4w", "4 weeks", theme.YELLOW, 1.0),
                 CurveSpec("net_13w", "13 weeks", theme.BLUE, 1.0, dash=True)),
                stretch=2, zero_line=True),
        RowSpec("Spot bitcoin ETF dollar volume", "USD bn",
                (CurveSpec("etf_dv", "close x volume", theme.VERMILLION, 1.0, fill=True),),
                stretch=1),
    )

    def finish_rows(self) -> None:
        # weekly series: a dot on each week, so a lone week after a hole in the data still shows
        weekly = ("net", "tga", "net_4w", "net_13w")
        for spec in (c for row in self.rows for c in row.curves if c.cid in weekly):
            item = self.item(spec.cid)
            item.setSymbol("o")
            item.setSymbolSize(5)
            item.setSymbolPen(None)
            item.setSymbolBrush(theme.curve_colour(spec.colour))

    def item(self, cid: str) -> pg.PlotDataItem:
        return next(r.items[cid] for r in self._rows if cid in r.items)

    def readout_parts(self, view: PaneView) -> list[str]:
        r = view.readouts
        rising = r.get("rising")
        state = (badge("? 4w change unknown", theme.MUTED) if rising is None
                 else badge("▲ rising", theme.GREEN) if rising
                 else badge("▼ falling", theme.AMBER))
        return [
            state,
            f"net {fmt(r.get('net_liquidity_bn'), ',.0f', ' bn')}",
            f"4w {fmt(r.get('net_liquidity_4w_bn'), '+,.0f', ' bn')}",
            f"13w {fmt(r.get('net_liquidity_13w_bn'), '+,.0f', ' bn')}",
            f"WALCL {fmt(r.get('walcl_bn'), ',.0f')}",
            f"TGA {fmt(r.get('tga_bn'), ',.0f')}",
            f"RRP {fmt(r.get('rrp_bn'), ',.1f')}",
            f"BTC ETF $vol {fmt(r.get('btc_etf_dollar_volume_bn'), '.2f', ' bn')}",
        ]
