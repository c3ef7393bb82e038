"""The desk on the team feed (`deskapp --source postgresql://...`), against a real PostgreSQL
server: a real offscreen desk and a headless TeamSource receive the same frames and compute the
same snapshot, bar for bar; the status bar says TEAM FEED and the collector's host; the
database restarts under the running desk: it says OFFLINE, reconnects by itself, loses nothing."""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest
from team_db import PASSWORD, set_collector, set_status, start_server, stop_server, write

from deskapp.app import CACHE_VIEW_DAYS, Desk, DeskOptions
from deskapp.data import team_source
from deskapp.data.hub import MarketState
from deskapp.data.sources import universe_meta
from deskapp.data.team_source import TeamSource
from deskapp.signals.engine import SignalSettings, compute
from deskapp.team.schema import open_team_db


@pytest.fixture
def replay_cut(datasets):
    """The bundled replay's frames up to its default moment: what a collector would hold."""
    ds = datasets("2026-02-risk-off")
    at = ds.info.default_at
    return at, {k: f[f.index <= at] for k, f in ds.frames.items() if len(f[f.index <= at])}


@pytest.fixture
def team_url(pg, replay_cut, monkeypatch):
    at, frames = replay_cut
    url = pg.create_schema()
    open_team_db(url, create=True).close()
    with psycopg.connect(url) as conn:
        write(conn, frames)
        set_collector(conn, "collector-a.desk.lan", 4242)
    monkeypatch.setattr(team_source, "utc_now", lambda: at)  # both paths compute at one moment
    return url


@pytest.fixture
def team_desk(qtbot, config, tmp_path, team_url):
    desk = Desk(DeskOptions(config=config, dataset=None, at=None, speed=0.0, size=(1400, 850),
                            journal=str(tmp_path / "journal.sqlite3"), source="team",
                            market_url=team_url))
    qtbot.addWidget(desk.window)
    desk.start()
    desk.window.show()
    yield desk
    assert desk.shutdown(), "a worker thread did not join"


def headless(url: str, config) -> tuple[MarketState, object]:
    """The desk's data path without Qt: TeamSource -> MarketState -> compute."""
    src = TeamSource(url)
    try:
        state = MarketState(meta=universe_meta()).apply(src.poll())
    finally:
        src.close()
    board = compute(state.frames, state.meta, state.clock, SignalSettings.from_config(config),
                    source=state.source, dataset=state.dataset, view_days=CACHE_VIEW_DAYS)
    return state, board


def test_real_desk_and_headless_client_compute_the_same_snapshot(qtbot, team_desk, team_url,
                                                                config, replay_cut):
    at, frames = replay_cut
    window = team_desk.window
    qtbot.waitUntil(lambda: window.view is not None and window.view.snapshot is not None,
                    timeout=60_000)
    state, board = headless(team_url, config)
    desk_state = team_desk.compute.state
    assert set(desk_state.frames) == set(state.frames) == set(frames)
    for key, frame in frames.items():  # the upstream's bars, exactly, in both paths
        pd.testing.assert_frame_equal(state.frames[key], frame, check_freq=False,
                                      check_names=False)
        pd.testing.assert_frame_equal(desk_state.frames[key], state.frames[key])
    assert window.view.asof == board.asof == at
    assert window.view.snapshot.to_dict() == board.snapshot.to_dict()
    assert window.mode_label.text().strip() == "TEAM FEED"
    assert "collector-a.desk.lan" in window.clock_label.text()
    assert (window.view.source, window.view.dataset) == ("team", "collector-a.desk.lan")
    # The collector reports a failing series: the desk's panes show the collector's line.
    key = "crypto.btc.1h"
    with psycopg.connect(team_url) as conn:
        set_status(conn, key, False, "binanceusdm: HTTP 429 rate limited", "2026-01-15T03:05Z")
    line = "binanceusdm: HTTP 429 rate limited (since 03:05 UTC)"
    qtbot.waitUntil(lambda: window.feed_errors.get(key) == line, timeout=30_000)
    panes = [p for p in window.panes.built().values() if key in p.feed_errors]
    assert panes and all(p.feed_errors[key] == line for p in panes)


