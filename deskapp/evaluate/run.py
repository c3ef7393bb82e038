"""The evaluation: the desk's read per trading day, what followed, grouped (docs/EVALUATE.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskapp.evaluate.episodes import Episode
from deskapp.evaluate.forward import forward_table, last_price_series, sampled_forward_table
from deskapp.evaluate.stats import distribution, lift_table, spike_label
from deskapp.evaluate.timeline import Settings, price_features, run_desk, trading_days
from deskapp.signals.track_record import FEATURES

SPX_HORIZONS = {"1d": 1, "1w": 5, "1m": 21}  # sessions of the S&P 500 index
BTC_HORIZONS = {"1d": 1, "1w": 7, "1m": 30}  # calendar days, on the step's clock
# BTC prices in order of preference: daily closes, then intraday bars (docs/EVALUATE.md)
BTC_PRICE_KEYS = ("crypto.btc", "crypto.btc.hist", "crypto.btcusdt.1h", "crypto.btc_yahoo.1h",
                  "crypto.btcusdt.2h", "crypto.btcusdt.4h")
IN_SAMPLE_END = pd.Timestamp("2019-12-31T23:59:59Z")
GROUPS = ("regime", "early_warning", "flywheel")


@dataclass
class Evaluation:
    timeline: pd.DataFrame  # one row per step
    summary: dict


def build_timeline(frames: dict[str, pd.DataFrame], meta: dict[str, dict],
                   start: pd.Timestamp, end: pd.Timestamp, settings: Settings,
                   workers: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Desk read, price features, forward returns and the correlation-spike label per step."""
    steps = trading_days(frames["idx.spx"], start, end)
    desk = run_desk(frames, meta, steps, settings, workers=workers, progress=progress)
    parts = [desk, price_features(frames, steps)]
    spx = frames["idx.spx"]["close"]  # sessions of the index's daily closes
    parts.append(forward_table(spx, steps, SPX_HORIZONS, False, "1m").add_prefix("spx_"))
    # BTC on the step's clock, from its intraday bars where held
    btc = last_price_series([frames[k]["close"] for k in BTC_PRICE_KEYS if k in frames])
    parts.append(sampled_forward_table(btc, steps, BTC_HORIZONS, "1m").add_prefix("btc_"))
    out = pd.concat(parts, axis=1)
    out["corr_spike"] = spike_label(out["corr30"].astype("float64"))
    out["period"] = np.where(out.index <= IN_SAMPLE_END, "2014-2019", "2020-2026")
    out.insert(0, "date", out.index.strftime("%Y-%m-%d"))
    out.index.name = "time"
    return out


def _asset_block(rows: pd.DataFrame, name: str) -> dict:
    return {h: distribution(rows[f"{name}_ret_{h}"]) for h in ("1d", "1w", "1m")} | \
        {"dd_1m": distribution(rows[f"{name}_dd_1m"])}


def group_table(rows: pd.DataFrame, column: str) -> dict[str, dict]:
    """Per value of `column` (as found in the data): N days and the forward distributions."""
    out = {}
    for value, sub in rows.groupby(rows[column].astype(str), sort=True):
        out[value] = {"n": int(len(sub)), "spx": _asset_block(sub, "spx"),
                      "btc": _asset_block(sub, "btc")}
    return out


def period_summary(rows: pd.DataFrame) -> dict:
    groups = {g: group_table(rows, g) for g in GROUPS}
    uncond = {"n": int(len(rows)), "spx": _asset_block(rows, "spx"),
              "btc": _asset_block(rows, "btc")}
    lab = rows["corr_spike"]
    claim = lift_table(rows["early_warning"].astype("int64"), lab)
    for r in claim:
        r["group"] = int(r["group"])
    return {"range": [rows["date"].iloc[0], rows["date"].iloc[-1]] if len(rows) else None,
            "groups": groups, "unconditional": uncond,
            "claim": {"base_n": int(lab.notna().sum()), "base_hits": int(np.nansum(lab)),
                      "by_early_warning": claim}}


def episode_reads(timeline: pd.DataFrame, episodes: list[Episode]) -> list[dict]:
    """What the desk read on each trading day of each episode."""
    out = []
    for e in episodes:
        days = timeline[(timeline.index >= e.start) &
                        (timeline.index < e.end + pd.Timedelta(days=1))]
        reads = [{"date": d, "regime": r, "early_warning": int(w), "flags": fl or "",
                  "flywheel": int(fw), **{k: finite(v) for k, v in zip(FEATURES, vals,
                                                                      strict=True)}}
                 for d, r, w, fl, fw, *vals in days[["date", "regime", "early_warning",
                                                     "early_warning_flags", "flywheel",
                                                     *FEATURES]].itertuples(index=False)]
        calm = sum(1 for x in reads if x["regime"] == "calm")
        out.append({"kind": e.kind, "name": e.name, "start": f"{e.start:%Y-%m-%d}",
                    "end": f"{e.end:%Y-%m-%d}", "what": e.what, "days": reads,
                    "n_days": len(reads), "calm_days": calm})
    return out


def finite(v) -> float | None:
    """`v` as a float, or None where it is missing, not a number or not finite."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def summarise(timeline: pd.DataFrame, episodes: list[Episode], replay: str) -> dict:
    periods = {"all": timeline}
    for p in ("2014-2019", "2020-2026"):
        periods[p] = timeline[timeline["period"] == p]
    return {
        "replay": replay,
        "range": [timeline["date"].iloc[0], timeline["date"].iloc[-1]] if len(timeline)
        else None,
        "step": "US close: 21:00 UTC of each S&P 500 session",
        "in_sample": "2014-01-01..2019-12-31", "out_of_sample": "2020-01-01..",
        "horizons": {"spx": "1d/1w/1m = 1/5/21 sessions of daily closes",
                     "btc": "1d/1w/1m = 1/7/30 days on the step's clock, from the last price "
                            "known at the step (intraday bars where held)",
                     "dd_1m": "max drawdown over the 1m path, P0 the starting peak"},
        "spike": "daily 30d correlation rises by >= 0.2 above the day's value within the "
                 "next 20 steps (trading days)",
        "periods": {k: period_summary(v) for k, v in periods.items() if len(v)},
        "episodes": episode_reads(timeline, episodes),
    }
