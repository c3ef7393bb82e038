"""Build the bundled replay store in resources/replay/ from the real data in ../shared/data.

Run from the repo root:  python tools/build_replays.py [--shared ../shared/data]

What it does to the data, and nothing more:
- renames columns, drops columns we do not use, cuts rows outside a series' range;
- converts units to one convention (funding: fraction per interval; liquidity: USD billions);
- re-stamps every row with the UTC time its value became known (bar close), see TIME RULES;
- splices two downloads of the same Yahoo series only where they agree exactly on the overlap.
It never fills, interpolates or invents a value: a blank stays NaN, a missing day stays missing.

Each catalog entry records the SHA-256 of the upstream file(s) it was built from and of its own
CSV (the text inside series/<key>.csv.gz), and PROVENANCE.md lists both, so a clone without
../shared/data can still check its store (tests/data/test_bundled_store.py). Re-run this after
adding a series: the output is byte-for-byte deterministic.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from replay_upstream import FILES as UPSTREAM_FILES
from replay_upstream import build_upstream

NY = "America/New_York"
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "replay"


@dataclass
class Series:
    key: str
    label: str
    unit: str
    freq: str  # 1h, 4h, 8h, 1d, 1w
    adjusted: str  # raw | adjusted | n/a
    source: str  # file(s) in ../shared/data
    time_rule: str
    notes: str = ""
    columns: list[str] = field(default_factory=list)
    first: str = ""
    last: str = ""
    rows: int = 0
    sha256: str = ""  # of the series' CSV text (gzip -dc series/<key>.csv.gz | sha256sum)
    upstream_sha256: dict[str, str] = field(default_factory=dict)  # source file -> SHA-256


def source_files(source: str) -> list[str]:
    """The ../shared/data paths named by a Series.source ('a.csv + b.csv')."""
    return [f.strip() for f in source.split("+")]


# ---------------------------------------------------------------- time rules
def at_ny(dates: pd.Series, hhmm: str) -> pd.DatetimeIndex:
    """Session date + a New York wall-clock time -> UTC (DST-correct)."""
    d = pd.to_datetime(dates).dt.normalize()
    h, m = (int(x) for x in hhmm.split(":"))
    local = (d + pd.Timedelta(hours=h, minutes=m)).dt.tz_localize(NY)
    return pd.DatetimeIndex(local.dt.tz_convert("UTC"))


def utc_day_close(dates: pd.Series) -> pd.DatetimeIndex:
    """A UTC calendar-day bar closes at the next 00:00 UTC."""
    return pd.DatetimeIndex(
        pd.to_datetime(dates).dt.normalize() + pd.Timedelta(days=1)
    ).tz_localize("UTC")


def plus(times: pd.Series, delta: str) -> pd.DatetimeIndex:
    t = pd.to_datetime(times, utc=True)
    return pd.DatetimeIndex(t + pd.Timedelta(delta))


def equity_hour_close_ibkr(times: pd.Series) -> pd.DatetimeIndex:
    """IBKR hourly index bars: a 30-minute first bar (13:30/14:30 UTC), then full hours.

    Every bar ends on the next full hour."""
    t = pd.to_datetime(times, utc=True)
    return pd.DatetimeIndex(t.dt.floor("h") + pd.Timedelta(hours=1))


def equity_hour_close_yahoo(times: pd.Series) -> pd.DatetimeIndex:
    """Yahoo hourly ETF bars start at :30; the last bar of a session ends at the 16:00 NY close."""
    t = pd.to_datetime(times, utc=True)
    end = t + pd.Timedelta(hours=1)
    session_close = at_ny(t.dt.tz_convert(NY).dt.tz_localize(None), "16:00")
    end_index = pd.DatetimeIndex(end)
    return end_index.where(end_index <= session_close, session_close)


TIME_RULES = {
    "nyse_close": "session date at 16:00 New York (NYSE close)",
    "vix_close": "session date at 16:15 New York (CBOE VIX close)",
    "ny_1700": "session date at 17:00 New York (ICE/CME futures daily settlement window)",
    "fred_rate": "observation date at 16:00 New York (the market close the daily yield is read at)",
    "utc_day": "UTC calendar day; known at the next 00:00 UTC",
    "bar_open_plus": "bar open time + bar length (UTC)",
    "ibkr_hour": "IBKR hourly bar: ends on the next full hour (a session's first bar is 30 min)",
    "yahoo_hour": "Yahoo hourly bar: open + 1h, but never past the 16:00 New York close",
    "funding": "funding settlement time (UTC)",
    "h41_weekly": "Wednesday of the H.4.1 week; released the next day at 16:30 New York",
    "rrp_daily": "operation date at 13:15 New York (NY Fed publishes the result)",
}


SESSION_RULES = {TIME_RULES[k] for k in ("nyse_close", "vix_close", "fred_rate")}

# The Binance funding-history page export (looikaizhi/PKUB) is stamped in UTC+8 (the page shows
# the viewer's local time) although its column says UTC: every rate sits 8h after the settlement
# it belongs to. Checked row by row against the Binance API file (2022-11-03..2025-03-13: all
# 2,583 common settlements within 1e-8 per 8h after -8h; as stamped, only 755 of 2,584) and
# against lukmol's daily means (all 2,010 complete UTC days within 1e-8 after -8h; as stamped,
# 573 of 2,010). The 1e-8 is the export's rounding to 6 decimals of a percent.
BINANCE_EXPORT_LAG = pd.Timedelta(hours=8)
EXPORT_STAMP_NOTE = (
    "The export's stamps are 8h late (UTC+8 local time labelled UTC); the build subtracts 8h. "
    "Checked against the Binance API file (all 2,583 common settlements within 1e-8 per 8h; "
    "755 as stamped) and lukmol's daily means (all 2,010 complete days; 573 as stamped)."
)


def binance_export_funding_time(stamps: pd.Series) -> pd.DatetimeIndex:
    """Settlement time (UTC) of a row of the Binance funding-history page export."""
    return pd.DatetimeIndex(pd.to_datetime(stamps, utc=True) - BINANCE_EXPORT_LAG)


# ---------------------------------------------------------------- readers
class Builder:
    def __init__(self, shared: Path):
        self.shared = shared
        self.catalog: dict[str, Series] = {}
        self.hashes: dict[str, str] = {}
        (OUT / "series").mkdir(parents=True, exist_ok=True)

    def read(self, rel: str, **kw) -> pd.DataFrame:
        # FRED writes "." for a missing observation; it stays missing (NaN).
        return pd.read_csv(self.shared / rel, na_values=["."], **kw)

    def put(self, meta: Series, index: pd.DatetimeIndex, frame: pd.DataFrame) -> None:
        df = frame.copy()
        df.index = pd.DatetimeIndex(index, name="time")
        df = df[~df.index.duplicated(keep="first")].sort_index()
        df = df.dropna(how="all")
        if meta.time_rule in SESSION_RULES:
            # A "session" dated on a Saturday or Sunday is a copy the source carried, not a session.
            weekend = df.index.tz_convert(NY).day_of_week >= 5
            if weekend.any():
                meta.notes = (
                    meta.notes + f" {int(weekend.sum())} weekend rows in the source "
                    "(not sessions) were left out."
                ).strip()
                df = df[~weekend]
        meta.columns = list(df.columns)
        meta.first = df.index[0].isoformat()
        meta.last = df.index[-1].isoformat()
        meta.rows = len(df)
        out = df.copy()
        out.index = out.index.strftime("%Y-%m-%dT%H:%M:%SZ")
        path = OUT / "series" / f"{meta.key}.csv.gz"
        out.to_csv(path, compression={"method": "gzip", "mtime": 0})
        meta.sha256 = hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()
        meta.upstream_sha256 = {rel: self.sha256(rel) for rel in source_files(meta.source)}
        self.catalog[meta.key] = meta

    def sha256(self, rel: str) -> str:
        """SHA-256 of an upstream file (once per file). Files of the upstream folder: the
        manifest's value, which build_upstream checked against the file it read."""
        if rel.startswith("upstream/"):
            return UPSTREAM_FILES[rel.removeprefix("upstream/")].sha256
        if rel not in self.hashes:
            self.hashes[rel] = hashlib.sha256((self.shared / rel).read_bytes()).hexdigest()
        return self.hashes[rel]

    # daily single-column FRED-like file
    def fred(self, key, rel, col, label, unit, rule="fred_rate", scale=1.0, notes=""):
        df = self.read(rel)
        idx = self.time_for(rule, df["date"])
        vals = pd.DataFrame({"value": df[col].to_numpy() * scale})
        freq = "1w" if rule == "h41_weekly" else "1d"
        self.put(Series(key, label, unit, freq, "n/a", rel, TIME_RULES[rule], notes), idx, vals)

    def time_for(self, rule: str, dates: pd.Series) -> pd.DatetimeIndex:
        if rule in ("nyse_close", "fred_rate"):
            return at_ny(dates, "16:00")
        if rule == "vix_close":
            return at_ny(dates, "16:15")
        if rule == "ny_1700":
            return at_ny(dates, "17:00")
        if rule == "utc_day":
            return utc_day_close(dates)
        if rule == "h41_weekly":
            return at_ny(pd.to_datetime(dates) + pd.Timedelta(days=1), "16:30")
        if rule == "rrp_daily":
            return at_ny(dates, "13:15")
        raise ValueError(rule)

    def ohlc(self, key, rel, label, unit, rule, adjusted, cols=None, ticker=None, notes=""):
        df = self.read(rel)
        if ticker is not None:
            df = df[df["ticker"] == ticker]
        cols = cols or [c for c in ("open", "high", "low", "close", "volume") if c in df.columns]
        idx = self.time_for(rule, df["date"])
        meta = Series(key, label, unit, "1d", adjusted, rel, TIME_RULES[rule], notes)
        self.put(meta, idx, df[cols].reset_index(drop=True))

    def wide_close(self, key, rel, col, label, unit, rule, adjusted, notes="", volume_col=None):
        df = self.read(rel)
        frame = pd.DataFrame({"close": df[col].to_numpy()})
        if volume_col:
            frame["volume"] = df[volume_col].to_numpy()
        idx = self.time_for(rule, df["date"])
        self.put(Series(key, label, unit, "1d", adjusted, rel, TIME_RULES[rule], notes), idx, frame)


