"""No test asserts a duration (README, Development): an assert that reads a clock
(time.perf_counter / monotonic / time / *_ns, or a name computed from one) is flaky on a
shared machine. Tests inject clocks and assert order and counts; a wait with a deadline
(qtbot.waitUntil, a liveness guard) is not an assertion about time."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CLOCKS = {"perf_counter", "monotonic", "time", "perf_counter_ns", "monotonic_ns", "time_ns",
          "process_time"}


def _reads_clock(node: ast.AST, timed: set[str]) -> bool:
    for sub in ast.walk(node):
        if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                and sub.func.attr in CLOCKS and isinstance(sub.func.value, ast.Name)
                and sub.func.value.id == "time"):
            return True
        if isinstance(sub, ast.Name) and sub.id in timed:
            return True
    return False


def timed_asserts(source: str) -> list[int]:
    """Line numbers of asserts that read a clock, directly or through a variable."""
    tree = ast.parse(source)
    timed: set[str] = set()
    # Names bound from a clock, to a fixed point (t0 = perf_counter(); wall = perf_counter() - t0).
    while True:
        before = len(timed)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _reads_clock(node.value, timed):
                timed.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if len(timed) == before:
            break
    return [n.lineno for n in ast.walk(tree)
            if isinstance(n, ast.Assert) and _reads_clock(n.test, timed)]


def test_the_scan_finds_a_timed_assert():
    assert timed_asserts("import time\nt0 = time.monotonic()\nassert time.monotonic() - t0 < 5\n"
                         ) == [3]
    assert timed_asserts("import time\nt = time.perf_counter()\nw = time.perf_counter() - t\n"
                         "print(w)\nassert w < 1.0\n") == [5]
    assert timed_asserts("x = clock()\nassert x == 3\n") == []


def test_no_test_asserts_a_duration():
    found = {str(p.relative_to(TESTS)): lines for p in sorted(TESTS.rglob("*.py"))
             if (lines := timed_asserts(p.read_text(encoding="utf-8")))}
    assert found == {}, found
