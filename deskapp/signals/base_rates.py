"""Base rates at the moment of decision: what followed days like today (docs/EVALUATE.md).

Reads the precomputed track-record table (`resources/track_record.json`, written by
`tools/build_track_record.py` from `deskapp evaluate`) as a plain dict; pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

HORIZON_WORDS = {"1d": "next day", "1w": "next week", "1m": "next month"}


@dataclass(frozen=True)
class BaseRate:
    """What followed the days of one group (e.g. regime "trend break"), beside all days."""

    group: str  # "regime", "early_warning" or "flywheel"
    label: str  # "trend break", "2 early warnings", "flywheel stage 3"
    n: int | None  # days in the table with that reading; None: the table has no such group
    line: str  # one sentence for the pane and the checklist
    unconditional: str  # the same figures over every day of the table
    figures: str = ""  # the line's figures alone (S&P 500 ...; BTC ...)


def _pct(x: Any) -> str:
    return f"{x * 100:+.1f} %" if isinstance(x, int | float) else "n/a"


def _figures(node: Mapping[str, Any], horizon: str) -> str:
    parts = []
    for asset, name in (("spx", "S&P 500"), ("btc", "BTC")):
        dist = ((node.get(asset) or {}).get(horizon) or {})
        if not dist:
            parts.append(f"{name} n/a")
            continue
        parts.append(f"{name} {HORIZON_WORDS.get(horizon, horizon)} median "
                     f"{_pct(dist.get('median'))}, 10th pct {_pct(dist.get('p10'))}")
    return "; ".join(parts)


def table_range(table: Mapping[str, Any]) -> str:
    """'2014-01-01 .. 2026-02-13' from the table's range, or 'unknown range'."""
    r = table.get("range") or []
    return f"{r[0]} .. {r[1]}" if len(r) == 2 else "unknown range"


def base_rate(table: Mapping[str, Any], group: str, key: str | int,
              horizon: str = "1w") -> BaseRate:
    """The base rate of one reading: regime name, early-warning count or flywheel stage."""
    label = {"regime": str(key), "early_warning": f"{key} early warning"
             + ("" if key == 1 else "s"), "flywheel": f"flywheel stage {key}"}[group]
    since = (table.get("range") or ["?"])[0][:4]
    uncond = table.get("unconditional") or {}
    all_line = f"all days ({uncond.get('n', 'n/a')}): {_figures(uncond, horizon)}"
    node = ((table.get("groups") or {}).get(group) or {}).get(str(key))
    if not node:
        return BaseRate(group, label, None, f"{label}: no such day in the table since {since}",
                        all_line)
    n = int(node.get("n", 0))
    figures = _figures(node, horizon)
    return BaseRate(group, label, n, f"{label}, {n} days since {since}: {figures}", all_line,
                    figures)


def base_rates_now(table: Mapping[str, Any], regime: str, early_warning: int,
                   flywheel: int, horizon: str = "1w") -> list[BaseRate]:
    """The three base rates for what the desk reads now."""
    return [base_rate(table, "regime", regime, horizon),
            base_rate(table, "early_warning", early_warning, horizon),
            base_rate(table, "flywheel", flywheel, horizon)]


def features_of(snapshot: Any) -> dict[str, float | None]:
    """The similarity features (track_record.FEATURES) of a typed Snapshot (None where the desk
    has no reading)."""
    return {"vix": snapshot.stress.vix, "corr30": snapshot.correlation.daily_30,
            "spx_rv_ratio": snapshot.volatility.spx_rv_ratio,
            "btc_rv_ratio": snapshot.volatility.btc_rv_ratio,
            "spx_dd": snapshot.stress.spx_drawdown, "btc_dd": snapshot.stress.btc_drawdown}


NEXT_WEEK_DAYS = 7  # BTC's week is 7 calendar days, the S&P 500's 5 sessions (within 7 days)


def what_followed(day: Mapping[str, Any], board_day: str | None) -> dict[str, float | None] | None:
    """A past day's next-week S&P 500 and BTC returns (`spx_1w`, `btc_1w`; None where the data
    has none), or None while that week had not ended by `board_day` (YYYY-MM-DD): a replay must
    not see its future through a similar day."""
    if board_day is not None:
        ended = date.fromisoformat(day["date"]) + timedelta(days=NEXT_WEEK_DAYS)
        if ended >= date.fromisoformat(board_day):
            return None
    nxt = day.get("next") or {}
    return {"spx_1w": nxt.get("spx_1w"), "btc_1w": nxt.get("btc_1w")}
