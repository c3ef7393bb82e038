"""The bundled replay store (resources/replay): its own checks, and against the real CSVs it
was built from.

The store checks itself, always: every series against the SHA-256 catalog.json and PROVENANCE.md
record, its stamps against its time rule, its values against the range of its unit, the unit
conversions from the stored series alone, and hand-read source values at known stamps. Only the
comparisons with the upstream files need ../shared/data (a lone clone has none): they skip through
tests/support/shared.py, with one reason. Everything here is read with csv/gzip/zoneinfo,
independently of pandas and of the builder.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.shared import need_shared, sha256_file, shared_data

from deskapp.resources import replay_dir

STORE = replay_dir()
NY = ZoneInfo("America/New_York")
FMT = "%Y-%m-%dT%H:%M:%SZ"
CATALOG: dict[str, dict] = json.loads((STORE / "catalog.json").read_text(encoding="utf-8"))
DATASETS: list[dict] = json.loads((STORE / "datasets.json").read_text(encoding="utf-8"))
REGENERATE = "regenerate with: python tools/build_replays.py (reads ../shared/data)"
# Public files beyond ../shared/data (tools/replay_upstream.json): its upstream/ folder, or a
# local copy named by DESKAPP_UPSTREAM_DATA.
UPSTREAM_MANIFEST: dict[str, dict] = json.loads(
    (Path(__file__).resolve().parents[2] / "tools" / "replay_upstream.json").read_text("utf-8"))
UPSTREAM_REASON = "upstream files of tools/replay_upstream.json: not present"


def upstream_dir() -> Path | None:
    env = os.environ.get("DESKAPP_UPSTREAM_DATA", "")
    if env:
        return Path(env)
    found = shared_data()
    return found / "upstream" if found is not None and (found / "upstream").is_dir() else None


def need_upstream() -> Path:
    found = upstream_dir()
    if found is None:
        pytest.skip(UPSTREAM_REASON)
    return found

Row = tuple[str, tuple[str | None, ...]]  # (UTC close time as stored, raw source values)


# ---------------------------------------------------------------- readers
@cache
def store_rows(key: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """(columns, rows) of a bundled series, as text."""
    with gzip.open(STORE / "series" / f"{key}.csv.gz", "rt", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [tuple(r) for r in reader]


@cache
def source(rel: str) -> tuple[dict[str, str], ...]:
    with (need_shared() / rel).open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


@cache
def upstream(name: str, skip: int = 0) -> tuple[dict[str, str], ...]:
    """An upstream file's rows; `skip` rows after the header are left out (yfinance's extra
    'Ticker' and 'Date' header rows)."""
    with (need_upstream() / name).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return tuple(r for i, r in enumerate(reader) if i >= skip)


# ---------------------------------------------------------------- time rules, written out
def ny(day: str, hh: int, mm: int, plus_days: int = 0) -> str:
    d = date.fromisoformat(day) + timedelta(days=plus_days)
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=NY).astimezone(UTC).strftime(FMT)


def utc_day(day: str) -> str:
    d = date.fromisoformat(day) + timedelta(days=1)
    return datetime(d.year, d.month, d.day, tzinfo=UTC).strftime(FMT)


def parse_utc(text: str) -> datetime:
    t = datetime.fromisoformat(text)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def plus(text: str, hours: int) -> str:
    return (parse_utc(text) + timedelta(hours=hours)).strftime(FMT)


def ibkr_hour(text: str) -> str:
    t = parse_utc(text)
    return (t.replace(minute=0, second=0) + timedelta(hours=1)).strftime(FMT)


def yahoo_hour(text: str) -> str:
    t = parse_utc(text)
    local = t.astimezone(NY)
    close = datetime(local.year, local.month, local.day, 16, 0, tzinfo=NY).astimezone(UTC)
    return min(t + timedelta(hours=1), close).strftime(FMT)


def funding_time(ms: str) -> str:
    q, r = divmod(int(ms), 60_000)  # to the nearest minute
    q += r > 30_000 or (r == 30_000 and q % 2 == 1)
    return datetime.fromtimestamp(q * 60, tz=UTC).strftime(FMT)


RULES: dict[str, Callable[[str], str]] = {
    "nyse": lambda d: ny(d, 16, 0),
    "fred": lambda d: ny(d, 16, 0),
    "vix": lambda d: ny(d, 16, 15),
    "ny1700": lambda d: ny(d, 17, 0),
    "utc_day": utc_day,
    "h41": lambda d: ny(d, 16, 30, plus_days=1),
    "rrp": lambda d: ny(d, 13, 15),
}
OHLC = ("open", "high", "low", "close")
OHLCV = (*OHLC, "volume")


# ---------------------------------------------------------------- what each series should hold
def blank(text: str) -> str | None:
    """FRED marks a missing observation with '.', other sources leave the cell empty."""
    return None if text in ("", ".") else text


def rows_from(rel: str, time_of: Callable[[dict], str], cols: tuple[str, ...],
              keep: Callable[[dict], bool] = lambda r: True) -> list[Row]:
    return [(time_of(r), tuple(blank(r[c]) for c in cols)) for r in source(rel) if keep(r)]


SESSION_RULES = {"nyse", "fred", "vix"}


def daily(rel, rule, cols, ticker=None) -> Callable[[], list[Row]]:
    def keep(r: dict) -> bool:
        if ticker and r["ticker"] != ticker:
            return False
        # a session-stamped row dated on a weekend is a copy the source carried: left out
        return rule not in SESSION_RULES or date.fromisoformat(r["date"]).weekday() < 5

    return lambda: rows_from(rel, lambda r: RULES[rule](r["date"]), cols, keep)


def btc_daily() -> list[Row]:
    old = source("daily/btc_usd_daily_yahoo_2016_2025.csv")
    new = source("daily/btc_usd_daily_yahoo_2024_2026.csv")
    first_new = min(r["date"] for r in new)
    both = [r for r in old if r["date"] < first_new] + list(new)
    return [(utc_day(r["date"]), tuple(r[c] for c in OHLCV)) for r in both]


def tga() -> list[Row]:
    rows = []
    for rel in ("daily/tga_weekly_fred_wtregen_2015_2025.csv",
                "daily/tga_weekly_fred_wtregen_2026.csv"):
        rows += rows_from(rel, lambda r: RULES["h41"](r["date"]), ("wtregen",))
    return rows


def btcusdt() -> list[Row]:
    a = source("intraday/btcusdt_1h_binance_spot_2025.csv")
    rows = [(datetime.fromtimestamp(int(r["open_time"]) / 1000 + 3600, tz=UTC).strftime(FMT),
             tuple(r[c] for c in OHLCV)) for r in a]
    return rows + rows_from("intraday/btcusdt_1h_binance_spot_2026.csv",
                            lambda r: plus(r["time_utc"], 1), OHLCV)


D = "daily/"
SEMIS = D + "semis_crypto_equities_daily_yahoo_2024_2026.csv"
LEADERS = D + "ai_leaders_daily_ohlcv_2024_2026.csv"
POOL = D + "etf_closes_spy_qqq_iwm_smh_igv_yahoo_2025_2026.csv"
NDX = D + "ndx_rut_smh_sox_daily_yahoo_2024_2026.csv"
ALTS4 = D + "altcoins_sol_xrp_ada_link_usd_daily_close_yahoo_2021_2026.csv"
ALTS6 = D + "altcoins_usd_daily_close_yahoo_2021_2025.csv"
DV = "derivatives/"
IT = "intraday/"

# key -> (expected rows, scale applied by the build or None)
SPECS: dict[str, tuple[Callable[[], list[Row]], float | None]] = {
    "rates.us10y": (daily(D + "us10y_daily_fred_dgs10_2015_2026.csv", "fred", ("dgs10",)), None),
    "rates.us3m": (daily(D + "us3m_daily_fred_dgs3mo_2010_2026.csv", "fred", ("dgs3mo",)), None),
    "rates.us2y": (daily(D + "us2y_daily_fred_dgs2_2010_2026.csv", "fred", ("dgs2",)), None),
    "rates.sofr": (daily(D + "sofr_daily_fred_2018_2026.csv", "fred", ("sofr",)), None),
    "fx.usd_broad": (daily(D + "usd_broad_index_daily_fred_dtwexbgs_2015_2026.csv", "nyse",
                           ("dtwexbgs",)), None),
    "idx.nasdaq_comp": (daily(D + "nasdaq_composite_daily_fred_2019_2024.csv", "nyse",
                              ("nasdaqcom",)), None),
    "liq.walcl": (daily(D + "fed_total_assets_weekly_fred_walcl_2015_2026.csv", "h41",
                        ("walcl",)), 1e-3),
    "liq.tga": (tga, 1e-3),
    "liq.rrp": (daily(D + "on_rrp_daily_fred_rrpontsyd_2015_2026.csv", "rrp", ("rrpontsyd",)),
                None),
    "fx.dxy": (daily(D + "dxy_daily_yahoo_2010_2026.csv", "ny1700", OHLC), None),
    "rates.zq": (daily(D + "zq_f_fed_funds_futures_daily_yahoo_2015_2025.csv", "ny1700", OHLCV),
                 None),
    "idx.spx": (daily(D + "spx_daily_yahoo_2010_2026.csv", "nyse", OHLC), None),
    "fut.es": (daily(D + "es_f_continuous_daily_yahoo_2015_2026.csv", "ny1700", OHLCV), None),
    "idx.rut": (daily(D + "rut_daily_ohlc_2016_2026.csv", "nyse", OHLC), None),
    "idx.rut_yahoo": (daily(D + "rut_daily_close_yahoo_2010_2025.csv", "nyse", ("close",)), None),
    "idx.vix": (daily(D + "vix_daily_cboe_2010_2026.csv", "vix", OHLC), None),
    "idx.ndx": (daily(NDX, "nyse", ("ndx", "ndx_volume")), None),
    "idx.sox": (daily(NDX, "nyse", ("sox",)), None),
    "etf.spy": (daily(D + "spy_qqq_daily_ohlcv_2016_2026.csv", "nyse", OHLCV, "SPY"), None),
    "etf.qqq": (daily(D + "spy_qqq_daily_ohlcv_2016_2026.csv", "nyse", OHLCV, "QQQ"), None),
    "etf.rsp_adj": (daily(D + "rsp_iwm_daily_ohlcv_adjusted_yahoo_2015_2026.csv", "nyse", OHLCV,
                          "RSP"), None),
    "etf.iwm_adj": (daily(D + "rsp_iwm_daily_ohlcv_adjusted_yahoo_2015_2026.csv", "nyse", OHLCV,
                          "IWM"), None),
    **{f"etfpool.{t}": (daily(POOL, "nyse", (t,)), None)
       for t in ("spy", "qqq", "iwm", "smh", "soxx", "igv", "skyy")},
    **{f"stk.{t}": (daily(SEMIS, "nyse", OHLCV, t), None)
       for t in ("NVDA", "TSM", "AMAT", "ASML", "QCOM", "TXN", "INTC", "COIN", "MSTR")},
    **{f"stk.{t}": (daily(LEADERS, "nyse", OHLCV, t), None)
       for t in ("MSFT", "AVGO", "AMD", "META", "GOOG", "AMZN", "MU")},
    **{f"stk.{t}": (daily(D + "ai_leaders_daily_close_yahoo_2024_2026.csv", "nyse",
                          (t.lower(),)), None) for t in ("GOOGL", "ADBE")},
    **{f"stk.{t}": (daily(D + "pltr_anet_daily_ohlcv_yahoo_2024_2026.csv", "nyse", OHLCV, t), None)
       for t in ("PLTR", "ANET")},
    **{f"stk.{t}": (daily(D + "orcl_crm_daily_ohlcv_adjusted_yahoo_2024_2025.csv", "nyse", OHLCV,
                          t), None) for t in ("ORCL", "CRM")},
    "crypto.btc": (btc_daily, None),
    "crypto.eth": (daily(D + "eth_usd_daily_yahoo_2017_2025.csv", "utc_day", OHLCV), None),
    **{f"crypto.{c}": (daily(ALTS4, "utc_day", (c,)), None) for c in ("sol", "xrp", "ada", "link")},
    **{f"crypto.{c}": (daily(ALTS6, "utc_day", (c,)), None) for c in ("doge", "avax")},
    "deriv.btc_funding_daily": (daily(DV + "btc_funding_daily_binance_lukmol_2019_2026.csv",
                                      "utc_day", ("funding_mean",)), None),
    "deriv.btc_funding_8h": (lambda: rows_from(
        DV + "binance_btcusdt_perp_funding_8h_api_2022_2025.csv",
        lambda r: funding_time(r["funding_time_ms"]), ("funding_rate_pct",)), 0.01),
    # the page export is stamped 8h late (UTC+8 labelled UTC): the build moves it back 8h
    "deriv.btc_funding_8h_export": (lambda: rows_from(
        DV + "binance_btcusdt_perp_funding_8h_2019_2025.csv",
        lambda r: plus(r["time_utc"], -8), ("funding_rate_pct",)), 0.01),
    "deriv.btc_funding_8h_bybit": (lambda: rows_from(
        DV + "bybit_btcusdt_perp_funding_8h_2020_2025.csv",
        lambda r: plus(r["time_utc"], 0), ("funding_rate",)), None),
    "deriv.btc_oi_daily": (daily(DV + "btc_futures_oi_usd_daily_2019_2024.csv", "utc_day",
                                 ("open_interest_usd",)), None),
    "deriv.btc_oi_4h": (lambda: rows_from(
        DV + "btc_oi_all_exchanges_usd_4h_coinglass_2024_2025.csv",
        lambda r: plus(r["time_utc"], 4), ("oi_close_usd",)), None),
    "deriv.btc_liq_daily": (daily(DV + "btc_liquidations_binance_daily_coinglass_2020_2025.csv",
                                  "utc_day", ("long_liquidation_usd", "short_liquidation_usd")),
                            None),
    "deriv.btc_liq_4h": (lambda: rows_from(
        DV + "btc_liquidations_binance_4h_coinglass_2024_2025.csv",
        lambda r: plus(r["time_utc"], 4), ("long_liquidation_usd", "short_liquidation_usd")), None),
    **{f"idx.{i.lower()}.1h": (
        lambda i=i: rows_from(IT + "spx_rut_1h_ibkr_2025_2026.csv",
                              lambda r: ibkr_hour(r["time_utc"]), OHLC,
                              lambda r: r["index"] == i), None) for i in ("SPX", "RUT")},
    **{f"etf.{t}.1h": (lambda t=t: rows_from(IT + f"{t}_1h_yahoo_2024_2026.csv",
                                             lambda r: yahoo_hour(r["time_utc"]), OHLCV), None)
       for t in ("spy", "qqq", "iwm")},
    "crypto.btc_yahoo.1h": (lambda: rows_from(IT + "btc_usd_1h_yahoo_2024_2025.csv",
                                              lambda r: plus(r["time_utc"], 1), OHLCV), None),
    "crypto.btcusdt.1h": (btcusdt, None),
    "crypto.btcusdt.4h": (lambda: rows_from(IT + "btcusdt_4h_binance_spot_2020_2021.csv",
                                            lambda r: plus(r["time_utc"], 4), OHLCV), None),
}


def up_daily(name: str, since: str, cols: dict[str, str], date_col: str = "Date",
             skip: int = 0) -> Callable[[], list[Row]]:
    """An upstream daily file: NYSE close stamps, rows from `since`, weekend rows left out;
    `cols` maps the stored column to the source column."""
    def rows() -> list[Row]:
        out = []
        for r in upstream(name, skip):
            day = r[date_col][:10]
            if day >= since and date.fromisoformat(day).weekday() < 5:
                out.append((ny(day, 16, 0), tuple(blank(r[c]) for c in cols.values())))
        return out
    return rows


def minute(text: str) -> str:
    """'2019-09-10 16:00:00.010' to the nearest minute, as stored."""
    t = parse_utc(text)
    base = t.replace(second=0, microsecond=0)
    return (base + timedelta(minutes=1) if t - base >= timedelta(seconds=30) else base
            ).strftime(FMT)


OHLC_UP = ("Open", "High", "Low", "Close")
YF = {"open": "Open", "high": "High", "low": "Low", "close": "Close", "volume": "Volume"}
UPSTREAM_SPECS: dict[str, tuple[Callable[[], list[Row]], float | None]] = {
    # the last 2h bar was still forming when downloaded: left out
    "crypto.btcusdt.2h": (lambda: [(plus(r["timestamp"], 2), tuple(r[c] for c in OHLCV))
                                   for r in upstream("sky1241_BTC_USDT_2h.csv")[:-1]], None),
    "deriv.btc_funding_8h_ccxt": (lambda: [
        (minute(r["timestamp"]), (r["funding_rate"],))
        for r in upstream("sky1241_funding_rate_BTCUSDT.csv")], None),
    "etf.spy_adj": (up_daily("riverfjs_SPY.csv", "2012-01-01",
                             {"open": "o", "high": "h", "low": "l", "close": "c", "volume": "v"},
                             "date"), None),
    "cfd.spx500.1h": (lambda: [(plus(r["Datetime"], 1), tuple(r[c] for c in OHLC_UP))
                               for r in upstream("russs123_SPX500_H1.csv")[:-1]], None),
    "crypto.btc.hist": (lambda: [(utc_day(r["Date"]), tuple(r[YF[c]] for c in OHLCV))
                                 for r in upstream("hjyssg_BTC-USD.csv")], None),
    "idx.ndx.hist": (up_daily("hjyssg_NDX.csv", "2010-01-01", YF, "Price", skip=2), None),
    # the header is shifted: the column headed `Open` holds the adjusted close
    "etf.smh_adj.hist": (up_daily("hjyssg_SMH.csv", "2010-01-01", {"close": "Open"}), None),
    "etf.soxx_adj.hist": (up_daily("hjyssg_SOXX.csv", "2010-01-01", {"close": "Open"}), None),
    **{f"stk.{t}.hist": (up_daily(f"dieperdev_{t}.csv", "2012-01-01", YF), None)
       for t in ("NVDA", "MSFT", "AVGO", "AMD", "TSM", "META", "GOOGL", "AMZN", "ORCL", "MU",
                 "PLTR", "CRM", "NOW", "ADBE", "ANET")},
}
SPECS.update(UPSTREAM_SPECS)


def expected(key: str) -> list[Row]:
    """The build's documented steps: first row of a time wins, sorted, all-blank rows left out."""
    seen: dict[str, tuple[str | None, ...]] = {}
    for t, vals in SPECS[key][0]():
        seen.setdefault(t, vals)
    return [(t, seen[t]) for t in sorted(seen) if any(v is not None for v in seen[t])]


