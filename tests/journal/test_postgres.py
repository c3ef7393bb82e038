"""The shared journal in PostgreSQL, against a real server the module starts itself
(tests/support/postgres_server.py): the same records as SQLite, outcomes, concurrent desks,
schema versioning, one-line errors without the password, and `deskapp journal` on a URL."""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from psycopg.rows import dict_row
from support import postgres_server as pg_support
from support.postgres_server import postgres_server, require_binaries

from deskapp.cli import main
from deskapp.journal import postgres as pg_module
from deskapp.journal.model import DECISION_COLUMNS, OUTCOME_COLUMNS, Decision, JournalError, dumps
from deskapp.journal.postgres import CREATE_VERSION, MIGRATIONS, PostgresJournal
from deskapp.journal.store import SCHEMA_VERSION, JournalStore

PASSWORD = "s3cret:pa/ss"  # URL-quoted in the URLs: ':' and '/' must survive the round trip
SECRETS = (PASSWORD, "s3cret%3Apa%2Fss")
APP = "9.9.9-test"


@pytest.fixture(scope="module")
def pg():
    """One password-protected server for the module (about a second to start)."""
    with postgres_server(require_binaries(), password=PASSWORD) as server:
        yield server


@pytest.fixture
def url(pg) -> str:
    """A new, empty schema per test, alone on the URL's search_path: to the journal it is an
    empty database (and a schema is made in milliseconds, a database in a few hundred)."""
    return pg.create_schema()


@pytest.fixture
def journal(url):
    j = PostgresJournal(url, APP)
    yield j
    j.close()


