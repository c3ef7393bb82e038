"""A desk asked to open on a team database that answers and refuses (wrong password, no such
database, another application's, a newer schema) stops in one line, exit 2, without the
password and without opening a window; one that does not answer opens offline (the desk's own
tests cover that), as does a database the collector has not set up yet."""

from __future__ import annotations

import psycopg
import pytest
from support.rewrite import closed_port
from team_db import PASSWORD

from deskapp import app
from deskapp.cli import main
from deskapp.team.preflight import refusal
from deskapp.team.schema import SCHEMA_VERSION, open_team_db

SECRETS = (PASSWORD, "s3cret%3Apa%2Fss", "wr0ng-hunter2")


@pytest.fixture(scope="module")
def databases(pg) -> dict[str, str]:
    ours, newer, foreign, empty = (pg.create_schema() for _ in range(4))
    open_team_db(ours, create=True).close()
    open_team_db(newer, create=True).close()
    with psycopg.connect(newer, autocommit=True) as raw:
        raw.execute("UPDATE deskapp_market_meta SET value = %s WHERE name = 'schema_version'",
                    (str(SCHEMA_VERSION + 1),))
    with psycopg.connect(foreign, autocommit=True) as raw:
        raw.execute("CREATE TABLE market_points (id SERIAL PRIMARY KEY)")
    return {"ours": ours, "newer": newer, "foreign": foreign, "empty": empty}


def test_databases_that_answer_and_refuse_stop_the_desk_in_one_line(pg, databases, capsys,
                                                                     monkeypatch):
    monkeypatch.setattr(app, "run_desk", lambda opts: pytest.fail("the desk must not open"))
    cases = {
        "wrong password": (pg.url(password="wr0ng-hunter2"), "password authentication failed"),
        "unknown database": (pg.url("no_such_db"), 'database "no_such_db" does not exist'),
        "newer schema": (databases["newer"], f"newer than this app's {SCHEMA_VERSION}"),
        "another application": (databases["foreign"], "another application's"),
    }
    for name, (url, expect) in cases.items():
        assert main(["--source", url]) == 2, name
        out, err = capsys.readouterr()
        assert out == "" and len(err.strip().splitlines()) == 1, (name, err)
        assert err.startswith("deskapp: ") and expect in err, (name, err)
        for secret in SECRETS:
            assert secret not in err, (name, err)


def test_a_usable_a_silent_or_a_not_yet_collected_database_lets_the_desk_open(
        pg, databases, monkeypatch):
    opened = []
    monkeypatch.setattr(app, "run_desk", lambda opts: opened.append(opts.market_url) or 0)
    down = f"postgresql://deskapp:{SECRETS[1]}@127.0.0.1:{closed_port()}/x"
    for url in (databases["ours"], databases["empty"], down):
        assert refusal(url) is None, url
        assert main(["--source", url]) == 0, url
    assert opened == [databases["ours"], databases["empty"], down]