# ---------------------------------------------------------------- structure (always runs)
def test_every_dataset_lists_only_catalog_keys():
    for d in DATASETS:
        unknown = [k for k in d["series"] if k not in CATALOG]
        assert not unknown, (d["name"], unknown)
        assert len(set(d["series"])) == len(d["series"]), d["name"]


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_series_file_is_sorted_unique_and_matches_its_catalog_entry(key):
    header, rows = store_rows(key)
    meta = CATALOG[key]
    assert header == ["time", *meta["columns"]]
    times = [r[0] for r in rows]
    assert all(a < b for a, b in zip(times, times[1:], strict=False)), "duplicate or unsorted"
    for t in (times[0], times[-1]):
        datetime.strptime(t, FMT)  # every stamp is UTC, to the second
    assert len(rows) == meta["rows"]
    assert parse_utc(times[0]) == datetime.fromisoformat(meta["first"])
    assert parse_utc(times[-1]) == datetime.fromisoformat(meta["last"])
    assert all(len(r) == len(header) for r in rows)


def test_nyse_daily_series_have_no_weekend_sessions():
    weekend = {}
    for key, meta in CATALOG.items():
        if meta["freq"] == "1d" and meta["time_rule"].startswith("session date at 16:00"):
            days = [t for t, *_ in store_rows(key)[1]
                    if datetime.strptime(t, FMT).replace(tzinfo=UTC).astimezone(NY).weekday() >= 5]
            if days:
                weekend[key] = days
    assert weekend == {}


