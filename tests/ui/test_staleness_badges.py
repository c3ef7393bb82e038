"""Every pane shows the age of its newest data (amber past 2 poll intervals, red past 5) and the
feed errors of the series it draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deskapp.signals.board import Curve, PaneView, data_age
from deskapp.ui import theme
from deskapp.ui.panes.crypto_structure import CryptoStructurePane
from deskapp.ui.panes.macro import MacroPane


def curve(last: str, freq: str) -> Curve:
    t = pd.Timestamp(last)
    return Curve("x", np.array([t.value / 1e9]), np.array([1.0]), "k", last_time=t, freq=freq)


def test_data_age_counts_bar_intervals_and_business_days():
    asof = pd.Timestamp("2026-02-09T15:00Z")  # a Monday
    age, n = data_age({"a": curve("2026-02-09T12:00Z", "1h")}, asof)
    assert age == pd.Timedelta(hours=3) and n == pytest.approx(3.0)
    # Friday's close seen on Monday: one business day, not three calendar days
    _, n = data_age({"a": curve("2026-02-06T21:00Z", "1d")}, asof)
    assert n == 1
    # the freshest series decides
    _, n = data_age({"a": curve("2026-02-01T00:00Z", "1d"), "b": curve("2026-02-09T14:00Z", "1h")},
                    asof)
    assert n == pytest.approx(1.0)
    assert data_age({}, asof) is None


@pytest.mark.parametrize("last, colour", [("2026-02-09T13:30Z", theme.MUTED),
                                          ("2026-02-09T11:30Z", theme.AMBER),
                                          ("2026-02-09T08:00Z", theme.RED)])
def test_badge_colour_follows_the_age(qtbot, last, colour):
    pane = CryptoStructurePane()
    qtbot.addWidget(pane)
    view = PaneView(curves={"btc_1h": curve(last, "1h")})
    pane.apply(view, pd.Timestamp("2026-02-09T15:00Z").value / 1e9, 30)
    assert f"color:{colour}'>● data" in pane.header.text()


def test_feed_errors_show_on_the_panes_they_feed(qtbot):
    macro, crypto = MacroPane(), CryptoStructurePane()
    for p in (macro, crypto):
        qtbot.addWidget(p)
        p.apply(PaneView(), pd.Timestamp("2026-02-09T15:00Z").value / 1e9, 30)
    errors = {"rates.us10y": "HTTP 502 (since 14:00 UTC)"}
    macro.set_feed_errors(errors)
    crypto.set_feed_errors(errors)
    assert "⚠ rates.us10y: HTTP 502 (since 14:00 UTC)" in macro.header.text()
    assert "⚠" not in crypto.header.text()
    assert "● no data" in crypto.header.text()


def test_a_batch_that_changes_no_error_of_a_pane_leaves_its_header_alone(qtbot, monkeypatch):
    """Feed batches come many times a second on a live desk: the header is built again only
    when the errors the pane shows change."""
    macro = MacroPane()
    qtbot.addWidget(macro)
    macro.apply(PaneView(), pd.Timestamp("2026-02-09T15:00Z").value / 1e9, 30)
    built = []
    real = macro.header_html
    monkeypatch.setattr(macro, "header_html", lambda view: built.append(view) or real(view))
    macro.set_feed_errors({})
    macro.set_feed_errors({"crypto.btc": "HTTP 502"})  # not one of the macro pane's series
    assert built == []
    macro.set_feed_errors({"rates.us10y": "HTTP 502"})
    macro.set_feed_errors({"rates.us10y": "HTTP 502", "crypto.btc": "HTTP 502"})
    assert len(built) == 1 and "⚠ rates.us10y: HTTP 502" in macro.header.text()
    macro.set_feed_errors({"rates.us10y": "timed out"})  # same series, a new message
    macro.set_feed_errors({})  # recovered
    assert len(built) == 3 and "⚠" not in macro.header.text()
