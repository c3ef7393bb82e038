"""The checklist panel: a keyboard-only run, countdowns on a hand-driven clock, overrides with
notes, the profile's playbook, and profile / risk limit kept in QSettings (DESIGN.md §6).

Time never passes by sleeping: the panel reads an injected clock the tests move by hand."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMainWindow

from deskapp.playbooks import PROFILES, load_playbooks
from deskapp.signals.checklist import NEUTRAL, RISK_OFF, RISK_ON
from deskapp.signals.engine import snapshot_from_dict
from deskapp.signals.snapshot import Snapshot
from deskapp.ui.checklist_panel import STEPS, ChecklistPanel

NAMES = [s.name for s in STEPS]
CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self, start: float = 5000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def snapshot(**changes) -> Snapshot:
    """A typed snapshot, from a dict as `Snapshot.to_dict()` gives it: Macro and Correlation
    call risk-off, the other steps neutral. `changes` as section__key=value."""
    s = {
        "macro": {"us10y_5d_bp": 18.0, "bill3m_5d_bp": 2.0, "policy_5d_bp": 0.0,
                  "dxy_20d_ret": 0.01, "dxy_20d_z": 0.5, "dollar_strength_with_yields": False},
        "breadth": {"above_sma20": 0.5, "above_sma50": 0.5, "basket_minus_ndx_20d": 0.0,
                    "rsp_spy_20d": 0.0, "smh_spy_20d": 0.0, "igv_spy_20d": 0.0},
        "crypto": {"funding_annualised": 0.20, "oi_24h_change": 0.01,
                   "oi_quadrant": "leveraged rally", "liq_long_z": 0.0, "liq_short_z": 0.0},
        "correlation": {"daily_30": 0.74, "daily_60": 0.6, "daily_90": 0.5, "h1_120": 0.5,
                        "h4_90": 0.5, "zone": "stress", "trend_1h": "mixed",
                        "trend_4h": "mixed"},
        "trend": {"btc_1h": 1, "btc_4h": 1, "btc_1d": 1, "es_1h": 1, "es_4h": 1, "es_1d": 1},
        "flywheel": {"stage": 0, "steps": []},
        "early_warning": {"count": 1, "flags": []},
        "regime": {"name": "volatility event", "evidence": [], "scenario": None},
    }
    s = copy.deepcopy(s)
    for path, value in changes.items():
        section, key = path.split("__")
        s[section][key] = value
    return snapshot_from_dict(s)


SUGGESTED = [RISK_OFF, NEUTRAL, NEUTRAL, RISK_OFF, NEUTRAL]


@pytest.fixture
def make_panel(qtbot, tmp_path):
    """A shown, active panel on a fake clock and its own settings file."""

    def make(settings: QSettings | None = None, **kwargs) -> tuple[ChecklistPanel, FakeClock]:
        clock = FakeClock()
        panel = ChecklistPanel(clock=clock, settings=settings, **kwargs)
        qtbot.addWidget(panel)
        panel.resize(380, 900)
        panel.show()
        qtbot.waitExposed(panel, timeout=60000)
        panel.activateWindow()
        qtbot.waitUntil(panel.isActiveWindow, timeout=60000)
        return panel, clock

    return make


def ini(tmp_path, name: str = "deskapp.ini") -> QSettings:
    return QSettings(str(tmp_path / name), QSettings.Format.IniFormat)


def key(panel: ChecklistPanel, k: Qt.Key, mod=Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key where the keyboard focus is (as a trader would)."""
    QTest.keyClick(panel.focusWidget() or panel, k, mod)


