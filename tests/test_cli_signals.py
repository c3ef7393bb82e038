"""`deskapp signals`: the snapshot as JSON, the regime timeline as CSV, bad arguments exit 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest

from deskapp.cli import main
from deskapp.signals.snapshot import compute_snapshot


def test_json_snapshot_equals_the_library_call(capsys, datasets):
    assert main(["signals", "--replay", "2026-02-risk-off", "--at", "2026-02-05T22:00Z",
                 "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    ds = datasets("2026-02-risk-off")
    direct = compute_snapshot(ds.frames, pd.Timestamp("2026-02-05T22:00Z"), ds.meta).to_dict()
    assert printed == direct
    assert printed["asof"] == "2026-02-05T22:00:00Z"
    for key in ("correlation", "macro", "volatility", "breadth", "crypto", "flywheel",
                "early_warning", "smallcaps", "chain", "regime", "missing"):
        assert key in printed


def test_timeline_csv_one_row_per_step_with_flat_keys(tmp_path, capsys):
    out = tmp_path / "timeline.csv"
    assert main(["signals", "--replay", "2025-10-liquidations", "--from", "2025-10-08",
                 "--to", "2025-10-12", "--every", "1d", "--csv", str(out)]) == 0
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["asof"][:10] for r in rows] == ["2025-10-08", "2025-10-09", "2025-10-10",
                                              "2025-10-11", "2025-10-12"]
    for key in ("correlation.daily_30", "regime.name", "flywheel.stage", "crypto.liq_long_z"):
        assert key in rows[0]
    # the record flush of 10 October shows in the row after it (data to 2025-10-11 00:00)
    assert int(rows[3]["flywheel.stage"]) >= 2
    assert "steps" in capsys.readouterr().err  # progress on stderr


@pytest.mark.parametrize("args, words", [
    (["signals", "--replay", "nope", "--json"], "unknown replay 'nope'"),
    (["signals", "--json", "--at", "garbage"], "--at 'garbage' is not a date/time"),
    (["signals", "--replay", "2024-08-carry-unwind", "--json", "--at", "2030-01-01"],
     "is outside replay"),
    (["signals", "--replay", "2024-08-carry-unwind"], "say --json"),
    (["signals", "--from", "2024-08-01", "--to", "2024-08-05"], "needs --from, --to and --csv"),
    (["signals", "--replay", "2024-08-carry-unwind", "--from", "2024-08-05", "--to",
      "2024-08-01", "--csv", "x.csv"], "--to is before --from"),
    (["signals", "--replay", "2024-08-carry-unwind", "--from", "2024-08-01", "--to",
      "2024-08-05", "--every", "soon", "--csv", "x.csv"], "--every 'soon'"),
])
def test_bad_arguments_exit_2_with_one_line(args, words, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert words in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_signals_runs_as_a_module_without_qt(tmp_path):
    """The headless command never needs a display or the GUI stack."""
    code = ("import sys; from deskapp.cli import main; rc = main(['signals', '--replay', "
            "'2024-08-carry-unwind', '--at', '2024-08-05T20:00Z', '--json']); "
            "assert 'PySide6.QtWidgets' not in sys.modules; sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["asof"] == "2024-08-05T20:00:00Z"
