"""The Regime pane's text (rules, early warnings, flywheel) changes every board: it is laid out
where it is, relays nothing above it, and keeps the trader's scroll position
(deskapp/ui/rich_text_view.py; the cost: docs/ARCHITECTURE.md, "Start-up and steady speed")."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

from deskapp.signals.engine import SignalSettings, compute
from deskapp.signals.snapshot import Evidence
from deskapp.ui.panes.regime import RegimePane
from tests.support.event_count import EventCount


def layout_requests(pane: QWidget, text: QWidget) -> EventCount:
    """LayoutRequest events reaching the pane or a widget in it, but for `text` (which places
    its own scroll bars) and what is inside it."""
    outside = [w for w in (pane, *pane.findChildren(QWidget))
               if w is not text and not text.isAncestorOf(w)]
    return EventCount(QEvent.Type.LayoutRequest, *outside)


@pytest.fixture(scope="module")
def snapshot(datasets, config):
    ds = datasets("2026-02-risk-off")
    view = compute(ds.frames, ds.meta, pd.Timestamp("2026-02-05T21:00Z"),
                   SignalSettings.from_config(config), source="replay",
                   dataset="2026-02-risk-off", view_days=ds.info.view_days)
    return view.snapshot


def with_evidence(snap, text: str):
    """The snapshot with every rule's evidence replaced by `text` (long: the body scrolls)."""
    reg = snap.regime
    rules = tuple(Evidence(e.name, e.lit, text) for e in reg.evidence)
    return replace(snap, regime=replace(reg, evidence=rules))


@pytest.fixture
def pane(qtbot, snapshot):
    pane = RegimePane()
    qtbot.addWidget(pane)
    pane.resize(380, 300)
    pane.show()
    qtbot.waitExposed(pane)
    pane.apply_snapshot(with_evidence(snapshot, "alpha " * 40))
    QApplication.processEvents()
    return pane


def test_a_new_text_is_shown_and_relays_nothing_above_it(pane, snapshot):
    requests = layout_requests(pane, pane.body)
    pane.apply_snapshot(with_evidence(snapshot, "omega " * 40))
    QCoreApplication.sendPostedEvents()
    QApplication.processEvents()
    assert "omega omega" in pane.body.text()
    assert "omega omega" in pane.body.toPlainText()  # what is drawn, not only kept
    assert "alpha" not in pane.body.toPlainText()
    # A label's new text had the scroll area around it lay itself out again (and the label's
    # document laid out at each step); the text view takes it at the size it has.
    assert requests.count == 0


def test_a_new_text_keeps_the_traders_scroll_position(pane, snapshot):
    bar = pane.body.verticalScrollBar()
    assert bar.maximum() > 100  # the text is longer than the pane
    bar.setValue(bar.maximum() // 2)
    kept = bar.value()
    pane.apply_snapshot(with_evidence(snapshot, "omega " * 40))
    QApplication.processEvents()
    assert bar.value() == kept
    bar.setValue(bar.maximum())
    pane.apply_snapshot(with_evidence(snapshot, "short"))  # shorter: as far down as it goes
    QApplication.processEvents()
    assert 0 < bar.value() == bar.maximum() < kept


def test_the_same_text_again_is_not_set_again(pane, snapshot):
    document = pane.body.document()
    revision = document.revision()
    pane.apply_snapshot(with_evidence(snapshot, "alpha " * 40))
    assert document.revision() == revision