def test_whole_checklist_by_keyboard_records_every_field(make_panel, qtbot, tmp_path):
    panel, clock = make_panel(settings=ini(tmp_path))
    panel.apply_snapshot(snapshot())
    assert [panel.statuses()[n]["suggested"] for n in NAMES] == SUGGESTED
    assert [panel.statuses()[n]["status"] for n in NAMES] == SUGGESTED
    assert not panel.decision_fields()["run"]["started"]

    moves = []
    panel.sig_step_changed.connect(moves.append)
    key(panel, Qt.Key.Key_F5)  # start
    assert panel.run.running and panel.run.current == 0
    assert panel.focusWidget() is panel.cards[0].status_box
    clock.advance(100)
    key(panel, Qt.Key.Key_Return, CTRL)  # 1. Macro: confirm risk-off, next
    assert panel.run.current == 1 and panel.focusWidget() is panel.cards[1].status_box

    # 2. Equity leadership: override neutral -> risk-on, with a note.
    clock.advance(200)
    card = panel.cards[1]
    assert not card.note_edit.isEnabled() and not card.note_edit.isVisible()
    key(panel, Qt.Key.Key_Down)
    assert card.status() == RISK_ON
    assert card.note_edit.isEnabled() and card.note_edit.isVisible()
    assert card.override_label.isVisible() and "suggested" in card.override_label.text()
    key(panel, Qt.Key.Key_Tab)
    assert panel.focusWidget() is card.note_edit
    qtbot.keyClicks(card.note_edit, "equal weight holds up")
    key(panel, Qt.Key.Key_N, ALT)  # next
    assert panel.run.current == 2

    clock.advance(240)
    key(panel, Qt.Key.Key_P, ALT)  # revisit step 2: its time runs again
    assert panel.run.current == 1
    clock.advance(15)
    key(panel, Qt.Key.Key_3, ALT)  # straight to step 3
    assert panel.run.current == 2
    clock.advance(5)
    key(panel, Qt.Key.Key_Return, CTRL)  # 3. Crypto structure
    clock.advance(180)
    key(panel, Qt.Key.Key_Return, CTRL)  # 4. Correlation
    assert panel.run.current == 4 and panel.focusWidget() is panel.cards[4].status_box
    clock.advance(60)
    key(panel, Qt.Key.Key_Return, CTRL)  # 5. Execution rule: confirmed, focus to the profile
    assert panel.run.current == 4 and panel.run.done == [True] * 5
    assert panel.focusWidget() is panel.profile_box
    assert moves == [0, 1, 2, 1, 2, 3, 4]

    assert panel.profile() == "swing"
    key(panel, Qt.Key.Key_Up)  # swing -> short-term
    assert panel.profile() == "short-term"
    assert "knife" in panel.playbook_label.text().lower()
    key(panel, Qt.Key.Key_Tab)
    assert panel.focusWidget() is panel.risk_spin
    qtbot.keyClicks(panel.risk_spin, "25")  # Tab selected the old value: typing replaces it
    assert panel.risk_limit() == 25.0
    key(panel, Qt.Key.Key_Tab)
    assert panel.focusWidget() is panel.hedge_box  # the book's hedges ("none" without a book)
    key(panel, Qt.Key.Key_Tab)
    assert panel.focusWidget() is panel.notes_edit
    qtbot.keyClicks(panel.notes_edit, "cut size into the close")

    seen = []
    panel.sig_decide.connect(lambda d: seen.append((d, panel.decision_fields())))
    with qtbot.waitSignal(panel.sig_decide, timeout=60000) as blocker:
        key(panel, Qt.Key.Key_1, CTRL)  # hedge
    assert blocker.args == ["hedge"]
    clock.advance(500)  # the run stopped with the decision: nothing moves any more
    fields = panel.decision_fields()
    assert seen == [("hedge", fields)]
    assert fields["profile"] == "short-term"
    assert fields["risk_limit"] == 25.0
    assert fields["notes"] == "cut size into the close"
    assert fields["run"] == {"started": True, "elapsed_s": 800.0, "overrun": False}
    steps = fields["steps"]
    assert list(steps) == NAMES
    assert [steps[n]["status"] for n in NAMES] == [RISK_OFF, RISK_ON, NEUTRAL, RISK_OFF,
                                                   NEUTRAL]
    assert [steps[n]["suggested"] for n in NAMES] == SUGGESTED
    assert [steps[n]["override"] for n in NAMES] == [False, True, False, False, False]
    assert [steps[n]["note"] for n in NAMES] == [None, "equal weight holds up", None, None,
                                                 None]
    assert [steps[n]["elapsed_s"] for n in NAMES] == [100.0, 215.0, 245.0, 180.0, 60.0]
    assert [steps[n]["time_box_s"] for n in NAMES] == [120, 240, 240, 180, 120]
    assert [steps[n]["overrun"] for n in NAMES] == [False, False, True, False, False]
    assert all(steps[n]["done"] for n in NAMES)
    assert panel.ticked() == dict.fromkeys(NAMES, True)
    assert panel.statuses() == steps
    assert "done in 13:20" in panel.total_label.text()


