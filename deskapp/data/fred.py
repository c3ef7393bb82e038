"""FRED's public CSV download for the dollar-liquidity series (no API key): WALCL, WTREGEN,
RRPONTSYD from `https://fred.stlouisfed.org/graph/fredgraph.csv?id=<ID>`.

Live values match the bundled replay store (tools/build_replays.py, resources/replay/PROVENANCE.md):
- units: USD billions. WALCL and WTREGEN come in millions (divided by 1000); RRPONTSYD is
  already in billions;
- stamps (bar close = when the value became known): the H.4.1 weeklies (WALCL, WTREGEN) are
  dated on the Wednesday and released the next day at 16:30 New York; the overnight reverse
  repo is known on its operation date at 13:15 New York. A row stamped after `clock()` (not
  published yet) is left out.
The CSV is `observation_date,<ID>` (older downloads: `DATE,<ID>`), one row per observation;
a blank (or ".") value is FRED's missing observation and stays missing, never filled.

Failures are `SourceError`s per key, one line each. A rate limit (429), a FRED server error
(5xx), a timeout or a network error stops the batch (the remaining series are not asked) and
backs the source off exponentially with jitter (never less than Retry-After); an unknown series
(400/404) is not transient; a body that is not such a CSV (an HTML page, a truncated or garbled
file) fails only its own series. `due(now)` is False while backing off; a batch with answers
resets the backoff. One worker thread calls the adapter; `session` is any `requests.Session`
(tests hand in one that talks to a loopback server).
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from deskapp import __version__
from deskapp.data.backoff import Backoff
from deskapp.data.errors import (
    Failure,
    SourceError,
    network_reason,
    one_line,
    retry_after_seconds,
)
from deskapp.data.feed import canonical
from deskapp.data.instruments import LiveSeries
from deskapp.data.live import FIRST_HISTORY, utc_now

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

FRED_CSV = "https://fred.stlouisfed.org/graph/fredgraph.csv"
NY = "America/New_York"
BACKOFF_BASE = 60.0  # seconds after the first failed batch
BACKOFF_MAX = 3600.0
RATE_LIMIT_MIN = 120.0  # a 429 waits at least this long


@dataclass(frozen=True)
class FredRule:
    """How one FRED series becomes a replay-compatible `value` column."""

    scale: float  # to USD billions
    release: pd.Timedelta  # from the observation date's midnight, New York time


H41 = pd.Timedelta(days=1, hours=16, minutes=30)  # Wednesday's H.4.1, out Thursday 16:30
RULES = {
    "WALCL": FredRule(1e-3, H41),  # millions -> billions
    "WTREGEN": FredRule(1e-3, H41),
    "RRPONTSYD": FredRule(1.0, pd.Timedelta(hours=13, minutes=15)),  # billions; 13:15 NY
}


class FredFormatError(ValueError):
    """The body is not FRED's CSV for the series asked for."""


def parse_csv(text: str, series_id: str) -> pd.Series:
    """FRED's graph CSV -> values by observation date (naive dates); blanks are left out."""
    lines = [ln.strip() for ln in text.lstrip("\ufeff").splitlines() if ln.strip()]
    if not lines:
        raise FredFormatError("empty body")
    head = [h.strip().strip('"') for h in lines[0].split(",")]
    if len(head) != 2 or head[0].lower() not in ("observation_date", "date") \
            or head[1].upper() != series_id.upper():
        raise FredFormatError(f"expected the header 'observation_date,{series_id}', got "
                              f"{one_line(lines[0], 60)!r}")
    dates, values = [], []
    for n, line in enumerate(lines[1:], start=2):
        cells = [c.strip().strip('"') for c in line.split(",")]
        if len(cells) != 2:
            raise FredFormatError(f"line {n} is not 'date,value': {one_line(line, 40)!r}")
        try:
            day = pd.Timestamp(cells[0])
        except ValueError:
            raise FredFormatError(f"line {n}: {cells[0][:20]!r} is not a date") from None
        if cells[1] in ("", "."):  # FRED's missing observation (a holiday): stays missing
            continue
        try:
            value = float(cells[1])
        except ValueError:
            raise FredFormatError(f"line {n}: {cells[1][:20]!r} is not a number") from None
        if not math.isfinite(value):
            raise FredFormatError(f"line {n}: {cells[1][:20]!r} is not a finite number")
        dates.append(day.normalize())
        values.append(value)
    return pd.Series(values, index=pd.DatetimeIndex(dates), dtype="float64", name=series_id)


def to_frame(observations: pd.Series, series: LiveSeries, now: pd.Timestamp) -> pd.DataFrame:
    """Observations -> the series' canonical `value` frame (USD bn, stamped when published),
    rows published by `now` only."""
    rule = RULES[series.symbol]
    stamps = (observations.index + rule.release).tz_localize(NY).tz_convert("UTC")
    frame = pd.DataFrame({"value": observations.to_numpy() * rule.scale},
                         index=pd.DatetimeIndex(stamps, name="time"))
    return canonical(frame[frame.index <= now], series.key)


