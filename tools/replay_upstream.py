"""Series of the replay store built from public upstream files that ../shared/data does not hold.

Found for issue 14 (longer history for `history`): each file is one download from one public
repository, recorded below with its repository, commit, path and SHA-256. The build reads the
files from an upstream folder (default ../shared/data/upstream). Where that folder or a file is
absent the series already in resources/replay is kept as built (its catalog entry included), so a
rebuild on a machine without the files changes nothing. A file whose SHA-256 differs stops the
build with one line. Nothing is filled, interpolated or invented; rows before a cut date are left
out to keep the store small.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Upstream:
    repo: str
    commit: str
    path: str
    sha256: str
    what: str
    checks: str

    def cite(self) -> str:
        return f"{self.repo} @ {self.commit} : `{self.path}` (sha256 {self.sha256[:12]}…)"


BASKET = ("NVDA", "MSFT", "AVGO", "AMD", "TSM", "META", "GOOGL", "AMZN", "ORCL", "MU", "PLTR",
          "CRM", "NOW", "ADBE", "ANET")
MANIFEST = Path(__file__).with_name("replay_upstream.json")
# file name -> where it came from and what was checked (the measured figures are in the manifest)
FILES: dict[str, Upstream] = {
    name: Upstream(**entry)
    for name, entry in json.loads(MANIFEST.read_text(encoding="utf-8")).items()
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- readers (one per file layout)
def btc_2h(df: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """ccxt Binance spot 2h bars stamped at the bar open: known at open + 2h. The last bar was
    still forming when the file was downloaded (its close differs from Binance's final close),
    so it is left out."""
    df = df.iloc[:-1]
    opens = pd.to_datetime(df["timestamp"], utc=True)
    return opens + pd.Timedelta(hours=2), df[["open", "high", "low", "close", "volume"]]


def funding_ccxt(df: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """ccxt Binance funding history: settlement time (a few ms past the hour, to the minute)."""
    t = pd.to_datetime(df["timestamp"], utc=True).dt.round("min")
    return t, pd.DataFrame({"rate": df["funding_rate"].to_numpy()})


def spx500_h1(df: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """The SPX500 CFD's hourly bars, stamped at the open (UTC): known at open + 1h. The last bar
    may have been still forming when the file was downloaded: left out. Volume (ticks) unused."""
    df = df.iloc[:-1]
    cols = {"Open": "open", "High": "high", "Low": "low", "Close": "close"}
    return pd.to_datetime(df["Datetime"], utc=True) + pd.Timedelta(hours=1), \
        df[list(cols)].rename(columns=cols)


def yf_multiheader(df: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """yfinance >= 0.2.51 CSV: header rows 'Price', 'Ticker', 'Date'; read with skiprows=[1, 2]."""
    cols = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}
    return df["Price"], df[list(cols)].rename(columns=cols)


def yf_shifted_header(df: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """hjyssg's SMH/SOXX: yfinance's new column order (Adj Close, Close, High, Low, Open) written
    under the old header (Open, High, Low, Close, Adj Close), so the column headed `Open` holds
    the adjusted close. Only that column is kept."""
    return df["Date"].str[:10], pd.DataFrame({"close": df["Open"].to_numpy()})


def yf_short(df: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """riverfjs's ticker files: date,o,h,l,c,v (Yahoo split+dividend adjusted)."""
    cols = {"o": "open", "h": "high", "l": "low", "c": "close", "v": "volume"}
    return df["date"], df[list(cols)].rename(columns=cols)


def yf_classic(df: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Classic Yahoo CSV; Close is split-adjusted (as of the download), not dividend-adjusted."""
    cols = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}
    return df["Date"], df[list(cols)].rename(columns=cols)


@dataclass(frozen=True)
class Spec:
    key: str
    file: str
    label: str
    unit: str
    freq: str
    adjusted: str
    rule: str  # a TIME_RULES key of build_replays
    reader: Callable[[pd.DataFrame], tuple[pd.Series, pd.DataFrame]]
    since: str | None = None  # rows before this date are left out (store size)
    notes: str = ""
    read_kw: tuple[tuple[str, object], ...] = ()


SPECS: list[Spec] = [
    Spec("crypto.btcusdt.2h", "sky1241_BTC_USDT_2h.csv", "BTC/USDT 2h bars (Binance spot, ccxt)",
         "USDT", "2h", "n/a", "bar_open_plus", btc_2h,
         notes="Serves the 4h timeframe (role btc_4h) where no hourly BTC bars are current. The "
         "exchange's outages stay gaps (18, the longest 34h, to 2018-02-09 10:00). The source's "
         "last bar (still forming at download) is left out."),
    Spec("deriv.btc_funding_8h_ccxt", "sky1241_funding_rate_BTCUSDT.csv",
         "BTCUSDT perp funding, Binance (ccxt fetchFundingRateHistory), every 8h",
         "fraction per 8h", "8h", "n/a", "funding", funding_ccxt,
         notes="Source already a fraction. Times rounded to the minute (stamps up to 47 ms off)."),
    Spec("cfd.spx500.1h", "russs123_SPX500_H1.csv", "S&P 500 CFD (SPX500), hourly, vendor not "
         "stated", "index points", "1h", "raw", "bar_open_plus", spx500_h1,
         notes="A CFD on the cash index, ~23h a day; stands in for hourly S&P 500 bars before "
         "2024 (role equity_1h, last). The source's last bar is left out."),
    Spec("crypto.btc.hist", "hjyssg_BTC-USD.csv", "Bitcoin (BTC-USD, Yahoo), download to 2024-02",
         "USD", "1d", "n/a", "utc_day", yf_classic,
         notes="Serves BTC's daily role before crypto.btc starts (2014-09-17 .. 2015-12-31)."),
    Spec("idx.ndx.hist", "hjyssg_NDX.csv", "Nasdaq-100 (^NDX), Yahoo, long download",
         "index points", "1d", "raw", "nyse_close", yf_multiheader, since="2010-01-01",
         read_kw=(("skiprows", [1, 2]),)),
    Spec("etf.spy_adj", "riverfjs_SPY.csv", "SPY (Yahoo split+dividend adjusted)", "USD", "1d",
         "adjusted", "nyse_close", yf_short, since="2012-01-01",
         notes="Same download as etf.rsp_adj and etf.iwm_adj."),
    Spec("etf.smh_adj.hist", "hjyssg_SMH.csv", "SMH (Yahoo split+dividend adjusted close)", "USD",
         "1d", "adjusted", "nyse_close", yf_shifted_header, since="2010-01-01",
         notes="The source's header is shifted: its `Open` column is the adjusted close."),
    Spec("etf.soxx_adj.hist", "hjyssg_SOXX.csv", "SOXX (Yahoo split+dividend adjusted close)",
         "USD", "1d", "adjusted", "nyse_close", yf_shifted_header, since="2010-01-01",
         notes="The source's header is shifted: its `Open` column is the adjusted close."),
    *(Spec(f"stk.{t}.hist", f"dieperdev_{t}.csv", f"{t} (Yahoo, split-adjusted as of 2024-03-09)",
           "USD", "1d", "raw", "nyse_close", yf_classic, since="2012-01-01",
           notes=("In pre-split units: AVGO split 10:1 on 2024-07-15, so this series is 10x "
                  "stk.AVGO." if t == "AVGO" else
                  "In pre-split units: NVDA split 10:1 on 2024-06-10, so this series is 10x "
                  "stk.NVDA." if t == "NVDA" else "")) for t in BASKET),
]


def build_upstream(b, series_cls, folder: Path, time_rules: dict[str, str], out: Path) -> list[str]:
    """Put every upstream series into the builder `b` (its `put`, `time_for` and `catalog`) as
    `series_cls` entries; returns the keys kept as already built because their file is absent."""
    old = json.loads((out / "catalog.json").read_text("utf-8")) \
        if (out / "catalog.json").exists() else {}
    kept = []
    for s in SPECS:
        up = FILES[s.file]
        path = folder / s.file
        if not path.is_file():
            if s.key not in old or not (out / "series" / f"{s.key}.csv.gz").is_file():
                raise SystemExit(f"missing upstream file {path} (get {up.cite()})")
            b.catalog[s.key] = series_cls(**old[s.key])
            kept.append(s.key)
            continue
        if sha256(path) != up.sha256:
            raise SystemExit(f"{path}: SHA-256 differs from {up.cite()}")
        df = pd.read_csv(path, **dict(s.read_kw))
        when, frame = s.reader(df)
        if s.rule in ("bar_open_plus", "funding"):
            index = pd.DatetimeIndex(when)
        else:  # a session date
            index = b.time_for(s.rule, pd.Series(when).reset_index(drop=True))
        keep = np.ones(len(index), dtype=bool) if s.since is None \
            else pd.to_datetime(pd.Series(when)).to_numpy() >= np.datetime64(s.since)
        index, frame = index[keep], frame[keep]
        meta = series_cls(s.key, s.label, s.unit, s.freq, s.adjusted, f"upstream/{s.file}",
                      time_rules[s.rule], s.notes)
        b.put(meta, index, frame.reset_index(drop=True))
    return kept
