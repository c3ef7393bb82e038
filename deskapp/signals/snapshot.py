"""One immutable snapshot of every signal of DESIGN.md section 5 at a market time.

`compute_snapshot(frames, asof)` uses only rows stamped at or before `asof` (stamps are bar
close times). A signal that cannot be computed is None, with the reason in `missing`; nothing is
computed on fewer points than its window. Definitions, windows and units: docs/SIGNALS.md.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from deskapp.frames import head_rows
from deskapp.signals import correlation as corr
from deskapp.signals import crypto, macro, provisional, smallcaps, stress, trend, volatility
from deskapp.signals.breadth import ratio as inner_ratio
from deskapp.signals.breadth import share_above_sma_last
from deskapp.signals.reads import ReadLog
from deskapp.signals.regime import RegimeInputs, decide_regime
from deskapp.signals.returns import no_nan, ns_index
from deskapp.signals.roles import (
    ALT_KEYS,
    FUNDING_INTERVAL_H,
    STALE_AFTER,
    VENUE_FUNDING,
    basket_member,
    pick,
)
from deskapp.signals.words import num, trend_word

INTRADAY_MAX_GAP = pd.Timedelta(days=4)
DEFAULT_BASKET = ("NVDA", "MSFT", "AVGO", "AMD", "TSM", "META", "GOOGL", "AMZN", "ORCL", "MU",
                  "PLTR", "CRM", "NOW", "ADBE", "ANET")
H1_SPIKE_SHORT, H1_SPIKE_LONG = 24, 720  # 1h vol spike: last day vs last 30 days of hourly bars
# Correlation windows (config [correlation]): the keys daily_30/60/90, h1_120 and h4_90 name
# slots; the window each slot was computed on is recorded beside them (docs/SIGNALS.md).
DAILY_WINDOWS, H1_WINDOW, H4_WINDOW = (30, 60, 90), 120, 90
LOOKBACK = crypto.FLYWHEEL_LOOKBACK


@dataclass(frozen=True)
class Evidence:
    name: str
    lit: bool | None  # None: cannot tell, the data is missing
    evidence: str


@dataclass(frozen=True)
class CorrelationSignals:
    daily_30: float | None = None
    daily_60: float | None = None
    daily_90: float | None = None
    h1_120: float | None = None
    h4_90: float | None = None
    zone: str | None = None
    trend_1h: str | None = None
    trend_4h: str | None = None
    daily_windows: tuple[int, ...] = DAILY_WINDOWS  # the windows behind daily_30/60/90
    h1_window: int = H1_WINDOW  # the window behind h1_120
    h4_window: int = H4_WINDOW  # the window behind h4_90


@dataclass(frozen=True)
class TrendSignals:
    btc_1h: int | None = None
    btc_4h: int | None = None
    btc_1d: int | None = None
    es_1h: int | None = None
    es_4h: int | None = None
    es_1d: int | None = None


@dataclass(frozen=True)
class MacroSignals:
    us10y_5d_bp: float | None = None
    bill3m_5d_bp: float | None = None
    policy_5d_bp: float | None = None  # the front-month future's monthly average, 5 sessions
    dxy_20d_ret: float | None = None
    dxy_20d_z: float | None = None
    dollar_strength_with_yields: bool | None = None
    policy_rest_of_month_pct: float | None = None  # with FRED DFF: the month's unfixed days
    policy_rest_of_month_5d_bp: float | None = None


@dataclass(frozen=True)
class LiquiditySignals:
    net_liquidity_bn: float | None = None
    net_liquidity_4w_bn: float | None = None
    net_liquidity_13w_bn: float | None = None
    rising: bool | None = None
    btc_etf_dollar_volume: float | None = None
    rrp_note: str | None = None  # which day's RRP figure the weeks read used


@dataclass(frozen=True)
class VolatilitySignals:
    ndx_rv_ratio: float | None = None
    spx_rv_ratio: float | None = None
    btc_rv_ratio: float | None = None
    ndx_delever_pressure: float | None = None
    btc_delever_pressure: float | None = None


@dataclass(frozen=True)
class BreadthSignals:
    above_sma20: float | None = None
    above_sma50: float | None = None
    basket_minus_ndx_20d: float | None = None
    rsp_spy_20d: float | None = None
    smh_spy_20d: float | None = None
    igv_spy_20d: float | None = None


@dataclass(frozen=True)
class CryptoSignals:
    funding_annualised: float | None = None  # the latest 8h print (else the last daily mean)
    oi_24h_change: float | None = None
    oi_quadrant: str | None = None
    liq_long_z: float | None = None
    liq_short_z: float | None = None
    liq_long_24h_usd: float | None = None
    liq_short_24h_usd: float | None = None
    liq_long_1h_usd: float | None = None
    liq_short_1h_usd: float | None = None
    funding_annualised_1d_mean: float | None = None  # mean of the prints of the last 24h
    funding_basis: str | None = None  # which series and print the funding figures come from
    btc_day_so_far_ret: float | None = None  # BTC's UTC day so far (provisional daily point)
    btc_provisional: str | None = None  # the provisional daily BTC point, when one is used


@dataclass(frozen=True)
class Flywheel:
    stage: int = 0
    steps: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class EarlyWarning:
    count: int = 0
    flags: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class SmallCapSignals:
    rut_breakout: bool | None = None
    rut_252d_high: float | None = None
    iwm_volume_ratio: float | None = None
    iwm_spy_20d: float | None = None
    leadlag_best_lag: int | None = None
    leadlag_best_corr: float | None = None


@dataclass(frozen=True)
class Chain:
    links: tuple[Evidence, ...] = ()
    reached: str | None = None


@dataclass(frozen=True)
class StressSignals:
    vix: float | None = None
    vix_5d_change: float | None = None
    spx_1d_ret: float | None = None
    spx_drawdown: float | None = None
    spx_rv20: float | None = None
    btc_1d_ret: float | None = None
    btc_7d_ret: float | None = None
    btc_drawdown: float | None = None
    btc_day_basis: str | None = None


@dataclass(frozen=True)
class Regime:
    name: str = "calm"
    evidence: tuple[Evidence, ...] = ()
    scenario: str | None = None


@dataclass(frozen=True)
class Snapshot:
    asof: str
    source: str
    correlation: CorrelationSignals
    trend: TrendSignals
    macro: MacroSignals
    liquidity: LiquiditySignals
    volatility: VolatilitySignals
    breadth: BreadthSignals
    crypto: CryptoSignals
    flywheel: Flywheel
    early_warning: EarlyWarning
    smallcaps: SmallCapSignals
    chain: Chain
    regime: Regime
    stress: StressSignals = field(default_factory=StressSignals)
    missing: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def flat(self) -> dict[str, Any]:
        """Flattened keys (`correlation.daily_30`, `regime.name`, ...); evidence lists are
        reduced to their lit flags (`flywheel.steps.1` ...) for tables."""
        out: dict[str, Any] = {}

        def walk(prefix: str, node: Any) -> None:
            if isinstance(node, dict) and prefix != "missing":
                for k, v in node.items():
                    walk(f"{prefix}.{k}" if prefix else k, v)
            elif isinstance(node, list):
                for i, item in enumerate(node, start=1):
                    out[f"{prefix}.{i}"] = item.get("lit") if isinstance(item, dict) else item
            elif prefix == "missing":
                out["missing"] = "; ".join(f"{k}: {v}" for k, v in sorted(node.items()))
            else:
                out[prefix] = node

        walk("", self.to_dict())
        return out


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _clean(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_clean(v) for v in node]
    if isinstance(node, float) and not math.isfinite(node):
        return None
    if isinstance(node, np.generic):
        return node.item()
    return node


# ---------------------------------------------------------------- context
class _CutFrames(dict):
    """frames[key] cut at asof, cut lazily on first access (binary search on the index)."""

    def __init__(self, frames: dict[str, pd.DataFrame], asof: pd.Timestamp):
        super().__init__()
        self._src = frames
        self._stamp = asof.as_unit("ns").value

    def __contains__(self, key: object) -> bool:
        return key in self._src

    def __iter__(self):
        return iter(self._src)

    def __len__(self) -> int:
        return len(self._src)

    def get(self, key, default=None):
        return self[key] if key in self._src else default

    def __getitem__(self, key: str) -> pd.DataFrame:
        if not dict.__contains__(self, key):
            f = self._src[key]
            n = int(np.searchsorted(ns_index(f), self._stamp, side="right"))
            dict.__setitem__(self, key, head_rows(f, n))  # not a view (frames.py)
        return dict.__getitem__(self, key)

    def items(self):
        return ((k, self[k]) for k in self._src)

    def last_time(self, key: str) -> pd.Timestamp | None:
        """The stamp of frames[key]'s last row, or None (missing or empty), without cutting."""
        f = self._src.get(key)
        if f is None:
            return None
        n = int(np.searchsorted(ns_index(f), self._stamp, side="right"))
        return f.index[n - 1] if n else None