class FredAdapter(Backoff):
    """Fetches FRED `LiveSeries` (kind 'level'); called from one worker thread."""

    BACKOFF_BASE, BACKOFF_MAX, RATE_LIMIT_MIN = BACKOFF_BASE, BACKOFF_MAX, RATE_LIMIT_MIN

    def __init__(self, session: requests.Session | None = None, timeout: float = 15.0,
                 clock: Callable[[], pd.Timestamp] = utc_now,
                 wall: Callable[[], float] = time.monotonic, rng: random.Random | None = None,
                 url: str = FRED_CSV):
        self.session = session
        self.timeout = timeout
        self.clock = clock
        self.wall = wall
        self.rng = rng or random.Random()
        self.url = url

    # -- requests
    def _session(self) -> requests.Session:
        if self.session is None:
            import requests

            self.session = requests.Session()
        return self.session

    def _get(self, series_id: str, start: pd.Timestamp) -> tuple[Failure | None, str]:
        """One CSV download; (failure, '') or (None, body)."""
        import requests

        params = {"id": series_id, "cosd": f"{start:%Y-%m-%d}"}
        headers = {"User-Agent": f"deskapp/{__version__}", "Accept": "text/csv"}
        try:
            response = self._session().get(self.url, params=params, headers=headers,
                                           timeout=self.timeout)
        except requests.Timeout:
            return Failure(f"{series_id}: no answer from FRED within {self.timeout:g} s",
                            stops_batch=True), ""
        except requests.RequestException as exc:
            return Failure(f"{series_id}: network error ({network_reason(exc)})",
                            stops_batch=True), ""
        status = response.status_code
        if status == 429:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            return Failure(f"{series_id}: rate limited by FRED (HTTP 429)", stops_batch=True,
                           rate_limited=True, retry_after=wait), ""
        if status >= 500:
            return Failure(f"{series_id}: FRED server error (HTTP {status})",
                            stops_batch=True), ""
        if status in (400, 404):
            return Failure(f"{series_id}: unknown to FRED (HTTP {status})",
                            transient=False), ""
        if status != 200:
            return Failure(f"{series_id}: unexpected answer from FRED (HTTP {status})"), ""
        try:
            return None, response.content.decode("utf-8")
        except UnicodeDecodeError:
            return Failure(f"{series_id}: malformed response from FRED (not UTF-8 text)"), ""

    def fetch(self, series: list[LiveSeries], since: dict[str, pd.Timestamp | None]
              ) -> tuple[dict[str, pd.DataFrame], dict[str, SourceError]]:
        """Observations published since `since[key]` (None: the default history) per series.

        Returns (frames, errors); a key with nothing new is in neither."""
        frames: dict[str, pd.DataFrame] = {}
        errors: dict[str, SourceError] = {}
        if not series:
            return frames, errors
        wall = self.wall()
        if not self.due(wall):
            wait = self.next_allowed_at - wall
            failure = Failure(f"FRED: backing off, next try in {wait:.0f} s", retry_after=wait)
            return frames, {s.key: failure.error(s.key) for s in series}
        now = self.clock()
        stop: Failure | None = None
        for s in series:
            if stop is not None:
                errors[s.key] = stop.error(s.key, "not asked after ")
                continue
            if s.symbol not in RULES:
                errors[s.key] = Failure(f"{s.symbol}: not a FRED series this desk knows",
                                         transient=False).error(s.key)
                continue
            start = since.get(s.key)
            start = now - FIRST_HISTORY.get(s.timeframe, pd.Timedelta(days=365)) \
                if start is None else pd.Timestamp(start)
            # stamps are up to a day and a half after the observation date: ask from before it
            failure, body = self._get(s.symbol, start - pd.Timedelta(days=2))
            if failure is None:
                try:
                    frame = to_frame(parse_csv(body, s.symbol), s, now)
                except FredFormatError as exc:
                    failure = Failure(f"{s.symbol}: malformed response from FRED ({exc})")
                else:
                    frame = frame[frame.index >= start]
                    if len(frame):
                        frames[s.key] = frame
                    continue
            errors[s.key] = failure.error(s.key)
            stop = failure if failure.stops_batch else None
        self._settle(frames, errors, stop)
        return frames, errors

    def _settle(self, frames: dict[str, pd.DataFrame], errors: dict[str, SourceError],
                stop: Failure | None) -> None:
        """Back off after a rate limit or a batch that stopped; else reset."""
        if stop is None and (frames or not any(e.transient for e in errors.values())):
            self._recover()
            return
        cause = stop or Failure("FRED: nothing fetched")
        delay = self._back_off(cause.retry_after, cause.rate_limited)
        log.info("FRED: %s; next try in %.0f s", cause.message, delay)
        for err in errors.values():
            if err.transient:
                err.retry_after = delay
