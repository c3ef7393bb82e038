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
                 "regime", "source", "dataset", "notes", "app_version", "book_version", "hedge"]


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
    book_version: int | None = None  # the journal's book version on screen (journal/books.py)
    book_figures: dict = field(default_factory=dict)  # BookFigures.as_dict() on screen
    hedge: str | None = None  # the hedge chosen ("none" when the book is left unhedged)

    def validate(self) -> None:
        """Raise ValueError for a decision no journal may store."""
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, got {self.decision!r}")
        if self.profile is not None and self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, got {self.profile!r}")
        if self.risk_limit is not None and not (math.isfinite(self.risk_limit)
                                                and 0 <= self.risk_limit <= 100):
            raise ValueError(f"risk limit must be a percentage 0..100, got {self.risk_limit!r}")
        if self.book_version is not None and (isinstance(self.book_version, bool) or not
                                              isinstance(self.book_version, int)
                                              or self.book_version < 1):
            raise ValueError(f"book version must be a positive integer, got "
                             f"{self.book_version!r}")
        if self.hedge is not None and (not isinstance(self.hedge, str) or not self.hedge.strip()
                                       or len(self.hedge) > 500):
            raise ValueError(f"hedge must be a short text ('none' for no hedge), got "
                             f"{self.hedge!r:.60}")

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


# The columns of the `decisions` table (schema 3), in insert order.
DECISION_COLUMNS = ("id", "created_utc", "market_time", "decision", "source", "dataset",
                    "profile", "notes", "evidence_json", "app_version", "risk_limit", "regime",
                    "steps_json", "snapshot_json", "book_version", "book_figures_json", "hedge")
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
        "snapshot_json": dumps(d.snapshot), "book_version": d.book_version,
        "book_figures_json": dumps(d.book_figures), "hedge": d.hedge,
    }


class BadText(str):
    """A stored text that was not valid UTF-8, decoded with replacement characters."""


# Record fields that hold text, and the JSON columns (each an object) with their record key.
_TEXT_FIELDS = ("id", "created_utc", "market_time", "decision", "source", "dataset", "profile",
                "notes", "app_version", "regime", "hedge")
_JSON_FIELDS = (("steps_json", "steps"), ("snapshot_json", "snapshot"),
                ("evidence_json", "evidence"), ("book_figures_json", "book_figures"))
_OUTCOME_NUMBERS = ("start_price", "end_price", "ret", "max_drawdown")
_OUTCOME_TEXTS = ("series", "start_time", "end_time")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def record_from_row(row: dict, outcomes: dict | None = None) -> dict:
    """A stored row as a record: JSON columns parsed, outcomes attached by asset then horizon.

    A cell that cannot be read (JSON that does not parse, text that is not UTF-8, a risk limit
    that is not a number, an outcome with a non-numeric price) does not hide the record: the
    cell becomes None (or its readable part) and `damaged` lists what was wrong."""
    damaged: list[str] = []
    out = {k: v for k, v in row.items() if not k.endswith("_json")}
    for k in _TEXT_FIELDS:
        v = out.get(k)
        if isinstance(v, BadText):
            damaged.append(f"{k}: not UTF-8 text")
            out[k] = str(v)
        elif v is not None and not isinstance(v, str):
            damaged.append(f"{k}: {_short(v)} is not text")
            out[k] = None if isinstance(v, bytes) else str(v)
    if out.get("decision") not in DECISIONS:
        damaged.append(f"decision: {_short(out.get('decision'))} is not one of {DECISIONS}")
        out["decision"] = str(out.get("decision") or "?")
    for k in ("id", "source"):
        if not out.get(k):
            damaged.append(f"{k}: missing")
            out[k] = str(out.get(k) or "?")
    risk = out.get("risk_limit")
    if risk is not None and not _is_number(risk):
        damaged.append(f"risk_limit: {_short(risk)} is not a number")
        out["risk_limit"] = None
    book = out.get("book_version")
    if book is not None and (isinstance(book, bool) or not isinstance(book, int)):
        damaged.append(f"book_version: {_short(book)} is not a version number")
        out["book_version"] = None
    for column, key in _JSON_FIELDS:
        text = row.get(column)
        try:
            value = json.loads(text or "{}")
        except (ValueError, TypeError) as exc:
            damaged.append(f"{column}: not valid JSON ({exc})")
            value = None
        else:
            if not isinstance(value, dict):
                damaged.append(f"{column}: a JSON {type(value).__name__}, not an object")
                value = None
        out[key] = value
    out["outcomes"] = _checked_outcomes(outcomes or {}, damaged)
    if damaged:
        out["damaged"] = damaged
    return out


def _checked_outcomes(outcomes: dict, damaged: list[str]) -> dict:
    """The outcomes whose prices and returns are numbers; the others are named as damage."""
    kept: dict[str, dict] = {}
    for asset, by_horizon in outcomes.items():
        for horizon, o in by_horizon.items():
            bad = [k for k in _OUTCOME_NUMBERS if not _is_number(o.get(k))]
            bad += [k for k in _OUTCOME_TEXTS if not isinstance(o.get(k), str)]
            if bad:
                damaged.append(f"outcome {asset} {horizon}: {', '.join(bad)} unreadable")
            else:
                kept.setdefault(asset, {})[horizon] = o
    return kept


def damage_line(record: dict) -> str:
    """What is damaged in a record, on one line ('' when nothing is)."""
    return "; ".join(record.get("damaged") or ())


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
    for p in sorted(pending.values(), key=lambda p: (str(p["market_time"]), str(p["id"]))):
        done = p.pop("done")
        p["missing"] = [k for k in OUTCOME_KEYS if k not in done]
        if p["missing"]:
            out.append(p)
    return out


# -- books ----------------------------------------------------------------------------------
# The trader's book is stored versioned in its own table (`books`, schema 3): every save of a
# changed book is a new version; a decision keeps the version it was made with.
BOOK_COLUMNS = ("version", "created_utc", "positions_json", "app_version")


def book_text(rows: list[dict]) -> str:
    """The canonical stored text of a book's rows (`portfolio.Book.as_rows()`)."""
    if not isinstance(rows, list | tuple) or not all(isinstance(r, dict) for r in rows):
        raise ValueError("a book is a list of position rows")
    return json.dumps(json_safe(list(rows)), sort_keys=True, allow_nan=False)


def book_record(row: dict) -> dict:
    """A stored book row as {version, created_utc, app_version, rows}; rows that do not parse
    come back empty with `damaged` saying so."""
    out = {k: row[k] for k in ("version", "created_utc", "app_version")}
    try:
        rows = json.loads(row.get("positions_json") or "[]")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("not a list of rows")
    except (ValueError, TypeError) as exc:
        out["rows"] = []
        out["damaged"] = [f"positions_json: {exc}"]
    else:
        out["rows"] = rows
    return out
