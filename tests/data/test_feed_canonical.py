"""feed.canonical: sorted, unique, UTC; duplicates (first wins) and late rows dropped and logged."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from deskapp.data.feed import canonical


def frame(stamps: list[str], values: list[float], tz: str | None = "UTC") -> pd.DataFrame:
    idx = pd.DatetimeIndex([pd.Timestamp(s) for s in stamps])
    if tz is not None:
        idx = idx.tz_localize(tz)
    return pd.DataFrame({"close": values}, index=idx)


def test_clean_frame_passes_unchanged(caplog):
    f = frame(["2026-02-10 10:00", "2026-02-10 11:00"], [1.0, 2.0])
    with caplog.at_level(logging.WARNING, logger="deskapp.data.feed"):
        out = canonical(f, "k")
    pd.testing.assert_frame_equal(out, f)
    assert caplog.records == []


def test_duplicated_rows_first_wins_and_logged(caplog):
    f = frame(["2026-02-10 10:00", "2026-02-10 11:00", "2026-02-10 11:00", "2026-02-10 12:00",
               "2026-02-10 12:00", "2026-02-10 12:00"], [1.0, 2.0, 20.0, 3.0, 30.0, 300.0])
    with caplog.at_level(logging.WARNING, logger="deskapp.data.feed"):
        out = canonical(f, "crypto.btcusdt.1h")
    assert out["close"].tolist() == [1.0, 2.0, 3.0]
    assert out.index.is_unique and out.index.is_monotonic_increasing
    msgs = [r.getMessage() for r in caplog.records]
    assert msgs == ["crypto.btcusdt.1h: dropped 3 duplicated rows"]


def test_out_of_order_rows_dropped_and_logged(caplog):
    # 09:00 and 10:30 arrive after 11:00 was already seen: both are late
    f = frame(["2026-02-10 10:00", "2026-02-10 11:00", "2026-02-10 09:00", "2026-02-10 10:30",
               "2026-02-10 12:00"], [1.0, 2.0, 3.0, 4.0, 5.0])
    with caplog.at_level(logging.WARNING, logger="deskapp.data.feed"):
        out = canonical(f, "idx.spx.1h")
    assert out["close"].tolist() == [1.0, 2.0, 5.0]
    assert list(out.index) == list(pd.DatetimeIndex(
        ["2026-02-10 10:00", "2026-02-10 11:00", "2026-02-10 12:00"], tz="UTC"))
    msgs = [r.getMessage() for r in caplog.records]
    assert msgs == ["idx.spx.1h: dropped 2 out-of-order rows"]
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_duplicate_of_a_late_row(caplog):
    f = frame(["2026-02-10 10:00", "2026-02-10 12:00", "2026-02-10 11:00", "2026-02-10 11:00"],
              [1.0, 2.0, 3.0, 4.0])
    with caplog.at_level(logging.WARNING, logger="deskapp.data.feed"):
        out = canonical(f, "k")
    assert out["close"].tolist() == [1.0, 2.0]
    assert sorted(r.getMessage() for r in caplog.records) == [
        "k: dropped 1 duplicated rows", "k: dropped 1 out-of-order rows"]


def test_naive_index_is_localised_to_utc_not_shifted():
    f = frame(["2026-02-10 10:00", "2026-02-10 11:00"], [1.0, 2.0], tz=None)
    out = canonical(f, "k")
    assert str(out.index.tz) == "UTC"
    assert out.index[0] == pd.Timestamp("2026-02-10T10:00Z")  # wall time read as UTC


def test_other_zone_is_converted_to_utc():
    f = frame(["2026-02-10 16:00", "2026-07-10 16:00"], [1.0, 2.0], tz="America/New_York")
    out = canonical(f, "k")
    assert str(out.index.tz) == "UTC"
    assert list(out.index) == [pd.Timestamp("2026-02-10T21:00Z"), pd.Timestamp("2026-07-10T20:00Z")]


def test_values_are_never_filled():
    f = frame(["2026-02-10 10:00", "2026-02-10 11:00", "2026-02-10 12:00"], [1.0, np.nan, 3.0])
    out = canonical(f, "k")
    assert np.isnan(out["close"].iloc[1]) and len(out) == 3


def test_non_datetime_index_is_refused():
    with pytest.raises(TypeError, match="k: index must be a DatetimeIndex"):
        canonical(pd.DataFrame({"close": [1.0]}, index=[0]), "k")
