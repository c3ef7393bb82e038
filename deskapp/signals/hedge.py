"""Hedge sizing: the smallest hedge that brings the book's worst stress P&L (or its 1-year 99 %
expected shortfall) inside the risk limit, per instrument (docs/SIGNALS.md "The book").

A hedge unit (one MES contract short, $1 of SH, 1 BTC of perp short, all of the crypto sold ...)
has a P&L in each stress episode (`h`) and on each day of the last year (`H`); x units add
x * h and x * H to the book's. Both problems are one-dimensional in x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from deskapp.signals.book_risk import var_es


@dataclass(frozen=True)
class HedgeUnit:
    name: str  # MES, ES, SH, PSQ, BTC_PERP, SELL_CRYPTO, MES+BTC_PERP
    label: str  # "MES contract short", ...
    unit: str  # what x counts: "contracts", "USD", "BTC", "fraction"
    step: float  # the tradable step x is rounded up to
    upper: float  # the largest sensible x
    h: np.ndarray  # P&L per unit in each episode (USD)
    H: np.ndarray  # P&L per unit on each day of the risk window (USD)
    notional: float  # USD exposure of one unit
    cost_per_unit_year: float | None  # USD a year per unit (negative: the hedge earns)
    cost_text: str
    basis_text: str
    legs: tuple[tuple[HedgeUnit, float], ...] = ()  # a combined unit: (leg, leg units per unit)


def size_for_stress(p: np.ndarray, h: np.ndarray, floor: float, upper: float = math.inf
                    ) -> tuple[float, bool]:
    """The smallest x in [0, upper] with min_e(p_e + x h_e) >= floor, and True; when there is
    none, the x in [0, upper] that makes the worst episode best, and False."""
    p, h = np.asarray(p, float), np.asarray(h, float)
    if len(p) == 0 or float(np.min(p)) >= floor:
        return 0.0, True
    lo, hi, ok = 0.0, upper, True
    for pe, he in zip(p, h, strict=True):
        if he > 0:
            lo = max(lo, (floor - pe) / he)
        elif he < 0:
            hi = min(hi, (pe - floor) / -he)
        elif pe < floor:
            ok = False
    if ok and lo <= hi:
        return float(lo), True
    cands = {0.0} | ({upper} if math.isfinite(upper) else set())
    nz = [(pe, he) for pe, he in zip(p, h, strict=True) if he != 0]
    cands |= {(floor - pe) / he for pe, he in nz}
    cands |= {(pa - pb) / (hb - ha) for pa, ha in nz for pb, hb in nz if ha != hb}
    xs = [x for x in cands if 0 <= x <= upper]
    best = max(xs, key=lambda x: (float(np.min(p + x * h)), -x))
    return float(best), False


def size_for_es(pnl: np.ndarray, H: np.ndarray, limit: float, upper: float,
                level: float = 0.99) -> tuple[float, bool]:
    """The smallest x in [0, upper] whose daily P&L pnl + x H has an expected shortfall at
    `level` of at most `limit` (USD); ES is convex in x, so a golden-section search finds its
    minimum and a bisection the smallest x below the limit. (x of the minimum, False) if the
    limit cannot be met."""
    def es(x: float) -> float:
        return var_es(pnl + x * H, level)[1]

    if es(0.0) <= limit:
        return 0.0, True
    a, b = 0.0, upper
    g = (math.sqrt(5) - 1) / 2
    for _ in range(120):
        c, d = b - g * (b - a), a + g * (b - a)
        if es(c) <= es(d):
            b = d
        else:
            a = c
    xm = (a + b) / 2
    if es(xm) > limit:
        return xm, False
    lo, hi = 0.0, xm
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if es(mid) <= limit else (mid, hi)
    return hi, True


def round_up(x: float, step: float) -> float:
    """x rounded up to a whole number of `step` (a tradable size)."""
    return math.ceil(x / step - 1e-9) * step if x > 0 else 0.0


def suggest(unit: HedgeUnit, p: np.ndarray, pnl: np.ndarray, nav: float, limit: float,
            target: str) -> dict:
    """One suggestion: the size for `target` ("stress" or "es99"), rounded, and the figures
    after the rounded hedge, in % of the book value `nav`; `limit` is a fraction (0.10)."""
    if target == "es99":
        x, feasible = size_for_es(pnl, unit.H, limit * nav, unit.upper)
    else:
        x, feasible = size_for_stress(p, unit.h, -limit * nav, unit.upper)
    if unit.legs:  # a combined hedge: each leg rounded to its own step
        legs = [(leg, x * per, round_up(x * per, leg.step)) for leg, per in unit.legs]
        h_after = sum((r * leg.h for leg, _, r in legs), np.zeros_like(p, dtype=float))
        H_after = sum((r * leg.H for leg, _, r in legs), np.zeros_like(pnl, dtype=float))
        cost_parts = [leg.cost_per_unit_year * r for leg, _, r in legs
                      if leg.cost_per_unit_year is not None]
        return _row(unit, x, x, feasible, p + h_after, pnl + H_after, nav,
                    sum(cost_parts) if cost_parts else None,
                    sum(r * leg.notional for leg, _, r in legs),
                    legs=[{"instrument": leg.name, "unit": leg.unit, "size": float(sz),
                           "rounded": float(r), "residual": float(r - sz)}
                          for leg, sz, r in legs])
    rounded = min(round_up(x, unit.step), unit.upper if unit.unit == "fraction" else math.inf)
    cost = None if unit.cost_per_unit_year is None else unit.cost_per_unit_year * rounded
    return _row(unit, x, rounded, feasible, p + rounded * unit.h, pnl + rounded * unit.H, nav,
                cost, rounded * unit.notional)


def _row(unit: HedgeUnit, x: float, rounded: float, feasible: bool, p_after: np.ndarray,
         pnl_after: np.ndarray, nav: float, cost: float | None, notional: float,
         legs: list | None = None) -> dict:
    return {"instrument": unit.name, "label": unit.label, "unit": unit.unit,
            "size": float(x), "rounded": float(rounded), "residual": float(rounded - x),
            "legs": legs or [], "notional_usd": float(notional), "feasible": bool(feasible),
            "stress_after_pct": float(np.min(p_after)) / nav if len(p_after) else None,
            "es99_after_pct": -var_es(pnl_after, 0.99)[1] / nav if len(pnl_after) else None,
            "cost_usd_year": None if cost is None else float(cost), "cost": unit.cost_text,
            "basis_risk": unit.basis_text}
