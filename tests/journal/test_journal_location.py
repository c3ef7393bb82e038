"""Where `deskapp journal` and the desk find the journal: --journal (before or after the verb),
else the config's journal_url, else the platform data folder."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pandas as pd
import pytest

from deskapp.cli import main
from deskapp.journal.locate import display_location, is_url, resolve_location


def ids_in(path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        return {r[0] for r in db.execute("SELECT id FROM decisions")}


def add(*where: str) -> list[str]:
    return ["journal", *where, "add", "--decision", "wait", "--profile", "swing"]


def test_journal_flag_before_or_after_the_verb(tmp_path, capsys):
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    assert main(add("--journal", str(a))) == 0
    rid_a = capsys.readouterr().out.strip()
    assert main(["journal", "add", "--decision", "hedge", "--profile", "swing",
                 "--journal", str(b)]) == 0
    rid_b = capsys.readouterr().out.strip()
    assert ids_in(a) == {rid_a} and ids_in(b) == {rid_b}
    assert main(["--journal", str(a), "journal", "list", "--json"]) == 0  # top-level flag too
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [rid_a]


def test_config_journal_url_then_data_dir(tmp_path, capsys, _isolated_home):
    from_config = tmp_path / "from-config.sqlite3"
    cfg = tmp_path / "desk.toml"
    cfg.write_text(f'journal_url = "{from_config}"\n', encoding="utf-8")
    assert main(["journal", "--config", str(cfg)] + add()[1:]) == 0
    rid_cfg = capsys.readouterr().out.strip()
    assert ids_in(from_config) == {rid_cfg}
    # the platform config folder's config.toml is read without --config
    user_cfg = _isolated_home / "config" / "config.toml"
    user_cfg.parent.mkdir(parents=True, exist_ok=True)
    user_cfg.write_text(f'journal_url = "{from_config}"\n', encoding="utf-8")
    assert main(add()) == 0
    assert len(ids_in(from_config)) == 2
    # --journal beats the config
    explicit = tmp_path / "explicit.sqlite3"
    assert main(add("--journal", str(explicit))) == 0
    assert len(ids_in(explicit)) == 1 and len(ids_in(from_config)) == 2
    # no flag, no config: the data folder
    user_cfg.unlink()
    assert main(add()) == 0
    assert len(ids_in(_isolated_home / "data" / "journal.sqlite3")) == 1


def test_bad_journal_url_in_config_is_one_line(tmp_path, capsys):
    cfg = tmp_path / "desk.toml"
    cfg.write_text("journal_url = 42\n", encoding="utf-8")
    assert main(["journal", "--config", str(cfg), "list"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "journal_url" in err and "42" in err


def test_resolve_and_display():
    assert resolve_location("postgresql://u:secret@h/db", "x") == "postgresql://u:secret@h/db"
    assert is_url("postgres://h/db") and not is_url("/tmp/postgres.sqlite3")
    assert display_location("postgresql://u:secret@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert "secret" not in display_location("postgresql://u:secret@h/db")
    assert display_location("postgresql://h/db?password=secret&sslmode=require") == \
        "postgresql://h/db?password=***&sslmode=require"


def test_replay_decision_gets_its_outcomes_from_the_dataset(tmp_path, capsys, datasets):
    path = str(tmp_path / "j.sqlite3")
    assert main(["journal", "--journal", path, "add", "--decision", "hedge", "--profile",
                 "swing", "--risk-limit", "2", "--replay", "2026-02-risk-off", "--at",
                 "2026-02-05T21:00Z"]) == 0
    capsys.readouterr()
    assert main(["journal", "--journal", path, "list", "--json"]) == 0
    [rec] = json.loads(capsys.readouterr().out)
    assert rec["risk_limit"] == 2.0 and rec["regime"] == rec["snapshot"]["regime"]["name"]
    frames = datasets("2026-02-risk-off").frames
    t0 = pd.Timestamp("2026-02-05T21:00Z")
    for asset in ("BTC", "SPX"):
        for horizon, h in (("1d", pd.Timedelta(days=1)), ("1w", pd.Timedelta(days=7))):
            o = rec["outcomes"][asset][horizon]
            close = frames[o["series"]]["close"]
            start, end = pd.Timestamp(o["start_time"]), pd.Timestamp(o["end_time"])
            # independently: the last close at or before t0, the first at or after t0 + h
            assert start == close.loc[:t0].index[-1] and end == close.loc[t0 + h:].index[0]
            assert o["start_price"] == pytest.approx(close.loc[start])
            assert o["end_price"] == pytest.approx(close.loc[end])
            assert o["ret"] == pytest.approx(close.loc[end] / close.loc[start] - 1)
            path_ = close.loc[start:end]
            assert o["max_drawdown"] == pytest.approx((path_ / path_.cummax() - 1).min())
    # the export carries them, and stats summarises them
    out = tmp_path / "e.csv"
    assert main(["journal", "--journal", path, "export", "--csv", str(out)]) == 0
    header, row = out.read_text(encoding="utf-8").splitlines()[:2]
    assert "btc_1w_return" in header and f"{rec['outcomes']['BTC']['1w']['ret']!r}"[:8] in row
    capsys.readouterr()
    assert main(["journal", "--journal", path, "stats"]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines()[2:] if " hedge " in ln][0]
    assert f"{rec['outcomes']['BTC']['1w']['ret']:+.1%}" in line
