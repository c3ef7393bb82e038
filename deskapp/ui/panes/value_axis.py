"""A value axis that writes large numbers in thousands ("95k"), so that a BTC price's six
digits fit the 52-pixel axis beside its unit instead of running into it."""

from __future__ import annotations

import pyqtgraph as pg

THOUSANDS_FROM = 10_000  # ticks of this size or more are written in thousands


def compact_ticks(values: list[float], spacing: float) -> list[str] | None:
    """'95k'-style labels for `values` `spacing` apart; None when they are small enough as
    they are (pyqtgraph's own labels then)."""
    if not values or max(abs(v) for v in values) < THOUSANDS_FROM:
        return None
    step = spacing / 1000.0
    # as many decimals as the step needs: 20k -> 0, 2.5k -> 1, 0.25k -> 2 (at most 3)
    places = next((p for p in range(3) if abs(step * 10**p - round(step * 10**p)) < 1e-6), 3)
    return [f"{v / 1000.0:,.{places}f}k" for v in values]


class ValueAxis(pg.AxisItem):
    """Left axis of the time rows: values as they are (no "(x0.001)" SI scaling of a 0.36
    ratio), thousands for large ones."""

    _label_html: str | None = None

    def getSIPrefixEnableRanges(self):  # noqa: N802 (pyqtgraph API; setLabel resets the setter's)
        return ()

    def _updateLabel(self) -> None:  # noqa: N802 (pyqtgraph API)
        self._label_html = self.labelString()
        super()._updateLabel()

    def updateAutoSIPrefix(self) -> None:  # noqa: N802 (pyqtgraph API)
        """Never scaled (above), yet pyqtgraph set the label's HTML again (parse, lay out,
        resize) on every new range to apply that scale of 1: here only when its text changes;
        a new range redraws the ticks."""
        self.autoSIPrefixScale = 1.0
        self.labelUnitPrefix = ""
        if self.labelString() != self._label_html:
            self._updateLabel()
        else:
            self.picture = None
            self.update()

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph API)
        compact = compact_ticks([v * scale for v in values], spacing * scale)
        return compact if compact is not None else super().tickStrings(values, scale, spacing)
