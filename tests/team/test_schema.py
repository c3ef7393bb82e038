"""The team database's schema against a real PostgreSQL server (tests/support/postgres_server.py):
created on first use by the collector, refused when newer or another application's, one-line
errors without the password."""

from __future__ import annotations

import threading

import psycopg
import pytest
from support.rewrite import closed_port
from team_db import PASSWORD

from deskapp.team import schema
from deskapp.team.schema import SCHEMA_VERSION, TeamDbError, open_team_db, safe_url

SECRETS = (PASSWORD, "s3cret%3Apa%2Fss")


@pytest.fixture
def url(pg) -> str:
    return pg.create_schema()


def catalog(url: str) -> list[tuple]:
    """Every table and column in the URL's schema, and every meta row: 'untouched' checks."""
    with psycopg.connect(url) as conn:
        cols = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY 1, 2").fetchall()
        rows = []
        if any(c[0] == "deskapp_market_meta" for c in cols):
            rows = conn.execute("SELECT * FROM deskapp_market_meta ORDER BY 1").fetchall()
        return cols + rows


def one_line_without_password(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message, message
    for secret in SECRETS:
        assert secret not in message, message


def test_created_on_first_use_then_opened_as_it_is(url):
    conn = open_team_db(url, create=True)
    conn.close()
    with psycopg.connect(url) as raw:
        meta = dict(raw.execute("SELECT name, value FROM deskapp_market_meta").fetchall())
        tables = {r[0] for r in raw.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()")}
    assert meta == {"schema_version": str(SCHEMA_VERSION), "application": "deskapp-market",
                    "timescaledb": "0"}  # the test server has no TimescaleDB
    assert tables == set(schema.TABLES)
    before = catalog(url)
    open_team_db(url, create=True).close()  # again: nothing changes
    desk = open_team_db(url, create=False)  # a desk opens it as it is
    assert desk.execute("SELECT count(*) FROM market_points").fetchone()[0] == 0
    desk.close()
    assert catalog(url) == before


def test_points_upsert_on_the_key_and_seq_grows(url):
    conn = open_team_db(url, create=True)
    sql = ("INSERT INTO market_points (key, t, col, value) VALUES (%s, %s, %s, %s) "
           "ON CONFLICT (key, t, col) DO UPDATE SET value = excluded.value, "
           "seq = nextval('market_points_seq') RETURNING seq")
    first = conn.execute(sql, ("k", 1, "close", 1.0)).fetchone()[0]
    second = conn.execute(sql, ("k", 2, "close", 2.0)).fetchone()[0]
    revised = conn.execute(sql, ("k", 1, "close", 1.5)).fetchone()[0]
    conn.commit()
    assert first < second < revised
    rows = conn.execute("SELECT t, value, seq FROM market_points ORDER BY t").fetchall()
    assert rows == [(1, 1.5, revised), (2, 2.0, second)]
    conn.close()


def test_a_desk_on_an_empty_database_is_told_to_start_the_collector(url):
    before = catalog(url)
    with pytest.raises(TeamDbError) as err:
        open_team_db(url, create=False)
    msg = str(err.value)
    assert "no deskapp market data" in msg and "deskapp collect --db URL" in msg
    one_line_without_password(msg)
    assert catalog(url) == before == []


def test_two_collectors_create_a_new_database_once(url):
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def open_it() -> None:
        start.wait()
        try:
            open_team_db(url, create=True).close()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with psycopg.connect(url) as raw:
        assert raw.execute("SELECT count(*) FROM deskapp_market_meta "
                           "WHERE name = 'schema_version'").fetchone()[0] == 1


def test_newer_schema_is_refused_untouched(url):
    open_team_db(url, create=True).close()
    newer = SCHEMA_VERSION + 1
    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute("UPDATE deskapp_market_meta SET value = %s WHERE name = 'schema_version'",
                    (str(newer),))
        raw.execute("ALTER TABLE market_points ADD COLUMN from_the_future JSONB")
    before = catalog(url)
    for create in (True, False):
        with pytest.raises(TeamDbError) as err:
            open_team_db(url, create=create)
        msg = str(err.value)
        assert f"schema {newer}, newer than this app's {SCHEMA_VERSION}" in msg
        assert "untouched" in msg
        one_line_without_password(msg)
    assert catalog(url) == before


@pytest.mark.parametrize("setup", [
    ["CREATE TABLE market_points (id SERIAL PRIMARY KEY, price NUMERIC)"],
    ["CREATE TABLE collectors (name TEXT)"],
    ["CREATE TABLE deskapp_market_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
     "INSERT INTO deskapp_market_meta VALUES ('application', 'someone-else'), "
     "('schema_version', '1')"],
])
def test_another_applications_database_is_refused_untouched(url, setup):
    with psycopg.connect(url, autocommit=True) as raw:
        for stmt in setup:
            raw.execute(stmt)
    before = catalog(url)
    with pytest.raises(TeamDbError) as err:
        open_team_db(url, create=True)
    msg = str(err.value)
    assert "another application's" in msg and "untouched" in msg
    one_line_without_password(msg)
    assert catalog(url) == before


def test_unrelated_tables_are_left_alone(url):
    """The journal may share the database: its tables are no reason to refuse."""
    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute("CREATE TABLE decisions (id TEXT PRIMARY KEY)")
        raw.execute("INSERT INTO decisions VALUES ('kept')")
    open_team_db(url, create=True).close()
    with psycopg.connect(url) as raw:
        assert raw.execute("SELECT id FROM decisions").fetchall() == [("kept",)]


def test_connection_failures_are_one_line_without_the_password(pg):
    cases = {
        "server down": (f"postgresql://deskapp:{SECRETS[1]}@127.0.0.1:{closed_port()}/x",
                        "Connection refused"),
        "unknown database": (pg.url("no_such_db"), 'database "no_such_db" does not exist'),
        "wrong password": (pg.url(password="wr0ng-hunter2"), "password authentication failed"),
        "password parameter": (pg.url("no_such_db", password="") + f"?password={SECRETS[1]}",
                               'database "no_such_db" does not exist'),
        "malformed URL": (f"postgresql://deskapp:{SECRETS[1]}@[::1/x", ""),
        "raw @ in the password": ("postgresql://deskapp:p@ss@127.0.0.1/x", "%40"),
    }
    for name, (bad, expect) in cases.items():
        with pytest.raises(TeamDbError) as err:
            open_team_db(bad, create=True)
        msg = str(err.value)
        assert msg.startswith("team database postgres") and "cannot be opened" in msg, (name, msg)
        assert expect in msg, (name, msg)
        one_line_without_password(msg)
        assert "wr0ng-hunter2" not in msg and "p@ss" not in msg, (name, msg)


def test_safe_url_masks_the_password(pg):
    shown = safe_url(pg.url())
    assert shown == f"postgresql://deskapp:***@127.0.0.1:{pg.port}/postgres"
    assert safe_url("postgresql://u@h/db?password=hunter2") == "postgresql://u@h/db?password=***"


def test_sessions_carry_server_keepalives(url):
    """A collector whose host vanishes is dropped by the server (its lock released) in
    seconds: the session asks for short server-side keepalives."""
    conn = open_team_db(url, create=True)
    got = {name: conn.execute("SELECT current_setting(%s)", (name,)).fetchone()[0]
           for name in ("tcp_keepalives_idle", "tcp_keepalives_interval",
                        "tcp_keepalives_count")}
    conn.close()
    assert got == {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "1",
                   "tcp_keepalives_count": "3"}


def test_the_timescale_path_runs_when_the_extension_is_there(url, monkeypatch):
    """The test server has no TimescaleDB: stand-in statements on an extension every server has
    show the path runs inside the creation (and the meta says so)."""
    monkeypatch.setattr(schema, "EXTENSION", "plpgsql")
    monkeypatch.setattr(schema, "TIMESCALE", [
        "CREATE EXTENSION IF NOT EXISTS plpgsql",
        "COMMENT ON TABLE market_points IS 'hypertable stand-in'"])
    open_team_db(url, create=True).close()
    with psycopg.connect(url) as raw:
        assert raw.execute("SELECT value FROM deskapp_market_meta WHERE name = 'timescaledb'"
                           ).fetchone() == ("1",)
        assert raw.execute("SELECT obj_description('market_points'::regclass)").fetchone() == (
            "hypertable stand-in",)


def test_a_timescale_refusal_leaves_plain_postgresql(url, monkeypatch, caplog):
    monkeypatch.setattr(schema, "EXTENSION", "plpgsql")
    monkeypatch.setattr(schema, "TIMESCALE", [
        "COMMENT ON TABLE market_points IS 'half done'", "SELECT create_hypertable_nope()"])
    open_team_db(url, create=True).close()
    with psycopg.connect(url) as raw:
        assert raw.execute("SELECT value FROM deskapp_market_meta WHERE name = 'timescaledb'"
                           ).fetchone() == ("0",)
        # the savepoint undid the half-done part; the tables are there
        assert raw.execute("SELECT obj_description('market_points'::regclass)").fetchone() == (
            None,)
        assert raw.execute("SELECT count(*) FROM market_points").fetchone() == (0,)
    assert "could not be used" in caplog.text
