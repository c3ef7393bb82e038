"""What each board pane draws at a market time: curves, readouts and what is missing, and why.

`compute_board` is pure: frames in (bars closed at or before `asof`), an immutable `BoardView` out.
Which stored series feeds a role (e.g. "the S&P 500 for correlation") is decided by `ROLES`:
the first candidate whose data is current at `asof` wins (ES futures, else the S&P 500 index),
so a series that has ended is replaced rather than shown stale, and nothing is ever drawn from
another period.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from deskapp.signals import (
    breadth,
    correlation,
    macro,
    provisional,
    roles,
    smallcaps,
    trend,
    volatility,
)
from deskapp.signals.crypto import annualised_funding, funding_now_and_day
from deskapp.signals.returns import no_nan
from deskapp.signals.roles import ALT_KEYS, FUNDING_INTERVAL_H, STALE_AFTER

if TYPE_CHECKING:
    from deskapp.signals.snapshot import Chain, Snapshot

NO_DATA = "no data in this replay"

# Longest normal hole between two aligned intraday bars (a long weekend); longer = missing data.
INTRADAY_MAX_GAP = pd.Timedelta(days=4)


@dataclass(frozen=True)
class Curve:
    """One line on a pane. x = bar close time in epoch seconds (UTC)."""

    label: str
    x: np.ndarray
    y: np.ndarray
    source: str
    last_time: pd.Timestamp | None = None
    stale: bool = False
    # Points further apart than this have a hole in the data between them: the line breaks there
    # instead of drawing values nobody recorded. None = always connected.
    max_gap_s: float | None = None
    freq: str | None = None  # bar length of the underlying series (1h, 4h, 8h, 1d, 1w)


@dataclass(frozen=True)
class Bars:
    """A bar chart on a non-time axis (e.g. correlation by lag): one bar per x."""

    label: str
    x: np.ndarray
    y: np.ndarray
    source: str
    last_time: pd.Timestamp | None = None  # newest data the bars were computed from
    highlight: int | None = None  # index of the bar to mark (e.g. the best lag)


@dataclass(frozen=True)
class Check:
    """One condition a pane shows with its evidence: lit (True), not (False), unknown (None)."""

    name: str
    lit: bool | None
    evidence: str


@dataclass(frozen=True)
class PaneView:
    curves: dict[str, Curve] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # curve id -> why it is not drawn
    readouts: dict[str, float | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    bars: dict[str, Bars] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class BoardView:
    asof: pd.Timestamp
    source: str
    dataset: str
    view_days: int
    panes: dict[str, PaneView]
    snapshot: Snapshot | None = None  # the typed snapshot at asof (signals/engine.py)

    def readouts(self) -> dict[str, float | None]:
        """Every number on the board, flattened as `pane.name`."""
        return {f"{p}.{k}": v for p, pane in self.panes.items() for k, v in pane.readouts.items()}


@dataclass(frozen=True)
class BoardInputs:
    frames: dict[str, pd.DataFrame]
    meta: dict[str, dict]
    asof: pd.Timestamp
    source: str = "replay"
    dataset: str = ""
    view_days: int = 120
    ai_basket: tuple[str, ...] = ()
    daily_windows: tuple[int, ...] = (30, 60, 90)
    h1_window: int = 120
    h4_window: int = 90
    rut_level: float | None = None  # user Russell 2000 breakout level (config [smallcaps])
    vol_targets: tuple[float, float] = (0.15, 0.50)  # NDX, BTC (config [vol_target])
    chain: Chain | None = None  # the snapshot's liquidity chain at asof, when computed already
    # values of daily bars kept from the previous board (signals/board_cache.py), see `_reuse`
    memo: dict | None = field(default=None, compare=False)
    # values computed once per board (e.g. BTC's daily closes with its day so far)
    scratch: dict = field(default_factory=dict, compare=False, repr=False)
    # called between two panes' computations: a caller may wait there (the compute worker
    # lets the GUI thread draw, deskapp/ui/gui_gate.py); it must not touch the inputs
    pause: Callable[[], None] | None = field(default=None, compare=False, repr=False)


def compute_panes(inp: BoardInputs, fns: Mapping[str, Callable[[BoardInputs], PaneView]]
                  ) -> dict[str, PaneView]:
    """Each `fns` pane's view of `inp`, with `inp.pause` (if given) called before each."""
    panes = {}
    for name, fn in fns.items():
        if inp.pause is not None:
            inp.pause()
        panes[name] = fn(inp)
    return panes


