"""packaging/team/roles.sql, as docs/TEAM.md deploys it, on a real PostgreSQL server: the
collector creates and writes the market tables; a trader's role reads them (the desk's team
source works) and may not write them; it adds journal decisions but cannot delete them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pandas as pd
import psycopg
import pytest
from support.bar_upstream import KEY, BarUpstream, crypto_sources
from support.loopback import LoopbackServer
from support.postgres_server import postgres_server, require_binaries

from deskapp.data.team_source import TeamSource
from deskapp.journal.model import Decision
from deskapp.journal.postgres import PostgresJournal
from deskapp.team.collector import Collector

ROLES = Path(__file__).resolve().parents[2] / "packaging" / "team" / "roles.sql"


@pytest.fixture(scope="module")
def pg():
    with postgres_server(require_binaries(), password="admin-pw") as server:
        server.create_database("deskapp")
        with server.admin("deskapp") as conn:
            conn.execute(ROLES.read_text(encoding="utf-8"))
            conn.execute("CREATE ROLE alice LOGIN IN ROLE deskapp_desk")
            conn.execute("ALTER ROLE deskapp_collector PASSWORD 'collector-pw'")
            conn.execute("ALTER ROLE alice PASSWORD 'alice-pw'")
        yield server


def url(pg, user: str, password: str, schema: str) -> str:
    return (f"postgresql://{user}:{password}@127.0.0.1:{pg.port}/deskapp"
            f"?options={quote(f'-csearch_path={schema}', safe='')}")


def test_collector_writes_desks_read_and_journal(pg):
    server = LoopbackServer()
    try:
        upstream = BarUpstream(server, bars=12)
        collector_url = url(pg, "deskapp_collector", "collector-pw", "market")
        c = Collector(collector_url, lambda stage: crypto_sources(server.port, stage),
                      once=True, host="h", pid=1)
        c.open()
        assert c.run() == 0
    finally:
        server.close()
    alice_market = url(pg, "alice", "alice-pw", "market")
    src = TeamSource(alice_market)
    batch = src.poll()
    src.close()
    assert batch.link == "team"
    pd.testing.assert_frame_equal(batch.frames[KEY], upstream.expected_frame(12),
                                  check_freq=False)
    with psycopg.connect(alice_market) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO market_points (key, t, col, value) VALUES ('x', 1, 'c', 1)")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE market_extra (x int)")
    # The journal: created once by the owner, then written by a trader.
    PostgresJournal(url(pg, "deskapp", "admin-pw", "journal"), "setup").close()
    alice_journal = url(pg, "alice", "alice-pw", "journal")
    journal = PostgresJournal(alice_journal, "test")
    rid = journal.record(Decision(decision="wait", source="team", market_time=None,
                                  evidence={}))
    assert [r["id"] for r in journal.records()] == [rid]
    journal.close()
    with (psycopg.connect(alice_journal) as conn,
          pytest.raises(psycopg.errors.InsufficientPrivilege)):
        conn.execute("DELETE FROM decisions")
