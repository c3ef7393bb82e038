"""The derived cache (data/derived_cache.py) and the parsed replays kept in it: a hit is exactly
what parsing gives, a changed file is parsed again, a bad or unwritable cache costs only time."""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from deskapp.data import derived_cache
from deskapp.data.replay import DatasetError, _parse_dataset, find_dataset, load_dataset
from deskapp.resources import replay_dir

SERIES = ("idx.spx", "fx.dxy", "rates.us10y")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own derived cache (not the session's shared one)."""
    folder = tmp_path / "derived"
    monkeypatch.setenv("DESKAPP_CACHE", str(folder))
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A replay store holding a 3-series dataset 'mini' copied from the bundled one."""
    src, dst = replay_dir(), tmp_path / "replays"
    (dst / "series").mkdir(parents=True)
    shutil.copy(src / "catalog.json", dst / "catalog.json")
    raw = json.loads((src / "datasets.json").read_text(encoding="utf-8"))
    mini = dict(next(d for d in raw if d["name"] == "2026-02-risk-off"))
    mini["name"], mini["series"] = "mini", list(SERIES)
    (dst / "datasets.json").write_text(json.dumps([mini]), encoding="utf-8")
    for key in SERIES:
        shutil.copy(src / "series" / f"{key}.csv.gz", dst / "series" / f"{key}.csv.gz")
    return dst


def parsed(store: Path):
    info = find_dataset("mini", store)
    return _parse_dataset("mini", info, store)


def cached_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.pickle"))


def test_store_then_load_gives_the_value_back(cache):
    value = {"a": pd.Series([1.0, 2.0]), "b": (1, "x")}
    assert derived_cache.store("thing", "k1", value)
    back = derived_cache.load("thing", "k1")
    pd.testing.assert_series_equal(back["a"], value["a"])
    assert back["b"] == (1, "x")
    assert derived_cache.load("thing", "other") is None


def test_a_corrupt_file_is_a_miss_and_is_removed(cache, caplog):
    derived_cache.store("thing", "k1", [1, 2, 3])
    (path,) = cache.glob("thing-k1.pickle")
    path.write_bytes(path.read_bytes()[:7])  # truncated, as by a crash mid-write elsewhere
    with caplog.at_level(logging.WARNING):
        assert derived_cache.load("thing", "k1") is None
    assert not path.exists()
    assert "unreadable" in caplog.text


def test_an_unwritable_folder_is_logged_not_raised(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("DESKAPP_CACHE", str(blocker / "sub"))
    assert derived_cache.store("thing", "k1", [1]) is False
    assert derived_cache.load("thing", "k1") is None


def test_each_kind_keeps_only_its_newest_files(cache):
    for n in range(5):
        derived_cache.store("thing", f"k{n}", n, keep=2)
        os.utime(cache / f"thing-k{n}.pickle", ns=(n * 10**9, n * 10**9))
    derived_cache.store("other", "z", 0, keep=2)
    assert cached_files(cache) == ["other-z.pickle", "thing-k3.pickle", "thing-k4.pickle"]


def test_the_key_changes_with_any_part():
    assert derived_cache.make_key("a", 1) == derived_cache.make_key("a", 1)
    assert derived_cache.make_key("a", 1) != derived_cache.make_key("a", 2)
    assert len(derived_cache.make_key("a")) == 32


def test_file_stamp_changes_when_a_file_is_rewritten(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("one", encoding="utf-8")
    first = derived_cache.file_stamp(path)
    path.write_text("two!", encoding="utf-8")
    assert derived_cache.file_stamp(path) != first
    path.unlink()
    assert derived_cache.file_stamp(path) == (str(path), None)


# ---------------------------------------------------------------- parsed replays
def test_a_kept_dataset_equals_the_parsed_one(cache, store):
    first = load_dataset("mini", store)  # parsed, then kept
    assert len(cached_files(cache)) == 1
    again = load_dataset("mini", store)  # read back
    want = parsed(store)
    assert again is not first and again.info == want.info and again.meta == want.meta
    assert set(again.frames) == set(want.frames) == set(SERIES)
    for key in SERIES:
        pd.testing.assert_frame_equal(again.frames[key], want.frames[key])


def test_a_kept_dataset_is_read_not_parsed(cache, store, monkeypatch):
    load_dataset("mini", store)

    def no_parsing(*_a, **_k):
        raise AssertionError("parsed although a kept dataset matched")

    monkeypatch.setattr("deskapp.data.replay._parse_dataset", no_parsing)
    assert set(load_dataset("mini", store).frames) == set(SERIES)


def test_a_changed_series_file_is_parsed_again(cache, store):
    before = load_dataset("mini", store)
    path = store / "series" / "fx.dxy.csv.gz"
    frame = pd.read_csv(path, compression="gzip")
    last = before.frames["fx.dxy"].index[-1]  # the dataset's last bar: a corrected value
    frame.loc[pd.to_datetime(frame["time"], utc=True) == last, "close"] = 123.25
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        frame.to_csv(fh, index=False)
    after = load_dataset("mini", store)
    assert before.frames["fx.dxy"]["close"].iloc[-1] != 123.25
    assert after.frames["fx.dxy"]["close"].iloc[-1] == 123.25


def test_a_file_corrupted_after_it_was_kept_is_still_refused(cache, store):
    load_dataset("mini", store)
    path = store / "series" / "rates.us10y.csv.gz"
    path.write_bytes(b"time,value\n2026-01-05T21:00:00Z,4.1\n")  # not gzip any more
    with pytest.raises(DatasetError, match="corrupt"):
        load_dataset("mini", store)


def test_a_corrupt_kept_dataset_falls_back_to_parsing(cache, store):
    load_dataset("mini", store)
    (kept,) = cache.glob("replay-mini-*.pickle")
    kept.write_bytes(b"not a pickle")
    again = load_dataset("mini", store)
    pd.testing.assert_frame_equal(again.frames["idx.spx"], parsed(store).frames["idx.spx"])
