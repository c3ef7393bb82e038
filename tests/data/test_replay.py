"""Replay: the clock (with a fake wall clock), what each poll hands on, the store's datasets and
the one-line errors for unknown, missing and broken files."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from deskapp.data.replay import (
    DatasetError,
    DatasetInfo,
    ReplayClock,
    ReplayDataset,
    ReplaySource,
    find_dataset,
    list_datasets,
    load_dataset,
)
from deskapp.resources import replay_dir

T0 = pd.Timestamp("2026-02-10T14:00Z")
LO = pd.Timestamp("2026-02-10T00:00Z")
HI = pd.Timestamp("2026-02-11T00:00Z")


class FakeWall:
    """A wall clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


# ---------------------------------------------------------------- ReplayClock
def test_clock_runs_at_speed():
    wall = FakeWall()
    clock = ReplayClock(T0, speed=60.0, lo=LO, hi=HI, wall=wall)
    assert clock.now() == T0
    wall.t += 10.0  # 10 wall seconds x 60 = 10 market minutes
    assert clock.now() == T0 + pd.Timedelta(minutes=10)
    assert clock.speed == 60.0


def test_clock_speed_zero_is_paused():
    wall = FakeWall()
    clock = ReplayClock(T0, speed=0.0, lo=LO, hi=HI, wall=wall)
    wall.t += 3600.0
    assert clock.now() == T0
    assert not clock.at_end


def test_set_speed_keeps_market_time_continuous():
    wall = FakeWall()
    clock = ReplayClock(T0, speed=60.0, lo=LO, hi=HI, wall=wall)
    wall.t += 10.0
    before = clock.now()
    clock.set_speed(3600.0)
    assert clock.now() == before  # no jump at the change
    wall.t += 2.0  # 2 s x 3600 = 2 h, counted from the change only
    assert clock.now() == before + pd.Timedelta(hours=2)
    clock.set_speed(0.0)
    wall.t += 100.0
    assert clock.now() == before + pd.Timedelta(hours=2)


def test_seek_and_clamp_to_range():
    wall = FakeWall()
    clock = ReplayClock(T0, speed=3600.0, lo=LO, hi=HI, wall=wall)
    wall.t += 100.0  # 100 market hours: past the end
    assert clock.now() == HI and clock.at_end
    clock.seek(pd.Timestamp("2026-02-10T06:00Z"))
    assert clock.now() == pd.Timestamp("2026-02-10T06:00Z") and not clock.at_end
    wall.t += 1.0
    assert clock.now() == pd.Timestamp("2026-02-10T07:00Z")
    clock.seek(pd.Timestamp("2025-01-01T00:00Z"))  # before the start
    assert clock.now() == LO
    clock.seek(pd.Timestamp("2027-01-01T00:00Z"))  # after the end
    assert clock.now() == HI


# ---------------------------------------------------------------- ReplaySource
def tiny_dataset() -> ReplayDataset:
    hours = pd.DatetimeIndex(["2026-02-10T10:00Z", "2026-02-10T11:00Z", "2026-02-10T12:00Z"])
    days = pd.DatetimeIndex(["2026-02-10T00:00Z", "2026-02-11T00:00Z"])
    info = DatasetInfo(name="tiny", title="t", holds="h", start=LO, end=HI, warmup_start=None,
                       default_at=T0, default_speed=0.0, view_days=5, series=("x.1h", "y.1d"))
    frames = {"x.1h": pd.DataFrame({"close": [1.0, 2.0, 3.0]}, index=hours),
              "y.1d": pd.DataFrame({"close": [10.0, 20.0]}, index=days)}
    return ReplayDataset(info=info, frames=frames, meta={"x.1h": {}, "y.1d": {}})


