"""`deskapp evaluate` speed: the full 12-year daily run on the bundled `history` replay.

Steps: one per S&P 500 session 2014-01-01..2026-02-13 at 21:00 UTC (about 3,050), each a full
`compute_snapshot`, in chunks over up to two processes. Prints wall time and the CPU time of
this process and its workers (the figure that does not depend on other load on the machine).
Usage: python benchmarks/evaluate.py   (prints figures only)

Measured 2026-12-05 on the 2-core box shared with other sessions (load average 5-9):
3,048 steps, CPU 24.9 s in all (8.2 ms per step), wall 32.5 s at load 7.2. The same steps
through main's engine before this work, on uncut frames: 177 s on one process (58 ms per step);
the `signals` timeline took 189 s for 4,427 steps. With both cores free the two workers need
about CPU / 2 + start-up = ~14 s.
"""

from __future__ import annotations

import os
import time

import pandas as pd

from deskapp.config import load_config
from deskapp.data.replay import load_dataset
from deskapp.evaluate.run import build_timeline
from deskapp.evaluate.timeline import Settings


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ds = load_dataset("history")
    settings = Settings.from_config(load_config(None))
    load = os.getloadavg()[0]
    w0, c0 = time.perf_counter(), _cpu()
    timeline = build_timeline(ds.frames, ds.meta, pd.Timestamp("2014-01-01", tz="UTC"),
                              pd.Timestamp("2026-02-13", tz="UTC"), settings)
    wall, cpu = time.perf_counter() - w0, _cpu() - c0
    n = len(timeline)
    print(f"evaluate 2014-01-01..2026-02-13: {n} trading-day steps, wall {wall:.1f} s, "
          f"CPU {cpu:.1f} s ({cpu / n * 1e3:.1f} ms per step), {os.cpu_count()} cores, "
          f"load average {load:.1f} at the start")


if __name__ == "__main__":
    main()