def build(shared: Path, upstream: Path | None = None) -> dict[str, Series]:
    b = Builder(shared)
    d = "daily/"
    # ---- rates, dollar, policy
    b.fred(
        "rates.us10y",
        d + "us10y_daily_fred_dgs10_2015_2026.csv",
        "dgs10",
        "US 10-year Treasury yield (FRED DGS10)",
        "%",
    )
    b.fred(
        "rates.us3m",
        d + "us3m_daily_fred_dgs3mo_2010_2026.csv",
        "dgs3mo",
        "US 3-month T-bill yield (FRED DGS3MO)",
        "%",
        notes="Constant-maturity 3-month yield; stands in for ^IRX (13-week bill), "
        "which the data does not hold.",
    )
    b.fred(
        "rates.us2y",
        d + "us2y_daily_fred_dgs2_2010_2026.csv",
        "dgs2",
        "US 2-year Treasury yield (FRED DGS2)",
        "%",
    )
    b.fred("rates.sofr", d + "sofr_daily_fred_2018_2026.csv", "sofr", "SOFR (FRED)", "%")
    b.ohlc(
        "fx.dxy",
        d + "dxy_daily_yahoo_2010_2026.csv",
        "US Dollar Index (DX-Y.NYB)",
        "index",
        "ny_1700",
        "n/a",
    )
    b.fred(
        "fx.usd_broad",
        d + "usd_broad_index_daily_fred_dtwexbgs_2015_2026.csv",
        "dtwexbgs",
        "Nominal broad US dollar index (FRED DTWEXBGS)",
        "index",
        rule="nyse_close",
    )
    b.ohlc(
        "rates.zq",
        d + "zq_f_fed_funds_futures_daily_yahoo_2015_2025.csv",
        "30-day fed funds futures, front month (ZQ=F)",
        "price (100 - rate)",
        "ny_1700",
        "n/a",
    )
    # ---- equity indices and futures
    b.ohlc(
        "idx.spx",
        d + "spx_daily_yahoo_2010_2026.csv",
        "S&P 500 (^GSPC)",
        "index points",
        "nyse_close",
        "raw",
    )
    b.ohlc(
        "fut.es",
        d + "es_f_continuous_daily_yahoo_2015_2026.csv",
        "E-mini S&P 500 futures, continuous (ES=F)",
        "index points",
        "ny_1700",
        "raw",
    )
    b.wide_close(
        "idx.ndx",
        d + "ndx_rut_smh_sox_daily_yahoo_2024_2026.csv",
        "ndx",
        "Nasdaq-100 (^NDX)",
        "index points",
        "nyse_close",
        "raw",
        volume_col="ndx_volume",
    )
    b.wide_close(
        "idx.sox",
        d + "ndx_rut_smh_sox_daily_yahoo_2024_2026.csv",
        "sox",
        "PHLX Semiconductor index (^SOX)",
        "index points",
        "nyse_close",
        "raw",
    )
    b.ohlc(
        "idx.rut",
        d + "rut_daily_ohlc_2016_2026.csv",
        "Russell 2000 (^RUT)",
        "index points",
        "nyse_close",
        "raw",
        notes="IBKR index bars to 2026-08-04, Yahoo from 2026-08-05.",
    )
    b.wide_close(
        "idx.rut_yahoo",
        d + "rut_daily_close_yahoo_2010_2025.csv",
        "close",
        "Russell 2000 (^RUT), Yahoo close only",
        "index points",
        "nyse_close",
        "raw",
    )
    b.fred(
        "idx.nasdaq_comp",
        d + "nasdaq_composite_daily_fred_2019_2024.csv",
        "nasdaqcom",
        "NASDAQ Composite (FRED NASDAQCOM)",
        "index points",
        rule="nyse_close",
    )
    b.ohlc(
        "idx.vix", d + "vix_daily_cboe_2010_2026.csv", "CBOE VIX", "vol points", "vix_close", "n/a"
    )
    for t in ("SPY", "QQQ"):
        b.ohlc(
            f"etf.{t.lower()}",
            d + "spy_qqq_daily_ohlcv_2016_2026.csv",
            f"{t} (unadjusted)",
            "USD",
            "nyse_close",
            "raw",
            ticker=t,
        )
    for t in ("RSP", "IWM"):
        b.ohlc(
            f"etf.{t.lower()}_adj",
            d + "rsp_iwm_daily_ohlcv_adjusted_yahoo_2015_2026.csv",
            f"{t} (Yahoo split+dividend adjusted)",
            "USD",
            "nyse_close",
            "adjusted",
            ticker=t,
        )
    pool = d + "etf_closes_spy_qqq_iwm_smh_igv_yahoo_2025_2026.csv"
    for t in ("spy", "qqq", "iwm", "smh", "soxx", "igv", "skyy"):
        b.wide_close(
            f"etfpool.{t}",
            pool,
            t,
            f"{t.upper()} (dividend-adjusted, one download)",
            "USD",
            "nyse_close",
            "adjusted",
            notes="All etfpool.* series come from one download, so their ratios are consistent.",
        )
    # ---- AI / semis / software leaders (each stock on its own, for breadth vs its own SMA)
    semis = d + "semis_crypto_equities_daily_yahoo_2024_2026.csv"
    for t in ("NVDA", "TSM", "AMAT", "ASML", "QCOM", "TXN", "INTC", "COIN", "MSTR"):
        b.ohlc(f"stk.{t}", semis, f"{t} (Yahoo)", "USD", "nyse_close", "adjusted", ticker=t)
    leaders = d + "ai_leaders_daily_ohlcv_2024_2026.csv"
    for t in ("MSFT", "AVGO", "AMD", "META", "GOOG", "AMZN", "MU"):
        b.ohlc(
            f"stk.{t}",
            leaders,
            f"{t} (unadjusted, IBKR/Yahoo)",
            "USD",
            "nyse_close",
            "raw",
            ticker=t,
        )
    closes = d + "ai_leaders_daily_close_yahoo_2024_2026.csv"
    for t in ("GOOGL", "ADBE"):
        b.wide_close(
            f"stk.{t}",
            closes,
            t.lower(),
            f"{t} (unadjusted close, Yahoo)",
            "USD",
            "nyse_close",
            "raw",
        )
    for t in ("PLTR", "ANET"):
        b.ohlc(
            f"stk.{t}",
            d + "pltr_anet_daily_ohlcv_yahoo_2024_2026.csv",
            f"{t} (Yahoo)",
            "USD",
            "nyse_close",
            "adjusted",
            ticker=t,
        )
    for t in ("ORCL", "CRM"):
        b.ohlc(
            f"stk.{t}",
            d + "orcl_crm_daily_ohlcv_adjusted_yahoo_2024_2025.csv",
            f"{t} (Yahoo adjusted)",
            "USD",
            "nyse_close",
            "adjusted",
            ticker=t,
        )
    # ---- crypto daily
    old = b.read(d + "btc_usd_daily_yahoo_2016_2025.csv")
    new = b.read(d + "btc_usd_daily_yahoo_2024_2026.csv")
    cols = ["open", "high", "low", "close", "volume"]
    overlap = old.merge(new, on="date", suffixes=("_a", "_b"))
    if not (overlap["close_a"] == overlap["close_b"]).all():
        raise SystemExit("BTC-USD downloads disagree on their overlap; refusing to splice")
    btc = pd.concat([old[old["date"] < new["date"].min()][["date", *cols]], new[["date", *cols]]])
    b.put(
        Series(
            "crypto.btc",
            "Bitcoin (BTC-USD, Yahoo)",
            "USD",
            "1d",
            "n/a",
            d + "btc_usd_daily_yahoo_2016_2025.csv + " + d + "btc_usd_daily_yahoo_2024_2026.csv",
            TIME_RULES["utc_day"],
            f"Two downloads of the same Yahoo series, identical on all {len(overlap)} common "
            "days; the newer one is used from 2024-12-06. 2026-06-19 is missing in the source.",
        ),
        utc_day_close(btc["date"]),
        btc[cols].reset_index(drop=True),
    )
    b.ohlc(
        "crypto.eth",
        d + "eth_usd_daily_yahoo_2017_2025.csv",
        "Ether (ETH-USD, Yahoo)",
        "USD",
        "utc_day",
        "n/a",
        cols=cols,
    )
    alts4 = d + "altcoins_sol_xrp_ada_link_usd_daily_close_yahoo_2021_2026.csv"
    for c in ("sol", "xrp", "ada", "link"):
        b.wide_close(f"crypto.{c}", alts4, c, f"{c.upper()}-USD (Yahoo)", "USD", "utc_day", "n/a")
    alts6 = d + "altcoins_usd_daily_close_yahoo_2021_2025.csv"
    for c in ("doge", "avax"):
        b.wide_close(f"crypto.{c}", alts6, c, f"{c.upper()}-USD (Yahoo)", "USD", "utc_day", "n/a")
    # ---- dollar liquidity (USD billions)
    b.fred(
        "liq.walcl",
        d + "fed_total_assets_weekly_fred_walcl_2015_2026.csv",
        "walcl",
        "Fed total assets (FRED WALCL)",
        "USD bn",
        rule="h41_weekly",
        scale=1e-3,
        notes="Source in USD millions; divided by 1000.",
    )
    tga = pd.concat(
        [
            b.read(d + "tga_weekly_fred_wtregen_2015_2025.csv"),
            b.read(d + "tga_weekly_fred_wtregen_2026.csv"),
        ]
    )
    b.put(
        Series(
            "liq.tga",
            "Treasury General Account (FRED WTREGEN)",
            "USD bn",
            "1w",
            "n/a",
            d + "tga_weekly_fred_wtregen_2015_2025.csv + " + d + "tga_weekly_fred_wtregen_2026.csv",
            TIME_RULES["h41_weekly"],
            "Source in USD millions; divided by 1000. No rows 2025-11-26..2025-12-31.",
        ),
        b.time_for("h41_weekly", tga["date"]),
        pd.DataFrame({"value": tga["wtregen"].to_numpy() * 1e-3}),
    )
    b.fred(
        "liq.rrp",
        d + "on_rrp_daily_fred_rrpontsyd_2015_2026.csv",
        "rrpontsyd",
        "Overnight reverse repo (FRED RRPONTSYD)",
        "USD bn",
        rule="rrp_daily",
    )
    # ---- crypto derivatives
    dv = "derivatives/"
    f = b.read(dv + "btc_funding_daily_binance_lukmol_2019_2026.csv")
    b.put(
        Series(
            "deriv.btc_funding_daily",
            "BTCUSDT perp funding, Binance, daily mean of 8h rates",
            "fraction per 8h",
            "1d",
            "n/a",
            dv + "btc_funding_daily_binance_lukmol_2019_2026.csv",
            TIME_RULES["utc_day"],
            "Mean of the day's three 8h rates (upstream aggregate).",
        ),
        utc_day_close(f["date"]),
        pd.DataFrame({"rate": f["funding_mean"].to_numpy()}),
    )
    f = b.read(dv + "binance_btcusdt_perp_funding_8h_api_2022_2025.csv")
    t = pd.to_datetime(f["funding_time_ms"], unit="ms", utc=True).dt.round("min")
    b.put(
        Series(
            "deriv.btc_funding_8h",
            "BTCUSDT perp funding, Binance API, every 8h",
            "fraction per 8h",
            "8h",
            "n/a",
            dv + "binance_btcusdt_perp_funding_8h_api_2022_2025.csv",
            TIME_RULES["funding"],
            "Source in percent; divided by 100. Times rounded to the "
            "minute (the API stamps settle a few ms off the hour).",
        ),
        pd.DatetimeIndex(t),
        pd.DataFrame({"rate": f["funding_rate_pct"].to_numpy() / 100.0}),
    )
    f = b.read(dv + "binance_btcusdt_perp_funding_8h_2019_2025.csv")
    b.put(
        Series(
            "deriv.btc_funding_8h_export",
            "BTCUSDT perp funding, Binance funding-history page export, every 8h",
            "fraction per 8h",
            "8h",
            "n/a",
            dv + "binance_btcusdt_perp_funding_8h_2019_2025.csv",
            TIME_RULES["funding"],
            f"Source in percent; divided by 100. {EXPORT_STAMP_NOTE}",
        ),
        binance_export_funding_time(f["time_utc"]),
        pd.DataFrame({"rate": f["funding_rate_pct"].to_numpy() / 100.0}),
    )
    f = b.read(dv + "bybit_btcusdt_perp_funding_8h_2020_2025.csv")
    b.put(
        Series(
            "deriv.btc_funding_8h_bybit",
            "BTCUSDT perp funding, Bybit, every 8h",
            "fraction per 8h",
            "8h",
            "n/a",
            dv + "bybit_btcusdt_perp_funding_8h_2020_2025.csv",
            TIME_RULES["funding"],
            "Source already a fraction. Stamps on the venue's 00/08/16 UTC schedule; no other "
            "Bybit file to check them against row by row (see PROVENANCE.md, funding stamps).",
        ),
        pd.DatetimeIndex(pd.to_datetime(f["time_utc"], utc=True)),
        pd.DataFrame({"rate": f["funding_rate"].to_numpy()}),
    )
    o = b.read(dv + "btc_futures_oi_usd_daily_2019_2024.csv")
    b.put(
        Series(
            "deriv.btc_oi_daily",
            "BTC futures open interest, all exchanges (likely CryptoQuant)",
            "USD",
            "1d",
            "n/a",
            dv + "btc_futures_oi_usd_daily_2019_2024.csv",
            TIME_RULES["utc_day"],
        ),
        utc_day_close(o["date"]),
        pd.DataFrame({"oi_usd": o["open_interest_usd"].to_numpy()}),
    )
    o = b.read(dv + "btc_oi_all_exchanges_usd_4h_coinglass_2024_2025.csv")
    b.put(
        Series(
            "deriv.btc_oi_4h",
            "BTC futures open interest, all exchanges (Coinglass, 4h close)",
            "USD",
            "4h",
            "n/a",
            dv + "btc_oi_all_exchanges_usd_4h_coinglass_2024_2025.csv",
            TIME_RULES["bar_open_plus"],
        ),
        plus(o["time_utc"], "4h"),
        pd.DataFrame({"oi_usd": o["oi_close_usd"].to_numpy()}),
    )
    q = b.read(dv + "btc_liquidations_binance_daily_coinglass_2020_2025.csv")
    b.put(
        Series(
            "deriv.btc_liq_daily",
            "BTC liquidations, Binance (Coinglass), per UTC day",
            "USD",
            "1d",
            "n/a",
            dv + "btc_liquidations_binance_daily_coinglass_2020_2025.csv",
            TIME_RULES["utc_day"],
            "Binance throttles its forceOrder stream: understates.",
        ),
        utc_day_close(q["date"]),
        q[["long_liquidation_usd", "short_liquidation_usd"]].set_axis(
            ["long_usd", "short_usd"], axis=1
        ),
    )
    q = b.read(dv + "btc_liquidations_binance_4h_coinglass_2024_2025.csv")
    b.put(
        Series(
            "deriv.btc_liq_4h",
            "BTC liquidations, Binance (Coinglass), per 4h",
            "USD",
            "4h",
            "n/a",
            dv + "btc_liquidations_binance_4h_coinglass_2024_2025.csv",
            TIME_RULES["bar_open_plus"],
            "Binance throttles its forceOrder stream: understates.",
        ),
        plus(q["time_utc"], "4h"),
        q[["long_liquidation_usd", "short_liquidation_usd"]].set_axis(
            ["long_usd", "short_usd"], axis=1
        ),
    )
    # ---- intraday
    it = "intraday/"
    h = b.read(it + "spx_rut_1h_ibkr_2025_2026.csv")
    for name, label in (("SPX", "S&P 500"), ("RUT", "Russell 2000")):
        s = h[h["index"] == name]
        b.put(
            Series(
                f"idx.{name.lower()}.1h",
                f"{label} index, hourly (IBKR)",
                "index points",
                "1h",
                "raw",
                it + "spx_rut_1h_ibkr_2025_2026.csv",
                TIME_RULES["ibkr_hour"],
            ),
            equity_hour_close_ibkr(s["time_utc"]),
            s[["open", "high", "low", "close"]].reset_index(drop=True),
        )
    for t in ("spy", "qqq", "iwm"):
        s = b.read(it + f"{t}_1h_yahoo_2024_2026.csv")
        b.put(
            Series(
                f"etf.{t}.1h",
                f"{t.upper()} hourly (Yahoo, regular session)",
                "USD",
                "1h",
                "raw",
                it + f"{t}_1h_yahoo_2024_2026.csv",
                TIME_RULES["yahoo_hour"],
                "Yahoo sometimes reports volume 0 on an hourly bar.",
            ),
            equity_hour_close_yahoo(s["time_utc"]),
            s[cols].reset_index(drop=True),
        )
    s = b.read(it + "btc_usd_1h_yahoo_2024_2025.csv")
    b.put(
        Series(
            "crypto.btc_yahoo.1h",
            "BTC-USD hourly (Yahoo)",
            "USD",
            "1h",
            "n/a",
            it + "btc_usd_1h_yahoo_2024_2025.csv",
            TIME_RULES["bar_open_plus"],
            "One hour missing before 2025-01-02 15:00 in the source.",
        ),
        plus(s["time_utc"], "1h"),
        s[cols].reset_index(drop=True),
    )
    a = b.read(it + "btcusdt_1h_binance_spot_2025.csv")
    a["time_utc"] = pd.to_datetime(a["open_time"], unit="ms", utc=True)
    c = b.read(it + "btcusdt_1h_binance_spot_2026.csv")
    c["time_utc"] = pd.to_datetime(c["time_utc"], utc=True)
    both = pd.concat([a[["time_utc", *cols]], c[["time_utc", *cols]]])
    b.put(
        Series(
            "crypto.btcusdt.1h",
            "BTC/USDT hourly (Binance spot)",
            "USDT",
            "1h",
            "n/a",
            it + "btcusdt_1h_binance_spot_2025.csv + " + it + "btcusdt_1h_binance_spot_2026.csv",
            TIME_RULES["bar_open_plus"],
            "Two windows, no overlap: 2025-05-19..2025-09-21 and 2026-01-15..2026-04-15.",
        ),
        plus(both["time_utc"], "1h"),
        both[cols].reset_index(drop=True),
    )
    s = b.read(it + "btcusdt_4h_binance_spot_2020_2021.csv")
    b.put(
        Series(
            "crypto.btcusdt.4h",
            "BTC/USDT 4h bars (Binance spot)",
            "USDT",
            "4h",
            "n/a",
            it + "btcusdt_4h_binance_spot_2020_2021.csv",
            TIME_RULES["bar_open_plus"],
            "Stamps in the source are bar opens. 2020-10-15..2021-03-31 only: no 4h or 1h BTC "
            "bars cover 2021-04..2023-12.",
        ),
        plus(s["time_utc"], "4h"),
        s[cols].reset_index(drop=True),
    )
    # ---- public upstream files that ../shared/data does not hold (tools/replay_upstream.py)
    folder = upstream if upstream is not None else shared / "upstream"
    kept = build_upstream(b, Series, folder, TIME_RULES, OUT)
    if kept:
        print(f"{folder}: absent; kept {len(kept)} upstream series as already built")
    return b.catalog


