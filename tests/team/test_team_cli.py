"""`deskapp --source URL` and `market_url` on the real command line: bad URLs are one line,
exit 2, and never show the password (the desk is never started for them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECRET = "hunter2pw"


def deskapp(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DESKAPP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "deskapp", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("url, mentions", [
    (f"postgresql://trader:{SECRET}@db.lan/desk?nonsense=1", "not a usable PostgreSQL URL"),
    (f"mysql://trader:{SECRET}@db.lan/desk", "must be live, cache, replay or a postgresql://"),
    ("livee", "must be live, cache, replay or a postgresql://"),
])
def test_bad_source_is_one_line_exit_2_without_the_password(tmp_path, url, mentions):
    proc = deskapp("--source", url, home=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    assert mentions in proc.stderr and SECRET not in proc.stderr


def test_bad_market_url_in_the_config_is_one_line_exit_2(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(f'market_url = "postgresql://trader:{SECRET}@db.lan/d?bad=1"\n')
    proc = deskapp("--config", str(config), home=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "market_url" in proc.stderr and SECRET not in proc.stderr
    config.write_text('market_url = "db.lan"\n')
    proc = deskapp("--config", str(config), home=tmp_path)
    assert proc.returncode == 2 and "must be a postgresql:// URL" in proc.stderr, proc.stderr


def test_replay_flags_do_not_mix_with_a_team_feed(tmp_path):
    proc = deskapp("--source", "postgresql://trader@db.lan/d", "--at", "2026-02-05",
                   home=tmp_path)
    assert proc.returncode == 2 and "--at applies to replays" in proc.stderr, proc.stderr
