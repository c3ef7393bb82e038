"""`deskapp --book FILE.csv`: a bad file is one line (exit 2) and opens nothing; a good one opens
the desk with that book, stores it in the journal and, with --screenshot, shows the Book dock
with its figures."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from test_cli import assert_usage_error, deskapp


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_a_book_file_that_cannot_be_used_is_one_line(home, tmp_path):
    missing = tmp_path / "nope.csv"
    assert_usage_error(deskapp("--book", str(missing), "--replay", "2026-02-risk-off",
                               home=home), "--book", "nope.csv", "cannot be read")
    bad = tmp_path / "bad.csv"
    bad.write_text("symbol,quantity\nNVDA,nan\nIWM,1e12\n", encoding="utf-8")
    line = assert_usage_error(deskapp("--book", str(bad), "--replay", "2026-02-risk-off",
                                      home=home), "bad.csv")
    assert "row 2" in line and "row 3" in line
    binary = tmp_path / "book.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert_usage_error(deskapp("--book", str(binary), home=home), "not UTF-8")


def test_a_book_opens_the_desk_stored_and_drawn(home, tmp_path):
    book = tmp_path / "book.csv"
    book.write_text("symbol,quantity,notional_usd\nQQQ,100,\nBTC,0.5,\nZZZZ,3,\n"
                    "USD,,10000\n", encoding="utf-8")
    png, journal = tmp_path / "book.png", tmp_path / "j.sqlite3"
    proc = deskapp("--book", str(book), "--replay", "2026-02-risk-off", "--journal",
                   str(journal), "--screenshot", str(png), home=home)
    assert proc.returncode == 0, proc.stderr
    assert "row 4: ZZZZ kept, no price: add it to the universe" in proc.stderr
    assert png.stat().st_size > 10_000
    with closing(sqlite3.connect(journal)) as db:
        [(version, rows)] = db.execute("SELECT version, positions_json FROM books").fetchall()
    assert version == 1 and '"ZZZZ"' in rows and '"QQQ"' in rows
