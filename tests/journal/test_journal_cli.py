"""`deskapp journal`: add (uuid only after the commit), list, export (spreadsheet-safe), stats;
and crash safety: a writer killed with SIGKILL loses nothing it acknowledged."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys

import pytest

from deskapp.cli import main
from deskapp.journal.export import safe_cell


def test_add_prints_the_uuid_of_a_committed_row_with_the_snapshot(tmp_path, capsys):
    path = tmp_path / "j.sqlite3"
    assert main(["journal", "--journal", str(path), "add", "--decision", "hedge", "--profile",
                 "swing", "--note", "dollar up, vol up", "--replay", "2026-02-risk-off", "--at",
                 "2026-02-05T22:00Z"]) == 0
    rid = capsys.readouterr().out.strip()
    db = sqlite3.connect(path)
    try:
        row = db.execute("SELECT decision, profile, notes, source, dataset, market_time, "
                         "snapshot_json FROM decisions WHERE id = ?", (rid,)).fetchone()
    finally:
        db.close()
    decision, profile, notes, source, dataset, market_time, evidence = row
    assert (decision, profile, notes, source, dataset) == ("hedge", "swing", "dollar up, vol up",
                                                           "replay", "2026-02-risk-off")
    assert market_time == "2026-02-05T22:00:00Z"
    snapshot = json.loads(evidence)
    assert snapshot["asof"] == market_time and snapshot["regime"]["name"]


def test_list_json_export_and_stats(tmp_path, capsys):
    path = str(tmp_path / "j.sqlite3")
    for decision, note in (("hedge", "=1+1"), ("wait", "@SUM(A1)"), ("wait", "plain")):
        assert main(["journal", "--journal", path, "add", "--decision", decision, "--profile",
                     "long-term", "--note", note]) == 0
    capsys.readouterr()
    assert main(["journal", "--journal", path, "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["decision"] for r in rows] == ["hedge", "wait", "wait"]
    out = tmp_path / "export.csv"
    assert main(["journal", "--journal", path, "export", "--csv", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        notes = [r["notes"] for r in csv.DictReader(fh)]
    assert notes == ["'=1+1", "'@SUM(A1)", "plain"]
    capsys.readouterr()
    assert main(["journal", "--journal", path, "stats"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == \
        f"3 decisions in {tmp_path / 'j.sqlite3'}: hedge 1, reduce 0, wait 2"


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-1", "@x", "\tx", "\rx"])
def test_formula_like_cells_are_written_as_text(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell("1=1") == "1=1" and safe_cell(5) == 5


def test_bad_journal_arguments_exit_2(tmp_path, capsys):
    path = str(tmp_path / "j.sqlite3")
    assert main(["journal", "--journal", path, "add", "--decision", "buy", "--profile",
                 "swing"]) == 2
    assert main(["journal", "--journal", path, "add", "--decision", "wait", "--profile",
                 "swing", "--at", "2026-02-05"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "invalid choice: 'buy'" in err[0] and "--at needs --replay" in err[1]
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    assert main(["journal", "--journal", str(garbage), "list"]) == 2
    assert "cannot be opened" in capsys.readouterr().err


WRITER = """
import sys
from deskapp.journal.store import Decision, JournalStore
store = JournalStore(sys.argv[1], "crash-test")
# A record the size of a real one: a snapshot of ~200 numbers spans several database pages.
snapshot = {"regime": {"name": "volatility_event"},
            "values": {f"signal_{i}": i * 0.001 for i in range(200)}}
steps = {f"step {i}": {"status": "risk-off", "override": i == 2, "note": "x" * 40}
         for i in range(5)}
while True:
    rid = store.record(Decision(decision="wait", source="replay", market_time=None,
                                profile="swing", risk_limit=2.5, steps=steps,
                                snapshot=snapshot, evidence={"n": 1}))
    print(rid, flush=True)  # acknowledged: printed only after the commit returned
"""


def test_sigkill_at_a_random_moment_loses_nothing_acknowledged(tmp_path):
    rng = random.Random(20261123)
    path = tmp_path / "crash.sqlite3"
    acknowledged: list[str] = []
    kills = 60
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)],
                                stdout=subprocess.PIPE, text=True, env=os.environ.copy())
        want = rng.randint(1, 40)  # kill after a random number of acknowledged writes
        for _ in range(want):
            line = proc.stdout.readline()
            assert line, "writer died early"
            acknowledged.append(line.strip())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in db.execute("SELECT id FROM decisions")}
    finally:
        db.close()
    missing = [rid for rid in acknowledged if rid not in stored]
    assert missing == [], f"{len(missing)} acknowledged decisions lost"
    assert len(acknowledged) >= kills
    print(f"\n[crash] {kills} SIGKILLs, {len(acknowledged)} acknowledged decisions, "
          f"{len(stored)} stored, 0 lost, integrity_check ok")