def test_countdowns_on_a_fake_clock(make_panel, qtbot):
    panel, clock = make_panel()
    timer1, timer2 = panel.cards[0].timer_label, panel.cards[1].timer_label
    assert timer1.text() == "2:00" and panel.total_label.text() == "15:00 total"
    panel.start_run()
    assert timer1.text() == "2:00 left" and panel.total_label.text() == "15:00 left"
    clock.advance(60)
    panel.refresh()
    assert timer1.text() == "1:00 left" and "⚠" not in timer1.text()
    clock.advance(90)  # 150 s into a 2-minute step
    panel.refresh()
    assert timer1.text() == "⚠ +0:30 over"
    assert panel.total_label.text() == "12:30 left"
    assert panel.decision_fields()["steps"]["Macro"]["overrun"] is True

    # Overrun does not block: Done still moves on, and the overrun stays marked.
    panel.done_and_next()
    assert panel.run.current == 1 and panel.run.done[0]
    assert timer1.text() == "⚠ +0:30 over" and timer2.text() == "4:00 left"
    clock.advance(10)
    panel.refresh()
    assert timer2.text() == "3:50 left" and panel.total_label.text() == "12:20 left"
    assert timer1.text() == "⚠ +0:30 over"  # frozen while not current

    # The 1 s timer repaints by itself (no refresh() call here).
    clock.advance(40)
    qtbot.waitUntil(lambda: timer2.text() == "3:10 left", timeout=60000)

    # The whole run over its 15 minutes.
    clock.advance(900 - 200 + 65)
    panel.refresh()
    assert panel.total_label.text() == "⚠ +1:05 over"
    assert panel.decision_fields()["run"]["overrun"] is True
    panel.done_and_next()
    assert panel.run.current == 2


def test_a_visited_step_shows_time_used(make_panel):
    panel, clock = make_panel()
    panel.start_run()
    clock.advance(45)
    panel.done_and_next()
    assert panel.cards[0].timer_label.text() == "0:45 / 2:00"
    assert panel.cards[2].timer_label.text() == "4:00"  # not visited yet


def test_override_note_only_counts_for_an_override_and_choices_survive_new_snapshots(
        make_panel, qtbot):
    panel, _ = make_panel()
    panel.apply_snapshot(snapshot())
    card = panel.cards[0]  # Macro, suggested risk-off
    card.status_box.setFocus()
    qtbot.keyClick(card.status_box, Qt.Key.Key_Down)  # risk-off -> neutral
    assert panel.statuses()["Macro"]["override"] is True
    qtbot.keyClicks(card.note_edit, "yields fell back intraday")
    assert panel.statuses()["Macro"]["note"] == "yields fell back intraday"
    # A new snapshot suggesting what the trader chose: no longer an override, note not recorded.
    panel.apply_snapshot(snapshot(macro__us10y_5d_bp=5.0))
    macro = panel.statuses()["Macro"]
    assert macro == {**macro, "status": NEUTRAL, "suggested": NEUTRAL, "override": False,
                     "note": None}
    assert not card.note_edit.isEnabled()
    # ... and back: the trader's choice stays, the override (and its note) comes back.
    panel.apply_snapshot(snapshot())
    macro = panel.statuses()["Macro"]
    assert (macro["status"], macro["override"], macro["note"]) == (
        NEUTRAL, True, "yields fell back intraday")
    # Steps the trader did not touch follow the snapshot.
    panel.apply_snapshot(snapshot(correlation__daily_30=0.2, correlation__daily_60=0.2))
    corr = panel.statuses()["Correlation"]
    assert (corr["status"], corr["override"]) == (RISK_ON, False)
    assert "daily 30/60/90 0.20/0.20" in panel.cards[3].evidence_label.text()


def test_tab_walks_the_step_controls_in_order(make_panel, qtbot):
    panel, _ = make_panel()
    panel.apply_snapshot(snapshot())
    panel.start_run()
    order = []
    for _ in range(12):
        order.append(panel.focusWidget().objectName())
        key(panel, Qt.Key.Key_Tab)
    assert order == ["status_1", "status_2", "status_3", "status_4", "status_5", "profile",
                     "risk_limit", "hedge_choice", "decision_note", "decide_hedge", "decide_reduce",
                     "decide_wait"]
    # An override's note field joins the order right after its status.
    panel.cards[2].status_box.setFocus()
    key(panel, Qt.Key.Key_Up)
    key(panel, Qt.Key.Key_Tab)
    assert panel.focusWidget() is panel.cards[2].note_edit
    key(panel, Qt.Key.Key_Tab)
    assert panel.focusWidget() is panel.cards[3].status_box
    for w in [*(c.status_box for c in panel.cards), panel.profile_box, panel.risk_spin,
              panel.hedge_box, panel.notes_edit, *panel.buttons.values(), panel.start_button]:
        assert w.accessibleName(), w.objectName()


def test_playbook_text_follows_the_profile(make_panel):
    books = load_playbooks()
    panel, _ = make_panel()
    texts = {}
    for profile in PROFILES:
        panel.profile_box.setCurrentIndex(PROFILES.index(profile))
        texts[profile] = panel.playbook_label.text()
        assert books[profile].title in texts[profile]
        assert panel.decision_fields()["profile"] == profile
    assert len(set(texts.values())) == 3
    assert "knife" in texts["short-term"].lower()
    assert "index futures or options" in texts["swing"]
    assert "dry powder" in texts["long-term"]


