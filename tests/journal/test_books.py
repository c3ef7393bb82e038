"""The trader's book in the journal: versioned (a change is a new version, the same rows are
not), the version a decision was made with kept on the record with its figures and hedge."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest

from deskapp.journal.locate import RefusedJournal
from deskapp.journal.model import Decision, JournalError
from deskapp.journal.store import JournalStore

ROWS = [{"symbol": "QQQ", "quantity": 100.0, "notional_usd": None, "asset_class": "etf",
         "multiplier": 1.0},
        {"symbol": "USD", "quantity": None, "notional_usd": 25000.0, "asset_class": "cash",
         "multiplier": 1.0}]


@pytest.fixture
def store(tmp_path):
    s = JournalStore(tmp_path / "j.sqlite3", "t")
    yield s
    s.close()


def test_a_book_is_saved_versioned_and_read_back(store):
    assert store.book() is None
    assert store.save_book(ROWS) == 1
    assert store.save_book(list(ROWS)) == 1  # the same rows: no new version
    changed = [dict(ROWS[0], quantity=50.0), ROWS[1]]
    assert store.save_book(changed) == 2
    newest = store.book()
    assert newest["version"] == 2 and newest["rows"] == changed
    assert store.book(1)["rows"] == ROWS and store.book(7) is None
    with closing(sqlite3.connect(store.path)) as db:
        assert db.execute("SELECT COUNT(*) FROM books").fetchone()[0] == 2


def test_the_book_outlives_the_store(tmp_path):
    path = tmp_path / "j.sqlite3"
    first = JournalStore(path, "t")
    first.save_book(ROWS)
    first.close()
    again = JournalStore(path, "t")
    try:
        assert again.book()["rows"] == ROWS and again.book()["version"] == 1
    finally:
        again.close()


def test_a_decision_keeps_its_book_version_figures_and_hedge(store):
    v1 = store.save_book(ROWS)
    figures = {"book_value": 62000.0, "summary_line": "worst stress −23 % vs limit 10 %",
               "var": {"1y": {"99": float("nan")}}}
    rid = store.record(Decision("hedge", "replay", "2026-02-05T21:00:00Z", risk_limit=10.0,
                                book_version=v1, book_figures=figures, hedge="short 3 MES"))
    store.save_book([ROWS[1]])  # the book changes after the decision
    none = store.record(Decision("wait", "replay", None, book_version=2, hedge="none"))
    recs = {r["id"]: r for r in store.records()}
    assert recs[rid]["book_version"] == 1 and recs[rid]["hedge"] == "short 3 MES"
    assert recs[rid]["book_figures"] == {"book_value": 62000.0,
                                         "summary_line": "worst stress −23 % vs limit 10 %",
                                         "var": {"1y": {"99": None}}}
    assert store.book(recs[rid]["book_version"])["rows"] == ROWS  # the book it was made with
    assert recs[none]["hedge"] == "none" and recs[none]["book_figures"] == {}


@pytest.mark.parametrize("bad", [{"book_version": 0}, {"book_version": True},
                                 {"book_version": "1"}, {"hedge": ""}, {"hedge": "x" * 501}])
def test_a_bad_book_field_is_refused_and_nothing_stored(store, bad):
    with pytest.raises(ValueError):
        store.record(Decision("hedge", "manual", None, **bad))
    assert store.count() == 0


def test_a_damaged_book_cell_does_not_hide_the_record(store):
    rid = store.record(Decision("wait", "manual", None))
    with closing(sqlite3.connect(store.path)) as db:
        db.execute("UPDATE decisions SET book_version = 'x', book_figures_json = '[' "
                   "WHERE id = ?", (rid,))
        db.execute("INSERT INTO books VALUES (5, 'now', 'not json', 't')")
        db.commit()
    [rec] = store.records()
    assert rec["book_version"] is None and rec["book_figures"] is None
    assert any(d.startswith("book_version") for d in rec["damaged"])
    assert any(d.startswith("book_figures_json") for d in rec["damaged"])
    book = store.book()
    assert book["version"] == 5 and book["rows"] == [] and book["damaged"]


def test_two_threads_saving_books_get_distinct_versions(store):
    got: list[int] = []

    def save(n: int) -> None:
        for i in range(10):
            got.append(store.save_book([{"symbol": f"S{n}", "quantity": float(i + 1)}]))

    threads = [threading.Thread(target=save, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(got) == 20 and len(set(got)) == 20 and sorted(got) == list(range(1, 21))


def test_a_refused_journal_has_no_book_and_saves_none():
    refused = RefusedJournal("/nowhere/j.sqlite3", "a folder")
    assert refused.book() is None
    with pytest.raises(JournalError, match="recording is off"):
        refused.save_book(ROWS)


def test_the_csv_export_names_the_book_version_and_hedge(tmp_path, capsys):
    import csv

    from deskapp.cli import main

    path = tmp_path / "j.sqlite3"
    s = JournalStore(path, "t")
    s.record(Decision("hedge", "manual", None, book_version=s.save_book(ROWS),
                      hedge="short 3 MES"))
    s.record(Decision("wait", "manual", None))
    s.close()
    out = tmp_path / "out.csv"
    assert main(["journal", "export", "--journal", str(path), "--csv", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["decision"])
    assert [(r["decision"], r["book_version"], r["hedge"]) for r in rows] == [
        ("hedge", "1", "short 3 MES"), ("wait", "", "")]
