"""Issue 13: only a file SQLite calls damaged is moved aside; folders, unreadable files, read-only
places and other applications' databases are refused untouched; one bad row never hides the
journal; reading never writes; a full disk and a password with a raw '@' say what they should."""

from __future__ import annotations

import csv
import json
import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from deskapp.cli import main
from deskapp.journal import store as store_mod
from deskapp.journal.store import Decision, JournalError, JournalStore

REPLAY = "2026-02-risk-off"


# -- helpers --------------------------------------------------------------------------------


def fingerprint(path: Path) -> tuple:
    """Bytes, mtime, journal mode and side files: what 'left untouched' means."""
    with closing(sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)) as db:
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    sides = sorted(p.name for p in path.parent.iterdir()
                   if p.name not in (path.name, "deskapp-home"))
    return path.read_bytes(), path.stat().st_mtime_ns, mode, sides


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def make_journal(path: Path, n: int = 2) -> list[str]:
    """n replay decisions a minute apart; their ids in the order the journal lists them."""
    store = JournalStore(path, "t")
    try:
        ids = [store.record(Decision("wait" if i % 2 else "hedge", "replay",
                                     f"2026-02-05T10:{i:02d}:00Z", dataset=REPLAY,
                                     profile="swing", snapshot={"regime": {"name": "calm"}},
                                     steps={"Macro": {"status": "neutral"}}))
               for i in range(n)]
    finally:
        store.close()
    with closing(sqlite3.connect(path)) as db:  # recorded within a millisecond: distinct times
        db.execute("UPDATE decisions SET created_utc = market_time")
        db.commit()
    return ids


