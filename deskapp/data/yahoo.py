"""Yahoo Finance bars for the live desk, through yfinance (pinned at 1.7.0).

Call path. Each (symbol, interval) is one Yahoo chart request made by yfinance's own price
parser, `yfinance.scrapers.history.PriceHistory(YfData(session=...), symbol, tz).history(...)`,
with our `requests.Session` (or, given none, yfinance's default curl_cffi session). That is
exactly what `yf.Ticker(symbol, session=...).history(...)` runs after it has looked up the
symbol's time zone; we skip that lookup on purpose:
- it is an extra request per symbol, made through `YfData.cache_get`, an lru_cache that keeps
  *failed* responses too: one 502 on that lookup and the symbol fails for the rest of the process
  without another request (seen with yfinance 1.7.0; a test guards the path we use instead);
- for an unknown symbol it falls back to a quoteSummary request and a "no timezone" error.
`yf.download(..., session=...)` runs the same `Ticker.history`, reports failures only as strings
(after logging them) and pads every ticker to the union of all dates.
The time zone we hand to `PriceHistory` only converts our UTC `start` and labels log lines; bars
are placed with the exchange zone Yahoo sends in each response.

yfinance settings we change (process-wide, as yfinance keeps them): the cache folder
(`set_tz_cache_location`: time zones and Yahoo's cookie, never the user's home default) and
`config.debug.hide_exceptions = False`, so failures arrive as exceptions instead of log lines and
empty frames. `auto_adjust` does not change the request: yfinance adjusts from the same response's
`adjclose`. yfinance writes 0 for a missing volume (`fillna(0)`); we cannot undo that.

Timestamps are the UTC bar close (same rules as tools/build_replays.py): a daily bar closes on its
session date at 16:00 New York (NYSE), 16:15 for ^VIX, 17:00 for DX-Y.NYB and futures, and at
the next 00:00 UTC for crypto; an hourly bar closes an hour after it opens, but never after its
session's close. Half-day sessions are stamped as full ones (late, never early). A bar that has
not closed by `clock()` is left out.

Failures are `SourceError`s per key. A rate limit, a timeout, a network error or a Yahoo server
error stops the batch (the remaining keys get a "not fetched" error) and starts an exponential
backoff with jitter; symbols that failed go last in the next batch, so one bad symbol cannot
starve the others. Malformed, empty and unknown-symbol answers fail only their own keys.
"""

from __future__ import annotations

import json
import logging
import random
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pandas as pd

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

NY = "America/New_York"
CHART_PATH = "/v8/finance/chart/"
PRICE_COLUMNS = ["open", "high", "low", "close"]
BAR_COLUMNS = [*PRICE_COLUMNS, "volume"]
INTERVALS = {"1d": "1d", "1h": "1h"}  # our timeframe -> Yahoo interval
MAX_HISTORY = {"1h": pd.Timedelta(days=729)}  # Yahoo refuses hourly bars older than 730 days

BACKOFF_BASE = 15.0  # seconds after the first failed batch
BACKOFF_MAX = 900.0
RATE_LIMIT_MIN = 60.0  # a 429 waits at least this long
INPLACE_DEPRECATION = r"The inplace keyword in DataFrame\.\w+ is deprecated"


# ---------------------------------------------------------------- time rules
@dataclass(frozen=True)
class CloseRule:
    """When a symbol's bars close: the session close, as a wall-clock offset in `tz`."""

    tz: str
    session_close: pd.Timedelta  # from the session date's midnight
    caps_hourly: bool  # an hourly bar never ends after the session close


NYSE = CloseRule(NY, pd.Timedelta(hours=16), True)
CBOE_VIX = CloseRule(NY, pd.Timedelta(hours=16, minutes=15), True)
NY_1700 = CloseRule(NY, pd.Timedelta(hours=17), False)
UTC_DAY = CloseRule("UTC", pd.Timedelta(days=1), False)


