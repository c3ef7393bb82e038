"""The small-cap, liquidity-chain, dollar-liquidity and volatility docks: they exist, sit in the
default layout as tabs, draw exactly the board's data (checked against the bundled CSV files
too), say what is missing, and are readable when raised."""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage

from deskapp.resources import replay_dir
from deskapp.signals.board import BoardInputs, compute_board
from deskapp.ui import theme
from deskapp.ui.main_window import LAYOUT_VERSION

DATASET = "2026-02-risk-off"
AT = "2026-02-10T21:00Z"
ASOF = datetime(2026, 2, 10, 21, tzinfo=UTC)
NEW = {"smallcaps": "leadership", "chain": "crypto", "liquidity": "macro",
       "volatility": "correlation"}  # new dock -> the dock it is tabbed with


def rows(key: str, column: str, asof: datetime = ASOF) -> list[tuple[float, float]]:
    """(epoch seconds, value) of a bundled series from the dataset's warm-up start to asof."""
    lo = datetime(2024, 10, 1, tzinfo=UTC)
    out = []
    with gzip.open(replay_dir() / "series" / f"{key}.csv.gz", "rt", newline="") as fh:
        for rec in csv.DictReader(fh):
            t = datetime.strptime(rec["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            if lo <= t <= asof and rec[column]:
                out.append((t.timestamp(), float(rec[column])))
    return out


@pytest.fixture
def board(make_desk, qtbot):
    desk = make_desk(DATASET, at=AT)
    with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000) as blocker:
        pass
    return desk, blocker.args[0]


def test_the_docks_exist_tabbed_behind_the_four_board_panes(board):
    desk, view = board
    w = desk.window
    assert LAYOUT_VERSION >= 2  # the dock set changed: old saved layouts are not restored
    view_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&View")
    for key, partner in NEW.items():
        dock = w.docks[key]
        assert dock.objectName() == f"dock_{key}"
        assert w.panes[key] is dock.widget() and key in view.panes
        assert w.docks[partner] in w.tabifiedDockWidgets(dock)
        assert dock.toggleViewAction() in view_menu.actions()
        # the board panes are in front; the new ones are a tab away
        assert dock.visibleRegion().isEmpty() and not w.docks[partner].visibleRegion().isEmpty()


def test_curves_and_bars_are_the_board_data(board):
    desk, view = board
    for key in NEW:
        pane, pv = desk.window.panes[key], view.panes[key]
        assert pv.curves, key
        for cid, curve in pv.curves.items():
            x, y = pane.curve_data(cid)
            keep = np.isfinite(curve.y)
            np.testing.assert_array_equal(x, curve.x[keep], err_msg=f"{key}.{cid}")
            np.testing.assert_array_equal(y, curve.y[keep], err_msg=f"{key}.{cid}")
        for spec in (c for row in pane.rows for c in row.curves):
            if spec.cid not in pv.curves:
                assert pane.curve_data(spec.cid)[0].size == 0
    bars = view.panes["smallcaps"].bars["leadlag"]
    item = desk.window.panes["smallcaps"].leadlag
    np.testing.assert_array_equal(item.bars.opts["x"], bars.x)
    np.testing.assert_array_equal(item.bars.opts["height"], bars.y)
    assert item.mark.textItem.toPlainText() == f"▲ best: 0, {bars.y[0]:+.2f}"


def btc_daily_with_day_so_far() -> list[tuple[float, float]]:
    """BTC's daily closes to ASOF plus the provisional point of the UTC day so far: the last
    hourly BTCUSDT close of 2026-02-10 at or before ASOF, stamped ASOF (docs/SIGNALS.md)."""
    hourly = [(t, v) for t, v in rows("crypto.btcusdt.1h", "close")
              if t > datetime(2026, 2, 10, tzinfo=UTC).timestamp()]
    return rows("crypto.btc", "close") + [(ASOF.timestamp(), hourly[-1][1])]


def test_curves_equal_the_bundled_csv_values(board):
    desk, _ = board
    panes = desk.window.panes
    for pane, cid, key, column in ((panes["smallcaps"], "rut", "idx.rut", "close"),
                                   (panes["liquidity"], "walcl", "liq.walcl", "value"),
                                   (panes["liquidity"], "rrp", "liq.rrp", "value"),
                                   (panes["volatility"], "vix", "idx.vix", "close"),
                                   (panes["chain"], "btc", "crypto.btc", "close")):
        want = btc_daily_with_day_so_far() if cid == "btc" else rows(key, column)
        x, y = pane.curve_data(cid)
        np.testing.assert_array_equal(x, [t for t, _ in want], err_msg=cid)
        np.testing.assert_array_equal(y, [v for _, v in want], err_msg=cid)
        assert pane.missing_text(cid) == ""


def test_what_is_missing_is_said_on_the_pane(board):
    desk, _ = board
    panes = desk.window.panes
    assert panes["liquidity"].missing_text("etf_dv") == (
        "close x volume: no data in this replay (the live Yahoo feed brings IBIT and FBTC)")
    assert panes["chain"].missing_text("eth_btc") == "ETH/BTC: no data since 2025-12-01"
    assert panes["chain"].missing_text("alt_btc") == \
        "alt basket − BTC, 20d: no data since 2026-01-13"
    assert panes["smallcaps"].missing_text("leadlag") == ""
    assert panes["volatility"].missing_text("ndx_rv") == ""


def test_headers_read_out_the_numbers_with_a_staleness_badge(board):
    desk, _ = board
    p = desk.window.panes

    def text(key: str) -> str:
        return re.sub(r"<[^>]+>", "", p[key].header.text()).replace("&nbsp;", " ")

    for key in NEW:
        assert "● data" in text(key), key
    sc = text("smallcaps")
    assert "○ no breakout" in sc and "RUT 2,679.77" in sc and "252d high 2,718.77" in sc
    assert "IWM vol 0.66x" in sc and "IWM/SPY 20d +2.23%" in sc
    assert "lead-lag best 0 d r +0.46" in sc
    liq = text("liquidity")
    assert "▼ falling" in liq and "net 5,680 bn" in liq and "4w -51 bn" in liq
    assert "13w +62 bn" in liq and "BTC ETF $vol —" in liq
    vol = text("volatility")
    btc = np.array([v for _, v in btc_daily_with_day_so_far()])
    r = np.diff(np.log(btc))
    ratio = np.std(r[-5:], ddof=1) / np.std(r[-60:], ddof=1)
    assert 1.5 <= ratio < 3.03  # the -14 % of 02-05 has left the 5-day window with the day so far
    exposure = [min(1.0, 0.5 / (np.std(r[n - 20:n], ddof=1) * np.sqrt(365)))
                for n in (len(r) - 5, len(r))]
    assert f"RV5/60 NDX 1.55 ▲spike SPX 1.61 ▲spike BTC {ratio:.2f} ▲spike" in vol
    assert (f"de-lever NDX 16.9 pp (target 15%) BTC "
            f"{max(0.0, exposure[0] - exposure[1]) * 100:.1f} pp (target 50%)") in vol
    assert "VIX 17.36" in vol
    ch = text("chain")
    assert "○ bonds → ● equities → ● small caps → ○ crypto → ? altcoins" in ch
    assert "travelled 0/5: bonds not lit" in ch
    assert "BTC 1d trend down" in ch and "SPX -0.5% from its 252d high" in ch


def test_the_user_breakout_level_reaches_the_pane(qtbot, config, datasets, tmp_path):
    """[smallcaps] breakout_level = 2600: the level line and the state on 2026-01-09 (a close
    above the level on volume under 1.5x its 50-day mean)."""
    from deskapp.app import Desk, DeskOptions

    ds = datasets(DATASET)
    desk = Desk(DeskOptions(config=replace(config, rut_breakout_level=2600.0), dataset=ds,
                            at=pd.Timestamp("2026-01-09T21:00Z"), speed=0.0, size=(1600, 900),
                            journal=tmp_path / "j.sqlite3"))
    qtbot.addWidget(desk.window)
    try:
        desk.start()
        desk.window.show()
        with qtbot.waitSignal(desk.window.sig_board_drawn, timeout=60000) as blocker:
            pass
        view = blocker.args[0]
        pane = desk.window.panes["smallcaps"]
        assert view.panes["smallcaps"].readouts["rut_level"] == 2600.0
        assert pane.level_line.isVisible() and pane.level_line.value() == 2600.0
        header = pane.header.text()
        assert "◐ above the level, volume not confirmed" in header and "level 2,600" in header
        assert view.snapshot.smallcaps.rut_breakout is False
    finally:
        assert desk.shutdown()


# Okabe-Ito pen colours each raised pane must show at AT (drawn without antialiasing), and
# colours whose series have nothing in view (only their legend sample).
DRAWN = {
    "smallcaps": ("ORANGE", "SKY", "GREEN", "BLUE"),  # RUT, its 252d high, IWM/SPY, volume
    "chain": ("YELLOW", "PURPLE"),  # BTC, alt basket - BTC (ETH/BTC ends 2025-12-01)
    "liquidity": ("ORANGE", "GREEN", "PURPLE", "BLUE"),  # net, TGA, RRP, 13w change
    "volatility": ("ORANGE", "SKY", "YELLOW"),  # NDX, SPX, BTC
}
LEGEND_ONLY = {"liquidity": ("VERMILLION",)}  # spot BTC ETFs: none bundled


def rgb(image: QImage) -> np.ndarray:
    """The image as a (height, width) array of 0xRRGGBB."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    words = np.frombuffer(image.constBits(), dtype=np.uint32)
    return words.reshape(image.height(), image.bytesPerLine() // 4)[:, :image.width()] \
        & 0xFFFFFF


def colour(name: str) -> int:
    return int(getattr(theme, name).lstrip("#"), 16)


def test_raised_new_panes_draw_their_curves(board, qtbot):
    desk, _ = board
    w = desk.window
    for key in NEW:
        w.docks[key].raise_()
    qtbot.waitUntil(lambda: all(not w.panes[k].visibleRegion().isEmpty() for k in NEW),
                    timeout=60000)
    qtbot.waitUntil(lambda: all(w.panes[k]._deferred is None for k in NEW),  # noqa: SLF001
                    timeout=60000)
    pixels = rgb(w.grab().toImage())
    for key in NEW:
        pane = w.panes[key]
        r = QRect(pane.mapTo(w, QPoint(0, 0)), pane.size())
        region = pixels[r.top():r.bottom() + 1, r.left():r.right() + 1]
        assert region.size > 100 * 100 and len(np.unique(region)) > 50, key
        for name in DRAWN[key]:
            n = int((region == colour(name)).sum())
            assert n >= 150, f"{key}: {name} not drawn ({n} px)"
        for name in LEGEND_ONLY.get(key, ()):
            n = int((region == colour(name)).sum())
            assert n <= 100, f"{key}: {name} drawn although it has no data ({n} px)"


def test_a_pane_draws_a_board_computed_without_any_data(qtbot):
    """Nothing received yet (live, empty cache): every new pane says so and draws nothing."""
    from deskapp.ui.panes.chain import ChainPane
    from deskapp.ui.panes.liquidity import LiquidityPane
    from deskapp.ui.panes.smallcaps import SmallCapsPane
    from deskapp.ui.panes.volatility import VolatilityPane

    at = pd.Timestamp(AT)
    view = compute_board(BoardInputs(frames={}, meta={}, asof=at, source="live"))
    panes = {}
    for cls in (SmallCapsPane, ChainPane, LiquidityPane, VolatilityPane):
        pane = panes[cls.pane_key] = cls()
        qtbot.addWidget(pane)
        pane.apply(view.panes[pane.pane_key], at.value / 1e9, 120)
        assert "● no data" in pane.header.text()
        first = pane.rows[0].curves[0].cid
        assert "no data received yet" in pane.missing_text(first), cls.__name__
    assert panes["liquidity"].missing_text("etf_dv") == \
        "close x volume: no data received yet (the live Yahoo feed brings IBIT and FBTC)"
    assert panes["smallcaps"].missing_text("leadlag") == "lead-lag: no data received yet"
