"""The real command line, run as a subprocess: listings, version, and one-line errors (exit 2)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RESOURCES = REPO / "resources"
DATASETS = json.loads((RESOURCES / "replay" / "datasets.json").read_text(encoding="utf-8"))
NAMES = [d["name"] for d in DATASETS]
RISK_OFF = next(d for d in DATASETS if d["name"] == "2026-02-risk-off")


def deskapp(*args: str, home: Path, resources: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": str(home)}
    env.pop("DESKAPP_RESOURCES", None)
    if resources is not None:
        env["DESKAPP_RESOURCES"] = str(resources)
    return subprocess.run([sys.executable, "-m", "deskapp", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def assert_usage_error(proc: subprocess.CompletedProcess, *must_mention: str) -> str:
    """Exit 2, exactly one line on stderr that names the problem, no traceback, no output."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("deskapp: ")
    for text in must_mention:
        assert text in line, f"{text!r} not in {line!r}"
    assert proc.stdout == ""
    return line


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_version(home):
    proc = deskapp("--version", home=home)
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"deskapp {version}"


def test_list_replays_prints_one_line_per_dataset_with_its_range(home):
    proc = deskapp("--list-replays", home=home)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == len(DATASETS) == 4
    assert {"history", "2026-02-risk-off", "2025-10-liquidations", "2024-08-carry-unwind"} \
        == set(NAMES)
    for line, d in zip(lines, DATASETS, strict=True):
        assert line.split()[0] == d["name"]
        assert f"{d['start'][:10]} .. {d['end'][:10]}" in line


BAD_INPUTS = {
    "unparseable --at": (["--at", "next tuesday"], ["--at", "next tuesday", "ISO 8601"]),
    "--at before the replay": (
        ["--replay", "2026-02-risk-off", "--at", "2020-03-01"],
        ["outside", "2026-02-risk-off", RISK_OFF["start"][:10], RISK_OFF["end"][:10]]),
    "--at after the replay": (
        ["--replay", "2026-02-risk-off", "--at", "2026-03-01T12:00Z"], ["outside"]),
    "--size 12x": (["--size", "12x"], ["--size", "'12x'", "1600x900"]),
    "--size 0x0": (["--size", "0x0"], ["--size", "'0x0'"]),
    "--size axb": (["--size", "axb"], ["--size", "'axb'"]),
    "--speed -1": (["--speed", "-1"], ["--speed", "'-1'"]),
    "--screens 0": (["--screens", "0"], ["--screens", "'0'", "1 to 6"]),
    "--screens 7": (["--screens", "7"], ["--screens", "'7'", "1 to 6"]),
    "--screens two": (["--screens", "two"], ["--screens", "'two'", "1 to 6"]),
    "--theme pink": (["--theme", "pink"], ["--theme", "'pink'", "dark", "light"]),
    "unknown option": (["--colour"], ["unrecognized arguments", "--colour"]),
    "unknown option=value": (["--colour=red"], ["unrecognized arguments", "--colour=red"]),
}


@pytest.mark.parametrize("args,mentions", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_one_line_and_exit_2(home, args, mentions):
    assert_usage_error(deskapp(*args, home=home), *mentions)


def test_unknown_replay_lists_the_available_ones(home):
    line = assert_usage_error(deskapp("--replay", "2008-lehman", home=home), "'2008-lehman'")
    for name in NAMES:
        assert name in line


def test_screenshot_must_be_png(home, tmp_path):
    assert_usage_error(deskapp("--screenshot", str(tmp_path / "board.jpg"), home=home),
                       "board.jpg", ".png")


def test_screenshot_folder_must_exist(home, tmp_path):
    missing = tmp_path / "no-such-folder"
    assert_usage_error(deskapp("--screenshot", str(missing / "board.png"), home=home),
                       str(missing), "does not exist")
    assert not missing.exists()


def test_malformed_config_toml(home, tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text('[universe]\nai_basket = ["NVDA", \n', encoding="utf-8")
    assert_usage_error(deskapp("--config", str(bad), home=home), str(bad), "TOML")


def _resources_with(tmp_path: Path, key: str, damage) -> Path:
    copy = tmp_path / "resources"
    shutil.copytree(RESOURCES, copy)
    damage(copy / "replay" / "series" / f"{key}.csv.gz")
    return copy


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not gzip \x00\x01\x02" * 40)


def _not_csv(path: Path) -> None:
    path.write_bytes(gzip.compress(b"\x89PNG\r\n\x1a\n binary junk"))


DAMAGE = {"truncated": _truncate, "garbage": _garbage, "gzip of junk": _not_csv,
          "deleted": Path.unlink}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_series_file_is_named(home, tmp_path, damage):
    key = "rates.us10y"
    assert key in RISK_OFF["series"]  # precondition: the dataset really uses it
    resources = _resources_with(tmp_path, key, damage)
    proc = deskapp("--replay", "2026-02-risk-off", "--screenshot", str(tmp_path / "x.png"),
                   home=home, resources=resources)
    assert_usage_error(proc, f"{key}.csv.gz")
    assert not (tmp_path / "x.png").exists()
