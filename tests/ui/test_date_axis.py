"""Date-axis labels never sit on top of each other (a day tick next to a month tick)."""

from __future__ import annotations

import pandas as pd
import pyqtgraph as pg
import pytest

from deskapp.ui.panes.date_axis import DateAxis


def epoch(day: str) -> float:
    return pd.Timestamp(day, tz="UTC").timestamp()


def shown(qtbot, axis: pg.DateAxisItem) -> pg.DateAxisItem:
    """The axis in a painted plot (it measures its labels with the font it is drawn in)."""
    w = pg.PlotWidget(axisItems={"bottom": axis})
    qtbot.addWidget(w)
    w.resize(800, 300)
    w.show()
    qtbot.waitExposed(w, timeout=60000)
    w.grab()
    return axis


@pytest.mark.parametrize(("start", "end", "px"), [("2025-11-25", "2026-02-12", 720),
                                                  ("2025-10-01", "2026-02-12", 500),
                                                  ("2026-01-20", "2026-02-12", 700)])
def test_finer_ticks_keep_clear_of_coarser_ones(qtbot, start, end, px):
    axis = shown(qtbot, DateAxis(orientation="bottom", utcOffset=0))
    levels = axis.tickValues(epoch(start), epoch(end), px)
    assert sum(len(v) for _, v in levels) >= 3  # still labelled
    seen: list[float] = []
    for _, values in levels:
        step = min(b - a for a, b in zip(values, values[1:], strict=False)) if len(values) > 1 \
            else None
        if step is not None:
            for v in values:
                assert all(abs(v - k) >= 0.5 * step for k in seen), v
        seen.extend(values)


def test_pyqtgraphs_axis_puts_a_day_next_to_the_first_of_the_month(qtbot):
    """What the class exists for: 1 Dec (month label) and 3 Dec (day label), two days apart
    with days labelled every 5, print on top of each other ("Dec03")."""
    plain = shown(qtbot, pg.DateAxisItem(orientation="bottom", utcOffset=0))
    (_, months), (_, days) = plain.tickValues(epoch("2025-11-28"), epoch("2026-02-12"), 720)[:2]
    assert epoch("2025-12-01") in months and epoch("2025-12-03") in days
    ours = shown(qtbot, DateAxis(orientation="bottom", utcOffset=0))
    (_, months), (_, days) = ours.tickValues(epoch("2025-11-28"), epoch("2026-02-12"), 720)[:2]
    assert epoch("2025-12-01") in months and epoch("2025-12-03") not in days
    assert epoch("2025-12-08") in days
