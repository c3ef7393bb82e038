"""The numbers drawn on the four panes equal an independent reading of the bundled CSV files.

Expected values are computed here from the raw `series/<key>.csv.gz` files with the stdlib
(csv, gzip, math, statistics); nothing from deskapp is used to produce them.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import statistics
import tomllib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from deskapp.resources import replay_dir, resource_dir

DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"
ASOF = datetime(2026, 2, 10, 21, 0, tzinfo=UTC)


# ------------------------------------------------------------------ independent readers
def _dataset_entry(name: str) -> dict:
    with (replay_dir() / "datasets.json").open(encoding="utf-8") as fh:
        return next(d for d in json.load(fh) if d["name"] == name)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def read_rows(key: str, column: str, asof: datetime = ASOF,
              dataset: str = DATASET) -> list[tuple[datetime, float]]:
    """(time, value) rows of one series in the dataset's window [warmup_start, asof].

    Blank cells are skipped (FRED leaves holidays blank).
    """
    lo = _parse_time(_dataset_entry(dataset)["warmup_start"])
    rows = []
    with gzip.open(replay_dir() / "series" / f"{key}.csv.gz", "rt", newline="",
                   encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            t = _parse_time(row["time"])
            cell = (row.get(column) or "").strip()
            if cell and lo <= t <= asof:
                rows.append((t, float(cell)))
    rows.sort()
    return rows


def epoch(rows: list[tuple[datetime, float]]) -> np.ndarray:
    return np.array([t.timestamp() for t, _ in rows])


def values(rows: list[tuple[datetime, float]]) -> np.ndarray:
    return np.array([v for _, v in rows])


def pearson_of_log_returns(a: list[float], b: list[float]) -> float:
    ra = [math.log(y / x) for x, y in zip(a, a[1:], strict=False)]
    rb = [math.log(y / x) for x, y in zip(b, b[1:], strict=False)]
    return statistics.correlation(ra, rb)


# ------------------------------------------------------------------ helpers
def open_board(make_desk, qtbot, **kw):
    desk = make_desk(DATASET, at=kw.pop("at", AT), **kw)
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000) as blocker:
        pass
    return desk, blocker.args[0]


def assert_curve_equals(pane, cid: str, rows) -> None:
    x, y = pane.curve_data(cid)
    assert len(x) == len(rows) > 10, f"{cid}: {len(x)} points drawn, expected {len(rows)}"
    np.testing.assert_array_equal(x, epoch(rows), err_msg=f"{cid} x")
    np.testing.assert_allclose(y, values(rows), rtol=1e-12, atol=0, err_msg=f"{cid} y")


# ------------------------------------------------------------------ tests
def test_macro_curves_are_the_fred_and_dxy_values_up_to_asof(make_desk, qtbot):
    desk, view = open_board(make_desk, qtbot)
    assert view.asof.to_pydatetime() == ASOF
    macro = desk.window.panes["macro"]
    for cid, key, column in (("us10y", "rates.us10y", "value"), ("bill3m", "rates.us3m", "value"),
                             ("dxy", "fx.dxy", "close")):
        rows = read_rows(key, column)
        assert_curve_equals(macro, cid, rows)
        x, y = macro.curve_data(cid)
        # The last point is the last value at or before asof, never a later bar.
        assert x[-1] <= ASOF.timestamp()
        assert y[-1] == pytest.approx(rows[-1][1], rel=1e-12)
        assert macro.missing_text(cid) == ""
    # DXY's 2026-02-10 bar closes at 22:00 UTC, after asof: the board shows the 02-09 bar.
    assert macro.curve_data("dxy")[0][-1] == datetime(2026, 2, 9, 22, tzinfo=UTC).timestamp()
    # The 10y's own 21:00 bar of 02-10 closes exactly at asof and is included.
    assert macro.curve_data("us10y")[0][-1] == ASOF.timestamp()


def test_crypto_curves_and_a_series_the_replay_lacks(make_desk, qtbot):
    desk, view = open_board(make_desk, qtbot)
    crypto = desk.window.panes["crypto"]
    assert_curve_equals(crypto, "btc", read_rows("crypto.btc", "close"))

    funding = read_rows("deriv.btc_funding_daily", "rate")
    x, y = crypto.curve_data("funding")
    np.testing.assert_array_equal(x, epoch(funding))
    # Daily rows hold the 8h rate: annualised % = rate x 3 x 365 x 100.
    np.testing.assert_allclose(y, [v * 3 * 365 * 100 for _, v in funding], rtol=1e-12)
    assert y[-1] == pytest.approx(funding[-1][1] * 3 * 365 * 100, rel=1e-12)
    assert view.panes["crypto"].readouts["funding_annualised_pct"] == pytest.approx(y[-1])

    # 2026-02-risk-off has no BTC open interest in its window (the daily file ends in 2024):
    # a notice, no readout, and nothing drawn inside the visible span.
    oi_keys = [k for k in _dataset_entry(DATASET)["series"] if k.startswith("deriv.btc_oi")]
    visible_from = ASOF - timedelta(days=view.view_days)
    assert all(not [r for r in read_rows(k, "oi_usd") if r[0] >= visible_from] for k in oi_keys)
    assert "no data" in crypto.missing_text("oi")
    ox, _ = crypto.curve_data("oi")
    assert not (ox >= visible_from.timestamp()).any()
    assert view.panes["crypto"].readouts["oi_usd_bn"] is None
    assert crypto.missing_text("btc") == ""


def _share_above_sma(basket: list[str], series: set[str], window: int) -> tuple[float, int]:
    """% of basket members above their own `window`-day SMA on the latest session."""
    closes = {t: read_rows(f"stk.{t}", "close") for t in basket if f"stk.{t}" in series}
    closes = {t: rows for t, rows in closes.items() if rows}
    last = max(rows[-1][0] for rows in closes.values())
    above = counted = 0
    for rows in closes.values():
        if rows[-1][0] != last or len(rows) < window:
            continue  # no close on the latest session, or too little history: not counted
        sma = statistics.fmean(v for _, v in rows[-window:])
        counted += 1
        above += rows[-1][1] > sma
    return 100.0 * above / counted, counted


def _rel_change_20(num_key: str, den_key: str) -> float:
    num = dict(read_rows(num_key, "close"))
    den = dict(read_rows(den_key, "close"))
    common = sorted(set(num) & set(den))
    ratio = [num[t] / den[t] for t in common]
    return 100.0 * (ratio[-1] / ratio[-21] - 1.0)


def test_leadership_last_values_match_an_independent_computation(make_desk, qtbot):
    desk, view = open_board(make_desk, qtbot)
    pane = desk.window.panes["leadership"]
    with (resource_dir() / "default_config.toml").open("rb") as fh:
        basket = tomllib.load(fh)["universe"]["ai_basket"]
    series = set(_dataset_entry(DATASET)["series"])
    for window in (20, 50):
        share, counted = _share_above_sma(basket, series, window)
        x, y = pane.curve_data(f"above_sma{window}")
        assert x[-1] == ASOF.timestamp()
        assert y[-1] == pytest.approx(share, abs=1e-9)
        assert view.panes["leadership"].readouts[f"above_sma{window}_counted"] == counted
    for cid, num in (("rsp_spy", "etf.rsp_adj"), ("smh_spy", "etfpool.smh")):
        x, y = pane.curve_data(cid)
        assert x[-1] == ASOF.timestamp()
        assert y[-1] == pytest.approx(_rel_change_20(num, "etfpool.spy"), rel=1e-9)


def _session(t: datetime) -> object:
    return (t - timedelta(seconds=1)).date()


def test_correlation_last_values_match_an_independent_computation(make_desk, qtbot):
    desk, view = open_board(make_desk, qtbot)
    pane = desk.window.panes["correlation"]
    spx = read_rows("idx.spx", "close")
    # Precondition: the ES futures file ended in January, so the S&P 500 index stands in.
    es = read_rows("fut.es", "close")
    assert not es or ASOF - es[-1][0] > timedelta(days=14)
    assert any("^GSPC" in note for note in view.panes["correlation"].notes)
    btc = {_session(t): v for t, v in read_rows("crypto.btc", "close")}
    # BTC's 10 Feb bar closes at 00:00: at 21:00 its day so far (the last Binance hourly close
    # of the day, stamped asof) is the provisional last daily point (SIGNALS.md, Conventions)
    today = [(t, v) for t, v in read_rows("crypto.btcusdt.1h", "close")
             if t > ASOF.replace(hour=0)]
    btc[_session(ASOF)] = today[-1][1]
    joined = [(t, v, btc[_session(t)]) for t, v in spx if _session(t) in btc]
    assert joined[-1][0] == ASOF
    for w in (30, 60, 90):
        tail = joined[-(w + 1):]
        assert max(b[0] - a[0] for a, b in zip(tail, tail[1:], strict=False)) <= timedelta(days=10)
        expected = pearson_of_log_returns([a for _, a, _ in tail], [b for _, _, b in tail])
        x, y = pane.curve_data(f"daily_{w}")
        assert x[-1] == tail[-1][0].timestamp()
        assert y[-1] == pytest.approx(expected, abs=1e-9), f"daily_{w}"
        assert view.panes["correlation"].readouts[f"daily_{w}"] == pytest.approx(expected, abs=1e-9)

    # Hourly: each S&P 500 hour paired with the BTC bar that closed at most 30 min before it.
    spx_h = read_rows("idx.spx.1h", "close")
    btc_h = read_rows("crypto.btcusdt.1h", "close")
    btc_times = [t for t, _ in btc_h]
    pairs = []
    j = 0
    for t, a in spx_h:
        while j + 1 < len(btc_h) and btc_times[j + 1] <= t:
            j += 1
        if btc_times[j] <= t and t - btc_times[j] <= timedelta(minutes=30):
            pairs.append((t, a, btc_h[j][1]))
    tail = pairs[-121:]
    assert max(b[0] - a[0] for a, b in zip(tail, tail[1:], strict=False)) <= timedelta(days=4)
    expected = pearson_of_log_returns([a for _, a, _ in tail], [b for _, _, b in tail])
    x, y = pane.curve_data("h1_120")
    assert x[-1] == tail[-1][0].timestamp() == ASOF.timestamp()
    assert y[-1] == pytest.approx(expected, abs=1e-9)


def test_board_advances_while_playing(make_desk, qtbot):
    start = "2026-01-20T00:00Z"
    desk, first = open_board(make_desk, qtbot, at=start, speed=86400 * 5)
    w = desk.window
    macro = w.panes["macro"]
    n0 = len(macro.curve_data("us10y")[0])
    t0 = first.asof

    def advanced() -> bool:
        return (w.view.asof - t0).days >= 3 and len(macro.curve_data("us10y")[0]) > n0

    qtbot.waitUntil(advanced, timeout=60000)
    view = w.view
    status = w.clock_label.text()
    assert "REPLAY" in w.mode_label.text()
    assert DATASET in status
    assert f"{view.asof:%Y-%m-%d %H:%M} UTC" in status
    assert "playing" in status and "paused" not in status
    # The curve holds exactly the 10y rows up to the asof of the board it was drawn from (a
    # board is set one pane per event-loop turn: the next one may be under way).
    # (the pane gets the time as float epoch seconds: equal up to float rounding, ~100 ns)
    assert macro.asof >= view.asof - timedelta(microseconds=1)
    rows = read_rows("rates.us10y", "value", asof=macro.asof.floor("us").to_pydatetime())
    assert_curve_equals(macro, "us10y", rows)


def test_status_bar_when_paused(make_desk, qtbot):
    desk, view = open_board(make_desk, qtbot)
    status = desk.window.clock_label.text()
    assert "REPLAY" in desk.window.mode_label.text()
    assert DATASET in status
    assert "2026-02-10 21:00 UTC" in status
    assert "paused" in status


def test_lines_break_at_holes_in_the_data(make_desk, qtbot):
    """BTC/USDT hourly bars stop on 2025-09-21 and resume on 2026-01-15: no line may bridge that."""
    desk, _ = open_board(make_desk, qtbot)
    crypto, corr, macro = (desk.window.panes[k] for k in ("crypto", "correlation", "macro"))
    rows = read_rows("crypto.btcusdt.1h", "close")
    hole = timedelta(days=4)  # a 24/7 market: four days without a bar is missing data
    pieces, start = [], 0
    for i in range(1, len(rows)):
        if rows[i][0] - rows[i - 1][0] > hole:
            pieces.append(rows[start:i])
            start = i
    pieces.append(rows[start:])
    assert len(pieces) >= 2  # precondition: the replay really has the hole
    drawn = crypto.segments("btc_1h")
    assert len(drawn) == len(pieces)
    for (x, y), piece in zip(drawn, pieces, strict=True):
        np.testing.assert_array_equal(x, epoch(piece))
        np.testing.assert_allclose(y, values(piece), rtol=1e-12)
    assert drawn[-1][0][0] == datetime(2026, 1, 15, 15, tzinfo=UTC).timestamp()
    # The hourly correlation is never drawn across the hole either.
    for x, _ in corr.segments("h1_120"):
        assert np.diff(x).max(initial=0) <= hole.total_seconds()
    # Ordinary weekends and holidays are not holes: the 10y is one unbroken line.
    assert len(macro.segments("us10y")) == 1


def test_paused_desk_draws_once_then_stays_idle_until_played(make_desk, qtbot):
    """Polls of a paused replay change nothing, so they must not recompute and redraw the board
    (that cost a third of a CPU core while the desk sat paused)."""
    desk, first = open_board(make_desk, qtbot)
    w = desk.window
    boards, polls = [], []
    w.sig_board_drawn.connect(boards.append)
    desk.feed.sig_batch.connect(lambda batch: polls.append(batch.clock))
    qtbot.waitUntil(lambda: len(polls) >= 5, timeout=60000)
    assert set(polls) == {first.asof}  # still paused at the same moment...
    assert boards == []  # ...and nothing was recomputed or redrawn
    # Playing resumes drawing from where it stood.
    w.speed_box.setCurrentIndex(w.speed_box.findData(86400.0))
    qtbot.waitUntil(lambda: bool(boards) and boards[-1].asof > first.asof, timeout=60000)
    assert "playing" in w.clock_label.text()
