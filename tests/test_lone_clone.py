"""A clone on its own: ../shared/data is found (or hidden) in one place, tests/support/shared.py,
and the comparisons that need it skip with one summary line. `.ci/run` runs those modules again
in a copy with no ../shared beside it (tools/lone_clone_check.sh)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import shared

TESTS = Path(__file__).resolve().parent


def test_the_environment_variable_hides_shared(monkeypatch):
    monkeypatch.setenv(shared.HIDE_ENV, "1")
    assert shared.shared_data() is None
    with pytest.raises(pytest.skip.Exception, match="not beside this clone"):
        shared.need_shared()
    monkeypatch.setenv(shared.HIDE_ENV, "0")
    assert shared.shared_data() == (shared.SHARED_DATA if shared.SHARED_DATA.is_dir() else None)


def test_no_test_reaches_for_shared_but_through_the_helper():
    # a path built from the literal "shared" or "../shared..." bypasses need_shared()
    pattern = re.compile(r"""["'](\.\./)?shared(/[\w./-]*)?["']""")
    offenders = [f"{p.relative_to(TESTS)}:{n}" for p in sorted(TESTS.rglob("*.py"))
                 if p not in (Path(shared.__file__).resolve(), Path(__file__).resolve())
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if pattern.search(line)]
    assert offenders == []


def test_the_skips_of_several_modules_fold_into_one_line(tmp_path):
    body = ("from support.shared import need_shared\n\n"
            "def test_{0}_a():\n    need_shared()\n\n"
            "def test_{0}_b():\n    assert need_shared().is_dir()\n")
    for name in ("one", "two"):
        (tmp_path / f"test_{name}.py").write_text(body.format(name))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(TESTS), shared.HIDE_ENV: "1"})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("SKIPPED")]
    assert len(lines) == 1, proc.stdout
    assert lines[0].startswith("SKIPPED [4] ") and lines[0].endswith(shared.REASON), lines
    assert "support/shared.py:" in lines[0]
    assert "4 skipped" in proc.stdout and proc.returncode == 0, proc.stdout