# ---------------------------------------------------------------- checksums (always run)
def csv_sha256(key: str) -> str:
    """SHA-256 of the CSV text inside series/<key>.csv.gz (what the builder records)."""
    return hashlib.sha256(gzip.decompress((STORE / "series" / f"{key}.csv.gz").read_bytes())
                          ).hexdigest()


def test_every_series_file_has_the_sha256_the_catalog_records():
    files = {p.name.removesuffix(".csv.gz") for p in (STORE / "series").glob("*.csv.gz")}
    problems = [f"series/{k}.csv.gz is missing" for k in sorted(set(CATALOG) - files)]
    problems += [f"series/{k}.csv.gz is not in catalog.json" for k in sorted(files - set(CATALOG))]
    for key in sorted(set(CATALOG) & files):
        want, got = CATALOG[key].get("sha256", ""), csv_sha256(key)
        if got != want:
            problems.append(f"series/{key}.csv.gz: SHA-256 {got} but catalog.json records "
                            f"{want or 'none'}")
        if set(CATALOG[key].get("upstream_sha256", {})) != {
                f.strip() for f in CATALOG[key]["source"].split("+")}:
            problems.append(f"{key}: catalog.json lacks the SHA-256 of a source file")
    assert not problems, "\n".join([*problems, REGENERATE])