# ---------------------------------------------------------------- helpers
def epoch_seconds(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("ns").asi8 / 1e9


def pick(inp: BoardInputs, role: str) -> str | None:
    """The series for a role at asof (signals/roles.py): the first current candidate, else the
    one with the most recent bar (shown, flagged as old). Once per board (and per pane group,
    whose scratch is its own: its first lookup is the one its ReadLog notes)."""
    if ("pick", role) not in inp.scratch:
        inp.scratch["pick", role] = roles.pick(inp.frames, inp.meta, role, inp.asof)
    return inp.scratch["pick", role]


def _label(inp: BoardInputs, key: str) -> str:
    return inp.meta.get(key, {}).get("label", key)


def _is_stale(inp: BoardInputs, key: str, last: pd.Timestamp) -> bool:
    return roles.is_stale(inp.meta, key, last, inp.asof)


def curve_from(inp: BoardInputs, key: str, series: pd.Series, label: str | None = None) -> Curve:
    s = no_nan(series)
    last = s.index[-1] if len(s) else None
    # A gap longer than the age at which the series would be flagged old is a hole, not a pause.
    max_gap = STALE_AFTER.get(inp.meta.get(key, {}).get("freq", "1d"), pd.Timedelta(days=6))
    return Curve(label=label or _label(inp, key), x=epoch_seconds(s.index),
                 y=s.to_numpy(dtype="float64"), source=key, last_time=last,
                 stale=bool(last is not None and _is_stale(inp, key, last)),
                 max_gap_s=max_gap.total_seconds(),
                 freq=inp.meta.get(key, {}).get("freq"))


def _put(pane: dict, cid: str, curve: Curve) -> float | None:
    """Add a curve; return its latest value, or None (with the reason) when that value is old.

    An old series is still drawn where its data lies, but its last value is not shown as current.
    """
    pane["curves"][cid] = curve
    if curve.stale and curve.last_time is not None:
        pane["missing"][cid] = f"no data since {curve.last_time:%Y-%m-%d}"
        return None
    return float(curve.y[-1]) if len(curve.y) else None


def _add(pane: dict, cid: str, inp: BoardInputs, key: str | None, column: str = "close",
         transform=None, label: str | None = None) -> float | None:
    """Draw series `key` (optionally transformed) as curve `cid`; return its current value.

    Returns None and records why when the replay has no such data or its data is old.
    """
    if key is None or key not in inp.frames:
        pane["missing"][cid] = NO_DATA
        return None
    s = inp.frames[key][column]
    if transform is not None:
        s = transform(s)
    if no_nan(s).empty:
        pane["missing"][cid] = NO_DATA
        return None
    return _put(pane, cid, curve_from(inp, key, s, label))


def _put_ratio(inp: BoardInputs, pane: dict, cid: str, keys: tuple[str | None, str | None],
               closes: tuple[pd.Series | None, pd.Series | None], label: str
               ) -> tuple[pd.Series | None, float | None]:
    """numerator / denominator closes as curve `cid` (source "num_key/den_key"): the ratio and
    its latest current value; (None, None), with the pane saying so, when either is missing."""
    (nkey, dkey), (num, den) = keys, closes
    if num is None or den is None:
        pane["missing"][cid] = NO_DATA
        return None, None
    ratio = breadth.ratio(num, den)
    curve = replace(curve_from(inp, nkey, ratio, label), source=f"{nkey}/{dkey}")
    return ratio, _put(pane, cid, curve)


def _empty() -> dict:
    return {"curves": {}, "missing": {}, "readouts": {}, "notes": [], "bars": {}, "checks": []}


def _freeze(p: dict) -> PaneView:
    return PaneView(p["curves"], p["missing"], p["readouts"], tuple(p["notes"]), p["bars"],
                    tuple(p["checks"]))


# ---------------------------------------------------------------- panes
def macro_pane(inp: BoardInputs) -> PaneView:
    p = _empty()
    r = p["readouts"]
    r["us10y_pct"] = _add(p, "us10y", inp, pick(inp, "us10y"), "value", label="US 10y yield %")
    r["bill3m_pct"] = _add(p, "bill3m", inp, pick(inp, "bill3m"), "value",
                           label="US 3m bill yield %")
    r["dxy"] = _add(p, "dxy", inp, pick(inp, "dxy"), "close", label="Dollar index (DXY)")
    r["us10y_5d_bp"] = None
    if r["us10y_pct"] is not None:
        # DESIGN.md: 10y change over 5 sessions, in basis points (blank FRED days are not sessions).
        ten = p["curves"]["us10y"].y
        ten = ten[~np.isnan(ten)]
        if len(ten) >= 6:
            r["us10y_5d_bp"] = float((ten[-1] - ten[-6]) * 100.0)
    return _freeze(p)


def leadership_pane(inp: BoardInputs) -> PaneView:
    p = _empty()
    r = p["readouts"]
    closes, lacking = {}, []
    keys = {t: roles.basket_member(inp.frames, inp.meta, t, inp.asof) for t in inp.ai_basket}
    for ticker, key in keys.items():
        f = inp.frames.get(key or "")
        if f is None or f.empty:
            lacking.append(ticker)
        else:
            closes[ticker] = f["close"]
    members = ",".join(str(keys[t]) for t in closes)
    for window in (20, 50):
        cid = f"above_sma{window}"
        # A member whose data ended before a session is simply not counted on that session.
        table = breadth.share_above_sma(closes, window)
        r[f"{cid}_pct"] = r[f"{cid}_counted"] = None
        if table.empty:
            p["missing"][cid] = NO_DATA
            continue
        share = 100.0 * table["share"]
        curve = Curve(label=f"% of AI basket above {window}d SMA", x=epoch_seconds(share.index),
                      y=share.to_numpy("float64"), source=members, last_time=share.index[-1],
                      stale=inp.asof - share.index[-1] > STALE_AFTER["1d"])
        r[f"{cid}_pct"] = _put(p, cid, curve)
        if r[f"{cid}_pct"] is not None:
            r[f"{cid}_counted"] = float(table["counted"].iloc[-1])
    if lacking:
        p["notes"].append("basket members without data here: " + ", ".join(lacking))
    for cid, num_role, label in (("rsp_spy", "rsp", "RSP/SPY"), ("smh_spy", "smh_adj", "SMH/SPY")):
        num, den = pick(inp, num_role), pick(inp, "spy_adj")
        r[f"{cid}_ratio"] = r[f"{cid}_20d_pct"] = None
        if num is None or den is None:
            p["missing"][cid] = NO_DATA
            continue
        ratio = breadth.ratio(inp.frames[num]["close"], inp.frames[den]["close"])
        chg = breadth.change_pct(ratio, 20)
        if chg.empty:
            p["missing"][cid] = "fewer than 21 common sessions"
            continue
        curve = Curve(label=f"{label} ratio, 20d change %", x=epoch_seconds(chg.index),
                      y=chg.to_numpy("float64"), source=f"{num}/{den}", last_time=chg.index[-1],
                      stale=inp.asof - chg.index[-1] > STALE_AFTER["1d"])
        r[f"{cid}_20d_pct"] = _put(p, cid, curve)
        if r[f"{cid}_20d_pct"] is not None:
            r[f"{cid}_ratio"] = float(ratio.iloc[-1])
    return _freeze(p)


def crypto_pane(inp: BoardInputs) -> PaneView:
    p = _empty()
    r = p["readouts"]
    r["btc"] = _add(p, "btc", inp, pick(inp, "btc_1d"), "close", label="BTC daily close")
    hourly = pick(inp, "btc_1h")
    if hourly is not None:
        latest_hourly = _add(p, "btc_1h", inp, hourly, "close", label="BTC hourly close")
        p["missing"].pop("btc_1h", None)  # hourly bars are a bonus; daily is the baseline
        if latest_hourly is not None:
            r["btc"] = latest_hourly
        # The pane's 4h timeframe: 4h closes from the hourly bars (UTC buckets (end - 4h, end],
        # stamped at the end; a bucket still forming at asof is left out), as trend.btc_4h uses.
        hourly_frame = inp.frames.get(hourly)
        four = (trend.resample_last(hourly_frame["close"], "4h", inp.asof)
                if hourly_frame is not None else pd.Series(dtype="float64"))
        if not four.empty:
            curve = curve_from(inp, hourly, four, label="BTC 4h close")
            p["curves"]["btc_4h"] = replace(curve, freq="4h")
    fkey = pick(inp, "funding")
    hours = FUNDING_INTERVAL_H.get(fkey or "", 8.0)
    r["funding_annualised_pct"] = _add(
        p, "funding", inp, fkey, "rate", label="Funding, annualised %",
        transform=lambda s: 100.0 * annualised_funding(s, hours))
    # the latest print (8h series) or the last daily mean, as the snapshot's funding_basis says
    r["funding_1d_mean_pct"] = None
    if r["funding_annualised_pct"] is not None:
        rate = inp.frames[fkey]["rate"]
        if inp.meta.get(fkey, {}).get("freq") == "1d" or fkey.endswith("_daily"):
            r["funding_1d_mean_pct"] = r["funding_annualised_pct"]
            day_of = no_nan(rate).index[-1] - pd.Timedelta(days=1)
            p["notes"].append(f"funding: daily mean of the 8h prints of {day_of:%Y-%m-%d} "
                              "(no current 8h series)")
        else:
            r["funding_1d_mean_pct"] = 100.0 * funding_now_and_day(rate, hours)[1]
            p["notes"].append(f"funding: 8h print of {no_nan(rate).index[-1]:%Y-%m-%d %H:%M} "
                              "UTC; 24h mean beside it")
    point = btc_day_so_far(inp)
    r["btc_day_so_far_pct"] = None if point is None else 100.0 * point.ret
    if point is not None:
        p["notes"].append(point.note())
    r["oi_usd_bn"] = _add(p, "oi", inp, pick(inp, "oi"), "oi_usd", transform=lambda s: s / 1e9,
                          label="Open interest, USD bn")
    lkey = pick(inp, "liquidations")
    r["liq_long_usd_m"] = _add(p, "liq_long", inp, lkey, "long_usd",
                               label="Long liquidations, USD m", transform=lambda s: s / 1e6)
    r["liq_short_usd_m"] = _add(p, "liq_short", inp, lkey, "short_usd",
                                label="Short liquidations, USD m", transform=lambda s: s / 1e6)
    return _freeze(p)


def correlation_pane(inp: BoardInputs) -> PaneView:
    return merge_panes(correlation_daily(inp), correlation_intraday(inp))


def merge_panes(first: PaneView, then: PaneView) -> PaneView:
    """One pane from two parts built in order (the same as building both into one pane)."""
    return PaneView({**first.curves, **then.curves}, {**first.missing, **then.missing},
                    {**first.readouts, **then.readouts}, first.notes + then.notes,
                    {**first.bars, **then.bars}, first.checks + then.checks)


def correlation_daily(inp: BoardInputs) -> PaneView:
    """The correlation pane's daily windows (daily bars and BTC's day so far only)."""
    p = _empty()
    r = p["readouts"]
    ekey, bkey = pick(inp, "equity_1d"), pick(inp, "btc_1d")
    daily = None
    btc = _btc_daily(inp, bkey) if bkey else None
    if ekey and btc is not None:
        daily = correlation.align_daily(inp.frames[ekey]["close"], btc)
        p["notes"].append(f"daily: {_label(inp, ekey)} vs {_label(inp, bkey)}")
    # Curve ids name slots, as the snapshot's keys do: daily_30/60/90 are the config's three
    # daily windows, h1_120 and h4_90 its 1h and 4h windows (the labels say which).
    rets = (correlation.paired_returns(daily, correlation.DAILY_MAX_GAP) if daily is not None
            else None)  # once for the three windows
    for slot, w in zip((30, 60, 90), inp.daily_windows, strict=True):
        cid = f"daily_{slot}"
        r[cid] = None
        corr = correlation.returns_correlation(rets, w) if rets is not None else None
        if corr is None or no_nan(corr).empty:
            p["missing"][cid] = NO_DATA if daily is None else f"fewer than {w + 1} aligned days"
            continue
        r[cid] = _put(p, cid, curve_from(inp, ekey, corr, f"daily, {w} days"))
    return _freeze(p)


def correlation_intraday(inp: BoardInputs) -> PaneView:
    """The correlation pane's 1h and 4h windows (intraday bars only)."""
    p = _empty()
    r = p["readouts"]
    ek1, bk1 = pick(inp, "equity_1h"), pick(inp, "btc_1h")
    pairs = None
    if ek1 and bk1:
        pairs = correlation.align_intraday(inp.frames[ek1]["close"], inp.frames[bk1]["close"])
        if pairs.empty:
            pairs = None
        else:
            p["notes"].append(f"intraday: {_label(inp, ek1)} vs {_label(inp, bk1)}")
    four_hour = lambda x: correlation.to_4h(x, inp.asof)  # noqa: E731
    for prefix, to_frame, w, tf in (("h1", lambda x: x, inp.h1_window, "1h"),
                                    ("h4", four_hour, inp.h4_window, "4h")):
        cid = {"h1": "h1_120", "h4": "h4_90"}[prefix]
        r[cid] = None
        if pairs is None:
            p["missing"][cid] = "no intraday S&P and BTC bars in this replay"
            continue
        bars = to_frame(pairs)
        if bars.empty:  # hourly pairs, but none of their 4h buckets has ended yet
            p["missing"][cid] = f"no complete {tf} bar yet"
            continue
        corr = correlation.rolling_correlation(bars, w, INTRADAY_MAX_GAP)
        fresh_bars = inp.asof - bars.index[-1] <= STALE_AFTER[tf]
        if fresh_bars and (no_nan(corr).empty or pd.isna(corr.iloc[-1])):
            # The bars are current but too few since the last hole in the data: say how many.
            have = correlation.trailing_returns(bars, INTRADAY_MAX_GAP)
            if not no_nan(corr).empty:
                p["curves"][cid] = curve_from(inp, ek1, corr, f"{tf}, {w} bars")
            p["missing"][cid] = f"warming up: {have} of {w} aligned {tf} returns"
            continue
        if no_nan(corr).empty:
            p["missing"][cid] = f"fewer than {w} aligned {tf} returns"
            continue
        r[cid] = _put(p, cid, curve_from(inp, ek1, corr, f"{tf}, {w} bars"))
    return _freeze(p)


# ---------------------------------------------------------------- small caps, chain, liquidity,
# volatility (issue 7). Definitions: docs/SIGNALS.md; the numbers come from the same functions
# as the snapshot's (signals/smallcaps.py, macro.py, volatility.py).
def _flag(value: bool | None) -> float | None:
    return None if value is None else float(bool(value))


def _close(inp: BoardInputs, key: str | None, column: str = "close") -> pd.Series | None:
    """Series `key`'s column without blanks, or None when the data has none."""
    if key is None or key not in inp.frames or column not in inp.frames[key].columns:
        return None
    s = no_nan(inp.frames[key][column])
    return s if len(s) else None


def _current(inp: BoardInputs, key: str | None) -> bool:
    f = inp.frames.get(key) if key is not None else None
    return f is not None and len(f) > 0 and not _is_stale(inp, key, f.index[-1])


def btc_day_so_far(inp: BoardInputs) -> provisional.DaySoFar | None:
    """The provisional BTC point the panes append to BTC's daily closes at `inp.asof`."""
    key = pick(inp, "btc_1d")
    s = _close(inp, key)
    if s is None or not _current(inp, key):
        return None
    if "day_so_far" not in inp.scratch:
        inp.scratch["day_so_far"] = provisional.day_so_far(s, inp.frames, inp.meta, inp.asof)
    return inp.scratch["day_so_far"]


def _btc_daily(inp: BoardInputs, key: str | None) -> pd.Series | None:
    """BTC's daily closes with the provisional point of the UTC day so far appended (the
    snapshot's rule, signals/provisional.py), so panes and snapshot agree at the US close."""
    if ("btc_daily", key) in inp.scratch:  # once per board (never modified)
        return inp.scratch["btc_daily", key]
    s = _close(inp, key)
    if s is not None and _current(inp, key):
        s = provisional.with_day_so_far(
            s, btc_day_so_far(inp) if key == pick(inp, "btc_1d")
            else provisional.day_so_far(s, inp.frames, inp.meta, inp.asof))
    inp.scratch["btc_daily", key] = s
    return s


def _reuse(inp: BoardInputs, name: str, frames: dict[str, pd.DataFrame], fn):
    """`fn()`, or the value it gave on the previous board when `frames` (the daily bars it
    reads) are the same: each frame's id, rows and last stamp. Without `inp.memo`, `fn()`.
    The frames are kept alive with the value, so that no other frame takes one of their ids."""
    if inp.memo is None:
        return fn()
    key = tuple((k, len(f), f.index[-1], id(f)) for k, f in frames.items())
    hit = inp.memo.get(name)
    if hit is None or hit[0] != key:
        hit = inp.memo[name] = (key, fn(), frames)
    return hit[1]


def _derived(p: dict, cid: str, inp: BoardInputs, key: str, series: pd.Series, label: str,
             short: str) -> float | None:
    """Draw a series derived from `key`'s data; None (and why) when it is empty or old."""
    if no_nan(series).empty:
        p["missing"][cid] = short
        return None
    return _put(p, cid, curve_from(inp, key, series, label))


def smallcaps_pane(inp: BoardInputs) -> PaneView:
    return merge_panes(smallcaps_levels(inp), smallcaps_leadlag(inp))


def smallcaps_levels(inp: BoardInputs) -> PaneView:
    """The small caps pane but its lead-lag (daily bars only)."""
    p = _empty()
    r = p["readouts"]
    rkey, vkey = pick(inp, "rut"), pick(inp, "iwm_volume")
    level = inp.rut_level
    r["rut"] = _add(p, "rut", inp, rkey, "close", label="Russell 2000")
    r["rut_level"] = level
    for k in ("rut_252d_high", "iwm_volume_ratio", "rut_above_level", "rut_breakout"):
        r[k] = None
    rut, volume = _close(inp, rkey), _close(inp, vkey, "volume")
    high = smallcaps.prior_high_series(rut) if rut is not None else pd.Series(dtype="float64")
    if rut is not None:
        _derived(p, "rut_high", inp, rkey, high, "prior 252-session high",
                 f"fewer than {smallcaps.HIGH_WINDOW + 1} sessions")
        if r["rut"] is not None:
            r["rut_252d_high"] = smallcaps.prior_high(rut)
    ratio = (smallcaps.volume_ratio_series(volume) if volume is not None
             else pd.Series(dtype="float64"))
    if volume is None:
        p["missing"]["iwm_volume_ratio"] = NO_DATA
    else:
        vr_now = _derived(p, "iwm_volume_ratio", inp, vkey, ratio, "IWM volume / 50d mean",
                          f"fewer than {smallcaps.VOLUME_WINDOW + 1} sessions")
        r["iwm_volume_ratio"] = smallcaps.volume_ratio(volume) if vr_now is not None else None
    # Sessions whose close is above the breakout level (the prior high, or the user's level):
    # marked hollow, filled where IWM volume confirms (a breakout).
    lvl = pd.Series(level, index=rut.index) if level is not None and rut is not None else high
    if rut is not None and len(lvl):
        df = pd.concat({"c": rut, "lvl": lvl}, axis=1, join="inner").dropna()
        df["vr"] = ratio.reindex(df.index)
        above = df[df["c"] > df["lvl"]]
        confirmed = above["vr"] >= smallcaps.VOLUME_BREAKOUT
        for cid, rows, label in (("breakouts", above[confirmed], "breakout (volume confirmed)"),
                                 ("breaks", above[~confirmed], "close above the level")):
            if len(rows):
                c = curve_from(inp, rkey, rows["c"], label)  # events: markers, no line
                p["curves"][cid] = replace(c, max_gap_s=None, stale=p["curves"]["rut"].stale)
    if r["rut"] is not None:
        now_level = level if level is not None else r["rut_252d_high"]
        if now_level is not None:
            r["rut_above_level"] = _flag(r["rut"] > now_level)
        r["rut_breakout"] = _flag(smallcaps.breakout(r["rut"], r["rut_252d_high"],
                                                     r["iwm_volume_ratio"], level))
    p["notes"].append(f"breakout level: {level:g} (config [smallcaps] breakout_level)"
                      if level is not None else "breakout level: the prior 252-session high")
    # IWM/SPY relative strength (adjusted closes, one download)
    ikey, skey = pick(inp, "iwm_adj"), pick(inp, "spy_adj")
    r["iwm_spy_20d_pct"] = None
    iwm, spy = _close(inp, ikey), _close(inp, skey)
    _, r["iwm_spy"] = _put_ratio(inp, p, "iwm_spy", (ikey, skey), (iwm, spy), "IWM/SPY")
    if r["iwm_spy"] is not None and _current(inp, skey):
        chg = smallcaps.rs_change(iwm, spy)
        r["iwm_spy_20d_pct"] = None if chg is None else 100.0 * chg
    return _freeze(p)


def smallcaps_leadlag(inp: BoardInputs) -> PaneView:
    """IWM daily log returns vs BTC's k days later, k = 0..10, last 250 aligned returns."""
    p = _empty()
    r = p["readouts"]
    lkey, bkey = pick(inp, "iwm_volume"), pick(inp, "btc_1d")
    r["leadlag_best_lag"] = r["leadlag_best_corr"] = None
    lead, btc = _close(inp, lkey), _btc_daily(inp, bkey)
    if lead is None or btc is None:
        p["missing"]["leadlag"] = NO_DATA
    elif not (_current(inp, lkey) and _current(inp, bkey)):
        old = min(inp.frames[k].index[-1] for k in (lkey, bkey))
        p["missing"]["leadlag"] = f"no data since {old:%Y-%m-%d}"
    else:
        best, corr, table = smallcaps.lead_lag(lead, btc)
        if best is None:
            p["missing"]["leadlag"] = (f"fewer than {smallcaps.LEADLAG_WINDOW + 1} aligned "
                                       "IWM and BTC returns")
        else:
            lags = np.array(sorted(table), dtype="float64")
            p["bars"]["leadlag"] = Bars(
                "IWM vs BTC k days later", lags, np.array([table[int(k)] for k in lags]),
                f"{lkey}/{bkey}", last_time=min(lead.index[-1], btc.index[-1]),
                highlight=int(best))
            r["leadlag_best_lag"], r["leadlag_best_corr"] = float(best), corr
    return _freeze(p)


def chain_pane(inp: BoardInputs) -> PaneView:
    from deskapp.signals.snapshot import liquidity_chain  # snapshot imports nothing of board

    p = _empty()
    r = p["readouts"]
    chain = inp.chain or liquidity_chain(inp.frames, inp.asof, inp.meta)
    p["checks"] = [Check(e.name, e.lit, e.evidence) for e in chain.links]
    for e in chain.links:
        r[f"link_{e.name}"] = _flag(e.lit)
    r["reached_links"] = float(smallcaps.CHAIN.index(chain.reached) + 1 if chain.reached
                               else 0)
    bkey, ekey = pick(inp, "btc_1d"), pick(inp, "eth_1d")
    btc = _btc_daily(inp, bkey)
    # the crypto link's input: BTC (with the UTC day so far) and its trend EMA
    r["btc"] = (_put(p, "btc", curve_from(inp, bkey, btc, "BTC daily close"))
                if btc is not None else _add(p, "btc", inp, bkey, "close"))
    if btc is not None and len(btc) >= trend.EMA_SPAN:
        p["curves"]["btc_ema"] = curve_from(inp, bkey, trend.ema(btc), "EMA20")
    alts = {k: s for k in ALT_KEYS if (s := _close(inp, k)) is not None}
    r["alt_minus_btc_20d_pct"] = None
    if btc is None or not alts:
        p["missing"]["alt_btc"] = NO_DATA
    else:
        basket = _reuse(inp, "alt_basket", {k: inp.frames[k] for k in alts},
                        lambda: smallcaps.basket_return_series(alts))
        rel = 100.0 * smallcaps.relative_return_series(alts, btc, basket=basket)
        label = "alt basket minus BTC, 20d return"
        if _derived(p, "alt_btc", inp, bkey, rel, label, "fewer than 21 closes") is not None:
            # the link's own number: the members current at asof, each over its last 20 closes
            current = {k: s for k, s in alts.items() if _current(inp, k)}
            a, b = smallcaps.basket_return(current), smallcaps.basket_return({"btc": btc})
            r["alt_minus_btc_20d_pct"] = None if a is None or b is None else 100.0 * (a - b)
            if r["alt_minus_btc_20d_pct"] is None:
                old = max(inp.frames[k].index[-1] for k in alts)
                p["missing"]["alt_btc"] = f"no altcoin data since {old:%Y-%m-%d}"
        lacking = [k.split(".")[1].upper() for k in ALT_KEYS if k not in alts]
        if lacking:
            p["notes"].append("alt basket members without data here: " + ", ".join(lacking))
    eth = _close(inp, ekey)
    r["eth_btc_trend"] = None
    ratio, r["eth_btc"] = _put_ratio(inp, p, "eth_btc", (ekey, bkey), (eth, btc), "ETH/BTC")
    if ratio is not None and len(ratio) >= trend.EMA_SPAN:
        p["curves"]["eth_btc_ema"] = replace(
            curve_from(inp, ekey, trend.ema(ratio), "EMA20"), source=f"{ekey}/{bkey}")
    if r["eth_btc"] is not None:
        tr = trend.trend(ratio)
        r["eth_btc_trend"] = None if tr is None else float(tr)
    return _freeze(p)


ETF_NOTE = " (the live Yahoo feed brings IBIT and FBTC)"


def liquidity_pane(inp: BoardInputs) -> PaneView:
    p = _empty()
    r = p["readouts"]
    keys = {cid: pick(inp, cid) for cid in ("walcl", "tga", "rrp")}
    for cid, label in (("walcl", "Fed total assets (WALCL)"),
                       ("tga", "Treasury General Account (WTREGEN)"),
                       ("rrp", "overnight reverse repo (RRPONTSYD)")):
        r[f"{cid}_bn"] = _add(p, cid, inp, keys[cid], "value", label=label)
    for k in ("net_liquidity_bn", "net_liquidity_4w_bn", "net_liquidity_13w_bn", "rising"):
        r[k] = None
    parts = {cid: _close(inp, k, "value") for cid, k in keys.items()}
    if any(v is None for v in parts.values()):
        lacking = [cid.upper() for cid, v in parts.items() if v is None]
        for cid in ("net", "net_4w", "net_13w"):
            p["missing"][cid] = f"{NO_DATA}: needs {', '.join(lacking)}"
    else:
        table = macro.net_liquidity_table(parts["walcl"], parts["tga"], parts["rrp"])
        net = table["net"]
        wk = keys["walcl"]
        now = _derived(p, "net", inp, wk, net, "net liquidity", "no common H.4.1 weeks")
        all_current = all(_current(inp, k) for k in keys.values())
        if now is not None and not all_current:
            old = min(inp.frames[k].index[-1] for k in keys.values())
            p["missing"]["net"] = f"no data since {old:%Y-%m-%d}"
            now = None
        r["net_liquidity_bn"] = now
        for w in (4, 13):
            cid = f"net_{w}w"
            chg = macro.net_liquidity_change(net, w)
            if chg.empty:
                p["missing"][cid] = f"fewer than {w + 1} weeks"
                continue
            p["curves"][cid] = curve_from(inp, wk, chg, f"{w}-week change")
            if now is None:
                p["missing"][cid] = p["missing"].get("net", "no current net liquidity")
                continue
            last = macro.net_liquidity_change_last(net, w)
            r[f"net_liquidity_{w}w_bn"] = last
            if last is None:
                p["missing"][cid] = f"the week {w} weeks before {net.index[-1]:%Y-%m-%d} " \
                                    "is missing in the data"
        w4 = r["net_liquidity_4w_bn"]
        r["rising"] = None if w4 is None else _flag(w4 > 0)
        note = macro.rrp_substitution_note(table) if now is not None else None
        if note:
            p["notes"].append(note)
    # Spot bitcoin ETF dollar volume: close x volume (IBIT, else FBTC)
    ekey = pick(inp, "btc_etf")
    close, vol = _close(inp, ekey), _close(inp, ekey, "volume")
    r["btc_etf_dollar_volume_bn"] = None
    if close is None or vol is None:
        p["missing"]["etf_dv"] = NO_DATA + ETF_NOTE
    else:
        dv = (close * vol).dropna() / 1e9
        r["btc_etf_dollar_volume_bn"] = _derived(p, "etf_dv", inp, ekey, dv,
                                                 f"{_label(inp, ekey)} close x volume", NO_DATA)
    return _freeze(p)


RV_WINDOW = 20  # the realised vol drawn (and the vol-target book's)


def volatility_pane(inp: BoardInputs) -> PaneView:
    return merge_panes(volatility_equities(inp), volatility_btc(inp))


def volatility_equities(inp: BoardInputs) -> PaneView:
    """The volatility pane's Nasdaq-100 and S&P 500 (daily bars only)."""
    return _volatility_part(inp, (("ndx", "ndx", volatility.EQUITY_DAYS, "Nasdaq-100"),
                                  ("spx", "spx", volatility.EQUITY_DAYS, "S&P 500")))


def volatility_btc(inp: BoardInputs) -> PaneView:
    """The volatility pane's BTC (with its day so far), then the VIX."""
    return _volatility_part(inp, (("btc", "btc_1d", volatility.CRYPTO_DAYS, "BTC"),), vix=True)


def _volatility_part(inp: BoardInputs, series: tuple[tuple[str, str, int, str], ...],
                     vix: bool = False) -> PaneView:
    p = _empty()
    r = p["readouts"]
    targets = dict(zip(("ndx", "btc"), inp.vol_targets, strict=True))
    for name, role, days, label in series:
        key = pick(inp, role)
        close = _btc_daily(inp, key) if role == "btc_1d" else _close(inp, key)
        if close is None:
            for cid in (f"{name}_rv", f"{name}_ratio", f"{name}_pressure"):
                p["missing"][cid] = NO_DATA
            r[f"{name}_rv20_pct"] = r[f"{name}_rv_ratio"] = None
            if name in targets:
                r[f"{name}_delever_pp"] = None
            continue
        if role == "ndx" and key is not None and not key.startswith("idx.ndx"):
            p["notes"].append(f"NDX: {_label(inp, key)} stands in")
        rets = volatility.log_return_series(close)  # once for the three curves
        rv_frac = volatility.realised_vol_series(close, RV_WINDOW, days, returns=rets)
        rv = 100.0 * rv_frac
        short = f"fewer than {RV_WINDOW + 1} closes"
        r[f"{name}_rv20_pct"] = _derived(p, f"{name}_rv", inp, key, rv, f"{label} RV(20)", short)
        ratio = volatility.spike_ratio_series(close, returns=rets)
        now = _derived(p, f"{name}_ratio", inp, key, ratio, f"{label} RV(5)/RV(60)",
                       "fewer than 61 closes")
        r[f"{name}_rv_ratio"] = (volatility.spike_ratio(close, periods_per_year=days)
                                 if now is not None else None)
        if name in targets:
            t = targets[name]
            pressure = 100.0 * volatility.delever_pressure_series(
                close, t, days, rv=rv_frac if RV_WINDOW == volatility.DELEVER_RV_WINDOW else None)
            now = _derived(p, f"{name}_pressure", inp, key, pressure,
                           f"{label} (target {t:.0%})", "fewer than 26 closes")
            dp = volatility.delever_pressure(close, t, days) if now is not None else None
            r[f"{name}_delever_pp"] = None if dp is None else 100.0 * dp
            r[f"{name}_target_pct"] = 100.0 * t
    if vix:
        r["vix"] = _add(p, "vix", inp, pick(inp, "vix"), "close", label="VIX")
    return _freeze(p)


PANES = {
    "macro": macro_pane,
    "leadership": leadership_pane,
    "crypto": crypto_pane,
    "correlation": correlation_pane,
    "smallcaps": smallcaps_pane,
    "chain": chain_pane,
    "liquidity": liquidity_pane,
    "volatility": volatility_pane,
}


def compute_board(inp: BoardInputs) -> BoardView:
    """Every pane's view at `inp.asof`. Uses only the rows of `inp.frames` at or before asof."""
    frames = {k: f.loc[: inp.asof] for k, f in inp.frames.items()}
    return board_from_cut(BoardInputs(**{**inp.__dict__, "frames": frames, "scratch": {}}))


def board_from_cut(cut: BoardInputs, panes: dict[str, PaneView] | None = None) -> BoardView:
    """`compute_board` on frames already cut at `cut.asof` (signals/engine.py cuts once).
    `panes`: every pane's view at `cut.asof` when known already (signals/board_cache.py)."""
    inp = cut
    if panes is None:
        panes = compute_panes(cut, PANES)
    if inp.source != "replay":  # live or cache: nothing is "in this replay"
        panes = {n: replace(p, missing={k: v.replace(" in this replay", " received yet")
                                        for k, v in p.missing.items()})
                 for n, p in panes.items()}
    return BoardView(asof=inp.asof, source=inp.source, dataset=inp.dataset,
                     view_days=inp.view_days, panes=panes)


def data_age(curves: dict[str, Curve], asof: pd.Timestamp) -> tuple[pd.Timedelta, float] | None:
    """Age of a pane's newest data at `asof`, and that age in poll intervals.

    The interval is the freshest series' bar length; daily and weekly bars count business days,
    so a weekend does not make Monday morning's equity data look old."""
    dated = [c for c in curves.values() if c.last_time is not None]
    if not dated:
        return None
    newest = max(dated, key=lambda c: c.last_time)
    age = asof - newest.last_time
    freq = newest.freq or "1d"
    if freq in ("1d", "1w"):
        days = int(np.busday_count(newest.last_time.date(), asof.date()))
        intervals = days / (5.0 if freq == "1w" else 1.0)
    else:
        intervals = age / pd.Timedelta(freq)
    return age, float(intervals)
