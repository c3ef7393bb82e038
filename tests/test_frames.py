"""frames.head_rows: the first rows of a frame, equal to `iloc[:n]`, without registering a view
in pandas' copy-on-write bookkeeping of the frame."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pytest

from deskapp.frames import head_rows


def frame(unit: str = "ns") -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=50, freq="h", tz="UTC", name="time").as_unit(unit)
    return pd.DataFrame({"close": np.arange(50.0), "volume": np.arange(50.0) * 2}, index=index)


@pytest.mark.parametrize("unit", ["ns", "us"])
@pytest.mark.parametrize("n", [0, 1, 17, 49, 50, 80])
def test_head_rows_equals_iloc(unit, n):
    f = frame(unit)
    got = head_rows(f, n)
    pd.testing.assert_frame_equal(got, f.iloc[:n], check_freq=False)
    assert got.index.unit == unit and str(got.index.tz) == "UTC"


def test_other_columns_fall_back_to_iloc():
    f = frame().assign(name="x")
    pd.testing.assert_frame_equal(head_rows(f, 5), f.iloc[:5])


def weakrefs() -> int:
    gc.collect()
    return sum(type(o) is weakref.ReferenceType for o in gc.get_objects())


def test_many_heads_leave_no_weak_references_behind():
    f = frame()
    before = weakrefs()
    for i in range(3000):
        head_rows(f, 1 + i % 48)
    after_heads = weakrefs()
    for i in range(3000):
        f.iloc[: 1 + i % 48]
    after_views = weakrefs()
    assert after_heads - before < 50  # nothing piles up
    assert after_views - after_heads > 100  # what the views leave (the reason for head_rows)