class _Ctx:
    """Frames cut at asof, role lookup, and the `missing` book."""

    def __init__(self, frames: dict[str, pd.DataFrame], meta: dict[str, dict],
                 asof: pd.Timestamp,
                 windows: tuple[tuple[int, ...], int, int] = (DAILY_WINDOWS, H1_WINDOW,
                                                                 H4_WINDOW)):
        self.asof = asof
        self.meta = meta
        self.daily_windows, self.h1_window, self.h4_window = windows
        self.frames = _CutFrames(frames, asof)
        self.missing: dict[str, str] = {}
        self._keys: dict[str, str | None] = {}
        self._series: dict[tuple[str, str], pd.Series | None] = {}

    def key(self, role: str) -> str | None:
        """The current series for a role, or None (old data does not count as current)."""
        if role not in self._keys:
            self._keys[role] = pick(self.frames, self.meta, role, self.asof, current_only=True)
        return self._keys[role]

    def series(self, role: str, column: str = "close") -> pd.Series | None:
        """The role's column without NaN, or None; picked and cut once per snapshot."""
        if (role, column) in self._series:
            return self._series[role, column]
        k = self.key(role)
        s = None
        if k is not None and column in self.frames[k].columns:
            s = no_nan(self.frames[k][column])
            if role == "btc_1d" and column == "close" and len(s):
                s = provisional.with_day_so_far(s, self.btc_day_so_far())
            s = s if len(s) else None
        self._series[role, column] = s
        return s

    def btc_day_so_far(self) -> provisional.DaySoFar | None:
        """BTC's UTC day so far: the provisional last daily BTC close (signals/provisional.py)."""
        if not hasattr(self, "_day_so_far"):
            self._day_so_far = provisional.btc_day_so_far(self.frames, self.meta, self.asof)
        return self._day_so_far

    def need(self, name: str, value: Any, why: str) -> Any:
        if value is None:
            self.missing.setdefault(name, why)
        return value


# ---------------------------------------------------------------- sections
def _daily_correlation(c: _Ctx) -> tuple[dict[str, Any], dict[str, int | None], float | None]:
    """Daily correlations, daily trends, and daily_30 five sessions ago."""
    eq, btc = c.series("equity_1d"), c.series("btc_1d")
    daily = corr.align_daily(eq, btc) if eq is not None and btc is not None else None
    values: dict[str, Any] = {}
    for slot, w in zip(DAILY_WINDOWS, c.daily_windows, strict=True):
        v = corr.last_correlation(daily, w) if daily is not None else None
        values[f"daily_{slot}"] = c.need(f"correlation.daily_{slot}", v,
                                      "no current daily S&P/ES and BTC closes" if daily is None
                                      else f"fewer than {w} aligned daily returns since a gap")
    values["zone"] = c.need("correlation.zone", corr.zone(values["daily_30"]),
                            "needs correlation.daily_30")
    trends = {"btc_1d": trend.trend(btc) if btc is not None else None,
              "es_1d": trend.trend(eq) if eq is not None else None}
    w30 = c.daily_windows[0]
    before = (corr.last_correlation(daily.iloc[:-5], w30)
              if daily is not None and len(daily) > w30 + 6 else None)
    return values, trends, before


