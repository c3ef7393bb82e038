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


BTC_KEYS = ("crypto.btc", "crypto.btc.hist", "crypto.btcusdt.1h", "crypto.btc_yahoo.1h",
            "crypto.btcusdt.2h", "crypto.btcusdt.4h")


def merged_closes(keys=BTC_KEYS) -> list[tuple[datetime, float]]:
    """Every close of the bundled `keys` on one time line; on a shared stamp the first key
    listed wins. Plain dict and sort (tests only)."""
    seen: dict[datetime, float] = {}
    for key in keys:
        if not bundled_series_csv(key).exists():
            continue
        for t, c in raw_closes(key):
            if t not in seen:
                seen[t] = c
    return sorted(seen.items())


def plain_price_at(rows, when: datetime, max_age=timedelta(days=1)):
    """The last close stamped at or before `when`, if no older than `max_age` (a plain loop)."""
    best = None
    for t, c in rows:
        if t > when:
            break
        best = (t, c)
    if best is None or when - best[0] > max_age:
        return None
    return best[1]


def plain_clock_forward(rows, step: datetime, days: int):
    """BTC on the step's clock: P(step + days) / P(step) - 1, and the worst fall from the
    running peak over P(step + k days), k = 0..days (missing samples skipped)."""
    p0, end = plain_price_at(rows, step), plain_price_at(rows, step + timedelta(days=days))
    if p0 is None or end is None:
        return None, None
    peak, worst = p0, 0.0
    for k in range(1, days + 1):
        p = plain_price_at(rows, step + timedelta(days=k))
        if p is None:
            continue
        peak = max(peak, p)
        worst = min(worst, p / peak - 1)
    return end / p0 - 1, worst
