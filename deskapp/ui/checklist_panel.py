"""The daily risk-off checklist sidebar (DESIGN.md §6): five time-boxed steps, then a decision.

A run starts at step 1 ("Start checklist", F5). Each step shows its evidence from the current
snapshot and a suggested status (risk-off / neutral / risk-on) that the trader confirms ("Done ▸
next") or overrides with a note. Each step counts down its time box and the run counts down its
15 minutes; running over is marked (⚠ "+m:ss over"), never blocked. The execution step holds the
horizon profile with its playbook, the position risk limit and a decision note beside the Hedge /
Reduce / Wait buttons.

The panel only shows and emits: `sig_decide(decision)` goes to the main window, which hands
`decision_fields()` to a journal writer thread and reports back through `show_pending`, then
`show_saved` / `show_error` once the commit returned. Time comes from an
injected monotonic clock (`ChecklistRun`); the 1 s timer only repaints the countdowns.

Keyboard (every action has one; `KEYS` lists them for the help line):
F5 start · Ctrl+Enter or Alt+N done ▸ next · Alt+P back · Alt+1..5 go to step · Up/Down on a status
· Tab walks the step controls in order · Alt+O profile · Alt+L risk limit · Alt+T decision note ·
Ctrl+1/2/3 hedge/reduce/wait.
"""

from __future__ import annotations

import html
import logging
import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from deskapp.playbooks import PROFILES, Playbook, PlaybookError, Playbooks, load_playbooks
from deskapp.signals.checklist import NEUTRAL, RISK_OFF, RISK_ON, STATUSES, suggest
from deskapp.signals.snapshot import Snapshot
from deskapp.ui import theme
from deskapp.ui.checklist_timer import ChecklistRun, clock_text, countdown
from deskapp.ui.keys import KeepSpace
from deskapp.ui.quiet import set_style

log = logging.getLogger(__name__)


class Step(NamedTuple):
    """A checklist step: its name (as `signals.checklist.suggest` calls it), its time box in
    minutes, and what to look at."""

    name: str
    minutes: int
    hint: str


# DESIGN.md section 6.
STEPS: tuple[Step, ...] = (
    Step("Macro", 2, "10y and bill yields, DXY: is the dollar strong while yields hold or rise?"),
    Step("Equity leadership", 4,
         "AI basket above its SMAs, RSP/SPY, SMH/SPY: is leadership cracking?"),
    Step("Crypto structure", 4,
         "Funding, open interest vs price, liquidations: is leverage trapped?"),
    Step("Correlation", 3,
         "S&P 500 vs BTC, daily and intraday: is the sell-off systemic (>= 0.7)?"),
    Step("Execution rule", 2, "Decide: hedge, reduce or wait, by your profile's playbook."),
)
RUN_MINUTES = sum(s.minutes for s in STEPS)
EXECUTION_STEP = "Execution rule"  # its evidence also carries the regime's base rate
# Theme colour names, resolved when styled (theme.text): a theme switch recolours the buttons.
DECISIONS = (("hedge", "Hedge", "VERMILLION"), ("reduce", "Reduce", "AMBER"),
             ("wait", "Wait", "SKY"))
# Status shown with a shape as well as its word (never colour alone).
STATUS_TEXT = {RISK_OFF: "▼ risk-off", NEUTRAL: "■ neutral", RISK_ON: "▲ risk-on"}
DEFAULT_PROFILE = "swing"
DEFAULT_RISK_LIMIT = 10.0
SETTINGS_PROFILE = "checklist/profile"
SETTINGS_RISK_LIMIT = "checklist/risk_limit"

START_KEYS = ("F5",)
DONE_KEYS = ("Ctrl+Return", "Ctrl+Enter", "Alt+N")
BACK_KEYS = ("Alt+P",)
KEYS = ("F5 start · Ctrl+Enter / Alt+N done ▸ next · Alt+P back · Alt+1…5 go to step · "
        "↑/↓ change a status · Tab next field · Alt+O profile · Alt+L risk limit · "
        "Alt+T note · Ctrl+1/2/3 hedge/reduce/wait")


