"""`deskapp evaluate`: bad arguments exit 2 with one line; a short run end to end on `history`."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from support.raw_closes import merged_closes, plain_clock_forward
from support.raw_closes import plain_forward as _plain
from support.raw_closes import raw_closes as _raw

from deskapp.cli import main
from deskapp.evaluate.timeline import Settings, desk_read, run_desk, trading_days
from deskapp.signals.snapshot import compute_snapshot


@pytest.mark.parametrize(("argv", "expected"), [
    (["--from", "2020-01-01", "--to", "2020-02-01"], "required: --out"),
    (["--from", "garbage", "--to", "2020-02-01", "--out", "{tmp}/o"],
     "--from 'garbage' is not a date/time"),
    (["--from", "2020-02-01", "--to", "2020-01-01", "--out", "{tmp}/o"], "--to is before --from"),
    (["--replay", "nope", "--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/o"],
     "unknown replay 'nope'"),
    (["--from", "1990-01-01", "--to", "2020-02-01", "--out", "{tmp}/o"], "is outside replay"),
    (["--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/no/such/o"],
     "does not exist or is not writable"),
    (["--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/file"], "is a file"),
    (["--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/o", "--workers", "x"],
     "--workers 'x' must be"),
    (["--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/o", "--episodes",
      "{tmp}/missing.md"], "cannot read episodes"),
    (["--from", "2020-01-04", "--to", "2020-01-05", "--out", "{tmp}/o"], "no S&P 500 session"),
    (["--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/no/a\nb"], "a\\nb"),
    (["--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/o\x00"],
     "holds a NUL character"),
    (["--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/o", "--workers",
      "\x1b[31m"], "--workers '\\x1b[31m'"),
    (["--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/o", "--episodes",
      "{tmp}/x\x00"], "holds a NUL character"),
])
def test_bad_arguments_exit_2_with_one_line(argv, expected, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    args = ["evaluate", "--replay", "history"] + [a.replace("{tmp}", str(tmp_path))
                                                  for a in argv]
    if "--replay" in argv:
        args = ["evaluate"] + [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err
    assert not any(ord(c) < 32 for c in err.rstrip("\n")), err
    assert not (tmp_path / "o").exists()  # nothing written before the arguments are checked


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval") / "out"
    assert main(["evaluate", "--replay", "history", "--from", "2020-02-18", "--to",
                 "2020-03-20", "--out", str(out), "--workers", "2"]) == 0
    return out


def test_short_run_writes_the_three_files(short_run, capsys):
    for name in ("report.html", "timeline.csv", "summary.json"):
        assert (short_run / name).stat().st_size > 0
    with (short_run / "timeline.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["date"] for r in rows][:3] == ["2020-02-18", "2020-02-19", "2020-02-20"]
    assert rows[-1]["date"] == "2020-03-20" and len(rows) == 24  # S&P 500 sessions
    for col in ("regime", "early_warning", "flywheel", "corr30", "vix", "spx_ret_1d",
                "spx_ret_1w", "spx_ret_1m", "spx_dd_1m", "btc_ret_1d", "btc_ret_1w",
                "btc_ret_1m", "btc_dd_1m", "corr_spike", "period"):
        assert col in rows[0]
    summary = json.loads((short_run / "summary.json").read_text())
    regimes = summary["periods"]["all"]["groups"]["regime"]
    assert sum(g["n"] for g in regimes.values()) == len(rows)
    assert set(regimes) == {r["regime"] for r in rows}  # names from the data
    covid = next(e for e in summary["episodes"] if e["name"] == "COVID crash")
    assert [d["date"] for d in covid["days"]] == [r["date"] for r in rows if r["date"] >=
                                                  "2020-02-24"]


def test_report_is_self_contained(short_run):
    page = (short_run / "report.html").read_text()
    assert "<svg" in page and "out of sample" in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "<script" not in page and "@import" not in page


def test_timeline_forward_returns_match_the_plain_loop(short_run):
    with (short_run / "timeline.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    spx, btc = _raw("idx.spx"), merged_closes()
    from datetime import datetime

    for r in rows[::5]:
        step = datetime.fromisoformat(r["date"] + "T21:00:00")
        for col, h in (("spx_ret_1w", 5), ("spx_ret_1m", 21)):
            want, dd = _plain(spx, step, h, False)
            assert float(r[col]) == pytest.approx(want, rel=1e-8)
            if col.endswith("1m"):
                assert float(r[col.replace("ret", "dd")]) == pytest.approx(dd, rel=1e-8)
        for col, h in (("btc_ret_1w", 7), ("btc_ret_1m", 30)):
            want, dd = plain_clock_forward(btc, step, h)
            assert float(r[col]) == pytest.approx(want, rel=1e-8)
            if col.endswith("1m"):
                assert float(r[col.replace("ret", "dd")]) == pytest.approx(dd, rel=1e-8)


def test_desk_read_is_the_engine_and_the_tail_cut_changes_nothing(datasets, config):
    ds = datasets("history")
    settings = Settings.from_config(config)
    steps = trading_days(ds.frames["idx.spx"], pd.Timestamp("2022-05-02", tz="UTC"),
                         pd.Timestamp("2022-05-13", tz="UTC"))
    cut = run_desk(ds.frames, ds.meta, steps, settings, workers=1)
    whole = run_desk(ds.frames, ds.meta, steps, settings, workers=1, tail=None)
    pd.testing.assert_frame_equal(cut, whole)
    t = steps[-1]
    snap = compute_snapshot(ds.frames, t, ds.meta, basket=settings.basket,
                            vol_targets=settings.vol_targets)
    read = desk_read(ds.frames, ds.meta, t, settings)
    assert read["regime"] == snap.regime.name == cut["regime"].iloc[-1]
    assert read["early_warning"] == snap.early_warning.count
    assert read["flywheel"] == snap.flywheel.stage
    assert read["corr30"] == snap.correlation.daily_30


def test_evaluate_modules_load_no_qt():
    code = ("import sys, deskapp.evaluate.run, deskapp.evaluate.report, "
            "deskapp.evaluate.table, deskapp.signals.track_record, deskapp.commands.evaluate; "
            "print('PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
