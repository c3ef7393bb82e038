"""Live BTC perp liquidations from ccxt.pro websockets, as 1h bars of long / short USD notional.

`LiquidationStream` is a `FeedSource` (kind "live", name "liquidations"). No Qt. It owns ONE
asyncio event loop running in a plain background thread (started by the first `poll()`, stopped
and joined by `close()`); per venue a task awaits `exchange.watch_liquidations(symbol)` in a
reconnect loop. A dropped websocket (any exception from the watch) is logged, recorded as a
transient error with the time it started, the exchange is closed, and after an exponential
backoff with jitter (BACKOFF_BASE x 2^(n-1), at most BACKOFF_MAX, x 0.5..1) a fresh exchange
from `exchange_factory(venue)` connects again. The error is cleared by the next liquidation
received (a quiet but healthy stream keeps showing the error until then). ccxt errors that
retrying cannot fix (BadSymbol, BadRequest, NotSupported, authentication) stop that venue.

Which venues: those whose ccxt.pro class has `has['watchLiquidations']` True (binanceusdm, bybit
in ccxt 4.5.90). 'emulated' counts only where the emulation is known to use a public channel:
OKX ('emulated' through watchLiquidationsForSymbols on the public `liquidation-orders` channel,
no keys needed). Anything else is reported once as a non-transient error on its key.

Long or short: ccxt's liquidation structure has `side`, but the venues mean different things:
- binanceusdm: `side` is the side of the forced (liquidation) ORDER (forceOrder `S`). A long
  position is closed by a SELL: 'sell' -> long_usd, 'buy' -> short_usd.
- bybit: `side` is the side of the liquidated POSITION (allLiquidation `S`; Bybit: "when you
  receive a Buy update, a long position has been liquidated"): 'buy' -> long_usd, 'sell' ->
  short_usd. The opposite of Binance.
- okx: `side` is the ORDER side (liquidation-orders `details[0].side`, like Binance); the raw
  `posSide` ('long'/'short', in `info.details[0]`) is used when present, else 'sell' -> long.
Notional (USD; USDT taken as USD) = ccxt `quoteValue`, else baseValue x price, else contracts x
contractSize x price (ccxt.pro leaves baseValue/quoteValue None for these streams; OKX contracts
are 0.01 BTC). Binance's price is the average fill price, Bybit's and OKX's the bankruptcy price.

Bars: key `deriv.btc_liq_1h.<venue>`, columns long_usd, short_usd, stamped at the hour's close.
An hour is handed on once `clock()` is GRACE past its close, and only if the venue's stream was
connected for the whole hour (a partly heard hour would understate; it is dropped with a log
line); a fully heard hour without liquidations is a bar of zeros. The forming hour stays inside.
Liquidations stamped in an hour already handed on (or dropped) are ignored with a debug line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from deskapp.cpu_priority import lower_this_thread
from deskapp.data.errors import SourceError
from deskapp.data.exchanges import finite_number
from deskapp.data.feed import FeedBatch, canonical
from deskapp.data.live import HEARTBEAT, CacheLike, utc_now

log = logging.getLogger(__name__)

VENUES = ("binanceusdm", "bybit", "okx")
SYMBOL = "BTC/USDT:USDT"
KEY = "deriv.btc_liq_1h.{venue}"
COLUMNS = ["long_usd", "short_usd"]
HOUR = pd.Timedelta(hours=1)
# Venues whose 'emulated' watchLiquidations works on a public channel (no API keys).
PUBLIC_EMULATED = frozenset({"okx"})
# Which ccxt `side` means a LONG position was liquidated (see the module docstring).
LONG_SIDE = {"binanceusdm": "sell", "bybit": "buy", "okx": "sell"}


def key_of(venue: str) -> str:
    return KEY.format(venue=venue)


def unsupported_message(venue: str) -> str:
    return f"liquidations not available on {venue} through ccxt.pro"


def ccxt_pro_factory(venue: str) -> Any:
    """The real ccxt.pro exchange (imported on first use, in the stream's thread)."""
    import ccxt.pro

    return getattr(ccxt.pro, venue)({"enableRateLimit": True})


def notional(liq: dict) -> float | None:
    """USD notional of one ccxt liquidation structure, or None when it cannot be told."""
    quote = finite_number(liq.get("quoteValue"))
    if quote is not None and quote > 0:
        return quote
    price = finite_number(liq.get("price"))
    if price is None or price <= 0:
        return None
    base = finite_number(liq.get("baseValue"))
    if base is None:
        contracts = finite_number(liq.get("contracts"))
        size = finite_number(liq.get("contractSize"))
        if contracts is None or size is None:
            return None
        base = contracts * size
    return base * price if base > 0 else None


def is_long(venue: str, liq: dict) -> bool | None:
    """True: a long position was liquidated; False: a short; None: cannot tell."""
    if venue == "okx":
        info = liq.get("info") or {}
        details = info.get("details") if isinstance(info, dict) else None
        first = details[0] if isinstance(details, list) and details else {}
        pos = str(first.get("posSide", "")).lower() if isinstance(first, dict) else ""
        if pos in ("long", "short"):
            return pos == "long"
    side = str(liq.get("side") or "").lower()
    if side not in ("buy", "sell"):
        return None
    return side == LONG_SIDE.get(venue, "sell")


class _Venue:
    """Aggregation state of one venue (guarded by the stream's lock)."""

    def __init__(self, venue: str):
        self.venue = venue
        self.key = key_of(venue)
        self.up_since: pd.Timestamp | None = None  # connected since (None: not connected)
        self.next_hour: pd.Timestamp | None = None  # open of the first hour not yet handed on
        self.sums: dict[pd.Timestamp, list[float]] = {}  # hour open -> [long, short]
        self.received = 0
        self.connections = 0


class LiquidationStream:
    """Liquidation bars of BTC/USDT:USDT perps from the venues' websockets (see module doc)."""

    kind = "live"
    name = "liquidations"

    BACKOFF_BASE = 1.0
    BACKOFF_MAX = 120.0
    GRACE = pd.Timedelta(seconds=5)  # venues push a few hundred ms late
    JOIN_TIMEOUT = 5.0

    def __init__(self, venues: Iterable[str] = VENUES,
                 exchange_factory: Callable[[str], Any] = ccxt_pro_factory,
                 symbol: str = SYMBOL, cache: CacheLike | None = None,
                 clock: Callable[[], pd.Timestamp] = utc_now,
                 rng: random.Random | None = None,
                 backoff_base: float | None = None, backoff_max: float | None = None):
        self.venues = tuple(venues)
        self.factory = exchange_factory
        self.symbol = symbol
        self.cache = cache
        self.clock = clock
        self.rng = rng or random.Random()
        self.backoff_base = self.BACKOFF_BASE if backoff_base is None else backoff_base
        self.backoff_max = self.BACKOFF_MAX if backoff_max is None else backoff_max
        self.meta = {key_of(v): {"key": key_of(v), "label": f"BTC perp liquidations, {v}, per 1h",
                                 "unit": "USD", "freq": "1h", "adjusted": "n/a",
                                 "source": f"exchange:{symbol}", "columns": list(COLUMNS)}
                     for v in self.venues}
        self.frames: dict[str, pd.DataFrame] = {}
        # key -> (error, since when); read under the lock
        self.errors: dict[str, tuple[SourceError, pd.Timestamp]] = {}
        self._state = {v: _Venue(v) for v in self.venues}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._closed = False
        self._first = True
        self._sent_errors: dict[str, str] = {}
        self._sent_clock: pd.Timestamp | None = None

    # -- FeedSource ---------------------------------------------------------------------------
    def poll(self) -> FeedBatch:
        """Hours completed since the last poll, and new or changed errors. Never blocks."""
        now = self.clock()
        if self._thread is None and not self._closed:
            self._start()
        changed: dict[str, pd.DataFrame] = {}
        if self._first:
            self._first = False
            changed.update(self._load_cache())
        with self._lock:
            completed = {v.key: self._finalize(v, now) for v in self._state.values()}
            errors_now = {key: f"{err} (since {since:%H:%M} UTC)"
                          for key, (err, since) in self.errors.items()}
        for key, rows in completed.items():
            if not rows:
                continue
            frame = pd.DataFrame([r[1] for r in rows], columns=COLUMNS, dtype="float64",
                                 index=pd.DatetimeIndex([r[0] for r in rows], name="time"))
            frame = canonical(frame, key)
            old = self.frames.get(key)
            merged = frame if old is None else canonical(
                pd.concat([old[~old.index.isin(frame.index)], frame]).sort_index(), key)
            self.frames[key] = changed[key] = merged
            if self.cache is not None:
                try:
                    self.cache.put(key, frame, self.meta.get(key))
                except Exception as exc:  # the cache must not stop the feed
                    log.warning("%s: could not cache %s: %s", self.name, key, exc)
        # Only new or changed messages: an unsupported venue is said once.
        errors = {k: m for k, m in errors_now.items() if self._sent_errors.get(k) != m}
        self._sent_errors = errors_now
        if changed or errors or self._sent_clock is None or now - self._sent_clock >= HEARTBEAT:
            self._sent_clock = now
        return FeedBatch(source="live", dataset=self.name, clock=self._sent_clock,
                         frames=changed, errors=errors)

    def close(self) -> None:
        """Stop the event loop (closing every exchange) and join the thread. Idempotent."""
        with self._lock:
            self._closed = True
            loop, stop, thread = self._loop, self._stop, self._thread
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                loop.call_soon_threadsafe(stop.set)
        if thread is not None:
            thread.join(self.JOIN_TIMEOUT)
            if thread.is_alive():
                log.error("%s: the stream thread did not stop within %.0f s", self.name,
                          self.JOIN_TIMEOUT)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def connections(self, venue: str) -> int:
        with self._lock:
            return self._state[venue].connections

    # -- aggregation (under the lock) ----------------------------------------------------------
    def _finalize(self, v: _Venue, now: pd.Timestamp) -> list[tuple[pd.Timestamp, list[float]]]:
        """Rows (close time, [long, short]) of the hours complete at `now` and fully heard."""
        if v.up_since is None or v.next_hour is None:
            return []
        out = []
        while v.next_hour + HOUR + self.GRACE <= now:
            hour, v.next_hour = v.next_hour, v.next_hour + HOUR
            sums = v.sums.pop(hour, [0.0, 0.0])
            if hour >= v.up_since:
                out.append((hour + HOUR, sums))
            else:  # cannot happen: next_hour starts at the first whole hour after connecting
                log.info("%s: hour %s only partly heard: dropped", v.key, hour)
        for stale in [h for h in v.sums if h < v.next_hour]:
            v.sums.pop(stale)
        return out

    def _connected(self, v: _Venue, now: pd.Timestamp) -> None:
        v.connections += 1
        v.up_since = now
        first = now.ceil("h")
        if v.next_hour is not None and v.next_hour < first:
            log.info("%s: hours %s .. %s only partly heard: dropped", v.key, v.next_hour,
                     first - HOUR)
        v.next_hour = first if v.next_hour is None else max(v.next_hour, first)

    def _take(self, v: _Venue, batch: Any) -> None:
        items = batch if isinstance(batch, list) else [batch]
        for liq in items:
            if not isinstance(liq, dict):
                log.debug("%s: not a liquidation: %r", v.key, liq)
                continue
            symbol = liq.get("symbol")
            if symbol is not None and symbol != self.symbol:
                continue
            when = finite_number(liq.get("timestamp"))
            value = notional(liq)
            long = is_long(v.venue, liq)
            if when is None or value is None or long is None:
                log.debug("%s: unusable liquidation dropped: %r", v.key,
                          {k: liq.get(k) for k in ("side", "contracts", "price", "timestamp")})
                continue
            hour = pd.Timestamp(int(when), unit="ms", tz="UTC").floor("h")
            if v.next_hour is None or hour < v.next_hour:
                log.debug("%s: liquidation at %s arrived after its hour: ignored", v.key, hour)
                continue
            v.sums.setdefault(hour, [0.0, 0.0])[0 if long else 1] += value
            v.received += 1
        self.errors.pop(v.key, None)

    # -- the event loop thread -----------------------------------------------------------------
    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="liquidations", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        lower_this_thread()  # its parsing yields the CPU to the GUI thread
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._main(loop))
            loop.run_until_complete(loop.shutdown_asyncgens())
        except Exception:
            log.exception("%s: event loop failed", self.name)
        finally:
            loop.close()

    async def _main(self, loop: asyncio.AbstractEventLoop) -> None:
        stop = asyncio.Event()
        with self._lock:
            self._loop, self._stop = loop, stop
            if self._closed:
                return
        tasks = [asyncio.create_task(self._watch(v), name=f"liquidations-{v}")
                 for v in self.venues]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _fail(self, v: _Venue, error: SourceError) -> None:
        now = self.clock()
        with self._lock:
            self._finalize(v, now)  # hours complete before the drop were fully heard
            v.up_since = None
            since = self.errors.get(v.key, (None, now))[1]
            self.errors[v.key] = (error, since)

    async def _watch(self, venue: str) -> None:
        v = self._state[venue]
        failures = 0
        checked = False
        delay = 0.0
        while True:
            exchange = self.factory(venue)
            try:
                if not checked:
                    has = (getattr(exchange, "has", None) or {}).get("watchLiquidations")
                    if not (has is True or (has == "emulated" and venue in PUBLIC_EMULATED)):
                        log.warning("%s: %s (has['watchLiquidations'] = %r)", self.name,
                                    unsupported_message(venue), has)
                        self._fail(v, SourceError(unsupported_message(venue), key=v.key,
                                                  transient=False))
                        return
                    checked = True
                with self._lock:
                    self._connected(v, self.clock())
                while True:
                    batch = await exchange.watch_liquidations(self.symbol)
                    with self._lock:
                        self._take(v, batch)
                    failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = self._classify(venue, exc)
                self._fail(v, error)
                if not error.transient:
                    log.warning("%s: %s", self.name, error)
                    return
                failures += 1
                delay = min(self.backoff_max, self.backoff_base * 2 ** (failures - 1))
                delay *= self.rng.uniform(0.5, 1.0)
                log.warning("%s: %s stream dropped (%s); reconnecting in %.1f s", self.name,
                            venue, error, delay)
            finally:
                try:
                    await exchange.close()
                except Exception as exc:
                    log.debug("%s: closing %s: %s", self.name, venue, exc)
            await asyncio.sleep(delay)

    def _classify(self, venue: str, exc: Exception) -> SourceError:
        import ccxt

        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        where = f"{venue} {self.symbol} liquidations"
        key = key_of(venue)
        if isinstance(exc, ccxt.BadRequest | ccxt.NotSupported | ccxt.AuthenticationError
                      | ccxt.PermissionDenied):
            return SourceError(f"{where}: refused: {text}", key=key, transient=False)
        if isinstance(exc, ccxt.NetworkError):
            return SourceError(f"{where}: websocket dropped: {text}", key=key, transient=True)
        return SourceError(f"{where}: {type(exc).__name__}: {text}", key=key, transient=True)

    def _load_cache(self) -> dict[str, pd.DataFrame]:
        if self.cache is None:
            return {}
        try:
            frames, _meta = self.cache.get_all()
        except Exception as exc:
            log.warning("%s: cache unreadable: %s", self.name, exc)
            return {}
        got = {k: f for k, f in frames.items() if k in self.meta and len(f)}
        self.frames.update(got)
        return got
