"""When a series' last bar stops counting as current (signals/roles.py, STALE_AFTER)."""

from __future__ import annotations

import pandas as pd
import pytest

from deskapp.signals.roles import is_stale

ASOF = pd.Timestamp("2026-02-09T21:00Z")
META = {"h": {"freq": "1h"}, "d": {"freq": "1d"}, "w": {"freq": "1w"}, "odd": {"freq": "5m"}}


@pytest.mark.parametrize(("key", "age", "stale"), [
    ("h", pd.Timedelta(days=4), False),  # exactly the limit still counts
    ("h", pd.Timedelta(days=4, nanoseconds=1), True),
    ("d", pd.Timedelta(days=6), False),
    ("d", pd.Timedelta(days=6, seconds=1), True),
    ("w", pd.Timedelta(days=12), False),
    ("w", pd.Timedelta(days=12, minutes=1), True),
    ("odd", pd.Timedelta(days=6), False),  # an unknown frequency: six days, as a daily series
    ("odd", pd.Timedelta(days=6, hours=1), True),
    ("absent", pd.Timedelta(days=6, hours=1), True),  # no meta: a daily series
    ("h", pd.Timedelta(0), False),
])
def test_a_series_is_old_once_its_last_bar_is_older_than_its_frequency_allows(key, age, stale):
    assert is_stale(META, key, ASOF - age, ASOF) is stale


def test_stamps_of_another_unit_are_compared_by_time():
    last = (ASOF - pd.Timedelta(days=5)).as_unit("s")
    assert is_stale(META, "h", last, ASOF.as_unit("us")) is True
    assert is_stale(META, "d", last, ASOF.as_unit("us")) is False
