"""Errors a data source reports: one line each, and whether trying again later may help."""

from __future__ import annotations


class SourceError(Exception):
    """A fetch that failed for one series (`key`) or for the whole source (`key` None)."""

    def __init__(self, message: str, key: str | None = None, transient: bool = True,
                 retry_after: float | None = None):
        super().__init__(message)
        self.key = key
        self.transient = transient
        self.retry_after = retry_after
