"""Issue 13, item 8: replay rows with an infinite, zero or negative price are rejected with one
message naming the file (the rest of the series and the dataset stay usable), instead of
flowing into the signals as RuntimeWarnings and wrong numbers."""

from __future__ import annotations

import gzip
import logging
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deskapp.data.replay import DatasetError, load_dataset
from deskapp.resources import resource_dir
from deskapp.signals.snapshot import compute_snapshot

KEY = "crypto.btc"
BAD_DAYS = {"2026-01-20T00:00:00Z": ("close", np.inf), "2026-01-21T00:00:00Z": ("low", 0.0),
            "2026-01-22T00:00:00Z": ("close", -5.0), "2026-01-23T00:00:00Z": ("volume", -np.inf)}


def _store_with(tmp_path: Path, edit) -> Path:
    copy = tmp_path / "resources"
    shutil.copytree(resource_dir(), copy)
    path = copy / "replay" / "series" / f"{KEY}.csv.gz"
    frame = pd.read_csv(path, index_col="time")
    frame = edit(frame)
    with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
        frame.to_csv(fh)
    return copy


def _spoil(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype("float64")
    for day, (col, value) in BAD_DAYS.items():
        frame.loc[day, col] = value
    return frame


def test_bad_price_rows_are_rejected_with_one_message_naming_the_file(tmp_path, monkeypatch,
                                                                      caplog):
    good = load_dataset("2026-02-risk-off")
    monkeypatch.setenv("DESKAPP_RESOURCES", str(_store_with(tmp_path, _spoil)))
    with caplog.at_level(logging.WARNING, logger="deskapp.data.replay"):
        ds = load_dataset("2026-02-risk-off")
    said = [r.getMessage() for r in caplog.records if f"{KEY}.csv.gz" in r.getMessage()]
    assert len(said) == 1 and "4 rows" in said[0] and "2026-01-20" in said[0], said
    btc = ds.frames[KEY]
    dropped = pd.DatetimeIndex(list(BAD_DAYS)).tz_convert("UTC")
    assert not btc.index.isin(dropped).any()
    expected = good.frames[KEY].drop(index=dropped)  # everything else exactly as before
    pd.testing.assert_frame_equal(btc, expected)
    assert set(ds.frames) == set(good.frames)  # the rest of the dataset is usable
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        snap = compute_snapshot(ds.frames, pd.Timestamp("2026-01-24T00:00Z"), ds.meta)
    assert snap.asof == "2026-01-24T00:00:00Z"


def test_a_series_with_no_usable_price_left_is_refused(tmp_path, monkeypatch):
    def all_negative(frame: pd.DataFrame) -> pd.DataFrame:
        frame["close"] = -1.0
        return frame

    monkeypatch.setenv("DESKAPP_RESOURCES", str(_store_with(tmp_path, all_negative)))
    with pytest.raises(DatasetError, match=rf"{KEY}\.csv\.gz.*no usable rows"):
        load_dataset("2026-02-risk-off")


def test_negative_values_that_are_not_prices_are_kept(datasets):
    """Funding rates and yields can be negative: only open/high/low/close must be > 0."""
    ds = datasets("2026-02-risk-off")
    funding = ds.frames["deriv.btc_funding_daily"]
    assert (funding["rate"] < 0).any()  # the bundled data has negative funding days
