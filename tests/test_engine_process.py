"""The signal engine in a child process (deskapp/engine_process.py): the boards it answers are
the boards `compute` makes in this process from the same batches, and a child that is gone
or out of step says so instead of answering."""

from __future__ import annotations

import os
import signal

import numpy as np
import pandas as pd
import pytest

from deskapp import engine_process
from deskapp.data.feed import FeedBatch
from deskapp.data.hub import MarketState
from deskapp.engine_process import EngineGone, EngineProcess
from deskapp.signals.engine import SignalSettings, compute

START = pd.Timestamp("2026-02-05T14:00Z")
STEPS = [START + pd.Timedelta(hours=h) for h in (1, 2, 7, 30)]  # hourly bars and a day close


def batch_at(ds, at: pd.Timestamp, keys=None) -> FeedBatch:
    """What a replay sends at `at`: each frame cut to it (all keys, or `keys`)."""
    frames = {k: f.loc[:at] for k, f in ds.frames.items() if keys is None or k in keys}
    return FeedBatch(source="replay", dataset=ds.info.name, clock=at, frames=frames)


def same_board(a, b) -> None:
    assert a.asof == b.asof and a.source == b.source and a.dataset == b.dataset
    assert a.snapshot.to_dict() == b.snapshot.to_dict()
    assert a.panes.keys() == b.panes.keys()
    for key, pane in a.panes.items():
        assert pane.curves.keys() == b.panes[key].curves.keys()
        for cid, curve in pane.curves.items():
            np.testing.assert_array_equal(curve.x, b.panes[key].curves[cid].x)
            np.testing.assert_array_equal(curve.y, b.panes[key].curves[cid].y)


@pytest.fixture
def engine_and_state(datasets, config):
    ds = datasets("2026-02-risk-off")
    settings = SignalSettings.from_config(config)
    state = MarketState(meta=ds.meta).apply(batch_at(ds, START))
    engine = EngineProcess(state.meta, settings)
    yield ds, settings, engine, state
    engine.close()


def test_the_childs_boards_are_the_boards_computed_here(engine_and_state):
    ds, settings, engine, state = engine_and_state
    assert engine.wait_ready(state, timeout_s=60), "the child did not start in 60 s"
    hourly = [k for k, m in ds.meta.items() if m.get("freq") in ("1h", "4h")]
    for at in STEPS:  # the replay's batches: the hourly series, and at a day close all of them
        batch = batch_at(ds, at, None if at == STEPS[-1] else hourly)
        state = state.apply(batch)
        engine.apply(batch)
        got = engine.board(state.clock, view_days=120)
        want = compute(state.frames, state.meta, state.clock, settings, source=state.source,
                       dataset=state.dataset, view_days=120)
        same_board(got, want)
    assert got.asof == STEPS[-1] and len(got.panes) >= 6


def test_a_board_at_another_clock_than_the_childs_state_is_refused(engine_and_state):
    _ds, _settings, engine, state = engine_and_state
    assert engine.wait_ready(state, timeout_s=60)
    with pytest.raises(EngineGone, match="out of step"):
        engine.board(state.clock + pd.Timedelta(hours=1), view_days=120)


def test_a_killed_child_is_reported_gone_and_closing_it_is_quiet(engine_and_state):
    _ds, _settings, engine, state = engine_and_state
    assert engine.wait_ready(state, timeout_s=60)
    os.kill(engine.pid, signal.SIGKILL)
    with pytest.raises(EngineGone):
        engine.board(state.clock, view_days=120)
    engine.close()
    engine.close()  # idempotent
    assert engine.closed


def test_a_child_that_dies_before_ready_is_reported_gone(datasets, config, monkeypatch):
    ds = datasets("2026-02-risk-off")
    state = MarketState(meta=ds.meta).apply(batch_at(ds, START))
    engine = EngineProcess(state.meta, SignalSettings.from_config(config))
    try:
        os.kill(engine.pid, signal.SIGKILL)
        engine._proc.join(30)
        with pytest.raises(EngineGone, match="exited|gone"):
            engine.wait_ready(state, timeout_s=5)
    finally:
        engine.close()


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="POSIX niceness")
def test_the_child_runs_at_a_lower_priority_than_the_desk(engine_and_state):
    # Where the child and the GUI thread want one core, the scheduler serves the GUI first.
    _ds, _settings, engine, state = engine_and_state
    assert engine.wait_ready(state, timeout_s=60)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, engine.pid) == min(19, ours + engine_process.NICE)
    assert engine_process.NICE > 0