def raw_rows(url: str, sql: str, params: tuple = ()) -> list[dict]:
    """Read with a connection of our own, not the journal's."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def assert_one_line_without_password(message: str) -> None:
    assert "\n" not in message and "\r" not in message, message
    for secret in SECRETS:
        assert secret not in message, message


FULL = Decision(
    decision="hedge", source="replay", market_time="2026-02-10T21:00:00Z",
    profile="swing", risk_limit=2.5, dataset="2026-02-risk-off",
    notes="dollar up, vol up — BTC ≠ SPX; 'quoted' \"too\"",
    steps={"macro": {"status": "risk-off", "suggested": "risk-off", "override": False},
           "correlation": {"status": "neutral", "suggested": "risk-off", "override": True,
                           "note": "ignore the 1h spike"}},
    snapshot={"asof": "2026-02-10T21:00:00Z", "regime": {"name": "volatility_event",
                                                         "score": 0.71},
              "values": {"corr": {"h1_120": 0.589, "d_60": [0.1, -0.2, None]}}},
    evidence={"macro.dxy": 96.82, "gap": float("nan"), "inf": float("inf"),
              "nested": {"x": [1, float("nan")]}},
)


def outcome(asset: str, horizon: str, ret: float) -> dict:
    return {"asset": asset, "horizon": horizon, "series": f"{asset.lower()}_1h",
            "start_time": "2026-02-10T21:00:00Z", "start_price": 100.0,
            "end_time": "2026-02-11T21:00:00Z", "end_price": 100.0 * (1 + ret), "ret": ret,
            "max_drawdown": -0.0123}


def test_missing_binaries_fail_with_the_install_hint_unless_skipped(monkeypatch, tmp_path):
    monkeypatch.setattr(pg_support, "DEBIAN_GLOB", str(tmp_path / "*" / "bin" / "initdb"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(pg_support.SKIP_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match=r"bash tools/bootstrap\.sh test"):
        require_binaries()
    monkeypatch.setenv(pg_support.SKIP_ENV, "1")
    with pytest.raises(pytest.skip.Exception, match="DESKAPP_SKIP_POSTGRES=1"):
        require_binaries()


# -- records --------------------------------------------------------------------------------


def test_full_decision_round_trip(journal, url):
    rid = journal.record(FULL)
    assert journal.count() == 1
    [rec] = journal.records()
    assert rec["id"] == rid and rec["app_version"] == APP
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rec["created_utc"])
    assert (rec["decision"], rec["source"], rec["market_time"], rec["profile"],
            rec["risk_limit"], rec["dataset"], rec["notes"], rec["regime"]) == (
        "hedge", "replay", "2026-02-10T21:00:00Z", "swing", 2.5, "2026-02-risk-off",
        FULL.notes, "volatility_event")
    assert rec["steps"] == FULL.steps and rec["snapshot"] == FULL.snapshot
    assert rec["evidence"] == {"macro.dxy": 96.82, "gap": None, "inf": None,
                               "nested": {"x": [1, None]}}
    assert rec["outcomes"] == {}
    # independently, with a connection of our own: the stored text is the canonical JSON
    [row] = raw_rows(url, "SELECT * FROM decisions WHERE id = %s", (rid,))
    assert set(row) == set(DECISION_COLUMNS)
    assert row["snapshot_json"] == dumps(FULL.snapshot)
    assert row["steps_json"] == dumps(FULL.steps)
    assert json.loads(row["evidence_json"])["gap"] is None and "NaN" not in row["evidence_json"]
    assert row["risk_limit"] == 2.5 and row["created_utc"] == rec["created_utc"]
    types = {r["column_name"]: r["data_type"] for r in raw_rows(
        url, "SELECT column_name, data_type FROM information_schema.columns "
             "WHERE table_name IN ('decisions', 'outcomes') AND table_schema = current_schema()")}
    assert set(types) == set(DECISION_COLUMNS) | set(OUTCOME_COLUMNS)
    assert types["risk_limit"] == types["ret"] == "double precision"
    assert types["created_utc"] == types["market_time"] == types["start_time"] == "text"
    assert raw_rows(url, "SELECT version FROM deskapp_schema") == [{"version": SCHEMA_VERSION}]


def _decisions() -> list[Decision]:
    return [
        FULL,
        Decision(decision="wait", source="manual", market_time=None, profile="long-term"),
        Decision(decision="reduce", source="cache", market_time="2026-02-12T15:00:00Z",
                 profile="short-term", risk_limit=0.0, notes="",
                 snapshot={"regime": {"name": "calm"}}, evidence={"missing": ["DXY"]}),
        Decision(decision="wait", source="live", market_time="2026-02-13T15:00:00Z",
                 regime="explicit", risk_limit=100, steps={"s": {"status": "n/a"}}),
    ]


def _comparable(recs: list[dict]) -> list[dict]:
    out = []
    for r in recs:
        r = {k: v for k, v in r.items() if k not in ("id", "created_utc")}
        r["outcomes"] = {a: {h: {k: v for k, v in o.items() if k != "computed_utc"}
                             for h, o in hs.items()} for a, hs in r["outcomes"].items()}
        out.append(r)
    return out


def test_records_equal_the_sqlite_journals(journal, tmp_path):
    lite = JournalStore(tmp_path / "j.sqlite3", APP)
    try:
        in_order = {}
        for store in (journal, lite):
            ids = [store.record(d) for d in _decisions()]
            store.save_outcomes(ids[0], [outcome("BTC", "1d", 0.042), outcome("SPX", "1w", -0.5)])
            store.save_outcomes(ids[2], [outcome("BTC", "1w", 1e-12)])
            in_order[store] = ids
        assert journal.count() == lite.count() == 4

        def recorded(store) -> list[dict]:
            # records() sorts by (created_utc, id): decisions of the same millisecond come in
            # uuid order, so compare them in the order they were recorded.
            by_id = {r["id"]: r for r in store.records()}
            return [by_id[i] for i in in_order[store]]

        pg_recs, lite_recs = recorded(journal), recorded(lite)
        for a, b in zip(_comparable(pg_recs), _comparable(lite_recs), strict=True):
            assert a.keys() == b.keys()
            for key in a:
                assert a[key] == b[key], key
                assert type(a[key]) is type(b[key]), key
        strip = [{k: v for k, v in p.items() if k != "id"} for p in journal.pending_outcomes()]
        assert strip == [{k: v for k, v in p.items() if k != "id"}
                         for p in lite.pending_outcomes()]
        assert [p["market_time"] for p in strip] == ["2026-02-10T21:00:00Z",
                                                     "2026-02-12T15:00:00Z",
                                                     "2026-02-13T15:00:00Z"]
    finally:
        lite.close()


def test_records_are_oldest_first_then_by_id(journal):
    ids = {journal.record(Decision(decision="wait", source="manual", market_time=None))
           for _ in range(20)}
    keys = [(r["created_utc"], r["id"]) for r in journal.records()]
    assert {k[1] for k in keys} == ids
    assert keys == sorted(keys)  # byte order (COLLATE "C"), as SQLite sorts


# -- outcomes -------------------------------------------------------------------------------


def test_outcomes_save_pending_and_idempotent(journal, url):
    rid = journal.record(FULL)
    journal.record(Decision(decision="wait", source="manual", market_time=None))  # no time
    [p] = journal.pending_outcomes()
    assert p == {"id": rid, "market_time": FULL.market_time, "source": "replay",
                 "dataset": "2026-02-risk-off",
                 "missing": [("BTC", "1d"), ("BTC", "1w"), ("SPX", "1d"), ("SPX", "1w")]}
    journal.save_outcomes(rid, [outcome("BTC", "1d", 0.01), outcome("SPX", "1d", -0.02)])
    assert journal.pending_outcomes()[0]["missing"] == [("BTC", "1w"), ("SPX", "1w")]
    # saving again (another desk filled it first) keeps the stored values, and no error
    journal.save_outcomes(rid, [outcome("BTC", "1d", 0.99)])
    journal.save_outcomes(rid, [])
    def full() -> dict:  # both records may carry the same millisecond: found by id
        return next(r for r in journal.records() if r["id"] == rid)

    assert full()["outcomes"]["BTC"]["1d"]["ret"] == 0.01
    journal.save_outcomes(rid, [outcome("BTC", "1w", 0.03), outcome("SPX", "1w", 0.04)])
    assert journal.pending_outcomes() == []
    rec = full()
    assert {a: sorted(h) for a, h in rec["outcomes"].items()} == {"BTC": ["1d", "1w"],
                                                                 "SPX": ["1d", "1w"]}
    assert set(rec["outcomes"]["SPX"]["1w"]) == set(OUTCOME_COLUMNS[3:])
    rows = raw_rows(url, "SELECT asset, horizon, ret FROM outcomes WHERE decision_id = %s "
                         "ORDER BY asset, horizon", (rid,))
    assert [(r["asset"], r["horizon"], r["ret"]) for r in rows] == [
        ("BTC", "1d", 0.01), ("BTC", "1w", 0.03), ("SPX", "1d", -0.02), ("SPX", "1w", 0.04)]


# -- several desks at once ------------------------------------------------------------------


def test_two_journals_in_threads_create_and_write_concurrently(url):
    """Two desks open a brand-new database at the same moment (one creates the schema, the
    other waits on the advisory lock), then both write; each also from two threads."""
    per_thread, barrier = 15, threading.Barrier(4)
    opened: dict[int, PostgresJournal] = {}
    ids: list[str] = []
    errors: list[BaseException] = []
    guard = threading.Lock()
    open_barrier = threading.Barrier(2)

    def desk(n: int) -> None:
        try:
            open_barrier.wait()
            opened[n] = PostgresJournal(url, f"desk-{n}")
        except BaseException as exc:
            errors.append(exc)
            open_barrier.abort()

    def writer(j: PostgresJournal) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                rid = j.record(Decision(decision="wait", source="manual", market_time=None,
                                        notes=f"{j.app_version} #{i}"))
                with guard:
                    ids.append(rid)
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=desk, args=(n,)) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not errors and len(opened) == 2
        threads = [threading.Thread(target=writer, args=(opened[n],)) for n in (1, 2, 1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert len(ids) == len(set(ids)) == 4 * per_thread
        assert {r["id"] for r in opened[1].records()} == set(ids)
        assert opened[2].count() == 4 * per_thread
    finally:
        for j in opened.values():
            j.close()
    assert raw_rows(url, "SELECT version FROM deskapp_schema") == [{"version": SCHEMA_VERSION}]


WRITER = """
import sys
from deskapp.journal.model import Decision
from deskapp.journal.postgres import PostgresJournal
j = PostgresJournal(sys.argv[1], "proc-" + sys.argv[2])
for i in range(int(sys.argv[3])):
    print(j.record(Decision(decision="hedge", source="manual", market_time=None)), flush=True)
