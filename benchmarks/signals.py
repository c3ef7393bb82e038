"""Snapshot speed: cold full snapshot, and the update after one new hourly bar.

Universe: every daily series of the bundled `history` dataset, cut to the 3 years before the
snapshot time, plus 120 days of S&P 500 and BTC hourly bars from `2026-02-risk-off`.
Usage: python benchmarks/signals.py   (prints figures only)
"""

from __future__ import annotations

import statistics
import time

import pandas as pd

from deskapp.data.replay import load_dataset
from deskapp.signals.snapshot import SnapshotCache, compute_snapshot


def main() -> None:
    hist, episode = load_dataset("history"), load_dataset("2026-02-risk-off")
    asof = pd.Timestamp("2026-02-10T20:00Z")
    frames = {k: f.loc[asof - pd.Timedelta(days=3 * 365):] for k, f in hist.frames.items()}
    for k in ("idx.spx.1h", "idx.rut.1h", "crypto.btcusdt.1h"):
        frames[k] = episode.frames[k].loc[asof - pd.Timedelta(days=120):]
    meta = {**hist.meta, **episode.meta}
    btc1 = frames["crypto.btcusdt.1h"]
    print(f"universe: {len(frames)} series, {sum(len(f) for f in frames.values())} rows; "
          f"{int((btc1.index <= asof).sum())} BTC hourly bars before the first snapshot")
    cold = []
    for _ in range(20):
        t0 = time.perf_counter()
        compute_snapshot(frames, asof, meta)
        cold.append(time.perf_counter() - t0)
    cache = SnapshotCache()
    compute_snapshot(frames, asof, meta, cache=cache)
    inc = []
    for t in btc1.index[btc1.index > asof][:20]:  # each step: one more hourly bar has closed
        t0 = time.perf_counter()
        compute_snapshot(frames, t, meta, cache=cache)
        inc.append(time.perf_counter() - t0)
    print(f"full snapshot from cold: median {statistics.median(cold) * 1e3:.1f} ms "
          f"(min {min(cold) * 1e3:.1f}, max {max(cold) * 1e3:.1f}) over 20 runs")
    print(f"after one new hourly bar (daily part reused from the cache when no daily bar "
          f"closed: {cache.hits} of {len(inc)}): median {statistics.median(inc) * 1e3:.1f} ms, "
          f"max {max(inc) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
