"""Journal speed: one decision commit (what the GUI thread waits for before "saved"), reading a
journal of N full records (the review dock does it in a pool thread), and filling outcomes.

Records carry a real snapshot from the bundled `2026-02-risk-off` replay.
Usage: python benchmarks/journal.py [N]   (prints figures only)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from deskapp.data.replay import load_dataset
from deskapp.journal.outcome_fill import fill_outcomes
from deskapp.journal.store import Decision, JournalStore
from deskapp.signals.snapshot import compute_snapshot


def main(n: int = 1000) -> None:
    ds = load_dataset("2026-02-risk-off")
    t0 = pd.Timestamp("2026-02-05T21:00Z")
    snap = compute_snapshot(ds.frames, t0, ds.meta).to_dict()
    steps = {f"step {i}": {"status": "risk-off", "suggested": "neutral", "override": True,
                           "note": "checked by hand"} for i in range(5)}
    with tempfile.TemporaryDirectory() as tmp:
        store = JournalStore(Path(tmp) / "bench.sqlite3", "bench")
        commits = []
        for i in range(n):
            when = (t0 + pd.Timedelta(hours=i % 200)).isoformat().replace("+00:00", "Z")
            d = Decision("hedge", "replay", when, profile="swing", risk_limit=2.0, steps=steps,
                         snapshot=snap, dataset=ds.info.name, notes=f"decision {i}")
            start = time.perf_counter()
            store.record(d)
            commits.append((time.perf_counter() - start) * 1000)
        size = (Path(tmp) / "bench.sqlite3").stat().st_size
        start = time.perf_counter()
        records = store.records()
        read_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        pending = store.pending_outcomes()
        pending_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        stored = fill_outcomes(store, ds.frames, ds.meta, "replay", ds.info.name)
        fill_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        fill_outcomes(store, ds.frames, ds.meta, "replay", ds.info.name)
        again_ms = (time.perf_counter() - start) * 1000
        store.close()
    commits.sort()
    print(f"snapshot JSON per record: {len(str(snap)) / 1024:.1f} KB; journal file "
          f"{size / 1e6:.1f} MB for {n} records")
    print(f"commit (WAL, synchronous=FULL): median {statistics.median(commits):.2f} ms, "
          f"p95 {commits[int(0.95 * len(commits))]:.2f} ms, max {commits[-1]:.2f} ms")
    print(f"read all {len(records)} records (review dock, pool thread): {read_ms:.0f} ms")
    print(f"pending-outcome query over {len(pending)} decisions: {pending_ms:.1f} ms")
    print(f"fill {stored} outcomes for {len(pending)} decisions: {fill_ms:.0f} ms; "
          f"again with nothing new to fill: {again_ms:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
