"""Issue 13, item 8: unreadable lines of alerts.jsonl are kept aside in alerts.jsonl.rejected
(byte for byte, said once), never dropped, also when the file is cut back."""

from __future__ import annotations

import json
import logging

import pandas as pd

from deskapp.signals.alerts import Alert
from deskapp.ui.alerts import FILE_KEEP, load_history


def alert(n: int) -> Alert:
    t = pd.Timestamp("2026-02-05T14:00Z") + pd.Timedelta(hours=n)
    return Alert(kind="regime", before="a", after="b", time=t, since=t, severity="change",
                 message=f"change {n}")


def line(n: int) -> bytes:
    return json.dumps(alert(n).to_dict()).encode() + b"\n"


BAD = [b"{not json\n", json.dumps({"kind": "regime"}).encode() + b"\n",
       b"\xff\xfe not utf-8 \x00\n"]


def test_bad_lines_are_kept_aside_and_said_once(tmp_path, caplog):
    path = tmp_path / "alerts.jsonl"
    path.write_bytes(line(1) + BAD[0] + line(2) + BAD[1] + b"\n" + BAD[2] + line(3))
    with caplog.at_level(logging.WARNING, logger="deskapp.alerts"):
        assert [a.message for a in load_history(path)] == ["change 1", "change 2", "change 3"]
    rejected = tmp_path / "alerts.jsonl.rejected"
    assert rejected.read_bytes() == b"".join(BAD)  # byte for byte, in file order
    said = [r.getMessage() for r in caplog.records if "unreadable" in r.getMessage()]
    assert len(said) == 1 and "3 unreadable lines (line 2, 4, 6)" in said[0]
    assert str(rejected) in said[0]
    assert path.read_bytes().count(b"\n") == 3  # the history holds the good ones only
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="deskapp.alerts"):  # the next session
        assert [a.message for a in load_history(path)] == ["change 1", "change 2", "change 3"]
    assert not [r for r in caplog.records if "unreadable" in r.getMessage()]  # said once
    assert rejected.read_bytes() == b"".join(BAD)


def test_cutting_the_file_back_keeps_the_bad_lines(tmp_path):
    path = tmp_path / "alerts.jsonl"
    path.write_bytes(BAD[0] + b"".join(line(n) for n in range(2 * FILE_KEEP)))
    got = load_history(path, limit=5)
    assert [a.message for a in got] == [f"change {n}" for n in range(2 * FILE_KEEP - 5,
                                                                      2 * FILE_KEEP)]
    assert path.read_bytes().count(b"\n") == FILE_KEEP  # cut back to the newest FILE_KEEP
    assert (tmp_path / "alerts.jsonl.rejected").read_bytes() == BAD[0]


def test_a_folder_that_cannot_take_the_rejected_file_keeps_the_history_as_it_was(
        tmp_path, caplog):
    path = tmp_path / "alerts.jsonl"
    data = line(1) + BAD[0] + line(2)
    path.write_bytes(data)
    (tmp_path / "alerts.jsonl.rejected").mkdir()  # cannot be appended to
    with caplog.at_level(logging.WARNING, logger="deskapp.alerts"):
        assert [a.message for a in load_history(path)] == ["change 1", "change 2"]
    assert path.read_bytes() == data  # nothing dropped: the bad line stays where it was
    assert any("unreadable" in r.getMessage() for r in caplog.records)
