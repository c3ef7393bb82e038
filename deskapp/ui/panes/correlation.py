"""Correlation gauge: S&P 500 (or ES) vs BTC, daily 30/60/90 and intraday 1h/4h, with zones."""

from __future__ import annotations

import html

import pyqtgraph as pg

from deskapp.signals.board import PaneView
from deskapp.signals.correlation import ZONE_ELEVATED, ZONE_STRESS, zone
from deskapp.signals.snapshot import CorrelationSignals, Snapshot
from deskapp.ui import theme
from deskapp.ui.panes.base import CurveSpec, RowSpec, TimePane, badge, fmt

# Theme colour names, read when drawn (badge -> theme.text).
ZONE_COLOURS = {"stress": "VERMILLION", "elevated": "AMBER", "decoupled": "SKY"}
# Shape as well as colour, so the zone never rests on colour alone.
ZONE_MARKS = {"stress": "▲▲ STRESS", "elevated": "▲ ELEVATED", "decoupled": "○ DECOUPLED"}


def window_labels(c: CorrelationSignals) -> dict[str, tuple[str, str]]:
    """Curve id -> (legend label, readout label) for the windows the snapshot was computed on
    (config [correlation]; the ids name slots: docs/SIGNALS.md)."""
    out = {f"daily_{slot}": (f"daily {w}d", f"{w}d")
           for slot, w in zip((30, 60, 90), c.daily_windows, strict=True)}
    out["h1_120"] = (f"1h, {c.h1_window} bars", f"1h·{c.h1_window}")
    out["h4_90"] = (f"4h, {c.h4_window} bars", f"4h·{c.h4_window}")
    return out


class CorrelationPane(TimePane):
    pane_key = "correlation"
    title = "Correlation: S&P 500 vs BTC"
    description = (
        "Pearson correlation of aligned log returns, S&P 500 index or ES futures vs BTC: daily "
        "over 30/60/90 returns, 1h over 120 bars, 4h over 90 bars. Zones: < 0.3 decoupled, "
        "0.3-0.7 elevated, >= 0.7 stress."
    )
    error_prefixes = ("idx.spx", "fut.es", "crypto.btc", "etf.spy")
    trend_assets = (("es", "S&P 500"), ("btc", "BTC"))
    rows = (
        RowSpec(
            "Rolling correlation of returns",
            "corr",
            (
                CurveSpec("daily_30", "daily 30d", theme.ORANGE, 2.0),
                CurveSpec("daily_60", "daily 60d", theme.SKY, 1.0),
                CurveSpec("daily_90", "daily 90d", theme.GREEN, 1.0, dash=True),
                CurveSpec("h1_120", "1h, 120 bars", theme.PURPLE, 1.0),
                CurveSpec("h4_90", "4h, 90 bars", theme.YELLOW, 1.0),
            ),
            y_range=(-1.0, 1.0),
            zero_line=True,
            legend_offset=(-4, -4),
        ),
    )

    _labels: dict[str, tuple[str, str]] = window_labels(CorrelationSignals())

    def apply(self, view: PaneView, asof_s: float, view_days: int,
              snapshot: Snapshot | None = None) -> bool:
        if snapshot is not None and self.built:
            self._set_windows(snapshot.correlation)
        return super().apply(view, asof_s, view_days, snapshot)

    def _set_windows(self, c: CorrelationSignals) -> None:
        """Legend, notices and readouts name the windows the board was computed on."""
        labels = window_labels(c)
        if labels == self._labels:
            return
        self._labels = labels
        row = self._rows[0]
        for cid, (legend_text, _) in labels.items():
            label = row.plot.legend.getLabel(row.items[cid]) if row.plot.legend else None
            if label is not None:
                label.setText(legend_text)

    def curve_label(self, spec: CurveSpec) -> str:
        return self._labels.get(spec.cid, (spec.label, ""))[0]

    def decorate(self, plot: pg.PlotItem, spec: RowSpec) -> None:
        for lo, hi, colour, alpha in (
            (ZONE_STRESS, 1.0, theme.VERMILLION, 45),
            (ZONE_ELEVATED, ZONE_STRESS, theme.AMBER, 25),
        ):
            brush = pg.mkColor(colour)
            brush.setAlpha(alpha)
            region = pg.LinearRegionItem(
                (lo, hi),
                orientation="horizontal",
                movable=False,
                brush=pg.mkBrush(brush),
                pen=pg.mkPen(None),
            )
            region.setZValue(-10)
            plot.addItem(region)
        for level, text in ((ZONE_STRESS, "stress ≥ 0.7"), (ZONE_ELEVATED, "elevated ≥ 0.3")):
            line = pg.InfiniteLine(
                level,
                angle=0,
                pen=pg.mkPen(theme.MUTED, width=1, style=pg.QtCore.Qt.PenStyle.DotLine),
                label=text,
                labelOpts={"position": 0.02, "color": theme.MUTED, "anchors": [(0, 1), (0, 1)]},
            )
            plot.addItem(line)

    def readout_parts(self, view: PaneView) -> list[str]:
        r = view.readouts
        parts = []
        first = next((k for k in r if k.startswith("daily_")), None)
        z = zone(r.get(first)) if first else None
        if z:
            parts.append(badge(ZONE_MARKS[z], ZONE_COLOURS[z]))
        for key, (_, label) in self._labels.items():
            if key in r:
                parts.append(f"{html.escape(label)} {fmt(r.get(key), '+.2f')}")
        return parts
