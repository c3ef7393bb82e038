"""The hedge instruments a book may use, as HedgeUnits (P&L per unit per episode and per day).

Costs: the perp's funding from the desk's funding series (mean of the last 30 days, annualised
x 3 x 365; a short receives positive funding); the inverse ETFs' expense ratios are constants
(docs/SIGNALS.md names the source); futures carry is in their price, not a fee.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from deskapp.data.portfolio import INDEX_SERIES, SYMBOLS
from deskapp.signals.book_series import current_price
from deskapp.signals.book_stress import EpisodeRun, inverse_etf_path
from deskapp.signals.hedge import HedgeUnit

EXPENSE_RATIO = {"SH": 0.0089, "PSQ": 0.0095}  # ProShares' published net expense ratios
PERP_STEP = 0.001  # Binance BTCUSDT perpetual: quantity step 0.001 BTC
FUNDING_SERIES = (("deriv.btc_funding_8h", pd.Timedelta(days=3)),  # both: fraction per 8h
                  ("deriv.btc_funding_daily", pd.Timedelta(days=6)))
CRYPTO = ("crypto_spot", "crypto_perp")


def perp_funding(frames: Mapping[str, pd.DataFrame], asof: pd.Timestamp) -> tuple[float, str
                                                                                  ] | None:
    """The BTC perp's funding rate, annualised (fraction a year), as the mean 8h rate of the
    last 30 days x 3 x 365, from the first current funding series; None without one."""
    for key, stale in FUNDING_SERIES:
        f = frames.get(key)
        if f is None or "rate" not in f:
            continue
        r = f["rate"].loc[:asof].dropna()
        if r.empty or asof - r.index[-1] > stale:
            continue
        tail = r[r.index > r.index[-1] - pd.Timedelta(days=30)]
        return float(tail.mean()) * 3 * 365, key
    return None


def _end(run: EpisodeRun, key: str) -> float:
    path = run.paths.get(key)
    return float(path.iloc[-1]) if path is not None else 0.0


def _basis(label: str, pnl1: np.ndarray, H: np.ndarray, extra: str) -> str:
    ok = np.isfinite(pnl1) & np.isfinite(H)
    if ok.sum() < 20 or np.std(H[ok]) == 0 or np.std(pnl1[ok]) == 0:
        return f"{label}: too little data to measure its fit to the book; {extra}"
    rho = float(np.corrcoef(pnl1[ok], -H[ok])[0, 1])
    return (f"{label} vs the book: daily correlation {rho:.2f} over {int(ok.sum())} days, so "
            f"~{max(0.0, 1 - rho * rho):.0%} of the book's daily variance stays unhedged; {extra}")


def hedge_units(instruments: Sequence[str], frames: Mapping[str, pd.DataFrame],
                asof: pd.Timestamp, runs: list[EpisodeRun], valued: list[tuple],
                idx: Mapping[str, pd.Series], dates1y: pd.DatetimeIndex, pnl1: np.ndarray,
                nav: float) -> list[HedgeUnit]:
    """The allowed instruments (and MES + BTC perp together when both are allowed and the book
    has both an equity and a crypto leg). `valued`: (symbol, class, exposure, daily returns,
    beta to its index) per valued holding."""
    gross = sum(abs(v[2]) for v in valued if v[1] != "cash") or nav
    day = {k: s.reindex(dates1y).fillna(0.0).to_numpy() for k, s in idx.items()}
    price = {k: current_price(frames, INDEX_SERIES[k], asof)[0] for k in ("SPX", "NDX", "BTC")}
    units: dict[str, HedgeUnit] = {}
    for name in instruments:
        if name in ("MES", "ES") and price["SPX"]:
            mult = SYMBOLS[name][1]
            notional = mult * price["SPX"]
            h = np.array([-notional * _end(r, "index:SPX") for r in runs])
            H = -notional * day["SPX"]
            units[name] = HedgeUnit(
                name, f"{name} contract short", "contracts", 1.0, 3 * gross / notional, h, H,
                notional, None, "no fee: the futures' carry (rates minus dividends) is in "
                "their price; margin ties up cash",
                _basis(name, pnl1, H, "valued at the S&P 500 index (futures basis ~0-1 %, "
                       "quarterly roll)"))
        elif name in ("SH", "PSQ"):
            k = "SPX" if name == "SH" else "NDX"
            paths = [r.paths.get(f"index:{k}") for r in runs]
            h = np.array([float(inverse_etf_path(p).iloc[-1]) if p is not None else 0.0
                          for p in paths])
            H = -day[k]
            units[name] = HedgeUnit(
                name, f"{name} (-1x {'S&P 500' if k == 'SPX' else 'Nasdaq-100'}) bought",
                "USD", 1.0, 3 * gross, h, H, 1.0, EXPENSE_RATIO[name],
                f"expense ratio {EXPENSE_RATIO[name]:.2%} a year",
                _basis(name, pnl1, H, "daily-reset -1x: over weeks it drifts from minus the "
                       "index's move; no SH/PSQ prices in the data, sized in USD"))
        elif name == "BTC_PERP" and price["BTC"]:
            b = price["BTC"]
            h = np.array([-b * _end(r, "index:BTC") for r in runs])
            H = -b * day["BTC"]
            funding = perp_funding(frames, asof)
            cost = None if funding is None else -funding[0] * b
            text = ("no funding data at this date" if funding is None else
                    f"funding {funding[0]:+.1%} a year (mean of 30 days, {funding[1]}); "
                    f"a short {'receives' if funding[0] > 0 else 'pays'} it")
            units[name] = HedgeUnit(
                name, "BTC perpetual short", "BTC", PERP_STEP, 3 * gross / b, h, H, b, cost,
                text, _basis("BTC perp", pnl1, H, "ETH and alts move more than BTC in a "
                             "crash; perp basis, funding swings and venue risk"))
        elif name == "SELL_CRYPTO":
            crypto = [v for v in valued if v[1] in CRYPTO]
            if not crypto:
                continue
            h = np.array([-sum(v[2] * _end(r, v[0]) for v in crypto) for r in runs])
            H = -sum(v[2] * v[3].reindex(dates1y).fillna(0.0).to_numpy() for v in crypto)
            units[name] = HedgeUnit(
                name, "sell crypto (pro rata)", "fraction", 0.01, 1.0, h, H,
                sum(abs(v[2]) for v in crypto), None, "trading fees only",
                "none: the risk is removed, with the upside")
    combo = _combo(units, valued, price)
    return ([combo] if combo else []) + list(units.values())


def _combo(units: dict[str, HedgeUnit], valued: list[tuple], price: dict) -> HedgeUnit | None:
    """MES and the BTC perp in the beta-neutral ratio of the book's two legs: one unit is the
    MES that offset the equity leg's S&P dollar beta and the BTC that offset the crypto leg's
    BTC dollar beta."""
    if "MES" not in units or "BTC_PERP" not in units:
        return None
    eq = sum(v[2] * (v[4] or 0.0) for v in valued if v[1] not in CRYPTO and v[1] != "cash")
    cr = sum(v[2] * (v[4] or 0.0) for v in valued if v[1] in CRYPTO)
    if eq <= 0 or cr <= 0:
        return None
    mes, perp = units["MES"], units["BTC_PERP"]
    a, b = eq / mes.notional, cr / perp.notional
    h, H = a * mes.h + b * perp.h, a * mes.H + b * perp.H
    return HedgeUnit(
        "MES+BTC_PERP", "MES short + BTC perpetual short (beta-neutral ratio)", "beta-neutral",
        0.0, 3.0, h, H, a * mes.notional + b * perp.notional, None,
        f"MES: {mes.cost_text}; BTC perp: {perp.cost_text}",
        f"MES: {mes.basis_text} BTC perp: {perp.basis_text}", legs=((mes, a), (perp, b)))
