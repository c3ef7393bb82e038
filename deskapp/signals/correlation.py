"""Stocks-vs-crypto correlation of aligned returns (DESIGN.md section 5, "Correlation gauge")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from deskapp.signals.memo import same_inputs
from deskapp.signals.returns import no_nan, session_dates

ZONE_ELEVATED = 0.3
ZONE_STRESS = 0.7
# Two aligned daily rows further apart than this have a hole in the data between them.
DAILY_MAX_GAP = pd.Timedelta(days=10)


def zone(value: float | None) -> str | None:
    """< 0.3 decoupled, 0.3-0.7 elevated, >= 0.7 stress."""
    if value is None or pd.isna(value):
        return None
    if value >= ZONE_STRESS:
        return "stress"
    if value >= ZONE_ELEVATED:
        return "elevated"
    return "decoupled"


@same_inputs(4)  # S&P/BTC and IWM/BTC, each for the snapshot and then for its pane
def align_daily(equity_close: pd.Series, crypto_close: pd.Series) -> pd.DataFrame:
    """Inner-join two daily close series on calendar date.

    Columns `a` (equity) and `b` (crypto); index = the equity bar's close time. Days on which
    only one asset traded (weekends, holidays) drop out, so the next return spans them for both.
    """
    da = day_numbers(equity_close.index)
    db = day_numbers(crypto_close.index)
    # two bars on one calendar date (a feed that changed its stamp): the later one is the close
    ka, kb = _last_of_each(da), _last_of_each(db)
    _, ia, ib = np.intersect1d(da[ka], db[kb], assume_unique=True, return_indices=True)
    ia, ib = ka[ia], kb[ib]
    a = equity_close.to_numpy()[ia]
    b = crypto_close.to_numpy()[ib]
    keep = ~(pd.isna(a) | pd.isna(b))
    index = equity_close.index[ia[keep]].rename("time")
    return pd.DataFrame({"a": a[keep], "b": b[keep]}, index=index)


def day_numbers(index: pd.DatetimeIndex) -> np.ndarray:
    """`session_dates` as whole days since the epoch (int64): the calendar date `align_daily`
    pairs bars on."""
    ns = index.as_unit("ns").asi8 - 10**9
    if index.tz is not None and str(index.tz) != "UTC":
        return session_dates(index).as_unit("ns").asi8 // 86_400_000_000_000
    return ns // 86_400_000_000_000


def _last_of_each(days: np.ndarray) -> np.ndarray:
    """Positions of the last occurrence of each day value, in order of the days."""
    if len(days) and (np.diff(days) > 0).all():
        return np.arange(len(days))
    _, first_rev = np.unique(days[::-1], return_index=True)
    return np.sort(len(days) - 1 - first_rev)


def align_intraday(equity_close: pd.Series, crypto_close: pd.Series,
                   tolerance: str = "30min") -> pd.DataFrame:
    """Pair each equity bar with the crypto bar that closed at the same time.

    Where the two grids differ (Yahoo ETF bars close at :30, crypto bars on the hour) the crypto
    close taken is the latest one at most `tolerance` before the equity close; equity bars with no
    such crypto bar are dropped. Columns `a`, `b`; index = the equity bar close time.
    """
    # numpy searchsorted, as pandas.merge_asof(direction="backward", tolerance=...) pairs them
    # (the same pairs; tests/signals/test_correlation.py compares the two), without its
    # overhead: this runs twice a board (snapshot and correlation pane)
    a, b = no_nan(equity_close), no_nan(crypto_close)
    if a.empty or b.empty:
        return pd.DataFrame(columns=["a", "b"], dtype="float64")
    ta, tb = a.index.as_unit("ns").asi8, b.index.as_unit("ns").asi8
    j = np.searchsorted(tb, ta, side="right") - 1  # the last crypto close at or before
    ok = j >= 0
    ok[ok] = ta[ok] - tb[j[ok]] <= pd.Timedelta(tolerance).value
    return pd.DataFrame({"a": a.to_numpy()[ok], "b": b.to_numpy()[j[ok]]},
                        index=a.index[ok].as_unit("ns"))


def to_4h(pairs: pd.DataFrame, asof: pd.Timestamp | None = None) -> pd.DataFrame:
    """4h bars from aligned hourly pairs: the last pair in each UTC 4h bucket (00-04, 04-08..).

    A bar is stamped at its bucket's end; with `asof`, a bucket that has not ended yet (a bar
    still forming) is left out.
    """
    if pairs.empty:
        return pairs
    width = pd.Timedelta("4h").value
    t = pairs.index.as_unit("ns").asi8
    ends = -((-t) // width) * width
    last = np.flatnonzero(np.r_[ends[1:] != ends[:-1], True])
    out = pairs.iloc[last].set_axis(pd.DatetimeIndex(ends[last], tz="UTC", name="time"))
    if asof is not None:
        out = out[out.index <= asof]
    return out


def paired_returns(pairs: pd.DataFrame, max_gap: pd.Timedelta) -> pd.DataFrame:
    """Log returns of both columns between consecutive aligned rows.

    A return whose two rows are more than `max_gap` apart spans a hole in the data (not a weekend
    or holiday): it is kept as NaN so that no window reaches across the hole.
    """
    if len(pairs) < 2:
        return pd.DataFrame(columns=["a", "b"], dtype="float64")
    # numpy, as log_returns and DataFrame.mask compute it (the same values), without the
    # pandas overhead: this runs for every correlation window of every board
    ra, rb = (np.diff(np.log(pairs[c].to_numpy(dtype="float64"))) for c in ("a", "b"))
    hole = np.diff(pairs.index.as_unit("ns").asi8) > max_gap.value
    ra[hole] = rb[hole] = np.nan
    return pd.DataFrame({"a": ra, "b": rb}, index=pairs.index[1:])


@same_inputs(8)  # the hourly pairs repeat outside the US session, the 4h bars 3 hours in 4
def rolling_correlation(pairs: pd.DataFrame, window: int,
                        max_gap: pd.Timedelta = DAILY_MAX_GAP) -> pd.Series:
    """Pearson correlation of the last `window` aligned log returns, at each row.

    NaN until `window` consecutive returns exist (never computed on fewer points than the window,
    never across a hole in the data).
    """
    return returns_correlation(paired_returns(pairs, max_gap), window)


def returns_correlation(rets: pd.DataFrame, window: int) -> pd.Series:
    """`rolling_correlation` of `paired_returns` computed already (one pass for several
    windows)."""
    if rets.empty:
        return pd.Series(dtype="float64")
    return rets["a"].rolling(window, min_periods=window).corr(rets["b"])


@same_inputs(4)  # beside rolling_correlation, on the same pairs
def trailing_returns(pairs: pd.DataFrame, max_gap: pd.Timedelta) -> int:
    """How many consecutive valid returns end at the last row (the window filled so far)."""
    valid = paired_returns(pairs, max_gap)["a"].notna().to_numpy()[::-1]
    return int(valid.argmin()) if not valid.all() else int(len(valid))


@same_inputs(8)  # the snapshot's six windows; pairs repeat as for rolling_correlation
def last_correlation(pairs: pd.DataFrame, window: int,
                     max_gap: pd.Timedelta = DAILY_MAX_GAP) -> float | None:
    """The latest value of `rolling_correlation`: the last `window` returns, or None when fewer
    exist since the last hole in the data."""
    if len(pairs) < window + 1:
        return None
    t = pairs.index[-(window + 1):].as_unit("ns").asi8
    if (np.diff(t) > max_gap.value).any():
        return None
    tail = pairs.iloc[-(window + 1):]
    values = np.column_stack([tail["a"].to_numpy(dtype="float64"),
                              tail["b"].to_numpy(dtype="float64")])
    rets = np.diff(np.log(values), axis=0)
    if np.std(rets[:, 0]) == 0 or np.std(rets[:, 1]) == 0:
        return None
    return float(np.corrcoef(rets[:, 0], rets[:, 1])[0, 1])