def _intraday_correlation(c: _Ctx) -> tuple[dict[str, Any], dict[str, int | None]]:
    """Hourly and 4h correlations and trends."""
    eq1, btc1 = c.series("equity_1h"), c.series("btc_1h")
    btc4 = btc1 if btc1 is not None else c.series("btc_4h")  # 4h bars where no hourly ones
    pairs = None
    if eq1 is not None and btc1 is not None:
        # enough bars for 121 hourly and 91 4h pairs, even with holidays and short sessions
        eq_tail = eq1.iloc[-max(600, 5 * c.h1_window, 7 * c.h4_window):]
        btc_tail = btc1.loc[eq_tail.index[0] - pd.Timedelta(hours=1):]
        pairs = corr.align_intraday(eq_tail, btc_tail)
    values: dict[str, Any] = {}
    for name, frame_of, w in (("h1_120", lambda p: p, c.h1_window),
                              ("h4_90", lambda p: corr.to_4h(p, c.asof), c.h4_window)):
        v = corr.last_correlation(frame_of(pairs), w, INTRADAY_MAX_GAP) \
            if pairs is not None and len(pairs) else None
        values[name] = c.need(f"correlation.{name}", v,
                              "no current intraday S&P and BTC bars" if pairs is None
                              else f"fewer than {w} aligned bars since a gap")
    trends = {
        "btc_1h": trend.trend(btc1) if btc1 is not None else None,
        "btc_4h": trend.trend(trend.resample_last(btc4, "4h", c.asof)) if btc4 is not None
        else None,
        "es_1h": trend.trend(eq1) if eq1 is not None else None,
        "es_4h": trend.trend(trend.resample_last(eq1, "4h", c.asof)) if eq1 is not None
        else None,
    }
    return values, trends


def _macro(c: _Ctx) -> MacroSignals:
    ten, bill, zq, dxy = (c.series("us10y", "value"), c.series("bill3m", "value"),
                          c.series("zq"), c.series("dxy"))
    us10y = c.need("macro.us10y_5d_bp", macro.change_bp(ten) if ten is not None else None,
                   "no current 10y yield, or fewer than 6 sessions")
    b = c.need("macro.bill3m_5d_bp", macro.change_bp(bill) if bill is not None else None,
               "no current bill yield, or fewer than 6 sessions")
    pol = c.need("macro.policy_5d_bp", macro.policy_change_bp(zq) if zq is not None else None,
                 "no current front-month fed funds future (ZQ=F, its month's average rate)")
    dff = c.series("dff", "value")
    rest, rest_5d = (macro.policy_rest_of_month(zq, dff) if zq is not None and dff is not None
                     else (None, None))
    why = ("no current FRED DFF (effective fed funds) in this data" if dff is None
           else "no current ZQ=F" if zq is None
           else "a day of the month lacks DFF, or fewer than 5 days are left in it")
    c.need("macro.policy_rest_of_month_pct", rest, why)
    c.need("macro.policy_rest_of_month_5d_bp", rest_5d,
           why if rest is None else "5 sessions ago was in another month (another contract), "
           "or its rate cannot be had")
    ret, z = macro.dxy_return_and_z(dxy) if dxy is not None else (None, None)
    c.need("macro.dxy_20d_ret", ret, "no current DXY, or fewer than 21 sessions")
    c.need("macro.dxy_20d_z", z, "fewer than a year of DXY 20-session returns")
    strong = c.need("macro.dollar_strength_with_yields",
                    macro.dollar_strength_with_yields(z, us10y), "needs DXY z and the 10y change")
    return MacroSignals(us10y, b, pol, ret, z, strong, policy_rest_of_month_pct=rest,
                        policy_rest_of_month_5d_bp=rest_5d)


def _liquidity(c: _Ctx) -> LiquiditySignals:
    walcl, tga, rrp = (c.series("walcl", "value"), c.series("tga", "value"),
                       c.series("rrp", "value"))
    have = walcl is not None and tga is not None and rrp is not None
    table = macro.net_liquidity_table(walcl, tga, rrp) if have else None
    net = table["net"] if table is not None else pd.Series(dtype="float64")
    now = float(net.iloc[-1]) if len(net) else None
    w4 = macro.net_liquidity_change_last(net, 4)
    w13 = macro.net_liquidity_change_last(net, 13)
    why = "needs current Fed assets, TGA and reverse-repo data"
    c.need("liquidity.net_liquidity_bn", now, why)
    c.need("liquidity.net_liquidity_4w_bn", w4, why + " now and 4 weeks ago")
    c.need("liquidity.net_liquidity_13w_bn", w13, why + " now and 13 weeks ago")
    rising = c.need("liquidity.rising", None if w4 is None else w4 > 0, "needs the 4-week change")
    etf = None
    for role in ("btc_etf",):
        closes, volumes = c.series(role), c.series(role, "volume")
        if closes is not None and volumes is not None:
            etf = float(closes.iloc[-1] * volumes.iloc[-1])
    c.need("liquidity.btc_etf_dollar_volume", etf, "no spot bitcoin ETF bars in this data")
    note = None
    if table is not None and now is not None:
        note = macro.rrp_substitution_note(table) or "RRP: each week's Wednesday figure"
    c.need("liquidity.rrp_note", note, why)
    return LiquiditySignals(now, w4, w13, rising, etf, note)


