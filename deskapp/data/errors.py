"""Errors a data source reports: one line each, and whether trying again later may help."""

from __future__ import annotations

import re
from dataclasses import dataclass


class SourceError(Exception):
    """A fetch that failed for one series (`key`) or for the whole source (`key` None)."""

    def __init__(self, message: str, key: str | None = None, transient: bool = True,
                 retry_after: float | None = None):
        super().__init__(message)
        self.key = key
        self.transient = transient
        self.retry_after = retry_after


@dataclass(frozen=True)
class Failure:
    """What went wrong with one request, and what it means for the batch."""

    message: str
    transient: bool = True
    stops_batch: bool = False  # rate limit or outage: asking for more now only makes it worse
    rate_limited: bool = False
    retry_after: float | None = None

    def error(self, key: str, prefix: str = "") -> SourceError:
        return SourceError(f"{prefix}{self.message}", key=key, transient=self.transient,
                           retry_after=self.retry_after)


def one_line(text: object, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# urllib3's "HTTPConnection(host=..., port=...): " before the reason
POOL_PREFIX = re.compile(r"^\w*Connection\w*\([^)]*\):\s*")


def network_reason(exc: BaseException) -> str:
    """The root cause of a requests/urllib3 network error, on one line.

    requests wraps urllib3's MaxRetryError, whose text starts with the pool and the whole URL
    ("HTTPConnectionPool(host=..): Max retries exceeded with url: /v8/..?period1=..") and would
    cut the actual reason ("Connection refused") off at the length limit."""
    inner, seen = exc, {id(exc)}
    while True:
        nxt = getattr(inner, "reason", None)  # urllib3 MaxRetryError / ProtocolError
        if not isinstance(nxt, BaseException) and inner.args:
            nxt = inner.args[0]
        if not isinstance(nxt, BaseException) or id(nxt) in seen:
            break
        seen.add(id(nxt))
        inner = nxt
    return one_line(POOL_PREFIX.sub("", str(inner)) or type(inner).__name__)


def retry_after_seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: not worth parsing, the backoff covers it
        return None