def close_rule(symbol: str) -> CloseRule:
    """A Yahoo symbol's close rule: NYSE, unless VIX, the dollar index, a future or crypto."""
    if symbol == "^VIX":
        return CBOE_VIX
    if symbol.endswith(("=F", ".NYB")):
        return NY_1700
    if symbol.endswith("-USD"):
        return UTC_DAY
    return NYSE


def _at_session_close(dates: pd.DatetimeIndex, rule: CloseRule) -> pd.DatetimeIndex:
    """Naive session dates -> their session close in UTC (DST-correct)."""
    return (dates.normalize() + rule.session_close).tz_localize(rule.tz).tz_convert("UTC")


def daily_close_times(index: pd.DatetimeIndex, rule: CloseRule) -> pd.DatetimeIndex:
    """yfinance labels a daily bar with its session date (midnight, exchange zone)."""
    return _at_session_close(index.tz_localize(None), rule)


def hourly_close_times(index: pd.DatetimeIndex, rule: CloseRule) -> pd.DatetimeIndex:
    """yfinance labels an hourly bar with its open: close = open + 1h, capped at the session."""
    opens = index.tz_convert("UTC")
    ends = opens + pd.Timedelta(hours=1)
    if not rule.caps_hourly:
        return ends
    cap = _at_session_close(opens.tz_convert(rule.tz).tz_localize(None), rule)
    return ends.where(ends <= cap, cap)


def to_frame(raw: pd.DataFrame, series: LiveSeries, now: pd.Timestamp) -> pd.DataFrame:
    """A yfinance history frame -> a canonical frame of `series` with the bars closed by `now`."""
    rule = close_rule(series.symbol)
    stamp = daily_close_times if series.timeframe == "1d" else hourly_close_times
    frame = raw.rename(columns=str.lower)[BAR_COLUMNS].astype("float64")
    frame.index = pd.DatetimeIndex(stamp(pd.DatetimeIndex(raw.index), rule), name="time")
    frame = frame[frame[PRICE_COLUMNS].notna().any(axis=1)]  # price-less rows; never filled
    frame = frame[frame.index <= now]  # the bar still forming
    if series.kind == "level":
        frame = frame[["close"]].rename(columns={"close": "value"}).dropna()
    return canonical(frame, series.key)


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or any(
        "Timeout" in cls.__name__ for cls in type(exc).__mro__)


def classify(exc: BaseException, symbol: str, status: int | None = None,
             retry_after: float | None = None, timeout: float = 10.0) -> Failure:
    """Map what yfinance raised (and the HTTP status, when known) to a `Failure`.

    Works from exception types and Yahoo's own messages, so it also serves sessions whose
    status we cannot see (curl_cffi)."""
    name = type(exc).__name__
    reason = getattr(exc, "yahoo_reason", None)
    if name == "YFRateLimitError" or status == 429:
        return Failure(f"{symbol}: rate limited by Yahoo (HTTP 429)", stops_batch=True,
                       rate_limited=True, retry_after=retry_after)
    if status is not None and status >= 500:
        return Failure(f"{symbol}: Yahoo server error (HTTP {status})", stops_batch=True)
    if status == 404 or (reason and "symbol may be delisted" in reason
                         and "date range" not in reason):
        why = one_line(reason) if reason else "HTTP 404"
        return Failure(f"{symbol}: unknown to Yahoo ({why})", transient=False)
    if name == "YFDataException" and "DOWN" in str(exc):
        return Failure(f"{symbol}: Yahoo Finance is down", stops_batch=True)
    if isinstance(exc, json.JSONDecodeError):  # before OSError: requests' one is both
        return Failure(f"{symbol}: malformed response from Yahoo (not JSON: {exc.msg} at "
                       f"char {exc.pos})")
    if _is_timeout(exc):
        return Failure(f"{symbol}: no answer from Yahoo within {timeout:g} s", stops_batch=True)
    if isinstance(exc, OSError):  # requests and curl_cffi network errors are OSErrors
        return Failure(f"{symbol}: network error ({network_reason(exc)})", stops_batch=True)
    if name == "YFPricesMissingError":
        return Failure(f"{symbol}: {one_line(reason)}" if reason
                       else f"{symbol}: Yahoo returned no bars")
    log.warning("Yahoo %s: unexpected failure", symbol, exc_info=exc)
    return Failure(f"{symbol}: unexpected answer from Yahoo ({name}: {one_line(exc)})")


