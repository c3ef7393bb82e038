"""The precomputed track record (resources/track_record.json, docs/EVALUATE.md): what followed
each regime, early-warning count and flywheel stage since 2014, and the most similar past days.
Pure: no Qt, no I/O beyond the file handed in."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

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

    def similar_days(self, features: dict[str, float | None], k: int = 10,
                     exclude_after: str | None = None) -> list[tuple[dict, float]]:
        """The k past days nearest to `features`: Euclidean distance over the features both
        have, each standardised by its stdev over all days, scaled by sqrt(F / shared) so days
        compared on fewer features are not favoured. Days on or after `exclude_after`
        (YYYY-MM-DD) are left out; days sharing no feature are never returned."""
        scale = _stdevs(self.days)
        out = []
        for d in self.days:
            if exclude_after is not None and d["date"] >= exclude_after:
                continue
            total, shared = 0.0, 0
            for f in FEATURES:
                a, b, s = features.get(f), d["features"].get(f), scale.get(f)
                if a is None or b is None or not s:
                    continue
                total += ((a - b) / s) ** 2
                shared += 1
            if shared:
                out.append((d, math.sqrt(total * len(FEATURES) / shared)))
        out.sort(key=lambda p: (p[1], p[0]["date"]))
        return out[:k]


def _stdevs(days: tuple[dict, ...]) -> dict[str, float]:
    out = {}
    for f in FEATURES:
        v = [d["features"][f] for d in days if d["features"].get(f) is not None]
        if len(v) > 1:
            m = sum(v) / len(v)
            out[f] = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))
    return out


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
    path = bundled_path() if path is None else path
    try:
        return from_dict(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise TrackRecordError(f"cannot read track record '{path}': {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrackRecordError(f"track record '{path}' is corrupt: {exc}") from None
