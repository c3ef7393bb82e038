"""Crypto-structure pane: BTC price, perpetual funding (annualised), open interest, liquidations."""

from __future__ import annotations

from deskapp.signals.board import PaneView
from deskapp.ui import theme
from deskapp.ui.panes.base import CurveSpec, RowSpec, TimePane, fmt


class CryptoStructurePane(TimePane):
    pane_key = "crypto"
    title = "Crypto structure"
    description = (
        "BTC price (daily close; hourly where the data has it). Funding annualised = rate x (24 / "
        "interval hours) x 365, Binance BTCUSDT perpetual: the latest 8h print, with the mean of "
        "the last 24h of prints beside it (the previous UTC day's mean where no 8h series is "
        "held). Open interest: BTC futures, all "
        "exchanges, USD. Liquidations: Binance BTC longs and shorts per bar (Coinglass; Binance "
        "throttles its feed, so these understate)."
    )
    error_prefixes = ("crypto.btc", "deriv.")
    trend_assets = (("btc", "BTC"),)
    rows = (
        RowSpec(
            "BTC price",
            "USD",
            (
                CurveSpec("btc", "BTC daily", theme.ORANGE, 1.0),
                CurveSpec("btc_1h", "BTC hourly", theme.YELLOW, 1.0, timeframes=("1h", "1d")),
                CurveSpec("btc_4h", "BTC 4h", theme.YELLOW, 1.0, timeframes=("4h",)),
            ),
            stretch=4,
        ),
        RowSpec(
            "Perp funding, annualised",
            "% / yr",
            (CurveSpec("funding", "funding", theme.SKY, 1.0, fill=True),),
            stretch=2,
            zero_line=True,
        ),
        RowSpec(
            "Open interest",
            "USD bn",
            (CurveSpec("oi", "open interest", theme.GREEN, 1.0),),
            stretch=2,
        ),
        RowSpec(
            "Liquidations",
            "USD m",
            (
                CurveSpec("liq_long", "longs", theme.VERMILLION, 1.0, fill=True),
                CurveSpec("liq_short", "shorts", theme.BLUE, 1.0, fill=True),
            ),
            stretch=2,
        ),
    )

    def readout_parts(self, view: PaneView) -> list[str]:
        r = view.readouts
        return [
            f"BTC {fmt(r.get('btc'), ',.0f')}",
            f"funding {fmt(r.get('funding_annualised_pct'), '+.1f', '%/yr')}"
            f" (24h mean {fmt(r.get('funding_1d_mean_pct'), '+.1f', '%/yr')})",
            f"BTC day so far {fmt(r.get('btc_day_so_far_pct'), '+.1f', '%')}",
            f"OI {fmt(r.get('oi_usd_bn'), '.1f', ' bn')}",
            f"liq longs {fmt(r.get('liq_long_usd_m'), '.1f', ' m')}",
            f"shorts {fmt(r.get('liq_short_usd_m'), '.1f', ' m')}",
        ]
