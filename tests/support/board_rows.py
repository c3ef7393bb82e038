"""Bundled series read with csv + gzip only, for the board tests' independent computations
(tests/signals/test_board.py, test_board_panes.py): no code shared with deskapp's readers."""

from __future__ import annotations

import csv
import gzip
import math
from datetime import UTC, datetime, timedelta
from functools import cache

from deskapp.resources import replay_dir


@cache
def bundled(key: str) -> tuple[tuple[datetime, dict[str, float | None]], ...]:
    """A bundled series: (UTC close time, {column: value or None})."""
    rows = []
    with gzip.open(replay_dir() / "series" / f"{key}.csv.gz", "rt", newline="") as fh:
        for rec in csv.DictReader(fh):
            t = datetime.strptime(rec.pop("time"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            rows.append((t, {k: (float(v) if v != "" else None) for k, v in rec.items()}))
    return tuple(rows)


def known(key: str, column: str, asof: datetime, since: datetime | None
          ) -> list[tuple[datetime, float]]:
    """Non-blank values of `column` stamped in [since, asof] (no lower bound: None)."""
    return [(t, v[column]) for t, v in bundled(key)
            if (since is None or since <= t) and t <= asof and v[column] is not None]


def btc_daily(asof: datetime, since: datetime | None) -> list[tuple[datetime, float]]:
    """crypto.btc closes known at asof, plus the provisional point of BTC's UTC day so far
    (SIGNALS.md, Conventions): the last Binance hourly close stamped after 00:00 UTC and at or
    before asof, stamped asof, when the daily closes reach that 00:00."""
    rows = known("crypto.btc", "close", asof, since)
    start = asof.replace(hour=0, minute=0, second=0, microsecond=0)
    hours = [(t, v) for t, v in known("crypto.btcusdt.1h", "close", asof, since) if t > start]
    if rows and rows[-1][0] == start and asof > start and hours:
        rows = rows + [(asof, hours[-1][1])]
    return rows


def session_day(t: datetime):
    """The calendar date a daily bar stamped t belongs to (a 00:00 UTC close: the day before)."""
    return (t - timedelta(seconds=1)).date()


def log_returns(xs: list[float]) -> list[float]:
    return [math.log(xs[i] / xs[i - 1]) for i in range(1, len(xs))]
