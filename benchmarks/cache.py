"""MarketCache speed: put (new rows, then the same rows again), get, last_time, reopening.

Frames: hourly OHLCV bars (5 columns) and a one-column `value` series, 10k and 100k rows each,
written to a fresh cache file in a temporary folder.
Usage: python benchmarks/cache.py [runs]   (prints figures; asserts nothing)
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from deskapp.data.cache import MarketCache


def frame(rows: int, columns: list[str]) -> pd.DataFrame:
    idx = pd.date_range("2015-01-01", periods=rows, freq="h", tz="UTC", name="time")
    values = np.random.default_rng(0).normal(100, 5, (rows, len(columns)))
    return pd.DataFrame(values, index=idx, columns=columns)


def timed(fn: Callable[[], object], runs: int) -> str:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return f"median {statistics.median(times) * 1e3:7.1f} ms (min {min(times) * 1e3:6.1f})"


def measure(path: Path, f: pd.DataFrame, runs: int) -> dict[str, str]:
    out = {}
    with MarketCache(path) as cache:
        keys = iter(range(runs))  # each run writes a new key: every row is new
        out["put new"] = timed(lambda: cache.put(f"k{next(keys)}", f), runs)
        out["put again"] = timed(lambda: cache.put("k0", f), runs)
        out["get"] = timed(lambda: cache.get("k0"), runs)
        out["last_time"] = timed(lambda: cache.last_time("k0"), runs)
        out[f"get_all ({runs} keys)"] = timed(cache.get_all, max(1, runs // 2))
    out["open+close"] = timed(lambda: MarketCache(path).close(), runs)
    out["file size"] = f"{path.stat().st_size / 2**20:.1f} MiB"
    return out


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    shapes = {"bars": ["open", "high", "low", "close", "volume"], "value": ["value"]}
    print(f"SQLite {sqlite3.sqlite_version}, pandas {pd.__version__}, {runs} runs each")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (10_000, 100_000):
            for kind, columns in shapes.items():
                path = Path(tmp) / f"{kind}-{rows}.sqlite3"
                figures = measure(path, frame(rows, columns), runs)
                print(f"{rows // 1000}k rows of {kind} ({rows * len(columns)} values):")
                for name, text in figures.items():
                    print(f"  {name:<16} {text}")


if __name__ == "__main__":
    main()
