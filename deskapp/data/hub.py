"""The current market state: the latest frame for every key, merged from feed batches."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from deskapp.data.feed import FeedBatch


@dataclass(frozen=True)
class MarketState:
    """Immutable: `apply` returns a new state; frames themselves are shared, never mutated."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    meta: dict[str, dict] = field(default_factory=dict)
    clock: pd.Timestamp | None = None
    source: str = ""
    dataset: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def apply(self, batch: FeedBatch) -> MarketState:
        frames = {**self.frames, **batch.frames} if batch.frames else self.frames
        errors = {**self.errors, **batch.errors}
        for key in batch.frames:
            errors.pop(key, None)
        clock = batch.clock
        if batch.source != "replay" and self.clock is not None and not batch.frames:
            clock = max(self.clock, batch.clock)  # live sources' clocks never move the board back
        return replace(self, frames=frames, clock=clock, source=batch.source,
                       dataset=batch.dataset, errors=errors)
