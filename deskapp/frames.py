"""Pure pandas helpers shared by the data and signal layers (no Qt, no I/O)."""

from __future__ import annotations

import pandas as pd


def head_rows(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first `n` rows of `frame` (a float frame on a DatetimeIndex): the same numbers, no
    copy, but not a pandas view of it. A view registers a weak reference in the frame's
    copy-on-write bookkeeping, and the dead ones pile up there by hundreds per frame (~140k
    after a minute of fast replay): every full garbage collection then walked them, 20-60 ms
    with every thread stopped (benchmarks/soak.py). Frames here are never written to."""
    if n >= len(frame):
        return frame
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or any(d != "float64" for d in frame.dtypes):
        return frame.iloc[:n]  # the numbers would not come back as they are
    times = index.asi8[:n].view(f"M8[{index.unit}]")
    return pd.DataFrame(frame.to_numpy()[:n], columns=frame.columns, copy=False,
                        index=pd.DatetimeIndex(times, name=index.name).tz_localize(index.tz))