j.close()
"""


def test_two_processes_write_the_same_new_database(url):
    n = 20
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, str(k), str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy()) for k in (1, 2)]
    acknowledged = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        acknowledged += out.split()
    assert len(acknowledged) == len(set(acknowledged)) == 2 * n
    stored = raw_rows(url, "SELECT id, app_version FROM decisions")
    assert {r["id"] for r in stored} == set(acknowledged)
    assert sorted({r["app_version"] for r in stored}) == ["proc-1", "proc-2"]


# -- schema versioning ----------------------------------------------------------------------


def test_reopen_keeps_the_schema_and_the_records(url):
    first = PostgresJournal(url, APP)
    rid = first.record(FULL)
    first.close()
    again = PostgresJournal(url, APP)
    try:
        assert [r["id"] for r in again.records()] == [rid]
    finally:
        again.close()
    assert raw_rows(url, "SELECT version FROM deskapp_schema") == [{"version": SCHEMA_VERSION}]


def test_every_schema_version_has_a_postgres_step():
    """Bumping store.SCHEMA_VERSION needs a PostgreSQL migration too."""
    assert CREATE_VERSION <= SCHEMA_VERSION
    assert set(MIGRATIONS) == set(range(CREATE_VERSION + 1, SCHEMA_VERSION + 1))


def _catalog(url: str) -> list[tuple]:
    return [tuple(r.values()) for r in raw_rows(
        url, "SELECT c.relname, c.relkind, a.attname, a.atttypid::regtype::text "
             "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
             "WHERE n.nspname = current_schema() ORDER BY 1, 3")]


def _deskapp_sessions(pg) -> int:
    """Server sessions of journals still open (a closed one may take a moment to go)."""
    deadline = time.monotonic() + 60
    with pg.admin() as conn:
        while True:
            n = conn.execute("SELECT count(*) FROM pg_stat_activity "
                             "WHERE application_name = 'deskapp'").fetchone()[0]
            if n == 0 or time.monotonic() > deadline:
                return n
            time.sleep(0.02)


def test_newer_schema_is_refused_untouched(pg, url):
    newer = SCHEMA_VERSION + 1
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE deskapp_schema (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO deskapp_schema VALUES (%s)", (newer,))
        conn.execute("CREATE TABLE decisions (id TEXT PRIMARY KEY, future_column JSONB)")
        conn.execute("INSERT INTO decisions VALUES ('from-the-future', '{}')")
    before = _catalog(url)
    with pytest.raises(JournalError) as err:
        PostgresJournal(url, APP)
    msg = str(err.value)
    assert f"schema {newer}, newer than this app's {SCHEMA_VERSION}" in msg
    assert "untouched" in msg
    assert_one_line_without_password(msg)
    assert _catalog(url) == before
    assert raw_rows(url, "SELECT version FROM deskapp_schema") == [{"version": newer}]
    assert raw_rows(url, "SELECT id FROM decisions") == [{"id": "from-the-future"}]
    # and the refused journal did not stay connected
    assert _deskapp_sessions(pg) == 0


# -- failures -------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _connect_spy(monkeypatch) -> list[dict]:
    """The keyword arguments of every psycopg.connect the journal makes (the call goes on)."""
    calls: list[dict] = []
    real = psycopg.connect

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", spy)
    return calls


def test_connection_failures_are_one_line_without_the_password(pg, capsys, monkeypatch):
    cases = {
        "server down": (f"postgresql://deskapp:{SECRETS[1]}@127.0.0.1:{_closed_port()}/x",
                        "Connection refused"),
        "unknown database": (pg.url("no_such_db"), 'database "no_such_db" does not exist'),
        "wrong password": (pg.url(password="wr0ng-hunter2"), "password authentication failed"),
        "password parameter": (pg.url("no_such_db", password="") + f"?password={SECRETS[1]}",
                               'database "no_such_db" does not exist'),
        "malformed URL": (f"postgresql://deskapp:{SECRETS[1]}@[::1/x", ""),
    }
    calls = _connect_spy(monkeypatch)
    for name, (bad, expect) in cases.items():
        with pytest.raises(JournalError) as err:
            PostgresJournal(bad, APP)
        msg = str(err.value)
        assert msg.startswith("journal postgres") and "cannot be opened" in msg, (name, msg)
        assert expect in msg, (name, msg)
        assert_one_line_without_password(msg)
        assert "wr0ng-hunter2" not in msg
        # the command line says the same, on one line, exit 2
        assert main(["journal", "--journal", bad, "list"]) == 2, name
        captured = capsys.readouterr()
        assert captured.out == "" and len(captured.err.strip().splitlines()) == 1, name
        assert_one_line_without_password(captured.err.strip())
        assert "wr0ng-hunter2" not in captured.err
    # a dead host fails within the connect_timeout every attempt carries (not timed here)
    assert calls and all(c.get("connect_timeout") == pg_module.CONNECT_DEFAULTS["connect_timeout"]
                         for c in calls), calls


def test_silent_server_fails_within_the_connect_timeout(monkeypatch):
    """A server that accepts TCP but never answers (hung host): the connect_timeout handed to
    libpq ends the wait (2 s here instead of the default 5 to keep the test short) and the
    error says so. What is asserted is the setting given and the error it produced, not a
    duration."""
    monkeypatch.setitem(pg_module.CONNECT_DEFAULTS, "connect_timeout", "2")
    given: list[dict] = []
    connect = psycopg.connect

    def spy(*args, **kwargs):
        given.append(kwargs)
        return connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", spy)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(JournalError) as err:
            PostgresJournal(f"postgresql://deskapp:{SECRETS[1]}@127.0.0.1:{port}/x", APP)
    assert given and all(kw.get("connect_timeout") == "2" for kw in given), given
    assert "timeout" in str(err.value).lower()
    assert_one_line_without_password(str(err.value))


def test_failed_write_says_not_saved_and_the_journal_goes_on(journal, url):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE decisions ADD CONSTRAINT no_hedge CHECK (decision <> 'hedge')")
    with pytest.raises(JournalError) as err:
        journal.record(FULL)
    msg = str(err.value)
    assert "NOT saved" in msg and "no_hedge" in msg
    assert_one_line_without_password(msg)
    assert journal.count() == 0
    # an outcome of a decision that does not exist is refused the same way
    with pytest.raises(JournalError, match="NOT saved"):
        journal.save_outcomes("no-such-decision", [outcome("BTC", "1d", 0.1)])
    rid = journal.record(Decision(decision="wait", source="manual", market_time=None))
    assert [r["id"] for r in journal.records()] == [rid]


def test_lock_wait_is_bounded_by_the_busy_timeout(url):
    j = PostgresJournal(url, APP, busy_timeout_ms=300)
    try:
        with j._lock:
            got = j._conn.execute("SELECT current_setting('lock_timeout'), "
                                  "current_setting('statement_timeout')").fetchone()
            j._conn.rollback()
        assert got == ("300ms", "30s")
        with psycopg.connect(url) as other:  # another desk holding the table (transaction open)
            other.execute("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE")
            # The server's lock_timeout (300ms, above) ends the wait: the error names it.
            with pytest.raises(JournalError) as err:
                j.record(FULL)
            other.rollback()
        # the 300 ms lock_timeout ended the wait, not the 30 s statement_timeout
        assert "NOT saved" in str(err.value) and "lock timeout" in str(err.value)
        assert "statement timeout" not in str(err.value)
        assert j.count() == 0
    finally:
        j.close()


def _terminate(pg, journal: PostgresJournal) -> None:
    """Kill the journal's server session, as a server restart or failover would."""
    with pg.admin() as conn:
        pid = journal._conn.info.backend_pid
        assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_a_dropped_connection_is_reopened(pg):
    url = pg.create_database()  # a database of its own: connections to it are switched off
    dbname = url.rsplit("/", 1)[1]
    journal = PostgresJournal(url, APP)
    try:
        first = journal.record(FULL)
        _terminate(pg, journal)
        second = journal.record(FULL)  # reconnects, and says nothing
        assert [r["id"] for r in journal.records()] == [first, second]
        # while the database refuses connections, a write fails loudly, then works again
        with pg.admin() as conn:
            conn.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
        try:
            _terminate(pg, journal)
            with pytest.raises(JournalError) as err:
                journal.record(FULL)
            assert "NOT saved" in str(err.value) and "not currently accepting" in str(err.value)
            assert_one_line_without_password(str(err.value))
        finally:
            with pg.admin() as conn:
                conn.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
        journal.record(FULL)
        assert journal.count() == 3
    finally:
        journal.close()


