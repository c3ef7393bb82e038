"""Summaries of journal records for the review dock and `deskapp journal stats` (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

UNKNOWN_REGIME = "unknown"


@dataclass(frozen=True)
class OutcomeSummary:
    """How one decision did in one regime over one horizon: means over the decisions whose
    outcome is complete (`n_complete` of `n`); None where none is complete yet."""

    regime: str
    decision: str
    horizon: str
    n: int
    n_complete: int
    btc_ret: float | None
    spx_ret: float | None
    btc_dd: float | None
    spx_dd: float | None


def outcome(record: dict, asset: str, horizon: str, measure: str = "ret") -> float | None:
    """One stored outcome value of a record (None while pending)."""
    o = (record.get("outcomes", {}).get(asset) or {}).get(horizon)
    return None if o is None else o[measure]


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return fmean(known) if known else None


def summarise(records: list[dict], horizon: str = "1w") -> list[OutcomeSummary]:
    """One row per (regime, decision) pair present, sorted by regime then decision."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        groups.setdefault((r.get("regime") or UNKNOWN_REGIME, r["decision"]), []).append(r)
    out = []
    for (regime, decision), rows in sorted(groups.items()):
        complete = [r for r in rows if outcome(r, "BTC", horizon) is not None
                    or outcome(r, "SPX", horizon) is not None]
        out.append(OutcomeSummary(
            regime=regime, decision=decision, horizon=horizon, n=len(rows),
            n_complete=len(complete),
            btc_ret=_mean([outcome(r, "BTC", horizon) for r in rows]),
            spx_ret=_mean([outcome(r, "SPX", horizon) for r in rows]),
            btc_dd=_mean([outcome(r, "BTC", horizon, "max_drawdown") for r in rows]),
            spx_dd=_mean([outcome(r, "SPX", horizon, "max_drawdown") for r in rows])))
    return out


def matches(record: dict, *, since: str | None = None, until: str | None = None,
            decision: str | None = None, regime: str | None = None,
            profile: str | None = None) -> bool:
    """The review dock's filter: dates compare with the record's market time (else its UTC
    time) as ISO text, `until` inclusive of the whole day; None means any."""
    when = (record.get("market_time") or record.get("created_utc") or "")[:10]
    if since and when < since[:10]:
        return False
    if until and when > until[:10]:
        return False
    if decision and record["decision"] != decision:
        return False
    if regime and (record.get("regime") or UNKNOWN_REGIME) != regime:
        return False
    return not (profile and record.get("profile") != profile)