def test_poll_sends_only_bars_closed_at_or_before_the_clock_then_only_changes():
    wall = FakeWall()
    clock = ReplayClock(pd.Timestamp("2026-02-10T10:30Z"), speed=0.0, lo=LO, hi=HI, wall=wall)
    src = ReplaySource(tiny_dataset(), clock)

    first = src.poll()
    assert first.source == "replay" and first.dataset == "tiny"
    assert first.clock == pd.Timestamp("2026-02-10T10:30Z")
    assert set(first.frames) == {"x.1h", "y.1d"}
    assert first.frames["x.1h"]["close"].tolist() == [1.0]
    assert first.frames["y.1d"]["close"].tolist() == [10.0]
    assert not first.finished

    assert src.poll().frames == {}  # nothing new

    clock.set_speed(60.0)
    wall.t += 30.0  # +30 market minutes: 11:00 exactly, the 11:00 bar has closed
    second = src.poll()
    assert set(second.frames) == {"x.1h"}
    assert second.frames["x.1h"]["close"].tolist() == [1.0, 2.0]
    assert all(t <= second.clock for t in second.frames["x.1h"].index)


def test_poll_resends_after_seek_back_and_forward():
    wall = FakeWall()
    clock = ReplayClock(pd.Timestamp("2026-02-10T12:30Z"), speed=0.0, lo=LO, hi=HI, wall=wall)
    src = ReplaySource(tiny_dataset(), clock)
    src.poll()
    src.seek(pd.Timestamp("2026-02-10T10:00Z"))
    back = src.poll()
    assert set(back.frames) == {"x.1h"}  # the daily series has not changed
    assert back.frames["x.1h"]["close"].tolist() == [1.0]
    src.seek(pd.Timestamp("2026-02-11T00:00Z"))
    end = src.poll()
    assert set(end.frames) == {"x.1h", "y.1d"}
    assert end.frames["x.1h"]["close"].tolist() == [1.0, 2.0, 3.0]
    assert end.frames["y.1d"]["close"].tolist() == [10.0, 20.0]
    assert end.finished
    src.close()
    assert set(src.poll().frames) == {"x.1h", "y.1d"}  # after close, a poll starts afresh


def test_poll_before_any_bar_hands_on_empty_frames():
    wall = FakeWall()
    clock = ReplayClock(pd.Timestamp("2026-02-09T12:00Z"), speed=0.0,
                        lo=pd.Timestamp("2026-02-01T00:00Z"), hi=HI, wall=wall)
    batch = ReplaySource(tiny_dataset(), clock).poll()
    assert all(f.empty for f in batch.frames.values()) and len(batch.frames) == 2


# ---------------------------------------------------------------- bundled store
def test_list_and_find_datasets_match_datasets_json():
    raw = json.loads((replay_dir() / "datasets.json").read_text(encoding="utf-8"))
    infos = list_datasets()
    assert [i.name for i in infos] == [d["name"] for d in raw]
    assert "2026-02-risk-off" in [i.name for i in infos]
    info = find_dataset("2026-02-risk-off")
    entry = next(d for d in raw if d["name"] == "2026-02-risk-off")
    assert info.series == tuple(entry["series"])
    assert info.start == pd.Timestamp(entry["start"])
    assert info.end == pd.Timestamp(entry["end"])
    assert info.default_at == pd.Timestamp(entry["default_at"])
    assert info.warmup_start == pd.Timestamp(entry["warmup_start"])
    assert info.describe().startswith("2026-02-risk-off  2026-01-02 .. 2026-02-17  ")
    assert "\n" not in info.describe()


def test_loaded_dataset_is_cut_to_warmup_and_end(datasets):
    ds = datasets("2026-02-risk-off")
    for key, frame in ds.frames.items():
        assert frame.index[0] >= ds.info.warmup_start, key
        assert frame.index[-1] <= ds.info.end, key
        assert str(frame.index.tz) == "UTC" and frame.index.is_monotonic_increasing, key
    assert set(ds.frames) <= set(ds.info.series)


def test_unknown_dataset_one_line_error():
    with pytest.raises(DatasetError) as err:
        find_dataset("no-such-replay")
    msg = str(err.value)
    assert "no-such-replay" in msg and "2026-02-risk-off" in msg and "\n" not in msg


