"""What the desk computes for the trader's book (issue 17; definitions in docs/SIGNALS.md).

`book_figures(book, frames, at, limit_pct=...)` values each position at the desk's clock, and
gives the book's betas, volatility, historical VaR / ES, the stress replays of docs/EPISODES.md,
the hedge sizes for the risk limit, the re-entry verdict and a one-line summary. Pure pandas.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from deskapp.data.portfolio import INDEX_SERIES, NO_PRICE, Book, price_series
from deskapp.signals import book_risk as risk
from deskapp.signals import correlation as corr
from deskapp.signals import provisional
from deskapp.signals.book_hedges import hedge_units
from deskapp.signals.book_series import calendar_of, chain_returns, current_price, daily_closes
from deskapp.signals.book_stress import EpisodeRun, EpisodeSpan, run_episode, stress_row
from deskapp.signals.engine import cut_frames
from deskapp.signals.hedge import suggest
from deskapp.signals.volatility import CRYPTO_DAYS, spike_ratio

INSTRUMENTS = ("MES", "ES", "SH", "PSQ", "BTC_PERP", "SELL_CRYPTO")
CRYPTO = ("crypto_spot", "crypto_perp")
DERIVATIVES = ("future", "crypto_perp")  # exposure without book value (margin aside)
REENTRY_CORR = 0.5  # the playbook's "correlation normalises": S&P 500 vs BTC, 30 daily returns
REENTRY_RV = 1.5  # ... and "volatility normalises": BTC RV(5)/RV(60) below the desk's spike mark


@dataclass(frozen=True)
class BookFigures:
    asof: str
    book_value_usd: float | None  # cash + spot holdings (derivatives add exposure, not value)
    gross_exposure_usd: float
    net_exposure_usd: float
    positions: list[dict]
    classes: list[dict]
    beta_spx: float | None
    beta_btc: float | None
    vol: dict  # {"1y": annualised fraction, "3y": ...}
    var: dict  # {"1y": {"days", "var95_pct", "es95_pct", "var99_pct", "es99_pct", ..._usd}, "3y"}
    stress: list[dict]
    limit_pct: float
    hedge_target: str
    hedges: list[dict]
    reentry: dict
    summary_line: str
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-safe: NaN and inf become None."""
        return _clean(asdict(self))


def _clean(v):
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


@dataclass
class _Holding:
    symbol: str
    asset_class: str
    chain: tuple[str, ...]
    row: dict
    exposure: float | None = None  # USD
    index: str | None = None  # "SPX" or "BTC"; None for cash
    returns: pd.Series | None = None
    filled: pd.Series | None = None
    beta_index: float | None = None


