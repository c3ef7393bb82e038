"""Which stored series feeds each role of the signal definitions.

Candidates are in order of preference: the first whose data is current at `asof` is used, else
the one with the most recent bar (shown, flagged as old), else the role is missing.
"""

from __future__ import annotations

import pandas as pd

ROLES: dict[str, tuple[str, ...]] = {
    "us10y": ("rates.us10y",),
    "bill3m": ("rates.us3m",),
    "zq": ("rates.zq",),
    "dff": ("rates.dff",),  # FRED DFF, effective fed funds (not in the bundled store yet)
    "dxy": ("fx.dxy",),
    "equity_1d": ("fut.es", "idx.spx"),  # DESIGN: ES futures (or the S&P 500 index)
    "spx": ("idx.spx", "fut.es"),  # the index itself where a rule names SPX
    # ^NDX (2024-08 on), then a longer ^NDX download (2010..2026-02); QQQ (unadjusted) last
    "ndx": ("idx.ndx", "idx.ndx.hist", "etf.qqq"),
    "btc_1d": ("crypto.btc", "crypto.btc.hist"),  # .hist: the same Yahoo series from 2014-09
    "eth_1d": ("crypto.eth",),
    # ES trades ~23h: more BTC hours. The S&P 500 CFD (2015..2025-02) only where none is current
    "equity_1h": ("fut.es.1h", "idx.spx.1h", "etf.spy.1h", "cfd.spx500.1h"),
    "btc_1h": ("crypto.btcusdt.1h", "crypto.btc_yahoo.1h"),
    # 2h/4h bars, for the 4h timeframe only where no hourly bars are current
    # the 2h bars (2017-08..2025-08) hold every 4h close of the 4h file (2020-10..2021-03)
    "btc_4h": ("crypto.btcusdt.2h", "crypto.btcusdt.4h"),
    # the API file, the ccxt download (2019-09..2026-02), the page export (re-stamped -8h)
    "funding": ("deriv.btc_funding_8h.binanceusdm", "deriv.btc_funding_8h",
                "deriv.btc_funding_8h_ccxt", "deriv.btc_funding_8h_export",
                "deriv.btc_funding_daily"),
    "oi": ("deriv.btc_oi_1h.binanceusdm", "deriv.btc_oi_4h", "deriv.btc_oi_daily"),
    "liquidations": ("deriv.btc_liq_1h.binanceusdm", "deriv.btc_liq_4h", "deriv.btc_liq_daily"),
    "rsp": ("etf.rsp_adj",),
    "spy_adj": ("etfpool.spy", "etf.spy_adj"),  # etf.spy_adj: the RSP/IWM download, 2012 on
    "smh_adj": ("etfpool.smh", "etf.smh_adj.hist"),
    "igv_adj": ("etfpool.igv",),
    "iwm_adj": ("etfpool.iwm",),
    "iwm_volume": ("etf.iwm_adj",),
    "rut": ("idx.rut", "idx.rut_yahoo"),
    "walcl": ("liq.walcl",),
    "tga": ("liq.tga",),
    "rrp": ("liq.rrp",),
    "btc_etf": ("etf.ibit", "etf.fbtc"),  # none bundled yet: live feeds bring them
    "vix": ("idx.vix",),
}
ALT_KEYS = ("crypto.sol", "crypto.xrp", "crypto.doge", "crypto.ada", "crypto.avax",
            "crypto.link")
FUNDING_INTERVAL_H = {"deriv.btc_funding_8h": 8.0, "deriv.btc_funding_daily": 8.0,
                      "deriv.btc_funding_8h_export": 8.0, "deriv.btc_funding_8h_bybit": 8.0,
                      "deriv.btc_funding_8h_ccxt": 8.0,
                      **{f"deriv.btc_funding_8h.{v}": 8.0 for v in ("binanceusdm", "bybit", "okx")}}
# Live per-venue series: funding is open-interest-weighted across these (DESIGN.md section 5).
VENUE_FUNDING = {v: (f"deriv.btc_funding_8h.{v}", f"deriv.btc_oi_1h.{v}")
                 for v in ("binanceusdm", "bybit", "okx")}
# Age beyond which a series' last value no longer counts as current.
STALE_AFTER = {"1h": pd.Timedelta(days=4), "4h": pd.Timedelta(days=4), "8h": pd.Timedelta(days=3),
               "1d": pd.Timedelta(days=6), "1w": pd.Timedelta(days=12)}


_STALE_NS = {freq: age.value for freq, age in STALE_AFTER.items()}
_DEFAULT_STALE_NS = pd.Timedelta(days=6).value


def is_stale(meta: dict[str, dict], key: str, last: pd.Timestamp, asof: pd.Timestamp) -> bool:
    """Whether `last` (the series' newest bar) is older at `asof` than its frequency allows.
    (Nanosecond integers: a Timestamp difference cost ~15 us, and a board asks ~70 times.)"""
    freq = meta.get(key, {}).get("freq", "1d")
    return asof.value - last.value > _STALE_NS.get(freq, _DEFAULT_STALE_NS)


def pick(frames: dict[str, pd.DataFrame], meta: dict[str, dict], role: str,
         asof: pd.Timestamp, current_only: bool = False) -> str | None:
    """The series key for `role` at `asof` (see the module docstring)."""
    return _first_current(frames, meta, ROLES[role], asof, current_only)


def _first_current(frames: dict[str, pd.DataFrame], meta: dict[str, dict], keys: tuple[str, ...],
                   asof: pd.Timestamp, current_only: bool) -> str | None:
    """The first of `keys` whose data is current at `asof`; else (unless `current_only`) the one
    with the most recent bar; None when none has data."""
    best, best_t = None, None
    last_time = getattr(frames, "last_time", None)  # cut frames answer without cutting
    for key in keys:
        if last_time is not None:
            t = last_time(key)
            if t is None:
                continue
        else:
            f = frames.get(key)
            if f is None or f.empty:
                continue
            t = f.index[-1]
        if not is_stale(meta, key, t, asof):
            return key
        if best_t is None or t > best_t:
            best, best_t = key, t
    return None if current_only else best


def basket_member(frames: dict[str, pd.DataFrame], meta: dict[str, dict], ticker: str,
                  asof: pd.Timestamp) -> str | None:
    """The series of one AI-basket member at `asof`: `stk.T`, else the older download `stk.T.hist`
    (each is only ever compared with its own averages, so the two are never mixed in one window);
    as `pick`: the first current one, else the one with the most recent bar."""
    return _first_current(frames, meta, (f"stk.{ticker}", f"stk.{ticker}.hist"), asof, False)
