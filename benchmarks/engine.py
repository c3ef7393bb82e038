"""The compute worker's cost per board: one engine pass against the two separate passes it
replaced (compute_board, then compute_snapshot with its cache).

Universe as benchmarks/signals.py: every daily series of the bundled `history` dataset cut to
the 3 years before the first board, plus 120 days of S&P 500 and BTC hourly bars from
`2026-02-risk-off`. Boards at 30 successive hourly closes (what the worker computes as a replay
or the live feed advances), settings from the default config.
Usage: python benchmarks/engine.py   (prints figures only)
"""

from __future__ import annotations

import statistics
import time

import pandas as pd

from deskapp.config import load_config
from deskapp.data.replay import load_dataset
from deskapp.signals.board import BoardInputs, compute_board
from deskapp.signals.engine import SignalCache, SignalSettings, compute
from deskapp.signals.snapshot import SnapshotCache, compute_snapshot

STEPS = 30


def main() -> None:
    hist, episode = load_dataset("history"), load_dataset("2026-02-risk-off")
    first = pd.Timestamp("2026-02-09T14:00Z")
    frames = {k: f.loc[first - pd.Timedelta(days=3 * 365):] for k, f in hist.frames.items()}
    for k in ("idx.spx.1h", "idx.rut.1h", "crypto.btcusdt.1h"):
        frames[k] = episode.frames[k].loc[first - pd.Timedelta(days=120):]
    meta = {**hist.meta, **episode.meta}
    btc1 = frames["crypto.btcusdt.1h"]
    times = list(btc1.index[btc1.index >= first][:STEPS])
    s = SignalSettings.from_config(load_config())

    def separate(t: pd.Timestamp, cache: SnapshotCache) -> None:
        compute_board(BoardInputs(
            frames=frames, meta=meta, asof=t, ai_basket=s.basket,
            daily_windows=s.daily_windows, h1_window=s.h1_window, h4_window=s.h4_window,
            rut_level=s.rut_level, vol_targets=s.vol_targets))
        compute_snapshot(frames, t, meta, basket=s.basket, vol_targets=s.vol_targets,
                         rut_threshold=s.rut_level, cache=cache, windows=s.windows)

    def engine(t: pd.Timestamp, cache: SignalCache) -> None:
        compute(frames, meta, t, s, cache=cache)

    per: dict[str, list[float]] = {"two passes (before)": [], "one engine pass (now)": []}
    for _ in range(2):  # interleaved rounds: both see the same machine load
        caches = (SnapshotCache(), SignalCache())
        for t in times:
            for values, fn, cache in zip(per.values(), (separate, engine), caches,
                                         strict=True):
                t0 = time.perf_counter()
                fn(t, cache)
                values.append(time.perf_counter() - t0)
    for name, values in per.items():
        print(f"{name}: median {statistics.median(values) * 1e3:.1f} ms per board, "
              f"max {max(values) * 1e3:.1f} ms, over {len(values)} hourly boards")


if __name__ == "__main__":
    main()