def provenance_table(heading: str) -> dict[str, str]:
    """`name` -> `sha256` rows of one checksum table of PROVENANCE.md."""
    text = (STORE / "PROVENANCE.md").read_text(encoding="utf-8")
    assert heading in text, f"PROVENANCE.md has no '{heading}' section; {REGENERATE}"
    rows = {}
    for line in text.split(heading, 1)[1].split("\n\n#", 1)[0].splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and len(cells[1]) == 64:
            rows[cells[0]] = cells[1]
    return rows


def test_provenance_lists_the_checksums_of_the_catalog():
    upstream = {rel: h for m in CATALOG.values() for rel, h in m["upstream_sha256"].items()}
    series = {k: m["sha256"] for k, m in CATALOG.items()}
    for heading, want in (("### Upstream files", upstream), ("### Series", series)):
        got = provenance_table(heading)
        off = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
        assert not off, f"PROVENANCE.md {heading!r} disagrees with catalog.json on {off}; " + \
            REGENERATE


def test_the_upstream_files_are_the_ones_the_store_was_built_from():
    shared = need_shared()
    recorded = {rel: h for m in CATALOG.values() for rel, h in m["upstream_sha256"].items()
                if not rel.startswith("upstream/")}  # those: test_upstream_files_have_the_...
    off = [f"../shared/data/{rel}: SHA-256 {sha256_file(shared / rel)}, the store was built from "
           f"{h}" for rel, h in sorted(recorded.items()) if sha256_file(shared / rel) != h]
    assert not off, "\n".join([*off, REGENERATE])