def _volatility(c: _Ctx, targets: tuple[float, float]) -> VolatilitySignals:
    ndx, spx, btc = c.series("ndx"), c.series("spx"), c.series("btc_1d")
    why = "no current closes, or fewer than 61"
    out = VolatilitySignals(
        ndx_rv_ratio=volatility.spike_ratio(ndx) if ndx is not None else None,
        spx_rv_ratio=volatility.spike_ratio(spx) if spx is not None else None,
        btc_rv_ratio=volatility.spike_ratio(btc, periods_per_year=volatility.CRYPTO_DAYS)
        if btc is not None else None,
        ndx_delever_pressure=volatility.delever_pressure(ndx, targets[0], volatility.EQUITY_DAYS)
        if ndx is not None else None,
        btc_delever_pressure=volatility.delever_pressure(btc, targets[1], volatility.CRYPTO_DAYS)
        if btc is not None else None,
    )
    for k, v in asdict(out).items():
        c.need(f"volatility.{k}", v, why if "ratio" in k else "fewer than 26 closes")
    return out


def _breadth(c: _Ctx, basket: tuple[str, ...]) -> BreadthSignals:
    closes = {}
    for t in basket:
        f = c.frames.get(basket_member(c.frames, c.meta, t, c.asof) or "")
        if f is not None and len(f) and c.asof - f.index[-1] <= pd.Timedelta(days=6):
            closes[t] = f["close"].iloc[-60:]
    shares = {}
    for w in (20, 50):
        last = share_above_sma_last(closes, w)
        shares[w] = c.need(f"breadth.above_sma{w}", last[0] if last else None,
                           "no current basket member data")
    ndx = c.series("ndx")
    bret = smallcaps.basket_return(closes)
    nret = smallcaps.basket_return({"ndx": ndx}) if ndx is not None else None
    diff = bret - nret if bret is not None and nret is not None else None
    c.need("breadth.basket_minus_ndx_20d", diff, "basket or NDX 20-session return unavailable")
    spy = c.series("spy_adj")
    rs = {}
    for name, role in (("rsp_spy_20d", "rsp"), ("smh_spy_20d", "smh_adj"),
                       ("igv_spy_20d", "igv_adj")):
        num = c.series(role)
        v = smallcaps.rs_change(num, spy) if num is not None and spy is not None else None
        rs[name] = c.need(f"breadth.{name}", v, "no current adjusted closes of both legs")
    return BreadthSignals(shares[20], shares[50], diff, **rs)


def _funding(c: _Ctx) -> tuple[float | None, float | None, str | None]:
    """The latest 8h funding print annualised, the mean of the last 24h of prints, and which
    series they come from. Live: every current venue, open-interest-weighted. The daily-mean
    series (a UTC day's mean, known at the next 00:00) is used only when no 8h series is
    current, and the basis says so."""
    now: dict[str, float] = {}
    day: dict[str, float] = {}
    weights: dict[str, float] = {}
    for venue, (fk, ok) in VENUE_FUNDING.items():  # live: every venue, weighted by its OI
        f, o = c.frames.get(fk), c.frames.get(ok)
        if f is not None and len(f) and c.asof - f.index[-1] <= STALE_AFTER["8h"]:
            now[venue], day[venue] = crypto.funding_now_and_day(f["rate"], FUNDING_INTERVAL_H[fk])
            if o is not None and len(o):
                weights[venue] = float(o["oi_usd"].iloc[-1])
    if now:
        last = max(c.frames[VENUE_FUNDING[v][0]].index[-1] for v in now)
        return (crypto.oi_weighted(now, weights), crypto.oi_weighted(day, weights),
                f"8h prints of {', '.join(sorted(now))} (latest {last:%Y-%m-%d %H:%M} UTC)")
    fkey, rate = c.key("funding"), c.series("funding", "rate")
    if fkey is None or rate is None:
        return None, None, None
    hours = FUNDING_INTERVAL_H.get(fkey, 8.0)
    if not (c.meta.get(fkey, {}).get("freq") == "1d" or fkey.endswith("_daily")):
        a, d = crypto.funding_now_and_day(rate, hours)
        return a, d, f"8h print of {rate.index[-1]:%Y-%m-%d %H:%M} UTC ({fkey})"
    mean = float(crypto.annualised_funding(rate.iloc[-1], hours))
    day_of = rate.index[-1] - pd.Timedelta(days=1)
    return mean, mean, (f"daily mean of the 8h prints of {day_of:%Y-%m-%d} ({fkey}): "
                        "no current 8h series")