def book_figures(book: Book, frames: Mapping[str, pd.DataFrame], at, *, limit_pct: float,
                 hedge_target: str = "stress", instruments: Sequence[str] = INSTRUMENTS,
                 episodes: Sequence | None = None, meta: Mapping[str, dict] | None = None
                 ) -> BookFigures:
    """The book's figures at `at` from the desk's (uncut) frames. `limit_pct`: the risk limit in
    % of the book value; `episodes`: objects with kind/start/end/name (default: the stress
    rows of docs/EPISODES.md); `meta`: the store's series metadata, for BTC's day so far in the
    re-entry verdict (as the board has it)."""
    asof = pd.Timestamp(at)
    asof = asof.tz_localize("UTC") if asof.tzinfo is None else asof.tz_convert("UTC")
    if hedge_target not in ("stress", "es99"):
        raise ValueError(f"hedge_target '{hedge_target}' must be 'stress' or 'es99'")
    notes: list[str] = []
    holdings = [_value(p, frames, asof) for p in book.positions]
    valued = [h for h in holdings if h.exposure is not None]
    nav = sum(h.exposure for h in valued if h.asset_class not in DERIVATIVES)
    pct_ok = nav > 0
    if not pct_ok:
        notes.append("book value is not positive: no figures in % of the book")

    calendar = _calendar(frames, asof, valued)
    idx = {k: chain_returns(frames, INDEX_SERIES[k], asof, calendar) for k in ("SPX", "BTC",
                                                                               "NDX")}
    for h in valued:
        _fill_returns(h, frames, asof, calendar, idx, notes)
    movers = [h for h in valued if h.filled is not None]
    matrix = pd.concat([h.filled for h in movers], axis=1) if movers else pd.DataFrame(
        index=calendar)
    matrix = matrix.dropna()
    exposures = np.array([h.exposure for h in movers], dtype=float)
    pnl = matrix.to_numpy() @ exposures if movers else np.zeros(len(matrix))
    pnl_s = pd.Series(pnl, index=matrix.index)

    for h in valued:
        h.row["weight"] = h.exposure / nav if pct_ok else None
    spx1, btc1 = (idx[k].reindex(pnl_s.index).to_numpy()[-risk.WINDOWS["1y"]:]
                  for k in ("SPX", "BTC"))
    book_ret = pnl[-risk.WINDOWS["1y"]:] / nav if pct_ok else None
    beta_spx = risk.beta(book_ret, spx1) if book_ret is not None else None
    beta_btc = risk.beta(book_ret, btc1) if book_ret is not None else None
    vol, var = {}, {}
    for name, n in risk.WINDOWS.items():
        tail = matrix.to_numpy()[-n:]
        if len(tail) < 2 or not pct_ok:
            vol[name], var[name] = None, {"days": int(len(tail))}
            continue
        vol[name] = risk.covariance_vol(tail, exposures) / nav
        table = risk.risk_table(tail @ exposures)
        var[name] = {**table, **{k.replace("_usd", "_pct"): -v / nav for k, v in table.items()
                                 if k.endswith("_usd")}}
        if len(tail) < n:
            notes.append(f"{name} risk on {len(tail)} days of data, not {n}")

    runs = _stress_runs(frames, asof, valued, episodes) if pct_ok else []
    stress = [stress_row(r, nav) for r in runs]
    hedges = []
    if pct_ok and runs:
        p_end = np.array([r.pnl.iloc[-1] for r in runs])
        pnl1 = pnl[-risk.WINDOWS["1y"]:]
        units = hedge_units(instruments, frames, asof, runs, valued_view(valued), idx,
                            pnl_s.index[-risk.WINDOWS["1y"]:], pnl1, nav)
        hedges = [suggest(u, p_end, pnl1, nav, limit_pct / 100, hedge_target) for u in units]
        for h in hedges:
            h["text"] = describe(h)  # "short 9 MES + short 1.31 BTC perp"
    reentry = reentry_verdict(frames, asof, meta)
    classes = _classes(valued, nav if pct_ok else None)
    summary = summary_line(stress, hedges, limit_pct, hedge_target,
                           var.get("1y", {}).get("es99_pct"))
    return BookFigures(
        asof=asof.isoformat(), book_value_usd=nav if valued else None,
        gross_exposure_usd=float(sum(abs(h.exposure) for h in valued if h.index)),
        net_exposure_usd=float(sum(h.exposure for h in valued if h.index)),
        positions=[h.row for h in holdings], classes=classes, beta_spx=beta_spx,
        beta_btc=beta_btc, vol=vol, var=var, stress=stress, limit_pct=float(limit_pct),
        hedge_target=hedge_target, hedges=hedges, reentry=reentry, summary_line=summary,
        notes=notes)


def valued_view(valued: list[_Holding]) -> list[tuple[str, str, float, pd.Series | None,
                                                       float | None]]:
    """(symbol, asset class, exposure, filled daily returns, beta to its index) per holding."""
    return [(h.symbol, h.asset_class, h.exposure, h.filled, h.beta_index) for h in valued]


