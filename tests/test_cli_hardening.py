"""Issue 13, section 2: bad input on the command line ends in one line and exit 2, before any
work is done; outputs are checked first; user text is echoed escaped; limits are stated."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from deskapp.cli import main

REPO = Path(__file__).resolve().parents[1]


def run(*args: str | bytes, home: Path, timeout: float = 300, limit_memory: bool = False,
        **env: str) -> subprocess.CompletedProcess:
    """`python -m deskapp ARGS` in a subprocess with its own DESKAPP_HOME, headless."""
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": str(home), **env}
    full_env.pop("DESKAPP_RESOURCES", None)
    full_env.update(env)

    def cap_memory() -> None:  # a runaway read fails fast instead of eating the machine
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run([sys.executable, "-m", "deskapp", *args], cwd=REPO, env=full_env,
                          capture_output=True, timeout=timeout,
                          preexec_fn=cap_memory if limit_memory else None)


def one_line(stderr: str | bytes, *mentions: str) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text, text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    for m in mentions:
        assert m in lines[0], f"{m!r} not in {lines[0]!r}"
    return lines[0]


def refused(proc: subprocess.CompletedProcess, *mentions: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    line = one_line(proc.stderr, *mentions)
    assert line.startswith("deskapp: ")
    return line


def main_refuses(argv: list[str], capsys, *mentions: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    line = one_line(err, *mentions)
    assert line.startswith("deskapp: ")
    return line


SIGNALS_TIMELINE = ["signals", "--replay", "2025-10-liquidations", "--from", "2025-10-08",
                    "--to", "2025-10-10", "--csv"]


# ---------------------------------------------------------------- item 4: output paths first
@pytest.fixture
def read_only_dir(tmp_path: Path):
    """A real read-only file system (a tmpfs mounted ro); skipped where mounting is not allowed."""
    where = tmp_path / "ro"
    where.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a read-only tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(where)],
                          capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {proc.stderr.strip()!r}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def _targets(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "adir.csv"
    folder.mkdir()
    afile = tmp_path / "afile"
    afile.write_text("a regular file\n")
    return {"a folder": folder, "inside a regular file": afile / "out.csv"}


@pytest.mark.parametrize("kind", ["a folder", "inside a regular file", "read-only"])
def test_journal_export_csv_is_checked_before_the_journal_is_opened(kind, tmp_path, capsys,
                                                                    request):
    target = (request.getfixturevalue("read_only_dir") / "out.csv" if kind == "read-only"
              else _targets(tmp_path)[kind])
    journal = tmp_path / "j.sqlite3"
    main_refuses(["journal", "--journal", str(journal), "export", "--csv", str(target)], capsys,
                 "--csv", str(target))
    assert not journal.exists()  # refused before any work: the journal was not even created


@pytest.mark.parametrize("kind", ["a folder", "inside a regular file", "read-only"])
def test_signals_csv_is_checked_before_any_step(kind, tmp_path, capsys, request):
    target = (request.getfixturevalue("read_only_dir") / "out.csv" if kind == "read-only"
              else _targets(tmp_path)[kind])
    main_refuses(SIGNALS_TIMELINE + [str(target)], capsys, "--csv", str(target))


def test_a_write_that_fails_after_the_check_is_one_line(tmp_path, capsys, monkeypatch):
    """The disk can still fill up between the check and the write: one line, exit 2."""
    import csv

    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csv.DictWriter, "writerows", full)
    out = tmp_path / "t.csv"
    assert main(SIGNALS_TIMELINE + [str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    *progress, last = err.strip().splitlines()  # the progress lines of the steps, then one line
    assert all(line.startswith("signals: ") for line in progress)
    assert last.startswith("deskapp: ") and str(out) in last and "No space left" in last
    assert [p.name for p in tmp_path.iterdir() if p.name != "deskapp-home"] == []  # no half
    # file, no temporary left


def test_screenshot_that_is_a_folder_is_refused_before_rendering(tmp_path):
    (tmp_path / "adir.png").mkdir()
    proc = run("--replay", "2026-02-risk-off", "--screenshot", str(tmp_path / "adir.png"),
               home=tmp_path / "home")
    refused(proc, "adir.png", "folder")
    assert not (tmp_path / "home" / "data" / "journal.sqlite3").exists()  # no desk was built


def test_screenshot_in_a_read_only_folder_is_refused(read_only_dir, capsys):
    main_refuses(["--replay", "2026-02-risk-off", "--screenshot", str(read_only_dir / "a.png")],
                 capsys, "a.png", "Read-only file system")


def test_every_too_large_for_a_duration(tmp_path, capsys):
    main_refuses(["signals", "--replay", "2025-10-liquidations", "--from", "2025-10-08",
                  "--to", "2025-10-10", "--every", "99999999999999999999d",
                  "--csv", str(tmp_path / "t.csv")], capsys, "--every", "99999999999999999999d")


def test_note_with_bytes_that_are_not_utf8_is_refused_and_nothing_is_recorded(tmp_path):
    journal = tmp_path / "j.sqlite3"
    proc = run("journal", "--journal", str(journal), "add", "--decision", "wait",
               "--profile", "swing", "--note", b"caf\xff", home=tmp_path / "home")
    line = refused(proc, "--note", "UTF-8")
    assert "caf\\xff" in line
    assert not journal.exists()


def test_a_market_cache_path_that_is_a_folder(tmp_path):
    home = tmp_path / "home"
    cache = home / "data" / "market-cache.sqlite3"
    cache.mkdir(parents=True)
    proc = run("--source", "cache", "--screenshot", str(tmp_path / "a.png"), home=home)
    refused(proc, str(cache))
    assert cache.is_dir() and not any(cache.iterdir())  # untouched
    assert not (tmp_path / "a.png").exists()


def test_config_from_dev_zero_is_refused_quickly(tmp_path):
    proc = run("--config", "/dev/zero", "signals", "--json", home=tmp_path / "home",
               timeout=120, limit_memory=True)
    refused(proc, "/dev/zero", "regular file")
    proc = run("signals", "--json", "--config", "/dev/zero", home=tmp_path / "home",
               timeout=120, limit_memory=True)
    refused(proc, "/dev/zero", "regular file")


def test_config_that_is_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    proc = run("journal", "--config", str(fifo), "list", home=tmp_path / "home", timeout=120)
    refused(proc, str(fifo), "regular file")


def test_config_larger_than_the_cap_is_refused(tmp_path, capsys):
    from deskapp.config import MAX_CONFIG_BYTES

    big = tmp_path / "config.toml"
    big.write_text("# " + "x" * MAX_CONFIG_BYTES + "\n", encoding="utf-8")
    main_refuses(["signals", "--json", "--config", str(big)], capsys, str(big),
                 f"{MAX_CONFIG_BYTES}")


# ---------------------------------------------------------------- item 8: smaller ones
def test_timeline_steps_are_capped_and_the_count_is_said(tmp_path, capsys):
    from deskapp.commands.signals import MAX_STEPS

    out = tmp_path / "t.csv"
    line = main_refuses(["signals", "--replay", "history", "--from", "2010-01-05",
                         "--to", "2026-08-23", "--every", "1min", "--csv", str(out)], capsys)
    # the count, worked out independently: minutes between the ends, plus the first step
    minutes = (pd.Timestamp("2026-08-23") - pd.Timestamp("2010-01-05")) // pd.Timedelta("1min")
    assert minutes == 6074 * 24 * 60  # 16 years with 4 leap days (5844 d) + 230 d of 2026
    assert f"{minutes + 1:,}" in line and f"{MAX_STEPS:,}" in line
    assert not out.exists()


@pytest.mark.parametrize("argv", [
    ["signals", "--replay", "2026-02-risk-off", "--at", "2026-02-17T23:59Z", "--json"],
    ["--replay", "2026-02-risk-off", "--at", "2026-02-17T23:59Z"],
    ["journal", "add", "--decision", "wait", "--profile", "swing", "--replay",
     "2026-02-risk-off", "--at", "2026-02-17T23:59Z"],
], ids=["signals", "desk", "journal add"])
def test_out_of_range_message_shows_the_time_of_the_range_ends(argv, tmp_path, capsys):
    if argv[0] == "journal":
        argv = argv[:1] + ["--journal", str(tmp_path / "j.sqlite3")] + argv[1:]
    line = main_refuses(argv, capsys, "2026-02-17T23:59Z")
    assert "2026-02-17T00:00Z" in line  # the range ends at 00:00, which the date alone hid


@pytest.mark.parametrize("argv", [
    ["--at", "2026-02-05\x1b[31mT14:00", "--replay", "2026-02-risk-off"],
    ["--theme", "dark\x1b]0;pwned\x07"],
    ["--replay", "no\nsuch\rreplay"],
    ["signals", "--json", "--replay", "x\x00y\x7f"],
    ["--bogus\x1b[2J"],
], ids=["--at", "argparse choice", "newline", "NUL and DEL", "unknown option"])
def test_control_characters_are_escaped_when_echoed(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n")  # one line, even with \n in the input
    body = err[:-1]
    assert not any(ord(c) < 32 or ord(c) == 127 for c in body), repr(body)
    assert "\\x1b" in body or "\\n" in body or "\\x00" in body


# ---------------------------------------------------------------- found by the property test
def test_a_time_before_1900_or_after_2200_is_refused(capsys):
    main_refuses(["signals", "--json", "--at", "-1"], capsys, "--at '-1'", "1900 to 2200")


def test_a_name_too_long_for_the_file_system_is_one_line(capsys):
    main_refuses(SIGNALS_TIMELINE + ["x" * 5000], capsys, "--csv", "File name too long")


def test_a_journal_name_too_long_for_the_file_system_is_one_line(tmp_path, capsys):
    main_refuses(["journal", "list", "--journal", str(tmp_path / ("x" * 3000))], capsys,
                 "File name too long")


@pytest.mark.parametrize("verb", [["journal", "list"], ["--replay", "2026-02-risk-off"]],
                         ids=["journal list", "desk"])
def test_a_journal_inside_a_regular_file_is_refused(verb, tmp_path, capsys, monkeypatch):
    import deskapp.app

    monkeypatch.setattr(deskapp.app, "run_desk", lambda opts: pytest.fail("desk opened"))
    afile = tmp_path / "afile"
    afile.write_text("a regular file\n")
    main_refuses(verb + ["--journal", str(afile / "j.sqlite3")], capsys,
                 f"{afile} is a file, not a folder")
    assert afile.read_text() == "a regular file\n"


def test_journal_add_with_an_unreadable_cache_says_so_in_one_line(tmp_path, capsys,
                                                                   _isolated_home):
    (_isolated_home / "data" / "market-cache.sqlite3").mkdir(parents=True)
    assert main(["journal", "--journal", str(tmp_path / "j.sqlite3"), "add", "--decision",
                 "wait", "--profile", "swing"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "market cache" in err[0] and "without a snapshot" in err[0], err
