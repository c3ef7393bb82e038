"""Exponential backoff with jitter, shared by the polling adapters (Yahoo, FRED, the venues).

After the n-th failed batch in a row a source waits BACKOFF_BASE x 2^(n-1) seconds, at most
BACKOFF_MAX, times a random 50-100 % (jitter); never less than RATE_LIMIT_MIN after a rate
limit, nor less than the server's Retry-After. A clean batch resets it (`_recover`).
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Mixin: the adapter sets `wall` (the clock `due(now)` is measured in) and `rng`, and its
    own BACKOFF_BASE / BACKOFF_MAX / RATE_LIMIT_MIN."""

    BACKOFF_BASE: float = 15.0  # seconds after the first failed batch
    BACKOFF_MAX: float = 900.0
    RATE_LIMIT_MIN: float = 0.0  # a rate limit (HTTP 429) waits at least this long
    wall: Callable[[], float]
    rng: random.Random
    next_allowed_at: float = float("-inf")
    failures: int = 0  # failed batches in a row

    def due(self, now: float) -> bool:
        """May the source be asked at `now` (same clock as `wall`)?"""
        return now >= self.next_allowed_at

    def _back_off(self, retry_after: float | None, rate_limited: bool = False) -> float:
        """One more failed batch: set when the source may be asked again; the delay."""
        self.failures += 1
        delay = min(self.BACKOFF_MAX, self.BACKOFF_BASE * 2 ** (self.failures - 1))
        if rate_limited:
            delay = max(delay, self.RATE_LIMIT_MIN)
        delay *= 0.5 + 0.5 * self.rng.random()  # jitter: 50-100 % of the step
        delay = max(delay, retry_after or 0.0)
        self.next_allowed_at = self.wall() + delay
        return delay

    def _recover(self) -> None:
        """A clean batch: due again at once."""
        self.failures = 0
        self.next_allowed_at = float("-inf")