# ---------------------------------------------------------------- datasets
DAILY_PREFIXES = ("rates.", "fx.", "idx.", "fut.", "etf", "stk.", "crypto.", "liq.", "deriv.")


def datasets(catalog: dict[str, Series]) -> list[dict]:
    # the event replays keep the series of ../shared/data; `history` holds everything
    daily = sorted(k for k, s in catalog.items()
                   if s.freq in ("1d", "1w") and not s.source.startswith("upstream/"))
    return [
        {
            "name": "history",
            "title": "Every series, 2010-2026: daily, and intraday where held",
            "holds": "every series of the store over its full range: all daily rates, FX, "
            "equity, AI-leader, crypto, funding, OI, liquidation and Fed-liquidity series, plus "
            "the hourly S&P 500 / SPY / QQQ / IWM / BTC bars, an hourly S&P 500 CFD "
            "(2015..2025-02), 2h and 4h BTC bars (2017..2025), 4h OI and liquidations, 8h "
            "funding (Binance, Bybit), and longer downloads of BTC, ^NDX, SPY, SMH and the "
            "AI-basket members",
            "warmup_start": None,
            "start": "2010-01-05T00:00:00Z",
            "end": "2026-08-23T00:00:00Z",
            "default_at": "2026-08-23T00:00:00Z",
            "default_speed": 86400 * 2,
            "view_days": 365,
            "series": sorted(catalog),
        },
        {
            "name": "2026-02-risk-off",
            "title": "AI/tech repricing, liquidity repricing and the crypto liquidation flywheel",
            "holds": "daily series + S&P 500 / Russell 2000 hourly (IBKR) + BTC/USDT hourly "
            "(Binance, from 2026-01-15); Russell 2000 first close above 2600 on 2026-01-08",
            "warmup_start": "2024-10-01T00:00:00Z",
            "start": "2026-01-02T00:00:00Z",
            "end": "2026-02-17T00:00:00Z",
            "default_at": "2026-01-15T00:00:00Z",
            "default_speed": 3600,
            "view_days": 75,
            "series": daily + ["idx.spx.1h", "idx.rut.1h", "crypto.btcusdt.1h"],
        },
        {
            "name": "2025-10-liquidations",
            "title": "The record crypto leverage flush of 10 October 2025",
            "holds": "daily series + BTC open interest and Binance liquidations at 4h + Binance "
            "8h funding + S&P 500 hourly (no BTC hourly bars cover October 2025)",
            "warmup_start": "2024-06-01T00:00:00Z",
            "start": "2025-09-22T00:00:00Z",
            "end": "2025-10-31T00:00:00Z",
            "default_at": "2025-10-09T00:00:00Z",
            "default_speed": 3600,
            "view_days": 45,
            "series": daily
            + [
                "idx.spx.1h",
                "idx.rut.1h",
                "deriv.btc_oi_4h",
                "deriv.btc_liq_4h",
                "deriv.btc_funding_8h",
            ],
        },
        {
            "name": "2024-08-carry-unwind",
            "title": "The yen carry-trade unwind of August 2024",
            "holds": "daily series + SPY/QQQ/IWM hourly and BTC-USD hourly (Yahoo) + Binance 8h "
            "funding",
            "warmup_start": "2023-05-01T00:00:00Z",
            "start": "2024-07-15T00:00:00Z",
            "end": "2024-08-31T00:00:00Z",
            "default_at": "2024-07-29T00:00:00Z",
            "default_speed": 3600,
            "view_days": 45,
            "series": daily
            + [
                "etf.spy.1h",
                "etf.qqq.1h",
                "etf.iwm.1h",
                "crypto.btc_yahoo.1h",
                "deriv.btc_funding_8h",
            ],
        },
    ]


