"""AI-leadership breadth, ratios and funding annualisation (DESIGN.md section 5), hand-worked."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from deskapp.signals import breadth
from deskapp.signals.crypto import annualised_funding

NAN = float("nan")
DAYS = pd.bdate_range("2026-01-05 21:00", periods=6, freq="B", tz="UTC")  # d0 .. d5


def test_share_above_sma_hand_worked_basket():
    closes = {
        # SMA3: d2 11, d3 12, d4 12.33, d5 12 -> above, above, below, below
        "A": pd.Series([10.0, 11.0, 12.0, 13.0, 12.0, 11.0], index=DAYS),
        # NaN on d2 is skipped (own history 5, 4, 3, 4, 6): SMA3 d3 4 -> 3 below;
        # d4 3.67 -> 4 above; d5 4.33 -> 6 above; not counted on d2
        "B": pd.Series([5.0, 4.0, NAN, 3.0, 4.0, 6.0], index=DAYS),
        # data stops after d3: SMA3 d2 2 -> 3 above; d3 3 -> 4 above; never counted after d3
        "C": pd.Series([1.0, 2.0, 3.0, 4.0], index=DAYS[:4]),
        # flat: close == SMA is not "above"; counted from d2
        "D": pd.Series([7.0] * 6, index=DAYS),
    }
    table = breadth.share_above_sma(closes, 3)

    # d0, d1: nobody has 3 closes yet -> no row
    assert list(table.index) == list(DAYS[2:])
    assert table["counted"].tolist() == [3, 4, 3, 3]  # d2: A C D; d3: A B C D; d4, d5: A B D
    assert table["above"].tolist() == [2, 2, 1, 1]  # d2: A C; d3: A C; d4: B; d5: B
    want = [2 / 3, 2 / 4, 1 / 3, 1 / 3]
    for got, exp in zip(table["share"].tolist(), want, strict=True):
        assert got == pytest.approx(exp, abs=1e-12)


def test_share_above_sma_member_without_enough_history_is_not_counted():
    closes = {"A": pd.Series([1.0, 2.0, 3.0], index=DAYS[:3]),
              "B": pd.Series([5.0, 6.0], index=DAYS[1:3])}
    table = breadth.share_above_sma(closes, 3)
    assert list(table.index) == [DAYS[2]]
    assert table["counted"].tolist() == [1] and table["share"].tolist() == [1.0]


def test_share_above_sma_empty_basket():
    table = breadth.share_above_sma({}, 20)
    assert table.empty and list(table.columns) == ["share", "above", "counted"]


def test_ratio_uses_common_sessions_only():
    num = pd.Series([10.0, 12.0, NAN, 15.0, 16.0], index=DAYS[:5])
    den = pd.Series([5.0, 4.0, 3.0, 5.0], index=DAYS[1:5])
    r = breadth.ratio(num, den)
    assert list(r.index) == [DAYS[1], DAYS[3], DAYS[4]]  # d0 only in num, d2 NaN in num
    assert r.tolist() == [12.0 / 5.0, 15.0 / 3.0, 16.0 / 5.0]


def test_change_pct_hand_computed():
    s = pd.Series([100.0, 110.0, 121.0, 99.0, NAN, 132.0], index=DAYS)
    got = breadth.change_pct(s, 2)
    # NaN rows are dropped first: series 100, 110, 121, 99, 132
    want = [100.0 * (121.0 / 100.0 - 1), 100.0 * (99.0 / 110.0 - 1), 100.0 * (132.0 / 121.0 - 1)]
    assert list(got.index) == [DAYS[2], DAYS[3], DAYS[5]]
    for g, w in zip(got.tolist(), want, strict=True):
        assert g == pytest.approx(w, abs=1e-12)
    assert breadth.change_pct(s.iloc[:2], 2).empty


def test_annualised_funding():
    rate = pd.Series([0.0001, -0.0002, 0.0])
    per_year = annualised_funding(rate, 8.0)
    assert per_year.iloc[0] == pytest.approx(0.1095, abs=1e-12)  # 0.0001 x 3 x 365
    assert per_year.iloc[1] == pytest.approx(-0.219, abs=1e-12)
    assert per_year.iloc[2] == 0.0
    assert annualised_funding(rate, 4.0).iloc[0] == pytest.approx(0.219, abs=1e-12)
    assert math.isclose(annualised_funding(rate).iloc[0], 0.1095, abs_tol=1e-12)


def test_inner_values_hold_what_pandas_concat_inner_and_dropna_hold(datasets):
    from deskapp.signals.returns import inner_values

    ds = datasets("2026-02-risk-off")
    eth, btc = ds.frames["crypto.eth"]["close"], ds.frames["crypto.btc"]["close"]
    spx = ds.frames["idx.spx"]["close"]
    holed = eth.copy()
    holed.iloc[::9] = np.nan
    unnamed = btc.set_axis(btc.index.rename(None))
    other_unit = spx.set_axis(spx.index.as_unit("ns"))
    late = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(
        ["2026-02-10T21:00Z", "2026-02-09T21:00Z"]).as_unit(spx.index.unit))  # unsorted
    cases = [(eth, btc), (holed, btc), (spx, btc), (holed, unnamed), (other_unit, btc),
             (spx, late), (spx.iloc[:0], btc)]
    for a, b in cases:
        want = pd.concat({"a": a, "b": b}, axis=1, join="inner").dropna()
        index, x, y = inner_values(a, b)
        pd.testing.assert_index_equal(index, want.index, exact=True, check_freq=False)
        assert np.array_equal(x, want["a"].to_numpy()) and np.array_equal(y, want["b"].to_numpy())
        assert x.dtype == want["a"].dtype and y.dtype == want["b"].dtype
    assert len(inner_values(holed, btc)[0]) < len(inner_values(eth, btc)[0]) > 300