# ---------------------------------------------------------------- a broken temp store
SERIES = ("rates.us10y", "fx.dxy")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    src = replay_dir()
    dst = tmp_path / "replay"
    (dst / "series").mkdir(parents=True)
    shutil.copy(src / "catalog.json", dst / "catalog.json")
    raw = json.loads((src / "datasets.json").read_text(encoding="utf-8"))
    mini = dict(next(d for d in raw if d["name"] == "2026-02-risk-off"))
    mini["name"], mini["series"] = "mini", list(SERIES)
    (dst / "datasets.json").write_text(json.dumps([mini]), encoding="utf-8")
    for key in SERIES:
        shutil.copy(src / "series" / f"{key}.csv.gz", dst / "series" / f"{key}.csv.gz")
    return dst


def one_line_error(store: Path, name: str = "mini") -> str:
    with pytest.raises(DatasetError) as err:
        load_dataset(name, store)
    msg = str(err.value)
    assert msg and "\n" not in msg, msg
    return msg


def test_temp_store_loads_like_the_bundled_one(store, datasets):
    mini = load_dataset("mini", store)
    full = datasets("2026-02-risk-off")
    assert set(mini.frames) == set(SERIES)
    for key in SERIES:
        pd.testing.assert_frame_equal(mini.frames[key], full.frames[key])
    assert [i.name for i in list_datasets(store)] == ["mini"]


def test_unknown_name_in_temp_store(store):
    msg = one_line_error(store, "other")
    assert "unknown replay 'other'" in msg and "mini" in msg


def test_missing_series_file(store):
    path = store / "series" / "fx.dxy.csv.gz"
    path.unlink()
    msg = one_line_error(store)
    assert "missing" in msg and str(path) in msg


def test_series_not_in_catalog(store):
    cat = json.loads((store / "catalog.json").read_text(encoding="utf-8"))
    del cat["fx.dxy"]
    (store / "catalog.json").write_text(json.dumps(cat), encoding="utf-8")
    msg = one_line_error(store)
    assert "fx.dxy" in msg and "catalog.json" in msg


def test_corrupt_gzip(store):
    path = store / "series" / "rates.us10y.csv.gz"
    path.write_bytes(b"time,value\n2026-01-05T21:00:00Z,4.1\n")  # plain text, not gzip
    msg = one_line_error(store)
    assert "corrupt" in msg and str(path) in msg


def test_truncated_gzip(store):
    path = store / "series" / "rates.us10y.csv.gz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    msg = one_line_error(store)
    assert "corrupt" in msg and str(path) in msg


@pytest.mark.parametrize("text", [
    "hello world\nthis is not a series\n",  # no time column
    "time,value\n2026-01-05T21:00:00Z,4.1\nnot-a-time,4.2\n",  # bad timestamp
    "time,value\n2026-01-05T21:00:00Z,4.1\n2026-01-06T21:00:00Z,four\n",  # bad number
    "time,value\n2026-01-05T21:00:00Z,4.1,9,9,9\n\"unterminated\n",  # ragged rows
])
def test_garbage_csv(store, text):
    path = store / "series" / "rates.us10y.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    msg = one_line_error(store)
    assert "corrupt" in msg and str(path) in msg


def test_empty_series(store):
    path = store / "series" / "rates.us10y.csv.gz"
    path.write_bytes(gzip.compress(b"time,value\n"))
    msg = one_line_error(store)
    assert str(path) in msg and "no rows" in msg


def test_corrupt_json(store):
    (store / "datasets.json").write_text("[{", encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        list_datasets(store)
    assert "datasets.json" in str(err.value) and "\n" not in str(err.value)


def test_malformed_datasets_entry(store):
    (store / "datasets.json").write_text(json.dumps([{"name": "mini"}]), encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        list_datasets(store)
    assert "malformed" in str(err.value) and "\n" not in str(err.value)


def test_the_first_poll_is_at_the_start_however_long_the_desk_took_to_open():
    wall = FakeWall()
    clock = ReplayClock(pd.Timestamp("2026-02-10T10:30Z"), speed=60.0, lo=LO, hi=HI, wall=wall)
    src = ReplaySource(tiny_dataset(), clock)
    wall.t += 45.0  # the window took its time: 45 market minutes at this speed
    assert src.poll().clock == pd.Timestamp("2026-02-10T10:30Z")
    wall.t += 30.0  # from the first poll on, the replay runs at its speed
    assert src.poll().clock == pd.Timestamp("2026-02-10T11:00Z")
