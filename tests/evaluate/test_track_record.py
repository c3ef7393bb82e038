"""resources/track_record.json and its loader: format, consistency, most similar past days."""

from __future__ import annotations

import json
import math

import pytest

from deskapp.signals.track_record import (
    FEATURES,
    TrackRecordError,
    bundled_path,
    from_dict,
    load,
)


def _day(date, **features):
    return {"date": date, "regime": "calm", "early_warning": 0, "flywheel": 0,
            "features": {f: features.get(f) for f in FEATURES}}


def _table(days):
    return from_dict({"range": ["2020-01-01", "2020-01-10"], "built_from": "test",
                      "step": "US close", "groups": {"regime": {"calm": {"n": len(days)}}},
                      "unconditional": {"n": len(days)}, "days": days})


def test_similar_days_hand_worked():
    days = [_day("2020-01-01", vix=10.0, corr30=0.0), _day("2020-01-02", vix=20.0, corr30=0.5),
            _day("2020-01-03", vix=30.0, corr30=1.0), _day("2020-01-06", vix=None, corr30=None)]
    tr = _table(days)
    # stdevs (ddof=1): vix 10, corr30 0.5. Query vix 21, corr30 0.5 (other features missing):
    # day 2: sqrt(0.1^2 + 0) = 0.1; day 3: sqrt(0.9^2 + 1^2); day 1: sqrt(1.1^2 + 1^2);
    # each scaled by sqrt(6 / 2) (two shared features out of six); day 4 shares none
    got = tr.similar_days({"vix": 21.0, "corr30": 0.5}, k=5)
    assert [d["date"] for d, _ in got] == ["2020-01-02", "2020-01-03", "2020-01-01"]
    assert got[0][1] == pytest.approx(0.1 * math.sqrt(3))
    assert got[1][1] == pytest.approx(math.sqrt(0.81 + 1) * math.sqrt(3))
    # a day compared on vix alone is scaled by sqrt(6 / 1)
    only_vix = tr.similar_days({"vix": 20.0}, k=1)
    assert only_vix[0][0]["date"] == "2020-01-02" and only_vix[0][1] == 0.0
    assert [d["date"] for d, _ in tr.similar_days({"vix": 21.0}, exclude_after="2020-01-02")] \
        == ["2020-01-01"]
    assert tr.similar_days({}) == []


def test_the_bundled_table_is_small_and_consistent():
    path = bundled_path()
    assert path.stat().st_size < 1.5e6
    tr = load()
    assert tr.range[0] <= "2014-01-03" and tr.range[1] >= "2026-02-12"
    assert tr.step == "US close"
    n = len(tr.days)
    assert tr.unconditional["n"] == n > 2900
    for kind in ("regime", "early_warning", "flywheel"):
        assert sum(g["n"] for g in tr.groups[kind].values()) == n
    regimes = {d["regime"] for d in tr.days}
    assert set(tr.groups["regime"]) == regimes
    for name in regimes:
        assert tr.group("regime", name)["n"] == sum(d["regime"] == name for d in tr.days)
    g = tr.group("early_warning", 0)
    for asset in ("spx", "btc"):
        for h in ("1d", "1w", "1m", "dd_1m"):
            d = g[asset][h]
            assert d["p10"] <= d["median"] <= d["p90"]
    assert set(tr.days[-1]["features"]) == set(FEATURES)


def test_what_followed_each_day_is_a_plain_loop_over_the_raw_series():
    """The table's `next` week of a few remembered days, against the raw CSVs (no shared code):
    the S&P 500 five sessions on, BTC seven days on the step's clock."""
    from datetime import datetime

    from support.raw_closes import merged_closes, plain_clock_forward, plain_forward, raw_closes

    days = {d["date"]: d for d in load().days}
    spx, btc = raw_closes("idx.spx"), merged_closes()
    for date in ("2015-08-24", "2020-03-16", "2022-11-09", "2024-08-05", "2025-04-07"):
        step = datetime.fromisoformat(date + "T21:00:00")
        want_spx, _ = plain_forward(spx, step, 5, False)
        want_btc, _ = plain_clock_forward(btc, step, 7)
        nxt = days[date]["next"]
        assert nxt["spx_1w"] == pytest.approx(want_spx, abs=1e-5), date  # stored to 5 places
        if want_btc is None:
            assert nxt["btc_1w"] is None, date
        else:
            assert nxt["btc_1w"] == pytest.approx(want_btc, abs=1e-5), date


def test_load_errors_are_one_line(tmp_path):
    with pytest.raises(TrackRecordError, match="cannot read track record"):
        load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(TrackRecordError, match="is corrupt"):
        load(bad)
    bad.write_text(json.dumps({"range": []}))
    with pytest.raises(TrackRecordError, match="lacks"):
        load(bad)


def test_similar_days_on_a_plain_table_dict_as_the_pane_calls_it():
    from deskapp.signals.track_record import similar_days

    table = {"days": [_day("2020-01-01", vix=10.0, corr30=0.0),
                      _day("2020-01-02", vix=20.0, corr30=0.5),
                      _day("2020-01-03", vix=30.0, corr30=1.0)]}
    found = similar_days(table, {"vix": 29.0, "corr30": None}, 2)
    assert [d["date"] for d in found] == ["2020-01-03", "2020-01-02"]
    assert found[0]["distance"] == pytest.approx(0.1 * math.sqrt(6))
    assert found[0]["features"]["vix"] == 30.0 and found[0]["index"] == 2