class _StatusLog:
    """Response hook: the HTTP status of the last chart response per symbol.

    requests sessions only (curl_cffi has no hooks): it lets errors say "HTTP 502" and honour
    Retry-After, where yfinance alone would report an unreadable page."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[int, float | None]] = {}

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        path = urlsplit(response.url).path
        if path.startswith(CHART_PATH):
            symbol = unquote(path[len(CHART_PATH):]).upper()
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            self.last[symbol] = (response.status_code, retry_after)


# ---------------------------------------------------------------- adapter
class YahooAdapter(Backoff):
    """Fetches `LiveSeries` from Yahoo; one worker thread calls it (yfinance state is global)."""

    BACKOFF_BASE, BACKOFF_MAX, RATE_LIMIT_MIN = BACKOFF_BASE, BACKOFF_MAX, RATE_LIMIT_MIN

    def __init__(self, session: requests.Session | None = None, tz_cache_dir: Path | None = None,
                 timeout: float = 10.0, clock: Callable[[], pd.Timestamp] = utc_now,
                 wall: Callable[[], float] = time.monotonic, rng: random.Random | None = None):
        """`clock`: market time (UTC) for dropping forming bars; `wall`: the monotonic seconds
        that `due()` and `next_allowed_at` are measured in (as `LiveSource` passes them)."""
        self.session = session
        self.tz_cache_dir = Path(tz_cache_dir or Path(tempfile.gettempdir()) / "deskapp-yfinance")
        self.timeout = timeout
        self.clock = clock
        self.wall = wall
        self.rng = rng or random.Random()
        self._status = _StatusLog()
        self._suspects: set[str] = set()  # symbols that failed last time go last
        self._yf: Any = None

    # -- yfinance
    def _yfinance(self) -> Any:
        """Import and set up yfinance on first use (the desk paints before this runs)."""
        if self._yf is None:
            import yfinance as yf

            # yfinance 1.7.0 calls pandas with inplace=True in yfinance/utils.py (parse_quotes,
            # auto_adjust, parse_actions) on every chart; pandas 3.1 deprecates that
            # (Pandas4Warning). Nothing we can change: silence only that, only from there. Added
            # after the import, which installs a "default" filter for yfinance's deprecations.
            warnings.filterwarnings("ignore", INPLACE_DEPRECATION, DeprecationWarning,
                                    r"yfinance\.utils")
            self.tz_cache_dir.mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(self.tz_cache_dir))
            yf.config.debug.hide_exceptions = False
            if self.session is None:
                from yfinance._http import new_session

                self.session = new_session()
            else:
                hooks = getattr(self.session, "hooks", None)  # requests yes, curl_cffi no
                if isinstance(hooks, dict) and self._status not in hooks.setdefault("response", []):
                    hooks["response"].append(self._status)
            self._yf = yf
        return self._yf

    def _history(self, symbol: str, interval: str, adjusted: bool,
                 start: pd.Timestamp) -> pd.DataFrame:
        """One chart request, parsed by yfinance. Raises what yfinance raises."""
        from yfinance.data import YfData
        from yfinance.scrapers.history import PriceHistory

        data = YfData(session=self.session)  # a singleton: make sure it holds our session
        prices = PriceHistory(data, symbol, close_rule(symbol).tz, session=self.session)
        return prices.history(start=start.to_pydatetime(), interval=interval,
                              auto_adjust=adjusted, actions=False, prepost=False, repair=False,
                              keepna=True, rounding=False, timeout=self.timeout)

    def _start(self, timeframe: str, start: pd.Timestamp | None,
               now: pd.Timestamp) -> pd.Timestamp:
        first = now - FIRST_HISTORY.get(timeframe, pd.Timedelta(days=365))
        start = first if start is None else pd.Timestamp(start)
        start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
        oldest = MAX_HISTORY.get(timeframe)
        return max(start, now - oldest) if oldest is not None else start

    # -- the batch
    def _requests(self, series: list[LiveSeries]) -> dict[tuple[str, str, bool], list[LiveSeries]]:
        """(symbol, timeframe, adjusted) -> its series; symbols that failed last time go last."""
        jobs: dict[tuple[str, str, bool], list[LiveSeries]] = {}
        for s in sorted(series, key=lambda s: s.symbol in self._suspects):
            jobs.setdefault((s.symbol, s.timeframe, s.adjusted == "adjusted"), []).append(s)
        return jobs

    def fetch(self, series: list[LiveSeries], start: pd.Timestamp | None
              ) -> tuple[dict[str, pd.DataFrame], dict[str, SourceError]]:
        """Bars closed since `start` (None: the default history) for each series, by key.

        Returns (frames, errors). A key with no closed bar in the answer is in neither."""
        frames: dict[str, pd.DataFrame] = {}
        errors: dict[str, SourceError] = {}
        if not series:
            return frames, errors
        wall = self.wall()
        if not self.due(wall):
            wait = self.next_allowed_at - wall
            failure = Failure(f"Yahoo: backing off, next try in {wait:.0f} s", retry_after=wait)
            return frames, {s.key: failure.error(s.key) for s in series}
        self._yfinance()
        now = self.clock()
        stop: Failure | None = None
        failed: set[str] = set()
        for (symbol, timeframe, adjusted), members in self._requests(series).items():
            if stop is not None:
                errors.update({s.key: stop.error(s.key, "not fetched after ") for s in members})
                continue
            failure, raw = self._fetch_one(symbol, timeframe, adjusted, start, now)
            if failure is not None:
                errors.update({s.key: failure.error(s.key) for s in members})
                failed.add(symbol)
                stop = failure if failure.stops_batch else None
                continue
            for s in members:
                frame = to_frame(raw, s, now)
                if len(frame):
                    frames[s.key] = frame
        self._suspects = failed
        self._settle(frames, errors, stop)
        return frames, errors

    def _fetch_one(self, symbol: str, timeframe: str, adjusted: bool, start: pd.Timestamp | None,
                   now: pd.Timestamp) -> tuple[Failure | None, pd.DataFrame | None]:
        interval = INTERVALS.get(timeframe)
        if interval is None:
            return Failure(f"{symbol}: Yahoo has no {timeframe} bars", transient=False), None
        self._status.last.pop(symbol.upper(), None)
        try:
            raw = self._history(symbol, interval, adjusted, self._start(timeframe, start, now))
        except Exception as exc:  # anything yfinance raises fails this symbol, not the desk
            status, retry_after = self._status.last.get(symbol.upper(), (None, None))
            return classify(exc, symbol, status, retry_after, self.timeout), None
        if raw.empty:
            return Failure(f"{symbol}: Yahoo returned no bars"), None
        return None, raw

    def _settle(self, frames: dict[str, pd.DataFrame], errors: dict[str, SourceError],
                stop: Failure | None) -> None:
        """Back off after a rate limit, or a batch where nothing came back; else reset.

        A server error or timeout with other symbols answering is that symbol's trouble: it goes
        last next time, the source stays due."""
        rate_limited = stop is not None and stop.rate_limited
        if not rate_limited and (frames or not any(e.transient for e in errors.values())):
            self._recover()
            return
        cause = stop or Failure("Yahoo: nothing fetched")
        delay = self._back_off(cause.retry_after, cause.rate_limited)
        log.info("Yahoo: %s; next try in %.0f s", cause.message, delay)
        for err in errors.values():
            if err.transient:
                err.retry_after = delay
