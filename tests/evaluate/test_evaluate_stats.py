"""Wilson intervals, the correlation-spike label and the lift: hand-worked cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deskapp.evaluate.stats import distribution, lift_table, spike_label, wilson


def test_wilson_hand_worked():
    # k=3, n=10, z=1.96: centre (0.3 + 0.19208) / 1.38416 = 0.35554,
    # half 1.96 * sqrt(0.021 + 0.0096040) / 1.38416 = 0.24771
    lo, hi = wilson(3, 10)
    assert lo == pytest.approx(0.10779, abs=1e-4)
    assert hi == pytest.approx(0.60322, abs=1e-4)
    lo0, hi0 = wilson(0, 5)
    assert lo0 == pytest.approx(0.0, abs=1e-12) and hi0 == pytest.approx(0.43448, abs=1e-4)
    assert wilson(0, 0) == (None, None)


def test_distribution_percentiles_ignore_missing():
    d = distribution([np.nan, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert d == {"n": 10, "median": 5.5, "p10": pytest.approx(1.9), "p90": pytest.approx(9.1)}
    assert distribution([np.nan])["median"] is None


def test_spike_label_hand_worked():
    c = pd.Series([0.1, 0.2, 0.35, 0.0, np.nan, 0.1, 0.1])
    got = spike_label(c, rise=0.2, days=2).tolist()
    # 0: max(0.2, 0.35) - 0.1 = 0.25 -> 1; 1: 0.35 - 0.2 = 0.15 -> 0; 2: 0 -> 0;
    # 3: max(nan, 0.1) - 0 = 0.1 -> 0; 4: today missing; 5, 6: fewer than 2 steps ahead
    assert got[:4] == [1.0, 0.0, 0.0, 0.0]
    assert all(np.isnan(got[4:]))


def test_lift_hand_worked_and_its_interval():
    groups = pd.Series([0] * 8 + [1] * 4)
    label = pd.Series([0, 0, 0, 0, 0, 0, 1, 0] + [1, 1, 0, 1], dtype="float64")
    rows = {r["group"]: r for r in lift_table(groups, label, block=3, boot=400, seed=1)}
    # base 4/12; group 1: 3/4 -> lift 0.75 / (1/3) = 2.25; group 0: 1/8 -> 0.375
    assert rows[1]["n"] == 4 and rows[1]["hits"] == 3
    assert rows[1]["rate"] == 0.75 and rows[1]["base"] == pytest.approx(1 / 3)
    assert rows[1]["lift"] == pytest.approx(2.25)
    assert rows[0]["lift"] == pytest.approx(0.375)
    assert (rows[1]["rate_lo"], rows[1]["rate_hi"]) == pytest.approx(wilson(3, 4))
    assert rows[1]["lift_lo"] <= 2.25 <= rows[1]["lift_hi"]
    again = {r["group"]: r for r in lift_table(groups, label, block=3, boot=400, seed=1)}
    assert again[1]["lift_lo"] == rows[1]["lift_lo"]  # seeded: reproducible


def test_unlabelled_days_are_left_out_of_rates_and_base():
    groups = pd.Series([1, 1, 0, 0])
    label = pd.Series([1.0, np.nan, 0.0, 1.0])
    rows = {r["group"]: r for r in lift_table(groups, label, boot=50)}
    assert rows[1]["n"] == 1 and rows[0]["n"] == 2
    assert rows[1]["base"] == pytest.approx(2 / 3)