def test_database_restart_under_the_desk_offline_then_reconnects(qtbot, pg, team_desk,
                                                                 team_url, replay_cut):
    at, frames = replay_cut
    window = team_desk.window
    qtbot.waitUntil(lambda: window.mode_label.text().strip() == "TEAM FEED", timeout=60_000)
    stop_server(pg)
    try:
        qtbot.waitUntil(lambda: window.mode_label.text().strip() == "OFFLINE", timeout=30_000)
        assert "reconnecting" in window.clock_label.text()
        why = window.mode_label.toolTip()
        assert "team database" in why and "***" in why and PASSWORD not in why, why
    finally:
        start_server(pg)
    # The collector writes the next bar once the server is back; the desk must get it.
    key = "crypto.btc.1h" if "crypto.btc.1h" in frames else sorted(frames)[0]
    last = frames[key].iloc[[-1]].copy()
    last.index = last.index + pd.Timedelta(hours=1)
    with psycopg.connect(team_url) as conn:
        write(conn, {key: last})
    source = team_desk.sources[0]
    qtbot.waitUntil(lambda: len(team_desk.compute.state.frames[key]) == len(frames[key]) + 1,
                    timeout=60_000)
    assert source.reconnects >= 1
    qtbot.waitUntil(lambda: window.mode_label.text().strip() == "TEAM FEED", timeout=30_000)
    got = team_desk.compute.state.frames[key]
    pd.testing.assert_frame_equal(got.iloc[:-1], frames[key], check_freq=False,
                                  check_names=False)
    assert got.index[-1] == last.index[0] and got.iloc[-1].equals(last.iloc[0])
    # Everything the database holds is in the desk's local cache too (kept for offline).
    assert len(team_desk.cache.get(key)) == len(frames[key]) + 1


def test_collector_on_the_loopback_upstream_feeds_a_desk_and_a_headless_client(
        qtbot, pg, config, tmp_path, monkeypatch):
    """The whole chain: loopback upstream -> Collector -> PostgreSQL -> (real desk, headless
    TeamSource). A bar added upstream reaches both; both hold the upstream's bars exactly and
    compute the same snapshot."""
    from support.bar_upstream import KEY, BarUpstream, crypto_sources
    from support.loopback import LoopbackServer

    from deskapp.team.collector import Collector

    url = pg.create_schema()
    server = LoopbackServer()
    upstream = BarUpstream(server, bars=48)

    def collect_once() -> None:
        c = Collector(url, lambda stage: crypto_sources(server.port, stage), once=True,
                      host="collector-b.desk.lan", pid=7)
        c.open()
        assert c.run() == 0

    at = pd.Timestamp.now(tz="UTC").floor("h")
    monkeypatch.setattr(team_source, "utc_now", lambda: at)
    try:
        collect_once()
        desk = Desk(DeskOptions(config=config, dataset=None, at=None, speed=0.0,
                                size=(1400, 850), journal=str(tmp_path / "j.sqlite3"),
                                source="team", market_url=url))
        qtbot.addWidget(desk.window)
        desk.start()
        desk.window.show()
        client = TeamSource(url, wait_s=5.0)
        state = MarketState(meta=universe_meta()).apply(client.poll())
        try:
            qtbot.waitUntil(lambda: KEY in desk.compute.state.frames, timeout=60_000)
            upstream.add_bars(1)
            collect_once()  # one round: the new bar, NOTIFY
            state = state.apply(client.poll())  # woken by the NOTIFY
            qtbot.waitUntil(lambda: len(desk.compute.state.frames[KEY]) == 49, timeout=60_000)
            want = upstream.expected_frame(49)
            pd.testing.assert_frame_equal(state.frames[KEY], want, check_freq=False)
            pd.testing.assert_frame_equal(desk.compute.state.frames[KEY], want,
                                          check_freq=False)
            board = compute(state.frames, state.meta, state.clock,
                            SignalSettings.from_config(config), source=state.source,
                            dataset=state.dataset, view_days=CACHE_VIEW_DAYS)
            window = desk.window
            qtbot.waitUntil(lambda: window.view is not None and window.view.snapshot is not None
                            and window.view.snapshot.to_dict() == board.snapshot.to_dict(),
                            timeout=60_000)
            assert board.snapshot.to_dict()["asof"] == window.view.snapshot.to_dict()["asof"]
        finally:
            client.close()
            assert desk.shutdown(), "a worker thread did not join"
    finally:
        server.close()