def _bold(widget: QWidget, scale: float = 1.0) -> None:
    font = QFont(widget.font())
    font.setBold(True)
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    widget.setFont(font)


def _small(widget: QWidget, scale: float = 0.92) -> None:
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    widget.setFont(font)


def _set_label(label: QLabel, text: str, style: str) -> None:
    """Text, accessible description and style, each touched only when it changes (the 1 s
    timer calls this for every countdown)."""
    if label.text() != text:
        label.setText(text)
        label.setAccessibleDescription(text)
    set_style(label, style)


class StepCard(QFrame):
    """One step: name and countdown, status, evidence, and the override note."""

    def __init__(self, index: int, step: Step, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.step = step
        n = index + 1
        self.setObjectName(f"step_card_{n}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(3)

        head = QHBoxLayout()
        head.setSpacing(4)
        self.name_button = QToolButton(self)
        self.name_button.setObjectName(f"step_{n}")
        self.name_button.setAutoRaise(True)
        self.name_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Alt+1..5 reach it
        self.name_button.setToolTip(f"{step.hint}\nGo to this step (Alt+{n})")
        self.name_button.setAccessibleName(f"Step {n}: {step.name}")
        self.name_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.name_button.setStyleSheet("QToolButton { padding: 1px 2px; text-align: left; }")
        _bold(self.name_button)
        head.addWidget(self.name_button)
        head.addStretch(1)
        self.timer_label = QLabel(self)
        self.timer_label.setObjectName(f"timer_{n}")
        self.timer_label.setAccessibleName(f"Step {n} time")
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
        head.addWidget(self.timer_label)
        self.status_box = QComboBox(self)
        self.status_box.setObjectName(f"status_{n}")
        for status in STATUSES:
            self.status_box.addItem(STATUS_TEXT[status], status)
        self.status_box.setCurrentIndex(STATUSES.index(NEUTRAL))
        self.status_box.setAccessibleName(f"Step {n} {step.name} status")
        self.status_box.setToolTip("Suggested from the snapshot; choose another to override it "
                                   "(↑/↓, or F4 to open the list)")
        head.addWidget(self.status_box)
        layout.addLayout(head)

        self.evidence_label = QLabel(step.hint, self)
        self.evidence_label.setObjectName(f"evidence_{n}")
        self.evidence_label.setWordWrap(True)
        self.evidence_label.setTextFormat(Qt.TextFormat.PlainText)
        self.evidence_label.setAccessibleName(f"Step {n} evidence")
        _small(self.evidence_label)
        layout.addWidget(self.evidence_label)

        self.override_label = QLabel(self)
        self.override_label.setObjectName(f"override_{n}")
        self.override_label.setAccessibleName(f"Step {n} override")
        self.override_label.hide()
        layout.addWidget(self.override_label)
        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName(f"note_{n}")
        self.note_edit.setPlaceholderText("Why override the suggestion? (recorded)")
        self.note_edit.setAccessibleName(f"Step {n} {step.name} override note")
        self.note_edit.setClearButtonEnabled(True)
        self.note_edit.setEnabled(False)
        self.note_edit.hide()
        layout.addWidget(self.note_edit)
        self.body = layout
        self.restyle()

    def restyle(self) -> None:
        """The fixed styles, in the current theme's colours."""
        set_style(self.evidence_label, f"color:{theme.MUTED};")
        set_style(self.override_label, f"color:{theme.AMBER}; font-weight:bold;")

    def set_evidence(self, text: str) -> None:
        if self.evidence_label.text() != text:
            self.evidence_label.setText(text)
            self.fit_evidence()

    def fit_evidence(self) -> None:
        """Give the wrapped evidence its full height at the current width: the box layout
        does not ask a word-wrapped label for its height, so the card would clip it."""
        label = self.evidence_label
        width = label.width() if label.width() > 0 else self.width() - 12
        label.setMinimumHeight(label.heightForWidth(max(width, 50)))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.fit_evidence()

    def status(self) -> str:
        return str(self.status_box.currentData())

    def set_status(self, status: str) -> None:
        self.status_box.setCurrentIndex(STATUSES.index(status))

    def show_state(self, *, current: bool, done: bool) -> None:
        n = self.index + 1
        mark = "▶" if current else "✔" if done else "○"
        self.name_button.setText(f"{mark} {n}. {self.step.name}")
        state = "current" if current else "done" if done else "to do"
        self.name_button.setAccessibleDescription(f"{state}, time box {self.step.minutes} min")
        if current:
            style = (f"QFrame#{self.objectName()} {{ border:2px solid {theme.SKY};"
                     f" border-radius:5px; background:{theme.CURRENT_BG}; }}")
        else:
            style = (f"QFrame#{self.objectName()} {{ border:1px solid {theme.GRID};"
                     " border-radius:5px; }")
        set_style(self, style)

    def show_time(self, text: str, overrun: bool, emphasis: bool) -> None:
        if overrun:
            text, colour = f"⚠ {text}", theme.AMBER
        else:
            colour = theme.FOREGROUND if emphasis else theme.MUTED
        weight = "bold" if overrun or emphasis else "normal"
        _set_label(self.timer_label, text, f"color:{colour}; font-weight:{weight};")


class ChecklistPanel(QWidget):
    """The checklist run, the execution inputs and the decision buttons.

    Emits `sig_decide(decision)` ("hedge" / "reduce" / "wait") and `sig_step_changed(index)`
    (the current step, 0-based). Public state for the journal: `decision_fields()`,
    `statuses()`, `ticked()`."""

    sig_decide = Signal(str)
    sig_step_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 settings: QSettings | None = None,
                 playbooks: Playbooks | None = None):
        super().__init__(parent)
        self.setObjectName("checklist_panel")
        self.settings = settings
        self._restoring = False
        self._announced: int | None = None  # the step sig_step_changed last announced
        self.run = ChecklistRun([s.minutes * 60 for s in STEPS], clock)
        self.suggested: dict[str, str | None] = {s.name: None for s in STEPS}
        self._execution_evidence = ""  # the snapshot's line for the execution step
        self._base_rate = ""  # the Track record's line for the regime on screen
        self._book_line = ""  # the book's stress vs limit and hedge (BookFigures.summary_line)
        # Statuses the trader chose or confirmed; the others follow the suggestion.
        self._chosen: dict[str, str] = {}
        self.playbooks, self.playbook_message = self._load_playbooks(playbooks)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        outer.addLayout(self._build_header())
        outer.addLayout(self._build_run_bar())

        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("checklist_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        content = QWidget()
        content.setObjectName("checklist_steps")
        steps_layout = QVBoxLayout(content)
        steps_layout.setContentsMargins(0, 0, 4, 0)
        steps_layout.setSpacing(5)
        self.cards: list[StepCard] = []
        for i, step in enumerate(STEPS):
            card = StepCard(i, step, content)
            card.status_box.activated.connect(lambda _i, c=card: self._on_status_chosen(c))
            card.name_button.clicked.connect(lambda _=False, i=i: self.go_to(i))
            steps_layout.addWidget(card)
            self.cards.append(card)
        self._build_execution(self.cards[-1])
        keys = QLabel(KEYS, content)
        keys.setObjectName("checklist_keys")
        keys.setWordWrap(True)
        self.keys_label = keys
        keys.setAccessibleName("Keyboard shortcuts")
        _small(keys, 0.85)
        steps_layout.addWidget(keys)
        steps_layout.addStretch(1)
        self.scroll.setWidget(content)
        outer.addWidget(self.scroll, 1)

        outer.addLayout(self._build_decisions())
        self.status = QLabel("No decision recorded in this session yet.", self)
        self.status.setObjectName("decision_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setAccessibleName("Decision status")
        outer.addWidget(self.status)

        self._shortcuts: list[QShortcut] = []
        self._bind(START_KEYS, self.start_run)
        self._bind(DONE_KEYS, self.done_and_next)
        self._bind(BACK_KEYS, self.back)
        for i in range(len(STEPS)):
            self._bind((f"Alt+{i + 1}",), lambda i=i: self.go_to(i))
        self._set_tab_order()

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)
        self._restore_settings()
        self._status_shown: Callable[[], None] | None = None  # redraws the status line
        self.restyle()  # styles, playbook, step states and countdowns

    # ------------------------------------------------------------------ building
    def _build_header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Daily risk-off checklist", self)
        title.setObjectName("checklist_title")
        _bold(title, 1.1)
        row.addWidget(title, 1)
        self.total_label = QLabel(self)
        self.total_label.setObjectName("run_total")
        self.total_label.setAccessibleName("Checklist time")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        _bold(self.total_label, 1.1)
        row.addWidget(self.total_label)
        return row

    def _build_run_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(4)
        self.start_button = QPushButton("▶ Start checklist", self)
        self.start_button.setObjectName("run_start")
        self.start_button.setToolTip(f"Start the {RUN_MINUTES}-minute run at step 1 (F5)")
        self.start_button.setAccessibleName("Start checklist")
        self.start_button.clicked.connect(self.start_run)
        self.back_button = QPushButton("◀ Back", self)
        self.back_button.setObjectName("run_back")
        self.back_button.setToolTip("Back to the previous step (Alt+P); Alt+1…5 go to a step")
        self.back_button.setAccessibleName("Previous step")
        self.back_button.clicked.connect(self.back)
        self.done_button = QPushButton("✔ Done ▸ next", self)
        self.done_button.setObjectName("run_done")
        self.done_button.setToolTip("Confirm this step's status and go to the next step "
                                    "(Ctrl+Enter or Alt+N)")
        self.done_button.setAccessibleName("Done, next step")
        self.done_button.clicked.connect(self.done_and_next)
        row.addWidget(self.start_button, 3)
        row.addWidget(self.back_button, 2)
        row.addWidget(self.done_button, 3)
        return row

    def _build_execution(self, card: StepCard) -> None:
        """Profile, risk limit, the profile's playbook and the decision note (execution step)."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        self.profile_box = QComboBox(card)
        self.profile_box.setObjectName("profile")
        for profile in PROFILES:
            self.profile_box.addItem(profile, profile)
        self.profile_box.setAccessibleName("Horizon profile")
        self.profile_box.setToolTip("Your horizon: each has its own playbook and re-entry rules")
        profile_label = QLabel("Pr&ofile", card)
        profile_label.setBuddy(self.profile_box)
        self.risk_spin = QDoubleSpinBox(card)
        self.risk_spin.setObjectName("risk_limit")
        self.risk_spin.setRange(0.0, 100.0)
        self.risk_spin.setDecimals(1)
        self.risk_spin.setSingleStep(0.5)
        self.risk_spin.setSuffix(" % of book")
        self.risk_spin.setValue(DEFAULT_RISK_LIMIT)
        self.risk_spin.setAccessibleName("Position risk limit, percent of the book")
        self.risk_spin.setToolTip("Position risk limit in percent of the book (0–100)")
        risk_label = QLabel("Risk &limit", card)
        risk_label.setBuddy(self.risk_spin)
        grid.addWidget(profile_label, 0, 0)
        grid.addWidget(self.profile_box, 0, 1)
        grid.addWidget(risk_label, 1, 0)
        grid.addWidget(self.risk_spin, 1, 1)
        self.hedge_box = QComboBox(card)
        self.hedge_box.setObjectName("hedge_choice")
        self.hedge_box.addItem("none", "none")
        self.hedge_box.setAccessibleName("Hedge chosen")
        self.hedge_box.setToolTip("The hedge this decision takes (the Book dock's suggestions "
                                  "for this risk limit); recorded with the decision")
        hedge_label = QLabel("He&dge", card)
        hedge_label.setBuddy(self.hedge_box)
        grid.addWidget(hedge_label, 2, 0)
        grid.addWidget(self.hedge_box, 2, 1)
        for field in (self.profile_box, self.risk_spin, self.hedge_box):
            field.setMinimumWidth(150)
        grid.setColumnStretch(2, 1)  # the fields keep their own width in a wide dock
        card.body.addLayout(grid)

        self.playbook_label = QLabel(card)
        self.playbook_label.setObjectName("playbook")
        self.playbook_label.setWordWrap(True)
        self.playbook_label.setTextFormat(Qt.TextFormat.RichText)
        self.playbook_label.setAccessibleName("Playbook")
        card.body.addWidget(self.playbook_label)

        self.notes_edit = QLineEdit(card)
        self.notes_edit.setObjectName("decision_note")
        self.notes_edit.setPlaceholderText("Decision note (optional)")
        self.notes_edit.setAccessibleName("Decision note")
        self.notes_edit.setClearButtonEnabled(True)
        notes_label = QLabel("No&te", card)
        notes_label.setBuddy(self.notes_edit)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(notes_label)
        row.addWidget(self.notes_edit, 1)
        card.body.addLayout(row)
        self.profile_box.currentIndexChanged.connect(self._on_profile_changed)
        self.risk_spin.valueChanged.connect(self._on_risk_changed)

    def _build_decisions(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        self.buttons: dict[str, QPushButton] = {}
        for col, (decision, text, _colour) in enumerate(DECISIONS):
            key = f"Ctrl+{col + 1}"
            button = QPushButton(f"{text}\n{key}", self)
            button.setObjectName(f"decide_{decision}")
            button.setMinimumHeight(44)
            button.setShortcut(QKeySequence(key))
            button.setToolTip(f"Record '{decision}' in the journal ({key})")
            button.setAccessibleName(f"Decide {decision}")
            button.clicked.connect(lambda _=False, d=decision: self.decide(d))
            grid.addWidget(button, 0, col)
            self.buttons[decision] = button
        return grid

    def _bind(self, keys: tuple[str, ...], slot: Callable[[], Any]) -> None:
        for key in keys:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)

    def _set_tab_order(self) -> None:
        """Run buttons, then each step's status and note in step order, then the execution
        inputs and the decision buttons."""
        chain: list[QWidget] = [self.start_button, self.back_button, self.done_button]
        for card in self.cards:
            chain += [card.status_box, card.note_edit]
        chain += [self.profile_box, self.risk_spin, self.hedge_box, self.notes_edit,
                  *(self.buttons[d] for d, _, _ in DECISIONS)]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._keep_space = KeepSpace(self)
        for widget in chain:
            if not isinstance(widget, QLineEdit | QDoubleSpinBox):  # those take Space anyway
                widget.installEventFilter(self._keep_space)

    # ------------------------------------------------------------------ settings, playbooks
    @staticmethod
    def _load_playbooks(given: Playbooks | None) -> tuple[Playbooks | None, str | None]:
        if given is not None:
            return given, given.message
        try:
            books = load_playbooks()
        except PlaybookError as exc:  # a broken install: say so, keep the panel usable
            log.error("playbooks: %s", exc)
            return None, str(exc)
        if books.message:
            log.warning("playbooks: %s", books.message)
        return books, books.message

    def _restore_settings(self) -> None:
        profile, risk = DEFAULT_PROFILE, DEFAULT_RISK_LIMIT
        if self.settings is not None:
            saved = self.settings.value(SETTINGS_PROFILE)
            if saved in PROFILES:
                profile = str(saved)
            try:
                value = float(self.settings.value(SETTINGS_RISK_LIMIT, DEFAULT_RISK_LIMIT))
            except (TypeError, ValueError):
                value = DEFAULT_RISK_LIMIT
            if math.isfinite(value) and 0.0 <= value <= 100.0:
                risk = value
        self._restoring = True
        try:
            self.profile_box.setCurrentIndex(PROFILES.index(profile))
            self.risk_spin.setValue(risk)
        finally:
            self._restoring = False

    def _on_profile_changed(self, _index: int) -> None:
        self._show_playbook()
        if self.settings is not None and not self._restoring:
            self.settings.setValue(SETTINGS_PROFILE, self.profile())

    def _on_risk_changed(self, value: float) -> None:
        if self.settings is not None and not self._restoring:
            self.settings.setValue(SETTINGS_RISK_LIMIT, float(value))

    def playbook(self) -> Playbook | None:
        """The playbook of the chosen profile (None only when no playbook file loads)."""
        if self.playbooks is None:
            return None
        return self.playbooks[self.profile()]

    def _show_playbook(self) -> None:
        book = self.playbook()
        if book is None:
            text = "<i>No playbook available.</i>"
        else:
            text = (f"<b>{html.escape(book.title)}</b><br>"
                    f"{html.escape(book.text).replace(chr(10), '<br>')}")
        if self.playbook_message:
            text += (f"<br><span style='color:{theme.AMBER}'>⚠ "
                     f"{html.escape(self.playbook_message)}</span>")
        self.playbook_label.setText(text)
        self.playbook_label.setToolTip(str(book.source) if book else "")
        self.playbook_label.setAccessibleDescription(
            f"{book.title}. {book.text}" if book else "No playbook available")

    # ------------------------------------------------------------------ the run
    def start_run(self) -> None:
        """Start the run at step 1 (F5). After a finished run (a decision recorded) this starts
        a new one: times, 'done' marks, chosen statuses and notes are cleared. While a run is
        going on it does nothing (the button is disabled)."""
        if self.run.running:
            return
        if self.run.state == "finished":
            self._chosen.clear()
            for card in self.cards:
                card.note_edit.clear()
            self.notes_edit.clear()
            for card in self.cards:
                self._show_suggestion(card)
        self.run.start(0)
        self._announced = None
        self._tick.start()
        self._after_move()

    def done_and_next(self) -> None:
        """Confirm the current step's status and go to the next step (Ctrl+Enter, Alt+N).
        On the execution step the focus moves on to the profile."""
        current = self.run.current
        if not self.run.running or current is None:
            return
        card = self.cards[current]
        self._chosen[card.step.name] = card.status()
        self._show_override(card)
        moved = self.run.advance()
        self._after_move()
        if not moved:
            self.profile_box.setFocus(Qt.FocusReason.OtherFocusReason)

    def back(self) -> None:
        """Back to the previous step (Alt+P)."""
        if self.run.back():
            self._after_move()

    def go_to(self, index: int) -> None:
        """Make step `index` (0-based) current, e.g. to revisit it (Alt+1..5, click its name)."""
        if self.run.go_to(index):
            self._after_move()

    def _after_move(self) -> None:
        self._update_states()
        self.refresh()
        current = self.run.current
        if self.run.running and current is not None:
            card = self.cards[current]
            card.status_box.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroll.ensureWidgetVisible(card, 0, 0)
            self.scroll.ensureWidgetVisible(card.status_box)
        if current != self._announced:
            self._announced = current
            if current is not None:
                self.sig_step_changed.emit(current)

    def _update_states(self) -> None:
        running = self.run.running
        for i, card in enumerate(self.cards):
            card.show_state(current=running and i == self.run.current, done=self.run.done[i])
            card.name_button.setEnabled(running)
        self.start_button.setEnabled(not running)
        self.start_button.setText("▶ New run" if self.run.state == "finished"
                                  else "▶ Start checklist")
        self.back_button.setEnabled(running and bool(self.run.current))
        self.done_button.setEnabled(running)

    def refresh(self) -> None:
        """Repaint every countdown from the clock (the 1 s timer calls this; tests too)."""
        run = self.run
        for i, card in enumerate(self.cards):
            box = run.time_boxes_s[i]
            elapsed = run.elapsed(i)
            current = run.running and i == run.current
            if current:
                text, over = countdown(elapsed, box)
            elif elapsed > 0:
                over = elapsed > box
                text = (countdown(elapsed, box)[0] if over
                        else f"{clock_text(elapsed)} / {clock_text(box)}")
            else:
                text, over = clock_text(box), False
            card.show_time(text, over, emphasis=current)
        total, box = run.total_elapsed(), run.total_box_s
        left, over = countdown(total, box)
        if not run.started:
            text = f"{clock_text(box)} total"
        elif run.running:
            text = left
        else:
            text = f"done in {clock_text(total)}" + (f" ({left})" if over else "")
        if over:
            text = f"⚠ {text}"
        colour = theme.AMBER if over else theme.FOREGROUND if run.running else theme.MUTED
        _set_label(self.total_label, text, f"color:{colour};")

    # ------------------------------------------------------------------ statuses
    def apply_snapshot(self, snapshot: Snapshot) -> None:
        """Pre-fill each step's evidence and suggested status; keep what the trader chose."""
        for call in suggest(snapshot):
            card = self.cards[self._index(call.step)]
            self.suggested[call.step] = call.status
            if call.step == EXECUTION_STEP:
                self._execution_evidence = call.evidence
                self._show_execution_evidence()
            else:
                card.set_evidence(call.evidence)
            self._show_suggestion(card)

    def set_base_rate(self, line: str) -> None:
        """What followed days like today (the Track record), under the execution step."""
        if line != self._base_rate:
            self._base_rate = line
            self._show_execution_evidence()

    def set_book(self, line: str, hedges: list[str]) -> None:
        """The book's one-line stress vs limit and hedge under the execution step, and the
        hedges the trader can choose (the first is "none"); the choice is kept while offered."""
        if line != self._book_line:
            self._book_line = line
            self._show_execution_evidence()
        offered = [self.hedge_box.itemData(i) for i in range(self.hedge_box.count())]
        if offered != hedges:
            chosen = self.hedge_choice()
            self.hedge_box.blockSignals(True)
            self.hedge_box.clear()
            for h in hedges or ["none"]:
                self.hedge_box.addItem(h, h)
            self.hedge_box.setCurrentIndex(max(0, self.hedge_box.findData(chosen)))
            self.hedge_box.blockSignals(False)

    def hedge_choice(self) -> str:
        return str(self.hedge_box.currentData() or "none")

    def _show_execution_evidence(self) -> None:
        text = "\n".join(t for t in (self._execution_evidence, self._base_rate,
                                     self._book_line) if t)
        if text:
            self.cards[self._index(EXECUTION_STEP)].set_evidence(text)

    def _index(self, step: str) -> int:
        return next(i for i, s in enumerate(STEPS) if s.name == step)

    def _show_suggestion(self, card: StepCard) -> None:
        chosen = self._chosen.get(card.step.name)
        suggested = self.suggested[card.step.name]
        target = chosen or suggested or NEUTRAL
        if card.status() != target:
            card.set_status(target)
        self._show_override(card)

    def _on_status_chosen(self, card: StepCard) -> None:
        self._chosen[card.step.name] = card.status()
        self._show_override(card)

    def is_override(self, step: str) -> bool:
        """The status shown differs from the snapshot's suggestion."""
        suggested = self.suggested[step]
        return suggested is not None and self.cards[self._index(step)].status() != suggested

    @property
    def overridden(self) -> dict[str, bool]:
        return {s.name: self.is_override(s.name) for s in STEPS}

    def _show_override(self, card: StepCard) -> None:
        override = self.is_override(card.step.name)
        if override:
            suggested = STATUS_TEXT[self.suggested[card.step.name]]
            card.override_label.setText(f"✎ Override · suggested {suggested}")
        had_focus = card.note_edit.hasFocus()
        card.override_label.setVisible(override)
        card.note_edit.setEnabled(override)
        card.note_edit.setVisible(override)
        if had_focus and not override:
            card.status_box.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ what is recorded
    def profile(self) -> str:
        return str(self.profile_box.currentData())

    def risk_limit(self) -> float:
        return float(self.risk_spin.value())

    def notes(self) -> str | None:
        text = self.notes_edit.text().strip()
        return text or None

    def statuses(self) -> dict[str, dict[str, Any]]:
        """Per step name: status chosen, status suggested (None before any snapshot), override,
        note (the override note, None when not an override or empty), elapsed_s, time_box_s,
        overrun and done."""
        out = {}
        for i, (card, step) in enumerate(zip(self.cards, STEPS, strict=True)):
            override = self.is_override(step.name)
            note = card.note_edit.text().strip() if override else ""
            out[step.name] = {
                "status": card.status(),
                "suggested": self.suggested[step.name],
                "override": override,
                "note": note or None,
                "elapsed_s": round(self.run.elapsed(i), 1),
                "time_box_s": step.minutes * 60,
                "overrun": self.run.overrun(i),
                "done": self.run.done[i],
            }
        return out

    def ticked(self) -> dict[str, bool]:
        """Which steps the trader marked done in this run, by step name."""
        return {s.name: self.run.done[i] for i, s in enumerate(STEPS)}

    def decision_fields(self) -> dict[str, Any]:
        """Everything the journal records from the panel (JSON-safe): profile, risk_limit,
        notes, steps (as `statuses()`) and run {started, elapsed_s, overrun}."""
        return {
            "profile": self.profile(),
            "risk_limit": self.risk_limit(),
            "notes": self.notes(),
            "steps": self.statuses(),
            "run": {"started": self.run.started,
                    "elapsed_s": round(self.run.total_elapsed(), 1),
                    "overrun": self.run.total_overrun()},
        }

    def decide(self, decision: str) -> None:
        """Emit `sig_decide` (the buttons, Ctrl+1/2/3). A running run stops first, the execution
        step counted as done with its status confirmed, so `decision_fields()` read by the
        receiver holds the final times."""
        if self.run.running:
            card = self.cards[-1]
            self._chosen[card.step.name] = card.status()
            self.run.done[-1] = True
            self.run.finish()
            self._tick.stop()
            self._update_states()
            self.refresh()
        self.sig_decide.emit(decision)

    # ------------------------------------------------------------------ theme
    def restyle(self) -> None:
        """Every style and coloured text in the current theme (built here, View ▸ Theme)."""
        set_style(self.keys_label, f"color:{theme.MUTED};")
        for button in (self.start_button, self.back_button, self.done_button):
            # The dark palette colours disabled text like enabled text: grey it here.
            set_style(button, f"QPushButton:disabled {{ color:{theme.MUTED}; }}")
        set_style(self.playbook_label,
                  f"QLabel#playbook {{ border-style:solid; border-color:{theme.text('SKY')};"
                  " border-width:0 0 0 3px; padding:2px 0 2px 6px; }")
        for decision, _text, name in DECISIONS:
            colour = theme.text(name)
            set_style(self.buttons[decision],
                      f"QPushButton {{ border:2px solid {colour}; border-radius:4px;"
                      f" font-weight:bold; padding:3px; }} QPushButton:pressed {{"
                      f" background:{colour}; color:{theme.ink_on(colour)}; }}"
                      f" QPushButton:focus {{ background:{theme.FOCUS_BG}; }}")
        for card in self.cards:
            card.restyle()
        self._update_states()
        self.refresh()
        self._show_playbook()
        if self._status_shown is not None:
            self._status_shown()

    # ------------------------------------------------------------------ journal feedback
    def show_pending(self, decision: str) -> None:
        """A decision is being written: the buttons wait (disabled) until it is saved or not."""
        for button in self.buttons.values():
            button.setEnabled(False)
        self._status_shown = lambda: self.show_pending(decision)
        self.status.setText(f"<span style='color:{theme.MUTED}'><b>… saving</b> "
                            f"{html.escape(decision)}</span>")

    def _ready(self) -> None:
        for button in self.buttons.values():
            button.setEnabled(True)

    def show_saved(self, decision: str, record_id: str, when_utc: str, market_time: str) -> None:
        self._ready()
        self._status_shown = lambda: self.show_saved(decision, record_id, when_utc, market_time)
        self.status.setText(
            f"<span style='color:{theme.text('GREEN')}'><b>✔ saved</b></span> "
            f"{html.escape(decision)} at "
            f"{html.escape(when_utc)} UTC (market {html.escape(market_time)})<br>"
            f"<span style='color:{theme.MUTED}'>id {html.escape(record_id)}</span>")

    def set_recording_off(self, reason: str) -> None:
        """No journal to record in: the decision buttons are off and say why."""
        for button in self.buttons.values():
            button.setEnabled(False)
            button.setToolTip(f"recording is off: {reason}")
        self.status.setText(f"<span style='color:{theme.RED}'><b>✘ recording is off:</b> "
                            f"{html.escape(reason)}</span>")

    def show_error(self, message: str) -> None:
        self._ready()
        self._status_shown = lambda: self.show_error(message)
        self.status.setText(f"<span style='color:{theme.RED}'><b>✘ NOT saved:</b> "
                            f"{html.escape(message)}</span>")
