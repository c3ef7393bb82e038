"""The desk's start pauses cyclic garbage collection and its first board turns it back on; a
command (signals, evaluate ...) always runs with collection on, and no call leaves it off."""

from __future__ import annotations

import gc

import pytest

from deskapp import app, cli


@pytest.fixture(autouse=True)
def _collection_back_on():
    yield
    gc.enable()


def test_a_command_runs_with_collection_on_even_after_the_entry_script_paused_it(monkeypatch):
    from deskapp.commands import signals

    seen = []
    monkeypatch.setattr(signals, "run", lambda *a: seen.append(gc.isenabled()) or 0)
    gc.disable()  # as deskapp/__main__.py does before its first import
    assert cli.main(["signals", "--replay", "history"]) == 0
    assert seen == [True]


def test_the_desk_starts_with_collection_paused_and_the_call_never_leaves_it_off(monkeypatch):
    seen = []
    monkeypatch.setattr(app, "run_desk", lambda opts: seen.append(gc.isenabled()) or 0)
    assert cli.main(["--replay", "2026-02-risk-off"]) == 0
    assert seen == [False]
    assert gc.isenabled()


def test_bad_input_on_the_desk_path_leaves_collection_on(capsys):
    assert cli.main(["--replay", "2026-02-risk-off", "--at", "1999-01-01"]) == 2
    assert "outside replay" in capsys.readouterr().err
    assert gc.isenabled()


def test_the_first_board_freezes_start_up_and_turns_collection_on(monkeypatch):
    monkeypatch.setattr(app, "_startup_frozen", False)
    gc.disable()
    frozen_before = gc.get_freeze_count()
    keep = [object() for _ in range(10)] + [[] for _ in range(10)]  # tracked by the collector
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's defaults (a desk of an earlier test set its own)
    try:
        app._freeze_startup_objects()
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen_before + 10
        assert gc.get_threshold() == app.GC_THRESHOLDS  # fewer full collections
        assert app.GC_THRESHOLDS[0] > 700
    finally:
        gc.set_threshold(*thresholds)
    del keep
