"""signals/memo.py: a result is reused only for arguments equal in every number and label."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deskapp.signals.memo import forget_all, same_inputs


def counted():
    calls = []

    @same_inputs(2)
    def f(x, *, w=1):
        calls.append(1)
        return (x.sum() if hasattr(x, "sum") else x) * w

    return f, calls


def series(values, start="2026-02-09", name="close", unit="ns"):
    ix = pd.date_range(start, periods=len(values), freq="h", tz="UTC", name="time").as_unit(unit)
    return pd.Series(np.array(values, dtype="float64"), index=ix, name=name)


def test_equal_series_reuse_the_result_any_difference_computes_again():
    f, calls = counted()
    a = series([1.0, 2.0, np.nan])
    assert f(a) == 3.0 and len(calls) == 1
    assert f(a.copy()) == 3.0 and len(calls) == 1  # another object, the same numbers: reused
    assert f.hits == 1
    different = [series([1.0, 2.0, 4.0]),  # a value
                 series([1.0, 2.0, np.nan], start="2026-02-10"),  # the stamps
                 series([1.0, 2.0, np.nan], name="open"),  # the name
                 series([1.0, 2.0, np.nan], unit="us"),  # the index resolution
                 series([1.0, 2.0]),  # the length
                 a.astype("float32")]  # the dtype
    for i, other in enumerate(different):
        f.forget()
        f(a)
        before = len(calls)
        f(other)
        assert len(calls) == before + 1, i
    f(a, w=2)
    assert f(a, w=2) == 6.0 and f(a, w=3) == 9.0  # keyword arguments count
    assert f.hits >= 2


def test_frames_compare_by_columns_and_values_and_a_caller_changing_one_later_is_safe():
    f, calls = counted()
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]},
                         index=pd.DatetimeIndex(["2026-02-09", "2026-02-10"], tz="UTC"))
    f(frame)
    f(frame.rename(columns={"b": "c"}))
    assert len(calls) == 2  # other column names
    frame.iloc[0, 0] = 10.0  # changed in place after the call: the kept key is a copy
    assert f(frame).tolist() == [12.0, 7.0] and len(calls) == 3


def test_only_the_last_calls_are_kept_and_forget_all_drops_them():
    f, calls = counted()
    xs = [series([float(i)]) for i in range(3)]
    for x in xs:
        f(x)
    f(xs[2]), f(xs[1])
    assert len(calls) == 3  # the last two were kept
    f(xs[0])
    assert len(calls) == 4  # the first had gone
    forget_all()
    f(xs[0])
    assert len(calls) == 5


@pytest.mark.parametrize("window", [30, 60])
def test_the_rolling_correlation_reused_is_the_one_computed_afresh(window, datasets):
    from deskapp.signals import correlation as corr

    ds = datasets("2026-02-risk-off")
    pairs = corr.align_daily(ds.frames["idx.spx"]["close"], ds.frames["crypto.btc"]["close"])
    first = corr.rolling_correlation(pairs, window)
    hits = corr.rolling_correlation.hits
    again = corr.rolling_correlation(pairs.copy(), window)
    assert corr.rolling_correlation.hits == hits + 1 and again is first
    corr.rolling_correlation.forget()
    fresh = corr.rolling_correlation(pairs.copy(), window)
    assert fresh is not first
    pd.testing.assert_series_equal(fresh, first, check_exact=True)