def foreign_db(path: Path, with_decisions: bool) -> None:
    """Another application's database (rollback journal, its own tables)."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        if with_decisions:
            db.execute("CREATE TABLE decisions (id INTEGER PRIMARY KEY, what TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('mine, not deskapp''s')")
        db.commit()


@pytest.fixture
def read_only(monkeypatch):
    """Make SQLite see the given files as read-only, as a read-only file or mount would (root
    ignores chmod, so the connection is opened with mode=ro instead)."""
    real = sqlite3.connect
    targets: set[Path] = set()

    def connect(database, *args, uri=False, **kwargs):
        if not uri and Path(str(database)).resolve() in targets:
            return real(Path(str(database)).resolve().as_uri() + "?mode=ro", *args, uri=True,
                        **kwargs)
        return real(database, *args, uri=uri, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    return lambda path: targets.add(Path(path).resolve())


# -- 1. what may be moved aside -------------------------------------------------------------


def test_a_folder_is_refused_untouched_even_with_recover(tmp_path):
    docs = tmp_path / "Docs"
    docs.mkdir()
    (docs / "letter.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(JournalError) as err:
        JournalStore(docs, "t", recover=True)
    msg = one_line(str(err.value))
    assert "folder" in msg and str(docs) in msg
    assert docs.is_dir() and [p.name for p in docs.iterdir()] == ["letter.txt"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "deskapp-home") == ["Docs"]


def test_an_unreadable_file_is_refused_untouched(tmp_path, monkeypatch):
    path = tmp_path / "j.sqlite3"
    make_journal(path)
    before = fingerprint(path)
    real_open = open

    def no_permission(file, *args, **kwargs):  # what mode 000 gives a user who is not root
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(store_mod, "open", no_permission, raising=False)
    with pytest.raises(JournalError) as err:
        JournalStore(path, "t", recover=True)
    assert "Permission denied" in one_line(str(err.value))
    monkeypatch.undo()
    assert fingerprint(path) == before and not list(tmp_path.glob("*.corrupt-*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 file (simulated above)")
def test_a_mode_000_file_is_refused_untouched(tmp_path):
    path = tmp_path / "j.sqlite3"
    make_journal(path)
    path.chmod(0)
    try:
        with pytest.raises(JournalError, match="Permission denied"):
            JournalStore(path, "t", recover=True)
    finally:
        path.chmod(0o644)
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_a_read_only_journal_is_refused_for_writing_untouched(tmp_path, read_only):
    path = tmp_path / "j.sqlite3"
    ids = make_journal(path)
    before = fingerprint(path)
    read_only(path)
    with pytest.raises(JournalError) as err:
        JournalStore(path, "t", recover=True)
    assert "read-only" in one_line(str(err.value))
    assert fingerprint(path) == before and not list(tmp_path.glob("*.corrupt-*"))
    # and it still reads
    reader = JournalStore(path, "t", read_only=True)
    try:
        assert [r["id"] for r in reader.records()] == ids
    finally:
        reader.close()


@pytest.mark.parametrize("with_decisions", [True, False], ids=["decisions-table", "other"])
def test_a_foreign_database_is_refused_untouched(tmp_path, with_decisions, capsys):
    path = tmp_path / "other-app.db"
    foreign_db(path, with_decisions)
    before = fingerprint(path)
    assert before[2] == "delete"
    for recover in (False, True):
        with pytest.raises(JournalError) as err:
            JournalStore(path, "t", recover=recover)
        assert "not a deskapp journal" in one_line(str(err.value))
    for verb in (["list"], ["stats"], ["add", "--decision", "wait", "--profile", "swing"]):
        assert main(["journal", "--journal", str(path), *verb]) == 2
        assert "not a deskapp journal" in one_line(capsys.readouterr().err)
    assert fingerprint(path) == before and not list(tmp_path.glob("*.corrupt-*"))


def test_a_foreign_wal_database_with_a_wal_left_behind_is_not_checkpointed(tmp_path):
    """Another application died with data in its -wal: looking at it must not fold that into
    the main file (a read-write connection would, when it closes)."""
    import subprocess
    import sys

    path = tmp_path / "app.db"
    subprocess.run([sys.executable, "-c", (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "db.execute('PRAGMA journal_mode=WAL'); db.execute('PRAGMA wal_autocheckpoint=0')\n"
        "db.execute('CREATE TABLE decisions (id INTEGER PRIMARY KEY, what TEXT)')\n"
        "db.execute(\"INSERT INTO decisions (what) VALUES ('theirs')\"); db.commit()\n"
        "os._exit(0)"), str(path)], check=True)
    wal = tmp_path / "app.db-wal"
    main_bytes, wal_bytes = path.read_bytes(), wal.read_bytes()
    assert len(wal_bytes) > 0
    for recover in (False, True):
        with pytest.raises(JournalError, match="not a deskapp journal"):
            JournalStore(path, "t", recover=recover)
    assert path.read_bytes() == main_bytes and wal.read_bytes() == wal_bytes


def test_an_empty_sqlite_file_becomes_a_journal(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    with closing(sqlite3.connect(empty)) as db:
        db.execute("PRAGMA user_version=0")
    zero = tmp_path / "zero.sqlite3"
    zero.write_bytes(b"")
    for path in (empty, zero):
        store = JournalStore(path, "t")
        try:
            store.record(Decision("wait", "manual", None))
            assert store.count() == 1
        finally:
            store.close()


def damage_a_page(path: Path) -> bytes:
    """Overwrite one b-tree page in the middle of the file; the header stays intact."""
    with closing(sqlite3.connect(path)) as db:
        page = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 6
    data = bytearray(path.read_bytes())
    data[page * 4:page * 5] = b"\xa5" * page
    path.write_bytes(bytes(data))
    return bytes(data)


def test_damage_past_the_header_is_noticed_on_open_and_moved_aside(tmp_path, caplog):
    path = tmp_path / "j.sqlite3"
    make_journal(path, 60)
    damaged = damage_a_page(path)
    with pytest.raises(JournalError) as err:  # without recover: refused, untouched
        JournalStore(path, "t")
    assert "damaged" in one_line(str(err.value))
    assert path.read_bytes() == damaged
    caplog.set_level(logging.INFO)
    store = JournalStore(path, "t", recover=True)
    try:
        assert store.recovered_from is not None
        assert store.recovered_from.read_bytes() == damaged
        assert store.count() == 0
        store.record(Decision("wait", "manual", None))
    finally:
        store.close()
    assert not [r for r in caplog.records if r.exc_info]  # a message, not a traceback
    assert [r.levelname for r in caplog.records if "moved aside" in r.getMessage()] == ["WARNING"]


def test_damage_is_refused_by_the_read_commands(tmp_path, capsys):
    path = tmp_path / "j.sqlite3"
    make_journal(path, 60)
    damaged = damage_a_page(path)
    assert main(["journal", "--journal", str(path), "list"]) == 2
    assert "damaged" in one_line(capsys.readouterr().err)
    assert path.read_bytes() == damaged


def test_the_desk_on_a_folder_renders_with_recording_off(make_desk, qtbot, tmp_path):
    docs = tmp_path / "Docs"
    docs.mkdir()
    desk = make_desk(REPLAY, at="2026-02-05T14:00Z", journal=docs)
    w = desk.window
    with qtbot.waitSignal(w.sig_board_drawn, timeout=60000):
        pass
    off = w.findChild(type(w.clock_label), "status_journal")
    assert off is not None and "recording is off" in off.text() and "folder" in off.text()
    buttons = w.checklist.buttons.values()
    assert buttons and all(not b.isEnabled() for b in buttons)
    assert all("recording is off" in b.toolTip() for b in buttons)
    assert "recording is off" in w.checklist.status.text()
    assert docs.is_dir() and list(docs.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "deskapp-home") == ["Docs"]


def test_deskapp_screenshot_with_a_folder_as_journal_exits_0(tmp_path):
    import subprocess
    import sys

    docs = tmp_path / "Docs"
    docs.mkdir()
    shot = tmp_path / "a.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.run([sys.executable, "-m", "deskapp", "--replay", REPLAY, "--at",
                           "2026-02-05T14:00Z", "--screenshot", str(shot), "--size", "1000x700",
                           "--journal", str(docs)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    ours = [ln for ln in proc.stderr.splitlines() if "propagateSizeHints" not in ln]  # Qt's
    assert "recording is off" in one_line("\n".join(ours)) and "Traceback" not in proc.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert docs.is_dir() and list(docs.iterdir()) == []
    assert not list(tmp_path.glob("Docs.corrupt-*"))


# -- 2. one bad row -------------------------------------------------------------------------


def spoil(path: Path, rid: str) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE decisions SET steps_json = '[' WHERE id = ?", (rid,))
        db.commit()


def test_a_bad_row_is_listed_as_damaged_and_the_rest_still_lists(tmp_path, capsys):
    path = tmp_path / "j.sqlite3"
    good, bad = make_journal(path)
    spoil(path, bad)
    assert main(["journal", "--journal", str(path), "list"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == 2 and good in lines[0] and bad in lines[1]
    assert "damaged" in lines[1] and "steps_json" in lines[1] and "damaged" not in lines[0]
    [said] = [ln for ln in out.err.splitlines() if "damaged" in ln]
    assert bad in said and good not in said
    assert main(["journal", "--journal", str(path), "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [good, bad] and rows[1]["damaged"]
    assert main(["journal", "--journal", str(path), "stats"]) == 0
    assert capsys.readouterr().out.startswith(f"2 decisions in {path}: hedge 1, reduce 0, wait 1")
    csv_path = tmp_path / "e.csv"
    assert main(["journal", "--journal", str(path), "export", "--csv", str(csv_path)]) == 0
    with csv_path.open(newline="", encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert [r["id"] for r in exported] == [good, bad]
    assert exported[0]["damaged"] == "" and "steps_json" in exported[1]["damaged"]
    store = JournalStore(path, "t", read_only=True)
    try:
        recs = {r["id"]: r for r in store.records()}
    finally:
        store.close()
    assert set(recs) == {good, bad}
    assert "damaged" not in recs[good] and recs[good]["steps"] == {"Macro": {"status": "neutral"}}
    assert recs[bad]["steps"] is None and "steps_json" in recs[bad]["damaged"][0]
    assert recs[bad]["decision"] == "wait" and recs[bad]["snapshot"] == {"regime":
                                                                        {"name": "calm"}}


def test_other_kinds_of_bad_cells_are_damage_not_errors(tmp_path, capsys):
    path = tmp_path / "j.sqlite3"
    ids = make_journal(path, 4)
    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE decisions SET notes = CAST(x'636166ff' AS TEXT) WHERE id = ?",
                   (ids[0],))
        db.execute("UPDATE decisions SET risk_limit = 'lots' WHERE id = ?", (ids[1],))
        db.execute("UPDATE decisions SET market_time = 'someday' WHERE id = ?", (ids[2],))
        db.execute("INSERT INTO outcomes VALUES (?, 'BTC', '1w', 's', 't0', 1.0, 't1', 2.0, "
                   "'x', -0.1, 'now')", (ids[3],))
        db.commit()
    assert main(["journal", "--journal", str(path), "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(ids)
    assert rows[ids[0]]["notes"] == "caf\ufffd" and "notes" in rows[ids[0]]["damaged"][0]
    assert rows[ids[1]]["risk_limit"] is None and "risk_limit" in rows[ids[1]]["damaged"][0]
    assert "1w" not in rows[ids[3]]["outcomes"]["BTC"] and "BTC 1w" in rows[ids[3]]["damaged"][0]
    assert main(["journal", "--journal", str(path), "stats"]) == 0
    assert capsys.readouterr().out.startswith("4 decisions")


def test_the_review_dock_shows_a_bad_row_as_damaged(qtbot, tmp_path):
    from deskapp.ui.review_panel import HISTORY_COLUMNS, ReviewPanel

    path = tmp_path / "j.sqlite3"
    good, bad = make_journal(path)
    spoil(path, bad)
    store = JournalStore(path, "t")
    panel = ReviewPanel(store)
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(panel.sig_loaded, timeout=60000) as loaded:
            panel.reload()
        assert loaded.args == [2]
        note = HISTORY_COLUMNS.index("Note")
        notes = [panel.table.item(i, note).text() for i in range(2)]
        assert [r["id"] for r in panel.shown] == [bad, good]
        assert "damaged" in notes[0] and "damaged" not in notes[1]
        panel.table.selectRow(0)
        assert bad in panel.detail.toPlainText() and "steps_json" in panel.detail.toPlainText()
    finally:
        panel.pool.waitForDone(5000)
        store.close()


# -- 3. reading never writes ----------------------------------------------------------------


def test_read_commands_work_on_a_read_only_journal(tmp_path, read_only, capsys):
    path = tmp_path / "j.sqlite3"
    ids = make_journal(path)  # replay decisions whose outcomes the dataset can fill
    before = fingerprint(path)
    read_only(path)
    capsys.readouterr()
    assert main(["journal", "--journal", str(path), "list"]) == 0
    out = capsys.readouterr()
    assert [ln.split()[-1] for ln in out.out.splitlines()] == ids
    assert one_line(out.err).startswith("journal: outcomes not saved: ")
    assert "read-only" in out.err
    assert main(["journal", "--journal", str(path), "stats"]) == 0
    assert capsys.readouterr().out.startswith("2 decisions")
    csv_path = tmp_path / "e.csv"
    assert main(["journal", "--journal", str(path), "export", "--csv", str(csv_path)]) == 0
    assert len(csv_path.read_text(encoding="utf-8").splitlines()) == 3
    # the file itself is as it was (SQLite's WAL reader may leave its -wal and -shm beside it)
    assert fingerprint(path)[:3] == before[:3]


def test_the_store_reads_a_wal_journal_in_a_read_only_folder(tmp_path, monkeypatch):
    """In a read-only folder SQLite cannot make the -shm file a WAL reader needs: the reader
    falls back to reading the file as immutable."""
    path = tmp_path / "j.sqlite3"
    ids = make_journal(path)
    real = sqlite3.connect

    def no_shm(database, *args, uri=False, **kwargs):  # mode=ro fails as in a read-only folder
        if uri and str(database).endswith("?mode=ro"):  # SQLite's own "unable to open"
            database = (tmp_path / "no-such-folder" / "j").as_uri() + "?mode=ro"
        return real(database, *args, uri=uri, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", no_shm)
    store = JournalStore(path, "t", read_only=True)
    try:
        assert [r["id"] for r in store.records()] == ids
    finally:
        store.close()


def test_reading_never_migrates_or_switches_an_old_journal(tmp_path, capsys):
    from test_migrations import V1_EVIDENCE, V1_ROWS, make_v1

    path = tmp_path / "v1.sqlite3"
    make_v1(path)
    with closing(sqlite3.connect(path)) as db:  # no outcome to fill: nothing may be written
        db.execute("UPDATE decisions SET market_time = NULL")
        db.commit()
    before = fingerprint(path)
    for verb in (["list", "--json"], ["stats"]):
        assert main(["journal", "--journal", str(path), *verb]) == 0
    rows = json.loads(capsys.readouterr().out.split("\n2 decisions")[0])
    assert [r["id"] for r in rows] == [r[0] for r in V1_ROWS]
    # read through the migration, in memory
    assert rows[0]["regime"] == V1_EVIDENCE["snapshot"]["regime"]["name"]
    assert fingerprint(path) == before


def test_listing_a_journal_that_does_not_exist_creates_nothing(tmp_path, capsys):
    path = tmp_path / "sub" / "none.sqlite3"
    assert main(["journal", "--journal", str(path), "stats"]) == 0
    assert capsys.readouterr().out.startswith("0 decisions")
    assert not (tmp_path / "sub").exists()


# -- 8a. a full disk ------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(monkeypatch):
    """Every SQLite database may hold one page, like a disk with no room left."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        db = real(*args, **kwargs)
        db.execute("PRAGMA max_page_count=1")
        return db

    monkeypatch.setattr(sqlite3, "connect", connect)