def test_user_playbook_and_a_broken_one_say_so(make_panel, tmp_path):
    user = tmp_path / "playbooks.toml"
    user.write_text('[swing]\ntitle = "My swing"\ntext = "Only ever half size."\n',
                    encoding="utf-8")
    panel, _ = make_panel(playbooks=load_playbooks(user))
    panel.profile_box.setCurrentIndex(PROFILES.index("swing"))
    assert "My swing" in panel.playbook_label.text() and "⚠" not in panel.playbook_label.text()
    user.write_text('[swing]\ntitle = ""\n', encoding="utf-8")
    panel2, _ = make_panel(playbooks=load_playbooks(user))
    panel2.profile_box.setCurrentIndex(PROFILES.index("swing"))
    text = panel2.playbook_label.text()
    assert "My swing" not in text and load_playbooks(tmp_path / "none.toml")["swing"].title in text
    assert "⚠" in text and "default playbooks" in text


def test_profile_and_risk_limit_persist_in_settings(make_panel, tmp_path):
    settings = ini(tmp_path)
    panel, _ = make_panel(settings=settings)
    assert (panel.profile(), panel.risk_limit()) == ("swing", 10.0)  # defaults
    panel.profile_box.setCurrentIndex(PROFILES.index("long-term"))
    panel.risk_spin.setValue(33.5)
    settings.sync()
    del settings

    again, _ = make_panel(settings=ini(tmp_path))
    assert (again.profile(), again.risk_limit()) == ("long-term", 33.5)
    assert "dry powder" in again.playbook_label.text()

    # Values nobody can use fall back to the defaults.
    bad = ini(tmp_path, "bad.ini")
    bad.setValue("checklist/profile", "day-trader")
    bad.setValue("checklist/risk_limit", "lots")
    bad.sync()
    third, _ = make_panel(settings=ini(tmp_path, "bad.ini"))
    assert (third.profile(), third.risk_limit()) == ("swing", 10.0)


def test_deciding_without_a_run_and_starting_a_new_run_after_one(make_panel, qtbot):
    panel, clock = make_panel()
    panel.apply_snapshot(snapshot())
    with qtbot.waitSignal(panel.sig_decide, timeout=60000) as blocker:
        panel.buttons["wait"].click()
    assert blocker.args == ["wait"]
    fields = panel.decision_fields()
    assert fields["run"] == {"started": False, "elapsed_s": 0.0, "overrun": False}
    assert not any(s["done"] for s in fields["steps"].values())

    panel.start_run()
    card = panel.cards[1]
    card.status_box.setCurrentIndex(0)
    card.status_box.activated.emit(0)  # as a choice in the list
    card.note_edit.setText("semis breaking")
    clock.advance(30)
    panel.decide("reduce")
    assert not panel.run.running and panel.start_button.text() == "▶ New run"
    assert panel.statuses()["Equity leadership"]["note"] == "semis breaking"
    assert panel.run.done[-1]  # deciding completes the execution step

    panel.start_run()  # a new run starts clean
    assert panel.run.running and panel.run.current == 0
    fields = panel.decision_fields()
    assert fields["run"]["elapsed_s"] == 0.0
    assert [fields["steps"][n]["status"] for n in NAMES] == SUGGESTED
    assert not any(s["override"] or s["done"] for s in fields["steps"].values())


def test_space_presses_a_focused_button_despite_a_window_wide_space_shortcut(qtbot):
    """The main window binds Space to replay play / pause; a focused checklist button keeps it."""
    window = QMainWindow()
    toggled = []
    play = QAction("Play / pause", window)
    play.setShortcut(QKeySequence("Space"))
    play.triggered.connect(lambda: toggled.append(True))
    window.addAction(play)
    panel = ChecklistPanel(clock=FakeClock())
    window.setCentralWidget(panel)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window, timeout=60000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60000)
    panel.start_button.setFocus()
    QTest.keyClick(panel.start_button, Qt.Key.Key_Space)
    assert panel.run.running and toggled == []
    with qtbot.waitSignal(panel.sig_decide, timeout=60000) as blocker:
        panel.buttons["reduce"].setFocus()
        QTest.keyClick(panel.buttons["reduce"], Qt.Key.Key_Space)
    assert blocker.args == ["reduce"] and toggled == []
    panel.notes_edit.setFocus()
    QTest.keyClick(panel.notes_edit, Qt.Key.Key_Space)  # a text field types it
    assert panel.notes_edit.text() == " " and toggled == []
    window.setFocus()
    QTest.keyClick(window, Qt.Key.Key_Space)  # anywhere else, Space still plays
    assert toggled == [True]
