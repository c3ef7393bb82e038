"""What a decision's book did after it, unhedged and with the hedge chosen (the review dock).

The journal keeps a decision's BookFigures (signals/book.py) and the S&P 500 and BTC outcomes
over 1 day and 1 week (journal/outcome_fill.py); it keeps no price of each holding. So the
book's outcome is an estimate: each holding moves its beta times its index (BTC for crypto,
the S&P 500 for the rest; cash does not move), weighted by its share of the book value:

    unhedged = sum_i  w_i * beta_i * r_index(i)

The hedge chosen, at its rounded size, adds (as a fraction of the book value V):
    MES / ES short n contracts:  -n * multiplier * SPX_start * r_SPX / V
    BTC perp short q BTC:        -q * BTC_start * r_BTC / V
    SH / PSQ bought for $u:       -u * r_SPX / V   (PSQ's -1x Nasdaq-100 taken as -1x S&P 500)
    selling a fraction f of the crypto: -f * (the crypto holdings' part of `unhedged`)
A hedge of several legs (MES + BTC perp) adds its legs. No Qt, no I/O.
"""

from __future__ import annotations

import math

CRYPTO = ("crypto_spot", "crypto_perp")
CONTRACT_MULTIPLIERS = {"MES": 5.0, "ES": 50.0}


def _num(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) \
        and math.isfinite(x) else None


def _outcome(record: dict, asset: str, horizon: str) -> dict | None:
    return (record.get("outcomes", {}).get(asset) or {}).get(horizon)


def book_outcome(record: dict, horizon: str) -> tuple[float | None, float | None]:
    """(unhedged, hedged) estimated book return over `horizon` ("1d" / "1w"); None where the
    record has no book, the outcomes are pending, or the hedge cannot be valued. With the hedge
    "none", hedged equals unhedged."""
    figures = record.get("book_figures") or {}
    nav = _num(figures.get("book_value_usd"))
    if not nav or nav <= 0 or not figures.get("positions"):
        return None, None
    spx, btc = _outcome(record, "SPX", horizon), _outcome(record, "BTC", horizon)
    r = {"SPX": _num(spx["ret"]) if spx else None, "BTC": _num(btc["ret"]) if btc else None}
    unhedged, crypto = 0.0, 0.0
    for p in figures["positions"]:
        value = _num(p.get("value_usd"))
        if p.get("asset_class") == "cash" or not value:
            continue
        index = "BTC" if p.get("asset_class") in CRYPTO else "SPX"
        if r[index] is None:
            return None, None
        beta = _num(p.get(f"beta_{index.lower()}"))
        move = value / nav * (1.0 if beta is None else beta) * r[index]
        unhedged += move
        if index == "BTC":
            crypto += move
    hedge = record.get("hedge")
    if hedge in (None, "none"):
        return unhedged, unhedged if hedge == "none" else None
    chosen = figures.get("hedge_chosen")
    if not isinstance(chosen, dict):
        return unhedged, None
    start = {"SPX": _num(spx["start_price"]) if spx else None,
             "BTC": _num(btc["start_price"]) if btc else None}
    total = 0.0
    for leg in chosen.get("legs") or [chosen]:
        part = _leg(leg, r, start, nav, crypto)
        if part is None:
            return unhedged, None
        total += part
    return unhedged, unhedged + total


def _leg(leg: dict, r: dict, start: dict, nav: float, crypto: float) -> float | None:
    """One hedge instrument's return as a fraction of the book (None: cannot be valued)."""
    size = _num(leg.get("rounded", leg.get("size")))
    instrument, unit = str(leg.get("instrument") or ""), leg.get("unit")
    if size is None:
        return None
    if unit == "contracts" and instrument in CONTRACT_MULTIPLIERS:
        if r["SPX"] is None or start["SPX"] is None:
            return None
        return -size * CONTRACT_MULTIPLIERS[instrument] * start["SPX"] * r["SPX"] / nav
    if instrument == "BTC_PERP" and unit == "BTC":
        if r["BTC"] is None or start["BTC"] is None:
            return None
        return -size * start["BTC"] * r["BTC"] / nav
    if unit == "USD" and instrument in ("SH", "PSQ"):
        return None if r["SPX"] is None else -size * r["SPX"] / nav
    if unit == "fraction":
        return -size * crypto
    return None
