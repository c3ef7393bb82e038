"""FredAdapter over real HTTP to a LoopbackServer (tests/support): FRED's CSV download
answered from tests/fixtures/fred/ (real FRED values in the fredgraph.csv format, see
tests/fixtures/README.md); faults made by the server. No test touches the internet.

The live values must be the replay store's: same keys, units (USD bn) and bar-close stamps.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests
from support.loopback import Answer, LoopbackServer
from support.rewrite import FIXTURES, closed_port, loopback_session
from support.shared import need_shared

from deskapp.data.cache import MarketCache
from deskapp.data.fred import FRED_CSV, FredAdapter, FredFormatError, parse_csv
from deskapp.data.instruments import FRED, UNIVERSE
from deskapp.data.live import LiveSource

PATH = urlsplit(FRED_CSV).path  # /graph/fredgraph.csv
BY_ID = {s.symbol: s for s in FRED}
WALCL, TGA, RRP = BY_ID["WALCL"], BY_ID["WTREGEN"], BY_ID["RRPONTSYD"]
CLOCK = pd.Timestamp("2026-02-13T23:00Z")  # after Thursday 02-12's H.4.1 and Friday's RRP


class Wall:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class Rig:
    server: LoopbackServer
    session: requests.Session
    wall: Wall
    answers: dict[str, Answer]  # FRED id -> what the server says (changeable per test)
    asked: list[dict[str, list[str]]]


def csv_answer(series_id: str, status: int = 200) -> Answer:
    return Answer(status=status, body=(FIXTURES / "fred" / f"{series_id}.csv").read_bytes(),
                  headers={"Content-Type": "text/csv"})


@pytest.fixture
def rig() -> Iterator[Rig]:
    server = LoopbackServer()
    session = loopback_session(server.port)
    answers = {sid: csv_answer(sid) for sid in BY_ID}
    asked: list[dict[str, list[str]]] = []

    def route(path: str) -> Answer:
        query = parse_qs(urlsplit(path).query)
        asked.append(query)
        return answers.get(query.get("id", [""])[0], Answer(status=404, body=b"no such id"))

    server.route(PATH, route)
    yield Rig(server, session, Wall(), answers, asked)
    session.close()
    server.close()


def adapter(rig: Rig, clock: pd.Timestamp = CLOCK, timeout: float = 30.0,
            session: requests.Session | None = None) -> FredAdapter:
    return FredAdapter(session=session or rig.session, timeout=timeout, clock=lambda: clock,
                       wall=rig.wall, rng=random.Random(3))


def one_line(message: str) -> None:
    assert message and "\n" not in message and len(message) < 300, message


# ------------------------------------------------------------------ the format
FIXTURE_SOURCES = {"WALCL": "fed_total_assets_weekly_fred_walcl_2015_2026.csv",
                   "WTREGEN": "tga_weekly_fred_wtregen_2026.csv",
                   "RRPONTSYD": "on_rrp_daily_fred_rrpontsyd_2015_2026.csv"}


def test_fixtures_are_fredgraph_downloads():
    """FRED's header, then 'YYYY-MM-DD,<number or blank>' in date order (no ../shared needed;
    tests/data/test_fixture_checksums.py holds their SHA-256)."""
    for sid in FIXTURE_SOURCES:
        lines = (FIXTURES / "fred" / f"{sid}.csv").read_text().splitlines()
        assert lines[0] == f"observation_date,{sid}"
        days = [ln.split(",")[0] for ln in lines[1:]]
        assert days == sorted(set(days)) and len(days) > 10, sid
        for line in lines[1:]:
            day, value = line.split(",")
            pd.Timestamp(day)  # a date
            assert value == "" or float(value) >= 0, line


def test_fixtures_are_the_shared_fred_downloads_with_their_header():
    """Each fixture line is a line of the shared FRED file (whose header was renamed)."""
    shared = need_shared()
    for sid, name in FIXTURE_SOURCES.items():
        lines = (FIXTURES / "fred" / f"{sid}.csv").read_text().splitlines()
        assert lines[0] == f"observation_date,{sid}"
        source = (shared / "daily" / name).read_text().splitlines()
        assert source[0] == f"date,{sid.lower()}"
        start = source.index(lines[1])
        assert source[start:start + len(lines) - 1] == lines[1:], sid


def test_parse_keeps_blanks_missing_and_reads_both_headers():
    text = (FIXTURES / "fred" / "RRPONTSYD.csv").read_text()
    s = parse_csv(text, "RRPONTSYD")
    rows = text.splitlines()[1:]
    blanks = [r[:10] for r in rows if r.endswith(",")]
    assert blanks == ["2025-12-25", "2026-01-01", "2026-01-19", "2026-02-16"]  # holidays
    assert len(s) == len(rows) - len(blanks)
    assert not set(pd.DatetimeIndex(blanks)) & set(s.index)
    assert s[pd.Timestamp("2026-02-10")] == 1.447
    # the older download header and FRED's "." for a missing value
    old = parse_csv("DATE,WALCL\n2026-01-07,6573602\n2026-01-14,.\n", "WALCL")
    assert old.to_dict() == {pd.Timestamp("2026-01-07"): 6573602.0}


@pytest.mark.parametrize("body, why", [
    ("<!DOCTYPE html><html><body>Error</body></html>", "expected the header"),
    ("observation_date,WTREGEN\n2026-01-07,1\n", "expected the header"),  # another series
    ("observation_date,WALCL\n2026-01-07,65736", None),  # truncated mid-value still parses
    ("observation_date,WALCL\n2026-01-07,6573602\n2026-01-1", "not 'date,value'"),
    ("observation_date,WALCL\n2026-13-45,6573602\n", "is not a date"),
    ("observation_date,WALCL\n2026-01-07,abc\n", "is not a number"),
    ("observation_date,WALCL\n2026-01-07,inf\n", "not a finite number"),
    ("", "empty body"),
])
def test_parse_refuses_what_is_not_fred_csv(body, why):
    if why is None:
        assert parse_csv(body, "WALCL").iloc[0] == 65736.0
        return
    with pytest.raises(FredFormatError, match=why):
        parse_csv(body, "WALCL")


# ------------------------------------------------------------------ over HTTP
def test_live_values_equal_the_replay_store(rig, datasets):
    """Same keys, USD bn and bar-close stamps as resources/replay (tools/build_replays.py)."""
    frames, errors = adapter(rig).fetch(list(FRED), {s.key: None for s in FRED})
    assert errors == {}
    ds = datasets("2026-02-risk-off")
    for s in FRED:
        got = frames[s.key]
        assert list(got.columns) == ["value"] and got.index.tz is not None
        replay = ds.frames[s.key]
        want = replay.loc[(replay.index >= got.index[0]) & (replay.index <= CLOCK)]
        assert len(got) == len(want) >= 5, s.key
        pd.testing.assert_frame_equal(got, want, check_freq=False, check_index_type=False,
                                      obj=s.key)
        assert got.index[-1] <= CLOCK
    # the H.4.1 of Wednesday 2026-02-11 is published Thursday 16:30 New York = 21:30 UTC
    assert frames[WALCL.key].index[-1] == pd.Timestamp("2026-02-12T21:30Z")
    assert frames[WALCL.key]["value"].iloc[-1] == pytest.approx(6622.382)  # 6,622,382 million
    assert frames[RRP.key].index[-1] == pd.Timestamp("2026-02-13T18:15Z")  # 13:15 New York
    assert len(rig.asked) == 3
    for query in rig.asked:
        assert set(query) == {"id", "cosd"}


def test_rows_not_published_by_the_clock_are_left_out(rig):
    clock = pd.Timestamp("2026-02-12T21:00Z")  # half an hour before Thursday's H.4.1
    frames, _ = adapter(rig, clock=clock).fetch([WALCL], {WALCL.key: None})
    assert frames[WALCL.key].index[-1] == pd.Timestamp("2026-02-05T21:30Z")


def test_since_asks_from_before_it_and_returns_only_newer_rows(rig):
    since = pd.Timestamp("2026-02-05T21:30Z")
    frames, errors = adapter(rig).fetch([WALCL], {WALCL.key: since})
    assert errors == {}
    assert list(frames[WALCL.key].index) == [since, pd.Timestamp("2026-02-12T21:30Z")]
    assert rig.asked[-1]["cosd"] == ["2026-02-03"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_stops_the_batch_and_backs_off(rig, status):
    rig.answers["WALCL"] = Answer(status=status, body=b"<html>Internal Server Error</html>",
                                  headers={"Content-Type": "text/html"})
    fred = adapter(rig)
    frames, errors = fred.fetch([WALCL, TGA, RRP], {s.key: None for s in FRED})
    assert frames == {}
    assert errors[WALCL.key].transient
    assert f"FRED server error (HTTP {status})" in str(errors[WALCL.key])
    for s in (TGA, RRP):  # not asked: a server in trouble is left alone
        assert str(errors[s.key]).startswith("not asked after WALCL: FRED server error")
    assert len(rig.asked) == 1
    assert not fred.due(rig.wall.t) and fred.next_allowed_at > rig.wall.t
    for e in errors.values():
        one_line(str(e))
        assert e.retry_after == pytest.approx(fred.next_allowed_at - rig.wall.t)
    # while backing off nothing is asked
    _, errors = fred.fetch([WALCL], {WALCL.key: None})
    assert "backing off" in str(errors[WALCL.key]) and len(rig.asked) == 1
    # after the wait it answers again and the backoff is reset
    rig.answers["WALCL"] = csv_answer("WALCL")
    rig.wall.t = fred.next_allowed_at + 1
    frames, errors = fred.fetch([WALCL], {WALCL.key: None})
    assert errors == {} and WALCL.key in frames and fred.failures == 0 and fred.due(rig.wall.t)


@pytest.mark.parametrize("body", [
    b"<!DOCTYPE html><html><head><title>FRED</title></head><body>Maintenance</body></html>",
    b"\x89PNG\r\n\x1a\n\x00\x00garbage",
    b"observation_date,WALCL\n2026-01-07,6573602\n2026-01-14,65",  # cut mid-row? still a row
    b"observation_date,WALCL\n2026-01-07,6573602\n2026-01-1",  # cut mid-date
])
def test_garbage_fails_only_its_series(rig, body):
    rig.answers["WALCL"] = Answer(body=body, headers={"Content-Type": "text/csv"})
    fred = adapter(rig)
    frames, errors = fred.fetch([WALCL, RRP], {s.key: None for s in (WALCL, RRP)})
    assert RRP.key in frames  # the other series still answered
    if body.endswith(b",65"):  # a value cut short is still a number: nothing to tell
        assert errors == {}
        return
    assert set(errors) == {WALCL.key}
    message = str(errors[WALCL.key])
    one_line(message)
    assert message.startswith("WALCL: malformed response from FRED")
    assert errors[WALCL.key].transient
    assert fred.due(rig.wall.t)  # one bad answer does not back the source off


def test_429_with_retry_after(rig):
    rig.answers["WALCL"] = Answer(status=429, body=b"Too Many Requests",
                                  headers={"Retry-After": "600"})
    fred = adapter(rig)
    _, errors = fred.fetch([WALCL, RRP], {s.key: None for s in (WALCL, RRP)})
    assert "rate limited by FRED (HTTP 429)" in str(errors[WALCL.key])
    assert "not asked" in str(errors[RRP.key])
    assert fred.next_allowed_at >= rig.wall.t + 600
    assert errors[WALCL.key].retry_after >= 600


def test_unknown_series_is_not_transient(rig):
    rig.answers["WALCL"] = Answer(status=404, body=b"Not Found")
    fred = adapter(rig)
    frames, errors = fred.fetch([WALCL, RRP], {s.key: None for s in (WALCL, RRP)})
    assert not errors[WALCL.key].transient and "unknown to FRED (HTTP 404)" in str(
        errors[WALCL.key])
    assert RRP.key in frames and fred.due(rig.wall.t)


def test_slow_answer_is_a_timeout(rig):
    rig.answers["WALCL"] = Answer(body=(FIXTURES / "fred" / "WALCL.csv").read_bytes(),
                                  delay_s=1.0)
    fred = adapter(rig, timeout=0.2)
    _, errors = fred.fetch([WALCL], {WALCL.key: None})
    assert "no answer from FRED within 0.2 s" in str(errors[WALCL.key])
    assert not fred.due(rig.wall.t)


def test_connection_refused_is_a_network_error(rig):
    session = loopback_session(closed_port())
    fred = adapter(rig, session=session)
    _, errors = fred.fetch([WALCL], {WALCL.key: None})
    message = str(errors[WALCL.key])
    one_line(message)
    assert message.startswith("WALCL: network error (") and "refused" in message.lower()
    session.close()


# ------------------------------------------------------------------ wired as a live source
def test_live_source_caches_fred_and_paints_from_the_cache_next_time(rig, tmp_path):
    cache = MarketCache(tmp_path / "market-cache.sqlite3")
    src = LiveSource("fred", adapter(rig), FRED, cache, clock=lambda: CLOCK, wall=rig.wall)
    assert src.poll().frames == {}  # the first poll hands on the (empty) cache, no request
    assert rig.asked == []
    batch = src.poll()
    assert set(batch.frames) == {s.key for s in FRED} and batch.errors == {}
    frames, meta = cache.get_all()
    for s in FRED:
        pd.testing.assert_frame_equal(frames[s.key], batch.frames[s.key], check_freq=False)
        assert meta[s.key]["freq"] == s.timeframe and meta[s.key]["unit"] == "USD bn"
    cache.close()
    again = LiveSource("fred", adapter(rig), FRED, MarketCache(tmp_path / "market-cache.sqlite3"),
                       clock=lambda: CLOCK, wall=rig.wall)
    first = again.poll()
    assert set(first.frames) == {s.key for s in FRED} and len(rig.asked) == 3
    again.cache.close()


def test_failures_show_per_series_with_since_and_clear_on_recovery(rig):
    rig.answers["WTREGEN"] = Answer(status=500, body=b"oops")
    src = LiveSource("fred", adapter(rig), [TGA], None, clock=lambda: CLOCK, wall=rig.wall,
                     refresh=pd.Timedelta(0))
    src.poll()
    batch = src.poll()
    assert batch.errors[TGA.key].endswith("(since 23:00 UTC)")
    assert "FRED server error (HTTP 500)" in batch.errors[TGA.key]
    rig.answers["WTREGEN"] = csv_answer("WTREGEN")
    rig.wall.t += 10_000
    batch = src.poll()
    assert TGA.key in batch.frames and src.errors == {}


def test_fred_is_one_of_the_live_sources_and_in_the_universe(tmp_path):
    from deskapp.data.sources import live_sources, universe_meta

    sources = live_sources(None, tmp_path)
    try:
        fred = [s for s in sources if getattr(s, "name", "") == "fred"]
        assert len(fred) == 1 and isinstance(fred[0].adapter, FredAdapter)
        assert set(fred[0].series) == {"liq.walcl", "liq.tga", "liq.rrp"}
    finally:
        for s in sources:
            s.close()
    meta = universe_meta()
    assert meta["liq.walcl"]["freq"] == "1w" and meta["liq.rrp"]["freq"] == "1d"
    assert {s.key for s in FRED} <= {s.key for s in UNIVERSE}
