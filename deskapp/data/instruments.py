"""The live universe (DESIGN.md section 4): which symbol of which source feeds which series key.

Live series use the same keys, columns and units as the bundled replay store
(resources/replay/catalog.json), so the board and the signals read live and replayed data alike.
Timestamps are always the UTC bar close.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LiveSeries:
    key: str  # series key, as in the replay catalog
    source: str  # "yahoo" | "exchange" | "fred"
    symbol: str  # the source's own symbol (yfinance ticker, ccxt unified symbol, FRED id)
    kind: str  # "bars" | "level" (a single `value` column) | "funding" | "oi" | "liquidations"
    timeframe: str  # "1d" | "1h" | "4h" | "8h" | "1w"
    label: str
    unit: str
    adjusted: str = "n/a"  # raw | adjusted | n/a
    venue: str | None = None  # ccxt exchange id for source "exchange"
    meta_extra: dict = field(default_factory=dict)

    def meta(self) -> dict:
        """A catalog-like entry: what the board and signals read (label, unit, freq ...)."""
        return {"key": self.key, "label": self.label, "unit": self.unit, "freq": self.timeframe,
                "adjusted": self.adjusted, "source": f"{self.source}:{self.symbol}",
                **self.meta_extra}


def _y(key: str, symbol: str, label: str, unit: str, kind: str = "bars", tf: str = "1d",
       adjusted: str = "raw") -> LiveSeries:
    return LiveSeries(key, "yahoo", symbol, kind, tf, label, unit, adjusted)


AI_BASKET = ("NVDA", "MSFT", "AVGO", "AMD", "TSM", "META", "GOOGL", "AMZN", "ORCL", "MU", "PLTR",
             "CRM", "NOW", "ADBE", "ANET")

YAHOO: tuple[LiveSeries, ...] = (
    _y("rates.us10y", "^TNX", "US 10-year Treasury yield (^TNX)", "%", kind="level"),
    _y("rates.us3m", "^IRX", "US 13-week bill yield (^IRX)", "%", kind="level"),
    _y("rates.zq", "ZQ=F", "30-day fed funds futures, front month (ZQ=F)", "price"),
    _y("fx.dxy", "DX-Y.NYB", "US Dollar Index (DX-Y.NYB)", "index"),
    _y("idx.spx", "^GSPC", "S&P 500 (^GSPC)", "index points"),
    _y("fut.es", "ES=F", "E-mini S&P 500 futures (ES=F)", "index points"),
    _y("fut.es.1h", "ES=F", "E-mini S&P 500 futures, hourly (ES=F)", "index points", tf="1h"),
    _y("fut.nq", "NQ=F", "E-mini Nasdaq-100 futures (NQ=F)", "index points"),
    _y("idx.ndx", "^NDX", "Nasdaq-100 (^NDX)", "index points"),
    _y("idx.rut", "^RUT", "Russell 2000 (^RUT)", "index points"),
    _y("idx.vix", "^VIX", "CBOE VIX", "vol points"),
    # adjusted ETF closes, all from one download so their ratios are consistent
    _y("etfpool.spy", "SPY", "SPY (adjusted)", "USD", adjusted="adjusted"),
    _y("etfpool.iwm", "IWM", "IWM (adjusted)", "USD", adjusted="adjusted"),
    _y("etfpool.smh", "SMH", "SMH (adjusted)", "USD", adjusted="adjusted"),
    _y("etfpool.igv", "IGV", "IGV (adjusted)", "USD", adjusted="adjusted"),
    _y("etf.rsp_adj", "RSP", "RSP (adjusted)", "USD", adjusted="adjusted"),
    _y("etf.iwm_adj", "IWM", "IWM (adjusted, with volume)", "USD", adjusted="adjusted"),
    _y("etf.ibit", "IBIT", "iShares Bitcoin Trust (IBIT)", "USD", adjusted="adjusted"),
    _y("etf.fbtc", "FBTC", "Fidelity Wise Origin Bitcoin Fund (FBTC)", "USD", adjusted="adjusted"),
    _y("idx.spx.1h", "^GSPC", "S&P 500 hourly (^GSPC)", "index points", tf="1h"),
    *(_y(f"stk.{t}", t, f"{t} (adjusted)", "USD", adjusted="adjusted") for t in AI_BASKET),
)


def _x(key: str, venue: str, symbol: str, kind: str, tf: str, label: str, unit: str) -> LiveSeries:
    return LiveSeries(key, "exchange", symbol, kind, tf, label, unit, venue=venue)


EXCHANGE: tuple[LiveSeries, ...] = (
    _x("crypto.btc", "binanceusdm", "BTC/USDT:USDT", "bars", "1d", "BTC/USDT perpetual, daily",
       "USDT"),
    _x("crypto.btcusdt.1h", "binanceusdm", "BTC/USDT:USDT", "bars", "1h",
       "BTC/USDT perpetual, hourly", "USDT"),
    _x("crypto.btcusdt.4h", "binanceusdm", "BTC/USDT:USDT", "bars", "4h",
       "BTC/USDT perpetual, 4h", "USDT"),
    _x("crypto.eth", "binanceusdm", "ETH/USDT:USDT", "bars", "1d", "ETH/USDT perpetual, daily",
       "USDT"),
    _x("crypto.eth.1h", "binanceusdm", "ETH/USDT:USDT", "bars", "1h",
       "ETH/USDT perpetual, hourly", "USDT"),
    _x("crypto.btc_spot", "binance", "BTC/USDT", "bars", "1d", "BTC/USDT spot, daily", "USDT"),
    _x("crypto.btc_spot.1h", "binance", "BTC/USDT", "bars", "1h", "BTC/USDT spot, hourly",
       "USDT"),
    _x("crypto.eth_spot", "binance", "ETH/USDT", "bars", "1d", "ETH/USDT spot, daily", "USDT"),
    *(_x(f"crypto.{c.lower()}", "binanceusdm", f"{c}/USDT:USDT", "bars", "1d",
         f"{c}/USDT perpetual, daily", "USDT")
      for c in ("SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK")),
    *(_x(f"deriv.btc_funding_8h.{v}", v, "BTC/USDT:USDT", "funding", "8h",
         f"BTC perp funding, {v}", "fraction per 8h") for v in ("binanceusdm", "bybit", "okx")),
    *(_x(f"deriv.btc_oi_1h.{v}", v, "BTC/USDT:USDT", "oi", "1h",
         f"BTC perp open interest, {v}", "USD") for v in ("binanceusdm", "bybit", "okx")),
)

# Liquidations come only from the venues' websockets (deskapp/data/liquidations.py), never from
# REST, so they are not in EXCHANGE (the REST adapter cannot serve them).
LIQUIDATIONS: tuple[LiveSeries, ...] = tuple(
    _x(f"deriv.btc_liq_1h.{v}", v, "BTC/USDT:USDT", "liquidations", "1h",
       f"BTC perp liquidations, {v}, per 1h", "USD") for v in ("binanceusdm", "bybit", "okx"))


def _f(key: str, series_id: str, label: str, tf: str) -> LiveSeries:
    return LiveSeries(key, "fred", series_id, "level", tf, label, "USD bn")


# Dollar liquidity from FRED's CSV download (deskapp/data/fred.py), in the replay's units.
FRED: tuple[LiveSeries, ...] = (
    _f("liq.walcl", "WALCL", "Fed total assets (FRED WALCL)", "1w"),
    _f("liq.tga", "WTREGEN", "Treasury General Account (FRED WTREGEN)", "1w"),
    _f("liq.rrp", "RRPONTSYD", "Overnight reverse repo (FRED RRPONTSYD)", "1d"),
)

UNIVERSE: tuple[LiveSeries, ...] = YAHOO + EXCHANGE + FRED
