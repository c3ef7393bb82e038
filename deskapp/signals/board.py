"""What each board pane draws at a market time: curves, readouts and what is missing, and why.

`compute_board` is pure: frames in (bars closed at or before `asof`), an immutable `BoardView` out.
Which stored series feeds a role (e.g. "the S&P 500 for correlation") is decided by `ROLES`:
the first candidate whose data is current at `asof` wins (ES futures, else the S&P 500 index),
so a series that has ended is replaced rather than shown stale, and nothing is ever drawn from
another period.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from deskapp.signals import breadth, correlation, roles
from deskapp.signals.crypto import annualised_funding
from deskapp.signals.roles import FUNDING_INTERVAL_H, STALE_AFTER

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
class PaneView:
    curves: dict[str, Curve] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # curve id -> why it is not drawn
    readouts: dict[str, float | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BoardView:
    asof: pd.Timestamp
    source: str
    dataset: str
    view_days: int
    panes: dict[str, PaneView]
    snapshot: dict | None = None  # Snapshot.to_dict() at asof, when computed

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


# ---------------------------------------------------------------- helpers
def epoch_seconds(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("ns").asi8 / 1e9


def pick(inp: BoardInputs, role: str) -> str | None:
    """The series for a role at asof (signals/roles.py): the first current candidate, else the
    one with the most recent bar (shown, flagged as old)."""
    return roles.pick(inp.frames, inp.meta, role, inp.asof)


def _label(inp: BoardInputs, key: str) -> str:
    return inp.meta.get(key, {}).get("label", key)


def _is_stale(inp: BoardInputs, key: str, last: pd.Timestamp) -> bool:
    return roles.is_stale(inp.meta, key, last, inp.asof)


def curve_from(inp: BoardInputs, key: str, series: pd.Series, label: str | None = None) -> Curve:
    s = series.dropna()
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
    if s.dropna().empty:
        pane["missing"][cid] = NO_DATA
        return None
    return _put(pane, cid, curve_from(inp, key, s, label))


def _empty() -> dict:
    return {"curves": {}, "missing": {}, "readouts": {}, "notes": []}


def _freeze(p: dict) -> PaneView:
    return PaneView(p["curves"], p["missing"], p["readouts"], tuple(p["notes"]))


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
    for ticker in inp.ai_basket:
        f = inp.frames.get(f"stk.{ticker}")
        if f is None or f.empty:
            lacking.append(ticker)
        else:
            closes[ticker] = f["close"]
    members = ",".join(f"stk.{t}" for t in closes)
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
    fkey = pick(inp, "funding")
    hours = FUNDING_INTERVAL_H.get(fkey or "", 8.0)
    r["funding_annualised_pct"] = _add(
        p, "funding", inp, fkey, "rate", label="Funding, annualised %",
        transform=lambda s: 100.0 * annualised_funding(s, hours))
    r["oi_usd_bn"] = _add(p, "oi", inp, pick(inp, "oi"), "oi_usd", transform=lambda s: s / 1e9,
                          label="Open interest, USD bn")
    lkey = pick(inp, "liquidations")
    r["liq_long_usd_m"] = _add(p, "liq_long", inp, lkey, "long_usd",
                               label="Long liquidations, USD m", transform=lambda s: s / 1e6)
    r["liq_short_usd_m"] = _add(p, "liq_short", inp, lkey, "short_usd",
                                label="Short liquidations, USD m", transform=lambda s: s / 1e6)
    return _freeze(p)


def correlation_pane(inp: BoardInputs) -> PaneView:
    p = _empty()
    r = p["readouts"]
    ekey, bkey = pick(inp, "equity_1d"), pick(inp, "btc_1d")
    daily = None
    if ekey and bkey:
        daily = correlation.align_daily(inp.frames[ekey]["close"], inp.frames[bkey]["close"])
        p["notes"].append(f"daily: {_label(inp, ekey)} vs {_label(inp, bkey)}")
    for w in inp.daily_windows:
        cid = f"daily_{w}"
        r[cid] = None
        corr = correlation.rolling_correlation(daily, w) if daily is not None else None
        if corr is None or corr.dropna().empty:
            p["missing"][cid] = NO_DATA if daily is None else f"fewer than {w + 1} aligned days"
            continue
        r[cid] = _put(p, cid, curve_from(inp, ekey, corr, f"daily, {w} days"))
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
        cid = f"{prefix}_{w}"
        r[cid] = None
        if pairs is None:
            p["missing"][cid] = "no intraday S&P and BTC bars in this replay"
            continue
        bars = to_frame(pairs)
        corr = correlation.rolling_correlation(bars, w, INTRADAY_MAX_GAP)
        fresh_bars = inp.asof - bars.index[-1] <= STALE_AFTER[tf]
        if fresh_bars and (corr.dropna().empty or pd.isna(corr.iloc[-1])):
            # The bars are current but too few since the last hole in the data: say how many.
            have = correlation.trailing_returns(bars, INTRADAY_MAX_GAP)
            if not corr.dropna().empty:
                p["curves"][cid] = curve_from(inp, ek1, corr, f"{tf}, {w} bars")
            p["missing"][cid] = f"warming up: {have} of {w} aligned {tf} returns"
            continue
        if corr.dropna().empty:
            p["missing"][cid] = f"fewer than {w} aligned {tf} returns"
            continue
        r[cid] = _put(p, cid, curve_from(inp, ek1, corr, f"{tf}, {w} bars"))
    return _freeze(p)


PANES = {
    "macro": macro_pane,
    "leadership": leadership_pane,
    "crypto": crypto_pane,
    "correlation": correlation_pane,
}


def compute_board(inp: BoardInputs) -> BoardView:
    """Every pane's view at `inp.asof`. Uses only the rows of `inp.frames` at or before asof."""
    frames = {k: f.loc[: inp.asof] for k, f in inp.frames.items()}
    cut = BoardInputs(**{**inp.__dict__, "frames": frames})
    panes = {n: fn(cut) for n, fn in PANES.items()}
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
