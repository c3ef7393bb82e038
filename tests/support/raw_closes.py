"""The bundled daily closes read with the csv module, and forward returns by a plain loop:
an implementation that shares no code with deskapp.evaluate (tests only)."""

from __future__ import annotations

import csv
import gzip
from datetime import datetime, timedelta

from deskapp.resources import replay_dir


def bundled_series_csv(key: str):
    return replay_dir() / "series" / f"{key}.csv.gz"


def raw_closes(key: str) -> list[tuple[datetime, float]]:
    """(UTC stamp, close) rows of the bundled CSV, read with the csv module only."""
    with gzip.open(bundled_series_csv(key), "rt", newline="") as fh:
        rows = [(datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%SZ"), r["close"])
                for r in csv.DictReader(fh)]
    return [(t, float(c)) for t, c in rows if c not in ("", "nan", "NaN")]


def plain_forward(rows, step: datetime, horizon: int, calendar: bool):
    """Start: last close at or before the step; end: `horizon` rows later (sessions) or the
    close stamped exactly `horizon` days later; drawdown over the path, P0 the first peak."""
    start = None
    for i, (t, _) in enumerate(rows):
        if t <= step:
            start = i
    if start is None:
        return None, None
    end = None
    if calendar:
        for i in range(start + 1, len(rows)):
            if rows[i][0] == rows[start][0] + timedelta(days=horizon):
                end = i
    elif start + horizon < len(rows):
        end = start + horizon
    if end is None:
        return None, None
    peak, worst = rows[start][1], 0.0
    for i in range(start + 1, end + 1):
        peak = max(peak, rows[i][1])
        worst = min(worst, rows[i][1] / peak - 1)
    return rows[end][1] / rows[start][1] - 1, worst
