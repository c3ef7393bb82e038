"""Every text colour reads on its background in both themes (WCAG AA, >= 4.5:1), and a switch of
theme recolours the regime, correlation, checklist and review docks (no colour kept from import).

The contrast ratio is computed here from the WCAG 2.x definition, independently of theme.py."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QLabel, QWidget

from deskapp.journal.model import Decision
from deskapp.journal.store import JournalStore
from deskapp.signals.engine import SignalSettings, compute
from deskapp.signals.snapshot import EarlyWarning, Evidence, Flywheel, Regime
from deskapp.ui import theme
from deskapp.ui.main_window import MainWindow
from deskapp.ui.rich_text_view import RichTextView

OKABE_ITO = ("ORANGE", "SKY", "GREEN", "YELLOW", "BLUE", "VERMILLION", "PURPLE", "GREY")
AA = 4.5


def luminance(colour: str) -> float:
    """WCAG relative luminance of an sRGB '#rrggbb'."""
    h = colour.lstrip("#")
    out = []
    for i in (0, 2, 4):
        c = int(h[i:i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def over(fill: str, under: str) -> str:
    """'#rrggbbaa' composited over an opaque '#rrggbb' (the legend box on the plot)."""
    alpha = int(fill[7:9], 16) / 255
    mix = [round(int(fill[i:i + 2], 16) * alpha + int(under[i:i + 2], 16) * (1 - alpha))
           for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def test_the_ratio_matches_hand_worked_cases():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic miss
    assert contrast("#595959", "#ffffff") == pytest.approx(7.0, abs=0.01)
    # the dark theme's amber, captured at import and drawn on the light theme: 2.2:1
    assert contrast(theme.THEMES["dark"]["AMBER"], "#ffffff") == pytest.approx(2.2, abs=0.05)


def pairs(name: str) -> list[tuple[str, str, str, str]]:
    """(text name, text colour, background name, background colour) drawn in theme `name`."""
    theme.set_colours(name)
    try:
        t = theme.THEMES[name]
        texts = {k: t[k] for k in ("FOREGROUND", "MUTED", "AMBER", "RED")}
        texts.update({k: theme.text(k) for k in OKABE_ITO})
        backgrounds = {k: t[k] for k in theme.TEXT_BACKGROUNDS}
        backgrounds["LEGEND_BG over BACKGROUND"] = over(t["LEGEND_BG"], t["BACKGROUND"])
        out = [(tk, tv, bk, bv) for tk, tv in texts.items() for bk, bv in backgrounds.items()]
        # Body text on buttons and on the focused button.
        out += [("FOREGROUND", t["FOREGROUND"], k, t[k]) for k in ("BUTTON", "FOCUS_BG")]
        # The status bar's mode badge: ink on amber (replay), red (offline), green (live).
        for fill in (t["AMBER"], t["RED"], theme.GREEN):
            out.append(("ink_on", theme.ink_on(fill), f"fill {fill}", fill))
        out.append(("HighlightedText", "#ffffff", "Highlight", theme.BLUE))
        return out
    finally:
        theme.set_colours(theme.DEFAULT_THEME)


@pytest.mark.parametrize("name", sorted(theme.THEMES))
def test_every_text_colour_reaches_aa_on_its_background(name):
    checked = pairs(name)
    assert len(checked) >= 12 * 4
    low = [(tk, tv, bk, bv, round(contrast(tv, bv), 2)) for tk, tv, bk, bv in checked
           if contrast(tv, bv) < AA]
    assert low == [], low


# -- a theme switch recolours every dock ---------------------------------------------------

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def text_colours(window: QWidget) -> set[str]:
    """Every colour named in a style sheet or rich text of the window's widgets, and in its
    plots' threshold labels."""
    found: set[str] = set()
    for w in window.findChildren(QWidget):
        found.update(c.lower() for c in HEX.findall(w.styleSheet()))
        if isinstance(w, (QLabel, RichTextView)):
            found.update(c.lower() for c in HEX.findall(w.text()))
    for view in window.findChildren(pg.GraphicsView):
        for item in view.scene().items() if view.scene() else ():
            if isinstance(item, pg.InfiniteLine) and getattr(item, "label", None) is not None:
                found.add(item.label.color.name().lower())
    return found


