"""Log returns and the calendar keys used to align assets that trade on different clocks."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd


def no_nan(series: pd.Series) -> pd.Series:
    """`series.dropna()`; the series itself (not a copy) when a float series has no NaN."""
    v = series.to_numpy()
    if v.dtype.kind == "f" and not np.isnan(v).any():
        return series
    return series.dropna()


def log_returns(close: pd.Series) -> pd.Series:
    """ln(close_t / close_{t-1}) over consecutive rows (the first row has no return: dropped)."""
    return np.log(close).diff().iloc[1:]


def session_dates(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The calendar date a daily bar belongs to, from its UTC close time.

    An equity session closing 2026-02-05 21:00 UTC and a BTC UTC-day bar closing 2026-02-06 00:00
    both belong to 2026-02-05 (DESIGN.md section 5: a BTC daily bar's UTC date = the session date).
    """
    return (index - pd.Timedelta(seconds=1)).tz_localize(None).normalize()


_NS_CACHE: dict[int, tuple[weakref.ref, np.ndarray]] = {}


def ns_index(frame: pd.DataFrame | pd.Series) -> np.ndarray:
    """The frame's index as int64 UTC nanoseconds, cached per frame object (frames are never
    mutated once handed on; the entry goes when the frame is garbage-collected)."""
    key = id(frame)
    hit = _NS_CACHE.get(key)
    if hit is not None and hit[0]() is frame:
        return hit[1]
    values = frame.index.as_unit("ns").asi8
    _NS_CACHE[key] = (weakref.ref(frame, lambda _r, k=key: _NS_CACHE.pop(k, None)), values)
    return values


def last_per_bucket(series: pd.Series, rule: str, asof: pd.Timestamp | None) -> pd.Series:
    """Bars of `rule` (e.g. '4h') from finer closes: the last value in each UTC bucket, stamped at
    the bucket end (bucket = (end - rule, end]); with `asof`, buckets not yet ended are left out.
    """
    s = series.dropna()
    if s.empty:
        return s
    width = pd.Timedelta(rule).value
    t = s.index.as_unit("ns").asi8
    ends = -((-t) // width) * width  # ceil to the bucket end
    last = np.flatnonzero(np.r_[ends[1:] != ends[:-1], True])
    out = pd.Series(s.to_numpy()[last], index=pd.DatetimeIndex(ends[last], tz="UTC"),
                    name=s.name)
    if asof is not None:
        out = out[out.index <= asof]
    return out


def inner_values(a: pd.Series, b: pd.Series) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The stamps both series have, each with a value in both (no NaN), and those values: what
    `pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()` holds (its index, its two
    columns), in a tenth of its time. Unique, sorted indexes of one dtype and numeric values;
    any other pair goes through pandas."""
    ia, ib = a.index, b.index
    numeric = a.dtype.kind in "fiu" and b.dtype.kind in "fiu"
    if not (numeric and isinstance(ia, pd.DatetimeIndex) and ia.dtype == ib.dtype
            and ia.is_unique and ib.is_unique and ia.is_monotonic_increasing
            and ib.is_monotonic_increasing):
        joined = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
        return joined.index, joined["a"].to_numpy(), joined["b"].to_numpy()
    _, pa, pb = np.intersect1d(ia.asi8, ib.asi8, assume_unique=True, return_indices=True)
    x, y = a.to_numpy()[pa], b.to_numpy()[pb]
    keep = ~(_isnan(x) | _isnan(y))
    index = ia[pa[keep]]
    return index.rename(ia.name if ia.name == ib.name else None), x[keep], y[keep]


def _isnan(v: np.ndarray) -> np.ndarray:
    return np.isnan(v) if v.dtype.kind == "f" else np.zeros(len(v), dtype=bool)
