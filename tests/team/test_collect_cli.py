"""`deskapp collect`: bad input is one line and exit 2 without the password; `--once` writes
the upstream's bars; the process never imports Qt and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from support.bar_upstream import KEY, BarUpstream, crypto_sources
from support.loopback import LoopbackServer
from support.polling import wait_for
from support.rewrite import closed_port
from team_db import PASSWORD

from deskapp.cli import main
from deskapp.commands import collect
from deskapp.team.schema import SCHEMA_VERSION, open_team_db
from deskapp.team.writer import read_frames

REPO = Path(__file__).resolve().parents[2]
SECRETS = (PASSWORD, "s3cret%3Apa%2Fss", "wr0ng-hunter2")


@pytest.fixture
def upstream():
    server = LoopbackServer()
    yield BarUpstream(server, bars=12)
    server.close()


def one_line_exit_2(argv: list[str], capsys) -> str:
    assert main(argv) == 2, argv
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for secret in SECRETS:
        assert secret not in err, err
    return err.strip()


def test_bad_urls_and_databases_are_one_line_exit_2(pg, capsys, monkeypatch):
    monkeypatch.setattr(collect, "make_sources", lambda stage: pytest.fail("no polling"))
    newer = pg.create_schema()
    open_team_db(newer, create=True).close()
    foreign = pg.create_schema()
    with psycopg.connect(newer, autocommit=True) as raw:
        raw.execute("UPDATE deskapp_market_meta SET value = %s WHERE name = 'schema_version'",
                    (str(SCHEMA_VERSION + 1),))
    with psycopg.connect(foreign, autocommit=True) as raw:
        raw.execute("CREATE TABLE market_points (id SERIAL PRIMARY KEY)")
    cases = {
        "server down": (f"postgresql://deskapp:{SECRETS[1]}@127.0.0.1:{closed_port()}/x",
                        "Connection refused"),
        "wrong password": (pg.url(password="wr0ng-hunter2"), "password authentication failed"),
        "unknown database": (pg.url("no_such_db"), 'database "no_such_db" does not exist'),
        "malformed": (f"postgresql://deskapp:{SECRETS[1]}@[::1/x", "cannot be opened"),
        "newer schema": (newer, f"newer than this app's {SCHEMA_VERSION}"),
        "another application": (foreign, "another application's"),
        "not a URL": ("/tmp/market.sqlite3", "must be a postgresql:// URL"),
    }
    for name, (bad, expect) in cases.items():
        err = one_line_exit_2(["collect", "--db", bad, "--once"], capsys)
        assert err.startswith("deskapp: ") and expect in err, (name, err)
    assert "needs --db" in one_line_exit_2(["collect", "--once"], capsys)
    assert "--interval 'x'" in one_line_exit_2(["collect", "--db", newer, "--interval", "x"],
                                               capsys)


def test_once_writes_the_bars(pg, upstream, caplog, monkeypatch):
    url = pg.create_schema()
    monkeypatch.setattr(collect, "make_sources",
                        lambda stage: crypto_sources(upstream.server.port, stage))
    assert main(["collect", "--db", url, "--once"]) == 0
    with psycopg.connect(url) as conn:
        frame = read_frames(conn)[KEY]
    assert frame.equals(upstream.expected_frame(12))
    logged = caplog.text
    assert PASSWORD not in logged and SECRETS[1] not in logged
    assert "holds a password" in logged  # the URL had one: the log says where it belongs
    assert "active on postgresql://deskapp:***@" in logged


RUNNER = """
import sys
sys.path.insert(0, {tests!r})
from support.bar_upstream import crypto_sources
from deskapp.commands import collect
collect.make_sources = lambda stage: crypto_sources({port}, stage)
from deskapp.cli import main
rc = main(['collect', '--db', {url!r}, '--interval', '0.2'])
assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'
sys.exit(rc)
"""


def test_headless_process_stops_cleanly_on_sigterm(pg, upstream):
    url = pg.create_schema()
    code = RUNNER.format(tests=str(REPO / "tests"), port=upstream.server.port, url=url)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def rows() -> int:
            try:
                with psycopg.connect(url) as conn:
                    return conn.execute("SELECT count(*) FROM market_points").fetchone()[0]
            except psycopg.Error:
                return 0
        wait_for(lambda: rows() == 12 * 5, "the first bars", timeout_s=60.0)
        upstream.add_bars(2)
        wait_for(lambda: rows() == 14 * 5, "the new bars", timeout_s=60.0)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping after the current round" in err
    assert "Traceback" not in err and PASSWORD not in err and SECRETS[1] not in err
    with psycopg.connect(url) as conn:
        assert read_frames(conn)[KEY].equals(upstream.expected_frame(14))
        assert conn.execute("SELECT count(*) FROM collectors").fetchone()[0] == 0
        # and its session (with the lock) is gone
        assert conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                            ).fetchone()[0] == 0
