"""The desk and `deskapp journal add` compute through the same engine with the same config: a
user config's [correlation], [vol_target] and [smallcaps] reach the worker's board, the panes
draw it, and the journal records the snapshot the desk shows."""

from __future__ import annotations

import json
import math
import sqlite3
from contextlib import closing

import numpy as np
import pandas as pd
import pytest
from PySide6.QtGui import QTextDocument

from deskapp.cli import main
from deskapp.config import load_config
from deskapp.signals import correlation as corr
from deskapp.signals.snapshot import Snapshot

DATASET = "2026-02-risk-off"
AT = "2026-02-12T20:00Z"
USER_CONFIG = """
[correlation]
h1_window = 60
h4_window = 50
[vol_target]
ndx = 0.10
btc = 0.40
[smallcaps]
breakout_level = 2500.0
"""


def pearson_last(x: np.ndarray, y: np.ndarray, n: int) -> float:
    rx, ry = np.diff(np.log(x))[-n:], np.diff(np.log(y))[-n:]
    dx, dy = rx - rx.mean(), ry - ry.mean()
    return float((dx * dy).sum() / math.sqrt((dx * dx).sum() * (dy * dy).sum()))


@pytest.fixture
def user_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_CONFIG, encoding="utf-8")
    return path


def open_desk(qtbot, datasets, config, tmp_path):
    from deskapp.app import Desk, DeskOptions

    ds = datasets(DATASET)
    desk = Desk(DeskOptions(config=config, dataset=ds, at=pd.Timestamp(AT), speed=0.0,
                            size=(1600, 900), journal=tmp_path / "desk-journal.sqlite3"))
    qtbot.addWidget(desk.window)
    desk.start()
    desk.window.show()
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=30000) as blocker:
        pass
    return desk, blocker.args[0]


def test_config_windows_reach_the_drawn_pane_and_the_journal(qtbot, datasets, user_config,
                                                             tmp_path, capsys):
    config = load_config(user_config)
    desk, view = open_desk(qtbot, datasets, config, tmp_path)
    try:
        snap = view.snapshot
        assert isinstance(snap, Snapshot)  # the typed snapshot crossed from the worker
        c = snap.correlation
        assert (c.h1_window, c.h4_window) == (60, 50)
        ds = datasets(DATASET)
        at = pd.Timestamp(AT)
        pairs = corr.align_intraday(ds.frames["idx.spx.1h"]["close"].loc[:at],
                                    ds.frames["crypto.btcusdt.1h"]["close"].loc[:at])
        want = pearson_last(pairs.iloc[:, 0].to_numpy(), pairs.iloc[:, 1].to_numpy(), 60)
        assert c.h1_120 == pytest.approx(want, abs=1e-9)
        pane = desk.window.panes["correlation"]
        x, y = pane.curve_data("h1_120")
        assert x[-1] == at.timestamp() and y[-1] == pytest.approx(want, abs=1e-9)
        legend = pane.plots[0].legend
        labels = [label.text for _, label in legend.items]
        assert "1h, 60 bars" in labels and "4h, 50 bars" in labels
        assert "1h, 120 bars" not in labels
        header = QTextDocument()
        header.setHtml(pane.header.text())
        assert f"1h·60 {c.h1_120:+.2f}" in header.toPlainText()
        # the other tunables reached the worker too
        assert view.panes["volatility"].readouts["ndx_target_pct"] == pytest.approx(10.0)
        assert view.panes["smallcaps"].readouts["rut_level"] == 2500.0
        desk_snapshot = snap.to_dict()
    finally:
        assert desk.shutdown()
    # `deskapp journal add` with the same config records the snapshot the desk showed
    path = tmp_path / "cli.sqlite3"
    assert main(["journal", "--journal", str(path), "--config", str(user_config), "add",
                 "--decision", "wait", "--profile", "swing", "--replay", DATASET,
                 "--at", AT]) == 0
    rid = capsys.readouterr().out.strip()
    with closing(sqlite3.connect(path)) as db:
        stored = db.execute("SELECT snapshot_json FROM decisions WHERE id = ?",
                            (rid,)).fetchone()[0]
    assert json.loads(stored) == json.loads(json.dumps(desk_snapshot))
