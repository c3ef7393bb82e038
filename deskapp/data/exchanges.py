"""ccxt adapter for the crypto venues (binanceusdm, bybit, okx perpetuals: bars, funding and open
interest; binance spot: bars).

One `ExchangeAdapter` per venue, called from one worker thread. No Qt. ccxt is imported only when
the first request is made (importing ccxt takes ~0.3 s), so importing this module stays cheap.

What each series kind becomes (columns as in resources/replay/catalog.json):
- 'bars'    fetch_ohlcv -> open, high, low, close, volume, stamped at the bar CLOSE (the venue's
            open time + timeframe). The bar still forming (close later than `clock()`) is dropped.
- 'funding' fetch_funding_rate_history -> `rate`, a fraction per funding interval, stamped at the
            funding time rounded to the minute (Binance settles a few ms off the hour; the replay
            store rounds the same way).
- 'oi'      fetch_open_interest_history(symbol, timeframe) -> `oi_usd`, stamped at the venue's
            timestamp as is: open interest is a snapshot taken at that time (the latest 1h entry
            a venue returns at 20:11 is stamped 20:00), i.e. it is already the close of the period
            that ends there. `oi_usd` is ccxt's `openInterestValue` where the venue gives one
            (Binance `sumOpenInterestValue`, OKX `oiUsd`). Where it gives only an amount (Bybit
            linear: `openInterest` in the base coin), oi_usd = amount x contractSize x the close of
            the venue's own bar of the same timeframe that closes at the snapshot time (one extra
            kline request); USDT is taken as USD. Rows without such a close are dropped.

Every parsed value is validated here: ccxt turns a 200 response of junk into structures full of
None. Invalid rows are dropped with one log line per series; a series with nothing valid fails
with SourceError("... garbage response"), an empty answer with SourceError("... no data").

Failures are per series and never lose the other series:
- RateLimitExceeded / DDoSProtection (HTTP 429/418, Bybit retCode 10006, OKX 50011): transient,
  with retry_after; the remaining series of the batch are not asked (hammering a venue that
  throttles gets the IP banned) and fail transient too ("not asked").
- ExchangeNotAvailable (5xx), RequestTimeout, NetworkError: transient.
- BadSymbol (delisted or unknown symbol) and other BadRequest / NotSupported: not transient.
- Junk ccxt cannot parse (HTML, truncated JSON): transient "garbage response"; a JSON body
  without Bybit's retCode / OKX's code is an unknown "venue error" to ccxt: transient.
- Any venue-level transient failure backs the venue off: exponential (BACKOFF_BASE x 2^(n-1),
  at most BACKOFF_MAX seconds) with jitter (x 0.5..1), and never less than Retry-After.
  `due(now)` is False until `next_allowed_at`. A clean batch resets the backoff.

History: with a `since`, each series is paged forward (at most MAX_PAGES requests) while the
venue has newer complete rows; without one, the venue's latest page is fetched. Binance keeps
open-interest history for 30 days only, so older `since` values are moved to 29 days back.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from deskapp.data.backoff import Backoff
from deskapp.data.errors import SourceError
from deskapp.data.feed import canonical
from deskapp.data.instruments import LiveSeries

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

VENUES = ("binanceusdm", "bybit", "okx", "binance")  # binance = spot: bars only

# What supports() reports: ccxt `has` of the REST exchange, plus ccxt.pro's watchLiquidations.
REST_CAPABILITIES = ("fetchOHLCV", "fetchFundingRate", "fetchFundingRateHistory",
                     "fetchOpenInterest", "fetchOpenInterestHistory")

# Rows per request (each venue's documented maximum for the endpoint ccxt calls).
PAGE_LIMIT: dict[str, dict[str, int]] = {
    "binanceusdm": {"bars": 1000, "funding": 1000, "oi": 500},
    "bybit": {"bars": 1000, "funding": 200, "oi": 200},
    "okx": {"bars": 300, "funding": 100, "oi": 100},
    "binance": {"bars": 1000, "funding": 0, "oi": 0},
}
# How far back a venue keeps open-interest history (Binance: "only the latest 30 days").
OI_HISTORY: dict[str, pd.Timedelta] = {"binanceusdm": pd.Timedelta(days=29)}

MAX_PAGES = 4  # requests per series and batch while catching up on history
MAX_FUNDING = 0.1  # |rate| per interval above this is not a funding rate (caps are ~0.3-3 %)

_COLUMNS = {"bars": ["open", "high", "low", "close", "volume"], "funding": ["rate"],
            "oi": ["oi_usd"]}
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_REQUEST = re.compile(r"\b(?:GET|POST|PUT|DELETE) https?://\S+\s*")  # in ccxt's messages


def _utc_now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


def _ms(ts: pd.Timestamp) -> int:
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 1_000_000)


def _span(timeframe: str) -> pd.Timedelta:
    """A ccxt timeframe ('5m', '1h', '8h', '1d', '1w') as a Timedelta."""
    count, unit = timeframe[:-1], timeframe[-1:]
    if not count.isdigit() or unit not in _UNITS:
        raise ValueError(f"unsupported timeframe {timeframe!r}")
    return pd.Timedelta(**{_UNITS[unit]: int(count)})


def _span_ms(timeframe: str) -> int:
    """'1h' -> 3600000."""
    return int(_span(timeframe).value // 1_000_000)


def finite_number(value: Any) -> float | None:
    """A finite float, or None for None, NaN, infinities, bools and non-numbers."""
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _stamp_ms(value: Any) -> int | None:
    """A plausible epoch-ms time stamp (after 2009, before 2100), else None."""
    num = finite_number(value)
    if num is None or num != int(num) or not 1_230_768_000_000 <= num <= 4_102_444_800_000:
        return None
    return int(num)


def _one_line(exc: BaseException, venue: str = "", limit: int = 200) -> str:
    """ccxt's message on one line, without the venue id and request URL it repeats."""
    text = " ".join(str(exc).split())
    if venue and text.startswith(venue + " "):
        text = text[len(venue) + 1:]
    text = _REQUEST.sub("", text).strip()
    if not text and exc.__cause__ is not None:  # ccxt network errors: the reason is the cause
        text = " ".join(str(exc.__cause__).split())
    text = text or type(exc).__name__
    cause = _NETWORK_REASON.search(text)
    if "Max retries exceeded" in text and cause:  # urllib3 puts the reason last, after the URL
        text = cause.group(0).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