def _crypto(c: _Ctx) -> tuple[CryptoSignals, dict[str, Any]]:
    fund, fund_day, basis = _funding(c)
    c.need("crypto.funding_annualised", fund, "no current funding data")
    c.need("crypto.funding_annualised_1d_mean", fund_day, "no current funding data")
    c.need("crypto.funding_basis", basis, "no current funding data")
    oi = c.series("oi", "oi_usd")
    price = c.series("btc_1h") if c.series("btc_1h") is not None else c.series("btc_1d")
    oi_chg = crypto.change_over(oi) if oi is not None else None
    c.need("crypto.oi_24h_change", oi_chg, "no current open interest spanning 24h")
    p_chg = crypto.change_over(price) if price is not None else None
    quad = c.need("crypto.oi_quadrant", crypto.quadrant(p_chg, oi_chg),
                  "needs the 24h change of both price and open interest")
    longs, shorts = c.series("liquidations", "long_usd"), c.series("liquidations", "short_usd")
    lz = crypto.liquidation_z(longs) if longs is not None else None
    sz = crypto.liquidation_z(shorts) if shorts is not None else None
    c.need("crypto.liq_long_z", lz, "no current liquidation data with 30 days of history")
    c.need("crypto.liq_short_z", sz, "no current liquidation data with 30 days of history")
    sums: dict[str, float | None] = {}
    for side, s in (("long", longs), ("short", shorts)):
        day = crypto.rolling_24h_sum(s) if s is not None else None
        sums[f"liq_{side}_24h_usd"] = c.need(
            f"crypto.liq_{side}_24h_usd", float(day.iloc[-1]) if day is not None and len(day)
            else None, "no current liquidation data")
        bar = s.index.to_series().diff().min() if s is not None and len(s) > 1 else None
        hourly = bar is not None and bar <= pd.Timedelta(hours=1)
        sums[f"liq_{side}_1h_usd"] = c.need(
            f"crypto.liq_{side}_1h_usd", float(s.iloc[-1]) if hourly else None,
            "liquidation bars here are longer than 1h" if s is not None
            else "no current liquidation data")
    point = c.btc_day_so_far()
    for k in ("btc_day_so_far_ret", "btc_provisional"):
        c.need(f"crypto.{k}", None if point is None else k,
               "before 12:00 UTC, or no intraday BTC bar of the UTC day so far")
    return (CryptoSignals(fund, oi_chg, quad, lz, sz, **sums,
                          funding_annualised_1d_mean=fund_day, funding_basis=basis,
                          btc_day_so_far_ret=point.ret if point is not None else None,
                          btc_provisional=point.note() if point is not None else None),
            {"oi": oi, "price": price, "p_chg": p_chg, "longs": longs})


def _flywheel(c: _Ctx, x: dict[str, Any], btc_rv_ratio: float | None) -> Flywheel:
    oi, price, longs = x["oi"], x["price"], x["longs"]
    since = c.asof - LOOKBACK
    steps: list[Evidence] = []
    # 1: price falling while leverage rises, at any OI bar of the last 72h
    s1, flush_t = None, None
    if oi is not None and price is not None:
        hits, flushes = [], []
        for t in oi.index[oi.index > since]:
            o = crypto.change_over(oi.loc[:t])
            p = crypto.change_over(price.loc[:t])
            if o is not None and p is not None and p < 0 < o:
                hits.append((t, p, o))
            if o is not None and o <= crypto.FLUSH:
                flushes.append((t, o))
        s1 = bool(hits)
        ev = (f"{hits[-1][0]:%m-%d %H:%M}: price {hits[-1][1]:+.1%}, OI {hits[-1][2]:+.1%} (24h)"
              if hits else "no bar of the last 72h with price down and OI up")
        flush_t = flushes[-1] if flushes else None
    else:
        ev = "needs price and open interest"
    steps.append(Evidence("price falling, leverage rising", s1, ev))
    # 2: long liquidations z >= 2 at any bar of the last 72h
    s2, ev = None, "needs liquidation data with 30 days of history"
    if longs is not None:
        zs = [(t, crypto.liquidation_z(longs.loc[:t])) for t in longs.index[longs.index > since]]
        zs = [(t, z) for t, z in zs if z is not None]
        if zs:
            t, z = max(zs, key=lambda p: p[1])
            s2, ev = z >= 2.0, f"max long-liquidation z in 72h = {z:.1f} ({t:%m-%d %H:%M})"
    steps.append(Evidence("long liquidations z >= 2", s2, ev))
    # 3: volatility spike: hourly RV(24)/RV(720) >= 1.5, else daily RV(5)/RV(60)
    btc1 = c.series("btc_1h")
    ratio, basis = None, ""
    if btc1 is not None:
        ratio = volatility.spike_ratio(btc1, H1_SPIKE_SHORT, H1_SPIKE_LONG, 24 * 365)
        basis = "1h RV(24)/RV(720)"
    if ratio is None:
        ratio, basis = btc_rv_ratio, "daily RV(5)/RV(60)"
    steps.append(Evidence("volatility rising", None if ratio is None else ratio >= 1.5,
                          f"BTC {basis} = {num(ratio)}" if ratio is not None
                          else "needs BTC bars"))
    # 4: OI compressing (24h change <= -5%) with volatility up
    if oi is None:
        s4, ev = None, "needs open interest"
    elif flush_t is None:
        s4, ev = False, "no 24h OI fall of 5% or more in the last 72h"
    else:
        up = btc_rv_ratio is not None and btc_rv_ratio >= 1.0
        s4 = up
        ev = (f"{flush_t[0]:%m-%d %H:%M}: OI {flush_t[1]:+.1%} in 24h; BTC RV(5)/RV(60) "
              f"{num(btc_rv_ratio)} {'>=' if up else '<'} 1")
    steps.append(Evidence("OI compressing with volatility up", s4, ev))
    # 5: second wave: after the flush, price still falling and spot volume up
    s5, ev = (None, "needs a flush (step 4) first") if not s4 else (None, "")
    if s4 and price is not None:
        # the level at the flush = the last price at or before the flush bar's close
        at_flush = price.loc[:flush_t[0]]
        vol = c.series("btc_1d", "volume")
        vr = smallcaps.volume_ratio(vol, 20) if vol is not None else None
        if len(at_flush) and price.index[-1] > flush_t[0]:
            moved = float(price.iloc[-1] / at_flush.iloc[-1] - 1)
            s5 = bool(moved < 0 and vr is not None and vr > 1.0)
            ev = f"price since the flush {moved:+.1%}; spot volume {num(vr)}x its 20-day mean"
        else:  # the flush bar (OI) can be newer than the last price bar (daily BTC closes)
            s5, ev = False, "no price bar since the flush yet"
    steps.append(Evidence("second wave", s5, ev))
    return Flywheel(crypto.flywheel_stage([crypto.Step(s.name, s.lit, s.evidence)
                                           for s in steps]), tuple(steps))


