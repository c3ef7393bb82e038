"""What a journal record holds, independent of where it is stored (SQLite or PostgreSQL).

A record is one decision: what was decided, on which profile and risk limit, how each checklist
step was called (and whether the trader overrode the suggestion), the regime, the full snapshot
the decision was made on, where the data came from and which app version wrote it.
"""

from __future__ import annotations

import json
import math
from dataclasses import KW_ONLY, dataclass, field

DECISIONS = ("hedge", "reduce", "wait")
PROFILES = ("short-term", "swing", "long-term")

# Columns of a stored record, in the order `list` and the CSV export show them.
RECORD_FIELDS = ["id", "created_utc", "market_time", "decision", "profile", "risk_limit",
                 "regime", "source", "dataset", "notes", "app_version"]


class JournalError(Exception):
    """The journal cannot be opened or written. The message is one line."""


@dataclass(frozen=True)
class Decision:
    """One decision as the desk (or `deskapp journal add`) hands it to a journal.

    `steps` maps a checklist step name to {status, suggested, override, note, ...};
    `risk_limit` is the position risk limit in percent of the book; `evidence` holds what
    else was on screen (board readouts, missing series). The regime is read from the
    snapshot when not given."""

    decision: str
    source: str
    market_time: str | None
    _: KW_ONLY
    profile: str | None = None
    risk_limit: float | None = None
    steps: dict = field(default_factory=dict)
    notes: str | None = None
    snapshot: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    dataset: str | None = None
    regime: str | None = None

    def validate(self) -> None:
        """Raise ValueError for a decision no journal may store."""
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, got {self.decision!r}")
        if self.profile is not None and self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, got {self.profile!r}")
        if self.risk_limit is not None and not (math.isfinite(self.risk_limit)
                                                and 0 <= self.risk_limit <= 100):
            raise ValueError(f"risk limit must be a percentage 0..100, got {self.risk_limit!r}")

    def regime_name(self) -> str | None:
        return self.regime or (self.snapshot.get("regime") or {}).get("name")


def json_safe(value: object) -> object:
    """NaN and infinities become null: JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def dumps(value: object) -> str:
    """Canonical JSON for a stored column (sorted keys, no NaN)."""
    return json.dumps(json_safe(value), sort_keys=True, allow_nan=False)


# The columns of the `decisions` table (schema 2), in insert order.
DECISION_COLUMNS = ("id", "created_utc", "market_time", "decision", "source", "dataset",
                    "profile", "notes", "evidence_json", "app_version", "risk_limit", "regime",
                    "steps_json", "snapshot_json")
# The columns of the `outcomes` table: one row per decision, asset and horizon once complete.
OUTCOME_COLUMNS = ("decision_id", "asset", "horizon", "series", "start_time", "start_price",
                   "end_time", "end_price", "ret", "max_drawdown", "computed_utc")
# Every decision has these outcomes once the data reaches far enough (see docs/SIGNALS.md).
OUTCOME_KEYS = (("BTC", "1d"), ("BTC", "1w"), ("SPX", "1d"), ("SPX", "1w"))


def utc_now_iso() -> str:
    """Wall-clock UTC time, ISO 8601 with milliseconds and a Z."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def decision_row(d: Decision, app_version: str) -> dict:
    """The column values that store `d`, with a fresh uuid and the commit's UTC time."""
    import uuid

    d.validate()
    return {
        "id": str(uuid.uuid4()), "created_utc": utc_now_iso(), "market_time": d.market_time,
        "decision": d.decision, "source": d.source, "dataset": d.dataset,
        "profile": d.profile, "notes": d.notes, "evidence_json": dumps(d.evidence),
        "app_version": app_version,
        "risk_limit": None if d.risk_limit is None else float(d.risk_limit),
        "regime": d.regime_name(), "steps_json": dumps(d.steps),
        "snapshot_json": dumps(d.snapshot),
    }


def record_from_row(row: dict, outcomes: dict | None = None) -> dict:
    """A stored row as a record: JSON columns parsed, outcomes attached by asset then horizon."""
    out = {k: v for k, v in row.items() if not k.endswith("_json")}
    out["steps"] = json.loads(row.get("steps_json") or "{}")
    out["snapshot"] = json.loads(row.get("snapshot_json") or "{}")
    out["evidence"] = json.loads(row.get("evidence_json") or "{}")
    out["outcomes"] = outcomes or {}
    return out


def group_outcomes(rows: list[dict]) -> dict[str, dict]:
    """Outcome rows -> {decision_id: {asset: {horizon: {...}}}}."""
    grouped: dict[str, dict] = {}
    for r in rows:
        item = {k: r[k] for k in OUTCOME_COLUMNS[3:]}
        grouped.setdefault(r["decision_id"], {}).setdefault(r["asset"], {})[r["horizon"]] = item
    return grouped


# Every decision with a market time, joined to the outcomes it has (both backends run this).
PENDING_SQL = ("SELECT d.id, d.market_time, d.source, d.dataset, o.asset, o.horizon "
               "FROM decisions d LEFT JOIN outcomes o ON o.decision_id = d.id "
               "WHERE d.market_time IS NOT NULL")


def outcome_rows(decision_id: str, outcomes: list[dict]) -> list[tuple]:
    """Outcome dicts (the outcome columns but the decision id and computed time) as rows in
    OUTCOME_COLUMNS order, stamped with the decision and the time now."""
    now = utc_now_iso()
    return [tuple({"decision_id": decision_id, "computed_utc": now, **o}[c]
                  for c in OUTCOME_COLUMNS) for o in outcomes]


def pending_from_rows(rows: list[dict]) -> list[dict]:
    """Decision x outcome join rows -> the decisions still missing some outcome, oldest first."""
    pending: dict[str, dict] = {}
    for r in rows:
        p = pending.setdefault(r["id"], {k: r[k] for k in ("id", "market_time", "source",
                                                          "dataset")} | {"done": set()})
        if r["asset"] is not None:
            p["done"].add((r["asset"], r["horizon"]))
    out = []
    for p in sorted(pending.values(), key=lambda p: (p["market_time"], p["id"])):
        done = p.pop("done")
        p["missing"] = [k for k in OUTCOME_KEYS if k not in done]
        if p["missing"]:
            out.append(p)
    return out
