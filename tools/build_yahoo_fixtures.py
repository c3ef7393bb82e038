"""Build the Yahoo chart fixtures in tests/fixtures/yahoo/ from the real data in ../shared/data.

Run from the repo root:  python tools/build_yahoo_fixtures.py [--shared ../shared/data]

No recorded Yahoo response could be brought here, so each fixture is Yahoo's v8 chart JSON shape
(chart.result[0].meta / timestamp / indicators.quote[0] / indicators.adjclose) filled with rows
of a real CSV, copied value for value (a float is written with the shortest repr that reads back
to the same double). A value the CSV does not have is null. See tests/fixtures/README.md.

- source/*.csv: the rows used, copied verbatim (header + lines) from ../shared/data; the JSON
  fixtures are built from these excerpts, and tests/data/test_yahoo.py compares with them, so a
  clone without ../shared runs every comparison.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from fixture_manifest import write_manifest

NY = "America/New_York"
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "yahoo"
# The files of ../shared/data that build() reads (recorded in SHA256SUMS.json).
UPSTREAM = [
    "daily/spx_daily_yahoo_2010_2026.csv",
    "daily/dxy_daily_yahoo_2010_2026.csv",
    "daily/vix_daily_cboe_2010_2026.csv",
    "daily/us10y_daily_fred_dgs10_2015_2026.csv",
    "daily/spy_qqq_daily_ohlcv_2016_2026.csv",
    "daily/etf_closes_spy_qqq_iwm_smh_igv_yahoo_2025_2026.csv",
    "intraday/spy_1h_yahoo_2024_2026.csv",
]
VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]
SPY_1H_DAYS = ("2024-03-07", "2024-03-08", "2024-03-11", "2024-03-12")


def _in(first: str, last: str) -> Callable[[list[str]], bool]:
    return lambda fields: first <= fields[0][:10] <= last


# Which lines of each upstream file the fixtures use (fields of a line -> kept?).
PICK: dict[str, Callable[[list[str]], bool]] = {
    "daily/spx_daily_yahoo_2010_2026.csv": _in("2024-03-04", "2024-03-15"),
    "daily/dxy_daily_yahoo_2010_2026.csv": _in("2024-03-04", "2024-03-15"),
    "daily/vix_daily_cboe_2010_2026.csv": _in("2024-03-04", "2024-03-15"),
    "daily/us10y_daily_fred_dgs10_2015_2026.csv": _in("2024-10-07", "2024-10-18"),
    "daily/spy_qqq_daily_ohlcv_2016_2026.csv":
        lambda f: _in("2025-12-12", "2025-12-24")(f) and f[1] == "SPY",
    "daily/etf_closes_spy_qqq_iwm_smh_igv_yahoo_2025_2026.csv": _in("2025-12-12", "2025-12-24"),
    "intraday/spy_1h_yahoo_2024_2026.csv": lambda f: f[0][:10] in SPY_1H_DAYS,
}
assert sorted(PICK) == sorted(UPSTREAM)


def excerpt_lines(text: str, rel: str) -> list[str]:
    """The header and the picked lines of one upstream file, verbatim."""
    lines = text.splitlines()
    return [lines[0], *(ln for ln in lines[1:] if PICK[rel](ln.split(",")))]


def write_excerpts(shared: Path, out: Path) -> None:
    """source/<name>.csv for every upstream file: what the fixtures (and the tests) use."""
    (out / "source").mkdir(parents=True, exist_ok=True)
    for rel in UPSTREAM:
        lines = excerpt_lines((shared / rel).read_text(), rel)
        (out / "source" / Path(rel).name).write_text("\n".join(lines) + "\n")


def epoch(t: pd.Timestamp) -> int:
    return int(t.tz_convert("UTC").timestamp())


def column(values: pd.Series) -> list[float | None]:
    """Floats as they are; a blank CSV cell becomes null."""
    return [None if pd.isna(v) else float(v) for v in values]


def period(start: pd.Timestamp, end: pd.Timestamp) -> dict:
    tz = start.tz_convert(NY)
    return {"timezone": tz.tzname(), "start": epoch(start), "end": epoch(end),
            "gmtoffset": int(tz.utcoffset().total_seconds())}


def session(day: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    d = day.normalize()
    return ((d + pd.Timedelta(hours=9, minutes=30)).tz_localize(NY),
            (d + pd.Timedelta(hours=16)).tz_localize(NY))


def meta(symbol: str, instrument: str, exchange: str, granularity: str, times: list[pd.Timestamp],
         closes: list[float | None], last_day: pd.Timestamp) -> dict:
    start, end = session(last_day)
    last = times[-1].tz_convert(NY)
    return {
        "currency": "USD", "symbol": symbol, "exchangeName": exchange,
        "fullExchangeName": exchange, "instrumentType": instrument,
        "regularMarketTime": epoch(times[-1]), "hasPrePostMarketData": False,
        "gmtoffset": int(last.utcoffset().total_seconds()), "timezone": last.tzname(),
        "exchangeTimezoneName": NY,
        "regularMarketPrice": next(c for c in reversed(closes) if c is not None),
        "priceHint": 2,
        "currentTradingPeriod": {
            "pre": period(start - pd.Timedelta(hours=5, minutes=30), start),
            "regular": period(start, end),
            "post": period(end, end + pd.Timedelta(hours=4)),
        },
        "dataGranularity": granularity, "range": "", "validRanges": VALID_RANGES,
    }


def chart(meta_: dict, times: list[pd.Timestamp], quote: dict[str, list],
          adjclose: list | None) -> dict:
    indicators: dict = {"quote": [quote]}
    if adjclose is not None:
        indicators["adjclose"] = [{"adjclose": adjclose}]
    return {"chart": {"result": [{"meta": meta_, "timestamp": [epoch(t) for t in times],
                                  "indicators": indicators}], "error": None}}


def daily(df: pd.DataFrame, symbol: str, instrument: str, exchange: str, stamp: str,
          adjclose: pd.Series | None = None) -> dict:
    """Daily bars: Yahoo stamps each with a wall-clock time of its session date (New York)."""
    h, m = (int(x) for x in stamp.split(":"))
    days = pd.to_datetime(df["date"])
    times = [(d + pd.Timedelta(hours=h, minutes=m)).tz_localize(NY) for d in days]
    quote = {c: column(df[c]) if c in df else [None] * len(df)
             for c in ("open", "high", "low", "close", "volume")}
    adj = column(adjclose) if adjclose is not None else quote["close"]
    return chart(meta(symbol, instrument, exchange, "1d", times, quote["close"], days.iloc[-1]),
                 times, quote, adj)


def hourly(df: pd.DataFrame, symbol: str, instrument: str, exchange: str) -> dict:
    """Hourly bars stamped with their open; no adjclose (Yahoo sends none intraday)."""
    times = [pd.Timestamp(t) for t in df["time_utc"]]
    days = sorted({t.tz_convert(NY).normalize().tz_localize(None) for t in times})
    quote = {c: column(df[c]) for c in ("open", "high", "low", "close", "volume")}
    m = meta(symbol, instrument, exchange, "1h", times, quote["close"], days[-1])
    m["tradingPeriods"] = [[period(*session(d))] for d in days]
    return chart(m, times, quote, None)


def empty(symbol: str, instrument: str, exchange: str) -> dict:
    """A known symbol with no bars in the range: meta, no timestamps, an empty quote."""
    m = {"currency": "USD", "symbol": symbol, "exchangeName": exchange,
         "fullExchangeName": exchange, "instrumentType": instrument, "hasPrePostMarketData": False,
         "gmtoffset": -14400, "timezone": "EDT", "exchangeTimezoneName": NY, "priceHint": 2,
         "dataGranularity": "1d", "range": "", "validRanges": VALID_RANGES}
    return {"chart": {"result": [{"meta": m, "indicators": {"quote": [{}], "adjclose": [{}]}}],
                      "error": None}}


def rows(df: pd.DataFrame, first: str, last: str, col: str = "date") -> pd.DataFrame:
    return df[(df[col] >= first) & (df[col] <= last)].reset_index(drop=True)


def build(source: Path) -> dict[str, dict]:
    """The fixtures from the excerpts in `source` (tests/fixtures/yahoo/source)."""
    spx = rows(pd.read_csv(source / "spx_daily_yahoo_2010_2026.csv"), "2024-03-04", "2024-03-15")
    dxy = rows(pd.read_csv(source / "dxy_daily_yahoo_2010_2026.csv"), "2024-03-04", "2024-03-15")
    vix = rows(pd.read_csv(source / "vix_daily_cboe_2010_2026.csv"), "2024-03-04", "2024-03-15")
    tnx = rows(pd.read_csv(source / "us10y_daily_fred_dgs10_2015_2026.csv"),
               "2024-10-07", "2024-10-18")
    tnx = tnx.rename(columns={"dgs10": "close"})
    raw = pd.read_csv(source / "spy_qqq_daily_ohlcv_2016_2026.csv")
    spy = rows(raw[raw["ticker"] == "SPY"], "2025-12-12", "2025-12-24")
    pool = pd.read_csv(source / "etf_closes_spy_qqq_iwm_smh_igv_yahoo_2025_2026.csv")
    spy_adj = spy[["date"]].merge(pool[["date", "spy"]], on="date", how="left")["spy"]
    spy_1h = pd.read_csv(source / "spy_1h_yahoo_2024_2026.csv")
    spy_1h = spy_1h[spy_1h["time_utc"].str[:10].isin(SPY_1H_DAYS)].reset_index(drop=True)
    return {
        "GSPC_1d.json": daily(spx, "^GSPC", "INDEX", "SNP", "09:30"),
        "DXY_1d.json": daily(dxy, "DX-Y.NYB", "INDEX", "NYB", "00:00"),
        "VIX_1d.json": daily(vix, "^VIX", "INDEX", "CBOE", "09:30"),
        "TNX_1d.json": daily(tnx, "^TNX", "INDEX", "CBOE", "09:30"),
        "SPY_1d.json": daily(spy, "SPY", "ETF", "PCX", "09:30", adjclose=spy_adj),
        "SPY_1h.json": hourly(spy_1h, "SPY", "ETF", "PCX"),
        # Yahoo's answers without bars, in its own shapes
        "unknown_symbol.json": {"chart": {"result": None, "error": {
            "code": "Not Found", "description": "No data found, symbol may be delisted"}}},
        "empty_result.json": empty("IWM", "ETF", "PCX"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    write_excerpts(args.shared, OUT)
    for name, body in build(OUT / "source").items():
        (OUT / name).write_text(json.dumps(body, indent=1) + "\n")
        print(f"{name}: {(OUT / name).stat().st_size} bytes")
    write_manifest(OUT, "python tools/build_yahoo_fixtures.py", args.shared, UPSTREAM)


if __name__ == "__main__":
    main()
