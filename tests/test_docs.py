"""docs/SIGNALS.md is the definition every number on screen can be traced to."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from deskapp.signals.snapshot import compute_snapshot

DOC = Path(__file__).resolve().parents[1] / "docs" / "SIGNALS.md"


def _norm(text: str) -> str:
    return " ".join(text.replace("**", "").split())


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_pane_tooltip_quotes_the_signal_document(qtbot, doc):
    from deskapp.ui.panes.chain import ChainPane
    from deskapp.ui.panes.correlation import CorrelationPane
    from deskapp.ui.panes.crypto_structure import CryptoStructurePane
    from deskapp.ui.panes.leadership import LeadershipPane
    from deskapp.ui.panes.liquidity import LiquidityPane
    from deskapp.ui.panes.macro import MacroPane
    from deskapp.ui.panes.regime import RegimePane
    from deskapp.ui.panes.smallcaps import SmallCapsPane
    from deskapp.ui.panes.volatility import VolatilityPane

    text = _norm(doc)
    for cls in (MacroPane, LeadershipPane, CryptoStructurePane, CorrelationPane, RegimePane,
                SmallCapsPane, ChainPane, LiquidityPane, VolatilityPane):
        pane = cls()
        qtbot.addWidget(pane)
        assert _norm(cls.description) in text, cls.__name__
        assert _norm(cls.description) in _norm(pane.toolTip()), cls.__name__


def test_every_snapshot_key_is_defined_in_the_document(datasets, doc):
    ds = datasets("2026-02-risk-off")
    snap = compute_snapshot(ds.frames, pd.Timestamp("2026-02-05T22:00Z"), ds.meta).to_dict()
    defined = set(re.findall(r"`([a-z_0-9]+)`", doc))
    for section in ("correlation", "trend", "macro", "liquidity", "volatility", "breadth",
                    "crypto", "smallcaps", "stress"):
        for key in snap[section]:
            assert key in defined, f"{section}.{key} has no definition in docs/SIGNALS.md"
