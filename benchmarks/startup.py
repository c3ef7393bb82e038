"""Time from `deskapp --replay ... --screenshot` process start to the PNG written.

Usage: python benchmarks/startup.py [runs]   (prints figures; asserts nothing)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": tmp}
        png = Path(tmp) / "board.png"
        cmd = [sys.executable, "-m", "deskapp", "--replay", "2026-02-risk-off",
               "--at", "2026-02-10T21:00Z", "--screenshot", str(png), "--size", "1600x900"]
        times = []
        for _ in range(runs):
            png.unlink(missing_ok=True)
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
            assert png.exists()
    print(f"screenshot start -> PNG written, {runs} runs: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