def test_a_full_disk_says_so_when_creating_the_journal(tmp_path, tiny_disk):
    path = tmp_path / "j.sqlite3"
    with pytest.raises(JournalError) as err:
        JournalStore(path, "t", recover=True)
    msg = one_line(str(err.value))
    assert "disk is full" in msg and "rollback" not in msg
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_a_full_disk_says_so_when_recording(tmp_path):
    path = tmp_path / "j.sqlite3"
    make_journal(path)
    store = JournalStore(path, "t", recover=True)
    before = path.read_bytes()
    try:
        assert store.recovered_from is None
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count={pages}")  # the disk is full now
        with pytest.raises(JournalError) as err:
            store.record(Decision("wait", "manual", None, notes="x" * 200_000))
        msg = one_line(str(err.value))
        assert "NOT saved" in msg and "disk is full" in msg and "rollback" not in msg
        assert store.count() == 2
    finally:
        store.close()
    assert path.read_bytes() == before


# -- 8b. a password with a raw '@' ----------------------------------------------------------


def test_a_password_with_a_raw_at_never_shows(capsys):
    from deskapp.journal.postgres import PostgresJournal

    url = "postgresql://trader:s3cr@tTail9@127.0.0.1:1/desk"
    with pytest.raises(JournalError) as err:
        PostgresJournal(url, "t")
    msg = one_line(str(err.value))
    assert "%40" in msg
    for part in ("s3cr", "tTail9"):
        assert part not in msg
    assert main(["journal", "--journal", url, "list"]) == 2
    err_text = one_line(capsys.readouterr().err)
    for part in ("s3cr", "tTail9"):
        assert part not in err_text


def test_display_location_blanks_a_password_with_a_raw_at():
    from deskapp.journal.locate import display_location

    shown = display_location("postgresql://u:p@ss@db.lan:5432/desk?sslmode=require")
    assert shown == "postgresql://u:***@db.lan:5432/desk?sslmode=require"



def test_read_commands_on_a_postgres_database_without_a_journal_create_nothing(capsys):
    psycopg = pytest.importorskip("psycopg")
    from support.postgres_server import postgres_server, require_binaries

    with postgres_server(require_binaries(), password="pw") as server:
        url = server.create_schema()
        for verb in (["list"], ["stats"]):
            assert main(["journal", "--journal", url, *verb]) == 0
        assert capsys.readouterr().out.startswith("0 decisions in postgresql://")
        with psycopg.connect(url) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables "
                                  "WHERE schemaname = current_schema()").fetchone()[0]
        assert tables == 0
        assert main(["journal", "--journal", url, "add", "--decision", "wait", "--profile",
                     "swing"]) == 0
        rid = capsys.readouterr().out.strip()
        assert main(["journal", "--journal", url, "list"]) == 0
        assert capsys.readouterr().out.split()[-1] == rid
