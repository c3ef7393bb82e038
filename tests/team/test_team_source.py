"""The desk's team-feed source against a real PostgreSQL server: everything on the first poll,
then only what the collector wrote after the watermark (woken by NOTIFY), revisions overwrite,
the collector's failures become the panes' failure lines, a local cache copy, and a database
that goes away and comes back (OFFLINE with the cache, reconnect, nothing lost)."""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest
from team_db import PASSWORD, bars, set_collector, set_status, start_server, stop_server, write

from deskapp.data.cache import MarketCache
from deskapp.data.team_source import TeamSource, merge_cells
from deskapp.team.schema import open_team_db

SECRETS = (PASSWORD, "s3cret%3Apa%2Fss")
T0 = pd.Timestamp("2026-12-01T00:00Z")


@pytest.fixture
def url(pg) -> str:
    url = pg.create_schema()
    open_team_db(url, create=True).close()  # as the collector's first start does
    return url


@pytest.fixture
def writer(url):
    with psycopg.connect(url) as conn:
        yield conn


class Wall:
    """A hand-moved monotonic clock (reconnect backoff, fallback polls)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def source(url, cache=None, wall=None, wait_s=2.0) -> TeamSource:
    return TeamSource(url, cache=cache, wall=wall or Wall(), wait_s=wait_s,
                      clock=lambda: T0)


def no_secret(text: str) -> None:
    assert "\n" not in text
    for s in SECRETS:
        assert s not in text, text


def test_first_poll_everything_then_only_what_changed(url, writer):
    btc, eth = bars("2026-12-01", 5), bars("2026-12-01", 3, base=50.0)
    write(writer, {"crypto.btc.1h": btc, "crypto.eth.1h": eth},
          {"crypto.btc.1h": {"label": "BTC"}})
    set_collector(writer, "collector-a")
    src = source(url)
    first = src.poll()
    assert (first.source, first.link, first.dataset) == ("team", "team", "collector-a")
    assert set(first.frames) == {"crypto.btc.1h", "crypto.eth.1h"}
    pd.testing.assert_frame_equal(first.frames["crypto.btc.1h"], btc, check_freq=False)
    pd.testing.assert_frame_equal(first.frames["crypto.eth.1h"], eth, check_freq=False)
    # A new bar and a revised last bar of BTC; ETH untouched.
    revised = bars("2026-12-01T04:00", 2, base=200.0)
    write(writer, {"crypto.btc.1h": revised})
    second = src.poll()  # woken by the NOTIFY
    assert set(second.frames) == {"crypto.btc.1h"}
    expected = pd.concat([btc.iloc[:4], revised])
    pd.testing.assert_frame_equal(second.frames["crypto.btc.1h"], expected, check_freq=False)
    assert src.frames["crypto.eth.1h"] is first.frames["crypto.eth.1h"]  # not re-read
    # The same bars written again change nothing: no seq moves, no frame handed on.
    write(writer, {"crypto.btc.1h": revised})
    third = src.poll()
    assert third.frames == {}
    src.close()


def test_without_notify_the_fallback_poll_reads(url, writer):
    wall = Wall()
    src = source(url, wall=wall, wait_s=0.0)
    assert src.poll().frames == {}
    write(writer, {"crypto.btc.1h": bars("2026-12-01", 2)}, notify=False)
    assert src.poll().frames == {}  # no NOTIFY and the fallback not due
    wall.now += 11.0
    assert set(src.poll().frames) == {"crypto.btc.1h"}
    src.close()


def test_collector_failures_are_the_panes_lines_and_recovery_clears_them(url, writer):
    write(writer, {"crypto.btc.1h": bars("2026-12-01", 3)})
    set_status(writer, "crypto.btc.1h", False, "binanceusdm: HTTP 429 rate limited",
               "2026-12-01T03:05Z")
    src = source(url)
    first = src.poll()
    # The frame first; its error in a batch without the frame (a frame clears its key's error).
    assert "crypto.btc.1h" in first.frames and first.errors == {}
    second = src.poll()
    assert second.errors == {"crypto.btc.1h":
                             "binanceusdm: HTTP 429 rate limited (since 03:05 UTC)"}
    set_status(writer, "crypto.btc.1h", True)
    third = src.poll()
    assert third.errors == {} and "crypto.btc.1h" in third.frames  # handed on: error cleared
    src.close()


def test_what_arrives_is_kept_in_the_local_cache(url, writer, tmp_path):
    btc = bars("2026-12-01", 4)
    write(writer, {"crypto.btc.1h": btc}, {"crypto.btc.1h": {"label": "BTC"}})
    cache = MarketCache(tmp_path / "c.sqlite3")
    src = source(url, cache=cache)
    src.poll()
    write(writer, {"crypto.btc.1h": bars("2026-12-01T03:00", 2, base=7.0)})
    src.poll()
    expected = pd.concat([btc.iloc[:3], bars("2026-12-01T03:00", 2, base=7.0)])
    pd.testing.assert_frame_equal(cache.get("crypto.btc.1h"), expected, check_freq=False)
    assert cache.meta("crypto.btc.1h") == {"label": "BTC"}
    src.close()
    cache.close()


def test_unreachable_at_start_paints_the_local_cache_and_says_offline(pg, tmp_path, caplog):
    cache = MarketCache(tmp_path / "c.sqlite3")
    btc = bars("2026-12-01", 3)
    cache.put("crypto.btc.1h", btc)
    bad = pg.url("postgres", password="wrong-" + PASSWORD)
    src = TeamSource(bad, cache=cache, wall=Wall(), clock=lambda: T0)
    batch = src.poll()
    assert batch.link == f"offline: {src.problem}"
    pd.testing.assert_frame_equal(batch.frames["crypto.btc.1h"], btc, check_freq=False)
    no_secret(src.problem)
    assert "wrong-" not in src.problem and "password authentication failed" in src.problem
    for record in caplog.records:
        no_secret(record.getMessage())
        assert "wrong-" not in record.getMessage()
    src.close()
    cache.close()


def test_database_restart_offline_then_reconnects_and_nothing_is_lost(pg, url, tmp_path):
    wall = Wall()
    cache = MarketCache(tmp_path / "c.sqlite3")
    with psycopg.connect(url) as conn:
        write(conn, {"crypto.btc.1h": bars("2026-12-01", 3)})
    src = source(url, cache=cache, wall=wall, wait_s=0.0)
    assert src.poll().link == "team"
    stop_server(pg)
    try:
        down = src.poll()
        wall.now += 60.0
        assert down.link.startswith("offline: ") and src.poll().link.startswith("offline: ")
    finally:
        start_server(pg)
    # The collector wrote more once the server was back, before the desk reconnected.
    with psycopg.connect(url) as conn:
        write(conn, {"crypto.btc.1h": bars("2026-12-01T03:00", 2, base=103.0),
                     "crypto.eth.1h": bars("2026-12-01", 1, base=5.0)})
        with conn.cursor() as cur:
            db_rows = cur.execute("SELECT count(*) FROM market_points").fetchone()[0]
    assert src.link == "offline"
    wall.now += 60.0  # the backoff is over
    back = src.poll()  # reconnects, reads what it missed
    assert back.link == "team" and src.reconnects == 1
    assert set(back.frames) == {"crypto.btc.1h", "crypto.eth.1h"}
    expected = pd.concat([bars("2026-12-01", 3), bars("2026-12-01T03:00", 2, base=103.0)])
    pd.testing.assert_frame_equal(src.frames["crypto.btc.1h"], expected, check_freq=False)
    assert sum(f.notna().to_numpy().sum() for f in src.frames.values()) == db_rows
    pd.testing.assert_frame_equal(cache.get("crypto.btc.1h"), expected, check_freq=False)
    src.close()
    cache.close()


def test_merge_cells_revised_cells_win_missing_cells_are_kept():
    old = pd.DataFrame({"close": [1.0, 2.0], "volume": [5.0, 6.0]},
                       index=pd.DatetimeIndex(["2026-12-01T00:00Z", "2026-12-01T01:00Z"],
                                              name="time"))
    new = pd.DataFrame({"close": [2.5, 3.0]},
                       index=pd.DatetimeIndex(["2026-12-01T01:00Z", "2026-12-01T02:00Z"],
                                              name="time"))
    got = merge_cells(old, new, "k")
    assert got["close"].tolist() == [1.0, 2.5, 3.0]
    assert got["volume"].tolist()[:2] == [5.0, 6.0] and pd.isna(got["volume"].iloc[2])
    assert list(got.columns) == ["close", "volume"]


def test_a_database_without_team_tables_is_offline_with_the_reason(pg):
    src = TeamSource(pg.create_schema(), wall=Wall(), clock=lambda: T0)
    batch = src.poll()
    assert batch.link.startswith("offline: ") and batch.frames == {}
    assert "start the collector" in src.problem
    no_secret(src.problem)
    src.close()


def test_offline_polls_rest_instead_of_spinning(pg):
    """The desk polls in a tight loop that the NOTIFY wait paces; offline there is no wait,
    so each poll rests wait_s (ended early by close)."""
    src = TeamSource(pg.url("postgres", password="wrong"), wall=Wall(), wait_s=0.2,
                     clock=lambda: T0)
    rests = []
    src.idle = rests.append
    src.poll()  # the first poll paints the local cache at once
    assert rests == []
    src.poll()
    src.poll()
    assert rests == [0.2, 0.2]
    src.close()
