"""A date axis whose finer labels keep clear of the coarser ones.

pyqtgraph's DateAxisItem drops a day tick only where it falls exactly on a month tick, so a day
two days after the first of the month prints on top of the month's label ("Dec03"). Here a tick
closer than half its own level's step (the distance between its ticks; pyqtgraph reports the
day level's spacing as one day even when it labels every 5th) to a coarser tick is left out.
"""

from __future__ import annotations

import pyqtgraph as pg


class DateAxis(pg.DateAxisItem):
    """Bottom date axis for the time panes (UTC)."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph API)
        kept: list[float] = []
        levels = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            step = min((b - a for a, b in zip(values, values[1:], strict=False)), default=spacing)
            clear = [v for v in values if all(abs(v - k) >= 0.5 * step for k in kept)]
            levels.append((spacing, clear))
            kept.extend(clear)
        return levels
