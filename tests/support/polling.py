"""Waiting for another process's effect in a test."""

from __future__ import annotations

import time


def wait_for(condition, what: str, timeout_s: float = 90.0):
    """Poll another process's effect (no timing is asserted: the deadline only ends a hang)."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = condition()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