# ------------------------------------------------------- stamps, units, ranges (always run)
def ny_wall(hh: int, mm: int, weekday: int | None = None) -> Callable[[datetime, str], bool]:
    """A stamp at hh:mm New York wall-clock time, Monday..Friday (or on one given weekday)."""
    def ok(t: datetime, freq: str) -> bool:
        local = t.astimezone(NY)
        day_ok = local.weekday() < 5 if weekday is None else local.weekday() == weekday
        return (local.hour, local.minute, local.second) == (hh, mm, 0) and day_ok
    return ok


def yahoo_hour_end(t: datetime, freq: str) -> bool:
    local = t.astimezone(NY)
    return (local.minute, local.second) == (30, 0) or (local.hour, local.minute) == (16, 0)


def bar_end(t: datetime, freq: str) -> bool:
    hours = int(freq.removesuffix("h")) if freq.endswith("h") else 24
    return (t.minute, t.second) == (0, 0) and t.hour % hours == 0


# catalog time_rule -> what every stamp of such a series looks like (UTC datetime, freq)
STAMPS: dict[str, Callable[[datetime, str], bool]] = {
    "session date at 16:00 New York (NYSE close)": ny_wall(16, 0),
    "observation date at 16:00 New York (the market close the daily yield is read at)":
        ny_wall(16, 0),
    "session date at 16:15 New York (CBOE VIX close)": ny_wall(16, 15),
    "session date at 17:00 New York (ICE/CME futures daily settlement window)": ny_wall(17, 0),
    "operation date at 13:15 New York (NY Fed publishes the result)": ny_wall(13, 15),
    "Wednesday of the H.4.1 week; released the next day at 16:30 New York": ny_wall(16, 30, 3),
    "UTC calendar day; known at the next 00:00 UTC": lambda t, f: (t.hour, t.minute, t.second)
    == (0, 0, 0),
    "bar open time + bar length (UTC)": bar_end,
    "IBKR hourly bar: ends on the next full hour (a session's first bar is 30 min)":
        lambda t, f: (t.minute, t.second) == (0, 0),
    "Yahoo hourly bar: open + 1h, but never past the 16:00 New York close": yahoo_hour_end,
    "funding settlement time (UTC)": lambda t, f: t.hour in (0, 8, 16) and (t.minute, t.second)
    == (0, 0),
}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_stamp_follows_the_time_rule_of_its_series(key):
    meta = CATALOG[key]
    rule = STAMPS.get(meta["time_rule"])
    assert rule is not None, f"no stamp check for time rule {meta['time_rule']!r}: add it to STAMPS"
    bad = [t for t, *_ in store_rows(key)[1] if not rule(parse_utc(t), meta["freq"])]
    assert not bad, (meta["time_rule"], len(bad), bad[:3])


PRICE_UNITS = {"USD", "USDT", "index", "index points", "vol points", "price (100 - rate)"}


def in_range(unit: str, column: str, v: float) -> bool:
    """What a value of each unit can be (a percent, not a fraction; billions, not millions)."""
    if "volume" in column or column.endswith("_usd"):
        return v >= 0  # volumes, open interest, liquidations
    if unit in PRICE_UNITS:
        return v > 0
    if unit == "%":
        return -1 < v < 20
    if unit == "fraction per 8h":
        return abs(v) < 0.01  # 1 % per 8h would be 100x Binance's usual 0.01 %
    if unit == "USD bn":
        return 0 <= v < 10_000
    raise AssertionError(f"no range for unit {unit!r}: add it to in_range")


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_value_is_finite_and_in_the_range_of_its_unit(key):
    header, rows = store_rows(key)
    unit, bad = CATALOG[key]["unit"], []
    for row in rows:
        for col, text in zip(header[1:], row[1:], strict=True):
            if text != "" and not (math.isfinite(float(text)) and in_range(unit, col, float(text))):
                bad.append((row[0], col, text))
        if header[1:5] == list(OHLC) and "" not in row[1:5]:
            o, h, lo, c = map(float, row[1:5])
            if not lo <= min(o, c) <= max(o, c) <= h:
                bad.append((row[0], "low <= open, close <= high", row[1:5]))
    assert not bad, (unit, len(bad), bad[:3])


def column_of(key: str, col: int = 1) -> dict[str, float]:
    return {r[0]: float(r[col]) for r in store_rows(key)[1] if r[col] != ""}


