"""The decision journal in PostgreSQL, so that a team shares one journal:
`journal_url = "postgresql://trader@db.desk.lan/deskapp"` in the config (or `--journal URL`).

The records are the SQLite journal's: the same tables, columns and meanings as its schema, in
PostgreSQL types; times stay ISO 8601 text and the JSON columns the same canonical text, so a
record reads back identically from either backend. The tables go in the first schema of the
connection's search_path (`?options=-csearch_path%3Ddesk` in the URL picks another).

psycopg 3, one connection guarded by a lock (the GUI thread and a worker both use it), autocommit
off: every write is one transaction and `record()` returns only after its COMMIT succeeded. A
connection the server dropped is reopened once and the operation retried; writes are idempotent
(ON CONFLICT DO NOTHING on their keys), so a retry after an unknown COMMIT stores a row once.
Every failure is a one-line JournalError that never shows the password.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from deskapp.journal.locate import display_location, split_credentials
from deskapp.journal.model import (
    BOOK_COLUMNS,
    DECISION_COLUMNS,
    OUTCOME_COLUMNS,
    PENDING_SQL,
    Decision,
    JournalError,
    book_record,
    book_text,
    decision_row,
    group_outcomes,
    outcome_rows,
    pending_from_rows,
    record_from_row,
    utc_now_iso,
)
from deskapp.journal.store import SCHEMA_VERSION

__all__ = ["PostgresJournal"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# A new database gets the schema of this version in one go (the same tables as SQLite schema 2).
CREATE_VERSION = 2
SCHEMA = """
CREATE TABLE deskapp_schema (version INTEGER NOT NULL);
CREATE TABLE decisions (
    id            TEXT PRIMARY KEY,
    created_utc   TEXT NOT NULL,      -- wall-clock time of the click, ISO 8601 UTC
    market_time   TEXT,               -- replay or live market time, ISO 8601 UTC
    decision      TEXT NOT NULL CHECK (decision IN ('hedge', 'reduce', 'wait')),
    source        TEXT NOT NULL,      -- replay | live | cache | manual
    dataset       TEXT,               -- replay dataset name
    profile       TEXT,
    notes         TEXT,
    evidence_json TEXT NOT NULL,      -- the numbers on screen when the decision was made
    app_version   TEXT NOT NULL,
    risk_limit    DOUBLE PRECISION,   -- position risk limit, % of book
    regime        TEXT,
    steps_json    TEXT NOT NULL DEFAULT '{}',
    snapshot_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX decisions_created ON decisions (created_utc);
CREATE INDEX decisions_market ON decisions (market_time);
CREATE TABLE outcomes (
    decision_id   TEXT NOT NULL REFERENCES decisions (id),
    asset         TEXT NOT NULL,      -- BTC | SPX
    horizon       TEXT NOT NULL,      -- 1d | 1w
    series        TEXT NOT NULL,      -- the stored series the prices came from
    start_time    TEXT NOT NULL,
    start_price   DOUBLE PRECISION NOT NULL,
    end_time      TEXT NOT NULL,
    end_price     DOUBLE PRECISION NOT NULL,
    ret           DOUBLE PRECISION NOT NULL,   -- end / start - 1
    max_drawdown  DOUBLE PRECISION NOT NULL,   -- <= 0, from the running peak
    computed_utc  TEXT NOT NULL,
    PRIMARY KEY (decision_id, asset, horizon)
)
"""

# Schema version (> CREATE_VERSION) -> the statements that bring the previous version to it.
# A new SQLite schema version (store.SCHEMA_VERSION) needs its PostgreSQL step here too; never
# edit a released step.
MIGRATIONS: dict[int, str] = {
    3: """
    CREATE TABLE books (
        version        INTEGER PRIMARY KEY,  -- 1, 2, ...: each saved change of the book
        created_utc    TEXT NOT NULL,
        positions_json TEXT NOT NULL,        -- portfolio.Book.as_rows(), canonical JSON
        app_version    TEXT NOT NULL
    );
    ALTER TABLE decisions ADD COLUMN book_version INTEGER;
    ALTER TABLE decisions ADD COLUMN book_figures_json TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE decisions ADD COLUMN hedge TEXT
    """,
}

# Key of the transaction-level advisory lock that gives book versions out one at a time.
BOOK_LOCK_KEY = int.from_bytes(b"deskbook", "big")

# Key of the transaction-level advisory lock that serialises schema creation and migration
# between desks opening the same database at once ("deskjrnl" as a big-endian int64).
SCHEMA_LOCK_KEY = int.from_bytes(b"deskjrnl", "big")

# Connection parameters deskapp sets unless the URL gives its own.
CONNECT_DEFAULTS = {
    "connect_timeout": "5",       # seconds: a dead or unreachable server fails fast
    "application_name": "deskapp",
    # A server that vanishes mid-query (network gone) is noticed in about half a minute
    # instead of the system's two hours. No effect on Unix-socket connections.
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
}

_SCHEMES = ("postgresql+psycopg://",)  # SQLAlchemy-style spelling libpq does not know


def _libpq_url(url: str) -> str:
    for scheme in _SCHEMES:
        if url.lower().startswith(scheme):
            return "postgresql://" + url[len(scheme):]
    return url


def _redacted(url: str) -> str:
    """The URL for messages: password in the user info and any `password=` parameter blanked."""
    try:
        shown = display_location(url)
    except ValueError:  # malformed (libpq will say how): blank whatever follows "user:"
        shown = re.sub(r"(//[^:/@]*):[^@]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", shown, flags=re.IGNORECASE)


def _secrets(url: str) -> list[str]:
    """The password as it may appear in a message: raw and percent-decoded, from the user info
    and from a `password=` parameter, however malformed the rest of the URL is."""
    found: set[str] = set()
    for m in re.finditer(r"[?&]password=([^&#]*)|//[^:/@]*:([^@]*)@", url, flags=re.IGNORECASE):
        secret = m.group(1) or m.group(2) or ""
        found |= {secret, unquote(secret)}
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.password:
            found |= {parts.password, unquote(parts.password)}
        found |= {v for k, v in parse_qsl(parts.query) if k.lower() == "password"}
    with contextlib.suppress(psycopg.Error):  # whatever libpq itself reads as the password
        password = conninfo_to_dict(_libpq_url(url)).get("password")
        if isinstance(password, str):
            found.add(password)
    # Longest first, so that a password containing another secret is blanked whole.
    return sorted((s for s in found if s), key=len, reverse=True)


def _newer(location: str, version: int) -> JournalError:
    return JournalError(f"journal {location} has schema {version}, newer than this app's "
                        f"{SCHEMA_VERSION}; upgrade deskapp (the database was left untouched)")


def _statements(script: str) -> list[str]:
    return [s for s in script.split(";") if s.strip()]


class PostgresJournal:
    """One journal in a PostgreSQL database. Thread-safe: one connection guarded by a lock."""

    def __init__(self, url: str, app_version: str, busy_timeout_ms: int = 5000,
                 read_only: bool = False):
        """Connect, create the tables when the database has none, migrate an older schema.
        A database of a newer schema is refused untouched. `busy_timeout_ms` is how long a
        statement waits for a lock another desk holds (lock_timeout); any one statement is
        cancelled after max(30 s, 6 x that) (statement_timeout). `read_only` sessions never
        write (a database without a journal reads as empty)."""
        self._url = url
        self._libpq_url = _libpq_url(url)
        self._secrets = _secrets(url)
        self.location = _redacted(url)
        self.app_version = app_version
        self.read_only = read_only
        self._empty = False  # read-only on a database without a journal yet
        parts = split_credentials(url)
        if parts is not None and any(c in parts[1] for c in "@/"):
            # libpq would cut the password at its first '@' and show the rest as a host name.
            raise JournalError(f"journal {self.location} cannot be opened: the user or password "
                               "in the URL holds a raw '@' or '/'; write them as %40 and %2F")
        self.recovered_from = None  # nothing to recover: the server owns the files
        self._lock_timeout_ms = max(1, int(busy_timeout_ms))
        self._statement_timeout_ms = max(30_000, 6 * self._lock_timeout_ms)
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        try:
            self._conn = self._connect()
            self._ensure_schema(self._conn)
        except psycopg.Error as exc:
            self._discard()
            raise JournalError(f"journal {self.location} cannot be opened: "
                               f"{self._one_line(exc)}") from None
        except BaseException:
            self._discard()
            raise

    # -- connection -------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        given = conninfo_to_dict(self._libpq_url)
        extra: dict[str, Any] = {k: v for k, v in CONNECT_DEFAULTS.items() if k not in given}
        conn = psycopg.connect(self._libpq_url, autocommit=False, **extra)
        try:
            conn.execute("SELECT set_config('statement_timeout', %s, false), "
                         "set_config('lock_timeout', %s, false), "
                         "set_config('default_transaction_read_only', %s, false)",
                         (str(self._statement_timeout_ms), str(self._lock_timeout_ms),
                          "on" if self.read_only else "off"))
            conn.commit()
        except BaseException:
            conn.close()
            raise
        return conn

    def _discard(self) -> None:
        """Close the connection, whatever state it is in."""
        conn, self._conn = self._conn, None
        if conn is not None:
            # Closing a broken connection may complain; it is gone anyway.
            with contextlib.suppress(Exception):
                conn.close()

    def _rollback_quietly(self) -> None:
        if self._conn is not None and not self._conn.closed:
            try:
                self._conn.rollback()
            except psycopg.Error:
                self._discard()

    def _one_line(self, exc: BaseException) -> str:
        """The error as one line, without the password (libpq echoes a malformed URL whole)."""
        text = str(exc) or type(exc).__name__
        for raw in {self._url, self._libpq_url}:
            text = text.replace(raw, self.location)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return " ".join(text.split())

    # -- schema -----------------------------------------------------------------------------

    def _version(self, conn: psycopg.Connection) -> int | None:
        """The stored schema version, None in a database without a journal."""
        # pg_class itself, not to_regclass(): a catalog query sees what another desk committed
        # while we waited for the advisory lock (to_regclass may answer from a stale cache).
        exists = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relname = 'deskapp_schema' "
            "AND n.nspname = ANY (current_schemas(false)))").fetchone()[0]
        if not exists:
            return None
        rows = conn.execute("SELECT version FROM deskapp_schema").fetchall()
        if len(rows) != 1:
            raise JournalError(f"journal {self.location}: table deskapp_schema must hold one "
                               f"version row, found {len(rows)} (the database was left "
                               "untouched)")
        return int(rows[0][0])

    def _ensure_schema(self, conn: psycopg.Connection) -> None:
        """Bring the database to SCHEMA_VERSION in one transaction. A newer schema is refused
        before anything is written or locked. Creation and migration run under a transaction-
        level advisory lock and re-read the version inside it, so two desks opening a new
        database at once create the tables exactly once."""
        try:
            version = self._version(conn)
            if version is not None and version > SCHEMA_VERSION:
                raise _newer(self.location, version)
            if version == SCHEMA_VERSION or (self.read_only and version is None):
                self._empty = version is None
                conn.commit()
                return
            if self.read_only:
                raise JournalError(f"journal {self.location} has schema {version}; open it "
                                   "once with `deskapp journal add` or the desk to migrate it")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
            version = self._version(conn)
            if version is not None and version > SCHEMA_VERSION:
                raise _newer(self.location, version)
            if version is None:
                for stmt in _statements(SCHEMA):
                    conn.execute(stmt)
                conn.execute("INSERT INTO deskapp_schema (version) VALUES (%s)",
                             (CREATE_VERSION,))
                log.info("journal %s created (schema %d)", self.location, CREATE_VERSION)
                version = CREATE_VERSION
            for v in range(version + 1, SCHEMA_VERSION + 1):
                if v not in MIGRATIONS:
                    raise JournalError(f"journal {self.location}: this deskapp has no "
                                       f"PostgreSQL migration to schema {v}")
                for stmt in _statements(MIGRATIONS[v]):
                    conn.execute(stmt)
                conn.execute("UPDATE deskapp_schema SET version = %s", (v,))
                log.info("journal %s migrated from schema %d to %d", self.location, v - 1, v)
            conn.commit()
        except BaseException:
            self._rollback_quietly()
            raise

    # -- one transaction --------------------------------------------------------------------

    def _run(self, work: Callable[[psycopg.Connection], T], failed: str) -> T:
        """Run `work` in one transaction and commit it. A connection the server dropped is
        reopened and `work` retried once (every `work` here is safe to repeat)."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None or self._conn.closed:
                        self._discard()
                        self._conn = self._connect()
                    result = work(self._conn)
                    self._conn.commit()
                    return result
                except psycopg.Error as exc:
                    dropped = self._conn is not None and self._conn.broken
                    self._rollback_quietly()
                    if dropped and attempt == 1:
                        log.warning("journal %s: connection lost (%s); reconnecting",
                                    self.location, self._one_line(exc))
                        self._discard()
                        continue
                    raise JournalError(f"journal {self.location}: {failed}"
                                       f"{self._one_line(exc)}") from None
                except BaseException:
                    self._rollback_quietly()
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _fetch(conn: psycopg.Connection, sql: str) -> list[dict]:
        cur = conn.execute(sql)
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    # -- the JournalStore interface ---------------------------------------------------------

    def record(self, d: Decision) -> str:
        """Commit one decision; returns its uuid once the COMMIT succeeded."""
        row = decision_row(d, self.app_version)
        sql = (f"INSERT INTO decisions ({','.join(DECISION_COLUMNS)}) "
               f"VALUES ({','.join(['%s'] * len(DECISION_COLUMNS))}) "
               "ON CONFLICT (id) DO NOTHING")
        values = tuple(row[c] for c in DECISION_COLUMNS)
        self._run(lambda conn: conn.execute(sql, values), "NOT saved: ")
        return row["id"]

    def records(self) -> list[dict]:
        """Every decision, oldest first: JSON parsed, regime and outcomes attached."""
        def read(conn: psycopg.Connection) -> tuple[list[dict], list[dict]]:
            # One snapshot for both tables: outcomes never point past the decisions read.
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
            rows = self._fetch(conn, f"SELECT {','.join(DECISION_COLUMNS)} FROM decisions "
                                     'ORDER BY created_utc COLLATE "C", id COLLATE "C"')
            return rows, self._fetch(conn, f"SELECT {','.join(OUTCOME_COLUMNS)} FROM outcomes")

        if self._empty:
            return []
        rows, outcome_rows = self._run(read, "cannot be read: ")
        outcomes = group_outcomes(outcome_rows)
        return [record_from_row(r, outcomes.get(r["id"])) for r in rows]

    def pending_outcomes(self) -> list[dict]:
        """Decisions with a market time whose outcomes are not all filled in, oldest first:
        [{id, market_time, source, dataset, missing: [(asset, horizon), ...]}]."""
        if self._empty:
            return []
        rows = self._run(lambda conn: self._fetch(conn, PENDING_SQL), "cannot be read: ")
        return pending_from_rows(rows)

    def save_outcomes(self, decision_id: str, outcomes: list[dict]) -> None:
        """Store complete outcomes (dicts with the outcome columns but the decision id and
        computed time); one already stored is kept as it is."""
        rows = outcome_rows(decision_id, outcomes)
        if not rows:
            return
        sql = (f"INSERT INTO outcomes ({','.join(OUTCOME_COLUMNS)}) "
               f"VALUES ({','.join(['%s'] * len(OUTCOME_COLUMNS))}) "
               "ON CONFLICT (decision_id, asset, horizon) DO NOTHING")

        def write(conn: psycopg.Connection) -> None:
            with conn.cursor() as cur:
                cur.executemany(sql, rows)

        self._run(write, "NOT saved: ")

    def count(self) -> int:
        if self._empty:
            return 0
        return self._run(lambda conn: int(conn.execute(
            "SELECT count(*) FROM decisions").fetchone()[0]), "cannot be read: ")

    def save_book(self, rows: list[dict]) -> int:
        """Store the book's rows as a new version, or return the newest version when it holds
        exactly these rows already. Versions are given out under an advisory lock, and a retry
        after an unknown COMMIT finds its own rows as the newest version (stored once)."""
        text = book_text(rows)

        def write(conn: psycopg.Connection) -> int:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (BOOK_LOCK_KEY,))
            last = conn.execute("SELECT version, positions_json FROM books "
                                "ORDER BY version DESC LIMIT 1").fetchone()
            if last is not None and last[1] == text:
                return int(last[0])
            version = 1 if last is None else int(last[0]) + 1
            conn.execute(f"INSERT INTO books ({','.join(BOOK_COLUMNS)}) "
                         "VALUES (%s, %s, %s, %s)",
                         (version, utc_now_iso(), text, self.app_version))
            return version

        return self._run(write, "book NOT saved: ")

    def book(self, version: int | None = None) -> dict | None:
        """A stored book {version, created_utc, app_version, rows} (the newest without a
        version), None when there is none."""
        if self._empty:
            return None
        sql = f"SELECT {','.join(BOOK_COLUMNS)} FROM books"
        params: tuple = ()
        if version is not None:
            sql, params = sql + " WHERE version = %s", (int(version),)

        def read(conn: psycopg.Connection) -> list[dict]:
            cur = conn.execute(sql + " ORDER BY version DESC LIMIT 1", params)
            cols = [c.name for c in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

        rows = self._run(read, "cannot be read: ")
        return book_record(rows[0]) if rows else None

    def close(self) -> None:
        with self._lock:
            self._discard()