def _iwm_spy_20d(c: _Ctx) -> float | None:
    iwm, spy = c.series("iwm_adj"), c.series("spy_adj")
    return smallcaps.rs_change(iwm, spy) if iwm is not None and spy is not None else None


def _smallcaps(c: _Ctx, threshold: float | None) -> SmallCapSignals:
    rut, vol = c.series("rut"), c.series("iwm_volume", "volume")
    high = smallcaps.prior_high(rut) if rut is not None else None
    vr = smallcaps.volume_ratio(vol) if vol is not None else None
    c.need("smallcaps.rut_252d_high", high, "no current Russell 2000, or fewer than 253 sessions")
    c.need("smallcaps.iwm_volume_ratio", vr, "no current IWM volume, or fewer than 51 sessions")
    last = float(rut.iloc[-1]) if rut is not None else None
    brk = c.need("smallcaps.rut_breakout", smallcaps.breakout(last, high, vr, threshold),
                 "needs the Russell 2000 high and IWM volume")
    rs = c.need("smallcaps.iwm_spy_20d", _iwm_spy_20d(c), "no current adjusted IWM and SPY closes")
    lead = c.series("iwm_volume")
    btc = c.series("btc_1d")
    lag, lc, _ = smallcaps.lead_lag(lead, btc) if lead is not None and btc is not None \
        else (None, None, {})
    c.need("smallcaps.leadlag_best_lag", lag, "fewer than 251 aligned IWM and BTC returns")
    c.need("smallcaps.leadlag_best_corr", lc, "fewer than 251 aligned IWM and BTC returns")
    return SmallCapSignals(brk, high, vr, rs, lag, lc)


def _chain(c: _Ctx, smc: SmallCapSignals, btc_1d: int | None) -> Chain:
    links = []
    ten = c.series("us10y", "value")
    if ten is not None and len(ten) > 26:
        ch = ten.diff().dropna()
        now, before = ch.iloc[-20:].std(), ch.iloc[-25:-5].std()
        links.append(Evidence("bonds", bool(now < before),
                              f"10y daily-change vol (20d) {now * 100:.1f} bp vs "
                              f"{before * 100:.1f} bp 5 sessions ago"))
    else:
        links.append(Evidence("bonds", None, "needs 26 sessions of the 10y yield"))
    gap = stress.drawdown(c.series("spx"), stress.SPX_HIGH_WINDOW)
    if gap is not None:
        links.append(Evidence("equities", gap >= -0.02, f"SPX {gap:+.1%} from its 252d high"))
    else:
        links.append(Evidence("equities", None, "needs 252 sessions of the S&P 500"))
    rs = smc.iwm_spy_20d
    links.append(Evidence("smallcaps", None if rs is None else rs > 0,
                          f"IWM/SPY 20d {num(rs, '+.2%')}" if rs is not None
                          else "needs adjusted IWM and SPY"))
    bt = btc_1d
    links.append(Evidence("crypto", None if bt is None else bt == 1,
                          f"BTC 1d trend {trend_word(bt)}"))
    btc, eth = c.series("btc_1d"), c.series("eth_1d")
    alts = {k: c.frames[k]["close"] for k in ALT_KEYS
            if k in c.frames and len(c.frames[k]) and
            c.asof - c.frames[k].index[-1] <= pd.Timedelta(days=6)}
    alt_ret = smallcaps.basket_return(alts)
    btc_ret = smallcaps.basket_return({"btc": btc}) if btc is not None else None
    eth_trend = None
    if eth is not None and btc is not None:
        eth_trend = trend.trend(inner_ratio(eth, btc))
    if alt_ret is None or btc_ret is None:
        links.append(Evidence("altcoins", None, "needs current altcoin and BTC closes"))
    else:
        lit = alt_ret - btc_ret > 0 and (eth_trend is None or eth_trend == 1)
        links.append(Evidence("altcoins", lit, f"alt basket minus BTC 20d "
                              f"{alt_ret - btc_ret:+.2%}; ETH/BTC trend {trend_word(eth_trend)}"))
    return Chain(tuple(links), smallcaps.chain_reached({e.name: e.lit for e in links}))


def liquidity_chain(frames: dict[str, pd.DataFrame], asof: pd.Timestamp,
                    meta: dict[str, dict] | None = None) -> Chain:
    """The liquidity chain alone at `asof` (the board's chain pane), as in `compute_snapshot`."""
    c = _Ctx(frames, meta or {}, asof)
    btc = c.series("btc_1d")
    return _chain(c, SmallCapSignals(iwm_spy_20d=_iwm_spy_20d(c)),
                  trend.trend(btc) if btc is not None else None)


def _stress(c: _Ctx) -> StressSignals:
    """The stress readings of the regime (docs/SIGNALS.md, "Stress")."""
    vix, spx, btc = c.series("vix"), c.series("spx"), c.series("btc_1d")
    out = StressSignals(
        vix=stress.last_value(vix),
        vix_5d_change=stress.change(vix),
        spx_1d_ret=stress.last_log_return(spx),
        spx_drawdown=stress.drawdown(spx, stress.SPX_HIGH_WINDOW),
        spx_rv20=volatility.realised_vol(spx, 20, volatility.EQUITY_DAYS)
        if spx is not None else None,
        btc_1d_ret=stress.last_log_return(btc),
        btc_7d_ret=stress.last_log_return(btc, stress.BTC_WEEK_BARS),
        btc_drawdown=stress.drawdown(btc, stress.BTC_HIGH_WINDOW),
        btc_day_basis=None if btc is None else "last daily bar" if c.btc_day_so_far() is None
        else f"UTC day so far to {c.btc_day_so_far().bar_time:%H:%M}, provisional",
    )
    why = {"vix": "no current VIX", "vix_5d_change": "no current VIX, or fewer than 6 sessions",
           "spx_1d_ret": "no current S&P 500 closes", "spx_rv20": "fewer than 21 S&P 500 closes",
           "spx_drawdown": "fewer than 252 S&P 500 closes", "btc_1d_ret": "no current BTC closes",
           "btc_7d_ret": "fewer than 8 BTC daily closes",
           "btc_drawdown": "fewer than 90 BTC daily closes", "btc_day_basis": "no BTC closes"}
    for k, v in asdict(out).items():
        c.need(f"stress.{k}", v, why[k])
    return out