def _value(pos, frames, asof) -> _Holding:
    chain = price_series(pos.symbol)
    row = {"symbol": pos.symbol, "asset_class": pos.asset_class, "quantity": pos.quantity,
           "notional_usd": pos.notional_usd, "multiplier": pos.multiplier, "price": None,
           "price_time": None, "series": None, "value_usd": None, "weight": None,
           "beta_spx": None, "beta_btc": None, "proxied_days_1y": 0, "note": None}
    h = _Holding(pos.symbol, pos.asset_class, chain, row)
    if pos.asset_class == "cash":
        h.exposure = float(pos.notional_usd or 0.0)
        row["value_usd"] = h.exposure
        return h
    h.index = "BTC" if pos.asset_class in CRYPTO else "SPX"
    price, key, reason, t = current_price(frames, chain, asof) if chain else (None,) * 4
    row.update(price=price, series=key, price_time=None if t is None else t.isoformat())
    if pos.notional_usd is not None:
        h.exposure = float(pos.notional_usd)
    elif price is not None:
        h.exposure = float(pos.quantity) * price * pos.multiplier
    else:
        row["note"] = reason or NO_PRICE
        return h
    row["value_usd"] = h.exposure
    if price is None:
        row["note"] = f"valued at its notional; {reason or NO_PRICE}"
    return h


def _calendar(frames, asof, valued: list[_Holding]) -> pd.DatetimeIndex:
    """S&P 500 session dates (else BTC's), up to the last date every current holding has."""
    cal = calendar_of(frames, INDEX_SERIES["SPX"], asof)
    if cal.empty:
        cal = calendar_of(frames, INDEX_SERIES["BTC"], asof)
    last = [daily_closes(frames, h.row["series"], asof).index[-1] for h in valued
            if h.row.get("series")]
    if last:
        cal = cal[cal <= min(last)]
    return cal[-(risk.WINDOWS["3y"] + 1):]


def _fill_returns(h: _Holding, frames, asof, calendar, idx, notes: list[str]) -> None:
    """The holding's daily returns, missing ones proxied by beta x its index's return."""
    if h.index is None:
        return
    r = chain_returns(frames, h.chain, asof, calendar) if h.chain else pd.Series(
        np.nan, index=calendar)
    h.returns = r
    n1 = risk.WINDOWS["1y"]
    y = r.to_numpy()
    for k in ("SPX", "BTC"):
        x = idx[k].to_numpy()
        b = risk.beta(y[-n1:], x[-n1:]) if len(y) else None
        h.row[f"beta_{k.lower()}"] = b if b is not None else risk.beta(y, x)
    h.beta_index = h.row[f"beta_{h.index.lower()}"]
    if h.beta_index is None:
        h.beta_index = 1.0
        notes.append(f"{h.symbol}: too little data for a beta; moved as its index "
                     f"({'BTC' if h.index == 'BTC' else 'S&P 500'}), beta 1 assumed")
    proxy = h.beta_index * idx[h.index]
    missing = ~np.isfinite(y)
    h.filled = r.where(~missing, proxy)
    h.row["proxied_days_1y"] = int(missing[-n1:].sum())


def _stress_runs(frames, asof, valued, episodes) -> list[EpisodeRun]:
    if episodes is None:
        from deskapp.evaluate.episodes import load_episodes  # reads docs/EPISODES.md

        episodes = load_episodes()
    holdings = [(h.symbol, h.chain, h.exposure, h.index, h.beta_index) for h in valued]
    chains = {k: INDEX_SERIES[k] for k in ("SPX", "BTC", "NDX")}
    runs = []
    for e in episodes:
        if getattr(e, "kind", "stress") != "stress":
            continue
        run = run_episode(frames, EpisodeSpan(e.name, e.start, e.end), asof, holdings, chains)
        if run is not None and any(sym in run.paths for sym, _, _, index, _ in holdings
                                   if index is not None):  # a holding that moves is covered
            runs.append(run)
    return runs


def _classes(valued: list[_Holding], nav: float | None) -> list[dict]:
    out = []
    for cls in dict.fromkeys(h.asset_class for h in valued):
        v = sum(h.exposure for h in valued if h.asset_class == cls)
        out.append({"asset_class": cls, "value_usd": v, "weight": v / nav if nav else None})
    return out


