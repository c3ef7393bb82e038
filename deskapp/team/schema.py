"""The team feed's PostgreSQL schema, and opening a team database.

The market tables mirror the desk's SQLite cache (deskapp/data/cache.py): long format, one row
per series key / bar-close time (UTC ns) / column. Every upsert that changes a value takes a new
`seq` from one sequence, so a reader asks for "everything written after seq N". The collector
creates the tables on first use (`create=True`) and migrates an older schema; a desk opens with
`create=False`. A newer schema, or tables of another application under our names, are refused
with the database left untouched. URLs, password masking and connection defaults are the
journal's (deskapp/journal/postgres.py). With the `timescaledb` extension available, the
points table becomes a hypertable with compression of old chunks; the code path is the same.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from deskapp.journal.locate import split_credentials
from deskapp.journal.postgres import CONNECT_DEFAULTS, _libpq_url, _redacted, _secrets

__all__ = ["APPLICATION", "COLLECTOR_LOCK_KEY", "NOTIFY_CHANNEL", "SCHEMA_VERSION", "TABLES",
           "TeamDbError", "one_line", "open_team_db", "safe_url", "schema_info"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
APPLICATION = "deskapp-market"
NOTIFY_CHANNEL = "deskapp_market"
# Session advisory lock the active collector holds ("deskcoll" as a big-endian int64).
COLLECTOR_LOCK_KEY = int.from_bytes(b"deskcoll", "big")
# Transaction advisory lock that serialises schema creation ("deskmkts").
SCHEMA_LOCK_KEY = int.from_bytes(b"deskmkts", "big")
TABLES = ("deskapp_market_meta", "market_points", "market_series", "series_status",
          "collectors")

SCHEMA = """
CREATE TABLE deskapp_market_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE SEQUENCE market_points_seq;
CREATE TABLE market_points (
    key        TEXT NOT NULL,              -- series key, as in deskapp.data.instruments
    t          BIGINT NOT NULL,            -- bar close, UTC nanoseconds since the epoch
    col        TEXT NOT NULL,              -- open, high, low, close, volume, value ...
    value      DOUBLE PRECISION NOT NULL,
    seq        BIGINT NOT NULL DEFAULT nextval('market_points_seq'),  -- new on every change
    written_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (key, t, col)
);
CREATE INDEX market_points_by_seq ON market_points (seq);
CREATE TABLE market_series (
    key          TEXT PRIMARY KEY,
    meta_json    TEXT,
    columns_json TEXT NOT NULL DEFAULT '[]',
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE series_status (
    key           TEXT PRIMARY KEY,
    source        TEXT NOT NULL,           -- yahoo | crypto | fred | liquidations
    ok            BOOLEAN NOT NULL,
    message       TEXT,                    -- the failure line the desk shows
    failing_since TIMESTAMPTZ,
    last_ok       TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE collectors (
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_commit TIMESTAMPTZ,
    active      BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (host, pid)
)
"""

# Schema version (> 1) -> the statements that bring the previous version to it.
MIGRATIONS: dict[int, str] = {}

EXTENSION = "timescaledb"
WEEK_NS = 7 * 86_400 * 10**9
COMPRESS_AFTER_NS = 30 * 86_400 * 10**9  # revisions only touch the last bars
TIMESCALE = [
    "CREATE EXTENSION IF NOT EXISTS timescaledb",
    "CREATE OR REPLACE FUNCTION market_now_ns() RETURNS BIGINT LANGUAGE SQL STABLE AS "
    "$$ SELECT (extract(epoch FROM now()) * 1e9)::BIGINT $$",
    f"SELECT create_hypertable('market_points', 't', chunk_time_interval => {WEEK_NS}::BIGINT)",
    "SELECT set_integer_now_func('market_points', 'market_now_ns')",
    "ALTER TABLE market_points SET (timescaledb.compress, timescaledb.compress_segmentby = 'key',"
    " timescaledb.compress_orderby = 't, col')",
    "SELECT add_compression_policy('market_points', "
    f"compress_after => {COMPRESS_AFTER_NS}::BIGINT)",
]

# Server-side keepalives per session: a collector whose host vanishes (network gone) is dropped
# by the server, and its advisory lock released, within ~5 + 3 x 1 s. No effect on Unix sockets.
SESSION_SETTINGS = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "1",
                    "tcp_keepalives_count": "3", "statement_timeout": "30000",
                    "lock_timeout": "10000"}


class TeamDbError(Exception):
    """The team database cannot be opened, is not ours, or failed. One line, no password."""


class NoTeamSchema(TeamDbError):
    """A desk opened a database the collector has not set up yet (no tables, an older schema)."""


def safe_url(url: str) -> str:
    """The URL for messages and logs: any password masked."""
    return _redacted(url)


def one_line(exc: BaseException | str, url: str) -> str:
    """An error as one line without the password (libpq may echo a malformed URL whole)."""
    text = str(exc) or type(exc).__name__
    shown = safe_url(url)
    for raw in {url, _libpq_url(url)}:
        text = text.replace(raw, shown)
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return " ".join(text.split())


def _statements(script: str) -> list[str]:
    return [s for s in script.split(";") if s.strip()]


def _tables_present(conn: psycopg.Connection) -> set[str]:
    """Which of TABLES exist, read in one statement: one snapshot, so a collector that creates
    the schema and commits meanwhile is seen with all its tables or none (one query per table
    once saw its market_points but not yet its meta table, and called it another's).
    pg_class itself (not to_regclass): sees what another session committed meanwhile."""
    return {str(r[0]) for r in conn.execute(
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE c.relname = ANY (%s) "
        "AND n.nspname = ANY (current_schemas(false))", (list(TABLES),)).fetchall()}


def schema_info(conn: psycopg.Connection, location: str) -> dict[str, str] | None:
    """The meta rows of a team database, None when it has no team tables at all. Tables of
    ours held by another application raise TeamDbError."""
    present = _tables_present(conn)
    if "deskapp_market_meta" not in present:
        taken = [t for t in TABLES[1:] if t in present]
        if taken:
            raise TeamDbError(f"team database {location} is another application's: it holds "
                              f"a table {taken[0]} that deskapp did not create (the database "
                              "was left untouched)")
        return None
    meta = {str(n): str(v) for n, v in conn.execute(
        "SELECT name, value FROM deskapp_market_meta").fetchall()}
    if meta.get("application") != APPLICATION or not meta.get("schema_version", "").isdigit():
        raise TeamDbError(f"team database {location} is another application's: "
                          "deskapp_market_meta does not say application=deskapp-market with a "
                          "schema_version (the database was left untouched)")
    return meta


def _newer(location: str, version: int) -> TeamDbError:
    return TeamDbError(f"team database {location} has schema {version}, newer than this app's "
                       f"{SCHEMA_VERSION}; upgrade deskapp (the database was left untouched)")


def _timescale(conn: psycopg.Connection, location: str) -> bool:
    """Make market_points a hypertable when TimescaleDB is installable; False otherwise."""
    if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s",
                    (EXTENSION,)).fetchone() is None:
        return False
    try:
        with conn.transaction():  # a savepoint: a refusal leaves plain PostgreSQL
            for stmt in TIMESCALE:
                conn.execute(stmt)
    except psycopg.Error as exc:
        log.warning("team database %s: timescaledb is available but could not be used (%s); "
                    "plain PostgreSQL tables", location, " ".join(str(exc).split()))
        return False
    return True


def _create(conn: psycopg.Connection, location: str) -> None:
    for stmt in _statements(SCHEMA):
        conn.execute(stmt)
    timescale = _timescale(conn, location)
    conn.execute("INSERT INTO deskapp_market_meta (name, value) VALUES "
                 "('schema_version', %s), ('application', %s), ('timescaledb', %s)",
                 (str(SCHEMA_VERSION), APPLICATION, "1" if timescale else "0"))
    log.info("team database %s created (schema %d%s)", location, SCHEMA_VERSION,
             ", TimescaleDB hypertable" if timescale else "")


def ensure_schema(conn: psycopg.Connection, location: str, create: bool) -> None:
    """The schema at SCHEMA_VERSION: created or migrated when `create`, else NoTeamSchema;
    a newer or foreign one raises TeamDbError."""
    meta = schema_info(conn, location)
    version = None if meta is None else int(meta["schema_version"])
    if version is not None and version > SCHEMA_VERSION:
        raise _newer(location, version)
    if version == SCHEMA_VERSION:
        conn.commit()
        return
    if not create:
        what = "no deskapp market data" if version is None else f"schema {version}"
        raise NoTeamSchema(f"team database {location} has {what}; start the collector "
                          "(`deskapp collect --db URL`) once to create or migrate it")
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
    meta = schema_info(conn, location)  # again, under the lock: another collector may have won
    version = None if meta is None else int(meta["schema_version"])
    if version is not None and version > SCHEMA_VERSION:
        raise _newer(location, version)
    if version is None:
        _create(conn, location)
        version = SCHEMA_VERSION
    for v in range(version + 1, SCHEMA_VERSION + 1):
        for stmt in _statements(MIGRATIONS[v]):
            conn.execute(stmt)
        conn.execute("UPDATE deskapp_market_meta SET value = %s WHERE name = 'schema_version'",
                     (str(v),))
        log.info("team database %s migrated from schema %d to %d", location, v - 1, v)
    conn.commit()


def connect(url: str, *, autocommit: bool = False, application_name: str = "deskapp",
            connect_timeout: int | None = None) -> psycopg.Connection:
    """A connection with deskapp's defaults and session settings; psycopg errors pass."""
    location = safe_url(url)
    parts = split_credentials(url)
    if parts is not None and any(c in parts[1] for c in "@/"):
        # libpq would cut the password at its first '@' and show the rest as a host name.
        raise TeamDbError(f"team database {location} cannot be opened: the user or password in "
                          "the URL holds a raw '@' or '/'; write them as %40 and %2F")
    libpq = _libpq_url(url)
    try:
        given = conninfo_to_dict(libpq)
    except psycopg.Error as exc:
        raise TeamDbError(f"team database {location} cannot be opened: "
                          f"{one_line(exc, url)}") from None
    extra: dict[str, Any] = {k: v for k, v in CONNECT_DEFAULTS.items() if k not in given}
    if "application_name" not in given:
        extra["application_name"] = application_name
    if connect_timeout is not None and "connect_timeout" not in given:
        extra["connect_timeout"] = str(int(connect_timeout))
    if "tcp_user_timeout" not in given:
        # Unacknowledged writes fail after 10 s (not the system's ~15 min): a collector whose
        # network went away notices at its next commit and stops acting as the active one.
        extra["tcp_user_timeout"] = "10000"
    conn = psycopg.connect(libpq, autocommit=autocommit, **extra)
    try:
        conn.execute("SELECT " + ", ".join("set_config(%s, %s, false)"
                                           for _ in SESSION_SETTINGS),
                     [x for kv in SESSION_SETTINGS.items() for x in kv])
        if not autocommit:
            conn.commit()
    except BaseException:
        conn.close()
        raise
    return conn


def open_team_db(url: str, *, create: bool, autocommit: bool = False,
                 application_name: str = "deskapp",
                 connect_timeout: int | None = None) -> psycopg.Connection:
    """A connection to a team database at SCHEMA_VERSION. `create` (the collector) creates the
    tables on first use and migrates an older schema; without it (a desk) a database with no
    team tables is an error. Raises TeamDbError (one line, no password)."""
    location = safe_url(url)
    conn = None
    try:
        conn = connect(url, autocommit=False, application_name=application_name,
                       connect_timeout=connect_timeout)
        ensure_schema(conn, location, create)
        if autocommit:
            conn.autocommit = True
        return conn
    except psycopg.Error as exc:
        if conn is not None:
            conn.close()
        raise TeamDbError(f"team database {location} cannot be opened: "
                          f"{one_line(exc, url)}") from None
    except BaseException:
        if conn is not None:
            conn.close()
        raise
