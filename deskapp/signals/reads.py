"""`ReadLog`: the frames as a dict that notes which series a computation looked up.

The caches of the signal pass (board_cache.py, snapshot.py's `SnapshotCache`) key what they
keep on the daily series it was computed from. Keying on every daily series would throw the
work away whenever any of them moved, a watch list's or a live feed's extra symbols included;
keying on a hand-kept list would go wrong the day a pane reads one more. So each keeps what was
actually looked up. Pure: no Qt, no I/O.
"""

from __future__ import annotations

import pandas as pd


class ReadLog(dict):
    """`frames`, noting each key looked up in `seen` (found or not: a series that appears later
    matters too); `every` once something walked them all (then every series counts)."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        super().__init__(frames)
        self.seen: set[str] = set()
        self.every = False

    def read(self) -> tuple[str, ...] | None:
        """The keys looked up so far, sorted; None once every series was walked."""
        return None if self.every else tuple(sorted(self.seen))

    def __getitem__(self, key: str) -> pd.DataFrame:
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default=None):
        self.seen.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.seen.add(key)
        return super().__contains__(key)

    def _walked(self) -> ReadLog:
        self.every = True
        return self

    def __iter__(self):
        return dict.__iter__(self._walked())

    def __len__(self) -> int:
        return dict.__len__(self._walked())

    def keys(self):
        return dict.keys(self._walked())

    def values(self):
        return dict.values(self._walked())

    def items(self):
        return dict.items(self._walked())