def test_location_hides_the_password(journal):
    assert "***" in journal.location and journal.recovered_from is None
    for secret in SECRETS:
        assert secret not in journal.location


def test_nan_risk_limit_is_refused_before_the_database(journal):
    with pytest.raises(ValueError):
        journal.record(Decision(decision="wait", source="manual", market_time=None,
                                risk_limit=math.nan))
    assert journal.count() == 0


# -- deskapp journal on a URL ---------------------------------------------------------------


def test_cli_add_and_list_json(url, tmp_path, capsys):
    def run(where: str) -> tuple[str, list[dict]]:
        assert main(["journal", "--journal", where, "add", "--decision", "hedge", "--profile",
                     "swing", "--replay", "2026-02-risk-off", "--at", "2026-02-10T21:00Z"]) == 0
        rid = capsys.readouterr().out.strip()
        assert main(["journal", "--journal", where, "list", "--json"]) == 0
        return rid, json.loads(capsys.readouterr().out)

    rid, rows = run(url)
    [rec] = rows
    assert rec["id"] == rid and rec["decision"] == "hedge" and rec["profile"] == "swing"
    assert rec["source"] == "replay" and rec["market_time"] == "2026-02-10T21:00:00Z"
    assert rec["snapshot"]["regime"]["name"] == rec["regime"]
    # list filled in the outcomes the dataset reaches (1 day), in the database
    assert sorted(rec["outcomes"]["BTC"]) == ["1d"]
    assert raw_rows(url, "SELECT count(*) AS n FROM outcomes") == [{"n": 2}]
    # the same commands on a SQLite journal give the same record
    _, [lite] = run(str(tmp_path / "j.sqlite3"))
    assert _comparable([rec]) == _comparable([lite])
    assert main(["journal", "--journal", url, "stats"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 decisions in postgresql://deskapp:***@")
    assert_one_line_without_password(out.splitlines()[0])


def test_config_journal_url_reaches_postgres(url, tmp_path, capsys):
    j = PostgresJournal(url, APP)
    try:
        rid = j.record(FULL)
    finally:
        j.close()
    cfg = tmp_path / "desk.toml"
    cfg.write_text(f'journal_url = "{url}"\n', encoding="utf-8")
    assert main(["journal", "--config", str(cfg), "add", "--decision", "wait", "--profile",
                 "long-term"]) == 0
    added = capsys.readouterr().out.strip()
    assert main(["journal", "--config", str(cfg), "list", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [rid, added]
    assert {r["id"] for r in raw_rows(url, "SELECT id FROM decisions")} == {rid, added}


# -- books (schema 3) -----------------------------------------------------------------------


def test_a_schema_2_database_is_migrated_and_keeps_books_versioned(url, monkeypatch):
    monkeypatch.setattr(pg_module, "SCHEMA_VERSION", CREATE_VERSION)
    PostgresJournal(url, APP).close()
    rid = "v2-row"  # as a schema-2 desk wrote it: no book columns
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO decisions (id, created_utc, decision, source, evidence_json, "
                     "app_version) VALUES (%s, '2026-02-05T21:00:00Z', 'wait', 'manual', "
                     "'{}', '0.2')", (rid,))
    assert raw_rows(url, "SELECT version FROM deskapp_schema") == [{"version": CREATE_VERSION}]
    monkeypatch.undo()
    j = PostgresJournal(url, APP)
    try:
        assert raw_rows(url, "SELECT version FROM deskapp_schema") == [{"version": SCHEMA_VERSION}]
        [old_rec] = j.records()
        assert old_rec["id"] == rid and old_rec["book_version"] is None
        assert old_rec["book_figures"] == {} and old_rec["hedge"] is None
        assert j.book() is None
        rows = [{"symbol": "BTC", "quantity": 0.5, "asset_class": "crypto_spot"}]
        assert j.save_book(rows) == 1 and j.save_book(rows) == 1
        assert j.save_book(rows + [{"symbol": "USD", "notional_usd": 1e4}]) == 2
        assert j.book()["version"] == 2 and j.book(1)["rows"] == rows
        new = j.record(Decision("hedge", "replay", None, book_version=1, hedge="short 1 MES",
                                book_figures={"summary_line": "worst stress −9 %"}))
        rec = {r["id"]: r for r in j.records()}[new]
        assert (rec["book_version"], rec["hedge"], rec["book_figures"]) == (
            1, "short 1 MES", {"summary_line": "worst stress −9 %"})
    finally:
        j.close()
    assert len(raw_rows(url, "SELECT version FROM books")) == 2


def test_two_desks_saving_books_at_once_get_distinct_versions(url):
    desks = [PostgresJournal(url, APP) for _ in range(2)]
    got: list[int] = []
    errors: list[BaseException] = []

    def save(j: PostgresJournal, n: int) -> None:
        try:
            for i in range(8):
                got.append(j.save_book([{"symbol": f"S{n}", "quantity": float(i + 1)}]))
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(j, n)) for n, j in enumerate(desks)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for j in desks:
            j.close()
    assert not errors and sorted(got) == list(range(1, 17))
    assert [r["version"] for r in raw_rows(url, "SELECT version FROM books ORDER BY 1")] == \
        list(range(1, 17))
