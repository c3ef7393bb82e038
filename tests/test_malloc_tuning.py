"""deskapp.malloc_tuning: freed arrays of a few hundred kB go back to the system (glibc)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deskapp.malloc_tuning import tune_malloc

ROOT = Path(__file__).resolve().parents[1]
# 100 MB of 512 kB arrays, allocated after a freed 4 MB block (which raises glibc's dynamic
# mmap threshold) and freed under a 300 kB block: what stays resident, in MB.
SCRIPT = """
import os, sys
sys.path.insert(0, {root!r})
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
if sys.argv[1] == "tuned":
    from deskapp.malloc_tuning import tune_malloc
    assert tune_malloc()
import numpy as np
base = rss()
big = np.ones(4 * 2**20 // 8)
del big
blocks = [np.ones(512 * 1024 // 8) for _ in range(200)]
top = np.ones(300 * 1024 // 8)
del blocks
print(rss() - base)
"""


def resident_after(mode: str) -> float:
    env = {"PATH": "/usr/bin:/bin"}  # no MALLOC_* or GLIBC_TUNABLES from the caller
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT)), mode],
                         capture_output=True, text=True, env=env, timeout=120, check=True)
    return float(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_freed_arrays_leave_the_process_when_tuned():
    if not tune_malloc():
        pytest.skip("no glibc here (musl?): the allocator is not tuned")
    if resident_after("default") < 50:
        pytest.skip("this allocator hands the memory back untuned: nothing to compare")
    assert resident_after("tuned") < 10


def test_an_allocator_choice_in_the_environment_is_left_alone(monkeypatch):
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=4")
    assert tune_malloc() is False
    monkeypatch.delenv("GLIBC_TUNABLES")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert tune_malloc() is False  # the threshold is still fixed; the arenas are the user's