def _early_warning(c: _Ctx, m: MacroSignals, cr: CryptoSignals, t: TrendSignals) -> EarlyWarning:
    ndx = c.series("ndx")
    now = volatility.spike_ratio(ndx) if ndx is not None else None
    prev = volatility.spike_ratio(ndx.iloc[:-1]) if ndx is not None and len(ndx) > 62 else None
    a = None if now is None or prev is None else now >= 1.3 and now > prev
    # 4h bars where held, else the daily trend, and the evidence says which
    btc_trend, basis = (t.btc_4h, "4h") if t.btc_4h is not None else (t.btc_1d,
                                                                       "1d (no 4h bars)")
    flags = (
        Evidence("growth vol rising", a, f"NDX RV(5)/RV(60) {num(now)} (previous {num(prev)})"
                 "; lit at >= 1.3 and rising"),
        Evidence("dollar strength with stable/rising yields", m.dollar_strength_with_yields,
                 f"DXY 20d z {num(m.dxy_20d_z)}, 10y 5d {num(m.us10y_5d_bp, '+.0f')} bp"),
        Evidence("crypto OI rising while BTC 4h trend is down",
                 None if cr.oi_24h_change is None or btc_trend is None
                 else cr.oi_24h_change > 0 and btc_trend == -1,
                 f"OI 24h {num(cr.oi_24h_change, '+.1%')}, BTC {basis} trend "
                 f"{trend_word(btc_trend)}"),
    )
    return EarlyWarning(sum(1 for f in flags if f.lit), flags)


@dataclass(frozen=True)
class _DailyPart:
    """Everything that depends on daily and weekly bars only."""

    correlation: dict[str, Any]
    trends: dict[str, int | None]
    daily_30_5d_ago: float | None
    macro: MacroSignals
    liquidity: LiquiditySignals
    volatility: VolatilitySignals
    breadth: BreadthSignals
    smallcaps: SmallCapSignals
    chain: Chain
    spx_close: float | None
    spx_sma50: float | None
    missing: dict[str, str]
    stress: StressSignals = field(default_factory=StressSignals)


