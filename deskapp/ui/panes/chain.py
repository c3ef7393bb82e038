"""Liquidity-chain pane: bonds -> equities -> small caps -> crypto -> altcoins, each link with
its evidence, how far the chain has travelled, the alt basket against BTC and ETH/BTC."""

from __future__ import annotations

import html

from deskapp.signals.board import PaneView
from deskapp.signals.smallcaps import CHAIN
from deskapp.ui import theme
from deskapp.ui.panes.base import CurveSpec, RowSpec, TimePane, fmt

LINK_NAMES = {"bonds": "bonds", "equities": "equities", "smallcaps": "small caps",
              "crypto": "crypto", "altcoins": "altcoins"}


def marks() -> dict[bool | None, tuple[str, str]]:
    """Shape as well as colour (read at draw time: the theme can change): lit, not, unknown."""
    return {True: ("●", theme.text("GREEN")), False: ("○", theme.MUTED),
            None: ("?", theme.AMBER)}


class ChainPane(TimePane):
    pane_key = "chain"
    title = "Liquidity chain"
    description = (
        "bonds -> equities -> small caps -> crypto -> altcoins; each link lit (●), not lit (○) "
        "or unknown (?) with its evidence, and how far the chain has travelled (the unbroken lit "
        "run from bonds). Alt basket (SOL XRP DOGE ADA AVAX LINK) minus BTC: the equal-weight "
        "20-session return minus BTC's; ETH/BTC ratio with its EMA20 (the trend the altcoins "
        "link reads)."
    )
    error_prefixes = ("crypto.", "rates.us10y", "idx.spx", "etfpool.")
    rows = (
        RowSpec("BTC and its EMA20 (the crypto link's trend)", "USD",
                (CurveSpec("btc", "BTC", theme.YELLOW, 1.0),
                 CurveSpec("btc_ema", "EMA20", theme.ORANGE, 1.0, dash=True)),
                stretch=1),
        RowSpec("Alt basket (SOL XRP DOGE ADA AVAX LINK) minus BTC, 20-session return", "%",
                (CurveSpec("alt_btc", "alt basket − BTC, 20d", theme.PURPLE, 1.0, fill=True),),
                stretch=1, zero_line=True),
        RowSpec("ETH/BTC", "ratio",
                (CurveSpec("eth_btc", "ETH/BTC", theme.SKY, 1.0),
                 CurveSpec("eth_btc_ema", "EMA20", theme.ORANGE, 1.0, dash=True)),
                stretch=1),
    )

    def readout_parts(self, view: PaneView) -> list[str]:
        r = view.readouts
        trend = r.get("eth_btc_trend")
        word = {1.0: "up", -1.0: "down", 0.0: "flat"}.get(trend, "—") if trend is not None \
            else "—"
        return [
            f"alt − BTC 20d {fmt(r.get('alt_minus_btc_20d_pct'), '+.2f', '%')}",
            f"ETH/BTC {fmt(r.get('eth_btc'), '.5f')} trend {word}",
        ]

    def chain_html(self, view: PaneView) -> str:
        """The five links in order with their marks, how far the chain has travelled, and each
        link's evidence."""
        m = marks()
        checks = {c.name: c for c in view.checks}
        strip = []
        for name in CHAIN:
            c = checks.get(name)
            mark, colour = m[c.lit if c is not None else None]
            strip.append(f"<span style='color:{colour}'><b>{mark}</b></span> "
                         f"{html.escape(LINK_NAMES[name])}")
        n = int(view.readouts.get("reached_links") or 0)
        travelled = (f"travelled {n}/5: to {LINK_NAMES[CHAIN[n - 1]]}" if n
                     else "travelled 0/5: bonds not lit")
        rows = []
        for name in CHAIN:
            c = checks.get(name)
            if c is None:
                continue
            mark, colour = m[c.lit]
            rows.append(f"<tr><td style='color:{colour}; padding-right:4px'>{mark}</td>"
                        f"<td>{html.escape(LINK_NAMES[name])}&nbsp;</td>"
                        f"<td style='color:{theme.MUTED}'>{html.escape(c.evidence)}</td></tr>")
        return (" → ".join(strip) + f" &nbsp;·&nbsp; <b>{travelled}</b>"
                + "<table cellspacing='0' cellpadding='0'>" + "".join(rows) + "</table>")

    def header_html(self, view: PaneView) -> str:
        return f"{super().header_html(view)}<br>{self.chain_html(view)}"
