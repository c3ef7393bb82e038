"""MarketCache: round trips, upserts, sharing a file, persistence, unusable files moved aside."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deskapp.data.cache import SCHEMA_VERSION, CacheError, MarketCache
from deskapp.data.instruments import UNIVERSE

KEY = "crypto.btcusdt.1h"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "cache.sqlite3"


@pytest.fixture
def cache(path: Path):
    c = MarketCache(path)
    yield c
    c.close()


def hourly(start: str, closes: list[float], **more: list[float]) -> pd.DataFrame:
    idx = pd.date_range(start, periods=len(closes), freq="h", tz="UTC", name="time")
    return pd.DataFrame({"close": closes, **more}, index=idx, dtype=float)


def stored(path: Path, key: str) -> list[tuple[int, str, float]]:
    """The value rows of one key, read by a connection of our own."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT t, col, value FROM points WHERE key=? ORDER BY t, col",
                          (key,)).fetchall()


# --- round trips -------------------------------------------------------------------------------

def test_real_frames_round_trip_with_meta(cache, datasets):
    ds = datasets("2026-02-risk-off")
    written = {k: cache.put(k, f, ds.meta[k]) for k, f in ds.frames.items()}
    assert written == {k: int(f.notna().sum().sum()) for k, f in ds.frames.items()}
    frames, meta = cache.get_all()
    assert sorted(frames) == sorted(ds.frames) == cache.keys()
    for key, frame in ds.frames.items():
        pd.testing.assert_frame_equal(frames[key], frame, check_freq=False)
        assert meta[key] == ds.meta[key] == cache.meta(key)
        assert cache.last_time(key) == frame.index[-1]
    pd.testing.assert_frame_equal(cache.get("crypto.btc"), ds.frames["crypto.btc"])
    assert list(cache.get("crypto.btc").columns) == ["open", "high", "low", "close", "volume"]
    assert list(cache.get("rates.us10y").columns) == ["value"]


def test_live_universe_meta_round_trips(cache):
    series = {s.key: s for s in UNIVERSE}
    frame = hourly("2026-02-10 10:00", [1.0, 2.0])
    for key, s in series.items():
        cache.put(key, frame, s.meta())
    assert cache.get_all()[1] == {k: s.meta() for k, s in series.items()}


def test_canonical_shape(cache):
    idx = pd.DatetimeIndex(["2026-02-10 10:00", "2026-02-10 11:00"], tz="UTC")
    cache.put(KEY, pd.DataFrame({"close": [1, 2], "volume": [3, 4]}, index=idx))  # int columns
    got = cache.get(KEY)
    assert str(got.index.dtype) == "datetime64[us, UTC]" and got.index.name == "time"
    assert got.index.is_unique and got.index.is_monotonic_increasing
    assert got.dtypes.tolist() == [np.float64, np.float64]
    assert got.to_numpy().tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_nan_cells_are_not_stored_and_come_back_missing(cache):
    f = hourly("2026-02-10 10:00", [100.0, np.nan, 102.0], volume=[5.0, 6.0, np.nan])
    assert cache.put(KEY, f) == 4
    got = cache.get(KEY)
    pd.testing.assert_frame_equal(got, f, check_freq=False)
    assert got.isna().to_numpy().tolist() == [[False, False], [True, False], [False, True]]
    assert len(stored(cache.path, KEY)) == 4


def test_a_row_with_no_value_at_all_is_not_kept(cache):
    f = hourly("2026-02-10 10:00", [1.0, np.nan, 3.0], volume=[1.0, np.nan, 3.0])
    assert cache.put(KEY, f) == 4
    assert cache.get(KEY).index.tolist() == [f.index[0], f.index[2]]


def test_all_nan_column_and_empty_frame_keep_their_shape(cache):
    f = hourly("2026-02-10 10:00", [1.0, 2.0], volume=[np.nan, np.nan])
    assert cache.put(KEY, f) == 2
    assert list(cache.get(KEY).columns) == ["close", "volume"]
    assert cache.get(KEY)["volume"].isna().all()
    assert cache.put("empty", f.iloc[:0]) == 0
    got = cache.get("empty")
    assert got is not None and got.empty and list(got.columns) == ["close", "volume"]
    assert cache.last_time("empty") is None
    assert cache.keys() == [KEY, "empty"]


