"""The precomputed track record (resources/track_record.json, docs/EVALUATE.md): what followed
each regime, early-warning count and flywheel stage since 2014, and the most similar past days.
Pure: no Qt, no I/O beyond the file handed in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = ("vix", "corr30", "spx_rv_ratio", "btc_rv_ratio", "spx_dd", "btc_dd")


class TrackRecordError(ValueError):
    """The table cannot be read; the message is one line."""


@dataclass(frozen=True)
class TrackRecord:
    range: tuple[str, str]
    built_from: str
    step: str
    groups: dict[str, dict[str, dict]]  # "regime" / "early_warning" / "flywheel" -> value -> stats
    unconditional: dict
    days: tuple[dict, ...]

    def group(self, kind: str, value: object) -> dict | None:
        """The stats of one group ("regime", "calm"), ("early_warning", 1) ..., or None."""
        return self.groups.get(kind, {}).get(str(value))

    def similar_days(self, features: Mapping[str, float | None], k: int = 10,
                     exclude_after: str | None = None) -> list[tuple[dict, float]]:
        """`similar_days` over this table's days: (day, distance) pairs, nearest first."""
        found = similar_days({"days": self.days}, features, k, exclude_after)
        return [(self.days[d["index"]], d["distance"]) for d in found]


_MATRIX: list = []  # [days, values, stdevs] of the last table asked about


def _matrix(days: Any) -> tuple[np.ndarray, np.ndarray]:
    if _MATRIX and _MATRIX[0] is days:
        return _MATRIX[1], _MATRIX[2]
    values = np.full((len(days), len(FEATURES)), np.nan)
    for i, d in enumerate(days):
        feats = d.get("features") or {}
        for j, f in enumerate(FEATURES):
            v = feats.get(f)
            if v is not None:
                values[i, j] = float(v)
    sd = np.full(len(FEATURES), np.nan)
    for j in range(len(FEATURES)):
        col = values[:, j][np.isfinite(values[:, j])]
        if len(col) > 1:
            sd[j] = float(np.std(col, ddof=1))
    _MATRIX[:] = [days, values, sd]
    return values, sd


def similar_days(table: Mapping[str, Any], features: Mapping[str, float | None], k: int = 10,
                 exclude_after: str | None = None) -> list[dict]:
    """The k past days nearest to `features` (keys of FEATURES; None or absent = missing):
    Euclidean distance over the features both have, each divided by its stdev (ddof=1) over all
    days of the table, times sqrt(6 / shared) so days compared on fewer features are not
    favoured. Days on or after `exclude_after` (YYYY-MM-DD) and days sharing no feature are left
    out; ties go to the earlier date. Each result is the day's dict plus "distance" and "index"
    (its row in the table)."""
    days = table.get("days") or []
    if not len(days):
        return []
    values, sd = _matrix(days)
    q = np.array([np.nan if features.get(f) is None else float(features[f]) for f in FEATURES])
    use = np.isfinite(q) & np.isfinite(sd) & (sd > 0)
    if not use.any():
        return []
    z = (values[:, use] - q[use]) / sd[use]
    shared = np.isfinite(z).sum(axis=1)
    total = np.nansum(z * z, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.sqrt(total * len(FEATURES) / shared)
    ok = shared > 0
    if exclude_after is not None:
        ok &= np.array([d["date"] < exclude_after for d in days])
    idx = np.flatnonzero(ok)
    order = sorted(idx, key=lambda i: (dist[i], days[i]["date"]))[:k]
    return [{**days[i], "distance": float(dist[i]), "index": int(i)} for i in order]


def from_dict(data: dict) -> TrackRecord:
    try:
        return TrackRecord(tuple(data["range"]), str(data["built_from"]), str(data["step"]),
                           data["groups"], data["unconditional"], tuple(data["days"]))
    except (KeyError, TypeError) as exc:
        raise TrackRecordError(f"track record table lacks {exc}") from None


def bundled_path() -> Path:
    """resources/track_record.json (rebuilt by tools/build_track_record.py)."""
    from deskapp.resources import resource_dir

    return resource_dir() / "track_record.json"


def load(path: Path | None = None) -> TrackRecord:
    """Read the table (default: the bundled one); one-line TrackRecordError when missing or
    corrupt."""
    return from_dict(load_table(path))


def load_table(path: Path | None = None) -> dict:
    """The table as the plain dict that `similar_days` and the Track-record pane work on,
    checked as `load` checks it (one-line TrackRecordError)."""
    path = bundled_path() if path is None else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TrackRecordError(f"cannot read track record '{path}': {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrackRecordError(f"track record '{path}' is corrupt: {exc}") from None
    if not isinstance(data, dict):
        raise TrackRecordError(f"track record '{path}' is not a table (a JSON object)")
    from_dict(data)  # the keys every reader needs are there
    return data