def only_in(name: str) -> set[str]:
    """Text colours of theme `name` that the other theme does not use."""
    def colours(n: str) -> set[str]:
        t = theme.THEMES[n]
        subs = theme.TEXT_SUBSTITUTES.get(n, {}).values()
        return {c.lower() for c in (t["FOREGROUND"], t["MUTED"], t["AMBER"], t["RED"], *subs)}
    other = next(n for n in theme.THEMES if n != name)
    return colours(name) - colours(other)


def regime_snapshot(snap):
    """The board's typed snapshot with a hand-made regime: one rule lit, one unknown."""
    return replace(
        snap,
        regime=Regime("volatility event", (Evidence("volatility spike", True, "RV 3.0"),
                                           Evidence("trend break", None, "no 4h bars")), "A"),
        early_warning=EarlyWarning(1, (Evidence("DXY", False, "flat"),)),
        flywheel=Flywheel(0, ()))


def test_a_theme_switch_recolours_regime_correlation_checklist_and_review(
        qtbot, tmp_path, datasets, config, restore_theme):
    journal = JournalStore(tmp_path / "j.sqlite3", "test")
    try:
        journal.record(Decision("reduce", "replay", "2026-02-05T21:00:00Z", profile="swing"))
        window = MainWindow(journal, None, 0.0, "test")
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        with qtbot.waitSignal(window.review.sig_loaded, timeout=10000):
            window.review.reload()
        ds = datasets("2026-02-risk-off")
        view = compute(ds.frames, ds.meta, pd.Timestamp("2026-02-05T21:00Z"),
                       SignalSettings.from_config(config), source="replay",
                       dataset="2026-02-risk-off", view_days=ds.info.view_days)
        # the theme switch draws the board again: the hand-made regime is the board's own
        window.apply_board(replace(view, snapshot=regime_snapshot(view.snapshot)))
        window.checklist.show_saved("reduce", "rid", "21:00:00", "2026-02-05 21:00")
        dark_only, light_only = only_in("dark"), only_in("light")
        assert dark_only and light_only
        before = text_colours(window)
        assert before & dark_only and not before & light_only

        with qtbot.waitSignal(window.screens.sig_theme_done, timeout=10000):
            window.screens.set_theme("light")
        after = text_colours(window)
        assert not after & dark_only, sorted(after & dark_only)
        assert after & light_only
        # The docks named in the issue, one by one.
        assert theme.text("AMBER") == theme.THEMES["light"]["AMBER"]
        regime = window.regime
        assert regime.name_label.styleSheet() == f"color:{theme.THEMES['light']['AMBER']}"
        assert set(HEX.findall(regime.body.text())) == {theme.THEMES["light"]["AMBER"],
                                                        theme.THEMES["light"]["MUTED"]}
        reduce = window.checklist.buttons["reduce"].styleSheet()
        assert theme.THEMES["light"]["AMBER"] in reduce and theme.THEMES["dark"]["AMBER"] \
            not in reduce
        assert theme.text("GREEN") in window.checklist.status.text()
        review_item = window.review.table.item(0, 1)
        assert review_item.foreground().color().name() == theme.THEMES["light"]["AMBER"]
        assert theme.MUTED in window.review.message.styleSheet()
        assert theme.MUTED in window.panes["correlation"].header.text() or \
            theme.FOREGROUND in window.panes["correlation"].header.text()

        with qtbot.waitSignal(window.screens.sig_theme_done, timeout=10000):
            window.screens.set_theme("dark")
        back = text_colours(window)
        assert not back & light_only, sorted(back & light_only)
        assert regime.name_label.styleSheet() == f"color:{theme.THEMES['dark']['AMBER']}"
    finally:
        journal.close()
