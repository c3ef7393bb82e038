"""Fill in decision outcomes (BTC and S&P 500, 1 day and 1 week) once the data reaches them.

The desk calls `fill_outcomes` from its compute worker with the frames it has (a replay only up
to its clock); `deskapp journal` calls `fill_from_datasets` with each replay's whole dataset and
the local market cache. An outcome is stored once, when complete, and never changes after.
"""

from __future__ import annotations

import logging

import pandas as pd

log = logging.getLogger(__name__)

LIVE_SOURCES = ("live", "cache", "manual")


def same_market(pending: dict, source: str, dataset: str | None) -> bool:
    """Whether a decision was made on the market these frames come from: the same replay
    dataset, or the live market (live and cached data are one market)."""
    if source == "replay" or pending["source"] == "replay":
        return source == pending["source"] and dataset == pending["dataset"]
    return pending["source"] in LIVE_SOURCES and source in LIVE_SOURCES


def fill_outcomes(journal, frames: dict[str, pd.DataFrame], meta: dict[str, dict],
                  source: str, dataset: str | None, asof: pd.Timestamp | None = None) -> int:
    """Compute and store every outcome of this market's decisions that the frames complete.
    `asof` is how far the data reaches (default: the newest bar); a decision whose nearest
    missing horizon lies beyond it is not even looked at. Returns how many were stored."""
    from deskapp.signals.outcomes import HORIZONS, decision_outcomes

    if asof is None:
        asof = max((f.index[-1] for f in frames.values() if len(f)), default=None)
        if asof is None:
            return 0
    stored = 0
    for p in journal.pending_outcomes():
        if not same_market(p, source, dataset):
            continue
        try:
            t0 = pd.Timestamp(p["market_time"])
        except (ValueError, TypeError):  # a damaged row: `list` shows it as such
            log.info("decision %s: market time %r unreadable", p["id"], p["market_time"])
            continue
        if pd.isna(t0):
            continue
        t0 = t0.tz_localize("UTC") if t0.tzinfo is None else t0.tz_convert("UTC")
        if t0 + min(HORIZONS[h] for _, h in p["missing"]) > asof:
            continue  # not even the nearest outcome can be complete yet
        results = decision_outcomes(frames, meta, t0)
        ready = [results[k].to_dict() for k in p["missing"] if results.get(k) is not None]
        if ready:
            journal.save_outcomes(p["id"], ready)
            stored += len(ready)
    return stored


def fill_from_datasets(journal) -> int:
    """Outcomes for replay decisions from their whole datasets, and for live or cached
    decisions from the local market cache. A dataset that cannot be read is skipped (logged)."""
    from deskapp.data.replay import DatasetError, load_dataset

    pending = journal.pending_outcomes()
    stored = 0
    for name in sorted({p["dataset"] for p in pending if p["source"] == "replay"
                        and p["dataset"]}):
        try:
            ds = load_dataset(name)
        except DatasetError as exc:
            log.warning("outcomes of replay '%s' not filled: %s", name, exc)
            continue
        stored += fill_outcomes(journal, ds.frames, ds.meta, "replay", name)
    if any(p["source"] in LIVE_SOURCES for p in pending):
        stored += _fill_from_cache(journal)
    return stored


def _fill_from_cache(journal) -> int:
    from deskapp.data.cache import CacheError, MarketCache
    from deskapp.data.sources import universe_meta
    from deskapp.paths import data_dir

    path = data_dir() / "market-cache.sqlite3"
    if not path.exists():
        return 0
    try:
        with MarketCache(path) as cache:
            frames, _ = cache.get_all()
    except CacheError as exc:
        log.warning("outcomes of live decisions not filled: %s", exc)
        return 0
    return fill_outcomes(journal, frames, universe_meta(), "cache", None)