class SnapshotCache:
    """Keeps the daily part of the last snapshot: when only intraday bars have arrived since,
    it is reused as is (the daily series it read, and whether each is current, are unchanged;
    a daily series it did not read may have moved). When only BTC's provisional day so far
    moved, its sections that do not read BTC are (`free`)."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.reads: tuple[str, ...] | None = None  # the series the daily part read (None: all)
        self.daily: _DailyPart | None = None
        self.hits = 0
        self.free_key: tuple | None = None
        self.free_reads: tuple[str, ...] | None = None
        self.free: _FreePart | None = None
        # the frames whose ids the keys hold (alive: no other frame can take such an id)
        self.alive: dict[str, pd.DataFrame] = {}
        self.free_alive: dict[str, pd.DataFrame] = {}


_FreePart = tuple[MacroSignals, LiquiditySignals, BreadthSignals, dict[str, str]]


def _daily_free(c: _Ctx, basket: tuple[str, ...]) -> _FreePart:
    """The daily part's sections that read no BTC (its day so far moves intraday), with the
    `missing` entries they would add (left out of `c.missing`: `_daily_part` adds them)."""
    before = dict(c.missing)
    mac, liq, brd = _macro(c), _liquidity(c), _breadth(c, basket)
    added = {k: v for k, v in c.missing.items() if k not in before}
    c.missing = before
    return mac, liq, brd, added


def _daily_key(frames: dict[str, pd.DataFrame], meta: dict[str, dict],
               asof: pd.Timestamp, keys: tuple[str, ...] | None = None) -> tuple:
    """Identity of the daily inputs of `keys` (default: every series) at asof: each daily
    series' last bar, whether current, and its frame object (a revised series is a new frame;
    SnapshotCache keeps the frames alive); (key, None) for one not here."""
    stamp = asof.as_unit("ns").value
    key: list[tuple] = []
    for k in sorted(frames) if keys is None else keys:
        if meta.get(k, {}).get("freq") not in ("1d", "1w"):
            continue
        if k not in frames:
            key.append((k, None))
            continue
        idx = ns_index(frames[k])
        n = int(np.searchsorted(idx, stamp, side="right"))
        limit = STALE_AFTER.get(meta[k]["freq"], STALE_AFTER["1d"]).value
        key.append((k, n, bool(n) and stamp - int(idx[n - 1]) <= limit, id(frames[k])))
    return tuple(key)


def _daily_part(c: _Ctx, basket: tuple[str, ...], vol_targets: tuple[float, float],
                rut_threshold: float | None, free: _FreePart | None = None) -> _DailyPart:
    before = dict(c.missing)
    cor, trends, d30_before = _daily_correlation(c)
    mac, liq, brd, free_missing = free or _daily_free(c, basket)
    for k, v in free_missing.items():  # section-named entries: no other section sets them
        c.missing.setdefault(k, v)
    vol = _volatility(c, vol_targets)
    smc = _smallcaps(c, rut_threshold)
    chn = _chain(c, smc, trends["btc_1d"])
    spx = c.series("spx")
    sma50 = float(spx.iloc[-50:].mean()) if spx is not None and len(spx) >= 50 else None
    sts = _stress(c)
    added = {k: v for k, v in c.missing.items() if k not in before}
    return _DailyPart(cor, trends, d30_before, mac, liq, vol, brd, smc, chn,
                      float(spx.iloc[-1]) if spx is not None else None, sma50, added, sts)


def _daily_cached(c: _Ctx, cache: SnapshotCache, frames: dict[str, pd.DataFrame],
                  reads: ReadLog, point: tuple | None, basket: tuple[str, ...],
                  vol_targets: tuple[float, float], rut_threshold: float | None) -> _DailyPart:
    """The daily part from `cache` when none of the series it read (nor BTC's day so far)
    changed; else computed, with its BTC-free sections from the cache when those are valid.
    `c` reads the frames through `reads`."""
    meta, asof = c.meta, c.asof
    if cache.daily is not None and cache.key == (_daily_key(frames, meta, asof, cache.reads),
                                                 point):
        cache.hits += 1
        return cache.daily
    if cache.free is not None and cache.free_key == _daily_key(frames, meta, asof,
                                                               cache.free_reads):
        free = cache.free
    else:
        free = cache.free = _daily_free(c, basket)
        cache.free_reads = reads.read()
        cache.free_key = _daily_key(frames, meta, asof, cache.free_reads)
        cache.free_alive = dict(frames)
    daily = _daily_part(c, basket, vol_targets, rut_threshold, free)
    read, free_read = reads.read(), cache.free_reads
    cache.reads = None if read is None or free_read is None else \
        tuple(sorted({*read, *free_read}))  # the reused free part's series count too
    cache.key = (_daily_key(frames, meta, asof, cache.reads), point)
    cache.daily, cache.alive = daily, dict(frames)
    return daily


def compute_snapshot(frames: dict[str, pd.DataFrame], asof: pd.Timestamp,
                     meta: dict[str, dict] | None = None, source: str = "replay",
                     basket: tuple[str, ...] = DEFAULT_BASKET,
                     vol_targets: tuple[float, float] = (0.15, 0.50),
                     rut_threshold: float | None = None,
                     cache: SnapshotCache | None = None,
                     windows: tuple[tuple[int, ...], int, int] = (DAILY_WINDOWS, H1_WINDOW,
                                                                  H4_WINDOW),
                     day_so_far: tuple[provisional.DaySoFar | None] | None = None
                     ) -> Snapshot:
    """Every signal of DESIGN.md section 5 at `asof`, from bars closed at or before it.

    With a `cache`, the daily part of the previous call is reused when no daily input changed
    (the cache is for one set of arguments: deskapp/signals/engine.py keeps it so).
    `windows`: the correlation windows (daily, 1h, 4h) of the config's [correlation].
    `day_so_far`: `provisional.btc_day_so_far` of these frames, when known already (a
    `(point,)` tuple; the point may be None); else computed here.
    """
    asof = pd.Timestamp(asof)
    asof = asof.tz_localize("UTC") if asof.tzinfo is None else asof.tz_convert("UTC")
    meta = meta or {}
    reads = ReadLog(frames) if cache is not None and meta else None  # what the daily part reads
    c = _Ctx(frames if reads is None else reads, meta, asof, windows)
    if day_so_far is not None:
        c._day_so_far = day_so_far[0]
    if reads is None:
        daily = _daily_part(c, basket, vol_targets, rut_threshold)
    else:  # the provisional daily BTC point (BTC's day so far) moves intraday;
        p = c.btc_day_so_far()  # its stamp (asof) is the UTC day of its bar: not a key
        point = None if p is None else (p.price, p.bar_time, p.source, p.prev_close)
        daily = _daily_cached(c, cache, frames, reads, point, basket, vol_targets,
                              rut_threshold)
    c.missing.update(daily.missing)
    intraday, itrends = _intraday_correlation(c)
    t = {**daily.trends, **itrends}
    for k in ("btc_1h", "btc_4h", "btc_1d", "es_1h", "es_4h", "es_1d"):
        c.need(f"trend.{k}", t[k], "no current bars, or fewer than 25")
    trends = TrendSignals(**{k: t[k] for k in ("btc_1h", "btc_4h", "btc_1d", "es_1h", "es_4h",
                                                 "es_1d")})
    agree_1h = trend.agreement(t["es_1h"], t["btc_1h"])
    agree_4h = trend.agreement(t["es_4h"], t["btc_4h"])
    c.need("correlation.trend_1h", agree_1h, "1h trend of S&P or BTC unavailable")
    c.need("correlation.trend_4h", agree_4h, "4h trend of S&P or BTC unavailable")
    cor = CorrelationSignals(trend_1h=agree_1h, trend_4h=agree_4h, **daily.correlation,
                             **intraday, daily_windows=tuple(c.daily_windows),
                             h1_window=c.h1_window, h4_window=c.h4_window)
    cry, cx = _crypto(c)
    fly = _flywheel(c, cx, daily.volatility.btc_rv_ratio)
    ew = _early_warning(c, daily.macro, cry, trends)
    reg = decide_regime(RegimeInputs(
        macro=daily.macro, correlation=cor, volatility=daily.volatility, trends=trends,
        smallcaps=daily.smallcaps, chain=daily.chain, spx_close=daily.spx_close,
        spx_sma50=daily.spx_sma50, daily_30_5d_ago=daily.daily_30_5d_ago,
        stress=daily.stress))
    return Snapshot(asof=asof.isoformat().replace("+00:00", "Z"), source=source,
                    correlation=cor, trend=trends, macro=daily.macro,
                    liquidity=daily.liquidity, volatility=daily.volatility,
                    breadth=daily.breadth, crypto=cry,
                    flywheel=fly, early_warning=ew, smallcaps=daily.smallcaps,
                    chain=daily.chain,
                    regime=Regime(reg.name, tuple(Evidence(*e) for e in reg.evidence),
                                  reg.scenario),
                    stress=daily.stress,
                    missing=dict(sorted(c.missing.items())))
