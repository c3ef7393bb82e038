"""The Track-record table (resources/track_record.json) from an evaluation (docs/EVALUATE.md)."""

from __future__ import annotations

import pandas as pd

from deskapp.evaluate.run import finite
from deskapp.signals.track_record import FEATURES


def _round(node, digits: int = 5):
    if isinstance(node, dict):
        return {k: _round(v, digits) for k, v in node.items()}
    if isinstance(node, float):
        return round(node, digits)
    return node


def _feature(v) -> float | None:
    f = finite(v)
    return None if f is None else round(f, 5)


def track_record(timeline: pd.DataFrame, summary: dict, built_from: str) -> dict:
    """The whole-range groups and unconditional figures, and one row per day with its read,
    features (for "most similar past days") and what followed it (next week's S&P 500 and BTC
    returns, as in timeline.csv)."""
    whole = summary["periods"]["all"]
    days = [{"date": row.date, "regime": row.regime, "early_warning": int(row.early_warning),
             "flywheel": int(row.flywheel),
             "features": {f: _feature(getattr(row, f)) for f in FEATURES},
             "next": {"spx_1w": _feature(row.spx_ret_1w), "btc_1w": _feature(row.btc_ret_1w)}}
            for row in timeline.itertuples(index=False)]
    return {"range": summary["range"], "built_from": built_from,
            "step": "US close", "groups": _round(whole["groups"]),
            "unconditional": _round(whole["unconditional"]), "days": days}
