"""Macro signals (DESIGN.md section 5, "Macro"): 5-session bp changes, the policy path, DXY z.

Expected numbers are hand-worked or computed with plain loops and the statistics module.
"""

from __future__ import annotations

import math
import random
import statistics

import pandas as pd
import pytest

from deskapp.signals import macro

NAN = float("nan")


def sessions(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.bdate_range("2025-01-06 21:00", periods=len(values),
                                                  freq="B", tz="UTC"))


# ---------------------------------------------------------------- change_bp
def test_change_bp_over_five_sessions():
    # 4.00 -> ... -> 4.12 five sessions later: +12 bp
    ten = sessions([3.90, 4.00, 4.05, 4.02, 4.08, 4.10, 4.12])
    assert macro.change_bp(ten) == pytest.approx(12.0, abs=1e-9)


def test_change_bp_skips_blank_days():
    # FRED blanks (holidays) are not sessions: the 5 sessions back from 4.30 reach 4.21
    ten = sessions([4.21, 4.25, NAN, 4.22, 4.26, NAN, 4.28, 4.30])
    valid = [4.21, 4.25, 4.22, 4.26, 4.28, 4.30]
    assert macro.change_bp(ten) == pytest.approx((valid[-1] - valid[-6]) * 100, abs=1e-9)
    assert macro.change_bp(ten) == pytest.approx(9.0, abs=1e-9)


def test_change_bp_needs_six_sessions():
    assert macro.change_bp(sessions([4.0, 4.1, 4.2, 4.3, 4.4])) is None
    assert macro.change_bp(sessions([4.0, 4.1, NAN, 4.2, 4.3, 4.4])) is None
    assert macro.change_bp(sessions([4.0, 4.1, 4.2, 4.3, 4.4, 4.5])) == pytest.approx(50.0)


def test_policy_change_bp_is_minus_the_futures_price_change():
    # ZQ falls from 95.90 to 95.80 over 5 sessions: implied rate 4.10% -> 4.20%, +10 bp (hawkish)
    zq = sessions([96.00, 95.90, 95.88, 95.86, 95.84, 95.82, 95.80])
    assert macro.policy_change_bp(zq) == pytest.approx(10.0, abs=1e-9)
    rising = sessions([95.50, 95.52, NAN, 95.55, 95.60, 95.61, 95.75])
    prices = [95.50, 95.52, 95.55, 95.60, 95.61, 95.75]
    assert macro.policy_change_bp(rising) == pytest.approx(-(prices[-1] - prices[-6]) * 100,
                                                           abs=1e-9)
    assert macro.policy_change_bp(sessions([95.0] * 5)) is None


# ---------------------------------------------------------------- dxy_return_and_z
def dxy_path(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    x, out = 100.0, []
    for _ in range(n):
        x *= math.exp(rng.gauss(0.0, 0.004))
        out.append(x)
    return out


def hand_dxy(values: list[float]) -> tuple[float | None, float | None]:
    v = [x for x in values if not math.isnan(x)]
    rets = []
    for i in range(20, len(v)):
        rets.append(v[i] / v[i - 20] - 1.0)
    if not rets:
        return None, None
    if len(rets) < 252:
        return rets[-1], None
    year = rets[-252:]
    return rets[-1], (rets[-1] - statistics.mean(year)) / statistics.stdev(year)


def test_dxy_return_and_z_matches_a_loop():
    for seed, n in ((1, 272), (2, 300), (3, 520)):
        values = dxy_path(n, seed)
        ret, z = macro.dxy_return_and_z(sessions(values))
        want_ret, want_z = hand_dxy(values)
        assert ret == pytest.approx(want_ret, rel=1e-12)
        assert z == pytest.approx(want_z, rel=1e-9)


def test_dxy_z_skips_blank_days():
    values = dxy_path(290, 7)
    values[100] = NAN
    values[-3] = NAN
    ret, z = macro.dxy_return_and_z(sessions(values))
    want_ret, want_z = hand_dxy(values)
    assert ret == pytest.approx(want_ret, rel=1e-12) and z == pytest.approx(want_z, rel=1e-9)


def test_dxy_hand_worked_return():
    # 21 sessions: 100 then 102 twenty sessions later -> +2%
    values = [100.0] + [101.0] * 19 + [102.0]
    ret, z = macro.dxy_return_and_z(sessions(values))
    assert ret == pytest.approx(0.02, abs=1e-12)
    assert z is None  # one return is not a year of them


def test_dxy_needs_a_year_of_returns_for_z():
    values = dxy_path(272, 11)  # 252 twenty-session returns: just enough
    assert macro.dxy_return_and_z(sessions(values))[1] is not None
    ret, z = macro.dxy_return_and_z(sessions(values[1:]))  # 251 returns
    assert ret is not None and z is None
    assert macro.dxy_return_and_z(sessions(values[:20])) == (None, None)


# ---------------------------------------------------------------- dollar strength with yields
@pytest.mark.parametrize(("z", "bp", "want"), [
    (1.0, 0.0, True),  # both at their thresholds
    (2.5, 12.0, True),
    (0.99, 12.0, False),  # dollar not strong enough
    (2.5, -0.1, False),  # yields falling
    (-1.5, -5.0, False),
    (None, 5.0, None),
    (2.0, None, None),
    (None, None, None),
])
def test_dollar_strength_with_yields_truth_table(z, bp, want):
    assert macro.dollar_strength_with_yields(z, bp) is want
