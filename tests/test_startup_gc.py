"""The desk's start pauses cyclic garbage collection and its first board hands it to the GUI
thread (ui/gui_thread_gc.py); a command (signals, evaluate ...) always runs with automatic
collection on, and no call leaves it off."""

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


def test_the_first_board_freezes_start_up_and_hands_collection_to_the_gui_thread(monkeypatch):
    from deskapp.ui.gui_thread_gc import install, installed

    monkeypatch.setattr(app, "_startup_frozen", False)
    frozen_before = gc.get_freeze_count()
    keep = [object() for _ in range(10)] + [[] for _ in range(10)]  # tracked by the collector
    thresholds = gc.get_threshold()
    install((700, 10, 10))  # Python's defaults (a desk of an earlier test set the desk's)
    gc.enable()  # as the command line leaves it
    try:
        app._freeze_startup_objects()
        assert not gc.isenabled()  # no pass in whichever thread allocates ...
        assert installed().thresholds == app.GC_THRESHOLDS  # ... the GUI thread's, less often
        assert gc.get_threshold() == app.GC_THRESHOLDS
        assert app.GC_THRESHOLDS[0] > 700
        assert gc.get_freeze_count() >= frozen_before + 10
    finally:
        install(thresholds)
    del keep
