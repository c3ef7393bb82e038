"""Build the venue-response fixtures in tests/fixtures/exchanges/ from real data (../shared/data).

Run from the repo root:  python tools/build_exchange_fixtures.py [--shared ../shared/data]

Raw venue responses cannot be downloaded on the build machine, so each fixture is a response in
the venue's documented shape (as parsed by ccxt 4.5.90) filled with real values:
- source/*.csv: the rows used, copied verbatim (header + lines) from ../shared/data;
- <venue>/*.json: those rows written as the venue's REST answer. Numbers are the CSV text as is,
  except where a unit or field has to be derived; every derivation is listed in
  tests/fixtures/README.md ("Exchanges"). Fields ccxt does not read and the data does not hold
  are "0" (never a made-up market value).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
from fixture_manifest import write_manifest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "exchanges"

KLINES = "intraday/btcusdt_1h_binance_spot_2026.csv"
BINANCE_FUNDING = "derivatives/binance_btcusdt_perp_funding_8h_api_2022_2025.csv"
BYBIT_FUNDING = "derivatives/bybit_btcusdt_perp_funding_8h_2020_2025.csv"
OI = "derivatives/binance_btcusdt_ethusdt_oi_value_usd_daily_2025.csv"
DAILY = "daily/btc_usd_daily_yahoo_2024_2026.csv"

# Which rows (first column, inclusive prefix range) each fixture uses.
PICK = {
    KLINES: ("2026-02-05 00:00", "2026-02-05 23:00"),
    BINANCE_FUNDING: ("1762560000000", "1762790400003"),  # 2025-11-08 00:00 .. 11-10 16:00
    BYBIT_FUNDING: [("2022-11-08 00:00", "2022-11-10 16:00"),
                    ("2024-08-04 00:00", "2024-08-06 16:00")],
    OI: ("2025-11-08", "2025-11-13"),
    DAILY: ("2025-11-07", "2025-11-12"),
}


def ms(when: str | pd.Timestamp) -> int:
    ts = pd.Timestamp(when)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 1_000_000)


def excerpt(shared: Path, name: str) -> list[dict[str, str]]:
    """Copy the picked lines of `name` verbatim to source/ and return them as dicts."""
    lines = (shared / name).read_text().splitlines()
    ranges = PICK[name] if isinstance(PICK[name], list) else [PICK[name]]

    def first_field(line: str) -> str:
        return line.split(",", 1)[0]

    kept = [line for line in lines[1:]
            if any(lo <= first_field(line)[: len(hi)] <= hi for lo, hi in ranges)]
    target = OUT / "source" / Path(name).name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([lines[0], *kept]) + "\n")
    return list(csv.DictReader(io.StringIO("\n".join([lines[0], *kept]))))


def fraction_of_percent(pct: str) -> str:
    """Binance fundingRate text (8 decimals) of a percent value."""
    return f"{Decimal(pct) / 100:.8f}"


def write(path: str, payload: object) -> None:
    target = OUT / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, indent=1) + "\n")


def market(venue: str) -> dict:
    """A minimal ccxt market for BTC/USDT:USDT (what ccxt's fetch_* read from it)."""
    ids = {"binanceusdm": "BTCUSDT", "bybit": "BTCUSDT", "okx": "BTC-USDT-SWAP"}
    info = {
        "binanceusdm": {"symbol": "BTCUSDT", "pair": "BTCUSDT", "contractType": "PERPETUAL"},
        "bybit": {"symbol": "BTCUSDT", "contractType": "LinearPerpetual",
                  "fundingInterval": 480},
        "okx": {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "instFamily": "BTC-USDT",
                "uly": "BTC-USDT", "ctVal": "0.01", "ctValCcy": "BTC", "settleCcy": "USDT"},
    }
    return {
        "id": ids[venue], "symbol": "BTC/USDT:USDT", "base": "BTC", "quote": "USDT",
        "settle": "USDT", "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT",
        "type": "swap", "spot": False, "margin": False, "swap": True, "future": False,
        "option": False, "contract": True, "linear": True, "inverse": False, "active": True,
        "contractSize": 0.01 if venue == "okx" else 1.0,
        "precision": {"amount": 0.001 if venue != "okx" else 0.01, "price": 0.1},
        "info": info[venue],
    }


def build(shared: Path) -> None:
    bars = excerpt(shared, KLINES)
    b_funding = excerpt(shared, BINANCE_FUNDING)
    y_funding = excerpt(shared, BYBIT_FUNDING)
    oi = excerpt(shared, OI)
    daily = excerpt(shared, DAILY)
    hour = 3_600_000
    day = 24 * hour

    write("markets.json", {v: [market(v)] for v in ("binanceusdm", "bybit", "okx")})

    def window(rows: list[dict], lo: str, hi: str) -> list[dict]:
        return [r for r in rows if lo <= r["time_utc"][:16] <= hi]

    # Klines: Binance spot 1h bars stand in for the perpetual's. time_utc is the open time.
    write("binanceusdm/klines_1h.json", [
        [ms(r["time_utc"]), r["open"], r["high"], r["low"], r["close"], r["volume"],
         ms(r["time_utc"]) + hour - 1, "0", 0, "0", "0", "0"]
        for r in window(bars, "2026-02-05 00:00", "2026-02-05 07:00")])
    by_bars = window(bars, "2026-02-05 08:00", "2026-02-05 15:00")
    write("bybit/kline_1h.json", {
        "retCode": 0, "retMsg": "OK",
        "result": {"symbol": "BTCUSDT", "category": "linear", "list": [
            [str(ms(r["time_utc"])), r["open"], r["high"], r["low"], r["close"], r["volume"], "0"]
            for r in reversed(by_bars)]},
        "retExtInfo": {}, "time": ms(by_bars[-1]["time_utc"]) + hour})
    ok_bars = window(bars, "2026-02-05 16:00", "2026-02-05 23:00")
    write("okx/candles_1h.json", {"code": "0", "msg": "", "data": [
        [str(ms(r["time_utc"])), r["open"], r["high"], r["low"], r["close"],
         f"{Decimal(r['volume']) * 100:f}", r["volume"], "0", "0" if r is ok_bars[-1] else "1"]
        for r in reversed(ok_bars)]})

    # Funding. Binance file is in percent: the API's fraction is pct / 100.
    write("binanceusdm/fundingRate.json", [
        {"symbol": "BTCUSDT", "fundingTime": int(r["funding_time_ms"]),
         "fundingRate": fraction_of_percent(r["funding_rate_pct"])} for r in b_funding])
    # Current funding (premiumIndex): the rate of the last settlement in the excerpt, as it
    # stood 15 min before it; nextFundingTime is that settlement on the hour.
    last = b_funding[-1]
    settle = int(last["funding_time_ms"]) // hour * hour
    write("binanceusdm/premiumIndex.json", {
        "symbol": "BTCUSDT", "lastFundingRate": fraction_of_percent(last["funding_rate_pct"]),
        "interestRate": "0.00010000", "nextFundingTime": settle, "time": settle - 15 * 60_000})
    by_funding = [r for r in y_funding if r["time_utc"].startswith("2024-08")]
    write("bybit/funding_history.json", {
        "retCode": 0, "retMsg": "OK",
        "result": {"category": "linear", "list": [
            {"symbol": "BTCUSDT", "fundingRate": r["funding_rate"],
             "fundingRateTimestamp": str(ms(r["time_utc"]))} for r in reversed(by_funding)]},
        "retExtInfo": {}, "time": ms(by_funding[-1]["time_utc"])})
    # OKX stand-in: Bybit's fractions of 2022-11-08..10 (FTX collapse).
    ok_funding = [r for r in y_funding if r["time_utc"].startswith("2022-11")]
    write("okx/funding_rate_history.json", {"code": "0", "msg": "", "data": [
        {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "formulaType": "noRate",
         "fundingRate": r["funding_rate"], "realizedRate": r["funding_rate"],
         "fundingTime": str(ms(r["time_utc"])), "method": "current_period"}
        for r in reversed(ok_funding)]})

    # Open interest, daily. Values: Binance sumOpenInterestValue (USD). Amounts in BTC are
    # derived: value / BTC-USD close of the UTC day that ends at the snapshot (Yahoo).
    close_at = {ms(r["date"]) + day: r["close"] for r in daily}
    rows = []
    for r in oi:
        t = ms(r["date"])
        amount = Decimal(r["btcusdt_oi_value_usd"]) / Decimal(close_at[t])
        rows.append((t, r["btcusdt_oi_value_usd"], f"{amount:.8f}"))
    write("binanceusdm/openInterestHist_1d.json", [
        {"symbol": "BTCUSDT", "sumOpenInterest": a, "sumOpenInterestValue": v, "timestamp": t}
        for t, v, a in rows])
    write("bybit/open_interest_1d.json", {
        "retCode": 0, "retMsg": "OK",
        "result": {"symbol": "BTCUSDT", "category": "linear", "list": [
            {"openInterest": a, "timestamp": str(t)} for t, v, a in reversed(rows)],
            "nextPageCursor": ""},
        "retExtInfo": {}, "time": rows[-1][0]})
    write("okx/open_interest_history_1d.json", {"code": "0", "msg": "", "data": [
        [str(t), f"{Decimal(a) * 100:f}", a, v] for t, v, a in reversed(rows)]})
    # Daily klines priced the Bybit amounts: Yahoo BTC-USD days (volume there is USD, so it
    # goes to turnover, and volume in BTC is turnover / close).
    write("bybit/kline_1d.json", {
        "retCode": 0, "retMsg": "OK",
        "result": {"symbol": "BTCUSDT", "category": "linear", "list": [
            [str(ms(r["date"])), r["open"], r["high"], r["low"], r["close"],
             f"{Decimal(r['volume']) / Decimal(r['close']):.3f}", r["volume"]]
            for r in reversed(daily)]},
        "retExtInfo": {}, "time": ms(daily[-1]["date"]) + day})

    # Error bodies, as the venues document them (and as ccxt's exception tables quote them).
    write("binanceusdm/error_invalid_symbol.json", {"code": -1121, "msg": "Invalid symbol."})
    write("binanceusdm/error_too_many_requests.json", {
        "code": -1003, "msg": "Too many requests; current limit of IP is 2400 requests per "
        "minute. Please use the websocket for live updates to avoid polling the API."})
    write("bybit/error_not_supported_symbols.json", {
        "retCode": 10001, "retMsg": "Not supported symbols", "result": {}, "retExtInfo": {},
        "time": 1726147060461})
    write("bybit/error_too_many_visits.json", {
        "retCode": 10006, "retMsg": "Too many visits!", "result": {}, "retExtInfo": {},
        "time": 1726147060461})
    write("okx/error_instrument_not_found.json", {
        "code": "51001", "msg": "Instrument ID does not exist", "data": []})
    write("okx/error_too_many_requests.json", {"code": "50011", "msg": "Too Many Requests",
                                               "data": []})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    build(args.shared)
    write_manifest(OUT, "python tools/build_exchange_fixtures.py", args.shared, list(PICK))
    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