def reentry_verdict(frames: Mapping[str, pd.DataFrame], asof: pd.Timestamp,
                    meta: Mapping[str, dict] | None = None) -> dict:
    """The playbook's re-entry rule: the desk's correlation of 30 daily returns (ES futures, else
    the S&P 500, vs BTC) below 0.5 and BTC's RV(5)/RV(60) below 1.5, on complete daily bars."""
    spx = None  # the desk's role: ES futures while current, else the S&P 500 index
    for k in ("fut.es", "idx.spx"):
        if current_price(frames, (k,), asof)[0] is not None:
            spx = frames[k]["close"]
            break
    btc = frames.get("crypto.btc")
    c30 = rv = None
    if spx is not None and btc is not None:
        b = btc["close"].loc[:asof].dropna()
        if meta is not None:
            b = provisional.with_day_so_far(b, provisional.day_so_far(
                b, cut_frames(frames, asof), dict(meta), asof))
        c30 = corr.last_correlation(corr.align_daily(spx.loc[:asof].dropna(), b), 30)
        rv = spike_ratio(b, periods_per_year=CRYPTO_DAYS)
    if c30 is None or rv is None:
        return {"correlation_30d": c30, "btc_rv_ratio": rv, "ok": None,
                "text": "re-entry: not enough S&P 500 and BTC data to judge"}
    ok = c30 < REENTRY_CORR and rv < REENTRY_RV
    c_op = "<" if c30 < REENTRY_CORR else "≥"
    r_op = "<" if rv < REENTRY_RV else "≥"
    verdict = "re-entry allowed: scale back in, in steps" if ok else "not yet"
    return {"correlation_30d": c30, "btc_rv_ratio": rv, "ok": ok,
            "text": f"correlation 30d {c30:.2f} {c_op} {REENTRY_CORR} and BTC RV ratio "
                    f"{rv:.1f} {r_op} {REENTRY_RV}: {verdict}"}


def _pct(v: float) -> str:
    return f"{v * 100:+.1f} %".replace("-", "−")


def summary_line(stress: list[dict], hedges: list[dict], limit_pct: float, target: str,
                 es99: float | None) -> str:
    """'worst stress −23.0 % (COVID crash) vs limit 10 %: short 3 MES + 0.4 BTC perp brings it
    to −9.6 %'."""
    if target == "es99":
        if es99 is None:
            return "no 99 % ES: too little data"
        head, worst = f"99 % ES {_pct(es99)}", es99
    else:
        if not stress:
            return "no stress figures: no priced holding or no episode before this date"
        w = min(stress, key=lambda r: r["pnl_pct"])
        head, worst = f"worst stress {_pct(w['pnl_pct'])} ({w['episode']})", w["pnl_pct"]
    if worst >= -limit_pct / 100:
        return f"{head} within limit {limit_pct:g} %: no hedge needed"
    key = "es99_after_pct" if target == "es99" else "stress_after_pct"
    ok = [h for h in hedges if h["feasible"] and h[key] is not None]
    if not ok:
        tried = [h for h in hedges if h[key] is not None]
        if not tried:
            return f"{head} vs limit {limit_pct:g} %: no allowed hedge has the data to size it"
        best = max(tried, key=lambda h: h[key])
        return (f"{head} vs limit {limit_pct:g} %: no allowed hedge brings it inside; the "
                f"best, {describe(best)}, brings it to {_pct(best[key])}")
    best = next((h for h in ok if h["legs"]), None) or min(ok, key=lambda h: h["notional_usd"])
    return f"{head} vs limit {limit_pct:g} %: {describe(best)} brings it to {_pct(best[key])}"


def describe(h: dict) -> str:
    """'short 3 MES + 0.4 BTC perp', 'buy $12,000 SH', 'sell 35 % of the crypto'."""
    parts = h["legs"] or [h]
    words = []
    for p in parts:
        n, r = p["instrument"], p["rounded"]
        if n in ("MES", "ES"):
            words.append(f"short {r:g} {n}")
        elif n == "BTC_PERP":
            words.append(f"short {r:.3g} BTC perp")
        elif n in ("SH", "PSQ"):
            words.append(f"buy ${r:,.0f} {n}")
        else:
            words.append(f"sell {r * 100:.0f} % of the crypto")
    return " + ".join(words)