def test_stored_layout_is_utc_nanoseconds_in_long_format(cache):
    f = hourly("2026-02-10 21:00", [7.5], volume=[9.0])
    cache.put(KEY, f)
    t = pd.Timestamp("2026-02-10T21:00Z").value
    assert stored(cache.path, KEY) == [(t, "close", 7.5), (t, "volume", 9.0)]
    with closing(sqlite3.connect(cache.path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


def test_non_utc_and_naive_indexes_are_stored_as_utc(cache):
    ny = pd.DatetimeIndex(["2026-02-10 16:00"], tz="America/New_York")
    cache.put("ny", pd.DataFrame({"close": [1.0]}, index=ny))
    cache.put("naive", pd.DataFrame({"close": [1.0]}, index=pd.DatetimeIndex(["2026-02-10 21:00"])))
    assert cache.last_time("ny") == cache.last_time("naive") == pd.Timestamp("2026-02-10T21:00Z")


def test_duplicated_rows_first_wins_as_in_canonical(cache):
    idx = pd.DatetimeIndex(["2026-02-10 10:00", "2026-02-10 10:00", "2026-02-10 11:00"], tz="UTC")
    assert cache.put(KEY, pd.DataFrame({"close": [1.0, 99.0, 2.0]}, index=idx)) == 2
    assert cache.get(KEY)["close"].tolist() == [1.0, 2.0]


def test_bad_frames_are_refused_and_write_nothing(cache):
    with pytest.raises(TypeError, match="DatetimeIndex"):
        cache.put(KEY, pd.DataFrame({"close": [1.0]}))
    idx = pd.DatetimeIndex(["2026-02-10 10:00"], tz="UTC")
    with pytest.raises(ValueError, match="numeric"):
        cache.put(KEY, pd.DataFrame({"close": ["n/a"]}, index=idx))
    assert cache.keys() == [] and cache.get(KEY) is None


# --- columns and meta --------------------------------------------------------------------------

def test_columns_come_back_in_first_seen_order(cache):
    bars = ["open", "high", "low", "close", "volume"]
    cache.put(KEY, pd.DataFrame([[1.0, 2.0, 0.5, 1.5, 10.0]], columns=bars,
                                index=pd.DatetimeIndex(["2026-02-10 10:00"], tz="UTC")))
    assert list(cache.get(KEY).columns) == bars
    cache.put(KEY, hourly("2026-02-10 11:00", [1.6], extra=[3.0]))
    got = cache.get(KEY)
    assert list(got.columns) == [*bars, "extra"]
    assert got["close"].tolist() == [1.5, 1.6] and got["open"].isna().tolist() == [False, True]


def test_meta_columns_set_the_order(cache):
    meta = {"label": "BTC", "columns": ["open", "high", "low", "close"]}
    cache.put(KEY, hourly("2026-02-10 10:00", [1.0], open=[0.9]), meta)
    got = cache.get(KEY)
    assert list(got.columns) == ["open", "high", "low", "close"]
    assert got.iloc[0].tolist()[0] == 0.9 and got.iloc[0].tolist()[3] == 1.0
    assert got[["high", "low"]].isna().all().all()


def test_meta_is_kept_unless_replaced(cache):
    assert cache.meta(KEY) is None and cache.updated(KEY) is None
    cache.put(KEY, hourly("2026-02-10 10:00", [1.0]))
    assert cache.meta(KEY) == {}
    cache.put(KEY, hourly("2026-02-10 11:00", [2.0]), {"label": "BTC", "unit": "USDT"})
    cache.put(KEY, hourly("2026-02-10 12:00", [3.0]))  # no meta: the stored one stays
    assert cache.meta(KEY) == {"label": "BTC", "unit": "USDT"}
    cache.put(KEY, hourly("2026-02-10 12:00", [3.0]), {"label": "BTC perp"})
    assert cache.meta(KEY) == {"label": "BTC perp"}


def test_updated_is_the_wall_clock_of_the_last_put(cache):
    before = pd.Timestamp.now(tz="UTC").floor("ms")
    cache.put(KEY, hourly("2020-01-01", [1.0]))
    after = pd.Timestamp.now(tz="UTC")
    assert before <= cache.updated(KEY) <= after


# --- upserts and last_time ---------------------------------------------------------------------

def test_upsert_overwrites_same_times_and_appends_new_ones(cache):
    first = hourly("2026-02-10 00:00", [float(i) for i in range(10)])
    assert cache.put(KEY, first) == 10
    second = hourly("2026-02-10 05:00", [100.0 + i for i in range(10)])  # 05:00 .. 14:00
    assert cache.put(KEY, second) == 10
    got = cache.get(KEY)
    assert len(got) == 15 and len(stored(cache.path, KEY)) == 15
    assert got["close"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, *(100.0 + i for i in range(10))]
    assert got.index[0] == first.index[0] and got.index[-1] == second.index[-1]


def test_a_nan_never_erases_a_stored_value(cache):
    cache.put(KEY, hourly("2026-02-10 00:00", [1.0, 2.0], volume=[10.0, 20.0]))
    cache.put(KEY, hourly("2026-02-10 01:00", [2.5, 3.0], volume=[np.nan, 30.0]))
    got = cache.get(KEY)
    assert got["close"].tolist() == [1.0, 2.5, 3.0]
    assert got["volume"].tolist() == [10.0, 20.0, 30.0]


def test_last_time(cache):
    assert cache.last_time(KEY) is None
    cache.put(KEY, hourly("2026-02-10 00:00", [1.0, 2.0, 3.0]))
    assert cache.last_time(KEY) == pd.Timestamp("2026-02-10T02:00Z")
    cache.put(KEY, hourly("2026-02-01 00:00", [0.5]))  # older rows do not move it back
    assert cache.last_time(KEY) == pd.Timestamp("2026-02-10T02:00Z")
    cache.put(KEY, hourly("2026-02-11 00:00", [4.0]))
    assert cache.last_time(KEY) == pd.Timestamp("2026-02-11T00:00Z")
    assert cache.last_time("other") is None


# --- sharing, threads, persistence -------------------------------------------------------------

def test_two_instances_on_one_file_both_write_and_read(path):
    a = MarketCache(path)
    b = MarketCache(path)
    try:
        a.put("a.key", hourly("2026-02-10 00:00", [1.0, 2.0]), {"by": "a"})
        b.put("b.key", hourly("2026-02-10 00:00", [3.0]), {"by": "b"})
        a.put(KEY, hourly("2026-02-10 00:00", [1.0, 2.0, 3.0]))
        b.put(KEY, hourly("2026-02-10 02:00", [30.0, 40.0]))  # overwrites a's last, appends
        assert a.keys() == b.keys() == ["a.key", "b.key", KEY]
        assert b.get("a.key")["close"].tolist() == [1.0, 2.0] and b.meta("a.key") == {"by": "a"}
        assert a.get("b.key")["close"].tolist() == [3.0] and a.meta("b.key") == {"by": "b"}
        assert a.get(KEY)["close"].tolist() == b.get(KEY)["close"].tolist() == \
            [1.0, 2.0, 30.0, 40.0]
        assert a.recovered_from is None and b.recovered_from is None
    finally:
        a.close()
        b.close()


def test_one_instance_shared_by_threads(cache):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(20):
                cache.put(f"k{n}", hourly("2026-01-01", [float(i)] * 50))
                cache.get(f"k{n}")
                cache.last_time(f"k{(n + 1) % 6}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    frames, _ = cache.get_all()
    assert sorted(frames) == [f"k{n}" for n in range(6)]
    assert all(f["close"].tolist() == [19.0] * 50 for f in frames.values())


def test_persists_across_close_and_reopen(path, datasets):
    btc = datasets("2026-02-risk-off").frames["crypto.btc"]
    with MarketCache(path) as c:
        c.put("crypto.btc", btc, {"label": "BTC"})
        c.put(KEY, hourly("2026-02-10 00:00", [1.0, np.nan], volume=[np.nan, 2.0]))
        updated = c.updated("crypto.btc")
    with pytest.raises(CacheError, match="closed"):
        c.get("crypto.btc")
    c.close()  # idempotent
    with MarketCache(path) as c:
        assert c.recovered_from is None
        assert c.keys() == ["crypto.btc", KEY]
        pd.testing.assert_frame_equal(c.get("crypto.btc"), btc)
        assert c.meta("crypto.btc") == {"label": "BTC"} and c.updated("crypto.btc") == updated
        assert c.last_time("crypto.btc") == btc.index[-1]
        assert c.get(KEY).isna().to_numpy().tolist() == [[False, True], [True, False]]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # WAL checkpointed on close


# --- unusable files ----------------------------------------------------------------------------

def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database, just some text\n" * 200)


def _truncated(path: Path) -> None:
    with MarketCache(path) as c:
        n = 5000
        idx = pd.date_range("2025-01-01", periods=n, freq="h", tz="UTC")
        c.put(KEY, pd.DataFrame(np.arange(n * 5.0).reshape(n, 5), index=idx,
                                columns=["open", "high", "low", "close", "volume"]))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _newer(path: Path) -> None:
    with MarketCache(path) as c:
        c.put(KEY, hourly("2026-02-10 00:00", [1.0]))
    with closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
        db.commit()


def _foreign(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE trades (id INTEGER PRIMARY KEY, symbol TEXT, qty REAL)")
        db.execute("INSERT INTO trades VALUES (1, 'NVDA', 100)")
        db.commit()


def _journal_like(path: Path) -> None:
    """Another app's database that also sets user_version 1."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE decisions (id TEXT PRIMARY KEY, decision TEXT)")
        db.execute("INSERT INTO decisions VALUES ('x', 'hedge')")
        db.execute("PRAGMA user_version=1")
        db.commit()


@pytest.mark.parametrize("make", [_garbage, _truncated, _newer, _foreign, _journal_like],
                         ids=lambda f: f.__name__.strip("_"))
def test_unusable_file_is_moved_aside_intact_and_a_fresh_cache_made(path, make, caplog):
    path.parent.mkdir(parents=True)
    make(path)
    original = path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="deskapp.data.cache"), MarketCache(path) as c:
        moved = c.recovered_from
        assert moved is not None and moved.parent == path.parent
        assert re.fullmatch(r"cache\.sqlite3\.corrupt-\d{8}T\d{6}Z", moved.name), moved.name
        assert moved.read_bytes() == original
        assert c.keys() == [] and c.get(KEY) is None
        assert c.put(KEY, hourly("2026-02-10 00:00", [1.0, 2.0])) == 2
        assert c.get(KEY)["close"].tolist() == [1.0, 2.0]
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    message = caplog.records[0].getMessage()
    assert str(path) in message and moved.name in message
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with MarketCache(path) as c:  # the fresh cache is a good one: no second recovery
        assert c.recovered_from is None and c.keys() == [KEY]


def test_wal_and_shm_files_move_with_the_database(path):
    path.parent.mkdir(parents=True)
    _garbage(path)
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    wal.write_bytes(b"stray wal" * 100)
    shm.write_bytes(b"stray shm" * 100)
    with MarketCache(path) as c:
        moved = c.recovered_from
        assert Path(f"{moved}-wal").read_bytes() == b"stray wal" * 100
        assert Path(f"{moved}-shm").read_bytes() == b"stray shm" * 100
        assert moved.read_bytes().startswith(b"this is not a database")


def test_second_recovery_never_overwrites_the_first(path):
    path.parent.mkdir(parents=True)
    _garbage(path)
    with MarketCache(path) as c:
        first = c.recovered_from
    path.write_bytes(b"other garbage" * 300)
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    with MarketCache(path) as c:
        second = c.recovered_from
    assert first != second
    assert first.read_bytes().startswith(b"this is not a database")
    assert second.read_bytes() == b"other garbage" * 300


def test_damage_found_after_opening_moves_the_file_aside(path):
    with MarketCache(path) as c:
        n = 20_000
        idx = pd.date_range("2020-01-01", periods=n, freq="h", tz="UTC")
        c.put(KEY, pd.DataFrame(np.ones((n, 5)), index=idx, columns=list("abcde")))
    size = path.stat().st_size
    with open(path, "r+b") as fh:  # wipe three pages in the middle of the value table
        fh.seek(size // 2 - (size // 2) % 4096)
        fh.write(b"\xff" * 3 * 4096)
    damaged = path.read_bytes()
    with MarketCache(path) as c:
        assert c.recovered_from is None  # the header and schema look fine
        with pytest.raises(CacheError) as err:
            c.get(KEY)
        msg = str(err.value)
        assert "damaged" in msg and "moved aside" in msg and "\n" not in msg
        assert c.recovered_from is not None and c.recovered_from.read_bytes() == damaged
        assert c.keys() == []
        assert c.put(KEY, hourly("2026-02-10 00:00", [1.0])) == 1
        assert c.get(KEY)["close"].tolist() == [1.0]


# --- a cache that cannot be made ---------------------------------------------------------------

def test_parent_that_is_a_file_raises_one_line(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(CacheError) as err:
        MarketCache(blocker / "cache.sqlite3")
    msg = str(err.value)
    assert "cannot be created" in msg and str(blocker) in msg and "\n" not in msg


def test_path_that_is_a_directory_is_refused_not_moved(tmp_path):
    path = tmp_path / "cache.sqlite3"
    path.mkdir()
    with pytest.raises(CacheError) as err:
        MarketCache(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert path.is_dir() and [p.name for p in tmp_path.iterdir()] == ["cache.sqlite3"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions that bind the user (root ignores them)")
@pytest.mark.parametrize("content", ["none", "garbage", "cache"])
def test_read_only_directory_raises_cache_error(tmp_path, content):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "cache.sqlite3"
    if content == "garbage":
        _garbage(path)
    elif content == "cache":
        with MarketCache(path) as c:
            c.put(KEY, hourly("2026-02-10 00:00", [1.0]))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    folder.chmod(0o555)
    try:
        with pytest.raises(CacheError) as err:
            MarketCache(path)
    finally:
        folder.chmod(0o755)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing moved