def test_funding_is_a_fraction_per_8h_from_the_stored_series():
    eight = column_of("deriv.btc_funding_8h")
    # the API's percent had 6 decimals: a fraction has 8 (x100 undoes the conversion exactly)
    assert all(math.isclose(v * 100, round(v * 100, 6), abs_tol=1e-13) for v in eight.values())
    assert eight["2022-11-03T08:00:00Z"] == pytest.approx(0.0000044, rel=1e-12)  # 0.00044 %
    # the upstream daily mean (another source) equals the mean of the day's three 8h fractions
    by_day: dict[str, list[float]] = {}
    for t, v in eight.items():
        by_day.setdefault(plus(t[:10] + "T00:00:00Z", 24), []).append(v)
    daily = column_of("deriv.btc_funding_daily")
    both = [t for t, vs in by_day.items() if len(vs) == 3 and t in daily]
    assert len(both) > 1000
    assert all(math.isclose(sum(by_day[t]) / 3, daily[t], rel_tol=1e-12, abs_tol=1e-18)
               for t in both)


def test_liquidity_is_in_usd_billions_from_the_stored_series():
    walcl, tga, rrp = (column_of(k) for k in ("liq.walcl", "liq.tga", "liq.rrp"))
    # FRED's WALCL and WTREGEN are whole USD millions: x1000 is whole again
    for series in (walcl, tga):
        assert all(abs(v * 1000 - round(v * 1000)) < 1e-6 for v in series.values())
    assert walcl["2026-02-12T21:30:00Z"] == pytest.approx(6622382 / 1000, rel=1e-15)
    assert tga["2026-02-12T21:30:00Z"] == pytest.approx(908773 / 1000, rel=1e-15)
    # net liquidity (WALCL - TGA - RRP of the same Wednesday) is trillions, in billions
    week = "2026-02-12T21:30:00Z"
    wednesday = ny("2026-02-11", 13, 15)
    net = walcl[week] - tga[week] - rrp[wednesday]
    assert 3000 < net < 9000, net


# ---------------------------------------------------------------- time rules, spelled out
def test_nyse_daily_bar_stamped_at_the_new_york_close():
    # closes read by hand from spx_daily_yahoo_2010_2026.csv and btc_usd_daily_yahoo_2024_2026.csv
    stored = {r[0]: r[4] for r in store_rows("idx.spx")[1]}
    assert stored["2026-01-05T21:00:00Z"] == "6902.0498046875"  # EST: 16:00 = 21:00 UTC
    assert stored["2025-07-01T20:00:00Z"] == "6198.009765625"  # EDT: 16:00 = 20:00 UTC
    assert "2025-07-01T21:00:00Z" not in stored and "2026-01-05T20:00:00Z" not in stored
    btc = {r[0]: r[4] for r in store_rows("crypto.btc")[1]}
    assert btc["2026-02-10T00:00:00Z"] == "70120.78125"  # UTC day 02-09 closes at next 00:00


def test_ibkr_hourly_first_bar_ends_on_the_full_hour():
    # closes read by hand from spx_rut_1h_ibkr_2025_2026.csv (time_utc is the bar open)
    stored = {r[0]: r[4] for r in store_rows("idx.spx.1h")[1]}
    assert stored["2025-01-02T15:00:00Z"] == "5925.23"  # 14:30 open, 30-min first bar
    assert stored["2025-01-02T16:00:00Z"] == "5900.08"  # 15:00 open
    assert stored["2025-07-01T14:00:00Z"] == "6194.99"  # summer: 13:30 open
    assert not any(t.endswith(":30:00Z") for t in stored)


def test_btcusdt_hourly_close_time_is_open_plus_one_hour():
    stored = {r[0]: r[4] for r in store_rows("crypto.btcusdt.1h")[1]}
    assert stored["2026-01-15T15:00:00Z"] == "96063.43"  # the bar opening 14:00 (by hand)
    assert "2026-01-15T14:00:00Z" not in stored  # the first 2026 bar opens at 14:00


def test_blank_and_weekend_days_are_not_filled():
    stored = dict(store_rows("rates.us10y")[1])
    # DGS10 is blank on these holidays (read by hand): no value, filled or otherwise
    for day in ("2025-12-25", "2026-01-19"):
        assert stored.get(ny(day, 16, 0), "") == ""
    assert stored[ny("2025-12-24", 16, 0)] == "4.15" and stored[ny("2025-12-26", 16, 0)] == "4.14"
    # the source's weekend copies of Friday's NDX close (2026-08-01/02) are not sessions
    ndx = dict((r[0], r[1:]) for r in store_rows("idx.ndx")[1])
    assert ny("2026-08-01", 16, 0) not in ndx and ny("2026-08-02", 16, 0) not in ndx
    assert ndx[ny("2026-07-31", 16, 0)][0] == "28274.19921875"


# ---------------------------------------------------------------- values vs the source (../shared)
def test_every_catalog_series_has_a_source_check():
    assert set(SPECS) == set(CATALOG)


def close_enough(stored: str, raw: str | None, scale: float | None) -> bool:
    if raw is None:
        return stored == ""  # a blank stays blank (NaN), never filled
    if stored == "":
        return False
    want = float(raw) * scale if scale is not None else float(raw)
    return math.isclose(float(stored), want, rel_tol=4e-16, abs_tol=0.0)


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_series_values_equal_the_source_csv(key):
    if key in UPSTREAM_SPECS:
        need_upstream()
    want = expected(key)
    _, got = store_rows(key)
    assert [r[0] for r in got] == [t for t, _ in want]
    scale = SPECS[key][1]
    bad = [(t, g[1:], w) for (t, w), g in zip(want, got, strict=True)
           if not all(close_enough(s, r, scale) for s, r in zip(g[1:], w, strict=True))]
    assert not bad, bad[:3]


