"""The regime on the bundled 12-year `history` replay, on days markets remember.

The stress readings are checked against a plain numpy computation from the stored series; the
regime must not read calm at the US close of any of the crash days of issue 14.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deskapp.data.replay import load_dataset
from deskapp.signals.regime import STRESS_REGIMES
from deskapp.signals.snapshot import compute_snapshot

CRASH_DAYS = ("2015-08-24", "2018-02-05", "2020-03-16", "2022-05-12", "2023-03-13",
              "2024-08-05", "2025-04-07", "2026-02-05")
US_CLOSE = "T21:30:00Z"  # after the 16:00 New York close in winter and summer time


@pytest.fixture(scope="module")
def history():
    return load_dataset("history")


def closes(ds, key: str, asof: pd.Timestamp) -> np.ndarray:
    f = ds.frames[key]
    return f.loc[f.index <= asof, "close"].dropna().to_numpy(dtype="float64")


@pytest.mark.parametrize("day", CRASH_DAYS)
def test_crash_days_never_read_calm(history, day):
    snap = compute_snapshot(history.frames, pd.Timestamp(day + US_CLOSE), history.meta)
    assert snap.regime.name in STRESS_REGIMES, (day, snap.regime.name)
    lit = [e.name for e in snap.regime.evidence if e.lit]
    assert snap.regime.name == lit[0] and "calm" not in lit


def test_stress_readings_match_a_plain_computation(history):
    asof = pd.Timestamp("2020-03-16" + US_CLOSE)
    s = compute_snapshot(history.frames, asof, history.meta).stress
    vix, spx, btc = (closes(history, k, asof) for k in ("idx.vix", "idx.spx", "crypto.btc"))
    assert s.vix == pytest.approx(82.69)  # CBOE's record close
    assert s.vix == vix[-1] and s.vix_5d_change == pytest.approx(vix[-1] - vix[-6])
    assert s.spx_1d_ret == pytest.approx(np.log(spx[-1] / spx[-2]))
    assert s.spx_1d_ret == pytest.approx(np.log(2386.13 / 2711.02), abs=1e-4)  # -12.0 %
    assert s.spx_drawdown == pytest.approx(spx[-1] / spx[-252:].max() - 1)
    r = np.diff(np.log(spx))[-20:]
    assert s.spx_rv20 == pytest.approx(np.std(r, ddof=1) * np.sqrt(252))
    # BTC's UTC day so far (a provisional last daily point): the last 2h Binance close by asof
    btc = np.r_[btc, closes(history, "crypto.btcusdt.2h", asof)[-1]]
    assert s.btc_drawdown == pytest.approx(btc[-1] / btc[-90:].max() - 1)
    assert s.btc_1d_ret == pytest.approx(np.log(btc[-1] / btc[-2]))
    assert s.btc_7d_ret == pytest.approx(np.log(btc[-1] / btc[-8]))


def test_a_calm_stretch_reads_calm(history):
    """Mid-2017: VIX near 10, the S&P 500 at highs: calm, with the evidence that shows it."""
    for day in ("2017-05-10", "2017-07-12", "2017-10-11"):
        snap = compute_snapshot(history.frames, pd.Timestamp(day + US_CLOSE), history.meta)
        assert snap.regime.name == "calm", day
        assert snap.stress.vix < 12
        calm = next(e for e in snap.regime.evidence if e.name == "calm")
        assert calm.lit is True and calm.evidence.startswith("no stress rule holds")


def test_daily_fallbacks_are_named_in_the_evidence(history):
    """Where `history` has no 4h bars, trend break and the third early warning are decided on
    daily trends, and the evidence says so: no 4h BTC or equity bars before 2015 (the S&P 500
    CFD starts 2015-01, the BTC 2h bars 2017-08), no 4h BTC bars 2025-09-25 .. 2026-01-14."""
    snap = compute_snapshot(history.frames, pd.Timestamp("2014-12-16" + US_CLOSE), history.meta)
    assert snap.trend.btc_4h is None and snap.trend.btc_1d is not None
    rule = next(e for e in snap.regime.evidence if e.name == "trend break")
    assert "1d only: no 4h bars" in rule.evidence
    snap = compute_snapshot(history.frames, pd.Timestamp("2025-10-15" + US_CLOSE), history.meta)
    assert snap.trend.btc_4h is None and snap.trend.btc_1d is not None
    flag = snap.early_warning.flags[2]
    assert flag.lit is not None and "1d (no 4h bars)" in flag.evidence


def test_thresholds_are_the_in_sample_quantiles_rounded():
    """Every measured threshold in regime.py is its 2014-2019 quantile of the bundled history,
    rounded (docs/SIGNALS.md, "Regime"); computed here with plain numpy, not the tool's code."""
    from deskapp.signals import regime

    ds = load_dataset("history")

    def in_sample(s: pd.Series) -> np.ndarray:
        days = s.index.tz_convert("UTC")
        keep = (days >= pd.Timestamp("2014-01-01", tz="UTC")) & \
            (days < pd.Timestamp("2020-01-01", tz="UTC"))
        v = s.to_numpy(dtype="float64")[keep]
        return v[np.isfinite(v)]

    vix = ds.frames["idx.vix"]["close"].dropna()
    spx = ds.frames["idx.spx"]["close"].dropna()
    btc = ds.frames["crypto.btc"]["close"].dropna()
    lr = lambda s: pd.Series(np.r_[np.nan, np.diff(np.log(s.to_numpy()))], index=s.index)  # noqa: E731
    checks = [
        (regime.VIX_STRESS, np.quantile(in_sample(vix), 0.9), 0.05),
        (regime.SPX_RV20_STRESS,
         np.quantile(in_sample(lr(spx).rolling(20).std() * np.sqrt(252)), 0.9), 0.001),
        (regime.VIX_JUMP, np.quantile(in_sample(vix - vix.shift(5)), 0.9), 0.02),
        (regime.VIX_ELEVATED, np.quantile(in_sample(vix), 0.8), 0.06),
        (regime.SPX_RV20_ELEVATED,
         np.quantile(in_sample(lr(spx).rolling(20).std() * np.sqrt(252)), 0.8), 0.001),
        (regime.SPX_SHOCK_DAY, np.quantile(in_sample(lr(spx)), 0.01), 0.0005),
        (regime.BTC_CRASH_DAY, np.quantile(in_sample(lr(btc)), 0.03), 0.001),
        (regime.BTC_CRASH_WEEK,
         np.quantile(in_sample(np.log(btc) - np.log(btc.shift(7))), 0.03), 0.005),
        (regime.BTC_BEAR_DRAWDOWN,
         np.quantile(in_sample(btc / btc.rolling(90).max() - 1), 0.2), 0.005),
    ]
    for threshold, measured, rounding in checks:
        assert abs(threshold - measured) <= rounding, (threshold, measured)
