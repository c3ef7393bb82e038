"""The collector against a real PostgreSQL server and the loopback upstream of
tests/support/bar_upstream.py (the real ccxt adapter over HTTP): rows equal the upstream's bars,
a second run refetches nothing, NOTIFY after each commit, per-series failures in the database,
one log line per failing series and per recovery, a database restart survived."""

from __future__ import annotations

import json
import logging

import pandas as pd
import psycopg
import pytest
from support.bar_upstream import KEY, KLINES, BarUpstream, crypto_sources
from support.loopback import Answer, LoopbackServer
from support.postgres_server import postgres_server, require_binaries

from deskapp.team.collector import Collector
from deskapp.team.schema import NOTIFY_CHANNEL, open_team_db
from deskapp.team.writer import read_frames

HOUR_NS = 3_600 * 10**9


@pytest.fixture(scope="module")
def pg():
    with postgres_server(require_binaries(), password="pw") as server:
        yield server


@pytest.fixture
def url(pg) -> str:
    return pg.create_schema()


@pytest.fixture
def upstream():
    server = LoopbackServer()
    yield BarUpstream(server, bars=30)
    server.close()


def collector(url: str, upstream: BarUpstream, **kw) -> Collector:
    return Collector(url, lambda stage: crypto_sources(upstream.server.port, stage),
                     host="test-host", pid=4242, **kw)


def stored(url: str) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        return read_frames(conn)[KEY]


def seqs(url: str) -> dict[tuple[int, str], int]:
    with psycopg.connect(url) as conn:
        return {(t, c): s for t, c, s in conn.execute(
            "SELECT t, col, seq FROM market_points WHERE key = %s", (KEY,))}


def test_once_writes_the_upstream_bars_and_notifies(url, upstream):
    open_team_db(url, create=True).close()
    listener = psycopg.connect(url, autocommit=True)
    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
    c = collector(url, upstream, once=True)
    assert c.run() == 0
    pd.testing.assert_frame_equal(stored(url), upstream.expected_frame(30), check_freq=False)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM market_points").fetchone()[0] == 30 * 5
        max_seq = conn.execute("SELECT max(seq) FROM market_points").fetchone()[0]
        status = conn.execute("SELECT source, ok, message FROM series_status WHERE key = %s",
                              (KEY,)).fetchone()
        # the collector left: its row is gone (and its lock with its session)
        assert conn.execute("SELECT count(*) FROM collectors").fetchone()[0] == 0
    assert status == ("crypto", True, None)
    notes = list(listener.notifies(timeout=5, stop_after=1))
    listener.close()
    assert [json.loads(n.payload) for n in notes] == [{"seq": max_seq, "keys": [KEY]}]


def test_second_run_resumes_from_the_database_and_refetches_nothing(url, upstream):
    assert collector(url, upstream, once=True).run() == 0
    first_requests = list(upstream.requests)
    assert first_requests[0] is not None  # the first run asks for FIRST_HISTORY (from a time)
    before = seqs(url)
    upstream.requests.clear()
    assert collector(url, upstream, once=True).run() == 0
    # it asked from the database's newest bar less the overlap (3 h), not the whole history
    newest_open_ms = upstream.start_ms + 29 * 3_600_000
    assert upstream.requests[0] == newest_open_ms - 3 * 3_600_000
    assert seqs(url) == before  # nothing rewritten
    # a new bar upstream: the next run writes that bar alone
    upstream.add_bars(1)
    assert collector(url, upstream, once=True).run() == 0
    after = seqs(url)
    new = {k for k in after if k not in before}
    assert {k: v for k, v in after.items() if k in before} == before
    assert {t for t, _c in new} == {upstream.expected_frame(31).index[-1].value}
    assert len(new) == 5
    pd.testing.assert_frame_equal(stored(url), upstream.expected_frame(31), check_freq=False)


def test_a_revised_last_bar_overwrites(url, upstream):
    assert collector(url, upstream, once=True).run() == 0
    before = seqs(url)
    import support.bar_upstream as bu

    real = bu.bar
    last = upstream.count - 1
    try:
        bu.bar = lambda i: [v + (1.0 if i == last else 0.0) for v in real(i)]
        assert collector(url, upstream, once=True).run() == 0
    finally:
        bu.bar = real
    after = seqs(url)
    t_last = upstream.expected_frame().index[-1].value
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {(t_last, c) for c in ("open", "high", "low", "close", "volume")}
    assert len(after) == len(before)  # overwritten, not added
    assert stored(url)["close"].iloc[-1] == real(last)[3] + 1.0


def test_failures_are_stored_and_logged_once_per_series_and_recovery(url, upstream, caplog):
    caplog.set_level(logging.INFO, logger="deskapp.collector")
    c = collector(url, upstream, interval_s=0)
    c.open()
    assert c._try_lock()  # noqa: SLF001 (driving the loop by hand: one round at a time)
    c.round()
    upstream.server.route(KLINES, Answer(status=418, body=b'{"code":-1003,"msg":"banned"}'))
    for adapter in [c.sources[0].adapter]:
        adapter.next_allowed_at = 0.0
    c.round()
    with psycopg.connect(url) as conn:
        ok, message, since = conn.execute(
            "SELECT ok, message, failing_since FROM series_status WHERE key = %s",
            (KEY,)).fetchone()
    assert ok is False and "binanceusdm" in message and since is not None
    assert "\n" not in message
    c.sources[0].adapter.next_allowed_at = 0.0
    c.round()  # still failing (backed off or asked): no second line
    upstream.server.routes = [r for r in upstream.server.routes if r[0] != KLINES]
    upstream.server.route(KLINES, upstream._klines)  # noqa: SLF001 (the healthy route again)
    upstream.add_bars(1)
    c.sources[0].adapter.next_allowed_at = 0.0
    c.sources[0].adapter.failures = 0
    c.round()
    c.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "deskapp.collector"]
    assert sum(f"{KEY} failing: " in m for m in lines) == 1, lines
    assert sum(f"{KEY} recovered" in m for m in lines) == 1, lines
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT ok, message, failing_since FROM series_status "
                            "WHERE key = %s", (KEY,)).fetchone() == (True, None, None)
    pd.testing.assert_frame_equal(stored(url), upstream.expected_frame(31), check_freq=False)