# The reason at the end of a urllib3 "Max retries exceeded ... (Caused by ...)" message.
_NETWORK_REASON = re.compile(
    r"(Failed to establish a new connection: [^'\")]+|Failed to resolve [^'\")]+|"
    r"Name or service not known|Temporary failure in name resolution|Read timed out[^'\")]*|"
    r"Connection refused|Connection reset by peer|Remote end closed connection[^'\")]*)")


class _Invalid(Exception):
    """The venue answered, but with nothing usable for this series."""


class ExchangeAdapter(Backoff):
    """Fetches the exchange series of one venue through ccxt's synchronous REST client."""

    BACKOFF_BASE = 2.0  # seconds after the first venue-level failure
    BACKOFF_MAX = 300.0

    def __init__(self, venue: str, session: requests.Session | None = None,
                 markets: dict | None = None, timeout_ms: int = 10000,
                 clock: Callable[[], pd.Timestamp] = _utc_now,
                 wall: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None):
        """`clock` is market time (drops the forming bar); `wall` is the clock of `due(now)`.

        `markets` (a ccxt markets dict or list) is set on the exchange so that no markets request
        is made; without it ccxt loads the venue's markets before the first fetch."""
        if venue not in VENUES:
            raise ValueError(f"unsupported venue {venue!r}; expected one of {', '.join(VENUES)}")
        self.venue = venue
        self.session = session
        self.markets = markets
        self.timeout_ms = timeout_ms
        self.clock = clock
        self.wall = wall
        self.rng = rng or random.Random()
        self._exchange: Any = None
        self._supports: dict[str, Any] | None = None

    # -- ccxt ---------------------------------------------------------------------------------
    @property
    def exchange(self) -> Any:
        """The ccxt exchange, built on first use (no request is made to build it)."""
        if self._exchange is None:
            import ccxt

            # enableLastJsonResponse: tells an empty answer from junk (see _empty_reason).
            config: dict[str, Any] = {"enableRateLimit": True, "timeout": self.timeout_ms,
                                      "enableLastJsonResponse": True}
            if self.session is not None:
                config["session"] = self.session
            exchange = getattr(ccxt, self.venue)(config)
            if self.markets is not None:
                exchange.set_markets(self.markets)
            self._exchange = exchange
        return self._exchange

    def supports(self) -> dict[str, Any]:
        """What the venue offers according to ccxt `has` (True, False, 'emulated' or None).

        watchLiquidations comes from ccxt.pro, read from an instance that never connects."""
        if self._supports is None:
            has = self.exchange.has
            out: dict[str, Any] = {name: has.get(name) for name in REST_CAPABILITIES}
            try:
                import ccxt.pro

                out["watchLiquidations"] = getattr(ccxt.pro, self.venue)().has.get(
                    "watchLiquidations")
            except (ImportError, AttributeError):
                out["watchLiquidations"] = False
            self._supports = out
        return dict(self._supports)

    def close(self) -> None:
        """Drop the ccxt exchange. A session handed in belongs to the caller and stays open."""
        exchange, self._exchange = self._exchange, None
        if exchange is not None and self.session is None:
            exchange.close()

    # -- current funding ----------------------------------------------------------------------
    def current_funding(self, symbol: str) -> tuple[float, pd.Timestamp]:
        """The current funding rate (fraction per interval) and when it settles (UTC).

        fetch_funding_rate: ccxt's `fundingTimestamp` is the next settlement the rate applies to
        (Binance `nextFundingTime`, OKX `fundingTime`). Raises SourceError (classified as for
        the series) on a failed request or an invalid answer."""
        s = LiveSeries(f"{self.venue}.funding_now", "exchange", symbol, "funding", "8h",
                       "current funding", "fraction", venue=self.venue)
        try:
            got = self.exchange.fetch_funding_rate(symbol)
            if not isinstance(got, dict):
                raise _Invalid(f"garbage response (a {type(got).__name__}, not a funding rate)")
            rate = finite_number(got.get("fundingRate"))
            when = _stamp_ms(got.get("fundingTimestamp"))
            if when is None:
                when = _stamp_ms(got.get("nextFundingTimestamp"))
            if rate is None or abs(rate) > MAX_FUNDING:
                raise _Invalid(f"garbage response (rate {got.get('fundingRate')!r})")
            if when is None:
                raise _Invalid(f"garbage response (next funding time "
                               f"{got.get('fundingTimestamp')!r})")
        except Exception as exc:
            raise self._classify(exc, s)[0] from exc
        return rate, pd.Timestamp(when, unit="ms", tz="UTC")

    # -- fetching -----------------------------------------------------------------------------
    def fetch(self, series: list[LiveSeries], since: dict[str, pd.Timestamp | None]
              ) -> tuple[dict[str, pd.DataFrame], dict[str, SourceError]]:
        """Frames for the series that succeeded, a SourceError for each that did not.

        `since[key]` is the earliest stamp wanted (None: the venue's latest page)."""
        frames: dict[str, pd.DataFrame] = {}
        errors: dict[str, SourceError] = {}
        venue_errors: list[SourceError] = []
        throttled: SourceError | None = None
        for s in series:
            if throttled is not None:
                errors[s.key] = SourceError(f"{self.venue} {s.symbol} {s.kind}: not asked, the "
                                            "venue is rate-limiting", key=s.key, transient=True)
                venue_errors.append(errors[s.key])
                continue
            try:
                frame = self._fetch_one(s, since.get(s.key))
            except Exception as exc:
                error, level = self._classify(exc, s)
                errors[s.key] = error
                if level in ("throttle", "venue"):
                    venue_errors.append(error)
                if level == "throttle":
                    throttled = error
                continue
            if frame is not None:
                frames[s.key] = frame
        if venue_errors:
            hinted = [e.retry_after for e in venue_errors if e.retry_after is not None]
            delay = self._back_off(max(hinted) if hinted else None)
            for error in venue_errors:
                error.retry_after = delay
            log.warning("%s: backing off %.1f s after %d failed batch(es)", self.venue, delay,
                        self.failures)
        else:
            self._recover()
        return frames, errors

    def _classify(self, exc: Exception, s: LiveSeries) -> tuple[SourceError, str]:
        """A SourceError for `exc`, and whether it concerns the series, the venue, or throttling."""
        import ccxt

        where = f"{self.venue} {s.symbol} {s.kind}"
        detail = _one_line(exc, self.venue)
        if isinstance(exc, SourceError):
            return exc, "series"
        if isinstance(exc, _Invalid):
            return SourceError(f"{where}: {exc}", key=s.key, transient=True), "series"
        if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
            return SourceError(f"{where}: rate limited: {detail}", key=s.key,
                               transient=True, retry_after=self._retry_after()), "throttle"
        if isinstance(exc, ccxt.RequestTimeout):
            return SourceError(f"{where}: timed out after {self.timeout_ms} ms", key=s.key,
                               transient=True), "venue"
        if isinstance(exc, ccxt.ExchangeNotAvailable):
            return SourceError(f"{where}: venue unavailable: {detail}", key=s.key,
                               transient=True), "venue"
        if isinstance(exc, ccxt.NetworkError):
            return SourceError(f"{where}: network error: {detail}", key=s.key,
                               transient=True), "venue"
        if isinstance(exc, ccxt.BadSymbol):
            return SourceError(f"{where}: symbol rejected (delisted or unknown): "
                               f"{detail}", key=s.key, transient=False), "series"
        if isinstance(exc, ccxt.BadRequest | ccxt.NotSupported | ccxt.AuthenticationError
                      | ccxt.PermissionDenied):
            return SourceError(f"{where}: request refused: {detail}", key=s.key,
                               transient=False), "series"
        if isinstance(exc, ccxt.BaseError):
            return SourceError(f"{where}: venue error: {detail}", key=s.key,
                               transient=True), "series"
        # ccxt choked on the body (truncated JSON, an HTML page, a wrong shape).
        log.warning("%s: unparsable response: %s: %s", where, type(exc).__name__,
                    detail, exc_info=log.isEnabledFor(logging.DEBUG))
        return SourceError(f"{where}: garbage response ({type(exc).__name__})", key=s.key,
                           transient=True), "series"

    def _retry_after(self) -> float | None:
        """Seconds from the Retry-After header of the last response, if the venue sent one."""
        headers = getattr(self._exchange, "last_response_headers", None) or {}
        try:
            value = headers.get("Retry-After")
        except AttributeError:
            return None
        seconds = finite_number(value)
        return seconds if seconds is not None and seconds >= 0 else None

    def _fetch_one(self, s: LiveSeries, since: pd.Timestamp | None) -> pd.DataFrame | None:
        if s.venue is not None and s.venue != self.venue:
            raise SourceError(f"{s.key}: series of {s.venue} sent to the {self.venue} adapter",
                              key=s.key, transient=False)
        if s.kind not in _COLUMNS:
            raise SourceError(f"{self.venue}: unknown series kind {s.kind!r}", key=s.key,
                              transient=False)
        if since is not None and since.tzinfo is None:
            since = since.tz_localize("UTC")
        now = self.clock()
        if now.tzinfo is None:
            now = now.tz_localize("UTC")
        if s.kind == "bars":
            rows = self._bar_rows(s.symbol, s.timeframe, since, now)
            frame = self._bars_frame(rows, now, s)
        elif s.kind == "funding":
            rows = self._funding_rows(s.symbol, s.timeframe, since, now)
            frame = self._funding_frame(rows, now, s)
        else:
            if self.venue in OI_HISTORY and since is not None:
                since = max(since, now - OI_HISTORY[self.venue])
            frame = self._oi_frame(self._oi_rows(s.symbol, s.timeframe, since, now), now, s)
        if frame is None or frame.empty:
            return None  # only rows not yet known at `now` (a forming bar): nothing new
        return canonical(frame, s.key)

    # Raw rows, paged forward from `since` while the venue has newer complete rows.
    def _paged(self, call: Callable[[int | None], Any], since_ms: int | None,
               stamp_of: Callable[[Any], int | None], step_ms: int, now: pd.Timestamp
               ) -> list:
        rows: list = []
        newest: int | None = None
        for _ in range(MAX_PAGES):
            page = call(since_ms)
            if not isinstance(page, list):
                raise _Invalid(f"garbage response (a {type(page).__name__}, not a list)")
            rows.extend(page)
            stamps = [t for t in (stamp_of(r) for r in page) if t is not None]
            if since_ms is None or not stamps or (newest is not None and max(stamps) <= newest):
                break
            newest = max(stamps)
            if newest + step_ms > _ms(now):
                break  # caught up
            since_ms = newest + 1
        return rows

    def _bar_rows(self, symbol: str, timeframe: str, since: pd.Timestamp | None,
                  now: pd.Timestamp) -> list:
        ex = self.exchange
        tf_ms = _span_ms(timeframe)
        limit = PAGE_LIMIT[self.venue]["bars"]
        # Bars are stamped at their close: the first wanted bar opened one timeframe earlier.
        since_ms = None if since is None else _ms(since) - tf_ms
        return self._paged(lambda t: ex.fetch_ohlcv(symbol, timeframe, t, limit), since_ms,
                           lambda r: _stamp_ms(r[0]) if isinstance(r, list | tuple) and r else None,
                           tf_ms, now - _span(timeframe))

    def _funding_rows(self, symbol: str, interval: str, since: pd.Timestamp | None,
                      now: pd.Timestamp) -> list:
        ex = self.exchange
        limit = PAGE_LIMIT[self.venue]["funding"]
        return self._paged(lambda t: ex.fetch_funding_rate_history(symbol, t, limit),
                           None if since is None else _ms(since),
                           lambda r: _stamp_ms(r.get("timestamp")) if isinstance(r, dict) else None,
                           _span_ms(interval), now)

    def _oi_rows(self, symbol: str, timeframe: str, since: pd.Timestamp | None,
                 now: pd.Timestamp) -> list:
        ex = self.exchange
        limit = PAGE_LIMIT[self.venue]["oi"]
        step = _span_ms(timeframe)
        return self._paged(
            lambda t: ex.fetch_open_interest_history(symbol, timeframe, t, limit),
            None if since is None else _ms(since),
            lambda r: _stamp_ms(r.get("timestamp")) if isinstance(r, dict) else None, step, now)

    # Validation: rows -> frame. Raise _Invalid when nothing usable came back.
    def _empty_reason(self) -> str:
        """Why ccxt parsed nothing: an empty list from the venue, or a body it could not read.

        ccxt answers [] both for "no rows" and for junk (HTML, truncated JSON, a wrong shape), so
        the last JSON body tells them apart (Binance: [], Bybit: result.list [], OKX: data [])."""
        body = getattr(self._exchange, "last_json_response", None)
        if body is None:
            return "garbage response (not JSON)"
        rows = body
        if isinstance(body, dict):
            result = body.get("result")
            rows = body.get("data", result.get("list") if isinstance(result, dict) else None)
        if rows == []:
            return "no data (empty response)"
        if isinstance(rows, list):
            return f"garbage response ({len(rows)} entries, none usable at or after `since`)"
        return "garbage response (unexpected shape)"

    def _check_any(self, raw: list, kept: int, dropped: list[str], s: LiveSeries) -> None:
        if not raw:
            raise _Invalid(self._empty_reason())
        if dropped:
            log.warning("%s: dropped %d invalid row(s) of %d (first: %s)", s.key, len(dropped),
                        len(raw), dropped[0])
        if kept == 0:
            raise _Invalid(f"garbage response (no valid row in {len(raw)})")

    def _bars_frame(self, raw: list, now: pd.Timestamp, s: LiveSeries) -> pd.DataFrame:
        tf_ms = _span_ms(s.timeframe)
        stamps: list[int] = []
        values: list[list[float]] = []
        dropped: list[str] = []
        for row in raw:
            if not isinstance(row, list | tuple) or len(row) < 6:
                dropped.append(f"not a bar: {row!r:.60}")
                continue
            opened = _stamp_ms(row[0])
            o, h, lo, c, v = (finite_number(x) for x in row[1:6])
            if opened is None:
                dropped.append(f"time {row[0]!r}")
            elif any(p is None or p <= 0 for p in (o, h, lo, c)):
                dropped.append(f"price {row[1:5]!r} at {opened}")
            elif v is None or v < 0:
                dropped.append(f"volume {row[5]!r} at {opened}")
            elif h < lo:
                dropped.append(f"high {h} below low {lo} at {opened}")
            else:
                stamps.append(opened + tf_ms)
                values.append([o, h, lo, c, v])
        self._check_any(raw, len(stamps), dropped, s)
        return self._frame(stamps, values, now, s)

    def _funding_frame(self, raw: list, now: pd.Timestamp, s: LiveSeries) -> pd.DataFrame:
        stamps: list[int] = []
        values: list[list[float]] = []
        dropped: list[str] = []
        for row in raw:
            if not isinstance(row, dict):
                dropped.append(f"not a funding entry: {row!r:.60}")
                continue
            when = _stamp_ms(row.get("timestamp"))
            rate = finite_number(row.get("fundingRate"))
            if when is None:
                dropped.append(f"time {row.get('timestamp')!r}")
            elif rate is None or abs(rate) > MAX_FUNDING:
                dropped.append(f"rate {row.get('fundingRate')!r} at {when}")
            else:
                stamps.append(when)
                values.append([rate])
        self._check_any(raw, len(stamps), dropped, s)
        frame = self._frame(stamps, values, now, s)
        frame.index = frame.index.round("min")
        return frame

    def _oi_frame(self, raw: list, now: pd.Timestamp, s: LiveSeries) -> pd.DataFrame:
        stamps: list[int] = []
        values: list[list[float]] = []
        amounts: dict[int, float] = {}  # stamp -> base amount, where the venue gave no value
        dropped: list[str] = []
        for row in raw:
            if not isinstance(row, dict):
                dropped.append(f"not an open-interest entry: {row!r:.60}")
                continue
            when = _stamp_ms(row.get("timestamp"))
            value = finite_number(row.get("openInterestValue"))
            amount = finite_number(row.get("openInterestAmount"))
            if when is None:
                dropped.append(f"time {row.get('timestamp')!r}")
            elif value is not None and value > 0:
                stamps.append(when)
                values.append([value])
            elif value is None and amount is not None and amount > 0:
                amounts[when] = amount
            else:
                dropped.append(f"value {row.get('openInterestValue')!r} amount "
                               f"{row.get('openInterestAmount')!r} at {when}")
        if amounts:
            priced, unpriced = self._price_amounts(amounts, s, now)
            for when, value in priced.items():
                stamps.append(when)
                values.append([value])
            dropped.extend(f"no {s.timeframe} close at {when} to price the amount"
                           for when in unpriced)
        self._check_any(raw, len(stamps), dropped, s)
        return self._frame(stamps, values, now, s)

    def _price_amounts(self, amounts: dict[int, float], s: LiveSeries, now: pd.Timestamp
                       ) -> tuple[dict[int, float], list[int]]:
        """USD values of open-interest amounts: amount x contractSize x the bar close there."""
        market = self.exchange.market(s.symbol)
        size = finite_number(market.get("contractSize")) or 1.0
        first = pd.Timestamp(min(amounts), unit="ms", tz="UTC")
        rows = self._bar_rows(s.symbol, s.timeframe, first, now)
        tf_ms = _span_ms(s.timeframe)
        closes: dict[int, float] = {}
        for row in rows:
            if isinstance(row, list | tuple) and len(row) >= 5:
                opened, close = _stamp_ms(row[0]), finite_number(row[4])
                if opened is not None and close is not None and close > 0:
                    closes[opened + tf_ms] = close
        priced = {t: a * size * closes[t] for t, a in amounts.items() if t in closes}
        return priced, sorted(set(amounts) - set(priced))

    @staticmethod
    def _frame(stamps: list[int], values: list[list[float]], now: pd.Timestamp, s: LiveSeries
               ) -> pd.DataFrame:
        index = pd.DatetimeIndex(pd.to_datetime(stamps, unit="ms", utc=True), name="time")
        frame = pd.DataFrame(values, index=index, columns=_COLUMNS[s.kind], dtype="float64")
        frame = frame.sort_index()
        late = frame.index > now
        if late.any():
            log.debug("%s: %d row(s) after %s not known yet (forming)", s.key, int(late.sum()), now)
            frame = frame[~late]
        return frame