def test_us10y_blank_days_are_not_filled():
    src = source(D + "us10y_daily_fred_dgs10_2015_2026.csv")
    blanks = {RULES["fred"](r["date"]) for r in src if r["dgs10"] == ""}
    assert len(blanks) == 122  # README: 2945 rows, 122 blank
    stored = dict(store_rows("rates.us10y")[1])
    # a blank FRED day never gets a value: it is either absent or NaN
    assert all(stored.get(t, "") == "" for t in blanks)
    assert len(stored) == len(src) - sum(1 for t in blanks if t not in stored)


def test_unit_conversions():
    fund = {funding_time(r["funding_time_ms"]): float(r["funding_rate_pct"]) / 100
            for r in source(DV + "binance_btcusdt_perp_funding_8h_api_2022_2025.csv")}
    got = {t: float(v) for t, v in store_rows("deriv.btc_funding_8h")[1]}
    assert got.keys() == fund.keys()
    assert all(math.isclose(got[t], fund[t], rel_tol=4e-16) for t in fund)
    walcl = {RULES["h41"](r["date"]): float(r["walcl"]) / 1000
             for r in source(D + "fed_total_assets_weekly_fred_walcl_2015_2026.csv")}
    got = {t: float(v) for t, v in store_rows("liq.walcl")[1]}
    assert got.keys() == walcl.keys()
    assert all(math.isclose(got[t], walcl[t], rel_tol=4e-16) for t in walcl)


def test_btcusdt_hourly_bars_are_the_source_bars_an_hour_later():
    src = {r["time_utc"]: r["close"] for r in source(IT + "btcusdt_1h_binance_spot_2026.csv")}
    stored = {r[0]: r[4] for r in store_rows("crypto.btcusdt.1h")[1]}
    for open_text, close in src.items():
        assert stored[plus(open_text, 1)] == close


def test_btc_daily_downloads_agree_where_they_overlap():
    old = {r["date"]: r["close"] for r in source(D + "btc_usd_daily_yahoo_2016_2025.csv")}
    new = {r["date"]: r["close"] for r in source(D + "btc_usd_daily_yahoo_2024_2026.csv")}
    common = old.keys() & new.keys()
    assert len(common) == 360
    assert all(float(old[d]) == float(new[d]) for d in common)


# ---------------------------------------------------------------- funding stamps
FUNDING_8H = ("deriv.btc_funding_8h", "deriv.btc_funding_8h_export", "deriv.btc_funding_8h_bybit")


def test_history_holds_every_series_intraday_included():
    history = next(d for d in DATASETS if d["name"] == "history")
    assert set(history["series"]) == set(CATALOG)
    assert {"idx.spx.1h", "etf.spy.1h", "crypto.btc_yahoo.1h", "crypto.btcusdt.1h",
            "crypto.btcusdt.4h", "deriv.btc_oi_4h", "deriv.btc_liq_4h", *FUNDING_8H} \
        <= set(history["series"])


@pytest.mark.parametrize("key", FUNDING_8H)
def test_funding_stamps_follow_the_venue_schedule(key):
    """Binance and Bybit settle at 00:00, 08:00 and 16:00 UTC, every 8h with no gap."""
    times = [parse_utc(t) for t, _ in store_rows(key)[1]]
    assert all(t.hour in (0, 8, 16) and t.minute == t.second == 0 for t in times)
    assert all(b - a == timedelta(hours=8) for a, b in zip(times, times[1:], strict=False))


def test_binance_export_funding_agrees_with_the_api_after_the_8h_restamp():
    """The page export was stamped 8h late; after the build's -8h every common settlement agrees
    with the API file to the export's rounding (6 decimals of a percent), and as stamped in the
    source it would not (the check can fail)."""
    api = {parse_utc(t): float(v) for t, v in store_rows("deriv.btc_funding_8h")[1]}
    export = {parse_utc(t): float(v) for t, v in store_rows("deriv.btc_funding_8h_export")[1]}
    common = api.keys() & export.keys()
    assert len(common) == 2583
    assert all(abs(api[t] - export[t]) <= 1.0000001e-8 for t in common)
    as_in_source = [t for t in common
                    if t + timedelta(hours=8) in api
                    and abs(api[t + timedelta(hours=8)] - export[t]) <= 1.0000001e-8]
    assert len(as_in_source) < len(common) / 2
    first = min(export)
    assert first == datetime(2019, 9, 10, 8, tzinfo=UTC)  # source row "2019-09-10 16:00:00"


def test_binance_export_funding_daily_means_equal_lukmol_after_the_restamp():
    """An independent Binance aggregate: lukmol's mean of each UTC day's three 8h rates."""
    export = [(parse_utc(t), float(v)) for t, v in store_rows("deriv.btc_funding_8h_export")[1]]
    by_day: dict[str, list[float]] = {}
    for t, v in export:
        by_day.setdefault(t.date().isoformat(), []).append(v)
    luk = {r["date"]: float(r["funding_mean"])
           for r in source(DV + "btc_funding_daily_binance_lukmol_2019_2026.csv")}
    days = [d for d, vs in by_day.items() if len(vs) == 3 and d in luk]
    assert len(days) == 2010
    assert all(abs(sum(by_day[d]) / 3 - luk[d]) <= 1e-8 for d in days)


# ---------------------------------------------------------------- upstream files (issue 14)
def closes(key: str, col: str = "close") -> dict[datetime, float]:
    header, rows = store_rows(key)
    i = header.index(col)
    return {parse_utc(r[0]): float(r[i]) for r in rows if r[i] != ""}


