"""Start-up: process start to the first painted board written as PNG.

1. a replay: `deskapp --replay 2026-02-risk-off --at ... --screenshot`;
2. a warm cache: `deskapp --source cache --screenshot`, the cache filled with the live universe's
   series (real values from the bundled 2026-02 replay under the live keys).

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


def _time(cmd: list[str], env: dict, png: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        png.unlink(missing_ok=True)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
        assert png.exists()
    return times


def _fill_cache(home: Path) -> int:
    from deskapp.data.cache import MarketCache
    from deskapp.data.instruments import UNIVERSE
    from deskapp.data.replay import load_dataset

    ds = load_dataset("2026-02-risk-off")
    cache = MarketCache(home / "data" / "market-cache.sqlite3")
    rows = 0
    for s in UNIVERSE:
        src = s.key if s.key in ds.frames else None
        if src is None and s.key.startswith("deriv.btc_funding_8h."):
            continue
        if src is not None:
            rows += cache.put(s.key, ds.frames[src].loc[:"2026-02-10T21:00Z"], s.meta())
    cache.close()
    return rows


def _report(label: str, times: list[float]) -> None:
    print(f"{label}, {len(times)} runs: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESKAPP_HOME": tmp}
        png = home / "board.png"
        base = [sys.executable, "-m", "deskapp", "--screenshot", str(png), "--size", "1600x900"]
        _report("replay: start -> PNG written",
                _time(base + ["--replay", "2026-02-risk-off", "--at", "2026-02-10T21:00Z"], env,
                      png, runs))
        rows = _fill_cache(home)
        _report(f"warm cache ({rows} values): start -> PNG written",
                _time(base + ["--source", "cache"], env, png, runs))


if __name__ == "__main__":
    main()