def upstream_sources(readme: Path) -> dict[str, str]:
    """file name -> 'owner/repo @ commit : path' from the tables of ../shared/data/README.md."""
    out: dict[str, str] = {}
    last = ""
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not cells[0].startswith("`"):
            continue
        name, source = cells[0].strip("`"), cells[-1]
        if source.lower().startswith("same"):
            source = f"{last} ({source})"
        elif "@" in source:
            last = source.split(":")[0].strip()
        out[name] = source
    return out


def provenance(catalog: dict[str, Series], sets: list[dict], shared: Path) -> str:
    """PROVENANCE.md: where every bundled value came from and what was done to it."""
    ups = upstream_sources(shared / "README.md")
    ups.update({name: up.cite() for name, up in UPSTREAM_FILES.items()})
    lines = [
        "# Provenance of the bundled replay data",
        "",
        "Generated by `tools/build_replays.py` from the real historical files of `../shared/data`",
        "(see that folder's README for how each was obtained). Nothing here is synthesised,",
        "interpolated or filled: a blank in the source stays missing, a gap stays a gap.",
        "",
        "What the build does, and nothing else:",
        "- renames columns and drops unused ones;",
        "- converts units to one convention: funding as a fraction per 8h interval (Binance",
        "  API percent / 100), Fed liquidity series in USD billions (FRED millions / 1000);",
        "- stamps every row with the UTC time its value became known (the bar close), by the",
        "  time rule listed for the series;",
        "- splices two downloads of one Yahoo series only where they agree exactly on the overlap",
        "  (BTC-USD daily: identical on every common day), and two non-overlapping windows of one",
        "  venue (Binance BTC/USDT hourly 2025 and 2026).",
        "",
        "Overlapping downloads of one instrument are kept as separate series keys and chosen",
        "by the role candidates of `deskapp/signals/roles.py` (first current one wins), never",
        "spliced:",
        "- BTC hourly: Binance `crypto.btcusdt.1h`, then Yahoo `crypto.btc_yahoo.1h`. The 4h",
        "  timeframe where no hourly bars are current (role `btc_4h`): Binance 2h bars",
        "  `crypto.btcusdt.2h` (2017-08..2025-08), then the 4h bars `crypto.btcusdt.4h`",
        "  (2020-10..2021-03, every 4h close of which the 2h bars also give).",
        "- BTC daily: `crypto.btc`, then the longer Yahoo download `crypto.btc.hist` (from",
        "  2014-09-17; identical where both exist).",
        "- Hourly equity (role `equity_1h`): ES, IBKR S&P 500, Yahoo SPY, then the S&P 500 CFD",
        "  `cfd.spx500.1h` (2015..2025-02) where none of them is current.",
        "- NDX: `idx.ndx` (2024-08 on), then the long ^NDX download `idx.ndx.hist`, then QQQ.",
        "- Adjusted SPY: `etfpool.spy`, then `etf.spy_adj` (the RSP/IWM download); adjusted SMH:",
        "  `etfpool.smh`, then `etf.smh_adj.hist`.",
        "- AI-basket members: `stk.T`, then the 2024-03 download `stk.T.hist` (2012..2024-03-08;",
        "  NVDA and AVGO in pre-split units there). Each member is compared only with its own",
        "  moving averages and returns, so the two keys never meet in one window.",
        "- 8h funding: the Binance API file `deriv.btc_funding_8h`, then the Binance ccxt",
        "  download `deriv.btc_funding_8h_ccxt` (2019-09..2026-02), then the page export",
        "  `deriv.btc_funding_8h_export` (2019-09..2025-03, re-stamped), then the daily mean.",
        "  Bybit 8h funding (`deriv.btc_funding_8h_bybit`) is held for display, not used for a",
        "  role.",
        "",
        "Funding stamps, checked against the venues' schedule (Binance and Bybit settle at",
        "00:00, 08:00 and 16:00 UTC) and row by row where two files overlap:",
        "- `binance_btcusdt_perp_funding_8h_2019_2025.csv` (the Binance funding-history page",
        "  export, looikaizhi/PKUB) is stamped **8 hours late**: its times are UTC+8 local time",
        "  labelled UTC. They sit on the 00/08/16 grid, so the schedule alone cannot show it; the",
        "  overlap does. As stamped, 755 of 2,584 common settlements equal the Binance API file",
        "  (kalyar197, exact ms stamps); moved back 8h, all 2,583 agree to 1e-8 per 8h (the",
        "  export's 6-decimal percent rounding), and all 2,010 complete UTC days agree with",
        "  lukmol's daily means to 1e-8 (573 as stamped). The build subtracts 8h. So on",
        "  2021-05-19 the -0.089697 % rate settled at 16:00 UTC, before the US close, not at",
        "  00:00 the next day.",
        "- The Binance API file (`deriv.btc_funding_8h`): exact epoch-ms settlement stamps, a few",
        "  ms past the hour, rounded to the minute.",
        "- Bybit (`bybit_btcusdt_perp_funding_8h_2020_2025.csv`): on the 00/08/16 grid with no",
        "  gap; no second Bybit file exists to check it row by row. Against Binance its rates",
        "  correlate best one settlement later in 2020-2022 (0.81 vs 0.67 in 2021) and at the",
        "  same stamp from 2023 (0.86 vs 0.75 in 2024). That matches Bybit's old rule (the rate",
        "  was fixed at the start of the interval it was paid for) rather than a stamp error, so",
        "  its stamps are kept as they are.",
        "",
        "Dividend-adjusted (`adjusted`) and raw series are never mixed in one calculation: the",
        "RSP/SPY and SMH/SPY ratios use adjusted legs only (`etf.rsp_adj`, `etfpool.*`,",
        "`etf.spy_adj`, `etf.smh_adj.hist`); the",
        "AI-basket breadth compares each stock only with its own moving average.",
        "",
        "Licences: most upstream repositories carry none. The data is Yahoo Finance (Yahoo terms),",
        "FRED / Federal Reserve (public domain; NASDAQCOM is (c) Nasdaq), CBOE VIX (ODC-PDDL-1.0),",
        "IBKR, Barchart, Coinglass and Binance/Bybit public market data. For tests and replay",
        "only; do not redistribute as a product.",
        "",
        "## Datasets",
        "",
        "| name | replay window (UTC) | warm-up from | holds |",
        "|---|---|---|---|",
    ]
    for d in sets:
        lines.append(
            f"| `{d['name']}` | {d['start'][:10]} .. {d['end'][:10]} | "
            f"{(d['warmup_start'] or 'first row')[:10]} | {d['holds']} |"
        )
    lines += ["", "## Time rules", ""]
    lines += [f"- `{k}`: {v}" for k, v in TIME_RULES.items()]
    lines += [
        "",
        "## Series",
        "",
        "| key | what | unit | prices | first .. last bar close (UTC) | rows | from "
        "`../shared/data` | upstream | time rule | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, m in sorted(catalog.items()):
        files = [f.split("/")[-1] for f in source_files(m.source)]
        upstream = "; ".join(ups.get(f, "?") for f in files if f.endswith(".csv"))
        lines.append(
            f"| `{key}` | {m.label} | {m.unit} | {m.adjusted} | {m.first[:16]} .. {m.last[:16]} "
            f"| {m.rows} | `{m.source}` | {upstream} | {m.time_rule} | {m.notes} |"
        )
    return "\n".join(lines + upstream_section(catalog) + checksums(catalog)) + "\n"


def checksums(catalog: dict[str, Series]) -> list[str]:
    """The SHA-256 sections of PROVENANCE.md (the same values as catalog.json)."""
    upstream = {rel: h for m in catalog.values() for rel, h in m.upstream_sha256.items()}
    lines = [
        "",
        "## Checksums",
        "",
        "SHA-256 of every upstream file used and of every generated series (of the CSV text",
        "inside `series/<key>.csv.gz`: `gzip -dc series/<key>.csv.gz | sha256sum`), as in",
        "`catalog.json`. `tests/data/test_bundled_store.py` checks the series against them",
        "always and the upstream files when `../shared/data` is there; after changing a series",
        "or its source, regenerate with `python tools/build_replays.py`.",
        "",
        "### Upstream files (`../shared/data`)",
        "",
        "| file | SHA-256 |",
        "|---|---|",
    ]
    lines += [f"| `{rel}` | `{h}` |" for rel, h in sorted(upstream.items())]
    lines += ["", "### Series", "", "| key | SHA-256 of the CSV |", "|---|---|"]
    lines += [f"| `{k}` | `{m.sha256}` |" for k, m in sorted(catalog.items())]
    return lines


def upstream_section(catalog: dict[str, Series]) -> list[str]:
    """PROVENANCE.md: the public files found beyond ../shared/data, and what was checked."""
    lines = [
        "",
        "## Upstream files beyond `../shared/data`",
        "",
        "Found in public repositories for issue 14 (longer history). One file per download,",
        "listed in `tools/replay_upstream.json` with its repository, commit, path and SHA-256;",
        "the build reads them from `--upstream` (default `../shared/data/upstream`) and checks the",
        "SHA-256. Where the folder is absent the series already built here are kept as they are.",
        "Units and adjustment were checked against `../shared/data` on every common day:",
        "",
        "| file | repository @ commit : path | sha256 | series | what | checks |",
        "|---|---|---|---|---|---|",
    ]
    for name, up in UPSTREAM_FILES.items():
        keys = ", ".join(f"`{k}`" for k, m in sorted(catalog.items())
                         if m.source == f"upstream/{name}")
        lines.append(f"| `{name}` | {up.repo} @ {up.commit} : `{up.path}` | `{up.sha256}` "
                     f"| {keys} | {up.what} | {up.checks} |")
    return lines + ["", *STILL_MISSING]


STILL_MISSING = [
    "Looked for and not added (issue 14, Dec 2026):",
    "- **BTC hourly bars before 2024.** odd-rabbit/Genetic_Programming @ 560954f0 :",
    "  `BTCUSDT-1h.csv` (Binance 2017-08..2022-03) fills the exchange's outages with 121 flat,",
    "  zero-volume bars; the CryptoDataDownload copy in andrewsiah/crypto-historical-data @",
    "  6592181a : `Binance_BTCUSDT_1h.csv` (2017-08..2021-06) has 2,649 duplicated hours, 117",
    "  filled bars and 178 closes up to 1.9 % off Binance's own (checked against the 2h",
    "  bars). Left out: the 2h bars serve the 4h timeframe, but the hourly correlation and",
    "  the hourly BTC spike ratio stay undecided before 2024. sky1241's Bitstamp 1h",
    "  (2011-2025) is over the 4 MiB limit of a snapshot file.",
    "- **Hourly equity before 2015** and exchange (not CFD) hourly S&P 500 / ES before 2024.",
    "- **AI-basket members 2024-03-09 .. their bundled start** (NVDA, TSM 2024-12-06; GOOGL,",
    "  ADBE 2024-08-22; PLTR 2024-12-06; ANET 2025-05-02; NOW has no bundled series at all)",
    "  and the other semis of the store (AMAT, ASML, QCOM, TXN, INTC) before 2024-12.",
    "- **^SOX before 2024-08** (SOXX and SMH adjusted closes stand in from 2010), **IGV",
    "  before 2025-08**.",
    "- **Open interest** before 2019-03 and after 2025-11-14, **liquidations** before",
    "  2020-12 and after 2025-11-14: no public file found beyond those of ../shared/data.",
    "  anonymise6022/trading-bot holds Binance hourly OI for 2026-06-24..07-23 only, inside",
    "  a feature table; not added.",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--upstream", type=Path, default=None,
                    help="folder of the upstream files of tools/replay_upstream.json "
                    "(default: SHARED/upstream)")
    args = ap.parse_args()
    catalog = build(args.shared, args.upstream)
    (OUT / "catalog.json").write_text(
        json.dumps({k: asdict(v) for k, v in sorted(catalog.items())}, indent=1) + "\n"
    )
    sets = datasets(catalog)
    (OUT / "datasets.json").write_text(json.dumps(sets, indent=1) + "\n")
    (OUT / "PROVENANCE.md").write_text(provenance(catalog, sets, args.shared), encoding="utf-8")
    print(f"wrote {len(catalog)} series to {OUT}")


if __name__ == "__main__":
    main()
