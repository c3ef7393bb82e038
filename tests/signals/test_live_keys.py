"""Live per-venue series feed the same signals as the replay's (roles.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from deskapp.data.instruments import UNIVERSE
from deskapp.signals.snapshot import compute_snapshot

ASOF = pd.Timestamp("2026-02-10T12:00Z")


def frame(col: str, values: list[float], last: str, step: str) -> pd.DataFrame:
    idx = pd.date_range(end=pd.Timestamp(last), periods=len(values), freq=step, name="time")
    return pd.DataFrame({col: values}, index=idx)


def test_funding_is_open_interest_weighted_across_venues():
    frames = {
        "deriv.btc_funding_8h.binanceusdm": frame("rate", [0.0001, 0.0002], "2026-02-10T08:00Z",
                                                  "8h"),
        "deriv.btc_funding_8h.bybit": frame("rate", [0.0003, -0.0001], "2026-02-10T08:00Z", "8h"),
        "deriv.btc_oi_1h.binanceusdm": frame("oi_usd", [9e9, 8e9], "2026-02-10T12:00Z", "1h"),
        "deriv.btc_oi_1h.bybit": frame("oi_usd", [5e9, 2e9], "2026-02-10T12:00Z", "1h"),
    }
    meta = {s.key: s.meta() for s in UNIVERSE}
    snap = compute_snapshot(frames, ASOF, meta)
    # annualised: rate x 3 x 365; weights: the latest OI (8bn and 2bn)
    want = (0.0002 * 1095 * 8e9 + (-0.0001) * 1095 * 2e9) / 10e9
    assert snap.crypto.funding_annualised == pytest.approx(want, rel=1e-12)


def test_live_open_interest_feeds_the_24h_change():
    oi = frame("oi_usd", [10e9] * 24 + [9e9], "2026-02-10T12:00Z", "1h")
    frames = {"deriv.btc_oi_1h.binanceusdm": oi}
    meta = {s.key: s.meta() for s in UNIVERSE}
    snap = compute_snapshot(frames, ASOF, meta)
    assert snap.crypto.oi_24h_change == pytest.approx(-0.1)