def test_upstream_manifest_names_every_upstream_series():
    from_upstream = {k for k, m in CATALOG.items() if m["source"].startswith("upstream/")}
    assert from_upstream == set(UPSTREAM_SPECS)
    assert {m["source"].removeprefix("upstream/") for k, m in CATALOG.items()
            if k in from_upstream} <= set(UPSTREAM_MANIFEST)
    for entry in UPSTREAM_MANIFEST.values():
        assert len(entry["commit"]) == 40 and len(entry["sha256"]) == 64


def test_upstream_files_have_the_recorded_sha256():
    folder = need_upstream()
    for name, entry in UPSTREAM_MANIFEST.items():
        assert sha256_file(folder / name) == entry["sha256"], name
    recorded = {rel: h for m in CATALOG.values() for rel, h in m["upstream_sha256"].items()
                if rel.startswith("upstream/")}
    assert recorded == {f"upstream/{n}": e["sha256"] for n, e in UPSTREAM_MANIFEST.items()}


def test_ccxt_funding_equals_the_api_file_and_the_restamped_export():
    """A third Binance download (ccxt) settles the stamp question: it equals the API file and
    the page export moved back 8h, and not the export as the export stamps it."""
    ccxt = closes("deriv.btc_funding_8h_ccxt", "rate")
    api = closes("deriv.btc_funding_8h", "rate")
    export = closes("deriv.btc_funding_8h_export", "rate")
    assert len(api.keys() & ccxt.keys()) == 3316
    assert all(abs(api[t] - ccxt[t]) <= 1e-15 for t in api.keys() & ccxt.keys())
    assert len(export.keys() & ccxt.keys()) == 6033 == len(export)
    assert all(abs(export[t] - ccxt[t]) <= 1.0000001e-8 for t in export)
    late = [t for t in export if t + timedelta(hours=8) in ccxt
            and abs(export[t] - ccxt[t + timedelta(hours=8)]) <= 1.0000001e-8]
    assert len(late) < len(export) / 2


def test_btc_2h_bars_give_the_binance_4h_closes():
    """Each 4h close is the last 2h close in (t - 4h, t]: 998 times the 2h bar ending at t,
    once (2020-12-21 16:00, a Binance outage) the one ending 2h earlier."""
    two, four = closes("crypto.btcusdt.2h"), closes("crypto.btcusdt.4h")

    def last_2h(t: datetime) -> float:
        return two[t] if t in two else two[t - timedelta(hours=2)]

    assert len(four) == 1000 and all(last_2h(t) == four[t] for t in four)
    assert sum(t not in two for t in four) == 1
    hourly = closes("crypto.btcusdt.1h")
    common = hourly.keys() & two.keys()
    assert len(common) == 1192 and all(hourly[t] == two[t] for t in common)


def test_long_ndx_download_equals_the_bundled_ndx():
    hist, ndx = closes("idx.ndx.hist"), closes("idx.ndx")
    common = hist.keys() & ndx.keys()
    assert len(common) == 380 and all(hist[t] == ndx[t] for t in common)
    assert min(hist) < datetime(2014, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(("ticker", "factor"), [("MSFT", 1.0), ("AMD", 1.0), ("META", 1.0),
                                                ("AMZN", 1.0), ("MU", 1.0), ("AVGO", 10.0)])
def test_stock_history_matches_the_bundled_raw_closes(ticker, factor):
    """Close of the 2024-03 download is the split-adjusted, not dividend-adjusted close: equal
    to the bundled raw closes (AVGO: in its pre-split units, 10x)."""
    hist, raw = closes(f"stk.{ticker}.hist"), closes(f"stk.{ticker}")
    common = hist.keys() & raw.keys()
    assert len(common) == 47
    assert all(abs(hist[t] / (factor * raw[t]) - 1) < 1e-4 for t in common)
    if factor == 1.0:
        assert all(abs(hist[t] / raw[t] - 1) < 1e-7 for t in common)


@pytest.mark.parametrize(("key", "col"), [("etf.smh_adj.hist", "smh"),
                                          ("etf.soxx_adj.hist", "soxx")])
def test_shifted_header_column_is_the_adjusted_close(key, col):
    """The column headed `Open` is a constant multiple of the adjusted close of ../shared/data
    (a later download's dividend factor), so every daily return agrees."""
    hist = closes(key)
    adj = {parse_utc(ny(r["date"], 16, 0)): float(r[col]) for r in source(NDX) if r[col]}
    common = sorted(hist.keys() & adj.keys())
    assert len(common) == 90
    ratios = [hist[t] / adj[t] for t in common]
    assert max(ratios) / min(ratios) - 1 < 3e-7


def test_spy_adjusted_is_a_constant_multiple_of_the_pool_download():
    spy, pool = closes("etf.spy_adj"), closes("etfpool.spy")
    common = sorted(spy.keys() & pool.keys())
    assert len(common) == 203
    ratios = [spy[t] / pool[t] for t in common]
    assert max(ratios) / min(ratios) - 1 < 5e-7
    raw = closes("etf.spy")  # unadjusted: the ratio steps down the years at each dividend
    first = min(spy.keys() & raw.keys())
    assert spy[first] / raw[first] < 0.9


def test_btc_long_download_equals_the_bundled_btc_where_both_exist():
    hist, btc = closes("crypto.btc.hist"), closes("crypto.btc")
    common = hist.keys() & btc.keys()
    assert len(common) == 2975
    assert all(abs(hist[t] / btc[t] - 1) < 2e-9 for t in common)
    assert min(hist) == datetime(2014, 9, 18, tzinfo=UTC)  # the 2014-09-17 UTC day's close
